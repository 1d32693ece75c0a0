//! "A discloses these categories, for this activity, to B acting as ...", with its transfer evidence.

use crate::Codes;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "data_flow")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: i64,
    pub from_id: i64,
    pub to_id: i64,
    pub recipient_role: String,
    #[sea_orm(column_type = "Json")]
    pub data_categories: Codes,
    pub continues_flow_id: Option<i64>,
    pub mechanism: String,
    pub scc_module: Option<String>,
    pub derogation: Option<String>,
    pub tia_completed_on: Option<Date>,
    pub signed_on: Option<Date>,
    /// BCR approval, code or certification reference, supplementary measures: free text evidence.
    pub evidence: Option<String>,
    pub created_at: DateTimeUtc,
    /// The user's own key for the record (a spreadsheet's `ref` column); unique when set.
    #[sea_orm(column_name = "ref")]
    pub reference: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
