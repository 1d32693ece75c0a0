//! Chapter V facts recorded on importers and flows reach the verdicts, and a newer reference file
//! given at start replaces the embedded one (a bad one stops the service).

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    support::TestApp,
};
use serde_json::{Value, json};
use transfer_register::{AppState, domain::vocab::Role, graphql::context::Auth};

db_tests!(
    importer_and_flow_facts_recorded_in_the_register_reach_the_verdicts,
    a_newer_reference_file_changes_the_verdicts_and_names_its_version,
    what_if_the_dpf_falls_lists_the_failing_transfers_their_holders_subjects_and_remedies,
    each_destination_of_a_flow_is_judged_on_the_safeguard_recorded_for_it,
);

const REGISTER: &str = r#"query($on: Date) { transferRegister(on: $on) {
  flow { id } regime destinationCountry status problems { code } explanation } }"#;

/// (status, problem codes) of the register's verdict on `flow`.
fn verdict(data: &Value, flow: &str) -> (String, Vec<String>) {
    let row = data["transferRegister"]
        .as_array()
        .and_then(|l| l.iter().find(|r| r["flow"]["id"] == flow))
        .unwrap_or_else(|| panic!("no verdict for flow {flow}: {data:#}"));
    let codes = row["problems"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(|c| c["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (row["status"].as_str().unwrap_or("").to_owned(), codes)
}

async fn importer_and_flow_facts_recorded_in_the_register_reach_the_verdicts(app: TestApp) {
    let uk = org(
        &app,
        json!({ "name": "Exporter Ltd", "kind": "GROUP_COMPANY", "country": "GB", "bcrGroup": "Exporter Group" }),
    )
    .await;
    // On the EU DPF List but not in its UK Extension: not adequate for UK data.
    let us = org(
        &app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2024-01-01",
                "dpfCertified": true, "dpfUkExtension": false }),
    )
    .await;
    let ca = org(
        &app,
        json!({ "name": "Provincial Agency", "kind": "OTHER_CONTROLLER", "country": "CA", "subjectToPipeda": false }),
    )
    .await;
    let other_group = org(
        &app,
        json!({ "name": "Partner Pvt Ltd", "kind": "OTHER_CONTROLLER", "country": "IN", "bcrGroup": "Another Group" }),
    )
    .await;
    let consultant = org(
        &app,
        json!({ "name": "Consultant", "kind": "OTHER_CONTROLLER", "country": "IN" }),
    )
    .await;
    let activity = activity(&app, &uk, &["contact.email"]).await;
    let record = |to: &str, extra: Value| {
        let mut input = json!({ "activityId": activity, "fromId": uk, "toId": to,
            "recipientRole": "CONTROLLER", "dataCategories": ["contact.email"] });
        if let (Some(i), Some(e)) = (input.as_object_mut(), extra.as_object()) {
            i.extend(e.clone());
        }
        input
    };
    let to_us = flow(&app, json!({ "activityId": activity, "fromId": uk, "toId": us,
        "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"], "mechanism": "EU_US_DPF" }))
    .await;
    let to_ca = flow(&app, record(&ca, json!({ "mechanism": "ADEQUACY" }))).await;
    let to_partner = flow(
        &app,
        record(&other_group, json!({ "mechanism": "BCR", "evidence": "ICO approval 2022/7", "tiaCompletedOn": "2024-01-01" })),
    )
    .await;
    let standing = flow(
        &app,
        record(
            &consultant,
            json!({ "mechanism": "DEROGATION", "derogation": "LEGAL_CLAIMS", "occasional": false }),
        ),
    )
    .await;
    let data = app.ok(REGISTER, json!({ "on": "2026-11-24" })).await;
    let want = |status: &str, codes: &[&str]| {
        (
            status.to_owned(),
            codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(
        verdict(&data, &to_us),
        want("NON_COMPLIANT", &["NOT_CERTIFIED"])
    );
    assert_eq!(
        verdict(&data, &to_ca),
        want("NON_COMPLIANT", &["OUTSIDE_ADEQUACY_SCOPE"])
    );
    assert_eq!(
        verdict(&data, &to_partner),
        want("NON_COMPLIANT", &["MISSING_SAFEGUARD"])
    );
    assert_eq!(
        verdict(&data, &standing),
        want("NON_COMPLIANT", &["DEROGATION_NOT_OCCASIONAL"])
    );
}

/// The embedded reference with the Japanese decision repealed from 2026-12-01, as version
/// 2026-12-15.
fn repealed_japan() -> String {
    let mut v: Value = serde_json::from_str(include_str!("../../reference/transfer_law.json"))
        .expect("the embedded file is JSON");
    v["version"] = json!("2026-12-15");
    let list = v["adequacy"].as_array_mut().expect("a list");
    let jp = list.iter_mut().find(|d| d["id"] == "EU-JP").expect("EU-JP");
    jp["effective_to"] = json!("2026-12-01");
    jp["status"] = json!("repealed");
    jp["until"] = json!({ "stated": "2026-12-01", "day_included": false,
        "wording": "repealed with effect from 1 December 2026", "source": "a repealing decision (test)" });
    v.to_string()
}

const ASSESS: &str = r#"query($input: AssessTransferInput!, $on: Date) {
  assessTransfer(input: $input) { status problems { code } explanation }
  adequacyDecisions(regime: EU_GDPR, on: $on) { id referenceVersion } }"#;

async fn a_newer_reference_file_changes_the_verdicts_and_names_its_version(app: TestApp) {
    let dir = tempfile::tempdir().expect("temp dir");
    let newer = dir.path().join("transfer_law-2026-12-15.json");
    std::fs::write(&newer, repealed_japan()).expect("write");
    let mut config = (*app.state.config).clone();
    config.reference_file = Some(newer);
    let replaced = AppState::with_db(config.clone(), app.state.db.clone())
        .await
        .expect("the newer file loads");
    let admin = Auth::Token(app.principal(Role::Admin, None).await);
    let ask = |state: &AppState, on: &str| {
        let request = async_graphql::Request::new(ASSESS).variables(
            async_graphql::Variables::from_json(json!({ "on": on, "input": {
                "fromCountry": "DE", "destinationCountry": "JP", "mechanism": "ADEQUACY", "on": on } })),
        );
        let state = state.clone();
        let admin = admin.clone();
        async move {
            let response = transfer_register::http::execute(&state, admin, request).await;
            serde_json::to_value(&response).expect("json")["data"].clone()
        }
    };
    for (on, embedded, newer) in [
        ("2026-11-30", "ADEQUATE", "ADEQUATE"),
        ("2026-12-01", "ADEQUATE", "NON_COMPLIANT"),
        ("2026-12-02", "ADEQUATE", "NON_COMPLIANT"),
    ] {
        let before = ask(&app.state, on).await;
        let after = ask(&replaced, on).await;
        assert_eq!(before["assessTransfer"]["status"], embedded, "{on}");
        assert_eq!(after["assessTransfer"]["status"], newer, "{on}: {after:#}");
        let text = after["assessTransfer"]["explanation"]
            .as_str()
            .unwrap_or("");
        assert!(text.contains("version 2026-12-15"), "{text}");
        let versions: Vec<&Value> = (after["adequacyDecisions"].as_array().into_iter().flatten())
            .map(|d| &d["referenceVersion"])
            .collect();
        assert!(!versions.is_empty() && versions.iter().all(|v| *v == "2026-12-15"));
        let japan_listed = (after["adequacyDecisions"].as_array().into_iter().flatten())
            .any(|d| d["id"] == "EU-JP");
        assert_eq!(japan_listed, newer == "ADEQUATE", "{on}");
    }
    // A bad file stops the service at start, naming the file and the fault.
    let bad = dir.path().join("broken.json");
    std::fs::write(&bad, "{\"version\": \"2026-12-16\", \"areas\": []}").expect("write");
    config.reference_file = Some(bad);
    match AppState::with_db(config, app.state.db.clone()).await {
        Ok(_) => panic!("a bad reference file must stop the service"),
        Err(e) => {
            let message = format!("{e:#}");
            assert!(
                message.contains("broken.json") && message.contains("missing field"),
                "{message}"
            );
        }
    }
}

const WHAT_IF: &str = r#"query($m: TransferMechanism, $d: String, $ends: Date!, $on: Date) {
  whatIf(mechanism: $m, decisionId: $d, endsOn: $ends, on: $on) {
    transfer { flow { id } status problems { code } explanation } statusBefore
    exporter { name } holder { name } activity { id } subjectCount
    alternatives { mechanism status stillNeeded { code } } } }"#;

