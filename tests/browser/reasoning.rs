//! A verdict as reasoning in the console: a failed step links to the field that fixes it, and
//! the flow form says what a choice needs before it is saved (a UK exporter on the 2021 SCCs
//! needs the UK Addendum).

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::json;
use transfer_register::domain::vocab::Role;

const CLICKMETRIC: &str = "Clickmetric Analytics Inc";

/// The demonstration flow to the analytics supplier on the Privacy Shield: (flow id, exporter id).
async fn clickmetric_flow(app: &TestApp) -> (String, String) {
    let data = app
        .ok(
            "{ transferRegister { flow { id from { id } to { name } } } }",
            json!({}),
        )
        .await;
    let row = data["transferRegister"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["flow"]["to"]["name"] == CLICKMETRIC)
        .expect("the Clickmetric transfer")
        .clone();
    let id = |v: &serde_json::Value| v.as_str().expect("id").to_owned();
    (id(&row["flow"]["id"]), id(&row["flow"]["from"]["id"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_failed_step_links_to_its_field_and_the_form_tells_a_uk_exporter_it_needs_the_addendum() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let supplier = fixtures::organisation_named(&app, CLICKMETRIC).await;
        let (flow, exporter) = clickmetric_flow(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit(&format!("/#/organisations/{supplier}")).await;
        browser.sees("Flows in (1)").await;
        browser.click_text("main button", "Correct").await;
        browser
            .until(
                "the reasoning in the correction form",
                "document.querySelector('dialog[open]')?.innerText.includes('Why the verdict is what it is')",
            )
            .await;
        let failed = browser
            .js(
                "return [...document.querySelectorAll('dialog[open] ol.reasoning li[data-outcome=NOT_MET]')].map(l => l.innerText)",
                vec![],
            )
            .await;
        let failed: Vec<String> = serde_json::from_value(failed).expect("steps");
        assert!(
            failed.iter().any(|s| s.contains("Not met") && s.contains("Fix: Mechanism")),
            "{failed:?}"
        );
        browser.click("dialog[open] ol.reasoning li[data-outcome=NOT_MET] .fix[data-field=mechanism]").await;
        let focused = browser.js("return document.activeElement && document.activeElement.name", vec![]).await;
        assert_eq!(focused, json!("mechanism"), "the fix link moves to the mechanism");
        browser.screenshot("reasoning-fix").await;

        // The exporter is in the UK: choosing the 2021 SCCs alone is answered before saving.
        browser
            .js(
                "const s = document.querySelector('dialog[open] select[name=mechanism]'); s.value = 'SCC_2021'; \
                 s.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![],
            )
            .await;
        browser
            .until(
                "the hint about the UK Addendum",
                "(() => { const h = document.querySelector('dialog[open] .what-if-hint'); return h && h.innerText.includes('UK Addendum'); })()",
            )
            .await;
        let hint = browser
            .js("return document.querySelector('dialog[open] .what-if-hint').innerText", vec![])
            .await;
        assert!(hint.as_str().unwrap_or_default().contains("Before saving"), "{hint}");
        browser.screenshot("uk-addendum-hint").await;
        let unchanged = app
            .ok("query($id: ID!) { dataFlow(id: $id) { mechanism } }", json!({ "id": flow }))
            .await;
        assert_eq!(unchanged["dataFlow"]["mechanism"], json!("PRIVACY_SHIELD"), "a hint saves nothing");

        // The register's explanation links a failed step to the same form, on its field.
        browser.visit(&format!("/#/organisations/{exporter}?correct={flow}&field=mechanism")).await;
        browser
            .until(
                "the correction form on its field",
                "(() => { const a = document.activeElement; return !!document.querySelector('dialog[open]') && a && a.name === 'mechanism'; })()",
            )
            .await;
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn special_category_data_are_named_and_marked_with_the_code_on_hover() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let clinic = app
            .ok(
                "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }",
                json!({ "input": { "name": "Clinic Services Pvt", "kind": "SUPPLIER", "country": "IN", "dpaSignedOn": "2024-01-01" } }),
            )
            .await["registerOrganisation"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let activity = app
            .ok(
                "query($id: ID!) { processingActivity(id: $id) { controller { id } } }",
                json!({ "id": register.activity }),
            )
            .await;
        let parent = activity["processingActivity"]["controller"]["id"].as_str().expect("id").to_owned();
        app.ok(
            "mutation($input: UpdateProcessingActivityInput!) { updateProcessingActivity(input: $input) { id } }",
            json!({ "input": { "id": register.activity,
                               "dataCategories": ["contact.email", "identity.name", "online.clickstream", "special.health"] } }),
        )
        .await;
        app.ok(
            "mutation($input: RecordDataFlowInput!) { recordDataFlow(input: $input) { id } }",
            json!({ "input": { "activityId": register.activity, "fromId": parent, "toId": clinic, "recipientRole": "PROCESSOR",
                               "dataCategories": ["special.health"], "mechanism": "NONE" } }),
        )
        .await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit(&format!("/#/organisations/{clinic}")).await;
        browser.sees("Flows in (1)").await;
        let row = browser.js("return document.querySelector('main table.data tbody tr').innerText", vec![]).await;
        let row = row.as_str().unwrap_or_default();
        assert!(row.contains("Health data") && row.contains("Art 9"), "{row}");
        assert!(row.contains("special categories (Art 9)"), "the flow is marked: {row}");
        assert!(!row.contains("special.health"), "the name, not the code: {row}");
        let hover = browser
            .js("return document.querySelector('main table.data tbody tr .category').getAttribute('title')", vec![])
            .await;
        assert_eq!(hover, json!("special.health"), "the code on hover");
        browser.screenshot("special-category-flow").await;
        browser.close().await;
    })
    .await;
}
