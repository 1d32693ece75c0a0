//! The clock of sub-processor changes, moved by a date so that tests can move it: under a general
//! authorisation a change not objected to by its deadline is accepted by silence (the deadline
//! day itself is still open to objection); on its effective date an approved or accepted change
//! goes live in one audited transaction. Under a specific authorisation nothing is accepted by
//! silence: a change goes live only once approved.

use super::{
    find,
    impact::{concerned_flows, proposed_flows, relocated},
    set_status,
};
use crate::{
    audit::{self, Actor, Change},
    domain::vocab::{SubprocessorAuthorisation, SubprocessorChangeKind, SubprocessorChangeStatus},
    error::{AppError, AppResult},
    flows::{self, DestinationSafeguard, NewFlow},
    locations, organisations,
};
use chrono::NaiveDate;
use entity::{location, subprocessor_change};
use sea_orm::{QueryOrder, TransactionTrait, prelude::*};
use std::collections::BTreeSet;

/// What one turn of the clock did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Advanced {
    /// Changes accepted by silence.
    pub accepted: Vec<i64>,
    /// Changes that went live.
    pub live: Vec<i64>,
    /// Changes that could not go live, with why (they stay as they were and are tried again).
    pub failed: Vec<(i64, String)>,
    /// Messages written to the subscribers of the published list.
    pub notified: u64,
}

/// Moves every change as far as `today` allows. Each change moves in its own transaction: one
/// that cannot go live (its sub-processor offboarded since) does not hold the others back.
pub async fn advance(
    db: &DatabaseConnection,
    actor: &Actor,
    today: NaiveDate,
) -> AppResult<Advanced> {
    let mut out = Advanced {
        notified: super::subscribers::notify(db).await?,
        ..Advanced::default()
    };
    for change in with_status(db, &[SubprocessorChangeStatus::Pending]).await? {
        let Some(deadline) = change.objection_deadline else {
            continue;
        };
        if deadline >= today {
            continue;
        }
        let processor = organisations::find(db, change.processor_id, "id").await?;
        if processor.subprocessor_authorisation != Some(SubprocessorAuthorisation::General) {
            continue;
        }
        let txn = db.begin().await?;
        // Read again under the transaction: a decision may have come in meanwhile.
        let current = find(&txn, change.id).await?;
        if current.status != SubprocessorChangeStatus::Pending {
            continue;
        }
        let detail = format!("not objected to by the deadline, {deadline}");
        set_status(
            &txn,
            actor,
            "acceptSubprocessorChangeBySilence",
            current,
            SubprocessorChangeStatus::AcceptedBySilence,
            Some(detail),
            today,
        )
        .await?;
        txn.commit().await?;
        out.accepted.push(change.id);
    }
    let ready = [
        SubprocessorChangeStatus::Approved,
        SubprocessorChangeStatus::AcceptedBySilence,
    ];
    for change in with_status(db, &ready).await? {
        if change.effective_on > today {
            continue;
        }
        match go_live(db, actor, change.id, today).await {
            Ok(true) => out.live.push(change.id),
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(change = change.id, error = %err, "a sub-processor change could not go live");
                out.failed.push((change.id, err.to_string()));
            }
        }
    }
    Ok(out)
}

