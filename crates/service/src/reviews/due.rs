//! What is due: contracts expiring or due for review, assessments due for review, DPF entries
//! lapsed or missing, and data subject request deadlines, overdue or within a horizon, soonest
//! first. A function of the records and of `today`, so tests move the clock.
//!
//! What stops an item from being due: a contract superseded by another of the same kind for a
//! flow it covers (one running later, or open-ended); an assessment superseded by a later one
//! of the same flow; a flow that ended; a request that completed or was closed; a sub-processor
//! change that was decided or withdrawn (only a pending change has an objection deadline).

use super::{
    contracts::ContractRecord,
    due_rows::{self, Lookup},
};
use crate::{
    domain::{
        transfer::contract_words,
        vocab::{DsrStatus, DueKind},
    },
    error::{AppError, AppResult},
};
use chrono::{Days, NaiveDate};
use entity::{data_flow, dsr_request, subprocessor_change, transfer_impact_assessment as tia};
use sea_orm::{ColumnTrait, QueryFilter, prelude::*};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    let contracts = due_rows::contracts(db, horizon).await?;
    let assessments = due_rows::assessments(db, horizon).await?;
    let changes = super::law_due::changes(db, today, horizon).await?;
    let deadlines: Vec<_> = crate::subprocessor_changes::pending_deadlines(db)
        .await?
        .into_iter()
        .filter(|(_, deadline)| *deadline <= horizon)
        .collect();
    let flow_ids: BTreeSet<i64> = contracts
        .iter()
        .flat_map(|c| c.flow_ids.iter().copied())
        .chain(assessments.iter().map(|a| a.flow_id))
        .chain(changes.iter().map(|c| c.flow_id))
        .collect();
    // The DPF list's items are due on its latest snapshot's date: none without one by the horizon.
    let relied = if super::dpf::snapshots(db)
        .await?
        .first()
        .is_some_and(|latest| latest.listed_on <= horizon)
    {
        due_rows::dpf_relied(db, today).await?
    } else {
        BTreeMap::new()
    };
    let organisation_ids: BTreeSet<i64> = deadlines
        .iter()
        .flat_map(|(c, _)| [c.processor_id, c.subprocessor_id])
        .chain(relied.keys().copied())
        .collect();
    let Lookup { flows, names } = Lookup::load(db, &flow_ids, &organisation_ids).await?;
    let running = |id: &i64| {
        flows
            .get(id)
            .is_some_and(|f| f.ended_on.is_none_or(|e| e > today))
    };
    let mut items = Vec::new();
    for c in &contracts {
        items.extend(contract_items(c, &flows, &names, &running, today, horizon));
    }
    items.extend(assessment_items(
        assessments,
        &flows,
        &names,
        &running,
        today,
    ));
    items.extend(request_items(db, today, horizon).await?);
    items.extend(super::dpf_due::items(db, &relied, &names, today, horizon).await?);
    items.extend(objection_items(deadlines, &names, today));
    items.extend(super::law_due::items(changes, &flows, &names, &running));
    sort(&mut items);
    Ok(items)
}

/// The objection deadlines of pending sub-processor changes (Art 28(2)): after the deadline a
/// change under a general authorisation is accepted by silence.
fn objection_items(
    deadlines: Vec<(subprocessor_change::Model, NaiveDate)>,
    names: &HashMap<i64, String>,
    today: NaiveDate,
) -> Vec<DueItem> {
    let name = |id: i64| names.get(&id).map_or("an organisation", String::as_str);
    deadlines
        .into_iter()
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
        .collect()
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

fn contract_items(
    c: &ContractRecord,
    flows: &HashMap<i64, data_flow::Model>,
    names: &HashMap<i64, String>,
    running: &impl Fn(&i64) -> bool,
    today: NaiveDate,
    horizon: NaiveDate,
) -> Vec<DueItem> {
    let Some(flow_id) = c.flow_ids.iter().copied().find(|f| running(f)) else {
        return Vec::new();
    };
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

fn assessment_items(
    latest: Vec<tia::Model>,
    flows: &HashMap<i64, data_flow::Model>,
    names: &HashMap<i64, String>,
    running: &impl Fn(&i64) -> bool,
    today: NaiveDate,
) -> Vec<DueItem> {
    let mut out = Vec::new();
    for a in latest {
        if !running(&a.flow_id) {
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
    out
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
