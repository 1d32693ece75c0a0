//! The shipped taxonomy and its extension.

use crate::{
    db_tests,
    support::{TestApp, assert_error},
};
use serde_json::json;

db_tests!(
    the_seed_policy_categories_are_shipped,
    categories_are_defined_once_under_an_existing_parent
);

async fn the_seed_policy_categories_are_shipped(app: TestApp) {
    let data = app
        .ok(
            "{ dataCategories { code name special } subjectCategories { code } }",
            json!({}),
        )
        .await;
    let codes: Vec<&str> = data["dataCategories"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    for code in [
        "identity.name",
        "identity.date_of_birth",
        "contact.email",
        "contact.phone",
        "financial.payment_card",
        "online.ip_address",
        "online.clickstream",
        "communications.call_recording",
        "employment.cv",
        "marketing.preferences",
    ] {
        assert!(codes.contains(&code), "{code} is shipped");
    }
    let health = data["dataCategories"]
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["code"] == "special.health");
    assert_eq!(
        health.map(|c| c["special"].clone()),
        Some(json!(true)),
        "Art 9 categories are flagged"
    );
    let subjects: Vec<&str> = data["subjectCategories"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["code"].as_str())
        .collect();
    for code in [
        "customer",
        "website_visitor",
        "job_applicant",
        "marketing_contact",
        "employee",
    ] {
        assert!(subjects.contains(&code), "{code} is shipped");
    }
}

async fn categories_are_defined_once_under_an_existing_parent(app: TestApp) {
    let define = "mutation($input: DefineDataCategoryInput!) { defineDataCategory(input: $input) { code name special } }";
    let data = app.ok(define, json!({ "input": { "code": "special.health.vaccination", "name": "Vaccination status" } })).await;
    assert_eq!(
        data["defineDataCategory"]["special"], true,
        "a child of an Art 9 category is Art 9 too"
    );
    let data = app
        .ok(
            define,
            json!({ "input": { "code": "contact.fax", "name": "Fax number" } }),
        )
        .await;
    assert_eq!(data["defineDataCategory"]["special"], false);

    assert_error(
        &app.gql(
            define,
            json!({ "input": { "code": "contact.fax", "name": "Again" } }),
        )
        .await,
        "CONFLICT",
        None,
    );
    assert_error(
        &app.gql(
            define,
            json!({ "input": { "code": "vehicle.plate", "name": "Plate" } }),
        )
        .await,
        "BAD_USER_INPUT",
        Some("code"),
    );
    assert_error(
        &app.gql(
            define,
            json!({ "input": { "code": "Bad Code", "name": "x" } }),
        )
        .await,
        "BAD_USER_INPUT",
        Some("code"),
    );
    assert_error(
        &app.gql(
            define,
            json!({ "input": { "code": "contact.pager", "name": "" } }),
        )
        .await,
        "BAD_USER_INPUT",
        Some("name"),
    );

    let subject = "mutation($input: DefineSubjectCategoryInput!) { defineSubjectCategory(input: $input) { code } }";
    app.ok(
        subject,
        json!({ "input": { "code": "supplier_contact", "name": "Supplier contacts" } }),
    )
    .await;
    assert_error(
        &app.gql(
            subject,
            json!({ "input": { "code": "customer", "name": "Again" } }),
        )
        .await,
        "CONFLICT",
        None,
    );
}
