//! The DPF list (issue 28): a snapshot import links US organisations by exact name, a person
//! confirms a suggestion, the verdict uses the entry and names the snapshot, a disagreement with
//! the hand-set flag is said, and a second snapshot reports the lapses.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::{TestApp, assert_error},
};
use chrono::NaiveDate;
use serde_json::{Value, json};
use transfer_register::{domain::vocab::DueKind, service::reviews::due};

db_tests!(
    a_dpf_snapshot_links_reports_a_disagreement_and_a_second_one_reports_the_lapses,
    a_dpf_list_with_a_bad_row_or_a_date_already_stored_imports_nothing,
    a_past_date_is_judged_on_the_dpf_snapshot_in_force_on_that_date,
);

const FIRST: &str = include_str!("../dpf/participants-2025-03-01.csv");
const SECOND: &str = include_str!("../dpf/participants-2025-09-01.csv");

const IMPORT: &str = r#"mutation($content: String!, $on: Date) {
  importRecords(kind: DPF_LIST, fileName: "participants.csv", content: $content, listedOn: $on) {
    imported errors { line field message } } }"#;

const ENTRY: &str = r#"query($id: ID!) { organisation(id: $id) {
  dpfEntry { id name status ukExtension swiss hrData nonHrData snapshotOn }
  dpfSuggestions { id name } } }"#;

const REGISTER: &str = r#"query($on: Date) { transferRegister(on: $on) {
  flow { id } status problems { code } explanation } }"#;

async fn import(app: &TestApp, content: &str, on: &str) -> Value {
    app.gql(IMPORT, json!({ "content": content, "on": on }))
        .await
}

async fn entry(app: &TestApp, id: &str) -> Value {
    app.ok(ENTRY, json!({ "id": id })).await["organisation"].clone()
}

