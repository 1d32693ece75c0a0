//! The audit chain is sealed after commit: writers insert their events unsealed (no position in
//! the chain, empty hashes) without locking the chain's head, and one sealer at a time gives each
//! committed event its place (`chain_position`) and its keyed hash. The append-only triggers now
//! allow exactly that sealing update, once per event, and nothing else: no other change of an
//! event, no deletion, and no event inserted already sealed.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns and indexes, on both databases (run with the old triggers dropped: the backfill is an
/// UPDATE of every event).
const COMMON_UP: &[&str] = &[
    "ALTER TABLE audit_event ADD COLUMN chain_position BIGINT NULL",
    // Every event written so far was chained in id order.
    "UPDATE audit_event SET chain_position = id",
    "CREATE UNIQUE INDEX idx_audit_event_chain_position ON audit_event (chain_position)",
    // What the sealer reads: the unsealed events, few at any time.
    "CREATE INDEX idx_audit_event_unsealed ON audit_event (id) WHERE chain_position IS NULL",
    "ALTER TABLE audit_head ADD COLUMN last_position BIGINT NOT NULL DEFAULT 0",
    "UPDATE audit_head SET last_position = last_event_id",
];

const COMMON_DOWN: &[&str] = &[
    "DROP INDEX IF EXISTS idx_audit_event_unsealed",
    "DROP INDEX IF EXISTS idx_audit_event_chain_position",
    "ALTER TABLE audit_event DROP COLUMN chain_position",
    "ALTER TABLE audit_head DROP COLUMN last_position",
];

/// The sealing update, as SQLite states it: an unsealed event gets its position and both hashes,
/// every other column unchanged (`IS` compares nulls as equal).
const SQLITE_SEALING: &str = "OLD.chain_position IS NULL AND NEW.chain_position IS NOT NULL \
     AND OLD.hash = '' AND OLD.prev_hash = '' AND NEW.hash <> '' AND NEW.prev_hash <> '' \
     AND NEW.id IS OLD.id AND NEW.occurred_at IS OLD.occurred_at AND NEW.actor IS OLD.actor \
     AND NEW.actor_role IS OLD.actor_role AND NEW.operation IS OLD.operation \
     AND NEW.entity IS OLD.entity AND NEW.record_id IS OLD.record_id \
     AND NEW.before IS OLD.before AND NEW.after IS OLD.after";

fn sqlite_up() -> Vec<String> {
    vec![
        "DROP TRIGGER IF EXISTS audit_event_no_delete".into(),
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event \
         BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            .into(),
        format!(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
             WHEN NOT ({SQLITE_SEALING}) \
             BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
        ),
        "CREATE TRIGGER audit_event_insert_unsealed BEFORE INSERT ON audit_event \
         WHEN NEW.chain_position IS NOT NULL OR NEW.hash <> '' OR NEW.prev_hash <> '' \
         BEGIN SELECT RAISE(ABORT, 'audit events are inserted unsealed'); END"
            .into(),
    ]
}

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_event_insert_unsealed",
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event \
     BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
];

/// PostgreSQL: the same rule in the trigger function (`IS NOT DISTINCT FROM` for the nullable
/// columns); an insert reaches the function only when it carries a seal.
const POSTGRES_FUNCTION: &str = "CREATE OR REPLACE FUNCTION audit_event_append_only() \
     RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     IF TG_OP = 'INSERT' THEN RAISE EXCEPTION 'audit events are inserted unsealed'; END IF; \
     IF TG_OP = 'UPDATE' AND OLD.chain_position IS NULL AND NEW.chain_position IS NOT NULL \
        AND OLD.hash = '' AND OLD.prev_hash = '' AND NEW.hash <> '' AND NEW.prev_hash <> '' \
        AND NEW.id = OLD.id AND NEW.occurred_at = OLD.occurred_at AND NEW.actor = OLD.actor \
        AND NEW.actor_role = OLD.actor_role AND NEW.operation = OLD.operation \
        AND NEW.entity = OLD.entity AND NEW.record_id = OLD.record_id \
        AND NEW.before IS NOT DISTINCT FROM OLD.before \
        AND NEW.after IS NOT DISTINCT FROM OLD.after THEN RETURN NEW; END IF; \
     RAISE EXCEPTION 'audit events are append-only'; END $$";

const POSTGRES_UP: &[&str] = &[
    POSTGRES_FUNCTION,
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event \
     FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_insert_unsealed BEFORE INSERT ON audit_event FOR EACH ROW \
     WHEN (NEW.chain_position IS NOT NULL OR NEW.hash <> '' OR NEW.prev_hash <> '') \
     EXECUTE FUNCTION audit_event_append_only()",
    // Events were given their ids by the writers until now: the sequence starts after them.
    "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), \
     (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_event), false)",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS audit_event_insert_unsealed ON audit_event",
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS \
     $$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
];

async fn run(manager: &SchemaManager<'_>, statements: &[String]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

fn owned(statements: &[&str]) -> Vec<String> {
    statements.iter().map(|s| (*s).to_string()).collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                // The backfill is an UPDATE: the old trigger goes first, the new one after.
                run(
                    manager,
                    &owned(&["DROP TRIGGER IF EXISTS audit_event_no_update"]),
                )
                .await?;
                run(manager, &owned(COMMON_UP)).await?;
                run(manager, &sqlite_up()).await
            }
            DatabaseBackend::Postgres => {
                // Dropped for the backfill, and made again with the new rule.
                run(
                    manager,
                    &owned(&["DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event"]),
                )
                .await?;
                run(manager, &owned(COMMON_UP)).await?;
                run(manager, &owned(POSTGRES_UP)).await
            }
            other => Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                run(manager, &owned(SQLITE_DOWN)).await?;
                run(manager, &owned(COMMON_DOWN)).await
            }
            DatabaseBackend::Postgres => {
                run(manager, &owned(POSTGRES_DOWN)).await?;
                run(manager, &owned(COMMON_DOWN)).await
            }
            other => Err(DbErr::Migration(format!("unsupported database {other:?}"))),
        }
    }
}
