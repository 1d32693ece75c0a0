//! The delivery worker: a transactional outbox driven by task rows.
//!
//! A due `PENDING` webhook or e-mail task is claimed by one statement that counts the attempt
//! and leases the row (`next_attempt_at` moves past the attempt's timeout); on PostgreSQL the
//! claim skips rows another worker holds (`FOR UPDATE SKIP LOCKED`), so instances never run the
//! same attempt at once. The outcome is written only if the row is still the one claimed. A crash
//! at any moment leaves the row `PENDING` with its lease running out, after which any worker
//! retries it: delivery is at least once, always with the task id as idempotency key.
//!
//! A round claims up to [`BATCH`] tasks, reads their requests and organisations in two
//! statements, attempts them side by side, and records every outcome in one transaction (one
//! commit, one status refresh per request): per-task transactions made the database's commit,
//! not the receivers, the limit of delivery. HTTP clients are kept per checked host and
//! addresses, so a receiver's kept-alive connection serves its next task.

use super::{DsrKeys, mail, open_identifiers, outbox, refresh, respond, secrets, task_event};
use crate::reviews::digest::Timing;
use crate::{
    config::Config,
    domain::{
        dsr::delivery::{RestrictedCategories, WebhookBody, erasure_action},
        vocab::{DeliveryChannel, DsrKind, TaskStatus},
    },
    error::{AppError, AppResult},
    organisations,
    signed_post::{self, Clients, SignedPost},
    webhook_url::WebhookPolicy,
};
use chrono::Utc;
use entity::{dsr_request, dsr_task, dsr_task_event, organisation};
use sea_orm::{
    ActiveValue::Set,
    QuerySelect, TransactionTrait,
    prelude::*,
    sea_query::{Expr, ExprTrait as _, LockBehavior, LockType, Order, Query},
};
use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
    time::Duration,
};

/// Tasks one worker claims per round.
const BATCH: u64 = 64;
/// The actor named in the proof for the worker's transitions.
pub const WORKER: &str = "delivery-worker";
/// The header that marks a webhook redelivery as a reminder: `BEFORE_DEADLINE`, `OVERDUE` or
/// `MANUAL` (the body and the idempotency key are the task's, as in its first delivery).
pub const REMINDER_HEADER: &str = "X-Register-Reminder";

#[derive(Clone)]
pub struct Worker {
    pub(super) db: DatabaseConnection,
    pub(super) config: Arc<Config>,
    pub(super) keys: DsrKeys,
    clients: Clients,
    webhooks: WebhookPolicy,
}

/// The requests and organisations of a round's tasks, read once for the round.
pub(super) struct Loaded {
    pub(super) requests: HashMap<i64, dsr_request::Model>,
    pub(super) organisations: HashMap<i64, organisation::Model>,
}

/// What an attempt leads to: the task's next state and the proof's line.
struct Transition {
    status: TaskStatus,
    next_attempt_at: Option<chrono::DateTime<Utc>>,
    error: Option<String>,
    detail: String,
}

impl Worker {
    pub fn new(db: DatabaseConnection, config: Arc<Config>, keys: DsrKeys) -> Self {
        Self {
            webhooks: WebhookPolicy::of(&config),
            db,
            config,
            keys,
            clients: Clients::default(),
        }
    }

    /// The same worker checking webhook addresses under `policy` (tests: a resolver they control).
    pub fn with_webhook_policy(mut self, policy: WebhookPolicy) -> Self {
        self.webhooks = policy;
        self
    }

