//! A data subject: only an id. What identifies it lives in `subject_identifier`, as keyed hashes.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_subject")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub created_at: DateTimeUtc,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::subject_identifier::Entity")]
    Identifier,
    #[sea_orm(has_many = "super::subject_activity::Entity")]
    SubjectActivity,
}

impl Related<super::subject_identifier::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Identifier.def()
    }
}

impl Related<super::subject_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::SubjectActivity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
