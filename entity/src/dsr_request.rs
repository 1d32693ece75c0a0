//! A data-subject request: what was asked, when it is due, and (only while it is open) the
//! identifiers given, sealed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "dsr_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Random, non-identifying: what remains to name the request after an erasure.
    pub reference: String,
    pub kind: String,
    /// OPEN, IN_PROGRESS or COMPLETED as last written; OVERDUE is derived from `due_on` on reading.
    pub status: String,
    pub received_on: Date,
    pub due_on: Date,
    pub extension_months: Option<i32>,
    pub extension_reason: Option<String>,
    /// The register's subject, while it exists (cleared when an erasure completes).
    pub subject_id: Option<i64>,
    /// Sealed JSON of the identifiers given; destroyed (null) when the request closes.
    #[serde(skip_serializing)]
    pub sealed_identifiers: Option<String>,
    pub filed_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    /// Why the DPO closed it by hand (status CLOSED); none when it completed.
    pub closure_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
