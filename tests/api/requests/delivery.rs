//! Delivery over real HTTP and SMTP to local receivers: signed, retried, failed, and at least
//! once across a killed worker; two workers never run one attempt at once.

use super::{
    Chain, as_role, chain, confirm, deliver_all, file, receiver::Behaviour, show, smtp::SmtpSink,
    subject_in, task_of, worker,
};
use crate::{db_tests, fixtures, support::TestApp};
use serde_json::json;
use std::{sync::atomic::Ordering, time::Duration};
use transfer_register::domain::vocab::Role;

db_tests!(
    webhooks_arrive_signed_and_processors_confirm_the_request_to_completion,
    a_failing_receiver_is_retried_with_back_off_until_it_answers,
    a_500_receiver_ends_failed_with_the_last_error,
    a_receiver_that_never_answers_ends_failed_after_the_timeout,
    a_redirect_is_never_followed,
    an_email_task_is_sent_through_smtp,
    a_worker_killed_mid_delivery_loses_nothing_and_keeps_the_key,
    two_workers_never_run_the_same_attempt_at_once,
    one_round_records_each_outcome_of_its_tasks_in_one_go,
);

async fn webhooks_arrive_signed_and_processors_confirm_the_request_to_completion(app: TestApp) {
    let Chain {
        controller,
        processors,
        receivers,
    } = chain(
        &app,
        &[Behaviour::Succeed; 3],
        "2 years after the account closes",
    )
    .await;
    let id = file(&app, "ERASURE", None).await;
    let shown = deliver_all(&app, &worker(&app, |_| {}), &id).await;
    assert_eq!(shown["status"], json!("IN_PROGRESS"));
    for (org, receiver) in processors.iter().zip(&receivers) {
        let task = task_of(&shown, org);
        assert_eq!(task["status"], json!("SENT"), "{shown:#}");
        let got = receiver.received();
        assert_eq!(got.len(), 1);
        assert!(got[0].signature_valid, "bad signature");
        assert_eq!(json!(got[0].idempotency_key), task["id"]);
        let body = &got[0].body;
        assert_eq!(body["taskId"], task["id"]);
        assert_eq!(body["requestId"], json!(id));
        assert_eq!(body["kind"], json!("ERASURE"));
        assert_eq!(body["action"], json!("ERASE"));
        assert_eq!(body["dueOn"], shown["dueOn"]);
        assert_eq!(body["dataCategories"], json!(["contact.email"]));
        assert_eq!(body["identifiers"]["email"], json!("ada@example.com"));
        assert_eq!(body["identifiers"]["phone"], json!("+44 20 7946 0958"));
    }
    for org in &processors {
        let auth = as_role(&app, Role::Processor, Some(org)).await;
        let done = confirm(
            &app,
            auth,
            task_of(&shown, org),
            "COMPLETED",
            Some("erased"),
        )
        .await;
        assert_eq!(
            done["data"]["confirmTask"]["status"],
            json!("COMPLETED"),
            "{done:#}"
        );
    }
    let dpo = as_role(&app, Role::Dpo, None).await;
    confirm(
        &app,
        dpo,
        task_of(&shown, &controller),
        "COMPLETED",
        Some("CRM purge"),
    )
    .await;
    let done = show(&app, &id).await;
    assert_eq!(done["status"], json!("COMPLETED"));
    let proof: Vec<_> = task_of(&done, &processors[2])["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| (h["toStatus"].clone(), h["actor"].clone()))
        .collect();
    assert_eq!(proof[1], (json!("SENT"), json!("delivery-worker")));
    assert_eq!(proof[2].0, json!("COMPLETED"));
}

async fn a_failing_receiver_is_retried_with_back_off_until_it_answers(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::FailTimes(2)], "2 years").await;
    let id = file(&app, "RECTIFICATION", None).await;
    let shown = deliver_all(&app, &worker(&app, |_| {}), &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(task["status"], json!("SENT"), "{shown:#}");
    assert_eq!(task["attempts"], json!(3));
    let keys: Vec<String> = receivers[0]
        .received()
        .into_iter()
        .map(|d| d.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| json!(k) == task["id"]), "{keys:?}");
    // The worker keeps its client for the receiver: the retries reuse the kept-alive connection.
    let peers: std::collections::BTreeSet<_> =
        receivers[0].received().iter().map(|d| d.peer).collect();
    assert_eq!(peers.len(), 1, "a new connection per attempt: {peers:?}");
    let failures = task["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["detail"].as_str().is_some_and(|d| d.contains("HTTP 503")))
        .count();
    assert_eq!(failures, 2);
}

async fn a_redirect_is_never_followed(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Redirect], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let worker = worker(&app, |c| c.delivery_max_attempts = 2);
    let shown = deliver_all(&app, &worker, &id).await;
    let task = task_of(&shown, &processors[0]);
    assert_eq!(task["status"], json!("FAILED"), "{shown:#}");
    assert_eq!(task["lastError"], json!("HTTP 307"));
    assert_eq!(receivers[0].received().len(), 2);
    assert_eq!(
        receivers[0].followed.load(Ordering::SeqCst),
        0,
        "the redirect target was never called"
    );
}

