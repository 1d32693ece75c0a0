//! The registers the browser tests run on: the demonstration register (what a new user sees
//! first), a small one built through the GraphQL API where a test wants a handful of known
//! rows, and tokens.

use crate::support::TestApp;
use serde_json::{Value, json};
use transfer_register::{
    domain::vocab::Role,
    service::{demo, tokens},
};

pub struct Register {
    pub cloud: String,
    pub activity: String,
    pub request: String,
}

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

async fn flow(app: &TestApp, input: Value) -> String {
    id(
        app,
        "mutation($input: RecordDataFlowInput!) { recordDataFlow(input: $input) { id } }",
        "recordDataFlow",
        input,
    )
    .await
}

/// A UK parent, an Irish group company, a US cloud on the UK Addendum, an Indian helpdesk reached
/// through it, a US supplier still on Privacy Shield, a Canadian one on adequacy; one subject and
/// an erasure request filed for it.
pub async fn register(app: &TestApp) -> Register {
    let parent = org(
        app,
        json!({ "name": "Contoso Group plc", "kind": "GROUP_COMPANY", "country": "GB",
                "privacyContactEmail": "dpo@contoso.example", "locations": [{ "country": "GB", "use": "STORAGE" }] }),
    )
    .await;
    let irish = org(
        app,
        json!({ "name": "Contoso Ireland Ltd", "kind": "GROUP_COMPANY", "country": "IE", "parentId": parent,
                "dpaSignedOn": "2019-03-01" }),
    )
    .await;
    let cloud = org(
        app,
        json!({ "name": "Cumulus Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2022-01-10",
                "locations": [{ "country": "US", "use": "STORAGE" }] }),
    )
    .await;
    let india = org(
        app,
        json!({ "name": "Helpdesk Services Pvt Ltd", "kind": "SUBCONTRACTOR", "country": "IN",
                "dpaSignedOn": "2022-02-01", "locations": [{ "country": "IN", "use": "REMOTE_ACCESS" }] }),
    )
    .await;
    let shield = org(
        app,
        json!({ "name": "Old Analytics LLC", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2018-06-01" }),
    )
    .await;
    let canada = org(
        app,
        json!({ "name": "Maple Mail Corp", "kind": "SUPPLIER", "country": "CA", "dpaSignedOn": "2021-01-01" }),
    )
    .await;
    let activity = id(
        app,
        "mutation($input: RegisterProcessingActivityInput!) { registerProcessingActivity(input: $input) { id } }",
        "registerProcessingActivity",
        json!({ "name": "Customer accounts and billing", "controllerId": parent,
                "purpose": "Carry out our obligations arising from agreements with customers",
                "lawfulBasis": "CONTRACT",
                "dataCategories": ["contact.email", "identity.name", "online.clickstream"],
                "subjectCategories": ["customer"], "retention": "7 years after the contract ends" }),
    )
    .await;
    let base = |to: &str, categories: Value| {
        json!({ "activityId": activity, "fromId": parent, "toId": to, "recipientRole": "PROCESSOR",
                "dataCategories": categories })
    };
    let mut input = base(&irish, json!(["contact.email"]));
    input["mechanism"] = json!("ADEQUACY");
    flow(app, input).await;
    let mut input = base(&cloud, json!(["contact.email", "identity.name"]));
    input["mechanism"] = json!("UK_ADDENDUM");
    input["sccModule"] = json!("C2P");
    input["signedOn"] = json!("2022-06-01");
    input["tiaCompletedOn"] = json!("2022-05-20");
    let to_cloud = flow(app, input).await;
    flow(
        app,
        json!({ "activityId": activity, "fromId": cloud, "toId": india, "recipientRole": "SUB_PROCESSOR",
                "dataCategories": ["contact.email"], "continuesFlowId": to_cloud,
                "mechanism": "SCC_2021", "sccModule": "P2P", "signedOn": "2022-06-15" }),
    )
    .await;
    let mut input = base(&shield, json!(["online.clickstream"]));
    input["mechanism"] = json!("PRIVACY_SHIELD");
    input["signedOn"] = json!("2018-06-01");
    flow(app, input).await;
    let mut input = base(&canada, json!(["contact.email"]));
    input["mechanism"] = json!("ADEQUACY");
    flow(app, input).await;
    app.ok(
        "mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }",
        json!({ "input": { "identifiers": { "email": "jane@example.com" }, "activityIds": [activity] } }),
    )
    .await;
    let request = id(
        app,
        "mutation($input: FileDataSubjectRequestInput!) { fileDataSubjectRequest(input: $input) { id } }",
        "fileDataSubjectRequest",
        json!({ "subject": { "email": "jane@example.com" }, "kind": "ERASURE" }),
    )
    .await;
    Register {
        cloud,
        activity,
        request,
    }
}

/// A German shop sending e-mail addresses to a US cloud on the EU-US Data Privacy Framework and
/// to a US mailer on the 2021 SCCs, with three subjects in the activity.
pub async fn dpf_register(app: &TestApp) {
    let shop = org(
        app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let cloud = org(
        app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2024-01-01",
                "dpfCertified": true }),
    )
    .await;
    let mail = org(
        app,
        json!({ "name": "Mail Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2024-01-01" }),
    )
    .await;
    let activity = id(
        app,
        "mutation($input: RegisterProcessingActivityInput!) { registerProcessingActivity(input: $input) { id } }",
        "registerProcessingActivity",
        json!({ "name": "Web shop orders", "controllerId": shop, "purpose": "Deliver what customers order",
                "lawfulBasis": "CONTRACT", "dataCategories": ["contact.email"],
                "subjectCategories": ["customer"], "retention": "2 years" }),
    )
    .await;
    flow(
        app,
        json!({ "activityId": activity, "fromId": shop, "toId": cloud, "recipientRole": "PROCESSOR",
                "dataCategories": ["contact.email"], "mechanism": "EU_US_DPF" }),
    )
    .await;
    flow(
        app,
        json!({ "activityId": activity, "fromId": shop, "toId": mail, "recipientRole": "PROCESSOR",
                "dataCategories": ["contact.email"], "mechanism": "SCC_2021", "sccModule": "C2P",
                "signedOn": "2024-01-01", "tiaCompletedOn": "2024-01-01" }),
    )
    .await;
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        app.ok(
            "mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }",
            json!({ "input": { "identifiers": { "email": email }, "activityIds": [activity] } }),
        )
        .await;
    }
}

