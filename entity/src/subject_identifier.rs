//! One identifier of a subject, as its HMAC-SHA256 under the service secret (never in the clear).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subject_identifier")]
pub struct Model {
    /// `email`, `phone` or `account` (the hash tag of `IdentifierKind`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Blob")]
    pub hash: Vec<u8>,
    pub subject_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
