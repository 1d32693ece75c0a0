//! Where a dry run on SQLite runs: a private in-memory copy of the register's records, so that
//! checking a file never holds the single writer (SQLite has one; a dry run that wrote and
//! rolled back on it made every other write wait for the whole check).
//!
//! The copy has the register's schema (the same migrations) and its organisations, locations,
//! activities, flows and taxonomy, read in one read transaction from the file (WAL: the writer
//! goes on meanwhile). The tables an import neither reads nor writes (subjects, requests,
//! audit events, tokens) are left empty, so the copy costs what the register's records cost,
//! not its subjects. The dry run then writes into the copy, as the import would write into the
//! register, so later rows see earlier ones (a parent, a continued flow, a ref taken), and
//! the copy is dropped.
//!
//! On PostgreSQL a dry run's transaction holds no lock another writer waits for (its rows are
//! its own until it rolls back), so it runs there as before.

use crate::error::{AppError, AppResult};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, Statement,
    TransactionTrait,
};
use std::path::Path;

/// Tables an import neither reads nor writes: left out of the copy.
const NOT_COPIED: &[&str] = &[
    "seaql_migrations",
    "api_token",
    "audit_event",
    "data_subject",
    "subject_activity",
    "subject_identifier",
    "dsr_request",
    "dsr_task",
    "dsr_task_event",
];

/// An in-memory copy of the records of the SQLite register at `path`.
pub async fn copy_of(path: &Path) -> AppResult<DatabaseConnection> {
    let fault = |what: &'static str| {
        move |e: sea_orm::DbErr| AppError::internal(anyhow::Error::new(e).context(what))
    };
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .sqlx_logging(false)
        .max_connections(1)
        .min_connections(1)
        // A private in-memory database opened as a plain `:memory:` file name: with the
        // `SQLITE_OPEN_MEMORY` flag of `sqlite::memory:`, the register attached below would be
        // opened in memory too (empty). Foreign keys off while the tables are filled in any
        // order; on again before the dry run.
        .map_sqlx_sqlite_opts(|o| {
            o.in_memory(false)
                .shared_cache(false)
                .filename(":memory:")
                .foreign_keys(false)
        });
    let scratch = Database::connect(options)
        .await
        .map_err(fault("opening the dry run's copy"))?;
    Migrator::up(&scratch, None)
        .await
        .map_err(fault("migrating the dry run's copy"))?;
    let file = path
        .to_str()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the register's path is not UTF-8")))?;
    scratch
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Sqlite,
            "ATTACH DATABASE ? AS register",
            [file.into()],
        ))
        .await
        .map_err(fault("attaching the register to the dry run's copy"))?;
    let tables: Vec<String> = scratch
        .query_all_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT name FROM register.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        ))
        .await
        .map_err(fault("listing the register's tables"))?
        .into_iter()
        .filter_map(|row| row.try_get::<String>("", "name").ok())
        .filter(|name| !NOT_COPIED.contains(&name.as_str()))
        .collect();
    // One read transaction: the copy is the register as of one moment.
    let txn = scratch
        .begin()
        .await
        .map_err(fault("copying the register"))?;
    for table in &tables {
        let table = table.replace('"', "\"\"");
        txn.execute_unprepared(&format!(
            "DELETE FROM main.\"{table}\"; INSERT INTO main.\"{table}\" SELECT * FROM register.\"{table}\""
        ))
        .await
        .map_err(fault("copying the register"))?;
    }
    txn.commit().await.map_err(fault("copying the register"))?;
    scratch
        .execute_unprepared("DETACH DATABASE register; PRAGMA foreign_keys = ON")
        .await
        .map_err(fault("detaching the register from the dry run's copy"))?;
    Ok(scratch)
}
