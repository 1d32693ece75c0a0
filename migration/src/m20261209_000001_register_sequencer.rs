//! PostgreSQL: writes of the register no longer queue on the register version's row.
//!
//! Until now every statement writing a table a verdict reads bumped `register_version` in its
//! transaction, and the change triggers locked that row to record the version the transaction
//! would commit: two writers of the register never overlapped, whatever the audit chain did
//! (measured: registerOrganisation 443/s sealed in its transaction, 455/s sealed after commit,
//! the waits on that row's lock). Now writers record their changes unsequenced (`version`
//! NULL) without any shared lock, and `sequence_register_changes()`, run by a reader before it
//! reads the version, gives every committed unsequenced change the next version, one sequencer
//! at a time (an advisory lock), in one transaction with the bump. A reader that sees version V
//! therefore still sees every change up to V, and a reader after a write (the same client's next
//! request) sequences that write before it reads: nothing is missed and nothing waits for a
//! background task. SQLite has one writer at a time and keeps its triggers.

use crate::m20261208_000004_register_changes::{INSERT, Names, TABLES, select};
use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every table whose writes moved the register version (the statement triggers dropped here).
const VERSIONED: [&str; 11] = [
    "organisation",
    "location",
    "processing_activity",
    "data_flow",
    "transfer_impact_assessment",
    "contract",
    "contract_flow",
    "dpf_entry",
    "dpf_link",
    "dpf_snapshot",
    "data_category",
];

/// The advisory lock key of the sequencer ("regchang" in ASCII); the audit sealer has its own.
const LOCK: i64 = 0x7265_6763_6861_6e67;

/// The change function of `table`, recording its rows' changes under `version`.
fn change_function(table: &str, names: &Names, version: &str) -> String {
    let insert = |row: &str| match names {
        Names::ContractFlows => format!(
            "{INSERT}SELECT {version}, cf.flow_id, NULL, 0 FROM contract_flow cf \
             WHERE cf.contract_id = {row}.id;"
        ),
        _ => format!("{INSERT}{};", select(names, row, version)),
    };
    format!(
        "CREATE OR REPLACE FUNCTION register_change_{table}() RETURNS trigger LANGUAGE plpgsql \
         AS $$ BEGIN \
         IF TG_OP <> 'INSERT' THEN {} END IF; \
         IF TG_OP <> 'DELETE' THEN {} END IF; \
         RETURN NULL; END $$",
        insert("OLD"),
        insert("NEW")
    )
}

fn postgres_up() -> Vec<String> {
    let mut out = vec![
        "ALTER TABLE register_change ALTER COLUMN version DROP NOT NULL".to_string(),
        // What the sequencer looks for: the changes not sequenced yet, few at any time.
        "CREATE INDEX idx_register_change_pending ON register_change (version) \
         WHERE version IS NULL"
            .to_string(),
        // A statement that names no flow or organisation (an activity's write, whose verdicts it
        // does not change) or empties a table (TRUNCATE fires no row trigger).
        "CREATE FUNCTION register_change_any() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
         INSERT INTO register_change (version, flow_id, organisation_id, whole) \
         VALUES (NULL, NULL, NULL, CASE WHEN TG_OP = 'TRUNCATE' THEN 1 ELSE 0 END); \
         RETURN NULL; END $$"
            .to_string(),
        format!(
            "CREATE FUNCTION sequence_register_changes() RETURNS bigint LANGUAGE plpgsql AS $$ \
             DECLARE v bigint; BEGIN \
             IF EXISTS (SELECT 1 FROM register_change WHERE version IS NULL) THEN \
               PERFORM pg_advisory_xact_lock({LOCK}); \
               IF EXISTS (SELECT 1 FROM register_change WHERE version IS NULL) THEN \
                 UPDATE register_version SET version = version + 1 WHERE id = 1 \
                   RETURNING version INTO v; \
                 UPDATE register_change SET version = v WHERE version IS NULL; \
                 RETURN v; \
               END IF; \
             END IF; \
             SELECT version INTO v FROM register_version WHERE id = 1; \
             RETURN v; END $$"
        ),
    ];
    for (table, names) in &TABLES {
        out.push(change_function(table, names, "NULL"));
    }
    for table in VERSIONED {
        out.push(format!(
            "DROP TRIGGER IF EXISTS register_version_{table} ON {table}"
        ));
        out.push(format!(
            "CREATE TRIGGER register_change_truncate_{table} AFTER TRUNCATE ON {table} \
             FOR EACH STATEMENT EXECUTE FUNCTION register_change_any()"
        ));
    }
    out.push(
        "CREATE TRIGGER register_change_processing_activity AFTER INSERT OR UPDATE OR DELETE \
         ON processing_activity FOR EACH STATEMENT EXECUTE FUNCTION register_change_any()"
            .to_string(),
    );
    out
}

fn postgres_down() -> Vec<String> {
    let mut out = vec![
        "DROP TRIGGER IF EXISTS register_change_processing_activity ON processing_activity"
            .to_string(),
    ];
    for table in VERSIONED {
        out.push(format!(
            "DROP TRIGGER IF EXISTS register_change_truncate_{table} ON {table}"
        ));
        out.push(format!(
            "CREATE TRIGGER register_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
             ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_register_version()"
        ));
    }
    let version = "(SELECT version + 1 FROM register_version WHERE id = 1 FOR UPDATE)";
    for (table, names) in &TABLES {
        out.push(change_function(table, names, version));
    }
    out.extend([
        "SELECT sequence_register_changes()".to_string(),
        "DROP FUNCTION IF EXISTS sequence_register_changes()".to_string(),
        "DROP FUNCTION IF EXISTS register_change_any()".to_string(),
        "DROP INDEX IF EXISTS idx_register_change_pending".to_string(),
        "ALTER TABLE register_change ALTER COLUMN version SET NOT NULL".to_string(),
    ]);
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, postgres_up()).await,
            _ => Ok(()),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run(manager, postgres_down()).await,
            _ => Ok(()),
        }
    }
}

async fn run(manager: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(&sql).await?;
    }
    Ok(())
}
