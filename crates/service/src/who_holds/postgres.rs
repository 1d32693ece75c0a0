//! whoHolds on PostgreSQL in one round trip: one `WITH RECURSIVE` statement finds the subject
//! from its keyed identifier, its current links (with the restrictions an erasure kept, Art
//! 17(3)), their activities and every flow of them, follows the chains of continued flows down
//! from each activity's controller to learn which organisations stand on a route to a holder, and
//! reads those organisations with their locations.
//!
//! Four kinds of row come back in one result, side by side by `FULL JOIN ... ON FALSE` (each row
//! fills one side, the others are NULL, and every column keeps its table's type): the subject,
//! the links (a link once per flow of its activity, the flow's columns under their own names),
//! the activities (once each, their columns prefixed `a_`: repeated on every flow's row they made
//! a third of the rows' width), and the holders (the organisation's columns prefixed `o_`, each
//! location's `l_`). Each record is decoded once.
//!
//! The chains are followed in SQL only to choose the organisations; the holdings themselves
//! (shortest paths, every route, cycles, returns, ends) come from [`holdings::walk`] over the
//! same activities and flows that the two reads give, so both paths answer alike by construction
//! and the walk's rules stay in one place.

use super::{
    ACTIVITY, Answer, LOCATION, Link, Locations, activity_rows, flow_rows, gather, held_by,
};
use crate::{
    domain::holdings,
    error::AppResult,
    subjects::{self, Quoted, SubjectKeys},
};
use entity::{data_flow, location, organisation, processing_activity};
use sea_orm::{FromQueryResult, Iterable, QueryResult, Statement, Value, prelude::*};
use std::{
    collections::{HashMap, hash_map::Entry},
    fmt::Write,
    sync::LazyLock,
};

/// The prefix of the organisation's columns.
const ORGANISATION: &str = "o_";

/// The statement for one identifier: `$1` its kind, `$2` its hash, `$3` today.
static BY_IDENTIFIER: LazyLock<String> = LazyLock::new(|| {
    statement(
        "SELECT subject_id FROM subject_identifier WHERE kind = $1 AND hash = $2",
        3,
    )
});

/// The statement for a subject already found (several identifiers): `$1` its id, `$2` today.
static BY_SUBJECT: LazyLock<String> =
    LazyLock::new(|| statement("SELECT CAST($1 AS BIGINT) AS subject_id", 2));

/// `"alias"."column" AS "{prefix}column"` for every column of `E`.
fn columns<E: EntityTrait>(alias: &str, prefix: &str) -> String {
    let mut out = String::new();
    for column in E::Column::iter() {
        let name = column.as_str();
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{alias}.\"{name}\" AS \"{prefix}{name}\"");
    }
    out
}

/// The whole statement around the subject's CTE; `today` is the number of its parameter.
///
/// The holders' organisations and locations are read by key in LATERAL subqueries (`OFFSET 0`
/// keeps the planner from flattening them): as plain joins the planner, expecting many rows from
/// the recursive CTE, may hash-join a scan of every organisation (as the plain-SQL yardstick did,
/// BENCHMARKS.md).
fn statement(subject: &str, today: usize) -> String {
    let activity = columns::<processing_activity::Entity>("a", ACTIVITY);
    let flow = columns::<data_flow::Entity>("f", "");
    let org = columns::<organisation::Entity>("o", ORGANISATION);
    let loc = columns::<location::Entity>("lo", LOCATION);
    format!(
        "WITH RECURSIVE
  subject AS ({subject}),
  link AS (
    SELECT sa.subject_id, sa.activity_id, sa.restricted_reason, sa.restricted_until
    FROM subject_activity sa
    WHERE sa.subject_id IN (SELECT subject_id FROM subject)
      AND (sa.restricted_until IS NULL OR sa.restricted_until >= ${today})),
  act AS (SELECT a.* FROM processing_activity a WHERE a.id IN (SELECT activity_id FROM link)),
  flow AS (SELECT f.* FROM data_flow f WHERE f.activity_id IN (SELECT id FROM act)),
  chain(id, path, returned) AS (
    SELECT f.id, ARRAY[a.controller_id, f.to_id], f.returned_on IS NOT NULL
    FROM flow f JOIN act a ON a.id = f.activity_id
    WHERE f.continues_flow_id IS NULL
    UNION ALL
    SELECT f.id, c.path || f.to_id, f.returned_on IS NOT NULL
    FROM chain c JOIN flow f ON f.continues_flow_id = c.id),
  holder AS (
    SELECT controller_id AS id FROM act
    UNION
    SELECT unnest(path) FROM chain WHERE NOT returned),
  found AS (
    SELECT l.subject_id AS link_subject_id, l.restricted_reason AS link_reason,
           l.restricted_until AS link_until, a.id AS link_activity_id, {flow}
    FROM link l JOIN act a ON a.id = l.activity_id LEFT JOIN flow f ON f.activity_id = a.id),
  activity AS (SELECT {activity} FROM act a),
  held AS (
    SELECT {org}, {loc}
    FROM holder h
    CROSS JOIN LATERAL (SELECT * FROM organisation WHERE id = h.id OFFSET 0) o
    LEFT JOIN LATERAL (SELECT * FROM location WHERE organisation_id = h.id OFFSET 0) lo ON TRUE)
SELECT s.subject_id AS s_subject_id, found.*, activity.*, held.*
FROM subject s FULL JOIN found ON FALSE FULL JOIN activity ON FALSE FULL JOIN held ON FALSE"
    )
}

