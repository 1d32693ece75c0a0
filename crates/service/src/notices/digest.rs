//! Sending the digest of what is due: one e-mail to `REGISTER_NOTIFY_EMAIL` and one signed POST
//! to `REGISTER_NOTIFY_WEBHOOK` per run, each carrying the items claimed for that channel.

use super::{Notifier, Sent};
use crate::{
    error::AppResult,
    requests::{mail, outbox},
    reviews::digest::{self, digest_text},
    signed_post::{self, SignedPost},
};
use chrono::Utc;
use entity::due_notice;
use sea_orm::TransactionTrait;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

/// The digest's e-mail channel in `due_notice` (one notice per item, channel and due date).
pub const DIGEST_CHANNEL: &str = "EMAIL";
/// The digest's webhook channel in `due_notice`.
pub const WEBHOOK_CHANNEL: &str = "WEBHOOK";

/// The body POSTed to `REGISTER_NOTIFY_WEBHOOK`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DigestBody<'a> {
    kind: &'static str,
    items: Vec<DigestItem<'a>>,
}

/// One item: `key` names it (kind, organisation, flow, due date) and is the same in every
/// retry, for the receiver to de-duplicate by.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DigestItem<'a> {
    key: &'a str,
    kind: &'a str,
    due_on: String,
    message: &'a str,
}

pub(super) async fn send(notifier: &Notifier, sent: &mut Sent) -> AppResult<()> {
    let timing = notifier.timing();
    for channel in [DIGEST_CHANNEL, WEBHOOK_CHANNEL] {
        let now = Utc::now();
        let claimed = digest::lease(&notifier.db, channel, now, now + timing.lease).await?;
        if claimed.is_empty() {
            continue;
        }
        let outcome = if channel == WEBHOOK_CHANNEL {
            post(notifier, &claimed).await
        } else {
            match mail(notifier, &claimed).await? {
                // Kept in the outbox and marked sent in one transaction: done.
                Mailed::Kept => {
                    sent.kept += 1;
                    continue;
                }
                Mailed::Sent(outcome) => outcome,
            }
        };
        match outcome {
            Ok(_) => {
                digest::mark_sent(&notifier.db, &claimed).await?;
                if channel == WEBHOOK_CHANNEL {
                    sent.posted += 1;
                } else {
                    sent.mailed += 1;
                }
            }
            Err(error) => {
                tracing::warn!(channel, items = claimed.len(), %error, "the digest was not sent");
                digest::retry_later(&notifier.db, &claimed, &timing, &error).await?;
                sent.failed += 1;
            }
        }
    }
    Ok(())
}

enum Mailed {
    Kept,
    Sent(Result<String, String>),
}

async fn mail(notifier: &Notifier, claimed: &[due_notice::Model]) -> AppResult<Mailed> {
    let Some(to) = notifier.config.notify_email.as_deref() else {
        return Ok(Mailed::Sent(Err(
            "REGISTER_NOTIFY_EMAIL is no longer set".to_owned()
        )));
    };
    let message = mail::Composed {
        to: to.to_owned(),
        subject: format!(
            "Transfer register: {} item(s) need attention",
            claimed.len()
        ),
        body: digest_text(claimed),
    };
    if notifier.config.smtp_url.is_some() {
        return Ok(Mailed::Sent(
            mail::send(&notifier.config, notifier.timeout(), &message).await,
        ));
    }
    let txn = notifier.db.begin().await?;
    // Only while every claim stands: a run whose lease ran out leaves them to the newer one.
    if digest::mark_sent(&txn, claimed).await? == claimed.len() {
        outbox::put(&txn, None, &message).await?;
        txn.commit().await?;
    }
    Ok(Mailed::Kept)
}

async fn post(notifier: &Notifier, claimed: &[due_notice::Model]) -> Result<String, String> {
    let url = notifier
        .config
        .notify_webhook
        .as_deref()
        .ok_or("REGISTER_NOTIFY_WEBHOOK is no longer set")?;
    let secret = notifier
        .config
        .notify_webhook_secret
        .as_deref()
        .ok_or("REGISTER_NOTIFY_WEBHOOK_SECRET is not set: the digest cannot be signed")?;
    let body = DigestBody {
        kind: "DUE_ITEMS",
        items: claimed
            .iter()
            .map(|n| DigestItem {
                key: &n.key,
                kind: &n.kind,
                due_on: n.due_on.format("%Y-%m-%d").to_string(),
                message: &n.message,
            })
            .collect(),
    };
    let raw = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    // The same items give the same key, so a retry of the same digest is recognised.
    let mut hash = Sha256::new();
    for n in claimed {
        hash.update(n.key.as_bytes());
        hash.update(b"\n");
    }
    let key = format!("digest:{}", &hex::encode(hash.finalize())[..32]);
    signed_post::post(
        &notifier.clients,
        &notifier.webhooks,
        notifier.timeout(),
        SignedPost {
            url,
            secret: secret.as_bytes(),
            idempotency_key: &key,
            headers: &[],
            body: raw,
        },
    )
    .await
}
