//! Registering, changing, offboarding and listing organisations.

use crate::{
    db_tests,
    fixtures::{self, REGISTER_ORG},
    support::{TestApp, assert_error},
};
use serde_json::json;

db_tests!(
    registering_the_seed_group_company_and_a_us_supplier_derives_eea_membership,
    each_kind_of_bad_organisation_input_is_refused_naming_its_field_and_writes_nothing,
    a_bad_location_rolls_back_the_whole_registration,
    updating_an_organisation_changes_only_the_given_fields,
    a_parent_that_would_make_a_cycle_is_refused,
    offboarded_organisations_keep_their_flows_but_receive_no_new_ones,
    organisations_are_listed_with_filters_and_cursor_pagination,
    locations_are_added_once_and_removed,
    outside_insecure_mode_webhooks_must_reach_public_https_hosts,
);

async fn outside_insecure_mode_webhooks_must_reach_public_https_hosts(app: TestApp) {
    use transfer_register::service::{audit::Actor, organisations, webhook_url::WebhookPolicy};
    let input = |url: &str| organisations::NewOrganisation {
        name: "Acme".into(),
        kind: Some(transfer_register::domain::vocab::OrganisationKind::Supplier),
        country: "US".into(),
        erasure_webhook_url: Some(url.into()),
        ..Default::default()
    };
    let actor = Actor::command_line(&app.state.audit_key);
    for bad in [
        "http://93.184.216.34/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/",
        "https://localhost:8443/x",
    ] {
        let err =
            organisations::register(&app.state.db, &actor, input(bad), &WebhookPolicy::secure())
                .await
                .expect_err(bad);
        assert_eq!(err.code(), "BAD_USER_INPUT", "{bad}");
        assert!(
            matches!(err, transfer_register::error::AppError::BadInput { ref field, .. } if field == "erasureWebhookUrl")
        );
    }
    assert_eq!(app.count("organisation").await, 0);
    organisations::register(
        &app.state.db,
        &actor,
        input("https://93.184.216.34/hook"),
        &WebhookPolicy::secure(),
    )
    .await
    .expect("public https");
}

