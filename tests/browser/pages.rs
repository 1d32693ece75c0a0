//! A DPO's way through the console: sign in on the demonstration register (the gaps, the map),
//! a form's refusal, and every other page on a small register (each kept as a screenshot).

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_signs_in_and_sees_the_compliance_gaps() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.visit("/").await;
        browser.find("form.signin input[name=token]").await;
        browser.screenshot("sign-in").await;

        browser.fill("input[name=token]", "trk_not-a-token").await;
        browser.click("form.signin button[type=submit]").await;
        browser.sees("unknown, revoked or expired").await;

        browser.sign_in(&token).await;
        browser.sees("Compliance gaps today").await;
        browser.sees("Invalid mechanism").await;
        browser.sees("non-compliant of").await;
        browser.sees("Requests due this week or overdue").await;
        assert!(browser.menu().await.contains(&"Transfers".to_string()));
        browser.screenshot("overview").await;

        // A problem of the gaps opens the register filtered to it by the service.
        let tia_missing = app
            .ok("{ transferRegister { problems { code } } }", json!({}))
            .await["transferRegister"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["problems"].as_array().expect("problems").iter().any(|p| p["code"] == "TIA_MISSING"))
            .count();
        assert!(tia_missing > 0);
        browser.click_text("main table a", "TIA missing").await;
        browser.sees(&format!("1–{tia_missing} of {tia_missing} transfers")).await;
        let rows = browser
            .js("return [...document.querySelectorAll('table.register tbody tr')].map(r => r.innerText)", vec![])
            .await;
        let rows: Vec<String> = serde_json::from_value(rows).expect("rows");
        assert!(rows.len() == tia_missing && rows.iter().all(|r| r.contains("TIA missing")), "{rows:?}");

        browser.visit("/#/map").await;
        browser.until("the world map", "document.querySelectorAll('svg.world path.country').length > 150").await;
        let us = browser
            .js("return document.querySelector('a[href=\"#/register?destination=US\"] path')?.getAttribute('class')", vec![])
            .await;
        assert_eq!(us, json!("country bad"), "the US receives a non-compliant transfer");
        browser.sees("Transfers by destination").await;
        browser.screenshot("map").await;

        // First paint and first content of the signed-in overview, reloaded on a warm server.
        browser.visit("/#/overview").await;
        browser.sees("Invalid mechanism").await;
        let timing = browser
            .js(
                "const p = performance.getEntriesByType('paint'); \
                 const nav = performance.getEntriesByType('navigation')[0]; \
                 return { firstPaint: p.find(e => e.name === 'first-paint')?.startTime, \
                          firstContentfulPaint: p.find(e => e.name === 'first-contentful-paint')?.startTime, \
                          domContentLoaded: nav.domContentLoadedEventEnd, contentSeenBy: performance.now() };",
                vec![],
            )
            .await;
        eprintln!("console timing on localhost (ms): {timing}");

        browser.click_text("#who button", "Sign out").await;
        browser.find("form.signin").await;
        let stored = browser.js("return sessionStorage.getItem('tr.token')", vec![]).await;
        assert_eq!(stored, Value::Null, "signing out forgets the token");
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn registering_a_supplier_with_an_unknown_country_shows_the_error_beside_the_field() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::register(&app).await;
        let token = fixtures::token(&app, Role::Procurement, None).await;
        let base = app.serve().await;
        let before = app.count("organisation").await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/organisations").await;
        browser.sees("Cumulus Cloud Inc").await;
        browser.screenshot("organisations").await;
        browser.click_text("main button", "Register a supplier").await;
        browser.fill("dialog[open] input[name=name]", "Nimbus Storage BV").await;
        browser.fill("dialog[open] input[name=country]", "XX").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser
            .until(
                "the country's error beside the country field",
                "(() => { const e = document.querySelector('dialog[open] [data-field=country] .field-error'); \
                   return e && !e.hidden && e.innerText.length > 0; })()",
            )
            .await;
        let invalid = browser
            .js("return document.querySelector('dialog[open] input[name=country]').getAttribute('aria-invalid')", vec![])
            .await;
        assert_eq!(invalid, json!("true"));
        let others = browser
            .js("return [...document.querySelectorAll('dialog[open] .field-error')].filter(e => !e.hidden).length", vec![])
            .await;
        assert_eq!(others, json!(1), "only the country is marked");
        browser.screenshot("organisation-form-error").await;
        assert_eq!(app.count("organisation").await, before, "nothing was registered");

        browser.fill("dialog[open] input[name=country]", "NL").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.until("the new organisation's page", "document.querySelector('main h1')?.innerText === 'Nimbus Storage BV'").await;
        browser.screenshot("organisation").await;
        assert_eq!(app.count("organisation").await, before + 1);
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn every_page_renders_and_is_kept_as_a_screenshot() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;

        browser
            .visit(&format!("/#/organisations/{}", register.cloud))
            .await;
        browser.sees("Flows out (1)").await;
        browser.sees("History").await;
        browser
            .until(
                "the history",
                "document.querySelector('main').innerText.includes('registerOrganisation')",
            )
            .await;
        browser.screenshot("organisation-detail").await;

        browser
            .visit(&format!("/#/datamap?activity={}", register.activity))
            .await;
        browser
            .until(
                "the diagram",
                "document.querySelectorAll('svg.flows rect.node').length === 6",
            )
            .await;
        let marked = browser
            .js(
                "return document.querySelectorAll('svg.flows .edge.bad').length",
                vec![],
            )
            .await;
        assert_eq!(
            marked,
            json!(2),
            "the Privacy Shield and the Indian onward transfer are marked"
        );
        browser.screenshot("data-map").await;

        browser.visit("/#/who-holds").await;
        browser
            .fill("input[name=email]", " Jane@Example.com ")
            .await;
        browser.click("main form button[type=submit]").await;
        browser.sees("organisations hold this person's data").await;
        browser.sees("Helpdesk Services Pvt Ltd").await;
        browser.screenshot("who-holds").await;

        browser.visit("/#/requests").await;
        browser.sees("Erasure").await;
        browser.screenshot("requests").await;

        browser.visit("/#/import-export").await;
        browser.sees("Transfer register").await;
        browser.screenshot("import-export").await;

        // GraphiQL from the embedded bundle, with the signed-in token: a query runs.
        browser.visit("/graphql").await;
        browser
            .until(
                "GraphiQL",
                "document.querySelector('.graphiql-container .graphiql-execute-button')",
            )
            .await;
        browser.click(".graphiql-execute-button").await;
        browser
            .until(
                "the query's answer",
                "document.querySelector('.graphiql-response')?.innerText.includes('nonCompliant')",
            )
            .await;
        browser.screenshot("graphiql").await;
        browser.close().await;
    })
    .await;
}

