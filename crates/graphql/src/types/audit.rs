//! `AuditEvent`: one link of the tamper-evident audit trail.

use crate::scalars::Timestamp;
use async_graphql::{ID, Object};
use entity::audit_event;

/// Who did what to which record, when, with the record before and after (JSON).
pub struct AuditEvent(pub audit_event::Model);

/// One change to the register: who did what to which record, when, with the record before and
/// after. Append-only, and chained by hash so that a changed or removed event is detected.
#[Object]
impl AuditEvent {
    /// The event's id: its place in the chain.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// When the change was made.
    async fn occurred_at(&self) -> Timestamp {
        Timestamp(self.0.occurred_at)
    }
    /// The token's name (or `command-line`).
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The role of the token that made the change (`ADMIN`, `DPO`, ...), or `OPERATOR` on the command
    /// line.
    async fn actor_role(&self) -> &str {
        &self.0.actor_role
    }
    /// The mutation (or command) that made the change.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    /// The record's table, e.g. `organisation`.
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The changed record's id.
    async fn record_id(&self) -> &str {
        &self.0.record_id
    }
    /// The record before the change, as JSON; null for a creation.
    async fn before(&self) -> Option<&str> {
        self.0.before.as_deref()
    }
    /// The record after the change, as JSON; null for a deletion.
    async fn after(&self) -> Option<&str> {
        self.0.after.as_deref()
    }
    /// SHA-256 of this event and the previous event's hash.
    async fn hash(&self) -> &str {
        &self.0.hash
    }
    /// The previous event's `hash`: the link that makes the chain tamper-evident.
    async fn prev_hash(&self) -> &str {
        &self.0.prev_hash
    }
}
