//! The console overview's counts: each equals the length of what its link opens (issue 25, item
//! 7). Restricted transfers and flows with a problem of their own are counted apart.

use crate::{
    db_tests,
    fixtures::{self, Seed},
    support::TestApp,
};
use serde_json::{Value, json};

db_tests!(every_overview_count_equals_what_its_link_lists);

/// What the overview reads (`console/views/overview.graphql`, `OverviewGaps`).
const GAPS: &str = r"{ complianceGaps { assessed nonCompliant transfersAssessed transfersNonCompliant
  flowsWithOwnProblems ownProblemFlows { flow { id } destinationCountry problems { code } }
  byCode { code count transfers flowsWithOwnProblems } } }";

/// What the links open: the register page (`#/register?...`), all of it on one page.
const PAGE: &str = r"query($status: VerdictStatus, $problem: ProblemCode) {
  transferRegisterPage(first: 100, status: $status, problem: $problem) {
    totalCount pageInfo { hasNextPage } edges { node { flow { id } status problems { code } } } } }";

async fn listed(app: &TestApp, vars: Value) -> Vec<Value> {
    let data = app.ok(PAGE, vars).await;
    let page = &data["transferRegisterPage"];
    assert_eq!(
        page["pageInfo"]["hasNextPage"], false,
        "one page holds it all"
    );
    let edges: Vec<Value> = page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"].clone())
        .collect();
    assert_eq!(page["totalCount"].as_u64(), Some(edges.len() as u64));
    edges
}

fn count(v: &Value) -> usize {
    usize::try_from(v.as_i64().expect("a count")).expect("not negative")
}

async fn every_overview_count_equals_what_its_link_lists(app: TestApp) {
    let Seed {
        parent, activity, ..
    } = fixtures::seed(&app).await;
    // A processor at home without an Art 28 contract: no restricted transfer, a problem of its own.
    let mailroom = fixtures::org(
        &app,
        json!({ "name": "Local Mailroom Ltd", "kind": "SUPPLIER", "country": "GB" }),
    )
    .await;
    let to_mailroom = fixtures::flow(
        &app,
        json!({ "activityId": activity, "fromId": parent, "toId": mailroom, "recipientRole": "PROCESSOR",
                "dataCategories": ["contact.email"], "mechanism": "NONE" }),
    )
    .await;
    // Both: a restricted transfer on a dead mechanism, to a processor without a DPA.
    let tracker = fixtures::org(
        &app,
        json!({ "name": "Tracker Analytics Inc", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let to_tracker = fixtures::flow(
        &app,
        json!({ "activityId": activity, "fromId": parent, "toId": tracker, "recipientRole": "PROCESSOR",
                "dataCategories": ["online.clickstream"], "mechanism": "PRIVACY_SHIELD", "signedOn": "2019-01-01" }),
    )
    .await;

    let data = app.ok(GAPS, json!({})).await;
    let gaps = &data["complianceGaps"];

    // "N transfers non-compliant" opens #/register?status=NON_COMPLIANT.
    let non_compliant = listed(&app, json!({ "status": "NON_COMPLIANT" })).await;
    assert_eq!(count(&gaps["transfersNonCompliant"]), non_compliant.len());
    assert!(non_compliant.iter().any(|t| t["flow"]["id"] == to_tracker));
    assert!(non_compliant.iter().all(|t| t["flow"]["id"] != to_mailroom));
    // "of M assessed" opens #/register.
    let all = listed(&app, json!({})).await;
    assert_eq!(count(&gaps["transfersAssessed"]), all.len());
    assert!(
        all.iter().any(|t| t["status"] != "NON_COMPLIANT"),
        "compliant ones too"
    );
    // "K flows with a problem of their own" opens #/flow-problems, which lists `ownProblemFlows`.
    let own = gaps["ownProblemFlows"].as_array().expect("list");
    assert_eq!(count(&gaps["flowsWithOwnProblems"]), own.len());
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0]["flow"]["id"], to_mailroom);
    assert_eq!(own[0]["problems"], json!([{ "code": "DPA_MISSING" }]));
    // The older totals still add both up.
    assert_eq!(count(&gaps["assessed"]), all.len() + own.len());

    // Each problem code: its transfers open #/register?problem=CODE, its flows
    // #/flow-problems?problem=CODE.
    let groups = gaps["byCode"].as_array().expect("groups");
    for g in groups {
        let code = g["code"].as_str().expect("code");
        let transfers = listed(&app, json!({ "problem": code })).await;
        assert_eq!(count(&g["transfers"]), transfers.len(), "{code}");
        let flows = own
            .iter()
            .filter(|a| {
                a["problems"]
                    .as_array()
                    .is_some_and(|p| p.iter().any(|p| p["code"] == code))
            })
            .count();
        assert_eq!(count(&g["flowsWithOwnProblems"]), flows, "{code}");
        assert_eq!(count(&g["count"]), transfers.len() + flows, "{code}");
    }
    let dpa = groups
        .iter()
        .find(|g| g["code"] == "DPA_MISSING")
        .expect("the missing DPAs");
    assert_eq!(
        (
            count(&dpa["transfers"]),
            count(&dpa["flowsWithOwnProblems"])
        ),
        (1, 1)
    );
}
