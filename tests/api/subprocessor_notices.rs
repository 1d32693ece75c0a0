//! Sub-processor notices delivered (issues 27 and 22): an objection to a processor reached by
//! webhook and a notice to a subscriber of the published list are POSTed signed as erasure
//! deliveries are, retried after the back-off when the receiver fails, and sent once across
//! restarts and instances; the published list gives its customers the configured days of
//! notice; a PROCESSOR lists its own changes and nothing of the controller's.

use crate::{
    db_tests, fixtures,
    requests::{
        ROTATE,
        receiver::{Behaviour, Receiver},
    },
    subprocessors::{ANNOUNCE, DECIDE, add_input, announce, clock, day, world},
    support::{TestApp, assert_error},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, prelude::Expr};
use serde_json::json;
use std::sync::Arc;
use transfer_register::{
    domain::vocab::Role,
    graphql::context::Auth,
    service::{
        config::Config,
        notices::{Notifier, Sent},
        subprocessor_changes,
    },
};

db_tests!(
    an_objection_is_posted_signed_to_the_processors_webhook_retried_after_the_back_off_and_sent_once,
    a_webhook_subscriber_gets_each_change_once_signed_with_its_own_secret_even_from_two_senders_at_once,
    a_change_to_the_published_list_takes_effect_no_sooner_than_the_days_of_notice,
    a_processor_lists_its_own_changes_and_reads_nothing_of_the_controllers,
    a_removed_subscriber_is_told_nothing_more_and_what_it_was_told_is_kept,
);

/// A sender of notices with the app's database and key; no back-off unless `change` sets one,
/// and a timeout long enough that a receiver that answers always answers within it.
pub fn notifier(app: &TestApp, change: impl FnOnce(&mut Config)) -> Notifier {
    let mut config = (*app.state.config).clone();
    config.delivery_backoff_ms = 0;
    config.delivery_backoff_max_ms = 0;
    config.delivery_timeout_ms = 30_000;
    change(&mut config);
    Notifier::new(
        app.state.db.clone(),
        Arc::new(config),
        app.state.dsr.sealer.clone(),
    )
}

fn an_hour_of_back_off(config: &mut Config) {
    config.delivery_backoff_ms = 3_600_000;
    config.delivery_backoff_max_ms = 3_600_000;
}

const MARK_PROCESSOR: &str = r"mutation($input: UpdateProcessingActivityInput!) {
    updateProcessingActivity(input: $input) { id } }";

const SUBSCRIBE: &str = r"mutation($input: AddSubprocessorListSubscriberInput!) {
    addSubprocessorListSubscriber(input: $input) { id webhookUrl webhookSecret } }";

