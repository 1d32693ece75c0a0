//! An importer's Chapter V facts (certifications, adequacy scope, international organisation,
//! Art 3(2), BCR group) are shown on `Organisation`, corrected by `updateOrganisation` as its
//! other fields are, and the verdicts follow.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};

db_tests!(
    updating_subject_to_pipeda_moves_the_canadian_transfer_between_adequate_and_out_of_scope,
    every_importer_fact_is_set_cleared_and_read_back,
    a_bad_bcr_group_or_international_organisation_is_refused_naming_it_and_changes_nothing,
);

const FACTS: &str = "dpfUkExtension privacyShieldCertified safeHarborCertified subjectToPipeda
  appiPrivateSector internationalOrganisation gdprArt32 bcrGroup";

fn update_query() -> String {
    format!(
        "mutation($input: UpdateOrganisationInput!) {{ updateOrganisation(input: $input) {{ id {FACTS} }} }}"
    )
}

async fn facts_of(app: &TestApp, id: &str) -> Value {
    let data = app
        .ok(
            &format!("query($id: ID!) {{ organisation(id: $id) {{ {FACTS} }} }}"),
            json!({ "id": id }),
        )
        .await;
    data["organisation"].clone()
}

/// The status and problem codes of the register's only transfer on `flow` today.
async fn verdict(app: &TestApp, flow: &str) -> (String, Vec<String>) {
    let data = app
        .ok(
            "{ transferRegister { flow { id } status problems { code } } }",
            json!({}),
        )
        .await;
    let row = (data["transferRegister"].as_array().into_iter().flatten())
        .find(|r| r["flow"]["id"] == flow)
        .unwrap_or_else(|| panic!("no verdict for {flow}: {data:#}"));
    let codes = (row["problems"].as_array().into_iter().flatten())
        .filter_map(|p| p["code"].as_str().map(String::from))
        .collect();
    (row["status"].as_str().unwrap_or("").to_owned(), codes)
}

async fn updating_subject_to_pipeda_moves_the_canadian_transfer_between_adequate_and_out_of_scope(
    app: TestApp,
) {
    let exporter = org(
        &app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let ca = org(
        &app,
        json!({ "name": "Maple Retail Inc", "kind": "OTHER_CONTROLLER", "country": "CA",
                "subjectToPipeda": true }),
    )
    .await;
    let activity = activity(&app, &exporter, &["contact.email"]).await;
    let to_ca = flow(
        &app,
        json!({ "activityId": activity, "fromId": exporter, "toId": ca, "recipientRole": "CONTROLLER",
                "dataCategories": ["contact.email"], "mechanism": "ADEQUACY" }),
    )
    .await;
    assert_eq!(verdict(&app, &to_ca).await, ("ADEQUATE".into(), vec![]));

    let update = update_query();
    let changed = app
        .ok(
            &update,
            json!({ "input": { "id": ca, "subjectToPipeda": false } }),
        )
        .await;
    assert_eq!(
        changed["updateOrganisation"]["subjectToPipeda"],
        json!(false)
    );
    assert_eq!(
        verdict(&app, &to_ca).await,
        (
            "NON_COMPLIANT".into(),
            vec!["OUTSIDE_ADEQUACY_SCOPE".to_string()]
        )
    );
    app.ok(
        &update,
        json!({ "input": { "id": ca, "subjectToPipeda": true } }),
    )
    .await;
    assert_eq!(verdict(&app, &to_ca).await, ("ADEQUATE".into(), vec![]));
    assert_eq!(facts_of(&app, &ca).await["subjectToPipeda"], json!(true));

    // Each change is in the audit trail with the fact before and after.
    let events = app
        .ok(
            r#"query($id: ID) { auditEvents(entity: "organisation", id: $id) {
              edges { node { operation before after } } } }"#,
            json!({ "id": ca }),
        )
        .await;
    let pipeda: Vec<(Value, Value)> = (events["auditEvents"]["edges"].as_array())
        .into_iter()
        .flatten()
        .map(|e| &e["node"])
        .filter(|n| n["operation"] == "updateOrganisation")
        .map(|n| {
            let read = |v: &Value| -> Value {
                serde_json::from_str(v.as_str().unwrap_or("null")).expect("json")
            };
            (
                read(&n["before"])["subject_to_pipeda"].clone(),
                read(&n["after"])["subject_to_pipeda"].clone(),
            )
        })
        .collect();
    assert_eq!(
        pipeda,
        [(json!(true), json!(false)), (json!(false), json!(true))]
    );
}

