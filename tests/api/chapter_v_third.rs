//! The third pass over Chapter V through GraphQL (issue 24): the flow facts for Module Four and
//! the old SCCs' proviso (recorded, read back, corrected, and what they change in the verdicts),
//! warnings that leave the verdict alone, EU institutions as importers, and the reference list
//! of international organisations refusing an unknown one.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};

db_tests!(
    a_module_four_return_needs_a_tia_only_once_the_flow_says_the_processor_combines_eu_data,
    a_flow_on_the_old_sccs_whose_processing_changed_lost_the_transition,
    a_warning_is_listed_with_the_problems_but_leaves_the_verdict_alone,
    an_eu_body_is_no_restricted_importer_under_the_eu_gdpr_but_is_under_the_uk_gdpr,
    an_international_organisation_outside_the_reference_list_is_refused_naming_the_field,
);

const REGISTER: &str = r#"query($on: Date) { transferRegister(on: $on) {
  flow { id } status problems { code } explanation } }"#;

const FLOW_FACTS: &str = "id combinesEuData processingChanged";

const UPDATE_FLOW: &str = r#"mutation($input: UpdateDataFlowInput!) {
  updateDataFlow(input: $input) { id combinesEuData processingChanged } }"#;

const ASSESS: &str = r#"query($input: AssessTransferInput!) {
  assessTransfer(input: $input) { status problems { code } explanation } }"#;

/// (status, problem codes, explanation) of the register's verdict on `flow` on `on`.
async fn verdict(app: &TestApp, flow: &str, on: &str) -> (String, Vec<String>, String) {
    let data = app.ok(REGISTER, json!({ "on": on })).await;
    let row = data["transferRegister"]
        .as_array()
        .and_then(|l| l.iter().find(|r| r["flow"]["id"] == flow))
        .cloned()
        .unwrap_or_else(|| panic!("no verdict for flow {flow}: {data:#}"));
    let codes = (row["problems"].as_array().into_iter().flatten())
        .filter_map(|c| c["code"].as_str().map(str::to_owned))
        .collect();
    (
        row["status"].as_str().unwrap_or("").to_owned(),
        codes,
        row["explanation"].as_str().unwrap_or("").to_owned(),
    )
}

async fn facts(app: &TestApp, flow: &str) -> Value {
    let query = format!("query($id: ID!) {{ dataFlow(id: $id) {{ {FLOW_FACTS} }} }}");
    app.ok(&query, json!({ "id": flow })).await["dataFlow"].clone()
}

async fn a_module_four_return_needs_a_tia_only_once_the_flow_says_the_processor_combines_eu_data(
    app: TestApp,
) {
    // A controller in India has a processor in Germany, which sends the results back.
    let controller = org(
        &app,
        json!({ "name": "Buyer Pvt Ltd", "kind": "OTHER_CONTROLLER", "country": "IN" }),
    )
    .await;
    let processor = org(
        &app,
        json!({ "name": "EU Processor GmbH", "kind": "SUPPLIER", "country": "DE", "dpaSignedOn": "2023-01-01" }),
    )
    .await;
    let activity = activity(&app, &controller, &["contact.email"]).await;
    let to_processor = flow(
        &app,
        json!({ "activityId": activity, "fromId": controller, "toId": processor,
            "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"] }),
    )
    .await;
    let back = flow(
        &app,
        json!({ "activityId": activity, "fromId": processor, "toId": controller,
            "recipientRole": "CONTROLLER", "dataCategories": ["contact.email"],
            "continuesFlowId": to_processor, "mechanism": "SCC_2021", "sccModule": "P2C",
            "signedOn": "2023-01-01" }),
    )
    .await;
    assert_eq!(
        facts(&app, &back).await,
        json!({ "id": back, "combinesEuData": null, "processingChanged": null })
    );
    let (status, codes, text) = verdict(&app, &back, "2026-11-24").await;
    assert_eq!((status.as_str(), codes), ("SAFEGUARDED", vec![]), "{text}");
    assert!(
        text.contains("no transfer impact assessment is required"),
        "{text}"
    );

    let data = app
        .ok(
            UPDATE_FLOW,
            json!({ "input": { "id": back, "combinesEuData": true } }),
        )
        .await;
    assert_eq!(data["updateDataFlow"]["combinesEuData"], true);
    assert_eq!(facts(&app, &back).await["combinesEuData"], true);
    let (status, codes, _) = verdict(&app, &back, "2026-11-24").await;
    assert_eq!(
        (status.as_str(), codes),
        ("NON_COMPLIANT", vec!["TIA_MISSING".to_owned()])
    );

    // Null clears it: back to "not recorded", and no assessment is required.
    app.ok(
        UPDATE_FLOW,
        json!({ "input": { "id": back, "combinesEuData": null } }),
    )
    .await;
    assert_eq!(facts(&app, &back).await["combinesEuData"], Value::Null);
    assert_eq!(verdict(&app, &back, "2026-11-24").await.0, "SAFEGUARDED");
}

