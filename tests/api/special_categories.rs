//! Special categories (Art 9) and criminal-offence data (Art 10) marked on activities, flows,
//! transfers and who-holds, and the register filtered by them.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::TestApp,
};
use serde_json::{Value, json};

db_tests!(
    special_categories_and_criminal_offence_data_are_marked_wherever_the_data_go,
    the_register_is_filtered_by_special_categories,
    activities_are_searched_by_name_or_purpose_for_the_pickers,
);

/// `processingActivities(search:)`: part of the name or of the purpose, any case, across the
/// whole register (what the console's pickers send as the user types).
async fn activities_are_searched_by_name_or_purpose_for_the_pickers(app: TestApp) {
    let (act, ..) = register(&app).await;
    let query = r#"query($s: String) { processingActivities(search: $s, first: 10) { totalCount edges { node { id } } } }"#;
    let found = |data: serde_json::Value| -> (Value, Vec<Value>) {
        let conn = &data["processingActivities"];
        (
            conn["totalCount"].clone(),
            conn["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["id"].clone())
                .collect(),
        )
    };
    // The fixture's activity: "Customer accounts and billing", for "... agreements with customers".
    for hit in ["BILLING", "accounts and", "agreements with"] {
        let data = app.ok(query, json!({ "s": hit })).await;
        assert_eq!(found(data), (json!(1), vec![json!(act)]), "{hit}");
    }
    for miss in ["payroll", "%", "_"] {
        let data = app.ok(query, json!({ "s": miss })).await;
        assert_eq!(found(data).0, json!(0), "{miss}");
    }
    let data = app.ok(query, json!({ "s": null })).await;
    assert_eq!(found(data).0, json!(1));
}

/// Shop (DE) sends health data to Clinic (IN) and e-mail addresses to Mailer (IN); Vetting (IN)
/// receives criminal records. Returns (shop activity, health flow, mail flow, vetting flow).
async fn register(app: &TestApp) -> (String, String, String, String) {
    let shop = org(
        app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let mut others = Vec::new();
    for name in ["Clinic Pvt", "Mailer Pvt", "Vetting Pvt"] {
        others.push(
            org(
                app,
                json!({ "name": name, "kind": "SUPPLIER", "country": "IN", "dpaSignedOn": "2024-01-01" }),
            )
            .await,
        );
    }
    let act = activity(
        app,
        &shop,
        &["contact.email", "special.health", "criminal.convictions"],
    )
    .await;
    let mut flows = Vec::new();
    for (to, categories) in [
        (&others[0], json!(["special.health"])),
        (&others[1], json!(["contact.email"])),
        (&others[2], json!(["criminal.convictions"])),
    ] {
        flows.push(
            flow(
                app,
                json!({ "activityId": act, "fromId": shop, "toId": to, "recipientRole": "PROCESSOR",
                        "dataCategories": categories, "mechanism": "NONE" }),
            )
            .await,
        );
    }
    let [health, mail, vetting]: [String; 3] = flows.try_into().expect("three flows");
    (act, health, mail, vetting)
}

async fn special_categories_and_criminal_offence_data_are_marked_wherever_the_data_go(
    app: TestApp,
) {
    let (act, health, mail, vetting) = register(&app).await;
    let data = app
        .ok(
            r#"query($a: ID!) { processingActivity(id: $a) { specialCategories criminalOffenceData } }"#,
            json!({ "a": act }),
        )
        .await;
    let a = &data["processingActivity"];
    assert_eq!(
        (&a["specialCategories"], &a["criminalOffenceData"]),
        (&json!(true), &json!(true))
    );
    let app = &app;
    let marks = |id: String| async move {
        let data = app
            .ok(
                r#"query($f: ID!) { dataFlow(id: $f) { specialCategories criminalOffenceData
                     transfers { specialCategories criminalOffenceData } } }"#,
                json!({ "f": id }),
            )
            .await;
        let f = &data["dataFlow"];
        (
            f["specialCategories"].clone(),
            f["criminalOffenceData"].clone(),
            f["transfers"][0]["specialCategories"].clone(),
        )
    };
    assert_eq!(
        marks(health).await,
        (json!(true), json!(false), json!(true))
    );
    assert_eq!(
        marks(mail).await,
        (json!(false), json!(false), json!(false))
    );
    assert_eq!(
        marks(vetting).await,
        (json!(false), json!(true), json!(false))
    );

    // Who holds a customer: the clinic holds health data, the mailer none.
    crate::subjects::register(app, json!({ "accountNumber": "C-9" }), &[&act]).await;
    let data = app
        .ok(
            r#"query { whoHolds(subject: { accountNumber: "C-9" }) { holdings {
                 organisation { name } specialCategories criminalOffenceData } } }"#,
            json!({}),
        )
        .await;
    let holdings = data["whoHolds"]["holdings"].as_array().expect("holdings");
    let of = |name: &str| {
        holdings
            .iter()
            .find(|h| h["organisation"]["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {holdings:?}"))
    };
    assert_eq!(of("Clinic Pvt")["specialCategories"], true);
    assert_eq!(of("Mailer Pvt")["specialCategories"], false);
    assert_eq!(of("Vetting Pvt")["criminalOffenceData"], true);
    assert_eq!(of("Shop GmbH")["specialCategories"], true);
}

async fn the_register_is_filtered_by_special_categories(app: TestApp) {
    let (_, health, mail, vetting) = register(&app).await;
    let page = |special: Value| {
        let app = &app;
        async move {
            let data = app
                .ok(
                    r#"query($s: Boolean) { transferRegisterPage(specialCategories: $s) {
                         totalCount edges { node { flow { id } specialCategories } } } }"#,
                    json!({ "s": special }),
                )
                .await;
            let mut ids: Vec<String> = data["transferRegisterPage"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["flow"]["id"].as_str().expect("id").to_owned())
                .collect();
            ids.sort();
            (data["transferRegisterPage"]["totalCount"].clone(), ids)
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        page(json!(true)).await,
        (json!(2), sorted(vec![health.clone(), vetting.clone()]))
    );
    assert_eq!(page(json!(false)).await, (json!(1), vec![mail.clone()]));
    assert_eq!(page(json!(null)).await.0, json!(3));
}
