//! The request figures: filing an erasure of a subject that `--holders` organisations hold (one
//! task each, committed in the filing's transaction), and delivering every task of
//! `--erasures` such filings to webhook receivers on loopback, counting each delivery by its
//! idempotency key so that a lost or repeated one shows.
//!
//! The shape is added beside the generated register, once: organisations "Wide holder 1..N", one
//! activity controlled by the first whose flows go to the others, and `--erasures` subjects
//! (`wide<i>@bench.example`) linked to it and to nothing else, so whoHolds names exactly N
//! holders.

use crate::load::{Client, Outcome};
use anyhow::Context;
use axum::{extract::State, http::HeaderMap};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use transfer_register::{
    AppState,
    domain::identifier::{IdentifierHasher, IdentifierKind},
    service::requests::{delivery::Worker, secrets},
};

const CREATED: &str = "'2026-01-01 00:00:00+00:00'";

/// The e-mail of wide subject `i`.
pub fn email(i: usize) -> String {
    format!("wide{i}@bench.example")
}

async fn scalar(db: &DatabaseConnection, sql: &str) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context(sql.to_string())?;
    Ok(row.try_get_by_index::<Option<i64>>(0)?.unwrap_or(0))
}

/// The ids of the wide holders, the controller first; adds the shape if it is not there.
pub async fn prepare(
    db: &DatabaseConnection,
    secret: &[u8],
    holders: usize,
    erasures: usize,
) -> anyhow::Result<Vec<i64>> {
    let backend = db.get_database_backend();
    let existing = ids(db).await?;
    if !existing.is_empty() {
        let subjects = scalar(
            db,
            "SELECT COUNT(*) FROM subject_activity sa JOIN processing_activity a \
             ON a.id = sa.activity_id WHERE a.name = 'Wide activity'",
        )
        .await?;
        anyhow::ensure!(
            existing.len() == holders && subjects as usize == erasures,
            "the wide shape has {} holders and {subjects} subjects, not {holders} and {erasures}: pass --fresh",
            existing.len()
        );
        return Ok(existing);
    }
    let org0 = scalar(db, "SELECT MAX(id) FROM organisation").await?;
    let act = scalar(db, "SELECT MAX(id) FROM processing_activity").await? + 1;
    let flow0 = scalar(db, "SELECT MAX(id) FROM data_flow").await?;
    let loc0 = scalar(db, "SELECT MAX(id) FROM location").await?;
    let subj0 = scalar(db, "SELECT MAX(id) FROM data_subject").await?;
    let controller = org0 + 1;
    let mut sql = Vec::new();
    let orgs: Vec<String> = (1..=holders as i64)
        .map(|i| {
            format!(
                "({}, 'Wide holder {i}', 'SUPPLIER', 'ACTIVE', 'DE', false, {CREATED}, {CREATED})",
                org0 + i
            )
        })
        .collect();
    sql.push(format!(
        "INSERT INTO organisation (id, name, kind, status, country, dpf_certified, created_at, updated_at) VALUES {}",
        orgs.join(",")
    ));
    let locs: Vec<String> = (1..=holders as i64)
        .map(|i| format!("({}, {}, 'DE', 'STORAGE')", loc0 + i, org0 + i))
        .collect();
    sql.push(format!(
        "INSERT INTO location (id, organisation_id, country, use) VALUES {}",
        locs.join(",")
    ));
    sql.push(format!(
        "INSERT INTO processing_activity (id, name, controller_id, purpose, lawful_basis, data_categories, subject_categories, retention, created_at) \
         VALUES ({act}, 'Wide activity', {controller}, 'Benchmark', 'CONTRACT', '[\"contact.email\"]', '[\"customer\"]', '7 years', {CREATED})"
    ));
    if holders > 1 {
        let flows: Vec<String> = (1..holders as i64)
            .map(|i| {
                format!(
                    "({}, {act}, {controller}, {}, 'PROCESSOR', '[\"contact.email\"]', NULL, 'NONE', {CREATED})",
                    flow0 + i,
                    controller + i
                )
            })
            .collect();
        sql.push(format!(
            "INSERT INTO data_flow (id, activity_id, from_id, to_id, recipient_role, data_categories, continues_flow_id, mechanism, created_at) VALUES {}",
            flows.join(",")
        ));
    }
    let hasher = IdentifierHasher::new(secret);
    let (mut subjects, mut idents, mut links) = (Vec::new(), Vec::new(), Vec::new());
    for i in 1..=erasures {
        let s = subj0 + i as i64;
        let hash = hex::encode(hasher.hash(IdentifierKind::Email, &email(i)));
        subjects.push(format!("({s}, {CREATED})"));
        idents.push(match backend {
            DatabaseBackend::Postgres => format!("('email', '\\x{hash}'::bytea, {s})"),
            _ => format!("('email', X'{hash}', {s})"),
        });
        links.push(format!("({s}, {act}, '2026-01-01')"));
    }
    if erasures > 0 {
        sql.push(format!(
            "INSERT INTO data_subject (id, created_at) VALUES {}",
            subjects.join(",")
        ));
        sql.push(format!(
            "INSERT INTO subject_identifier (kind, hash, subject_id) VALUES {}",
            idents.join(",")
        ));
        sql.push(format!(
            "INSERT INTO subject_activity (subject_id, activity_id, linked_on) VALUES {}",
            links.join(",")
        ));
    }
    if backend == DatabaseBackend::Postgres {
        for table in [
            "organisation",
            "location",
            "processing_activity",
            "data_flow",
            "data_subject",
        ] {
            sql.push(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ));
        }
    }
    for statement in sql {
        db.execute_unprepared(&statement)
            .await
            .with_context(|| statement.chars().take(80).collect::<String>())?;
    }
    ids(db).await
}

