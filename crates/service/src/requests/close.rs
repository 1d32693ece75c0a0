//! Closing a request by hand (CLOSED): withdrawn by the subject, manifestly unfounded, or finished
//! outside the register. Its identifiers are destroyed at once; its tasks and their proof stay.

use super::DsrKeys;
use crate::{
    audit::{self, Actor, Change},
    domain::vocab::{DeliveryChannel, DsrStatus, TaskStatus},
    error::{AppError, AppResult},
    validate,
};
use chrono::Utc;
use entity::{dsr_request, dsr_task};
use sea_orm::{ActiveValue::Set, TransactionTrait, prelude::*};

pub async fn close(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &DsrKeys,
    id: i64,
    reason: &str,
) -> AppResult<dsr_request::Model> {
    let reason = validate::text("reason", reason, 2000)?;
    let txn = db.begin().await?;
    let before = super::lock_open(&txn, id).await?;
    // A task the worker may still be delivering needs its identifiers: wait for it to end.
    let tasks = dsr_task::Entity::find()
        .filter(dsr_task::Column::RequestId.eq(id))
        .all(&txn)
        .await?;
    for task in &tasks {
        let delivered_by_worker = task.channel != DeliveryChannel::Manual;
        if delivered_by_worker && task.status == TaskStatus::Pending {
            return Err(AppError::bad_input(
                "requestId",
                format!(
                    "task {} is still being delivered: close the request once it is sent or failed",
                    task.id
                ),
            ));
        }
    }
    let now = Utc::now();
    let mut active: dsr_request::ActiveModel = before.clone().into();
    active.status = Set(DsrStatus::Closed);
    active.sealed_identifiers = Set(None);
    active.closed_at = Set(Some(now));
    active.closure_reason = Set(Some(reason));
    active.updated_at = Set(now);
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change::updated(
            "closeDataSubjectRequest",
            "dsr_request",
            id,
            &before,
            &after,
        )?,
    )
    .await?;
    txn.commit().await?;
    keys.events.publish(id);
    Ok(after)
}