/// A token's secret for `role` (bound to `organisation` for a PROCESSOR).
pub async fn token(app: &TestApp, role: Role, organisation: Option<&str>) -> String {
    let name = format!(
        "{}-{}",
        role.as_str().to_lowercase(),
        uuid::Uuid::new_v4().simple()
    );
    let organisation = organisation.map(|o| o.parse::<i64>().expect("organisation id"));
    tokens::create(
        &app.state.db,
        &app.state.audit_key,
        &name,
        role,
        organisation,
        None,
    )
    .await
    .expect("token")
    .1
}

/// Loads the demonstration register ("Northwind Hosting Group plc") as `transfer-register demo`
/// does, with the app's own keys.
pub async fn demo(app: &TestApp) {
    let outcome = demo::load(
        &app.state.db,
        &app.state.audit_key,
        &app.state.subject_keys,
        &app.state.dsr,
    )
    .await
    .expect("the demonstration register loads");
    assert!(matches!(outcome, demo::Outcome::Loaded { .. }), "{outcome}");
}

/// The id of the organisation named `name`.
pub async fn organisation_named(app: &TestApp, name: &str) -> String {
    let data = app
        .ok(
            "query($name: String!) { organisations(nameContains: $name, first: 2) { edges { node { id name } } } }",
            json!({ "name": name }),
        )
        .await;
    let edges = data["organisations"]["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 1, "one organisation named {name}: {edges:?}");
    edges[0]["node"]["id"].as_str().expect("id").to_string()
}
