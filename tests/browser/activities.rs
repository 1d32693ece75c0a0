//! The whole register from the console: a processing activity registered with its categories
//! picked by name, and a flow to a sub-processor recorded with pickers (the activity, the
//! exporter and the flow it continues chosen by name), without typing an id.

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::json;
use transfer_register::domain::vocab::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_registers_an_activity_and_a_sub_processor_flow_without_typing_an_id() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::register(&app).await;
        let parent = fixtures::organisation_named(&app, "Contoso Group plc").await;
        let cloud = fixtures::organisation_named(&app, "Cumulus Cloud Inc").await;
        let tier_two = app
            .ok(
                "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }",
                json!({ "input": { "name": "Tier Two Support Ltd", "kind": "SUBCONTRACTOR", "country": "GB", "dpaSignedOn": "2024-01-01" } }),
            )
            .await["registerOrganisation"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;

        // A new activity of the parent, its categories ticked by name.
        browser.visit(&format!("/#/organisations/{parent}")).await;
        browser.sees("Processing activities (1)").await;
        browser.click_text("main button", "Register an activity").await;
        browser.fill("dialog[open] input[name=name]", "Payroll").await;
        browser.fill("dialog[open] textarea[name=purpose]", "Running our customers' payroll").await;
        browser.find("dialog[open] select[name=lawfulBasis]").await.select_by_value("LEGAL_OBLIGATION").await.expect("basis");
        browser.find("dialog[open] select[name=actingAs]").await.select_by_value("PROCESSOR").await.expect("acting as");
        browser.click("dialog[open] [data-list=dataCategories] input[value='identity.name']").await;
        browser.click("dialog[open] [data-list=dataCategories] input[value='special.health']").await;
        browser.click("dialog[open] [data-list=subjectCategories] input[value='customer']").await;
        browser.fill("dialog[open] input[name=retention]", "6 years after employment ends").await;
        browser.screenshot("activity-form").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.until("the dialog closed", "!document.querySelector('dialog[open]')").await;
        browser.sees("Processing activities (2)").await;
        browser.sees("Health data").await;
        browser.sees("for customers, as their processor").await;
        let activities = app
            .ok(
                "query($id: ID!) { processingActivities(controllerId: $id) { edges { node { name lawfulBasis actingAs dataCategories subjectCategories specialCategories } } } }",
                json!({ "id": parent }),
            )
            .await;
        let payroll = activities["processingActivities"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"].clone())
            .find(|a| a["name"] == "Payroll")
            .unwrap_or_else(|| panic!("{activities:#}"));
        assert_eq!(
            payroll,
            json!({ "name": "Payroll", "lawfulBasis": "LEGAL_OBLIGATION", "actingAs": "PROCESSOR", "dataCategories": ["identity.name", "special.health"],
                    "subjectCategories": ["customer"], "specialCategories": true })
        );

        // An onward flow to a sub-processor: the cloud passes the billing data on.
        browser.visit(&format!("/#/organisations/{tier_two}")).await;
        browser.sees("Flows in (0)").await;
        browser.click_text("main button", "Record a flow to it").await;
        browser.pick("activityId", "billing", "Customer accounts and billing").await;
        browser.pick("fromId", "Cumulus", "Cumulus Cloud Inc").await;
        browser
            .until(
                "the cloud's incoming flows offered",
                "[...document.querySelectorAll('dialog[open] select[name=continuesFlowId] option')].some(o => o.innerText.includes('Contoso Group plc → Cumulus Cloud Inc'))",
            )
            .await;
        browser
            .js(
                "const s = document.querySelector('dialog[open] select[name=continuesFlowId]'); \
                 s.value = [...s.options].find(o => o.innerText.includes('Contoso Group plc → Cumulus Cloud Inc')).value;",
                vec![],
            )
            .await;
        browser.find("dialog[open] select[name=recipientRole]").await.select_by_value("SUB_PROCESSOR").await.expect("role");
        browser.fill("dialog[open] input[name=dataCategories]", "contact.email").await;
        browser.screenshot("sub-processor-flow-form").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.until("the dialog closed", "!document.querySelector('dialog[open]')").await;
        browser.sees("Flows in (1)").await;
        let flows = app
            .ok(
                "query($id: ID!) { dataFlows(toId: $id) { edges { node { from { id } recipientRole continues { from { id } to { id } } } } } }",
                json!({ "id": tier_two }),
            )
            .await;
        assert_eq!(
            flows["dataFlows"]["edges"][0]["node"],
            json!({ "from": { "id": cloud }, "recipientRole": "SUB_PROCESSOR",
                    "continues": { "from": { "id": parent }, "to": { "id": cloud } } }),
            "{flows:#}"
        );
        browser.close().await;
    })
    .await;
}
