//! The what-if question as an export (`/exports/whatif.*` and `export whatif`): the same answer
//! as the `whatIf` query, one row per transfer that would fail.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    sheets::{bin, ok},
    support::TestApp,
};
use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};
use std::collections::HashMap;
use transfer_register::domain::vocab::Role;

db_tests!(
    the_whatif_export_lists_the_dpf_transfer_that_would_fail_and_not_the_one_on_sccs,
    the_whatif_export_refuses_bad_parameters_naming_each_one,
    the_whatif_export_needs_a_token_of_a_register_reader,
);

/// A German shop sending e-mail addresses to a US cloud on the DPF and to a US mailer on the
/// 2021 SCCs, with three subjects: (DPF flow id, SCC flow id).
async fn register(app: &TestApp) -> (String, String) {
    let exporter = org(
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
    let activity = activity(app, &exporter, &["contact.email"]).await;
    let on_dpf = flow(
        app,
        json!({ "activityId": activity, "fromId": exporter, "toId": cloud, "ref": "CLOUD-1",
        "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"], "mechanism": "EU_US_DPF" }),
    )
    .await;
    let on_sccs = flow(
        app,
        json!({ "activityId": activity, "fromId": exporter, "toId": mail,
        "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"], "mechanism": "SCC_2021",
        "sccModule": "C2P", "signedOn": "2024-01-01", "tiaCompletedOn": "2024-01-01" }),
    )
    .await;
    for email in ["a@example.com", "b@example.com", "c@example.com"] {
        app.ok(
            r#"mutation($input: RegisterSubjectInput!) { registerSubject(input: $input) { id } }"#,
            json!({ "input": { "identifiers": { "email": email }, "activityIds": [activity] } }),
        )
        .await;
    }
    (on_dpf, on_sccs)
}

async fn get(base: &str, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("send")
}

