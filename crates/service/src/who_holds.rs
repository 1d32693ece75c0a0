//! "Who holds this person's data", answered from the live tables on every call.
//!
//! Strategy (chosen by measurement, see BENCHMARKS.md): a chain of continued flows never leaves its
//! activity, so two indexed reads (the subject's links, activities and flows, found from the
//! identifier; the holders with their locations) give everything, and [`holdings::walk`] follows
//! the chains in memory. Nothing is cached between calls, so every answer reflects every committed
//! write, on any number of service instances sharing one database.

use crate::{
    domain::{
        country::CountryCode,
        holdings::{self, ActivityRow, FlowRow, Holding},
        identifier::IdentifierKind,
        vocab::OrganisationStatus,
    },
    error::{AppError, AppResult},
    subjects::{self, Quoted, SubjectKeys},
};
use entity::{
    data_flow, location, organisation, processing_activity, subject_activity, subject_identifier,
};
use sea_orm::{
    Condition, FromQueryResult, Iterable, JoinType, QuerySelect, QueryTrait, RelationDef,
    prelude::*, sea_query::Query,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One holder with what the API shows beside the walk's result.
#[derive(Clone, Debug)]
pub struct HeldBy {
    pub holding: Holding,
    /// Establishment and location countries, sorted, without duplicates.
    pub countries: Vec<CountryCode>,
    pub offboarded: bool,
}

/// The answer, with the rows it was built from so the API can show them without asking again.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub subject_id: Option<i64>,
    pub activities: Vec<processing_activity::Model>,
    pub holdings: Vec<HeldBy>,
    pub cycles: Vec<Vec<i64>>,
    pub organisations: HashMap<i64, organisation::Model>,
    pub locations: HashMap<i64, Vec<location::Model>>,
    pub flows: HashMap<i64, data_flow::Model>,
    /// The activities whose data an erasure kept under restriction (Art 17(3)), with the legal
    /// reason and the end of the retention period.
    pub restricted: HashMap<i64, (String, Option<chrono::NaiveDate>)>,
}

#[allow(
    clippy::too_many_lines,
    reason = "one query and one pass that decodes each row once (see BENCHMARKS.md)"
)]
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
    let mut activities = BTreeMap::new();
    let mut flows = Vec::new();
    let mut restricted = HashMap::new();
    for link in links {
        if let Some(reason) = link.restricted_reason {
            restricted.insert(link.activity_id, (reason, link.restricted_until));
        }
        flows.extend(link.flow);
        if let Some(activity) = link.activity {
            activities.insert(link.activity_id, activity);
        }
    }
    let activities: Vec<processing_activity::Model> = activities.into_values().collect();
    let walked = holdings::walk(&activity_rows(&activities), &flow_rows(&flows)?);
    // Every organisation on every route, so that each path can be shown in full (one that
    // returned the data still stands on the route of those it passed it on to).
    let org_ids: Vec<i64> = walked
        .holdings
        .iter()
        .flat_map(|h| {
            std::iter::once(h.organisation_id)
                .chain(h.routes.iter().flat_map(|r| r.path.iter().copied()))
        })
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect();
    let (orgs, locations) = organisations_and_locations(db, &org_ids).await?;
    let holdings = walked
        .holdings
        .into_iter()
        .map(|holding| {
            let org = orgs.get(&holding.organisation_id).ok_or_else(|| {
                AppError::internal(anyhow::anyhow!(
                    "organisation {} is gone",
                    holding.organisation_id
                ))
            })?;
            let mut countries: BTreeSet<CountryCode> = locations
                .get(&holding.organisation_id)
                .into_iter()
                .flatten()
                .map(|l| l.country)
                .collect();
            countries.insert(org.country);
            Ok(HeldBy {
                countries: countries.into_iter().collect(),
                offboarded: org.status == OrganisationStatus::Offboarded,
                holding,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Answer {
        subject_id: Some(subject_id),
        activities,
        holdings,
        cycles: walked.cycles,
        organisations: orgs,
        locations,
        flows: flows.into_iter().map(|f| (f.id, f)).collect(),
        restricted,
    })
}

/// Whose links [`links`] reads: a subject's, or the one an identifier names.
#[derive(Clone, Copy)]
enum By {
    Identifier((IdentifierKind, [u8; 32])),
    Subject(i64),
}

/// A current link of the subject to an activity, once per flow of that activity (or once with
/// no flow). The activity is decoded only on the first of its rows.
struct Link {
    subject_id: i64,
    restricted_reason: Option<String>,
    restricted_until: Option<chrono::NaiveDate>,
    activity_id: i64,
    activity: Option<processing_activity::Model>,
    flow: Option<data_flow::Model>,
}

/// The prefix of the activity's columns in [`links`]; the flow's come unprefixed.
const ACTIVITY: &str = "a_";
/// The prefix of the location's columns in [`organisations_and_locations`].
const LOCATION: &str = "l_";

/// Selects every column of `E` under the name `{prefix}{column}`.
///
/// Why not sea-orm's `select_also`: it prefixes both sides of a join, and decoding a model
/// under a prefix formats every column's name on every row (a tenth of the CPU of a whoHolds
/// answer on PostgreSQL, measured). Here one side of each join keeps its own names and the
/// other is decoded once per record, not once per row.
fn prefixed<E: EntityTrait, S: QuerySelect>(select: S, prefix: &str) -> S {
    E::Column::iter().fold(select, |select, column| {
        select.column_as(column, format!("{prefix}{}", column.as_str()))
    })
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
            let flow_id: Option<i64> = row.try_get("", data_flow::Column::Id.as_str())?;
            Ok(Link {
                subject_id: row.try_get("", "link_subject_id")?,
                restricted_reason: row.try_get("", "link_reason")?,
                restricted_until: row.try_get("", "link_until")?,
                activity_id: id,
                activity: if seen.insert(id) {
                    Some(processing_activity::Model::from_query_result(
                        row, ACTIVITY,
                    )?)
                } else {
                    None
                },
                flow: match flow_id {
                    Some(_) => Some(data_flow::Model::from_query_result(row, "")?),
                    None => None,
                },
            })
        })
        .collect()
}

type Locations = HashMap<i64, Vec<location::Model>>;

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
    Ok((orgs, locations))
}

fn activity_rows(activities: &[processing_activity::Model]) -> Vec<ActivityRow> {
    activities
        .iter()
        .map(|a| ActivityRow {
            id: a.id,
            controller_id: a.controller_id,
            data_categories: a.data_categories.0.clone(),
        })
        .collect()
}

fn flow_rows(flows: &[data_flow::Model]) -> AppResult<Vec<FlowRow>> {
    flows
        .iter()
        .map(|f| {
            Ok(FlowRow {
                id: f.id,
                activity_id: f.activity_id,
                to_id: f.to_id,
                role: f.recipient_role,
                data_categories: f.data_categories.0.clone(),
                continues_flow_id: f.continues_flow_id,
                ended_on: f.ended_on,
                returned: f.returned_on.is_some(),
            })
        })
        .collect()
}
