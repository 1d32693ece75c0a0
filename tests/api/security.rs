//! The findings of the security probe (issue 16), each reproduced: who rotates webhook secrets,
//! the webhook URL policy, refusals as GraphQL responses, headers, what a processor sees, strict
//! input, the expensive-work pool and the subscription limits.

use crate::{
    db_tests, fixtures,
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};
use transfer_register::{domain::vocab::Role, graphql::context::Auth};

db_tests!(
    only_the_dpo_and_admin_may_rotate_a_webhook_secret,
    refusals_before_graphql_runs_are_graphql_errors_with_a_code,
    a_timed_out_request_is_a_graphql_error_with_a_code,
    responses_carry_security_headers_and_html_a_frame_policy,
);

const ROTATE: &str = r#"mutation($id: ID!) { rotateWebhookSecret(organisationId: $id) }"#;

async fn only_the_dpo_and_admin_may_rotate_a_webhook_secret(app: TestApp) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Hooked", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let events = app.count("audit_event").await;
    let procurement = Auth::Token(app.principal(Role::Procurement, None).await);
    let refused = app.exec(procurement, ROTATE, json!({ "id": org })).await;
    assert_error(&refused, "FORBIDDEN", None);
    assert!(refused["data"].is_null(), "{refused}");
    assert_eq!(app.count("audit_event").await, events, "nothing rotated");
    assert_eq!(
        app.count("organisation WHERE webhook_secret IS NOT NULL").await,
        0
    );
    let dpo = Auth::Token(app.principal(Role::Dpo, None).await);
    let rotated = app.exec(dpo, ROTATE, json!({ "id": org })).await;
    assert!(
        rotated["data"]["rotateWebhookSecret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_")),
        "{rotated}"
    );
}

/// The one error of an HTTP refusal, after checking it is JSON in the GraphQL shape.
async fn refusal(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json")),
        "{status} is JSON: {:?}",
        response.headers()
    );
    let body: Value = response.json().await.expect("a JSON body");
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    let message = errors[0]["message"].as_str().expect("message");
    assert!(
        !message.contains("Error(") && !message.contains("{ "),
        "no Rust debug format: {message}"
    );
    errors[0].clone()
}

async fn refusals_before_graphql_runs_are_graphql_errors_with_a_code(app: TestApp) {
    let base = app.serve_with(|c| c.max_body_bytes = 1024).await;
    let token = app.token(Role::Dpo).await;
    let client = reqwest::Client::new();
    let post = |body: String| {
        client
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let bad_json = refusal(post("{not json".into()).await.expect("send"), 400).await;
    assert_eq!(bad_json["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(bad_json["extensions"]["field"], "body");

    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let batch = refusal(post(batch.to_string()).await.expect("send"), 400).await;
    assert_eq!(batch["extensions"]["code"], "BAD_USER_INPUT");

    let large = json!({ "query": format!("{{ __typename }} #{}", "x".repeat(4096)) });
    let large = refusal(post(large.to_string()).await.expect("send"), 413).await;
    assert_eq!(large["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(large["extensions"]["field"], "body");

    let put = client
        .put(format!("{base}/graphql"))
        .body("{}")
        .send()
        .await
        .expect("send");
    let put = refusal(put, 405).await;
    assert_eq!(put["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(put["extensions"]["field"], "method");

    let missing = client
        .get(format!("{base}/no-such-path"))
        .send()
        .await
        .expect("send");
    let missing = refusal(missing, 404).await;
    assert_eq!(missing["extensions"]["code"], "NOT_FOUND");
}

async fn a_timed_out_request_is_a_graphql_error_with_a_code(app: TestApp) {
    use crate::support::Backend;
    use sea_orm::TransactionTrait;
    if app.backend != Backend::Sqlite {
        return; // only SQLite's single connection lets a test hold every request up at will
    }
    let base = app.serve_with(|c| c.request_timeout_secs = 1).await;
    let token = app.token(Role::Dpo).await;
    let held = app.state.db.begin().await.expect("begin");
    let response = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ organisations { totalCount } }" }))
        .send()
        .await
        .expect("send");
    let timeout = refusal(response, 408).await;
    held.rollback().await.expect("release");
    assert_eq!(timeout["extensions"]["code"], "INTERNAL");
    assert_eq!(timeout["extensions"]["reason"], "TIMEOUT");
}

async fn responses_carry_security_headers_and_html_a_frame_policy(app: TestApp) {
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let graphiql = client
        .get(format!("{base}/graphql"))
        .send()
        .await
        .expect("graphiql");
    let post = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("post");
    let refused = client
        .put(format!("{base}/graphql"))
        .send()
        .await
        .expect("put");
    for response in [&graphiql, &post, &refused] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{headers:?}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{headers:?}");
    }
    let csp = graphiql.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        post.headers().get("content-security-policy").is_none(),
        "JSON needs no CSP"
    );
}
