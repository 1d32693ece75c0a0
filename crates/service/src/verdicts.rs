//! Today's transfer verdicts, kept between requests so that a page of the register and the gaps
//! do not reassess every flow on every call, and still true.
//!
//! The verdicts of a date are a function of the register (organisations, locations, flows, their
//! assessments, contracts and DPF entries), of the reference data and of the date. They are kept
//! per flow ([`kept`]) with the register version they were computed at: a single-row counter that
//! database triggers bump in the transaction of every write of those tables (migration
//! `m20261127_000003_register_version`), so a write committed by any instance sharing the database
//! changes it. Each request reads the counter (one primary-key read); when it moved, the rows the
//! writes left in `register_change` name the flows and organisations they touched, and only the
//! flows those can affect are assessed again. The date turning or new reference data recompute
//! the whole register in the background while the previous set answers, marked incomplete
//! ([`cache`]). A past date is assessed on demand and not kept (see `graphql::query::transfers`).

mod cache;
pub mod history;
pub mod kept;
pub mod prune;

pub use cache::*;

use crate::{
    domain::{
        category::SensitiveMarks,
        country::CountryCode,
        reference::LegalReference,
        vocab::{ProblemCode, Regime, TransferMechanism, VerdictStatus},
    },
    error::{AppError, AppResult},
    page::Page,
    transfers::{FlowAssessment, Gaps},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::sync::{Arc, Mutex, PoisonError};

/// What a set of verdicts was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictKey {
    pub on: NaiveDate,
    pub register_version: i64,
    pub reference_version: String,
}

/// One restricted transfer with the parties of its flow (for the `organisationId` filter and
/// the orders by name).
#[derive(Debug, Clone)]
pub struct Entry {
    pub assessment: Arc<FlowAssessment>,
    pub exporter_id: i64,
    pub recipient_id: i64,
    pub exporter_name: Arc<str>,
    pub recipient_name: Arc<str>,
    /// Whether the flow carries special categories (Art 9) or criminal-offence data (Art 10).
    pub sensitive: SensitiveMarks,
}

/// Every verdict of the register on one date.
pub struct Assessed {
    pub key: VerdictKey,
    /// False while a newer set (a new day, new reference data) is computed in its place: this
    /// one answers until then.
    pub complete: bool,
    /// Every restricted transfer, ordered by flow id, then destination country.
    pub transfers: Vec<Entry>,
    /// What `complianceGaps` looks at, every regime.
    gap_assessments: Vec<Arc<FlowAssessment>>,
    /// `complianceGaps` per regime filter, grouped when first asked for.
    gaps: Mutex<Vec<(Option<Regime>, Arc<Gaps>)>>,
}

impl Assessed {
    /// Assesses the whole register on `on`, from one snapshot.
    pub async fn compute(
        db: &DatabaseConnection,
        reference: &LegalReference,
        on: NaiveDate,
    ) -> AppResult<Self> {
        Ok(Box::pin(kept::Kept::load(db, reference, on))
            .await?
            .snapshot(true))
    }

    /// A set of verdicts: `transfers` ordered by flow, then destination; `gap_assessments` in
    /// flow order. The gaps are grouped when first asked for.
    pub fn new(
        key: VerdictKey,
        complete: bool,
        transfers: Vec<Entry>,
        gap_assessments: Vec<Arc<FlowAssessment>>,
    ) -> Self {
        Self {
            key,
            complete,
            transfers,
            gap_assessments,
            gaps: Mutex::new(Vec::new()),
        }
    }

    /// The restricted transfers, optionally of one regime.
    pub fn register(&self, regime: Option<Regime>) -> Vec<Arc<FlowAssessment>> {
        self.transfers
            .iter()
            .filter(|e| regime.is_none_or(|r| e.assessment.regime == r))
            .map(|e| e.assessment.clone())
            .collect()
    }

