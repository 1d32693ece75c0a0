//! A reminder of a task: one row per task and key (`BEFORE_7:2026-12-20`, `OVERDUE:...`,
//! `MANUAL:...`), inserted when it is claimed, so each is sent once even across restarts; one
//! whose sending failed is tried again (`retry_at`), up to `REGISTER_DELIVERY_MAX_ATTEMPTS`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "task_reminder")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub task_id: i64,
    pub key: String,
    /// `BEFORE_DEADLINE`, `OVERDUE` or `MANUAL`.
    pub kind: String,
    pub days_before: Option<i32>,
    /// The deadline it reminds of.
    pub due_on: Date,
    /// `delivery-worker`, or the token that asked for it.
    pub requested_by: String,
    pub created_at: DateTimeUtc,
    pub claimed_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub detail: Option<String>,
    /// How many times a worker claimed it to send it.
    pub attempts: i32,
    /// When a reminder whose sending failed is tried again; null otherwise.
    pub retry_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
