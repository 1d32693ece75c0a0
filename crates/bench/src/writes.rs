//! The audit sealer's lag while the write figures run: how many events wait unsealed and for
//! how long, sampled every 50 ms, and how long the tail takes to drain after the last write.

use sea_orm::DatabaseConnection;
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::task::JoinHandle;
use transfer_register::{AppState, service::sealing};

/// The sealer `serve` runs, for as long as the value lives.
pub struct Sealer(JoinHandle<()>);

impl Sealer {
    pub fn start(state: &AppState) -> Self {
        Self(tokio::spawn(sealing::run(
            state.db.clone(),
            state.audit_key.clone(),
            Duration::from_millis(state.config.audit_seal_ms),
        )))
    }
}

impl Drop for Sealer {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Samples the unsealed tail until stopped.
pub struct LagSampler {
    stop: Arc<AtomicBool>,
    task: JoinHandle<(u64, Duration)>,
}

impl LagSampler {
    pub fn start(db: DatabaseConnection) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let stop = stop.clone();
            async move {
                let (mut most, mut longest) = (0, Duration::ZERO);
                while !stop.load(Ordering::SeqCst) {
                    if let Ok(tail) = sealing::unsealed(&db).await {
                        most = most.max(tail.events);
                        longest = longest.max(tail.lag(chrono::Utc::now()));
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                (most, longest)
            }
        });
        Self { stop, task }
    }

    /// Stops sampling and waits (30 s at most) for the tail to drain: what it saw, in words.
    pub async fn stop(self, db: &DatabaseConnection) -> anyhow::Result<String> {
        self.stop.store(true, Ordering::SeqCst);
        let (most, longest) = self.task.await?;
        let t = Instant::now();
        let mut left = sealing::unsealed(db).await?.events;
        while left > 0 && t.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            left = sealing::unsealed(db).await?.events;
        }
        Ok(format!(
            "at most {most} events unsealed, the oldest {:.0?} old, while writing; {} {:.0?} after the last write",
            longest,
            if left == 0 {
                "all sealed"
            } else {
                "still unsealed"
            },
            t.elapsed()
        ))
    }
}
