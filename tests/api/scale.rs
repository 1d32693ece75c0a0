//! Scale without untruth: readers beside the one SQLite writer, the paged transfer register, and
//! the verdict cache, invalidated by every kind of write, by the date, and across instances.

use crate::{
    db_tests,
    fixtures::{self, REGISTER_ACTIVITY, REGISTER_ORG, Seed},
    support::{TestApp, assert_error},
};
use chrono::NaiveDate;
use serde_json::{Value, json};
use transfer_register::{AppState, db, domain::vocab::Role};

db_tests!(
    concurrent_writes_and_reads_all_succeed_and_every_write_lands,
    the_page_walks_the_same_transfers_as_the_whole_register_and_filters_them,
    today_s_verdicts_follow_every_kind_of_write,
    a_reference_cut_off_changes_the_verdict_on_that_day_through_the_cache,
    a_write_through_one_instance_is_seen_by_the_next_read_of_another,
    the_reader_pool_is_read_only_on_sqlite,
);

const PAGE: &str = r#"query($first: Int, $after: String, $regime: Regime, $status: VerdictStatus,
  $destination: String, $mechanism: TransferMechanism, $organisationId: ID, $on: Date) {
  transferRegisterPage(first: $first, after: $after, regime: $regime, status: $status,
    destination: $destination, mechanism: $mechanism, organisationId: $organisationId, on: $on) {
    edges { cursor node { flow { id } destinationCountry status mechanism } }
    pageInfo { hasNextPage endCursor } totalCount } }"#;

const WHOLE: &str = r#"query($on: Date) { transferRegister(on: $on) {
  flow { id } destinationCountry status mechanism } }"#;

/// `(flow id, destination, status)` of every transfer of a list of assessments.
fn rows(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|a| {
            (
                a["flow"]["id"].as_str().expect("flow").to_string(),
                a["destinationCountry"].as_str().expect("dest").to_string(),
                a["status"].as_str().expect("status").to_string(),
            )
        })
        .collect()
}