async fn every_importer_fact_is_set_cleared_and_read_back(app: TestApp) {
    let id = org(
        &app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let unrecorded = json!({
        "dpfUkExtension": null, "privacyShieldCertified": null, "safeHarborCertified": null,
        "subjectToPipeda": null, "appiPrivateSector": null, "internationalOrganisation": null,
        "gdprArt32": null, "bcrGroup": null });
    assert_eq!(facts_of(&app, &id).await, unrecorded);

    let set = json!({
        "dpfUkExtension": true, "privacyShieldCertified": false, "safeHarborCertified": true,
        "subjectToPipeda": false, "appiPrivateSector": true, "internationalOrganisation": "EPO",
        "gdprArt32": true, "bcrGroup": "Cloud Group" });
    let mut input = set.clone();
    input["id"] = json!(id);
    // Surrounding spaces are trimmed, as on registration.
    input["bcrGroup"] = json!("  Cloud Group ");
    let data = app.ok(&update_query(), json!({ "input": input })).await;
    let mut returned = data["updateOrganisation"].clone();
    returned.as_object_mut().map(|o| o.remove("id"));
    assert_eq!(returned, set);
    assert_eq!(facts_of(&app, &id).await, set);

    // Left out: unchanged; null: back to not recorded.
    app.ok(
        &update_query(),
        json!({ "input": { "id": id, "name": "Cloud Incorporated",
                           "bcrGroup": null, "gdprArt32": null, "dpfUkExtension": false } }),
    )
    .await;
    let mut want = set.clone();
    want["bcrGroup"] = json!(null);
    want["gdprArt32"] = json!(null);
    want["dpfUkExtension"] = json!(false);
    assert_eq!(facts_of(&app, &id).await, want);
}

async fn a_bad_bcr_group_or_international_organisation_is_refused_naming_it_and_changes_nothing(
    app: TestApp,
) {
    let id = org(
        &app,
        json!({ "name": "Partner Pvt Ltd", "kind": "OTHER_CONTROLLER", "country": "IN",
                "bcrGroup": "Partner Group", "subjectToPipeda": true }),
    )
    .await;
    let before = facts_of(&app, &id).await;
    let long = "B".repeat(201);
    let long_io = "I".repeat(101);
    for (extra, field) in [
        (json!({ "bcrGroup": "" }), "bcrGroup"),
        (json!({ "bcrGroup": "   " }), "bcrGroup"),
        (json!({ "bcrGroup": long }), "bcrGroup"),
        (json!({ "bcrGroup": "Group\u{0007}" }), "bcrGroup"),
        (
            json!({ "internationalOrganisation": "\u{200b}" }),
            "internationalOrganisation",
        ),
        (
            json!({ "internationalOrganisation": long_io }),
            "internationalOrganisation",
        ),
    ] {
        let mut input = json!({ "id": id, "subjectToPipeda": false });
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        let response = app.gql(&update_query(), json!({ "input": input })).await;
        assert_error(&response, "BAD_USER_INPUT", Some(field));
        assert_eq!(facts_of(&app, &id).await, before, "{extra}");
    }
    assert_eq!(before["bcrGroup"], "Partner Group");
    assert_eq!(before["subjectToPipeda"], true);
    // The same checks on registration.
    let response = app
        .gql(
            crate::fixtures::REGISTER_ORG,
            json!({ "input": { "name": "X", "kind": "SUPPLIER", "country": "US", "bcrGroup": " " } }),
        )
        .await;
    assert_error(&response, "BAD_USER_INPUT", Some("bcrGroup"));
}