async fn verdict(app: &TestApp, flow: &str, on: &str) -> (String, Vec<String>, String) {
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

/// A US importer receiving data from a German controller under the DPF: (organisation, flow).
async fn importer(
    app: &TestApp,
    exporter: &str,
    activity: &str,
    name: &str,
    certified: bool,
) -> (String, String) {
    let id = org(
        app,
        json!({ "name": name, "kind": "OTHER_CONTROLLER", "country": "US", "dpfCertified": certified }),
    )
    .await;
    let flow = flow(
        app,
        json!({ "activityId": activity, "fromId": exporter, "toId": id,
            "recipientRole": "CONTROLLER", "dataCategories": ["contact.email"], "mechanism": "EU_US_DPF" }),
    )
    .await;
    (id, flow)
}

async fn a_dpf_snapshot_links_reports_a_disagreement_and_a_second_one_reports_the_lapses(
    app: TestApp,
) {
    let shop = org(
        &app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let activity = activity(&app, &shop, &["contact.email"]).await;
    // Certified by hand as not, listed active: the list is relied on, and the difference said.
    let (cloud, to_cloud) = importer(&app, &shop, &activity, "EXAMPLE CLOUD INC", false).await;
    let (mail, to_mail) = importer(&app, &shop, &activity, "Mail Relay, L.L.C.", true).await;
    // Spelt differently from the list: only a suggestion until a person confirms it.
    let (analytics, _) = importer(&app, &shop, &activity, "Analytics Partners Group", true).await;

    let first = import(&app, FIRST, "2025-03-01").await;
    assert_eq!(
        first["data"]["importRecords"]["imported"],
        json!(3),
        "{first}"
    );
    let listed = entry(&app, &cloud).await;
    assert_eq!(
        listed["dpfEntry"],
        json!({ "id": listed["dpfEntry"]["id"], "name": "Example Cloud, Inc.", "status": "ACTIVE",
            "ukExtension": true, "swiss": false, "hrData": false, "nonHrData": true,
            "snapshotOn": "2025-03-01" })
    );
    let (status, codes, explanation) = verdict(&app, &to_cloud, "2025-06-01").await;
    assert_eq!(status, "ADEQUATE");
    assert_eq!(codes, ["DPF_LIST_DISAGREES"]);
    assert!(
        explanation.contains("as downloaded on 2025-03-01"),
        "{explanation}"
    );
    assert!(
        explanation.contains("recorded by hand as not certified"),
        "{explanation}"
    );

    let unlinked = entry(&app, &analytics).await;
    assert_eq!(unlinked["dpfEntry"], Value::Null, "no silent fuzzy match");
    let suggested = unlinked["dpfSuggestions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(suggested.len(), 1, "{unlinked}");
    assert_eq!(
        suggested[0]["name"],
        json!("Analytics Partners Corporation")
    );
    let linked = app
        .ok(
            "mutation($o: ID!, $e: ID!) { linkDpfEntry(organisationId: $o, entryId: $e) { dpfEntry { name } } }",
            json!({ "o": analytics, "e": suggested[0]["id"] }),
        )
        .await;
    assert_eq!(
        linked["linkDpfEntry"]["dpfEntry"]["name"],
        json!("Analytics Partners Corporation")
    );
    let db = &app.state.db;
    let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    assert!(
        due::list(db, day("2025-03-02"), 30)
            .await
            .expect("due")
            .is_empty()
    );

    // The second snapshot: Mail Relay inactive, Analytics Partners gone.
    let second = import(&app, SECOND, "2025-09-01").await;
    assert_eq!(
        second["data"]["importRecords"]["imported"],
        json!(2),
        "{second}"
    );
    assert_eq!(
        entry(&app, &mail).await["dpfEntry"]["status"],
        json!("INACTIVE")
    );
    let (status, codes, explanation) = verdict(&app, &to_mail, "2025-10-01").await;
    assert_eq!(status, "NON_COMPLIANT");
    assert_eq!(codes, ["NOT_CERTIFIED", "DPF_LIST_DISAGREES"]);
    assert!(
        explanation.contains("as downloaded on 2025-09-01"),
        "{explanation}"
    );
    let items = due::list(db, day("2025-09-02"), 30).await.expect("due");
    let lapsed: Vec<(DueKind, Option<i64>, String)> = items
        .iter()
        .map(|i| (i.kind, i.organisation_id, i.due_on.to_string()))
        .collect();
    let id = |s: &str| s.parse::<i64>().ok();
    assert_eq!(lapsed.len(), 2, "{items:?}");
    assert!(
        lapsed.contains(&(DueKind::DpfLapsed, id(&mail), "2025-09-01".into())),
        "{items:?}"
    );
    assert!(
        lapsed.contains(&(DueKind::DpfLapsed, id(&analytics), "2025-09-01".into())),
        "{items:?}"
    );
    assert!(
        items
            .iter()
            .any(|i| i.message.contains("missing from the list of 2025-09-01")),
        "{items:?}"
    );
}

async fn a_dpf_list_with_a_bad_row_or_a_date_already_stored_imports_nothing(app: TestApp) {
    let bad = "Organization Name,Status\nGood Corp,Active\nBad Corp,Suspended\n";
    let refused = import(&app, bad, "2025-03-01").await;
    let report = &refused["data"]["importRecords"];
    assert_eq!(report["imported"], json!(0), "{refused}");
    assert_eq!(report["errors"][0]["line"], json!(3), "{refused}");
    assert_eq!(report["errors"][0]["field"], json!("Status"), "{refused}");
    let no_status = import(&app, "Organization Name\nGood Corp\n", "2025-03-01").await;
    assert_eq!(
        no_status["data"]["importRecords"]["errors"][0]["field"],
        json!("header")
    );
    // Nothing was stored: the same date imports now, once.
    let ok = import(&app, FIRST, "2025-03-01").await;
    assert_eq!(ok["data"]["importRecords"]["imported"], json!(3), "{ok}");
    let again = import(&app, FIRST, "2025-03-01").await;
    assert_eq!(
        again["data"]["importRecords"]["errors"][0]["field"],
        json!("listedOn"),
        "{again}"
    );
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let future = import(&app, FIRST, &tomorrow.to_string()).await;
    assert_eq!(
        future["data"]["importRecords"]["errors"][0]["field"],
        json!("listedOn"),
        "{future}"
    );
    // PROCUREMENT may link; an unknown entry is refused on its field.
    let shop = org(
        &app,
        json!({ "name": "Some Corp", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let response = app
        .gql(
            "mutation($o: ID!) { linkDpfEntry(organisationId: $o, entryId: \"999999\") { id } }",
            json!({ "o": shop }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("entryId"));
}

/// Two snapshots: a date between them reads the first, a later date the second, and a date
/// before both the hand-set flag; the reasoning reads the same snapshot as the verdict.
async fn a_past_date_is_judged_on_the_dpf_snapshot_in_force_on_that_date(app: TestApp) {
    let shop = org(
        &app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let activity = activity(&app, &shop, &["contact.email"]).await;
    // Certified by hand; active on the March list, inactive on the September one.
    let (_, to_mail) = importer(&app, &shop, &activity, "Mail Relay, L.L.C.", true).await;
    for (content, on) in [(FIRST, "2025-03-01"), (SECOND, "2025-09-01")] {
        let done = import(&app, content, on).await;
        assert!(
            done["data"]["importRecords"]["errors"] == json!([]),
            "{done}"
        );
    }
    let (status, codes, explanation) = verdict(&app, &to_mail, "2025-06-01").await;
    assert_eq!(status, "ADEQUATE", "{explanation}");
    assert!(codes.is_empty(), "{codes:?}");
    assert!(
        explanation.contains("as downloaded on 2025-03-01"),
        "{explanation}"
    );
    let (status, codes, explanation) = verdict(&app, &to_mail, "2025-10-01").await;
    assert_eq!(status, "NON_COMPLIANT");
    assert_eq!(codes, ["NOT_CERTIFIED", "DPF_LIST_DISAGREES"]);
    assert!(
        explanation.contains("as downloaded on 2025-09-01"),
        "{explanation}"
    );
    // Before any snapshot: the hand-set flag, no list named.
    let (status, codes, explanation) = verdict(&app, &to_mail, "2025-01-15").await;
    assert_eq!(status, "ADEQUATE", "{explanation}");
    assert!(codes.is_empty(), "{codes:?}");
    assert!(!explanation.contains("as downloaded on"), "{explanation}");
    // The flow's reasoning on each date agrees with its verdict.
    let not_met = |on: &'static str| {
        let app = &app;
        let flow = to_mail.clone();
        async move {
            let data = app
                .ok(
                    "query($id: ID!, $on: Date) { dataFlow(id: $id) { transfers(on: $on) { reasoning { outcome } } } }",
                    json!({ "id": flow, "on": on }),
                )
                .await;
            data["dataFlow"]["transfers"][0]["reasoning"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["outcome"] == "NOT_MET")
                .count()
        }
    };
    assert_eq!(not_met("2025-06-01").await, 0);
    assert!(not_met("2025-10-01").await > 0);
}
