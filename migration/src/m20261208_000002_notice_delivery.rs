//! The register's own notices are delivered like data-subject tasks: claimed under a lease and
//! retried with back-off until the receiver takes them (issues 27 and 28). A sub-processor notice
//! counts its attempts, keeps the last error and the time of its next attempt (also its lease),
//! and names the subscriber it is for; a subscriber reached by webhook has a sealed signing
//! secret; a digest notice has the time of its next attempt (its lease). All nullable or
//! defaulted, so existing rows read as never attempted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SubprocessorNotice {
    Table,
    SubscriberId,
    Attempts,
    NextAttemptAt,
    LastError,
}

#[derive(DeriveIden, Clone, Copy)]
enum SubprocessorSubscriber {
    Table,
    WebhookSecret,
}

#[derive(DeriveIden, Clone, Copy)]
enum DueNotice {
    Table,
    NextAttemptAt,
}

/// Each added column as (table, column): SQLite alters one column per statement.
fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (
            SubprocessorNotice::Table.into_iden(),
            big_integer_null(SubprocessorNotice::SubscriberId),
        ),
        (
            SubprocessorNotice::Table.into_iden(),
            integer(SubprocessorNotice::Attempts).default(0).take(),
        ),
        (
            SubprocessorNotice::Table.into_iden(),
            timestamp_with_time_zone_null(SubprocessorNotice::NextAttemptAt),
        ),
        (
            SubprocessorNotice::Table.into_iden(),
            text_null(SubprocessorNotice::LastError),
        ),
        (
            SubprocessorSubscriber::Table.into_iden(),
            text_null(SubprocessorSubscriber::WebhookSecret),
        ),
        (
            DueNotice::Table.into_iden(),
            timestamp_with_time_zone_null(DueNotice::NextAttemptAt),
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, mut column) in columns() {
            manager
                .alter_table(Table::alter().table(table).add_column(&mut column).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in columns().into_iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(column.get_column_name())
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
