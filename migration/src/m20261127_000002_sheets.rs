//! Spreadsheet keys and the Art 30(1)(g) security description: a nullable, unique `ref` (the
//! user's own key for a record, used by imports to refer to it) on organisations, processing
//! activities and data flows, and `security_measures` (a general description of the technical
//! and organisational security measures) on organisations and processing activities.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisation {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProcessingActivity {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum DataFlow {
    Table,
}

#[derive(DeriveIden, Clone, Copy)]
enum Col {
    Ref,
    SecurityMeasures,
}

/// The tables that get a `ref`, with the name of its unique index.
fn keyed() -> [(DynIden, &'static str); 3] {
    [
        (Organisation::Table.into_iden(), "ux_organisation_ref"),
        (
            ProcessingActivity::Table.into_iden(),
            "ux_processing_activity_ref",
        ),
        (DataFlow::Table.into_iden(), "ux_data_flow_ref"),
    ]
}

fn described() -> [DynIden; 2] {
    [
        Organisation::Table.into_iden(),
        ProcessingActivity::Table.into_iden(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time, and refuses UNIQUE in
        // ADD COLUMN, hence the separate index (both databases allow many NULLs in it).
        for (table, index) in keyed() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table.clone())
                        .add_column(string_len_null(Col::Ref, 100))
                        .take(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(index)
                        .table(table)
                        .col(Col::Ref)
                        .unique()
                        .take(),
                )
                .await?;
        }
        for table in described() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(text_null(Col::SecurityMeasures))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in described() {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .drop_column(Col::SecurityMeasures)
                        .take(),
                )
                .await?;
        }
        for (table, index) in keyed() {
            manager
                .drop_index(Index::drop().name(index).table(table.clone()).to_owned())
                .await?;
            manager
                .alter_table(Table::alter().table(table).drop_column(Col::Ref).take())
                .await?;
        }
        Ok(())
    }
}
