//! Chasing holders: a sent, unanswered task is reminded `REGISTER_REMINDER_DAYS` before its
//! deadline and once overdue, through its channel (the e-mail again with the same link, the
//! webhook redelivered with `X-Register-Reminder`), each reminder once, also across a restart
//! (a new app on the same database); the DPO sees them and can send one by hand.

use super::{
    as_role,
    certificate::{last_mail_of, three_holders},
    confirm, file,
    respond::{PUBLIC_URL, token_in},
    show, task_of, worker,
};
use crate::{
    db_tests,
    support::{TestApp, assert_error},
};
use chrono::{Days, NaiveDate, TimeDelta, Utc};
use entity::task_reminder;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use std::sync::Arc;
use transfer_register::{AppState, domain::vocab::Role, service::requests::delivery::Worker};

db_tests!(
    reminders_go_once_before_the_deadline_and_once_overdue_across_a_restart,
    the_dpo_sends_a_reminder_by_hand_and_sees_it_in_the_history,
    a_failed_reminder_is_tried_again_after_its_backoff_up_to_the_attempts_allowed,
    a_reminder_claimed_by_a_worker_that_stopped_is_claimed_again_once_stale,
);

const REMINDERS: &str = r#"query($id: ID!) { dataSubjectRequest(id: $id) { tasks { id channel status
  reminders { kind daysBefore dueOn requestedBy sentAt detail attempts retryAt }
  history { actor detail } } } }"#;

const SEND: &str =
    r#"mutation($id: ID!) { sendReminder(taskId: $id) { id kind sentAt requestedBy } }"#;

/// A worker as a restarted service builds it: a new state on the same database.
async fn restarted(app: &TestApp) -> Worker {
    let mut config = (*app.state.config).clone();
    config.public_url = Some(PUBLIC_URL.into());
    let state = AppState::new(config.clone()).await.expect("restart");
    Worker::new(state.db.clone(), Arc::new(config), state.dsr.clone())
}

fn on(due: NaiveDate, days: i64) -> NaiveDate {
    if days < 0 {
        due.checked_sub_days(Days::new(days.unsigned_abs()))
    } else {
        due.checked_add_days(Days::new(days.unsigned_abs()))
    }
    .expect("date")
}

async fn reminders_of(app: &TestApp, request: &str, task: &Value) -> Value {
    let data = app.ok(REMINDERS, json!({ "id": request })).await;
    data["dataSubjectRequest"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["id"] == task["id"])
        .expect("task")
        .clone()
}

