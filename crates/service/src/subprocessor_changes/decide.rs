//! The controller's decision on a pending change (approve, or object with a reason), and a
//! change's withdrawal.

use super::{ensure_may_act_for, find, not_yours, set_status};
use crate::{
    audit::Actor,
    domain::vocab::{Role, SubprocessorChangeStatus},
    error::{AppError, AppResult},
    validate,
};
use chrono::NaiveDate;
use entity::subprocessor_change;
use sea_orm::{TransactionTrait, prelude::*};

/// The controller's answer to an announced change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Object,
}

/// Longest reason kept.
const MAX_REASON: usize = 4000;

/// Approves a PENDING change, or objects to it with a reason (required); any other status is
/// CONFLICT. Who may decide (DPO or ADMIN) is the API's policy.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    decision: Decision,
    reason: Option<&str>,
    today: NaiveDate,
) -> AppResult<subprocessor_change::Model> {
    let reason = validate::optional_text("reason", reason, MAX_REASON)?;
    if decision == Decision::Object && reason.is_none() {
        return Err(AppError::bad_input(
            "reason",
            "an objection gives its reason; the processor is told it",
        ));
    }
    let txn = db.begin().await?;
    let current = find(&txn, id).await?;
    if current.status != SubprocessorChangeStatus::Pending {
        return Err(AppError::Conflict(format!(
            "sub-processor change {id} is {}: only a pending change is decided",
            current.status
        )));
    }
    let (status, operation) = match decision {
        Decision::Approve => (
            SubprocessorChangeStatus::Approved,
            "approveSubprocessorChange",
        ),
        Decision::Object => (
            SubprocessorChangeStatus::Objected,
            "objectToSubprocessorChange",
        ),
    };
    let saved = set_status(&txn, actor, operation, current, status, reason, today).await?;
    if status == SubprocessorChangeStatus::Objected {
        super::notice::send_objection(&txn, &saved).await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// Withdraws a change that has not gone live (PENDING, APPROVED or ACCEPTED_BY_SILENCE): it then
/// does nothing. A PROCESSOR withdraws its own organisation's changes only (`own`).
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    own: Option<i64>,
    id: i64,
    today: NaiveDate,
) -> AppResult<subprocessor_change::Model> {
    let txn = db.begin().await?;
    // A processor learns nothing of another's changes: the same refusal as for a missing one.
    let current = match find(&txn, id).await {
        Err(AppError::NotFound(_)) if actor.role == Role::Processor.as_str() => {
            return Err(not_yours());
        }
        other => other?,
    };
    ensure_may_act_for(actor, own, current.processor_id)?;
    if !matches!(
        current.status,
        SubprocessorChangeStatus::Pending
            | SubprocessorChangeStatus::Approved
            | SubprocessorChangeStatus::AcceptedBySilence
    ) {
        return Err(AppError::Conflict(format!(
            "sub-processor change {id} is {}: it can no longer be withdrawn",
            current.status
        )));
    }
    let saved = set_status(
        &txn,
        actor,
        "withdrawSubprocessorChange",
        current,
        SubprocessorChangeStatus::Withdrawn,
        None,
        today,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
