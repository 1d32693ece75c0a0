//! What a role may not do is not offered: a PROCESSOR sees only its own tasks, an AUDITOR no
//! edit buttons.

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
async fn a_processor_sees_nothing_but_its_own_tasks() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let processor = fixtures::token(&app, Role::Processor, Some(&register.cloud)).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&processor).await;
        browser.sees("My tasks").await;
        assert_eq!(browser.menu().await, ["My tasks", "Announce a change", "GraphiQL"]);
        let who = browser.js("return document.querySelector('#who').innerText", vec![]).await;
        assert!(who.as_str().unwrap_or_default().contains("Cumulus Cloud Inc"), "{who}");
        let rows = browser.js("return document.querySelectorAll('table.tasks tbody tr').length", vec![]).await;
        assert_eq!(rows, json!(1), "only its own task of the six");
        // Words, not codes: the task names its categories (the PROCESSOR may not read the
        // taxonomy), the code on hover.
        browser.sees("E-mail address, Name").await;
        let hover = browser
            .js("return [...document.querySelectorAll('table.tasks .category')].map(c => c.title)", vec![])
            .await;
        assert_eq!(hover, json!(["contact.email", "identity.name"]));
        browser.screenshot("processor-tasks").await;

        // Other pages are not offered, and not reachable by address either.
        for page in ["register", "organisations", "requests", "who-holds", "map"] {
            browser.visit(&format!("/#/{page}")).await;
            browser.until("the tasks page again", "location.hash === '#/tasks'").await;
        }

        // It confirms its task with evidence.
        browser.sees("Confirm").await;
        browser.click("table.tasks tbody button").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser
            .until("evidence required beside the field", "document.querySelector('dialog[open] [data-field=evidence] .field-error')?.innerText.length > 0")
            .await;
        browser.fill("dialog[open] textarea[name=evidence]", "Erased from CRM, ticket 77").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser
            .until("its task completed", "document.querySelector('table.tasks .task-status')?.innerText.includes('Completed')")
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
async fn an_auditor_sees_no_edit_buttons() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let auditor = fixtures::token(&app, Role::Auditor, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&auditor).await;
        let buttons =
            "[...document.querySelectorAll('main button')].map(b => b.innerText).join('|')";

        browser.visit("/#/organisations").await;
        browser.sees("Cumulus Cloud Inc").await;
        let seen = browser.js(&format!("return {buttons}"), vec![]).await;
        assert!(
            !seen.as_str().unwrap_or_default().contains("Register"),
            "{seen}"
        );

        browser
            .visit(&format!("/#/organisations/{}", register.cloud))
            .await;
        browser.sees("Flows in (1)").await;
        let seen = browser.js(&format!("return {buttons}"), vec![]).await;
        let seen = seen.as_str().unwrap_or_default();
        for edit in ["Edit", "Record a flow", "Correct", "Add location", "remove"] {
            assert!(!seen.contains(edit), "{edit} offered to an auditor: {seen}");
        }

        browser
            .visit(&format!("/#/requests/{}", register.request))
            .await;
        browser.sees("Erasure request").await;
        let seen = browser.js(&format!("return {buttons}"), vec![]).await;
        let seen = seen.as_str().unwrap_or_default();
        assert!(
            !seen.contains("Confirm") && !seen.contains("Extend"),
            "{seen}"
        );
        browser.close().await;
    })
    .await;
}
