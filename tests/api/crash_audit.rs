//! Crash safety of the audit chain sealed after commit: the real binary serves PostgreSQL while
//! sixteen clients register organisations over HTTP, and is killed with SIGKILL mid-stream, five
//! times. Then every acknowledged write must be stored with its audit event, and the chain must
//! verify whole once sealed. Run alone with
//! `TEST_POSTGRES_URL=... cargo test -p transfer-register --test api crash -- --nocapture`
//! (it prints what each round acknowledged and what was stored).

use crate::{db_tests, support::TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::{
    collections::HashSet,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use transfer_register::{
    domain::vocab::Role,
    service::{audit, sealing},
};

db_tests!(
    postgres_only:
    sixteen_writers_and_five_kills_lose_no_acknowledged_write_and_leave_the_chain_whole,
);

const BIN: &str = env!("CARGO_BIN_EXE_transfer-register");
const WRITERS: usize = 16;
const ROUNDS: usize = 5;
/// Acknowledged writes per round before the kill (or the time below, whichever comes first).
const WRITES_BEFORE_KILL: usize = 150;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The service of one round, ready to answer.
async fn start(app: &TestApp, port: u16) -> tokio::process::Child {
    let child = tokio::process::Command::new(BIN)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", app.state.config.database_url())
        .env(
            "REGISTER_SECRET",
            app.state.config.secret.clone().expect("test secret"),
        )
        .env("RUST_LOG", "error")
        .env_remove("REGISTER_SMTP_URL")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("serve");
    let client = reqwest::Client::new();
    let ready = tokio::time::timeout(Duration::from_mins(1), async {
        loop {
            let up = client
                .get(format!("http://127.0.0.1:{port}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if up {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(ready.is_ok(), "serve did not answer within a minute");
    child
}

async fn sixteen_writers_and_five_kills_lose_no_acknowledged_write_and_leave_the_chain_whole(
    app: TestApp,
) {
    let token = app.token(Role::Admin).await;
    let acknowledged: Arc<Mutex<HashSet<String>>> = Arc::default();
    for round in 0..ROUNDS {
        let port = free_port();
        let mut child = start(&app, port).await;
        let stop = Arc::new(AtomicBool::new(false));
        let before = acknowledged.lock().expect("acks").len();
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (stop, acknowledged, token) =
                    (stop.clone(), acknowledged.clone(), token.clone());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let mut i = 0;
                    // Bounded: the round's kill stops every writer (its requests fail).
                    while !stop.load(Ordering::SeqCst) && i < 10_000 {
                        let name = format!("Crash {round}-{w}-{i}");
                        i += 1;
                        let sent = client
                            .post(format!("http://127.0.0.1:{port}/graphql"))
                            .bearer_auth(&token)
                            .timeout(Duration::from_secs(10))
                            .json(&json!({
                                "query": "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) { id } }",
                                "variables": { "input": { "name": name, "kind": "SUPPLIER", "country": "US" } }
                            }))
                            .send()
                            .await;
                        let Ok(response) = sent else {
                            break; // killed
                        };
                        let Ok(body) = response.json::<Value>().await else {
                            break;
                        };
                        if body["data"]["registerOrganisation"]["id"].is_string()
                            && body.get("errors").is_none()
                        {
                            acknowledged.lock().expect("acks").insert(name);
                        }
                    }
                })
            })
            .collect();
        // Kill mid-stream: once enough writes were acknowledged this round, or after 5 s.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while acknowledged.lock().expect("acks").len() - before < WRITES_BEFORE_KILL
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        child.start_kill().expect("SIGKILL");
        child.wait().await.expect("killed");
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.await.expect("writer");
        }
        let tail = sealing::unsealed(&app.state.db).await.expect("tail");
        let sealed = audit::verify(&app.state.db, &app.state.audit_key)
            .await
            .expect("verify")
            .unwrap_or_else(|b| panic!("round {round}: the sealed chain broke: {b:?}"));
        println!(
            "round {}: {} writes acknowledged before SIGKILL; sealed chain intact ({sealed} events), {} events unsealed at the kill",
            round + 1,
            acknowledged.lock().expect("acks").len() - before,
            tail.events
        );
    }

    let acknowledged = acknowledged.lock().expect("acks").clone();
    let rows = app
        .state
        .db
        .query_all_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT name FROM organisation WHERE name LIKE 'Crash %'",
        ))
        .await
        .expect("organisations");
    let stored: HashSet<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "name").expect("name"))
        .collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged but not stored: {lost:?}");
    let events = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_event WHERE operation = 'registerOrganisation'",
        ))
        .await
        .expect("count")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert_eq!(
        usize::try_from(events).expect("n"),
        stored.len(),
        "every stored organisation has its event, and no event lacks its organisation"
    );
    // `audit verify` as an operator runs it: it seals what the kills left unsealed, then walks.
    let verify = tokio::process::Command::new(BIN)
        .args(["audit", "verify"])
        .env("DATABASE_URL", app.state.config.database_url())
        .env(
            "REGISTER_SECRET",
            app.state.config.secret.clone().expect("test secret"),
        )
        .output()
        .await
        .expect("audit verify");
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let total = app.count("audit_event").await;
    assert!(
        said.contains(&format!(
            "intact: {total} events; none waiting to be sealed"
        )),
        "{said}"
    );
    println!(
        "after {ROUNDS} kills: {} acknowledged, {} stored ({} committed without their answer), {events} registerOrganisation events; {}",
        acknowledged.len(),
        stored.len(),
        stored.len() - acknowledged.len(),
        said.trim()
    );
}
