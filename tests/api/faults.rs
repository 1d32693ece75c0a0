//! Server faults reach the client as `INTERNAL` with nothing of their cause, and the log with it.

use crate::{
    db_tests,
    support::{TestApp, assert_error, log},
};
use sea_orm::ConnectionTrait;
use serde_json::json;
use transfer_register::graphql::context::Auth;

db_tests!(
    a_database_fault_in_a_resolver_is_internal_and_logged_with_its_cause,
    a_stored_vocabulary_value_the_code_does_not_know_is_internal_not_the_callers,
);

/// Vocabulary columns are read as enums in the entity layer: a value written behind the
/// service's back is a fault of the database, never a string that reaches the caller.
async fn a_stored_vocabulary_value_the_code_does_not_know_is_internal_not_the_callers(
    app: TestApp,
) {
    let id = app
        .ok(
            r#"mutation { registerOrganisation(input: {name: "Acme Hosting", kind: SUPPLIER, country: "IE"}) { id } }"#,
            json!({}),
        )
        .await["registerOrganisation"]["id"]
        .clone();
    app.state
        .db
        .execute_unprepared("UPDATE organisation SET kind = 'VENDOR'")
        .await
        .expect("corrupt");
    let response = app
        .gql(
            "query($id: ID!) { organisation(id: $id) { kind } }",
            json!({ "id": id }),
        )
        .await;
    assert_error(&response, "INTERNAL", None);
    assert!(!response.to_string().contains("VENDOR"), "{response:#}");
}

async fn a_database_fault_in_a_resolver_is_internal_and_logged_with_its_cause(app: TestApp) {
    let id = app
        .ok(
            r#"mutation { registerOrganisation(input: {name: "Acme Hosting", kind: SUPPLIER, country: "IE", locations: [{country: "US", use: STORAGE}]}) { id } }"#,
            json!({}),
        )
        .await["registerOrganisation"]["id"]
        .clone();
    // The fault: a table the resolver reads is gone.
    app.state
        .db
        .execute_unprepared("DROP TABLE location")
        .await
        .expect("drop");
    let request_id = transfer_register::http::new_request_id();
    let admin = app
        .principal(transfer_register::domain::vocab::Role::Admin, None)
        .await;
    let request = async_graphql::Request::new(
        "query($id: ID!) { organisation(id: $id) { name locations { country } } }",
    )
    .variables(async_graphql::Variables::from_json(json!({ "id": id })));
    let response = transfer_register::http::execute_as(
        &app.state,
        Auth::Token(admin),
        request_id.clone(),
        request,
    )
    .await;
    let response = serde_json::to_value(&response).expect("response json");
    assert_error(&response, "INTERNAL", None);
    assert_eq!(
        response["errors"][0]["message"],
        json!("internal error"),
        "the cause is never echoed: {response:#}"
    );
    let lines = log::lines_with(&request_id);
    assert!(
        lines.iter().any(|l| l.contains("internal error")),
        "the log names the request: {lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("location")),
        "the log carries the database's own message: {lines:#?}"
    );
}
