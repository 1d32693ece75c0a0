//! What is due, and transfer impact assessments, in the console (issue 28); the data map's
//! pickers, the categories page, and printing the record of processing and a transfer's
//! reasoning (issue 25).

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

/// Today's register through the API: `(flow id, recipient, problem codes)` per transfer.
async fn transfers(app: &TestApp) -> Vec<(String, String, Vec<String>)> {
    let data = app
        .ok(
            "{ transferRegister { flow { id to { name } } problems { code } } }",
            json!({}),
        )
        .await;
    data["transferRegister"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["flow"]["id"].as_str().expect("id").to_owned(),
                r["flow"]["to"]["name"].as_str().expect("name").to_owned(),
                r["problems"]
                    .as_array()
                    .expect("problems")
                    .iter()
                    .map(|p| p["code"].as_str().expect("code").to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// The flow to the recipient named `name`.
async fn flow_to(app: &TestApp, name: &str) -> String {
    transfers(app)
        .await
        .into_iter()
        .find(|(_, to, _)| to == name)
        .unwrap_or_else(|| panic!("no transfer to {name}"))
        .0
}

/// Whether the page is drawn for print: `matchMedia('print')`, and the computed `display` of `css`.
async fn printed(browser: &Browser, css: &str) -> (Value, Value) {
    let quoted = serde_json::to_string(css).expect("quote");
    let found = browser
        .js(
            &format!("const e = document.querySelector({quoted}); return [matchMedia('print').matches, e ? getComputedStyle(e).display : null];"),
            vec![],
        )
        .await;
    (found[0].clone(), found[1].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn the_due_panel_lists_an_overdue_review_and_its_link_opens_the_flows_assessment() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::register(&app).await;
        let flow = flow_to(&app, "Cumulus Cloud Inc").await;
        // Assessed in 2023, to be reviewed in January 2024: overdue.
        app.ok(
            "mutation($input: RecordTiaInput!) { recordTransferImpactAssessment(input: $input) { id } }",
            json!({ "input": { "flowId": flow, "completedOn": "2023-01-10", "reviewOn": "2024-01-10",
                               "outcome": "PROCEED", "assessor": "A. Counsel" } }),
        )
        .await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.sees("Compliance gaps today").await;
        browser.until("the due panel's assessment review", "document.querySelector('.due-panel tr[data-kind=TIA_REVIEW]')").await;
        let row = browser
            .js("return document.querySelector('.due-panel tr[data-kind=TIA_REVIEW]').innerText", vec![])
            .await;
        let row = row.as_str().unwrap_or_default().to_owned();
        assert!(row.contains("2024-01-10") && row.contains("Overdue by") && row.contains("Assessment review"), "{row}");
        let marked = browser
            .js("return !!document.querySelector('.due-panel tr[data-kind=TIA_REVIEW] [data-overdue=true]')", vec![])
            .await;
        assert_eq!(marked, json!(true), "the overdue item is marked");
        browser.js("document.querySelector('.due-panel').scrollIntoView()", vec![]).await;
        browser.screenshot("due-panel").await;

        browser.click(".due-panel tr[data-kind=TIA_REVIEW] a.fix").await;
        browser.until("the flow's assessment page", &format!("location.hash === '#/assessment/{flow}'")).await;
        browser.sees("Record an assessment").await;
        browser.sees("Cumulus Cloud Inc").await;
        // Past its review date the reasoning warns (the verdict stands) and leads to the form.
        browser.until("the warning step", "document.querySelector('ol.reasoning li[data-outcome=WARNING] .fix[data-field=tiaCompletedOn]')").await;
        browser.click("ol.reasoning li[data-outcome=WARNING] .fix[data-field=tiaCompletedOn]").await;
        let focused = browser.js("return document.activeElement && document.activeElement.name", vec![]).await;
        assert_eq!(focused, json!("completedOn"));

        // The page of its own, with a longer horizon, lists it too.
        browser.visit("/#/due?within=365").await;
        browser.sees("What is due").await;
        browser.until("the item on the due page", "document.querySelector('table.due tr[data-kind=TIA_REVIEW] a.fix')").await;
        let href = browser
            .js("return document.querySelector('table.due tr[data-kind=TIA_REVIEW] a.fix').getAttribute('href')", vec![])
            .await;
        assert_eq!(href, json!(format!("#/assessment/{flow}")));
        browser.screenshot("due-page").await;
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn recording_an_assessment_from_the_console_turns_a_missing_assessment_step_to_met() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let (flow, to, _) = transfers(&app)
            .await
            .into_iter()
            .find(|(_, _, codes)| codes.iter().any(|c| c == "TIA_MISSING"))
            .expect("a transfer without an assessment");
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit(&format!("/#/transfer/{flow}")).await;
        browser.sees(&to).await;
        let fix = "ol.reasoning li[data-outcome=NOT_MET] .fix[data-field=tiaCompletedOn]";
        browser.until("the failed assessment step", &format!("document.querySelector('{fix}')")).await;
        let href = browser.js(&format!("return document.querySelector('{fix}').getAttribute('href')"), vec![]).await;
        assert_eq!(href, json!(format!("#/assessment/{flow}")), "the step leads to the flow's assessment");
        browser.screenshot("transfer-reasoning-page").await;
        browser.click(fix).await;
        browser.until("the assessment form", "document.querySelector('form.tia-form')").await;

        let yesterday = (Utc::now().date_naive() - Duration::days(1)).to_string();
        browser
            .js(
                "const f = document.querySelector('form.tia-form'); f.elements.completedOn.value = arguments[0]; \
                 f.elements.outcome.value = 'PROCEED_WITH_MEASURES';",
                vec![json!(yesterday)],
            )
            .await;
        browser.click("form.tia-form input[value=ENCRYPTION_AT_REST_KEYS_IN_EEA]").await;
        browser.click("form.tia-form input[value=CONTRACTUAL_CHALLENGE]").await;
        browser.fill("form.tia-form textarea[name=lawsAssessed]", "IT Act 2000 s 69; no redress for EU persons").await;
        browser.fill("form.tia-form input[name=assessor]", "A. Counsel").await;
        browser.screenshot("tia-form").await;
        browser.click("form.tia-form button[type=submit]").await;
        browser.until("the saved assessment", "document.querySelector('.saved-assessment')").await;
        browser.sees("Assessment recorded").await;
        browser.sees("Encryption at rest, the keys held only in the EEA or the UK").await;
        browser
            .until(
                "the assessment step met",
                "[...document.querySelectorAll('ol.reasoning li.step')].some(l => l.innerText.includes('Is the transfer impact assessment done?') && l.dataset.outcome === 'MET')",
            )
            .await;
        let still = browser.js(&format!("return document.querySelectorAll('{fix}').length"), vec![]).await;
        assert_eq!(still, json!(0), "no step asks for an assessment any more");
        browser.screenshot("tia-recorded").await;

        let stored = app
            .ok(
                "query($id: ID!) { dataFlow(id: $id) { tiaCompletedOn transfers { problems { code } } } }",
                json!({ "id": flow }),
            )
            .await;
        assert_eq!(stored["dataFlow"]["tiaCompletedOn"], json!(yesterday));
        let codes = stored["dataFlow"]["transfers"].to_string();
        assert!(!codes.contains("TIA_MISSING"), "{codes}");
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn the_record_of_processing_and_a_transfers_reasoning_print_without_the_navigation() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::register(&app).await;
        let flow = flow_to(&app, "Old Analytics LLC").await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/record").await;
        browser.sees("Record of processing activities").await;
        browser.sees("Customer accounts and billing").await;
        browser.sees("Contoso Group plc").await;
        browser.find("main button.print").await;
        assert_eq!(
            printed(&browser, "#nav").await,
            (json!(false), json!("block")),
            "on screen the navigation shows"
        );
        browser.screenshot("record-of-processing").await;

        browser.emulate_media("print").await;
        assert_eq!(
            printed(&browser, "#nav").await,
            (json!(true), json!("none")),
            "printed without the navigation"
        );
        assert_eq!(printed(&browser, "header.top").await.1, json!("none"));
        assert_eq!(
            printed(&browser, "main button.print").await.1,
            json!("none"),
            "nor the buttons"
        );
        assert_eq!(
            printed(&browser, "main form.filters").await.1,
            json!("none")
        );
        let width = browser
            .js(
                "return getComputedStyle(document.querySelector('main')).maxWidth",
                vec![],
            )
            .await;
        assert_eq!(width, json!("none"), "full width");
        assert_eq!(
            printed(&browser, "table.record").await.1,
            json!("table"),
            "the record itself prints"
        );
        browser.screenshot("record-of-processing-print").await;
        browser.emulate_media("").await;

        browser.visit(&format!("/#/transfer/{flow}")).await;
        browser.sees("Old Analytics LLC").await;
        browser.find("main button.print").await;
        browser
            .until(
                "the reasoning",
                "document.querySelector('section.transfer-reasoning ol.reasoning')",
            )
            .await;
        browser.emulate_media("print").await;
        assert_eq!(
            printed(&browser, "#nav").await,
            (json!(true), json!("none"))
        );
        assert_eq!(
            printed(&browser, "main button.print").await.1,
            json!("none")
        );
        assert_eq!(
            printed(&browser, "section.transfer-reasoning").await.1,
            json!("block")
        );
        browser.screenshot("transfer-reasoning-print").await;
        browser.emulate_media("").await;
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn the_data_map_is_chosen_by_name_and_categories_are_defined_in_the_console() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/datamap").await;
        browser.sees("Choose what to draw").await;
        let labels = browser.js("return document.querySelector('main form').innerText", vec![]).await;
        assert!(!labels.as_str().unwrap_or_default().contains(" id"), "no id asked for: {labels}");
        // The activity picker asks the service as one types (no first-200 list).
        browser.fill("input[data-picker=activity]", "billing").await;
        browser.click_text("[data-field=activity] .picker-options button", "Customer accounts and billing").await;
        browser.click("main form button[type=submit]").await;
        browser.until("the diagram", "document.querySelectorAll('svg.flows rect.node').length === 6").await;
        let hash = browser.js("return location.hash", vec![]).await;
        assert_eq!(hash, json!(format!("#/datamap?activity={}", register.activity)));
        let shown = browser.js("return document.querySelector('input[data-picker=activity]').value", vec![]).await;
        assert!(shown.as_str().unwrap_or_default().starts_with("Customer accounts and billing"), "{shown}");

        browser.fill("input[data-picker=supplier]", "Cumulus").await;
        browser.click_text("[data-field=supplier] .picker-options button", "Cumulus Cloud Inc").await;
        browser.click("main form button[type=submit]").await;
        browser.sees("Organisation: Cumulus Cloud Inc").await;
        let hash = browser.js("return location.hash", vec![]).await;
        assert_eq!(hash, json!(format!("#/datamap?supplier={}", register.cloud)));

        // Categories are defined in the console; a refusal shows beside its field.
        browser.visit("/#/categories").await;
        browser.sees("Data categories").await;
        browser.click("details:has(form[data-kind=data]) summary").await;
        browser.fill("form[data-kind=data] input[name=code]", "nowhere.messenger").await;
        browser.fill("form[data-kind=data] input[name=name]", "Messenger handle").await;
        browser.click("form[data-kind=data] button[type=submit]").await;
        browser
            .until("the refusal beside the code", "document.querySelector('form[data-kind=data] [data-field=code] .field-error')?.innerText.length > 0")
            .await;
        browser.fill("form[data-kind=data] input[name=code]", "contact.messenger").await;
        browser.click("form[data-kind=data] button[type=submit]").await;
        browser.until("the new category", "document.querySelector('table.taxonomy tr[data-code=\"contact.messenger\"]')").await;
        browser.sees("Messenger handle").await;
        browser.screenshot("categories").await;
        let stored = app.ok("{ dataCategories { code name } }", json!({})).await;
        assert!(stored.to_string().contains("Messenger handle"), "{stored}");
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn procurement_records_a_contract_from_a_transfers_page_and_sees_it_listed() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let (flow, to, _) = transfers(&app).await.into_iter().next().expect("a transfer");
        let token = fixtures::token(&app, Role::Procurement, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit(&format!("/#/transfer/{flow}")).await;
        browser.sees(&to).await;
        browser.sees("Record a contract").await;
        let rows = "document.querySelectorAll('table.contracts tbody tr').length";
        let before = browser.js(&format!("return {rows}"), vec![]).await;
        let before = before.as_u64().expect("a count");

        // The 2021 SCCs without their module: refused beside the module's field.
        browser
            .js(
                "const f = document.querySelector('form.contract-form'); f.elements.kind.value = 'SCC_2021'; \
                 f.elements.inForceFrom.value = '2026-01-01'; f.elements.expiresOn.value = '2028-12-31';",
                vec![],
            )
            .await;
        browser.fill("form.contract-form input[name=reference]", "SCC-2026-7").await;
        browser.click("form.contract-form button[type=submit]").await;
        browser
            .until(
                "the refusal beside the module",
                "!document.querySelector('form.contract-form [data-field=sccModule] .field-error').hidden",
            )
            .await;
        browser
            .js("document.querySelector('form.contract-form').elements.sccModule.value = 'C2P';", vec![])
            .await;
        browser.click("form.contract-form button[type=submit]").await;
        browser
            .until(
                "the contract listed",
                "[...document.querySelectorAll('table.contracts td')].some(td => td.textContent === 'SCC-2026-7')",
            )
            .await;
        let after = browser.js(&format!("return {rows}"), vec![]).await;
        assert_eq!(after.as_u64(), Some(before + 1));
        browser.sees("2026-01-01 to 2028-12-31").await;
        browser
            .js("document.querySelector('section.contracts-of-flow').scrollIntoView();", vec![])
            .await;
        browser.screenshot("transfer-contracts").await;
        browser.close().await;

        let data = app
            .ok(
                "query($id: ID!) { dataFlow(id: $id) { contracts { reference kind sccModule } } }",
                json!({ "id": flow }),
            )
            .await;
        let recorded = data["dataFlow"]["contracts"]
            .as_array()
            .expect("contracts")
            .iter()
            .find(|c| c["reference"] == "SCC-2026-7")
            .cloned()
            .expect("recorded");
        assert_eq!(recorded["kind"], "SCC_2021");
        assert_eq!(recorded["sccModule"], "C2P");
    })
    .await;
}
