//! Two facts a flow records for Chapter V (issue 24): whether, under Module Four of the 2021 SCCs,
//! the EU processor combines the data received from the third-country controller with data it
//! collected in the EU (Clauses 14 and 15 then apply), and whether the processing under a contract
//! on the old SCCs changed after it was concluded (their transition held only for unchanged
//! processing). Both nullable: null means "not recorded".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum DataFlow {
    Table,
    CombinesEuData,
    ProcessingChanged,
}

const COLUMNS: [DataFlow; 2] = [DataFlow::CombinesEuData, DataFlow::ProcessingChanged];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(DataFlow::Table)
                        .add_column(boolean_null(column))
                        .take(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(DataFlow::Table)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        Ok(())
    }
}
