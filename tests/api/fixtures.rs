//! Registers shaped like the seed policy (a fictional hosting group), built through the API.

use crate::support::TestApp;
use serde_json::{Value, json};

pub const REGISTER_ORG: &str = r#"mutation($input: RegisterOrganisationInput!) {
  registerOrganisation(input: $input) { id name kind status country insideEea dpfCertified
    parent { id name } locations { country use insideEea } } }"#;

pub const REGISTER_ACTIVITY: &str = r#"mutation($input: RegisterProcessingActivityInput!) {
  registerProcessingActivity(input: $input) { id name dataCategories subjectCategories controller { id } } }"#;

pub const RECORD_FLOW: &str = r#"mutation($input: RecordDataFlowInput!) {
  recordDataFlow(input: $input) { id mechanism dataCategories recipientRole from { id } to { id } continues { id } } }"#;

/// Registers an organisation and returns its id.
pub async fn org(app: &TestApp, input: Value) -> String {
    let data = app.ok(REGISTER_ORG, json!({ "input": input })).await;
    data["registerOrganisation"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

pub async fn activity(app: &TestApp, controller: &str, categories: &[&str]) -> String {
    let data = app
        .ok(
            REGISTER_ACTIVITY,
            json!({ "input": {
                "name": "Customer accounts and billing",
                "controllerId": controller,
                "purpose": "Carry out our obligations arising from agreements with customers",
                "lawfulBasis": "CONTRACT",
                "dataCategories": categories,
                "subjectCategories": ["customer"],
                "retention": "7 years after termination of the contract, for legal claims",
                "retentionMonths": 84
            }}),
        )
        .await;
    data["registerProcessingActivity"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

pub async fn flow(app: &TestApp, input: Value) -> String {
    let data = app.ok(RECORD_FLOW, json!({ "input": input })).await;
    data["recordDataFlow"]["id"]
        .as_str()
        .expect("id")
        .to_string()
}

/// The seed's shape: UK parent, Irish group company, US cloud supplier on SCCs, Indian support
/// sub-contractor reached through it, and a US supplier still on Privacy Shield.
pub struct Seed {
    pub parent: String,
    pub irish: String,
    pub us_cloud: String,
    pub indian_support: String,
    pub shield_supplier: String,
    pub activity: String,
    pub to_irish: String,
    pub to_us_cloud: String,
    pub to_india: String,
    pub to_shield: String,
}

pub async fn seed(app: &TestApp) -> Seed {
    let parent = org(
        app,
        json!({ "name": "Contoso Group plc", "kind": "GROUP_COMPANY", "country": "GB",
                "companyNumber": "SC000001", "privacyContactEmail": "dpo@contoso.example.com",
                "locations": [{ "country": "GB", "use": "STORAGE" }] }),
    )
    .await;
    let irish = org(
        app,
        json!({ "name": "Contoso Ireland Ltd", "kind": "GROUP_COMPANY", "country": "IE", "parentId": parent,
                "dpaSignedOn": "2019-03-01", "locations": [{ "country": "IE", "use": "STORAGE" }] }),
    )
    .await;
    let us_cloud = org(
        app,
        json!({ "name": "Cumulus Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2022-01-10",
                "erasureWebhookUrl": "https://privacy.cumulus.example/erasure",
                "locations": [{ "country": "US", "use": "STORAGE" }] }),
    )
    .await;
    let indian_support = org(
        app,
        json!({ "name": "Helpdesk Services Pvt Ltd", "kind": "SUBCONTRACTOR", "country": "IN",
                "dpaSignedOn": "2022-02-01", "locations": [{ "country": "IN", "use": "REMOTE_ACCESS" }] }),
    )
    .await;
    let shield_supplier = org(
        app,
        json!({ "name": "Old Analytics LLC", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2018-06-01",
                "privacyShieldCertified": true }),
    )
    .await;
    let activity = activity(
        app,
        &parent,
        &[
            "contact.email",
            "identity.name",
            "financial.payment_card",
            "online.clickstream",
        ],
    )
    .await;
    let to_irish = flow(
        app,
        json!({ "activityId": activity, "fromId": parent, "toId": irish, "recipientRole": "PROCESSOR",
                "dataCategories": ["contact.email", "identity.name"], "mechanism": "ADEQUACY" }),
    )
    .await;
    let to_us_cloud = flow(
        app,
        json!({ "activityId": activity, "fromId": parent, "toId": us_cloud, "recipientRole": "PROCESSOR",
                "dataCategories": ["contact.email", "identity.name", "financial.payment_card"],
                "mechanism": "UK_ADDENDUM", "sccModule": "C2P", "signedOn": "2022-06-01",
                "tiaCompletedOn": "2022-05-20" }),
    )
    .await;
    let to_india = flow(
        app,
        json!({ "activityId": activity, "fromId": us_cloud, "toId": indian_support,
                "recipientRole": "SUB_PROCESSOR", "dataCategories": ["contact.email"], "continuesFlowId": to_us_cloud,
                "mechanism": "SCC_2021", "sccModule": "P2P", "signedOn": "2022-06-15" }),
    )
    .await;
    let to_shield = flow(
        app,
        json!({ "activityId": activity, "fromId": parent, "toId": shield_supplier, "recipientRole": "PROCESSOR",
                "dataCategories": ["online.clickstream"], "mechanism": "PRIVACY_SHIELD", "signedOn": "2018-06-01" }),
    )
    .await;
    Seed {
        parent,
        irish,
        us_cloud,
        indian_support,
        shield_supplier,
        activity,
        to_irish,
        to_us_cloud,
        to_india,
        to_shield,
    }
}
