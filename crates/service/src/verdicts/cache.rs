//! The one set of verdicts an instance keeps, brought up to date by each read after a write
//! (only the flows the write can affect are assessed again, see [`super::kept`]), and recomputed
//! whole in the background when the date turns or the reference data change, the previous set
//! answering (marked incomplete) until the new one is done.

use super::{
    Assessed, VerdictKey,
    history::Since,
    kept::{Kept, Refreshed},
    sequenced_version,
};
use crate::{
    domain::reference::LegalReference,
    error::{AppError, AppResult},
};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use std::sync::{
    Arc, Mutex, PoisonError,
    atomic::{AtomicBool, AtomicU64, Ordering},
};

/// The verdicts of the whole register on `on`: today's from the cache (brought up to date, never
/// waiting for a whole recomputation once a set is kept), another date's computed. Computing
/// reads and assesses every flow: callers run this in the pool of whole-register work
/// ([`crate::limits::run_expensive`]).
pub async fn assessed(
    db: &DatabaseConnection,
    cache: &Arc<VerdictCache>,
    reference: &Arc<LegalReference>,
    on: NaiveDate,
) -> AppResult<Arc<Assessed>> {
    if on == chrono::Utc::now().date_naive() {
        if let Some(kept) = cache.peek(db, reference, on).await? {
            return Ok(kept);
        }
        cache.get(db, reference, on).await
    } else {
        Ok(Arc::new(Assessed::compute(db, reference, on).await?))
    }
}

/// Judges today's register (complete, as `get` does) and records the verdicts' history, with no
/// reader asking: a verdict the law changed overnight (a date passing, new reference data) is then
/// recorded, and reaches `dueItems` and the digest, on a day no one opens the register. `read`
/// judges, `db` (the writer) records. Returns how many changes were recorded.
pub async fn judge_and_record(
    db: &DatabaseConnection,
    read: &DatabaseConnection,
    cache: &Arc<VerdictCache>,
    reference: &Arc<LegalReference>,
    today: NaiveDate,
) -> AppResult<usize> {
    cache.get(read, reference, today).await?;
    cache.record_history(db).await
}

/// The set of verdicts kept: `current` is what readers share; `kept` the per-flow state it is
/// built from, locked while it is brought up to date so that one request does it while the
/// others wait for it rather than all doing it at once.
#[derive(Default)]
pub struct VerdictCache {
    current: Mutex<Option<Arc<Assessed>>>,
    kept: tokio::sync::Mutex<Option<Kept>>,
    rebuilding: AtomicBool,
    /// How many times the whole register was judged (for tests and diagnostics).
    whole: AtomicU64,
    /// What the shared set may differ in from the verdicts this instance last recorded.
    since: Mutex<Since>,
    /// The key of the set this instance last recorded.
    recorded: Mutex<Option<VerdictKey>>,
}

impl VerdictCache {
    /// The verdicts on `on` for the register as last committed, complete: the kept set brought up
    /// to date if it is of that date and reference data, else a new set (kept in place of the
    /// old one).
    pub async fn get(
        &self,
        db: &DatabaseConnection,
        reference: &LegalReference,
        on: NaiveDate,
    ) -> AppResult<Arc<Assessed>> {
        let version = sequenced_version(db).await?;
        if let Some(hit) = self.current_for(reference, on, version, false) {
            return Ok(hit);
        }
        let mut kept = self.kept.lock().await;
        if let Some(hit) = self.current_for(reference, on, version, false) {
            return Ok(hit);
        }
        match kept.as_mut() {
            Some(k) if k.key.on == on && k.key.reference_version == reference.version() => {
                self.count(Box::pin(k.refresh(db, reference)).await?);
            }
            _ => {
                *kept = Some(Box::pin(Kept::load(db, reference, on)).await?);
                self.count(Refreshed::Whole);
            }
        }
        let Some(k) = kept.as_ref() else {
            return Err(AppError::internal(anyhow::anyhow!("no verdicts kept")));
        };
        Ok(self.publish(k, true))
    }