async fn what_if_the_dpf_falls_lists_the_failing_transfers_their_holders_subjects_and_remedies(
    app: TestApp,
) {
    let exporter = org(
        &app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let cloud = org(
        &app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2024-01-01",
                "dpfCertified": true }),
    )
    .await;
    let mail = org(
        &app,
        json!({ "name": "Mail Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2024-01-01" }),
    )
    .await;
    let activity = activity(&app, &exporter, &["contact.email"]).await;
    let on_dpf = flow(&app, json!({ "activityId": activity, "fromId": exporter, "toId": cloud,
        "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"], "mechanism": "EU_US_DPF" }))
    .await;
    let on_sccs = flow(
        &app,
        json!({ "activityId": activity, "fromId": exporter, "toId": mail,
        "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"], "mechanism": "SCC_2021",
        "sccModule": "C2P", "signedOn": "2024-01-01", "tiaCompletedOn": "2024-01-01" }),
    )
    .await;
    for (i, email) in ["a@example.com", "b@example.com", "c@example.com"]
        .iter()
        .enumerate()
    {
        app.ok(
            r#"mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }"#,
            json!({ "input": { "identifiers": { "email": email, "accountNumber": format!("ACC-{i}") },
                    "activityIds": [activity] } }),
        )
        .await;
    }
    let ask = |vars: Value| app.ok(WHAT_IF, vars);
    // The day before the assumed end nothing fails; from that day the DPF flow does.
    let before = ask(json!({ "m": "EU_US_DPF", "ends": "2027-03-01", "on": "2027-02-28" })).await;
    assert_eq!(before["whatIf"], json!([]));
    for on in ["2027-03-01", "2027-03-02"] {
        let data = ask(json!({ "m": "EU_US_DPF", "ends": "2027-03-01", "on": on })).await;
        let list = data["whatIf"].as_array().expect("a list");
        assert_eq!(list.len(), 1, "{data:#}");
        let hit = &list[0];
        assert_eq!(hit["transfer"]["flow"]["id"], on_dpf.as_str());
        assert_ne!(hit["transfer"]["flow"]["id"], on_sccs.as_str());
        assert_eq!(hit["statusBefore"], "ADEQUATE");
        assert_eq!(hit["transfer"]["status"], "NON_COMPLIANT");
        assert_eq!(hit["holder"]["name"], "Cloud Inc");
        assert_eq!(hit["exporter"]["name"], "Shop GmbH");
        assert_eq!(hit["activity"]["id"], activity.as_str());
        assert_eq!(hit["subjectCount"], 3);
        let text = hit["transfer"]["explanation"].as_str().unwrap_or("");
        assert!(
            text.contains("assumption that EU_US_DPF ends on 2027-03-01"),
            "{text}"
        );
        // The 2021 SCCs would carry it once a module and a TIA are in place.
        let sccs = (hit["alternatives"].as_array().into_iter().flatten())
            .find(|a| a["mechanism"] == "SCC_2021")
            .expect("SCCs are an alternative");
        let needed: Vec<&Value> = (sccs["stillNeeded"].as_array().into_iter().flatten())
            .map(|p| &p["code"])
            .collect();
        assert!(
            needed.contains(&&json!("MODULE_MISSING")) && needed.contains(&&json!("TIA_MISSING"))
        );
        assert!(
            !(hit["alternatives"].as_array().into_iter().flatten())
                .any(|a| a["mechanism"] == "UK_IDTA"),
            "a UK tool is no alternative for an EU transfer"
        );
    }
    // The same by decision id; an unknown id or both arguments are refused.
    let by_id = ask(json!({ "d": "EU-US-DPF", "ends": "2027-03-01" })).await;
    assert_eq!(by_id["whatIf"].as_array().map(Vec::len), Some(1));
    crate::support::assert_error(
        &app.gql(WHAT_IF, json!({ "d": "EU-XX", "ends": "2027-03-01" }))
            .await,
        "BAD_USER_INPUT",
        Some("decisionId"),
    );
    crate::support::assert_error(
        &app.gql(
            WHAT_IF,
            json!({ "m": "EU_US_DPF", "d": "EU-US-DPF", "ends": "2027-03-01" }),
        )
        .await,
        "BAD_USER_INPUT",
        Some("mechanism"),
    );
}

