//! Transfer verdicts over the API, on a register shaped like the seed.

use crate::{
    db_tests,
    fixtures::{self, Seed},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};

db_tests!(
    the_register_lists_exactly_the_restricted_transfers_with_their_verdicts_today,
    before_schrems_ii_privacy_shield_was_a_valid_footing,
    a_flows_transfers_follow_its_locations_and_chain,
    compliance_gaps_group_every_problem_by_code,
    assess_transfer_is_a_what_if_that_stores_nothing,
    adequacy_decisions_are_listed_with_their_source_and_verification,
    the_register_page_keeps_the_transfers_whose_verdict_names_a_problem,
);

async fn adequacy_decisions_are_listed_with_their_source_and_verification(app: TestApp) {
    let query = r#"query($regime: Regime, $on: Date) { adequacyDecisions(regime: $regime, on: $on) {
        id countries internationalOrganisation scope certifiedImportersOnly effectiveFrom effectiveTo verification source } }"#;
    let data = app
        .ok(query, json!({ "regime": "EU_GDPR", "on": "2026-11-24" }))
        .await;
    let list = data["adequacyDecisions"].as_array().expect("list");
    let covers = |c: &str| {
        list.iter().any(|d| {
            d["countries"]
                .as_array()
                .is_some_and(|cs| cs.contains(&json!(c)))
        })
    };
    for country in [
        "AD", "AR", "BR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "UY",
        "US",
    ] {
        assert!(covers(country), "{country} is adequate for the EU today");
    }
    assert!(!covers("IN"));
    let epo = list
        .iter()
        .find(|d| d["internationalOrganisation"] == "EPO")
        .expect("the EPO decision");
    assert_eq!(epo["countries"], json!([]));
    let us = list
        .iter()
        .find(|d| d["countries"] == json!(["US"]))
        .expect("the DPF decision");
    assert_eq!(us["certifiedImportersOnly"], true);
    assert_eq!(us["effectiveFrom"], "2023-07-10");
    assert!(
        list.iter()
            .all(|d| !d["source"].as_str().unwrap_or("").is_empty()),
        "every fact has a source"
    );
    let before = app
        .ok(query, json!({ "regime": "EU_GDPR", "on": "2023-07-09" }))
        .await;
    assert!(
        !before["adequacyDecisions"]
            .as_array()
            .expect("list")
            .iter()
            .any(|d| d["countries"] == json!(["US"]))
    );
    let uk = app
        .ok(query, json!({ "regime": "UK_GDPR", "on": "2026-11-24" }))
        .await;
    let uk_countries: Vec<&Value> = uk["adequacyDecisions"]
        .as_array()
        .expect("list")
        .iter()
        .flat_map(|d| d["countries"].as_array().expect("c").iter())
        .collect();
    assert!(uk_countries.contains(&&json!("KR")) && uk_countries.contains(&&json!("IE")));
    assert!(
        !uk_countries.contains(&&json!("BR")),
        "the UK has not recognised Brazil"
    );
}

const REGISTER: &str = r#"query($regime: Regime, $on: Date) { transferRegister(regime: $regime, on: $on) {
  flow { id } regime fromCountry destinationCountry mechanism status problems { code message } explanation
  instrument { id instrument verification } reliesOnUnverifiedFact } }"#;

/// `flow id -> destination -> (status, problem codes)`, for compact assertions.
fn verdicts(data: &Value) -> Vec<(String, String, String, String, Vec<String>)> {
    data["transferRegister"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| {
            let codes = a["problems"]
                .as_array()
                .expect("problems")
                .iter()
                .map(|p| p["code"].as_str().expect("code").to_string())
                .collect();
            (
                a["flow"]["id"].as_str().expect("flow").to_string(),
                a["regime"].as_str().expect("regime").to_string(),
                a["destinationCountry"].as_str().expect("dest").to_string(),
                a["status"].as_str().expect("status").to_string(),
                codes,
            )
        })
        .collect()
}