    /// Today's verdicts without a whole recomputation: the kept set brought up to date by the
    /// writes since (only the flows they can affect are assessed again). When the kept set is of
    /// the day before or of other reference data, it answers marked incomplete while the new
    /// set is computed in the background. `None` when no set is kept that can answer.
    pub async fn peek(
        self: &Arc<Self>,
        db: &DatabaseConnection,
        reference: &Arc<LegalReference>,
        on: NaiveDate,
    ) -> AppResult<Option<Arc<Assessed>>> {
        let version = sequenced_version(db).await?;
        if let Some(hit) = self.current_for(reference, on, version, true) {
            return Ok(Some(hit));
        }
        let mut kept = self.kept.lock().await;
        if let Some(hit) = self.current_for(reference, on, version, true) {
            return Ok(Some(hit));
        }
        let Some(k) = kept.as_mut() else {
            return Ok(None);
        };
        let fresh = k.key.on == on && k.key.reference_version == reference.version();
        if !fresh {
            // Only the day before (or the same day under other reference data) stands in.
            if k.key.on > on || on.signed_duration_since(k.key.on).num_days() > 1 {
                return Ok(None);
            }
            self.rebuild_in_background(db.clone(), reference.clone(), on);
        }
        self.count(Box::pin(k.refresh(db, reference)).await?);
        Ok(Some(self.publish(k, fresh)))
    }

    /// Starts computing the whole set for `on`, unless that is already under way; when done, it
    /// is brought up to the writes committed meanwhile and replaces the kept set.
    fn rebuild_in_background(
        self: &Arc<Self>,
        db: DatabaseConnection,
        reference: Arc<LegalReference>,
        on: NaiveDate,
    ) {
        if self.rebuilding.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            let done = async {
                let mut fresh = Kept::load(&db, &reference, on).await?;
                this.count(Refreshed::Whole);
                let mut kept = this.kept.lock().await;
                this.count(fresh.refresh(&db, &reference).await?);
                this.publish(&fresh, true);
                *kept = Some(fresh);
                Ok::<_, AppError>(())
            }
            .await;
            this.rebuilding.store(false, Ordering::SeqCst);
            if let Err(e) = done {
                tracing::error!(error = %e, "recomputing the verdicts in the background failed");
            }
        });
    }

    /// Notes what a refresh assessed again: the flows the next recording compares.
    fn count(&self, refreshed: Refreshed) {
        let mut since = self.since.lock().unwrap_or_else(PoisonError::into_inner);
        match refreshed {
            Refreshed::Unchanged => {}
            Refreshed::Flows(flows) => since.flows.extend(flows),
            Refreshed::Whole => {
                self.whole.fetch_add(1, Ordering::Relaxed);
                since.from_version = None;
            }
        }
    }

    /// Records the changes of verdicts between the last recorded set and the shared one, if it
    /// is complete (see [`super::history`]); `db` is the writer. Returns how many were recorded.
    pub async fn record_history(&self, db: &DatabaseConnection) -> AppResult<usize> {
        // Under the kept set's lock, no refresh runs: the shared set and what it may differ in
        // are of one moment.
        let _kept = self.kept.lock().await;
        let current = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let Some(current) = current.filter(|c| c.complete) else {
            return Ok(0);
        };
        if !self.needs_recording() {
            return Ok(0);
        }
        let since = self
            .since
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let recorded = super::history::record(db, &current, &since).await?;
        *self.recorded.lock().unwrap_or_else(PoisonError::into_inner) = Some(current.key.clone());
        *self.since.lock().unwrap_or_else(PoisonError::into_inner) = Since {
            from_version: Some(current.key.register_version),
            flows: std::collections::BTreeSet::new(),
        };
        Ok(recorded)
    }

    /// Whether the shared set is complete and not yet recorded by this instance (one look at
    /// memory: readers ask it on every page).
    pub fn needs_recording(&self) -> bool {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        let recorded = self.recorded.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .is_some_and(|c| c.complete && recorded.as_ref() != Some(&c.key))
    }

    /// Shares `kept` with the readers.
    fn publish(&self, kept: &Kept, complete: bool) -> Arc<Assessed> {
        let assessed = Arc::new(kept.snapshot(complete));
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(assessed.clone());
        assessed
    }

    /// The shared set if it answers for `on` at `version` or later (a later version only holds
    /// writes committed since, so it is as true): complete for that date and reference data, or
    /// the previous one standing in while the new one is computed.
    fn current_for(
        &self,
        reference: &LegalReference,
        on: NaiveDate,
        version: i64,
        stand_in: bool,
    ) -> Option<Arc<Assessed>> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current
            .as_ref()
            .filter(|a| a.key.register_version >= version)
            .filter(|a| {
                let exact = a.key.on == on && a.key.reference_version == reference.version();
                exact || (stand_in && !a.complete && self.rebuilding.load(Ordering::SeqCst))
            })
            .cloned()
    }

    /// How many times this cache judged the whole register from scratch (a refresh that falls
    /// back to it is not counted).
    pub fn whole_recomputations(&self) -> u64 {
        self.whole.load(Ordering::Relaxed)
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
