//! Exports a regulator can take (issue 25, "Words a DPO reads"): headers and values in words
//! in CSV and XLSX (codes in JSON), the transfer register's Explanation column, special
//! categories marked, the Art 30(1) record per controller opening with the controller's block,
//! the Art 30(2) processor record, an empty export saying so, and the import templates.

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
    the_transfer_register_speaks_words_with_an_explanation_and_json_keeps_the_codes,
    the_record_of_processing_per_controller_names_categories_and_marks_special_ones,
    the_xlsx_record_opens_with_the_controllers_block,
    the_processor_record_lists_what_a_group_company_processes_for_a_controller,
    an_empty_export_says_that_it_is_empty,
    each_template_has_the_import_header_and_an_example_row_the_import_accepts,
    templates_need_a_register_reader_and_the_command_line_writes_them,
);

/// Shop GmbH (DE) sends e-mail addresses and health data to Cloud Inc (US) on the 2021 SCCs
/// without a TIA (non-compliant), and to its sister Clinic Ltd (GB) as a processor; Clinic Ltd
/// has an activity of its own. (Shop, Clinic, Cloud) ids.
async fn register(app: &TestApp) -> (String, String, String) {
    let shop = org(
        app,
        json!({ "name": "Shop GmbH", "kind": "GROUP_COMPANY", "country": "DE",
                "privacyContactEmail": "privacy@shop.example" }),
    )
    .await;
    let clinic = org(
        app,
        json!({ "name": "Clinic Ltd", "kind": "GROUP_COMPANY", "country": "GB",
                "dpaSignedOn": "2024-01-01" }),
    )
    .await;
    let cloud = org(
        app,
        json!({ "name": "Cloud Inc", "kind": "SUPPLIER", "country": "US", "dpaSignedOn": "2024-01-01" }),
    )
    .await;
    let categories = ["contact.email", "special.health"];
    let shop_activity = activity(app, &shop, &categories).await;
    activity(app, &clinic, &["contact.email"]).await;
    flow(
        app,
        json!({ "activityId": shop_activity, "fromId": shop, "toId": cloud, "ref": "CLOUD-1",
        "recipientRole": "PROCESSOR", "dataCategories": categories, "mechanism": "SCC_2021",
        "sccModule": "C2P", "signedOn": "2024-01-01" }),
    )
    .await;
    flow(
        app,
        json!({ "activityId": shop_activity, "fromId": shop, "toId": clinic, "ref": "CLINIC-1",
        "recipientRole": "PROCESSOR", "dataCategories": ["contact.email"], "mechanism": "ADEQUACY" }),
    )
    .await;
    (shop, clinic, cloud)
}

async fn get(base: &str, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("send")
}

async fn text(base: &str, token: &str, path: &str) -> String {
    let response = get(base, token, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("body")
}

/// The header and the rows of a CSV export, each row as column -> value.
fn csv_table(text: &str) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            let r = r.expect("a record");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}

fn workbook(bytes: Vec<u8>) -> Xlsx<std::io::Cursor<Vec<u8>>> {
    calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("XLSX")
}

