//! The register: organisations, locations, taxonomy, activities, flows and API tokens.
#![allow(
    clippy::too_many_lines,
    reason = "a migration is the schema, one table per statement, read top to bottom"
)]

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisation {
    Table,
    Id,
    Name,
    Kind,
    Status,
    Country,
    CompanyNumber,
    ParentId,
    PrivacyContactEmail,
    ErasureWebhookUrl,
    WebhookSecret,
    DpaSignedOn,
    DpfCertified,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Location {
    Table,
    Id,
    OrganisationId,
    Country,
    Use,
}

#[derive(DeriveIden)]
enum DataCategory {
    Table,
    Code,
    Name,
    Special,
}

#[derive(DeriveIden)]
enum SubjectCategory {
    Table,
    Code,
    Name,
}

#[derive(DeriveIden)]
enum ProcessingActivity {
    Table,
    Id,
    Name,
    ControllerId,
    Purpose,
    LawfulBasis,
    DataCategories,
    SubjectCategories,
    Retention,
    RetentionMonths,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DataFlow {
    Table,
    Id,
    ActivityId,
    FromId,
    ToId,
    RecipientRole,
    DataCategories,
    ContinuesFlowId,
    Mechanism,
    SccModule,
    Derogation,
    TiaCompletedOn,
    SignedOn,
    Evidence,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    Name,
    Role,
    OrganisationId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
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

fn index(table: impl IntoTableRef, name: &str, col: impl IntoIden) -> IndexCreateStatement {
    Index::create().name(name).table(table).col(col).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisation::Table)
                    .col(big_pk_auto(Organisation::Id))
                    .col(text(Organisation::Name))
                    .col(text(Organisation::Kind))
                    .col(text(Organisation::Status))
                    .col(text(Organisation::Country))
                    .col(text_null(Organisation::CompanyNumber))
                    .col(big_integer_null(Organisation::ParentId))
                    .col(text_null(Organisation::PrivacyContactEmail))
                    .col(text_null(Organisation::ErasureWebhookUrl))
                    .col(text_null(Organisation::WebhookSecret))
                    .col(date_null(Organisation::DpaSignedOn))
                    .col(boolean(Organisation::DpfCertified))
                    .col(timestamp_with_time_zone(Organisation::CreatedAt))
                    .col(timestamp_with_time_zone(Organisation::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Organisation::Table, Organisation::ParentId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("idx_organisation_kind", Organisation::Kind),
            ("idx_organisation_country", Organisation::Country),
            ("idx_organisation_parent", Organisation::ParentId),
        ] {
            manager
                .create_index(index(Organisation::Table, name, col))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Location::Table)
                    .col(big_pk_auto(Location::Id))
                    .col(big_integer(Location::OrganisationId))
                    .col(text(Location::Country))
                    .col(text(Location::Use))
                    .foreign_key(&mut fk(
                        (Location::Table, Location::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_location")
                    .table(Location::Table)
                    .col(Location::OrganisationId)
                    .col(Location::Country)
                    .col(Location::Use)
                    .unique()
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DataCategory::Table)
                    .col(text(DataCategory::Code).primary_key())
                    .col(text(DataCategory::Name))
                    .col(boolean(DataCategory::Special))
                    .take(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SubjectCategory::Table)
                    .col(text(SubjectCategory::Code).primary_key())
                    .col(text(SubjectCategory::Name))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProcessingActivity::Table)
                    .col(big_pk_auto(ProcessingActivity::Id))
                    .col(text(ProcessingActivity::Name))
                    .col(big_integer(ProcessingActivity::ControllerId))
                    .col(text(ProcessingActivity::Purpose))
                    .col(text(ProcessingActivity::LawfulBasis))
                    .col(json(ProcessingActivity::DataCategories))
                    .col(json(ProcessingActivity::SubjectCategories))
                    .col(text(ProcessingActivity::Retention))
                    .col(integer_null(ProcessingActivity::RetentionMonths))
                    .col(timestamp_with_time_zone(ProcessingActivity::CreatedAt))
                    .foreign_key(&mut fk(
                        (ProcessingActivity::Table, ProcessingActivity::ControllerId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(index(
                ProcessingActivity::Table,
                "idx_activity_controller",
                ProcessingActivity::ControllerId,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DataFlow::Table)
                    .col(big_pk_auto(DataFlow::Id))
                    .col(big_integer(DataFlow::ActivityId))
                    .col(big_integer(DataFlow::FromId))
                    .col(big_integer(DataFlow::ToId))
                    .col(text(DataFlow::RecipientRole))
                    .col(json(DataFlow::DataCategories))
                    .col(big_integer_null(DataFlow::ContinuesFlowId))
                    .col(text(DataFlow::Mechanism))
                    .col(text_null(DataFlow::SccModule))
                    .col(text_null(DataFlow::Derogation))
                    .col(date_null(DataFlow::TiaCompletedOn))
                    .col(date_null(DataFlow::SignedOn))
                    .col(text_null(DataFlow::Evidence))
                    .col(timestamp_with_time_zone(DataFlow::CreatedAt))
                    .foreign_key(&mut fk(
                        (DataFlow::Table, DataFlow::ActivityId),
                        (ProcessingActivity::Table, ProcessingActivity::Id),
                    ))
                    .foreign_key(&mut fk(
                        (DataFlow::Table, DataFlow::FromId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        (DataFlow::Table, DataFlow::ToId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .foreign_key(&mut fk(
                        (DataFlow::Table, DataFlow::ContinuesFlowId),
                        (DataFlow::Table, DataFlow::Id),
                    ))
                    .take(),
            )
            .await?;
        for (name, col) in [
            ("idx_flow_activity", DataFlow::ActivityId),
            ("idx_flow_from", DataFlow::FromId),
            ("idx_flow_to", DataFlow::ToId),
            ("idx_flow_continues", DataFlow::ContinuesFlowId),
        ] {
            manager
                .create_index(index(DataFlow::Table, name, col))
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .col(big_pk_auto(ApiToken::Id))
                    .col(text_uniq(ApiToken::Name))
                    .col(text(ApiToken::Role))
                    .col(big_integer_null(ApiToken::OrganisationId))
                    .col(text_uniq(ApiToken::TokenHash))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(&mut fk(
                        (ApiToken::Table, ApiToken::OrganisationId),
                        (Organisation::Table, Organisation::Id),
                    ))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ApiToken::Table.into_iden(),
            DataFlow::Table.into_iden(),
            ProcessingActivity::Table.into_iden(),
            SubjectCategory::Table.into_iden(),
            DataCategory::Table.into_iden(),
            Location::Table.into_iden(),
            Organisation::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
