//! Sub-processor changes (issue 27): the processor contract's terms, announcements by each
//! allowed role, the impact before go-live, decisions, the clock (silence under a general
//! authorisation, never under a specific one, the deadline's boundary day), and going live.

use crate::{
    db_tests,
    fixtures::{self, REGISTER_ORG},
    support::{TestApp, assert_error},
};
use chrono::NaiveDate;
use serde_json::{Value, json};
use transfer_register::{
    domain::vocab::Role,
    graphql::context::Auth,
    service::{audit::Actor, subprocessor_changes},
};

db_tests!(
    a_processors_contract_terms_are_recorded_checked_and_cleared,
    an_activity_acts_as_controller_unless_marked_as_processor,
    registrars_and_the_processor_itself_announce_and_others_are_refused,
    a_us_subprocessor_without_safeguard_shows_non_compliant_before_the_register_changes,
    the_dpo_approves_or_objects_once_and_an_objection_is_written_as_a_notice_to_the_processor,
    silence_accepts_a_change_the_day_after_its_deadline_under_general_authorisation_only,
    an_approved_addition_goes_live_on_its_effective_date_recording_the_flows,
    a_removal_ends_the_flows_and_a_relocation_moves_the_locations,
    a_withdrawn_change_does_nothing,
    the_published_list_and_its_feed_show_the_processing_chain_and_the_announced_changes,
    each_subscriber_is_sent_each_announced_change_once_across_restarts,
);

pub const ANNOUNCE: &str = r"mutation($input: AnnounceSubprocessorChangeInput!) {
  announceSubprocessorChange(input: $input) { id kind status announcedOn effectiveOn objectionDeadline
    processor { id } subprocessorName } }";

pub const DECIDE: &str = r"mutation($id: ID!, $decision: SubprocessorDecision!, $reason: String) {
  decideSubprocessorChange(id: $id, decision: $decision, reason: $reason) { id status reason } }";

const CHANGE: &str = r"query($id: ID!) { subprocessorChange(id: $id) { id status kind
  impact { from { id } to { id } destinationCountry status problems { code message } explanation }
  subjectsAffected history { status detail } } }";

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// A group company in Ireland whose German supplier processes its customer data, and a US
/// company that is to become the supplier's sub-processor.
pub struct World {
    pub controller: String,
    pub processor: String,
    pub us_sub: String,
    pub activity: String,
    pub to_processor: String,
}

