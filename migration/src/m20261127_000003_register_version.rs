//! A single-row counter of the register's writes: every insert, update or delete of an
//! organisation, location, processing activity or data flow bumps it in the writing transaction,
//! through triggers, so a verdict cache keyed by it sees every committed write of every instance
//! sharing the database, whatever code (or person) wrote.

use sea_orm_migration::{prelude::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 4] = [
    "organisation",
    "location",
    "processing_activity",
    "data_flow",
];
const OPERATIONS: [&str; 3] = ["INSERT", "UPDATE", "DELETE"];

const CREATE_TABLE: &str = "CREATE TABLE register_version (\
     id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)";
const SEED: &str = "INSERT INTO register_version (id, version) VALUES (1, 0)";
const BUMP: &str = "UPDATE register_version SET version = version + 1 WHERE id = 1";

fn sqlite_up() -> Vec<String> {
    let mut out = vec![CREATE_TABLE.to_string(), SEED.to_string()];
    for table in TABLES {
        for op in OPERATIONS {
            out.push(format!(
                "CREATE TRIGGER register_version_{table}_{} AFTER {op} ON {table} \
                 BEGIN {BUMP}; END",
                op.to_lowercase()
            ));
        }
    }
    out
}

fn sqlite_down() -> Vec<String> {
    let mut out = Vec::new();
    for table in TABLES {
        for op in OPERATIONS {
            out.push(format!(
                "DROP TRIGGER IF EXISTS register_version_{table}_{}",
                op.to_lowercase()
            ));
        }
    }
    out.push("DROP TABLE IF EXISTS register_version".into());
    out
}

fn postgres_up() -> Vec<String> {
    let mut out = vec![
        CREATE_TABLE.to_string(),
        SEED.to_string(),
        format!(
            "CREATE FUNCTION bump_register_version() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN {BUMP}; RETURN NULL; END $$"
        ),
    ];
    for table in TABLES {
        // Once per statement: a bulk import bumps it once, not once per row.
        out.push(format!(
            "CREATE TRIGGER register_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
             ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_register_version()"
        ));
    }
    out
}

fn postgres_down() -> Vec<String> {
    let mut out: Vec<String> = TABLES
        .iter()
        .map(|table| format!("DROP TRIGGER IF EXISTS register_version_{table} ON {table}"))
        .collect();
    out.push("DROP FUNCTION IF EXISTS bump_register_version()".into());
    out.push("DROP TABLE IF EXISTS register_version".into());
    out
}

async fn run(manager: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(&sql).await?;
    }
    Ok(())
}

fn backend_error(other: DatabaseBackend) -> DbErr {
    DbErr::Migration(format!("unsupported database {other:?}"))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => sqlite_up(),
            DatabaseBackend::Postgres => postgres_up(),
            other => return Err(backend_error(other)),
        };
        run(manager, statements).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => sqlite_down(),
            DatabaseBackend::Postgres => postgres_down(),
            other => return Err(backend_error(other)),
        };
        run(manager, statements).await
    }
}
