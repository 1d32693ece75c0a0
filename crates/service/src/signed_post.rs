//! The signed webhook POST every delivery of the register uses: erasure and other data-subject
//! tasks, objections to sub-processor changes, notices to the subscribers of the published list
//! and the digest of what is due. The URL is checked again before each POST and the connection
//! pinned to the addresses checked (DNS rebinding gets nowhere), no redirect is followed, and the
//! body is signed with the receiver's secret: `X-Register-Signature` (HMAC-SHA256 of the body),
//! `X-Register-Timestamp` and `X-Register-Signature-V2` (HMAC of `<t>.<body>`), with an
//! `Idempotency-Key` the receiver de-duplicates by.

use crate::{
    domain::dsr::delivery::{
        SIGNATURE_V2_HEADER, TIMESTAMP_HEADER, signature, timestamped_signature,
    },
    webhook_url::{self, CheckedUrl, WebhookPolicy},
};
use chrono::Utc;
use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

/// HTTP clients kept for reuse; past this many the sender starts afresh.
const CLIENTS_KEPT: usize = 256;

/// HTTP clients by the host and the checked addresses they connect to. A client, with its
/// kept-alive connections, is reused only for exactly those addresses: a host that resolves
/// elsewhere at its next check gets a new client, so DNS rebinding still gets nowhere.
#[derive(Clone, Default)]
pub struct Clients(Arc<Mutex<HashMap<ClientKey, reqwest::Client>>>);

/// A receiver's host and its checked addresses, sorted.
type ClientKey = (String, Vec<SocketAddr>);

impl Clients {
    fn get(&self, checked: &CheckedUrl, timeout: Duration) -> Result<reqwest::Client, String> {
        let mut addresses = checked.addresses.clone();
        addresses.sort_unstable();
        let key = (checked.host.clone(), addresses);
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = kept.get(&key) {
            return Ok(client.clone());
        }
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .resolve_to_addrs(&checked.host, &checked.addresses)
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        if kept.len() >= CLIENTS_KEPT {
            kept.clear();
        }
        kept.insert(key, client.clone());
        Ok(client)
    }
}

/// One signed POST to make.
pub struct SignedPost<'a> {
    /// The receiver's URL as stored (checked again here).
    pub url: &'a str,
    /// The receiver's secret.
    pub secret: &'a [u8],
    /// What the receiver de-duplicates by (the same on every retry).
    pub idempotency_key: &'a str,
    /// Extra headers (a reminder's kind, for example).
    pub headers: &'a [(&'a str, &'a str)],
    /// The JSON body.
    pub body: Vec<u8>,
}

/// POSTs `post` under `policy` within `timeout`: `Ok` with the status line when the receiver
/// answered 2xx, else `Err` with why (for the row's `last_error` and a retry).
pub async fn post(
    clients: &Clients,
    policy: &WebhookPolicy,
    timeout: Duration,
    post: SignedPost<'_>,
) -> Result<String, String> {
    let checked = webhook_url::resolve_for_delivery(post.url, policy)
        .await
        .map_err(|e| e.to_string())?;
    let client = clients.get(&checked, timeout)?;
    let now = Utc::now().timestamp();
    let mut request = client.post(&checked.url);
    for (name, value) in post.headers {
        request = request.header(*name, *value);
    }
    let response = request
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", post.idempotency_key)
        .header("X-Register-Signature", signature(post.secret, &post.body))
        .header(TIMESTAMP_HEADER, now.to_string())
        .header(
            SIGNATURE_V2_HEADER,
            timestamped_signature(post.secret, now, &post.body),
        )
        .body(post.body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} ms", timeout.as_millis())
            } else {
                format!("request failed: {e}")
            }
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(format!("HTTP {}", status.as_u16()))
    } else {
        Err(format!("HTTP {}", status.as_u16()))
    }
}