    /// Delivers until the task running it is dropped or aborted; errors are logged and retried.
    /// Reminders are looked for once a minute (and at start).
    pub async fn run(self) {
        let poll = Duration::from_millis(Ord::max(self.config.worker_poll_ms, 1));
        let mut reminded: Option<tokio::time::Instant> = None;
        loop {
            if reminded.is_none_or(|at| at.elapsed() >= super::reminders::EVERY) {
                reminded = Some(tokio::time::Instant::now());
                if let Err(err) = self.remind(Utc::now().date_naive()).await {
                    tracing::error!(error = ?err, "sending reminders failed");
                }
            }
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

    /// One round: claims due tasks, attempts them side by side and records every outcome in
    /// one transaction; the number claimed. If the recording fails, the leases run out and the
    /// tasks are attempted again (at least once, never lost).
    pub async fn tick(&self) -> AppResult<usize> {
        let claimed = self.claim().await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let loaded = self.load(&claimed).await?;
        let outcomes =
            futures_util::future::join_all(claimed.iter().map(|task| self.deliver(task, &loaded)))
                .await;
        let n = claimed.len();
        if let Err(err) = self
            .record(claimed.into_iter().zip(outcomes).collect())
            .await
        {
            tracing::error!(error = ?err, tasks = n, "recording delivery attempts failed");
        }
        Ok(n)
    }

    pub(super) fn timeout(&self) -> Duration {
        Duration::from_millis(Ord::max(self.config.delivery_timeout_ms, 1))
    }

    /// The lease and back-off of the worker's tasks and reminders (those of notices too).
    pub(super) fn timing(&self) -> Timing {
        Timing::of_delivery(&self.config)
    }

    /// Counts an attempt on each due task and leases it past the attempt's timeout.
    async fn claim(&self) -> AppResult<Vec<dsr_task::Model>> {
        let now = Utc::now();
        let lease = now + self.timing().lease;
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

    /// The requests and organisations of the claimed tasks: two statements per round.
    pub(super) async fn load(&self, tasks: &[dsr_task::Model]) -> AppResult<Loaded> {
        let request_ids: BTreeSet<i64> = tasks.iter().map(|t| t.request_id).collect();
        let organisation_ids: Vec<i64> = tasks
            .iter()
            .map(|t| t.organisation_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let requests = dsr_request::Entity::find()
            .filter(dsr_request::Column::Id.is_in(request_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
        let organisations = organisations::by_ids(&self.db, &organisation_ids).await?;
        Ok(Loaded {
            requests,
            organisations,
        })
    }

    /// One attempt: the body the contract gives the task, sent by its channel.
    async fn deliver(&self, task: &dsr_task::Model, loaded: &Loaded) -> Result<String, String> {
        self.send(task, loaded, None).await
    }

    /// Sends the task's body by its channel, as a reminder (`reminder` says which) or not.
    pub(super) async fn send(
        &self,
        task: &dsr_task::Model,
        loaded: &Loaded,
        reminder: Option<&super::reminders::Label>,
    ) -> Result<String, String> {
        let prepared = (|| {
            let request = loaded
                .requests
                .get(&task.request_id)
                .ok_or_else(|| AppError::not_found("request"))?;
            let org = loaded
                .organisations
                .get(&task.organisation_id)
                .ok_or_else(|| AppError::not_found("organisation"))?;
            let ids = open_identifiers(&self.keys.sealer, request)?;
            Ok::<_, AppError>((request, org, ids))
        })();
        let (request, org, identifiers) = prepared.map_err(|err| {
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
            DeliveryChannel::Webhook => self.post(task, org, &body, reminder).await,
            DeliveryChannel::Email => {
                let to = org
                    .privacy_contact_email
                    .as_deref()
                    .ok_or("the organisation has no privacyContactEmail")?;
                self.mail(task, request, to, &body, reminder).await
            }
            DeliveryChannel::Manual => Err("a manual task is not delivered".into()),
        }
    }

    /// An e-mail with the task's answer link: to the SMTP server, or without one to the outbox.
    async fn mail(
        &self,
        task: &dsr_task::Model,
        request: &dsr_request::Model,
        to: &str,
        body: &WebhookBody,
        reminder: Option<&super::reminders::Label>,
    ) -> Result<String, String> {
        let link = respond::issue(&self.db, &self.keys, &self.config, task, request.due_on)
            .await
            .map_err(|e| format!("could not issue the answer link: {e}"))?;
        let message = mail::compose(to, request, body, &link, reminder.map(|r| r.text.as_str()))?;
        if self.config.smtp_url.is_none() {
            let id = outbox::put(&self.db, Some(task.id), &message)
                .await
                .map_err(|e| format!("could not keep the message in the outbox: {e}"))?;
            return Ok(mail::not_configured(to, id));
        }
        mail::send(&self.config, self.timeout(), &message).await
    }

    /// POSTs the body as the contract says, to the addresses checked now, following no redirect.
    async fn post(
        &self,
        task: &dsr_task::Model,
        org: &organisation::Model,
        body: &WebhookBody,
        reminder: Option<&super::reminders::Label>,
    ) -> Result<String, String> {
        let url = org
            .erasure_webhook_url
            .as_deref()
            .ok_or("the organisation has no erasureWebhookUrl")?;
        let secret = secrets::open(&self.keys.sealer, org)
            .map_err(|e| e.to_string())?
            .ok_or("the organisation has no webhook secret (rotateWebhookSecret sets one)")?;
        let raw = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let key = task.id.to_string();
        let reminded = reminder.map(|r| [(REMINDER_HEADER, r.kind)]);
        let headers: &[(&str, &str)] = match &reminded {
            Some(header) => header,
            None => &[],
        };
        signed_post::post(
            &self.clients,
            &self.webhooks,
            self.timeout(),
            SignedPost {
                url,
                secret: &secret,
                idempotency_key: &key,
                headers,
                body: raw,
            },
        )
        .await
    }

    /// The state an attempt leads to: `SENT`, or a retry after the backoff, or `FAILED` when
    /// no retry is left (or none could succeed).
    fn transition(
        &self,
        attempt: i32,
        outcome: Result<String, String>,
        final_attempt: bool,
        now: chrono::DateTime<Utc>,
    ) -> Transition {
        let (status, next_attempt_at, error, detail) = match outcome {
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
                let at = self.timing().retry_at(attempt, now);
                (
                    TaskStatus::Pending,
                    Some(at),
                    Some(err.clone()),
                    format!(
                        "attempt {attempt} failed: {err}; retry in {} ms",
                        (at - now).num_milliseconds()
                    ),
                )
            }
        };
        Transition {
            status,
            next_attempt_at,
            error,
            detail,
        }
    }

    /// Writes a round's outcomes in one transaction, each only if its row is still the one
    /// this worker claimed (not confirmed meanwhile, not claimed again after its lease ran out).
    #[allow(
        clippy::too_many_lines,
        reason = "every outcome of a round is written in one transaction, each guarded against a newer claim"
    )]
    async fn record(
        &self,
        outcomes: Vec<(dsr_task::Model, Result<String, String>)>,
    ) -> AppResult<()> {
        let txn = self.db.begin().await?;
        let current: HashMap<i64, dsr_task::Model> = dsr_task::Entity::find()
            .filter(dsr_task::Column::Id.is_in(outcomes.iter().map(|(t, _)| t.id)))
            .lock_exclusive()
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let now = Utc::now();
        let (mut sent, mut events, mut requests, mut counted) =
            (Vec::new(), Vec::new(), BTreeSet::new(), Vec::new());
        for (claimed, outcome) in outcomes {
            let Some(row) = current.get(&claimed.id) else {
                continue;
            };
            if row.status != TaskStatus::Pending || row.attempts != claimed.attempts {
                continue;
            }
            // Without an SMTP server an e-mail goes to the outbox; one that could not even be
            // put there (no privacy contact) cannot succeed on a retry either: the task fails at
            // once, so a person sees it, instead of finding out an hour later.
            let final_attempt =
                claimed.channel == DeliveryChannel::Email && self.config.smtp_url.is_none();
            let next = self.transition(claimed.attempts, outcome, final_attempt, now);
            if next.status == TaskStatus::Sent {
                sent.push(row.id);
            } else {
                let mut active: dsr_task::ActiveModel = row.clone().into();
                active.status = Set(next.status);
                active.next_attempt_at = Set(next.next_attempt_at);
                active.last_error = Set(next.error);
                active.updated_at = Set(now);
                active.update(&txn).await?;
            }
            events.push(task_event(
                row,
                WORKER,
                Some(TaskStatus::Pending),
                next.status,
                Some(next.detail),
                None,
            ));
            requests.insert(row.request_id);
            counted.push((claimed.channel, next.status));
        }
        if !sent.is_empty() {
            dsr_task::Entity::update_many()
                .col_expr(
                    dsr_task::Column::Status,
                    Expr::value(TaskStatus::Sent.as_str()),
                )
                .col_expr(
                    dsr_task::Column::NextAttemptAt,
                    Expr::value(Option::<chrono::DateTime<Utc>>::None),
                )
                .col_expr(
                    dsr_task::Column::LastError,
                    Expr::value(Option::<String>::None),
                )
                .col_expr(dsr_task::Column::UpdatedAt, Expr::value(now))
                .filter(dsr_task::Column::Id.is_in(sent))
                .exec(&txn)
                .await?;
        }
        if !events.is_empty() {
            dsr_task_event::Entity::insert_many(events)
                .exec_without_returning(&txn)
                .await?;
        }
        for request in &requests {
            refresh(&txn, *request).await?;
        }
        txn.commit().await?;
        for (channel, status) in counted {
            crate::metrics::delivery_attempt(
                channel.as_str(),
                match status {
                    TaskStatus::Sent => "sent",
                    TaskStatus::Failed => "failed",
                    _ => "retry",
                },
            );
        }
        for request in requests {
            self.keys.events.publish(request);
        }
        Ok(())
    }
}
