//! Hostile spreadsheets: a workbook declaring Excel's last cell, a zip bomb, CSV files too
//! long, too wide or with too long a cell. Each is refused quickly with `BAD_USER_INPUT` naming
//! its limit, over GraphQL and on the command line, the message short and the service up.

use crate::{
    db_tests,
    sheets::{bin, bin_with},
    support::{TestApp, assert_error},
};
use base64::Engine;
use serde_json::{Value, json};
use std::{io::Write, path::Path};

db_tests!(
    a_workbook_with_cells_at_a1_and_xfd1048576_is_refused_at_once_over_graphql_and_the_cli,
    a_worksheet_without_a_dimension_is_refused_at_its_first_cell_beyond_the_limits,
    a_zip_bomb_entry_is_refused_before_it_is_inflated_with_a_short_message,
    csv_files_too_long_too_wide_or_with_too_long_a_cell_are_refused_naming_the_limit,
    a_refusal_quotes_at_most_a_short_excerpt_of_a_cell_or_header,
    the_command_line_raises_the_limits_for_a_file_it_trusts,
    an_import_that_cannot_get_its_share_of_memory_is_refused_as_busy,
);

const IMPORT: &str =
    "mutation($kind: ImportKind!, $name: String!, $content: String!, $dry: Boolean) {
  importRecords(kind: $kind, fileName: $name, content: $content, dryRun: $dry) {
    imported dryRun errors { line field message } } }";

async fn import(app: &TestApp, name: &str, content: String) -> Value {
    app.gql(
        IMPORT,
        json!({ "kind": "ORGANISATIONS", "name": name, "content": content, "dry": true }),
    )
    .await
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The single error of a response: `BAD_USER_INPUT` on `content`, its message short and
/// naming `setting`.
fn refused_naming(response: &Value, setting: &str) -> String {
    assert_error(response, "BAD_USER_INPUT", Some("content"));
    let message = response["errors"][0]["message"]
        .as_str()
        .expect("a message")
        .to_string();
    assert!(message.contains(setting), "{message}");
    assert!(message.len() < 500, "{} bytes: {message}", message.len());
    message
}

/// A workbook made by a spreadsheet library, with a value in A1 and one in XFD1048576 (the
/// last cell of a worksheet): 4.8 KB that declare 17 billion cells.
fn two_cell_workbook() -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "name").expect("A1");
    sheet
        .write_string(1_048_575, 16_383, "x")
        .expect("XFD1048576");
    workbook.save_to_buffer().expect("saved")
}

/// A minimal .xlsx file around `sheet_xml` (the worksheet's XML), its entries deflated.
fn workbook_with(sheet_xml: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let entries: [(&str, &[u8]); 5] = [
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml),
    ];
    for (name, content) in entries {
        zip.start_file(name, options).expect("entry");
        zip.write_all(content).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

/// A worksheet of inline-string cells at `(reference, text)`, with `padding` spaces before its
/// data (whitespace compresses about 1000:1).
fn sheet_xml(cells: &[(&str, &str)], padding: usize) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    xml.push_str(&" ".repeat(padding));
    xml.push_str("<sheetData>");
    for (reference, text) in cells {
        let row: String = reference.chars().filter(char::is_ascii_digit).collect();
        xml.push_str(&format!(
            r#"<row r="{row}"><c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c></row>"#
        ));
    }
    xml.push_str("</sheetData></worksheet>");
    xml.into_bytes()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let file = dir.join(name);
    std::fs::write(&file, bytes).expect("write");
    file.to_str().expect("utf-8").to_string()
}