async fn an_objection_is_posted_signed_to_the_processors_webhook_retried_after_the_back_off_and_sent_once(
    app: TestApp,
) {
    let w = world(&app, "GENERAL").await;
    let receiver = Receiver::start(Behaviour::FailTimes(1)).await;
    app.ok(
        r"mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }",
        json!({ "input": { "id": w.processor, "erasureWebhookUrl": receiver.url } }),
    )
    .await;
    let secret = app.ok(ROTATE, json!({ "id": w.processor })).await["rotateWebhookSecret"]
        .as_str()
        .expect("secret")
        .to_string();
    receiver.set_secret(&secret);
    let change = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    app.ok(
        DECIDE,
        json!({ "id": change["id"], "decision": "OBJECT", "reason": "No safeguard for the US" }),
    )
    .await;
    let id: i64 = change["id"].as_str().expect("id").parse().expect("id");
    let key = format!("objection:{id}");

    // The receiver is down: the attempt fails and waits for its back-off.
    let sent = notifier(&app, an_hour_of_back_off)
        .send_due()
        .await
        .expect("send");
    assert_eq!((sent.posted, sent.failed), (0, 1), "{sent:?}");
    let sent = notifier(&app, an_hour_of_back_off)
        .send_due()
        .await
        .expect("send");
    assert_eq!(sent, Sent::default(), "not before its back-off");
    assert_eq!(receiver.received().len(), 1);
    let notice = &subprocessor_changes::notice::of_change(&app.state.db, id)
        .await
        .expect("notices")[0];
    assert_eq!(notice.last_error.as_deref(), Some("HTTP 503"));
    assert!(notice.sent_at.is_none());
    assert!(
        notice
            .next_attempt_at
            .is_some_and(|at| at > chrono::Utc::now() + chrono::Duration::minutes(30)),
        "{notice:?}"
    );

    // The back-off is over (the clock moved): the retry is taken.
    entity::subprocessor_notice::Entity::update_many()
        .col_expr(
            entity::subprocessor_notice::Column::NextAttemptAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .filter(entity::subprocessor_notice::Column::Id.eq(notice.id))
        .exec(&app.state.db)
        .await
        .expect("move the clock");
    let sent = notifier(&app, |_| {}).send_due().await.expect("send");
    assert_eq!((sent.posted, sent.failed), (1, 0), "{sent:?}");
    // A restart, or a second instance: nothing more.
    let sent = notifier(&app, |_| {}).send_due().await.expect("send");
    assert_eq!(sent, Sent::default());

    let received = receiver.received();
    assert_eq!(received.len(), 2, "one failure, one success");
    for delivery in &received {
        assert_eq!(delivery.idempotency_key, key);
        assert!(delivery.signature_valid && delivery.timestamped_valid);
        assert_eq!(delivery.body["kind"], "SUBPROCESSOR_OBJECTION");
        assert_eq!(delivery.body["changeId"], id.to_string());
        assert!(
            delivery.body["text"]
                .as_str()
                .is_some_and(|t| t.contains("No safeguard for the US")),
            "{:#}",
            delivery.body
        );
    }
    let notice = &subprocessor_changes::notice::of_change(&app.state.db, id)
        .await
        .expect("notices")[0];
    assert!(notice.sent_at.is_some() && notice.last_error.is_none());
    assert_eq!(notice.attempts, 2);
    assert_eq!(app.count("outbox_message").await, 0);
}

async fn a_webhook_subscriber_gets_each_change_once_signed_with_its_own_secret_even_from_two_senders_at_once(
    app: TestApp,
) {
    let w = world(&app, "GENERAL").await;
    app.ok(
        MARK_PROCESSOR,
        json!({ "input": { "id": w.activity, "actingAs": "PROCESSOR" } }),
    )
    .await;
    let receiver = Receiver::start(Behaviour::Succeed).await;
    let hooked = app
        .ok(
            SUBSCRIBE,
            json!({ "input": { "name": "Customer A", "webhookUrl": receiver.url } }),
        )
        .await["addSubprocessorListSubscriber"]
        .clone();
    let secret = hooked["webhookSecret"].as_str().expect("a secret, once");
    assert!(secret.starts_with("whsec_"), "{hooked:#}");
    receiver.set_secret(secret);
    let mailed = app
        .ok(
            SUBSCRIBE,
            json!({ "input": { "name": "Customer B", "email": "dpo@customer-b.example" } }),
        )
        .await;
    assert!(
        mailed["addSubprocessorListSubscriber"]["webhookSecret"].is_null(),
        "{mailed:#}"
    );
    // The secret is kept sealed: not in the audit trail.
    let trail = app
        .ok(
            "{ auditEvents(first: 100) { edges { node { after } } } }",
            json!({}),
        )
        .await;
    assert!(
        !trail.to_string().contains(secret),
        "the secret is in the trail"
    );

    let change = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let moved = subprocessor_changes::advance(&app.state.db, &clock(&app), day("2026-09-01"))
        .await
        .expect("advance");
    assert_eq!(moved.notified, 2);
    let (a, b) = (notifier(&app, |_| {}), notifier(&app, |_| {}));
    let (first, second) = tokio::join!(a.send_due(), b.send_due());
    let (first, second) = (first.expect("send"), second.expect("send"));
    assert_eq!(first.posted + second.posted, 1, "{first:?} {second:?}");
    assert_eq!(first.kept + second.kept, 1, "{first:?} {second:?}");
    let again = notifier(&app, |_| {}).send_due().await.expect("send");
    assert_eq!(again, Sent::default(), "a restart sends nothing twice");

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let subscriber = hooked["id"].as_str().expect("id");
    let change_id = change["id"].as_str().expect("id");
    assert_eq!(
        received[0].idempotency_key,
        format!("subscriber:{subscriber}:change:{change_id}")
    );
    assert!(received[0].signature_valid && received[0].timestamped_valid);
    assert_eq!(received[0].body["kind"], "SUBPROCESSOR_LIST_CHANGE");
    assert!(
        received[0].body["text"]
            .as_str()
            .is_some_and(|t| t.contains("Datastore Inc") && t.contains("2026-10-15")),
        "{:#}",
        received[0].body
    );
    assert_eq!(app.count("outbox_message").await, 1);
}

async fn a_change_to_the_published_list_takes_effect_no_sooner_than_the_days_of_notice(
    app: TestApp,
) {
    let w = world(&app, "GENERAL").await;
    // Not on the published list: the processor's own notice period is all that applies.
    announce(&app, add_input(&w, "2026-09-01", "2026-09-02")).await;
    app.ok(
        MARK_PROCESSOR,
        json!({ "input": { "id": w.activity, "actingAs": "PROCESSOR" } }),
    )
    .await;
    assert_eq!(app.state.config.subprocessor_notice_days, 30);
    // The day before the boundary is refused, naming the first day allowed; nothing is written.
    let response = app
        .gql(
            ANNOUNCE,
            json!({ "input": add_input(&w, "2026-09-01", "2026-09-30") }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("effectiveOn"));
    assert!(response.to_string().contains("2026-10-01"), "{response:#}");
    assert_eq!(app.count("subprocessor_change").await, 1);
    // The boundary day itself gives the customers their 30 days.
    let change = announce(&app, add_input(&w, "2026-09-01", "2026-10-01")).await;
    assert_eq!(change["status"], "PENDING");
}

const MINE: &str = r"{ subprocessorChanges { totalCount edges { node { id processor { id }
    subprocessorName subprocessorCountry status history { actor status } } } } }";