async fn reminders_go_once_before_the_deadline_and_once_overdue_across_a_restart(app: TestApp) {
    let holders = three_holders(&app).await;
    let request = file(&app, "ERASURE", None).await;
    let first = worker(&app, |c| c.public_url = Some(PUBLIC_URL.into()));
    first.tick().await.expect("tick");
    let shown = show(&app, &request).await;
    let due = NaiveDate::parse_from_str(shown["dueOn"].as_str().expect("dueOn"), "%Y-%m-%d")
        .expect("date");
    let (mailed, hooked) = (
        task_of(&shown, &holders.mailed).clone(),
        task_of(&shown, &holders.hooked).clone(),
    );
    let hooked_id = hooked["id"].as_str().expect("id").to_string();
    assert_eq!(holders.hook.seen(), [(hooked_id.clone(), None)]);
    let link = token_in(&last_mail_of(&app, &mailed).await);
    let outbox = app.count("outbox_message").await;

    // Nothing is due a month ahead.
    assert_eq!(first.remind(on(due, -20)).await.expect("remind"), 0);
    // Five days before: the 7-day reminder, to the e-mailed and the webhook holder, not the
    // manual task.
    assert_eq!(first.remind(on(due, -5)).await.expect("remind"), 2);
    assert_eq!(first.remind(on(due, -5)).await.expect("remind"), 0, "once");
    assert_eq!(app.count("outbox_message").await, outbox + 1);
    let mail = last_mail_of(&app, &mailed).await;
    assert!(mail.starts_with("REMINDER:"), "{mail}");
    assert_eq!(token_in(&mail), link, "the same link");
    assert_eq!(
        holders.hook.seen().last(),
        Some(&(hooked_id.clone(), Some("BEFORE_DEADLINE".to_string())))
    );

    // A restart: the same day again sends nothing.
    let second = restarted(&app).await;
    assert_eq!(second.remind(on(due, -5)).await.expect("remind"), 0);
    // The e-mailed holder answers; only the webhook holder is chased from now on.
    let dpo = as_role(&app, Role::Dpo, None).await;
    let done = confirm(&app, dpo, &mailed, "COMPLETED", Some("Erased")).await;
    assert!(done.get("errors").is_none(), "{done:#}");
    assert_eq!(
        second.remind(on(due, -1)).await.expect("remind"),
        1,
        "the 2-day one"
    );
    assert_eq!(
        second.remind(on(due, 1)).await.expect("remind"),
        1,
        "overdue"
    );
    assert_eq!(second.remind(on(due, 2)).await.expect("remind"), 0);
    let third = restarted(&app).await;
    assert_eq!(
        third.remind(on(due, 3)).await.expect("remind"),
        0,
        "overdue once"
    );
    assert_eq!(app.count("outbox_message").await, outbox + 1);
    let kinds: Vec<Option<String>> = holders.hook.seen().into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        kinds,
        [
            None,
            Some("BEFORE_DEADLINE".into()),
            Some("BEFORE_DEADLINE".into()),
            Some("OVERDUE".into())
        ]
    );

    let task = reminders_of(&app, &request, &hooked).await;
    let reminders = task["reminders"].as_array().expect("reminders");
    let seen: Vec<(Value, Value)> = reminders
        .iter()
        .map(|r| (r["kind"].clone(), r["daysBefore"].clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (json!("BEFORE_DEADLINE"), json!(7)),
            (json!("BEFORE_DEADLINE"), json!(2)),
            (json!("OVERDUE"), json!(null))
        ],
        "{task:#}"
    );
    assert!(reminders.iter().all(|r| r["sentAt"].is_string()
        && r["requestedBy"] == json!("delivery-worker")
        && r["dueOn"] == json!(due.to_string())));
    let lines = task["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| {
            e["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("reminder sent"))
        })
        .count();
    assert_eq!(lines, 3, "{task:#}");
}

