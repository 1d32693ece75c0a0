//! The benchmark at a tiny size, end to end: it generates a register in a fresh database, runs
//! every figure over HTTP and prints them. Timings are its output, never asserted here.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.sqlite").display());
    runs_at_a_tiny_size(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(postgres_tests), ignore = "TEST_POSTGRES_URL is not set")]
async fn on_postgresql() {
    let admin_url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
    let name = format!("tr_bench_{}", std::process::id());
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL={admin_url} is unreachable: {e}"));
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\""))
        .await
        .expect("drop an old database");
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create the database");
    let (base, query) = admin_url.split_once('?').unwrap_or((&admin_url, ""));
    let url = match base.rsplit_once('/') {
        Some((server, _)) if query.is_empty() => format!("{server}/{name}"),
        Some((server, _)) => format!("{server}/{name}?{query}"),
        None => panic!("TEST_POSTGRES_URL names no database: {admin_url}"),
    };
    runs_at_a_tiny_size(&url).await;
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("a row");
    row.try_get("", "n").expect("n")
}

async fn runs_at_a_tiny_size(url: &str) {
    // The `bench` binary generates a tiny register in this test's database and runs every figure
    // over HTTP; timings are its output, never asserted here.
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_bench"))
        .args([
            "--organisations",
            "40",
            "--activities",
            "60",
            "--flows",
            "300",
            "--subjects",
            "500",
            "--samples",
            "20",
            "--http",
            "--connections",
            "4",
            "--register-connections",
            "2",
            "--write-connections",
            "4",
            "--requests",
            "40",
            "--writes",
            "40",
            "--seconds",
            "20",
            "--holders",
            "6",
            "--erasures",
            "3",
            "--postgres-url",
            "",
            "--sqlite-url",
            url,
        ])
        .output()
        .await
        .expect("bench runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    for figure in [
        "whoHolds (GraphQL)",
        "whoHolds, 4 connections",
        "plain SQL in-process, 4 tasks",
        "page of 100 transfers, 2 connections",
        "complianceGaps, 2 connections",
        "transferRegister { status }, warm",
        "registerOrganisation, 4 conns, sealed in its transaction",
        "registerOrganisation, 4 conns, sealed after commit",
        "audit sealer: at most",
        "page of 100, first after one write",
        "fileDataSubjectRequest, 6 holders",
        "webhook delivery, 1 worker(s)",
        "peak memory",
    ] {
        assert!(stdout.contains(figure), "{figure} missing:\n{stdout}");
    }
    // No figure has an error, except that whole-register requests beyond the pool's turns may be
    // refused as BUSY (that is what the figure shows; how many depends on the machine's load).
    let lines: Vec<&str> = stdout.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.contains("first error") {
            let figure = i.checked_sub(1).map_or("", |j| lines[j]);
            assert!(
                figure.contains("whole-register requests") && line.contains("\"BUSY\""),
                "an error outside the pressure figure's BUSY refusals:\n{stdout}"
            );
        }
    }
    // Every task of the three erasures reached a receiver exactly once and is SENT.
    assert!(stdout.contains("lost 0, twice 0, not SENT 0"), "{stdout}");
    let db = sea_orm::Database::connect(url)
        .await
        .expect("the benchmark's database");
    assert_eq!(count(&db, "dsr_task").await, 3 * 6, "{stdout}");
    assert_eq!(
        count(&db, "organisation").await,
        40 + 6 + 2 * 40,
        "the wide holders were added and every registerOrganisation of both write figures landed"
    );
}
