//! One change of a restricted transfer's verdict (a flow towards one destination): the status
//! before and after (none: the transfer appeared or went), when it was recorded, and why.

use crate::{
    country::CountryCode,
    vocab::{VerdictChangeCause, VerdictStatus},
};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "verdict_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Not a foreign key: the history outlives a deleted flow.
    pub flow_id: i64,
    pub destination: CountryCode,
    pub old_status: Option<VerdictStatus>,
    pub new_status: Option<VerdictStatus>,
    pub cause: VerdictChangeCause,
    /// The date the new verdict judges the register on.
    pub judged_on: Date,
    pub reference_version: String,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
