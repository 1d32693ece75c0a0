//! The audit chain's hash: each event's hash covers its content and the previous event's hash,
//! so altering, deleting or reordering an event breaks every hash after it.
//!
//! The hash is keyed (HMAC-SHA256 under a key derived from the register's secret, which is kept
//! outside the database): whoever can write the database but does not hold the secret cannot
//! recompute the chain after rewriting it. Registers written before the chain was keyed keep
//! their earlier events under plain SHA-256; the first keyed event covers the last of them, so
//! the whole history is still bound to the key.

use super::mac::hmac_sha256;
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

/// The key of the audit chain, derived from the register's secret; never shown.
#[derive(Clone)]
pub struct ChainKey([u8; 32]);

impl ChainKey {
    /// A key of its own for the chain, so that no other use of the secret (subject hashes,
    /// sealing, webhook signing) yields a value that could pass for a chain hash.
    pub fn derive(secret: &[u8]) -> Self {
        Self(hmac_sha256(secret, b"transfer-register audit chain v1"))
    }

    /// HMAC-SHA256 (hex) of `message` under the chain's key.
    pub fn mac(&self, message: &[u8]) -> String {
        hex::encode(hmac_sha256(&self.0, message))
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(..)")
    }
}

impl<'a> From<&'a entity::audit_event::Model> for EventContent<'a> {
    /// The fields of a stored event that its hash covers.
    fn from(e: &'a entity::audit_event::Model) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at,
            actor: &e.actor,
            actor_role: &e.actor_role,
            operation: &e.operation,
            entity: &e.entity,
            record_id: &e.record_id,
            before: e.before.as_deref(),
            after: e.after.as_deref(),
        }
    }
}

/// The keyed hash (hex HMAC-SHA256) of the previous hash and the event's fields: what every
/// event written since the chain was keyed carries.
pub fn keyed_event_hash(key: &ChainKey, prev_hash: &str, e: &EventContent<'_>) -> String {
    key.mac(canonical(prev_hash, e).as_bytes())
}

/// SHA-256 (hex) of the previous hash and the event's fields: the unkeyed hash of the events a
/// register wrote before its chain was keyed.
pub fn event_hash(prev_hash: &str, e: &EventContent<'_>) -> String {
    hex::encode(Sha256::digest(canonical(prev_hash, e).as_bytes()))
}

/// The previous hash and the event's fields, JSON-encoded so no two different events can encode
/// alike. Timestamps are at microsecond precision, as both databases keep them.
fn canonical(prev_hash: &str, e: &EventContent<'_>) -> String {
    serde_json::json!([
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
    ])
    .to_string()
}

/// A signed statement of the chain's head at a moment, published outside the database (a file,
/// the log): a chain later truncated below `event_id`, or rewritten up to it, no longer holds
/// `hash` at `event_id`, and a checkpoint cannot be forged without the key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub event_id: i64,
    pub hash: String,
    pub at: DateTime<Utc>,
    /// Hex HMAC-SHA256 of the three fields above under the chain's key.
    pub mac: String,
}

impl Checkpoint {
    pub fn sign(key: &ChainKey, event_id: i64, hash: &str, at: DateTime<Utc>) -> Self {
        let at = to_micros(at);
        Self {
            event_id,
            hash: hash.to_owned(),
            at,
            mac: key.mac(Self::signed(event_id, hash, at).as_bytes()),
        }
    }

    /// Whether the checkpoint was signed with `key` (compared in constant time).
    pub fn is_signed_by(&self, key: &ChainKey) -> bool {
        use subtle::ConstantTimeEq;
        let expected = key.mac(Self::signed(self.event_id, &self.hash, self.at).as_bytes());
        bool::from(expected.as_bytes().ct_eq(self.mac.as_bytes()))
    }

    fn signed(event_id: i64, hash: &str, at: DateTime<Utc>) -> String {
        serde_json::json!([
            "checkpoint",
            event_id,
            hash,
            at.to_rfc3339_opts(SecondsFormat::Micros, true)
        ])
        .to_string()
    }
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

    #[test]
    fn the_keyed_hash_depends_on_the_key_and_differs_from_the_plain_one() {
        let e = event(Some("{}"));
        let key = ChainKey::derive(b"a secret of sixteen or more");
        let h = keyed_event_hash(&key, GENESIS, &e);
        assert_eq!(h.len(), 64);
        assert_eq!(h, keyed_event_hash(&key, GENESIS, &e), "deterministic");
        assert_ne!(h, event_hash(GENESIS, &e));
        let other = ChainKey::derive(b"another secret of sixteen");
        assert_ne!(h, keyed_event_hash(&other, GENESIS, &e));
        assert_ne!(h, keyed_event_hash(&key, &"1".repeat(64), &e));
    }

    #[test]
    fn a_checkpoint_verifies_only_under_its_key_and_unchanged() {
        let key = ChainKey::derive(b"a secret of sixteen or more");
        let cp = Checkpoint::sign(&key, 7, &"ab".repeat(32), Utc::now());
        assert!(cp.is_signed_by(&key));
        assert!(!cp.is_signed_by(&ChainKey::derive(b"another secret of sixteen")));
        for forged in [
            Checkpoint {
                event_id: 6,
                ..cp.clone()
            },
            Checkpoint {
                hash: "cd".repeat(32),
                ..cp.clone()
            },
            Checkpoint {
                at: cp.at + chrono::Duration::seconds(1),
                ..cp.clone()
            },
        ] {
            assert!(!forged.is_signed_by(&key), "{forged:?}");
        }
        let json = serde_json::to_string(&cp).expect("json");
        let back: Checkpoint = serde_json::from_str(&json).expect("parsed");
        assert!(
            back.is_signed_by(&key),
            "survives a round trip through its file form"
        );
    }
}
