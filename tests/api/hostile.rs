//! Limits and hostile input: each gets a clear error, the service stays up, the data untouched.

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

db_tests!(
    hostile_text_is_refused_or_stored_verbatim_and_never_executed,
    malformed_ids_and_oversized_lists_are_refused_with_their_field,
    every_id_argument_is_parsed_where_it_enters_naming_its_field,
    deep_and_expensive_queries_are_refused_before_they_run,
    malformed_requests_get_clear_http_errors_and_the_service_stays_up,
    introspection_and_graphiql_can_be_switched_off,
);

crate::sqlite_tests!(a_request_that_outlives_the_timeout_is_abandoned_with_408,);

async fn a_request_that_outlives_the_timeout_is_abandoned_with_408(app: TestApp) {
    use sea_orm::TransactionTrait;
    // SQLite only: its single writer lets the test hold every write up at will.
    let base = app.serve_with(|c| c.request_timeout_secs = 1).await;
    let token = app.token(Role::Dpo).await;
    // Hold the one writer connection, so a mutation cannot reach the database until the timeout
    // (queries go to the readers, which a held writer does not block).
    let held = app.state.db.begin().await.expect("begin");
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "mutation { registerOrganisation(input: { name: \"Held Up Ltd\", kind: SUPPLIER, country: \"US\" }) { id } }" }))
        .send()
        .await
        .expect("send");
    // The 408 itself proves the timeout fired: the held writer would have kept it waiting.
    assert_eq!(response.status(), 408);
    held.rollback().await.expect("release");
    let health = reqwest::get(format!("{base}/healthz"))
        .await
        .expect("healthz");
    assert_eq!(
        health.status(),
        200,
        "the service answers again once the database is free"
    );
    assert_eq!(
        app.count("organisation").await,
        0,
        "the abandoned mutation wrote nothing"
    );
}

const REGISTER: &str = r#"mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id name companyNumber } }"#;

