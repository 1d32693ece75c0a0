//! Spreadsheets in and out, and the demonstration register, through the real binary on the
//! test's own database (SQLite file or PostgreSQL database) and over HTTP.

use crate::{
    db_tests,
    support::{self, TestApp},
};
use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};
use std::{path::Path, process::Output};
use transfer_register::domain::vocab::Role;

db_tests!(
    the_demo_loads_a_register_the_rules_flag_and_a_second_run_adds_nothing,
    a_new_user_runs_the_demo_exports_the_record_and_imports_a_supplier_file_with_one_bad_row,
    the_register_exported_and_imported_into_an_empty_register_is_the_same_register,
    the_record_of_processing_and_a_processor_record_read_back_from_xlsx,
    importing_over_graphql_reports_every_bad_row_and_imports_nothing,
    a_dry_run_validates_every_row_and_imports_nothing,
    rows_may_refer_to_later_rows_and_to_the_register_by_ref_or_name,
    exports_over_http_need_a_token_of_a_register_reader,
);

/// Runs the real binary against the app's database, with its secret.
pub(crate) fn bin(app: &TestApp, args: &[&str]) -> Output {
    bin_with(app, args, &[])
}

/// As [`bin`], with more settings in its environment.
pub(crate) fn bin_with(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_transfer-register"))
        .args(args)
        .envs(env.iter().copied())
        .env("DATABASE_URL", app.state.config.database_url())
        .env(
            "REGISTER_SECRET",
            app.state.config.secret.clone().expect("test secret"),
        )
        .env_remove("RUST_LOG")
        .output()
        .expect("run the binary")
}

pub(crate) fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The first worksheet of an XLSX file, as calamine (a spreadsheet reader) sees it.
fn worksheet(file: &Path) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = calamine::open_workbook(file).expect("the file opens as XLSX");
    workbook
        .worksheet_range_at(0)
        .expect("a worksheet")
        .expect("readable")
}

fn header_of(range: &calamine::Range<Data>) -> Vec<String> {
    range
        .rows()
        .next()
        .expect("a header row")
        .iter()
        .map(std::string::ToString::to_string)
        .collect()
}

