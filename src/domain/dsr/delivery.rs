//! What a holder receives and how it can trust it: the webhook body, its signature, and the
//! back-off between attempts.

use hmac::{Hmac, Mac, digest::KeyInit};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// The identifiers given at filing, as the contract names them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identifiers {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub account_number: Option<String>,
}

/// The webhook body (contract: taskId, requestId, kind, dueOn, dataCategories, identifiers),
/// plus the action asked of this holder and why, when its data is exempt from erasure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody {
    pub task_id: String,
    pub request_id: String,
    pub kind: String,
    pub due_on: String,
    pub data_categories: Vec<String>,
    pub identifiers: Identifiers,
    /// For an erasure: `ERASE` (nothing exempt), `RESTRICT` (everything exempt) or
    /// `ERASE_AND_RESTRICT` (see `eraseCategories` and `restrictCategories`); otherwise the kind.
    pub action: String,
    pub retention_exemption: Option<String>,
    /// For an erasure: the categories to erase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erase_categories: Option<Vec<String>>,
    /// For an erasure: the categories to keep, restricted (Art 18), each set with its legal reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restrict_categories: Option<Vec<RestrictedCategories>>,
}

/// Categories to keep under restriction, and why (Art 17(3)(b) or (e)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestrictedCategories {
    pub categories: Vec<String>,
    pub reason: String,
    /// Until when the data is kept (the end of the retention period), where a period is known.
    pub until: Option<String>,
}

/// The action asked of a holder of an erasure task, from what it must erase and restrict.
pub fn erasure_action(erase: &[String], restrict: usize) -> &'static str {
    match (erase.is_empty(), restrict == 0) {
        (_, true) => "ERASE",
        (true, false) => "RESTRICT",
        (false, false) => "ERASE_AND_RESTRICT",
    }
}

/// `sha256=<lower-case hex HMAC-SHA256 of body>` keyed with `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac_sha256(secret, body)))
}

/// HMAC-SHA256 with RFC 2104's key preparation done here, so that it cannot fail (the crate's
/// `new_from_slice` never refuses an HMAC key, but says so only through a `Result`).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block.into());
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed: exponential
/// (`base`, 2x `base`, 4x `base`, ... capped at `max`) with "equal jitter": half of it fixed, half
/// scaled by `random` in [0, 1), so that holders recovering from an outage are not hit in step.
pub fn backoff(attempt: u32, base: Duration, max: Duration, random: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(31);
    let full = base.saturating_mul(1u32 << exponent).min(max);
    let half = full / 2;
    half + half.mul_f64(random.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_the_rfc_4231_hmac_in_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(10);
        for attempt in 1..=12u32 {
            let full = (base * 2u32.pow(attempt - 1)).min(max);
            let low = backoff(attempt, base, max, 0.0);
            let high = backoff(attempt, base, max, 0.999_999);
            assert_eq!(low, full / 2, "attempt {attempt}");
            assert!(high <= full && high > low, "attempt {attempt}");
        }
        assert_eq!(backoff(1000, base, max, 1.0), max);
    }
}