async fn a_workbook_with_cells_at_a1_and_xfd1048576_is_refused_at_once_over_graphql_and_the_cli(
    app: TestApp,
) {
    let file = two_cell_workbook();
    assert!(file.len() < 10_000, "{} bytes", file.len());
    let response = import(&app, "corner.xlsx", base64(&file)).await;
    let message = refused_naming(&response, "REGISTER_IMPORT_MAX_ROWS");
    assert!(message.starts_with("line 1048576: "), "{message}");
    // The service is still there and the register untouched.
    let data = app
        .ok("{ organisations(first: 1) { totalCount } }", json!({}))
        .await;
    assert_eq!(data["organisations"]["totalCount"], 0);

    let dir = tempfile::tempdir().expect("dir");
    let path = write(dir.path(), "corner.xlsx", &file);
    let output = bin(&app, &["import", "organisations", &path, "--dry-run"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("REGISTER_IMPORT_MAX_ROWS"), "{stderr}");
}

async fn a_worksheet_without_a_dimension_is_refused_at_its_first_cell_beyond_the_limits(
    app: TestApp,
) {
    // No <dimension>: the cells themselves are checked as they arrive.
    let far_down = workbook_with(&sheet_xml(&[("A1", "name"), ("A1048576", "x")], 0));
    let response = import(&app, "down.xlsx", base64(&far_down)).await;
    refused_naming(&response, "REGISTER_IMPORT_MAX_ROWS");
    let far_right = workbook_with(&sheet_xml(&[("A1", "name"), ("XFD1", "x")], 0));
    let response = import(&app, "right.xlsx", base64(&far_right)).await;
    let message = refused_naming(&response, "REGISTER_IMPORT_MAX_COLUMNS");
    assert!(message.starts_with("line 1: "), "{message}");
    // Within the limits the same kind of file imports.
    let fine = workbook_with(&sheet_xml(
        &[
            ("A1", "name"),
            ("B1", "kind"),
            ("C1", "country"),
            ("A2", "Fine Ltd"),
            ("B2", "SUPPLIER"),
            ("C2", "GB"),
        ],
        0,
    ));
    let response = import(&app, "fine.xlsx", base64(&fine)).await;
    assert_eq!(
        response["data"]["importRecords"],
        json!({ "imported": 1, "dryRun": true, "errors": [] }),
        "{response:#}"
    );
}

async fn a_zip_bomb_entry_is_refused_before_it_is_inflated_with_a_short_message(app: TestApp) {
    // 40 MB of worksheet in a few tens of KB: about 1000:1.
    let bomb = workbook_with(&sheet_xml(&[("A1", "name")], 40 << 20));
    assert!(bomb.len() < 200_000, "{} bytes", bomb.len());
    let response = import(&app, "bomb.xlsx", base64(&bomb)).await;
    let message = refused_naming(&response, "REGISTER_IMPORT_MAX_COMPRESSION_RATIO");
    assert!(message.contains("xl/worksheets/sheet1.xml"), "{message}");

    // Under the ratio but past the total the entries may inflate to.
    let dir = tempfile::tempdir().expect("dir");
    let path = write(dir.path(), "bomb.xlsx", &bomb);
    let output = bin_with(
        &app,
        &["import", "organisations", &path, "--dry-run"],
        &[
            ("REGISTER_IMPORT_MAX_COMPRESSION_RATIO", "100000"),
            ("REGISTER_IMPORT_MAX_INFLATED_BYTES", "10000000"),
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("REGISTER_IMPORT_MAX_INFLATED_BYTES"),
        "{stderr}"
    );
    assert!(stderr.len() < 500, "{stderr}");
}

async fn csv_files_too_long_too_wide_or_with_too_long_a_cell_are_refused_naming_the_limit(
    app: TestApp,
) {
    let mut long = String::from("name,kind,country\n");
    for i in 0..100_001 {
        long.push_str(&format!("Org {i},SUPPLIER,GB\n"));
    }
    let response = import(&app, "long.csv", long).await;
    let message = refused_naming(&response, "REGISTER_IMPORT_MAX_ROWS");
    assert!(message.starts_with("line 100002: "), "{message}");

    let wide = format!("name,kind,country\n{}\n", vec!["x"; 10_000].join(","));
    let response = import(&app, "wide.csv", wide).await;
    let message = refused_naming(&response, "REGISTER_IMPORT_MAX_COLUMNS");
    assert!(message.starts_with("line 2: "), "{message}");

    let cell = format!(
        "name,kind,country\n\"{}\",SUPPLIER,GB\n",
        "A".repeat(32_768)
    );
    let response = import(&app, "cell.csv", cell).await;
    let message = refused_naming(&response, "REGISTER_IMPORT_MAX_CELL_CHARS");
    assert!(message.starts_with("line 2, column 1: "), "{message}");
    // Excel's own limit is accepted as a cell (and then refused by the name's rule, as a row).
    let cell = format!(
        "name,kind,country\n\"{}\",SUPPLIER,GB\n",
        "A".repeat(32_767)
    );
    let response = import(&app, "cell.csv", cell).await;
    let errors = &response["data"]["importRecords"]["errors"];
    assert_eq!(errors[0]["field"], "name", "{response:#}");
}

async fn a_refusal_quotes_at_most_a_short_excerpt_of_a_cell_or_header(app: TestApp) {
    let header = "h".repeat(30_000);
    let kind = "k".repeat(30_000);
    let file = format!("name,kind,country,{header}\nLong Ltd,{kind},GB,\n");
    let response = import(&app, "long.csv", file).await;
    let errors = response["data"]["importRecords"]["errors"]
        .as_array()
        .expect("errors")
        .clone();
    assert!(!errors.is_empty(), "{response:#}");
    for error in &errors {
        let field = error["field"].as_str().unwrap_or("");
        let message = error["message"].as_str().unwrap_or("");
        assert!(field.chars().count() <= 61, "{field}");
        assert!(message.chars().count() <= 301, "{message}");
    }
    assert!(
        errors.iter().any(|e| e["field"]
            .as_str()
            .is_some_and(|f| f.starts_with("hhhh") && f.ends_with('…'))),
        "{errors:#?}"
    );
    // The row's bad value, once the header is right.
    let file = format!("name,kind,country\nLong Ltd,{kind},GB\n");
    let response = import(&app, "long.csv", file).await;
    let error = &response["data"]["importRecords"]["errors"][0];
    assert_eq!(error["field"], "kind", "{response:#}");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.starts_with(&format!("\"{}…\"", "k".repeat(60))),
        "{message}"
    );
    assert!(message.len() < 500, "{message}");
}

async fn the_command_line_raises_the_limits_for_a_file_it_trusts(app: TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let mut file = String::from("name,kind,country\n");
    for i in 0..1_500 {
        file.push_str(&format!("Org {i},SUPPLIER,GB\n"));
    }
    let path = write(dir.path(), "orgs.csv", file.as_bytes());
    let limited = [("REGISTER_IMPORT_MAX_ROWS", "1000")];
    let output = bin_with(
        &app,
        &["import", "organisations", &path, "--dry-run"],
        &limited,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("more than 1000 rows"), "{stderr}");
    // The setting as a flag wins over the environment; `--no-limits` lifts every limit.
    for raise in [&["--import-max-rows", "2000"][..], &["--no-limits"][..]] {
        let mut args = vec!["import", "organisations", path.as_str(), "--dry-run"];
        args.extend_from_slice(raise);
        let output = bin_with(&app, &args, &limited);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{raise:?}: {stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("dry run: 1500 organisations valid"),
            "{stdout}"
        );
    }
    // The same file, a workbook: within the limits raised, it imports.
    let output = bin_with(
        &app,
        &[
            "import",
            "organisations",
            &path,
            "--import-max-rows",
            "2000",
        ],
        &limited,
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(app.count("organisation").await, 1_500);
}

async fn an_import_that_cannot_get_its_share_of_memory_is_refused_as_busy(app: TestApp) {
    // Every byte of the budget is taken (as by imports running now).
    let budget = app.state.import_budget.clone();
    let held = budget
        .reserve("content", app.state.config.import_memory_bytes)
        .await
        .expect("the whole budget");
    let response = import(
        &app,
        "s.csv",
        "name,kind,country\nA Ltd,SUPPLIER,GB\n".into(),
    )
    .await;
    assert_error(&response, "CONFLICT", None);
    assert_eq!(
        response["errors"][0]["extensions"]["reason"], "BUSY",
        "{response:#}"
    );
    drop(held);
    let response = import(
        &app,
        "s.csv",
        "name,kind,country\nA Ltd,SUPPLIER,GB\n".into(),
    )
    .await;
    assert_eq!(
        response["data"]["importRecords"]["imported"], 1,
        "{response:#}"
    );
}
