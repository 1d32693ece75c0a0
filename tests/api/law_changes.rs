//! Law that changes: a transfer whose verdict the law changed (new reference data, a date in the
//! law passing) is listed in `dueItems` as `VERDICT_CHANGED_BY_LAW` with its old and new verdict;
//! one changed by a write to the register is not.

use crate::{
    db_tests,
    fixtures::{self, activity, flow, org},
    support::TestApp,
};
use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use transfer_register::{
    AppState,
    domain::vocab::{DueKind, Role},
    graphql::context::Auth,
    service::reviews::due,
};

db_tests!(
    new_reference_data_lists_the_transfers_it_changed_as_changed_by_law,
    a_decision_ending_between_two_judged_days_is_a_change_by_law,
    a_change_caused_by_a_write_is_not_a_change_by_law,
    a_due_item_names_the_contract_and_request_it_is_about,
    a_change_by_law_is_recorded_with_no_reader_asking,
);

const CHANGES: &str = r#"query($since: Date!) { verdictChanges(since: $since) { totalCount
  edges { node { flowId destinationCountry oldStatus newStatus cause } } } }"#;
const DUE: &str = r#"query { dueItems(within: 0) { kind dueOn flow { id } message } }"#;

/// The embedded reference, as `version`, with the Japanese adequacy decision ending on `ends`
/// (that day excluded).
fn japan_ends(version: &str, ends: NaiveDate) -> String {
    let mut v: Value = serde_json::from_str(include_str!("../../reference/transfer_law.json"))
        .expect("the embedded file is JSON");
    v["version"] = json!(version);
    let list = v["adequacy"].as_array_mut().expect("a list");
    let jp = list.iter_mut().find(|d| d["id"] == "EU-JP").expect("EU-JP");
    jp["effective_to"] = json!(ends.to_string());
    jp["status"] = json!("repealed");
    jp["until"] = json!({ "stated": ends.to_string(), "day_included": false,
        "wording": format!("repealed with effect from {ends}"), "source": "a repealing decision (test)" });
    v.to_string()
}

/// A state on the same database judging with `reference` (a reference file's text).
async fn judged_with(app: &TestApp, dir: &tempfile::TempDir, reference: &str) -> AppState {
    let file = dir.path().join("transfer_law-test.json");
    std::fs::write(&file, reference).expect("write");
    let mut config = (*app.state.config).clone();
    config.reference_file = Some(file);
    AppState::with_db(config, app.state.db.clone())
        .await
        .expect("the reference file loads")
}

async fn ask(app: &TestApp, state: &AppState, query: &str, variables: Value) -> Value {
    let admin = Auth::Token(app.principal(Role::Admin, None).await);
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(variables));
    let response = transfer_register::http::execute(state, admin, request).await;
    let value = serde_json::to_value(&response).expect("json");
    assert!(value["errors"].is_null(), "{value:#}");
    value["data"].clone()
}

