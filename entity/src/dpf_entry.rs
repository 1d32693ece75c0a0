//! One organisation of a Data Privacy Framework list snapshot.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the list's own yes/no columns, one each"
)]
#[sea_orm(table_name = "dpf_entry")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub snapshot_id: i64,
    /// The name as the list spells it.
    pub name: String,
    /// Lower case, punctuation and legal-form words dropped: what names are matched on.
    pub normalised_name: String,
    /// Active on the list (false: inactive, its certification withdrawn or lapsed).
    pub active: bool,
    /// Also under the UK Extension to the EU-U.S. DPF.
    pub uk_extension: bool,
    /// Also under the Swiss-U.S. DPF.
    pub swiss: bool,
    /// Covers human resources data.
    pub hr_data: bool,
    /// Covers non-human-resources data.
    pub non_hr_data: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
