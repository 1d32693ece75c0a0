//! Who a request goes to: the organisations holding the subject's data, with the categories
//! each holds and the activities it holds them for.
//!
//! TEMPORARY(issue 4): the subjects tables and the who-holds service are built on the
//! `subjects` branch and not merged yet. Until they are, this treats the subject as taking part
//! in EVERY processing activity: the controller of each activity and every recipient down its
//! flows hold it. Replace [`holders`] with `service::who_holds` once it lands; the rest of
//! filing depends only on [`Holder`].

use crate::{domain::dsr::delivery::Identifiers, error::AppResult};
use entity::{data_flow, processing_activity};
use sea_orm::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// One organisation holding the subject's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub organisation_id: i64,
    pub data_categories: Vec<String>,
    pub activity_ids: Vec<i64>,
}

/// The holders of the subject the identifiers name, ordered by organisation id, and the
/// register's subject id when it knows one.
pub async fn holders(
    db: &impl ConnectionTrait,
    _identifiers: &Identifiers,
) -> AppResult<(Option<i64>, Vec<Holder>)> {
    let activities = processing_activity::Entity::find().all(db).await?;
    let flows = data_flow::Entity::find().all(db).await?;
    let mut held: BTreeMap<i64, (BTreeSet<String>, BTreeSet<i64>)> = BTreeMap::new();
    for a in &activities {
        let entry = held.entry(a.controller_id).or_default();
        entry.0.extend(a.data_categories.0.iter().cloned());
        entry.1.insert(a.id);
    }
    for f in &flows {
        let entry = held.entry(f.to_id).or_default();
        entry.0.extend(f.data_categories.0.iter().cloned());
        entry.1.insert(f.activity_id);
    }
    let holders = held
        .into_iter()
        .map(|(organisation_id, (cats, acts))| Holder {
            organisation_id,
            data_categories: cats.into_iter().collect(),
            activity_ids: acts.into_iter().collect(),
        })
        .collect();
    Ok((None, holders))
}

/// After an erasure completes: the subject's activity links and identifier hashes are deleted,
/// and the request keeps only its random reference.
///
/// TEMPORARY(issue 4): the subjects tables do not exist on this branch yet, so there is nothing
/// to delete; with `service::subjects` this removes the subject named by `request.subject_id`.
pub async fn forget_if_erased(
    _db: &impl ConnectionTrait,
    _request: &entity::dsr_request::Model,
) -> AppResult<()> {
    Ok(())
}
