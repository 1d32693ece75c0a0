//! The processor's side of a request: a task's answer link and reminders, and the outbox of
//! e-mails kept while no SMTP server is configured.

use crate::{
    scalars::{Date, Timestamp},
    service::requests::{reminders, respond},
    types::dsr::DsrTask,
};
use async_graphql::{Context, Enum, ID, Object, Result, dataloader::Loader};
use chrono::Utc;
use entity::{dsr_task, outbox_message, respond_link, task_reminder};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;

/// Whether the caller sees addresses and delivery details (the service's visibility rule).
fn sees_detail(ctx: &Context<'_>) -> Result<bool> {
    Ok(crate::context::viewer(ctx)?.sees_delivery_detail())
}

/// Where a task's answer link stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AnswerLinkState {
    /// Sent in the task's e-mail (or put in the outbox), not opened yet.
    Sent,
    /// Opened by the holder, not answered yet.
    Opened,
    /// The task is answered (through the link or otherwise): the link shows the answer only.
    Answered,
    /// Past the deadline and the grace period (`REGISTER_RESPOND_GRACE_DAYS`): it takes no answer.
    Expired,
}

impl From<respond::LinkState> for AnswerLinkState {
    fn from(state: respond::LinkState) -> Self {
        match state {
            respond::LinkState::Sent => Self::Sent,
            respond::LinkState::Opened => Self::Opened,
            respond::LinkState::Answered => Self::Answered,
            respond::LinkState::Expired => Self::Expired,
        }
    }
}

/// The one-time link an e-mailed task carries, through which its holder answers without an
/// account (`/respond/{token}`). The token itself is never shown again: only its state.
pub struct AnswerLink {
    pub link: respond_link::Model,
    pub task_status: crate::domain::vocab::TaskStatus,
}

/// The one-time link an e-mailed task carries, through which its holder answers without an
/// account (`/respond/{token}`). The token is never shown: only where the link stands.
#[Object]
impl AnswerLink {
    /// Sent, opened, answered or expired.
    async fn state(&self) -> AnswerLinkState {
        respond::state(&self.link, self.task_status, Utc::now()).into()
    }
    /// When it was last sent (with the task's e-mail or a reminder).
    async fn sent_at(&self) -> Option<Timestamp> {
        self.link.sent_at.map(Timestamp)
    }
    /// When the holder first opened it.
    async fn opened_at(&self) -> Option<Timestamp> {
        self.link.opened_at.map(Timestamp)
    }
    /// When the holder answered through it.
    async fn answered_at(&self) -> Option<Timestamp> {
        self.link.answered_at.map(Timestamp)
    }
    /// The last moment it takes an answer: the deadline plus the grace period.
    async fn expires_at(&self) -> Timestamp {
        Timestamp(self.link.expires_at)
    }
    /// The answer given through it: `DONE`, `EXEMPT` or `NOT_FOUND`.
    async fn answer(&self) -> Option<&str> {
        self.link.answer.as_deref()
    }
    /// The client address the answer came from; null for a PROCESSOR.
    async fn answered_from(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if sees_detail(ctx)? {
            self.link.answered_from.as_deref()
        } else {
            None
        })
    }
}

/// What a reminder is for.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ReminderKind {
    /// Sent `REGISTER_REMINDER_DAYS` before the deadline.
    BeforeDeadline,
    /// Sent once the deadline has passed.
    Overdue,
    /// Asked for by hand (`sendReminder`).
    Manual,
}

/// A reminder of a task to its holder, through the task's channel: the e-mail again with the same
/// answer link, or the webhook redelivered with `X-Register-Reminder`.
pub struct TaskReminder(pub task_reminder::Model);

/// A reminder of a task to its holder, through the task's channel: the e-mail again with the same
/// answer link, or the webhook redelivered with the header `X-Register-Reminder`. Each is sent
/// once; one whose channel failed is tried again after the delivery backoff, up to the delivery's
/// number of attempts.
#[Object]
impl TaskReminder {
    /// The reminder's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The task reminded of.
    async fn task_id(&self) -> ID {
        ID(self.0.task_id.to_string())
    }
    /// Before the deadline, overdue, or by hand.
    async fn kind(&self) -> ReminderKind {
        match self.0.kind.as_str() {
            reminders::BEFORE_DEADLINE => ReminderKind::BeforeDeadline,
            reminders::OVERDUE => ReminderKind::Overdue,
            _ => ReminderKind::Manual,
        }
    }
    /// For a reminder before the deadline: how many days before.
    async fn days_before(&self) -> Option<i32> {
        self.0.days_before
    }
    /// The deadline it reminds of.
    async fn due_on(&self) -> Date {
        Date::from(self.0.due_on)
    }
    /// Who asked for it: `delivery-worker` for the automatic ones, else the token's name.
    async fn requested_by(&self) -> &str {
        &self.0.requested_by
    }
    /// When it was asked for (or found due).
    async fn created_at(&self) -> Timestamp {
        Timestamp(self.0.created_at)
    }
    /// When it was sent; null while waiting for the worker or if sending failed.
    async fn sent_at(&self) -> Option<Timestamp> {
        self.0.sent_at.map(Timestamp)
    }
    /// How many times the worker has tried to send it (0 while it waits for the first).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When it is tried again, after its last attempt failed; null otherwise.
    async fn retry_at(&self) -> Option<Timestamp> {
        self.0.retry_at.map(Timestamp)
    }
    /// What happened when it was sent; null for a PROCESSOR (it names the outbox or the error).
    async fn detail(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if sees_detail(ctx)? {
            self.0.detail.as_deref()
        } else {
            None
        })
    }
}

/// An e-mail kept in the outbox because no SMTP server is configured: to send by hand
/// (`/exports/outbox/{id}.eml`), while the holder can already answer through its link.
pub struct OutboxMessage {
    pub message: outbox_message::Model,
    pub task: Option<dsr_task::Model>,
}

/// An e-mail kept in the outbox because no SMTP server is configured (`REGISTER_SMTP_URL`): to
/// download (`/exports/outbox/{id}.eml`) and send by hand; a task's holder can already answer
/// through the link it carries.
#[Object]
impl OutboxMessage {
    /// The message's id (its download is `/exports/outbox/{id}.eml`).
    async fn id(&self) -> ID {
        ID(self.message.id.to_string())
    }
    /// The recipient: the holder's privacy contact.
    async fn to(&self) -> &str {
        &self.message.to_address
    }
    /// The subject line.
    async fn subject(&self) -> &str {
        &self.message.subject
    }
    /// The text, with the answer link.
    async fn body(&self) -> &str {
        &self.message.body
    }
    /// When it was written.
    async fn created_at(&self) -> Timestamp {
        Timestamp(self.message.created_at)
    }
    /// The task it delivers; null for the register's own notices (an objection to a
    /// sub-processor change, a notice to a subscriber of the published list, the digest of
    /// what is due), which belong to no task.
    async fn task(&self) -> Option<DsrTask> {
        self.task.clone().map(DsrTask)
    }
}

/// A task's answer link, by task id.
pub struct TaskLinkLoader(pub DatabaseConnection);

impl Loader<i64> for TaskLinkLoader {
    type Value = respond_link::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(respond::links_of(&self.0, keys).await?)
    }
}

/// A task's reminders, by task id.
pub struct TaskRemindersLoader(pub DatabaseConnection);

impl Loader<i64> for TaskRemindersLoader {
    type Value = Vec<task_reminder::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        Ok(reminders::of_tasks(&self.0, keys).await?)
    }
}
