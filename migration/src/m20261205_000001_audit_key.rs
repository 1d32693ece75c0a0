//! The audit chain becomes keyed: `audit_head.keyed_from` is the first event whose hash is an
//! HMAC under the register's key. Events already written keep their plain SHA-256 hashes (history
//! is never rewritten); the first keyed event covers the last of them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: &[&str] = &[
    "ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1",
    "UPDATE audit_head SET keyed_from = last_event_id + 1",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for sql in UP {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("audit_head"))
                    .drop_column(Alias::new("keyed_from"))
                    .to_owned(),
            )
            .await
    }
}
