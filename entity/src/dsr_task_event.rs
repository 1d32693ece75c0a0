//! Every transition of a task, timestamped: who, when, from what to what, with what evidence.

use crate::vocab::*;
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
    pub from_status: Option<TaskStatus>,
    pub to_status: TaskStatus,
    /// What happened (an attempt's HTTP status, an error).
    pub detail: Option<String>,
    pub evidence: Option<String>,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::dsr_task::Entity",
        from = "Column::TaskId",
        to = "super::dsr_task::Column::Id"
    )]
    Task,
    #[sea_orm(
        belongs_to = "super::dsr_request::Entity",
        from = "Column::RequestId",
        to = "super::dsr_request::Column::Id"
    )]
    Request,
}

impl Related<super::dsr_task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Task.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
