//! Prometheus metrics (`GET /metrics`): every name starts with `transfer_register_`.
//!
//! Counters and the latency histogram are recorded where things happen, through the `metrics`
//! crate's process-wide recorder (installed once, on the first [`handle`]). The gauges that
//! describe the register (tasks pending and failed, overdue requests, the connection pool) are
//! read from the database at each scrape, so every instance reports the same shared queue.

use crate::domain::vocab::{DsrStatus, TaskStatus};
use chrono::Utc;
use entity::{dsr_request, dsr_task};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseBackend, DatabaseConnection, PaginatorTrait, QueryOrder, prelude::*};
use std::{
    collections::HashSet,
    sync::{Mutex, OnceLock},
    time::Duration,
};

pub const GRAPHQL_OPERATIONS: &str = "transfer_register_graphql_operations_total";
pub const GRAPHQL_DURATION: &str = "transfer_register_graphql_duration_seconds";
pub const DELIVERY_ATTEMPTS: &str = "transfer_register_delivery_attempts_total";
pub const TASKS_PENDING: &str = "transfer_register_dsr_tasks_pending";
pub const TASKS_FAILED: &str = "transfer_register_dsr_tasks_failed";
pub const REQUESTS_OVERDUE: &str = "transfer_register_dsr_requests_overdue";
pub const POOL_CONNECTIONS: &str = "transfer_register_db_pool_connections";
pub const POOL_IDLE: &str = "transfer_register_db_pool_idle_connections";
pub const AUDIT_UNSEALED: &str = "transfer_register_audit_unsealed_events";
pub const AUDIT_SEAL_LAG: &str = "transfer_register_audit_seal_lag_seconds";

/// Operation names are chosen by clients: past this many distinct ones, the rest count as
/// `other`, so a client cannot grow the exporter's memory without bound.
const MAX_OPERATION_NAMES: usize = 200;
const LONGEST_OPERATION_NAME: usize = 64;

/// Latency buckets in seconds, from a cached lookup to the request timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
static OPERATION_NAMES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

/// The exporter's handle, installing the process-wide recorder the first time; `None` when
/// another recorder was installed first (then nothing is exported, and `/metrics` says so).
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(GRAPHQL_DURATION.into()), LATENCY_BUCKETS);
            match builder.and_then(PrometheusBuilder::install_recorder) {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(err) => {
                    tracing::error!(error = %err, "installing the metrics recorder failed");
                    None
                }
            }
        })
        .as_ref()
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        GRAPHQL_OPERATIONS,
        "GraphQL requests by operation name and outcome (ok or the first error's code)"
    );
    describe_histogram!(
        GRAPHQL_DURATION,
        Unit::Seconds,
        "Time to answer a GraphQL request, by operation name"
    );
    describe_counter!(
        DELIVERY_ATTEMPTS,
        "Webhook and e-mail delivery attempts by channel and outcome (sent, retry, failed)"
    );
    describe_gauge!(TASKS_PENDING, "Data-subject request tasks PENDING");
    describe_gauge!(TASKS_FAILED, "Data-subject request tasks FAILED");
    describe_gauge!(
        REQUESTS_OVERDUE,
        "Open data-subject requests past their due date"
    );
    describe_gauge!(POOL_CONNECTIONS, "Database connections open in the pool");
    describe_gauge!(POOL_IDLE, "Database connections idle in the pool");
    describe_gauge!(
        AUDIT_UNSEALED,
        "Audit events written but not yet sealed into the chain"
    );
    describe_gauge!(
        AUDIT_SEAL_LAG,
        Unit::Seconds,
        "Age of the oldest audit event not yet sealed (0 when none waits): the sealer's lag"
    );
}

/// The label for a client's operation name: `unnamed`, the name, or `other` past the limit.
fn operation_label(name: Option<&str>) -> String {
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return "unnamed".into();
    };
    let valid = name.len() <= LONGEST_OPERATION_NAME
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return "other".into();
    }
    let names = OPERATION_NAMES.get_or_init(Default::default);
    let Ok(mut names) = names.lock() else {
        return "other".into();
    };
    if names.contains(name) || names.len() < MAX_OPERATION_NAMES {
        names.insert(name.to_string());
        name.to_string()
    } else {
        "other".into()
    }
}