pub async fn world(app: &TestApp, authorisation: &str) -> World {
    let controller = fixtures::org(
        app,
        json!({ "name": "Contoso Ireland Ltd", "kind": "GROUP_COMPANY", "country": "IE" }),
    )
    .await;
    let processor = fixtures::org(
        app,
        json!({ "name": "Mailer GmbH", "kind": "SUPPLIER", "country": "DE",
                "dpaSignedOn": "2024-01-10", "privacyContactEmail": "privacy@mailer.example",
                "subprocessorAuthorisation": authorisation, "objectionPeriodDays": 30 }),
    )
    .await;
    let us_sub = fixtures::org(
        app,
        json!({ "name": "Datastore Inc", "kind": "SUBCONTRACTOR", "country": "US",
                "dpaSignedOn": "2024-02-01", "locations": [{ "country": "US", "use": "STORAGE" }] }),
    )
    .await;
    let activity = fixtures::activity(app, &controller, &["contact.email", "identity.name"]).await;
    let to_processor = fixtures::flow(
        app,
        json!({ "activityId": activity, "fromId": controller, "toId": processor,
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email", "identity.name"] }),
    )
    .await;
    World {
        controller,
        processor,
        us_sub,
        activity,
        to_processor,
    }
}

pub fn add_input(w: &World, announced: &str, effective: &str) -> Value {
    json!({ "processorId": w.processor, "kind": "ADD", "subprocessorId": w.us_sub,
            "activityIds": [w.activity], "dataCategories": ["contact.email"],
            "announcedOn": announced, "effectiveOn": effective, "source": "e-mail of 1 September" })
}

pub async fn announce(app: &TestApp, input: Value) -> Value {
    app.ok(ANNOUNCE, json!({ "input": input })).await["announceSubprocessorChange"].clone()
}

pub fn clock(app: &TestApp) -> Actor {
    Actor::named("register-clock", "OPERATOR", &app.state.audit_key)
}

async fn status(app: &TestApp, id: &str) -> String {
    app.ok(CHANGE, json!({ "id": id })).await["subprocessorChange"]["status"]
        .as_str()
        .expect("status")
        .to_string()
}

async fn a_processors_contract_terms_are_recorded_checked_and_cleared(app: TestApp) {
    let data = app
        .ok(
            r#"mutation { registerOrganisation(input: { name: "Mailer GmbH", kind: SUPPLIER, country: "DE",
                subprocessorAuthorisation: GENERAL, objectionPeriodDays: 30 }) {
                id subprocessorAuthorisation objectionPeriodDays } }"#,
            json!({}),
        )
        .await;
    let org = &data["registerOrganisation"];
    assert_eq!(org["subprocessorAuthorisation"], "GENERAL");
    assert_eq!(org["objectionPeriodDays"], 30);
    let id = org["id"].as_str().expect("id");
    const UPDATE: &str = r"mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) {
        subprocessorAuthorisation objectionPeriodDays } }";
    for bad in [366, -1] {
        let response = app
            .gql(
                UPDATE,
                json!({ "input": { "id": id, "objectionPeriodDays": bad } }),
            )
            .await;
        assert_error(&response, "BAD_USER_INPUT", Some("objectionPeriodDays"));
    }
    let response = app
        .gql(
            REGISTER_ORG,
            json!({ "input": { "name": "Other", "kind": "SUPPLIER", "country": "DE", "objectionPeriodDays": 400 } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("objectionPeriodDays"));
    assert_eq!(app.count("organisation").await, 1);
    let data = app
        .ok(
            UPDATE,
            json!({ "input": { "id": id, "subprocessorAuthorisation": "SPECIFIC", "objectionPeriodDays": null } }),
        )
        .await;
    assert_eq!(
        data["updateOrganisation"],
        json!({ "subprocessorAuthorisation": "SPECIFIC", "objectionPeriodDays": null })
    );
}

async fn an_activity_acts_as_controller_unless_marked_as_processor(app: TestApp) {
    let controller = fixtures::org(
        &app,
        json!({ "name": "Contoso Hosting Ltd", "kind": "GROUP_COMPANY", "country": "IE" }),
    )
    .await;
    let activity = fixtures::activity(&app, &controller, &["contact.email"]).await;
    let read = r"query($id: ID!) { processingActivity(id: $id) { actingAs } }";
    let data = app.ok(read, json!({ "id": activity })).await;
    assert_eq!(data["processingActivity"]["actingAs"], "CONTROLLER");
    let data = app
        .ok(
            r"mutation($input: UpdateProcessingActivityInput!) { updateProcessingActivity(input: $input) { actingAs } }",
            json!({ "input": { "id": activity, "actingAs": "PROCESSOR" } }),
        )
        .await;
    assert_eq!(data["updateProcessingActivity"]["actingAs"], "PROCESSOR");
    let data = app.ok(read, json!({ "id": activity })).await;
    assert_eq!(data["processingActivity"]["actingAs"], "PROCESSOR");
}

async fn registrars_and_the_processor_itself_announce_and_others_are_refused(app: TestApp) {
    let w = world(&app, "GENERAL").await;
    let procurement = app.principal(Role::Procurement, None).await;
    let response = app
        .exec(
            Auth::Token(procurement),
            ANNOUNCE,
            json!({ "input": add_input(&w, "2026-09-01", "2026-10-15") }),
        )
        .await;
    let change = &response["data"]["announceSubprocessorChange"];
    assert_eq!(change["status"], "PENDING", "{response:#}");
    assert_eq!(change["objectionDeadline"], "2026-10-01");
    let own_id: i64 = w.processor.parse().expect("id");
    let processor = app.principal(Role::Processor, Some(own_id)).await;
    let response = app
        .exec(
            Auth::Token(processor),
            ANNOUNCE,
            json!({ "input": add_input(&w, "2026-09-02", "2026-10-15") }),
        )
        .await;
    assert_eq!(
        response["data"]["announceSubprocessorChange"]["processor"]["id"], w.processor,
        "{response:#}"
    );
    // A processor token of another organisation: refused before its input is looked at.
    let other_id: i64 = w.us_sub.parse().expect("id");
    let other = app.principal(Role::Processor, Some(other_id)).await;
    let response = app
        .exec(
            Auth::Token(other),
            ANNOUNCE,
            json!({ "input": add_input(&w, "2026-09-02", "2026-10-15") }),
        )
        .await;
    assert_error(&response, "FORBIDDEN", None);
    let auditor = app.principal(Role::Auditor, None).await;
    let response = app
        .exec(
            Auth::Token(auditor),
            ANNOUNCE,
            json!({ "input": add_input(&w, "2026-09-02", "2026-10-15") }),
        )
        .await;
    assert_error(&response, "FORBIDDEN", None);
    assert_eq!(app.count("subprocessor_change").await, 2);
    // Input errors name their field and write nothing.
    let response = app
        .gql(
            ANNOUNCE,
            json!({ "input": add_input(&w, "2026-09-02", "2026-08-01") }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("effectiveOn"));
    let mut unknown = add_input(&w, "2026-09-02", "2026-10-15");
    unknown["subprocessorId"] = json!("999999");
    assert_error(
        &app.gql(ANNOUNCE, json!({ "input": unknown })).await,
        "BAD_USER_INPUT",
        Some("subprocessorId"),
    );
    let mut module = add_input(&w, "2026-09-02", "2026-10-15");
    module["mechanism"] = json!("BCR");
    module["sccModule"] = json!("C2P");
    assert_error(
        &app.gql(ANNOUNCE, json!({ "input": module })).await,
        "BAD_USER_INPUT",
        Some("sccModule"),
    );
    let mut foreign = add_input(&w, "2026-09-02", "2026-10-15");
    foreign["dataCategories"] = json!(["financial.payment_card"]);
    assert_error(
        &app.gql(ANNOUNCE, json!({ "input": foreign })).await,
        "BAD_USER_INPUT",
        Some("dataCategories"),
    );
    assert_eq!(app.count("subprocessor_change").await, 2);
    assert_eq!(app.count("subprocessor_change_event").await, 2);
    // No period recorded: no deadline.
    app.ok(
        r"mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }",
        json!({ "input": { "id": w.processor, "objectionPeriodDays": null } }),
    )
    .await;
    let change = announce(&app, add_input(&w, "2026-09-03", "2026-10-15")).await;
    assert_eq!(change["objectionDeadline"], Value::Null);
    let list = app
        .ok(
            r"{ subprocessorChanges(status: PENDING, first: 2) { totalCount edges { node { id } } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["subprocessorChanges"]["totalCount"], 3);
    assert_eq!(list["subprocessorChanges"]["pageInfo"]["hasNextPage"], true);
    let _ = w.controller;
}

async fn a_us_subprocessor_without_safeguard_shows_non_compliant_before_the_register_changes(
    app: TestApp,
) {
    let w = world(&app, "GENERAL").await;
    let flows_before = app.count("data_flow").await;
    let gaps = r"{ complianceGaps { nonCompliant } }";
    let before = app.ok(gaps, json!({})).await;
    let change = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let id = change["id"].as_str().expect("id");
    let data = app.ok(CHANGE, json!({ "id": id })).await;
    let impact = data["subprocessorChange"]["impact"]
        .as_array()
        .expect("impact");
    assert_eq!(impact.len(), 1, "{data:#}");
    assert_eq!(impact[0]["destinationCountry"], "US");
    assert_eq!(impact[0]["status"], "NON_COMPLIANT");
    assert_eq!(impact[0]["from"]["id"], w.processor);
    assert_eq!(impact[0]["to"]["id"], w.us_sub);
    assert!(
        impact[0]["problems"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["code"] == "MISSING_SAFEGUARD")),
        "{data:#}"
    );
    assert!(
        impact[0]["explanation"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
    assert_eq!(data["subprocessorChange"]["subjectsAffected"], 0);
    // The register itself is unchanged.
    assert_eq!(app.count("data_flow").await, flows_before);
    assert_eq!(app.ok(gaps, json!({})).await, before);
    // The same sub-processor under SCCs with a TIA is safeguarded.
    let mut safeguarded = add_input(&w, "2026-09-01", "2026-10-15");
    safeguarded["mechanism"] = json!("SCC_2021");
    safeguarded["sccModule"] = json!("P2P");
    safeguarded["signedOn"] = json!("2026-08-01");
    safeguarded["tiaCompletedOn"] = json!("2026-07-20");
    let change = announce(&app, safeguarded).await;
    let data = app.ok(CHANGE, json!({ "id": change["id"] })).await;
    assert_eq!(
        data["subprocessorChange"]["impact"][0]["status"], "SAFEGUARDED",
        "{data:#}"
    );
}

async fn the_dpo_approves_or_objects_once_and_an_objection_is_written_as_a_notice_to_the_processor(
    app: TestApp,
) {
    let w = world(&app, "GENERAL").await;
    let first = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let second = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let procurement = app.principal(Role::Procurement, None).await;
    let response = app
        .exec(
            Auth::Token(procurement),
            DECIDE,
            json!({ "id": first["id"], "decision": "APPROVE" }),
        )
        .await;
    assert_error(&response, "FORBIDDEN", None);
    let dpo = app.principal(Role::Dpo, None).await;
    let response = app
        .exec(
            Auth::Token(dpo.clone()),
            DECIDE,
            json!({ "id": first["id"], "decision": "APPROVE" }),
        )
        .await;
    assert_eq!(
        response["data"]["decideSubprocessorChange"]["status"], "APPROVED",
        "{response:#}"
    );
    let again = app
        .exec(
            Auth::Token(dpo.clone()),
            DECIDE,
            json!({ "id": first["id"], "decision": "OBJECT", "reason": "too late" }),
        )
        .await;
    assert_error(&again, "CONFLICT", None);
    let no_reason = app
        .exec(
            Auth::Token(dpo.clone()),
            DECIDE,
            json!({ "id": second["id"], "decision": "OBJECT" }),
        )
        .await;
    assert_error(&no_reason, "BAD_USER_INPUT", Some("reason"));
    assert_eq!(app.count("subprocessor_notice").await, 0);
    let objected = app
        .exec(
            Auth::Token(dpo),
            DECIDE,
            json!({ "id": second["id"], "decision": "OBJECT",
                    "reason": "No transfer safeguard for the United States" }),
        )
        .await;
    assert_eq!(
        objected["data"]["decideSubprocessorChange"]["status"], "OBJECTED",
        "{objected:#}"
    );
    let id: i64 = second["id"].as_str().expect("id").parse().expect("id");
    let notices = subprocessor_changes::notice::of_change(&app.state.db, id)
        .await
        .expect("notices");
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].recipient, "privacy@mailer.example");
    assert!(
        notices[0]
            .body
            .contains("No transfer safeguard for the United States")
    );
    assert_eq!(app.count("subprocessor_notice").await, 1);
    let data = app.ok(CHANGE, json!({ "id": second["id"] })).await;
    let history: Vec<&str> = data["subprocessorChange"]["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|e| e["status"].as_str())
        .collect();
    assert_eq!(history, ["PENDING", "OBJECTED"]);
    // Without a mail server the objection is kept in the outbox, once, belonging to no task.
    let sent = crate::subprocessor_notices::notifier(&app, |_| {})
        .send_pending(day("2026-09-02"))
        .await
        .expect("send");
    assert_eq!(sent.kept, 1);
    // A restart: a new sender on the same database sends nothing twice.
    let again = crate::subprocessor_notices::notifier(&app, |_| {})
        .send_pending(day("2026-09-02"))
        .await
        .expect("send");
    assert_eq!(again.kept, 0);
    let outbox = app
        .ok(
            "{ outbox { edges { node { to body task { id } } } } }",
            json!({}),
        )
        .await;
    let kept: Vec<&Value> = outbox["outbox"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["to"] == "privacy@mailer.example")
        .collect();
    assert_eq!(kept.len(), 1, "{outbox:#}");
    assert!(kept[0]["task"].is_null());
    assert!(
        kept[0]["body"]
            .as_str()
            .is_some_and(|b| b.contains("No transfer safeguard for the United States"))
    );
    // An objected change never goes live.
    let moved = subprocessor_changes::advance(&app.state.db, &clock(&app), day("2026-11-01"))
        .await
        .expect("advance");
    assert_eq!(
        moved.live,
        vec![
            first["id"]
                .as_str()
                .expect("id")
                .parse::<i64>()
                .expect("id")
        ]
    );
    assert_eq!(
        status(&app, second["id"].as_str().expect("id")).await,
        "OBJECTED"
    );
}

async fn silence_accepts_a_change_the_day_after_its_deadline_under_general_authorisation_only(
    app: TestApp,
) {
    let general = world(&app, "GENERAL").await;
    let change = announce(&app, add_input(&general, "2026-09-01", "2026-11-15")).await;
    let id = change["id"].as_str().expect("id").to_string();
    assert_eq!(change["objectionDeadline"], "2026-10-01");
    let specific = world(&app, "SPECIFIC").await;
    let held = announce(&app, add_input(&specific, "2026-09-01", "2026-10-15")).await;
    let held_id = held["id"].as_str().expect("id").to_string();
    // What the due items list: the pending changes with their deadlines, soonest first.
    let pending = subprocessor_changes::pending_deadlines(&app.state.db)
        .await
        .expect("pending");
    let listed: Vec<(String, NaiveDate)> = pending
        .iter()
        .map(|(c, d)| (c.id.to_string(), *d))
        .collect();
    assert_eq!(
        listed,
        [
            (id.clone(), day("2026-10-01")),
            (held_id.clone(), day("2026-10-01"))
        ]
    );
    // The due items name both deadlines: from 30 days before, and overdue after it.
    let due = |on: &'static str, within: i32| {
        let db = app.state.db.clone();
        async move {
            transfer_register::service::reviews::due::list(&db, day(on), within)
                .await
                .expect("due items")
                .into_iter()
                .filter(|i| i.kind == transfer_register::domain::vocab::DueKind::ObjectionDeadline)
                .map(|i| (i.due_on, i.message))
                .collect::<Vec<_>>()
        }
    };
    assert!(
        due("2026-08-31", 30).await.is_empty(),
        "the day before the horizon"
    );
    let listed = due("2026-09-01", 30).await;
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(
        listed
            .iter()
            .all(|(d, m)| *d == day("2026-10-01") && m.contains("object by 2026-10-01")),
        "{listed:?}"
    );
    let overdue = due("2026-10-02", 0).await;
    assert!(
        overdue.iter().any(|(_, m)| m.contains("(overdue)")),
        "{overdue:?}"
    );
    let actor = clock(&app);
    // The deadline day itself is still open to objection.
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-10-01"))
        .await
        .expect("advance");
    assert!(moved.accepted.is_empty());
    assert_eq!(status(&app, &id).await, "PENDING");
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-10-02"))
        .await
        .expect("advance");
    assert_eq!(moved.accepted, vec![id.parse::<i64>().expect("id")]);
    assert_eq!(status(&app, &id).await, "ACCEPTED_BY_SILENCE");
    // Under a specific authorisation, silence is no consent: past the deadline and the effective
    // date, it stays pending and nothing goes live.
    let flows = app.count("data_flow").await;
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-11-01"))
        .await
        .expect("advance");
    assert!(
        moved.accepted.is_empty() && moved.live.is_empty(),
        "{moved:?}"
    );
    assert_eq!(status(&app, &held_id).await, "PENDING");
    assert_eq!(app.count("data_flow").await, flows);
    // Deciding after silence is too late.
    let response = app
        .gql(
            DECIDE,
            json!({ "id": id, "decision": "OBJECT", "reason": "late" }),
        )
        .await;
    assert_error(&response, "CONFLICT", None);
}

async fn an_approved_addition_goes_live_on_its_effective_date_recording_the_flows(app: TestApp) {
    let w = world(&app, "SPECIFIC").await;
    let mut input = add_input(&w, "2026-09-01", "2026-10-15");
    input["mechanism"] = json!("SCC_2021");
    input["sccModule"] = json!("P2P");
    input["signedOn"] = json!("2026-08-01");
    input["tiaCompletedOn"] = json!("2026-07-20");
    let change = announce(&app, input).await;
    let id = change["id"].as_str().expect("id").to_string();
    app.ok(DECIDE, json!({ "id": id, "decision": "APPROVE" }))
        .await;
    let actor = clock(&app);
    let flows = app.count("data_flow").await;
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-10-14"))
        .await
        .expect("advance");
    assert!(moved.live.is_empty());
    assert_eq!(app.count("data_flow").await, flows);
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-10-15"))
        .await
        .expect("advance");
    assert_eq!(
        moved.live,
        vec![id.parse::<i64>().expect("id")],
        "{moved:?}"
    );
    assert_eq!(status(&app, &id).await, "LIVE");
    let data = app
        .ok(
            r"query($to: ID) { dataFlows(toId: $to) { edges { node { recipientRole dataCategories mechanism
                from { id } continues { id } } } } }",
            json!({ "to": w.us_sub }),
        )
        .await;
    let edges = data["dataFlows"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 1, "{data:#}");
    let flow = &edges[0]["node"];
    assert_eq!(flow["recipientRole"], "SUB_PROCESSOR");
    assert_eq!(flow["from"]["id"], w.processor);
    assert_eq!(flow["continues"]["id"], w.to_processor);
    assert_eq!(flow["dataCategories"], json!(["contact.email"]));
    assert_eq!(flow["mechanism"], "SCC_2021");
    // Once: a second turn of the clock does nothing more.
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-10-16"))
        .await
        .expect("advance");
    assert_eq!(moved, subprocessor_changes::Advanced::default());
    assert_eq!(app.count("data_flow").await, flows + 1);
    let audit = app
        .ok(
            r#"{ auditEvents(entity: "subprocessor_change", first: 20) { edges { node { operation } } } }"#,
            json!({}),
        )
        .await;
    let operations: Vec<&str> = audit["auditEvents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["node"]["operation"].as_str())
        .collect();
    assert!(
        operations.contains(&"subprocessorChangeLive"),
        "{operations:?}"
    );
}

