//! Chasing holders: a webhook or e-mail task that has been sent but not answered gets a reminder
//! `REGISTER_REMINDER_DAYS` before its deadline and one when it is overdue, through its channel
//! (the e-mail with the same answer link, or the webhook redelivered with
//! `X-Register-Reminder`), and the DPO can ask for one by hand (`sendReminder`).
//!
//! Each reminder is a row keyed by task and (kind, deadline), inserted when the worker claims it
//! and before anything is sent: a second worker, or the same one after a restart, finds the key
//! taken and sends nothing. A crash between the claim and the send loses that reminder rather
//! than sending it twice. Each sent reminder is a line in the task's history.

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
    ActiveValue::Set, QueryOrder, TransactionTrait, prelude::*, sea_query::OnConflict,
    sea_query::Query,
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

impl Worker {
    /// Sends the reminders due on `today`, each once: the automatic ones of unanswered tasks,
    /// and those the DPO asked for. The number sent (or attempted).
    #[allow(
        clippy::too_many_lines,
        reason = "one pass: find the due reminders, claim each, send it"
    )]
    pub async fn remind(&self, today: NaiveDate) -> AppResult<usize> {
        let open_requests = Query::select()
            .column(dsr_request::Column::Id)
            .from(dsr_request::Entity)
            .and_where(dsr_request::Column::ClosedAt.is_null())
            .to_owned();
        let waiting = dsr_task::Entity::find()
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
            .await?;
        let asked = task_reminder::Entity::find()
            .filter(task_reminder::Column::ClaimedAt.is_null())
            .order_by_asc(task_reminder::Column::Id)
            .all(&self.db)
            .await?;
        let mut tasks: HashMap<i64, dsr_task::Model> =
            waiting.iter().map(|t| (t.id, t.clone())).collect();
        let missing: Vec<i64> = asked
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
        let now = Utc::now();
        let mut claimed = Vec::new();
        for task in &waiting {
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
        for reminder in asked {
            let taken = task_reminder::Entity::update_many()
                .col_expr(
                    task_reminder::Column::ClaimedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(task_reminder::Column::Id.eq(reminder.id))
                .filter(task_reminder::Column::ClaimedAt.is_null())
                .exec(&self.db)
                .await?;
            if taken.rows_affected == 1 {
                claimed.push(reminder);
            }
        }
        let n = claimed.len();
        for reminder in claimed {
            let Some(task) = tasks.get(&reminder.task_id) else {
                continue;
            };
            let label = label(&reminder);
            // A reminder asked for by hand may find its task answered meanwhile.
            let outcome = if matches!(task.status, TaskStatus::Sent | TaskStatus::Acknowledged) {
                self.send(task, &loaded, Some(&label)).await
            } else {
                Err(format!("the task is {} meanwhile", task.status))
            };
            self.sent(task, reminder, &label, outcome).await?;
        }
        Ok(n)
    }

    /// Records a reminder's outcome on its row and in the task's history.
    async fn sent(
        &self,
        task: &dsr_task::Model,
        reminder: task_reminder::Model,
        label: &Label,
        outcome: Result<String, String>,
    ) -> AppResult<()> {
        let txn = self.db.begin().await?;
        let detail = match &outcome {
            Ok(detail) => format!("reminder sent ({}): {detail}", label.text),
            Err(err) => format!("reminder not sent ({}): {err}", label.text),
        };
        let actor = reminder.requested_by.clone();
        let mut active: task_reminder::ActiveModel = reminder.into();
        if outcome.is_ok() {
            active.sent_at = Set(Some(Utc::now()));
        }
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
