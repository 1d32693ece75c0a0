//! Reviews (issue 28): transfer impact assessments and contracts as records, what they do to
//! the verdicts (and to today's cached ones), and what is due on which day.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::{TestApp, assert_error},
};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use transfer_register::{
    domain::vocab::{DueKind, Role},
    service::reviews::{digest, due},
};

db_tests!(
    the_digest_of_what_is_due_goes_to_the_outbox_once_without_a_mail_server,
    a_do_not_proceed_assessment_makes_the_transfer_non_compliant_today_and_on_its_date,
    an_assessment_past_its_review_date_warns_without_changing_the_verdict,
    a_refused_assessment_names_its_field_and_changes_nothing,
    a_contract_expiring_turns_its_flows_verdicts_and_is_due_on_the_right_day,
    an_assessment_is_due_for_review_from_the_horizon_and_a_later_one_replaces_it,
    the_due_export_says_what_is_due_in_words_and_json_keeps_the_codes,
    the_digest_sends_each_item_once_across_a_restart_and_retries_a_failed_receiver,
);

const REGISTER: &str = r#"query($on: Date) { transferRegister(on: $on) {
  flow { id } status problems { code } explanation } }"#;

pub const RECORD_TIA: &str = r#"mutation($input: RecordTiaInput!) {
  recordTransferImpactAssessment(input: $input) {
    id completedOn reviewOn outcome measures lawsAssessed assessor flow { id tiaCompletedOn } } }"#;

const RECORD_CONTRACT: &str = r#"mutation($input: RecordContractInput!) {
  recordContract(input: $input) {
    id kind sccModule reference expiresOn reviewOn noticePeriodDays
    parties { id } flows { id } } }"#;

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
}

/// (status, problem codes, explanation) of the register's verdict on `flow` (`on`: today).
async fn verdict(app: &TestApp, flow: &str, on: Option<&str>) -> (String, Vec<String>, String) {
    let data = app.ok(REGISTER, json!({ "on": on })).await;
    let row = data["transferRegister"]
        .as_array()
        .and_then(|l| l.iter().find(|r| r["flow"]["id"] == flow))
        .cloned()
        .unwrap_or_else(|| panic!("no verdict for flow {flow}: {data:#}"));
    let codes = (row["problems"].as_array().into_iter().flatten())
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect();
    (
        row["status"].as_str().unwrap_or("").to_owned(),
        codes,
        row["explanation"].as_str().unwrap_or("").to_owned(),
    )
}

/// A German controller's flow to a US processor on the 2021 SCCs (Module Two), signed on
/// 2024-01-01, with or without a TIA date by hand. Returns (recipient, flow).
pub async fn us_processor_flow(app: &TestApp, tia: Option<&str>) -> (String, String) {
    let controller = org(
        app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let processor = org(
        app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2024-01-01" }),
    )
    .await;
    let activity = activity(app, &controller, &["contact.email"]).await;
    let flow = flow(
        app,
        json!({ "activityId": activity, "fromId": controller, "toId": processor,
            "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"],
            "mechanism": "SCC_2021", "sccModule": "C2P", "signedOn": "2024-01-01",
            "tiaCompletedOn": tia }),
    )
    .await;
    (processor, flow)
}

async fn a_do_not_proceed_assessment_makes_the_transfer_non_compliant_today_and_on_its_date(
    app: TestApp,
) {
    let (_, flow) = us_processor_flow(&app, Some("2024-01-01")).await;
    // Today's verdict is computed and kept before the assessment is recorded.
    assert_eq!(verdict(&app, &flow, None).await.0, "SAFEGUARDED");
    let recorded = app
        .ok(
            RECORD_TIA,
            json!({ "input": { "flowId": flow, "completedOn": "2024-06-01",
                "outcome": "DO_NOT_PROCEED", "lawsAssessed": "FISA s702, EO 12333",
                "assessor": "DPO office" } }),
        )
        .await["recordTransferImpactAssessment"]
        .clone();
    // Twelve months by default; the flow's own date follows the latest assessment.
    assert_eq!(recorded["reviewOn"], json!("2025-06-01"), "{recorded}");
    assert_eq!(recorded["outcome"], json!("DO_NOT_PROCEED"));
    assert_eq!(recorded["flow"]["tiaCompletedOn"], json!("2024-06-01"));
    assert_eq!(recorded["assessor"], json!("DPO office"));
    // The kept verdict of today is not reused: the write changed the register.
    let (status, codes, explanation) = verdict(&app, &flow, None).await;
    assert_eq!(status, "NON_COMPLIANT");
    assert_eq!(codes, ["TIA_DO_NOT_PROCEED"]);
    assert!(explanation.contains("must not proceed"), "{explanation}");
    // The day before, the assessment did not exist yet (and the flow's single TIA date is now
    // the assessment's: the earlier one by hand is in the audit trail).
    assert_eq!(
        verdict(&app, &flow, Some("2024-05-31")).await.1,
        ["TIA_MISSING"]
    );
    assert_eq!(
        verdict(&app, &flow, Some("2024-06-01")).await.1,
        ["TIA_DO_NOT_PROCEED"]
    );
    // An earlier assessment does not move the flow's date back.
    let earlier = app
        .ok(
            RECORD_TIA,
            json!({ "input": { "flowId": flow, "completedOn": "2024-03-01", "outcome": "PROCEED" } }),
        )
        .await;
    assert_eq!(
        earlier["recordTransferImpactAssessment"]["flow"]["tiaCompletedOn"],
        json!("2024-06-01")
    );
}