fn row(
    flow: &str,
    regime: &str,
    dest: &str,
    status: &str,
    codes: &[&str],
) -> (String, String, String, String, Vec<String>) {
    (
        flow.into(),
        regime.into(),
        dest.into(),
        status.into(),
        codes.iter().map(std::string::ToString::to_string).collect(),
    )
}

async fn the_register_lists_exactly_the_restricted_transfers_with_their_verdicts_today(
    app: TestApp,
) {
    let Seed {
        to_irish,
        to_us_cloud,
        to_india,
        to_shield,
        ..
    } = fixtures::seed(&app).await;
    let data = app.ok(REGISTER, json!({ "on": "2026-11-24" })).await;
    let got = verdicts(&data);
    assert_eq!(
        got,
        vec![
            row(&to_irish, "UK_GDPR", "IE", "ADEQUATE", &[]),
            row(&to_us_cloud, "UK_GDPR", "US", "SAFEGUARDED", &[]),
            row(
                &to_india,
                "UK_GDPR",
                "IN",
                "NON_COMPLIANT",
                &["INVALID_MECHANISM"]
            ),
            row(
                &to_shield,
                "UK_GDPR",
                "US",
                "NON_COMPLIANT",
                &["INVALID_MECHANISM"]
            ),
        ]
    );
    let list = data["transferRegister"].as_array().expect("list");
    let shield = &list[3];
    let explanation = shield["explanation"].as_str().expect("explanation");
    assert!(explanation.contains("Privacy Shield"), "{explanation}");
    assert!(
        explanation.contains("2020-07-16"),
        "the date it died: {explanation}"
    );
    let india = list[2]["explanation"].as_str().expect("explanation");
    assert!(
        india.contains("Addendum"),
        "tells the DPO what a UK export needs: {india}"
    );
    assert!(
        list.iter()
            .all(|a| !a["explanation"].as_str().unwrap_or("").is_empty())
    );

    let eu_only = app
        .ok(REGISTER, json!({ "regime": "EU_GDPR", "on": "2026-11-24" }))
        .await;
    assert_eq!(
        eu_only["transferRegister"],
        json!([]),
        "every exporter here is under the UK GDPR"
    );
}

async fn before_schrems_ii_privacy_shield_was_a_valid_footing(app: TestApp) {
    let Seed {
        to_us_cloud,
        to_india,
        to_shield,
        ..
    } = fixtures::seed(&app).await;
    let data = app.ok(REGISTER, json!({ "on": "2020-07-15" })).await;
    // The UK was then inside the EU: the Irish flow restricted nothing, UK tools and the 2021
    // SCCs did not exist yet, the processors' DPAs were signed later, and Privacy Shield still stood.
    assert_eq!(
        verdicts(&data),
        vec![
            row(
                &to_us_cloud,
                "EU_GDPR",
                "US",
                "NON_COMPLIANT",
                &["INVALID_MECHANISM", "DPA_MISSING"]
            ),
            row(
                &to_india,
                "EU_GDPR",
                "IN",
                "NON_COMPLIANT",
                &["INVALID_MECHANISM", "DPA_MISSING"]
            ),
            row(&to_shield, "EU_GDPR", "US", "ADEQUATE", &[]),
        ]
    );
    let after = app.ok(REGISTER, json!({ "on": "2020-07-16" })).await;
    let shield = verdicts(&after)
        .into_iter()
        .find(|r| r.0 == to_shield)
        .expect("restricted");
    assert_eq!(shield.3, "NON_COMPLIANT");
    assert_eq!(shield.4, vec!["INVALID_MECHANISM".to_string()]);
    assert_error(
        &app.gql(REGISTER, json!({ "on": "1900-01-01" })).await,
        "BAD_USER_INPUT",
        Some("on"),
    );
    assert_error(
        &app.gql(REGISTER, json!({ "on": "2020-13-01" })).await,
        "BAD_USER_INPUT",
        Some("on"),
    );
}

