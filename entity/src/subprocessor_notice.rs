//! A message the register sends about a sub-processor change (an objection to the processor, a
//! notice to a subscriber of the published list): written once (its key is unique), then sent by
//! e-mail, webhook or the outbox under a lease, and retried until sent.

use crate::vocab::DeliveryChannel;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "subprocessor_notice")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub change_id: i64,
    /// What the message is, for whom (`objection:<change>`): written once.
    pub key: String,
    /// The e-mail address or webhook URL it goes to (empty when there is none: MANUAL).
    pub recipient: String,
    pub channel: DeliveryChannel,
    pub subject: String,
    pub body: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// The subscriber of the published list it is for (none: an objection to the processor).
    pub subscriber_id: Option<i64>,
    /// Attempts made to send it.
    pub attempts: i32,
    /// When it may be tried next: the end of a running attempt's lease, or of the back-off after
    /// a failure (none: at once).
    pub next_attempt_at: Option<DateTimeUtc>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
