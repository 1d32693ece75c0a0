//! What is due: contracts expiring or due for review, assessments due for review, DPF entries
//! lapsed or missing, and data subject request deadlines, overdue or within a horizon, soonest
//! first. A function of the records and of `today`, so tests move the clock.
//!
//! What stops an item from being due: a contract superseded by another of the same kind for a
//! flow it covers (one running later, or open-ended); an assessment superseded by a later one
//! of the same flow; a flow that ended; a request that completed or was closed; a sub-processor
//! change that was decided or withdrawn (only a pending change has an objection deadline).

use super::contracts::{self, ContractRecord};
use crate::{
    domain::{
        transfer::contract_words,
        vocab::{DsrStatus, DueKind},
    },
    error::{AppError, AppResult},
};
use chrono::{Days, NaiveDate};
use entity::{data_flow, dsr_request, organisation, transfer_impact_assessment as tia};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, prelude::*};
use std::collections::HashMap;

/// One thing that needs attention by a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub kind: DueKind,
    pub due_on: NaiveDate,
    pub organisation_id: Option<i64>,
    pub flow_id: Option<i64>,
    /// The data subject request concerned (a request's deadline).
    pub request_id: Option<i64>,
    /// The sub-processor change concerned (its objection deadline).
    pub subprocessor_change_id: Option<i64>,
    /// The contract concerned (its expiry or review).
    pub contract_id: Option<i64>,
    /// What is due, in words.
    pub message: String,
}

/// The largest horizon asked for, in days.
pub const MAX_WITHIN: i32 = 3660;

/// Items overdue on `today` or due within `within` days of it (inclusive), soonest first.
pub async fn list(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    within: i32,
) -> AppResult<Vec<DueItem>> {
    let days = u64::try_from(within)
        .ok()
        .filter(|d| *d <= MAX_WITHIN.unsigned_abs().into())
        .ok_or_else(|| {
            AppError::bad_input(
                "within",
                format!("within must be between 0 and {MAX_WITHIN}"),
            )
        })?;
    let horizon = today
        .checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX);
    let flows: HashMap<i64, data_flow::Model> = data_flow::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect();
    let names: HashMap<i64, String> = organisation::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let running = |id: &i64| {
        flows
            .get(id)
            .is_some_and(|f| f.ended_on.is_none_or(|e| e > today))
    };
    let mut items = Vec::new();
    let all = contracts::all(db).await?;
    for c in &all {
        items.extend(contract_items(
            c, &all, &flows, &names, &running, today, horizon,
        ));
    }
    items.extend(assessment_items(db, &flows, &names, &running, today, horizon).await?);
    items.extend(request_items(db, today, horizon).await?);
    items.extend(super::dpf_due::items(db, &flows, &names, &running, today, horizon).await?);
    items.extend(objection_items(db, &names, today, horizon).await?);
    items.extend(super::law_due::items(db, &flows, &names, &running, today, horizon).await?);
    sort(&mut items);
    Ok(items)
}

/// The objection deadlines of pending sub-processor changes (Art 28(2)): after the deadline a
/// change under a general authorisation is accepted by silence.
async fn objection_items(
    db: &impl ConnectionTrait,
    names: &HashMap<i64, String>,
    today: NaiveDate,
    horizon: NaiveDate,
) -> AppResult<Vec<DueItem>> {
    let name = |id: i64| names.get(&id).map_or("an organisation", String::as_str);
    Ok(crate::subprocessor_changes::pending_deadlines(db)
        .await?
        .into_iter()
        .filter(|(_, deadline)| *deadline <= horizon)
        .map(|(change, deadline)| DueItem {
            kind: DueKind::ObjectionDeadline,
            due_on: deadline,
            organisation_id: Some(change.processor_id),
            flow_id: None,
            request_id: None,
            subprocessor_change_id: Some(change.id),
            contract_id: None,
            message: format!(
                "{} announced a change of sub-processor ({}): {}",
                name(change.processor_id),
                name(change.subprocessor_id),
                when(
                    deadline,
                    today,
                    "object by",
                    "the objection period ended on"
                ),
            ),
        })
        .collect())
}

/// Soonest first; on a day, by kind, then by message.
pub fn sort(items: &mut [DueItem]) {
    items.sort_by(|a, b| (a.due_on, a.kind, &a.message).cmp(&(b.due_on, b.kind, &b.message)));
}

fn when(due: NaiveDate, today: NaiveDate, future: &str, past: &str) -> String {
    if due < today {
        format!("{past} {due} (overdue)")
    } else {
        format!("{future} {due}")
    }
}

