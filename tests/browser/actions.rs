//! The DPO's everyday actions clicked through the console: filing a request, extending its
//! deadline, confirming a task, editing an organisation, adding and removing a location and
//! recording a flow. Each test then reads the register through the API, so a form that shows
//! success without saving (or saves the wrong thing) fails.

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

/// Signs a new DPO in on a small register and returns the browser with the register.
async fn dpo_on_register(app: &TestApp) -> (Browser, fixtures::Register) {
    let register = fixtures::register(app).await;
    let token = fixtures::token(app, Role::Dpo, None).await;
    let base = app.serve().await;
    let browser = Browser::open(&base).await;
    browser.sign_in(&token).await;
    (browser, register)
}

/// A request as the API shows it.
async fn request(app: &TestApp, id: &str) -> Value {
    app.ok(
        "query($id: ID!) { dataSubjectRequest(id: $id) { id kind status receivedOn dueOn extensionMonths \
         extensionReason tasks { id channel status evidence confirmedBy organisation { name } } } }",
        json!({ "id": id }),
    )
    .await["dataSubjectRequest"]
        .clone()
}

async fn organisation(app: &TestApp, id: &str) -> Value {
    app.ok(
        "query($id: ID!) { organisation(id: $id) { name country companyNumber privacyContactEmail \
         dpaSignedOn status locations { country use } } }",
        json!({ "id": id }),
    )
    .await["organisation"]
        .clone()
}