/// The rows of a CSV export, each as column -> value.
fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("a record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

async fn the_whatif_export_lists_the_dpf_transfer_that_would_fail_and_not_the_one_on_sccs(
    app: TestApp,
) {
    let (on_dpf, on_sccs) = register(&app).await;
    let base = app.serve().await;
    let dpo = app.token(Role::Dpo).await;

    // The day before the assumed end nothing fails.
    let response = get(
        &base,
        &dpo,
        "/exports/whatif.csv?mechanism=EU_US_DPF&endsOn=2027-03-01&on=2027-02-28",
    )
    .await;
    assert_eq!(response.status(), 200);
    // An empty export says so in its one row (CSV and XLSX; JSON is `[]`).
    let rows = csv_rows(&response.text().await.expect("body"));
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert!(
        rows[0]["Flow ID"].starts_with("No transfer would fail"),
        "{rows:#?}"
    );

    for query in [
        "mechanism=EU_US_DPF&endsOn=2027-03-01",
        "decision=EU-US-DPF&endsOn=2027-03-01&on=2027-03-02",
    ] {
        let response = get(&base, &dpo, &format!("/exports/whatif.csv?{query}")).await;
        assert_eq!(response.status(), 200, "{query}");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .is_ok_and(|d| d.contains("whatif-")),
            "{query}"
        );
        let rows = csv_rows(&response.text().await.expect("body"));
        assert_eq!(rows.len(), 1, "{query}: {rows:#?}");
        let row = &rows[0];
        assert_eq!(row["Flow ID"], on_dpf);
        assert_ne!(row["Flow ID"], on_sccs);
        assert_eq!(row["Flow reference"], "CLOUD-1");
        assert_eq!(row["Exporter"], "Shop GmbH");
        assert_eq!(row["Importer"], "Cloud Inc");
        assert_eq!(row["Processing activity"], "Customer accounts and billing");
        assert_eq!(row["Destination country"], "US");
        assert_eq!(row["Transfer mechanism"], "EU-US Data Privacy Framework");
        assert_eq!(row["Verdict now"], "Adequate");
        assert_eq!(row["Data subjects"], "3");
        assert_eq!(row["Verdict after"], "Non-compliant");
        assert_eq!(row["Ends on"], "2027-03-01");
        // The 2021 SCCs would carry it once a module and a TIA are in place; no UK tool.
        let instead = &row["What could be relied on instead"];
        assert!(
            instead.contains("SCC_2021: ")
                && instead.contains("MODULE_MISSING")
                && instead.contains("TIA_MISSING"),
            "{instead}"
        );
        assert!(!instead.contains("UK_IDTA"), "{instead}");
        assert!(
            row["Explanation"].contains("ends on 2027-03-01"),
            "{}",
            row["Explanation"]
        );
    }

    // The same rows read back from XLSX, with dates as dates.
    let response = get(
        &base,
        &dpo,
        "/exports/whatif.xlsx?mechanism=EU_US_DPF&endsOn=2027-03-01",
    )
    .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.expect("body").to_vec();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("XLSX");
    let range = workbook
        .worksheet_range_at(0)
        .expect("a worksheet")
        .expect("readable");
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows.len(), 2, "a header and one row");
    let header: Vec<String> = rows[0]
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(rows[1][at("Flow ID")].to_string(), on_dpf);
    assert_eq!(rows[1][at("Importer")].to_string(), "Cloud Inc");
    assert_eq!(rows[1][at("Verdict after")].to_string(), "Non-compliant");
    assert!(
        matches!(rows[1][at("Ends on")], Data::DateTime(_)),
        "{:?}",
        rows[1][at("Ends on")]
    );

    // The command line gives the same answer.
    let out = ok(&bin(
        &app,
        &[
            "export",
            "whatif",
            "--mechanism",
            "EU_US_DPF",
            "--ends-on",
            "2027-03-01",
            "--format",
            "json",
        ],
    ));
    let rows: Vec<Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(rows[0]["flow_id"].to_string(), on_dpf);
    assert_eq!(rows[0]["subjects"], 3);
    let refused = bin(&app, &["export", "whatif", "--mechanism", "EU_US_DPF"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("endsOn"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

async fn the_whatif_export_refuses_bad_parameters_naming_each_one(app: TestApp) {
    register(&app).await;
    let base = app.serve().await;
    let dpo = app.token(Role::Dpo).await;
    for (query, field) in [
        ("endsOn=2027-03-01", "mechanism"),
        (
            "mechanism=EU_US_DPF&decision=EU-US-DPF&endsOn=2027-03-01",
            "mechanism",
        ),
        ("mechanism=WISHFUL&endsOn=2027-03-01", "mechanism"),
        ("decision=EU-XX&endsOn=2027-03-01", "decision"),
        ("decision=%20&endsOn=2027-03-01", "decision"),
        ("mechanism=EU_US_DPF", "endsOn"),
        ("mechanism=EU_US_DPF&endsOn=next-year", "endsOn"),
        ("mechanism=EU_US_DPF&endsOn=2027-03-01&on=soon", "on"),
    ] {
        let response = get(&base, &dpo, &format!("/exports/whatif.json?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{query}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{query}");
    }
}

async fn the_whatif_export_needs_a_token_of_a_register_reader(app: TestApp) {
    let (on_dpf, _) = register(&app).await;
    let base = app.serve().await;
    let path = "/exports/whatif.csv?mechanism=EU_US_DPF&endsOn=2027-03-01";
    let anonymous = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let cloud: i64 = app
        .ok(
            r#"query($id: ID!) { dataFlow(id: $id) { to { id } } }"#,
            json!({ "id": on_dpf }),
        )
        .await["dataFlow"]["to"]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the importer's id");
    let (_, processor) = transfer_register::service::tokens::create(
        &app.state.db,
        &app.state.audit_key,
        "processor-token",
        Role::Processor,
        Some(cloud),
        None,
    )
    .await
    .expect("token");
    // Refused before the parameters are looked at: a bad one does not turn it into a 400.
    for path in [path, "/exports/whatif.csv?endsOn=never"] {
        let refused = get(&base, &processor, path).await;
        assert_eq!(refused.status(), 403, "{path}");
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    }
    for role in [Role::Auditor, Role::Procurement, Role::Admin] {
        let token = app.token(role).await;
        let response = get(&base, &token, path).await;
        assert_eq!(response.status(), 200, "{role}");
        let text = response.text().await.expect("body");
        assert!(text.contains("Cloud Inc"), "{role}: {text}");
    }
}