async fn an_assessment_past_its_review_date_warns_without_changing_the_verdict(app: TestApp) {
    let (_, flow) = us_processor_flow(&app, None).await;
    assert_eq!(
        verdict(&app, &flow, Some("2025-06-01")).await.1,
        ["TIA_MISSING"]
    );
    let recorded = app
        .ok(
            RECORD_TIA,
            json!({ "input": { "flowId": flow, "completedOn": "2025-01-10", "reviewOn": "2026-01-10",
                "outcome": "PROCEED_WITH_MEASURES",
                "measures": ["PSEUDONYMISATION", "ENCRYPTION_AT_REST_KEYS_IN_EEA", "PSEUDONYMISATION"] } }),
        )
        .await["recordTransferImpactAssessment"]
        .clone();
    assert_eq!(
        recorded["measures"],
        json!(["ENCRYPTION_AT_REST_KEYS_IN_EEA", "PSEUDONYMISATION"])
    );
    assert_eq!(recorded["flow"]["tiaCompletedOn"], json!("2025-01-10"));
    let on_the_day = verdict(&app, &flow, Some("2026-01-10")).await;
    assert_eq!(
        (on_the_day.0.as_str(), on_the_day.1.len()),
        ("SAFEGUARDED", 0)
    );
    let (status, codes, explanation) = verdict(&app, &flow, Some("2026-01-11")).await;
    assert_eq!(status, "SAFEGUARDED");
    assert_eq!(codes, ["TIA_REVIEW_OVERDUE"]);
    assert!(
        explanation.contains("was due for review on 2026-01-10"),
        "{explanation}"
    );
}