async fn bytes(base: &str, token: &str, path: &str) -> Vec<u8> {
    let response = get(base, token, path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.bytes().await.expect("body").to_vec()
}

async fn the_transfer_register_speaks_words_with_an_explanation_and_json_keeps_the_codes(
    app: TestApp,
) {
    register(&app).await;
    let base = app.serve().await;
    let dpo = app.token(Role::Dpo).await;
    let body = text(&base, &dpo, "/exports/transfers.csv?on=2026-06-01").await;
    let (header, rows) = csv_table(&body);
    for column in [
        "Flow reference",
        "Recipient's role",
        "Verdict",
        "Problems",
        "Explanation",
    ] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let cloud = rows
        .iter()
        .find(|r| r["Flow reference"] == "CLOUD-1")
        .expect("the transfer to the cloud");
    assert_eq!(cloud["Verdict"], "Non-compliant");
    assert!(cloud["Problems"].contains("TIA missing"), "{cloud:?}");
    assert_eq!(cloud["Recipient's role"], "Processor");
    assert_eq!(cloud["SCC module"], "C2P");
    assert_eq!(
        cloud["Transfer mechanism"],
        "Standard contractual clauses (2021)"
    );
    assert!(!cloud["Explanation"].is_empty(), "{cloud:?}");
    // Special-category data marked, naming the category.
    assert!(
        cloud["Special category data"].starts_with("Yes: ")
            && cloud["Special category data"].contains("Health data"),
        "{cloud:?}"
    );
    let clinic = rows
        .iter()
        .find(|r| r["Flow reference"] == "CLINIC-1")
        .expect("the transfer to the clinic");
    assert_eq!(clinic["Special category data"], "No", "{clinic:?}");
    // No code in any column but the explanation (whose words are the verdict's own).
    for row in &rows {
        for (column, value) in row.iter().filter(|(c, _)| *c != "Explanation") {
            for code in [
                "NON_COMPLIANT",
                "TIA_MISSING",
                "SCC_2021",
                "EU_GDPR",
                "PROCESSOR",
            ] {
                assert!(!value.contains(code), "{code} in {column}: {row:?}");
            }
        }
    }

    // The gaps name the problem in words too.
    let (_, gaps) = csv_table(&text(&base, &dpo, "/exports/gaps.csv?on=2026-06-01").await);
    assert!(
        gaps.iter().any(|r| r["Problem"] == "TIA missing"),
        "{gaps:?}"
    );
    // Each of the transfer's problems is a row of its own group, naming the flow as the register
    // does (the names are read once for every group).
    let cloud_gaps: Vec<&HashMap<String, String>> = gaps
        .iter()
        .filter(|r| r["Flow reference"] == "CLOUD-1")
        .collect();
    assert!(!cloud_gaps.is_empty(), "{gaps:?}");
    for row in &cloud_gaps {
        for (gap, register) in [
            ("Processing activity", "Processing activity"),
            ("Exporter", "Exporter"),
            ("Recipient (importer)", "Recipient (importer)"),
        ] {
            assert_eq!(row[gap], cloud[register], "{gap} of {row:?}");
            assert!(!row[gap].is_empty(), "{gap} of {row:?}");
        }
    }

    // JSON keeps the machine values.
    let json: Vec<Value> =
        serde_json::from_str(&text(&base, &dpo, "/exports/transfers.json?on=2026-06-01").await)
            .expect("json");
    let cloud = json
        .iter()
        .find(|r| r["flow_ref"] == "CLOUD-1")
        .expect("the transfer to the cloud");
    assert_eq!(cloud["verdict"], "NON_COMPLIANT");
    assert_eq!(cloud["mechanism"], "SCC_2021");
    assert_eq!(cloud["special_categories"], "true", "{cloud}");
    assert!(
        cloud["problems"]
            .as_str()
            .is_some_and(|p| p.contains("TIA_MISSING")),
        "{cloud}"
    );
    assert!(cloud["explanation"].as_str().is_some_and(|e| !e.is_empty()));

    // The XLSX register has the same words.
    let mut book = workbook(bytes(&base, &dpo, "/exports/transfers.xlsx?on=2026-06-01").await);
    let range = book.worksheet_range("Transfers").expect("the sheet");
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().map(ToString::to_string).collect();
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert!(
        rows[1..]
            .iter()
            .any(|r| r[at("Verdict")] == "Non-compliant" && r[at("Explanation")] != Data::Empty),
        "{rows:?}"
    );
}

async fn the_record_of_processing_per_controller_names_categories_and_marks_special_ones(
    app: TestApp,
) {
    let (shop, _, _) = register(&app).await;
    let base = app.serve().await;
    let dpo = app.token(Role::Dpo).await;

    let (_, all) = csv_table(&text(&base, &dpo, "/exports/ropa.csv").await);
    let controllers: std::collections::HashSet<&str> =
        all.iter().map(|r| r["Controller"].as_str()).collect();
    assert_eq!(
        controllers,
        ["Shop GmbH", "Clinic Ltd"].into_iter().collect(),
        "{all:?}"
    );

    let (header, rows) =
        csv_table(&text(&base, &dpo, &format!("/exports/ropa.csv?controller={shop}")).await);
    // Art 30(1)(a) to (g), in that order.
    let order: Vec<usize> = [
        "Controller",
        "DPO's contact",
        "Purposes of the processing",
        "Categories of data subjects",
        "Categories of personal data",
        "Recipient",
        "Third country of the transfer",
        "Time limits for erasure",
        "Technical and organisational security measures",
    ]
    .iter()
    .map(|c| header.iter().position(|h| h == c).expect(c))
    .collect();
    assert!(order.is_sorted(), "{header:?}");
    assert_eq!(rows.len(), 2, "one row per recipient: {rows:?}");
    for row in &rows {
        assert_eq!(row["Controller"], "Shop GmbH");
        assert_eq!(
            row["Categories of personal data"],
            "E-mail address; Health data [special category, Art 9]"
        );
        assert_eq!(row["Category codes"], "contact.email; special.health");
        assert_eq!(
            row["Special categories (Art 9) or criminal offence data (Art 10)"],
            "Yes"
        );
        assert_eq!(row["Lawful basis"], "Contract (Art 6(1)(b))");
        assert_eq!(row["Controller's contact"], "privacy@shop.example");
    }
    let cloud = rows
        .iter()
        .find(|r| r["Recipient"] == "Cloud Inc")
        .expect("the cloud");
    assert_eq!(cloud["Verdict"], "Non-compliant");
    assert_eq!(
        cloud["Personal data disclosed to the recipient"],
        "E-mail address; Health data [special category, Art 9]"
    );

    // JSON: the codes.
    let json: Vec<Value> = serde_json::from_str(
        &text(
            &base,
            &dpo,
            &format!("/exports/ropa.json?controller={shop}"),
        )
        .await,
    )
    .expect("json");
    assert_eq!(json.len(), 2);
    assert_eq!(json[0]["data_categories"], "contact.email; special.health");
    assert_eq!(json[0]["lawful_basis"], "CONTRACT");

    // An unknown controller is refused on its name, as an unknown processor is.
    for query in ["controller=999999", "controller=x"] {
        let refused = get(&base, &dpo, &format!("/exports/ropa.csv?{query}")).await;
        assert_eq!(refused.status(), 400, "{query}");
        let body: Value = refused.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        assert_eq!(body["errors"][0]["extensions"]["field"], "controller");
    }
    // The command line takes it too.
    let out = ok(&bin(&app, &["export", "ropa", "--controller", &shop]));
    let (_, rows) = csv_table(&out);
    assert!(rows.iter().all(|r| r["Controller"] == "Shop GmbH") && rows.len() == 2);
}

async fn the_xlsx_record_opens_with_the_controllers_block(app: TestApp) {
    let (shop, _, _) = register(&app).await;
    let base = app.serve().await;
    let dpo = app.token(Role::Dpo).await;
    let mut book = workbook(
        bytes(
            &base,
            &dpo,
            &format!("/exports/ropa.xlsx?controller={shop}"),
        )
        .await,
    );
    assert_eq!(
        book.sheet_names(),
        vec!["Controller".to_string(), "Record of processing".to_string()]
    );
    let cover = book.worksheet_range("Controller").expect("the block");
    let lines: HashMap<String, String> = cover
        .rows()
        .map(|r| {
            (
                r[0].to_string(),
                r.get(1).map(ToString::to_string).unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(lines["Controller"], "Shop GmbH", "{lines:?}");
    assert_eq!(lines["Contact"], "privacy@shop.example");
    assert_eq!(lines["Data protection officer"], "privacy@shop.example");
    assert!(lines.contains_key("Representative (Art 27)"));
    assert!(lines.contains_key("Generated on"));
    assert_eq!(
        lines["Reference data version"],
        app.state.reference.version(),
        "{lines:?}"
    );
    let record = book
        .worksheet_range("Record of processing")
        .expect("the record");
    assert_eq!(record.height(), 3, "a header and two rows");
}

async fn the_processor_record_lists_what_a_group_company_processes_for_a_controller(app: TestApp) {
    let (_, clinic, cloud) = register(&app).await;
    let base = app.serve().await;
    let auditor = app.token(Role::Auditor).await;
    let (header, rows) = csv_table(&text(&base, &auditor, "/exports/processor-record.csv").await);
    assert_eq!(header[0], "Processor");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["Processor"], "Clinic Ltd");
    assert_eq!(rows[0]["Controller processed for"], "Shop GmbH");
    assert_eq!(rows[0]["Categories of personal data"], "E-mail address");
    assert_eq!(
        rows[0]["Special categories (Art 9) or criminal offence data (Art 10)"],
        "No"
    );

    // One processor: the supplier's record, its special categories marked.
    let (_, rows) = csv_table(
        &text(
            &base,
            &auditor,
            &format!("/exports/processor-record.csv?processor={cloud}"),
        )
        .await,
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["Processor"], "Cloud Inc");
    assert_eq!(
        rows[0]["Special categories (Art 9) or criminal offence data (Art 10)"],
        "Yes"
    );
    let json: Vec<Value> = serde_json::from_str(
        &text(
            &base,
            &auditor,
            &format!("/exports/processor-record.json?processor={clinic}"),
        )
        .await,
    )
    .expect("json");
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["processor"], "Clinic Ltd");
    let xlsx = bytes(&base, &auditor, "/exports/processor-record.xlsx").await;
    assert_eq!(
        workbook(xlsx).sheet_names(),
        vec!["Processor record".to_string()]
    );

    // Not for a processor's token, as the other exports.
    let processor_token = processor_token(&app, &cloud).await;
    let refused = get(&base, &processor_token, "/exports/processor-record.csv").await;
    assert_eq!(refused.status(), 403);
    // The command line names it the same.
    let out = ok(&bin(&app, &["export", "processor-record"]));
    assert!(out.contains("Clinic Ltd"), "{out}");
}

async fn processor_token(app: &TestApp, org: &str) -> String {
    transfer_register::service::tokens::create(
        &app.state.db,
        &app.state.audit_key,
        "processor-token",
        Role::Processor,
        org.parse().ok(),
        None,
    )
    .await
    .expect("token")
    .1
}

async fn an_empty_export_says_that_it_is_empty(app: TestApp) {
    let base = app.serve().await;
    let dpo = app.token(Role::Dpo).await;
    for (file, says) in [
        ("transfers.csv", "No transfers"),
        ("gaps.csv", "No compliance gaps"),
        ("ropa.csv", "No processing activities"),
        ("processor-record.csv", "No processing for a controller"),
    ] {
        let (header, rows) = csv_table(&text(&base, &dpo, &format!("/exports/{file}")).await);
        assert_eq!(rows.len(), 1, "{file}: {rows:?}");
        assert!(rows[0][&header[0]].starts_with(says), "{file}: {rows:?}");
    }
    let mut book = workbook(bytes(&base, &dpo, "/exports/transfers.xlsx").await);
    let range = book.worksheet_range("Transfers").expect("sheet");
    assert_eq!(range.height(), 2);
    assert!(
        range
            .get((1, 0))
            .is_some_and(|c| c.to_string().starts_with("No transfers"))
    );
    // JSON: an empty array, nothing to mistake for a row.
    let json: Vec<Value> =
        serde_json::from_str(&text(&base, &dpo, "/exports/transfers.json").await).expect("json");
    assert!(json.is_empty());
}

const IMPORT: &str = "mutation($kind: ImportKind!, $content: String!, $dry: Boolean) {
  importRecords(kind: $kind, fileName: \"template.csv\", content: $content, dryRun: $dry) {
    imported dryRun errors { line field message } } }";

async fn each_template_has_the_import_header_and_an_example_row_the_import_accepts(app: TestApp) {
    let base = app.serve().await;
    let dpo = app.token(Role::Admin).await;
    // Imported in order, the examples make a small register: the organisation, then (after the
    // flow's recipient is registered) its location, activity and flow.
    for (kind, dry) in [
        ("organisations", false),
        ("locations", true),
        ("activities", false),
        ("flows", true),
    ] {
        if kind == "flows" {
            org(
                &app,
                json!({ "name": "Example Cloud Inc", "kind": "SUPPLIER", "country": "US",
                        "ref": "SUP-EXAMPLE", "dpaSignedOn": "2025-01-01" }),
            )
            .await;
        }
        let response = get(&base, &dpo, &format!("/exports/templates/{kind}.csv")).await;
        assert_eq!(response.status(), 200, "{kind}");
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .is_ok_and(|d| d.contains(&format!("{kind}-template.csv"))),
            "{kind}"
        );
        let csv = response.text().await.expect("body");
        let (header, rows) = csv_table(&csv);
        assert_eq!(rows.len(), 1, "{kind}: one example row");
        let data = app
            .ok(
                IMPORT,
                json!({ "kind": kind.to_uppercase(), "content": csv, "dry": dry }),
            )
            .await;
        let report = &data["importRecords"];
        assert_eq!(report["errors"], json!([]), "{kind}: {report:#}");
        assert_eq!(report["imported"], 1, "{kind}: {report:#}");

        // The XLSX: the same header and example, and a worksheet describing each column.
        let mut book =
            workbook(bytes(&base, &dpo, &format!("/exports/templates/{kind}.xlsx")).await);
        let names = book.sheet_names();
        assert_eq!(names.len(), 2, "{kind}: {names:?}");
        assert_eq!(names[1], "Columns");
        let first = book
            .worksheet_range_at(0)
            .expect("a sheet")
            .expect("readable");
        let xlsx_header: Vec<String> = first
            .rows()
            .next()
            .expect("header")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(xlsx_header, header, "{kind}");
        assert_eq!(first.height(), 2, "{kind}");
        let described = book.worksheet_range("Columns").expect("the columns");
        let described: Vec<String> = described.rows().map(|r| r[0].to_string()).collect();
        assert_eq!(described, header, "{kind}");
    }
    for missing in ["templates/flows.json", "templates/subjects.csv"] {
        let response = get(&base, &dpo, &format!("/exports/{missing}")).await;
        assert_eq!(response.status(), 404, "{missing}");
    }
}