async fn the_demo_loads_a_register_the_rules_flag_and_a_second_run_adds_nothing(app: TestApp) {
    let first = ok(&bin(&app, &["demo"]));
    assert!(
        first.contains("loaded the demonstration register"),
        "{first}"
    );
    let counts = [
        app.count("organisation").await,
        app.count("processing_activity").await,
        app.count("data_flow").await,
        app.count("data_subject").await,
        app.count("dsr_request").await,
        app.count("audit_event").await,
    ];
    assert!(counts[0] >= 15 && counts[3] >= 2000, "{counts:?}");
    let second = ok(&bin(&app, &["demo"]));
    assert!(second.contains("already loaded"), "{second}");
    let again = [
        app.count("organisation").await,
        app.count("processing_activity").await,
        app.count("data_flow").await,
        app.count("data_subject").await,
        app.count("dsr_request").await,
        app.count("audit_event").await,
    ];
    assert_eq!(counts, again, "a second run added nothing");

    let data = app
        .ok(
            "{ transferRegister { flow { ref to { name } } mechanism status problems { code } } }",
            json!({}),
        )
        .await;
    let rows = data["transferRegister"].as_array().expect("rows");
    let shield: Vec<&Value> = rows
        .iter()
        .filter(|r| r["mechanism"] == "PRIVACY_SHIELD")
        .collect();
    assert!(!shield.is_empty(), "a supplier on the Privacy Shield");
    assert!(
        shield.iter().all(|r| r["status"] == "NON_COMPLIANT"),
        "{shield:#?}"
    );
    for status in ["SAFEGUARDED", "ADEQUATE", "NON_COMPLIANT"] {
        assert!(rows.iter().any(|r| r["status"] == status), "no {status}");
    }
    assert!(
        rows.iter().any(|r| r["problems"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["code"] == "TIA_MISSING"))),
        "a transfer missing its TIA"
    );
    // Sub-processor chains three deep: a flow that continues a flow that continues another.
    let chains = app
        .ok(
            "{ dataFlows(first: 100) { edges { node { ref continues { continues { ref } } } } } }",
            json!({}),
        )
        .await;
    assert!(
        chains["dataFlows"]["edges"]
            .as_array()
            .expect("flows")
            .iter()
            .any(|f| f["node"]["continues"]["continues"]["ref"].is_string()),
        "{chains:#}"
    );
    let requests = app
        .ok(
            "{ dataSubjectRequests(first: 20) { edges { node { status } } } }",
            json!({}),
        )
        .await;
    let statuses: Vec<&str> = requests["dataSubjectRequests"]["edges"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["node"]["status"].as_str())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "OVERDUE").count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&"IN_PROGRESS") && statuses.contains(&"OPEN"),
        "{statuses:?}"
    );
    // A realistic spread of answers: a holder confirmed with evidence, one exempt.
    let tasks = app
        .ok(
            "{ dataSubjectRequests(first: 20) { edges { node { status tasks { status } } } } }",
            json!({}),
        )
        .await;
    let task_statuses: Vec<String> = tasks["dataSubjectRequests"]["edges"]
        .as_array()
        .expect("requests")
        .iter()
        .flat_map(|r| r["node"]["tasks"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["status"].as_str().map(str::to_owned))
        .collect();
    for status in ["COMPLETED", "EXEMPT", "ACKNOWLEDGED"] {
        assert!(
            task_statuses.iter().any(|s| s == status),
            "{status} in {task_statuses:?}"
        );
    }
    // A supplier on the EU-US DPF, so that the what-if "the DPF falls" has an answer.
    let what_if = app
        .ok(
            r#"{ whatIf(mechanism: EU_US_DPF, endsOn: "2030-01-01") { transfer { status } statusBefore } }"#,
            json!({}),
        )
        .await;
    assert!(
        what_if["whatIf"].as_array().is_some_and(|a| {
            a.iter().any(|i| {
                i["statusBefore"] == "ADEQUATE" && i["transfer"]["status"] == "NON_COMPLIANT"
            })
        }),
        "{what_if:#}"
    );
    // The subjects it prints to look up.
    for who in [
        "customer0001@example.net",
        "customer0002@example.org",
        "NW-100003",
    ] {
        assert!(first.contains(who), "{who} in {first}");
    }
    let audit = ok(&bin(&app, &["audit", "verify"]));
    assert!(audit.contains("intact"), "{audit}");
}

const SUPPLIERS: &str = "name,kind,country,company_number,parent,privacy_contact_email,erasure_webhook_url,dpa_signed_on,dpf_certified,status
Acme Cloud Ltd,SUPPLIER,GB,01234567,,privacy@acme.example,,2024-01-02,false,ACTIVE
Bolt Mail Inc,SUPPLIER,Atlantis,,,privacy@bolt.example,,,true,
Carrow Data GmbH,SUBCONTRACTOR,DE,,Acme Cloud Ltd,,,2023-05-06,,
";

