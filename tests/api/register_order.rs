//! `transferRegisterPage` in every order: the pages walk the same transfers as the register's
//! own order, sorted by the order's key (ties by flow, then destination), in both directions;
//! a cursor holds only for the order it was issued for.

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};

db_tests!(
    every_order_walks_the_whole_register_sorted_by_its_key_in_both_directions,
    a_cursor_of_one_order_is_refused_in_another,
);

const PAGE: &str = r#"query($first: Int, $after: String, $orderBy: TransferOrder, $descending: Boolean) {
  transferRegisterPage(first: $first, after: $after, orderBy: $orderBy, descending: $descending) {
    edges { cursor node { flow { id from { name } to { name } } destinationCountry regime status mechanism } }
    pageInfo { hasNextPage endCursor } totalCount } }"#;

/// One transfer as the test sorts it: its fields, and the flow id as a number.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    flow: i64,
    destination: String,
    recipient: String,
    exporter: String,
    regime: String,
    mechanism: String,
    status: String,
}

fn row(node: &Value) -> Row {
    let text = |v: &Value| v.as_str().expect("text").to_string();
    Row {
        flow: text(&node["flow"]["id"]).parse().expect("flow id"),
        destination: text(&node["destinationCountry"]),
        recipient: text(&node["flow"]["to"]["name"]),
        exporter: text(&node["flow"]["from"]["name"]),
        regime: text(&node["regime"]),
        mechanism: text(&node["mechanism"]),
        status: text(&node["status"]),
    }
}

/// Every transfer through pages of `first` in `order`.
async fn walk(app: &TestApp, order: &str, descending: bool, first: i64) -> Vec<Row> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let data = app
            .ok(
                PAGE,
                json!({ "first": first, "after": after, "orderBy": order, "descending": descending }),
            )
            .await;
        let page = &data["transferRegisterPage"];
        out.extend(
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| row(&e["node"])),
        );
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(page["totalCount"].as_u64(), Some(out.len() as u64));
            return out;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

/// The test's own reading of each order's key: the most serious verdict first, names without case.
fn key(order: &str, r: &Row) -> String {
    match order {
        "FLOW" => format!("{:020}", r.flow),
        "RECIPIENT" => r.recipient.to_lowercase(),
        "EXPORTER" => r.exporter.to_lowercase(),
        "DESTINATION" => r.destination.clone(),
        "REGIME" => r.regime.clone(),
        "MECHANISM" => r.mechanism.clone(),
        "VERDICT" => [
            "NON_COMPLIANT",
            "DEROGATION",
            "SAFEGUARDED",
            "ADEQUATE",
            "NOT_RESTRICTED",
        ]
        .iter()
        .position(|s| *s == r.status)
        .expect("a known verdict")
        .to_string(),
        other => panic!("no order {other}"),
    }
}

async fn every_order_walks_the_whole_register_sorted_by_its_key_in_both_directions(app: TestApp) {
    fixtures::seed(&app).await;
    let register = walk(&app, "FLOW", false, 100).await;
    assert!(
        register.len() >= 4,
        "a register worth sorting: {register:?}"
    );
    let statuses: std::collections::HashSet<&str> =
        register.iter().map(|r| r.status.as_str()).collect();
    assert!(
        statuses.len() >= 2,
        "more than one verdict to sort: {statuses:?}"
    );
    for order in [
        "FLOW",
        "RECIPIENT",
        "EXPORTER",
        "DESTINATION",
        "REGIME",
        "MECHANISM",
        "VERDICT",
    ] {
        for descending in [false, true] {
            let mut expected = register.clone();
            expected.sort_by(|a, b| {
                let by_key = key(order, a).cmp(&key(order, b));
                let by_key = if descending { by_key.reverse() } else { by_key };
                by_key.then_with(|| (a.flow, &a.destination).cmp(&(b.flow, &b.destination)))
            });
            assert_eq!(
                walk(&app, order, descending, 2).await,
                expected,
                "{order} descending={descending}, in pages of 2"
            );
        }
    }
    let worst = walk(&app, "VERDICT", false, 1).await;
    assert_eq!(
        worst[0].status, "NON_COMPLIANT",
        "the most serious first: {worst:?}"
    );
}

async fn a_cursor_of_one_order_is_refused_in_another(app: TestApp) {
    fixtures::seed(&app).await;
    let data = app
        .ok(PAGE, json!({ "first": 1, "orderBy": "VERDICT" }))
        .await;
    let cursor = data["transferRegisterPage"]["pageInfo"]["endCursor"].clone();
    for (order, descending) in [("FLOW", false), ("VERDICT", true), ("RECIPIENT", false)] {
        let refused = app
            .gql(
                PAGE,
                json!({ "first": 1, "after": cursor, "orderBy": order, "descending": descending }),
            )
            .await;
        assert_error(&refused, "BAD_USER_INPUT", Some("after"));
    }
    let flow = app.ok(PAGE, json!({ "first": 1 })).await;
    let plain = flow["transferRegisterPage"]["pageInfo"]["endCursor"].clone();
    let refused = app
        .gql(
            PAGE,
            json!({ "first": 1, "after": plain, "orderBy": "DESTINATION" }),
        )
        .await;
    assert_error(&refused, "BAD_USER_INPUT", Some("after"));
    let garbage = app
        .gql(PAGE, json!({ "first": 1, "after": "bm90IG91cnM" }))
        .await;
    assert_error(&garbage, "BAD_USER_INPUT", Some("after"));
}