/// Counts one GraphQL request and records how long it took.
pub fn graphql_request(
    operation: Option<&str>,
    response: &async_graphql::Response,
    took: Duration,
) {
    if handle().is_none() {
        return;
    }
    let operation = operation_label(operation);
    let outcome = response
        .errors
        .first()
        .and_then(|e| e.extensions.as_ref())
        .and_then(|ext| ext.get("code"))
        .and_then(|code| match code {
            async_graphql::Value::String(s) => Some(s.clone()),
            async_graphql::Value::Enum(e) => Some(e.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| {
            if response.errors.is_empty() {
                "ok".into()
            } else {
                "error".into()
            }
        });
    metrics::counter!(GRAPHQL_OPERATIONS, "operation" => operation.clone(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!(GRAPHQL_DURATION, "operation" => operation).record(took.as_secs_f64());
}

/// Counts one delivery attempt: `outcome` is `sent`, `retry` or `failed`.
pub fn delivery_attempt(channel: &str, outcome: &'static str) {
    if handle().is_none() {
        return;
    }
    metrics::counter!(DELIVERY_ATTEMPTS, "channel" => channel.to_string(), "outcome" => outcome)
        .increment(1);
}

/// Serialises scrapes: the register's gauges are set from one database and rendered together.
static SCRAPE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The Prometheus text for `db`: the register's gauges read now, then everything recorded.
pub async fn render(db: &DatabaseConnection) -> Result<String, DbErr> {
    let Some(handle) = handle() else {
        return Ok(String::new());
    };
    let _scrape = SCRAPE.lock().await;
    let tasks = |status: TaskStatus| {
        dsr_task::Entity::find()
            .filter(dsr_task::Column::Status.eq(status))
            .count(db)
    };
    let pending = tasks(TaskStatus::Pending).await?;
    let failed = tasks(TaskStatus::Failed).await?;
    let overdue = dsr_request::Entity::find()
        .filter(dsr_request::Column::Status.is_in([DsrStatus::Open, DsrStatus::InProgress]))
        .filter(dsr_request::Column::DueOn.lt(Utc::now().date_naive()))
        .count(db)
        .await?;
    metrics::gauge!(TASKS_PENDING).set(pending as f64);
    metrics::gauge!(TASKS_FAILED).set(failed as f64);
    metrics::gauge!(REQUESTS_OVERDUE).set(overdue as f64);
    let unsealed = || {
        entity::audit_event::Entity::find()
            .filter(entity::audit_event::Column::ChainPosition.is_null())
    };
    let waiting = unsealed().count(db).await?;
    let oldest = unsealed()
        .order_by_asc(entity::audit_event::Column::Id)
        .one(db)
        .await?
        .map(|e| e.occurred_at);
    let lag = oldest.map_or(0.0, |t| (Utc::now() - t).as_seconds_f64().max(0.0));
    metrics::gauge!(AUDIT_UNSEALED).set(waiting as f64);
    metrics::gauge!(AUDIT_SEAL_LAG).set(lag);
    let (size, idle) = match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    metrics::gauge!(POOL_CONNECTIONS).set(f64::from(size));
    metrics::gauge!(POOL_IDLE).set(idle as f64);
    Ok(handle.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_chosen_operation_names_are_bounded() {
        assert_eq!(operation_label(None), "unnamed");
        assert_eq!(operation_label(Some("Register")), "Register");
        assert_eq!(operation_label(Some("a b")), "other");
        assert_eq!(operation_label(Some(&"x".repeat(65))), "other");
        for i in 0..MAX_OPERATION_NAMES {
            operation_label(Some(&format!("Op{i}")));
        }
        assert_eq!(operation_label(Some("OneTooMany")), "other");
        assert_eq!(operation_label(Some("Register")), "Register");
    }
}