async fn a_500_receiver_ends_failed_with_the_last_error(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Always500], "2 years").await;
    let id = file(&app, "RESTRICTION", None).await;
    let worker = worker(&app, |c| c.delivery_max_attempts = 2);
    let shown = deliver_all(&app, &worker, &id).await;
    let failed = task_of(&shown, &processors[0]);
    assert_eq!(failed["status"], json!("FAILED"), "{shown:#}");
    assert_eq!(failed["attempts"], json!(2));
    assert_eq!(failed["lastError"], json!("HTTP 500"));
    let got = receivers[0].received();
    assert_eq!(got.len(), 2, "one delivery per attempt");
    // Art 19: a restriction is told to every recipient.
    assert_eq!(got[0].body["action"], json!("RESTRICTION"));
}

/// The receiver holds every delivery and is never told to answer, so each attempt can only end
/// by the worker's timeout, however fast or slow the machine: the outcome is not a race.
async fn a_receiver_that_never_answers_ends_failed_after_the_timeout(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Gated], "2 years").await;
    let id = file(&app, "RESTRICTION", None).await;
    let worker = worker(&app, |c| {
        c.delivery_max_attempts = 2;
        c.delivery_timeout_ms = 200;
    });
    let shown = deliver_all(&app, &worker, &id).await;
    let hung = task_of(&shown, &processors[0]);
    assert_eq!(hung["status"], json!("FAILED"), "{shown:#}");
    assert_eq!(hung["attempts"], json!(2));
    assert_eq!(hung["lastError"], json!("no answer within 200 ms"));
    let got = receivers[0].received();
    assert_eq!(got.len(), 2, "each attempt reached the receiver: {got:#?}");
    assert!(got.iter().all(|d| json!(d.idempotency_key) == hung["id"]));
    assert_eq!(got[0].body["action"], json!("RESTRICTION"));
}

async fn an_email_task_is_sent_through_smtp(app: TestApp) {
    let sink = SmtpSink::start().await;
    let org = fixtures::org(
        &app,
        json!({ "name": "Mailed Ltd", "kind": "SUPPLIER", "country": "GB",
        "privacyContactEmail": "privacy@mailed.example" }),
    )
    .await;
    let activity = fixtures::activity(&app, &org, &["contact.email"]).await;
    subject_in(&app, &activity).await;
    let id = file(&app, "ACCESS", None).await;
    let shown = deliver_all(
        &app,
        &worker(&app, |c| c.smtp_url = Some(sink.url.clone())),
        &id,
    )
    .await;
    let task = task_of(&shown, &org);
    assert_eq!(task["channel"], json!("EMAIL"));
    assert_eq!(task["status"], json!("SENT"), "{shown:#}");
    let mails = sink.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].rcpt, ["privacy@mailed.example"]);
    assert!(mails[0].data.contains("ada@example.com"));
    assert!(
        mails[0]
            .data
            .contains(&format!("task {}", task["id"].as_str().expect("id")))
    );
}

/// The worker runs as a child process (`transfer-register worker`) and is killed with SIGKILL
/// while every delivery is in flight (each receiver holds its delivery until the test opens it);
/// once the leases run out a second worker delivers every task again, each under its own key.
/// The test runs the lease's clock: it ends the leases itself instead of waiting them out.
async fn a_worker_killed_mid_delivery_loses_nothing_and_keeps_the_key(app: TestApp) {
    use sea_orm::ConnectionTrait;
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[Behaviour::Gated; 3], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let spawn = || {
        let config = &app.state.config;
        tokio::process::Command::new(env!("CARGO_BIN_EXE_transfer-register"))
            .arg("worker")
            .env("DATABASE_URL", config.database_url())
            .env("REGISTER_SECRET", config.secret.clone().expect("secret"))
            .env("REGISTER_WEBHOOK_ALLOW_INSECURE", "true")
            // Long enough that no attempt times out: the kill, not a timeout, ends the first.
            .env("REGISTER_DELIVERY_TIMEOUT_MS", "60000")
            .env("REGISTER_DELIVERY_BACKOFF_MS", "10")
            .env("REGISTER_WORKER_POLL_MS", "20")
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .expect("spawn worker")
    };
    let mut first = spawn();
    for receiver in &receivers {
        receiver.until_received(1).await;
    }
    first.kill().await.expect("SIGKILL");
    let leased = show(&app, &id).await;
    for org in &processors {
        let task = task_of(&leased, org);
        assert_eq!(
            (&task["status"], &task["attempts"]),
            (&json!("PENDING"), &json!(1)),
            "killed before any outcome was written: {task:#}"
        );
    }
    // The leases run out: what the clock would do two timeouts later.
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE dsr_task SET next_attempt_at = updated_at WHERE request_id = {id} AND channel = 'WEBHOOK'"
        ))
        .await
        .expect("end the leases");
    for receiver in &receivers {
        receiver.open();
    }
    let mut second = spawn();
    let shown = all_sent(&app, &id, &processors, Duration::from_secs(30)).await;
    second.kill().await.expect("kill");
    for (org, receiver) in processors.iter().zip(&receivers) {
        let got = receiver.received();
        assert_eq!(
            got.len(),
            2,
            "the cut-short delivery was made again: {got:#?}"
        );
        let task = task_of(&shown, org);
        assert_eq!(task["attempts"], json!(2), "{task:#}");
        let key = task["id"].clone();
        assert!(
            got.iter()
                .all(|d| json!(d.idempotency_key) == key && d.signature_valid)
        );
    }
}

