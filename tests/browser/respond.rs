//! The processor's answer page (`/respond/{token}`, from the link in an e-mailed task): answered
//! without JavaScript (the form posted as a browser without scripts posts it) and in Chromium
//! with its small script; then the DPO sees the answer in the console.

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::{Value, json};
use std::sync::Arc;
use transfer_register::{domain::vocab::Role, service::requests::delivery::Worker};

/// Delivers the register's request (its e-mail task to the outbox, with links to `base`) and
/// returns the e-mailed task's id and the path of its link.
async fn emailed_link(app: &TestApp, base: &str, request: &str) -> (String, String) {
    let mut config = (*app.state.config).clone();
    config.public_url = Some(base.to_string());
    config.delivery_timeout_ms = 400;
    Worker::new(
        app.state.db.clone(),
        Arc::new(config),
        app.state.dsr.clone(),
    )
    .tick()
    .await
    .expect("tick");
    let data = app
        .ok(
            "{ outbox { edges { node { body task { id requestId } } } } }",
            json!({}),
        )
        .await;
    let message: &Value = data["outbox"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| &e["node"])
        .find(|m| m["task"]["requestId"] == json!(request))
        .unwrap_or_else(|| panic!("no e-mail of the request: {data:#}"));
    let body = message["body"].as_str().expect("body");
    let start = body.find(&format!("{base}/respond/")).expect("the link") + base.len();
    let path: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    (
        message["task"]["id"].as_str().expect("id").to_string(),
        path,
    )
}

async fn task_status(app: &TestApp, request: &str, task: &str) -> Value {
    let data = app
        .ok(
            "query($id: ID!) { dataSubjectRequest(id: $id) { tasks { id status evidence exemptionReason answerLink { state answer } } } }",
            json!({ "id": request }),
        )
        .await;
    data["dataSubjectRequest"]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["id"] == json!(task))
        .expect("task")
        .clone()
}

/// The value of attribute `name` in the first tag of `html` that starts with `tag`.
fn attribute(html: &str, tag: &str, name: &str) -> String {
    let at = html
        .find(tag)
        .unwrap_or_else(|| panic!("no {tag} in {html}"));
    let rest = &html[at..];
    let start = rest.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
    rest[start..].chars().take_while(|c| *c != '"').collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_processor_answers_its_task_on_the_page_without_javascript() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let base = app.serve().await;
        let (task, path) = emailed_link(&app, &base, &register.request).await;
        let client = reqwest::Client::new();
        let page = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("page");
        // Everything is in the HTML: no inline script, the form posts itself.
        assert!(!page.contains("<script>"), "{page}");
        let action = attribute(&page, "<form", "action");
        assert_eq!(action, path);
        for control in [
            "name=\"outcome\"",
            "name=\"evidence\"",
            "name=\"kept\"",
            "name=\"reason\"",
            // An evidence file, which a browser without scripts sends only in a multipart form.
            "name=\"file\"",
            "enctype=\"multipart/form-data\"",
        ] {
            assert!(page.contains(control), "{control}: {page}");
        }
        // As a browser without scripts posts the form.
        let answered = client
            .post(format!("{base}{action}"))
            .form(&[
                ("outcome", "DONE"),
                ("evidence", "Erased from the mail store, ticket 88"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(answered.status(), 200);
        let text = answered.text().await.expect("text");
        assert!(text.contains("your answer is recorded"), "{text}");
        let now = task_status(&app, &register.request, &task).await;
        assert_eq!(now["status"], json!("COMPLETED"), "{now:#}");
        assert_eq!(now["answerLink"]["state"], json!("ANSWERED"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_processor_answers_its_task_in_the_browser_and_the_dpo_sees_it() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let dpo = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let (task, path) = emailed_link(&app, &base, &register.request).await;

        let browser = Browser::open(&base).await;
        browser.visit(&path).await;
        browser.sees("What is asked").await;
        browser
            .until("the page's script", "document.documentElement.dataset.enhanced === 'true'")
            .await;
        // Without a file attached, the script sends the plain form the contract names.
        browser
            .until("a plain form", "document.getElementById('answer').enctype === 'application/x-www-form-urlencoded'")
            .await;
        // The exemption's fields show only once it is chosen.
        browser
            .until("the exemption hidden", "document.getElementById('exempt').classList.contains('hidden')")
            .await;
        browser.screenshot("respond-form").await;
        browser.click("input[name=outcome][value=EXEMPT]").await;
        browser
            .until("the exemption shown", "!document.getElementById('exempt').classList.contains('hidden')")
            .await;
        browser.fill("#evidence", "Name and phone erased; e-mail kept on invoices").await;
        browser.click("input[name=kept][value='contact.email']").await;
        browser.fill("#reason", "Art 17(3)(b): invoices kept 10 years by tax law").await;
        browser.screenshot("respond-exempt").await;
        browser.click("#answer button[type=submit]").await;
        browser.sees("your answer is recorded").await;
        browser.sees("Art 17(3)(b)").await;
        browser.screenshot("respond-answered").await;
        let now = task_status(&app, &register.request, &task).await;
        assert_eq!(now["status"], json!("EXEMPT"), "{now:#}");
        assert_eq!(now["answerLink"]["answer"], json!("EXEMPT"));

        // The DPO sees the answer, and the link's state, on the request's page.
        browser.sign_in(&dpo).await;
        browser.visit(&format!("/#/requests/{}", register.request)).await;
        browser
            .until(
                "the link answered",
                &format!("document.querySelector('tr[data-task=\"{task}\"] .link-state')?.dataset.state === 'ANSWERED'"),
            )
            .await;
        browser.sees("Certificate (draft)").await;
        browser.screenshot("request-answered-through-link").await;
        browser.close().await;
    })
    .await;
}
