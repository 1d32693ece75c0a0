//! One holder's part of a request, and the delivery outbox row for it: a `PENDING` webhook or
//! e-mail task whose `next_attempt_at` has passed is work for the worker. Its id is the
//! idempotency key of every delivery attempt.

use crate::vocab::*;
use crate::{Codes, Restrictions};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "dsr_task")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub request_id: i64,
    pub organisation_id: i64,
    pub channel: DeliveryChannel,
    pub status: TaskStatus,
    #[sea_orm(column_type = "Json")]
    pub data_categories: Codes,
    /// The holder's activities this subject is in (ids as text).
    #[sea_orm(column_type = "Json")]
    pub activity_ids: Codes,
    /// Why the holder's data is exempt from erasure (legal obligation, legal claims), if it is.
    pub retention_exemption: Option<String>,
    /// Of `data_categories`, those the holder is to erase (None on tasks filed before the split).
    #[sea_orm(column_type = "Json", nullable)]
    pub erase_categories: Option<Codes>,
    /// Of `data_categories`, those the holder is to keep restricted, each set with its legal reason.
    #[sea_orm(column_type = "Json", nullable)]
    pub restrictions: Option<Restrictions>,
    pub attempts: i32,
    /// When the worker may next try; while an attempt runs, the end of its lease.
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub evidence: Option<String>,
    pub exemption_reason: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// The foreign keys of this table, as declared in the migrations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::dsr_request::Entity",
        from = "Column::RequestId",
        to = "super::dsr_request::Column::Id"
    )]
    Request,
    #[sea_orm(
        belongs_to = "super::organisation::Entity",
        from = "Column::OrganisationId",
        to = "super::organisation::Column::Id"
    )]
    Organisation,
    #[sea_orm(has_many = "super::dsr_task_event::Entity")]
    Event,
}

impl Related<super::dsr_request::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Request.def()
    }
}

impl Related<super::organisation::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organisation.def()
    }
}

impl Related<super::dsr_task_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
