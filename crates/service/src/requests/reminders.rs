//! Chasing holders: a webhook or e-mail task that has been sent but not answered gets a reminder
//! `REGISTER_REMINDER_DAYS` before its deadline and one when it is overdue, through its channel
//! (the e-mail with the same answer link, or the webhook redelivered with
//! `X-Register-Reminder`), and the DPO can ask for one by hand (`sendReminder`).
//!
//! Each reminder is a row keyed by task and (kind, deadline), inserted when the worker claims it
//! and before anything is sent: a second worker, or the same one after a restart, finds the key
//! taken and sends nothing. A reminder whose channel failed is tried again after the delivery
//! backoff, up to `REGISTER_DELIVERY_MAX_ATTEMPTS` attempts; one claimed by a worker that stopped
//! before recording what came of it is claimed again once the claim is stale (at least a quarter
//! of an hour), so a crash between the send and its record may send it twice, never lose it.
//! Each attempt is a line in the task's history.

use super::{
    delivery::{WORKER, Worker},
    lock_open, record_event,
};
use crate::{
    audit::{self, Actor, Change},
    domain::vocab::{DeliveryChannel, TaskStatus},
    error::{AppError, AppResult},
};
use chrono::{NaiveDate, Utc};
use entity::{dsr_request, dsr_task, task_reminder};
use sea_orm::{
    ActiveValue::Set,
    Condition, QueryOrder, TransactionTrait,
    prelude::*,
    sea_query::{OnConflict, Query},
};
use std::{collections::HashMap, time::Duration};

/// How often the worker looks for reminders due.
pub const EVERY: Duration = Duration::from_mins(1);

/// A reminder before the deadline.
pub const BEFORE_DEADLINE: &str = "BEFORE_DEADLINE";
/// A reminder once the deadline has passed.
pub const OVERDUE: &str = "OVERDUE";
/// A reminder the DPO asked for.
pub const MANUAL: &str = "MANUAL";

/// What a reminder says it is: its kind (the webhook header) and its words (the e-mail).
#[derive(Debug, Clone)]
pub struct Label {
    pub kind: &'static str,
    pub text: String,
}

/// The automatic reminder due on `today` for a task due on `due_on`, as (kind, days before):
/// overdue after the deadline, else the nearest of `days` the deadline is within.
pub fn due(
    days: &[u32],
    due_on: NaiveDate,
    today: NaiveDate,
) -> Option<(&'static str, Option<i32>)> {
    if today > due_on {
        return Some((OVERDUE, None));
    }
    let left = (due_on - today).num_days();
    days.iter()
        .filter_map(|d| i32::try_from(*d).ok())
        .filter(|d| left <= i64::from(*d))
        .min()
        .map(|d| (BEFORE_DEADLINE, Some(d)))
}

fn label(reminder: &task_reminder::Model) -> Label {
    let (kind, text) = match reminder.kind.as_str() {
        OVERDUE => (
            OVERDUE,
            format!("the deadline ({}) has passed", reminder.due_on),
        ),
        BEFORE_DEADLINE => (
            BEFORE_DEADLINE,
            format!(
                "the deadline is {} ({} days)",
                reminder.due_on,
                reminder.days_before.unwrap_or_default()
            ),
        ),
        _ => (
            MANUAL,
            format!(
                "the controller asks again; the deadline is {}",
                reminder.due_on
            ),
        ),
    };
    Label { kind, text }
}

/// What came of one attempt to send a reminder.
#[derive(Debug)]
enum Outcome {
    /// Taken by the holder's channel, with what the channel said.
    Sent(String),
    /// The channel failed: tried again after a backoff, while attempts are left.
    Failed(String),
    /// No longer to be sent (the task was answered or its request closed meanwhile).
    Moot(String),
}

/// A claim with no outcome recorded after this long is taken again: the worker that claimed it
/// stopped between the claim and the record. At least the worker's lease, which a live send
/// cannot outlast, and a quarter of an hour.
fn stale_after(lease: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(lease)
        .unwrap_or(chrono::TimeDelta::MAX)
        .max(chrono::TimeDelta::minutes(15))
}

