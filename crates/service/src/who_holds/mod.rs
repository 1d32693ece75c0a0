//! "Who holds this person's data", answered from the live tables on every call.
//!
//! Two ways to read the same rows, chosen by the backend (see BENCHMARKS.md, "whoHolds in one
//! statement on PostgreSQL"): on PostgreSQL one `WITH RECURSIVE` statement ([`postgres`]) brings
//! the subject, its links, activities and flows, and the holders with their locations in one
//! round trip; on SQLite, where a statement is a call into a library and not a round trip, two
//! indexed reads ([`two_reads`]) do. Both hand the rows to [`holdings::walk`], which follows the
//! chains of continued flows in memory, so the answer is the same by construction: the walk's
//! rules (shortest paths, routes, cycles, returns, ends) live in one place. Nothing is cached
//! between calls, so every answer reflects every committed write, on any number of service
//! instances sharing one database.

pub mod postgres;
pub mod two_reads;

use crate::{
    domain::{
        country::CountryCode,
        holdings::{ActivityRow, FlowRow, Holding, Holdings},
        vocab::OrganisationStatus,
    },
    error::{AppError, AppResult},
    subjects::{Quoted, SubjectKeys},
};
use entity::{data_flow, location, organisation, processing_activity};
use sea_orm::{DatabaseBackend, Iterable, QuerySelect, prelude::*};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One holder with what the API shows beside the walk's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldBy {
    pub holding: Holding,
    /// Establishment and location countries, sorted, without duplicates.
    pub countries: Vec<CountryCode>,
    pub offboarded: bool,
}

/// The answer, with the rows it was built from so the API can show them without asking again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub subject_id: Option<i64>,
    pub activities: Vec<processing_activity::Model>,
    pub holdings: Vec<HeldBy>,
    pub cycles: Vec<Vec<i64>>,
    pub organisations: HashMap<i64, organisation::Model>,
    /// Each holder's locations, in the order of their ids.
    pub locations: HashMap<i64, Vec<location::Model>>,
    pub flows: HashMap<i64, data_flow::Model>,
    /// The activities whose data an erasure kept under restriction (Art 17(3)), with the legal
    /// reason and the end of the retention period.
    pub restricted: HashMap<i64, (String, Option<chrono::NaiveDate>)>,
}

/// Who holds the data of the subject the quoted identifiers name: one statement on PostgreSQL,
/// two reads elsewhere (the same answer either way).
pub async fn who_holds(
    db: &impl ConnectionTrait,
    keys: &SubjectKeys,
    quoted: &Quoted,
) -> AppResult<Answer> {
    match db.get_database_backend() {
        DatabaseBackend::Postgres => postgres::who_holds(db, keys, quoted).await,
        _ => two_reads::who_holds(db, keys, quoted).await,
    }
}

/// A current link of the subject to an activity, once per flow of that activity (or once with
/// no flow). The activity is decoded only on the first of its rows.
pub(crate) struct Link {
    pub subject_id: i64,
    pub restricted_reason: Option<String>,
    pub restricted_until: Option<chrono::NaiveDate>,
    pub activity_id: i64,
    pub activity: Option<processing_activity::Model>,
    pub flow: Option<data_flow::Model>,
}

impl Link {
    /// The link of one row whose activity's id is `id`, with its flow if the row has one; its
    /// activity is decoded by the caller, once per activity.
    pub(crate) fn from_row(row: &sea_orm::QueryResult, id: i64) -> Result<Self, sea_orm::DbErr> {
        use sea_orm::FromQueryResult;
        let flow_id: Option<i64> = row.try_get("", data_flow::Column::Id.as_str())?;
        Ok(Self {
            subject_id: row.try_get("", "link_subject_id")?,
            restricted_reason: row.try_get("", "link_reason")?,
            restricted_until: row.try_get("", "link_until")?,
            activity_id: id,
            activity: None,
            flow: match flow_id {
                Some(_) => Some(data_flow::Model::from_query_result(row, "")?),
                None => None,
            },
        })
    }
}

/// The prefix of the activity's columns among a link's; the flow's come unprefixed.
pub(crate) const ACTIVITY: &str = "a_";
/// The prefix of the location's columns among a holder's.
pub(crate) const LOCATION: &str = "l_";

/// Selects every column of `E` under the name `{prefix}{column}`.
///
/// Why not sea-orm's `select_also`: it prefixes both sides of a join, and decoding a model
/// under a prefix formats every column's name on every row (a tenth of the CPU of a whoHolds
/// answer on PostgreSQL, measured). Here one side of each join keeps its own names and the
/// other is decoded once per record, not once per row.
pub(crate) fn prefixed<E: EntityTrait, S: QuerySelect>(select: S, prefix: &str) -> S {
    E::Column::iter().fold(select, |select, column| {
        select.column_as(column, format!("{prefix}{}", column.as_str()))
    })
}

/// What the links carry: the activities (by id), every flow of them, and the restrictions.
pub(crate) struct Gathered {
    pub activities: Vec<processing_activity::Model>,
    pub flows: Vec<data_flow::Model>,
    pub restricted: HashMap<i64, (String, Option<chrono::NaiveDate>)>,
}

pub(crate) fn gather(links: Vec<Link>) -> Gathered {
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
    Gathered {
        activities: activities.into_values().collect(),
        flows,
        restricted,
    }
}

/// Every organisation on every route, so that each path can be shown in full (one that returned
/// the data still stands on the route of those it passed it on to).
pub(crate) fn organisations_shown(walked: &Holdings) -> Vec<i64> {
    walked
        .holdings
        .iter()
        .flat_map(|h| {
            std::iter::once(h.organisation_id)
                .chain(h.routes.iter().flat_map(|r| r.path.iter().copied()))
        })
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect()
}

pub(crate) type Locations = HashMap<i64, Vec<location::Model>>;

/// The walk's holdings with each holder's countries and status.
pub(crate) fn held_by(
    holdings: Vec<Holding>,
    orgs: &HashMap<i64, organisation::Model>,
    locations: &Locations,
) -> AppResult<Vec<HeldBy>> {
    holdings
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
        .collect()
}

pub(crate) fn activity_rows(activities: &[processing_activity::Model]) -> Vec<ActivityRow> {
    activities
        .iter()
        .map(|a| ActivityRow {
            id: a.id,
            controller_id: a.controller_id,
            data_categories: a.data_categories.0.clone(),
        })
        .collect()
}

pub(crate) fn flow_rows(flows: &[data_flow::Model]) -> Vec<FlowRow> {
    flows
        .iter()
        .map(|f| FlowRow {
            id: f.id,
            activity_id: f.activity_id,
            to_id: f.to_id,
            role: f.recipient_role,
            data_categories: f.data_categories.0.clone(),
            continues_flow_id: f.continues_flow_id,
            ended_on: f.ended_on,
            returned: f.returned_on.is_some(),
        })
        .collect()
}
