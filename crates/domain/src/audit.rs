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

    /// The Ed25519 key pair that signs checkpoints, derived from the chain's key so that no
    /// other file has to be kept: its public half can be handed to an outside auditor, who can
    /// then check checkpoints without being able to make one.
    fn checkpoint_pair(&self) -> Option<ring::signature::Ed25519KeyPair> {
        let seed = hmac_sha256(&self.0, b"transfer-register audit checkpoint ed25519 v1");
        ring::signature::Ed25519KeyPair::from_seed_unchecked(&seed).ok()
    }

    /// The public key checkpoints are signed with (`ed25519:` and 64 hex digits), to publish.
    pub fn checkpoint_public_key(&self) -> Option<CheckpointPublicKey> {
        use ring::signature::KeyPair;
        let pair = self.checkpoint_pair()?;
        let bytes: [u8; 32] = pair.public_key().as_ref().try_into().ok()?;
        Some(CheckpointPublicKey(bytes))
    }
}

/// The public half of the key that signs checkpoints: enough to check one, not to make one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointPublicKey([u8; 32]);

/// How a public key is written: the algorithm, then the key in hex.
const PUBLIC_KEY_PREFIX: &str = "ed25519:";

impl std::fmt::Display for CheckpointPublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PUBLIC_KEY_PREFIX}{}", hex::encode(self.0))
    }
}

impl std::str::FromStr for CheckpointPublicKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let refusal = || {
            format!(
                "a checkpoint public key is `{PUBLIC_KEY_PREFIX}` and 64 hex digits, as `audit public-key` prints it"
            )
        };
        let digits = s
            .trim()
            .strip_prefix(PUBLIC_KEY_PREFIX)
            .ok_or_else(refusal)?;
        let bytes = hex::decode(digits).map_err(|_| refusal())?;
        Ok(Self(bytes.try_into().map_err(|_| refusal())?))
    }
}

/// What a checkpoint is checked with: the register's key (its HMAC), or the public key of its
/// Ed25519 signature, for someone who does not hold the register's secret.
#[derive(Clone, Copy, Debug)]
pub enum CheckpointVerifier<'a> {
    Key(&'a ChainKey),
    PublicKey(&'a CheckpointPublicKey),
}

impl<'a> From<&'a ChainKey> for CheckpointVerifier<'a> {
    fn from(key: &'a ChainKey) -> Self {
        Self::Key(key)
    }
}

impl<'a> From<&'a CheckpointPublicKey> for CheckpointVerifier<'a> {
    fn from(public: &'a CheckpointPublicKey) -> Self {
        Self::PublicKey(public)
    }
}

impl CheckpointVerifier<'_> {
    /// Whether `checkpoint` was signed by the register this verifier names.
    pub fn accepts(&self, checkpoint: &Checkpoint) -> bool {
        match self {
            Self::Key(key) => checkpoint.is_signed_by(key),
            Self::PublicKey(public) => checkpoint.is_signed_for(public),
        }
    }

    /// Whose signature it checks, for a refusal.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Key(_) => "this register's key",
            Self::PublicKey(_) => "the key of the public key given",
        }
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
    /// Hex Ed25519 signature of the same under the checkpoint key pair, checkable with its public
    /// key alone; absent from checkpoints written before there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl Checkpoint {
    pub fn sign(key: &ChainKey, event_id: i64, hash: &str, at: DateTime<Utc>) -> Self {
        let at = to_micros(at);
        let message = Self::signed(event_id, hash, at);
        Self {
            event_id,
            hash: hash.to_owned(),
            at,
            mac: key.mac(message.as_bytes()),
            signature: key
                .checkpoint_pair()
                .map(|pair| hex::encode(pair.sign(message.as_bytes()))),
        }
    }

    /// Whether the checkpoint carries a signature that `public` verifies.
    pub fn is_signed_for(&self, public: &CheckpointPublicKey) -> bool {
        let Some(signature) = self.signature.as_deref().and_then(|s| hex::decode(s).ok()) else {
            return false;
        };
        let message = Self::signed(self.event_id, &self.hash, self.at);
        ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public.0)
            .verify(message.as_bytes(), &signature)
            .is_ok()
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

    /// `cp` with each signed field changed and its signatures kept.
    fn altered(cp: &Checkpoint) -> [Checkpoint; 3] {
        [
            Checkpoint {
                event_id: cp.event_id - 1,
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
        ]
    }

    #[test]
    fn a_checkpoint_verifies_only_under_its_key_and_unchanged() {
        let key = ChainKey::derive(b"a secret of sixteen or more");
        let cp = Checkpoint::sign(&key, 7, &"ab".repeat(32), Utc::now());
        assert!(cp.is_signed_by(&key));
        assert!(!cp.is_signed_by(&ChainKey::derive(b"another secret of sixteen")));
        for forged in altered(&cp) {
            assert!(!forged.is_signed_by(&key), "{forged:?}");
        }
        let json = serde_json::to_string(&cp).expect("json");
        let back: Checkpoint = serde_json::from_str(&json).expect("parsed");
        assert!(
            back.is_signed_by(&key),
            "survives a round trip through its file form"
        );
    }

    #[test]
    fn a_checkpoint_verifies_under_its_public_key_alone_and_unchanged() {
        let key = ChainKey::derive(b"a secret of sixteen or more");
        let public = key.checkpoint_public_key().expect("a key pair");
        assert_eq!(
            Some(public),
            key.checkpoint_public_key(),
            "derived, not drawn"
        );
        let other = ChainKey::derive(b"another secret of sixteen")
            .checkpoint_public_key()
            .expect("a key pair");
        assert_ne!(public, other);
        let cp = Checkpoint::sign(&key, 7, &"ab".repeat(32), Utc::now());
        assert!(cp.is_signed_for(&public));
        assert!(!cp.is_signed_for(&other));
        let unsigned = Checkpoint {
            signature: None,
            ..cp.clone()
        };
        for forged in altered(&cp).into_iter().chain([unsigned]) {
            assert!(!forged.is_signed_for(&public), "{forged:?}");
        }
        let back: Checkpoint =
            serde_json::from_str(&serde_json::to_string(&cp).expect("json")).expect("parsed");
        assert!(back.is_signed_for(&public));
        // Written out and read back, as `audit public-key` prints it and the auditor types it.
        let written = public.to_string();
        assert!(
            written.starts_with("ed25519:") && written.len() == 8 + 64,
            "{written}"
        );
        assert_eq!(written.parse::<CheckpointPublicKey>(), Ok(public));
        assert!("ed25519:abcd".parse::<CheckpointPublicKey>().is_err());
        assert!(
            hex::encode([0u8; 32])
                .parse::<CheckpointPublicKey>()
                .is_err()
        );
    }

    #[test]
    fn a_checkpoint_written_before_signatures_is_still_read_and_checked_by_its_mac() {
        let key = ChainKey::derive(b"a secret of sixteen or more");
        let cp = Checkpoint::sign(&key, 7, &"ab".repeat(32), Utc::now());
        let mut old = serde_json::to_value(&cp).expect("json");
        old.as_object_mut().expect("object").remove("signature");
        let old: Checkpoint = serde_json::from_value(old).expect("read without a signature");
        assert!(old.is_signed_by(&key));
        assert!(!old.is_signed_for(&key.checkpoint_public_key().expect("pair")));
    }
}
