//! The two-reads path of whoHolds (SQLite's, and PostgreSQL's before the one statement): the
//! subject's links, activities and flows, found from the identifier; then the holders with their
//! locations.
//!
//! A chain of continued flows never leaves its activity, so these two indexed reads give
//! everything, and [`holdings::walk`] follows the chains in memory.

use super::{
    ACTIVITY, Answer, LOCATION, Link, Locations, activity_rows, flow_rows, gather, held_by,
    organisations_shown, prefixed,
};
use crate::{
    domain::{holdings, identifier::IdentifierKind},
    error::AppResult,
    subjects::{self, Quoted, SubjectKeys},
};
use entity::{
    data_flow, location, organisation, processing_activity, subject_activity, subject_identifier,
};
use sea_orm::{
    Condition, FromQueryResult, Iterable, JoinType, QuerySelect, QueryTrait, RelationDef,
    prelude::*, sea_query::Query,
};
use std::collections::{BTreeSet, HashMap};

/// Who holds the subject's data, from two reads (one more for several identifiers, or for a
/// subject with no current activity).
pub async fn who_holds(
    db: &impl ConnectionTrait,
    keys: &SubjectKeys,
    quoted: &Quoted,
) -> AppResult<Answer> {
    let hashes = keys.hashes(quoted)?;
    let today = chrono::Utc::now().date_naive();
    // One identifier, the usual question, names at most one subject: its links, activities and
    // flows come in one statement, and only a subject with no current activity (or none at all)
    // costs a second. Several identifiers must first be shown to name one subject.
    let (subject_id, links) = match hashes.as_slice() {
        [only] => {
            let links = links(db, By::Identifier(*only), today).await?;
            match links.first().map(|l| l.subject_id) {
                Some(id) => (id, links),
                None => match subjects::find_hashed(db, &hashes).await? {
                    Some(id) => (id, links),
                    None => return Ok(Answer::default()),
                },
            }
        }
        _ => {
            let Some(id) = subjects::find_hashed(db, &hashes).await? else {
                return Ok(Answer::default());
            };
            (id, links(db, By::Subject(id), today).await?)
        }
    };
    let gathered = gather(links);
    let walked = holdings::walk(
        &activity_rows(&gathered.activities),
        &flow_rows(&gathered.flows),
    );
    let (orgs, locations) = organisations_and_locations(db, &organisations_shown(&walked)).await?;
    Ok(Answer {
        subject_id: Some(subject_id),
        activities: gathered.activities,
        holdings: held_by(walked.holdings, &orgs, &locations)?,
        cycles: walked.cycles,
        organisations: orgs,
        locations,
        flows: gathered.flows.into_iter().map(|f| (f.id, f)).collect(),
        restricted: gathered.restricted,
    })
}

/// Whose links [`links`] reads: a subject's, or the one an identifier names.
#[derive(Clone, Copy)]
enum By {
    Identifier((IdentifierKind, [u8; 32])),
    Subject(i64),
}

/// The subject's current links with their activities and all their flows, in one statement (the
/// flows by a left join). A link kept under restriction after an erasure counts until its
/// retention period has ended.
async fn links(
    db: &impl ConnectionTrait,
    by: By,
    today: chrono::NaiveDate,
) -> AppResult<Vec<Link>> {
    let flow_of_activity: RelationDef = data_flow::Entity::belongs_to(processing_activity::Entity)
        .from(data_flow::Column::ActivityId)
        .to(processing_activity::Column::Id)
        .into();
    let link_of_activity: RelationDef =
        subject_activity::Entity::belongs_to(processing_activity::Entity)
            .from(subject_activity::Column::ActivityId)
            .to(processing_activity::Column::Id)
            .into();
    let whose = match by {
        By::Subject(id) => subject_activity::Column::SubjectId.eq(id),
        By::Identifier((kind, hash)) => subject_activity::Column::SubjectId.in_subquery(
            Query::select()
                .column(subject_identifier::Column::SubjectId)
                .from(subject_identifier::Entity)
                .and_where(subject_identifier::Column::Kind.eq(kind))
                .and_where(subject_identifier::Column::Hash.eq(hash.to_vec()))
                .to_owned(),
        ),
    };
    let select = processing_activity::Entity::find()
        .select_only()
        .column_as(subject_activity::Column::SubjectId, "link_subject_id")
        .column_as(subject_activity::Column::RestrictedReason, "link_reason")
        .column_as(subject_activity::Column::RestrictedUntil, "link_until");
    let statement = prefixed::<processing_activity::Entity, _>(select, ACTIVITY)
        .columns(data_flow::Column::iter())
        .join(JoinType::InnerJoin, link_of_activity.rev())
        .join(JoinType::LeftJoin, flow_of_activity.rev())
        .filter(whose)
        .filter(
            Condition::any()
                .add(subject_activity::Column::RestrictedUntil.is_null())
                .add(subject_activity::Column::RestrictedUntil.gte(today)),
        )
        .build(db.get_database_backend());
    let mut seen = BTreeSet::new();
    let activity_id = format!("{ACTIVITY}id");
    db.query_all_raw(statement)
        .await?
        .iter()
        .map(|row| {
            let id: i64 = row.try_get("", &activity_id)?;
            let mut link = Link::from_row(row, id)?;
            if seen.insert(id) {
                link.activity = Some(processing_activity::Model::from_query_result(
                    row, ACTIVITY,
                )?);
            }
            Ok(link)
        })
        .collect()
}

/// The holders and their locations, in one statement (a left join).
async fn organisations_and_locations(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<(HashMap<i64, organisation::Model>, Locations)> {
    let location_of: RelationDef = location::Entity::belongs_to(organisation::Entity)
        .from(location::Column::OrganisationId)
        .to(organisation::Column::Id)
        .into();
    let statement = prefixed::<location::Entity, _>(organisation::Entity::find(), LOCATION)
        .join(JoinType::LeftJoin, location_of.rev())
        .filter(organisation::Column::Id.is_in(ids.iter().copied()))
        .build(db.get_database_backend());
    let location_id = format!("{LOCATION}id");
    let mut orgs = HashMap::new();
    let mut locations: Locations = ids.iter().map(|id| (*id, Vec::new())).collect();
    for row in db.query_all_raw(statement).await? {
        let id: i64 = row.try_get("", organisation::Column::Id.as_str())?;
        if let std::collections::hash_map::Entry::Vacant(entry) = orgs.entry(id) {
            entry.insert(organisation::Model::from_query_result(&row, "")?);
        }
        if row.try_get::<Option<i64>>("", &location_id)?.is_some() {
            let location = location::Model::from_query_result(&row, LOCATION)?;
            locations.entry(id).or_default().push(location);
        }
    }
    for held in locations.values_mut() {
        held.sort_by_key(|l| l.id);
    }
    Ok((orgs, locations))
}
