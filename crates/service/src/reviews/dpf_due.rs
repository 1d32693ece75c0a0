//! The due items of the DPF list: a US importer that a running flow relies on the DPF for, and
//! that the latest snapshot shows inactive or misses after an earlier one showed it active
//! (`DPF_LAPSED`), or that no snapshot ever showed active (`DPF_NOT_LISTED`). Both are due on
//! the latest snapshot's date: the day the register learnt it.

use super::due::DueItem;
use crate::{domain::vocab::DueKind, error::AppResult};
use chrono::NaiveDate;
use entity::organisation;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::{BTreeMap, HashMap};

/// The items of the importers in `relied` (each with the first running flow relying on the DPF
/// towards it, from [`super::due_rows::dpf_relied`]).
pub(super) async fn items(
    db: &impl ConnectionTrait,
    relied: &BTreeMap<i64, i64>,
    names: &HashMap<i64, String>,
    today: NaiveDate,
    horizon: NaiveDate,
) -> AppResult<Vec<DueItem>> {
    if relied.is_empty() {
        return Ok(Vec::new());
    }
    let organisations = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(relied.keys().copied()))
        .all(db)
        .await?;
    let us: Vec<&organisation::Model> = organisations
        .iter()
        .filter(|o| super::dpf::listed_country(o.country))
        .collect();
    let (Some(latest), history) = super::dpf::history(db, &us).await? else {
        return Ok(Vec::new());
    };
    if latest.listed_on > horizon {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (org, lapse) in history {
        let name = names.get(&org).cloned().unwrap_or_default();
        let active_now = lapse.latest.as_ref().is_some_and(|e| e.active);
        if active_now {
            continue;
        }
        let overdue = if latest.listed_on < today {
            " (overdue)"
        } else {
            ""
        };
        let (kind, message) = match (lapse.active_before, &lapse.latest) {
            (Some(was), Some(_)) => (
                DueKind::DpfLapsed,
                format!(
                    "{name} was active on the Data Privacy Framework list of {was} but is inactive on the list of {}{overdue}: its transfers under the DPF need another ground.",
                    latest.listed_on
                ),
            ),
            (Some(was), None) => (
                DueKind::DpfLapsed,
                format!(
                    "{name} was active on the Data Privacy Framework list of {was} but is missing from the list of {}{overdue}: its transfers under the DPF need another ground.",
                    latest.listed_on
                ),
            ),
            (None, _) => (
                DueKind::DpfNotListed,
                format!(
                    "{name} is not active on the Data Privacy Framework list of {}{overdue}, but a flow relies on the DPF: link its entry, or record another ground.",
                    latest.listed_on
                ),
            ),
        };
        out.push(DueItem {
            kind,
            due_on: latest.listed_on,
            organisation_id: Some(org),
            flow_id: relied.get(&org).copied(),
            request_id: None,
            subprocessor_change_id: None,
            contract_id: None,
            message,
        });
    }
    Ok(out)
}
