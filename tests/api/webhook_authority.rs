//! Where erasure requests go is the DPO's or an ADMIN's decision: PROCUREMENT may record a
//! supplier's first webhook URL, but may not move one that is set, nor receive a secret.

use crate::{
    db_tests,
    support::{TestApp, assert_error},
};
use entity::organisation;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use transfer_register::{domain::vocab::Role, graphql::context::Auth};

db_tests!(
    procurement_cannot_move_a_webhook_that_is_set_and_the_refusal_comes_before_validation,
    procurement_records_a_first_webhook_but_is_given_no_secret,
    procurement_imports_organisations_with_webhooks_but_no_secrets,
    a_dpo_who_moves_a_webhook_gets_a_new_secret_and_the_old_one_stops,
);

const REGISTER: &str = "mutation($input: RegisterOrganisationInput!) {
  registerOrganisation(input: $input) { id webhookSecret hasWebhookSecret } }";
const UPDATE: &str = "mutation($input: UpdateOrganisationInput!) {
  updateOrganisation(input: $input) { id erasureWebhookUrl webhookSecret hasWebhookSecret } }";

async fn as_role(app: &TestApp, role: Role, query: &str, variables: Value) -> Value {
    let auth = Auth::Token(app.principal(role, None).await);
    app.exec(auth, query, variables).await
}

async fn stored(app: &TestApp, id: &str) -> organisation::Model {
    organisation::Entity::find_by_id(id.parse::<i64>().expect("id"))
        .one(&app.state.db)
        .await
        .expect("read")
        .expect("organisation")
}

/// A supplier registered by the DPO with a webhook (and so a secret).
async fn supplier_with_webhook(app: &TestApp) -> String {
    let data = as_role(
        app,
        Role::Dpo,
        REGISTER,
        json!({ "input": { "name": "Hooked Ltd", "kind": "SUPPLIER", "country": "IE",
            "erasureWebhookUrl": "http://127.0.0.1:9/erase" } }),
    )
    .await;
    let org = &data["data"]["registerOrganisation"];
    assert!(org["webhookSecret"].is_string(), "{data:#}");
    org["id"].as_str().expect("id").to_owned()
}

async fn procurement_cannot_move_a_webhook_that_is_set_and_the_refusal_comes_before_validation(
    app: TestApp,
) {
    let id = supplier_with_webhook(&app).await;
    let before = stored(&app, &id).await;
    let procurement = Auth::Token(app.principal(Role::Procurement, None).await);
    let events = app.count("audit_event").await;
    for url in [
        json!("http://127.0.0.1:9/elsewhere"),
        json!(null),
        // Not even a URL: still FORBIDDEN, not BAD_USER_INPUT.
        json!("not a url"),
    ] {
        let response = app
            .exec(
                procurement.clone(),
                UPDATE,
                json!({ "input": { "id": id, "erasureWebhookUrl": url } }),
            )
            .await;
        assert_error(&response, "FORBIDDEN", None);
    }
    assert_eq!(stored(&app, &id).await, before, "nothing changed");
    assert_eq!(app.count("audit_event").await, events);
    // The URL it already has is no change: the console's form may send it back.
    let same = as_role(
        &app,
        Role::Procurement,
        UPDATE,
        json!({ "input": { "id": id, "name": "Hooked Limited",
            "erasureWebhookUrl": before.erasure_webhook_url } }),
    )
    .await;
    assert!(same["errors"].is_null(), "{same:#}");
    let after = stored(&app, &id).await;
    assert_eq!(after.name, "Hooked Limited");
    assert_eq!(after.webhook_secret, before.webhook_secret);
}

