//! The pool of whole-register work: every field whose cost grows with the register is weighed
//! as the whole register, takes a turn (or is refused as busy), and today's pages read the kept
//! verdicts without one.

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use serde_json::Value;
use transfer_register::{AppState, domain::vocab::Role, graphql::context::Auth};

db_tests!(
    every_whole_register_field_waits_its_turn_and_is_refused_as_busy_when_none_frees,
    a_page_judged_on_another_day_is_weighed_as_the_whole_register,
);

async fn state_with(
    app: &TestApp,
    change: impl FnOnce(&mut transfer_register::config::Config),
) -> AppState {
    let mut config = (*app.state.config).clone();
    change(&mut config);
    let pools = transfer_register::db::Pools {
        write: app.state.db.clone(),
        read: app.state.read_db.clone(),
    };
    AppState::with_pools(config, pools).await.expect("state")
}

async fn run_as(state: &AppState, auth: Auth, query: &str) -> Value {
    let response = transfer_register::http::execute(
        state,
        auth,
        async_graphql::Request::new(query.to_string()),
    )
    .await;
    serde_json::to_value(&response).expect("json")
}

const TODAYS_PAGE: &str = "{ transferRegisterPage(first: 5) { totalCount } }";

async fn every_whole_register_field_waits_its_turn_and_is_refused_as_busy_when_none_frees(
    app: TestApp,
) {
    fixtures::seed(&app).await;
    let state = state_with(&app, |c| {
        c.expensive_concurrency = 1;
        c.expensive_wait_ms = 50;
    })
    .await;
    let auditor = Auth::Token(app.principal(Role::Auditor, None).await);
    // Today's verdicts computed and kept.
    let warm = run_as(&state, auditor.clone(), TODAYS_PAGE).await;
    assert!(warm.get("errors").is_none(), "{warm}");
    let total = warm["data"]["transferRegisterPage"]["totalCount"].clone();
    assert!(total.as_i64().is_some_and(|n| n > 0), "{warm}");

    // Someone else holds the only turn.
    let held = state
        .limits
        .expensive("another request")
        .await
        .expect("the turn");
    for query in [
        r#"{ whatIf(mechanism: EU_US_DPF, endsOn: "2026-01-01") { subjectCount } }"#,
        r#"{ transferRegisterPage(first: 5, on: "2025-06-01") { totalCount } }"#,
        r#"{ complianceGaps(on: "2025-06-01") { assessed } }"#,
        "{ complianceGaps { assessed } }",
        "{ transferRegister { status } }",
    ] {
        let busy = run_as(&state, auditor.clone(), query).await;
        assert_error(&busy, "CONFLICT", None);
        assert_eq!(
            busy["errors"][0]["extensions"]["reason"], "BUSY",
            "{query}: {busy}"
        );
    }
    // Today's page reads the kept verdicts: no turn needed.
    let page = run_as(&state, auditor.clone(), TODAYS_PAGE).await;
    assert!(page.get("errors").is_none(), "{page}");
    assert_eq!(page["data"]["transferRegisterPage"]["totalCount"], total);

    drop(held);
    let what_if = run_as(
        &state,
        auditor,
        r#"{ whatIf(mechanism: EU_US_DPF, endsOn: "2026-01-01") { subjectCount } }"#,
    )
    .await;
    assert!(what_if.get("errors").is_none(), "{what_if}");
    assert_eq!(
        state.limits.expensive_available(),
        1,
        "every turn came back"
    );
}

async fn a_page_judged_on_another_day_is_weighed_as_the_whole_register(app: TestApp) {
    let aliases = |on: &str| {
        let fields: Vec<String> = (0..4)
            .map(|i| format!("p{i}: transferRegisterPage(first: 1{on}) {{ totalCount }}"))
            .collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let dated = app
        .gql(&aliases(r#", on: "2025-06-01""#), serde_json::json!({}))
        .await;
    assert!(
        dated["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too complex")),
        "four dated pages are four whole registers: {dated}"
    );
    assert!(dated["data"].is_null(), "nothing ran: {dated}");
    let today = app.gql(&aliases(""), serde_json::json!({})).await;
    assert!(
        today.get("errors").is_none(),
        "today's pages are pages: {today}"
    );
}