async fn a_processor_lists_its_own_changes_and_reads_nothing_of_the_controllers(app: TestApp) {
    let w = world(&app, "GENERAL").await;
    let other = fixtures::org(
        &app,
        json!({ "name": "Other Mailer SARL", "kind": "SUPPLIER", "country": "FR",
                "dpaSignedOn": "2024-01-10" }),
    )
    .await;
    fixtures::flow(
        &app,
        json!({ "activityId": w.activity, "fromId": w.controller, "toId": other,
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
    )
    .await;
    let own = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let mut theirs = add_input(&w, "2026-09-01", "2026-10-15");
    theirs["processorId"] = json!(other);
    let theirs = announce(&app, theirs).await;
    let own_id: i64 = w.processor.parse().expect("id");
    let processor = Auth::Token(app.principal(Role::Processor, Some(own_id)).await);

    let response = app.exec(processor.clone(), MINE, json!({})).await;
    let list = &response["data"]["subprocessorChanges"];
    assert_eq!(list["totalCount"], 1, "{response:#}");
    let node = &list["edges"][0]["node"];
    assert_eq!(node["id"], own["id"]);
    assert_eq!(node["processor"]["id"], w.processor);
    assert_eq!(node["subprocessorName"], "Datastore Inc");
    assert_eq!(node["subprocessorCountry"], "US");
    assert_eq!(node["status"], "PENDING");
    // Who filed it is shown by role, not by the token's name.
    assert_eq!(node["history"][0]["actor"], "ADMIN", "{node:#}");
    // The controller reads everything.
    let all = app.ok(MINE, json!({})).await;
    assert_eq!(all["subprocessorChanges"]["totalCount"], 2);
    assert!(
        all["subprocessorChanges"]["edges"][0]["node"]["history"][0]["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("admin-"))
    );

    // What the change would do to the register, and the register's record of the
    // sub-processor, are the controller's.
    for field in [
        "impact { status }",
        "subjectsAffected",
        "subprocessor { id }",
    ] {
        let response = app
            .exec(
                processor.clone(),
                &format!("query($id: ID!) {{ subprocessorChange(id: $id) {{ {field} }} }}"),
                json!({ "id": own["id"] }),
            )
            .await;
        assert_error(&response, "FORBIDDEN", None);
    }
    // Another processor's change, and an id that names none, read as missing.
    for id in [theirs["id"].clone(), json!("not-an-id"), json!("999999")] {
        let response = app
            .exec(
                processor.clone(),
                "query($id: ID!) { subprocessorChange(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert!(
            response["errors"].is_null() && response["data"]["subprocessorChange"].is_null(),
            "{response:#}"
        );
    }

    // Authorisation before validation: a PROCESSOR naming a malformed or another processor is
    // FORBIDDEN whatever else is wrong; the controller's malformed id is BAD_USER_INPUT.
    for processor_id in [json!("not-an-id"), json!(other)] {
        let mut input = add_input(&w, "2026-09-01", "2026-10-15");
        input["processorId"] = processor_id;
        input["subprocessorId"] = json!("also-malformed");
        let response = app
            .exec(processor.clone(), ANNOUNCE, json!({ "input": input }))
            .await;
        assert_error(&response, "FORBIDDEN", None);
    }
    let mut input = add_input(&w, "2026-09-01", "2026-10-15");
    input["processorId"] = json!("not-an-id");
    assert_error(
        &app.gql(ANNOUNCE, json!({ "input": input })).await,
        "BAD_USER_INPUT",
        Some("processorId"),
    );
    const WITHDRAW: &str = "mutation($id: ID!) { withdrawSubprocessorChange(id: $id) { id } }";
    for id in [json!("not-an-id"), theirs["id"].clone()] {
        let response = app
            .exec(processor.clone(), WITHDRAW, json!({ "id": id }))
            .await;
        assert_error(&response, "FORBIDDEN", None);
    }
    assert_error(
        &app.gql(WITHDRAW, json!({ "id": "not-an-id" })).await,
        "BAD_USER_INPUT",
        Some("id"),
    );
    assert_eq!(app.count("subprocessor_change").await, 2);
}

const SUBSCRIBERS: &str = r"{ subprocessorListSubscribers(first: 10) { totalCount
    edges { node { id name email webhookUrl webhookSecret createdAt } } } }";

const UNSUBSCRIBE: &str = r"mutation($id: ID!) { removeSubprocessorListSubscriber(id: $id) {
    subscriber { id name webhookUrl } unsentNoticesWithdrawn } }";