/// Whether another contract of the same kind runs longer for a flow this one covers.
fn superseded(c: &ContractRecord, all: &[ContractRecord]) -> bool {
    all.iter().any(|o| {
        o.contract.id != c.contract.id
            && o.contract.kind == c.contract.kind
            && o.flow_ids.iter().any(|f| c.flow_ids.contains(f))
            && match (o.contract.expires_on, c.contract.expires_on) {
                (None, Some(_)) => true,
                (Some(other), Some(this)) => other > this,
                (None, None) => o.contract.id > c.contract.id,
                (Some(_), None) => false,
            }
    })
}

fn contract_items(
    c: &ContractRecord,
    all: &[ContractRecord],
    flows: &HashMap<i64, data_flow::Model>,
    names: &HashMap<i64, String>,
    running: &impl Fn(&i64) -> bool,
    today: NaiveDate,
    horizon: NaiveDate,
) -> Vec<DueItem> {
    let Some(flow_id) = c.flow_ids.iter().copied().find(|f| running(f)) else {
        return Vec::new();
    };
    if superseded(c, all) {
        return Vec::new();
    }
    let recipient = flows.get(&flow_id).map(|f| f.to_id);
    let with = recipient
        .and_then(|r| names.get(&r))
        .map_or(String::new(), |n| format!(" with {n}"));
    let reference = c
        .contract
        .reference
        .as_deref()
        .map_or(String::new(), |r| format!(" {r}"));
    let what = format!("The {}{reference}{with}", contract_words(c.contract.kind));
    let mut out = Vec::new();
    if let Some(expires) = c.contract.expires_on.filter(|e| *e <= horizon) {
        let notice = c
            .contract
            .notice_period_days
            .filter(|d| *d > 0)
            .map_or(String::new(), |d| {
                format!("; its notice period is {d} days")
            });
        out.push(DueItem {
            kind: DueKind::ContractExpiry,
            due_on: expires,
            organisation_id: recipient,
            flow_id: Some(flow_id),
            request_id: None,
            subprocessor_change_id: None,
            contract_id: Some(c.contract.id),
            message: format!(
                "{what} {}{notice}: renew it or record the one that replaces it.",
                when(expires, today, "expires after", "expired after")
            ),
        });
    }
    if let Some(review) = c.contract.review_on.filter(|r| *r <= horizon) {
        out.push(DueItem {
            kind: DueKind::ContractReview,
            due_on: review,
            organisation_id: recipient,
            flow_id: Some(flow_id),
            request_id: None,
            subprocessor_change_id: None,
            contract_id: Some(c.contract.id),
            message: format!(
                "{what} {}.",
                when(
                    review,
                    today,
                    "is due for review on",
                    "was due for review on"
                )
            ),
        });
    }
    out
}

async fn assessment_items(
    db: &impl ConnectionTrait,
    flows: &HashMap<i64, data_flow::Model>,
    names: &HashMap<i64, String>,
    running: &impl Fn(&i64) -> bool,
    today: NaiveDate,
    horizon: NaiveDate,
) -> AppResult<Vec<DueItem>> {
    let mut latest: HashMap<i64, tia::Model> = HashMap::new();
    for a in tia::Entity::find()
        .order_by_asc(tia::Column::CompletedOn)
        .order_by_asc(tia::Column::Id)
        .all(db)
        .await?
    {
        latest.insert(a.flow_id, a);
    }
    let mut out = Vec::new();
    for a in latest.into_values() {
        if !running(&a.flow_id) || a.review_on > horizon {
            continue;
        }
        let recipient = flows.get(&a.flow_id).map(|f| f.to_id);
        let to = recipient
            .and_then(|r| names.get(&r))
            .map_or(String::new(), |n| format!(" to {n}"));
        out.push(DueItem {
            kind: DueKind::TiaReview,
            due_on: a.review_on,
            organisation_id: recipient,
            flow_id: Some(a.flow_id),
            request_id: None,
            subprocessor_change_id: None,
            contract_id: None,
            message: format!(
                "The transfer impact assessment of data flow {}{to}, completed on {}, {}: re-evaluate it.",
                a.flow_id,
                a.completed_on,
                when(a.review_on, today, "is due for review on", "was due for review on")
            ),
        });
    }
    Ok(out)
}

async fn request_items(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    horizon: NaiveDate,
) -> AppResult<Vec<DueItem>> {
    let open = dsr_request::Entity::find()
        .filter(
            dsr_request::Column::Status
                .is_not_in([DsrStatus::Completed.as_str(), DsrStatus::Closed.as_str()]),
        )
        .filter(dsr_request::Column::DueOn.lte(horizon))
        .all(db)
        .await?;
    Ok(open
        .into_iter()
        .map(|r| DueItem {
            kind: DueKind::DsrDeadline,
            due_on: r.due_on,
            organisation_id: None,
            flow_id: None,
            request_id: Some(r.id),
            subprocessor_change_id: None,
            contract_id: None,
            message: format!(
                "Data subject request {} {}.",
                r.reference,
                when(
                    r.due_on,
                    today,
                    "must be answered by",
                    "was to be answered by"
                )
            ),
        })
        .collect())
}
