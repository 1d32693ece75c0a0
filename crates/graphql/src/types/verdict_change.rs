//! A change of a transfer's verdict, as the verdicts' own history recorded it.

use super::flow::DataFlow;
use crate::{
    enums::{VerdictChangeCause, VerdictStatus},
    loaders::loaders,
    scalars::{Date, Timestamp},
};
use async_graphql::{Context, ID, Object, Result};
use entity::verdict_change;

/// One change of a restricted transfer's verdict (a flow towards one destination country),
/// recorded when the register first judged it changed: a correction whose dates lie in the past
/// is recorded on the day it was made.
pub struct VerdictChange(pub verdict_change::Model);

/// One change of a restricted transfer's verdict (a flow towards one destination country),
/// recorded when the register first judged it changed: a correction whose dates lie in the past
/// is recorded on the day it was made.
#[Object]
impl VerdictChange {
    /// The flow whose transfer changed verdict.
    async fn flow_id(&self) -> ID {
        ID(self.0.flow_id.to_string())
    }
    /// The flow, null once it has been deleted.
    async fn flow(&self, ctx: &Context<'_>) -> Result<Option<DataFlow>> {
        Ok(loaders(ctx)?
            .flows
            .load_one(self.0.flow_id)
            .await?
            .map(DataFlow))
    }
    /// The destination country of the transfer (ISO 3166-1 alpha-2).
    async fn destination_country(&self) -> &str {
        self.0.destination.as_str()
    }
    /// The verdict before; null when the transfer appeared with this change.
    async fn old_status(&self) -> Option<VerdictStatus> {
        self.0.old_status.map(Into::into)
    }
    /// The verdict after; null when the transfer went with this change (its flow ended or was
    /// deleted, or it is no longer a restricted transfer).
    async fn new_status(&self) -> Option<VerdictStatus> {
        self.0.new_status.map(Into::into)
    }
    /// Why it changed: a write to the register, the date turning, or new reference data (the
    /// law as the register knows it).
    async fn cause(&self) -> VerdictChangeCause {
        self.0.cause.into()
    }
    /// The date the new verdict judges the register on.
    async fn judged_on(&self) -> Date {
        Date::from(self.0.judged_on)
    }
    /// The version of the reference data the new verdict was judged under.
    async fn reference_version(&self) -> &str {
        &self.0.reference_version
    }
    /// When the change was recorded.
    async fn changed_at(&self) -> Timestamp {
        Timestamp(self.0.changed_at)
    }
}
