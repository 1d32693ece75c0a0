//! "A discloses these categories, for this activity, to B acting as ...", with its transfer evidence.

use crate::Codes;
use crate::vocab::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "data_flow")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub activity_id: i64,
    pub from_id: i64,
    pub to_id: i64,
    pub recipient_role: RecipientRole,
    #[sea_orm(column_type = "Json")]
    pub data_categories: Codes,
    pub continues_flow_id: Option<i64>,
    pub mechanism: TransferMechanism,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub tia_completed_on: Option<Date>,
    pub signed_on: Option<Date>,
    /// BCR approval, code or certification reference, supplementary measures: free text evidence.
    pub evidence: Option<String>,
    /// Whether the flow is occasional (Art 49 derogations cover only occasional transfers).
    pub occasional: Option<bool>,
    /// Module Four: whether the EU processor combines the personal data received from the
    /// third-country controller with personal data it collected in the EU (Clauses 14 and 15).
    pub combines_eu_data: Option<bool>,
    /// Old SCCs: whether the processing under the contract changed after it was concluded.
    pub processing_changed: Option<bool>,
    /// The safeguard recorded for particular destination countries, overriding the flow's own
    /// (kept as JSON text, decoded when read); null when none.
    #[sea_orm(column_type = "Text")]
    pub transfer_safeguards: Option<crate::safeguards::DestinationSafeguards>,
    pub created_at: DateTimeUtc,
    /// The day the flow stopped (the contract ended, the supplier was replaced); None while it runs.
    pub ended_on: Option<Date>,
    pub ended_reason: Option<String>,
    /// The day the recipient is recorded as having deleted or returned what it received
    /// (Art 28(3)(g)); until then an ended flow's recipient still holds the data.
    pub returned_on: Option<Date>,
    pub return_evidence: Option<String>,
    /// The user's own key for the record (a spreadsheet's `ref` column); unique when set.
    #[sea_orm(column_name = "ref")]
    pub reference: Option<String>,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::processing_activity::Entity",
        from = "Column::ActivityId",
        to = "super::processing_activity::Column::Id"
    )]
    Activity,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::FromId",
        to = "super::organisation::Column::Id"
    )]
    From,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::ToId",
        to = "super::organisation::Column::Id"
    )]
    To,
    #[sea_orm(
        belongs_to = "super::data_flow::Entity",
        from = "Column::ContinuesFlowId",
        to = "super::data_flow::Column::Id"
    )]
    Continues,
}

impl Related<super::processing_activity::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Activity.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
