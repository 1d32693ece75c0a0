//! What each write of the register touched, so that the verdicts kept per flow are recomputed for
//! the flows a write can affect rather than for the whole register.
//!
//! `register_change` gets one row per written row of a table a verdict reads: the flow it names
//! (a flow, an assessment, a contract's link; a contract names each flow it covers) or the
//! organisation (an organisation, its location, its DPF link), or `whole` for what can change
//! any flow (a DPF list entry or snapshot, the category taxonomy). Each row carries the register
//! version the writing transaction commits (`m20261127_000003_register_version`): the triggers
//! take the counter's row lock first (PostgreSQL), so versions follow commit order and a reader
//! that sees version V in its snapshot sees every change row up to V.
//!
//! The verdicts' own history: `flow_verdict` holds each restricted transfer's last recorded
//! verdict (flow, destination), `verdict_state` what it was judged for (register version, date,
//! reference data version), and `verdict_change` one row per change of a transfer's verdict:
//! old and new status (none: the transfer appeared or went), when it was recorded and why (a
//! write to the register, the date turning, a change of reference data).

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveIden)]
enum FlowVerdict {
    Table,
    FlowId,
    Destination,
    Status,
}

#[derive(DeriveIden)]
enum VerdictState {
    Table,
    Id,
    RegisterVersion,
    JudgedOn,
    ReferenceVersion,
}

#[derive(DeriveIden)]
enum VerdictChange {
    Table,
    Id,
    FlowId,
    Destination,
    OldStatus,
    NewStatus,
    Cause,
    JudgedOn,
    ReferenceVersion,
    ChangedAt,
}

async fn history_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(FlowVerdict::Table)
                .col(big_integer(FlowVerdict::FlowId))
                .col(string_len(FlowVerdict::Destination, 2))
                .col(text(FlowVerdict::Status))
                .primary_key(
                    Index::create()
                        .col(FlowVerdict::FlowId)
                        .col(FlowVerdict::Destination),
                )
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(VerdictState::Table)
                .col(integer(VerdictState::Id).primary_key())
                .col(big_integer(VerdictState::RegisterVersion))
                .col(date(VerdictState::JudgedOn))
                .col(text(VerdictState::ReferenceVersion))
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(VerdictChange::Table)
                .col(big_pk_auto(VerdictChange::Id))
                .col(big_integer(VerdictChange::FlowId))
                .col(string_len(VerdictChange::Destination, 2))
                .col(text_null(VerdictChange::OldStatus))
                .col(text_null(VerdictChange::NewStatus))
                .col(text(VerdictChange::Cause))
                .col(date(VerdictChange::JudgedOn))
                .col(text(VerdictChange::ReferenceVersion))
                .col(timestamp_with_time_zone(VerdictChange::ChangedAt))
                .take(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_verdict_change_at")
                .table(VerdictChange::Table)
                .col(VerdictChange::ChangedAt)
                .take(),
        )
        .await
}

async fn history_down(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    for table in [
        VerdictChange::Table.into_iden(),
        VerdictState::Table.into_iden(),
        FlowVerdict::Table.into_iden(),
    ] {
        manager
            .drop_table(Table::drop().table(table).if_exists().take())
            .await?;
    }
    Ok(())
}

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What a written row names, as SQL over the row (`R` stands for `OLD` or `NEW`).
pub(crate) enum Names {
    /// A flow id and an organisation id (either may be NULL).
    Row(&'static str, &'static str),
    /// Every flow a contract covers.
    ContractFlows,
    /// Any flow.
    Whole,
}

pub(crate) const TABLES: [(&str, Names); 10] = [
    ("organisation", Names::Row("NULL", "R.id")),
    ("location", Names::Row("NULL", "R.organisation_id")),
    ("data_flow", Names::Row("R.id", "NULL")),
    (
        "transfer_impact_assessment",
        Names::Row("R.flow_id", "NULL"),
    ),
    ("contract_flow", Names::Row("R.flow_id", "NULL")),
    ("contract", Names::ContractFlows),
    ("dpf_link", Names::Row("NULL", "R.organisation_id")),
    ("dpf_entry", Names::Whole),
    ("dpf_snapshot", Names::Whole),
    ("data_category", Names::Whole),
];

/// Tables that did not bump the register version before this migration.
const NEWLY_VERSIONED: [&str; 2] = ["dpf_snapshot", "data_category"];

const CREATE_TABLE: &str = "CREATE TABLE register_change (\
     version BIGINT NOT NULL, flow_id BIGINT, organisation_id BIGINT, \
     whole INTEGER NOT NULL DEFAULT 0)";