async fn hostile_text_is_refused_or_stored_verbatim_and_never_executed(app: TestApp) {
    let input =
        |name: &str| json!({ "input": { "name": name, "kind": "SUPPLIER", "country": "US" } });
    for (bad, why) in [
        ("x".repeat(10_000), "oversized"),
        ("Acme\u{0000}Corp".to_string(), "NUL byte"),
        ("Acme\u{001b}[31m".to_string(), "terminal escape"),
        ("\u{0008}\u{0008}".to_string(), "only control characters"),
    ] {
        assert_error(
            &app.gql(REGISTER, input(&bad)).await,
            "BAD_USER_INPUT",
            Some("name"),
        );
        let _ = why;
    }
    assert_eq!(app.count("organisation").await, 0);
    for verbatim in [
        "Robert'); DROP TABLE organisation;--",
        "<script>alert('x')</script>",
        "\" OR \"1\"=\"1",
        "Ünïcödé Ltd 株式会社",
    ] {
        let data = app.ok(REGISTER, input(verbatim)).await;
        assert_eq!(
            data["registerOrganisation"]["name"], verbatim,
            "stored and returned verbatim"
        );
    }
    assert_eq!(app.count("organisation").await, 4, "the table is intact");
    let purpose = "p".repeat(100_000);
    let controller = fixtures::org(
        &app,
        json!({ "name": "C", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let response = app
        .gql(
            fixtures::REGISTER_ACTIVITY,
            json!({ "input": { "name": "A", "controllerId": controller, "purpose": purpose, "lawfulBasis": "CONTRACT",
                "dataCategories": ["contact.email"], "subjectCategories": ["customer"], "retention": "1 year" } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("purpose"));
}

async fn malformed_ids_and_oversized_lists_are_refused_with_their_field(app: TestApp) {
    for id in [
        "1 OR 1=1",
        "-1",
        "0",
        "1e3",
        "😀",
        "99999999999999999999999",
    ] {
        let response = app
            .gql(
                "query($id: ID!) { organisation(id: $id) { id } }",
                json!({ "id": id }),
            )
            .await;
        assert_error(&response, "BAD_USER_INPUT", Some("id"));
    }
    let many: Vec<Value> = (0..51)
        .map(|_| json!({ "country": "US", "use": "STORAGE" }))
        .collect();
    let response = app
        .gql(REGISTER, json!({ "input": { "name": "Acme", "kind": "SUPPLIER", "country": "US", "locations": many } }))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("locations"));
    let controller = fixtures::org(
        &app,
        json!({ "name": "C", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let codes: Vec<String> = (0..201).map(|i| format!("contact.c{i}")).collect();
    let response = app
        .gql(
            fixtures::REGISTER_ACTIVITY,
            json!({ "input": { "name": "A", "controllerId": controller, "purpose": "p", "lawfulBasis": "CONTRACT",
                "dataCategories": codes, "subjectCategories": ["customer"], "retention": "1 year" } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("dataCategories"));
    assert_eq!(app.count("organisation").await, 1);
}

/// Ids are parsed once, at the edge: every argument or input field that takes an id refuses a
/// malformed one as `BAD_USER_INPUT` naming that field, before any service runs; a PROCESSOR is
/// refused a malformed task or organisation id as it would be another organisation's.
async fn every_id_argument_is_parsed_where_it_enters_naming_its_field(app: TestApp) {
    let cases: &[(&str, Value, &str)] = &[
        (
            "query($v: ID!) { processingActivity(id: $v) { id } }",
            json!({ "v": "x" }),
            "id",
        ),
        (
            "query($v: ID!) { dataFlow(id: $v) { id } }",
            json!({ "v": "x" }),
            "id",
        ),
        (
            "query($v: ID!) { dataSubjectRequest(id: $v) { id } }",
            json!({ "v": "x" }),
            "id",
        ),
        (
            "query($v: ID) { processingActivities(controllerId: $v) { totalCount } }",
            json!({ "v": "x" }),
            "controllerId",
        ),
        (
            "query($v: ID) { dataFlows(fromId: $v) { totalCount } }",
            json!({ "v": "-2" }),
            "fromId",
        ),
        (
            "query($v: ID) { dsrTasks(organisationId: $v) { totalCount } }",
            json!({ "v": "x" }),
            "organisationId",
        ),
        (
            "mutation($v: ID!) { offboardOrganisation(id: $v) { id } }",
            json!({ "v": "0" }),
            "id",
        ),
        (
            "mutation($v: ID!) { removeLocation(id: $v) { id } }",
            json!({ "v": "x" }),
            "id",
        ),
        (
            "mutation($v: ID!) { sendReminder(taskId: $v) { id } }",
            json!({ "v": "x" }),
            "taskId",
        ),
        (
            "mutation($v: ID!) { rotateWebhookSecret(organisationId: $v) }",
            json!({ "v": "x" }),
            "organisationId",
        ),
        (
            "mutation($v: ID!) { addLocation(input: {organisationId: $v, country: \"US\", use: STORAGE}) { id } }",
            json!({ "v": "1 OR 1=1" }),
            "organisationId",
        ),
        (
            "mutation($v: ID!) { endDataFlow(input: {id: $v}) { id } }",
            json!({ "v": "x" }),
            "id",
        ),
        (
            "mutation($v: ID!) { closeDataSubjectRequest(input: {requestId: $v, reason: \"r\"}) { id } }",
            json!({ "v": "x" }),
            "requestId",
        ),
    ];
    for (document, variables, field) in cases {
        let response = app.gql(document, variables.clone()).await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    let supplier = fixtures::org(
        &app,
        json!({ "name": "S", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let processor = app
        .principal(Role::Processor, Some(supplier.parse().expect("id")))
        .await;
    let auth = transfer_register::graphql::context::Auth::Token(processor);
    let response = app
        .exec(
            auth.clone(),
            "mutation { confirmTask(input: {taskId: \"x\", outcome: COMPLETED, evidence: \"e\"}) { id } }",
            json!({}),
        )
        .await;
    assert_error(&response, "FORBIDDEN", None);
    let response = app
        .exec(
            auth,
            "{ dsrTasks(organisationId: \"x\") { totalCount } }",
            json!({}),
        )
        .await;
    assert_error(&response, "FORBIDDEN", None);
}

async fn deep_and_expensive_queries_are_refused_before_they_run(app: TestApp) {
    fixtures::seed(&app).await;
    let deep = format!(
        "{{ dataFlows {{ edges {{ node {{ {}id{} }} }} }} }}",
        "continues { ".repeat(20),
        " }".repeat(20)
    );
    let response = app.gql(&deep, json!({})).await;
    assert_error(&response, "BAD_USER_INPUT", None);
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("nested too deep"),
        "{response:#}"
    );

    let aliases: String = (0..10)
        .map(|i| format!("r{i}: transferRegister {{ status }} "))
        .collect();
    let response = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert_error(&response, "BAD_USER_INPUT", None);
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("complex"),
        "{response:#}"
    );

    let pages: String = (0..20)
        .map(|i| format!("p{i}: organisations(first: 1000) {{ edges {{ node {{ id name }} }} }} "))
        .collect();
    assert_error(
        &app.gql(&format!("{{ {pages} }}"), json!({})).await,
        "BAD_USER_INPUT",
        None,
    );
    // The same fields once, on a sane page, run.
    app.ok(
        "{ transferRegister { status } organisations(first: 100) { totalCount } }",
        json!({}),
    )
    .await;
}

async fn malformed_requests_get_clear_http_errors_and_the_service_stays_up(app: TestApp) {
    let base = app.serve_with(|c| c.max_body_bytes = 64 * 1024).await;
    let token = app.token(Role::Dpo).await;
    let client = reqwest::Client::new();
    let post = |body: String, content_type: &'static str| {
        client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let too_big = json!({ "query": format!("{{ organisations {{ totalCount }} }} #{}", "x".repeat(100 * 1024)) }).to_string();
    let response = post(too_big, "application/json").await.expect("send");
    assert_eq!(response.status(), 413, "bodies over the limit are refused");
    assert_eq!(
        response
            .headers()
            .get("connection")
            .and_then(|v| v.to_str().ok()),
        Some("close"),
        "the unread rest of the body ends the connection, and the client is told"
    );

    let batch = json!([{ "query": "{ organisations { totalCount } }" }, { "query": "{ dataCategories { code } }" }]);
    let response = post(batch.to_string(), "application/json")
        .await
        .expect("send");
    assert!(
        response.status().is_client_error(),
        "batches are refused: {}",
        response.status()
    );

    let response = post("{not json".into(), "application/json")
        .await
        .expect("send");
    assert!(response.status().is_client_error());
    let response = post("{ organisations { totalCount } }".into(), "text/plain")
        .await
        .expect("send");
    assert!(
        response.status().is_client_error(),
        "wrong content type: {}",
        response.status()
    );
    let response = post(
        json!({ "query": "{ organisations { totalCount" }).to_string(),
        "application/json",
    )
    .await
    .expect("send");
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "syntax errors carry a code: {body}"
    );

    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200, "the service stays up");
    assert_eq!(app.count("organisation").await, 0, "nothing was written");
}

async fn introspection_and_graphiql_can_be_switched_off(app: TestApp) {
    let base = app
        .serve_with(|c| {
            c.introspection = false;
            c.graphiql = false;
        })
        .await;
    let client = reqwest::Client::new();
    assert_eq!(
        client
            .get(format!("{base}/graphql"))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    let body: Value = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ __schema { types { name } } }" }))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "introspection is refused: {body}"
    );
}