async fn with_status(
    db: &impl ConnectionTrait,
    statuses: &[SubprocessorChangeStatus],
) -> AppResult<Vec<subprocessor_change::Model>> {
    Ok(subprocessor_change::Entity::find()
        .filter(subprocessor_change::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
        .order_by_asc(subprocessor_change::Column::Id)
        .all(db)
        .await?)
}

/// Puts one change in force and marks it LIVE, in one transaction; false if it was no longer
/// approved or accepted when read again.
async fn go_live(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> AppResult<bool> {
    let txn = db.begin().await?;
    let change = find(&txn, id).await?;
    if !matches!(
        change.status,
        SubprocessorChangeStatus::Approved | SubprocessorChangeStatus::AcceptedBySilence
    ) {
        return Ok(false);
    }
    let detail = match change.kind {
        SubprocessorChangeKind::Add => add(&txn, actor, &change).await?,
        SubprocessorChangeKind::Remove => remove(&txn, actor, &change).await?,
        SubprocessorChangeKind::Relocate => relocate(&txn, actor, &change).await?,
    };
    set_status(
        &txn,
        actor,
        "subprocessorChangeLive",
        change,
        SubprocessorChangeStatus::Live,
        Some(detail),
        today,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// ADD: records a flow from the processor to the sub-processor continuing each flow the processor
/// receives for the activities, with the proposed safeguard, under `recordDataFlow`'s rules.
async fn add(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    change: &subprocessor_change::Model,
) -> AppResult<String> {
    let incoming = concerned_flows(txn, change).await?;
    let mut recorded = Vec::new();
    for proposed in proposed_flows(change, &incoming) {
        let safeguards = proposed
            .transfer_safeguards
            .as_ref()
            .map(|list| {
                list.0
                    .iter()
                    .map(|s| DestinationSafeguard {
                        country: s.country.to_string(),
                        mechanism: s.mechanism,
                        scc_module: s.scc_module,
                        derogation: s.derogation,
                        signed_on: s.signed_on,
                        tia_completed_on: s.tia_completed_on,
                        evidence: s.evidence.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let saved = flows::record_in(
            txn,
            actor,
            NewFlow {
                activity_id: proposed.activity_id,
                from_id: proposed.from_id,
                to_id: proposed.to_id,
                recipient_role: proposed.recipient_role,
                data_categories: proposed.data_categories.0,
                continues_flow_id: proposed.continues_flow_id,
                mechanism: Some(proposed.mechanism),
                scc_module: proposed.scc_module,
                derogation: proposed.derogation,
                tia_completed_on: proposed.tia_completed_on,
                signed_on: proposed.signed_on,
                evidence: proposed.evidence,
                occasional: proposed.occasional,
                combines_eu_data: None,
                processing_changed: None,
                transfer_safeguards: safeguards,
                reference: None,
            },
        )
        .await?;
        recorded.push(saved.id.to_string());
    }
    if recorded.is_empty() {
        return Err(AppError::Conflict(format!(
            "sub-processor change {}: the processor no longer receives data for its activities",
            change.id
        )));
    }
    Ok(format!("recorded data flows {}", recorded.join(", ")))
}

/// REMOVE: ends the processor's running flows to the sub-processor for the activities (and what
/// continues them) on the effective date.
async fn remove(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    change: &subprocessor_change::Model,
) -> AppResult<String> {
    let running = concerned_flows(txn, change).await?;
    let ended = flows::ending::end_flows(
        txn,
        actor,
        "endDataFlow",
        running,
        Some(change.effective_on),
        Some(format!("sub-processor change {} (removal)", change.id)),
    )
    .await?;
    let ids: Vec<String> = ended.iter().map(|f| f.id.to_string()).collect();
    Ok(format!("ended data flows {}", ids.join(", ")))
}

/// RELOCATE: moves the sub-processor's locations to the new country (each use it had), each
/// removal and addition audited as a correction of its locations is.
async fn relocate(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    change: &subprocessor_change::Model,
) -> AppResult<String> {
    let to = change.relocate_to.ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "relocation {} has no destination",
            change.id
        ))
    })?;
    let org = change.subprocessor_id;
    let current = location::Entity::find()
        .filter(location::Column::OrganisationId.eq(org))
        .order_by_asc(location::Column::Id)
        .all(txn)
        .await?;
    let kept: BTreeSet<(String, &'static str)> = current
        .iter()
        .filter(|l| l.country == to)
        .map(|l| (l.country.to_string(), l.usage.as_str()))
        .collect();
    for l in current.iter().filter(|l| l.country != to) {
        location::Entity::delete_by_id(l.id).exec(txn).await?;
        audit::record(
            txn,
            actor,
            Change::deleted("removeLocation", "location", l.id, l)?,
        )
        .await?;
    }
    for l in relocated(&current, org, to) {
        if kept.contains(&(l.country.to_string(), l.usage.as_str())) {
            continue;
        }
        let saved = locations::insert_location(txn, org, to, l.usage).await?;
        audit::record(
            txn,
            actor,
            Change::created("addLocation", "location", saved.id, &saved)?,
        )
        .await?;
    }
    Ok(format!("locations moved to {to}"))
}

/// Turns the clock once an hour on today's date (the register's day is UTC), from start until
/// the task is dropped; each turn is idempotent, so several instances may run it.
pub async fn run(db: DatabaseConnection, actor: Actor) {
    loop {
        if let Err(err) = advance(&db, &actor, chrono::Utc::now().date_naive()).await {
            tracing::error!(error = ?err, "advancing sub-processor changes failed");
        }
        tokio::time::sleep(std::time::Duration::from_hours(1)).await;
    }
}
