//! Today's transfer verdicts, kept between requests so that a page of the register and the gaps
//! do not reassess every flow on every call, and still true.
//!
//! The verdicts of a date are a function of the register (organisations, locations, activities,
//! flows), of the reference data and of the date. The cache holds one set, keyed by all three:
//! the date; the register version, a single-row counter that database triggers bump in the
//! transaction of every insert, update or delete of those tables (migration
//! `m20261127_000003_register_version`), so a write committed by any instance sharing the database
//! changes it; and the version of the reference data. Each request reads the counter (one
//! primary-key read) and reuses the set only if the key is the same: the date in the key makes a
//! verdict that changes because the date crossed a cut-off in the reference data change on that
//! day. A past date is assessed on demand and not kept (see `graphql::query::transfers`).

use crate::{
    domain::{
        reference::LegalReference,
        vocab::{Regime, TransferMechanism, VerdictStatus},
    },
    error::{AppError, AppResult},
    service::{
        page::Page,
        transfers::{FlowAssessment, Gaps, Register},
    },
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseBackend, DatabaseConnection, IsolationLevel, Statement,
    TransactionTrait,
};
use std::sync::{Arc, Mutex, PoisonError};

/// What a set of verdicts was computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictKey {
    pub on: NaiveDate,
    pub register_version: i64,
    pub reference_version: String,
}

/// One restricted transfer with the parties of its flow (for the `organisationId` filter).
#[derive(Debug, Clone)]
pub struct Entry {
    pub assessment: Arc<FlowAssessment>,
    pub exporter_id: i64,
    pub recipient_id: i64,
}

/// Every verdict of the register on one date.
pub struct Assessed {
    pub key: VerdictKey,
    /// Every restricted transfer, ordered by flow id, then destination country.
    pub transfers: Vec<Entry>,
    /// What `complianceGaps` looks at, every regime.
    gap_assessments: Vec<Arc<FlowAssessment>>,
    /// `complianceGaps` per regime filter, grouped when first asked for.
    gaps: Mutex<Vec<(Option<Regime>, Arc<Gaps>)>>,
}

impl Assessed {
    /// Assesses the whole register on `on` (the key's register version read in the same
    /// snapshot as the register).
    pub async fn compute(
        db: &DatabaseConnection,
        reference: &LegalReference,
        on: NaiveDate,
    ) -> AppResult<Self> {
        // One snapshot for the counter and the three reads, so the set is exactly that version.
        let txn = match db.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await?
            }
            _ => db.begin().await?,
        };
        let register_version = register_version(&txn).await?;
        let register = Register::load(&txn).await?;
        txn.commit().await?;
        let (restricted, gap_assessments) =
            register.transfers_and_gap_assessments(reference, on)?;
        let mut transfers = Vec::with_capacity(restricted.len());
        for assessment in restricted {
            let flow_id = assessment.flow_id.unwrap_or_default();
            let (exporter_id, recipient_id) = register.parties(flow_id).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!("assessed flow {flow_id} is not loaded"))
            })?;
            transfers.push(Entry {
                assessment,
                exporter_id,
                recipient_id,
            });
        }
        transfers.sort_by(|a, b| {
            (a.assessment.flow_id, &a.assessment.destination)
                .cmp(&(b.assessment.flow_id, &b.assessment.destination))
        });
        let all_gaps = Gaps::of(gap_assessments.clone());
        Ok(Self {
            key: VerdictKey {
                on,
                register_version,
                reference_version: reference.version().to_string(),
            },
            transfers,
            gap_assessments,
            gaps: Mutex::new(vec![(None, Arc::new(all_gaps))]),
        })
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
            self.gap_assessments
                .iter()
                .filter(|a| regime.is_none_or(|r| a.regime == r))
                .cloned()
                .collect(),
        ));
        cached.push((regime, gaps.clone()));
        gaps
    }

    /// One page of the transfers that `filter` keeps, after the cursor.
    pub fn page(
        &self,
        filter: &TransferFilter,
        first: u64,
        after: Option<&TransferCursor>,
    ) -> Page<Arc<FlowAssessment>> {
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
        let items: Vec<Arc<FlowAssessment>> = matching
            .by_ref()
            .take(usize::try_from(first).unwrap_or(usize::MAX))
            .map(|e| e.assessment.clone())
            .collect();
        let has_next_page = matching.next().is_some();
        Page {
            items,
            has_next_page,
            total_count,
        }
    }
}

