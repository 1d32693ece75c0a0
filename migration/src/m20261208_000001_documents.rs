//! Stored documents (signed files): the evidence file a holder attaches to its answer, and the
//! signed document of a contract. The bytes live in the database (BLOB on SQLite, bytea on
//! PostgreSQL), so several stateless instances share them, with their SHA-256, size, the declared
//! (sanitised) file name and content type, and who uploaded them when. A document belongs to a
//! task or to a contract; a contract's newest document is its current one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Document {
    Table,
    Id,
    TaskId,
    ContractId,
    Content,
    Sha256,
    Size,
    FileName,
    ContentType,
    UploadedAt,
    UploadedBy,
}

#[derive(DeriveIden)]
enum DsrTask {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Contract {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Document::Table)
                    .col(big_pk_auto(Document::Id))
                    .col(big_integer_null(Document::TaskId))
                    .col(big_integer_null(Document::ContractId))
                    .col(blob(Document::Content))
                    .col(text(Document::Sha256))
                    .col(big_integer(Document::Size))
                    .col(text(Document::FileName))
                    .col(text_null(Document::ContentType))
                    .col(timestamp_with_time_zone(Document::UploadedAt))
                    .col(text(Document::UploadedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Document::Table, Document::TaskId)
                            .to(DsrTask::Table, DsrTask::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Document::Table, Document::ContractId)
                            .to(Contract::Table, Contract::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_document_task", Document::TaskId),
            ("idx_document_contract", Document::ContractId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Document::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Document::Table).to_owned())
            .await
    }
}
