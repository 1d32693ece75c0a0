//! Closing the loop: holders confirm their tasks with evidence, the DPO confirms manual and
//! e-mail tasks and may exempt any task, and the request follows its tasks to done.

use super::{DsrKeys, record_event, refresh};
use crate::{
    audit::{self, Actor, Change},
    domain::{
        audit::ChainKey,
        dsr::{deadline, lifecycle},
        vocab::{DeliveryChannel, DsrStatus, Role, TaskOutcome, TaskStatus},
    },
    error::{AppError, AppResult},
    tokens::Principal,
    validate,
};
use chrono::Utc;
use entity::{dsr_request, dsr_task};
use sea_orm::{ActiveValue::Set, QuerySelect, TransactionTrait, prelude::*};

/// Longest evidence or reason text kept.
const MAX_EVIDENCE: usize = 4000;

/// Who may confirm what: a PROCESSOR only its own organisation's tasks; DPO and ADMIN manual and
/// e-mail tasks (a webhook task is its processor's to confirm), and EXEMPT on any task. Checked
/// before anything else about the input, so a refusal reveals nothing about the task.
fn authorise(principal: &Principal, task: &dsr_task::Model, outcome: TaskOutcome) -> AppResult<()> {
    match principal.role {
        Role::Processor => {
            if principal.organisation_id != Some(task.organisation_id) {
                return Err(not_yours(task.id));
            }
            Ok(())
        }
        Role::Admin | Role::Dpo => {
            if task.channel == DeliveryChannel::Webhook && outcome != TaskOutcome::Exempt {
                return Err(AppError::Forbidden(
                    "a webhook task is confirmed by its processor".into(),
                ));
            }
            Ok(())
        }
        _ => Err(AppError::Forbidden(format!(
            "the {} role may not confirm tasks",
            principal.role
        ))),
    }
}

/// A PROCESSOR's answer for a task that is missing or another organisation's: the same, so that
/// it learns nothing about tasks that are not its own.
/// What a PROCESSOR is told of a task that is not its own, or of an id that names no task:
/// the same refusal, so it learns nothing of other organisations' tasks. The edge gives it for
/// a malformed id too (authorisation before validation).
pub fn not_yours(task_id: impl std::fmt::Display) -> AppError {
    AppError::Forbidden(format!(
        "your organisation has no task \"{task_id}\" to confirm"
    ))
}

#[allow(
    clippy::too_many_lines,
    reason = "the outcome's checks, the task's new state, its event and the request's closure belong to one transaction"
)]
pub async fn confirm(
    db: &DatabaseConnection,
    principal: &Principal,
    audit_key: &ChainKey,
    keys: &DsrKeys,
    id: i64,
    outcome: TaskOutcome,
    evidence: Option<&str>,
) -> AppResult<dsr_task::Model> {
    let is_processor = principal.role == Role::Processor;
    let actor = Actor::of(principal, audit_key);
    let txn = db.begin().await?;
    let before = match dsr_task::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
    {
        Some(task) => task,
        None if is_processor => return Err(not_yours(id)),
        None => {
            return Err(AppError::bad_input(
                "taskId",
                format!("no task with id {id}"),
            ));
        }
    };
    authorise(principal, &before, outcome)?;
    if is_processor && outcome == TaskOutcome::Exempt && before.retention_exemption.is_none() {
        return Err(AppError::bad_input(
            "outcome",
            "this holder's data has no retention exemption: only the DPO can exempt it",
        ));
    }
    // The exemption covers the restricted categories only: a task that also erases some is
    // COMPLETED by the processor (erased and restricted as asked), never EXEMPT.
    if is_processor
        && outcome == TaskOutcome::Exempt
        && before
            .erase_categories
            .as_ref()
            .is_some_and(|e| !e.0.is_empty())
    {
        return Err(AppError::bad_input(
            "outcome",
            "part of this holder's data is to be erased: confirm COMPLETED once it is erased and the rest restricted",
        ));
    }
    let evidence = validate::optional_text("evidence", evidence, MAX_EVIDENCE)?;
    if outcome != TaskOutcome::Acknowledged && evidence.is_none() {
        return Err(AppError::bad_input(
            "evidence",
            "evidence is required to complete or exempt a task: it is the proof kept",
        ));
    }
    let after = apply(
        &txn,
        &actor,
        before,
        outcome,
        evidence.clone(),
        (outcome == TaskOutcome::Exempt)
            .then(|| evidence.clone())
            .flatten(),
        format!("confirmed {} by {}", outcome.as_str(), principal.role),
    )
    .await?;
    txn.commit().await?;
    keys.events.publish(after.request_id);
    Ok(after)
}