    /// The compliance gaps, optionally of one regime.
    pub fn gaps(&self, regime: Option<Regime>) -> Arc<Gaps> {
        let mut cached = self.gaps.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, gaps)) = cached.iter().find(|(r, _)| *r == regime) {
            return gaps.clone();
        }
        let gaps = Arc::new(Gaps::of(
            &self
                .gap_assessments
                .iter()
                .filter(|a| regime.is_none_or(|r| a.regime == r))
                .cloned()
                .collect::<Vec<_>>(),
        ));
        cached.push((regime, gaps.clone()));
        gaps
    }

    /// One page of the transfers that `filter` keeps in `order`, after the cursor, each with
    /// its own cursor.
    pub fn page(
        &self,
        filter: &TransferFilter,
        order: Order,
        first: u64,
        after: Option<&TransferCursor>,
    ) -> Page<(Arc<FlowAssessment>, TransferCursor)> {
        if order != Order::default() {
            return self.sorted_page(filter, order, first, after);
        }
        let start = match after {
            None => 0,
            Some(c) => self.transfers.partition_point(|e| {
                (
                    e.assessment.flow_id.unwrap_or_default(),
                    e.assessment.destination.as_str(),
                ) <= (c.flow_id, c.destination.as_str())
            }),
        };
        let total_count = self.transfers.iter().filter(|e| filter.keeps(e)).count() as u64;
        let mut matching = self.transfers[start..].iter().filter(|e| filter.keeps(e));
        let items: Vec<(Arc<FlowAssessment>, TransferCursor)> = matching
            .by_ref()
            .take(usize::try_from(first).unwrap_or(usize::MAX))
            .map(|e| (e.assessment.clone(), TransferCursor::at(e, order)))
            .collect();
        let has_next_page = matching.next().is_some();
        Page {
            items,
            has_next_page,
            total_count,
        }
    }

    /// A page in an order other than the register's own: the kept transfers sorted by the
    /// order's key, ties broken by flow and destination, so a cursor (key, flow, destination)
    /// finds its place again even after the register changed.
    fn sorted_page(
        &self,
        filter: &TransferFilter,
        order: Order,
        first: u64,
        after: Option<&TransferCursor>,
    ) -> Page<(Arc<FlowAssessment>, TransferCursor)> {
        // Each kept transfer's place in the order: (key, flow, destination), as a cursor holds it.
        let mut kept: Vec<(String, i64, CountryCode, &Entry)> = self
            .transfers
            .iter()
            .filter(|e| filter.keeps(e))
            .map(|e| {
                let a = &e.assessment;
                let flow = a.flow_id.unwrap_or_default();
                (order.by.key(e), flow, a.destination, e)
            })
            .collect();
        let compare = |a: (&str, i64, CountryCode), b: (&str, i64, CountryCode)| {
            let by_key = a.0.cmp(b.0);
            let by_key = if order.descending {
                by_key.reverse()
            } else {
                by_key
            };
            by_key.then_with(|| (a.1, a.2).cmp(&(b.1, b.2)))
        };
        kept.sort_by(|a, b| compare((&a.0, a.1, a.2), (&b.0, b.1, b.2)));
        let start = after.map_or(0, |c| {
            let cursor = (
                c.key.as_deref().unwrap_or_default(),
                c.flow_id,
                c.destination,
            );
            kept.partition_point(|k| compare((&k.0, k.1, k.2), cursor).is_le())
        });
        let take = usize::try_from(first).unwrap_or(usize::MAX);
        let end = start.saturating_add(take).min(kept.len());
        let items = kept[start.min(end)..end]
            .iter()
            .map(|(key, flow_id, destination, e)| {
                let cursor = TransferCursor {
                    flow_id: *flow_id,
                    destination: *destination,
                    key: Some(key.clone()),
                    order,
                };
                (e.assessment.clone(), cursor)
            })
            .collect();
        Page {
            items,
            has_next_page: end < kept.len(),
            total_count: kept.len() as u64,
        }
    }
}

/// The restricted transfers towards one destination country (the map's counts).
#[derive(Debug, Clone)]
pub struct DestinationCounts {
    pub destination: CountryCode,
    /// How many transfers have each verdict, the most serious first; only verdicts held.
    pub by_status: Vec<(VerdictStatus, u64)>,
    pub total: u64,
    /// The distinct recipients' names, sorted.
    pub recipients: Vec<Arc<str>>,
}