async fn a_removal_ends_the_flows_and_a_relocation_moves_the_locations(app: TestApp) {
    let w = world(&app, "GENERAL").await;
    let existing = fixtures::flow(
        &app,
        json!({ "activityId": w.activity, "fromId": w.processor, "toId": w.us_sub,
                "recipientRole": "SUB_PROCESSOR", "dataCategories": ["contact.email"],
                "continuesFlowId": w.to_processor, "mechanism": "SCC_2021", "sccModule": "P2P",
                "signedOn": "2025-01-01", "tiaCompletedOn": "2024-12-01" }),
    )
    .await;
    let relocate = announce(
        &app,
        json!({ "processorId": w.processor, "kind": "RELOCATE", "subprocessorId": w.us_sub,
                "activityIds": [w.activity], "dataCategories": [], "relocateTo": "IN",
                "announcedOn": "2026-08-01", "effectiveOn": "2026-09-01" }),
    )
    .await;
    let data = app.ok(CHANGE, json!({ "id": relocate["id"] })).await;
    let destinations: Vec<&str> = data["subprocessorChange"]["impact"]
        .as_array()
        .expect("impact")
        .iter()
        .filter_map(|t| t["destinationCountry"].as_str())
        .collect();
    assert!(destinations.contains(&"IN"), "{data:#}");
    app.ok(
        DECIDE,
        json!({ "id": relocate["id"], "decision": "APPROVE" }),
    )
    .await;
    let remove = announce(
        &app,
        json!({ "processorId": w.processor, "kind": "REMOVE", "subprocessorId": w.us_sub,
                "activityIds": [w.activity], "dataCategories": [],
                "announcedOn": "2026-09-15", "effectiveOn": "2026-10-01" }),
    )
    .await;
    let actor = clock(&app);
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-09-01"))
        .await
        .expect("advance");
    assert_eq!(moved.live.len(), 1, "{moved:?}");
    let data = app
        .ok(
            r"query($id: ID!) { organisation(id: $id) { locations { country use } } }",
            json!({ "id": w.us_sub }),
        )
        .await;
    assert_eq!(
        data["organisation"]["locations"],
        json!([{ "country": "IN", "use": "STORAGE" }])
    );
    // The removal is accepted by silence after its deadline (2026-10-15) and ends the flow on
    // its effective date.
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-10-16"))
        .await
        .expect("advance");
    assert_eq!(
        moved.live,
        vec![
            remove["id"]
                .as_str()
                .expect("id")
                .parse::<i64>()
                .expect("id")
        ],
        "{moved:?}"
    );
    let data = app
        .ok(
            r"query($id: ID!) { dataFlow(id: $id) { endedOn } }",
            json!({ "id": existing }),
        )
        .await;
    assert_eq!(data["dataFlow"]["endedOn"], "2026-10-01");
}