async fn registering_the_seed_group_company_and_a_us_supplier_derives_eea_membership(app: TestApp) {
    let parent = fixtures::org(
        &app,
        json!({ "name": "Contoso Group plc", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let data = app
        .ok(
            REGISTER_ORG,
            json!({ "input": { "name": "  Contoso Ireland Ltd ", "kind": "GROUP_COMPANY", "country": "IE",
                "parentId": parent, "locations": [{ "country": "IE", "use": "STORAGE" }, { "country": "US", "use": "REMOTE_ACCESS" }] } }),
        )
        .await;
    let irish = &data["registerOrganisation"];
    assert_eq!(irish["name"], "Contoso Ireland Ltd", "names are trimmed");
    assert_eq!(irish["status"], "ACTIVE");
    assert_eq!(irish["insideEea"], true);
    assert_eq!(irish["parent"]["name"], "Contoso Group plc");
    assert_eq!(
        irish["locations"],
        json!([{ "country": "IE", "use": "STORAGE", "insideEea": true }, { "country": "US", "use": "REMOTE_ACCESS", "insideEea": false }])
    );

    let data = app
        .ok(
            REGISTER_ORG,
            json!({ "input": { "name": "Cumulus Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpfCertified": true,
                "dpaSignedOn": "2023-01-05", "privacyContactEmail": "privacy@cumulus.example" } }),
        )
        .await;
    assert_eq!(data["registerOrganisation"]["insideEea"], false);
    assert_eq!(data["registerOrganisation"]["dpfCertified"], true);
    let uk = app
        .ok(
            "query($id: ID!) { organisation(id: $id) { insideEea country } }",
            json!({ "id": parent }),
        )
        .await;
    assert_eq!(
        uk["organisation"],
        json!({ "insideEea": false, "country": "GB" }),
        "the UK left the EEA"
    );
}

async fn each_kind_of_bad_organisation_input_is_refused_naming_its_field_and_writes_nothing(
    app: TestApp,
) {
    let base = json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US" });
    let long_name = "x".repeat(201);
    let cases = [
        (json!({ "country": "us" }), "country"),
        (json!({ "country": "UK" }), "country"),
        (json!({ "country": "USA" }), "country"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": long_name }), "name"),
        (json!({ "name": "Acme\u{0007}" }), "name"),
        (
            json!({ "privacyContactEmail": "not-an-email" }),
            "privacyContactEmail",
        ),
        (
            json!({ "erasureWebhookUrl": "ftp://example.com/hook" }),
            "erasureWebhookUrl",
        ),
        (
            json!({ "erasureWebhookUrl": "not a url" }),
            "erasureWebhookUrl",
        ),
        (json!({ "dpaSignedOn": "2999-01-01" }), "dpaSignedOn"),
        (json!({ "dpaSignedOn": "1970-01-01" }), "dpaSignedOn"),
        (json!({ "dpaSignedOn": "2021-02-30" }), "dpaSignedOn"),
        (json!({ "parentId": "999999" }), "parentId"),
        (json!({ "parentId": "abc" }), "parentId"),
        (json!({ "kind": "VENDOR" }), "kind"),
        (json!({ "companyNumber": "" }), "companyNumber"),
    ];
    for (change, field) in cases {
        let mut input = base.clone();
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        let response = app.gql(REGISTER_ORG, json!({ "input": input })).await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
    }
    assert_eq!(app.count("organisation").await, 0);
}

async fn a_bad_location_rolls_back_the_whole_registration(app: TestApp) {
    let response = app
        .gql(
            REGISTER_ORG,
            json!({ "input": { "name": "Acme", "kind": "SUPPLIER", "country": "US",
                "locations": [{ "country": "US", "use": "STORAGE" }, { "country": "XX", "use": "STORAGE" }] } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("locations[1].country"));
    assert_eq!(app.count("organisation").await, 0);
    assert_eq!(app.count("location").await, 0);
}

const UPDATE: &str = r#"mutation($input: UpdateOrganisationInput!) {
  updateOrganisation(input: $input) { id name status dpaSignedOn companyNumber dpfCertified parent { id } } }"#;

async fn updating_an_organisation_changes_only_the_given_fields(app: TestApp) {
    let id = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "US", "companyNumber": "C-1", "dpaSignedOn": "2020-01-01" }),
    )
    .await;
    let data = app
        .ok(
            UPDATE,
            json!({ "input": { "id": id, "dpfCertified": true, "companyNumber": null } }),
        )
        .await;
    let org = &data["updateOrganisation"];
    assert_eq!(org["name"], "Acme");
    assert_eq!(org["dpaSignedOn"], "2020-01-01");
    assert_eq!(org["companyNumber"], json!(null));
    assert_eq!(org["dpfCertified"], true);

    let response = app
        .gql(UPDATE, json!({ "input": { "id": id, "country": "ZZ" } }))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("country"));
    let response = app
        .gql(UPDATE, json!({ "input": { "id": "424242", "name": "X" } }))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("id"));
}

async fn a_parent_that_would_make_a_cycle_is_refused(app: TestApp) {
    let a = fixtures::org(
        &app,
        json!({ "name": "A", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let b = fixtures::org(
        &app,
        json!({ "name": "B", "kind": "GROUP_COMPANY", "country": "IE", "parentId": a }),
    )
    .await;
    let response = app
        .gql(UPDATE, json!({ "input": { "id": a, "parentId": b } }))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("parentId"));
    let response = app
        .gql(UPDATE, json!({ "input": { "id": a, "parentId": a } }))
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("parentId"));
}

async fn offboarded_organisations_keep_their_flows_but_receive_no_new_ones(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let data = app
        .ok(
            "mutation($id: ID!) { offboardOrganisation(id: $id) { status } }",
            json!({ "id": seed.shield_supplier }),
        )
        .await;
    assert_eq!(data["offboardOrganisation"]["status"], "OFFBOARDED");
    let kept = app
        .ok(
            "query($id: ID!) { dataFlow(id: $id) { to { status } } }",
            json!({ "id": seed.to_shield }),
        )
        .await;
    assert_eq!(kept["dataFlow"]["to"]["status"], "OFFBOARDED");
    let flows_before = app.count("data_flow").await;
    let response = app
        .gql(
            fixtures::RECORD_FLOW,
            json!({ "input": { "activityId": seed.activity, "fromId": seed.parent, "toId": seed.shield_supplier,
                "recipientRole": "PROCESSOR", "dataCategories": ["online.clickstream"] } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("toId"));
    assert_eq!(app.count("data_flow").await, flows_before);
}

const LIST: &str = r#"query($kind: OrganisationKind, $country: String, $insideEea: Boolean, $nameContains: String,
    $status: OrganisationStatus, $first: Int, $after: String) {
  organisations(kind: $kind, country: $country, insideEea: $insideEea, nameContains: $nameContains,
    status: $status, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name } } } }"#;