async fn the_dpo_sends_a_reminder_by_hand_and_sees_it_in_the_history(app: TestApp) {
    let holders = three_holders(&app).await;
    let request = file(&app, "ERASURE", None).await;
    let w = worker(&app, |c| c.public_url = Some(PUBLIC_URL.into()));
    w.tick().await.expect("tick");
    let shown = show(&app, &request).await;
    let (manual, mailed) = (
        task_of(&shown, &holders.manual).clone(),
        task_of(&shown, &holders.mailed).clone(),
    );
    let dpo = as_role(&app, Role::Dpo, None).await;
    let asked = app
        .exec(dpo.clone(), SEND, json!({ "id": mailed["id"] }))
        .await;
    assert!(asked.get("errors").is_none(), "{asked:#}");
    assert_eq!(asked["data"]["sendReminder"]["kind"], json!("MANUAL"));
    assert_eq!(
        asked["data"]["sendReminder"]["sentAt"],
        json!(null),
        "the worker sends it"
    );
    let outbox = app.count("outbox_message").await;
    let today = chrono::Utc::now().date_naive();
    assert_eq!(w.remind(today).await.expect("remind"), 1);
    assert_eq!(w.remind(today).await.expect("remind"), 0, "once");
    assert_eq!(app.count("outbox_message").await, outbox + 1);
    let mail = last_mail_of(&app, &mailed).await;
    assert!(
        mail.contains("REMINDER: the controller asks again"),
        "{mail}"
    );

    let task = reminders_of(&app, &request, &mailed).await;
    assert_eq!(task["reminders"][0]["kind"], json!("MANUAL"));
    assert!(task["reminders"][0]["sentAt"].is_string(), "{task:#}");
    assert!(
        task["reminders"][0]["requestedBy"]
            .as_str()
            .is_some_and(|r| r.starts_with("dpo-")),
        "{task:#}"
    );
    assert!(
        task["history"]
            .as_array()
            .expect("history")
            .iter()
            .any(|e| e["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("reminder sent")))
    );
    let audited = app
        .ok(
            r#"{ auditEvents(entity: "task_reminder") { edges { node { operation } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        audited["auditEvents"]["edges"][0]["node"]["operation"],
        json!("sendReminder")
    );

    // A manual task has no channel; an answered one needs no reminder.
    let refused = app
        .exec(dpo.clone(), SEND, json!({ "id": manual["id"] }))
        .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("taskId"));
    let done = confirm(&app, dpo.clone(), &mailed, "COMPLETED", Some("Erased")).await;
    assert!(done.get("errors").is_none(), "{done:#}");
    let refused = app.exec(dpo, SEND, json!({ "id": mailed["id"] })).await;
    assert_error(&refused, "CONFLICT", None);
}

/// Moves every reminder's `column` that is set to `ago` before now, as time passing would.
async fn set_back(app: &TestApp, column: task_reminder::Column, ago: TimeDelta) {
    task_reminder::Entity::update_many()
        .col_expr(column, Expr::value(Utc::now() - ago))
        .filter(column.is_not_null())
        .exec(&app.state.db)
        .await
        .expect("update");
}

/// The lines of a task's history that start with `prefix`.
fn history_lines(task: &Value, prefix: &str) -> usize {
    task["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|e| e["detail"].as_str().is_some_and(|d| d.starts_with(prefix)))
        .count()
}

async fn a_failed_reminder_is_tried_again_after_its_backoff_up_to_the_attempts_allowed(
    app: TestApp,
) {
    let holders = three_holders(&app).await;
    let request = file(&app, "ERASURE", None).await;
    // An hour's backoff: a failed reminder is not tried again before its time.
    let w = worker(&app, |c| {
        c.public_url = Some(PUBLIC_URL.into());
        c.delivery_backoff_ms = 3_600_000;
        c.delivery_backoff_max_ms = 3_600_000;
        c.delivery_max_attempts = 2;
    });
    w.tick().await.expect("tick");
    let shown = show(&app, &request).await;
    let due = NaiveDate::parse_from_str(shown["dueOn"].as_str().expect("dueOn"), "%Y-%m-%d")
        .expect("date");
    let hooked = task_of(&shown, &holders.hooked).clone();
    let hooked_id = hooked["id"].as_str().expect("id").to_string();

    holders.hook.fail(true);
    assert_eq!(
        w.remind(on(due, -5)).await.expect("remind"),
        2,
        "e-mail and webhook"
    );
    let task = reminders_of(&app, &request, &hooked).await;
    let first = &task["reminders"][0];
    assert_eq!(first["attempts"], json!(1), "{task:#}");
    assert_eq!(first["sentAt"], json!(null), "{task:#}");
    assert!(first["retryAt"].is_string(), "{task:#}");
    let detail = first["detail"].as_str().expect("detail");
    assert!(
        detail.contains("attempt 1 failed") && detail.contains("tried again after"),
        "{detail}"
    );
    assert_eq!(
        w.remind(on(due, -5)).await.expect("remind"),
        0,
        "not before its retry is due"
    );

    // The hook is back and the backoff has passed: tried again, and taken.
    holders.hook.fail(false);
    set_back(&app, task_reminder::Column::RetryAt, TimeDelta::seconds(1)).await;
    assert_eq!(w.remind(on(due, -5)).await.expect("remind"), 1);
    assert_eq!(
        holders.hook.seen().last(),
        Some(&(hooked_id.clone(), Some("BEFORE_DEADLINE".to_string())))
    );
    let task = reminders_of(&app, &request, &hooked).await;
    let first = &task["reminders"][0];
    assert_eq!(first["attempts"], json!(2), "{task:#}");
    assert!(first["sentAt"].is_string(), "{task:#}");
    assert_eq!(first["retryAt"], json!(null), "{task:#}");
    assert_eq!(w.remind(on(due, -5)).await.expect("remind"), 0, "sent once");

    // Overdue with the hook down for good: two attempts (as configured here), then no more.
    holders.hook.fail(true);
    let seen = holders.hook.seen().len();
    assert_eq!(
        w.remind(on(due, 1)).await.expect("remind"),
        2,
        "e-mail and webhook"
    );
    set_back(&app, task_reminder::Column::RetryAt, TimeDelta::seconds(1)).await;
    assert_eq!(w.remind(on(due, 1)).await.expect("remind"), 1, "the second");
    set_back(&app, task_reminder::Column::RetryAt, TimeDelta::seconds(1)).await;
    assert_eq!(w.remind(on(due, 1)).await.expect("remind"), 0, "no third");
    assert_eq!(holders.hook.seen().len(), seen);
    let task = reminders_of(&app, &request, &hooked).await;
    let overdue = &task["reminders"][1];
    assert_eq!(overdue["kind"], json!("OVERDUE"), "{task:#}");
    assert_eq!(overdue["attempts"], json!(2), "{task:#}");
    assert_eq!(overdue["sentAt"], json!(null), "{task:#}");
    assert_eq!(overdue["retryAt"], json!(null), "{task:#}");
    assert!(
        overdue["detail"]
            .as_str()
            .is_some_and(|d| d.contains("attempt 2 failed, the last")),
        "{task:#}"
    );
    assert_eq!(history_lines(&task, "reminder not sent"), 3, "{task:#}");
    assert_eq!(history_lines(&task, "reminder sent"), 1, "{task:#}");
}

async fn a_reminder_claimed_by_a_worker_that_stopped_is_claimed_again_once_stale(app: TestApp) {
    let holders = three_holders(&app).await;
    let request = file(&app, "ERASURE", None).await;
    let w = worker(&app, |c| c.public_url = Some(PUBLIC_URL.into()));
    w.tick().await.expect("tick");
    let shown = show(&app, &request).await;
    let mailed = task_of(&shown, &holders.mailed).clone();
    let dpo = as_role(&app, Role::Dpo, None).await;
    let asked = app.exec(dpo, SEND, json!({ "id": mailed["id"] })).await;
    assert!(asked.get("errors").is_none(), "{asked:#}");
    // A worker claimed it a minute ago and has recorded nothing yet: it may still be sending.
    task_reminder::Entity::update_many()
        .col_expr(task_reminder::Column::Attempts, Expr::value(1))
        .exec(&app.state.db)
        .await
        .expect("update");
    task_reminder::Entity::update_many()
        .col_expr(
            task_reminder::Column::ClaimedAt,
            Expr::value(Utc::now() - TimeDelta::minutes(1)),
        )
        .exec(&app.state.db)
        .await
        .expect("update");
    let outbox = app.count("outbox_message").await;
    let today = Utc::now().date_naive();
    assert_eq!(w.remind(today).await.expect("remind"), 0, "a live claim");
    // An hour on, nothing recorded: that worker stopped; the reminder is sent, not lost.
    set_back(&app, task_reminder::Column::ClaimedAt, TimeDelta::hours(1)).await;
    assert_eq!(w.remind(today).await.expect("remind"), 1);
    assert_eq!(w.remind(today).await.expect("remind"), 0, "once sent");
    assert_eq!(app.count("outbox_message").await, outbox + 1);
    let task = reminders_of(&app, &request, &mailed).await;
    assert_eq!(task["reminders"][0]["attempts"], json!(2), "{task:#}");
    assert!(task["reminders"][0]["sentAt"].is_string(), "{task:#}");
}