/// Today's transfers through the page, all of them (pages of 2).
async fn paged(app: &TestApp, variables: Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut after = Value::Null;
    loop {
        let mut vars = variables.clone();
        vars["first"] = json!(2);
        vars["after"] = after;
        let data = app.ok(PAGE, vars).await;
        let page = &data["transferRegisterPage"];
        let nodes: Vec<Value> = page["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        out.extend(rows(&Value::Array(nodes)));
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            assert_eq!(page["totalCount"].as_u64(), Some(out.len() as u64));
            return out;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

async fn today(app: &TestApp) -> Vec<(String, String, String)> {
    paged(app, json!({})).await
}

async fn concurrent_writes_and_reads_all_succeed_and_every_write_lands(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    // What is under test is the database (no SQLITE_BUSY, every write lands), not the bounded
    // wait of whole-register work: on a loaded machine 48 such reads may queue for longer than
    // the default wait, and a BUSY refusal is that limit working, so let them wait.
    let base = app.serve_with(|c| c.expensive_wait_ms = 120_000).await;
    let token = app.token(Role::Admin).await;
    let client = reqwest::Client::new();
    let before = app.count("organisation").await;
    let writers = 24;
    let mut tasks = Vec::new();
    for i in 0..writers * 3 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        let body = if i % 3 == 0 {
            json!({ "query": REGISTER_ORG, "variables": { "input": {
                "name": format!("Concurrent Supplier {i}"), "kind": "SUPPLIER", "country": "US",
                "locations": [{ "country": "IN", "use": "STORAGE" }] } } })
        } else if i % 3 == 1 {
            json!({ "query": PAGE, "variables": { "first": 10, "organisationId": seed.us_cloud } })
        } else {
            json!({ "query": "{ organisations(first: 20) { totalCount edges { node { id name } } } complianceGaps { assessed nonCompliant } }" })
        };
        tasks.push(tokio::spawn(async move {
            let response = client
                .post(format!("{base}/graphql"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .expect("send");
            assert!(response.status().is_success(), "{}", response.status());
            response.json::<Value>().await.expect("json")
        }));
    }
    for task in tasks {
        let response = task.await.expect("task");
        assert!(
            response.get("errors").is_none(),
            "no error at all under concurrent writes and reads: {response:#}"
        );
    }
    assert_eq!(app.count("organisation").await, before + i64::from(writers));
    let gaps = app.ok("{ complianceGaps { assessed } }", json!({})).await;
    assert!(gaps["complianceGaps"]["assessed"].as_i64() > Some(0));
}

async fn the_page_walks_the_same_transfers_as_the_whole_register_and_filters_them(app: TestApp) {
    let Seed {
        us_cloud,
        to_us_cloud,
        to_india,
        to_shield,
        ..
    } = fixtures::seed(&app).await;
    for on in [json!(null), json!("2020-07-15"), json!("2026-11-24")] {
        let whole = app.ok(WHOLE, json!({ "on": on })).await;
        assert_eq!(
            paged(&app, json!({ "on": on })).await,
            rows(&whole["transferRegister"]),
            "the page and the whole list agree on {on}"
        );
    }
    let on = json!("2026-11-24");
    let ids = |r: Vec<(String, String, String)>| r.into_iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(
        ids(paged(&app, json!({ "on": on, "status": "NON_COMPLIANT" })).await),
        vec![to_india.clone(), to_shield.clone()]
    );
    assert_eq!(
        ids(paged(&app, json!({ "on": on, "destination": "US" })).await),
        vec![to_us_cloud.clone(), to_shield.clone()]
    );
    assert_eq!(
        ids(paged(&app, json!({ "on": on, "mechanism": "PRIVACY_SHIELD" })).await),
        vec![to_shield.clone()]
    );
    assert_eq!(
        ids(paged(&app, json!({ "on": on, "organisationId": us_cloud })).await),
        vec![to_us_cloud.clone(), to_india.clone()],
        "the organisation as recipient or as exporter"
    );
    assert_eq!(
        paged(&app, json!({ "on": on, "regime": "EU_GDPR" })).await,
        vec![]
    );
    assert_error(
        &app.gql(PAGE, json!({ "after": "bm9wZQ" })).await,
        "BAD_USER_INPUT",
        Some("after"),
    );
    assert_error(
        &app.gql(PAGE, json!({ "destination": "usa" })).await,
        "BAD_USER_INPUT",
        Some("destination"),
    );
    assert_error(
        &app.gql(PAGE, json!({ "first": 100_000 })).await,
        "BAD_USER_INPUT",
        Some("first"),
    );
}

async fn today_s_verdicts_follow_every_kind_of_write(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let before = today(&app).await;
    assert_eq!(today(&app).await, before, "read twice, unchanged");
    let version = |app: &TestApp| {
        app.state
            .verdicts
            .key()
            .expect("today's verdicts are kept")
            .register_version
    };
    let v0 = version(&app);

    // An organisation: the Privacy Shield supplier moves to Japan.
    app.ok(
        "mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }",
        json!({ "input": { "id": seed.shield_supplier, "country": "JP" } }),
    )
    .await;
    let after_org = today(&app).await;
    assert!(
        after_org
            .iter()
            .any(|r| r.0 == seed.to_shield && r.1 == "JP")
            && !after_org
                .iter()
                .any(|r| r.0 == seed.to_shield && r.1 == "US"),
        "the moved supplier's transfer goes to Japan now: {after_org:?}"
    );
    let v1 = version(&app);
    assert!(v1 > v0);

    // A location: the Irish company stores in India.
    app.ok(
        "mutation($input: AddLocationInput!) { addLocation(input: $input) { country } }",
        json!({ "input": { "organisationId": seed.irish, "country": "IN", "use": "STORAGE" } }),
    )
    .await;
    let after_location = today(&app).await;
    assert!(
        after_location
            .iter()
            .any(|r| r.0 == seed.to_irish && r.1 == "IN"),
        "{after_location:?}"
    );
    let v2 = version(&app);
    assert!(v2 > v1);

    // An activity: no verdict changes, but the kept set is of the new version.
    fixtures::activity(&app, &seed.parent, &["contact.email"]).await;
    assert_eq!(today(&app).await, after_location);
    let v3 = version(&app);
    assert!(v3 > v2, "a new activity is a new register version");
    let _ = REGISTER_ACTIVITY;

    // A flow: a new transfer without a mechanism.
    let new_flow = fixtures::flow(
        &app,
        json!({ "activityId": seed.activity, "fromId": seed.parent, "toId": seed.indian_support,
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
    )
    .await;
    let after_flow = today(&app).await;
    assert!(
        after_flow
            .iter()
            .any(|r| r.0 == new_flow && r.1 == "IN" && r.2 == "NON_COMPLIANT"),
        "{after_flow:?}"
    );
    assert!(version(&app) > v3);
    let gaps = app
        .ok("{ complianceGaps { assessed nonCompliant } }", json!({}))
        .await;
    // The kept verdicts are those of the uncached path, computed now from scratch.
    let today = chrono::Utc::now().date_naive();
    let register = transfer_register::service::transfers::Register::load(&app.state.db)
        .await
        .expect("register");
    let uncached = register
        .transfers(&app.state.reference, None, today)
        .expect("transfers");
    let key = |a: &transfer_register::service::transfers::FlowAssessment| {
        (
            a.flow_id.map(|id| id.to_string()).unwrap_or_default(),
            a.destination,
            format!("{:?}", a.verdict.status),
            a.verdict
                .problems
                .iter()
                .map(|p| p.code)
                .collect::<Vec<_>>(),
        )
    };
    let kept = app
        .state
        .verdicts
        .get(&app.state.read_db, &app.state.reference, today)
        .await
        .expect("kept");
    assert_eq!(
        kept.transfers
            .iter()
            .map(|e| key(&e.assessment))
            .collect::<Vec<_>>(),
        uncached.iter().map(key).collect::<Vec<_>>()
    );
    let uncached_gaps = register
        .gaps(&app.state.reference, None, today)
        .expect("gaps");
    let kept_gaps = kept.gaps(None);
    assert_eq!(
        (kept_gaps.assessed, kept_gaps.non_compliant),
        (uncached_gaps.assessed, uncached_gaps.non_compliant)
    );
    assert_eq!(
        kept_gaps
            .groups
            .iter()
            .map(|g| (g.code, g.assessments.len()))
            .collect::<Vec<_>>(),
        uncached_gaps
            .groups
            .iter()
            .map(|g| (g.code, g.assessments.len()))
            .collect::<Vec<_>>()
    );
    let non_compliant = after_flow.iter().filter(|r| r.2 == "NON_COMPLIANT").count();
    assert_eq!(
        gaps["complianceGaps"]["nonCompliant"].as_u64(),
        Some(non_compliant as u64),
        "the gaps are of the same version as the page"
    );
}

async fn a_reference_cut_off_changes_the_verdict_on_that_day_through_the_cache(app: TestApp) {
    let Seed { to_shield, .. } = fixtures::seed(&app).await;
    let state = &app.state;
    let shield_status = |assessed: &transfer_register::service::verdicts::Assessed| {
        assessed
            .transfers
            .iter()
            .find(|e| e.assessment.flow_id.map(|id| id.to_string()) == Some(to_shield.clone()))
            .map(|e| e.assessment.verdict.status)
    };
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let eve = state
        .verdicts
        .get(&state.read_db, &state.reference, day("2020-07-15"))
        .await
        .expect("verdicts");
    assert_eq!(
        shield_status(&eve),
        Some(transfer_register::domain::vocab::VerdictStatus::Adequate)
    );
    let again = state
        .verdicts
        .get(&state.read_db, &state.reference, day("2020-07-15"))
        .await
        .expect("verdicts");
    assert!(
        std::sync::Arc::ptr_eq(&eve, &again),
        "same date, same register: the kept set"
    );
    // No write in between: only the date changed, and Privacy Shield fell on 2020-07-16.
    let day_of = state
        .verdicts
        .get(&state.read_db, &state.reference, day("2020-07-16"))
        .await
        .expect("verdicts");
    assert_eq!(eve.key.register_version, day_of.key.register_version);
    assert_eq!(
        shield_status(&day_of),
        Some(transfer_register::domain::vocab::VerdictStatus::NonCompliant)
    );
}

async fn a_write_through_one_instance_is_seen_by_the_next_read_of_another(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let config = (*app.state.config).clone();
    let other = AppState::with_pools(
        config.clone(),
        db::connect_pools(&config).await.expect("second instance"),
    )
    .await
    .expect("state");
    let admin = app.principal(Role::Admin, None).await;
    let read_other = || async {
        let request =
            async_graphql::Request::new(PAGE).variables(async_graphql::Variables::from_json(
                json!({ "first": 100, "organisationId": seed.us_cloud }),
            ));
        let response = transfer_register::http::execute(
            &other,
            transfer_register::graphql::context::Auth::Token(admin.clone()),
            request,
        )
        .await;
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        serde_json::to_value(&response.data).expect("json")["transferRegisterPage"]["totalCount"]
            .as_i64()
    };
    assert_eq!(read_other().await, Some(2));
    assert_eq!(read_other().await, Some(2), "kept by the other instance");
    // A write through the first instance.
    fixtures::flow(
        &app,
        json!({ "activityId": seed.activity, "fromId": seed.parent, "toId": seed.us_cloud,
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
    )
    .await;
    assert_eq!(
        read_other().await,
        Some(3),
        "the other instance's next read sees the committed write"
    );
}

async fn the_reader_pool_is_read_only_on_sqlite(app: TestApp) {
    use sea_orm::ConnectionTrait;
    let refused = app
        .state
        .read_db
        .execute_unprepared("UPDATE register_version SET version = version + 1")
        .await;
    if app.state.config.sqlite_path().is_some() {
        assert!(refused.is_err(), "a reader must not write");
    } else {
        assert!(
            refused.is_ok(),
            "on PostgreSQL reads and writes share the pool"
        );
    }
}
