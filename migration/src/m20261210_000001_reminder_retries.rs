//! A reminder whose sending failed is tried again after a backoff, and one claimed by a worker
//! that stopped before it recorded an outcome is claimed again: each reminder keeps how many
//! times it was tried and when it is next due.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TaskReminder {
    Table,
    Attempts,
    RetryAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite's ALTER TABLE adds one at a time. Reminders claimed
        // before this change were tried once.
        for column in [
            integer(TaskReminder::Attempts).default(0).take(),
            timestamp_with_time_zone_null(TaskReminder::RetryAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TaskReminder::Table)
                        .add_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE task_reminder SET attempts = 1 WHERE claimed_at IS NOT NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [TaskReminder::RetryAt, TaskReminder::Attempts] {
            manager
                .alter_table(
                    Table::alter()
                        .table(TaskReminder::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
