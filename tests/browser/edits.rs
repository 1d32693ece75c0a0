//! Changing the demonstration register from the console, and seeing the change: a spreadsheet
//! upload with a bad row, the exports, a flow's correction, and the overview's list of
//! verdicts that changed.

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

const CLICKMETRIC: &str = "Clickmetric Analytics Inc";

/// Three suppliers, the second in a country that does not exist (line 3 of the file); the first
/// takes erasure requests on a webhook.
const SUPPLIERS: &str = "name,kind,country,company_number,parent,privacy_contact_email,erasure_webhook_url,dpa_signed_on,dpf_certified,status
Acme Cloud Ltd,SUPPLIER,GB,01234567,,privacy@acme.example,http://127.0.0.1:9/erase,2024-01-02,false,ACTIVE
Bolt Mail Inc,SUPPLIER,Atlantis,,,privacy@bolt.example,,,true,
Carrow Data GmbH,SUBCONTRACTOR,DE,,Acme Cloud Ltd,,,2023-05-06,,
";

/// The id of the demonstration register's flow to the analytics supplier on the Privacy Shield.
async fn clickmetric_flow(app: &TestApp) -> String {
    let data = app
        .ok(
            "{ transferRegister { flow { id to { name } } } }",
            json!({}),
        )
        .await;
    data["transferRegister"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["flow"]["to"]["name"] == CLICKMETRIC)
        .expect("the Clickmetric transfer")["flow"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// A date `days` before today, as the API and `<input type=date>` write it.
fn days_ago(days: i64) -> String {
    (Utc::now().date_naive() - Duration::days(days)).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_uploads_a_supplier_file_with_one_bad_row_and_downloads_the_exports() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let dir = tempfile::tempdir().expect("dir");
        let bad = dir.path().join("suppliers.csv");
        std::fs::write(&bad, SUPPLIERS).expect("write");
        let good = dir.path().join("suppliers-corrected.csv");
        std::fs::write(&good, SUPPLIERS.replace("Atlantis", "US")).expect("write");
        let before = app.count("organisation").await;

        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit("/#/import-export").await;
        browser.sees("Import a spreadsheet").await;
        browser.find("select[name=kind]").await.select_by_value("ORGANISATIONS").await.expect("kind");
        browser.click("input[name=dryRun]").await;
        let dry = browser.js("return document.querySelector('input[name=dryRun]').checked", vec![]).await;
        assert_eq!(dry, json!(false), "a real import, not a check");
        browser.find("input[type=file]").await.send_keys(bad.to_str().expect("path")).await.expect("file");
        browser.click("main form button[type=submit]").await;
        browser.sees("1 problem; nothing was imported.").await;
        let refused = browser
            .js("return [...document.querySelectorAll('table.refused tbody tr')].map(r => [...r.cells].map(c => c.innerText))", vec![])
            .await;
        let refused: Vec<Vec<String>> = serde_json::from_value(refused).expect("rows");
        assert_eq!(refused.len(), 1, "only the bad row: {refused:?}");
        assert_eq!((refused[0][0].as_str(), refused[0][1].as_str()), ("3", "country"), "{refused:?}");
        assert_eq!(app.count("organisation").await, before, "nothing imported");
        browser.screenshot("import-report").await;

        browser.find("input[type=file]").await.send_keys(good.to_str().expect("path")).await.expect("file");
        browser.click("main form button[type=submit]").await;
        browser.sees("3 rows imported.").await;
        assert_eq!(app.count("organisation").await, before + 3);
        // The supplier with a webhook was given its signing secret, shown once beside the report.
        browser.sees("Copy them now").await;
        let secrets = browser
            .js("return [...document.querySelectorAll('table.secrets tbody tr')].map(r => [...r.cells].map(c => c.innerText))", vec![])
            .await;
        let secrets: Vec<Vec<String>> = serde_json::from_value(secrets).expect("rows");
        assert_eq!(secrets.len(), 1, "{secrets:?}");
        assert_eq!((secrets[0][0].as_str(), secrets[0][1].as_str()), ("2", "Acme Cloud Ltd"), "{secrets:?}");
        assert!(secrets[0][2].starts_with("whsec_"), "{secrets:?}");

        // The exports are links to /exports/...; they answer a token of the register, not a stranger.
        let links = browser
            .js("return [...document.querySelectorAll('a.download')].map(a => a.getAttribute('href'))", vec![])
            .await;
        let links: Vec<String> = serde_json::from_value(links).expect("links");
        assert_eq!(links, ["/exports/ropa.csv", "/exports/ropa.xlsx", "/exports/transfers.csv", "/exports/transfers.xlsx"]);
        let client = reqwest::Client::new();
        for link in &links {
            let anonymous = client.get(format!("{base}{link}")).send().await.expect("get");
            assert_eq!(anonymous.status(), 401, "{link} without a token");
            let file = client.get(format!("{base}{link}")).bearer_auth(&token).send().await.expect("get");
            assert_eq!(file.status(), 200, "{link}");
            let bytes = file.bytes().await.expect("body");
            if std::path::Path::new(link.as_str()).extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
                assert!(bytes.starts_with(b"PK"), "{link} is a workbook (a zip)");
            } else {
                let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
                assert!(text.contains("Northwind Hosting Group plc"), "{link}: {text}");
                if link.contains("transfers") {
                    assert!(text.contains(CLICKMETRIC), "{link}: {text}");
                }
            }
        }
        // And the console fetches them with the signed-in token.
        browser.click("a.download[href='/exports/transfers.csv']").await;
        browser.sees("transfers.csv downloaded.").await;
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_corrects_a_flow_s_mechanism_and_sees_its_verdict_change() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let supplier = fixtures::organisation_named(&app, CLICKMETRIC).await;
        let flow = clickmetric_flow(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.visit(&format!("/#/organisations/{supplier}")).await;
        browser.sees("Flows in (1)").await;
        let verdicts = "[...document.querySelectorAll('main table.data tbody tr')].map(r => r.innerText).join('\\n')";
        let shown = browser.js(&format!("return {verdicts}"), vec![]).await;
        assert!(shown.as_str().unwrap_or_default().contains("Non-compliant"), "{shown}");

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
        // A category the taxonomy does not know is refused, and said beside its own field.
        browser.fill("dialog[open] input[name=dataCategories]", "online.ip_address, online.nonsense").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser
            .until(
                "the categories' error beside them",
                "(() => { const e = document.querySelector('dialog[open] [data-field=dataCategories] .field-error'); \
                   return e && !e.hidden && e.innerText.length > 0; })()",
            )
            .await;
        let marked = browser
            .js("return [...document.querySelectorAll('dialog[open] .field-error')].filter(e => !e.hidden).length", vec![])
            .await;
        assert_eq!(marked, json!(1), "only the categories are marked");
        browser.screenshot("flow-correction-error").await;
        let unchanged = app
            .ok("query($id: ID!) { dataFlow(id: $id) { mechanism } }", json!({ "id": flow }))
            .await;
        assert_eq!(unchanged["dataFlow"]["mechanism"], json!("PRIVACY_SHIELD"), "a refused correction changes nothing");

        browser.fill("dialog[open] input[name=dataCategories]", "online.ip_address, online.device, online.clickstream").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.until("the dialog closed", "!document.querySelector('dialog[open]')").await;
        browser
            .until("the verdict now safeguarded", &format!("({verdicts}).includes('Safeguarded')"))
            .await;
        let shown = browser.js(&format!("return {verdicts}"), vec![]).await;
        let shown = shown.as_str().unwrap_or_default();
        assert!(shown.contains("UK Addendum") && !shown.contains("Non-compliant"), "{shown}");
        browser.screenshot("flow-corrected").await;
        let now = app
            .ok(
                "query($id: ID!) { dataFlow(id: $id) { mechanism sccModule transfers { status } } }",
                json!({ "id": flow }),
            )
            .await;
        assert_eq!(
            now["dataFlow"],
            json!({ "mechanism": "UK_ADDENDUM", "sccModule": "C2P", "transfers": [{ "status": "SAFEGUARDED" }] })
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
async fn the_overview_lists_a_transfer_whose_verdict_changed_this_month() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::demo(&app).await;
        let flow = clickmetric_flow(&app).await;
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        let changes = "document.querySelector('[aria-labelledby=chg-h]')?.innerText ?? ''";
        browser.until("the changes, loaded", &format!("({changes}).includes('changed verdict since')")).await;
        let text = browser.js(&format!("return {changes}"), vec![]).await;
        let text = text.as_str().unwrap_or_default().to_string();
        assert!(!text.contains(CLICKMETRIC), "{text}");
        let changed: usize = text
            .split(" transfer")
            .next()
            .and_then(|head| head.split_whitespace().last())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a count of changes in {text}"));

        // The UK Addendum with Clickmetric was signed ten days ago: before that the transfer had
        // no valid ground, since then it is safeguarded.
        let answer: Value = reqwest::Client::new()
            .post(format!("{base}/graphql"))
            .bearer_auth(&token)
            .json(&json!({
                "query": "mutation($input: UpdateDataFlowInput!) { updateDataFlow(input: $input) { transfers { status } } }",
                "variables": { "input": { "id": flow, "mechanism": "UK_ADDENDUM", "sccModule": "C2P",
                                          "signedOn": days_ago(10), "tiaCompletedOn": days_ago(12) } }
            }))
            .send()
            .await
            .expect("update")
            .json()
            .await
            .expect("json");
        assert_eq!(answer["data"]["updateDataFlow"]["transfers"], json!([{ "status": "SAFEGUARDED" }]), "{answer}");

        browser.visit("/#/register").await;
        browser
            .until(
                "the transfers page, settled",
                "document.title.startsWith('Transfers') && document.querySelector('main').dataset.settled === document.querySelector('main').dataset.visit",
            )
            .await;
        browser.visit("/#/overview").await;
        let now = changed + 1;
        let expected = format!("{now} transfer{} changed verdict", if now == 1 { "" } else { "s" });
        browser.until("the changed transfer", &format!("({changes}).includes({expected:?})")).await;
        let rows = browser
            .js("return [...document.querySelectorAll('[aria-labelledby=chg-h] tbody tr')].map(r => r.innerText)", vec![])
            .await;
        let rows: Vec<String> = serde_json::from_value(rows).expect("rows");
        let row = rows.iter().find(|r| r.contains(CLICKMETRIC)).unwrap_or_else(|| panic!("{rows:?}"));
        for part in ["Northwind Hosting Group plc", "US", "UK Addendum", "Non-compliant", "Safeguarded"] {
            assert!(row.contains(part), "{part} in {row}");
        }
        browser.screenshot("overview-changed").await;
        browser.close().await;
    })
    .await;
}
