//! A legal entity: group company, supplier, sub-contractor or other controller.

use crate::vocab::*;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "organisation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub status: OrganisationStatus,
    pub country: crate::country::CountryCode,
    pub company_number: Option<String>,
    pub parent_id: Option<i64>,
    pub privacy_contact_email: Option<String>,
    pub erasure_webhook_url: Option<String>,
    /// Sealed under the service secret; never returned by the API nor written to the audit trail.
    #[serde(skip_serializing)]
    pub webhook_secret: Option<String>,
    pub dpa_signed_on: Option<Date>,
    pub dpf_certified: bool,
    /// Also joined the UK Extension to the DPF (SI 2023/1028); null when not recorded.
    pub dpf_uk_extension: Option<bool>,
    /// Was on the Privacy Shield List (2016-07-12 to 2020-07-15).
    pub privacy_shield_certified: Option<bool>,
    /// Was on the Safe Harbor List (2000-07-26 to 2015-10-05).
    pub safe_harbor_certified: Option<bool>,
    /// Subject to PIPEDA (the scope of the Canadian adequacy decision).
    pub subject_to_pipeda: Option<bool>,
    /// A private-sector business operator under the APPI (the scope of the Japanese decision).
    pub appi_private_sector: Option<bool>,
    /// The international organisation this importer is (e.g. `EPO`), if it is one.
    pub international_organisation: Option<String>,
    /// Its processing is itself subject to the EU GDPR under Art 3(2).
    #[sea_orm(column_name = "gdpr_art3_2")]
    pub gdpr_art3_2: Option<bool>,
    /// The group whose binding corporate rules bind it.
    pub bcr_group: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The user's own key for the record (a spreadsheet's `ref` column); unique when set.
    #[sea_orm(column_name = "ref")]
    pub reference: Option<String>,
    /// A general description of the technical and organisational security measures (Art 30(1)(g)).
    pub security_measures: Option<String>,
    /// The processor contract's authorisation of sub-processors (Art 28(2)); null: not recorded.
    pub subprocessor_authorisation: Option<SubprocessorAuthorisation>,
    /// The days the contract gives the controller to object to an announced change.
    pub objection_period_days: Option<i32>,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::ParentId",
        to = "super::organisation::Column::Id"
    )]
    Parent,
    #[sea_orm(has_many = "super::location::Entity")]
    Location,
    #[sea_orm(has_many = "super::dsr_task::Entity")]
    Task,
}

impl Related<super::location::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Location.def()
    }
}

impl Related<super::dsr_task::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Task.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
