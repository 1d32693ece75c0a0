//! Server faults reach the client as `INTERNAL` with nothing of their cause, and the log with it.

use crate::{
    db_tests,
    support::{TestApp, assert_error},
};
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tracing::instrument::WithSubscriber;

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

/// Collects what the service logs while one future runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let response = app
        .gql(
            "query($id: ID!) { organisation(id: $id) { name locations { country } } }",
            json!({ "id": id }),
        )
        .with_subscriber(subscriber)
        .await;
    assert_error(&response, "INTERNAL", None);
    assert_eq!(
        response["errors"][0]["message"],
        json!("internal error"),
        "the cause is never echoed: {response:#}"
    );
    let log = String::from_utf8(captured.0.lock().expect("log").clone()).expect("utf-8");
    assert!(log.contains("internal error"), "{log}");
    assert!(
        log.contains("request_id"),
        "the log names the request: {log}"
    );
    assert!(
        log.contains("location"),
        "the log carries the database's own message: {log}"
    );
}
