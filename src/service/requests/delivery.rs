//! The delivery worker: a transactional outbox driven by task rows.
//!
//! A due `PENDING` webhook or e-mail task is claimed by one statement that counts the attempt
//! and leases the row (`next_attempt_at` moves past the attempt's timeout); on PostgreSQL the
//! claim skips rows another worker holds (`FOR UPDATE SKIP LOCKED`), so instances never run the
//! same attempt at once. The outcome is written only if the row is still the one claimed. A crash
//! at any moment leaves the row `PENDING` with its lease running out, after which any worker
//! retries it: delivery is at least once, always with the task id as idempotency key.

use super::{DsrKeys, mail, open_identifiers, read, record_event, refresh, secrets};
use crate::{
    config::Config,
    domain::{
        dsr::delivery::{
            RestrictedCategories, SIGNATURE_V2_HEADER, TIMESTAMP_HEADER, WebhookBody, backoff,
            erasure_action, signature, timestamped_signature,
        },
        vocab::{DeliveryChannel, DsrKind, TaskStatus},
    },
    error::{AppError, AppResult},
    service::{organisations, webhook_url},
};
use chrono::Utc;
use entity::{dsr_request, dsr_task, organisation};
use sea_orm::{
    ActiveValue::Set,
    QuerySelect, TransactionTrait,
    prelude::*,
    sea_query::{Expr, ExprTrait as _, LockBehavior, LockType, Order, Query},
};
use std::{sync::Arc, time::Duration};

/// Tasks one worker claims per round.
const BATCH: u64 = 16;
/// The actor named in the proof for the worker's transitions.
pub const WORKER: &str = "delivery-worker";

#[derive(Clone)]
pub struct Worker {
    db: DatabaseConnection,
    config: Arc<Config>,
    keys: DsrKeys,
}

impl Worker {
    pub fn new(db: DatabaseConnection, config: Arc<Config>, keys: DsrKeys) -> Self {
        Self { db, config, keys }
    }