/// The filters of `transferRegisterPage`; each given one must hold.
#[derive(Debug, Clone, Default)]
pub struct TransferFilter {
    pub regime: Option<Regime>,
    pub status: Option<VerdictStatus>,
    pub destination: Option<String>,
    pub mechanism: Option<TransferMechanism>,
    /// The exporter or the recipient of the flow.
    pub organisation_id: Option<i64>,
}

impl TransferFilter {
    fn keeps(&self, e: &Entry) -> bool {
        let a = &e.assessment;
        self.regime.is_none_or(|r| a.regime == r)
            && self.status.is_none_or(|s| a.verdict.status == s)
            && self
                .destination
                .as_deref()
                .is_none_or(|d| a.destination == d)
            && self.mechanism.is_none_or(|m| a.mechanism == m)
            && self
                .organisation_id
                .is_none_or(|o| e.exporter_id == o || e.recipient_id == o)
    }
}

/// Where a page of transfers ends: a flow and one of its destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferCursor {
    pub flow_id: i64,
    pub destination: String,
}

impl TransferCursor {
    pub fn of(a: &FlowAssessment) -> Self {
        Self {
            flow_id: a.flow_id.unwrap_or_default(),
            destination: a.destination.clone(),
        }
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("transfer:{}:{}", self.flow_id, self.destination))
    }

    pub fn decode(cursor: &str) -> AppResult<Self> {
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .and_then(|s| {
                let rest = s.strip_prefix("transfer:")?;
                let (id, destination) = rest.split_once(':')?;
                Some(Self {
                    flow_id: id.parse().ok()?,
                    destination: destination.to_string(),
                })
            })
            .ok_or_else(|| {
                AppError::bad_input("after", "after is not a cursor this service issued")
            })
    }
}

/// The register version: bumped by triggers on every write of the register's tables.
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

/// The one set of verdicts kept, and a lock so that one request computes a new set while the
/// others wait for it rather than all computing it at once.
#[derive(Default)]
pub struct VerdictCache {
    current: Mutex<Option<Arc<Assessed>>>,
    building: tokio::sync::Mutex<()>,
}

impl VerdictCache {
    /// The verdicts on `on` for the register as last committed: the kept set if its key still
    /// holds, else a new set (kept in place of the old one).
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        reference: &LegalReference,
        on: NaiveDate,
    ) -> AppResult<Arc<Assessed>> {
        let version = register_version(db).await?;
        if let Some(hit) = self.current_for(reference, on, version) {
            return Ok(hit);
        }
        let _building = self.building.lock().await;
        if let Some(hit) = self.current_for(reference, on, version) {
            return Ok(hit);
        }
        let assessed = Arc::new(Assessed::compute(db, reference, on).await?);
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(assessed.clone());
        Ok(assessed)
    }

    /// The kept set if it answers for `on` at `version` or later (a later version only holds
    /// writes committed since, so it is as true).
    fn current_for(
        &self,
        reference: &LegalReference,
        on: NaiveDate,
        version: i64,
    ) -> Option<Arc<Assessed>> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|a| {
                a.key.on == on
                    && a.key.register_version >= version
                    && a.key.reference_version == reference.version()
            })
            .cloned()
    }

    /// The key of the kept set, if any (for tests and diagnostics).
    pub fn key(&self) -> Option<VerdictKey> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|a| a.key.clone())
    }
}