async fn a_flows_transfers_follow_its_locations_and_chain(app: TestApp) {
    let seed = fixtures::seed(&app).await;
    let query = r#"query($id: ID!) { dataFlow(id: $id) { transfers(on: "2026-11-24") { regime fromCountry destinationCountry status } } }"#;
    // The Irish group company gains remote support access from India: that is a second transfer.
    app.ok(
        r#"mutation($id: ID!) { addLocation(input: { organisationId: $id, country: "IN", use: REMOTE_ACCESS }) { id } }"#,
        json!({ "id": seed.irish }),
    )
    .await;
    let data = app.ok(query, json!({ "id": seed.to_irish })).await;
    let transfers = data["dataFlow"]["transfers"].as_array().expect("list");
    let destinations: Vec<&str> = transfers
        .iter()
        .filter_map(|t| t["destinationCountry"].as_str())
        .collect();
    assert_eq!(destinations, ["IE", "IN"]);
    assert_eq!(
        transfers[1]["status"], "NON_COMPLIANT",
        "adequacy for Ireland does not cover India"
    );
    // The Indian sub-processor's exporter is in the US: the regime is that of the chain.
    let data = app.ok(query, json!({ "id": seed.to_india })).await;
    assert_eq!(data["dataFlow"]["transfers"][0]["regime"], "UK_GDPR");
    assert_eq!(data["dataFlow"]["transfers"][0]["fromCountry"], "US");
}

async fn compliance_gaps_group_every_problem_by_code(app: TestApp) {
    fixtures::seed(&app).await;
    let query = r#"{ complianceGaps(on: "2026-11-24") { assessed nonCompliant byCode { code count assessments { destinationCountry } } } }"#;
    let data = app.ok(query, json!({})).await;
    let gaps = &data["complianceGaps"];
    assert_eq!(gaps["nonCompliant"], 2);
    let codes: Vec<(&str, i64)> = gaps["byCode"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (
                g["code"].as_str().expect("code"),
                g["count"].as_i64().expect("count"),
            )
        })
        .collect();
    assert_eq!(codes, [("INVALID_MECHANISM", 2)]);
    let flagged = gaps["byCode"][0]["assessments"].as_array().expect("list");
    let destinations: Vec<&str> = flagged
        .iter()
        .filter_map(|a| a["destinationCountry"].as_str())
        .collect();
    assert_eq!(destinations, ["IN", "US"]);
}

const ASSESS: &str = r#"query($input: AssessTransferInput!) { assessTransfer(input: $input) {
  flow { id } regime status problems { code } explanation mechanism destinationCountry } }"#;

