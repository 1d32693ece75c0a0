//! Data-subject requests: filing, confirming, exemptions and deadlines through the API.
//! Delivery (webhooks, e-mail, crashes, two workers) is in `requests/delivery.rs`, the
//! subscription in `requests/live.rs`.

mod delivery;
mod live;
pub mod receiver;
pub mod smtp;

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use receiver::{Behaviour, Receiver};
use serde_json::{Value, json};
use std::{sync::Arc, time::Duration};
use transfer_register::{
    config::Config, domain::vocab::Role, graphql::context::Auth,
    service::requests::delivery::Worker,
};

db_tests!(
    filing_fans_out_one_task_per_holder_by_the_contract_channel,
    due_on_is_one_calendar_month_and_can_be_extended_once,
    a_processor_confirms_only_its_own_organisation_tasks,
    exemptions_need_a_retention_ground_or_the_dpo,
    a_completed_request_keeps_its_proof_and_destroys_the_identifiers,
    rotating_a_webhook_secret_returns_it_once_and_never_shows_it,
    filing_without_any_identifier_is_refused_and_changes_nothing,
);

pub const FILE: &str = r#"mutation($input: FileDataSubjectRequestInput!) {
  fileDataSubjectRequest(input: $input) { id kind status receivedOn dueOn } }"#;

pub const SHOW: &str = r#"query($id: ID!) { dataSubjectRequest(id: $id) {
  id kind status receivedOn dueOn reference identifiersKept extensionMonths
  tasks { id status channel attempts lastError dataCategories retentionExemption evidence confirmedBy
    organisation { id name } history { actor fromStatus toStatus detail evidence } } } }"#;

pub const CONFIRM: &str = r#"mutation($input: ConfirmTaskInput!) {
  confirmTask(input: $input) { id status evidence confirmedBy } }"#;

const ROTATE: &str = r#"mutation($id: ID!) { rotateWebhookSecret(organisationId: $id) }"#;

/// A controller and three processors in a chain, each with a webhook at a local receiver.
pub struct Chain {
    pub controller: String,
    pub processors: Vec<String>,
    pub receivers: Vec<Receiver>,
}

