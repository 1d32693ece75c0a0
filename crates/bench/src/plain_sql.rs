//! The single plain SQL query that answers "who holds this subject's data": a recursive CTE from
//! the identifier's hash through the subject's activities down every chain of continued flows,
//! with each holder's role, categories, depth, path and countries. The yardstick for whoHolds.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, QueryResult, Statement};
use std::collections::BTreeSet;

fn sql(backend: DatabaseBackend) -> String {
    // On PostgreSQL each holder's organisation is read by its key in a LATERAL subquery (OFFSET 0
    // keeps the planner from flattening it): as a plain join the planner, expecting a thousand
    // holders from the recursive CTE, hash-joined a scan of every organisation, so the yardstick
    // grew with the register (12.6 ms at 30,200 organisations against 0.4 ms by key, EXPLAIN
    // ANALYZE in BENCHMARKS.md). SQLite has no LATERAL and joins by key anyway.
    let (param, concat_countries, organisation) = match backend {
        DatabaseBackend::Postgres => (
            "$1",
            "string_agg(l.country, ',')",
            "CROSS JOIN LATERAL (SELECT name, status, country FROM organisation \
             WHERE id = h.org_id OFFSET 0) o",
        ),
        _ => (
            "?",
            "group_concat(l.country, ',')",
            "JOIN organisation o ON o.id = h.org_id",
        ),
    };
    format!(
        "WITH RECURSIVE
  acts AS (
    SELECT a.id, a.controller_id, a.data_categories
    FROM subject_identifier i
    JOIN subject_activity sa ON sa.subject_id = i.subject_id
    JOIN processing_activity a ON a.id = sa.activity_id
    WHERE i.kind = 'email' AND i.hash = {param}),
  chain(flow_id, org_id, role, cats, depth, path) AS (
    SELECT f.id, f.to_id, f.recipient_role, CAST(f.data_categories AS TEXT), 1,
           CAST(a.controller_id AS TEXT) || ',' || CAST(f.to_id AS TEXT)
    FROM acts a JOIN data_flow f ON f.activity_id = a.id AND f.continues_flow_id IS NULL
    UNION ALL
    SELECT f.id, f.to_id, f.recipient_role, CAST(f.data_categories AS TEXT), c.depth + 1,
           c.path || ',' || CAST(f.to_id AS TEXT)
    FROM chain c JOIN data_flow f ON f.continues_flow_id = c.flow_id),
  holders AS (
    SELECT controller_id AS org_id, 'CONTROLLER' AS role, CAST(data_categories AS TEXT) AS cats,
           0 AS depth, CAST(controller_id AS TEXT) AS path FROM acts
    UNION ALL
    SELECT org_id, role, cats, depth, path FROM chain)
SELECT h.org_id, h.role, h.cats, h.depth, h.path, o.name, o.status, o.country,
       (SELECT {concat_countries} FROM location l WHERE l.organisation_id = h.org_id) AS countries
FROM holders h {organisation}"
    )
}

pub async fn who_holds(
    db: &DatabaseConnection,
    hash: &[u8; 32],
) -> anyhow::Result<Vec<QueryResult>> {
    let backend = db.get_database_backend();
    Ok(db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql(backend),
            [hash.to_vec().into()],
        ))
        .await?)
}

/// The distinct holders, to check both answers agree.
pub fn holders(rows: &[QueryResult]) -> BTreeSet<i64> {
    rows.iter()
        .filter_map(|r| r.try_get::<i64>("", "org_id").ok())
        .collect()
}
