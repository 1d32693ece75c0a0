//! The transfer register on the demonstration register: the filters the service applies, its
//! pages, and the story the console exists for (the supplier still on the Privacy Shield, and
//! why it is flagged).

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::{Value, json};
use std::collections::HashSet;
use transfer_register::domain::vocab::Role;

/// Today's register through the API: `(recipient, exporter, mechanism, status)` per transfer.
async fn register_rows(app: &TestApp) -> Vec<(String, String, String, String)> {
    let data = app
        .ok(
            "{ transferRegister { flow { from { name } to { name } } mechanism status } }",
            json!({}),
        )
        .await;
    data["transferRegister"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let text = |v: &Value| v.as_str().expect("text").to_string();
            (
                text(&r["flow"]["to"]["name"]),
                text(&r["flow"]["from"]["name"]),
                text(&r["mechanism"]),
                text(&r["status"]),
            )
        })
        .collect()
}

/// The rows of the table shown: `data-flow:data-destination` and the row's text.
async fn shown(browser: &Browser) -> Vec<(String, String)> {
    let rows = browser
        .js(
            "return [...document.querySelectorAll('table.register tbody tr')] \
               .map(r => [`${r.dataset.flow}:${r.dataset.destination}`, r.innerText])",
            vec![],
        )
        .await;
    serde_json::from_value(rows).expect("rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_finds_the_supplier_still_on_the_privacy_shield_and_reads_why_it_is_flagged() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let rows = register_rows(&app).await;
        let total = rows.len();
        let flagged = rows.iter().filter(|r| r.3 == "NON_COMPLIANT").count();
        assert!(flagged > 1 && flagged < total, "{rows:?}");
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/register").await;
        browser
            .sees(&format!("1–{total} of {total} transfers"))
            .await;

        browser
            .find("select[name=status]")
            .await
            .select_by_value("NON_COMPLIANT")
            .await
            .expect("select");
        browser
            .sees(&format!(
                "1–{flagged} of {flagged} transfers ({total} in the register)"
            ))
            .await;
        let seen = shown(&browser).await;
        assert_eq!(seen.len(), flagged);
        assert!(
            seen.iter().all(|(_, text)| text.contains("Non-compliant")),
            "{seen:?}"
        );

        browser
            .find("select[name=mechanism]")
            .await
            .select_by_value("PRIVACY_SHIELD")
            .await
            .expect("select");
        browser
            .sees(&format!("1–1 of 1 transfers ({total} in the register)"))
            .await;
        let seen = shown(&browser).await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        let row = &seen[0].1;
        assert!(
            row.contains("Clickmetric Analytics Inc")
                && row.contains("Northwind Hosting Group plc")
                && row.contains("Privacy Shield")
                && row.contains("Non-compliant"),
            "{row}"
        );
        browser.screenshot("register").await;

        browser.click("table.register tbody tr button").await;
        browser
            .until(
                "the explanation",
                "document.querySelector('dialog[open] .explanation-text')",
            )
            .await;
        browser
            .until(
                "its legal sources",
                "document.querySelector('dialog[open]').innerText.includes('Legal sources')",
            )
            .await;
        let text = browser
            .js(
                "return document.querySelector('dialog[open]').innerText",
                vec![],
            )
            .await;
        let text = text.as_str().unwrap_or_default();
        assert!(text.contains("Invalid mechanism"), "{text}");
        assert!(text.to_lowercase().contains("privacy shield"), "{text}");
        assert!(
            text.contains("C-311/18"),
            "why: the judgment that struck it down: {text}"
        );
        assert!(
            text.contains("Website analytics and advertising"),
            "the activity: {text}"
        );
        browser.screenshot("register-explanation").await;

        // Escape closes the dialog: the page is usable from the keyboard.
        browser
            .find("dialog[open]")
            .await
            .send_keys("\u{e00c}")
            .await
            .expect("escape");
        browser
            .until(
                "the dialog closed",
                "!document.querySelector('dialog[open]')",
            )
            .await;

        // The filters live in the address, so the page can be shared and opened again.
        let url = browser.client.current_url().await.expect("url");
        assert!(
            url.as_str().contains("status=NON_COMPLIANT")
                && url.as_str().contains("mechanism=PRIVACY_SHIELD"),
            "{url}"
        );
        browser.visit("/#/overview").await;
        browser.sees("Compliance gaps today").await;
        browser
            .client
            .goto(url.as_str())
            .await
            .expect("back to the shared address");
        browser
            .sees(&format!("1–1 of 1 transfers ({total} in the register)"))
            .await;
        assert!(
            shown(&browser).await[0]
                .1
                .contains("Clickmetric Analytics Inc")
        );
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_pages_through_the_register_and_a_filter_narrows_the_count() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let rows = register_rows(&app).await;
        let total = rows.len();
        assert!(total > 10, "more than a page of 10: {total}");
        let pages = total.div_ceil(10);
        let support = "Northwind Support Services Pvt Ltd";
        let theirs = rows.iter().filter(|r| r.0 == support || r.1 == support).count();
        assert!(theirs > 0 && theirs < total, "{rows:?}");
        let token = fixtures::token(&app, Role::Auditor, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/register?first=10").await;
        browser.sees(&format!("Page 1 of {pages} · 1–10 of {total} transfers")).await;
        let first = shown(&browser).await;
        assert_eq!(first.len(), 10);

        browser.click("nav.pager button.next").await;
        browser.sees(&format!("Page 2 of {pages} · 11–{} of {total} transfers", total.min(20))).await;
        let second = shown(&browser).await;
        assert_eq!(second.len(), total.min(20) - 10);
        let before: HashSet<&String> = first.iter().map(|(key, _)| key).collect();
        assert!(
            second.iter().all(|(key, _)| !before.contains(key)),
            "the next page shows other transfers: {first:?} then {second:?}"
        );
        browser.screenshot("register-page-2").await;

        // A column header orders the whole register by that column, from its first page: the
        // most serious verdicts first, across the pages.
        let flagged = rows.iter().filter(|r| r.3 == "NON_COMPLIANT").count();
        assert!(flagged > 0, "{rows:?}");
        browser.click_text("table.register th button", "Verdict").await;
        browser.sees("The whole register ordered by verdict").await;
        browser.sees(&format!("Page 1 of {pages} · 1–10 of {total} transfers")).await;
        let by_verdict = shown(&browser).await;
        let leading = by_verdict
            .iter()
            .take_while(|(_, text)| text.contains("Non-compliant"))
            .count();
        assert_eq!(leading, flagged.min(10), "non-compliant transfers first: {by_verdict:?}");
        browser.click("nav.pager button.next").await;
        browser.sees(&format!("Page 2 of {pages} · 11–{} of {total} transfers", total.min(20))).await;
        let next = shown(&browser).await;
        let leading_next = next
            .iter()
            .take_while(|(_, text)| text.contains("Non-compliant"))
            .count();
        assert_eq!(
            leading_next,
            flagged.saturating_sub(10).min(next.len()),
            "the order goes on across pages: {next:?}"
        );
        browser.click("nav.pager button.previous").await;
        browser.sees(&format!("Page 1 of {pages} · 1–10 of {total} transfers")).await;
        assert_eq!(shown(&browser).await, by_verdict, "previous goes back to the same page, same order");

        // The organisation is chosen by name; the service counts what the filter keeps.
        browser.fill("input[name=organisation]", "northwind support").await;
        browser.find("input[name=organisation]").await.send_keys("\u{e007}").await.expect("enter");
        browser.sees(&format!("1–{theirs} of {theirs} transfers ({total} in the register)")).await;
        let value = browser.js("return document.querySelector('input[name=organisation]').value", vec![]).await;
        assert_eq!(value, json!(support), "the field shows the organisation chosen");
        let filtered = shown(&browser).await;
        assert_eq!(filtered.len(), theirs);
        assert!(filtered.iter().all(|(_, text)| text.contains(support)), "{filtered:?}");

        // A name that means nothing is said so beside the field, and the page is left as it was.
        // (Set without clearing first: WebDriver's clear is a change of its own, to no filter.)
        browser
            .js("document.querySelector('input[name=organisation]').value = 'no such company'", vec![])
            .await;
        browser.find("input[name=organisation]").await.send_keys("\u{e007}").await.expect("enter");
        browser
            .until(
                "the organisation's error beside it",
                "document.querySelector('[data-field=organisation] .field-error')?.innerText.includes('No organisation matches')",
            )
            .await;
        assert_eq!(shown(&browser).await.len(), theirs);

        // A destination the service refuses is marked beside its own field.
        browser.fill("input[name=organisation]", "").await;
        browser.find("input[name=organisation]").await.send_keys("\u{e007}").await.expect("enter");
        browser.sees(&format!("Page 1 of {pages} · 1–10 of {total} transfers")).await;
        browser.fill("input[name=destination]", "ZZ").await;
        browser
            .until(
                "the destination's error beside it",
                "document.querySelector('[data-field=destination] .field-error')?.innerText.length > 0",
            )
            .await;
        browser.close().await;
    })
    .await;
}