/// The `(country, use)` of each of an organisation's locations, sorted.
fn locations(org: &Value) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = org["locations"]
        .as_array()
        .expect("locations")
        .iter()
        .map(|l| {
            (
                l["country"].as_str().unwrap_or_default().to_string(),
                l["use"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    all.sort();
    all
}

/// The locations card's list as the page shows it.
const LOCATION_LIST: &str = "document.querySelector('[aria-labelledby=loc-h]')?.innerText ?? ''";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_files_an_access_request_and_lands_on_its_page() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let (browser, register) = dpo_on_register(&app).await;
        let before = app.count("dsr_request").await;
        browser.visit("/#/requests").await;
        browser.sees("Data-subject requests").await;
        browser.click_text("main button", "File a request").await;
        browser
            .fill("dialog[open] input[name=email]", "jane@example.com")
            .await;
        browser
            .find("dialog[open] select[name=kind]")
            .await
            .select_by_value("ACCESS")
            .await
            .expect("kind");
        browser.screenshot("request-file-form").await;
        browser.click("dialog[open] button[type=submit]").await;
        let old =
            serde_json::to_string(&format!("#/requests/{}", register.request)).expect("quote");
        browser
            .until(
                "the new request's page",
                &format!("location.hash.startsWith('#/requests/') && location.hash !== {old}"),
            )
            .await;
        browser.sees("Access request").await;
        browser.screenshot("request-filed").await;
        let id = browser
            .js("return location.hash.split('/')[2]", vec![])
            .await;
        let id = id.as_str().expect("an id in the address").to_string();

        assert_eq!(
            app.count("dsr_request").await,
            before + 1,
            "one request filed"
        );
        let filed = request(&app, &id).await;
        assert_eq!(filed["kind"], json!("ACCESS"), "{filed:#}");
        assert_eq!(
            filed["receivedOn"],
            json!(chrono::Utc::now().date_naive().to_string()),
            "{filed:#}"
        );
        // The same subject as the fixture's erasure request: the same holders get a task.
        let tasks = |r: &Value| {
            let mut names: Vec<String> = r["tasks"]
                .as_array()
                .expect("tasks")
                .iter()
                .map(|t| {
                    t["organisation"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect();
            names.sort();
            names
        };
        let holders = tasks(&request(&app, &register.request).await);
        assert!(!holders.is_empty());
        assert_eq!(tasks(&filed), holders, "{filed:#}");
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_extends_a_request_s_deadline_by_two_months() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let (browser, register) = dpo_on_register(&app).await;
        let before = request(&app, &register.request).await;
        assert_eq!(before["extensionMonths"], Value::Null);
        browser.visit(&format!("/#/requests/{}", register.request)).await;
        browser.sees("Erasure request").await;
        browser.until("the live subscription", "document.querySelector('.live')?.dataset.connected === 'true'").await;
        browser.click_text("main button", "Extend the deadline").await;
        browser.find("dialog[open] select[name=months]").await.select_by_value("2").await.expect("months");
        browser
            .fill("dialog[open] textarea[name=reason]", "Complex: six holders, two of them abroad")
            .await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.until("the dialog closed", "!document.querySelector('dialog[open]')").await;
        browser.sees("2 months: Complex: six holders, two of them abroad").await;
        // Extended once, the button is gone.
        browser
            .until(
                "no extend button",
                "![...document.querySelectorAll('main button')].some(b => b.innerText.includes('Extend the deadline'))",
            )
            .await;
        browser.screenshot("request-extended").await;

        let after = request(&app, &register.request).await;
        assert_eq!(after["extensionMonths"], json!(2), "{after:#}");
        assert_eq!(after["extensionReason"], json!("Complex: six holders, two of them abroad"));
        let due = |r: &Value| {
            chrono::NaiveDate::parse_from_str(r["dueOn"].as_str().expect("dueOn"), "%Y-%m-%d").expect("date")
        };
        let months = chrono::Months::new(2);
        assert_eq!(due(&after), due(&before).checked_add_months(months).expect("date"), "{after:#}");
        let shown = browser.js("return document.querySelector('main dl').innerText", vec![]).await;
        assert!(shown.as_str().unwrap_or_default().contains(after["dueOn"].as_str().unwrap_or("?")), "{shown}");
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_confirms_a_task_from_the_request_s_page() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let (browser, register) = dpo_on_register(&app).await;
        let before = request(&app, &register.request).await;
        let task = before["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .find(|t| t["channel"] != json!("WEBHOOK") && t["status"] == json!("PENDING"))
            .unwrap_or_else(|| panic!("a pending task to confirm by hand: {before:#}"))
            .clone();
        let task_id = task["id"].as_str().expect("id");
        browser
            .visit(&format!("/#/requests/{}", register.request))
            .await;
        let cell = format!(
            "document.querySelector('tr[data-task=\"{task_id}\"] .task-status')?.innerText"
        );
        browser
            .until("the task, pending", &format!("{cell}?.includes('Pending')"))
            .await;
        // The page redraws once the subscription has pushed the request's state: click after.
        browser
            .until(
                "the live subscription",
                "document.querySelector('.live')?.dataset.connected === 'true'",
            )
            .await;
        browser
            .click(&format!("tr[data-task=\"{task_id}\"] button"))
            .await;
        browser
            .find("dialog[open] select[name=outcome]")
            .await
            .select_by_value("COMPLETED")
            .await
            .expect("outcome");
        browser
            .fill(
                "dialog[open] textarea[name=evidence]",
                "Deleted from the CRM, ticket DPO-7",
            )
            .await;
        browser.click("dialog[open] button[type=submit]").await;
        browser
            .until(
                "the dialog closed",
                "!document.querySelector('dialog[open]')",
            )
            .await;
        browser
            .until(
                "the task, completed",
                &format!("{cell}?.includes('Completed')"),
            )
            .await;
        browser.sees("ticket DPO-7").await;
        browser.screenshot("request-task-confirmed").await;

        let after = request(&app, &register.request).await;
        let confirmed = after["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .find(|t| t["id"] == task["id"])
            .expect("the task")
            .clone();
        assert_eq!(confirmed["status"], json!("COMPLETED"), "{confirmed:#}");
        assert_eq!(
            confirmed["evidence"],
            json!("Deleted from the CRM, ticket DPO-7")
        );
        assert!(
            confirmed["confirmedBy"]
                .as_str()
                .is_some_and(|by| by.starts_with("dpo-")),
            "confirmed by the signed-in DPO's token: {confirmed:#}"
        );
        // Only that task changed.
        let unchanged = |r: &Value| -> Vec<Value> {
            r["tasks"]
                .as_array()
                .expect("tasks")
                .iter()
                .filter(|t| t["id"] != task["id"])
                .map(|t| t["status"].clone())
                .collect()
        };
        assert_eq!(unchanged(&after), unchanged(&before));
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_edits_an_organisation_and_the_rest_of_it_is_kept() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let (browser, register) = dpo_on_register(&app).await;
        let before = organisation(&app, &register.cloud).await;
        browser
            .visit(&format!("/#/organisations/{}", register.cloud))
            .await;
        browser.sees("Cumulus Cloud Inc").await;
        browser.click_text("main button", "Edit").await;
        browser
            .fill("dialog[open] input[name=companyNumber]", "C-778899")
            .await;
        browser
            .fill(
                "dialog[open] input[name=privacyContactEmail]",
                "privacy@cumulus.example",
            )
            .await;
        browser.screenshot("organisation-edit-form").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser
            .until(
                "the dialog closed",
                "!document.querySelector('dialog[open]')",
            )
            .await;
        browser.sees("C-778899").await;
        browser.sees("privacy@cumulus.example").await;
        browser.screenshot("organisation-edited").await;

        let after = organisation(&app, &register.cloud).await;
        let mut expected = before.clone();
        expected["companyNumber"] = json!("C-778899");
        expected["privacyContactEmail"] = json!("privacy@cumulus.example");
        assert_eq!(after, expected, "only the two edited fields changed");
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_adds_a_location_and_removes_it_again() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let (browser, register) = dpo_on_register(&app).await;
        let us = ("US".to_string(), "STORAGE".to_string());
        assert_eq!(
            locations(&organisation(&app, &register.cloud).await),
            std::slice::from_ref(&us)
        );
        browser
            .visit(&format!("/#/organisations/{}", register.cloud))
            .await;
        browser.sees("Cumulus Cloud Inc").await;
        let form = "main form[aria-label='Add a location']";
        browser
            .fill(&format!("{form} input[name=country]"), "DE")
            .await;
        browser
            .find(&format!("{form} select[name=use]"))
            .await
            .select_by_value("PROCESSING")
            .await
            .expect("use");
        browser.click(&format!("{form} button[type=submit]")).await;
        browser
            .until(
                "the new location listed",
                &format!("({LOCATION_LIST}).includes('DE · Processing')"),
            )
            .await;
        browser.screenshot("organisation-location-added").await;
        let de = ("DE".to_string(), "PROCESSING".to_string());
        assert_eq!(
            locations(&organisation(&app, &register.cloud).await),
            [de, us.clone()]
        );

        browser
            .click("main button[aria-label='Remove DE Processing']")
            .await;
        let question = browser
            .client
            .get_alert_text()
            .await
            .expect("the page asks before removing");
        assert!(
            question.contains("Remove Cumulus Cloud Inc's processing location in DE"),
            "{question}"
        );
        browser.client.accept_alert().await.expect("OK");
        browser
            .until(
                "the location gone",
                &format!(
                    "!({LOCATION_LIST}).includes('DE · ') && ({LOCATION_LIST}).includes('US · ')"
                ),
            )
            .await;
        browser.screenshot("organisation-location-removed").await;
        assert_eq!(locations(&organisation(&app, &register.cloud).await), [us]);
        browser.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_records_a_flow_to_a_sub_processor_on_the_2021_sccs() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let (browser, register) = dpo_on_register(&app).await;
        let helpdesk = fixtures::organisation_named(&app, "Helpdesk Services Pvt Ltd").await;
        let incoming = "query($id: ID!) { dataFlows(toId: $id, first: 10) { totalCount edges { node { \
             activity { id } from { name } recipientRole dataCategories mechanism sccModule signedOn tiaCompletedOn } } } }";
        let before = app.ok(incoming, json!({ "id": helpdesk })).await;
        assert_eq!(before["dataFlows"]["totalCount"], json!(1), "{before:#}");
        browser.visit(&format!("/#/organisations/{helpdesk}")).await;
        browser.sees("Flows in (1)").await;
        browser.click_text("main button", "Record a flow to it").await;
        // The activity is picked by name and the exporter follows it (its controller).
        browser.pick("activityId", "billing", "Customer accounts and billing").await;
        let exporter = browser.js("return document.querySelector('dialog[open] input[data-picker=fromId]').value", vec![]).await;
        assert_eq!(exporter, json!("Contoso Group plc"), "the activity's controller");
        browser.fill("dialog[open] input[name=dataCategories]", "contact.email").await;
        browser.find("dialog[open] select[name=mechanism]").await.select_by_value("SCC_2021").await.expect("mechanism");
        browser.find("dialog[open] select[name=sccModule]").await.select_by_value("C2P").await.expect("module");
        browser
            .js(
                "const d = document.querySelector('dialog[open]'); \
                 d.querySelector('input[name=signedOn]').value = '2023-03-01'; \
                 d.querySelector('input[name=tiaCompletedOn]').value = '2023-02-20';",
                vec![],
            )
            .await;
        browser.screenshot("flow-record-form").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.until("the dialog closed", "!document.querySelector('dialog[open]')").await;
        browser.sees("Flows in (2)").await;
        let rows = browser
            .js("return [...document.querySelectorAll('[aria-labelledby=in-h] tbody tr')].map(r => r.innerText)", vec![])
            .await;
        let rows: Vec<String> = serde_json::from_value(rows).expect("rows");
        assert!(
            rows.iter().any(|r| r.contains("Contoso Group plc") && r.contains("C2P")),
            "the new flow is listed: {rows:?}"
        );
        browser.screenshot("flow-recorded").await;

        let after = app.ok(incoming, json!({ "id": helpdesk })).await;
        assert_eq!(after["dataFlows"]["totalCount"], json!(2), "{after:#}");
        let recorded = after["dataFlows"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"].clone())
            .find(|f| f["from"]["name"] == json!("Contoso Group plc"))
            .unwrap_or_else(|| panic!("a flow from the controller: {after:#}"));
        assert_eq!(
            recorded,
            json!({ "activity": { "id": register.activity }, "from": { "name": "Contoso Group plc" },
                    "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"], "mechanism": "SCC_2021",
                    "sccModule": "C2P", "signedOn": "2023-03-01", "tiaCompletedOn": "2023-02-20" })
        );
        browser.close().await;
    })
    .await;
}
