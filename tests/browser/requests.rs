//! Requests in the console: a task turns COMPLETED on screen, live, when its processor confirms
//! it through the API in the background.

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
async fn a_dpo_watches_a_task_turn_completed_when_the_processor_confirms_it() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let register = fixtures::register(&app).await;
        let dpo = fixtures::token(&app, Role::Dpo, None).await;
        let processor = fixtures::token(&app, Role::Processor, Some(&register.cloud)).await;
        let base = app.serve().await;
        let tasks = app
            .ok(
                "query($id: ID!) { dataSubjectRequest(id: $id) { tasks { id organisation { id } } } }",
                json!({ "id": register.request }),
            )
            .await;
        let task = tasks["dataSubjectRequest"]["tasks"]
            .as_array()
            .expect("tasks")
            .iter()
            .find(|t| t["organisation"]["id"] == json!(register.cloud))
            .expect("the cloud's task")["id"]
            .as_str()
            .expect("id")
            .to_string();

        let browser = Browser::open(&base).await;
        browser.sign_in(&dpo).await;
        browser.visit(&format!("/#/requests/{}", register.request)).await;
        let cell = format!("document.querySelector('tr[data-task=\"{task}\"] .task-status')?.innerText");
        browser.until("the cloud's task, pending", &format!("{cell}?.includes('Pending')")).await;
        // The subscription is open once the server has pushed the request's current state.
        browser.until("the live subscription", "document.querySelector('.live')?.dataset.connected === 'true'").await;
        browser.js("window.notReloaded = true", vec![]).await;

        let answer: Value = reqwest::Client::new()
            .post(format!("{base}/graphql"))
            .bearer_auth(&processor)
            .json(&json!({
                "query": "mutation($input: ConfirmTaskInput!) { confirmTask(input: $input) { status } }",
                "variables": { "input": { "taskId": task, "outcome": "COMPLETED",
                                          "evidence": "Deleted from the mail store, ticket CC-1042" } }
            }))
            .send()
            .await
            .expect("confirm")
            .json()
            .await
            .expect("json");
        assert_eq!(answer["data"]["confirmTask"]["status"], json!("COMPLETED"), "{answer}");

        browser.until("the task, completed, without a reload", &format!("{cell}?.includes('Completed')")).await;
        browser.sees("ticket CC-1042").await;
        assert_eq!(browser.js("return window.notReloaded === true", vec![]).await, json!(true));
        browser.sees("1/6").await;
        browser.screenshot("request-live").await;
        browser.close().await;
    })
    .await;
}
