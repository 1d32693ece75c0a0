//! A purpose run by a controller, with its lawful basis, categories and retention rule.

use crate::Codes;
use crate::vocab::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "processing_activity")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub controller_id: i64,
    pub purpose: String,
    pub lawful_basis: LawfulBasis,
    #[sea_orm(column_type = "Json")]
    pub data_categories: Codes,
    #[sea_orm(column_type = "Json")]
    pub subject_categories: Codes,
    pub retention: String,
    pub retention_months: Option<i32>,
    pub created_at: DateTimeUtc,
    /// The day the controller stopped the activity; None while it runs.
    pub ended_on: Option<Date>,
    pub ended_reason: Option<String>,
    /// The user's own key for the record (a spreadsheet's `ref` column); unique when set.
    #[sea_orm(column_name = "ref")]
    pub reference: Option<String>,
    /// A general description of the technical and organisational security measures (Art 30(1)(g)).
    pub security_measures: Option<String>,
    /// PROCESSOR: the group carries it out for its customers; its recipients are the group's
    /// published sub-processors.
    pub acting_as: ActingAs,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::ControllerId",
        to = "super::organisation::Column::Id"
    )]
    Controller,
    #[sea_orm(has_many = "super::data_flow::Entity")]
    DataFlow,
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Controller.def()
    }
}

impl Related<super::data_flow::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::DataFlow.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
