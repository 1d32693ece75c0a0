//! What a holder receives and how it can trust it: the webhook body, its signature, and the
//! back-off between attempts.

pub use crate::mac::hmac_sha256;
use serde::{Deserialize, Serialize};
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

/// The header carrying the delivery's time, in unix seconds.
pub const TIMESTAMP_HEADER: &str = "X-Register-Timestamp";
/// The header carrying the timestamped signature, `t=<unix seconds>,v1=<hex>`.
pub const SIGNATURE_V2_HEADER: &str = "X-Register-Signature-V2";
/// How far a receiver should let a delivery's time be from its own clock (five minutes, as
/// Stripe advises): older deliveries are replays.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// `t=<timestamp>,v1=<lower-case hex HMAC-SHA256 of "<timestamp>.<body>">` keyed with `secret`:
/// the signature covers the time, so a captured delivery cannot be replayed later.
pub fn timestamped_signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(hmac_sha256(secret, &signed_payload(timestamp, body)))
    )
}

fn signed_payload(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut payload = format!("{timestamp}.").into_bytes();
    payload.extend_from_slice(body);
    payload
}

/// What a receiver does with `X-Register-Signature-V2`: true only if its `t` is within
/// `tolerance_secs` of `now` (unix seconds) and one of its `v1` values is the HMAC of
/// `"<t>.<body>"`, compared in constant time.
pub fn verify_timestamped(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_secs: i64,
) -> bool {
    use subtle::ConstantTimeEq;
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    if now.abs_diff(timestamp) > tolerance_secs.unsigned_abs() {
        return false;
    }
    let expected = hmac_sha256(secret, &signed_payload(timestamp, body));
    candidates
        .iter()
        .any(|c| bool::from(c.as_slice().ct_eq(expected.as_slice())))
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
    fn the_timestamped_signature_matches_a_value_computed_outside_this_code() {
        // python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_1',
        //   b'1700000000.' + b'{\"taskId\":\"1\"}', hashlib.sha256).hexdigest())"
        let expected =
            "t=1700000000,v1=002dfda77c1d409913c00c121c454ef1d360c4db2755b6164b82e88b31660427";
        let body = br#"{"taskId":"1"}"#;
        assert_eq!(
            timestamped_signature(b"whsec_1", 1_700_000_000, body),
            expected
        );
        assert!(verify_timestamped(
            b"whsec_1",
            expected,
            body,
            1_700_000_000,
            DEFAULT_TOLERANCE_SECS
        ));
    }

    #[test]
    fn a_timestamped_signature_is_refused_when_stale_tampered_or_under_another_key() {
        let body = br#"{"taskId":"1"}"#;
        let header = timestamped_signature(b"whsec_1", 1_700_000_000, body);
        assert!(header.starts_with("t=1700000000,v1="));
        let verify = |secret: &[u8], body: &[u8], now| {
            verify_timestamped(secret, &header, body, now, DEFAULT_TOLERANCE_SECS)
        };
        assert!(verify(b"whsec_1", body, 1_700_000_000));
        assert!(verify(b"whsec_1", body, 1_700_000_300));
        assert!(!verify(b"whsec_1", body, 1_700_000_301), "stale: a replay");
        assert!(!verify(b"whsec_1", body, 1_699_999_000), "from the future");
        assert!(!verify(b"whsec_1", br#"{"taskId":"2"}"#, 1_700_000_000));
        assert!(!verify(b"whsec_2", body, 1_700_000_000));
        let moved = header.replace("t=1700000000", "t=1700000500");
        assert!(
            !verify_timestamped(b"whsec_1", &moved, body, 1_700_000_500, 300),
            "the time is signed"
        );
        assert!(!verify_timestamped(b"whsec_1", "v1=00", body, 0, 300));
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
