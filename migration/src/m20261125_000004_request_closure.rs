//! Why a data-subject request was closed by hand (withdrawn, unfounded, handled outside the register).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DsrRequest {
    Table,
    ClosureReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DsrRequest::Table)
                    .add_column(text_null(DsrRequest::ClosureReason))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(DsrRequest::Table)
                    .drop_column(DsrRequest::ClosureReason)
                    .take(),
            )
            .await
    }
}
