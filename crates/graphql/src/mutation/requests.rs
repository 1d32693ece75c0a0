//! Filing data-subject requests, confirming their tasks, and webhook secrets.

use crate::{
    context::request,
    domain,
    domain::dsr::delivery::Identifiers,
    enums::{DsrKind, TaskOutcome},
    error::AppError,
    ids,
    mutation::subjects::SubjectIdentifierInput,
    scalars::{Date, date},
    service::{
        requests::{DsrKeys, close, confirm, file, reminders, secrets},
        subjects::SubjectKeys,
    },
    types::{
        dsr::{DataSubjectRequest, DsrTask},
        respond::TaskReminder,
    },
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A data-subject request to file.
#[derive(InputObject)]
pub struct FileDataSubjectRequestInput {
    /// The identifiers the person quoted. They are kept sealed (encrypted), for delivery to the
    /// holders, until the request is completed or closed.
    pub subject: SubjectIdentifierInput,
    /// The right exercised.
    pub kind: DsrKind,
    /// Default: today.
    pub received_on: Option<Date>,
}

/// A holder's confirmation of a task.
#[derive(InputObject)]
pub struct ConfirmTaskInput {
    /// The task.
    pub task_id: ID,
    /// What the holder says.
    pub outcome: TaskOutcome,
    /// What was done (required to complete or exempt): kept as proof.
    pub evidence: Option<String>,
}

/// A request to close by hand.
#[derive(InputObject)]
pub struct CloseDataSubjectRequestInput {
    /// The request.
    pub request_id: ID,
    /// Why: withdrawn, manifestly unfounded, handled outside the register.
    pub reason: String,
}

/// An extension of a request's deadline (Art 12(3)).
#[derive(InputObject)]
pub struct ExtendDeadlineInput {
    /// The request.
    pub request_id: ID,
    /// 1 or 2 further months (Art 12(3)); once per request.
    pub months: i32,
    /// Why (Art 12(3): the complexity and number of the requests). The subject must be told of
    /// the extension and its reasons within the first month.
    pub reason: String,
}

fn keys<'a>(ctx: &Context<'a>) -> Result<&'a DsrKeys> {
    ctx.data::<DsrKeys>()
}

#[derive(Default)]
pub struct RequestMutation;

#[Object]
impl RequestMutation {
    /// Files a request: one task per organisation holding the subject's data, in one transaction.
    async fn file_data_subject_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request.")] input: FileDataSubjectRequestInput,
    ) -> Result<DataSubjectRequest> {
        let rc = request(ctx)?;
        let s = input.subject;
        let new = file::NewRequest {
            identifiers: Identifiers {
                email: s.email,
                phone: s.phone,
                account_number: s.account_number,
            },
            kind: input.kind.into(),
            received_on: date("receivedOn", input.received_on.as_ref())?,
        };
        Ok(DataSubjectRequest::from(
            file::file(
                &rc.db,
                &rc.actor()?,
                keys(ctx)?,
                ctx.data::<SubjectKeys>()?,
                new,
            )
            .await?,
        ))
    }

    /// Confirms a task: a PROCESSOR its own organisation's, the DPO manual and e-mail ones (and
    /// EXEMPT on any, with the reason as evidence).
    async fn confirm_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The confirmation.")] input: ConfirmTaskInput,
    ) -> Result<DsrTask> {
        let rc = request(ctx)?;
        let principal = rc.auth.principal().ok_or(AppError::Unauthenticated)?;
        // A PROCESSOR learns nothing from a malformed id: refused as another's task would be.
        let task_id = ids::parse("taskId", &input.task_id).map_err(|e| {
            if principal.role == domain::vocab::Role::Processor {
                confirm::not_yours(input.task_id.as_str())
            } else {
                e
            }
        })?;
        Ok(DsrTask(
            confirm::confirm(
                &rc.db,
                principal,
                &rc.audit_key,
                keys(ctx)?,
                task_id,
                input.outcome.into(),
                input.evidence.as_deref(),
            )
            .await?,
        ))
    }

    /// Extends the deadline once by one or two further months, with the reason (Art 12(3)).
    async fn extend_deadline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The extension.")] input: ExtendDeadlineInput,
    ) -> Result<DataSubjectRequest> {
        let rc = request(ctx)?;
        Ok(DataSubjectRequest::from(
            confirm::extend_deadline(
                &rc.db,
                &rc.actor()?,
                keys(ctx)?,
                ids::parse("requestId", &input.request_id)?,
                input.months,
                &input.reason,
            )
            .await?,
        ))
    }

    /// Closes a request by hand (CLOSED), destroying its identifiers; no task may still be in delivery.
    async fn close_data_subject_request(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The request and the reason.")] input: CloseDataSubjectRequestInput,
    ) -> Result<DataSubjectRequest> {
        let rc = request(ctx)?;
        let closed = close::close(
            &rc.db,
            &rc.actor()?,
            keys(ctx)?,
            ids::parse("requestId", &input.request_id)?,
            &input.reason,
        )
        .await?;
        Ok(DataSubjectRequest::from(closed))
    }

    /// Reminds the holder of a sent, unanswered task now, through its channel (the e-mail again
    /// with the same answer link, or the webhook redelivered with `X-Register-Reminder`); the
    /// delivery worker sends it within a moment and it shows in the task's `reminders` and
    /// `history`. Refused for a manual task, an answered one, or a closed request.
    async fn send_reminder(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task whose holder to remind.")] task_id: ID,
    ) -> Result<TaskReminder> {
        let rc = request(ctx)?;
        Ok(TaskReminder(
            reminders::request(
                &rc.db,
                &rc.actor()?,
                keys(ctx)?,
                ids::parse("taskId", &task_id)?,
            )
            .await?,
        ))
    }

    /// Sets a new webhook signing secret and returns it: the only time it can be read.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation whose webhook deliveries the secret signs.")]
        organisation_id: ID,
    ) -> Result<String> {
        let rc = request(ctx)?;
        Ok(secrets::rotate(
            &rc.db,
            &rc.actor()?,
            &keys(ctx)?.sealer,
            ids::parse("organisationId", &organisation_id)?,
        )
        .await?)
    }
}