async fn each_destination_of_a_flow_is_judged_on_the_safeguard_recorded_for_it(app: TestApp) {
    let exporter = org(
        &app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    // Stores in Japan, gives support access from India.
    let host = org(
        &app,
        json!({ "name": "Hosting KK", "kind": "OTHER_CONTROLLER", "country": "JP", "appiPrivateSector": true,
                "locations": [{ "country": "JP", "use": "STORAGE" }, { "country": "IN", "use": "REMOTE_ACCESS" }] }),
    )
    .await;
    let french = org(
        &app,
        json!({ "name": "Partenaire SAS", "kind": "OTHER_CONTROLLER", "country": "FR" }),
    )
    .await;
    let activity = activity(&app, &exporter, &["contact.email"]).await;
    let base = json!({ "activityId": activity, "fromId": exporter, "toId": host,
        "recipientRole": "CONTROLLER", "dataCategories": ["contact.email"], "mechanism": "ADEQUACY" });
    let plain = flow(&app, base.clone()).await;
    let mut split = base.clone();
    split["transferSafeguards"] = json!([{ "country": "IN", "mechanism": "SCC_2021", "sccModule": "C2C",
        "signedOn": "2024-01-01", "tiaCompletedOn": "2024-01-01" }]);
    let split = flow(&app, split).await;
    // The flow's own evidence (here, about its SCCs) is not the approval of a BCR recorded for
    // one destination: that destination is judged on its own record, which has none.
    let mut borrowed = base.clone();
    borrowed["mechanism"] = json!("SCC_2021");
    borrowed["sccModule"] = json!("C2C");
    borrowed["signedOn"] = json!("2024-01-01");
    borrowed["tiaCompletedOn"] = json!("2024-01-01");
    borrowed["evidence"] = json!("encryption at rest, keys held in the EEA");
    borrowed["transferSafeguards"] = json!([{ "country": "IN", "mechanism": "BCR" }]);
    let borrowed = flow(&app, borrowed).await;
    let inside = flow(
        &app,
        json!({ "activityId": activity, "fromId": exporter, "toId": french,
        "recipientRole": "CONTROLLER", "dataCategories": ["contact.email"], "mechanism": "SCC_2021",
        "sccModule": "C2C", "signedOn": "2024-01-01" }),
    )
    .await;
    let data = app.ok(REGISTER, json!({ "on": "2026-11-24" })).await;
    let rows = data["transferRegister"].as_array().expect("a list");
    let of = |flow: &str, to: &str| {
        rows.iter()
            .find(|r| r["flow"]["id"] == flow && r["destinationCountry"] == to)
            .unwrap_or_else(|| panic!("no verdict for {flow} to {to}: {data:#}"))
    };
    assert_eq!(of(&plain, "JP")["status"], "ADEQUATE");
    assert_eq!(
        of(&plain, "IN")["status"],
        "NON_COMPLIANT",
        "adequacy cannot carry India"
    );
    assert_eq!(of(&split, "JP")["status"], "ADEQUATE");
    assert_eq!(of(&split, "IN")["status"], "SAFEGUARDED");
    let text = of(&split, "IN")["explanation"].as_str().unwrap_or("");
    assert!(text.contains("recorded for this destination"), "{text}");
    let bcr = of(&borrowed, "IN");
    assert_eq!(bcr["status"], "NON_COMPLIANT", "{bcr:#}");
    let text = bcr["explanation"].as_str().unwrap_or("");
    assert!(
        text.contains("no evidence is recorded of the approval"),
        "{text}"
    );
    // SCCs between two EEA companies make no restricted transfer and are not demanded.
    assert!(!rows.iter().any(|r| r["flow"]["id"] == inside.as_str()));
    // A destination given twice is refused, and nothing is stored.
    let flows_before = app.count("data_flow").await;
    let mut twice = base.clone();
    twice["transferSafeguards"] = json!([{ "country": "IN", "mechanism": "SCC_2021" },
        { "country": "IN", "mechanism": "BCR" }]);
    let response = app
        .gql(crate::fixtures::RECORD_FLOW, json!({ "input": twice }))
        .await;
    crate::support::assert_error(
        &response,
        "BAD_USER_INPUT",
        Some("transferSafeguards[1].country"),
    );
    assert_eq!(app.count("data_flow").await, flows_before);
}