pub async fn chain(app: &TestApp, behaviours: &[Behaviour], retention: &str) -> Chain {
    let controller = fixtures::org(
        app,
        json!({ "name": "iomart Group Plc", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let activity = app
        .ok(
            fixtures::REGISTER_ACTIVITY,
            json!({ "input": { "name": "Customer accounts", "controllerId": controller,
                "purpose": "Provide the services customers order", "lawfulBasis": "CONTRACT",
                "dataCategories": ["contact.email", "identity.name"], "subjectCategories": ["customer"],
                "retention": retention } }),
        )
        .await["registerProcessingActivity"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (mut processors, mut receivers) = (Vec::new(), Vec::new());
    let mut from = controller.clone();
    let mut previous: Option<String> = None;
    for (i, behaviour) in behaviours.iter().enumerate() {
        let receiver = Receiver::start(*behaviour).await;
        let id = fixtures::org(
            app,
            json!({ "name": format!("Processor {i}"), "kind": "SUPPLIER", "country": "IE",
                    "dpaSignedOn": "2024-01-01", "erasureWebhookUrl": receiver.url }),
        )
        .await;
        let secret = app.ok(ROTATE, json!({ "id": id })).await["rotateWebhookSecret"]
            .as_str()
            .expect("secret")
            .to_string();
        receiver.set_secret(&secret);
        let flow = fixtures::flow(
            app,
            json!({ "activityId": activity, "fromId": from, "toId": id,
                    "recipientRole": if previous.is_some() { "SUB_PROCESSOR" } else { "PROCESSOR" },
                    "dataCategories": ["contact.email"], "continuesFlowId": previous, "mechanism": "ADEQUACY" }),
        )
        .await;
        previous = Some(flow);
        from = id.clone();
        processors.push(id);
        receivers.push(receiver);
    }
    Chain {
        controller,
        processors,
        receivers,
    }
}

pub async fn file(app: &TestApp, kind: &str, received_on: Option<&str>) -> String {
    let data = app
        .ok(
            FILE,
            json!({ "input": { "subject": { "email": "ada@example.com", "phone": "+44 20 7946 0958" },
                "kind": kind, "receivedOn": received_on } }),
        )
        .await;
    data["fileDataSubjectRequest"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

pub async fn show(app: &TestApp, id: &str) -> Value {
    app.ok(SHOW, json!({ "id": id })).await["dataSubjectRequest"].clone()
}

/// The task of `organisation` in a shown request.
pub fn task_of<'a>(request: &'a Value, organisation: &str) -> &'a Value {
    request["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["organisation"]["id"] == json!(organisation))
        .unwrap_or_else(|| panic!("no task for {organisation}: {request:#}"))
}

/// A worker with tiny back-off, poll and timeout, as tests need.
pub fn worker(app: &TestApp, change: impl FnOnce(&mut Config)) -> Worker {
    let mut config = (*app.state.config).clone();
    config.delivery_backoff_ms = 10;
    config.delivery_backoff_max_ms = 40;
    config.delivery_timeout_ms = 400;
    config.worker_poll_ms = 10;
    config.delivery_max_attempts = 4;
    change(&mut config);
    Worker::new(
        app.state.db.clone(),
        Arc::new(config),
        app.state.dsr.clone(),
    )
}

/// Runs rounds until no webhook or e-mail task of the request is PENDING (10 s at most).
pub async fn deliver_all(app: &TestApp, worker: &Worker, request: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        worker.tick().await.expect("tick");
        let shown = show(app, request).await;
        let pending = shown["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .any(|t| t["status"] == json!("PENDING") && t["channel"] != json!("MANUAL"));
        if !pending {
            return shown;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still pending: {shown:#}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn as_role(app: &TestApp, role: Role, organisation: Option<&str>) -> Auth {
    let org = organisation.map(|o| o.parse().expect("id"));
    Auth::Token(app.principal(role, org).await)
}

pub async fn confirm(
    app: &TestApp,
    auth: Auth,
    task: &Value,
    outcome: &str,
    evidence: Option<&str>,
) -> Value {
    app.exec(
        auth,
        CONFIRM,
        json!({ "input": { "taskId": task["id"], "outcome": outcome, "evidence": evidence } }),
    )
    .await
}

async fn filing_fans_out_one_task_per_holder_by_the_contract_channel(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let id = file(&app, "ERASURE", None).await;
    let shown = show(&app, &id).await;
    assert_eq!(shown["status"], json!("OPEN"));
    assert_eq!(
        shown["tasks"].as_array().expect("tasks").len(),
        5,
        "{shown:#}"
    );
    // Webhook if it has one, else e-mail to its privacy contact, else a person.
    assert_eq!(task_of(&shown, &seed.us_cloud)["channel"], json!("WEBHOOK"));
    assert_eq!(task_of(&shown, &seed.parent)["channel"], json!("EMAIL"));
    assert_eq!(task_of(&shown, &seed.irish)["channel"], json!("MANUAL"));
    assert_eq!(
        task_of(&shown, &seed.indian_support)["dataCategories"],
        json!(["contact.email"])
    );
    assert_eq!(task_of(&shown, &seed.us_cloud)["status"], json!("PENDING"));
    // The seed's retention is "for legal claims": restrict, do not erase.
    assert!(task_of(&shown, &seed.us_cloud)["retentionExemption"].is_string());
    assert_eq!(app.count("dsr_task_event").await, 5);
}

async fn due_on_is_one_calendar_month_and_can_be_extended_once(app: TestApp) {
    fixtures::seed(&app).await;
    let id = file(&app, "ACCESS", Some("2026-01-31")).await;
    let shown = show(&app, &id).await;
    assert_eq!(shown["dueOn"], json!("2026-02-28"));
    assert_eq!(shown["status"], json!("OVERDUE"));
    const EXTEND: &str = r#"mutation($input: ExtendDeadlineInput!) { extendDeadline(input: $input) { dueOn status } }"#;
    let refused = app
        .gql(
            EXTEND,
            json!({ "input": { "requestId": id, "months": 3, "reason": "complex" } }),
        )
        .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("months"));
    let extended = app
        .ok(
            EXTEND,
            json!({ "input": { "requestId": id, "months": 2, "reason": "many requests at once" } }),
        )
        .await;
    assert_eq!(extended["extendDeadline"]["dueOn"], json!("2026-04-30"));
    let again = app
        .gql(
            EXTEND,
            json!({ "input": { "requestId": id, "months": 1, "reason": "more" } }),
        )
        .await;
    assert_error(&again, "CONFLICT", None);
    let future = app
        .gql(FILE, json!({ "input": { "subject": { "email": "a@example.com" }, "kind": "ACCESS", "receivedOn": "2099-01-01" } }))
        .await;
    assert_error(&future, "BAD_USER_INPUT", Some("receivedOn"));
}

async fn a_processor_confirms_only_its_own_organisation_tasks(app: TestApp) {
    let chain = chain(&app, &[Behaviour::Succeed, Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let shown = show(&app, &id).await;
    let (first, second) = (&chain.processors[0], &chain.processors[1]);
    let other = as_role(&app, Role::Processor, Some(second)).await;
    let refused = confirm(
        &app,
        other,
        task_of(&shown, first),
        "COMPLETED",
        Some("erased"),
    )
    .await;
    assert_error(&refused, "FORBIDDEN", None);
    // The DPO confirms manual and e-mail tasks; a webhook task is its processor's.
    let dpo = as_role(&app, Role::Dpo, None).await;
    let refused = confirm(
        &app,
        dpo.clone(),
        task_of(&shown, first),
        "COMPLETED",
        Some("x"),
    )
    .await;
    assert_error(&refused, "FORBIDDEN", None);
    let manual = task_of(&shown, &chain.controller);
    assert_eq!(manual["channel"], json!("MANUAL"));
    let done = confirm(
        &app,
        dpo,
        manual,
        "COMPLETED",
        Some("deleted from CRM, ticket 42"),
    )
    .await;
    assert_eq!(
        done["data"]["confirmTask"]["status"],
        json!("COMPLETED"),
        "{done:#}"
    );
    let own = as_role(&app, Role::Processor, Some(first)).await;
    let no_evidence = confirm(&app, own.clone(), task_of(&shown, first), "COMPLETED", None).await;
    assert_error(&no_evidence, "BAD_USER_INPUT", Some("evidence"));
    let ok = confirm(
        &app,
        own.clone(),
        task_of(&shown, first),
        "COMPLETED",
        Some("purged"),
    )
    .await;
    assert_eq!(
        ok["data"]["confirmTask"]["status"],
        json!("COMPLETED"),
        "{ok:#}"
    );
    let twice = confirm(
        &app,
        own,
        task_of(&shown, first),
        "COMPLETED",
        Some("again"),
    )
    .await;
    assert_error(&twice, "CONFLICT", None);
    assert_eq!(show(&app, &id).await["status"], json!("IN_PROGRESS"));
}

async fn exemptions_need_a_retention_ground_or_the_dpo(app: TestApp) {
    let chain = chain(
        &app,
        &[Behaviour::Succeed],
        "6 years, required for legal claims",
    )
    .await;
    let plain = fixtures::org(
        &app,
        json!({ "name": "Plain Ltd", "kind": "SUPPLIER", "country": "GB" }),
    )
    .await;
    let activity = app
        .ok(
            fixtures::REGISTER_ACTIVITY,
            json!({ "input": { "name": "Newsletter", "controllerId": plain,
            "purpose": "Marketing", "lawfulBasis": "CONSENT", "dataCategories": ["contact.email"],
            "subjectCategories": ["customer"], "retention": "until consent is withdrawn" } }),
        )
        .await;
    assert!(activity["registerProcessingActivity"]["id"].is_string());
    let id = file(&app, "ERASURE", None).await;
    let shown = show(&app, &id).await;
    let exempt_able = task_of(&shown, &chain.processors[0]);
    assert!(
        exempt_able["retentionExemption"]
            .as_str()
            .expect("ground")
            .contains("legal claims")
    );
    let plain_task = task_of(&shown, &plain);
    assert!(plain_task["retentionExemption"].is_null());
    let own = as_role(&app, Role::Processor, Some(&plain)).await;
    let refused = confirm(&app, own, plain_task, "EXEMPT", Some("we want to keep it")).await;
    assert_error(&refused, "BAD_USER_INPUT", Some("outcome"));
    let holder = as_role(&app, Role::Processor, Some(&chain.processors[0])).await;
    let exempt = confirm(
        &app,
        holder,
        exempt_able,
        "EXEMPT",
        Some("restricted; kept 6 years for claims"),
    )
    .await;
    assert_eq!(
        exempt["data"]["confirmTask"]["status"],
        json!("EXEMPT"),
        "{exempt:#}"
    );
    let dpo = as_role(&app, Role::Dpo, None).await;
    let by_dpo = confirm(
        &app,
        dpo,
        plain_task,
        "EXEMPT",
        Some("Art 17(3)(e): pending litigation"),
    )
    .await;
    assert_eq!(
        by_dpo["data"]["confirmTask"]["status"],
        json!("EXEMPT"),
        "{by_dpo:#}"
    );
}

async fn a_completed_request_keeps_its_proof_and_destroys_the_identifiers(app: TestApp) {
    let chain = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let shown = show(&app, &id).await;
    assert_eq!(shown["identifiersKept"], json!(true));
    let dpo = as_role(&app, Role::Dpo, None).await;
    confirm(
        &app,
        dpo,
        task_of(&shown, &chain.controller),
        "COMPLETED",
        Some("CRM purge 42"),
    )
    .await;
    let holder = as_role(&app, Role::Processor, Some(&chain.processors[0])).await;
    confirm(
        &app,
        holder,
        task_of(&shown, &chain.processors[0]),
        "ACKNOWLEDGED",
        None,
    )
    .await;
    assert_eq!(show(&app, &id).await["status"], json!("IN_PROGRESS"));
    let holder = as_role(&app, Role::Processor, Some(&chain.processors[0])).await;
    confirm(
        &app,
        holder,
        task_of(&shown, &chain.processors[0]),
        "COMPLETED",
        Some("erased from backups"),
    )
    .await;
    let done = show(&app, &id).await;
    assert_eq!(done["status"], json!("COMPLETED"));
    assert_eq!(done["identifiersKept"], json!(false));
    assert!(
        done["reference"]
            .as_str()
            .expect("reference")
            .starts_with("dsr-")
    );
    let history = &task_of(&done, &chain.processors[0])["history"];
    let steps: Vec<&Value> = history
        .as_array()
        .expect("history")
        .iter()
        .map(|h| &h["toStatus"])
        .collect();
    assert_eq!(
        steps,
        [
            &json!("PENDING"),
            &json!("ACKNOWLEDGED"),
            &json!("COMPLETED")
        ]
    );
    assert_eq!(history[2]["evidence"], json!("erased from backups"));
    let sealed = app
        .count("dsr_request WHERE sealed_identifiers IS NOT NULL")
        .await;
    assert_eq!(sealed, 0);
}

async fn rotating_a_webhook_secret_returns_it_once_and_never_shows_it(app: TestApp) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Hooked", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let first = app.ok(ROTATE, json!({ "id": org })).await["rotateWebhookSecret"].clone();
    let second = app.ok(ROTATE, json!({ "id": org })).await["rotateWebhookSecret"].clone();
    assert_ne!(first, second);
    let secret = second.as_str().expect("secret");
    assert!(secret.starts_with("whsec_"));
    let trail = app
        .ok(
            "{ auditEvents(first: 100) { edges { node { before after } } } }",
            json!({}),
        )
        .await;
    assert!(
        !trail.to_string().contains(secret),
        "the trail shows the secret"
    );
    let stored = app
        .count(&format!(
            "organisation WHERE webhook_secret LIKE '%{}%'",
            &secret[6..]
        ))
        .await;
    assert_eq!(stored, 0, "stored in the clear");
    let unknown = app.gql(ROTATE, json!({ "id": "999" })).await;
    assert_error(&unknown, "BAD_USER_INPUT", Some("organisationId"));
}

async fn filing_without_any_identifier_is_refused_and_changes_nothing(app: TestApp) {
    fixtures::seed(&app).await;
    let refused = app
        .gql(
            FILE,
            json!({ "input": { "subject": {}, "kind": "ERASURE" } }),
        )
        .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("identifiers"));
    let bad = app
        .gql(
            FILE,
            json!({ "input": { "subject": { "email": "not an address" }, "kind": "ERASURE" } }),
        )
        .await;
    assert_error(&bad, "BAD_USER_INPUT", Some("email"));
    assert_eq!(app.count("dsr_request").await, 0);
    assert_eq!(app.count("dsr_task").await, 0);
}
