//! What `serve` (and `worker`) run beside the requests, on a schedule.

use crate::service::{Register, sealing};
use std::future::Future;

/// Judges today's register every hour and records the verdicts' history, so that a verdict the
/// law changed (a date passing, new reference data) reaches `dueItems` and the digest even on a
/// day no one reads the register; then deletes the change rows no reader can need.
pub(crate) fn judge_hourly(state: &Register) -> impl Future<Output = ()> + use<> {
    let (db, read) = (state.db.clone(), state.read_db.clone());
    let (cache, reference) = (state.verdicts.clone(), state.reference.clone());
    async move {
        let mut every = tokio::time::interval(std::time::Duration::from_hours(1));
        loop {
            every.tick().await;
            let today = chrono::Utc::now().date_naive();
            let judged =
                crate::service::verdicts::judge_and_record(&db, &read, &cache, &reference, today);
            if let Err(err) = judged.await {
                tracing::error!(error = ?err, "judging today's register for its history failed");
            }
            if let Err(err) = crate::service::verdicts::prune::prune_changes(&db).await {
                tracing::error!(error = ?err, "pruning the register's change rows failed");
            }
        }
    }
}

/// The audit sealer (`service::sealing`): a pass every `REGISTER_AUDIT_SEAL_MS`.
pub(crate) fn sealer(state: &Register) -> impl Future<Output = ()> + use<> {
    sealing::run(
        state.db.clone(),
        state.audit_key.clone(),
        std::time::Duration::from_millis(state.config.audit_seal_ms),
    )
}
