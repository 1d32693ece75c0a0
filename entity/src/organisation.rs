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
    pub country: String,
    pub company_number: Option<String>,
    pub parent_id: Option<i64>,
    pub privacy_contact_email: Option<String>,
    pub erasure_webhook_url: Option<String>,
    /// Sealed under the service secret; never returned by the API nor written to the audit trail.
    #[serde(skip_serializing)]
    pub webhook_secret: Option<String>,
    pub dpa_signed_on: Option<Date>,
    pub dpf_certified: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
