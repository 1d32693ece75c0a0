//! Ending flows, and recording that a recipient deleted or returned what it received.
//!
//! An ended flow stays in the register with its past verdicts: the transfer register of a date
//! before `ended_on` still lists it. Its recipient may still hold what it received until the
//! controller records that the data was deleted or returned (Art 28(3)(g)).

use super::{find, running_continuations};
use crate::{
    audit::{self, Actor, Change},
    error::{AppError, AppResult},
    validate::{self, MAX_TEXT},
};
use chrono::{NaiveDate, Utc};
use entity::data_flow;
use sea_orm::{ActiveValue::Set, TransactionTrait, prelude::*};

/// The day something ended: given or today, not in the future (the register records what has
/// happened; an end planned for later is recorded when it comes), not before 1995, and not
/// before `earliest` when there is one, described by `since` ("the flow's instrument was signed").
///
/// The day a record was entered is deliberately not a bound: a register is often filled in
/// after the fact, and a contract that ended last month must be recordable as such today.
pub(crate) fn end_date(
    field: &str,
    given: Option<NaiveDate>,
    earliest: Option<NaiveDate>,
    since: &str,
) -> AppResult<NaiveDate> {
    let today = Utc::now().date_naive();
    let day = validate::past_date(field, given)?.unwrap_or(today);
    if let Some(earliest) = earliest.filter(|e| day < *e) {
        return Err(AppError::bad_input(
            field,
            format!("{field} {day} is before {earliest}, when {since}"),
        ));
    }
    Ok(day)
}

/// Ends flows and every running flow that continues them (a sub-processor receives nothing
/// more once its processor receives nothing), inside the caller's transaction, each audited.
/// The end date must not precede the signature of any flow it ends.
pub(crate) async fn end_flows(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    operation: &'static str,
    flows: Vec<data_flow::Model>,
    ended_on: Option<NaiveDate>,
    reason: Option<String>,
) -> AppResult<Vec<data_flow::Model>> {
    let mut all = Vec::new();
    let mut layer = flows;
    while !layer.is_empty() {
        let ids: Vec<i64> = layer.iter().map(|f| f.id).collect();
        all.append(&mut layer);
        layer = running_continuations(txn, &ids)
            .await?
            .into_iter()
            .filter(|f| !all.iter().any(|seen| seen.id == f.id))
            .collect();
    }
    // A flow cannot have ended before its instrument (or that of a flow it takes down with it)
    // was signed.
    let earliest = all.iter().filter_map(|f| f.signed_on).max();
    let day = end_date(
        "endedOn",
        ended_on,
        earliest,
        "the transfer instrument of a flow it ends was signed",
    )?;
    let mut saved = Vec::with_capacity(all.len());
    for (i, flow) in all.into_iter().enumerate() {
        let why = match (&reason, i) {
            (Some(r), _) => Some(r.clone()),
            (None, 0) => None,
            (None, _) => Some("the flow it continues ended".to_string()),
        };
        let after = data_flow::ActiveModel {
            id: Set(flow.id),
            ended_on: Set(Some(day)),
            ended_reason: Set(why),
            ..Default::default()
        }
        .update(txn)
        .await?;
        audit::record(
            txn,
            actor,
            Change::updated(operation, "data_flow", flow.id, &flow, &after)?,
        )
        .await?;
        saved.push(after);
    }
    Ok(saved)
}

/// Ends a running flow (and the running flows that continue it) on `ended_on`, default today.
pub async fn end(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    ended_on: Option<NaiveDate>,
    reason: Option<String>,
) -> AppResult<data_flow::Model> {
    let reason = validate::optional_text("reason", reason.as_deref(), MAX_TEXT)?;
    let txn = db.begin().await?;
    let flow = find(&txn, id, "id").await?;
    if let Some(ended) = flow.ended_on {
        return Err(AppError::Conflict(format!(
            "data flow {id} already ended on {ended}"
        )));
    }
    let mut ended = end_flows(&txn, actor, "endDataFlow", vec![flow], ended_on, reason).await?;
    txn.commit().await?;
    if ended.is_empty() {
        return Err(AppError::internal(anyhow::anyhow!(
            "flow {id} was not ended"
        )));
    }
    Ok(ended.swap_remove(0))
}

/// Records that the recipient of an ended flow deleted or returned what it received through it
/// (Art 28(3)(g)), on `returned_on` (default today), with the evidence (a certificate's reference).
/// From then on `whoHolds` no longer names it for this flow.
pub async fn record_returned(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    returned_on: Option<NaiveDate>,
    evidence: Option<String>,
) -> AppResult<data_flow::Model> {
    let evidence = validate::optional_text("evidence", evidence.as_deref(), 2000)?;
    let txn = db.begin().await?;
    let flow = find(&txn, id, "flowId").await?;
    let Some(ended_on) = flow.ended_on else {
        return Err(AppError::Conflict(format!(
            "data flow {id} still runs: end it before recording that its data was returned"
        )));
    };
    if let Some(returned) = flow.returned_on {
        return Err(AppError::Conflict(format!(
            "the return of data flow {id}'s data was already recorded on {returned}"
        )));
    }
    let day = end_date("returnedOn", returned_on, Some(ended_on), "the flow ended")?;
    let saved = data_flow::ActiveModel {
        id: Set(id),
        returned_on: Set(Some(day)),
        return_evidence: Set(evidence),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::updated("recordDataReturned", "data_flow", id, &flow, &saved)?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