async fn a_refused_assessment_names_its_field_and_changes_nothing(app: TestApp) {
    let (_, flow) = us_processor_flow(&app, Some("2024-01-01")).await;
    let refused = [
        (
            json!({ "flowId": flow, "completedOn": "2025-01-10", "outcome": "PROCEED_WITH_MEASURES" }),
            "measures",
        ),
        (
            json!({ "flowId": flow, "completedOn": "2025-01-10", "reviewOn": "2025-01-10", "outcome": "PROCEED" }),
            "reviewOn",
        ),
        (
            json!({ "flowId": flow, "completedOn": "2999-01-10", "outcome": "PROCEED" }),
            "completedOn",
        ),
        (
            json!({ "flowId": "999999", "completedOn": "2025-01-10", "outcome": "PROCEED" }),
            "flowId",
        ),
    ];
    for (input, field) in refused {
        let response = app.gql(RECORD_TIA, json!({ "input": input })).await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    let read = app
        .ok(
            "query($id: ID!) { dataFlow(id: $id) { tiaCompletedOn } }",
            json!({ "id": flow }),
        )
        .await;
    assert_eq!(read["dataFlow"]["tiaCompletedOn"], json!("2024-01-01"));
    assert_eq!(verdict(&app, &flow, None).await.0, "SAFEGUARDED");
    // A contract needs its module and a flow.
    let response = app
        .gql(
            RECORD_CONTRACT,
            json!({ "input": { "kind": "SCC_2021", "flowIds": [flow] } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("sccModule"));
    let response = app
        .gql(
            RECORD_CONTRACT,
            json!({ "input": { "kind": "DPA", "flowIds": [] } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("flowIds"));
}

fn kinds_and_days(items: &[due::DueItem]) -> Vec<(DueKind, String)> {
    items
        .iter()
        .map(|i| (i.kind, i.due_on.to_string()))
        .collect()
}

async fn a_contract_expiring_turns_its_flows_verdicts_and_is_due_on_the_right_day(app: TestApp) {
    let (processor, flow) = us_processor_flow(&app, Some("2024-01-01")).await;
    let recorded = app
        .ok(
            RECORD_CONTRACT,
            json!({ "input": { "kind": "SCC_2021", "sccModule": "C2P", "reference": "SCC-17",
                "flowIds": [flow], "signedOn": "2024-01-01", "inForceFrom": "2024-01-01",
                "expiresOn": "2025-12-31", "reviewOn": "2025-10-01", "noticePeriodDays": 90 } }),
        )
        .await["recordContract"]
        .clone();
    assert_eq!(recorded["kind"], json!("SCC_2021"));
    assert_eq!(recorded["flows"], json!([{ "id": flow }]));
    // The parties default to the flow's exporter and recipient.
    let parties = recorded["parties"].as_array().expect("parties");
    assert_eq!(parties.len(), 2, "{recorded}");
    assert!(parties.contains(&json!({ "id": processor })), "{recorded}");

    // The last day in force, then the day after.
    assert_eq!(
        verdict(&app, &flow, Some("2025-12-31")).await.0,
        "SAFEGUARDED"
    );
    let (status, codes, explanation) = verdict(&app, &flow, Some("2026-01-01")).await;
    assert_eq!(status, "NON_COMPLIANT");
    assert_eq!(codes, ["CONTRACT_EXPIRED"]);
    assert!(explanation.contains("SCC-17"), "{explanation}");
    assert!(
        explanation.contains("expired on 2025-12-31"),
        "{explanation}"
    );

    // Due: the review (overdue by then) first, the expiry once it is within the horizon.
    let db = &app.state.db;
    let on = |d| async move { due::list(db, day(d), 30).await.expect("due items") };
    assert_eq!(
        kinds_and_days(&on("2025-11-30").await),
        [(DueKind::ContractReview, "2025-10-01".to_owned())]
    );
    let items = on("2025-12-01").await;
    assert_eq!(
        kinds_and_days(&items),
        [
            (DueKind::ContractReview, "2025-10-01".to_owned()),
            (DueKind::ContractExpiry, "2025-12-31".to_owned()),
        ]
    );
    assert!(items[0].message.contains("(overdue)"), "{:?}", items[0]);
    assert!(
        items[1].message.contains("notice period is 90 days"),
        "{:?}",
        items[1]
    );
    assert_eq!(items[1].flow_id, flow.parse().ok());

    // A renewal carries the flow again and replaces the old contract's due items.
    app.ok(
        RECORD_CONTRACT,
        json!({ "input": { "kind": "SCC_2021", "sccModule": "C2P", "reference": "SCC-18",
            "flowIds": [flow], "inForceFrom": "2026-01-01", "expiresOn": "2028-12-31" } }),
    )
    .await;
    assert_eq!(
        verdict(&app, &flow, Some("2026-01-01")).await.0,
        "SAFEGUARDED"
    );
    assert!(on("2025-12-01").await.is_empty());

    // Each flow lists the contracts covering it, oldest first; one no contract covers, none.
    let other_controller = org(
        &app,
        json!({ "name": "Other GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let other_activity = activity(&app, &other_controller, &["contact.email"]).await;
    let other = crate::fixtures::flow(
        &app,
        json!({ "activityId": other_activity, "fromId": other_controller, "toId": processor,
            "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"],
            "mechanism": "SCC_2021", "sccModule": "C2P", "signedOn": "2024-01-01" }),
    )
    .await;
    let listed = app
        .ok(
            "{ dataFlows(first: 50) { edges { node { id contracts { reference kind flows { id } } } } } }",
            json!({}),
        )
        .await;
    let edges = listed["dataFlows"]["edges"].as_array().expect("edges");
    assert!(
        edges.iter().any(|e| e["node"]["id"] == json!(other)),
        "{listed:#}"
    );
    for edge in edges {
        let node = &edge["node"];
        let references: Vec<&str> = node["contracts"]
            .as_array()
            .expect("contracts")
            .iter()
            .filter_map(|c| c["reference"].as_str())
            .collect();
        if node["id"] == json!(flow) {
            assert_eq!(references, ["SCC-17", "SCC-18"], "{listed:#}");
        } else {
            assert!(references.is_empty(), "{listed:#}");
        }
    }
}

async fn an_assessment_is_due_for_review_from_the_horizon_and_a_later_one_replaces_it(
    app: TestApp,
) {
    let (_, flow) = us_processor_flow(&app, Some("2024-01-01")).await;
    app.ok(
        RECORD_TIA,
        json!({ "input": { "flowId": flow, "completedOn": "2025-01-10", "outcome": "PROCEED" } }),
    )
    .await;
    let db = &app.state.db;
    let on = |d, within| async move { due::list(db, day(d), within).await.expect("due items") };
    // Reviewed by 2026-01-10: in the list 30 days before, not 31.
    assert!(on("2025-12-10", 30).await.is_empty());
    let items = on("2025-12-11", 30).await;
    assert_eq!(
        kinds_and_days(&items),
        [(DueKind::TiaReview, "2026-01-10".to_owned())]
    );
    assert!(items[0].message.contains("Cloud Inc"), "{:?}", items[0]);
    assert_eq!(kinds_and_days(&on("2026-01-10", 0).await).len(), 1);
    assert!(on("2026-01-09", 0).await.is_empty());
    // Over the API, with the default horizon, and a horizon refused.
    let listed = app
        .ok("{ dueItems { kind dueOn message flow { id } } }", json!({}))
        .await;
    let listed: Vec<Value> = listed["dueItems"].as_array().cloned().unwrap_or_default();
    assert!(
        listed
            .iter()
            .any(|i| i["kind"] == "TIA_REVIEW" && i["flow"]["id"] == flow.as_str()),
        "overdue today: {listed:?}"
    );
    let refused = app
        .gql("{ dueItems(within: -1) { kind } }", json!({}))
        .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("within"));
    // A new assessment replaces the old one in the list.
    app.ok(
        RECORD_TIA,
        json!({ "input": { "flowId": flow, "completedOn": "2025-12-01", "outcome": "PROCEED" } }),
    )
    .await;
    assert!(on("2025-12-11", 30).await.is_empty());
}

async fn download(base: &str, token: &str, path: &str) -> reqwest::Response {
    let response = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), 200, "{path}");
    response
}

async fn the_due_export_says_what_is_due_in_words_and_json_keeps_the_codes(app: TestApp) {
    let (_, flow) = us_processor_flow(&app, Some("2024-01-01")).await;
    app.ok(
        RECORD_CONTRACT,
        json!({ "input": { "kind": "DPA", "reference": "DPA-3", "flowIds": [flow],
            "inForceFrom": "2024-01-01", "expiresOn": "2025-12-20" } }),
    )
    .await;
    let base = app.serve().await;
    let token = app.token(Role::Auditor).await;
    let csv = download(&base, &token, "/exports/due.csv?on=2025-12-01")
        .await
        .text()
        .await
        .expect("body");
    let mut lines = csv.lines();
    let header = lines.next().unwrap_or_default();
    assert!(header.contains("What is due"), "{csv}");
    let row = lines.next().unwrap_or_default();
    assert!(
        row.starts_with("2025-12-20,No,Contract expires,Cloud Inc,"),
        "{csv}"
    );
    assert!(row.contains("DPA-3"), "{csv}");
    assert!(!csv.contains("CONTRACT_EXPIRY"), "codes in the CSV: {csv}");
    assert_eq!(lines.next(), None, "{csv}");
    let rows: Value = download(&base, &token, "/exports/due.json?on=2025-12-21")
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(rows[0]["kind"], json!("CONTRACT_EXPIRY"), "{rows}");
    assert_eq!(rows[0]["overdue"], json!("Yes"), "{rows}");
    let xlsx = download(&base, &token, "/exports/due.xlsx?on=2025-12-01")
        .await
        .bytes()
        .await
        .expect("body");
    assert!(xlsx.starts_with(b"PK"), "an XLSX (zip) file");
}

async fn the_digest_sends_each_item_once_across_a_restart_and_retries_a_failed_receiver(
    app: TestApp,
) {
    let (_, flow) = us_processor_flow(&app, Some("2024-01-01")).await;
    app.ok(
        RECORD_TIA,
        json!({ "input": { "flowId": flow, "completedOn": "2025-01-10", "reviewOn": "2025-06-01",
            "outcome": "PROCEED" } }),
    )
    .await;
    let db = &app.state.db;
    let channels = ["EMAIL", "WEBHOOK"];
    assert_eq!(
        digest::claim(db, day("2025-05-31"), &channels)
            .await
            .expect("claim"),
        0
    );
    assert_eq!(
        digest::claim(db, day("2025-06-01"), &channels)
            .await
            .expect("claim"),
        2
    );
    // A restart (or a second instance) runs the same day again: nothing new.
    assert_eq!(
        digest::claim(db, day("2025-06-01"), &channels)
            .await
            .expect("claim"),
        0
    );

    // No back-off: a failed notice is due again at once (its lease is what keeps two runs apart).
    let timing = digest::Timing {
        lease: std::time::Duration::from_mins(1),
        backoff: std::time::Duration::ZERO,
        backoff_max: std::time::Duration::ZERO,
    };
    let seen: Arc<Mutex<Vec<(String, usize, String)>>> = Arc::default();
    let receiver = |webhook_down: bool| {
        let seen = seen.clone();
        move |channel: String, notices: Vec<entity::due_notice::Model>| {
            let seen = seen.clone();
            async move {
                let text = digest::digest_text(&notices);
                seen.lock()
                    .expect("lock")
                    .push((channel.clone(), notices.len(), text));
                if webhook_down && channel == "WEBHOOK" {
                    Err("HTTP 503".to_owned())
                } else {
                    Ok(())
                }
            }
        }
    };
    assert_eq!(
        digest::send_pending(db, &channels, &timing, receiver(true))
            .await
            .expect("send"),
        1
    );
    // The next day: the same item (same due date) is not claimed again; the failed one is retried.
    assert_eq!(
        digest::claim(db, day("2025-06-02"), &channels)
            .await
            .expect("claim"),
        0
    );
    assert_eq!(
        digest::send_pending(db, &channels, &timing, receiver(false))
            .await
            .expect("send"),
        1
    );
    assert_eq!(
        digest::send_pending(db, &channels, &timing, receiver(false))
            .await
            .expect("send"),
        0
    );
    let seen = seen.lock().expect("lock").clone();
    let calls: Vec<(&str, usize)> = seen.iter().map(|(c, n, _)| (c.as_str(), *n)).collect();
    assert_eq!(calls, [("EMAIL", 1), ("WEBHOOK", 1), ("WEBHOOK", 1)]);
    assert!(seen[0].2.contains("2025-06-01"), "{}", seen[0].2);
    assert!(seen[0].2.contains("Cloud Inc"), "{}", seen[0].2);
}

/// With `REGISTER_NOTIFY_EMAIL` set and no SMTP server, the day's digest lands in the outbox once
/// (a second run, as after a restart, adds nothing), addressed to the setting, with no task.
async fn the_digest_of_what_is_due_goes_to_the_outbox_once_without_a_mail_server(app: TestApp) {
    use transfer_register::service::notices::{self, Notifier};
    let (_, flow) = us_processor_flow(&app, Some("2024-01-01")).await;
    app.ok(
        RECORD_TIA,
        json!({ "input": { "flowId": flow, "completedOn": "2025-01-10", "reviewOn": "2025-06-01",
            "outcome": "PROCEED" } }),
    )
    .await;
    let mut config = (*app.state.config).clone();
    let db = &app.state.db;
    let sender = |config: &transfer_register::service::config::Config| {
        Notifier::new(
            db.clone(),
            Arc::new(config.clone()),
            app.state.dsr.sealer.clone(),
        )
    };
    // Unset: no digest.
    let sent = sender(&config)
        .send_pending(day("2025-06-01"))
        .await
        .expect("send");
    assert_eq!(sent, notices::Sent::default());
    config.notify_email = Some("dpo@group.example".into());
    config.smtp_url = None;
    let sent = sender(&config)
        .send_pending(day("2025-05-31"))
        .await
        .expect("send");
    assert_eq!(sent.kept, 0, "nothing due yet");
    let sent = sender(&config)
        .send_pending(day("2025-06-01"))
        .await
        .expect("send");
    assert_eq!(sent.kept, 1);
    let again = sender(&config)
        .send_pending(day("2025-06-01"))
        .await
        .expect("send");
    assert_eq!(again.kept, 0, "a restart sends nothing twice");
    let outbox = app
        .ok(
            "{ outbox { totalCount edges { node { to subject body task { id } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(outbox["outbox"]["totalCount"], 1, "{outbox:#}");
    let message = &outbox["outbox"]["edges"][0]["node"];
    assert_eq!(message["to"], "dpo@group.example");
    assert!(message["task"].is_null(), "{message:#}");
    assert!(
        message["body"]
            .as_str()
            .is_some_and(|b| b.contains("2025-06-01")),
        "{message:#}"
    );
}
