//! How long an import holds the single SQLite writer. A dry run checks its rows without it
//! (see `service::import`); a real import holds it only for its writes.

use crate::{
    db_tests,
    support::{Backend, TestApp},
};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use std::time::{Duration, Instant};

db_tests!(a_dry_run_checks_every_row_against_the_register_while_another_write_holds_the_writer);

const DRY_RUN: &str = "mutation($kind: ImportKind!, $content: String!) { importRecords(kind: $kind, fileName: \"f.csv\", content: $content, dryRun: true) { imported errors { line field message } } }";

async fn a_dry_run_checks_every_row_against_the_register_while_another_write_holds_the_writer(
    app: TestApp,
) {
    let existing = app
        .ok(
            DRY_RUN.replace("dryRun: true", "dryRun: false").as_str(),
            json!({ "kind": "ORGANISATIONS", "content": "ref,name,kind,country\nP,Parent plc,GROUP_COMPANY,GB\n" }),
        )
        .await;
    assert_eq!(existing["importRecords"]["imported"], 1, "{existing:#}");
    // Another write holds the writer (on SQLite the only one) for the whole dry run.
    let held = app.state.db.begin().await.expect("begin");
    let file = "ref,name,kind,country,parent
SUB,Sub Ltd,SUBCONTRACTOR,GB,Later Ltd
L,Later Ltd,SUPPLIER,US,Parent plc
P,Taken Ref Ltd,SUPPLIER,US,
Orphan Ltd,Orphan Ltd,SUPPLIER,US,Nobody
";
    let report = tokio::time::timeout(
        Duration::from_secs(5),
        app.gql(DRY_RUN, json!({ "kind": "ORGANISATIONS", "content": file })),
    )
    .await
    .expect("the dry run does not wait for the writer");
    held.rollback().await.expect("release");
    let errors: Vec<(i64, String)> = report["data"]["importRecords"]["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{report:#}"))
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap_or(0),
                e["field"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // A later row as a parent and the register's organisation by name pass; a ref the register
    // holds and an unknown parent are refused, as the real import would refuse them.
    assert_eq!(
        errors,
        [(4, "ref".to_string()), (5, "parent".to_string())],
        "{report:#}"
    );
    assert_eq!(app.count("organisation").await, 1);
}

/// Organisations, every fifth with an erasure webhook: 8,300 rows are about 920 KB.
pub(crate) fn organisations_file(rows: usize) -> String {
    let mut file = String::from(
        "name,kind,country,company_number,privacy_contact_email,erasure_webhook_url,dpa_signed_on,dpf_certified,status,ref,security_measures\n",
    );
    for i in 0..rows {
        let webhook = if i % 5 == 0 {
            format!("http://127.0.0.1:9/erase/{i}")
        } else {
            String::new()
        };
        file.push_str(&format!(
            "Supplier {i:05} Ltd,SUPPLIER,GB,{i:08},privacy@s{i}.example,{webhook},2024-01-02,false,ACTIVE,S-{i:05},ISO 27001\n"
        ));
    }
    file
}

/// Runs `importRecords` on `file` while a probe runs `SELECT 1` on the writer every 2 ms;
/// returns the import's time and the probe's longest wait (the writer's longest hold).
pub(crate) async fn writer_hold(
    app: &TestApp,
    file: String,
    dry_run: bool,
) -> (Duration, Duration) {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let db = app.state.db.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut longest = Duration::ZERO;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let started = Instant::now();
                db.execute_unprepared("SELECT 1").await.expect("probe");
                longest = longest.max(started.elapsed());
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            longest
        })
    };
    let started = Instant::now();
    let response = app
        .gql(
            "mutation($content: String!, $dry: Boolean) { importRecords(kind: ORGANISATIONS, fileName: \"s.csv\", content: $content, dryRun: $dry) { imported errors { line field message } } }",
            json!({ "content": file, "dry": dry_run }),
        )
        .await;
    let took = started.elapsed();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let longest = probe.await.expect("probe");
    assert_eq!(
        response["data"]["importRecords"]["errors"],
        json!([]),
        "{response:#}"
    );
    (took, longest)
}

/// The writer's longest hold during a 920 KB import, dry and real: `cargo test --test api
/// import_writer::measure -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand"]
async fn measure_the_writer_hold_of_a_920_kb_import() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let file = organisations_file(8_300);
    eprintln!("file: {} bytes", file.len());
    for dry_run in [true, true, false] {
        let (took, held) = writer_hold(&app, file.clone(), dry_run).await;
        eprintln!(
            "dry_run={dry_run}: import {:.0} ms, writer held at most {:.0} ms",
            took.as_secs_f64() * 1000.0,
            held.as_secs_f64() * 1000.0
        );
    }
}