impl Worker {
    /// Sends the reminders due on `today`: the automatic ones of unanswered tasks, those the DPO
    /// asked for, those whose last attempt failed and whose retry is due, and those a stopped
    /// worker claimed and never sent. The number attempted.
    pub async fn remind(&self, today: NaiveDate) -> AppResult<usize> {
        let now = Utc::now();
        let waiting = self.unanswered().await?;
        let pending = self.pending(now).await?;
        let mut tasks: HashMap<i64, dsr_task::Model> =
            waiting.iter().map(|t| (t.id, t.clone())).collect();
        let missing: Vec<i64> = pending
            .iter()
            .map(|r| r.task_id)
            .filter(|id| !tasks.contains_key(id))
            .collect();
        if !missing.is_empty() {
            for task in dsr_task::Entity::find()
                .filter(dsr_task::Column::Id.is_in(missing))
                .all(&self.db)
                .await?
            {
                tasks.insert(task.id, task);
            }
        }
        let all: Vec<dsr_task::Model> = tasks.values().cloned().collect();
        if all.is_empty() {
            return Ok(0);
        }
        let loaded = self.load(&all).await?;
        let mut claimed = self.claim_due(&waiting, &loaded, today, now).await?;
        for reminder in pending {
            claimed.extend(self.claim_waiting(reminder, now).await?);
        }
        let n = claimed.len();
        for reminder in claimed {
            let Some(task) = tasks.get(&reminder.task_id) else {
                continue;
            };
            let label = label(&reminder);
            let closed = loaded
                .requests
                .get(&task.request_id)
                .is_none_or(|r| r.closed_at.is_some());
            // A reminder waiting for the worker may find its task answered meanwhile.
            let outcome = if closed {
                Outcome::Moot("the request is closed meanwhile".into())
            } else if matches!(task.status, TaskStatus::Sent | TaskStatus::Acknowledged) {
                match self.send(task, &loaded, Some(&label)).await {
                    Ok(detail) => Outcome::Sent(detail),
                    Err(err) => Outcome::Failed(err),
                }
            } else {
                Outcome::Moot(format!("the task is {} meanwhile", task.status))
            };
            self.sent(task, reminder, &label, outcome, now).await?;
        }
        Ok(n)
    }

