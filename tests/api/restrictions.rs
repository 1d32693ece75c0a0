//! Erasure exemptions per category: a holder erases what only non-exempt activities hold, keeps
//! restricted what an exempt activity holds, and `whoHolds` shows what is kept, and why, after
//! the request completes.

use crate::{
    db_tests, fixtures,
    requests::{
        self,
        receiver::{Behaviour, Receiver},
    },
    support::TestApp,
};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

db_tests!(an_erasure_is_split_into_erase_and_restrict_by_category_and_what_is_kept_stays_visible);

const SHOW: &str = r#"query($id: ID!) { dataSubjectRequest(id: $id) { status tasks { id status
  organisation { id } dataCategories eraseCategories retentionExemption
  restrictCategories { categories reason activityIds until } } } }"#;

async fn activity(
    app: &TestApp,
    controller: &str,
    name: &str,
    basis: &str,
    categories: &[&str],
    retention: &str,
    months: i32,
) -> String {
    app.ok(
        fixtures::REGISTER_ACTIVITY,
        json!({ "input": { "name": name, "controllerId": controller, "purpose": name,
            "lawfulBasis": basis, "dataCategories": categories, "subjectCategories": ["customer"],
            "retention": retention, "retentionMonths": months } }),
    )
    .await["registerProcessingActivity"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn task<'a>(shown: &'a Value, org: &str) -> &'a Value {
    requests::task_of(shown, org)
}

