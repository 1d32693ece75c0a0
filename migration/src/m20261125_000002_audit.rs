//! The audit trail: append-only events, hash-chained, with a locked head row.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditEvent {
    Table,
    Id,
    OccurredAt,
    Actor,
    ActorRole,
    Operation,
    Entity,
    RecordId,
    Before,
    After,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHead {
    Table,
    Id,
    LastEventId,
    LastHash,
}

/// The hash the chain starts from: 64 zeros.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvent::Table)
                    .col(big_pk_auto(AuditEvent::Id))
                    .col(timestamp_with_time_zone(AuditEvent::OccurredAt))
                    .col(text(AuditEvent::Actor))
                    .col(text(AuditEvent::ActorRole))
                    .col(text(AuditEvent::Operation))
                    .col(text(AuditEvent::Entity))
                    .col(text(AuditEvent::RecordId))
                    .col(text_null(AuditEvent::Before))
                    .col(text_null(AuditEvent::After))
                    .col(text(AuditEvent::PrevHash))
                    .col(text(AuditEvent::Hash))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_record")
                    .table(AuditEvent::Table)
                    .col(AuditEvent::Entity)
                    .col(AuditEvent::RecordId)
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditHead::Table)
                    .col(integer(AuditHead::Id).primary_key())
                    .col(big_integer(AuditHead::LastEventId))
                    .col(text(AuditHead::LastHash))
                    .take(),
            )
            .await?;
        // The head row is structure, not seed data: the chain cannot be extended without it.
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AuditHead::Table)
                    .columns([AuditHead::Id, AuditHead::LastEventId, AuditHead::LastHash])
                    .values_panic([1.into(), 0.into(), GENESIS.into()])
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditHead::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditEvent::Table).take())
            .await?;
        Ok(())
    }
}
