//! One state a sub-processor change entered: its own history, beside the audit trail.

use crate::vocab::SubprocessorChangeStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "subprocessor_change_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub change_id: i64,
    pub status: SubprocessorChangeStatus,
    pub actor: String,
    pub detail: Option<String>,
    /// The day of the register's clock the state was entered on.
    pub on_date: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
