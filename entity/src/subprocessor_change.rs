//! A change of sub-processor announced by a processor (Art 28(2) and (4)): what it would do, when,
//! and where it stands on its way to going live.

use crate::Codes;
use crate::vocab::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "subprocessor_change")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The processor that announces the change.
    pub processor_id: i64,
    /// The sub-processor added, relocated or removed.
    pub subprocessor_id: i64,
    pub kind: SubprocessorChangeKind,
    /// The processing activities it touches (ids, as text).
    #[sea_orm(column_type = "Json")]
    pub activity_ids: Codes,
    #[sea_orm(column_type = "Json")]
    pub data_categories: Codes,
    /// The safeguard proposed, as `recordDataFlow` takes it.
    pub mechanism: TransferMechanism,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub tia_completed_on: Option<Date>,
    pub signed_on: Option<Date>,
    pub evidence: Option<String>,
    pub occasional: Option<bool>,
    #[sea_orm(column_type = "Text")]
    pub transfer_safeguards: Option<crate::safeguards::DestinationSafeguards>,
    /// RELOCATE: the country the sub-processor moves its processing to.
    pub relocate_to: Option<crate::country::CountryCode>,
    pub announced_on: Date,
    pub effective_on: Date,
    /// The announcement date plus the processor's objection period; null without a period.
    pub objection_deadline: Option<Date>,
    /// Where the notice came from.
    pub source: Option<String>,
    pub status: SubprocessorChangeStatus,
    /// The objection's reason (or a decision's note).
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
