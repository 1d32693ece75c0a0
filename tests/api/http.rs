//! The service over real HTTP on loopback.

use crate::{db_tests, support::TestApp};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

db_tests!(health_graphiql_and_bearer_auth_work_over_http);

async fn health_graphiql_and_bearer_auth_work_over_http(app: TestApp) {
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let graphiql = client
        .get(format!("{base}/graphql"))
        .send()
        .await
        .expect("graphiql");
    assert_eq!(graphiql.status(), 200);
    assert!(
        graphiql
            .text()
            .await
            .expect("body")
            .to_lowercase()
            .contains("graphiql")
    );

    let post = |token: Option<String>, query: &'static str| {
        let mut request = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": query }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            request
                .send()
                .await
                .expect("post")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let anonymous = post(None, "{ organisations { totalCount } }").await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let wrong = post(Some("trk_wrong".into()), "{ organisations { totalCount } }").await;
    assert_eq!(wrong["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let token = app.token(Role::Procurement).await;
    let created = post(
        Some(token.clone()),
        r#"mutation { registerOrganisation(input: { name: "Contoso Group plc", kind: GROUP_COMPANY, country: "GB" }) { id name } }"#,
    )
    .await;
    assert_eq!(
        created["data"]["registerOrganisation"]["name"], "Contoso Group plc",
        "{created:#}"
    );
    let listed = post(Some(token), "{ organisations { totalCount } }").await;
    assert_eq!(listed["data"]["organisations"]["totalCount"], 1);

    let invalid = client
        .post(format!("{base}/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("post");
    assert!(
        invalid.status().is_client_error(),
        "invalid JSON is a client error, got {}",
        invalid.status()
    );
    let health = client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200, "the service stays up");
}
