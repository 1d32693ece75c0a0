//! The spreadsheet reader's own refusals: a file of another kind, a CSV that is not text (with
//! its line), a workbook that is not one (corrupt, or password-protected: an encrypted container,
//! not a zip), and a bad row of a workbook named by the line the spreadsheet program shows.

use crate::{db_tests, support::TestApp};
use base64::Engine;
use serde_json::{Value, json};

db_tests!(
    a_file_of_another_kind_is_refused_naming_the_file,
    a_workbook_that_is_not_one_is_refused_and_nothing_is_imported,
    a_bad_row_of_a_workbook_is_named_by_its_line,
    a_csv_that_is_not_text_is_refused_at_its_line,
);

const IMPORT: &str = "mutation($name: String!, $content: String!) {
  importRecords(kind: ORGANISATIONS, fileName: $name, content: $content) {
    imported errors { line field message } } }";

async fn import(app: &TestApp, name: &str, content: String) -> Value {
    app.ok(IMPORT, json!({ "name": name, "content": content }))
        .await["importRecords"]
        .clone()
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The report's one error, as (line, field, message).
fn only_error(report: &Value) -> (i64, String, String) {
    assert_eq!(report["imported"], 0, "{report:#}");
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{report:#}");
    (
        errors[0]["line"].as_i64().expect("line"),
        errors[0]["field"].as_str().expect("field").to_owned(),
        errors[0]["message"].as_str().expect("message").to_owned(),
    )
}

async fn a_file_of_another_kind_is_refused_naming_the_file(app: TestApp) {
    let report = import(&app, "suppliers.ods", "name,kind,country\n".into()).await;
    let (line, field, message) = only_error(&report);
    assert_eq!((line, field.as_str()), (0, "file"));
    assert!(message.contains("neither .csv nor .xlsx"), "{message}");
    assert_eq!(app.count("organisation").await, 0);
}

async fn a_workbook_that_is_not_one_is_refused_and_nothing_is_imported(app: TestApp) {
    // Random bytes, a zip cut short, and the start of the OLE container Excel writes a
    // password-protected workbook in.
    let truncated = {
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet()
            .write_string(0, 0, "name")
            .expect("cell");
        let bytes = book.save_to_buffer().expect("xlsx");
        bytes[..bytes.len() / 2].to_vec()
    };
    let mut encrypted = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    encrypted.resize(4096, 0);
    for (name, bytes) in [
        ("noise.xlsx", b"this is not a workbook at all".to_vec()),
        ("cut.xlsx", truncated),
        ("locked.xlsx", encrypted),
    ] {
        let report = import(&app, name, base64(&bytes)).await;
        let (line, field, message) = only_error(&report);
        assert_eq!((line, field.as_str()), (0, "file"), "{name}");
        assert!(
            message.starts_with("not readable as an .xlsx workbook"),
            "{name}: {message}"
        );
    }
    assert_eq!(app.count("organisation").await, 0);
}

async fn a_bad_row_of_a_workbook_is_named_by_its_line(app: TestApp) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let rows = [
        ["name", "kind", "country"],
        ["Good Ltd", "SUPPLIER", "GB"],
        ["", "", ""],
        ["Bad Kind Ltd", "VENDOR", "GB"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet.write_string(r as u32, c as u16, *cell).expect("cell");
            }
        }
    }
    let bytes = book.save_to_buffer().expect("xlsx");
    let report = import(&app, "suppliers.xlsx", base64(&bytes)).await;
    let (line, field, message) = only_error(&report);
    // Row 4 as the spreadsheet program shows it (the empty row 3 is skipped, not renumbered).
    assert_eq!((line, field.as_str()), (4, "kind"), "{message}");
    assert_eq!(
        app.count("organisation").await,
        0,
        "one bad row, nothing imported"
    );
}

async fn a_csv_that_is_not_text_is_refused_at_its_line(app: TestApp) {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("suppliers.csv");
    std::fs::write(
        &file,
        b"name,kind,country\nGood Ltd,SUPPLIER,GB\nBad \xFF\xFE Ltd,SUPPLIER,GB\n",
    )
    .expect("write");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_transfer-register"))
        .args(["import", "organisations"])
        .arg(&file)
        .env("DATABASE_URL", app.state.config.database_url())
        .env(
            "REGISTER_SECRET",
            app.state.config.secret.clone().expect("test secret"),
        )
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 3: file: not readable as CSV"),
        "{stderr}"
    );
    assert_eq!(app.count("organisation").await, 0);
}
