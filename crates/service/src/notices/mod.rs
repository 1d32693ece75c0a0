//! Sending the register's own notices, which belong to no data-subject task: the objections to
//! sub-processor changes and the notices to the subscribers of the published list (written once
//! each in `subprocessor_notice`, see [`subprocessor`]), and the digest of what is due to
//! `REGISTER_NOTIFY_EMAIL` and `REGISTER_NOTIFY_WEBHOOK` (written once per item, channel and due
//! date in `due_notice`, see [`digest`]).
//!
//! Every notice is delivered as data-subject tasks are: a run claims it under a lease (one
//! statement, so two instances never hold the same notice), sends it, and marks it sent only
//! while its claim stands; a failure keeps the error and sets the next attempt by the back-off
//! (`REGISTER_DELIVERY_BACKOFF_MS` doubling up to `REGISTER_DELIVERY_BACKOFF_MAX_MS`, then at that
//! interval until the receiver takes it: a notice is never given up). A run that dies lets its
//! notices go when the lease runs out. A webhook gets the signed POST of erasure deliveries
//! ([`crate::signed_post`]), with the notice's key as `Idempotency-Key`; an e-mail goes to the
//! SMTP server, or without one to the outbox for a person to send (putting it there and marking
//! it sent is one transaction, so it lands once); a notice with no address (MANUAL) goes to the
//! outbox saying so. Delivery is at least once: a receiver that took a POST whose answer was
//! lost gets it again with the same `Idempotency-Key`.

mod digest;
mod subprocessor;

use crate::{
    config::Config, domain::dsr::seal::Sealer, error::AppResult, reviews::digest::Timing,
    signed_post::Clients, webhook_url::WebhookPolicy,
};
use chrono::{NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use std::{sync::Arc, time::Duration};

pub use digest::{DIGEST_CHANNEL, WEBHOOK_CHANNEL};

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// Notices handed to the SMTP server.
    pub mailed: usize,
    /// Notices kept in the outbox.
    pub kept: usize,
    /// Notices a webhook took (a digest counts once per POST).
    pub posted: usize,
    /// Attempts that failed (retried later).
    pub failed: usize,
    /// Notices dropped unsent because their subscriber was removed meanwhile.
    pub withdrawn: usize,
}

/// What an e-mail without a recipient on record is addressed to in the outbox.
pub const NO_ADDRESS: &str = "no address on record: send it by hand";

/// How often the running server looks for notices to send.
const EVERY: Duration = Duration::from_mins(1);
/// How often it writes the day's digest items (each once per due date whatever the rhythm).
const DIGEST_EVERY: Duration = Duration::from_mins(15);

/// The sender of the register's notices.
#[derive(Clone)]
pub struct Notifier {
    db: DatabaseConnection,
    config: Arc<Config>,
    sealer: Sealer,
    webhooks: WebhookPolicy,
    clients: Clients,
}

impl Notifier {
    pub fn new(db: DatabaseConnection, config: Arc<Config>, sealer: Sealer) -> Self {
        Self {
            webhooks: WebhookPolicy::of(&config),
            db,
            config,
            sealer,
            clients: Clients::default(),
        }
    }

    /// The same sender checking webhook addresses under `policy` (tests: loopback receivers).
    pub fn with_webhook_policy(mut self, policy: WebhookPolicy) -> Self {
        self.webhooks = policy;
        self
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(Ord::max(self.config.delivery_timeout_ms, 1))
    }

    /// The lease and back-off of notices: those of the delivery worker.
    pub fn timing(&self) -> Timing {
        Timing::of_delivery(&self.config)
    }

    /// Writes the digest items due on `today`, then sends every notice pending.
    pub async fn send_pending(&self, today: NaiveDate) -> AppResult<Sent> {
        self.write_digest(today).await?;
        self.send_due().await
    }

    /// Writes a digest notice for each item due on `today` on each configured channel (once per
    /// item, channel and due date).
    pub async fn write_digest(&self, today: NaiveDate) -> AppResult<usize> {
        let channels = self.digest_channels();
        if channels.is_empty() {
            return Ok(0);
        }
        crate::reviews::digest::claim(&self.db, today, &channels).await
    }

    /// Sends what is pending and due now (not leased, not waiting for a retry).
    pub async fn send_due(&self) -> AppResult<Sent> {
        let mut sent = Sent::default();
        subprocessor::send(self, &mut sent).await?;
        digest::send(self, &mut sent).await?;
        Ok(sent)
    }

    fn digest_channels(&self) -> Vec<&'static str> {
        let mut channels = Vec::new();
        if self.config.notify_email.is_some() {
            channels.push(DIGEST_CHANNEL);
        }
        if self.config.notify_webhook.is_some() {
            channels.push(WEBHOOK_CHANNEL);
        }
        channels
    }

    /// Sends what is pending every minute and writes the digest every quarter hour, until the
    /// task is stopped.
    pub async fn run(self) {
        let mut written: Option<tokio::time::Instant> = None;
        loop {
            if written.is_none_or(|at| at.elapsed() >= DIGEST_EVERY) {
                written = Some(tokio::time::Instant::now());
                if let Err(err) = self.write_digest(Utc::now().date_naive()).await {
                    tracing::error!(error = ?err, "writing the digest of what is due failed");
                }
            }
            if let Err(err) = self.send_due().await {
                tracing::error!(error = ?err, "sending the register's notices failed");
            }
            tokio::time::sleep(EVERY).await;
        }
    }
}
