//! An e-mail written while no SMTP server is configured: kept for a person to download and send.
//! A task's message names its task; the register's own notices (an objection, a notice to a
//! subscriber, the digest of what is due) name none.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "outbox_message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub task_id: Option<i64>,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