async fn ids(db: &DatabaseConnection) -> anyhow::Result<Vec<i64>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT id FROM organisation WHERE name LIKE 'Wide holder %' ORDER BY id",
        ))
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get_by_index::<i64>(0).ok())
        .collect())
}

/// What the receivers saw: deliveries per task id (the `Idempotency-Key`), and how many in all.
#[derive(Default)]
struct Seen {
    per_task: HashMap<i64, u32>,
    unkeyed: usize,
}

async fn receive(State(seen): State<Arc<Mutex<Seen>>>, headers: HeaderMap) -> &'static str {
    let key = headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok());
    let mut seen = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match key {
        Some(task) => *seen.per_task.entry(task).or_default() += 1,
        None => seen.unkeyed += 1,
    }
    "ok"
}

/// A webhook receiver on a loopback port answering 200 to every POST; its base URL.
async fn receiver(seen: Arc<Mutex<Seen>>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(seen);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(format!("http://{addr}"))
}

const FILE: &str = r#"mutation($input: FileDataSubjectRequestInput!) {
  fileDataSubjectRequest(input: $input) { id tasks { id channel } } }"#;

pub struct Figures {
    pub filing: Outcome,
    pub delivered: usize,
    pub expected: usize,
    pub lost: usize,
    pub twice: usize,
    pub not_sent: i64,
    pub elapsed: Duration,
}

/// Points the wide holders at a fresh receiver (with a new secret), files one erasure per wide
/// subject over HTTP one after the other, then runs `workers` delivery workers until every task
/// filed here is `SENT` in the database or `max_time` passed.
pub async fn run(
    state: &AppState,
    client: &Client,
    holders: &[i64],
    erasures: usize,
    workers: usize,
    max_time: Duration,
) -> anyhow::Result<Figures> {
    let db = &state.db;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let base = receiver(seen.clone()).await?;
    for id in holders {
        let (_, sealed) = secrets::issue(&state.dsr.sealer, *id)?;
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                DatabaseBackend::Postgres => {
                    "UPDATE organisation SET erasure_webhook_url = $1, webhook_secret = $2 WHERE id = $3"
                }
                _ => "UPDATE organisation SET erasure_webhook_url = ?, webhook_secret = ? WHERE id = ?",
            },
            [
                format!("{base}/hook/{id}").into(),
                sealed.into(),
                (*id).into(),
            ],
        ))
        .await?;
    }

    let mut filing = Outcome::default();
    let mut tasks: HashSet<i64> = HashSet::new();
    let started = Instant::now();
    for i in 1..=erasures {
        let t = Instant::now();
        let answer = client
            .post(
                FILE,
                serde_json::json!({ "input": {
                    "subject": { "email": email(i) }, "kind": "ERASURE" } }),
            )
            .await;
        match answer {
            Ok(body) => {
                filing.latencies.push(t.elapsed());
                let filed = body["data"]["fileDataSubjectRequest"]["tasks"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if filed.len() != holders.len() {
                    filing.errors += 1;
                    filing.first_error.get_or_insert_with(|| {
                        format!("{} tasks filed, not {}", filed.len(), holders.len())
                    });
                }
                tasks.extend(
                    filed
                        .iter()
                        .filter_map(|t| t["id"].as_str()?.parse::<i64>().ok()),
                );
            }
            Err(e) => {
                filing.errors += 1;
                filing.first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    filing.elapsed = started.elapsed();

    // The workers, as `serve` runs one (or `worker` processes run several).
    let mut config = (*state.config).clone();
    config.webhook_allow_insecure = true;
    config.worker_poll_ms = 5;
    let config = Arc::new(config);
    let running: Vec<_> = (0..workers.max(1))
        .map(|_| {
            tokio::spawn(Worker::new(state.db.clone(), config.clone(), state.dsr.clone()).run())
        })
        .collect();
    let started = Instant::now();
    let list = {
        let mut ids: Vec<String> = tasks.iter().map(i64::to_string).collect();
        ids.sort();
        ids.join(",")
    };
    let pending = format!(
        "SELECT COUNT(*) FROM dsr_task WHERE status <> 'SENT' AND id IN ({})",
        if list.is_empty() { "0" } else { &list }
    );
    // Progress is watched at the receivers (in memory): a count over 10,000 ids every few
    // milliseconds would load the database the workers are measured on. Once every task has
    // arrived, the database is asked, now and then, until each is recorded SENT.
    let arrived = |seen: &Mutex<Seen>| {
        let seen = seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tasks
            .iter()
            .filter(|t| seen.per_task.contains_key(t))
            .count()
    };
    while arrived(&seen) < tasks.len() && started.elapsed() < max_time {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut not_sent = scalar(&state.read_db, &pending).await?;
    while not_sent > 0 && started.elapsed() < max_time {
        tokio::time::sleep(Duration::from_millis(100)).await;
        not_sent = scalar(&state.read_db, &pending).await?;
    }
    let elapsed = started.elapsed();
    // Whatever a worker still had in flight is given a moment to arrive, so a repeat shows.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for worker in running {
        worker.abort();
    }
    let seen = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let delivered = tasks
        .iter()
        .filter(|t| seen.per_task.contains_key(t))
        .count();
    let twice = seen
        .per_task
        .iter()
        .filter(|(t, _)| tasks.contains(t))
        .map(|(_, n)| (*n as usize).saturating_sub(1))
        .sum();
    Ok(Figures {
        filing,
        delivered,
        expected: tasks.len(),
        lost: tasks.len() - delivered,
        twice,
        not_sent,
        elapsed,
    })
}
