//! The last recorded verdict of each restricted transfer (a flow towards one destination): what
//! the next judgement is compared with to record `verdict_change`.

use crate::vocab::VerdictStatus;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "flow_verdict")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub flow_id: i64,
    /// The destination country's code (ISO 3166-1 alpha-2).
    #[sea_orm(primary_key, auto_increment = false)]
    pub destination: String,
    pub status: VerdictStatus,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