    /// The webhook and e-mail tasks sent and not yet answered, of requests still open.
    async fn unanswered(&self) -> AppResult<Vec<dsr_task::Model>> {
        let open_requests = Query::select()
            .column(dsr_request::Column::Id)
            .from(dsr_request::Entity)
            .and_where(dsr_request::Column::ClosedAt.is_null())
            .to_owned();
        Ok(dsr_task::Entity::find()
            .filter(
                dsr_task::Column::Status
                    .is_in([TaskStatus::Sent.as_str(), TaskStatus::Acknowledged.as_str()]),
            )
            .filter(dsr_task::Column::Channel.is_in([
                DeliveryChannel::Webhook.as_str(),
                DeliveryChannel::Email.as_str(),
            ]))
            .filter(dsr_task::Column::RequestId.in_subquery(open_requests))
            .order_by_asc(dsr_task::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// The reminders waiting for a worker: asked for by hand and not yet claimed, failed with
    /// their retry due, or claimed long ago by a worker that recorded nothing.
    fn waiting_for_a_worker(&self, now: chrono::DateTime<Utc>) -> Condition {
        let stale = now - stale_after(self.timing().lease);
        Condition::all()
            .add(task_reminder::Column::SentAt.is_null())
            .add(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(task_reminder::Column::ClaimedAt.is_null())
                            .add(
                                Condition::any()
                                    .add(task_reminder::Column::RetryAt.is_null())
                                    .add(task_reminder::Column::RetryAt.lte(now)),
                            ),
                    )
                    .add(
                        Condition::all()
                            .add(task_reminder::Column::ClaimedAt.lt(stale))
                            .add(task_reminder::Column::Detail.is_null()),
                    ),
            )
    }

    async fn pending(&self, now: chrono::DateTime<Utc>) -> AppResult<Vec<task_reminder::Model>> {
        Ok(task_reminder::Entity::find()
            .filter(self.waiting_for_a_worker(now))
            .order_by_asc(task_reminder::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Claims a waiting reminder for this worker; `None` when another took it first. The count
    /// of attempts is the claim's version: a claim succeeds only on the count it read.
    async fn claim_waiting(
        &self,
        mut reminder: task_reminder::Model,
        now: chrono::DateTime<Utc>,
    ) -> AppResult<Option<task_reminder::Model>> {
        let taken = task_reminder::Entity::update_many()
            .col_expr(task_reminder::Column::ClaimedAt, Expr::value(now))
            .col_expr(
                task_reminder::Column::Attempts,
                Expr::value(reminder.attempts + 1),
            )
            .col_expr(
                task_reminder::Column::RetryAt,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .col_expr(
                task_reminder::Column::Detail,
                Expr::value(Option::<String>::None),
            )
            .filter(task_reminder::Column::Id.eq(reminder.id))
            .filter(task_reminder::Column::Attempts.eq(reminder.attempts))
            .filter(self.waiting_for_a_worker(now))
            .exec(&self.db)
            .await?;
        if taken.rows_affected != 1 {
            return Ok(None);
        }
        reminder.attempts += 1;
        reminder.claimed_at = Some(now);
        reminder.retry_at = None;
        reminder.detail = None;
        Ok(Some(reminder))
    }

    /// Claims the automatic reminders due on `today`, each (task, kind, deadline) once: the row
    /// is inserted as claimed, and a key already taken means another worker has it.
    async fn claim_due(
        &self,
        waiting: &[dsr_task::Model],
        loaded: &super::delivery::Loaded,
        today: NaiveDate,
        now: chrono::DateTime<Utc>,
    ) -> AppResult<Vec<task_reminder::Model>> {
        let mut claimed = Vec::new();
        for task in waiting {
            let Some(request) = loaded.requests.get(&task.request_id) else {
                continue;
            };
            let Some((kind, days_before)) = due(&self.config.reminder_days, request.due_on, today)
            else {
                continue;
            };
            let key = match days_before {
                Some(d) => format!("{kind}_{d}:{}", request.due_on),
                None => format!("{kind}:{}", request.due_on),
            };
            let row = task_reminder::ActiveModel {
                task_id: Set(task.id),
                key: Set(key.clone()),
                kind: Set(kind.into()),
                days_before: Set(days_before),
                due_on: Set(request.due_on),
                requested_by: Set(WORKER.into()),
                created_at: Set(now),
                claimed_at: Set(Some(now)),
                attempts: Set(1),
                ..Default::default()
            };
            let inserted = task_reminder::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        task_reminder::Column::TaskId,
                        task_reminder::Column::Key,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&self.db)
                .await?;
            if inserted == 0 {
                continue;
            }
            if let Some(reminder) = task_reminder::Entity::find()
                .filter(task_reminder::Column::TaskId.eq(task.id))
                .filter(task_reminder::Column::Key.eq(key))
                .one(&self.db)
                .await?
            {
                claimed.push(reminder);
            }
        }
        Ok(claimed)
    }

    /// Records a reminder's outcome on its row and in the task's history; a failed one is
    /// given its next attempt after the delivery backoff, while `REGISTER_DELIVERY_MAX_ATTEMPTS`
    /// allows.
    async fn sent(
        &self,
        task: &dsr_task::Model,
        reminder: task_reminder::Model,
        label: &Label,
        outcome: Outcome,
        now: chrono::DateTime<Utc>,
    ) -> AppResult<()> {
        let txn = self.db.begin().await?;
        let attempt = reminder.attempts;
        let last = i64::from(attempt) >= i64::from(self.config.delivery_max_attempts);
        let actor = reminder.requested_by.clone();
        let mut active: task_reminder::ActiveModel = reminder.into();
        let detail = match outcome {
            Outcome::Sent(detail) => {
                active.sent_at = Set(Some(Utc::now()));
                format!("reminder sent ({}): {detail}", label.text)
            }
            Outcome::Moot(why) => format!("reminder not sent ({}): {why}", label.text),
            Outcome::Failed(err) if last => format!(
                "reminder not sent ({}): attempt {attempt} failed, the last: {err}",
                label.text
            ),
            Outcome::Failed(err) => {
                let at = self.timing().retry_at(attempt, now);
                active.claimed_at = Set(None);
                active.retry_at = Set(Some(at));
                format!(
                    "reminder not sent ({}): attempt {attempt} failed: {err}; tried again after {}",
                    label.text,
                    at.format("%Y-%m-%d %H:%M:%S UTC")
                )
            }
        };
        active.detail = Set(Some(detail.clone()));
        active.update(&txn).await?;
        let current = dsr_task::Entity::find_by_id(task.id)
            .one(&txn)
            .await?
            .unwrap_or_else(|| task.clone());
        record_event(
            &txn,
            &current,
            &actor,
            Some(current.status),
            current.status,
            Some(detail),
            None,
        )
        .await?;
        txn.commit().await?;
        self.keys.events.publish(task.request_id);
        Ok(())
    }
}

/// The reminders of `task_ids`, oldest first, by task.
pub async fn of_tasks(
    db: &impl ConnectionTrait,
    task_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<task_reminder::Model>>> {
    let mut out: HashMap<i64, Vec<task_reminder::Model>> = HashMap::new();
    for reminder in task_reminder::Entity::find()
        .filter(task_reminder::Column::TaskId.is_in(task_ids.iter().copied()))
        .order_by_asc(task_reminder::Column::Id)
        .all(db)
        .await?
    {
        out.entry(reminder.task_id).or_default().push(reminder);
    }
    Ok(out)
}

/// `sendReminder`: asks the worker to remind the holder of task `task_id` now, through its
/// channel. Refused for a manual task (no channel), an answered one, or a closed request.
pub async fn request(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &super::DsrKeys,
    id: i64,
) -> AppResult<task_reminder::Model> {
    let txn = db.begin().await?;
    let task = dsr_task::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::bad_input("taskId", format!("no task with id {id}")))?;
    if task.channel == DeliveryChannel::Manual {
        return Err(AppError::bad_input(
            "taskId",
            "a manual task has no channel to send a reminder through: contact the holder yourself",
        ));
    }
    if !matches!(task.status, TaskStatus::Sent | TaskStatus::Acknowledged) {
        return Err(AppError::Conflict(format!(
            "task {id} is {}: only a sent task that has not been answered is reminded",
            task.status
        )));
    }
    let request = lock_open(&txn, task.request_id).await?;
    let now = Utc::now();
    let saved = task_reminder::ActiveModel {
        task_id: Set(id),
        key: Set(format!("{MANUAL}:{}", now.to_rfc3339())),
        kind: Set(MANUAL.into()),
        due_on: Set(request.due_on),
        requested_by: Set(actor.name.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::created("sendReminder", "task_reminder", saved.id, &saved)?,
    )
    .await?;
    txn.commit().await?;
    keys.events.publish(task.request_id);
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        crate::domain::dates::parse(text).unwrap_or_default()
    }

    #[test]
    fn the_nearest_reminder_day_applies_and_overdue_after_the_deadline() {
        let due_on = day("2026-12-20");
        let days = [7, 2];
        assert_eq!(due(&days, due_on, day("2026-12-12")), None);
        assert_eq!(
            due(&days, due_on, day("2026-12-13")),
            Some((BEFORE_DEADLINE, Some(7)))
        );
        assert_eq!(
            due(&days, due_on, day("2026-12-18")),
            Some((BEFORE_DEADLINE, Some(2)))
        );
        assert_eq!(
            due(&days, due_on, day("2026-12-20")),
            Some((BEFORE_DEADLINE, Some(2))),
            "the deadline itself is not overdue"
        );
        assert_eq!(due(&days, due_on, day("2026-12-21")), Some((OVERDUE, None)));
        assert_eq!(due(&[], due_on, day("2026-12-19")), None);
    }
}
