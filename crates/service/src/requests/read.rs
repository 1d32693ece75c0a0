//! Reading requests, their tasks and the proof of each task.

use crate::{
    domain::vocab::{DsrStatus, Role, TaskStatus},
    error::{AppError, AppResult},
    page::{Page, PageRequest},
    tokens::Principal,
};
use chrono::Utc;
use entity::{dsr_request, dsr_task, dsr_task_event};
use sea_orm::{Condition, QueryOrder, prelude::*, sea_query::Query};
use std::collections::HashMap;

pub async fn get(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<dsr_request::Model>> {
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
    crate::page::fetch(
        db,
        dsr_request::Entity::find().filter(cond),
        dsr_request::Column::Id,
        page,
    )
    .await
}

/// A PROCESSOR asking for another organisation's tasks; the edge gives it for a malformed id
/// too, so a PROCESSOR learns nothing from the difference (authorisation before validation).
pub fn not_own_tasks() -> AppError {
    AppError::Forbidden("a PROCESSOR token sees only its own organisation's tasks".into())
}

/// The organisation whose tasks `viewer` may list when asking for `asked`: a PROCESSOR only its
/// own (another organisation's is FORBIDDEN), every other reader what it asked for (or all).
pub fn task_scope(viewer: Option<&Principal>, asked: Option<i64>) -> AppResult<Option<i64>> {
    match viewer {
        Some(p) if p.role == Role::Processor => match (asked, p.organisation_id) {
            (Some(a), Some(own)) if a != own => Err(not_own_tasks()),
            (_, own) => Ok(Some(own.ok_or(AppError::Forbidden(
                "this PROCESSOR token has no organisation".into(),
            ))?)),
        },
        _ => Ok(asked),
    }
}

/// The tasks `viewer` may see, in creation order: [`task_scope`] applied to [`tasks`].
pub async fn tasks_for(
    db: &impl ConnectionTrait,
    viewer: Option<&Principal>,
    asked_organisation: Option<i64>,
    status: Option<TaskStatus>,
    page: PageRequest,
) -> AppResult<Page<dsr_task::Model>> {
    let organisation = task_scope(viewer, asked_organisation)?;
    tasks(db, organisation, status, page).await
}

/// What a PROCESSOR is told of a delivery error: its class only (the HTTP status its webhook
/// answered, no answer in time, or failed), never the URL, host, address, configuration or
/// cause, which are the controller's.
pub fn delivery_error_for_processor(error: &str) -> String {
    if let Some(code) = error
        .split("HTTP ")
        .nth(1)
        .and_then(|rest| rest.get(..3))
        .filter(|c| c.chars().all(|d| d.is_ascii_digit()))
    {
        return format!("the webhook answered HTTP {code}");
    }
    if error.contains("no answer within") {
        return "the webhook did not answer in time".into();
    }
    "the delivery failed; the controller's DPO has the details".into()
}

/// A delivery worker's entry in a task's proof as a PROCESSOR is shown it: the attempt and the
/// class of its outcome (see [`delivery_error_for_processor`]).
pub fn worker_detail_for_processor(detail: &str) -> String {
    let attempt: String = detail
        .strip_prefix("attempt ")
        .map(|rest| rest.chars().take_while(char::is_ascii_digit).collect())
        .unwrap_or_default();
    let prefix = if attempt.is_empty() {
        "delivery".to_string()
    } else {
        format!("attempt {attempt}")
    };
    let failed = detail.contains(" failed");
    let class = delivery_error_for_processor(detail);
    match (failed, detail.contains("HTTP ")) {
        (true, _) => format!("{prefix} failed: {class}"),
        (false, true) => format!("{prefix}: {class}"),
        (false, false) => format!("{prefix}: delivered"),
    }
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
    crate::page::fetch(
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

/// The role of each named token, in one query: what a PROCESSOR is shown instead of a name.
pub async fn token_roles(
    db: &impl ConnectionTrait,
    names: &[String],
) -> AppResult<HashMap<String, Role>> {
    Ok(entity::api_token::Entity::find()
        .filter(entity::api_token::Column::Name.is_in(names.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.name, t.role))
        .collect())
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

/// Tasks by id.
pub async fn tasks_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, dsr_task::Model>> {
    Ok(dsr_task::Entity::find()
        .filter(dsr_task::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::delivery_error_for_processor as scrub;

    #[test]
    fn a_processor_is_told_the_class_of_a_delivery_error_only() {
        assert_eq!(
            scrub("attempt 2: HTTP 503"),
            "the webhook answered HTTP 503"
        );
        assert_eq!(
            scrub(
                "attempt 8 failed, the last: request failed: error sending request for url (https://10.0.0.5/hook)"
            ),
            "the delivery failed; the controller's DPO has the details"
        );
        assert_eq!(
            scrub("no answer within 10000 ms"),
            "the webhook did not answer in time"
        );
        assert!(!scrub("could not prepare the delivery: the organisation has no webhook secret (rotateWebhookSecret sets one)").contains("rotate"));
        assert!(!scrub("HTTP x https://internal.example/").contains("internal"));
        let detail = super::worker_detail_for_processor;
        assert_eq!(
            detail(
                "attempt 3 failed: request failed: dns error for hooks.internal; retry in 400 ms"
            ),
            "attempt 3 failed: the delivery failed; the controller's DPO has the details"
        );
        assert_eq!(
            detail("attempt 1: HTTP 202"),
            "attempt 1: the webhook answered HTTP 202"
        );
        assert_eq!(
            detail("attempt 1: accepted by smtp.internal"),
            "attempt 1: delivered"
        );
    }
}
