//! The console overview's counts: each equals the length of what its link opens (issue 25, item
//! 7). Restricted transfers and flows with a problem of their own are counted apart.

use crate::{
    db_tests,
    fixtures::{self, Seed},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};

db_tests!(
    every_overview_count_equals_what_its_link_lists,
    the_flows_with_own_problems_come_a_page_at_a_time_as_the_whole_list_has_them
);

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

const OWN_PAGE: &str = r"query($first: Int, $after: String, $problem: ProblemCode) {
  complianceGaps { ownProblemFlowsPage(first: $first, after: $after, problem: $problem) {
    totalCount pageInfo { hasNextPage endCursor } verdictsAsOf { complete }
    edges { cursor node { flow { id } problems { code } } } } } }";

/// Every page of `ownProblemFlowsPage` from the start, as (flow id, codes) in order, checking
/// each page's size, total and continuation on the way.
async fn own_pages(app: &TestApp, first: usize, problem: Option<&str>) -> Vec<(Value, Value)> {
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let data = app
            .ok(
                OWN_PAGE,
                json!({ "first": first, "after": after, "problem": problem }),
            )
            .await;
        let page = &data["complianceGaps"]["ownProblemFlowsPage"];
        let edges = page["edges"].as_array().expect("edges");
        assert!(edges.len() <= first, "{page}");
        assert_eq!(page["verdictsAsOf"]["complete"], true);
        seen.extend(edges.iter().map(|e| {
            (
                e["node"]["flow"]["id"].clone(),
                e["node"]["problems"].clone(),
            )
        }));
        let total = count(&page["totalCount"]);
        if page["pageInfo"]["hasNextPage"] == false {
            assert_eq!(total, seen.len(), "the total counts every page");
            return seen;
        }
        assert_eq!(edges.len(), first, "a full page before the last: {page}");
        assert_eq!(
            page["pageInfo"]["endCursor"],
            edges.last().expect("a page before the last is not empty")["cursor"]
        );
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

/// The console lists the flows with a problem of their own a page at a time: the pages, read
/// one after the other, hold the whole list in its order, and a problem keeps those naming it.
async fn the_flows_with_own_problems_come_a_page_at_a_time_as_the_whole_list_has_them(
    app: TestApp,
) {
    let Seed {
        parent, activity, ..
    } = fixtures::seed(&app).await;
    // Five processors at home without an Art 28 contract: no restricted transfer, a problem each.
    for n in 0..5 {
        let mailroom = fixtures::org(
            &app,
            json!({ "name": format!("Local Mailroom {n} Ltd"), "kind": "SUPPLIER", "country": "GB" }),
        )
        .await;
        fixtures::flow(
            &app,
            json!({ "activityId": activity, "fromId": parent, "toId": mailroom, "recipientRole": "PROCESSOR",
                    "dataCategories": ["contact.email"], "mechanism": "NONE" }),
        )
        .await;
    }
    let gaps = app.ok(GAPS, json!({})).await;
    let whole: Vec<(Value, Value)> = gaps["complianceGaps"]["ownProblemFlows"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| (a["flow"]["id"].clone(), a["problems"].clone()))
        .collect();
    assert_eq!(whole.len(), 5, "{whole:?}");
    for first in [1, 2, 5, 50] {
        assert_eq!(
            own_pages(&app, first, None).await,
            whole,
            "pages of {first}"
        );
    }
    let missing_dpa = own_pages(&app, 2, Some("DPA_MISSING")).await;
    assert_eq!(missing_dpa, whole, "each of them lacks its DPA");
    assert!(own_pages(&app, 2, Some("TIA_MISSING")).await.is_empty());
    // A cursor it did not issue is refused on its own name.
    let refused = app
        .gql(OWN_PAGE, json!({ "first": 2, "after": "not-a-cursor" }))
        .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("after"));
    let refused = app.gql(OWN_PAGE, json!({ "first": -1 })).await;
    assert_error(&refused, "BAD_USER_INPUT", Some("first"));
}