/// The notices written for subscriber `id`, as (sent, unsent).
async fn notices_of(app: &TestApp, id: &str) -> (usize, usize) {
    use entity::subprocessor_notice;
    let id: i64 = id.parse().expect("id");
    let rows = subprocessor_notice::Entity::find()
        .filter(subprocessor_notice::Column::SubscriberId.eq(id))
        .all(&app.state.db)
        .await
        .expect("notices");
    let sent = rows.iter().filter(|n| n.sent_at.is_some()).count();
    (sent, rows.len() - sent)
}

async fn a_removed_subscriber_is_told_nothing_more_and_what_it_was_told_is_kept(app: TestApp) {
    let w = world(&app, "GENERAL").await;
    app.ok(
        MARK_PROCESSOR,
        json!({ "input": { "id": w.activity, "actingAs": "PROCESSOR" } }),
    )
    .await;
    let receiver = Receiver::start(Behaviour::Always500).await;
    let hooked = app
        .ok(
            SUBSCRIBE,
            json!({ "input": { "name": "Customer A", "webhookUrl": receiver.url } }),
        )
        .await["addSubprocessorListSubscriber"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mailed = app
        .ok(
            SUBSCRIBE,
            json!({ "input": { "name": "Customer B", "email": "dpo@customer-b.example" } }),
        )
        .await["addSubprocessorListSubscriber"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let listed = app.ok(SUBSCRIBERS, json!({})).await;
    assert_eq!(
        listed["subprocessorListSubscribers"]["totalCount"], 2,
        "{listed:#}"
    );
    let first = &listed["subprocessorListSubscribers"]["edges"][0]["node"];
    assert_eq!(first["name"], "Customer A", "{listed:#}");
    assert!(first["createdAt"].is_string(), "{listed:#}");
    assert_eq!(first["webhookSecret"], json!(null), "never shown again");

    // One change: the e-mail is kept in the outbox (sent), the webhook refuses (unsent).
    let change = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let moved = subprocessor_changes::advance(&app.state.db, &clock(&app), day("2026-09-01"))
        .await
        .expect("advance");
    assert_eq!(moved.notified, 2);
    notifier(&app, an_hour_of_back_off)
        .send_due()
        .await
        .expect("send");
    assert_eq!(notices_of(&app, &hooked).await, (0, 1));
    assert_eq!(notices_of(&app, &mailed).await, (1, 0));

    let removed = app.ok(UNSUBSCRIBE, json!({ "id": hooked })).await;
    let removal = &removed["removeSubprocessorListSubscriber"];
    assert_eq!(removal["subscriber"]["name"], "Customer A", "{removed:#}");
    assert_eq!(removal["unsentNoticesWithdrawn"], 1, "{removed:#}");
    let removed = app.ok(UNSUBSCRIBE, json!({ "id": mailed })).await;
    assert_eq!(
        removed["removeSubprocessorListSubscriber"]["unsentNoticesWithdrawn"], 0,
        "{removed:#}"
    );
    // What was sent stays as what the customer was told; nothing is left to retry.
    assert_eq!(notices_of(&app, &hooked).await, (0, 0));
    assert_eq!(notices_of(&app, &mailed).await, (1, 0));
    let listed = app.ok(SUBSCRIBERS, json!({})).await;
    assert_eq!(
        listed["subprocessorListSubscribers"]["totalCount"], 0,
        "{listed:#}"
    );

    // Writing the notices again (the clock's next turn) reaches neither: with the webhook
    // subscriber still there, its withdrawn notice would be written anew.
    let written = subprocessor_changes::subscribers::notify(&app.state.db)
        .await
        .expect("notify");
    assert_eq!(written, 0);

    // A notice written by a turn of the clock that raced the removal (it read the subscriber
    // before the removal, wrote after it) is dropped by the sender, not retried for ever.
    use entity::subprocessor_notice;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let raced = subprocessor_notice::ActiveModel {
        change_id: Set(change["id"].as_str().expect("id").parse().expect("id")),
        key: Set(format!("subscriber:{hooked}:change:raced")),
        recipient: Set(receiver.url.clone()),
        channel: Set(transfer_register::domain::vocab::DeliveryChannel::Webhook),
        subject: Set("raced".into()),
        body: Set("raced".into()),
        created_at: Set(chrono::Utc::now()),
        sent_at: Set(None),
        subscriber_id: Set(Some(hooked.parse().expect("id"))),
        attempts: Set(0),
        next_attempt_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    }
    .insert(&app.state.db)
    .await
    .expect("insert");
    let sent = notifier(&app, |_| {}).send_due().await.expect("send");
    assert_eq!(sent.withdrawn, 1, "{sent:?}");
    assert_eq!(sent.failed, 0, "{sent:?}");
    assert!(
        subprocessor_notice::Entity::find_by_id(raced.id)
            .one(&app.state.db)
            .await
            .expect("read")
            .is_none()
    );

    // Audited with the record as it was; a second removal finds nothing.
    let trail = app
        .ok(
            r#"{ auditEvents(entity: "subprocessor_subscriber") { edges { node { operation before } } } }"#,
            json!({}),
        )
        .await;
    let removals = trail["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["node"]["operation"] == "removeSubprocessorListSubscriber")
        .count();
    assert_eq!(removals, 2, "{trail:#}");
    let again = app.gql(UNSUBSCRIBE, json!({ "id": hooked })).await;
    assert_error(&again, "NOT_FOUND", None);
    let malformed = app.gql(UNSUBSCRIBE, json!({ "id": "x" })).await;
    assert_error(&malformed, "BAD_USER_INPUT", Some("id"));
}
