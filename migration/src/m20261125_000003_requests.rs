//! Data-subject requests: the request, one task per holder (which is also the delivery outbox:
//! a due `PENDING` webhook or e-mail task is work for the worker), and every task transition as
//! proof.
#![allow(
    clippy::too_many_lines,
    reason = "a migration is the schema, one table per statement, read top to bottom"
)]

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DsrRequest {
    Table,
    Id,
    Reference,
    Kind,
    Status,
    ReceivedOn,
    DueOn,
    ExtensionMonths,
    ExtensionReason,
    SubjectId,
    SealedIdentifiers,
    FiledBy,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
}

#[derive(DeriveIden)]
enum DsrTask {
    Table,
    Id,
    RequestId,
    OrganisationId,
    Channel,
    Status,
    DataCategories,
    ActivityIds,
    RetentionExemption,
    Attempts,
    NextAttemptAt,
    LastError,
    Evidence,
    ExemptionReason,
    ConfirmedBy,
    ConfirmedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DsrTaskEvent {
    Table,
    Id,
    TaskId,
    RequestId,
    OccurredAt,
    Actor,
    FromStatus,
    ToStatus,
    Detail,
    Evidence,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DsrRequest::Table)
                    .col(big_pk_auto(DsrRequest::Id))
                    .col(text(DsrRequest::Reference).unique_key())
                    .col(text(DsrRequest::Kind))
                    .col(text(DsrRequest::Status))
                    .col(date(DsrRequest::ReceivedOn))
                    .col(date(DsrRequest::DueOn))
                    .col(integer_null(DsrRequest::ExtensionMonths))
                    .col(text_null(DsrRequest::ExtensionReason))
                    .col(big_integer_null(DsrRequest::SubjectId))
                    .col(text_null(DsrRequest::SealedIdentifiers))
                    .col(text(DsrRequest::FiledBy))
                    .col(timestamp_with_time_zone(DsrRequest::CreatedAt))
                    .col(timestamp_with_time_zone(DsrRequest::UpdatedAt))
                    .col(timestamp_with_time_zone_null(DsrRequest::ClosedAt))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dsr_request_status")
                    .table(DsrRequest::Table)
                    .col(DsrRequest::Status)
                    .col(DsrRequest::DueOn)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DsrTask::Table)
                    .col(big_pk_auto(DsrTask::Id))
                    .col(big_integer(DsrTask::RequestId))
                    .col(big_integer(DsrTask::OrganisationId))
                    .col(text(DsrTask::Channel))
                    .col(text(DsrTask::Status))
                    .col(json(DsrTask::DataCategories))
                    .col(json(DsrTask::ActivityIds))
                    .col(text_null(DsrTask::RetentionExemption))
                    .col(integer(DsrTask::Attempts))
                    .col(timestamp_with_time_zone_null(DsrTask::NextAttemptAt))
                    .col(text_null(DsrTask::LastError))
                    .col(text_null(DsrTask::Evidence))
                    .col(text_null(DsrTask::ExemptionReason))
                    .col(text_null(DsrTask::ConfirmedBy))
                    .col(timestamp_with_time_zone_null(DsrTask::ConfirmedAt))
                    .col(timestamp_with_time_zone(DsrTask::CreatedAt))
                    .col(timestamp_with_time_zone(DsrTask::UpdatedAt))
                    .foreign_key(&mut fk(
                        (DsrTask::Table, DsrTask::RequestId),
                        (DsrRequest::Table, DsrRequest::Id),
                    ))
                    .foreign_key(&mut fk(
                        (DsrTask::Table, DsrTask::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .take(),
            )
            .await?;
        for (name, cols) in [
            ("idx_dsr_task_request", vec![DsrTask::RequestId]),
            ("idx_dsr_task_organisation", vec![DsrTask::OrganisationId]),
            // The worker's scan: due pending tasks, oldest first.
            (
                "idx_dsr_task_due",
                vec![DsrTask::Status, DsrTask::NextAttemptAt],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(DsrTask::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.take()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(DsrTaskEvent::Table)
                    .col(big_pk_auto(DsrTaskEvent::Id))
                    .col(big_integer(DsrTaskEvent::TaskId))
                    .col(big_integer(DsrTaskEvent::RequestId))
                    .col(timestamp_with_time_zone(DsrTaskEvent::OccurredAt))
                    .col(text(DsrTaskEvent::Actor))
                    .col(text_null(DsrTaskEvent::FromStatus))
                    .col(text(DsrTaskEvent::ToStatus))
                    .col(text_null(DsrTaskEvent::Detail))
                    .col(text_null(DsrTaskEvent::Evidence))
                    .foreign_key(&mut fk(
                        (DsrTaskEvent::Table, DsrTaskEvent::TaskId),
                        (DsrTask::Table, DsrTask::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_dsr_task_event_task")
                    .table(DsrTaskEvent::Table)
                    .col(DsrTaskEvent::TaskId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            DsrTaskEvent::Table.into_iden(),
            DsrTask::Table.into_iden(),
            DsrRequest::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
