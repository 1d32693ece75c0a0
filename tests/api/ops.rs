//! What an operator and a new user meet first: readiness, metrics, request ids, the webhook
//! secret issued at registration, e-mail without SMTP, and error messages that say what to do.

use crate::{
    db_tests, fixtures,
    requests::{
        as_role, confirm, deliver_all, file, receiver::Behaviour, receiver::Receiver, show,
        subject_in, task_of, worker,
    },
    support::TestApp,
};
use migration::{Migrator, MigratorTrait};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

db_tests!(
    readyz_is_ready_once_migrations_ran_and_not_while_one_is_pending,
    metrics_count_operations_by_name_and_outcome_and_show_the_queue,
    metrics_need_the_metrics_token_when_one_is_configured,
    every_response_carries_a_request_id_and_echoes_the_callers,
    an_organisation_registered_with_a_webhook_gets_its_secret_once_and_its_first_delivery_is_signed,
    an_organisation_given_its_first_webhook_gets_a_secret_and_a_move_gets_a_new_one,
    an_organisation_imported_with_a_webhook_gets_its_secret_in_the_report_and_is_signed_for,
    an_email_task_without_smtp_goes_to_the_outbox_saying_to_send_it_by_hand,
    a_too_complex_query_is_told_the_limit_and_how_to_ask_for_less,
    a_national_phone_number_error_names_the_assumed_country_and_the_setting,
    a_missing_token_error_says_how_to_get_one,
);

async fn post(base: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json")
}

async fn get(url: String, token: Option<&str>) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("get")
}

async fn readyz_is_ready_once_migrations_ran_and_not_while_one_is_pending(app: TestApp) {
    let base = app.serve().await;
    let ready = get(format!("{base}/readyz"), None).await;
    assert_eq!(ready.status(), 200);
    Migrator::down(&app.state.db, Some(1))
        .await
        .expect("undo the last migration");
    let pending = get(format!("{base}/readyz"), None).await;
    assert_eq!(pending.status(), 503);
    assert_eq!(
        pending.text().await.expect("body"),
        "1 migration(s) pending"
    );
    Migrator::up(&app.state.db, None).await.expect("redo");
    assert_eq!(get(format!("{base}/readyz"), None).await.status(), 200);
}

/// The metric lines (not comments) of a scrape.
fn samples(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect()
}

/// A supplier with a privacy contact only (an e-mail task) that holds the test subject.
async fn mailed_supplier(app: &TestApp) -> String {
    let org = fixtures::org(
        app,
        json!({ "name": "Mailed Ltd", "kind": "SUPPLIER", "country": "GB",
                "privacyContactEmail": "privacy@mailed.example.com" }),
    )
    .await;
    let activity = fixtures::activity(app, &org, &["contact.email"]).await;
    subject_in(app, &activity).await;
    org
}

async fn metrics_count_operations_by_name_and_outcome_and_show_the_queue(app: TestApp) {
    let base = app.serve().await;
    let token = app.token(Role::Auditor).await;
    let listed = post(
        &base,
        Some(&token),
        json!({ "query": "query MetricsList { organisations { totalCount } }",
                "operationName": "MetricsList" }),
    )
    .await;
    assert!(listed.get("errors").is_none(), "{listed:#}");
    post(
        &base,
        Some(&token),
        json!({ "query": "mutation MetricsRefused { offboardOrganisation(id: \"1\") { id } }",
                "operationName": "MetricsRefused" }),
    )
    .await;
    mailed_supplier(&app).await;
    file(&app, "ACCESS", None).await;

    let scrape = get(format!("{base}/metrics"), None).await;
    assert_eq!(scrape.status(), 200);
    assert!(
        scrape.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/plain")
    );
    let text = scrape.text().await.expect("body");
    let lines = samples(&text);
    for line in &lines {
        assert!(line.starts_with("transfer_register_"), "{line}");
    }
    for wanted in [
        r#"transfer_register_graphql_operations_total{operation="MetricsList",outcome="ok"}"#,
        r#"transfer_register_graphql_operations_total{operation="MetricsRefused",outcome="FORBIDDEN"}"#,
        r#"transfer_register_graphql_duration_seconds_bucket{operation="MetricsList",le="0.005"}"#,
        "transfer_register_dsr_tasks_pending 1",
        "transfer_register_dsr_tasks_failed 0",
        "transfer_register_dsr_requests_overdue 0",
        "transfer_register_db_pool_connections ",
        "transfer_register_db_pool_idle_connections ",
        "transfer_register_audit_unsealed_events ",
        "transfer_register_audit_seal_lag_seconds ",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(wanted)),
            "missing {wanted} in\n{text}"
        );
    }
}