async fn a_withdrawn_change_does_nothing(app: TestApp) {
    let w = world(&app, "GENERAL").await;
    let change = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let own_id: i64 = w.processor.parse().expect("id");
    let withdraw = r"mutation($id: ID!) { withdrawSubprocessorChange(id: $id) { status } }";
    let other = app
        .principal(Role::Processor, Some(w.us_sub.parse().expect("id")))
        .await;
    let response = app
        .exec(Auth::Token(other), withdraw, json!({ "id": change["id"] }))
        .await;
    assert_error(&response, "FORBIDDEN", None);
    let processor = app.principal(Role::Processor, Some(own_id)).await;
    // A change that does not exist is refused alike: a processor learns nothing of others'.
    let missing = app
        .exec(
            Auth::Token(processor.clone()),
            withdraw,
            json!({ "id": "999999" }),
        )
        .await;
    assert_error(&missing, "FORBIDDEN", None);
    let response = app
        .exec(
            Auth::Token(processor.clone()),
            withdraw,
            json!({ "id": change["id"] }),
        )
        .await;
    assert_eq!(
        response["data"]["withdrawSubprocessorChange"]["status"], "WITHDRAWN",
        "{response:#}"
    );
    let again = app
        .exec(
            Auth::Token(processor),
            withdraw,
            json!({ "id": change["id"] }),
        )
        .await;
    assert_error(&again, "CONFLICT", None);
    let flows = app.count("data_flow").await;
    let moved = subprocessor_changes::advance(&app.state.db, &clock(&app), day("2026-11-01"))
        .await
        .expect("advance");
    assert_eq!(moved, subprocessor_changes::Advanced::default());
    assert_eq!(app.count("data_flow").await, flows);
}

