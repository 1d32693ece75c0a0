//! Data-subject requests: filing, confirming, exemptions and deadlines through the API.
//! Delivery (webhooks, e-mail, crashes, two workers) is in `requests/delivery.rs`, the
//! subscription in `requests/live.rs`.

mod address_check;
mod address_dns;
mod certificate;
mod delivery;
mod helpers;
mod live;
mod outcomes;
pub mod receiver;
mod reminders;
pub mod respond;
pub mod smtp;

pub use helpers::*;

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use receiver::Behaviour;
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

db_tests!(
    filing_fans_out_one_task_per_holder_by_the_contract_channel,
    due_on_is_one_calendar_month_and_can_be_extended_once,
    a_processor_confirms_only_its_own_organisation_tasks,
    exemptions_need_a_retention_ground_or_the_dpo,
    a_completed_request_keeps_its_proof_and_destroys_the_identifiers,
    a_request_for_an_unknown_subject_completes_as_no_holder_found,
    a_processor_lists_only_its_own_tasks,
    a_processor_reads_its_tasks_categories_by_name_without_the_taxonomy,
    a_request_is_closed_by_hand_only_once_delivery_has_ended,
    rotating_a_webhook_secret_returns_it_once_and_never_shows_it,
    filing_without_any_identifier_is_refused_and_changes_nothing,
    a_processor_is_refused_another_organisations_task_before_its_input_is_checked,
);