/// Who holds the subject's data, from one statement (two for several identifiers: they must
/// first be shown to name one subject).
pub async fn who_holds(
    db: &impl ConnectionTrait,
    keys: &SubjectKeys,
    quoted: &Quoted,
) -> AppResult<Answer> {
    match rows(db, keys, quoted).await? {
        Some(rows) => answer(&rows),
        None => Ok(Answer::default()),
    }
}

/// The statement's rows: the one round trip of [`who_holds`], apart so that the benchmark can
/// time it alone. `None` when several identifiers name no subject.
pub async fn rows(
    db: &impl ConnectionTrait,
    keys: &SubjectKeys,
    quoted: &Quoted,
) -> AppResult<Option<Vec<QueryResult>>> {
    let hashes = keys.hashes(quoted)?;
    let today = chrono::Utc::now().date_naive();
    let statement = match hashes.as_slice() {
        [(kind, hash)] => Statement::from_sql_and_values(
            db.get_database_backend(),
            BY_IDENTIFIER.as_str(),
            [Value::from(*kind), hash.to_vec().into(), today.into()],
        ),
        _ => {
            let Some(id) = subjects::find_hashed(db, &hashes).await? else {
                return Ok(None);
            };
            Statement::from_sql_and_values(
                db.get_database_backend(),
                BY_SUBJECT.as_str(),
                [id.into(), today.into()],
            )
        }
    };
    Ok(Some(db.query_all_raw(statement).await?))
}

/// The answer from the statement's rows: each record decoded once, then the walk.
pub fn answer(rows: &[QueryResult]) -> AppResult<Answer> {
    let Some(read) = decode(rows)? else {
        return Ok(Answer::default());
    };
    let gathered = gather(read.links);
    let walked = holdings::walk(
        &activity_rows(&gathered.activities),
        &flow_rows(&gathered.flows),
    );
    Ok(Answer {
        subject_id: Some(read.subject_id),
        activities: gathered.activities,
        holdings: held_by(walked.holdings, &read.organisations, &read.locations)?,
        cycles: walked.cycles,
        organisations: read.organisations,
        locations: read.locations,
        flows: gathered.flows.into_iter().map(|f| (f.id, f)).collect(),
        restricted: gathered.restricted,
    })
}

/// The statement's rows, decoded.
struct Read {
    subject_id: i64,
    links: Vec<Link>,
    organisations: HashMap<i64, organisation::Model>,
    locations: Locations,
}

/// Sorts the rows by their kind and decodes each record once; `None` for no such subject.
fn decode(rows: &[QueryResult]) -> AppResult<Option<Read>> {
    let activity_id = format!("{ACTIVITY}id");
    let organisation_id = format!("{ORGANISATION}id");
    let location_id = format!("{LOCATION}id");
    let mut subject_id = None;
    let mut links = Vec::new();
    let mut activities = HashMap::new();
    let mut organisations = HashMap::new();
    let mut locations: Locations = HashMap::new();
    for row in rows {
        if let Some(id) = row.try_get::<Option<i64>>("", "s_subject_id")? {
            subject_id = Some(id);
        } else if let Some(id) = row.try_get::<Option<i64>>("", "link_activity_id")? {
            links.push(Link::from_row(row, id)?);
        } else if let Some(id) = row.try_get::<Option<i64>>("", &activity_id)? {
            activities.insert(
                id,
                processing_activity::Model::from_query_result(row, ACTIVITY)?,
            );
        } else if let Some(id) = row.try_get::<Option<i64>>("", &organisation_id)? {
            if let Entry::Vacant(entry) = organisations.entry(id) {
                entry.insert(organisation::Model::from_query_result(row, ORGANISATION)?);
            }
            let held = locations.entry(id).or_default();
            if row.try_get::<Option<i64>>("", &location_id)?.is_some() {
                held.push(location::Model::from_query_result(row, LOCATION)?);
            }
        }
    }
    // Each activity on the first of its links, as the two reads give it.
    for link in &mut links {
        link.activity = activities.remove(&link.activity_id);
    }
    for held in locations.values_mut() {
        held.sort_by_key(|l| l.id);
    }
    Ok(subject_id.map(|subject_id| Read {
        subject_id,
        links,
        organisations,
        locations,
    }))
}
