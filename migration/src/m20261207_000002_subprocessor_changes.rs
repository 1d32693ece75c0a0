//! Sub-processor changes (Art 28(2) and (4), issue 27): the processor contract's terms on each
//! organisation (specific or general authorisation, the objection period), whether an activity is
//! carried out for the group's customers (acting as processor), the changes processors announce
//! (adding, relocating or removing a sub-processor) and each change's history of states.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisation {
    Table,
    Id,
    SubprocessorAuthorisation,
    ObjectionPeriodDays,
}

#[derive(DeriveIden)]
enum ProcessingActivity {
    Table,
    ActingAs,
}

#[derive(DeriveIden)]
enum SubprocessorChange {
    Table,
    Id,
    ProcessorId,
    SubprocessorId,
    Kind,
    ActivityIds,
    DataCategories,
    Mechanism,
    SccModule,
    Derogation,
    TiaCompletedOn,
    SignedOn,
    Evidence,
    Occasional,
    TransferSafeguards,
    RelocateTo,
    AnnouncedOn,
    EffectiveOn,
    ObjectionDeadline,
    Source,
    Status,
    Reason,
    DecidedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SubprocessorChangeEvent {
    Table,
    Id,
    ChangeId,
    Status,
    Actor,
    Detail,
    OnDate,
    CreatedAt,
}

/// What the register sends about a change (an objection to the processor), kept like the outbox
/// of e-mails: one row per message, its key unique so that nothing is written twice.
#[derive(DeriveIden)]
enum SubprocessorNotice {
    Table,
    Id,
    ChangeId,
    Key,
    Recipient,
    Channel,
    Subject,
    Body,
    CreatedAt,
    SentAt,
}

/// A customer told of each change to the group's published sub-processor list.
#[derive(DeriveIden)]
enum SubprocessorSubscriber {
    Table,
    Id,
    Name,
    Email,
    WebhookUrl,
    CreatedAt,
}

/// The contract's terms on organisations and the role of activities.
async fn add_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // One column per statement: SQLite alters one column at a time.
    manager
        .alter_table(
            Table::alter()
                .table(Organisation::Table)
                .add_column(text_null(Organisation::SubprocessorAuthorisation))
                .take(),
        )
        .await?;
    manager
        .alter_table(
            Table::alter()
                .table(Organisation::Table)
                .add_column(integer_null(Organisation::ObjectionPeriodDays))
                .take(),
        )
        .await?;
    manager
        .alter_table(
            Table::alter()
                .table(ProcessingActivity::Table)
                .add_column(text(ProcessingActivity::ActingAs).default("CONTROLLER"))
                .take(),
        )
        .await?;
    Ok(())
}

/// The changes themselves.
async fn create_changes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(SubprocessorChange::Table)
                .col(big_pk_auto(SubprocessorChange::Id))
                .col(big_integer(SubprocessorChange::ProcessorId))
                .col(big_integer(SubprocessorChange::SubprocessorId))
                .col(text(SubprocessorChange::Kind))
                .col(json(SubprocessorChange::ActivityIds))
                .col(json(SubprocessorChange::DataCategories))
                .col(text(SubprocessorChange::Mechanism))
                .col(text_null(SubprocessorChange::SccModule))
                .col(text_null(SubprocessorChange::Derogation))
                .col(date_null(SubprocessorChange::TiaCompletedOn))
                .col(date_null(SubprocessorChange::SignedOn))
                .col(text_null(SubprocessorChange::Evidence))
                .col(boolean_null(SubprocessorChange::Occasional))
                .col(text_null(SubprocessorChange::TransferSafeguards))
                .col(text_null(SubprocessorChange::RelocateTo))
                .col(date(SubprocessorChange::AnnouncedOn))
                .col(date(SubprocessorChange::EffectiveOn))
                .col(date_null(SubprocessorChange::ObjectionDeadline))
                .col(text_null(SubprocessorChange::Source))
                .col(text(SubprocessorChange::Status))
                .col(text_null(SubprocessorChange::Reason))
                .col(text_null(SubprocessorChange::DecidedBy))
                .col(timestamp_with_time_zone(SubprocessorChange::CreatedAt))
                .col(timestamp_with_time_zone(SubprocessorChange::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SubprocessorChange::Table, SubprocessorChange::ProcessorId)
                        .to(Organisation::Table, Organisation::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            SubprocessorChange::Table,
                            SubprocessorChange::SubprocessorId,
                        )
                        .to(Organisation::Table, Organisation::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
        )
        .await?;
    manager
        .create_index(
            Index::create()
                .name("idx_subprocessor_change_status")
                .table(SubprocessorChange::Table)
                .col(SubprocessorChange::Status)
                .take(),
        )
        .await?;
    Ok(())
}

/// Each change's history.
async fn create_history(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(SubprocessorChangeEvent::Table)
                .col(big_pk_auto(SubprocessorChangeEvent::Id))
                .col(big_integer(SubprocessorChangeEvent::ChangeId))
                .col(text(SubprocessorChangeEvent::Status))
                .col(text(SubprocessorChangeEvent::Actor))
                .col(text_null(SubprocessorChangeEvent::Detail))
                .col(date(SubprocessorChangeEvent::OnDate))
                .col(timestamp_with_time_zone(SubprocessorChangeEvent::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(
                            SubprocessorChangeEvent::Table,
                            SubprocessorChangeEvent::ChangeId,
                        )
                        .to(SubprocessorChange::Table, SubprocessorChange::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
        )
        .await?;
    Ok(())
}

/// The notices (objections, subscribers' messages) and the subscribers.
async fn create_notices(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(SubprocessorNotice::Table)
                .col(big_pk_auto(SubprocessorNotice::Id))
                .col(big_integer(SubprocessorNotice::ChangeId))
                .col(text(SubprocessorNotice::Key).unique_key())
                .col(text(SubprocessorNotice::Recipient))
                .col(text(SubprocessorNotice::Channel))
                .col(text(SubprocessorNotice::Subject))
                .col(text(SubprocessorNotice::Body))
                .col(timestamp_with_time_zone(SubprocessorNotice::CreatedAt))
                .col(timestamp_with_time_zone_null(SubprocessorNotice::SentAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(SubprocessorNotice::Table, SubprocessorNotice::ChangeId)
                        .to(SubprocessorChange::Table, SubprocessorChange::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .take(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(SubprocessorSubscriber::Table)
                .col(big_pk_auto(SubprocessorSubscriber::Id))
                .col(text(SubprocessorSubscriber::Name))
                .col(text_null(SubprocessorSubscriber::Email))
                .col(text_null(SubprocessorSubscriber::WebhookUrl))
                .col(timestamp_with_time_zone(SubprocessorSubscriber::CreatedAt))
                .take(),
        )
        .await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(manager).await?;
        create_changes(manager).await?;
        create_history(manager).await?;
        create_notices(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SubprocessorSubscriber::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(SubprocessorNotice::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(SubprocessorChangeEvent::Table).take())
            .await?;
        manager
            .drop_table(Table::drop().table(SubprocessorChange::Table).take())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProcessingActivity::Table)
                    .drop_column(ProcessingActivity::ActingAs)
                    .take(),
            )
            .await?;
        for column in [
            Organisation::SubprocessorAuthorisation,
            Organisation::ObjectionPeriodDays,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organisation::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