async fn filing_fans_out_one_task_per_holder_by_the_contract_channel(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    subject_in(&app, &seed.activity).await;
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
    let seed = fixtures::seed(&app).await;
    subject_in(&app, &seed.activity).await;
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
    subject_in(
        &app,
        activity["registerProcessingActivity"]["id"]
            .as_str()
            .expect("id"),
    )
    .await;
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
    // The register forgets the person: no identifier hashes, no links, no subject id on the proof.
    assert_eq!(app.count("subject_identifier").await, 0);
    assert_eq!(app.count("subject_activity").await, 0);
    assert_eq!(
        app.count("dsr_request WHERE subject_id IS NOT NULL").await,
        0
    );
    let who = app
        .ok(
            r#"{ whoHolds(subject: { email: "ada@example.com" }) { subject { id } holdings { role } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(who["whoHolds"], json!({ "subject": null, "holdings": [] }));
}

async fn a_request_for_an_unknown_subject_completes_as_no_holder_found(app: TestApp) {
    chain(&app, &[Behaviour::Succeed], "2 years").await;
    let data = app
        .ok(
            r#"mutation { fileDataSubjectRequest(input: { subject: { email: "nobody@example.com" }, kind: ACCESS }) {
              id status noHolderFound identifiersKept tasks { id } } }"#,
            json!({}),
        )
        .await;
    let filed = &data["fileDataSubjectRequest"];
    assert_eq!(filed["tasks"], json!([]));
    assert_eq!(filed["status"], json!("COMPLETED"));
    assert_eq!(filed["noHolderFound"], json!(true), "{filed:#}");
    assert_eq!(filed["identifiersKept"], json!(false));
    // A known subject's request is not "no holder found".
    let id = file(&app, "ACCESS", None).await;
    let shown = app
        .ok(
            "query($id: ID!) { dataSubjectRequest(id: $id) { noHolderFound } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(shown["dataSubjectRequest"]["noHolderFound"], json!(false));
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

const TASKS: &str = r#"query($org: ID) { dsrTasks(organisationId: $org) { totalCount edges { node { id organisation { id } } } } }"#;

async fn a_processor_lists_only_its_own_tasks(app: TestApp) {
    let chain = chain(&app, &[Behaviour::Succeed, Behaviour::Succeed], "2 years").await;
    file(&app, "ERASURE", None).await;
    let (first, second) = (&chain.processors[0], &chain.processors[1]);
    let own = app
        .exec(
            as_role(&app, Role::Processor, Some(first)).await,
            TASKS,
            json!({}),
        )
        .await;
    let orgs: Vec<&Value> = own["data"]["dsrTasks"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"]["organisation"]["id"])
        .collect();
    assert_eq!(orgs, [&json!(first)], "{own:#}");
    let other = app
        .exec(
            as_role(&app, Role::Processor, Some(first)).await,
            TASKS,
            json!({ "org": second }),
        )
        .await;
    assert_error(&other, "FORBIDDEN", None);
    let all = app
        .exec(as_role(&app, Role::Dpo, None).await, TASKS, json!({}))
        .await;
    assert_eq!(
        all["data"]["dsrTasks"]["totalCount"], 3,
        "the DPO sees every holder's task"
    );
    let procurement = app
        .exec(
            as_role(&app, Role::Procurement, None).await,
            TASKS,
            json!({}),
        )
        .await;
    assert_error(&procurement, "FORBIDDEN", None);
}

const CLOSE: &str = r#"mutation($input: CloseDataSubjectRequestInput!) {
  closeDataSubjectRequest(input: $input) { status closureReason identifiersKept closedAt } }"#;

/// A PROCESSOR may not read the taxonomy, but its own tasks name their categories (issue 25).
async fn a_processor_reads_its_tasks_categories_by_name_without_the_taxonomy(app: TestApp) {
    let chain = chain(&app, &[Behaviour::Succeed], "2 years").await;
    file(&app, "ERASURE", None).await;
    let processor = || as_role(&app, Role::Processor, Some(&chain.processors[0]));
    let taxonomy = app
        .exec(
            processor().await,
            "{ dataCategories { code name } }",
            json!({}),
        )
        .await;
    assert_error(&taxonomy, "FORBIDDEN", None);
    let own = app
        .exec(
            processor().await,
            "{ dsrTasks { edges { node { dataCategories namedDataCategories { code name special } } } } }",
            json!({}),
        )
        .await;
    let task = &own["data"]["dsrTasks"]["edges"][0]["node"];
    assert_eq!(task["dataCategories"], json!(["contact.email"]), "{own:#}");
    assert_eq!(
        task["namedDataCategories"],
        json!([{ "code": "contact.email", "name": "E-mail address", "special": false }]),
        "{own:#}"
    );
}

async fn a_request_is_closed_by_hand_only_once_delivery_has_ended(app: TestApp) {
    let chain = chain(&app, &[Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ACCESS", None).await;
    // The processor's webhook task is still PENDING: the worker would need the identifiers.
    let refused = app
        .gql(
            CLOSE,
            json!({ "input": { "requestId": id, "reason": "withdrawn" } }),
        )
        .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("requestId"));
    assert_eq!(show(&app, &id).await["identifiersKept"], json!(true));
    let shown = deliver_all(&app, &worker(&app, |_| {}), &id).await;
    assert_eq!(shown["status"], json!("IN_PROGRESS"), "{shown:#}");
    let closed = app
        .ok(
            CLOSE,
            json!({ "input": { "requestId": id, "reason": "withdrawn by the subject" } }),
        )
        .await;
    let closed = &closed["closeDataSubjectRequest"];
    assert_eq!(closed["status"], json!("CLOSED"));
    assert_eq!(closed["closureReason"], json!("withdrawn by the subject"));
    assert_eq!(closed["identifiersKept"], json!(false));
    assert!(closed["closedAt"].is_string());
    let again = app
        .gql(
            CLOSE,
            json!({ "input": { "requestId": id, "reason": "again" } }),
        )
        .await;
    assert_error(&again, "CONFLICT", None);
    assert_eq!(
        show(&app, &id).await["status"],
        json!("CLOSED"),
        "stays closed"
    );
    // Closed is closed: the controller's manual task can no longer be confirmed.
    let shown = show(&app, &id).await;
    let late = confirm(
        &app,
        as_role(&app, Role::Dpo, None).await,
        task_of(&shown, &chain.controller),
        "COMPLETED",
        Some("erased after all"),
    )
    .await;
    assert_error(&late, "CONFLICT", None);
}

async fn a_processor_is_refused_another_organisations_task_before_its_input_is_checked(
    app: TestApp,
) {
    let chain = chain(&app, &[Behaviour::Succeed, Behaviour::Succeed], "2 years").await;
    let id = file(&app, "ERASURE", None).await;
    let shown = show(&app, &id).await;
    let other_task = task_of(&shown, &chain.processors[1]);
    let processor = as_role(&app, Role::Processor, Some(&chain.processors[0])).await;
    // No evidence, which would be refused too: the ownership refusal comes first.
    let foreign = confirm(&app, processor.clone(), other_task, "COMPLETED", None).await;
    assert_error(&foreign, "FORBIDDEN", None);
    let missing = confirm(
        &app,
        processor,
        &json!({ "id": "999999" }),
        "COMPLETED",
        None,
    )
    .await;
    assert_error(&missing, "FORBIDDEN", None);
    let shape = |r: &Value| {
        r["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .replace(other_task["id"].as_str().unwrap_or_default(), "N")
            .replace("999999", "N")
    };
    assert_eq!(
        shape(&foreign),
        shape(&missing),
        "another organisation's task and a missing one get the same answer"
    );
}
