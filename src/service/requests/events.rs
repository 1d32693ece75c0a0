//! The change feed behind `dataSubjectRequestUpdated`: the id of each request that changed,
//! published after the change commits.
//!
//! In-process only (a `tokio::sync::broadcast`): one instance sees its own changes and those of
//! its in-process worker. Several instances, or a separate `worker` process, would need the
//! database to carry the signal (PostgreSQL `LISTEN`/`NOTIFY` on commit).

use tokio::sync::broadcast;

#[derive(Clone, Debug)]
pub struct DsrEvents(broadcast::Sender<i64>);

impl Default for DsrEvents {
    fn default() -> Self {
        Self(broadcast::channel(1024).0)
    }
}

impl DsrEvents {
    /// No subscriber is not an error: nobody is watching.
    pub fn publish(&self, request_id: i64) {
        let _ = self.0.send(request_id);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<i64> {
        self.0.subscribe()
    }
}
