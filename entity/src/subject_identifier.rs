//! One identifier of a subject, as its HMAC-SHA256 under the service secret (never in the clear).

use crate::vocab::IdentifierKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subject_identifier")]
pub struct Model {
    /// `email`, `phone` or `account` (the hash tag of `IdentifierKind`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: IdentifierKind,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Blob")]
    pub hash: Vec<u8>,
    pub subject_id: i64,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::data_subject::Entity",
        from = "Column::SubjectId",
        to = "super::data_subject::Column::Id"
    )]
    Subject,
}

impl Related<super::data_subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
