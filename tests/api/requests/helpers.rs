//! Helpers of the request tests: a register with a chain of processors at local receivers,
//! filing, showing and confirming, and a worker with tiny timings.

use super::receiver::{Behaviour, Receiver};
use crate::{fixtures, support::TestApp};
use serde_json::{Value, json};
use std::{sync::Arc, time::Duration};
use transfer_register::{
    config::Config, domain::vocab::Role, graphql::context::Auth,
    service::requests::delivery::Worker,
};

pub const FILE: &str = r#"mutation($input: FileDataSubjectRequestInput!) {
  fileDataSubjectRequest(input: $input) { id kind status receivedOn dueOn } }"#;

pub const SHOW: &str = r#"query($id: ID!) { dataSubjectRequest(id: $id) {
  id kind status receivedOn dueOn reference identifiersKept extensionMonths
  tasks { id status channel attempts lastError dataCategories retentionExemption evidence confirmedBy
    organisation { id name } history { actor fromStatus toStatus detail evidence } } } }"#;

pub const CONFIRM: &str = r#"mutation($input: ConfirmTaskInput!) {
  confirmTask(input: $input) { id status evidence confirmedBy } }"#;

pub const ROTATE: &str = r#"mutation($id: ID!) { rotateWebhookSecret(organisationId: $id) }"#;

/// A controller and three processors in a chain, each with a webhook at a local receiver.
pub struct Chain {
    pub controller: String,
    pub processors: Vec<String>,
    pub receivers: Vec<Receiver>,
}

pub async fn chain(app: &TestApp, behaviours: &[Behaviour], retention: &str) -> Chain {
    let controller = fixtures::org(
        app,
        json!({ "name": "Contoso Group plc", "kind": "GROUP_COMPANY", "country": "GB" }),
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
    subject_in(app, &activity).await;
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

/// Registers the subject every test files for (ada@example.com) in `activity`.
pub async fn subject_in(app: &TestApp, activity: &str) {
    app.ok(
        r#"mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }"#,
        json!({ "input": { "identifiers": { "email": "ada@example.com", "phone": "+44 20 7946 0958" },
            "activityIds": [activity] } }),
    )
    .await;
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

/// A worker with tiny back-off and poll, as tests need. Its timeout is long: a receiver that
/// answers always answers within it however loaded the machine is, so a test that counts
/// attempts counts the receiver's answers, not the machine's speed. A test of the timeout itself
/// shortens it for a receiver that never answers (a closed [`Behaviour::Gated`] one).
pub fn worker(app: &TestApp, change: impl FnOnce(&mut Config)) -> Worker {
    let mut config = (*app.state.config).clone();
    config.delivery_backoff_ms = 10;
    config.delivery_backoff_max_ms = 40;
    config.delivery_timeout_ms = 30_000;
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