async fn metrics_need_the_metrics_token_when_one_is_configured(app: TestApp) {
    let base = app
        .serve_with(|c| c.metrics_token = Some("scrape-0123456789".into()))
        .await;
    let api_token = app.token(Role::Admin).await;
    assert_eq!(get(format!("{base}/metrics"), None).await.status(), 401);
    assert_eq!(
        get(format!("{base}/metrics"), Some(&api_token))
            .await
            .status(),
        401,
        "an API token is not the metrics token"
    );
    let scrape = get(format!("{base}/metrics"), Some("scrape-0123456789")).await;
    assert_eq!(scrape.status(), 200);
    assert!(
        scrape
            .text()
            .await
            .expect("body")
            .contains("transfer_register_dsr_tasks_pending")
    );
}

async fn every_response_carries_a_request_id_and_echoes_the_callers(app: TestApp) {
    let base = app.serve().await;
    let first = get(format!("{base}/healthz"), None).await;
    let second = get(format!("{base}/healthz"), None).await;
    let id = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .expect("x-request-id")
    };
    assert_eq!(id(&first).len(), 36, "a UUID");
    assert_ne!(id(&first), id(&second));
    let given = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .header("x-request-id", "trace-from-the-proxy-42")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .expect("post");
    assert_eq!(id(&given), "trace-from-the-proxy-42");
    let overlong = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .header("x-request-id", "x".repeat(65))
        .send()
        .await
        .expect("get");
    assert_eq!(id(&overlong).len(), 36, "replaced by a fresh id");
}

const REGISTER_WITH_SECRET: &str = r#"mutation($input: RegisterOrganisationInput!) {
  registerOrganisation(input: $input) { id hasWebhookSecret webhookSecret } }"#;
const READ_SECRET: &str =
    r#"query($id: ID!) { organisation(id: $id) { hasWebhookSecret webhookSecret } }"#;

async fn an_organisation_registered_with_a_webhook_gets_its_secret_once_and_its_first_delivery_is_signed(
    app: TestApp,
) {
    let receiver = Receiver::start(Behaviour::Succeed).await;
    let registered = app
        .ok(
            REGISTER_WITH_SECRET,
            json!({ "input": { "name": "Hooked Ltd", "kind": "SUPPLIER", "country": "IE",
                "dpaSignedOn": "2024-01-01", "erasureWebhookUrl": receiver.url } }),
        )
        .await["registerOrganisation"]
        .clone();
    assert_eq!(registered["hasWebhookSecret"], json!(true));
    let secret = registered["webhookSecret"]
        .as_str()
        .expect("the secret, in this response")
        .to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let org = registered["id"].as_str().expect("id").to_string();
    let task = kept_and_signs_the_first_erasure(&app, &receiver, &org, &secret).await;
    assert_eq!(task["channel"], json!("WEBHOOK"));
    assert_eq!(task["attempts"], json!(1));

    let plain = app
        .ok(
            REGISTER_WITH_SECRET,
            json!({ "input": { "name": "Unhooked Ltd", "kind": "SUPPLIER", "country": "IE" } }),
        )
        .await;
    assert_eq!(
        plain["registerOrganisation"]["hasWebhookSecret"],
        json!(false)
    );
    assert_eq!(plain["registerOrganisation"]["webhookSecret"], Value::Null);
}

const IMPORT: &str = r#"mutation($content: String!, $dry: Boolean) {
  importRecords(kind: ORGANISATIONS, fileName: "suppliers.csv", content: $content, dryRun: $dry) {
    imported errors { line field } webhookSecrets { line organisationId name secret } } }"#;