/// A German exporter's flow to a Japanese importer under the adequacy decision.
async fn to_japan(app: &TestApp) -> String {
    let de = org(
        app,
        json!({ "name": "Exporter GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let jp = org(
        app,
        json!({ "name": "Tokyo Partner KK", "kind": "OTHER_CONTROLLER", "country": "JP" }),
    )
    .await;
    let activity = activity(app, &de, &["contact.email"]).await;
    flow(
        app,
        json!({ "activityId": activity, "fromId": de, "toId": jp, "recipientRole": "CONTROLLER",
            "dataCategories": ["contact.email"], "mechanism": "ADEQUACY" }),
    )
    .await
}

/// The items of `kind` in a `dueItems` answer, as (flow id, due on, message).
fn of_kind(data: &Value, kind: &str) -> Vec<(String, String, String)> {
    (data["dueItems"].as_array().into_iter().flatten())
        .filter(|i| i["kind"] == kind)
        .map(|i| {
            (
                i["flow"]["id"].as_str().unwrap_or("").to_owned(),
                i["dueOn"].as_str().unwrap_or("").to_owned(),
                i["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

async fn new_reference_data_lists_the_transfers_it_changed_as_changed_by_law(app: TestApp) {
    let flow = to_japan(&app).await;
    let today = chrono::Utc::now().date_naive();
    let since = json!({ "since": today.to_string() });
    // The verdicts judged with the embedded reference are the baseline.
    let baseline = app.ok(CHANGES, since.clone()).await;
    assert_eq!(baseline["verdictChanges"]["totalCount"], 0, "{baseline}");
    assert!(of_kind(&app.ok(DUE, json!({})).await, "VERDICT_CHANGED_BY_LAW").is_empty());
    // A newer reference file ends the Japanese decision yesterday.
    let dir = tempfile::tempdir().expect("temp dir");
    let yesterday = today.checked_sub_days(Days::new(1)).expect("a day");
    let newer = judged_with(&app, &dir, &japan_ends("2099-01-01", yesterday)).await;
    let changes = ask(&app, &newer, CHANGES, since).await;
    assert_eq!(changes["verdictChanges"]["totalCount"], 1, "{changes:#}");
    let change = &changes["verdictChanges"]["edges"][0]["node"];
    assert_eq!(change["flowId"], flow.as_str());
    assert_eq!(change["destinationCountry"], "JP");
    assert_eq!(change["oldStatus"], "ADEQUATE");
    assert_eq!(change["newStatus"], "NON_COMPLIANT");
    assert_eq!(change["cause"], "REFERENCE_DATA");
    // Listed as changed by law, due today, in words.
    let items = of_kind(
        &ask(&app, &newer, DUE, json!({})).await,
        "VERDICT_CHANGED_BY_LAW",
    );
    assert_eq!(items.len(), 1, "{items:?}");
    let (id, due_on, message) = &items[0];
    assert_eq!(
        (id.as_str(), due_on.as_str()),
        (flow.as_str(), today.to_string().as_str())
    );
    assert!(
        message.contains(&format!("changed by the law on {today}"))
            && message.contains("adequate → non-compliant")
            && message.contains("reference data 2099-01-01")
            && message.contains("Tokyo Partner KK"),
        "{message}"
    );
    // And in the due export, with the kind in words.
    let base = app.serve().await;
    let token = app.token(Role::Auditor).await;
    let csv = reqwest::Client::new()
        .get(format!("{base}/exports/due.csv?on={today}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(
        csv.contains("Verdict changed by the law") && csv.contains("adequate → non-compliant"),
        "{csv}"
    );
    // The digest's source (the same list, due by today) has it too.
    let digest = due::list(&app.state.db, today, 0).await.expect("due items");
    assert!(
        digest.iter().any(|i| i.kind == DueKind::VerdictChangedByLaw
            && i.flow_id.map(|f| f.to_string()) == Some(flow.clone())),
        "{digest:?}"
    );
}

async fn a_decision_ending_between_two_judged_days_is_a_change_by_law(app: TestApp) {
    let flow = to_japan(&app).await;
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
    let dir = tempfile::tempdir().expect("temp dir");
    let state = judged_with(&app, &dir, &japan_ends("2099-01-01", day("2099-06-01"))).await;
    // Judged on the last day of the decision (the baseline), then on the day after it ended.
    for (on, recorded) in [("2099-05-31", 0), ("2099-06-02", 1)] {
        state
            .verdicts
            .get(&state.db, &state.reference, day(on))
            .await
            .expect("verdicts");
        let count = state
            .verdicts
            .record_history(&state.db)
            .await
            .expect("recorded");
        assert_eq!(count, recorded, "{on}");
    }
    let items = due::list(&state.db, day("2099-06-02"), 0)
        .await
        .expect("due items");
    let by_law: Vec<_> = items
        .iter()
        .filter(|i| i.kind == DueKind::VerdictChangedByLaw)
        .collect();
    assert_eq!(by_law.len(), 1, "{items:?}");
    assert_eq!(by_law[0].flow_id.map(|f| f.to_string()), Some(flow));
    assert_eq!(by_law[0].due_on, day("2099-06-02"));
    assert!(
        by_law[0].message.contains("adequate → non-compliant")
            && by_law[0]
                .message
                .contains("a date in the law or the register passed"),
        "{}",
        by_law[0].message
    );
    // Past the look-back, it is no longer listed.
    let later = due::list(&state.db, day("2099-08-01"), 0)
        .await
        .expect("due items");
    assert!(
        !later.iter().any(|i| i.kind == DueKind::VerdictChangedByLaw),
        "{later:?}"
    );
}

async fn a_change_caused_by_a_write_is_not_a_change_by_law(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let since = json!({ "since": chrono::Utc::now().date_naive().to_string() });
    assert_eq!(
        app.ok(CHANGES, since.clone()).await["verdictChanges"]["totalCount"],
        0
    );
    app.ok(
        "mutation($input: UpdateDataFlowInput!) { updateDataFlow(input: $input) { id } }",
        json!({ "input": { "id": seed.to_us_cloud, "sccModule": "C2C" } }),
    )
    .await;
    let changes = app.ok(CHANGES, since).await;
    assert_eq!(changes["verdictChanges"]["totalCount"], 1, "{changes:#}");
    assert_eq!(
        changes["verdictChanges"]["edges"][0]["node"]["cause"],
        "REGISTER_WRITE"
    );
    let due = app.ok(DUE, json!({})).await;
    assert!(
        of_kind(&due, "VERDICT_CHANGED_BY_LAW").is_empty(),
        "{due:#}"
    );
}

async fn a_due_item_names_the_contract_and_request_it_is_about(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let today = chrono::Utc::now().date_naive();
    let expires = today.checked_add_days(Days::new(10)).expect("a day");
    let contract = app
        .ok(
            r#"mutation($input: RecordContractInput!) { recordContract(input: $input) { id } }"#,
            json!({ "input": { "kind": "DPA", "reference": "DPA-LINK", "flowIds": [seed.to_us_cloud],
                "inForceFrom": "2024-01-01", "expiresOn": expires.to_string() } }),
        )
        .await["recordContract"]["id"]
        .clone();
    app.ok(
        "mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }",
        json!({ "input": { "identifiers": { "email": "ada@example.com" }, "activityIds": [seed.activity] } }),
    )
    .await;
    let filed = app
        .ok(
            "mutation($input: FileDataSubjectRequestInput!) { fileDataSubjectRequest(input: $input) { id reference } }",
            json!({ "input": { "subject": { "email": "ada@example.com" }, "kind": "ERASURE" } }),
        )
        .await["fileDataSubjectRequest"]
        .clone();
    let query = r#"query { dueItems(within: 90) { kind message contract { id reference }
      request { id reference } subprocessorChange { id } } }"#;
    let items = |data: &Value, kind: &str| -> Vec<Value> {
        (data["dueItems"].as_array().into_iter().flatten())
            .filter(|i| i["kind"] == kind)
            .cloned()
            .collect()
    };
    let dpo = app.ok(query, json!({})).await;
    let expiry = items(&dpo, "CONTRACT_EXPIRY");
    assert!(
        expiry
            .iter()
            .any(|i| i["contract"]["id"] == contract && i["contract"]["reference"] == "DPA-LINK"),
        "{dpo:#}"
    );
    let deadline = items(&dpo, "DSR_DEADLINE");
    assert_eq!(deadline.len(), 1, "{dpo:#}");
    assert_eq!(deadline[0]["request"]["id"], filed["id"]);
    assert_eq!(deadline[0]["request"]["reference"], filed["reference"]);
    assert!(deadline[0]["contract"].is_null() && deadline[0]["subprocessorChange"].is_null());
    // PROCUREMENT may not read requests: the deadline is listed without its request.
    let procurement = Auth::Token(app.principal(Role::Procurement, None).await);
    let theirs = app.exec(procurement, query, json!({})).await;
    let deadline = items(&theirs["data"], "DSR_DEADLINE");
    assert_eq!(deadline.len(), 1, "{theirs:#}");
    assert!(deadline[0]["request"].is_null(), "{theirs:#}");
}

/// `serve` judges the register hourly (`verdicts::judge_and_record`): the change the new reference
/// data makes is recorded and listed as due without anyone reading the register or its changes.
async fn a_change_by_law_is_recorded_with_no_reader_asking(app: TestApp) {
    let flow = to_japan(&app).await;
    let today = chrono::Utc::now().date_naive();
    // The baseline, judged and recorded with the embedded reference.
    transfer_register::service::verdicts::judge_and_record(
        &app.state.db,
        &app.state.read_db,
        &app.state.verdicts,
        &app.state.reference,
        today,
    )
    .await
    .expect("judged");
    let dir = tempfile::tempdir().expect("temp dir");
    let yesterday = today.checked_sub_days(Days::new(1)).expect("a day");
    let newer = judged_with(&app, &dir, &japan_ends("2099-01-01", yesterday)).await;
    let listed = due::list(&newer.db, today, 0).await.expect("due items");
    assert!(
        !listed
            .iter()
            .any(|i| i.kind == DueKind::VerdictChangedByLaw),
        "not recorded before the register is judged"
    );
    let recorded = transfer_register::service::verdicts::judge_and_record(
        &newer.db,
        &newer.read_db,
        &newer.verdicts,
        &newer.reference,
        today,
    )
    .await
    .expect("judged");
    assert!(recorded >= 1, "the Japanese transfer's change is recorded");
    let listed = due::list(&newer.db, today, 0).await.expect("due items");
    let by_law: Vec<_> = listed
        .iter()
        .filter(|i| i.kind == DueKind::VerdictChangedByLaw)
        .collect();
    assert_eq!(by_law.len(), 1, "{listed:?}");
    assert_eq!(by_law[0].flow_id.map(|id| id.to_string()), Some(flow));
}
