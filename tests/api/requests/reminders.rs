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
use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use std::sync::Arc;
use transfer_register::{AppState, domain::vocab::Role, service::requests::delivery::Worker};

db_tests!(
    reminders_go_once_before_the_deadline_and_once_overdue_across_a_restart,
    the_dpo_sends_a_reminder_by_hand_and_sees_it_in_the_history,
);

const REMINDERS: &str = r#"query($id: ID!) { dataSubjectRequest(id: $id) { tasks { id channel status
  reminders { kind daysBefore dueOn requestedBy sentAt detail }
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
