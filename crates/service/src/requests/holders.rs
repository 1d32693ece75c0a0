//! Who a request goes to: the organisations holding the subject's data (the who-holds answer),
//! with the categories each holds and the activities it holds them for; and forgetting the
//! subject once an erasure is done.

use crate::{
    domain::{dsr::delivery::Identifiers, vocab::DsrKind},
    error::AppResult,
    subjects::{self, Quoted, SubjectKeys},
    who_holds,
};
use chrono::NaiveDate;
use entity::{dsr_request, dsr_task, subject_activity};
use sea_orm::{ActiveValue::Set, prelude::*, sea_query::Expr};
use std::collections::BTreeMap;

/// One organisation holding the subject's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub organisation_id: i64,
    pub data_categories: Vec<String>,
    pub activity_ids: Vec<i64>,
    /// The categories it holds for each of those activities.
    pub by_activity: Vec<(i64, Vec<String>)>,
}

/// The holders of the subject the identifiers name, ordered by organisation id, with the
/// activities the register knows of that subject, and the register's subject id (none, and no
/// holders, for a subject the register does not know).
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
    // The activities each holder takes part in: those it controls, and those of every flow by
    // which it still holds the data.
    let mut holders: Vec<Holder> = answer
        .holdings
        .iter()
        .map(|h| Holder {
            organisation_id: h.holding.organisation_id,
            data_categories: h.holding.data_categories.clone(),
            activity_ids: h.holding.by_activity.keys().copied().collect(),
            by_activity: h
                .holding
                .by_activity
                .iter()
                .map(|(a, c)| (*a, c.clone()))
                .collect(),
        })
        .collect();
    holders.sort_by_key(|h| h.organisation_id);
    Ok((answer.subject_id, holders))
}

/// After an erasure completes, the register forgets the subject (the identifier hashes and the
/// activity links; the request keeps only its random reference) except what an exemption keeps:
/// the links to activities whose data is restricted rather than erased (Art 17(3)), each with its
/// legal reason and the end of its retention period, and the hashes needed to find them. So
/// `whoHolds` still shows what is kept under restriction, and why, until the period ends.
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
    let tasks = dsr_task::Entity::find()
        .filter(dsr_task::Column::RequestId.eq(request.id))
        .all(db)
        .await?;
    let mut kept: BTreeMap<i64, (String, Option<NaiveDate>)> = BTreeMap::new();
    for task in &tasks {
        for set in task.restrictions.iter().flat_map(|r| r.0.iter()) {
            for activity in &set.activity_ids {
                kept.entry(*activity)
                    .or_insert_with(|| (set.reason.clone(), set.until));
            }
        }
    }
    dsr_request::ActiveModel {
        id: Set(request.id),
        subject_id: Set(None),
        ..Default::default()
    }
    .update(db)
    .await?;
    if kept.is_empty() {
        return subjects::forget(db, subject_id).await;
    }
    subject_activity::Entity::delete_many()
        .filter(subject_activity::Column::SubjectId.eq(subject_id))
        .filter(subject_activity::Column::ActivityId.is_not_in(kept.keys().copied()))
        .exec(db)
        .await?;
    for (activity, (reason, until)) in kept {
        subject_activity::Entity::update_many()
            .col_expr(
                subject_activity::Column::RestrictedReason,
                Expr::value(Some(reason)),
            )
            .col_expr(
                subject_activity::Column::RestrictedUntil,
                Expr::value(until),
            )
            .filter(subject_activity::Column::SubjectId.eq(subject_id))
            .filter(subject_activity::Column::ActivityId.eq(activity))
            .exec(db)
            .await?;
    }
    Ok(())
}
