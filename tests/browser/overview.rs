//! The overview's numbers in the browser (issue 25, item 7): each count equals the rows its link
//! opens; a flow corrected through the console's form moves the recent-changes count by one and
//! lists the transfer.

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use chrono::{Duration, Utc};
use serde_json::json;
use transfer_register::domain::vocab::Role;

const CLICKMETRIC: &str = "Clickmetric Analytics Inc";
const GAPS: &str = "document.querySelector('[aria-labelledby=gaps-h]')";
const CHANGES: &str = "document.querySelector('[aria-labelledby=chg-h]')?.innerText ?? ''";

/// Adds a flow with a problem of its own to the demonstration register: a processor at home (GB,
/// as the exporter) without an Art 28 contract, which is no restricted transfer.
async fn a_flow_with_its_own_problem(app: &TestApp, name: &str) {
    let data = app
        .ok(
            "{ transferRegister { flow { activity { id } from { id country } } } }",
            json!({}),
        )
        .await;
    let flow = data["transferRegister"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| &r["flow"])
        .find(|f| f["from"]["country"] == "GB")
        .expect("a flow from the UK")
        .clone();
    let mailroom = app
        .ok(
            r"mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }",
            json!({ "input": { "name": name, "kind": "SUPPLIER", "country": "GB" } }),
        )
        .await;
    app.ok(
        r"mutation($input: RecordDataFlowInput!) { recordDataFlow(input: $input) { id } }",
        json!({ "input": { "activityId": flow["activity"]["id"], "fromId": flow["from"]["id"],
                "toId": mailroom["registerOrganisation"]["id"], "recipientRole": "PROCESSOR",
                "dataCategories": ["contact.email"], "mechanism": "NONE" } }),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn each_overview_count_equals_the_rows_its_link_opens() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        a_flow_with_its_own_problem(&app, "Local Mailroom Ltd").await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/overview").await;
        browser.until("the gaps, counted", &format!("{GAPS}?.querySelector('[data-testid=gap-counts]')")).await;
        let links = browser
            .js(&format!("return [...{GAPS}.querySelectorAll('[data-testid=gap-counts] a[href], td.num a[href]')].map(a => [a.getAttribute('href'), a.innerText.trim()])"), vec![])
            .await;
        let links: Vec<(String, String)> = serde_json::from_value(links).expect("links");
        let text = browser.js(&format!("return {GAPS}.innerText"), vec![]).await;
        let text = text.as_str().unwrap_or_default().to_string();
        assert!(text.contains("transfers non-compliant of"), "{text}");
        assert!(text.contains("1 flow with a problem of its own"), "{text}");
        assert!(links.len() >= 4, "{links:?}");
        for (href, shown) in &links {
            let count: usize = shown.parse().unwrap_or_else(|_| panic!("{href} shows a count, not {shown:?}"));
            let rows = if href.starts_with("#/register") {
                let sep = if href.contains('?') { '&' } else { '?' };
                browser.visit(&format!("/{href}{sep}first=100")).await;
                browser
                    .until(&format!("the register of {href}"), "document.querySelector('main .pager .count')")
                    .await;
                let pager = browser.js("return document.querySelector('main .pager .count').innerText", vec![]).await;
                assert!(pager.as_str().unwrap_or_default().starts_with("Page 1 of 1 "), "{href}: {pager}");
                browser.js("return document.querySelectorAll('main table.register tbody tr').length", vec![]).await
            } else {
                browser.visit(&format!("/{href}")).await;
                browser
                    .until(&format!("the flows of {href}"), "document.querySelector('[data-testid=flow-problems-count]')")
                    .await;
                browser.js("return document.querySelectorAll('main [data-testid=flow-problems] tbody tr').length", vec![]).await
            };
            assert_eq!(rows.as_u64(), Some(count as u64), "{href} shows {count} on the overview, {rows} rows");
            browser.visit("/#/overview").await;
            browser.until("the gaps, counted", &format!("{GAPS}?.querySelector('[data-testid=gap-counts]')")).await;
        }
        browser.visit("/#/flow-problems").await;
        browser.sees("Local Mailroom Ltd").await;
        browser.screenshot("flow-problems").await;
        browser.close().await;
    })
    .await;
}