    /// Delivers until the task running it is dropped or aborted; errors are logged and retried.
    pub async fn run(self) {
        let poll = Duration::from_millis(Ord::max(self.config.worker_poll_ms, 1));
        loop {
            match self.tick().await {
                Ok(0) => tokio::time::sleep(poll).await,
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = ?err, "delivery round failed");
                    tokio::time::sleep(poll).await;
                }
            }
        }
    }

    /// One round: claims due tasks and attempts each (concurrently); the number claimed.
    pub async fn tick(&self) -> AppResult<usize> {
        let claimed = self.claim().await?;
        let n = claimed.len();
        futures_util::future::join_all(claimed.into_iter().map(|t| self.attempt(t))).await;
        Ok(n)
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(Ord::max(self.config.delivery_timeout_ms, 1))
    }

    /// Counts an attempt on each due task and leases it past the attempt's timeout.
    async fn claim(&self) -> AppResult<Vec<dsr_task::Model>> {
        let now = Utc::now();
        let lease = now + self.timeout() * 2 + Duration::from_secs(1);
        let due = Query::select()
            .column(dsr_task::Column::Id)
            .from(dsr_task::Entity)
            .and_where(dsr_task::Column::Status.eq(TaskStatus::Pending.as_str()))
            .and_where(dsr_task::Column::Channel.is_in([
                DeliveryChannel::Webhook.as_str(),
                DeliveryChannel::Email.as_str(),
            ]))
            .and_where(dsr_task::Column::NextAttemptAt.lte(now))
            .order_by(dsr_task::Column::NextAttemptAt, Order::Asc)
            .limit(BATCH)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        Ok(dsr_task::Entity::update_many()
            .col_expr(
                dsr_task::Column::Attempts,
                Expr::col(dsr_task::Column::Attempts).add(1),
            )
            .col_expr(dsr_task::Column::NextAttemptAt, Expr::value(lease))
            .col_expr(dsr_task::Column::UpdatedAt, Expr::value(now))
            .filter(dsr_task::Column::Id.in_subquery(due))
            .exec_with_returning(&self.db)
            .await?)
    }

    async fn attempt(&self, task: dsr_task::Model) {
        let outcome = self.deliver(&task).await;
        // Without an SMTP server no retry can succeed: the task fails at once, so a person
        // sees it and sends the request by hand, instead of finding out an hour later.
        let final_attempt =
            task.channel == DeliveryChannel::Email && self.config.smtp_url.is_none();
        if let Err(err) = self.record(&task, outcome, final_attempt).await {
            tracing::error!(task = task.id, error = ?err, "recording a delivery attempt failed");
        }
    }

    async fn deliver(&self, task: &dsr_task::Model) -> Result<String, String> {
        let loaded = async {
            let request = read::by_id(&self.db, task.request_id)
                .await?
                .ok_or_else(|| AppError::not_found("request"))?;
            let org = organisations::find(&self.db, task.organisation_id, "organisationId").await?;
            let ids = open_identifiers(&self.keys.sealer, &request)?;
            Ok::<_, AppError>((request, org, ids))
        }
        .await;
        let (request, org, identifiers) = loaded.map_err(|err| {
            tracing::error!(task = task.id, error = ?err, "preparing a delivery failed");
            format!("could not prepare the delivery: {err}")
        })?;
        let kind: DsrKind = request.kind;
        // Tasks filed before erasures were split by category carry only the holder-wide
        // exemption; they keep the old meaning (all restricted, or all erased).
        let split = task.erase_categories.as_ref().map(|erase| {
            let restrict: Vec<RestrictedCategories> = task
                .restrictions
                .iter()
                .flat_map(|r| r.0.iter())
                .map(|r| RestrictedCategories {
                    categories: r.categories.clone(),
                    reason: r.reason.clone(),
                    until: r.until.map(|d| d.format("%Y-%m-%d").to_string()),
                })
                .collect();
            (erase.0.clone(), restrict)
        });
        let action = match (kind, &split, &task.retention_exemption) {
            (DsrKind::Erasure, Some((erase, restrict)), _) => erasure_action(erase, restrict.len()),
            (DsrKind::Erasure, None, Some(_)) => "RESTRICT",
            (DsrKind::Erasure, None, None) => "ERASE",
            (other, _, _) => other.as_str(),
        };
        let (erase_categories, restrict_categories) = match split {
            Some((erase, restrict)) => (Some(erase), Some(restrict)),
            None => (None, None),
        };
        let body = WebhookBody {
            task_id: task.id.to_string(),
            request_id: request.id.to_string(),
            kind: kind.as_str().into(),
            due_on: request.due_on.format("%Y-%m-%d").to_string(),
            data_categories: task.data_categories.0.clone(),
            identifiers,
            action: action.into(),
            retention_exemption: task.retention_exemption.clone(),
            erase_categories,
            restrict_categories,
        };
        match task.channel {
            DeliveryChannel::Webhook => self.post(task, &org, &body).await,
            DeliveryChannel::Email => {
                let to = org
                    .privacy_contact_email
                    .as_deref()
                    .ok_or("the organisation has no privacyContactEmail")?;
                mail::send(&self.config, self.timeout(), to, &request, &body).await
            }
            DeliveryChannel::Manual => Err("a manual task is not delivered".into()),
        }
    }

    /// POSTs the body as the contract says, to the addresses checked now, following no redirect.
    async fn post(
        &self,
        task: &dsr_task::Model,
        org: &organisation::Model,
        body: &WebhookBody,
    ) -> Result<String, String> {
        let url = org
            .erasure_webhook_url
            .as_deref()
            .ok_or("the organisation has no erasureWebhookUrl")?;
        let secret = secrets::open(&self.keys.sealer, org)
            .map_err(|e| e.to_string())?
            .ok_or("the organisation has no webhook secret (rotateWebhookSecret sets one)")?;
        let checked = webhook_url::resolve_for_delivery(url, self.config.webhook_allow_insecure)
            .await
            .map_err(|e| e.to_string())?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout())
            .resolve_to_addrs(&checked.host, &checked.addresses)
            .build()
            .map_err(|e| format!("building the HTTP client: {e}"))?;
        let raw = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let now = Utc::now().timestamp();
        let response = client
            .post(&checked.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", task.id.to_string())
            .header("X-Register-Signature", signature(&secret, &raw))
            .header(TIMESTAMP_HEADER, now.to_string())
            .header(
                SIGNATURE_V2_HEADER,
                timestamped_signature(&secret, now, &raw),
            )
            .body(raw)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    format!("no answer within {} ms", self.timeout().as_millis())
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

    /// Writes the attempt's outcome, if the row is still the one this worker claimed.
    async fn record(
        &self,
        claimed: &dsr_task::Model,
        outcome: Result<String, String>,
        final_attempt: bool,
    ) -> AppResult<()> {
        let txn = self.db.begin().await?;
        let Some(current) = dsr_task::Entity::find_by_id(claimed.id)
            .lock_exclusive()
            .one(&txn)
            .await?
        else {
            return Ok(());
        };
        if current.status != TaskStatus::Pending || current.attempts != claimed.attempts {
            // Confirmed meanwhile, or the lease ran out and another attempt began.
            return Ok(());
        }
        let now = Utc::now();
        let attempt = claimed.attempts;
        let (status, next, error, detail) = match outcome {
            Ok(detail) => (
                TaskStatus::Sent,
                None,
                None,
                format!("attempt {attempt}: {detail}"),
            ),
            Err(err) if final_attempt => (
                TaskStatus::Failed,
                None,
                Some(err.clone()),
                format!("attempt {attempt} failed and is not retried: {err}"),
            ),
            Err(err) if attempt >= self.config.delivery_max_attempts as i32 => (
                TaskStatus::Failed,
                None,
                Some(err.clone()),
                format!("attempt {attempt} failed, the last: {err}"),
            ),
            Err(err) => {
                let wait = backoff(
                    u32::try_from(attempt).unwrap_or(1),
                    Duration::from_millis(self.config.delivery_backoff_ms),
                    Duration::from_millis(self.config.delivery_backoff_max_ms),
                    rand::random::<f64>(),
                );
                (
                    TaskStatus::Pending,
                    Some(now + wait),
                    Some(err.clone()),
                    format!(
                        "attempt {attempt} failed: {err}; retry in {} ms",
                        wait.as_millis()
                    ),
                )
            }
        };
        let mut active: dsr_task::ActiveModel = current.into();
        active.status = Set(status);
        active.next_attempt_at = Set(next);
        active.last_error = Set(error);
        active.updated_at = Set(now);
        let saved = active.update(&txn).await?;
        record_event(
            &txn,
            &saved,
            WORKER,
            Some(TaskStatus::Pending),
            status,
            Some(detail),
            None,
        )
        .await?;
        let request: dsr_request::Model = refresh(&txn, saved.request_id).await?;
        txn.commit().await?;
        crate::metrics::delivery_attempt(
            claimed.channel.as_str(),
            match status {
                TaskStatus::Sent => "sent",
                TaskStatus::Failed => "failed",
                _ => "retry",
            },
        );
        self.keys.events.publish(request.id);
        Ok(())
    }
}