async fn an_erasure_is_split_into_erase_and_restrict_by_category_and_what_is_kept_stays_visible(
    app: TestApp,
) {
    let shop = fixtures::org(
        &app,
        json!({ "name": "Shop Ltd", "kind": "GROUP_COMPANY", "country": "GB", "privacyContactEmail": "dpo@shop.example" }),
    )
    .await;
    let receiver = Receiver::start(Behaviour::Succeed).await;
    let billing = fixtures::org(
        &app,
        json!({ "name": "Billing Cloud Ltd", "kind": "SUPPLIER", "country": "IE",
            "dpaSignedOn": "2024-01-01", "erasureWebhookUrl": receiver.url }),
    )
    .await;
    let secret = app.ok(requests::ROTATE, json!({ "id": billing })).await["rotateWebhookSecret"]
        .as_str()
        .expect("secret")
        .to_string();
    receiver.set_secret(&secret);
    let analytics = fixtures::org(
        &app,
        json!({ "name": "Analytics Ltd", "kind": "SUPPLIER", "country": "IE", "dpaSignedOn": "2024-01-01" }),
    )
    .await;
    let web_shop = activity(
        &app,
        &shop,
        "Web shop",
        "CONTRACT",
        &["contact.email", "identity.name", "online.clickstream"],
        "2 years after the last order",
        24,
    )
    .await;
    let invoicing = activity(
        &app,
        &shop,
        "Invoicing",
        "LEGAL_OBLIGATION",
        &["contact.email", "identity.name", "financial.payment_card"],
        "6 years after the end of the financial year",
        72,
    )
    .await;
    for (activity, to, categories) in [
        (
            &web_shop,
            &billing,
            json!(["contact.email", "online.clickstream"]),
        ),
        (
            &invoicing,
            &billing,
            json!(["contact.email", "financial.payment_card"]),
        ),
        (&web_shop, &analytics, json!(["online.clickstream"])),
    ] {
        fixtures::flow(
            &app,
            json!({ "activityId": activity, "fromId": shop, "toId": to, "recipientRole": "PROCESSOR",
                "dataCategories": categories, "mechanism": "ADEQUACY" }),
        )
        .await;
    }
    app.ok(
        r#"mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }"#,
        json!({ "input": { "identifiers": { "email": "ada@example.com", "phone": "+44 20 7946 0958" },
            "activityIds": [web_shop, invoicing] } }),
    )
    .await;

    let id = requests::file(&app, "ERASURE", Some("2026-01-15")).await;
    let shown = app.ok(SHOW, json!({ "id": id })).await["dataSubjectRequest"].clone();
    let legal = "lawful basis LEGAL_OBLIGATION (Art 17(3)(b))";
    let controller = task(&shown, &shop);
    assert_eq!(
        controller["eraseCategories"],
        json!(["online.clickstream"]),
        "{shown:#}"
    );
    assert_eq!(
        controller["restrictCategories"],
        json!([{ "categories": ["contact.email", "financial.payment_card", "identity.name"],
            "reason": legal, "activityIds": [invoicing], "until": "2032-01-15" }])
    );
    let processor = task(&shown, &billing);
    assert_eq!(
        processor["dataCategories"],
        json!([
            "contact.email",
            "financial.payment_card",
            "online.clickstream"
        ])
    );
    assert_eq!(processor["eraseCategories"], json!(["online.clickstream"]));
    assert_eq!(
        processor["restrictCategories"][0]["categories"],
        json!(["contact.email", "financial.payment_card"])
    );
    assert_eq!(processor["retentionExemption"], json!(legal));
    let other = task(&shown, &analytics);
    assert_eq!(other["eraseCategories"], json!(["online.clickstream"]));
    assert_eq!(other["restrictCategories"], json!([]));
    assert_eq!(other["retentionExemption"], Value::Null);

    // The webhook says the same.
    let worker = requests::worker(&app, |_| {});
    requests::deliver_all(&app, &worker, &id).await;
    let delivered = receiver.received();
    let body = &delivered.first().expect("delivered").body;
    assert_eq!(body["action"], "ERASE_AND_RESTRICT");
    assert_eq!(body["eraseCategories"], json!(["online.clickstream"]));
    assert_eq!(
        body["restrictCategories"],
        json!([{ "categories": ["contact.email", "financial.payment_card"], "reason": legal,
            "until": "2032-01-15" }])
    );

    // The processor cannot call the whole task exempt: part of it is to be erased.
    let shown = app.ok(SHOW, json!({ "id": id })).await["dataSubjectRequest"].clone();
    let processor = requests::as_role(&app, Role::Processor, Some(&billing)).await;
    let refused = requests::confirm(
        &app,
        processor,
        task(&shown, &billing),
        "EXEMPT",
        Some("we keep invoices"),
    )
    .await;
    crate::support::assert_error(&refused, "BAD_USER_INPUT", Some("outcome"));

    // Every holder done: the register keeps what the exemption keeps, and nothing else.
    for t in shown["tasks"].as_array().expect("tasks") {
        // A webhook task is confirmed by its processor, the others by the DPO.
        let org = t["organisation"]["id"].as_str().expect("org");
        let who = if org == billing {
            requests::as_role(&app, Role::Processor, Some(org)).await
        } else {
            requests::as_role(&app, Role::Dpo, None).await
        };
        let done = requests::confirm(&app, who, t, "COMPLETED", Some("done as asked")).await;
        assert!(done.get("errors").is_none(), "{done:#}");
    }
    let shown = app.ok(SHOW, json!({ "id": id })).await["dataSubjectRequest"].clone();
    assert_eq!(shown["status"], "COMPLETED");
    assert_eq!(app.count("subject_activity").await, 1);
    let who = app
        .ok(
            r#"{ whoHolds(subject: { email: "ada@example.com" }) { subject { activities { id } }
                holdings { organisation { id } dataCategories
                  restrictions { categories reason activityIds until } } } }"#,
            json!({}),
        )
        .await;
    let holdings = who["whoHolds"]["holdings"].as_array().expect("holdings");
    let held: Vec<(&str, Value, Value)> = holdings
        .iter()
        .map(|h| {
            (
                h["organisation"]["id"].as_str().expect("id"),
                h["dataCategories"].clone(),
                h["restrictions"][0]["categories"].clone(),
            )
        })
        .collect();
    assert_eq!(
        held,
        [
            (
                shop.as_str(),
                json!(["contact.email", "financial.payment_card", "identity.name"]),
                json!(["contact.email", "financial.payment_card", "identity.name"])
            ),
            (
                billing.as_str(),
                json!(["contact.email", "financial.payment_card"]),
                json!(["contact.email", "financial.payment_card"])
            ),
        ],
        "{who:#}"
    );
    assert_eq!(holdings[0]["restrictions"][0]["reason"], legal);
    assert_eq!(holdings[0]["restrictions"][0]["until"], "2032-01-15");
}