async fn assess_transfer_is_a_what_if_that_stores_nothing(app: TestApp) {
    let base = json!({ "fromCountry": "IE", "destinationCountry": "US", "mechanism": "SCC_2021", "sccModule": "C2P",
        "exporterRole": "CONTROLLER", "recipientRole": "PROCESSOR", "signedOn": "2023-01-01",
        "tiaCompletedOn": "2023-01-01", "recipientDpaSignedOn": "2023-01-01", "on": "2026-11-24" });
    let data = app.ok(ASSESS, json!({ "input": base })).await;
    let a = &data["assessTransfer"];
    assert_eq!(
        (a["regime"].as_str(), a["status"].as_str()),
        (Some("EU_GDPR"), Some("SAFEGUARDED")),
        "{data:#}"
    );
    assert_eq!(a["flow"], json!(null));

    let mut no_tia = base.clone();
    no_tia["tiaCompletedOn"] = json!(null);
    let data = app.ok(ASSESS, json!({ "input": no_tia })).await;
    assert_eq!(
        data["assessTransfer"]["problems"],
        json!([{ "code": "TIA_MISSING" }])
    );

    let mut wrong_module = base.clone();
    wrong_module["sccModule"] = json!("P2P");
    let data = app.ok(ASSESS, json!({ "input": wrong_module })).await;
    assert_eq!(
        data["assessTransfer"]["problems"],
        json!([{ "code": "MODULE_MISMATCH" }])
    );

    let mut shield = base.clone();
    shield["mechanism"] = json!("PRIVACY_SHIELD");
    shield["on"] = json!("2019-01-01");
    shield["recipientDpaSignedOn"] = json!("2018-06-01");
    let data = app.ok(ASSESS, json!({ "input": shield.clone() })).await;
    assert_eq!(
        data["assessTransfer"]["problems"],
        json!([{ "code": "NOT_CERTIFIED" }]),
        "Privacy Shield covered only organisations on its list: {data:#}"
    );
    shield["importerPrivacyShieldCertified"] = json!(true);
    let data = app.ok(ASSESS, json!({ "input": shield })).await;
    assert_eq!(
        data["assessTransfer"]["status"], "ADEQUATE",
        "Privacy Shield stood until 2020-07-16 for certified importers: {data:#}"
    );

    let mut outside = base.clone();
    outside["fromCountry"] = json!("US");
    outside["destinationCountry"] = json!("IN");
    assert_error(
        &app.gql(ASSESS, json!({ "input": outside.clone() })).await,
        "BAD_USER_INPUT",
        Some("regime"),
    );
    outside["regime"] = json!("EU_GDPR");
    app.ok(ASSESS, json!({ "input": outside })).await;

    let mut bad = base.clone();
    bad["destinationCountry"] = json!("usa");
    assert_error(
        &app.gql(ASSESS, json!({ "input": bad })).await,
        "BAD_USER_INPUT",
        Some("destinationCountry"),
    );
    let mut bad = base;
    bad["signedOn"] = json!("2023-02-30");
    assert_error(
        &app.gql(ASSESS, json!({ "input": bad })).await,
        "BAD_USER_INPUT",
        Some("signedOn"),
    );
    assert_eq!(app.count("data_flow").await, 0);
}

async fn the_register_page_keeps_the_transfers_whose_verdict_names_a_problem(app: TestApp) {
    fixtures::seed(&app).await;
    let key = |a: &Value| format!("{}:{}", a["flow"]["id"], a["destinationCountry"]);
    let whole = app
        .ok(
            "{ transferRegister { flow { id } destinationCountry problems { code } } }",
            json!({}),
        )
        .await;
    let whole = whole["transferRegister"].as_array().expect("rows").clone();
    let page = r#"query($problem: ProblemCode) { transferRegisterPage(first: 100, problem: $problem) {
        totalCount edges { node { flow { id } destinationCountry problems { code } } } } }"#;
    let codes = [
        "INVALID_MECHANISM",
        "TIA_MISSING",
        "MISSING_SAFEGUARD",
        "NOT_CERTIFIED",
    ];
    let mut seen_any = false;
    for code in codes {
        let expected: Vec<String> = whole
            .iter()
            .filter(|a| {
                a["problems"]
                    .as_array()
                    .expect("problems")
                    .iter()
                    .any(|p| p["code"] == code)
            })
            .map(key)
            .collect();
        seen_any |= !expected.is_empty();
        let data = app.ok(page, json!({ "problem": code })).await;
        let conn = &data["transferRegisterPage"];
        let got: Vec<String> = conn["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| key(&e["node"]))
            .collect();
        assert_eq!(got, expected, "{code}");
        assert_eq!(
            conn["totalCount"].as_u64(),
            Some(expected.len() as u64),
            "{code}"
        );
    }
    assert!(seen_any, "the seed has problems to filter on");
    let all = app.ok(page, json!({})).await;
    assert_eq!(
        all["transferRegisterPage"]["totalCount"].as_u64(),
        Some(whole.len() as u64),
        "no problem given: every transfer"
    );
    let refused = app.gql(page, json!({ "problem": "NOT_A_PROBLEM" })).await;
    assert!(refused["errors"].is_array(), "{refused}");
}
