//! A contract on record (DPA, 2021 SCCs, UK IDTA or Addendum, BCR approval) with its dates; its
//! parties and the flows it covers are in `contract_party` and `contract_flow`.

use crate::vocab::{ContractKind, SccModule};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "contract")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kind: ContractKind,
    pub scc_module: Option<SccModule>,
    pub reference: Option<String>,
    pub signed_on: Option<Date>,
    pub in_force_from: Option<Date>,
    /// The last day the contract is in force; none: open-ended.
    pub expires_on: Option<Date>,
    pub review_on: Option<Date>,
    pub notice_period_days: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
