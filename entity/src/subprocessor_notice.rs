//! A message the register sends about a sub-processor change (an objection to the processor):
//! kept here, like the outbox of e-mails, for a person to send while no mail server is
//! configured; its key is unique so that a message is never written twice.

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
