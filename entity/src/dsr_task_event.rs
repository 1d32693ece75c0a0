//! Every transition of a task, timestamped: who, when, from what to what, with what evidence.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "dsr_task_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub task_id: i64,
    pub request_id: i64,
    pub occurred_at: DateTimeUtc,
    /// A token's name, `worker`, or `register` for filing.
    pub actor: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// What happened (an attempt's HTTP status, an error).
    pub detail: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
