//! Processing activities and the contract's rules for data flows.

use crate::{
    db_tests,
    fixtures::{self, RECORD_FLOW, REGISTER_ACTIVITY},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};

db_tests!(
    activities_refuse_unknown_categories_and_controllers,
    the_seed_flows_are_recorded_with_mechanism_defaulting_to_none,
    a_first_flow_must_start_at_the_activity_controller,
    a_continued_flow_starts_where_the_earlier_one_ended_with_a_subset_of_its_categories,
    flows_are_listed_by_filter,
    listing_a_thousand_flows_with_their_organisations_takes_a_bounded_number_of_statements,
);

async fn activities_refuse_unknown_categories_and_controllers(app: TestApp) {
    let controller = fixtures::org(
        &app,
        json!({ "name": "Contoso Group plc", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let input = |change: Value| {
        let mut input = json!({ "name": "Recruitment", "controllerId": controller, "purpose": "Assess job applications",
            "lawfulBasis": "LEGITIMATE_INTERESTS", "dataCategories": ["employment.cv"], "subjectCategories": ["job_applicant"],
            "retention": "12 months after the application", "retentionMonths": 12 });
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let cases = [
        (
            json!({ "dataCategories": ["employment.cv", "employment.shoe_size"] }),
            "dataCategories",
        ),
        (json!({ "dataCategories": [] }), "dataCategories"),
        (
            json!({ "subjectCategories": ["aliens"] }),
            "subjectCategories",
        ),
        (json!({ "controllerId": "9999" }), "controllerId"),
        (json!({ "purpose": "" }), "purpose"),
        (json!({ "retention": " " }), "retention"),
        (json!({ "retentionMonths": 0 }), "retentionMonths"),
        (json!({ "lawfulBasis": "BECAUSE" }), "lawfulBasis"),
    ];
    for (change, field) in cases {
        assert_error(
            &app.gql(REGISTER_ACTIVITY, input(change)).await,
            "BAD_USER_INPUT",
            Some(field),
        );
    }
    assert_eq!(app.count("processing_activity").await, 0);
    let data = app
        .ok(
            REGISTER_ACTIVITY,
            input(json!({ "dataCategories": ["employment.cv", "employment.cv"] })),
        )
        .await;
    assert_eq!(
        data["registerProcessingActivity"]["dataCategories"],
        json!(["employment.cv"]),
        "duplicates collapse"
    );
}

async fn the_seed_flows_are_recorded_with_mechanism_defaulting_to_none(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let data = app
        .ok(
            "query($id: ID!) { dataFlow(id: $id) { mechanism sccModule signedOn recipientRole dataCategories
                activity { name controller { name } } from { name } to { name country }
                continues { id to { name } } } }",
            json!({ "id": seed.to_india }),
        )
        .await;
    let flow = &data["dataFlow"];
    assert_eq!(flow["mechanism"], "SCC_2021");
    assert_eq!(flow["sccModule"], "P2P");
    assert_eq!(flow["signedOn"], "2022-06-15");
    assert_eq!(flow["recipientRole"], "SUB_PROCESSOR");
    assert_eq!(flow["from"]["name"], "Cumulus Cloud Inc");
    assert_eq!(flow["to"]["country"], "IN");
    assert_eq!(flow["continues"]["id"], json!(seed.to_us_cloud));
    assert_eq!(flow["activity"]["controller"]["name"], "Contoso Group plc");

    let plain = fixtures::flow(
        &app,
        json!({ "activityId": seed.activity, "fromId": seed.parent, "toId": seed.indian_support,
            "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
    )
    .await;
    let data = app
        .ok(
            "query($id: ID!) { dataFlow(id: $id) { mechanism } }",
            json!({ "id": plain }),
        )
        .await;
    assert_eq!(data["dataFlow"]["mechanism"], "NONE");
}

async fn a_first_flow_must_start_at_the_activity_controller(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let before = app.count("data_flow").await;
    let base = json!({ "activityId": seed.activity, "fromId": seed.parent, "toId": seed.us_cloud,
        "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] });
    let cases = [
        (json!({ "fromId": seed.irish }), "fromId"),
        (json!({ "toId": seed.parent }), "toId"),
        (json!({ "toId": "31337" }), "toId"),
        (json!({ "activityId": "31337" }), "activityId"),
        (
            json!({ "dataCategories": ["employment.cv"] }),
            "dataCategories",
        ),
        (
            json!({ "dataCategories": ["no.such.code"] }),
            "dataCategories",
        ),
        (json!({ "sccModule": "C2P" }), "sccModule"),
        (
            json!({ "mechanism": "SCC_2021", "derogation": "LEGAL_CLAIMS" }),
            "derogation",
        ),
        (
            json!({ "mechanism": "SCC_2021", "tiaCompletedOn": "2100-01-01" }),
            "tiaCompletedOn",
        ),
        (json!({ "signedOn": "12/05/2022" }), "signedOn"),
        (json!({ "mechanism": "SCC_2022" }), "mechanism"),
    ];
    for (change, field) in cases {
        let mut input = base.clone();
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        assert_error(
            &app.gql(RECORD_FLOW, json!({ "input": input })).await,
            "BAD_USER_INPUT",
            Some(field),
        );
    }
    assert_eq!(app.count("data_flow").await, before);
}

async fn a_continued_flow_starts_where_the_earlier_one_ended_with_a_subset_of_its_categories(
    app: TestApp,
) {
    let seed = fixtures::seed(&app).await;
    let other_activity = fixtures::activity(&app, &seed.parent, &["contact.email"]).await;
    let before = app.count("data_flow").await;
    let base = json!({ "activityId": seed.activity, "fromId": seed.us_cloud, "toId": seed.indian_support,
        "recipientRole": "SUB_PROCESSOR", "dataCategories": ["contact.email"], "continuesFlowId": seed.to_us_cloud });
    let cases = [
        (json!({ "fromId": seed.parent }), "fromId"),
        (
            json!({ "dataCategories": ["online.clickstream"] }),
            "dataCategories",
        ),
        (json!({ "continuesFlowId": "4040" }), "continuesFlowId"),
        (json!({ "activityId": other_activity }), "continuesFlowId"),
    ];
    for (change, field) in cases {
        let mut input = base.clone();
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        assert_error(
            &app.gql(RECORD_FLOW, json!({ "input": input })).await,
            "BAD_USER_INPUT",
            Some(field),
        );
    }
    assert_eq!(app.count("data_flow").await, before);
    // Two levels down: India hands a subset on to a further sub-processor.
    let deeper = fixtures::org(
        &app,
        json!({ "name": "Tickets Pte Ltd", "kind": "SUBCONTRACTOR", "country": "SG" }),
    )
    .await;
    let id = fixtures::flow(
        &app,
        json!({ "activityId": seed.activity, "fromId": seed.indian_support, "toId": deeper,
            "recipientRole": "SUB_PROCESSOR", "dataCategories": ["contact.email"], "continuesFlowId": seed.to_india }),
    )
    .await;
    let data = app
        .ok(
            "query($id: ID!) { dataFlow(id: $id) { continues { continues { id } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        data["dataFlow"]["continues"]["continues"]["id"],
        json!(seed.to_us_cloud)
    );
}

const FLOWS: &str = r#"query($activityId: ID, $fromId: ID, $toId: ID, $mechanism: TransferMechanism, $first: Int) {
  dataFlows(activityId: $activityId, fromId: $fromId, toId: $toId, mechanism: $mechanism, first: $first) {
    totalCount edges { node { id } } } }"#;

async fn flows_are_listed_by_filter(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let ids = |data: &Value| -> Vec<String> {
        data["dataFlows"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].as_str().expect("id").to_string())
            .collect()
    };
    assert_eq!(app.ok(FLOWS, json!({})).await["dataFlows"]["totalCount"], 4);
    assert_eq!(
        ids(&app.ok(FLOWS, json!({ "fromId": seed.us_cloud })).await),
        vec![seed.to_india.clone()]
    );
    assert_eq!(
        ids(&app.ok(FLOWS, json!({ "toId": seed.irish })).await),
        vec![seed.to_irish.clone()]
    );
    assert_eq!(
        ids(&app
            .ok(FLOWS, json!({ "mechanism": "PRIVACY_SHIELD" }))
            .await),
        vec![seed.to_shield.clone()]
    );
    assert_eq!(
        app.ok(FLOWS, json!({ "activityId": seed.activity })).await["dataFlows"]["totalCount"],
        4
    );
    assert_error(
        &app.gql(FLOWS, json!({ "fromId": "x" })).await,
        "BAD_USER_INPUT",
        Some("fromId"),
    );
}

async fn listing_a_thousand_flows_with_their_organisations_takes_a_bounded_number_of_statements(
    app: TestApp,
) {
    let controller = fixtures::org(
        &app,
        json!({ "name": "Contoso Group plc", "kind": "GROUP_COMPANY", "country": "GB" }),
    )
    .await;
    let activity = fixtures::activity(&app, &controller, &["contact.email"]).await;
    let mut suppliers = Vec::new();
    for i in 0..50 {
        let country = ["US", "IN", "IE", "FR", "JP"][i % 5];
        suppliers.push(
            fixtures::org(
                &app,
                json!({ "name": format!("Supplier {i}"), "kind": "SUPPLIER", "country": country,
                    "locations": [{ "country": country, "use": "STORAGE" }, { "country": "GB", "use": "REMOTE_ACCESS" }] }),
            )
            .await,
        );
    }
    for i in 0..1000 {
        fixtures::flow(
            &app,
            json!({ "activityId": activity, "fromId": controller, "toId": suppliers[i % 50],
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
        )
        .await;
    }
    let query = r#"{ dataFlows(first: 1000) { totalCount edges { node { id
        from { name locations { country } } to { name parent { name } locations { country insideEea } }
        activity { name controller { name } } } } } }"#;
    let principal = app
        .principal(transfer_register::domain::vocab::Role::Auditor, None)
        .await;
    let before = app.statements();
    let response = app
        .exec(
            transfer_register::graphql::context::Auth::Token(principal),
            query,
            json!({}),
        )
        .await;
    let statements = app.statements() - before;
    assert!(response.get("errors").is_none(), "{response:#}");
    assert_eq!(
        response["data"]["dataFlows"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(1000)
    );
    // count + page + organisations + locations + activities (+ a second organisations batch for
    // controllers/parents): independent of the number of rows.
    assert!(statements <= 8, "{statements} statements for 1000 flows");
}
