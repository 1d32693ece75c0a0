//! Correcting the register: updating and ending flows and activities, with their history; the
//! registers of earlier days keep what has since ended.

use crate::{
    db_tests,
    fixtures::{self, RECORD_FLOW},
    support::{TestApp, assert_error},
};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use transfer_register::{domain::vocab::Role, graphql::context::Auth};

const HOLDERS: &str = r#"query($s: SubjectIdentifierInput!) { whoHolds(subject: $s) { holdings {
  organisation { id } path { id } flowEnded endedOn anyNonCompliant dataCategories
  routes { path { id } flows { id } endedOn }
  transfers { flow { id } destinationCountry status } } } }"#;

/// Registers a customer of the seed's activity and returns what `whoHolds` says of them.
async fn holders(app: &TestApp) -> Vec<Value> {
    let s = json!({ "accountNumber": "C-77" });
    app.ok(HOLDERS, json!({ "s": s })).await["whoHolds"]["holdings"]
        .as_array()
        .expect("holdings")
        .clone()
}

fn holder<'a>(holdings: &'a [Value], org: &str) -> Option<&'a Value> {
    holdings
        .iter()
        .find(|h| h["organisation"]["id"] == json!(org))
}

db_tests!(
    a_flow_with_no_safeguard_is_a_gap_until_it_is_corrected,
    an_ended_flow_leaves_todays_register_but_stays_in_last_years,
    corrections_that_break_a_rule_are_refused_and_change_nothing,
    an_ended_flow_cannot_be_corrected_continued_or_ended_again,
    an_activity_is_corrected_and_ended_with_its_flows,
    who_holds_shows_every_route_to_a_holder_and_flags_a_non_compliant_one,
    an_ended_flows_recipient_still_holds_until_its_data_is_returned,
);

const UPDATE_FLOW: &str = r#"mutation($input: UpdateDataFlowInput!) {
  updateDataFlow(input: $input) { id mechanism sccModule signedOn tiaCompletedOn dataCategories recipientRole endedOn } }"#;
const END_FLOW: &str = r#"mutation($input: EndDataFlowInput!) {
  endDataFlow(input: $input) { id endedOn endedReason } }"#;
const RETURNED: &str = r#"mutation($input: RecordDataReturnedInput!) {
  recordDataReturned(input: $input) { id endedOn returnedOn returnEvidence } }"#;
const UPDATE_ACTIVITY: &str = r#"mutation($input: UpdateProcessingActivityInput!) {
  updateProcessingActivity(input: $input) { id name purpose lawfulBasis dataCategories retention retentionMonths endedOn } }"#;
const END_ACTIVITY: &str = r#"mutation($input: EndProcessingActivityInput!) {
  endProcessingActivity(input: $input) { id endedOn endedReason } }"#;
const GAPS: &str = r#"query($on: Date) { complianceGaps(on: $on) { nonCompliant byCode { code assessments { flow { id } } } } }"#;
const REGISTER: &str =
    r#"query($on: Date) { transferRegister(on: $on) { flow { id } destinationCountry status } }"#;
const HISTORY: &str = r#"query($id: ID!) { dataFlow(id: $id) { history { edges { node { operation actor before after } } } } }"#;

fn today() -> String {
    Utc::now().date_naive().to_string()
}

fn days_ago(days: i64) -> String {
    (Utc::now().date_naive() - Duration::days(days)).to_string()
}