/// An import gives each organisation it creates with a webhook URL its secret, shown once in the
/// import's report, so its first erasure request is signed; a dry run or a refused import issues
/// none (their organisations do not exist).
async fn an_organisation_imported_with_a_webhook_gets_its_secret_in_the_report_and_is_signed_for(
    app: TestApp,
) {
    let receiver = Receiver::start(Behaviour::Succeed).await;
    let csv = format!(
        "name,kind,country,dpa_signed_on,erasure_webhook_url\n\
         Plain Ltd,SUPPLIER,IE,2024-01-01,\n\
         Hooked Ltd,SUPPLIER,IE,2024-01-01,{}\n",
        receiver.url
    );
    let before = app.count("organisation").await;
    let dry = app.ok(IMPORT, json!({ "content": csv, "dry": true })).await;
    assert_eq!(dry["importRecords"]["imported"], json!(2), "{dry}");
    assert_eq!(dry["importRecords"]["webhookSecrets"], json!([]));
    let refused = app
        .ok(
            IMPORT,
            json!({ "content": format!("{csv}Bad Ltd,VENDOR,IE,,\n") }),
        )
        .await;
    assert_eq!(
        refused["importRecords"]["errors"][0]["field"],
        json!("kind")
    );
    assert_eq!(refused["importRecords"]["webhookSecrets"], json!([]));
    assert_eq!(
        app.count("organisation").await,
        before,
        "nothing imported yet"
    );

    let report = app.ok(IMPORT, json!({ "content": csv })).await["importRecords"].clone();
    assert_eq!(report["imported"], json!(2), "{report}");
    let issued = report["webhookSecrets"].as_array().expect("secrets");
    assert_eq!(
        issued.len(),
        1,
        "only the organisation with a webhook: {report}"
    );
    assert_eq!(issued[0]["line"], json!(3));
    assert_eq!(issued[0]["name"], json!("Hooked Ltd"));
    let secret = issued[0]["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let org = issued[0]["organisationId"]
        .as_str()
        .expect("id")
        .to_string();
    kept_and_signs_the_first_erasure(&app, &receiver, &org, &secret).await;
}

/// The secret is not readable again, and it signs the organisation's first erasure request:
/// the receiver, holding it, finds the signature valid. Returns the delivered task.
async fn kept_and_signs_the_first_erasure(
    app: &TestApp,
    receiver: &Receiver,
    org: &str,
    secret: &str,
) -> Value {
    let again = app.ok(READ_SECRET, json!({ "id": org })).await;
    assert_eq!(again["organisation"]["hasWebhookSecret"], json!(true));
    assert_eq!(again["organisation"]["webhookSecret"], Value::Null);
    receiver.set_secret(secret);
    let activity = fixtures::activity(app, org, &["contact.email"]).await;
    subject_in(app, &activity).await;
    let request = file(app, "ERASURE", None).await;
    let shown = deliver_all(app, &worker(app, |_| {}), &request).await;
    let task = task_of(&shown, org).clone();
    assert_eq!(task["status"], json!("SENT"), "{shown:#}");
    let received = receiver.received();
    assert_eq!(received.len(), 1);
    assert!(received[0].signature_valid, "signed with the issued secret");
    task
}

async fn an_organisation_given_its_first_webhook_gets_a_secret_and_a_move_gets_a_new_one(
    app: TestApp,
) {
    const UPDATE: &str = r#"mutation($input: UpdateOrganisationInput!) {
      updateOrganisation(input: $input) { hasWebhookSecret webhookSecret } }"#;
    let org = fixtures::org(
        &app,
        json!({ "name": "Later Ltd", "kind": "SUPPLIER", "country": "IE" }),
    )
    .await;
    let renamed = app
        .ok(
            UPDATE,
            json!({ "input": { "id": org, "name": "Later Ltd (renamed)" } }),
        )
        .await;
    assert_eq!(renamed["updateOrganisation"]["webhookSecret"], Value::Null);
    let hooked = app
        .ok(
            UPDATE,
            json!({ "input": { "id": org, "erasureWebhookUrl": "http://127.0.0.1:9/first" } }),
        )
        .await;
    assert!(
        hooked["updateOrganisation"]["webhookSecret"]
            .as_str()
            .is_some_and(|s| s.starts_with("whsec_")),
        "{hooked:#}"
    );
    let moved = app
        .ok(
            UPDATE,
            json!({ "input": { "id": org, "erasureWebhookUrl": "http://127.0.0.1:9/second" } }),
        )
        .await;
    // The old secret does not follow the requests to a new address: the ADMIN moving it is
    // given a new one.
    let second = moved["updateOrganisation"]["webhookSecret"]
        .as_str()
        .expect("a new secret");
    assert!(second.starts_with("whsec_"), "{moved:#}");
    assert_ne!(
        Some(second),
        hooked["updateOrganisation"]["webhookSecret"].as_str()
    );
    let unchanged = app
        .ok(
            UPDATE,
            json!({ "input": { "id": org, "erasureWebhookUrl": "http://127.0.0.1:9/second" } }),
        )
        .await;
    assert_eq!(
        unchanged["updateOrganisation"],
        json!({ "hasWebhookSecret": true, "webhookSecret": null }),
        "the same URL again is no move"
    );
}

