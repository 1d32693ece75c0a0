//! The map's counts: restricted transfers by destination country and verdict.

use crate::enums::VerdictStatus;
use crate::service::verdicts::DestinationCounts;
use async_graphql::{Object, SimpleObject};

/// How many transfers to one country have one verdict.
#[derive(SimpleObject)]
pub struct StatusCount {
    /// The verdict.
    pub status: VerdictStatus,
    /// How many transfers have it.
    pub count: i64,
}

/// The restricted transfers towards one destination country, counted by verdict.
pub struct DestinationTransfers(pub DestinationCounts);

/// The restricted transfers towards one destination country, counted by verdict (what the
/// console's map colours and lists).
#[Object]
impl DestinationTransfers {
    /// The destination country (ISO 3166-1 alpha-2).
    async fn destination_country(&self) -> &str {
        self.0.destination.as_str()
    }
    /// How many restricted transfers go there.
    async fn total(&self) -> i64 {
        i64::try_from(self.0.total).unwrap_or(i64::MAX)
    }
    /// The most serious verdict of those transfers.
    async fn worst_status(&self) -> Option<VerdictStatus> {
        self.0.worst().map(Into::into)
    }
    /// How many have each verdict, the most serious first (verdicts none has are left out).
    async fn counts(&self) -> Vec<StatusCount> {
        self.0
            .by_status
            .iter()
            .map(|(status, count)| StatusCount {
                status: (*status).into(),
                count: i64::try_from(*count).unwrap_or(i64::MAX),
            })
            .collect()
    }
    /// The names of the distinct recipients, sorted; at most `first` (default 5).
    async fn recipients(
        &self,
        #[graphql(desc = "How many names to return (default 5).")] first: Option<i32>,
    ) -> Vec<String> {
        let first = usize::try_from(first.unwrap_or(5)).unwrap_or(0);
        self.0
            .recipients
            .iter()
            .take(first)
            .map(ToString::to_string)
            .collect()
    }
    /// How many distinct recipients the transfers go to.
    async fn recipient_count(&self) -> i64 {
        i64::try_from(self.0.recipients.len()).unwrap_or(i64::MAX)
    }
}