async fn a_new_user_runs_the_demo_exports_the_record_and_imports_a_supplier_file_with_one_bad_row(
    app: TestApp,
) {
    ok(&bin(&app, &["demo"]));
    let dir = tempfile::tempdir().expect("dir");
    let ropa = dir.path().join("ropa.xlsx");
    ok(&bin(
        &app,
        &[
            "export",
            "ropa",
            "--format",
            "xlsx",
            "--output",
            path(&ropa),
        ],
    ));
    // The record opens with the controller's block; the record itself is the second sheet.
    let mut workbook: Xlsx<_> = calamine::open_workbook(&ropa).expect("the file opens as XLSX");
    assert_eq!(workbook.sheet_names()[0], "Controller");
    let range = workbook
        .worksheet_range("Record of processing")
        .expect("the record's sheet");
    let header = header_of(&range);
    // Headers in words (the JSON export keeps the names).
    for column in [
        "Controller",
        "Processing activity",
        "Purposes of the processing",
        "Lawful basis",
        "Categories of data subjects",
        "Categories of personal data",
        "Recipient",
        "Recipient's role",
        "Recipient's country",
        "Third country of the transfer",
        "Transfer mechanism",
        "Verdict",
        "Time limits for erasure",
    ] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    assert!(range.height() > 10, "a row per activity and recipient");

    let before = app.count("organisation").await;
    let audit_before = app.count("audit_event").await;
    let suppliers = dir.path().join("suppliers.csv");
    std::fs::write(&suppliers, SUPPLIERS).expect("write");
    let output = bin(&app, &["import", "organisations", path(&suppliers)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a bad row fails the import");
    assert!(stderr.contains("line 3: country: "), "{stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("line ")).count(),
        1,
        "only the bad row is reported: {stderr}"
    );
    assert_eq!(app.count("organisation").await, before, "nothing imported");
    assert_eq!(app.count("audit_event").await, audit_before);

    // Corrected, the same file imports, the child after its parent; the supplier given a
    // webhook gets its signing secret, printed once.
    let corrected = SUPPLIERS.replace("Atlantis", "US").replace(
        "privacy@acme.example,,",
        "privacy@acme.example,http://127.0.0.1:9/erase,",
    );
    std::fs::write(&suppliers, corrected).expect("write");
    let out = ok(&bin_with(
        &app,
        &["import", "organisations", path(&suppliers)],
        &[("REGISTER_WEBHOOK_ALLOW_INSECURE", "true")],
    ));
    assert!(out.contains("imported 3 organisations"), "{out}");
    assert_eq!(app.count("organisation").await, before + 3);
    let printed = out
        .lines()
        .find(|l| l.starts_with("webhook secret of \"Acme Cloud Ltd\" (line 2, organisation "))
        .unwrap_or_else(|| panic!("the issued secret: {out}"));
    assert!(printed.contains("shown only now: whsec_"), "{printed}");
    assert_eq!(out.matches("webhook secret of").count(), 1, "{out}");
}

/// The four tables of the register, exported as XLSX into `dir`.
fn export_tables(app: &TestApp, dir: &Path, format: &str) -> Vec<(String, std::path::PathBuf)> {
    ["organisations", "locations", "activities", "flows"]
        .iter()
        .map(|kind| {
            let file = dir.join(format!("{kind}.{format}"));
            ok(&bin(app, &["export", kind, "--output", path(&file)]));
            ((*kind).to_string(), file)
        })
        .collect()
}

async fn the_register_exported_and_imported_into_an_empty_register_is_the_same_register(
    app: TestApp,
) {
    ok(&bin(&app, &["demo"]));
    // Importer facts, which the demo leaves unrecorded, on one organisation: they survive too.
    let first = app
        .ok(
            "{ organisations(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("an organisation")
        .to_string();
    app.ok(
        r#"mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { id } }"#,
        json!({ "input": { "id": first, "dpfUkExtension": true, "privacyShieldCertified": false,
            "safeHarborCertified": true, "subjectToPipeda": false, "appiPrivateSector": true,
            "internationalOrganisation": "EPO", "gdprArt32": false, "bcrGroup": "Contoso BCR",
            "subprocessorAuthorisation": "GENERAL", "objectionPeriodDays": 30 } }),
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    let files = export_tables(&app, dir.path(), "xlsx");
    let original = dir.path().join("original");
    std::fs::create_dir(&original).expect("dir");
    let original_csv = export_tables(&app, &original, "csv");
    let original_verdicts = verdicts(&app);
    support::run(app.backend, |empty| async move {
        for (kind, file) in &files {
            let out = ok(&bin(&empty, &["import", kind, path(file)]));
            assert!(out.contains("imported"), "{out}");
        }
        let copy = tempfile::tempdir().expect("dir");
        let copied = export_tables(&empty, copy.path(), "csv");
        let organisations = std::fs::read_to_string(&copied[0].1).expect("read");
        let header = organisations.lines().next().unwrap_or("");
        assert!(
            header.ends_with(
                "subject_to_pipeda,appi_private_sector,international_organisation,gdpr_art3_2,bcr_group,subprocessor_authorisation,objection_period_days"
            ),
            "{header}"
        );
        assert!(
            organisations.contains(",true,false,true,false,true,EPO,false,Contoso BCR,GENERAL,30"),
            "{organisations}"
        );
        for ((kind, a), (_, b)) in original_csv.iter().zip(&copied) {
            assert_eq!(
                std::fs::read_to_string(a).expect("read"),
                std::fs::read_to_string(b).expect("read"),
                "{kind} differ after the round trip"
            );
        }
        // The verdicts follow: the transfer register is the same too.
        let copied_verdicts = verdicts(&empty);
        assert!(!copied_verdicts.is_empty());
        assert_eq!(copied_verdicts, original_verdicts, "the transfer register differs");
    })
    .await;
}

/// Every transfer of the register's export, as (flow, destination, verdict, problems), sorted.
fn verdicts(app: &TestApp) -> Vec<(Value, Value, Value, Value)> {
    let out = ok(&bin(app, &["export", "transfers", "--format", "json"]));
    let rows: Vec<Value> = serde_json::from_str(&out).expect("json");
    let mut rows: Vec<_> = rows
        .into_iter()
        .map(|r| {
            (
                r["flow_ref"].clone(),
                r["destination"].clone(),
                r["verdict"].clone(),
                r["problems"].clone(),
            )
        })
        .collect();
    rows.sort_by_key(|r| format!("{r:?}"));
    rows
}

async fn the_record_of_processing_and_a_processor_record_read_back_from_xlsx(app: TestApp) {
    ok(&bin(&app, &["demo"]));
    let dir = tempfile::tempdir().expect("dir");
    let transfers = dir.path().join("transfers.xlsx");
    ok(&bin(
        &app,
        &[
            "export",
            "transfers",
            "--output",
            path(&transfers),
            "--on",
            "2026-01-15",
        ],
    ));
    let range = worksheet(&transfers);
    let header = header_of(&range);
    let signed = header
        .iter()
        .position(|h| h == "Signed on")
        .expect("Signed on");
    let assessed = header
        .iter()
        .position(|h| h == "Assessed on")
        .expect("Assessed on");
    let rows: Vec<&[Data]> = range.rows().skip(1).collect();
    assert!(!rows.is_empty());
    for row in &rows {
        let Data::DateTime(d) = &row[assessed] else {
            panic!("assessed_on is a date cell: {:?}", row[assessed]);
        };
        assert_eq!(
            d.as_datetime().map(|d| d.date().to_string()).as_deref(),
            Some("2026-01-15")
        );
    }
    assert!(
        rows.iter().any(|r| matches!(r[signed], Data::DateTime(_))),
        "signing dates are dates"
    );

    // The Art 30(2) record of the Indian support company: what it processes for the parent
    // and its onward transfer to the help-desk tool.
    let id = app
        .ok(
            "{ organisations(nameContains: \"Support Services\") { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let record = dir.path().join("processor.xlsx");
    ok(&bin(
        &app,
        &[
            "export",
            "ropa",
            "--processor",
            &id,
            "--output",
            path(&record),
        ],
    ));
    let range = worksheet(&record);
    let header = header_of(&range);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<&[Data]> = range.rows().skip(1).collect();
    assert!(
        rows.iter()
            .all(|r| r[col("Processor")] == "Northwind Support Services Pvt Ltd"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r[col("Recipient")] == "Deskline Support Inc"
                && r[col("Verdict")] == "Non-compliant"),
        "{rows:?}"
    );
}

const IMPORT: &str =
    "mutation($kind: ImportKind!, $name: String!, $content: String!, $dry: Boolean) {
  importRecords(kind: $kind, fileName: $name, content: $content, dryRun: $dry) {
    imported dryRun errors { line field message } } }";

async fn importing_over_graphql_reports_every_bad_row_and_imports_nothing(app: TestApp) {
    let file = "name,kind,country,dpa_signed_on,status,ref
Good Ltd,SUPPLIER,GB,2024-02-03,,G-1
Bad Kind Ltd,VENDOR,GB,,,
Bad Date Ltd,SUPPLIER,FR,2024-02-30,,
Duplicate Ref Ltd,SUPPLIER,IE,,,G-1
";
    let before = app.count("organisation").await;
    let data = app
        .ok(
            IMPORT,
            json!({ "kind": "ORGANISATIONS", "name": "suppliers.csv", "content": file }),
        )
        .await;
    let report = &data["importRecords"];
    assert_eq!(report["imported"], 0);
    let errors: Vec<(i64, &str)> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap_or(0),
                e["field"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [(3, "kind"), (4, "dpa_signed_on"), (5, "ref")],
        "{report:#}"
    );
    assert_eq!(app.count("organisation").await, before);

    // An .xlsx file travels as base64; an unknown column is refused on the header's line.
    let data = app
        .ok(
            IMPORT,
            json!({ "kind": "LOCATIONS", "name": "x.csv", "content": "organisation,country,colour\n" }),
        )
        .await;
    assert_eq!(data["importRecords"]["errors"][0]["line"], 1);
    assert_eq!(data["importRecords"]["errors"][0]["field"], "colour");
    let data = app
        .gql(
            IMPORT,
            json!({ "kind": "LOCATIONS", "name": "x.xlsx", "content": "not base64!" }),
        )
        .await;
    support::assert_error(&data, "BAD_USER_INPUT", Some("content"));

    // An auditor may read the register but not import into it.
    let auditor = app.principal(Role::Auditor, None).await;
    let refused = app
        .exec(
            transfer_register::graphql::context::Auth::Token(auditor),
            IMPORT,
            json!({ "kind": "ORGANISATIONS", "name": "s.csv", "content": file }),
        )
        .await;
    support::assert_error(&refused, "FORBIDDEN", None);
}

async fn a_dry_run_validates_every_row_and_imports_nothing(app: TestApp) {
    let file = "name,kind,country\nOne Ltd,SUPPLIER,GB\nTwo Ltd,supplier,US\n";
    let before = app.count("organisation").await;
    let data = app
        .ok(
            IMPORT,
            json!({ "kind": "ORGANISATIONS", "name": "s.csv", "content": file, "dry": true }),
        )
        .await;
    assert_eq!(
        data["importRecords"],
        json!({ "imported": 2, "dryRun": true, "errors": [] })
    );
    assert_eq!(app.count("organisation").await, before);
    let data = app
        .ok(
            IMPORT,
            json!({ "kind": "ORGANISATIONS", "name": "s.csv", "content": file }),
        )
        .await;
    assert_eq!(data["importRecords"]["imported"], 2);
    assert_eq!(app.count("organisation").await, before + 2);
}

async fn rows_may_refer_to_later_rows_and_to_the_register_by_ref_or_name(app: TestApp) {
    let orgs = "ref,name,kind,country,parent
SUB,Sub Ltd,SUBCONTRACTOR,GB,Parent plc
P,Parent plc,GROUP_COMPANY,GB,
VEND,Vendor Inc,SUPPLIER,US,
";
    let import = |kind: &'static str, content: &'static str| {
        let app = &app;
        async move {
            let data = app
                .ok(
                    IMPORT,
                    json!({ "kind": kind, "name": "f.csv", "content": content }),
                )
                .await;
            data["importRecords"].clone()
        }
    };
    let report = import("ORGANISATIONS", orgs).await;
    assert_eq!(report["errors"], json!([]), "{report:#}");
    let report = import(
        "ACTIVITIES",
        "ref,name,controller,purpose,lawful_basis,data_categories,subject_categories,retention,retention_months
A1,Support,P,Helping customers,contract,contact.email; identity.name,customer,7 years,84
",
    )
    .await;
    assert_eq!(report["errors"], json!([]), "{report:#}");
    // The second flow continues the third, which comes later in the file.
    let report = import(
        "FLOWS",
        "ref,activity,from,to,recipient_role,data_categories,continues,mechanism,scc_module,tia_completed_on,signed_on
F3,Support,Vendor Inc,SUB,SUB_PROCESSOR,contact.email,F1,UK_ADDENDUM,P2P,,2024-01-01
F1,A1,P,Vendor Inc,PROCESSOR,contact.email; identity.name,,UK_IDTA,,2024-01-01,2024-01-01
",
    )
    .await;
    assert_eq!(report["errors"], json!([]), "{report:#}");
    assert_eq!(report["imported"], 2);
    let data = app
        .ok(
            "{ dataFlows(first: 10) { edges { node { ref continues { ref } } } } }",
            json!({}),
        )
        .await;
    assert!(
        data["dataFlows"]["edges"]
            .as_array()
            .expect("flows")
            .iter()
            .any(|f| f["node"]["ref"] == "F3" && f["node"]["continues"]["ref"] == "F1"),
        "{data:#}"
    );
    // A flow breaking the service's rule is refused with the service's message, on its column.
    let report = import(
        "FLOWS",
        "activity,from,to,recipient_role,data_categories
A1,VEND,SUB,PROCESSOR,contact.email
",
    )
    .await;
    assert_eq!(report["errors"][0]["line"], 2, "{report:#}");
    assert_eq!(report["errors"][0]["field"], "from", "{report:#}");
}

async fn exports_over_http_need_a_token_of_a_register_reader(app: TestApp) {
    let base = app.serve().await;
    let client = reqwest::Client::new();
    let anonymous = client
        .get(format!("{base}/exports/ropa.csv"))
        .send()
        .await
        .expect("send");
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let org = app
        .ok(
            "mutation { registerOrganisation(input: { name: \"P\", kind: SUPPLIER, country: \"US\" }) { id } }",
            json!({}),
        )
        .await["registerOrganisation"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (_, processor) = transfer_register::service::tokens::create(
        &app.state.db,
        &app.state.audit_key,
        "processor-token",
        Role::Processor,
        org.parse().ok(),
        None,
    )
    .await
    .expect("token");
    let refused = client
        .get(format!("{base}/exports/transfers.csv"))
        .bearer_auth(&processor)
        .send()
        .await
        .expect("send");
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let auditor = app.token(Role::Auditor).await;
    let csv = client
        .get(format!("{base}/exports/ropa.csv"))
        .bearer_auth(&auditor)
        .send()
        .await
        .expect("send");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv"))
    );
    // The header in words (the JSON export keeps `controller`).
    assert!(csv.text().await.expect("body").starts_with("Controller,"));
    for file in ["transfers.xlsx", "gaps.json", "ropa.xlsx"] {
        let response = client
            .get(format!("{base}/exports/{file}?on=2025-06-01"))
            .bearer_auth(&auditor)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status(), 200, "{file}");
    }
    let unknown = client
        .get(format!("{base}/exports/secrets.csv"))
        .bearer_auth(&auditor)
        .send()
        .await
        .expect("send");
    assert_eq!(unknown.status(), 404);
    let bad_date = client
        .get(format!("{base}/exports/transfers.csv?on=tomorrow"))
        .bearer_auth(&auditor)
        .send()
        .await
        .expect("send");
    assert_eq!(bad_date.status(), 400);
    let body: Value = bad_date.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["field"], "on");
}