/// The confirmation itself, shared by the API (`confirmTask`) and the holder's answer link so
/// that outcomes, exemptions, the proof and the audit are the same whoever answers: the task
/// moves on, the transition goes into the proof with `detail`, the request follows its tasks,
/// and the change is audited as `actor`, all in the caller's transaction.
pub(crate) async fn apply(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    before: dsr_task::Model,
    outcome: TaskOutcome,
    evidence: Option<String>,
    exemption_reason: Option<String>,
    detail: String,
) -> AppResult<dsr_task::Model> {
    let id = before.id;
    let request = dsr_request::Entity::find_by_id(before.request_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("task {id} has no request")))?;
    if request.status == DsrStatus::Closed {
        return Err(AppError::Conflict(
            "the request is closed: its tasks can no longer be confirmed".into(),
        ));
    }
    let current: TaskStatus = before.status;
    let next =
        lifecycle::confirm(current, outcome).map_err(|e| AppError::Conflict(e.to_string()))?;
    let now = Utc::now();
    let mut active: dsr_task::ActiveModel = before.clone().into();
    active.status = Set(next);
    active.evidence = Set(evidence.clone());
    active.confirmed_by = Set(Some(actor.name.clone()));
    active.confirmed_at = Set(Some(now));
    active.next_attempt_at = Set(None);
    if exemption_reason.is_some() {
        active.exemption_reason = Set(exemption_reason);
    }
    active.updated_at = Set(now);
    let after = active.update(txn).await?;
    record_event(
        txn,
        &after,
        &actor.name,
        Some(current),
        next,
        Some(detail),
        evidence,
    )
    .await?;
    let request = refresh(txn, after.request_id).await?;
    if request.status == DsrStatus::Completed {
        super::holders::forget_if_erased(txn, &request).await?;
    }
    audit::record(
        txn,
        actor,
        Change::updated("confirmTask", "dsr_task", id, &before, &after)?,
    )
    .await?;
    Ok(after)
}

/// Art 12(3): extends the deadline once by one or two further months, with the reason.
pub async fn extend_deadline(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &DsrKeys,
    id: i64,
    months: i32,
    reason: &str,
) -> AppResult<dsr_request::Model> {
    let reason = validate::text("reason", reason, MAX_EVIDENCE)?;
    let txn = db.begin().await?;
    let before = super::lock_open(&txn, id).await?;
    let due_on = deadline::extended(
        before.received_on,
        before.extension_months.is_some(),
        u32::try_from(months).unwrap_or(0),
    )
    .map_err(|e| match e {
        deadline::ExtensionError::AlreadyExtended => AppError::Conflict(e.to_string()),
        deadline::ExtensionError::Months => AppError::bad_input("months", e.to_string()),
    })?;
    let mut active: dsr_request::ActiveModel = before.clone().into();
    active.due_on = Set(due_on);
    active.extension_months = Set(Some(months));
    active.extension_reason = Set(Some(reason));
    active.updated_at = Set(Utc::now());
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change::updated("extendDeadline", "dsr_request", id, &before, &after)?,
    )
    .await?;
    txn.commit().await?;
    keys.events.publish(id);
    Ok(after)
}