async fn the_published_list_and_its_feed_show_the_processing_chain_and_the_announced_changes(
    app: TestApp,
) {
    let w = world(&app, "GENERAL").await;
    app.ok(
        r"mutation($input: UpdateProcessingActivityInput!) { updateProcessingActivity(input: $input) { id } }",
        json!({ "input": { "id": w.activity, "actingAs": "PROCESSOR" } }),
    )
    .await;
    announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let client = reqwest::Client::new();
    // Off unless switched on.
    let closed = app.serve().await;
    for path in [
        "/subprocessors",
        "/subprocessors.json",
        "/subprocessors.atom",
    ] {
        let response = client
            .get(format!("{closed}{path}"))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 404, "{path}");
    }
    let base = app.serve_with(|c| c.publish_subprocessors = true).await;
    let list: Value = client
        .get(format!("{base}/subprocessors.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        list["subprocessors"],
        json!([{ "name": "Mailer GmbH", "country": "DE",
                 "service": "Carry out our obligations arising from agreements with customers",
                 "data_categories": ["E-mail address", "Name"], "safeguard": "None" }]),
        "{list:#}"
    );
    assert_eq!(
        list["changes"],
        json!([{ "id": 1, "change": "New sub-processor", "subprocessor": "Datastore Inc",
                 "country": "US", "announced_on": "2026-09-01", "effective_on": "2026-10-15",
                 "objection_deadline": "2026-10-01" }]),
        "{list:#}"
    );
    let page = client
        .get(format!("{base}/subprocessors"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(page.contains("Datastore Inc") && page.contains("Mailer GmbH"));
    assert!(
        !page.contains("privacy@mailer.example"),
        "no contact e-mails"
    );
    let atom = client
        .get(format!("{base}/subprocessors.atom"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let mut reader = quick_xml::Reader::from_str(&atom);
    let (mut entries, mut root) = (0, None);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Start(e) => {
                let name = e.name().0.to_string();
                if root.is_none() {
                    root = Some(name.clone());
                }
                if name == "entry" {
                    entries += 1;
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(root.as_deref(), Some("feed"));
    assert_eq!(entries, 1, "{atom}");
    assert!(atom.contains("Datastore Inc"));
    let _ = (w.controller, w.to_processor);
}

async fn each_subscriber_is_sent_each_announced_change_once_across_restarts(app: TestApp) {
    let w = world(&app, "GENERAL").await;
    app.ok(
        r"mutation($input: UpdateProcessingActivityInput!) { updateProcessingActivity(input: $input) { id } }",
        json!({ "input": { "id": w.activity, "actingAs": "PROCESSOR" } }),
    )
    .await;
    const SUBSCRIBE: &str = r"mutation($input: AddSubprocessorListSubscriberInput!) {
        addSubprocessorListSubscriber(input: $input) { id name email webhookUrl } }";
    let response = app
        .gql(SUBSCRIBE, json!({ "input": { "name": "Nobody" } }))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("email"));
    let procurement = app.principal(Role::Procurement, None).await;
    let response = app
        .exec(
            Auth::Token(procurement),
            SUBSCRIBE,
            json!({ "input": { "name": "Customer A", "email": "dpo@customer-a.example" } }),
        )
        .await;
    assert_error(&response, "FORBIDDEN", None);
    let data = app
        .ok(
            SUBSCRIBE,
            json!({ "input": { "name": "Customer A", "email": "dpo@customer-a.example" } }),
        )
        .await;
    assert_eq!(
        data["addSubprocessorListSubscriber"]["email"],
        "dpo@customer-a.example"
    );
    app.ok(
        SUBSCRIBE,
        json!({ "input": { "name": "Customer B", "email": "privacy@customer-b.example" } }),
    )
    .await;
    let change = announce(&app, add_input(&w, "2026-09-01", "2026-10-15")).await;
    let actor = clock(&app);
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-09-02"))
        .await
        .expect("advance");
    assert_eq!(moved.notified, 2);
    // Another turn, and a second instance's turn on the same database: nothing more.
    let moved = subprocessor_changes::advance(&app.state.db, &actor, day("2026-09-03"))
        .await
        .expect("advance");
    assert_eq!(moved.notified, 0);
    let again = subprocessor_changes::subscribers::notify(&app.state.db)
        .await
        .expect("notify");
    assert_eq!(again, 0);
    let id: i64 = change["id"].as_str().expect("id").parse().expect("id");
    let notices = subprocessor_changes::notice::of_change(&app.state.db, id)
        .await
        .expect("notices");
    let recipients: Vec<&str> = notices.iter().map(|n| n.recipient.as_str()).collect();
    assert_eq!(
        recipients,
        ["dpo@customer-a.example", "privacy@customer-b.example"]
    );
    assert!(notices[0].body.contains("Datastore Inc") && notices[0].body.contains("2026-10-01"));
}
