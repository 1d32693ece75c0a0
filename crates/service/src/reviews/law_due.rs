//! The transfers whose verdict the law changed (`VERDICT_CHANGED_BY_LAW`): a change of verdict
//! recorded in `verdict_change` because the date turned (a decision or instrument ended, a date
//! in the register passed) or the reference data changed (a newer reference file). Each is due
//! on the day it was judged, so it is attention at once, and stays listed for
//! [`LOOK_BACK_DAYS`] days after it, until the transfer's verdict changes again (a write that
//! fixes it, or the law once more), or while the flow runs.

use super::due::DueItem;
use crate::{
    domain::vocab::{DueKind, VerdictChangeCause, VerdictStatus},
    error::AppResult,
};
use chrono::{Days, NaiveDate};
use entity::{data_flow, verdict_change};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};

/// How many days a change of verdict by the law stays a due item (the digest sends it once).
pub const LOOK_BACK_DAYS: u64 = 30;

/// The last change of each transfer judged in the window (of any cause: a later write's change
/// supersedes the law's), by flow and destination.
pub(super) async fn changes(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    horizon: NaiveDate,
) -> AppResult<Vec<verdict_change::Model>> {
    let from = today
        .checked_sub_days(Days::new(LOOK_BACK_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let mut last: BTreeMap<(i64, String), verdict_change::Model> = BTreeMap::new();
    for change in verdict_change::Entity::find()
        .filter(verdict_change::Column::JudgedOn.gte(from))
        .filter(verdict_change::Column::JudgedOn.lte(horizon))
        .order_by_asc(verdict_change::Column::Id)
        .all(db)
        .await?
    {
        last.insert(
            (change.flow_id, change.destination.as_str().to_owned()),
            change,
        );
    }
    Ok(last.into_values().collect())
}

/// The due items of `changes` (from [`changes`]) whose flow still runs.
pub(super) fn items(
    changes: Vec<verdict_change::Model>,
    flows: &HashMap<i64, data_flow::Model>,
    names: &HashMap<i64, String>,
    running: &impl Fn(&i64) -> bool,
) -> Vec<DueItem> {
    let mut out = Vec::new();
    for change in changes {
        let (Some(old), Some(new)) = (change.old_status, change.new_status) else {
            continue;
        };
        let why = match change.cause {
            VerdictChangeCause::RegisterWrite => continue,
            VerdictChangeCause::DateTurned => "a date in the law or the register passed".to_owned(),
            VerdictChangeCause::ReferenceData => {
                format!("reference data {}", change.reference_version)
            }
        };
        if old == new || !running(&change.flow_id) {
            continue;
        }
        let recipient = flows.get(&change.flow_id).map(|f| f.to_id);
        let to = recipient
            .and_then(|r| names.get(&r))
            .map_or(String::new(), |n| format!(" to {n}"));
        out.push(DueItem {
            kind: DueKind::VerdictChangedByLaw,
            due_on: change.judged_on,
            organisation_id: recipient,
            flow_id: Some(change.flow_id),
            request_id: None,
            subprocessor_change_id: None,
            contract_id: None,
            message: format!(
                "The verdict of data flow {}{to} ({}) changed by the law on {}: {} → {} ({why}){}.",
                change.flow_id,
                change.destination.as_str(),
                change.judged_on,
                words(old),
                words(new),
                if new == VerdictStatus::NonCompliant {
                    ": record a safeguard or stop the transfer"
                } else {
                    ""
                },
            ),
        });
    }
    out
}

/// A verdict in a DPO's words.
fn words(status: VerdictStatus) -> &'static str {
    match status {
        VerdictStatus::NotRestricted => "not a restricted transfer",
        VerdictStatus::Adequate => "adequate",
        VerdictStatus::Safeguarded => "safeguarded",
        VerdictStatus::Derogation => "derogation (Art 49)",
        VerdictStatus::NonCompliant => "non-compliant",
    }
}
