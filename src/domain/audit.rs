//! The audit chain's hash: each event's hash covers its content and the previous event's hash,
//! so altering, deleting or reordering an event breaks every hash after it.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// The hash before the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of an event that its hash covers.
#[derive(Debug, Clone, Copy)]
pub struct EventContent<'a> {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: &'a str,
    pub actor_role: &'a str,
    pub operation: &'a str,
    pub entity: &'a str,
    pub record_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 (hex) of the previous hash and the event's fields, JSON-encoded so no two different
/// events can encode alike. Timestamps are at microsecond precision, as both databases keep them.
pub fn event_hash(prev_hash: &str, e: &EventContent<'_>) -> String {
    let canonical = serde_json::json!([
        prev_hash,
        e.id,
        e.occurred_at.to_rfc3339_opts(SecondsFormat::Micros, true),
        e.actor,
        e.actor_role,
        e.operation,
        e.entity,
        e.record_id,
        e.before,
        e.after,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// A timestamp as the databases will keep it (microseconds), so the hash survives a round trip.
pub fn to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(after: Option<&str>) -> EventContent<'_> {
        EventContent {
            id: 1,
            occurred_at: to_micros(Utc::now()),
            actor: "dpo",
            actor_role: "DPO",
            operation: "registerOrganisation",
            entity: "organisation",
            record_id: "1",
            before: None,
            after,
        }
    }

    #[test]
    fn any_change_to_an_event_or_its_predecessor_changes_its_hash() {
        let e = event(Some("{\"name\":\"Acme\"}"));
        let h = event_hash(GENESIS, &e);
        assert_eq!(h.len(), 64);
        assert_eq!(h, event_hash(GENESIS, &e), "deterministic");
        assert_ne!(h, event_hash(&"1".repeat(64), &e));
        assert_ne!(h, event_hash(GENESIS, &event(Some("{\"name\":\"Acne\"}"))));
        assert_ne!(h, event_hash(GENESIS, &EventContent { id: 2, ..e }));
        assert_ne!(
            h,
            event_hash(
                GENESIS,
                &EventContent {
                    before: Some(""),
                    ..e
                }
            ),
            "null and empty differ"
        );
    }
}
