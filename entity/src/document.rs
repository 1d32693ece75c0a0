//! A stored document (a signed file): the evidence a holder attached to its answer (`task_id`)
//! or a contract's signed document (`contract_id`), its bytes with their SHA-256.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "document")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The task whose answer it is the evidence of.
    pub task_id: Option<i64>,
    /// The contract it is the signed document of.
    pub contract_id: Option<i64>,
    /// The file's bytes, as uploaded.
    #[sea_orm(column_type = "Blob")]
    pub content: Vec<u8>,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    /// The declared file name, sanitised (no path, no control characters, length-capped).
    pub file_name: String,
    /// The content type the uploader declared: informative only, never served.
    pub content_type: Option<String>,
    pub uploaded_at: DateTimeUtc,
    /// The actor that uploaded it (a token's name, or the holder's answer link).
    pub uploaded_by: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
