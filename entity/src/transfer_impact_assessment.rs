//! A transfer impact assessment (UK: transfer risk assessment) of a flow, as a dated record: what
//! it concluded, the supplementary measures relied on, and when it is due for review.

use crate::Codes;
use crate::vocab::TiaOutcome;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "transfer_impact_assessment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub flow_id: i64,
    pub completed_on: Date,
    /// When it must be reviewed (EDPB Recommendations 01/2020, step 6).
    pub review_on: Date,
    pub outcome: TiaOutcome,
    /// `SupplementaryMeasure` codes, sorted and distinct.
    #[sea_orm(column_type = "Json")]
    pub measures: Codes,
    pub laws_assessed: Option<String>,
    pub assessor: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