async fn two_workers_never_run_the_same_attempt_at_once(app: TestApp) {
    let slow = Behaviour::Slow(Duration::from_millis(100));
    let Chain {
        processors,
        receivers,
        ..
    } = chain(&app, &[slow; 6], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let a = tokio::spawn(worker(&app, |_| {}).run());
    let b = tokio::spawn(worker(&app, |_| {}).run());
    let shown = all_sent(&app, &id, &processors, Duration::from_secs(20)).await;
    a.abort();
    b.abort();
    for (org, receiver) in processors.iter().zip(&receivers) {
        assert_eq!(receiver.received().len(), 1, "delivered twice");
        assert_eq!(receiver.max_concurrent_same_key.load(Ordering::SeqCst), 1);
        assert_eq!(task_of(&shown, org)["attempts"], json!(1));
    }
}

/// Polls the request until every processor's task is SENT (a worker runs elsewhere), within `limit`.
async fn all_sent(
    app: &TestApp,
    id: &str,
    processors: &[String],
    limit: Duration,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let shown = show(app, id).await;
        if processors
            .iter()
            .all(|p| task_of(&shown, p)["status"] == json!("SENT"))
        {
            return shown;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not all delivered: {shown:#}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A round claims every due task, attempts them side by side and records each outcome: the
/// answered ones SENT, the refused one PENDING with its error and a retry time, the dead one
/// FAILED, each with its line in the proof, and the request's status follows its tasks.
async fn one_round_records_each_outcome_of_its_tasks_in_one_go(app: TestApp) {
    let Chain {
        processors,
        receivers,
        ..
    } = chain(
        &app,
        &[
            Behaviour::Succeed,
            Behaviour::FailTimes(1),
            Behaviour::Always500,
            Behaviour::Succeed,
        ],
        "2 years",
    )
    .await;
    let id = file(&app, "ERASURE", None).await;
    let claimed = worker(&app, |c| c.delivery_max_attempts = 1)
        .tick()
        .await
        .expect("tick");
    assert_eq!(claimed, 4, "one round claims every due task");
    for receiver in &receivers {
        assert_eq!(receiver.received().len(), 1);
    }
    let shown = show(&app, &id).await;
    let status = |i: usize| task_of(&shown, &processors[i])["status"].clone();
    assert_eq!(status(0), json!("SENT"), "{shown:#}");
    assert_eq!(status(3), json!("SENT"));
    // With one attempt allowed, the refusals are final.
    assert_eq!(status(1), json!("FAILED"));
    assert_eq!(status(2), json!("FAILED"));
    assert_eq!(
        task_of(&shown, &processors[2])["lastError"],
        json!("HTTP 500")
    );
    for org in &processors {
        let history = task_of(&shown, org)["history"]
            .as_array()
            .expect("history")
            .clone();
        assert_eq!(history.len(), 2, "filed, then one attempt: {history:#?}");
        assert_eq!(history[1]["actor"], json!("delivery-worker"));
    }
    assert_eq!(shown["status"], json!("IN_PROGRESS"), "{shown:#}");

    // Again with retries left: the refusal waits for its back-off, the rest are done.
    let id = file(&app, "RECTIFICATION", None).await;
    // The helper caps back-offs at 40 ms: lift the cap, or the refusal is due again before the
    // next round whenever the machine is slow.
    let retrying = worker(&app, |c| {
        c.delivery_backoff_ms = 60_000;
        c.delivery_backoff_max_ms = 3_600_000;
    });
    assert_eq!(retrying.tick().await.expect("tick"), 4);
    let shown = show(&app, &id).await;
    let task = task_of(&shown, &processors[2]);
    assert_eq!(task["status"], json!("PENDING"), "{shown:#}");
    assert_eq!(task["attempts"], json!(1));
    assert_eq!(task["lastError"], json!("HTTP 500"));
    assert!(
        task["history"][1]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("retry in")),
        "{task:#}"
    );
    assert_eq!(
        retrying.tick().await.expect("tick"),
        0,
        "nothing is due before the back-off"
    );
}
