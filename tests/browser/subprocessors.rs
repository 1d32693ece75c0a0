//! Sub-processor changes in the console: a processor announces a change from its own page, and
//! the DPO sees it with its impact and days left, and objects.

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

async fn id(app: &TestApp, mutation: &str, field: &str, input: Value) -> String {
    let data = app.ok(mutation, json!({ "input": input })).await;
    data[field]["id"].as_str().expect("id").to_string()
}

async fn org(app: &TestApp, input: Value) -> String {
    id(
        app,
        "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }",
        "registerOrganisation",
        input,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_processor_announces_a_change_and_the_dpo_sees_its_impact_and_objects() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let controller = org(
            &app,
            json!({ "name": "Contoso Ireland Ltd", "kind": "GROUP_COMPANY", "country": "IE" }),
        )
        .await;
        let processor = org(
            &app,
            json!({ "name": "Mailer GmbH", "kind": "SUPPLIER", "country": "DE", "dpaSignedOn": "2024-01-10",
                    "privacyContactEmail": "privacy@mailer.example",
                    "subprocessorAuthorisation": "GENERAL", "objectionPeriodDays": 30 }),
        )
        .await;
        let us_sub = org(
            &app,
            json!({ "name": "Datastore Inc", "kind": "SUBCONTRACTOR", "country": "US", "dpaSignedOn": "2024-02-01" }),
        )
        .await;
        let activity = id(
            &app,
            "mutation($input: RegisterProcessingActivityInput!) { registerProcessingActivity(input: $input) { id } }",
            "registerProcessingActivity",
            json!({ "name": "Newsletters", "controllerId": controller, "purpose": "Sending newsletters",
                    "lawfulBasis": "CONSENT", "dataCategories": ["contact.email"],
                    "subjectCategories": ["customer"], "retention": "Until consent is withdrawn" }),
        )
        .await;
        id(
            &app,
            "mutation($input: RecordDataFlowInput!) { recordDataFlow(input: $input) { id } }",
            "recordDataFlow",
            json!({ "activityId": activity, "fromId": controller, "toId": processor,
                    "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
        )
        .await;
        let base = app.serve().await;

        // The processor announces from its own page.
        let token = fixtures::token(&app, Role::Processor, Some(&processor)).await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        assert_eq!(
            browser.menu().await,
            ["My tasks", "Announce a change", "GraphiQL"]
        );
        // The first page (its tasks) has drawn: nothing is left to redraw over the next one.
        browser.sees("to act on").await;
        browser.click_text("#nav a", "Announce a change").await;
        browser.sees("Announce a sub-processor change").await;
        browser.fill("form.announce input[name=subprocessorId]", &us_sub).await;
        browser.fill("form.announce input[name=activityIds]", &activity).await;
        browser.fill("form.announce input[name=dataCategories]", "contact.email").await;
        let effective = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
        browser
            .js(
                "document.querySelector('form.announce input[name=effectiveOn]').value = arguments[0];",
                vec![json!(effective)],
            )
            .await;
        browser.click("form.announce button[type=submit]").await;
        browser.sees("objections until").await;
        // Its own changes, listed under the form with where each stands.
        browser.sees("Your announced changes").await;
        browser.sees("Adds Datastore Inc (US)").await;
        browser
            .until(
                "the change listed as pending",
                "document.querySelector('table.my-changes td.status')?.textContent.startsWith('Pending')",
            )
            .await;
        browser
            .js(
                "document.querySelector('section.mine').scrollIntoView({ block: 'end' });",
                vec![],
            )
            .await;
        browser.screenshot("subprocessor-announce").await;
        browser.close().await;

        // The DPO sees it pending, with the days left and its non-compliant impact, and objects.
        let dpo = fixtures::token(&app, Role::Dpo, None).await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&dpo).await;
        browser.sees("non-compliant of").await;
        browser.click_text("#nav a", "Sub-processor changes").await;
        browser.sees("Mailer GmbH adds Datastore Inc (US)").await;
        browser.sees("days left to object").await;
        browser.sees("Non-compliant").await;
        browser.screenshot("subprocessor-changes").await;
        browser.click("table.changes button.object").await;
        browser
            .fill("dialog[open] textarea[name=reason]", "No safeguard for the United States")
            .await;
        browser.click("dialog[open] button[type=submit]").await;
        browser
            .until("the dialog closed", "!document.querySelector('dialog[open]')")
            .await;
        browser
            .until("the change left the pending list", "!document.querySelector('table.changes')")
            .await;
        browser.close().await;

        let data = app
            .ok(
                "{ subprocessorChanges { edges { node { status reason processor { id } } } } }",
                json!({}),
            )
            .await;
        let change = &data["subprocessorChanges"]["edges"][0]["node"];
        assert_eq!(change["status"], "OBJECTED", "{data:#}");
        assert_eq!(change["reason"], "No safeguard for the United States");
        assert_eq!(change["processor"]["id"], json!(processor));
        assert_eq!(app.count("subprocessor_notice").await, 1);

        // The processor sees the objection on its page.
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        browser.sees("to act on").await;
        browser.click_text("#nav a", "Announce a change").await;
        browser.sees("No safeguard for the United States").await;
        browser
            .until(
                "the change listed as objected",
                "document.querySelector('table.my-changes td.status')?.textContent.startsWith('Objected')",
            )
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
async fn the_dpo_adds_a_customer_to_tell_of_changes_and_removes_it() {
    run(Backend::Sqlite, |app: TestApp| async move {
        let base = app.serve().await;
        let dpo = fixtures::token(&app, Role::Dpo, None).await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&dpo).await;
        browser.click_text("#nav a", "Sub-processor changes").await;
        browser.sees("Customers told of our changes").await;
        browser.sees("No customer is told of changes yet.").await;

        // A webhook address that is none is refused beside its field; an e-mail address is taken.
        browser.fill("form.subscribe input[name=name]", "Customer B").await;
        browser
            .fill("form.subscribe input[name=webhookUrl]", "not a web address")
            .await;
        browser.click("form.subscribe button[type=submit]").await;
        browser
            .until(
                "the refusal beside the webhook field",
                "!document.querySelector('form.subscribe [data-field=webhookUrl] .field-error').hidden",
            )
            .await;
        browser
            .js(
                "document.querySelector('form.subscribe input[name=webhookUrl]').value = '';",
                vec![],
            )
            .await;
        browser
            .fill("form.subscribe input[name=email]", "dpo@customer-b.example")
            .await;
        browser.click("form.subscribe button[type=submit]").await;
        browser.sees("Customer B is added.").await;
        browser.sees("E-mail dpo@customer-b.example").await;
        browser.screenshot("subprocessor-subscribers").await;
        let listed = app
            .ok(
                "{ subprocessorListSubscribers { totalCount edges { node { name email } } } }",
                json!({}),
            )
            .await;
        assert_eq!(listed["subprocessorListSubscribers"]["totalCount"], 1, "{listed:#}");

        browser.click("table.subscribers button.remove").await;
        browser.click("dialog[open] button[type=submit]").await;
        browser.sees("Customer B is removed.").await;
        browser.sees("No customer is told of changes yet.").await;
        browser.close().await;
        let listed = app
            .ok("{ subprocessorListSubscribers { totalCount } }", json!({}))
            .await;
        assert_eq!(listed["subprocessorListSubscribers"]["totalCount"], 0, "{listed:#}");
    })
    .await;
}
