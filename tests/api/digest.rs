//! The daily digest of what is due, without being asked (issue 28, item 5): POSTed signed to
//! `REGISTER_NOTIFY_WEBHOOK` with `REGISTER_NOTIFY_WEBHOOK_SECRET`, each item once per due date,
//! retried when the receiver fails, never twice across a restart; and two senders at once (two
//! instances) send each item once, by e-mail (the outbox) as by webhook.

use crate::{
    db_tests,
    requests::receiver::{Behaviour, Receiver},
    reviews::{RECORD_TIA, day, us_processor_flow},
    subprocessor_notices::notifier,
    support::TestApp,
};
use sea_orm::EntityTrait;
use serde_json::json;
use transfer_register::service::{config::Config, notices::Sent};

db_tests!(
    the_digest_is_posted_signed_once_per_item_and_retried_when_the_receiver_fails,
    two_senders_at_once_send_each_due_item_once,
    without_its_secret_the_webhook_digest_waits_unsent,
);

const SECRET: &str = "digest-secret-for-the-receiver";

/// A transfer whose impact assessment is due for review on 2025-06-01.
async fn an_item_due_on_the_first_of_june(app: &TestApp) {
    let (_, flow) = us_processor_flow(app, Some("2024-01-01")).await;
    app.ok(
        RECORD_TIA,
        json!({ "input": { "flowId": flow, "completedOn": "2025-01-10", "reviewOn": "2025-06-01",
            "outcome": "PROCEED" } }),
    )
    .await;
}

fn to_webhook(url: &str) -> impl Fn(&mut Config) + '_ {
    move |config| {
        config.notify_webhook = Some(url.to_owned());
        config.notify_webhook_secret = Some(SECRET.to_owned());
    }
}

async fn the_digest_is_posted_signed_once_per_item_and_retried_when_the_receiver_fails(
    app: TestApp,
) {
    an_item_due_on_the_first_of_june(&app).await;
    let receiver = Receiver::start(Behaviour::FailTimes(1)).await;
    receiver.set_secret(SECRET);
    let sent = notifier(&app, to_webhook(&receiver.url))
        .send_pending(day("2025-05-31"))
        .await
        .expect("send");
    assert_eq!(sent, Sent::default(), "nothing due yet");
    // The receiver is down: the digest is kept and retried.
    let sent = notifier(&app, to_webhook(&receiver.url))
        .send_pending(day("2025-06-01"))
        .await
        .expect("send");
    assert_eq!((sent.posted, sent.failed), (0, 1), "{sent:?}");
    let sent = notifier(&app, to_webhook(&receiver.url))
        .send_pending(day("2025-06-01"))
        .await
        .expect("send");
    assert_eq!((sent.posted, sent.failed), (1, 0), "{sent:?}");
    // A restart, the same day and the next: the item is not sent again for the same due date.
    for on in ["2025-06-01", "2025-06-02"] {
        let sent = notifier(&app, to_webhook(&receiver.url))
            .send_pending(day(on))
            .await
            .expect("send");
        assert_eq!(sent, Sent::default(), "{on}");
    }
    let received = receiver.received();
    assert_eq!(received.len(), 2, "one failure, one retry");
    assert_eq!(received[0].idempotency_key, received[1].idempotency_key);
    for delivery in &received {
        assert!(delivery.signature_valid && delivery.timestamped_valid);
        assert_eq!(delivery.body["kind"], "DUE_ITEMS");
        let items = delivery.body["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{:#}", delivery.body);
        assert_eq!(items[0]["dueOn"], "2025-06-01");
        assert_eq!(items[0]["kind"], "TIA_REVIEW");
        assert!(
            items[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Cloud Inc")),
            "{:#}",
            delivery.body
        );
    }
}

async fn without_its_secret_the_webhook_digest_waits_unsent(app: TestApp) {
    an_item_due_on_the_first_of_june(&app).await;
    let receiver = Receiver::start(Behaviour::Succeed).await;
    receiver.set_secret(SECRET);
    let sent = notifier(&app, |c| {
        c.notify_webhook = Some(receiver.url.clone());
        c.notify_webhook_secret = None;
    })
    .send_pending(day("2025-06-01"))
    .await
    .expect("send");
    assert_eq!((sent.posted, sent.failed), (0, 1), "{sent:?}");
    assert!(receiver.received().is_empty(), "nothing unsigned leaves");
    let waiting = entity::due_notice::Entity::find()
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("the item's notice");
    assert!(
        waiting
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("REGISTER_NOTIFY_WEBHOOK_SECRET")),
        "{waiting:?}"
    );
    assert!(waiting.sent_at.is_none());
    // Once the secret is set, the waiting item goes, signed.
    let sent = notifier(&app, to_webhook(&receiver.url))
        .send_pending(day("2025-06-01"))
        .await
        .expect("send");
    assert_eq!(sent.posted, 1, "{sent:?}");
    assert!(receiver.received()[0].signature_valid);
}

async fn two_senders_at_once_send_each_due_item_once(app: TestApp) {
    an_item_due_on_the_first_of_june(&app).await;
    let receiver = Receiver::start(Behaviour::Succeed).await;
    receiver.set_secret(SECRET);
    let both = |config: &mut Config| {
        to_webhook(&receiver.url)(config);
        config.notify_email = Some("dpo@group.example".into());
        config.smtp_url = None;
    };
    let (a, b) = (notifier(&app, both), notifier(&app, both));
    let (first, second) = tokio::join!(
        a.send_pending(day("2025-06-01")),
        b.send_pending(day("2025-06-01"))
    );
    let (first, second) = (first.expect("send"), second.expect("send"));
    assert_eq!(first.posted + second.posted, 1, "{first:?} {second:?}");
    assert_eq!(first.kept + second.kept, 1, "{first:?} {second:?}");
    assert_eq!(receiver.received().len(), 1);
    assert_eq!(app.count("outbox_message").await, 1);
    assert_eq!(app.count("due_notice").await, 2, "one per item and channel");
}
