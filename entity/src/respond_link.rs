//! The answer link of an e-mailed task: only a keyed hash of its token is stored (the token is
//! derived again from the salt and the register's key when a reminder repeats it).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "respond_link")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub task_id: i64,
    /// HMAC of the token under the register's link key, hex.
    #[sea_orm(unique)]
    #[serde(skip)]
    pub token_hash: String,
    /// Random bits the token is derived from (with the key, which is not in the database).
    #[serde(skip)]
    pub salt: String,
    /// The task's deadline plus the grace period, when it was last sent.
    pub expires_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub opened_at: Option<DateTimeUtc>,
    pub answered_at: Option<DateTimeUtc>,
    /// The outcome answered (`DONE`, `EXEMPT`, `NOT_FOUND`).
    pub answer: Option<String>,
    /// The client address the answer came from.
    pub answered_from: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
