//! A due item notified (or being notified) to one channel: one row per item, due date and
//! channel (`key` is unique), claimed before sending, so none goes twice across restarts or
//! instances; `sent_at` is empty until the receiver took it, and the worker retries until then.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "due_notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub due_on: Date,
    /// `EMAIL` or `WEBHOOK`.
    pub channel: String,
    pub message: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// When it may be tried next: the end of a running attempt's lease, or of the back-off after
    /// a failure (none: at once).
    pub next_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
