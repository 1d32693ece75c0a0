//! Data subjects: known only by keyed hashes of their identifiers and by the activities they take
//! part in. No identifier is stored in the clear.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DataSubject {
    Table,
    Id,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SubjectIdentifier {
    Table,
    Kind,
    Hash,
    SubjectId,
}

#[derive(DeriveIden)]
enum SubjectActivity {
    Table,
    SubjectId,
    ActivityId,
    LinkedOn,
}

#[derive(DeriveIden)]
enum ProcessingActivity {
    Table,
    Id,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataSubject::Table)
                    .col(big_pk_auto(DataSubject::Id))
                    .col(timestamp_with_time_zone(DataSubject::CreatedAt))
                    .take(),
            )
            .await?;
        // The primary key (kind, hash) is the uniqueness rule: one identifier, one subject.
        manager
            .create_table(
                Table::create()
                    .table(SubjectIdentifier::Table)
                    .col(text(SubjectIdentifier::Kind))
                    .col(blob(SubjectIdentifier::Hash))
                    .col(big_integer(SubjectIdentifier::SubjectId))
                    .primary_key(
                        Index::create()
                            .col(SubjectIdentifier::Kind)
                            .col(SubjectIdentifier::Hash),
                    )
                    .foreign_key(&mut fk(
                        (SubjectIdentifier::Table, SubjectIdentifier::SubjectId),
                        (DataSubject::Table, DataSubject::Id),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_subject_identifier_subject")
                    .table(SubjectIdentifier::Table)
                    .col(SubjectIdentifier::SubjectId)
                    .take(),
            )
            .await?;
        // The primary key (subject, activity) is the uniqueness rule and the lookup whoHolds uses.
        manager
            .create_table(
                Table::create()
                    .table(SubjectActivity::Table)
                    .col(big_integer(SubjectActivity::SubjectId))
                    .col(big_integer(SubjectActivity::ActivityId))
                    .col(date(SubjectActivity::LinkedOn))
                    .primary_key(
                        Index::create()
                            .col(SubjectActivity::SubjectId)
                            .col(SubjectActivity::ActivityId),
                    )
                    .foreign_key(&mut fk(
                        (SubjectActivity::Table, SubjectActivity::SubjectId),
                        (DataSubject::Table, DataSubject::Id),
                    ))
                    .foreign_key(&mut fk(
                        (SubjectActivity::Table, SubjectActivity::ActivityId),
                        (ProcessingActivity::Table, ProcessingActivity::Id),
                    ))
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SubjectActivity::Table.into_iden(),
            SubjectIdentifier::Table.into_iden(),
            DataSubject::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).take())
                .await?;
        }
        Ok(())
    }
}