async fn an_email_task_without_smtp_goes_to_the_outbox_saying_to_send_it_by_hand(app: TestApp) {
    let org = mailed_supplier(&app).await;
    let request = file(&app, "ACCESS", None).await;
    let no_smtp = worker(&app, |c| {
        c.smtp_url = None;
        c.delivery_max_attempts = 8;
    });
    no_smtp.tick().await.expect("tick");
    let shown = show(&app, &request).await;
    let task = task_of(&shown, &org);
    assert_eq!(task["channel"], json!("EMAIL"), "the contract's channel");
    assert_eq!(
        task["status"],
        json!("SENT"),
        "in the outbox, not failed: {shown:#}"
    );
    assert_eq!(task["attempts"], json!(1), "no retries");
    assert_eq!(task["lastError"], json!(null));
    let history = task["history"].as_array().expect("history");
    let detail = history
        .last()
        .and_then(|e| e["detail"].as_str())
        .expect("the attempt's line");
    assert!(detail.contains("no SMTP server is configured"), "{detail}");
    assert!(detail.contains("REGISTER_SMTP_URL"), "{detail}");
    assert!(detail.contains("privacy@mailed.example.com"), "{detail}");
    assert!(detail.contains("/exports/outbox/"), "{detail}");
    // The person who sent it by hand closes the loop.
    let dpo = as_role(&app, Role::Dpo, None).await;
    let confirmed = confirm(
        &app,
        dpo,
        task,
        "COMPLETED",
        Some("sent by hand to privacy@mailed.example.com; answered on the same day"),
    )
    .await;
    assert_eq!(
        confirmed["data"]["confirmTask"]["status"],
        json!("COMPLETED"),
        "{confirmed:#}"
    );
}

async fn a_too_complex_query_is_told_the_limit_and_how_to_ask_for_less(app: TestApp) {
    let base = app.serve_with(|c| c.max_complexity = 50).await;
    let token = app.token(Role::Auditor).await;
    let refused = post(
        &base,
        Some(&token),
        json!({ "query": "{ organisations(first: 100) { edges { node { id name } } } }" }),
    )
    .await;
    let message = refused["errors"][0]["message"].as_str().expect("message");
    assert!(message.starts_with("Query is too complex"), "{message}");
    assert!(message.contains("at most 50"), "{message}");
    assert!(message.contains("REGISTER_MAX_COMPLEXITY"), "{message}");
    assert!(message.contains("`first`"), "{message}");
    assert!(message.contains("fewer fields"), "{message}");
    let smaller = post(
        &base,
        Some(&token),
        json!({ "query": "{ organisations(first: 5) { edges { node { id name } } } }" }),
    )
    .await;
    assert!(smaller.get("errors").is_none(), "{smaller:#}");
}

async fn a_national_phone_number_error_names_the_assumed_country_and_the_setting(app: TestApp) {
    let response = app
        .gql(
            r#"query { whoHolds(subject: { phone: "020 7946" }) { holdings { role } } }"#,
            json!({}),
        )
        .await;
    let error = &response["errors"][0];
    assert_eq!(error["extensions"]["code"], json!("BAD_USER_INPUT"));
    assert_eq!(error["extensions"]["field"], json!("phone"));
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("default country, GB"), "{message}");
    assert!(
        message.contains("REGISTER_PHONE_DEFAULT_COUNTRY"),
        "{message}"
    );
    assert!(message.contains("with + and its country code"), "{message}");
}

async fn a_missing_token_error_says_how_to_get_one(app: TestApp) {
    let base = app.serve().await;
    let anonymous = post(
        &base,
        None,
        json!({ "query": "{ organisations { totalCount } }" }),
    )
    .await;
    let error = &anonymous["errors"][0];
    assert_eq!(error["extensions"]["code"], json!("UNAUTHENTICATED"));
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("Authorization: Bearer"), "{message}");
    assert!(message.contains("transfer-register init"), "{message}");
    assert!(
        message.contains("transfer-register token create"),
        "{message}"
    );
}