/// The flows a gaps report names.
fn gap_flows(data: &Value) -> Vec<String> {
    let mut ids: Vec<String> = data["complianceGaps"]["byCode"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["assessments"].as_array().expect("assessments").clone())
        .map(|a| a["flow"]["id"].as_str().expect("flow").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The flows a transfer register lists.
fn register_flows(data: &Value) -> Vec<String> {
    let mut ids: Vec<String> = data["transferRegister"]
        .as_array()
        .expect("register")
        .iter()
        .map(|a| a["flow"]["id"].as_str().expect("flow").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

async fn a_flow_with_no_safeguard_is_a_gap_until_it_is_corrected(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let bare = fixtures::flow(
        &app,
        json!({ "activityId": seed.activity, "fromId": seed.parent, "toId": seed.us_cloud,
                "recipientRole": "PROCESSOR", "dataCategories": ["online.clickstream"] }),
    )
    .await;
    let gaps = app.ok(GAPS, json!({})).await;
    assert!(gap_flows(&gaps).contains(&bare), "{gaps:#}");

    let fixed = app
        .ok(
            UPDATE_FLOW,
            json!({ "input": { "id": bare, "mechanism": "UK_ADDENDUM", "sccModule": "C2P",
                "signedOn": "2024-03-01", "tiaCompletedOn": "2024-02-20" } }),
        )
        .await;
    let flow = &fixed["updateDataFlow"];
    assert_eq!(flow["mechanism"], "UK_ADDENDUM");
    assert_eq!(flow["sccModule"], "C2P");
    assert_eq!(
        flow["dataCategories"],
        json!(["online.clickstream"]),
        "left out, unchanged"
    );
    assert_eq!(flow["recipientRole"], "PROCESSOR", "left out, unchanged");
    let gaps = app.ok(GAPS, json!({})).await;
    assert!(!gap_flows(&gaps).contains(&bare), "{gaps:#}");

    // Null clears a nullable field: without its TIA the flow is a gap again.
    app.ok(
        UPDATE_FLOW,
        json!({ "input": { "id": bare, "tiaCompletedOn": null } }),
    )
    .await;
    let gaps = app.ok(GAPS, json!({})).await;
    assert!(gap_flows(&gaps).contains(&bare), "{gaps:#}");

    let history = app.ok(HISTORY, json!({ "id": bare })).await;
    let events = history["dataFlow"]["history"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    let operations: Vec<&str> = events
        .iter()
        .map(|e| e["node"]["operation"].as_str().expect("operation"))
        .collect();
    assert_eq!(
        operations,
        ["recordDataFlow", "updateDataFlow", "updateDataFlow"]
    );
    let fix = &events[1]["node"];
    assert!(
        fix["before"]
            .as_str()
            .expect("before")
            .contains("\"mechanism\":\"NONE\"")
    );
    assert!(
        fix["after"]
            .as_str()
            .expect("after")
            .contains("\"mechanism\":\"UK_ADDENDUM\"")
    );

    // The history is part of the audit trail: procurement may correct flows but not read it.
    let procurement = Auth::Token(app.principal(Role::Procurement, None).await);
    let refused = app
        .exec(procurement.clone(), HISTORY, json!({ "id": bare }))
        .await;
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused:#}"
    );
    let corrected = app
        .exec(
            procurement,
            UPDATE_FLOW,
            json!({ "input": { "id": bare, "signedOn": "2024-03-02", "occasional": false,
                "transferSafeguards": null } }),
        )
        .await;
    assert!(corrected.get("errors").is_none(), "{corrected:#}");
}

async fn an_ended_flow_leaves_todays_register_but_stays_in_last_years(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let last_year = days_ago(365);
    let before = app.ok(REGISTER, json!({ "on": today() })).await;
    assert!(register_flows(&before).contains(&seed.to_us_cloud));
    assert!(register_flows(&before).contains(&seed.to_india));

    let ended = app
        .ok(
            END_FLOW,
            json!({ "input": { "id": seed.to_us_cloud, "reason": "contract terminated" } }),
        )
        .await;
    assert_eq!(ended["endDataFlow"]["endedOn"], json!(today()));
    assert_eq!(ended["endDataFlow"]["endedReason"], "contract terminated");
    // The sub-processor's flow continues it, and ends with it.
    let india = app
        .ok(
            "query($id: ID!) { dataFlow(id: $id) { endedOn endedReason } }",
            json!({ "id": seed.to_india }),
        )
        .await;
    assert_eq!(india["dataFlow"]["endedOn"], json!(today()));

    let now = app.ok(REGISTER, json!({ "on": today() })).await;
    assert!(!register_flows(&now).contains(&seed.to_us_cloud), "{now:#}");
    assert!(!register_flows(&now).contains(&seed.to_india), "{now:#}");
    assert!(register_flows(&now).contains(&seed.to_shield));
    let default_day = app
        .ok("{ transferRegister { flow { id } } }", json!({}))
        .await;
    assert_eq!(register_flows(&default_day), register_flows(&now));

    let then = app.ok(REGISTER, json!({ "on": last_year })).await;
    assert!(
        register_flows(&then).contains(&seed.to_us_cloud),
        "{then:#}"
    );
    assert!(register_flows(&then).contains(&seed.to_india), "{then:#}");
    let gaps_then = app.ok(GAPS, json!({ "on": last_year })).await;
    let gaps_now = app.ok(GAPS, json!({ "on": today() })).await;
    assert!(gap_flows(&gaps_then).contains(&seed.to_shield));
    assert!(gap_flows(&gaps_now).contains(&seed.to_shield));

    // Ending the Privacy Shield supplier closes its gap from the day it ended.
    let yesterday = days_ago(1);
    app.ok(
        END_FLOW,
        json!({ "input": { "id": seed.to_shield, "endedOn": yesterday } }),
    )
    .await;
    let gaps_now = app.ok(GAPS, json!({ "on": today() })).await;
    assert!(!gap_flows(&gaps_now).contains(&seed.to_shield));
    let gaps_yesterday = app.ok(GAPS, json!({ "on": yesterday })).await;
    assert!(
        !gap_flows(&gaps_yesterday).contains(&seed.to_shield),
        "left out on the day it ended"
    );
    let gaps_before = app.ok(GAPS, json!({ "on": days_ago(2) })).await;
    assert!(gap_flows(&gaps_before).contains(&seed.to_shield));
}

/// Every refusal, as (mutation, input, field or None for CONFLICT).
async fn corrections_that_break_a_rule_are_refused_and_change_nothing(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let snapshot = r#"{ dataFlows(first: 50) { edges { node { id mechanism sccModule derogation signedOn
        tiaCompletedOn dataCategories recipientRole endedOn } } }
        processingActivities(first: 50) { edges { node { id name purpose lawfulBasis dataCategories
        subjectCategories retention retentionMonths endedOn } } } }"#;
    let before = app.ok(snapshot, json!({})).await;
    let events = app.count("audit_event").await;
    let future = (Utc::now().date_naive() + Duration::days(1)).to_string();
    let flow = |id: &str, change: Value| {
        let mut input = json!({ "id": id });
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let cases = [
        // A continued flow stays within the flow it continues.
        (
            UPDATE_FLOW,
            flow(
                &seed.to_india,
                json!({ "dataCategories": ["contact.email", "online.clickstream"] }),
            ),
            "dataCategories",
        ),
        // A flow keeps what a flow continuing it passes on.
        (
            UPDATE_FLOW,
            flow(
                &seed.to_us_cloud,
                json!({ "dataCategories": ["identity.name"] }),
            ),
            "dataCategories",
        ),
        // A first flow stays within its activity, with known categories.
        (
            UPDATE_FLOW,
            flow(
                &seed.to_irish,
                json!({ "dataCategories": ["employment.cv"] }),
            ),
            "dataCategories",
        ),
        (
            UPDATE_FLOW,
            flow(
                &seed.to_irish,
                json!({ "dataCategories": ["contact.shoe_size"] }),
            ),
            "dataCategories",
        ),
        (
            UPDATE_FLOW,
            flow(&seed.to_irish, json!({ "dataCategories": [] })),
            "dataCategories",
        ),
        // A module belongs to SCCs: changing the mechanism alone leaves the module behind.
        (
            UPDATE_FLOW,
            flow(&seed.to_us_cloud, json!({ "mechanism": "ADEQUACY" })),
            "sccModule",
        ),
        (
            UPDATE_FLOW,
            flow(&seed.to_irish, json!({ "derogation": "EXPLICIT_CONSENT" })),
            "derogation",
        ),
        (
            UPDATE_FLOW,
            flow(&seed.to_irish, json!({ "signedOn": future })),
            "signedOn",
        ),
        (
            UPDATE_FLOW,
            flow(&seed.to_irish, json!({ "tiaCompletedOn": "1990-01-01" })),
            "tiaCompletedOn",
        ),
        (
            UPDATE_FLOW,
            flow(&seed.to_irish, json!({ "evidence": " " })),
            "evidence",
        ),
        (UPDATE_FLOW, flow("abc", json!({})), "id"),
        (UPDATE_FLOW, flow("31337", json!({})), "id"),
        // An activity keeps every category a running flow of it carries.
        (
            UPDATE_ACTIVITY,
            flow(
                &seed.activity,
                json!({ "dataCategories": ["contact.email", "identity.name", "financial.payment_card"] }),
            ),
            "dataCategories",
        ),
        (
            UPDATE_ACTIVITY,
            flow(
                &seed.activity,
                json!({ "dataCategories": ["contact.shoe_size"] }),
            ),
            "dataCategories",
        ),
        (
            UPDATE_ACTIVITY,
            flow(&seed.activity, json!({ "subjectCategories": ["aliens"] })),
            "subjectCategories",
        ),
        (
            UPDATE_ACTIVITY,
            flow(&seed.activity, json!({ "name": "" })),
            "name",
        ),
        (
            UPDATE_ACTIVITY,
            flow(&seed.activity, json!({ "purpose": "\u{0}" })),
            "purpose",
        ),
        (
            UPDATE_ACTIVITY,
            flow(&seed.activity, json!({ "retention": " " })),
            "retention",
        ),
        (
            UPDATE_ACTIVITY,
            flow(&seed.activity, json!({ "retentionMonths": 0 })),
            "retentionMonths",
        ),
        (UPDATE_ACTIVITY, flow("31337", json!({})), "id"),
        // An end is not in the future, nor before the flow was recorded.
        (
            END_FLOW,
            flow(&seed.to_irish, json!({ "endedOn": future })),
            "endedOn",
        ),
        // Not before its instrument was signed (2022-06-01), nor before that of a flow
        // continuing it that would end with it (2022-06-15).
        (
            END_FLOW,
            flow(&seed.to_us_cloud, json!({ "endedOn": "2022-01-01" })),
            "endedOn",
        ),
        (
            END_FLOW,
            flow(&seed.to_us_cloud, json!({ "endedOn": "2022-06-10" })),
            "endedOn",
        ),
        (
            END_FLOW,
            flow(&seed.to_irish, json!({ "endedOn": "1990-01-01" })),
            "endedOn",
        ),
        (
            END_FLOW,
            flow(&seed.to_irish, json!({ "endedOn": "someday" })),
            "endedOn",
        ),
        (
            END_FLOW,
            flow(&seed.to_irish, json!({ "reason": "" })),
            "reason",
        ),
        (END_FLOW, flow("31337", json!({})), "id"),
        (
            END_ACTIVITY,
            flow(&seed.activity, json!({ "endedOn": future })),
            "endedOn",
        ),
        (
            END_ACTIVITY,
            flow(&seed.activity, json!({ "endedOn": "2021-01-01" })),
            "endedOn",
        ),
        (END_ACTIVITY, flow("31337", json!({})), "id"),
    ];
    for (mutation, input, field) in cases {
        let response = app.gql(mutation, input.clone()).await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
        assert!(
            response["errors"][0]["message"].as_str().is_some(),
            "{input}"
        );
    }
    // A running flow has nothing to return yet.
    assert_error(
        &app.gql(RETURNED, json!({ "input": { "flowId": seed.to_irish } }))
            .await,
        "CONFLICT",
        None,
    );
    assert_eq!(app.ok(snapshot, json!({})).await, before);
    assert_eq!(app.count("audit_event").await, events);
}

async fn an_ended_flow_cannot_be_corrected_continued_or_ended_again(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    app.ok(END_FLOW, json!({ "input": { "id": seed.to_us_cloud } }))
        .await;
    let events = app.count("audit_event").await;
    let flows = app.count("data_flow").await;
    assert_error(
        &app.gql(
            UPDATE_FLOW,
            json!({ "input": { "id": seed.to_us_cloud, "mechanism": "NONE", "sccModule": null } }),
        )
        .await,
        "CONFLICT",
        None,
    );
    assert_error(
        &app.gql(END_FLOW, json!({ "input": { "id": seed.to_india } }))
            .await,
        "CONFLICT",
        None,
    );
    assert_error(
        &app.gql(
            RECORD_FLOW,
            json!({ "input": { "activityId": seed.activity, "fromId": seed.us_cloud,
                "toId": seed.irish, "recipientRole": "SUB_PROCESSOR", "dataCategories": ["contact.email"],
                "continuesFlowId": seed.to_us_cloud } }),
        )
        .await,
        "BAD_USER_INPUT",
        Some("continuesFlowId"),
    );
    // Once ended, the activity may lose the categories only the ended flows carried.
    app.ok(
        UPDATE_ACTIVITY,
        json!({ "input": { "id": seed.activity,
            "dataCategories": ["contact.email", "identity.name", "online.clickstream"] } }),
    )
    .await;
    assert_eq!(app.count("data_flow").await, flows);

    // The return of the data: not before the end, once.
    assert_error(
        &app.gql(
            RETURNED,
            json!({ "input": { "flowId": seed.to_us_cloud, "returnedOn": days_ago(1) } }),
        )
        .await,
        "BAD_USER_INPUT",
        Some("returnedOn"),
    );
    assert_eq!(app.count("audit_event").await, events + 1);
    let returned = app
        .ok(
            RETURNED,
            json!({ "input": { "flowId": seed.to_us_cloud, "evidence": "certificate of deletion 2026-114" } }),
        )
        .await;
    assert_eq!(returned["recordDataReturned"]["returnedOn"], json!(today()));
    assert_error(
        &app.gql(RETURNED, json!({ "input": { "flowId": seed.to_us_cloud } }))
            .await,
        "CONFLICT",
        None,
    );
    let history = app.ok(HISTORY, json!({ "id": seed.to_us_cloud })).await;
    let operations: Vec<&str> = history["dataFlow"]["history"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["operation"].as_str().expect("operation"))
        .collect();
    assert_eq!(
        operations,
        ["recordDataFlow", "endDataFlow", "recordDataReturned"]
    );
}

async fn an_activity_is_corrected_and_ended_with_its_flows(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let data = app
        .ok(
            UPDATE_ACTIVITY,
            json!({ "input": { "id": seed.activity, "purpose": "Bill customers for hosting",
                "retentionMonths": null, "dataCategories": ["contact.email", "identity.name",
                "financial.payment_card", "online.clickstream", "contact.phone"] } }),
        )
        .await;
    let activity = &data["updateProcessingActivity"];
    assert_eq!(activity["purpose"], "Bill customers for hosting");
    assert_eq!(activity["retentionMonths"], Value::Null);
    assert_eq!(activity["lawfulBasis"], "CONTRACT", "left out, unchanged");
    assert_eq!(
        activity["retention"],
        "7 years after termination of the contract, for legal claims"
    );

    let ended = app
        .ok(
            END_ACTIVITY,
            json!({ "input": { "id": seed.activity, "reason": "service withdrawn" } }),
        )
        .await;
    assert_eq!(ended["endProcessingActivity"]["endedOn"], json!(today()));
    for flow in [
        &seed.to_irish,
        &seed.to_us_cloud,
        &seed.to_india,
        &seed.to_shield,
    ] {
        let data = app
            .ok(
                "query($id: ID!) { dataFlow(id: $id) { endedOn endedReason } }",
                json!({ "id": flow }),
            )
            .await;
        assert_eq!(data["dataFlow"]["endedOn"], json!(today()), "{flow}");
        assert_eq!(
            data["dataFlow"]["endedReason"],
            "the processing activity ended: service withdrawn"
        );
    }
    let register = app.ok(REGISTER, json!({ "on": today() })).await;
    assert!(register_flows(&register).is_empty(), "{register:#}");

    assert_error(
        &app.gql(
            UPDATE_ACTIVITY,
            json!({ "input": { "id": seed.activity, "name": "Billing" } }),
        )
        .await,
        "CONFLICT",
        None,
    );
    assert_error(
        &app.gql(END_ACTIVITY, json!({ "input": { "id": seed.activity } }))
            .await,
        "CONFLICT",
        None,
    );
    assert_error(
        &app.gql(
            RECORD_FLOW,
            json!({ "input": { "activityId": seed.activity, "fromId": seed.parent,
                "toId": seed.irish, "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] } }),
        )
        .await,
        "BAD_USER_INPUT",
        Some("activityId"),
    );
    let history = app
        .ok(
            "query($id: ID!) { processingActivity(id: $id) { history { edges { node { operation } } } } }",
            json!({ "id": seed.activity }),
        )
        .await;
    let operations: Vec<&str> = history["processingActivity"]["history"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["operation"].as_str().expect("operation"))
        .collect();
    assert_eq!(
        operations,
        [
            "registerProcessingActivity",
            "updateProcessingActivity",
            "endProcessingActivity"
        ]
    );
}

async fn who_holds_shows_every_route_to_a_holder_and_flags_a_non_compliant_one(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    crate::subjects::register(&app, json!({ "accountNumber": "C-77" }), &[&seed.activity]).await;
    // The helpdesk also gets e-mail addresses straight from the parent, with no safeguard.
    let direct = fixtures::flow(
        &app,
        json!({ "activityId": seed.activity, "fromId": seed.parent, "toId": seed.indian_support,
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email", "identity.name"] }),
    )
    .await;
    let holdings = holders(&app).await;
    let india = holder(&holdings, &seed.indian_support).expect("india holds");
    let routes: Vec<Vec<&str>> = india["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| {
            r["flows"]
                .as_array()
                .expect("flows")
                .iter()
                .map(|f| f["id"].as_str().expect("id"))
                .collect()
        })
        .collect();
    assert_eq!(
        routes,
        [
            vec![direct.as_str()],
            vec![seed.to_us_cloud.as_str(), seed.to_india.as_str()]
        ]
    );
    assert_eq!(
        india["path"],
        json!([{ "id": seed.parent }, { "id": seed.indian_support }])
    );
    assert_eq!(
        india["dataCategories"],
        json!(["contact.email", "identity.name"])
    );
    let transfer_flows: Vec<&str> = india["transfers"]
        .as_array()
        .expect("transfers")
        .iter()
        .map(|t| t["flow"]["id"].as_str().expect("flow"))
        .collect();
    for flow in [&direct, &seed.to_us_cloud, &seed.to_india] {
        assert!(transfer_flows.contains(&flow.as_str()), "{india:#}");
    }
    assert_eq!(india["anyNonCompliant"], true, "{india:#}");
    assert_eq!(india["flowEnded"], false);
    let irish = holder(&holdings, &seed.irish).expect("irish holds");
    assert_eq!(irish["anyNonCompliant"], false, "{irish:#}");

    // Corrected, the direct flow is safeguarded; the holder is still flagged, by the other
    // chain: the US cloud's onward transfer relies on the EU SCCs alone, under UK law.
    app.ok(
        UPDATE_FLOW,
        json!({ "input": { "id": direct, "mechanism": "UK_IDTA", "signedOn": "2024-05-01",
            "tiaCompletedOn": "2024-04-01" } }),
    )
    .await;
    let holdings = holders(&app).await;
    let india = holder(&holdings, &seed.indian_support).expect("india holds");
    assert_eq!(india["anyNonCompliant"], true, "{india:#}");
    app.ok(
        UPDATE_FLOW,
        json!({ "input": { "id": seed.to_india, "mechanism": "UK_ADDENDUM",
            "tiaCompletedOn": "2022-06-10" } }),
    )
    .await;
    let holdings = holders(&app).await;
    let india = holder(&holdings, &seed.indian_support).expect("india holds");
    assert_eq!(india["anyNonCompliant"], false, "{india:#}");
}

async fn an_ended_flows_recipient_still_holds_until_its_data_is_returned(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    crate::subjects::register(&app, json!({ "accountNumber": "C-77" }), &[&seed.activity]).await;
    app.ok(
        END_FLOW,
        json!({ "input": { "id": seed.to_us_cloud, "reason": "moved to another cloud" } }),
    )
    .await;
    let holdings = holders(&app).await;
    for org in [&seed.us_cloud, &seed.indian_support] {
        let held = holder(&holdings, org).expect("still holds");
        assert_eq!(held["flowEnded"], true, "{held:#}");
        assert_eq!(held["endedOn"], json!(today()));
    }
    assert_eq!(
        holder(&holdings, &seed.irish).expect("irish")["flowEnded"],
        false
    );
    assert_eq!(
        holder(&holdings, &seed.parent).expect("controller")["flowEnded"],
        false
    );

    app.ok(
        RETURNED,
        json!({ "input": { "flowId": seed.to_us_cloud, "evidence": "deletion certificate" } }),
    )
    .await;
    let holdings = holders(&app).await;
    assert!(holder(&holdings, &seed.us_cloud).is_none(), "returned");
    let india = holder(&holdings, &seed.indian_support).expect("its sub-processor still holds");
    assert_eq!(
        india["path"],
        json!([{ "id": seed.parent }, { "id": seed.us_cloud }, { "id": seed.indian_support }])
    );
    app.ok(RETURNED, json!({ "input": { "flowId": seed.to_india } }))
        .await;
    let holdings = holders(&app).await;
    assert!(holder(&holdings, &seed.indian_support).is_none());
    assert!(holder(&holdings, &seed.irish).is_some());
}
