//! The group's own sub-processor list, for its customers (Art 28(2) and (4)): the recipients down
//! the chain of every running flow of the activities the group carries out as a processor, and the
//! changes to them announced and not yet live or withdrawn. Words only, and nothing internal: no
//! notes, evidence, contacts, subjects or people's names.

use super::words::{self, Categories};
use crate::error::AppResult;
use chrono::NaiveDate;
use entity::{
    data_flow, organisation, processing_activity, subprocessor_change,
    vocab::{ActingAs, SubprocessorChangeStatus},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One sub-processor on the published list, for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedSubprocessor {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// The service it helps provide: the activity's purpose.
    pub service: String,
    /// In words.
    pub data_categories: Vec<String>,
    /// The transfer safeguard, in words.
    pub safeguard: String,
}

/// An announced change to the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedChange {
    pub id: i64,
    /// In words: addition, relocation, removal.
    pub change: String,
    pub subprocessor: String,
    /// Where it is (a relocation: where it moves to).
    pub country: String,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub objection_deadline: Option<NaiveDate>,
}

/// The published list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PublishedList {
    pub subprocessors: Vec<PublishedSubprocessor>,
    pub changes: Vec<PublishedChange>,
}

/// Builds the list from the register as it is.
pub async fn published(db: &impl ConnectionTrait) -> AppResult<PublishedList> {
    let activities: HashMap<i64, processing_activity::Model> = processing_activity::Entity::find()
        .filter(processing_activity::Column::ActingAs.eq(ActingAs::Processor.as_str()))
        .filter(processing_activity::Column::EndedOn.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let flows = data_flow::Entity::find()
        .filter(data_flow::Column::ActivityId.is_in(activities.keys().copied()))
        .filter(data_flow::Column::EndedOn.is_null())
        .order_by_asc(data_flow::Column::Id)
        .all(db)
        .await?;
    let ids: BTreeSet<i64> = flows.iter().map(|f| f.to_id).collect();
    let changes = subprocessor_change::Entity::find()
        .filter(subprocessor_change::Column::Status.is_in([
            SubprocessorChangeStatus::Pending.as_str(),
            SubprocessorChangeStatus::Approved.as_str(),
            SubprocessorChangeStatus::AcceptedBySilence.as_str(),
        ]))
        .order_by_asc(subprocessor_change::Column::EffectiveOn)
        .order_by_asc(subprocessor_change::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|c| {
            c.activity_ids
                .0
                .iter()
                .any(|a| a.parse().is_ok_and(|a: i64| activities.contains_key(&a)))
        })
        .collect::<Vec<_>>();
    let org_ids = ids
        .iter()
        .copied()
        .chain(changes.iter().map(|c| c.subprocessor_id));
    let orgs: HashMap<i64, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(org_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let subprocessors = lines(&flows, &orgs, &activities, &Categories::load(db).await?);
    let changes = changes
        .into_iter()
        .filter_map(|c| {
            let org = orgs.get(&c.subprocessor_id)?;
            Some(PublishedChange {
                id: c.id,
                change: words::change_kind(c.kind).to_string(),
                subprocessor: org.name.clone(),
                country: c.relocate_to.unwrap_or(org.country).to_string(),
                announced_on: c.announced_on,
                effective_on: c.effective_on,
                objection_deadline: c.objection_deadline,
            })
        })
        .collect();
    Ok(PublishedList {
        subprocessors,
        changes,
    })
}

/// One line per sub-processor and service, the categories of all its flows together.
fn lines(
    flows: &[data_flow::Model],
    orgs: &HashMap<i64, organisation::Model>,
    activities: &HashMap<i64, processing_activity::Model>,
    names: &Categories,
) -> Vec<PublishedSubprocessor> {
    // One line per sub-processor and service, the categories of all its flows together.
    let mut lines: BTreeMap<(String, String, String, String), BTreeSet<String>> = BTreeMap::new();
    for flow in flows {
        let (Some(org), Some(activity)) =
            (orgs.get(&flow.to_id), activities.get(&flow.activity_id))
        else {
            continue;
        };
        let key = (
            org.name.clone(),
            org.country.to_string(),
            activity.purpose.clone(),
            words::mechanism(flow.mechanism).to_string(),
        );
        lines
            .entry(key)
            .or_default()
            .extend(flow.data_categories.0.iter().map(|c| names.name(c)));
    }
    lines
        .into_iter()
        .map(
            |((name, country, service, safeguard), categories)| PublishedSubprocessor {
                name,
                country,
                service,
                data_categories: categories.into_iter().collect(),
                safeguard,
            },
        )
        .collect()
}
