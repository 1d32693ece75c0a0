//! Who a request goes to: the organisations holding the subject's data (the who-holds answer),
//! with the categories each holds and the activities it holds them for; and forgetting the
//! subject once an erasure is done.

use crate::{
    domain::{dsr::delivery::Identifiers, vocab::DsrKind},
    error::AppResult,
    service::{
        subjects::{self, Quoted, SubjectKeys},
        who_holds,
    },
};
use entity::dsr_request;
use sea_orm::{ActiveValue::Set, prelude::*};
use std::collections::{BTreeMap, BTreeSet};

/// One organisation holding the subject's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub organisation_id: i64,
    pub data_categories: Vec<String>,
    pub activity_ids: Vec<i64>,
}

/// The holders of the subject the identifiers name, ordered by organisation id, and the
/// register's subject id (none, and no holders, for a subject the register does not know).
pub async fn holders(
    db: &impl ConnectionTrait,
    keys: &SubjectKeys,
    ids: &Identifiers,
) -> AppResult<(Option<i64>, Vec<Holder>)> {
    let quoted = Quoted {
        email: ids.email.clone(),
        phone: ids.phone.clone(),
        account_number: ids.account_number.clone(),
    };
    let answer = who_holds::who_holds(db, keys, &quoted).await?;
    // The activities each holder takes part in: those it controls, and those of every flow it
    // receives (every flow of an activity is reachable from its controller).
    let mut activities: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for a in &answer.activities {
        activities.entry(a.controller_id).or_default().insert(a.id);
    }
    for f in answer.flows.values() {
        activities.entry(f.to_id).or_default().insert(f.activity_id);
    }
    let mut holders: Vec<Holder> = answer
        .holdings
        .iter()
        .map(|h| Holder {
            organisation_id: h.holding.organisation_id,
            data_categories: h.holding.data_categories.clone(),
            activity_ids: activities
                .get(&h.holding.organisation_id)
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
        })
        .collect();
    holders.sort_by_key(|h| h.organisation_id);
    Ok((answer.subject_id, holders))
}

/// After an erasure completes: the subject's activity links and identifier hashes are deleted
/// (the register must not keep identifying a person who asked to be forgotten), and the request
/// keeps only its random reference.
pub async fn forget_if_erased(
    db: &impl ConnectionTrait,
    request: &dsr_request::Model,
) -> AppResult<()> {
    if request.kind != DsrKind::Erasure {
        return Ok(());
    }
    let Some(subject_id) = request.subject_id else {
        return Ok(());
    };
    subjects::forget(db, subject_id).await?;
    dsr_request::ActiveModel {
        id: Set(request.id),
        subject_id: Set(None),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}
