//! Reviews and reminders: transfer impact assessments and contracts as dated records, the Data
//! Privacy Framework list as dated snapshots with the organisations linked to their entries, and
//! the notices of due items already sent (one row per item and due date, so none goes twice).
//!
//! The verdict of a transfer reads the assessments, contracts and DPF entries, so their tables
//! bump the register version like the register's own tables (see
//! `m20261127_000003_register_version`): the verdict cache sees every write.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TransferImpactAssessment {
    Table,
    Id,
    FlowId,
    CompletedOn,
    ReviewOn,
    Outcome,
    Measures,
    LawsAssessed,
    Assessor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contract {
    Table,
    Id,
    Kind,
    SccModule,
    Reference,
    SignedOn,
    InForceFrom,
    ExpiresOn,
    ReviewOn,
    NoticePeriodDays,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ContractParty {
    Table,
    Id,
    ContractId,
    OrganisationId,
}

#[derive(DeriveIden)]
enum ContractFlow {
    Table,
    Id,
    ContractId,
    FlowId,
}

#[derive(DeriveIden)]
enum DpfSnapshot {
    Table,
    Id,
    ListedOn,
    FileName,
    Entries,
    ImportedAt,
}

#[derive(DeriveIden)]
enum DpfEntry {
    Table,
    Id,
    SnapshotId,
    Name,
    NormalisedName,
    Active,
    UkExtension,
    Swiss,
    HrData,
    NonHrData,
}

#[derive(DeriveIden)]
enum DpfLink {
    Table,
    Id,
    OrganisationId,
    NormalisedName,
    LinkedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DueNotice {
    Table,
    Id,
    Key,
    Kind,
    DueOn,
    Channel,
    Message,
    CreatedAt,
    SentAt,
    Attempts,
    LastError,
}

#[derive(DeriveIden)]
enum DataFlow {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// The tables a verdict reads: a write to any of them changes the register version.
const VERSIONED: [&str; 5] = [
    "transfer_impact_assessment",
    "contract",
    "contract_flow",
    "dpf_entry",
    "dpf_link",
];
const BUMP: &str = "UPDATE register_version SET version = version + 1 WHERE id = 1";

fn triggers_up(backend: DatabaseBackend) -> Vec<String> {
    let mut out = Vec::new();
    for table in VERSIONED {
        if backend == DatabaseBackend::Postgres {
            out.push(format!(
                "CREATE TRIGGER register_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE \
                 ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_register_version()"
            ));
        } else {
            for op in ["INSERT", "UPDATE", "DELETE"] {
                out.push(format!(
                    "CREATE TRIGGER register_version_{table}_{} AFTER {op} ON {table} \
                     BEGIN {BUMP}; END",
                    op.to_lowercase()
                ));
            }
        }
    }
    out
}

fn triggers_down(backend: DatabaseBackend) -> Vec<String> {
    let mut out = Vec::new();
    for table in VERSIONED {
        if backend == DatabaseBackend::Postgres {
            out.push(format!(
                "DROP TRIGGER IF EXISTS register_version_{table} ON {table}"
            ));
        } else {
            for op in ["insert", "update", "delete"] {
                out.push(format!(
                    "DROP TRIGGER IF EXISTS register_version_{table}_{op}"
                ));
            }
        }
    }
    out
}

async fn unique(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table).unique();
    for c in columns {
        index.col(c);
    }
    manager.create_index(index.take()).await
}

#[allow(
    clippy::too_many_lines,
    reason = "four tables with their keys, in order"
)]
async fn records_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use TransferImpactAssessment as Tia;
    manager
        .create_table(
            Table::create()
                .table(Tia::Table)
                .col(big_pk_auto(Tia::Id))
                .col(big_integer(Tia::FlowId))
                .col(date(Tia::CompletedOn))
                .col(date(Tia::ReviewOn))
                .col(text(Tia::Outcome))
                .col(json(Tia::Measures))
                .col(text_null(Tia::LawsAssessed))
                .col(text_null(Tia::Assessor))
                .col(timestamp_with_time_zone(Tia::CreatedAt))
                .foreign_key(&mut fk(
                    (Tia::Table, Tia::FlowId),
                    (DataFlow::Table, DataFlow::Id),
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_tia_flow")
                .table(Tia::Table)
                .col(Tia::FlowId)
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(Contract::Table)
                .col(big_pk_auto(Contract::Id))
                .col(text(Contract::Kind))
                .col(text_null(Contract::SccModule))
                .col(text_null(Contract::Reference))
                .col(date_null(Contract::SignedOn))
                .col(date_null(Contract::InForceFrom))
                .col(date_null(Contract::ExpiresOn))
                .col(date_null(Contract::ReviewOn))
                .col(integer_null(Contract::NoticePeriodDays))
                .col(timestamp_with_time_zone(Contract::CreatedAt))
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(ContractParty::Table)
                .col(big_pk_auto(ContractParty::Id))
                .col(big_integer(ContractParty::ContractId))
                .col(big_integer(ContractParty::OrganisationId))
                .foreign_key(&mut fk(
                    (ContractParty::Table, ContractParty::ContractId),
                    (Contract::Table, Contract::Id),
                ))
                .foreign_key(&mut fk(
                    (ContractParty::Table, ContractParty::OrganisationId),
                    (Organisation::Table, Organisation::Id),
                ))
                .take(),
        )
        .await?;
    unique(
        manager,
        "idx_contract_party_once",
        ContractParty::Table,
        vec![
            ContractParty::ContractId.into_iden(),
            ContractParty::OrganisationId.into_iden(),
        ],
    )
    .await?;
    manager
        .create_table(
            Table::create()
                .table(ContractFlow::Table)
                .col(big_pk_auto(ContractFlow::Id))
                .col(big_integer(ContractFlow::ContractId))
                .col(big_integer(ContractFlow::FlowId))
                .foreign_key(&mut fk(
                    (ContractFlow::Table, ContractFlow::ContractId),
                    (Contract::Table, Contract::Id),
                ))
                .foreign_key(&mut fk(
                    (ContractFlow::Table, ContractFlow::FlowId),
                    (DataFlow::Table, DataFlow::Id),
                ))
                .take(),
        )
        .await?;
    unique(
        manager,
        "idx_contract_flow_once",
        ContractFlow::Table,
        vec![
            ContractFlow::ContractId.into_iden(),
            ContractFlow::FlowId.into_iden(),
        ],
    )
    .await
}

async fn dpf_up(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(DpfSnapshot::Table)
                .col(big_pk_auto(DpfSnapshot::Id))
                .col(date(DpfSnapshot::ListedOn).unique_key())
                .col(text_null(DpfSnapshot::FileName))
                .col(integer(DpfSnapshot::Entries))
                .col(timestamp_with_time_zone(DpfSnapshot::ImportedAt))
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(DpfEntry::Table)
                .col(big_pk_auto(DpfEntry::Id))
                .col(big_integer(DpfEntry::SnapshotId))
                .col(text(DpfEntry::Name))
                .col(text(DpfEntry::NormalisedName))
                .col(boolean(DpfEntry::Active))
                .col(boolean(DpfEntry::UkExtension))
                .col(boolean(DpfEntry::Swiss))
                .col(boolean(DpfEntry::HrData))
                .col(boolean(DpfEntry::NonHrData))
                .foreign_key(&mut fk(
                    (DpfEntry::Table, DpfEntry::SnapshotId),
                    (DpfSnapshot::Table, DpfSnapshot::Id),
                ))
                .take(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_dpf_entry_name")
                .table(DpfEntry::Table)
                .col(DpfEntry::NormalisedName)
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(DpfLink::Table)
                .col(big_pk_auto(DpfLink::Id))
                .col(big_integer(DpfLink::OrganisationId).unique_key())
                .col(text(DpfLink::NormalisedName))
                .col(text(DpfLink::LinkedBy))
                .col(timestamp_with_time_zone(DpfLink::CreatedAt))
                .foreign_key(&mut fk(
                    (DpfLink::Table, DpfLink::OrganisationId),
                    (Organisation::Table, Organisation::Id),
                ))
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(DueNotice::Table)
                .col(big_pk_auto(DueNotice::Id))
                .col(text(DueNotice::Key).unique_key())
                .col(text(DueNotice::Kind))
                .col(date(DueNotice::DueOn))
                .col(text(DueNotice::Channel))
                .col(text(DueNotice::Message))
                .col(timestamp_with_time_zone(DueNotice::CreatedAt))
                .col(timestamp_with_time_zone_null(DueNotice::SentAt))
                .col(integer(DueNotice::Attempts))
                .col(text_null(DueNotice::LastError))
                .take(),
        )
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        records_up(manager).await?;
        dpf_up(manager).await?;
        for sql in triggers_up(manager.get_database_backend()) {
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in triggers_down(manager.get_database_backend()) {
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        for table in [
            DueNotice::Table.into_iden(),
            DpfLink::Table.into_iden(),
            DpfEntry::Table.into_iden(),
            DpfSnapshot::Table.into_iden(),
            ContractFlow::Table.into_iden(),
            ContractParty::Table.into_iden(),
            Contract::Table.into_iden(),
            TransferImpactAssessment::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
