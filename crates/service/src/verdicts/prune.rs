//! Keeping `register_change` short: the change rows no reader can need are deleted.
//!
//! A reader brings its kept verdicts up to date from the rows after its version, and judges the
//! whole register again when there are more than [`AT_MOST`] of them (see [`super::kept`]).
//! So once more than [`AT_MOST`] rows stand at or after some version W, the rows before W tell
//! no reader anything: one kept behind W reads more than [`AT_MOST`] rows of what is left and
//! judges the whole register again, as it would have with every row kept; one at W or later
//! never reads them. Deleting them changes no answer, needs no marker, and holds for every
//! instance sharing the database, whatever version each has kept. Rows not yet sequenced
//! (PostgreSQL's `version` NULL) are never touched.

use super::kept::{AT_MOST, ph};
use crate::error::AppResult;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

/// Rows deleted per statement: each deletion is a short write, so that on SQLite the one
/// writer is never held for long.
const BATCH: usize = 10_000;

/// Deletes the change rows before the newest [`AT_MOST`]` + 1`; returns how many went.
pub async fn prune_changes(db: &impl ConnectionTrait) -> AppResult<u64> {
    prune_keeping(db, AT_MOST).await
}

/// [`prune_changes`] with `at_most` in place of [`AT_MOST`] (the tests' small registers, with
/// [`super::kept::changes_at_most`]).
pub async fn prune_keeping(db: &impl ConnectionTrait, at_most: usize) -> AppResult<u64> {
    let backend = db.get_database_backend();
    // W: the version of the (at_most + 1)th newest sequenced row; at least at_most + 1 rows
    // stand at or after it.
    let below = db
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT version FROM register_change WHERE version IS NOT NULL \
                 ORDER BY version DESC LIMIT 1 OFFSET {at_most}"
            ),
        ))
        .await?;
    let Some(below) = below else {
        return Ok(0);
    };
    let below: i64 = below.try_get("", "version")?;
    let row = match backend {
        DatabaseBackend::Postgres => "ctid",
        _ => "rowid",
    };
    let mut deleted = 0;
    loop {
        let done = db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "DELETE FROM register_change WHERE {row} IN (SELECT {row} FROM register_change \
                     WHERE version < {} LIMIT {BATCH})",
                    ph(db, 1)
                ),
                [below.into()],
            ))
            .await?
            .rows_affected();
        deleted += done;
        if done < BATCH as u64 {
            return Ok(deleted);
        }
    }
}