impl DestinationCounts {
    /// The most serious verdict of the transfers to this country.
    pub fn worst(&self) -> Option<VerdictStatus> {
        self.by_status.first().map(|(s, _)| *s)
    }
}

/// One destination's transfers while they are counted: by verdict (keyed by rank), in all, and
/// the recipients' names.
type Group = (
    std::collections::BTreeMap<&'static str, (VerdictStatus, u64)>,
    u64,
    std::collections::BTreeSet<Arc<str>>,
);

impl Assessed {
    /// The transfers grouped by destination country, in country order.
    pub fn by_destination(&self) -> Vec<DestinationCounts> {
        let mut groups: std::collections::BTreeMap<CountryCode, Group> =
            std::collections::BTreeMap::new();
        for e in &self.transfers {
            let a = &e.assessment;
            let group = groups.entry(a.destination).or_default();
            let status = a.verdict.status;
            group
                .0
                .entry(TransferOrder::rank(status))
                .or_insert((status, 0))
                .1 += 1;
            group.1 += 1;
            group.2.insert(e.recipient_name.clone());
        }
        groups
            .into_iter()
            .map(
                |(destination, (by_status, total, recipients))| DestinationCounts {
                    destination,
                    by_status: by_status.into_values().collect(),
                    total,
                    recipients: recipients.into_iter().collect(),
                },
            )
            .collect()
    }
}

/// What `transferRegisterPage` orders by; ties are broken by flow, then destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransferOrder {
    /// The register's own order: by flow (in the order flows were recorded), then destination
    /// country.
    #[default]
    Flow,
    /// The recipient's name.
    Recipient,
    /// The exporter's name.
    Exporter,
    /// The destination country's code.
    Destination,
    /// The regime.
    Regime,
    /// The mechanism recorded.
    Mechanism,
    /// The verdict, the most serious first: non-compliant, derogation, safeguarded, adequate,
    /// not restricted.
    Verdict,
}

impl TransferOrder {
    const ALL: [Self; 7] = [
        Self::Flow,
        Self::Recipient,
        Self::Exporter,
        Self::Destination,
        Self::Regime,
        Self::Mechanism,
        Self::Verdict,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Flow => "flow",
            Self::Recipient => "recipient",
            Self::Exporter => "exporter",
            Self::Destination => "destination",
            Self::Regime => "regime",
            Self::Mechanism => "mechanism",
            Self::Verdict => "verdict",
        }
    }

    /// The sort key of a transfer (names without case, so "acme" sorts with "Acme").
    fn key(self, e: &Entry) -> String {
        let a = &e.assessment;
        match self {
            // Zero-padded so that text order is number order (only reversed flow order uses it).
            Self::Flow => format!("{:020}", a.flow_id.unwrap_or_default()),
            Self::Recipient => e.recipient_name.to_lowercase(),
            Self::Exporter => e.exporter_name.to_lowercase(),
            Self::Destination => a.destination.to_string(),
            Self::Regime => a.regime.as_str().to_string(),
            Self::Mechanism => a.mechanism.as_str().to_string(),
            Self::Verdict => Self::rank(a.verdict.status).to_string(),
        }
    }

    /// A verdict's place, the most serious first, as text that sorts.
    fn rank(status: VerdictStatus) -> &'static str {
        match status {
            VerdictStatus::NonCompliant => "0",
            VerdictStatus::Derogation => "1",
            VerdictStatus::Safeguarded => "2",
            VerdictStatus::Adequate => "3",
            VerdictStatus::NotRestricted => "4",
        }
    }
}

/// An order and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Order {
    pub by: TransferOrder,
    pub descending: bool,
}

/// The filters of `transferRegisterPage`; each given one must hold.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    pub regime: Option<Regime>,
    pub status: Option<VerdictStatus>,
    pub destination: Option<CountryCode>,
    pub mechanism: Option<TransferMechanism>,
    /// The exporter or the recipient of the flow.
    pub organisation_id: Option<i64>,
    /// A problem the verdict names (what the overview's gaps link to).
    pub problem: Option<ProblemCode>,
    /// `Some(true)`: only transfers of special categories (Art 9) or criminal-offence data
    /// (Art 10); `Some(false)`: only the others.
    pub special_categories: Option<bool>,
}

