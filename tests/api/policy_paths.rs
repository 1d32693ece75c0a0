//! An operation runs on the schema without extensions only when the policy would allow every
//! root field it names; these check that a refused field is still refused wherever it hides,
//! with the allowed fields beside it answered, and that the plain path answers as the guarded.

use crate::{db_tests, fixtures, support::TestApp};
use serde_json::{Value, json};
use transfer_register::{domain::vocab::Role, graphql::context::Auth};

db_tests!(
    a_refused_root_field_is_refused_through_fragments_and_directives,
    an_allowed_operation_answers_as_the_guarded_schema_does,
);

fn forbidden_paths(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["extensions"]["code"] == json!("FORBIDDEN"))
        .map(|e| e["path"][0].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn a_refused_root_field_is_refused_through_fragments_and_directives(app: TestApp) {
    fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let procurement = || async { Auth::Token(app.principal(Role::Procurement, None).await) };
    for (query, refused) in [
        (
            "{ organisations { totalCount } ...F } fragment F on Query { auditEvents { totalCount } }",
            "auditEvents",
        ),
        (
            "{ organisations { totalCount } ... on Query { hidden: auditEvents { totalCount } } }",
            "hidden",
        ),
        (
            "{ organisations { totalCount } ...F } fragment F on Query { ...G } \
             fragment G on Query { auditEvents @include(if: true) { totalCount } }",
            "auditEvents",
        ),
    ] {
        let response = app.exec(procurement().await, query, json!({})).await;
        assert_eq!(
            forbidden_paths(&response),
            [refused],
            "{query}: {response:#}"
        );
        assert_eq!(
            response["data"]["organisations"]["totalCount"],
            json!(1),
            "the allowed field beside it is answered: {response:#}"
        );
    }
    // Skipped, the refused field is not run (the guarded schema decides, as before).
    let skipped = app
        .exec(
            procurement().await,
            "{ organisations { totalCount } auditEvents @skip(if: true) { totalCount } }",
            json!({}),
        )
        .await;
    assert!(skipped["errors"].is_null(), "{skipped:#}");
    assert_eq!(skipped["data"]["organisations"]["totalCount"], json!(1));
    // A mutation the role may not run is refused and writes nothing.
    let caller = procurement().await;
    let events = app.count("audit_event").await;
    let refused = app
        .exec(
            caller,
            "mutation { rotateWebhookSecret(organisationId: \"x\") }",
            json!({}),
        )
        .await;
    assert_eq!(
        forbidden_paths(&refused),
        ["rotateWebhookSecret"],
        "{refused:#}"
    );
    assert_eq!(app.count("audit_event").await, events, "nothing written");
}

async fn an_allowed_operation_answers_as_the_guarded_schema_does(app: TestApp) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let query = "query($id: ID!) { organisation(id: $id) { id name country kind } \
                 organisations(first: 1) { totalCount edges { node { name } } } __typename }";
    let dpo = Auth::Token(app.principal(Role::Dpo, None).await);
    let plain = app.exec(dpo.clone(), query, json!({ "id": org })).await;
    assert!(plain["errors"].is_null(), "{plain:#}");
    let request = async_graphql::Request::new(query)
        .variables(async_graphql::Variables::from_json(json!({ "id": org })));
    let request = transfer_register::http::prepare(&app.state, dpo, "test".into(), request);
    let guarded = transfer_register::graphql::build_schema(&app.state.config)
        .execute(request)
        .await;
    assert_eq!(serde_json::to_value(&guarded).expect("json"), plain);
    assert_eq!(plain["data"]["organisation"]["name"], json!("Acme"));
}