fn names(data: &serde_json::Value) -> Vec<String> {
    data["organisations"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["name"].as_str().expect("name").to_string())
        .collect()
}

async fn organisations_are_listed_with_filters_and_cursor_pagination(app: TestApp) {
    fixtures::seed(&app).await;
    let all = app.ok(LIST, json!({})).await;
    assert_eq!(all["organisations"]["totalCount"], 5);

    let page1 = app.ok(LIST, json!({ "first": 2 })).await;
    assert_eq!(names(&page1), ["Contoso Group plc", "Contoso Ireland Ltd"]);
    assert_eq!(page1["organisations"]["pageInfo"]["hasNextPage"], true);
    assert_eq!(page1["organisations"]["totalCount"], 5);
    let cursor = page1["organisations"]["pageInfo"]["endCursor"].clone();
    let page2 = app.ok(LIST, json!({ "first": 2, "after": cursor })).await;
    assert_eq!(
        names(&page2),
        ["Cumulus Cloud Inc", "Helpdesk Services Pvt Ltd"]
    );
    let cursor = page2["organisations"]["pageInfo"]["endCursor"].clone();
    let page3 = app.ok(LIST, json!({ "first": 2, "after": cursor })).await;
    assert_eq!(names(&page3), ["Old Analytics LLC"]);
    assert_eq!(page3["organisations"]["pageInfo"]["hasNextPage"], false);

    assert_eq!(
        names(&app.ok(LIST, json!({ "kind": "SUPPLIER" })).await),
        ["Cumulus Cloud Inc", "Old Analytics LLC"]
    );
    assert_eq!(
        names(&app.ok(LIST, json!({ "country": "IN" })).await),
        ["Helpdesk Services Pvt Ltd"]
    );
    assert_eq!(
        names(&app.ok(LIST, json!({ "insideEea": true })).await),
        ["Contoso Ireland Ltd"]
    );
    assert_eq!(
        app.ok(LIST, json!({ "insideEea": false })).await["organisations"]["totalCount"],
        4
    );
    assert_eq!(
        names(&app.ok(LIST, json!({ "nameContains": "CONTOSO" })).await),
        ["Contoso Group plc", "Contoso Ireland Ltd"]
    );
    assert_eq!(
        names(&app.ok(LIST, json!({ "nameContains": "%" })).await),
        Vec::<String>::new(),
        "wildcards are literal"
    );
    assert_eq!(
        app.ok(LIST, json!({ "status": "OFFBOARDED" })).await["organisations"]["totalCount"],
        0
    );

    assert_error(
        &app.gql(LIST, json!({ "first": 1001 })).await,
        "BAD_USER_INPUT",
        Some("first"),
    );
    assert_error(
        &app.gql(LIST, json!({ "after": "garbage" })).await,
        "BAD_USER_INPUT",
        Some("after"),
    );
    assert_error(
        &app.gql(LIST, json!({ "country": "gb" })).await,
        "BAD_USER_INPUT",
        Some("country"),
    );
}

async fn locations_are_added_once_and_removed(app: TestApp) {
    let id = fixtures::org(
        &app,
        json!({ "name": "Acme", "kind": "SUPPLIER", "country": "GB" }),
    )
    .await;
    let add = r#"mutation($input: AddLocationInput!) { addLocation(input: $input) { id country use insideEea } }"#;
    let data = app
        .ok(
            add,
            json!({ "input": { "organisationId": id, "country": "IN", "use": "REMOTE_ACCESS" } }),
        )
        .await;
    assert_eq!(data["addLocation"]["insideEea"], false);
    let location = data["addLocation"]["id"].clone();
    let again = app
        .gql(
            add,
            json!({ "input": { "organisationId": id, "country": "IN", "use": "REMOTE_ACCESS" } }),
        )
        .await;
    assert_error(&again, "CONFLICT", None);
    let unknown = app
        .gql(
            add,
            json!({ "input": { "organisationId": "777", "country": "IN", "use": "STORAGE" } }),
        )
        .await;
    assert_error(&unknown, "BAD_USER_INPUT", Some("organisationId"));
    app.ok(
        "mutation($id: ID!) { removeLocation(id: $id) { id } }",
        json!({ "id": location }),
    )
    .await;
    assert_eq!(app.count("location").await, 0);
    let gone = app
        .gql(
            "mutation($id: ID!) { removeLocation(id: $id) { id } }",
            json!({ "id": location }),
        )
        .await;
    assert_error(&gone, "NOT_FOUND", None);
}