/// The number in "N transfers changed verdict since ..." ("1 transfer" for one).
async fn changed_count(browser: &Browser) -> usize {
    browser
        .until(
            "the changes, loaded",
            &format!("({CHANGES}).includes('changed verdict since')"),
        )
        .await;
    let text = browser.js(&format!("return {CHANGES}"), vec![]).await;
    let text = text.as_str().unwrap_or_default().to_string();
    text.split(" transfer")
        .next()
        .and_then(|head| head.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a count of changes in {text}"))
}

fn days_ago(days: i64) -> String {
    (Utc::now().date_naive() - Duration::days(days)).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_flow_corrected_in_the_console_moves_the_recent_changes_count_by_one() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let supplier = fixtures::organisation_named(&app, CLICKMETRIC).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/overview").await;
        let before = changed_count(&browser).await;
        let listed = browser.js(&format!("return {CHANGES}"), vec![]).await;
        assert!(!listed.as_str().unwrap_or_default().contains(CLICKMETRIC), "{listed}");

        // The correction, clicked through the organisation page's form: the UK Addendum with
        // Clickmetric, signed 20 days ago, makes the transfer safeguarded.
        browser.visit(&format!("/#/organisations/{supplier}")).await;
        browser.sees("Flows in (1)").await;
        browser.click_text("main button", "Correct").await;
        browser.find("dialog[open] select[name=mechanism]").await.select_by_value("UK_ADDENDUM").await.expect("mechanism");
        browser.find("dialog[open] select[name=sccModule]").await.select_by_value("C2P").await.expect("module");
        browser
            .js(
                "const d = document.querySelector('dialog[open]'); \
                 d.querySelector('input[name=signedOn]').value = arguments[0]; \
                 d.querySelector('input[name=tiaCompletedOn]').value = arguments[1];",
                vec![json!(days_ago(20)), json!(days_ago(21))],
            )
            .await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.until("the dialog closed", "!document.querySelector('dialog[open]')").await;
        browser
            .until("the verdict now safeguarded", "document.querySelector('main table.data tbody')?.innerText.includes('Safeguarded')")
            .await;

        browser.visit("/#/overview").await;
        let after = changed_count(&browser).await;
        assert_eq!(after, before + 1, "one transfer changed verdict");
        let rows = browser
            .js("return [...document.querySelectorAll('[aria-labelledby=chg-h] tbody tr')].map(r => r.innerText)", vec![])
            .await;
        let rows: Vec<String> = serde_json::from_value::<Vec<String>>(rows).expect("rows");
        let row = rows.iter().find(|r| r.contains(CLICKMETRIC)).unwrap_or_else(|| panic!("{rows:?}"));
        for part in ["UK Addendum", "Non-compliant", "Safeguarded", "the register changed"] {
            assert!(row.contains(part), "{part} in {row}");
        }
        browser.screenshot("overview-recent-change").await;
        browser.close().await;
    })
    .await;
}

/// The flows of the rows of the flows-with-own-problems table, by id.
async fn problem_rows(browser: &Browser) -> Vec<String> {
    let rows = browser
        .js(
            "return [...document.querySelectorAll('main [data-testid=flow-problems] tbody tr')].map(r => r.dataset.flow)",
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
async fn the_flows_with_own_problems_page_through_ten_at_a_time() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        for n in 0..11 {
            a_flow_with_its_own_problem(&app, &format!("Local Mailroom {n} Ltd")).await;
        }
        let total = app
            .ok("{ complianceGaps { flowsWithOwnProblems } }", json!({}))
            .await["complianceGaps"]["flowsWithOwnProblems"]
            .as_u64()
            .expect("a count");
        assert!(total > 10, "more than a page of 10: {total}");
        let pages = total.div_ceil(10);
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/flow-problems?first=10").await;
        browser.sees(&format!("{total} flows")).await;
        browser.sees(&format!("Page 1 of {pages}")).await;
        let first = problem_rows(&browser).await;
        assert_eq!(first.len(), 10, "{first:?}");
        browser.click("nav.pager button.next").await;
        browser.sees(&format!("Page 2 of {pages}")).await;
        let second = problem_rows(&browser).await;
        assert_eq!(second.len() as u64, (total - 10).min(10), "{second:?}");
        assert!(
            second.iter().all(|row| !first.contains(row)),
            "the next page shows other flows: {first:?} then {second:?}"
        );
        browser.click("nav.pager button.previous").await;
        browser.sees("Page 1 of").await;
        assert_eq!(problem_rows(&browser).await, first);
        browser.close().await;
    })
    .await;
}
