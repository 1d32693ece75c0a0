//! The console's HTTP surface (its pages and assets, their security headers and caching), and
//! the `viewer` and `areaCountries` queries it relies on.

use crate::{db_tests, fixtures, support::TestApp};
use serde_json::json;
use transfer_register::{domain::vocab::Role, graphql::context::Auth};

db_tests!(
    the_console_and_graphiql_are_served_from_embedded_assets_under_a_strict_policy,
    the_viewer_names_the_callers_role_token_and_organisation,
    area_countries_are_the_eea_and_the_uk_as_the_reference_data_lists_them,
    every_console_document_fits_the_schema,
);

/// What async-graphql's validation says of a document that does not fit the schema (a field,
/// argument, type or fragment it does not know, a variable of the wrong type, a selection on a
/// leaf or none on an object). A missing variable value ("Variable x is not defined") is not
/// among them: the documents run here without their variables.
const MISFITS: [&str; 7] = [
    "Unknown",
    "Cannot query",
    "used in position expecting",
    "must have a selection",
    "must not have a selection",
    "Expected type",
    "Invalid value",
];

/// The schema's validation messages of `document`'s operation `name` that say it does not fit.
async fn misfits(app: &TestApp, auth: &Auth, document: &str, name: Option<&str>) -> Vec<String> {
    let mut request = async_graphql::Request::new(document);
    if let Some(name) = name {
        request = request.operation_name(name);
    }
    let response = transfer_register::http::execute(&app.state, auth.clone(), request).await;
    response
        .errors
        .iter()
        .filter(|e| e.path.is_empty())
        .map(|e| e.message.clone())
        .filter(|m| MISFITS.iter().any(|p| m.contains(p)))
        .collect()
}

/// Every query and mutation the console sends, as its `.graphql` files hold them, is valid
/// against the served schema: a renamed field breaks this test, not a page in the browser.
async fn every_console_document_fits_the_schema(app: TestApp) {
    let auth = Auth::Token(app.principal(Role::Admin, None).await);
    // The check can fail: a field the schema does not have is caught.
    assert!(
        !misfits(&app, &auth, "query Q { organisations { nope } }", Some("Q"))
            .await
            .is_empty()
    );
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("console/views");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("console/views") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("graphql") {
            continue;
        }
        let document = std::fs::read_to_string(&path).expect("document");
        let parsed = async_graphql::parser::parse_query(&document)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let names: Vec<Option<String>> = match &parsed.operations {
            async_graphql::parser::types::DocumentOperations::Single(_) => vec![None],
            async_graphql::parser::types::DocumentOperations::Multiple(operations) => {
                operations.keys().map(|n| Some(n.to_string())).collect()
            }
        };
        for name in names {
            let found = misfits(&app, &auth, &document, name.as_deref()).await;
            assert!(found.is_empty(), "{} {name:?}: {found:?}", path.display());
            checked += 1;
        }
    }
    assert!(checked >= 20, "every view's operations: {checked}");
}

async fn the_console_and_graphiql_are_served_from_embedded_assets_under_a_strict_policy(
    app: TestApp,
) {
    let base = app.serve().await;
    let client = reqwest::Client::new();
    for path in [
        "/",
        "/console/app.js",
        "/console/views/register.graphql",
        "/graphql",
    ] {
        let response = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{path}");
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("csp");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "connect-src 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-eval"), "{path}: {csp}");
        assert!(
            !csp.split(';')
                .any(|d| d.trim().starts_with("script-src") && d.contains("unsafe-inline")),
            "{path}: no inline script: {csp}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        assert!(headers.contains_key("etag"), "{path}");
    }

    let page = client.get(format!("{base}/")).send().await.expect("get");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html")
    );
    let html = page.text().await.expect("body");
    assert!(html.contains(r#"<script type="module" src="/console/app.js">"#));

    let module = client
        .get(format!("{base}/console/app.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(
        module.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert_eq!(module.headers()["cache-control"], "no-cache");
    let etag = module.headers()["etag"].clone();
    let again = client
        .get(format!("{base}/console/app.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), 304, "an unchanged file is not sent again");

    let vendored = client
        .get(format!(
            "{base}/console/vendor/graphiql-3.9.0/graphiql.min.js"
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(vendored.status(), 200);
    assert!(
        vendored.headers()["cache-control"]
            .to_str()
            .expect("cache")
            .contains("immutable")
    );

    let graphiql = client
        .get(format!("{base}/graphql"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(graphiql.contains("/console/vendor/graphiql-3.9.0/graphiql.min.js"));
    assert!(
        !graphiql.contains("unpkg") && !graphiql.contains("cdn"),
        "nothing from a CDN"
    );

    let missing = client
        .get(format!("{base}/console/nothing-here.js"))
        .send()
        .await
        .expect("get");
    assert_eq!(missing.status(), 404);
    let escape = client
        .get(format!("{base}/console/../Cargo.toml"))
        .send()
        .await
        .expect("get");
    assert_ne!(escape.status(), 200, "nothing outside console/ is served");
}

async fn the_viewer_names_the_callers_role_token_and_organisation(app: TestApp) {
    let org = fixtures::org(
        &app,
        json!({ "name": "Cumulus Cloud Inc", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let query = "{ viewer { role tokenName organisation { id name } } }";
    let processor = app
        .principal(Role::Processor, Some(org.parse().expect("id")))
        .await;
    let name = processor.name.clone();
    let answer = app.exec(Auth::Token(processor), query, json!({})).await;
    assert_eq!(
        answer["data"]["viewer"],
        json!({ "role": "PROCESSOR", "tokenName": name,
                "organisation": { "id": org, "name": "Cumulus Cloud Inc" } }),
        "{answer}"
    );
    let auditor = app.principal(Role::Auditor, None).await;
    let answer = app.exec(Auth::Token(auditor), query, json!({})).await;
    assert_eq!(answer["data"]["viewer"]["role"], "AUDITOR", "{answer}");
    assert_eq!(answer["data"]["viewer"]["organisation"], json!(null));
    let anonymous = app.exec(Auth::Anonymous, query, json!({})).await;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
}

async fn area_countries_are_the_eea_and_the_uk_as_the_reference_data_lists_them(app: TestApp) {
    let data = app
        .ok(
            "{ eea: areaCountries(regime: EU_GDPR) uk: areaCountries(regime: UK_GDPR)
               before: areaCountries(regime: EU_GDPR, on: \"2019-06-01\") }",
            json!({}),
        )
        .await;
    let eea: Vec<String> = serde_json::from_value(data["eea"].clone()).expect("codes");
    for member in ["DE", "FR", "IE", "NO", "IS", "LI"] {
        assert!(eea.contains(&member.to_string()), "{member} in {eea:?}");
    }
    assert!(!eea.contains(&"GB".to_string()), "the UK left the EEA");
    assert!(!eea.contains(&"US".to_string()));
    assert_eq!(data["uk"], json!(["GB"]));
    let before: Vec<String> = serde_json::from_value(data["before"].clone()).expect("codes");
    assert!(
        before.contains(&"GB".to_string()),
        "the UK was in the EEA in 2019"
    );
}
