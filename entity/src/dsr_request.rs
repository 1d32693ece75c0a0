//! A data-subject request: what was asked, when it is due, and (only while it is open) the
//! identifiers given, sealed.

use crate::vocab::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "dsr_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Random, non-identifying: what remains to name the request after an erasure.
    pub reference: String,
    pub kind: DsrKind,
    /// OPEN, IN_PROGRESS or COMPLETED as last written; OVERDUE is derived from `due_on` on reading.
    pub status: DsrStatus,
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

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::data_subject::Entity",
        from = "Column::SubjectId",
        to = "super::data_subject::Column::Id"
    )]
    Subject,
    #[sea_orm(has_many = "super::dsr_task::Entity")]
    Task,
}

impl Related<super::data_subject::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Subject.def()
    }
}

impl Related<super::dsr_task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Task.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
