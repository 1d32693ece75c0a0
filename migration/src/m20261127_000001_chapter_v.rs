//! What Chapter V needs to know of an importer and a flow beyond country and mechanism: the US
//! certification lists (UK Extension, Privacy Shield, Safe Harbor), the scope facts of partial
//! adequacy decisions (PIPEDA, APPI), an international organisation as importer, an importer
//! subject to the GDPR under Art 3(2), the group whose BCRs bind it, whether a flow is
//! occasional, and the safeguards a flow records per destination country (JSON). Every column is
//! nullable: null means "not recorded".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
#[allow(clippy::enum_variant_names)] // the column is named for what it records
enum Organisation {
    Table,
    DpfUkExtension,
    PrivacyShieldCertified,
    SafeHarborCertified,
    SubjectToPipeda,
    AppiPrivateSector,
    InternationalOrganisation,
    #[sea_orm(iden = "gdpr_art3_2")]
    GdprArt32,
    BcrGroup,
}

#[derive(DeriveIden, Clone, Copy)]
enum DataFlow {
    Table,
    Occasional,
    TransferSafeguards,
}

const BOOLEANS: [Organisation; 6] = [
    Organisation::DpfUkExtension,
    Organisation::PrivacyShieldCertified,
    Organisation::SafeHarborCertified,
    Organisation::SubjectToPipeda,
    Organisation::AppiPrivateSector,
    Organisation::GdprArt32,
];
const TEXTS: [Organisation; 2] = [
    Organisation::InternationalOrganisation,
    Organisation::BcrGroup,
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in BOOLEANS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organisation::Table)
                        .add_column(boolean_null(column))
                        .take(),
                )
                .await?;
        }
        for column in TEXTS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organisation::Table)
                        .add_column(text_null(column))
                        .take(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(DataFlow::Table)
                    .add_column(boolean_null(DataFlow::Occasional))
                    .take(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(DataFlow::Table)
                    .add_column(text_null(DataFlow::TransferSafeguards))
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [DataFlow::Occasional, DataFlow::TransferSafeguards] {
            manager
                .alter_table(
                    Table::alter()
                        .table(DataFlow::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        for column in BOOLEANS.into_iter().chain(TEXTS) {
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
