//! Outcomes the delivery worker must discard: one that arrives after the task was confirmed
//! while its delivery was in flight, and one that arrives after another worker claimed the task
//! again (its lease ran out). Neither may overwrite what happened since. The receiver holds the
//! delivery until the test has done what happens "meanwhile", so the order is the test's.

use super::{Chain, as_role, chain, confirm, file, receiver::Behaviour, show, task_of, worker};
use crate::{db_tests, support::TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::time::Duration;
use transfer_register::domain::vocab::Role;

db_tests!(
    a_task_confirmed_while_its_delivery_is_in_flight_stays_completed,
    a_late_outcome_does_not_overwrite_a_newer_claim,
);

/// Waits (10 s at most) until the task of `organisation` has been claimed once.
async fn until_claimed(app: &TestApp, request: &str, organisation: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let shown = show(app, request).await;
        let task = task_of(&shown, organisation).clone();
        if task["attempts"] == json!(1) {
            return task;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker never claimed the task: {task:#}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn a_task_confirmed_while_its_delivery_is_in_flight_stays_completed(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Gated], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let round = {
        let worker = worker(&app, |c| c.delivery_timeout_ms = 20_000);
        tokio::spawn(async move { worker.tick().await })
    };
    receivers[0].until_received(1).await;
    let task = until_claimed(&app, &id, &processors[0]).await;
    // The processor answers before the worker has heard back from its webhook.
    let processor = as_role(&app, Role::Processor, Some(&processors[0])).await;
    let done = confirm(&app, processor, &task, "COMPLETED", Some("erased")).await;
    assert_eq!(
        done["data"]["confirmTask"]["status"],
        json!("COMPLETED"),
        "{done:#}"
    );
    receivers[0].open();
    assert_eq!(round.await.expect("join").expect("tick"), 1);
    assert_eq!(receivers[0].received().len(), 1, "the delivery did go out");
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(
        task["status"],
        json!("COMPLETED"),
        "not overwritten by SENT: {task:#}"
    );
}

async fn a_late_outcome_does_not_overwrite_a_newer_claim(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Gated], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let round = {
        let worker = worker(&app, |c| c.delivery_timeout_ms = 20_000);
        tokio::spawn(async move { worker.tick().await })
    };
    receivers[0].until_received(1).await;
    let task = until_claimed(&app, &id, &processors[0]).await;
    // What a second worker does once the first one's lease has run out: it claims the task
    // again (one more attempt, a new lease).
    let task_id: i64 = task["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("numeric id");
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE dsr_task SET attempts = attempts + 1 WHERE id = {task_id}"
        ))
        .await
        .expect("second claim");
    receivers[0].open();
    assert_eq!(round.await.expect("join").expect("tick"), 1);
    assert_eq!(
        receivers[0].received().len(),
        1,
        "the first attempt did go out"
    );
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(
        task["status"],
        json!("PENDING"),
        "the late SENT was discarded: {task:#}"
    );
    assert_eq!(task["attempts"], json!(2), "{task:#}");
    let history = task["history"].as_array().expect("history");
    assert_eq!(
        history.len(),
        1,
        "no entry for the discarded attempt: {history:#?}"
    );
}
