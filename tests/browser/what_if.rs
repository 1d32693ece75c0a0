//! The what-if view: a DPO asks what would fail if the EU-US Data Privacy Framework fell, sees
//! the same transfers as the `whatIf` query with the people they touch, downloads the answer,
//! and sends the question on as an address that asks it again.

use crate::{
    browser::Browser,
    fixtures,
    support::{Backend, TestApp, run},
};
use serde_json::json;
use transfer_register::domain::vocab::Role;

const ENDS_ON: &str = "2027-03-01";

/// The holders and subject counts the API gives for the same question, in its order.
async fn expected(app: &TestApp) -> Vec<(String, String)> {
    let data = app
        .ok(
            "query($d: Date!) { whatIf(mechanism: EU_US_DPF, endsOn: $d) { holder { name } subjectCount } }",
            json!({ "d": ENDS_ON }),
        )
        .await;
    data["whatIf"]
        .as_array()
        .expect("impacts")
        .iter()
        .map(|i| {
            (
                i["holder"]["name"].as_str().expect("name").to_string(),
                i["subjectCount"].to_string(),
            )
        })
        .collect()
}

/// The holder and subject columns of the table on the page.
async fn shown(browser: &Browser) -> Vec<(String, String)> {
    let rows = browser
        .js(
            "return [...document.querySelectorAll('table.whatif tbody tr')].map(r => [r.cells[1].innerText, r.cells[5].innerText])",
            vec![],
        )
        .await;
    serde_json::from_value::<Vec<(String, String)>>(rows).expect("rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(browser_tests),
    ignore = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver); CI=true runs it regardless"
)]
async fn a_dpo_sees_what_would_fail_if_the_dpf_fell_and_downloads_it() {
    run(Backend::Sqlite, |app: TestApp| async move {
        fixtures::dpf_register(&app).await;
        let expected = expected(&app).await;
        // The cloud on the DPF fails, touching the activity's three subjects; the mailer on the
        // SCCs does not.
        assert_eq!(expected, [("Cloud Inc".to_string(), "3".to_string())]);
        let token = fixtures::token(&app, Role::Dpo, None).await;
        let base = app.serve().await;
        let browser = Browser::open(&base).await;
        browser.sign_in(&token).await;
        assert!(browser.menu().await.contains(&"What if".to_string()));

        browser.visit("/#/what-if").await;
        browser.sees("What if a safeguard stopped?").await;
        // Asking without a date is refused beside the field, before anything is sent.
        browser
            .find("select[name=mechanism]")
            .await
            .select_by_value("EU_US_DPF")
            .await
            .expect("mechanism");
        browser.click("main form button[type=submit]").await;
        browser.sees("Give the first day without it.").await;

        browser
            .js(
                &format!("document.querySelector('input[name=endsOn]').value = '{ENDS_ON}'"),
                vec![],
            )
            .await;
        browser.click("main form button[type=submit]").await;
        browser
            .sees("would fail if the EU-US Data Privacy Framework stopped on 2027-03-01")
            .await;
        assert_eq!(shown(&browser).await, expected);
        let people: u64 = expected
            .iter()
            .map(|(_, n)| n.parse::<u64>().expect("count"))
            .sum();
        browser
            .sees(&format!("touching {people} data subject"))
            .await;
        // What could carry it instead, named as a lawyer would: the SCCs and what they still need.
        browser.sees("2021 SCCs").await;
        browser.sees("needs: Module missing, TIA missing").await;
        browser.screenshot("what-if").await;

        // The question is kept in the address: opening it asks again.
        let address = browser.js("return location.hash", vec![]).await;
        assert_eq!(
            address,
            json!(format!("#/what-if?endsOn={ENDS_ON}&mechanism=EU_US_DPF"))
        );
        browser.visit("/#/overview").await;
        browser
            .visit(&format!("/{}", address.as_str().expect("hash")))
            .await;
        browser.sees("would fail if").await;
        assert_eq!(shown(&browser).await, expected);

        // The download is the export of the same question, fetched with the token.
        let href = browser
            .js(
                "return document.querySelector('a.download').getAttribute('href')",
                vec![],
            )
            .await;
        assert_eq!(
            href,
            json!(format!(
                "/exports/whatif.csv?endsOn={ENDS_ON}&mechanism=EU_US_DPF"
            ))
        );
        let csv = reqwest::Client::new()
            .get(format!("{base}{}", href.as_str().expect("href")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body");
        for (holder, _) in &expected {
            assert!(csv.contains(holder.as_str()), "{holder} in {csv}");
        }
        browser.click("a.download").await;
        browser
            .sees(&format!("whatif-{ENDS_ON}.csv downloaded."))
            .await;

        // The same question asked of the adequacy decision: choosing it clears the mechanism,
        // and the decision's name heads the answer.
        browser
            .until(
                "the decisions of the reference data",
                "document.querySelector('select[name=decisionId] option[value=\"EU-US-DPF\"]')",
            )
            .await;
        browser
            .find("select[name=decisionId]")
            .await
            .select_by_value("EU-US-DPF")
            .await
            .expect("decision");
        let cleared = browser
            .js(
                "return document.querySelector('select[name=mechanism]').value",
                vec![],
            )
            .await;
        assert_eq!(cleared, json!(""), "one way of asking at a time");
        browser.click("main form button[type=submit]").await;
        browser
            .until(
                "the decision's answer",
                "location.hash.includes('decisionId=EU-US-DPF')",
            )
            .await;
        browser
            .sees(
                "would fail if United States (EU-US Data Privacy Framework) stopped on 2027-03-01",
            )
            .await;
        assert_eq!(shown(&browser).await, expected);
        browser.close().await;
    })
    .await;
}
