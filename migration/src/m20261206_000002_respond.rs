//! The processor's side of a request: one answer link per e-mailed task (only a keyed hash of
//! its token is stored), the reminders sent for a task (one row per task and reminder, so none is
//! sent twice, across restarts too), and the outbox of e-mails written while no SMTP server is
//! configured.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RespondLink {
    Table,
    Id,
    TaskId,
    TokenHash,
    Salt,
    ExpiresAt,
    SentAt,
    OpenedAt,
    AnsweredAt,
    Answer,
    AnsweredFrom,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TaskReminder {
    Table,
    Id,
    TaskId,
    Key,
    Kind,
    DaysBefore,
    DueOn,
    RequestedBy,
    CreatedAt,
    ClaimedAt,
    SentAt,
    Detail,
}

#[derive(DeriveIden)]
enum OutboxMessage {
    Table,
    Id,
    TaskId,
    ToAddress,
    Subject,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DsrTask {
    Table,
    Id,
}

fn fk(from: (impl IntoIden, impl IntoIden)) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(DsrTask::Table, DsrTask::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RespondLink::Table)
                    .col(big_pk_auto(RespondLink::Id))
                    .col(big_integer(RespondLink::TaskId).unique_key())
                    .col(text(RespondLink::TokenHash).unique_key())
                    .col(text(RespondLink::Salt))
                    .col(timestamp_with_time_zone(RespondLink::ExpiresAt))
                    .col(timestamp_with_time_zone_null(RespondLink::SentAt))
                    .col(timestamp_with_time_zone_null(RespondLink::OpenedAt))
                    .col(timestamp_with_time_zone_null(RespondLink::AnsweredAt))
                    .col(text_null(RespondLink::Answer))
                    .col(text_null(RespondLink::AnsweredFrom))
                    .col(timestamp_with_time_zone(RespondLink::CreatedAt))
                    .foreign_key(&mut fk((RespondLink::Table, RespondLink::TaskId)))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TaskReminder::Table)
                    .col(big_pk_auto(TaskReminder::Id))
                    .col(big_integer(TaskReminder::TaskId))
                    .col(text(TaskReminder::Key))
                    .col(text(TaskReminder::Kind))
                    .col(integer_null(TaskReminder::DaysBefore))
                    .col(date(TaskReminder::DueOn))
                    .col(text(TaskReminder::RequestedBy))
                    .col(timestamp_with_time_zone(TaskReminder::CreatedAt))
                    .col(timestamp_with_time_zone_null(TaskReminder::ClaimedAt))
                    .col(timestamp_with_time_zone_null(TaskReminder::SentAt))
                    .col(text_null(TaskReminder::Detail))
                    .foreign_key(&mut fk((TaskReminder::Table, TaskReminder::TaskId)))
                    .take(),
            )
            .await?;
        // The key of a reminder: a task gets each (kind, deadline) once.
        manager
            .create_index(
                Index::create()
                    .name("idx_task_reminder_once")
                    .table(TaskReminder::Table)
                    .col(TaskReminder::TaskId)
                    .col(TaskReminder::Key)
                    .unique()
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OutboxMessage::Table)
                    .col(big_pk_auto(OutboxMessage::Id))
                    .col(big_integer(OutboxMessage::TaskId))
                    .col(text(OutboxMessage::ToAddress))
                    .col(text(OutboxMessage::Subject))
                    .col(text(OutboxMessage::Body))
                    .col(timestamp_with_time_zone(OutboxMessage::CreatedAt))
                    .foreign_key(&mut fk((OutboxMessage::Table, OutboxMessage::TaskId)))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_message_task")
                    .table(OutboxMessage::Table)
                    .col(OutboxMessage::TaskId)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OutboxMessage::Table.into_iden(),
            TaskReminder::Table.into_iden(),
            RespondLink::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