async fn a_flow_on_the_old_sccs_whose_processing_changed_lost_the_transition(app: TestApp) {
    let exporter = org(
        &app,
        json!({ "name": "Exporter GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let importer = org(
        &app,
        json!({ "name": "Support Pvt Ltd", "kind": "SUPPLIER", "country": "IN", "dpaSignedOn": "2020-01-01" }),
    )
    .await;
    let activity = activity(&app, &exporter, &["contact.email"]).await;
    let old = flow(
        &app,
        json!({ "activityId": activity, "fromId": exporter, "toId": importer,
            "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"],
            "mechanism": "SCC_2010", "signedOn": "2020-01-01", "tiaCompletedOn": "2020-12-01",
            "processingChanged": false }),
    )
    .await;
    assert_eq!(facts(&app, &old).await["processingChanged"], false);
    // Before the repeal the old clauses simply applied; after it, only for unchanged processing.
    let (status, _, text) = verdict(&app, &old, "2021-09-26").await;
    assert_eq!(status, "SAFEGUARDED");
    assert!(!text.contains("remain unchanged"), "{text}");
    let (status, _, text) = verdict(&app, &old, "2022-01-10").await;
    assert_eq!(status, "SAFEGUARDED");
    assert!(
        text.contains("provided the processing operations that are the subject matter of the contract remain unchanged"),
        "{text}"
    );
    let data = app
        .ok(
            UPDATE_FLOW,
            json!({ "input": { "id": old, "processingChanged": true } }),
        )
        .await;
    assert_eq!(data["updateDataFlow"]["processingChanged"], true);
    let (status, codes, _) = verdict(&app, &old, "2022-01-10").await;
    assert_eq!(
        (status.as_str(), codes),
        ("NON_COMPLIANT", vec!["EXPIRED_INSTRUMENT".to_owned()])
    );
    assert_eq!(verdict(&app, &old, "2021-09-26").await.0, "SAFEGUARDED");
    // The disputed last day is named, with the reading applied.
    app.ok(
        UPDATE_FLOW,
        json!({ "input": { "id": old, "processingChanged": false } }),
    )
    .await;
    let (status, _, text) = verdict(&app, &old, "2022-12-27").await;
    assert_eq!(status, "SAFEGUARDED");
    assert!(
        text.contains("is the day on which sources disagree"),
        "{text}"
    );
}

async fn a_warning_is_listed_with_the_problems_but_leaves_the_verdict_alone(app: TestApp) {
    let assess = |input: Value| {
        let app = &app;
        async move { app.ok(ASSESS, json!({ "input": input })).await["assessTransfer"].clone() }
    };
    let standing = |point: &str| {
        json!({ "fromCountry": "DE", "destinationCountry": "IN", "mechanism": "DEROGATION",
            "derogation": point, "occasional": false, "on": "2026-11-24" })
    };
    let v = assess(standing("PUBLIC_INTEREST")).await;
    assert_eq!(v["status"], "DEROGATION", "{v:#}");
    assert_eq!(
        v["problems"],
        json!([{ "code": "DEROGATION_READ_RESTRICTIVELY" }])
    );
    let v = assess(standing("CONTRACT_WITH_SUBJECT")).await;
    assert_eq!(v["status"], "NON_COMPLIANT");
    assert_eq!(
        v["problems"],
        json!([{ "code": "DEROGATION_NOT_OCCASIONAL" }])
    );
    // An exporter in Norway on an adequacy decision whose EEA incorporation is not on record.
    let v = assess(json!({ "fromCountry": "NO", "destinationCountry": "CH",
        "mechanism": "ADEQUACY", "on": "2026-11-24" }))
    .await;
    assert_eq!(v["status"], "ADEQUATE", "{v:#}");
    assert_eq!(
        v["problems"],
        json!([{ "code": "EEA_INCORPORATION_UNCONFIRMED" }])
    );
    let v = assess(json!({ "fromCountry": "DE", "destinationCountry": "CH",
        "mechanism": "ADEQUACY", "on": "2026-11-24" }))
    .await;
    assert_eq!(
        (v["status"].clone(), v["problems"].clone()),
        (json!("ADEQUATE"), json!([]))
    );
}

async fn an_eu_body_is_no_restricted_importer_under_the_eu_gdpr_but_is_under_the_uk_gdpr(
    app: TestApp,
) {
    let assess = |from: &str| {
        json!({ "input": { "fromCountry": from, "destinationCountry": "LU", "mechanism": "NONE",
            "importerInternationalOrganisation": "EU_BODIES", "on": "2026-11-24" } })
    };
    let v = &app.ok(ASSESS, assess("DE")).await["assessTransfer"];
    assert_eq!(v["status"], "NOT_RESTRICTED", "{v:#}");
    let text = v["explanation"].as_str().unwrap_or("");
    assert!(text.contains("Regulation (EU) 2018/1725"), "{text}");
    let v = &app.ok(ASSESS, assess("GB")).await["assessTransfer"];
    assert_eq!(v["status"], "ADEQUATE", "{v:#}");
    // Recorded on an organisation, the flow's verdict says the same, wherever the body sits (an
    // EU delegation abroad is still the Union's own).
    let exporter = org(
        &app,
        json!({ "name": "Exporter SA", "kind": "GROUP_COMPANY", "country": "FR" }),
    )
    .await;
    let agency = org(
        &app,
        json!({ "name": "EU Delegation to the United States", "kind": "OTHER_CONTROLLER",
            "country": "US", "internationalOrganisation": "EU_BODIES" }),
    )
    .await;
    let activity = activity(&app, &exporter, &["contact.email"]).await;
    let to_agency = flow(
        &app,
        json!({ "activityId": activity, "fromId": exporter, "toId": agency,
            "recipientRole": "CONTROLLER", "dataCategories": ["contact.email"] }),
    )
    .await;
    let (status, codes, text) = verdict(&app, &to_agency, "2026-11-24").await;
    assert_eq!(
        (status.as_str(), codes),
        ("NOT_RESTRICTED", vec![]),
        "{text}"
    );
}

async fn an_international_organisation_outside_the_reference_list_is_refused_naming_the_field(
    app: TestApp,
) {
    let before = app.count("organisation").await;
    let response = app
        .gql(
            crate::fixtures::REGISTER_ORG,
            json!({ "input": { "name": "Acme Org", "kind": "OTHER_CONTROLLER", "country": "CH",
                "internationalOrganisation": "ACME_INTERNATIONAL" } }),
        )
        .await;
    assert_error(
        &response,
        "BAD_USER_INPUT",
        Some("internationalOrganisation"),
    );
    assert_eq!(app.count("organisation").await, before);
    // A listed one is accepted, and an update to an unknown one is refused.
    let id = org(
        &app,
        json!({ "name": "Refugee agency", "kind": "OTHER_CONTROLLER", "country": "CH",
            "internationalOrganisation": "UNHCR" }),
    )
    .await;
    let response = app
        .gql(
            r#"mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id internationalOrganisation } }"#,
            json!({ "input": { "id": id, "internationalOrganisation": "unhcr" } }),
        )
        .await;
    assert_error(
        &response,
        "BAD_USER_INPUT",
        Some("internationalOrganisation"),
    );
    let response = app
        .gql(
            ASSESS,
            json!({ "input": { "fromCountry": "DE", "destinationCountry": "CH", "mechanism": "NONE",
                "importerInternationalOrganisation": "NO_SUCH_BODY" } }),
        )
        .await;
    assert_error(
        &response,
        "BAD_USER_INPUT",
        Some("importerInternationalOrganisation"),
    );
    // A spreadsheet row is refused on its column.
    let data = app
        .ok(
            r#"mutation($kind: ImportKind!, $name: String!, $content: String!) {
  importRecords(kind: $kind, fileName: $name, content: $content) { imported errors { line field } } }"#,
            json!({ "kind": "ORGANISATIONS", "name": "orgs.csv",
                "content": "name,kind,country,international_organisation\nAcme Org,OTHER_CONTROLLER,CH,ACME\nUN office,OTHER_CONTROLLER,CH,UN\n" }),
        )
        .await;
    assert_eq!(data["importRecords"]["imported"], 0);
    assert_eq!(
        data["importRecords"]["errors"],
        json!([{ "line": 2, "field": "international_organisation" }])
    );
}
