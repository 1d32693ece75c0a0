//! Sub-processor changes (Art 28(2) and (4)): a processor announces that it adds, relocates or
//! removes a sub-processor; the controller may object within the contract's period (general
//! authorisation) or must approve (specific authorisation); on its effective date an approved or
//! accepted change goes live in the register. Announcing is [`announce`], deciding and
//! withdrawing [`decide`], what the change would do to the transfer verdicts [`impact`], and the
//! daily clock [`clock`].

pub mod announce;
pub mod clock;
pub mod decide;
pub mod impact;
pub mod notice;
pub mod subscribers;

pub use announce::{NewChange, ProposedSafeguard, announce};
pub use clock::{Advanced, advance};
pub use decide::{Decision, decide, withdraw};
pub use impact::{ProposedTransfer, impact};

use crate::{
    audit::Actor,
    domain::vocab::{Role, SubprocessorChangeStatus},
    error::{AppError, AppResult},
    page::{Page, PageRequest},
};
use chrono::{NaiveDate, Utc};
use entity::{subprocessor_change, subprocessor_change_event};
use sea_orm::{ActiveValue::Set, QueryOrder, prelude::*};

/// Whether `actor` may act for `processor_id`: a PROCESSOR token for its own organisation only
/// (`own` is its organisation); every other role that reaches the operation for any. Checked
/// before anything else about the input, so a refusal reveals nothing.
pub fn ensure_may_act_for(actor: &Actor, own: Option<i64>, processor_id: i64) -> AppResult<()> {
    if actor.role != Role::Processor.as_str() {
        return Ok(());
    }
    match own {
        Some(org) if processor_id == org => Ok(()),
        _ => Err(not_yours()),
    }
}

/// A PROCESSOR's refusal for another processor's change, one that does not exist, or an id that
/// names none (the edge gives it for a malformed id: authorisation before validation): the same.
pub fn not_yours() -> AppError {
    AppError::Forbidden(
        "a processor announces and withdraws changes of its own sub-processors only".into(),
    )
}

/// The change with `id`, or NOT_FOUND.
pub async fn find(db: &impl ConnectionTrait, id: i64) -> AppResult<subprocessor_change::Model> {
    subprocessor_change::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("sub-processor change {id}")))
}

/// The change with `id`, if any.
pub async fn get(
    db: &impl ConnectionTrait,
    id: i64,
) -> AppResult<Option<subprocessor_change::Model>> {
    Ok(subprocessor_change::Entity::find_by_id(id).one(db).await?)
}

/// The changes, oldest first, optionally of one status and of one processor's (a PROCESSOR
/// reads its own only).
pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<SubprocessorChangeStatus>,
    processor: Option<i64>,
    page: PageRequest,
) -> AppResult<Page<subprocessor_change::Model>> {
    let mut query = subprocessor_change::Entity::find();
    if let Some(processor) = processor {
        query = query.filter(subprocessor_change::Column::ProcessorId.eq(processor));
    }
    if let Some(status) = status {
        query = query.filter(subprocessor_change::Column::Status.eq(status.as_str()));
    }
    crate::page::fetch(db, query, subprocessor_change::Column::Id, page).await
}

/// The changes still open to objection, with their deadlines, soonest first (for the due items
/// and the console): PENDING changes whose processor has an objection period.
pub async fn pending_deadlines(
    db: &impl ConnectionTrait,
) -> AppResult<Vec<(subprocessor_change::Model, NaiveDate)>> {
    Ok(subprocessor_change::Entity::find()
        .filter(subprocessor_change::Column::Status.eq(SubprocessorChangeStatus::Pending.as_str()))
        .filter(subprocessor_change::Column::ObjectionDeadline.is_not_null())
        .order_by_asc(subprocessor_change::Column::ObjectionDeadline)
        .order_by_asc(subprocessor_change::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| c.objection_deadline.map(|d| (c, d)))
        .collect())
}

/// A change's own history, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    change_id: i64,
) -> AppResult<Vec<subprocessor_change_event::Model>> {
    Ok(subprocessor_change_event::Entity::find()
        .filter(subprocessor_change_event::Column::ChangeId.eq(change_id))
        .order_by_asc(subprocessor_change_event::Column::Id)
        .all(db)
        .await?)
}

/// Writes the state a change entered to its own history (the audit trail has it too).
pub(crate) async fn record_event(
    txn: &impl ConnectionTrait,
    change_id: i64,
    status: SubprocessorChangeStatus,
    actor: &Actor,
    detail: Option<String>,
    on: NaiveDate,
) -> AppResult<()> {
    subprocessor_change_event::ActiveModel {
        change_id: Set(change_id),
        status: Set(status),
        actor: Set(actor.name.clone()),
        detail: Set(detail),
        on_date: Set(on),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// Moves a change to `status` with its event and audit entry, inside the caller's transaction.
pub(crate) async fn set_status(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    operation: &'static str,
    current: subprocessor_change::Model,
    status: SubprocessorChangeStatus,
    reason: Option<String>,
    on: NaiveDate,
) -> AppResult<subprocessor_change::Model> {
    let before = current.clone();
    let mut active: subprocessor_change::ActiveModel = current.into();
    active.status = Set(status);
    if reason.is_some() {
        active.reason = Set(reason.clone());
    }
    if matches!(
        status,
        SubprocessorChangeStatus::Approved | SubprocessorChangeStatus::Objected
    ) {
        active.decided_by = Set(Some(actor.name.clone()));
    }
    active.updated_at = Set(Utc::now());
    let saved = active.update(txn).await?;
    record_event(txn, saved.id, status, actor, reason, on).await?;
    crate::audit::record(
        txn,
        actor,
        crate::audit::Change::updated(operation, "subprocessor_change", saved.id, &before, &saved)?,
    )
    .await?;
    Ok(saved)
}

/// The activity ids of a change, as numbers.
pub fn activity_ids(change: &subprocessor_change::Model) -> Vec<i64> {
    change
        .activity_ids
        .0
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::ChainKey;

    fn actor(role: Role) -> Actor {
        Actor::named(
            "t",
            role.as_str(),
            &ChainKey::derive(b"0123456789abcdef0123456789abcdef"),
        )
    }

    #[test]
    fn a_processor_acts_for_its_own_organisation_only_and_registrars_for_any() {
        let processor = actor(Role::Processor);
        assert!(ensure_may_act_for(&processor, Some(7), 7).is_ok());
        assert!(matches!(
            ensure_may_act_for(&processor, Some(7), 8),
            Err(AppError::Forbidden(_))
        ));
        assert!(matches!(
            ensure_may_act_for(&processor, None, 7),
            Err(AppError::Forbidden(_))
        ));
        for role in [Role::Admin, Role::Procurement, Role::Dpo] {
            assert!(ensure_may_act_for(&actor(role), None, 8).is_ok(), "{role}");
        }
    }
}
