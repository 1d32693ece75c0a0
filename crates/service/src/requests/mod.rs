//! Data-subject requests: filing fans a request out to one task per holder in one transaction;
//! tasks are delivered by the worker (`delivery`), confirmed by holders (`confirm`), and the
//! request follows them to done.

pub mod certificate;
pub mod close;
pub mod confirm;
pub mod delivery;
pub mod events;
pub mod file;
pub mod holders;
pub mod mail;
pub mod outbox;
pub mod read;
pub mod reminders;
pub mod respond;
pub mod secrets;

use crate::{
    domain::{
        dsr::{delivery::Identifiers, lifecycle, seal::Sealer},
        vocab::{DsrStatus, TaskStatus},
    },
    error::{AppError, AppResult},
};
use chrono::{NaiveDate, Utc};
use entity::{dsr_request, dsr_task, dsr_task_event};
use sea_orm::{ActiveValue::Set, QueryOrder, QuerySelect, prelude::*};

pub use events::DsrEvents;

/// What the request services need beside the database: the sealer, the change feed and the
/// key of the holders' answer links.
#[derive(Clone, Debug)]
pub struct DsrKeys {
    pub sealer: Sealer,
    pub events: DsrEvents,
    pub links: respond::LinkKey,
}

/// The associated data a request's sealed identifiers are bound to.
pub fn sealed_record(reference: &str) -> String {
    format!("dsr_request:{reference}")
}

/// The identifiers of an open request; `CONFLICT` once it has closed and they are destroyed.
pub fn open_identifiers(sealer: &Sealer, request: &dsr_request::Model) -> AppResult<Identifiers> {
    let sealed = request.sealed_identifiers.as_deref().ok_or_else(|| {
        AppError::Conflict(format!(
            "request {} is closed: its identifiers are destroyed",
            request.id
        ))
    })?;
    let plain = sealer
        .open(sealed, &sealed_record(&request.reference))
        .map_err(AppError::internal)?;
    serde_json::from_slice(&plain).map_err(AppError::internal)
}

/// The status a request shows today: stored OPEN/IN_PROGRESS become OVERDUE after `due_on`.
pub fn shown_status(request: &dsr_request::Model, today: NaiveDate) -> AppResult<DsrStatus> {
    let stored: DsrStatus = request.status;
    Ok(match stored {
        DsrStatus::Open | DsrStatus::InProgress if today > request.due_on => DsrStatus::Overdue,
        other => other,
    })
}

/// A task transition for the proof, to insert.
pub(crate) fn task_event(
    task: &dsr_task::Model,
    actor: &str,
    from: Option<TaskStatus>,
    to: TaskStatus,
    detail: Option<String>,
    evidence: Option<String>,
) -> dsr_task_event::ActiveModel {
    dsr_task_event::ActiveModel {
        task_id: Set(task.id),
        request_id: Set(task.request_id),
        occurred_at: Set(Utc::now()),
        actor: Set(actor.to_string()),
        from_status: Set(from),
        to_status: Set(to),
        detail: Set(detail),
        evidence: Set(evidence),
        ..Default::default()
    }
}

/// Appends a task transition to the proof.
pub(crate) async fn record_event(
    db: &impl ConnectionTrait,
    task: &dsr_task::Model,
    actor: &str,
    from: Option<TaskStatus>,
    to: TaskStatus,
    detail: Option<String>,
    evidence: Option<String>,
) -> AppResult<()> {
    task_event(task, actor, from, to, detail, evidence)
        .insert(db)
        .await?;
    Ok(())
}

/// Brings the request's stored status in line with its tasks; on completion it closes: the
/// sealed identifiers are destroyed. Returns the request as saved.
/// The request `id`, locked for the rest of the transaction; refused if unknown or already closed.
pub(crate) async fn lock_open(db: &impl ConnectionTrait, id: i64) -> AppResult<dsr_request::Model> {
    let request = dsr_request::Entity::find_by_id(id)
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input("requestId", format!("no request with id {id}")))?;
    if request.closed_at.is_some() {
        return Err(AppError::Conflict(format!(
            "request {id} is already {}",
            request.status
        )));
    }
    Ok(request)
}

pub(crate) async fn refresh(
    db: &impl ConnectionTrait,
    request_id: i64,
) -> AppResult<dsr_request::Model> {
    let request = dsr_request::Entity::find_by_id(request_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("request {request_id} is gone")))?;
    // A request closed by hand stays closed whatever its tasks do afterwards.
    if request.status == DsrStatus::Closed {
        return Ok(request);
    }
    // The statuses alone: the worker refreshes after every attempt, and whole rows (four JSON
    // columns each) of a request with 200 tasks made that the cost of a delivery.
    let statuses: Vec<TaskStatus> = dsr_task::Entity::find()
        .select_only()
        .column(dsr_task::Column::Status)
        .filter(dsr_task::Column::RequestId.eq(request_id))
        .order_by_asc(dsr_task::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    // Stored without the calendar (never OVERDUE): that is derived when shown.
    let status = lifecycle::request_status(&statuses, NaiveDate::MAX, NaiveDate::MIN);
    if status == request.status {
        return Ok(request);
    }
    let now = Utc::now();
    let mut active: dsr_request::ActiveModel = request.into();
    active.status = Set(status);
    active.updated_at = Set(now);
    if status == DsrStatus::Completed {
        active.sealed_identifiers = Set(None);
        active.closed_at = Set(Some(now));
    }
    Ok(active.update(db).await?)
}