async fn procurement_records_a_first_webhook_but_is_given_no_secret(app: TestApp) {
    let registered = as_role(
        &app,
        Role::Procurement,
        REGISTER,
        json!({ "input": { "name": "New Hook Ltd", "kind": "SUPPLIER", "country": "IE",
            "erasureWebhookUrl": "http://127.0.0.1:9/erase" } }),
    )
    .await;
    let org = &registered["data"]["registerOrganisation"];
    assert!(org["webhookSecret"].is_null(), "{registered:#}");
    assert_eq!(org["hasWebhookSecret"], false);
    let id = org["id"].as_str().expect("id");
    assert!(stored(&app, id).await.webhook_secret.is_none());

    // A supplier without a webhook gets its first URL from PROCUREMENT: still no secret.
    let plain = as_role(
        &app,
        Role::Procurement,
        REGISTER,
        json!({ "input": { "name": "Plain Ltd", "kind": "SUPPLIER", "country": "IE" } }),
    )
    .await;
    let plain_id = plain["data"]["registerOrganisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let updated = as_role(
        &app,
        Role::Procurement,
        UPDATE,
        json!({ "input": { "id": plain_id, "erasureWebhookUrl": "http://127.0.0.1:9/plain" } }),
    )
    .await;
    let org = &updated["data"]["updateOrganisation"];
    assert_eq!(
        org["erasureWebhookUrl"], "http://127.0.0.1:9/plain",
        "{updated:#}"
    );
    assert!(org["webhookSecret"].is_null());
    assert!(stored(&app, &plain_id).await.webhook_secret.is_none());
    // The DPO issues it.
    let rotated = as_role(
        &app,
        Role::Dpo,
        "mutation($id: ID!) { rotateWebhookSecret(organisationId: $id) }",
        json!({ "id": plain_id }),
    )
    .await;
    assert!(rotated["errors"].is_null(), "{rotated:#}");
    assert!(stored(&app, &plain_id).await.webhook_secret.is_some());
}

async fn procurement_imports_organisations_with_webhooks_but_no_secrets(app: TestApp) {
    let file = "name,kind,country,erasure_webhook_url\nImported Hook Ltd,SUPPLIER,IE,http://127.0.0.1:9/imported\n";
    let response = as_role(
        &app,
        Role::Procurement,
        "mutation($content: String!) { importRecords(kind: ORGANISATIONS, fileName: \"o.csv\", content: $content) {
            imported errors { line field message } webhookSecrets { organisationId secret } } }",
        json!({ "content": file }),
    )
    .await;
    let report = &response["data"]["importRecords"];
    assert_eq!(report["imported"], 1, "{response:#}");
    assert_eq!(report["webhookSecrets"], json!([]));
    let with_secret: Vec<_> = organisation::Entity::find()
        .all(&app.state.db)
        .await
        .expect("read")
        .into_iter()
        .filter(|o| o.webhook_secret.is_some())
        .collect();
    assert!(with_secret.is_empty(), "{with_secret:?}");
}

async fn a_dpo_who_moves_a_webhook_gets_a_new_secret_and_the_old_one_stops(app: TestApp) {
    let id = supplier_with_webhook(&app).await;
    let before = stored(&app, &id).await;
    let moved = as_role(
        &app,
        Role::Dpo,
        UPDATE,
        json!({ "input": { "id": id, "erasureWebhookUrl": "http://127.0.0.1:9/moved" } }),
    )
    .await;
    let org = &moved["data"]["updateOrganisation"];
    assert!(org["webhookSecret"].is_string(), "{moved:#}");
    let after = stored(&app, &id).await;
    assert!(after.webhook_secret.is_some());
    assert_ne!(after.webhook_secret, before.webhook_secret, "a new secret");

    // Removing the URL removes the secret with it.
    let removed = as_role(
        &app,
        Role::Dpo,
        UPDATE,
        json!({ "input": { "id": id, "erasureWebhookUrl": null } }),
    )
    .await;
    assert!(removed["errors"].is_null(), "{removed:#}");
    let after = stored(&app, &id).await;
    assert!(after.erasure_webhook_url.is_none());
    assert!(after.webhook_secret.is_none());
}