impl TransferFilter {
    fn keeps(&self, e: &Entry) -> bool {
        let a = &e.assessment;
        self.regime.is_none_or(|r| a.regime == r)
            && self.status.is_none_or(|s| a.verdict.status == s)
            && self.destination.is_none_or(|d| a.destination == d)
            && self.mechanism.is_none_or(|m| a.mechanism == m)
            && self
                .organisation_id
                .is_none_or(|o| e.exporter_id == o || e.recipient_id == o)
            && self.problem.is_none_or(|p| a.verdict.has(p))
            && self
                .special_categories
                .is_none_or(|s| e.sensitive.any() == s)
    }
}

/// Where a page of transfers ends: a flow and one of its destinations, and in another order
/// than the register's own, the transfer's key in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferCursor {
    pub flow_id: i64,
    pub destination: CountryCode,
    /// The sort key, for an order other than by flow.
    pub key: Option<String>,
    pub order: Order,
}

impl TransferCursor {
    fn at(e: &Entry, order: Order) -> Self {
        Self {
            flow_id: e.assessment.flow_id.unwrap_or_default(),
            destination: e.assessment.destination,
            key: (order != Order::default()).then(|| order.by.key(e)),
            order,
        }
    }

    pub fn encode(&self) -> String {
        let text = match &self.key {
            None => format!("transfer:{}:{}", self.flow_id, self.destination),
            Some(key) => format!(
                "transfer:{}:{}:{}:{}:{key}",
                self.flow_id,
                self.destination,
                self.order.by.name(),
                if self.order.descending { "desc" } else { "asc" }
            ),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// A cursor issued for `order`; one issued for another order (or none of ours) is refused.
    pub fn decode(cursor: &str, order: Order) -> AppResult<Self> {
        let refused = || AppError::bad_input("after", "after is not a cursor this service issued");
        let text = URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(refused)?;
        let mut parts = text
            .strip_prefix("transfer:")
            .ok_or_else(refused)?
            .splitn(5, ':');
        let flow_id = parts
            .next()
            .and_then(|id| id.parse().ok())
            .ok_or_else(refused)?;
        let destination = parts
            .next()
            .and_then(CountryCode::parse)
            .ok_or_else(refused)?;
        let issued_for = match (parts.next(), parts.next(), parts.next()) {
            (None, None, None) => (Order::default(), None),
            (Some(by), Some(direction), Some(key)) => {
                let by = TransferOrder::ALL
                    .into_iter()
                    .find(|o| o.name() == by)
                    .ok_or_else(refused)?;
                let descending = match direction {
                    "asc" => false,
                    "desc" => true,
                    _ => return Err(refused()),
                };
                (Order { by, descending }, Some(key.to_string()))
            }
            _ => return Err(refused()),
        };
        if issued_for.0 != order {
            return Err(AppError::bad_input(
                "after",
                "after was issued for another order of the register: start again without it",
            ));
        }
        Ok(Self {
            flow_id,
            destination,
            key: issued_for.1,
            order,
        })
    }
}

/// The register version as a reader may trust it: on PostgreSQL the writes committed so far are
/// sequenced first (`sequence_register_changes()`, migration `m20261209_000001`), so a version
/// read after a write covers it; writers themselves never wait on the version's row. Not in a
/// read-only transaction: call it before opening one.
pub async fn sequenced_version(db: &impl ConnectionTrait) -> AppResult<i64> {
    if db.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return register_version(db).await;
    }
    let row = db
        .query_one_raw(Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT sequence_register_changes() AS version",
        ))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the sequencer answered nothing")))?;
    Ok(row.try_get::<i64>("", "version")?)
}

/// The register version as stored: moved by triggers on every write of the register's tables
/// (on PostgreSQL, by the sequencer: see [`sequenced_version`]).
pub async fn register_version(db: &impl ConnectionTrait) -> AppResult<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT version FROM register_version WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("register_version has no row")))?;
    Ok(row.try_get::<i64>("", "version")?)
}