const CREATE_INDEX: &str = "CREATE INDEX idx_register_change_version ON register_change (version)";
const BUMP: &str = "UPDATE register_version SET version = version + 1 WHERE id = 1";

/// The SELECT that yields the change rows of one written row (`row` is `OLD` or `NEW`), with
/// `version` the expression of the version to record.
pub(crate) fn select(names: &Names, row: &str, version: &str) -> String {
    match names {
        Names::Row(flow, organisation) => format!(
            "SELECT {version}, {}, {}, 0",
            flow.replace("R.", &format!("{row}.")),
            organisation.replace("R.", &format!("{row}."))
        ),
        Names::ContractFlows => format!(
            "SELECT {version}, cf.flow_id, NULL, 0 FROM contract_flow cf \
             WHERE cf.contract_id = {row}.id"
        ),
        Names::Whole => format!("SELECT {version}, NULL, NULL, 1"),
    }
}

pub(crate) const INSERT: &str =
    "INSERT INTO register_change (version, flow_id, organisation_id, whole) ";

fn sqlite_up() -> Vec<String> {
    let mut out = vec![CREATE_TABLE.to_string(), CREATE_INDEX.to_string()];
    // SQLite has one writer at a time: the trigger bumps the counter itself and records the
    // value it reached, whatever order the other triggers run in.
    let version = "(SELECT version FROM register_version WHERE id = 1)";
    for (table, names) in &TABLES {
        for (op, rows) in [
            ("INSERT", &["NEW"][..]),
            ("UPDATE", &["OLD", "NEW"][..]),
            ("DELETE", &["OLD"][..]),
        ] {
            let mut body = format!("{BUMP}; ");
            for row in rows {
                body.push_str(&format!("{INSERT}{}; ", select(names, row, version)));
            }
            out.push(format!(
                "CREATE TRIGGER register_change_{table}_{} AFTER {op} ON {table} BEGIN {body}END",
                op.to_lowercase()
            ));
        }
    }
    out
}

fn sqlite_down() -> Vec<String> {
    let mut out = Vec::new();
    for (table, _) in &TABLES {
        for op in ["insert", "update", "delete"] {
            out.push(format!(
                "DROP TRIGGER IF EXISTS register_change_{table}_{op}"
            ));
        }
    }
    out.push("DROP TABLE IF EXISTS register_change".into());
    out
}

fn postgres_up() -> Vec<String> {
    let mut out = vec![CREATE_TABLE.to_string(), CREATE_INDEX.to_string()];
    for (table, names) in &TABLES {
        // The counter's row is locked before the version is read: a writer waits for the one
        // before it to commit, so the version recorded is the one this transaction commits
        // (the statement trigger bumps to it after the row triggers).
        let version = "(SELECT version + 1 FROM register_version WHERE id = 1 FOR UPDATE)";
        let insert = |row: &str| match names {
            Names::ContractFlows => format!(
                "{INSERT}SELECT v.version, cf.flow_id, NULL, 0 FROM contract_flow cf, \
                 {version} v(version) WHERE cf.contract_id = {row}.id;"
            ),
            _ => format!("{INSERT}{};", select(names, row, version)),
        };
        out.push(format!(
            "CREATE FUNCTION register_change_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
             IF TG_OP <> 'INSERT' THEN {} END IF; \
             IF TG_OP <> 'DELETE' THEN {} END IF; \
             RETURN NULL; END $$",
            insert("OLD"),
            insert("NEW")
        ));
        out.push(format!(
            "CREATE TRIGGER register_change_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION register_change_{table}()"
        ));
    }
    for table in NEWLY_VERSIONED {
        out.push(format!(
            "CREATE TRIGGER register_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
             ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_register_version()"
        ));
    }
    out
}

fn postgres_down() -> Vec<String> {
    let mut out = Vec::new();
    for table in NEWLY_VERSIONED {
        out.push(format!(
            "DROP TRIGGER IF EXISTS register_version_{table} ON {table}"
        ));
    }
    for (table, _) in &TABLES {
        out.push(format!(
            "DROP TRIGGER IF EXISTS register_change_{table} ON {table}"
        ));
        out.push(format!("DROP FUNCTION IF EXISTS register_change_{table}()"));
    }
    out.push("DROP TABLE IF EXISTS register_change".into());
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
        run(manager, statements).await?;
        history_up(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        history_down(manager).await?;
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => sqlite_down(),
            DatabaseBackend::Postgres => postgres_down(),
            other => return Err(backend_error(other)),
        };
        run(manager, statements).await
    }
}
