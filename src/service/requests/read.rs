//! Reading requests, their tasks and the proof of each task.

use crate::{
    domain::vocab::{DsrStatus, TaskStatus},
    error::AppResult,
    service::{
        page::{Page, PageRequest},
        validate,
    },
};
use chrono::Utc;
use entity::{dsr_request, dsr_task, dsr_task_event};
use sea_orm::{Condition, QueryOrder, prelude::*, sea_query::Query};
use std::collections::HashMap;

pub async fn get(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<dsr_request::Model>> {
    let id = validate::id("id", id)?;
    Ok(dsr_request::Entity::find_by_id(id).one(db).await?)
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<dsr_request::Model>> {
    Ok(dsr_request::Entity::find_by_id(id).one(db).await?)
}

/// The condition for requests that show `status` today (OVERDUE is open past its due date).
fn status_condition(status: DsrStatus) -> Condition {
    let today = Utc::now().date_naive();
    let open = [DsrStatus::Open.as_str(), DsrStatus::InProgress.as_str()];
    match status {
        DsrStatus::Overdue => Condition::all()
            .add(dsr_request::Column::Status.is_in(open))
            .add(dsr_request::Column::DueOn.lt(today)),
        DsrStatus::Open | DsrStatus::InProgress => Condition::all()
            .add(dsr_request::Column::Status.eq(status.as_str()))
            .add(dsr_request::Column::DueOn.gte(today)),
        other => Condition::all().add(dsr_request::Column::Status.eq(other.as_str())),
    }
}

/// Requests in filing order, optionally only those showing `status`.
pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<DsrStatus>,
    page: PageRequest,
) -> AppResult<Page<dsr_request::Model>> {
    let cond = status.map_or_else(Condition::all, status_condition);
    crate::service::page::fetch(
        db,
        dsr_request::Entity::find().filter(cond),
        dsr_request::Column::Id,
        page,
    )
    .await
}

/// Tasks in creation order, optionally of one organisation and in one status.
pub async fn tasks(
    db: &impl ConnectionTrait,
    organisation_id: Option<i64>,
    status: Option<TaskStatus>,
    page: PageRequest,
) -> AppResult<Page<dsr_task::Model>> {
    let mut cond = Condition::all();
    if let Some(org) = organisation_id {
        cond = cond.add(dsr_task::Column::OrganisationId.eq(org));
    }
    if let Some(status) = status {
        cond = cond.add(dsr_task::Column::Status.eq(status.as_str()));
    }
    crate::service::page::fetch(
        db,
        dsr_task::Entity::find().filter(cond),
        dsr_task::Column::Id,
        page,
    )
    .await
}

/// The tasks of each request, in one query.
pub async fn tasks_of(
    db: &impl ConnectionTrait,
    request_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<dsr_task::Model>>> {
    let mut grouped: HashMap<i64, Vec<dsr_task::Model>> = HashMap::new();
    for task in dsr_task::Entity::find()
        .filter(dsr_task::Column::RequestId.is_in(request_ids.iter().copied()))
        .order_by_asc(dsr_task::Column::Id)
        .all(db)
        .await?
    {
        grouped.entry(task.request_id).or_default().push(task);
    }
    Ok(grouped)
}

/// The transitions of each task, oldest first, in one query.
pub async fn events_of(
    db: &impl ConnectionTrait,
    task_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<dsr_task_event::Model>>> {
    let mut grouped: HashMap<i64, Vec<dsr_task_event::Model>> = HashMap::new();
    for event in dsr_task_event::Entity::find()
        .filter(dsr_task_event::Column::TaskId.is_in(task_ids.iter().copied()))
        .order_by_asc(dsr_task_event::Column::Id)
        .all(db)
        .await?
    {
        grouped.entry(event.task_id).or_default().push(event);
    }
    Ok(grouped)
}

/// Unfinished tasks of requests past their due date, for escalation: oldest deadline first.
pub async fn overdue_tasks(db: &impl ConnectionTrait) -> AppResult<Vec<dsr_task::Model>> {
    let today = Utc::now().date_naive();
    Ok(dsr_task::Entity::find()
        .filter(
            dsr_task::Column::Status
                .is_not_in([TaskStatus::Completed.as_str(), TaskStatus::Exempt.as_str()]),
        )
        .filter(
            dsr_task::Column::RequestId.in_subquery(
                Query::select()
                    .column(dsr_request::Column::Id)
                    .from(dsr_request::Entity)
                    .and_where(dsr_request::Column::DueOn.lt(today))
                    .to_owned(),
            ),
        )
        .order_by_asc(dsr_task::Column::RequestId)
        .order_by_asc(dsr_task::Column::Id)
        .all(db)
        .await?)
}