/// Every page of the navigation, clicked: `<main>` is busy until the view has drawn and its
/// requests have answered, and only then says it settled (the mark `bench --only pages` times
/// to), with no loading notice left on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn each_page_says_it_settled_only_once_drawn() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser
            .until("the overview settled", "document.querySelector('main[data-settled]')")
            .await;
        let links = browser
            .js(
                "return [...document.querySelectorAll('#nav a')].map(a => a.getAttribute('href')).filter(h => h.startsWith('#/'))",
                vec![],
            )
            .await;
        let links: Vec<String> = serde_json::from_value(links).expect("links");
        assert!(links.len() >= 10, "{links:?}");
        // Overview last: the page shown after sign-in is left first.
        for href in links.iter().skip(1).chain(links.first()) {
            let before = browser
                .js("return Number(document.querySelector('main').dataset.visit)", vec![])
                .await;
            browser.click(&format!("#nav a[href=\"{href}\"]")).await;
            browser
                .until(
                    &format!("{href} settled"),
                    &format!("Number(document.querySelector('main').dataset.settled) > {before}"),
                )
                .await;
            let page = browser
                .js(
                    "const main = document.querySelector('main'); \
                     return { busy: main.getAttribute('aria-busy'), \
                       loading: [...main.querySelectorAll('.notice')].map(n => n.innerText).filter(t => /^(Loading|Drawing)/.test(t)), \
                       heading: main.querySelector('h1')?.innerText ?? null, \
                       mark: performance.getEntriesByName('settled').at(-1)?.detail.view ?? null };",
                    vec![],
                )
                .await;
            assert_eq!(page["busy"], Value::Null, "{href}: {page}");
            assert_eq!(page["loading"], json!([]), "{href}: {page}");
            assert!(page["heading"].is_string(), "{href}: {page}");
            assert_eq!(page["mark"], json!(href.trim_start_matches("#/")), "{href}: {page}");
        }
        browser.close().await;
    })
    .await;
}
