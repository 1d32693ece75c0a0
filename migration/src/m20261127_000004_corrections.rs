//! Correcting the register: a flow or an activity can end (and a flow's recipient can be recorded
//! as having deleted or returned what it received, Art 28(3)(g)); an erasure task names the
//! categories to erase and those to restrict; a subject's link to an activity can be kept,
//! restricted, after an erasure while the activity's retention runs.
//!
//! Every column is nullable, so existing rows keep their meaning (running, not restricted).
//! SQLite alters one column per statement, hence one statement per column.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum DataFlow {
    Table,
    EndedOn,
    EndedReason,
    ReturnedOn,
    ReturnEvidence,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProcessingActivity {
    Table,
    EndedOn,
    EndedReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum DsrTask {
    Table,
    EraseCategories,
    Restrictions,
}

#[derive(DeriveIden, Clone, Copy)]
enum SubjectActivity {
    Table,
    RestrictedReason,
    RestrictedUntil,
}

fn columns() -> Vec<(DynIden, ColumnDef)> {
    vec![
        (DataFlow::Table.into_iden(), date_null(DataFlow::EndedOn)),
        (
            DataFlow::Table.into_iden(),
            text_null(DataFlow::EndedReason),
        ),
        (DataFlow::Table.into_iden(), date_null(DataFlow::ReturnedOn)),
        (
            DataFlow::Table.into_iden(),
            text_null(DataFlow::ReturnEvidence),
        ),
        (
            ProcessingActivity::Table.into_iden(),
            date_null(ProcessingActivity::EndedOn),
        ),
        (
            ProcessingActivity::Table.into_iden(),
            text_null(ProcessingActivity::EndedReason),
        ),
        (
            DsrTask::Table.into_iden(),
            json_null(DsrTask::EraseCategories),
        ),
        (DsrTask::Table.into_iden(), json_null(DsrTask::Restrictions)),
        (
            SubjectActivity::Table.into_iden(),
            text_null(SubjectActivity::RestrictedReason),
        ),
        (
            SubjectActivity::Table.into_iden(),
            date_null(SubjectActivity::RestrictedUntil),
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