async fn templates_need_a_register_reader_and_the_command_line_writes_them(app: TestApp) {
    let base = app.serve().await;
    let anonymous = reqwest::Client::new()
        .get(format!("{base}/exports/templates/flows.csv"))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401);
    let supplier = org(
        &app,
        json!({ "name": "P", "kind": "SUPPLIER", "country": "US" }),
    )
    .await;
    let processor = processor_token(&app, &supplier).await;
    let refused = get(&base, &processor, "/exports/templates/flows.csv").await;
    assert_eq!(refused.status(), 403);
    for role in [Role::Admin, Role::Dpo, Role::Procurement, Role::Auditor] {
        let token = app.token(role).await;
        let response = get(&base, &token, "/exports/templates/organisations.csv").await;
        assert_eq!(response.status(), 200, "{role}");
    }
    let out = ok(&bin(&app, &["template", "flows"]));
    assert!(
        out.starts_with("ref,activity,from,to,recipient_role"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2, "{out}");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("activities.xlsx");
    ok(&bin(
        &app,
        &[
            "template",
            "activities",
            "--output",
            file.to_str().expect("utf-8"),
        ],
    ));
    let book: Xlsx<_> = calamine::open_workbook(&file).expect("XLSX");
    assert_eq!(
        book.sheet_names(),
        vec!["Activities".to_string(), "Columns".to_string()]
    );
}
