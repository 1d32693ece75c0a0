//! Sealing the audit chain after commit.
//!
//! A writer inserts its events unsealed (no chain position, empty hashes) in its own
//! transaction, without touching the chain's head, so writers on PostgreSQL no longer queue on
//! one row lock. The sealer then gives each committed event its place in the chain and its keyed
//! hash, exactly as [`crate::audit::verify`] recomputes them: `hash = HMAC(key, canonical(prev,
//! event))`, `prev` the hash of the event before it. One sealer runs at a time: on PostgreSQL
//! under a transaction-scoped advisory lock (any instance may be the one), on SQLite under the
//! database's single write lock. `serve` and `worker` run [`run`] every
//! `REGISTER_AUDIT_SEAL_MS`, GraphQL mutations try a pass as soon as they have committed, and
//! `audit verify` and `auditEvents` seal before they read.
//!
//! **Commit order.** Ids come from a sequence taken at insert, so a transaction can commit after
//! another that took a higher id. The sealer therefore keeps no high-water mark ("seal ids above
//! the last sealed one"), which would skip the late committer for good. Each pass seals *every*
//! unsealed event its snapshot can see, that is every event whose transaction has committed,
//! wherever its id falls (the partial index `idx_audit_event_unsealed` finds them), and places
//! them after the head in id order. An event whose transaction commits later is invisible to
//! this pass and is sealed by a later one, after everything sealed so far: the chain's order is
//! commit order at the grain of one pass (events committed before the pass's snapshot come
//! before those committed after it), and nothing in flight is ever skipped or placed before an
//! event already sealed. This needs neither `track_commit_timestamp` nor a commit-time sequence,
//! and unlike sealing only below `pg_snapshot_xmin`, a long transaction elsewhere in the cluster
//! does not hold back the sealing of everything committed meanwhile. A crash loses nothing:
//! an unsealed event that committed is still unsealed after a restart, and the next pass seals it;
//! a pass that did not commit sealed nothing.

use crate::{
    domain::audit::{ChainKey, EventContent, keyed_event_hash},
    error::{AppError, AppResult},
};
use chrono::{DateTime, Utc};
use entity::{audit_event, audit_head};
use sea_orm::{
    DbBackend, PaginatorTrait, QueryOrder, QuerySelect, Statement, TransactionTrait, Value,
    prelude::*,
};
use std::time::Duration;

/// The advisory lock every instance's sealer takes on PostgreSQL (a fixed number: "audit se").
const SEAL_LOCK: i64 = 0x6175_6469_7420_7365;

/// Events sealed in one transaction at most; a longer tail takes several passes.
const EVENTS_PER_PASS: u64 = 2_000;

/// Events per sealing UPDATE: 4 values each, well under both databases' bind limits.
const EVENTS_PER_UPDATE: usize = 500;

/// Whether a sealer waits for another to finish, or leaves the work to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Wait for the lock: what `audit verify` and `auditEvents` do before they read.
    Block,
    /// Give up at once if another sealer holds it: what the writers do after their commit.
    Try,
}

/// Takes the sealer's lock for the rest of `txn` (taken first, before the head's row, by
/// everyone who seals); `false` when another holds it and `wait` is [`Wait::Try`].
pub(crate) async fn lock(txn: &impl ConnectionTrait, wait: Wait) -> AppResult<bool> {
    let backend = txn.get_database_backend();
    if backend == DbBackend::Postgres {
        let sql = match wait {
            Wait::Block => {
                "WITH l AS (SELECT pg_advisory_xact_lock($1)) SELECT true AS locked FROM l"
            }
            Wait::Try => "SELECT pg_try_advisory_xact_lock($1) AS locked",
        };
        let row = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [SEAL_LOCK.into()],
            ))
            .await?;
        let locked = match row {
            Some(row) => row.try_get::<bool>("", "locked")?,
            None => false,
        };
        if !locked {
            return Ok(false);
        }
    } else {
        // SQLite: take the write lock before reading, so that a sealer in another process (the
        // command line beside `serve`) waits here instead of failing to upgrade a read later.
        txn.execute_raw(Statement::from_string(
            backend,
            "UPDATE audit_head SET id = id WHERE id = 1",
        ))
        .await?;
    }
    Ok(true)
}

/// Seals, inside `txn`, every unsealed event it can see (at most [`EVENTS_PER_PASS`]): `Some(n)`
/// events sealed, or `None` when another sealer held the lock and `wait` was [`Wait::Try`].
pub(crate) async fn seal_in(
    txn: &impl ConnectionTrait,
    key: &ChainKey,
    wait: Wait,
) -> AppResult<Option<u64>> {
    if !lock(txn, wait).await? {
        return Ok(None);
    }
    let backend = txn.get_database_backend();
    let head = audit_head::Entity::find_by_id(1)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("the audit head row is missing")))?;
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::ChainPosition.is_null())
        .order_by_asc(audit_event::Column::Id)
        .limit(EVENTS_PER_PASS)
        .all(txn)
        .await?;
    let Some(last) = events.last() else {
        return Ok(Some(0));
    };
    let (mut position, mut prev) = (head.last_position, head.last_hash.clone());
    let mut sealed = Vec::with_capacity(events.len());
    for e in &events {
        position += 1;
        let hash = keyed_event_hash(key, &prev, &EventContent::from(e));
        sealed.push((
            e.id,
            position,
            std::mem::replace(&mut prev, hash.clone()),
            hash,
        ));
    }
    for chunk in sealed.chunks(EVENTS_PER_UPDATE) {
        let (sql, values) = sealing_update(backend, chunk);
        let done = txn
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        if done.rows_affected() != chunk.len() as u64 {
            return Err(AppError::internal(anyhow::anyhow!(
                "an audit event was sealed by someone else during a sealing pass"
            )));
        }
    }
    txn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            DbBackend::Postgres => {
                "UPDATE audit_head SET last_event_id = $1, last_hash = $2, last_position = $3 WHERE id = 1"
            }
            _ => "UPDATE audit_head SET last_event_id = ?, last_hash = ?, last_position = ? WHERE id = 1",
        },
        [last.id.into(), prev.into(), position.into()],
    ))
    .await?;
    Ok(Some(events.len() as u64))
}

/// One UPDATE giving each event of `chunk` (id, position, previous hash, hash) its seal; the
/// `chain_position IS NULL` condition makes a second seal of the same event a no-op that the
/// caller counts (and the trigger would refuse it anyway).
fn sealing_update(
    backend: DbBackend,
    chunk: &[(i64, i64, String, String)],
) -> (String, Vec<Value>) {
    let mut values = Vec::with_capacity(chunk.len() * 4);
    let mut rows = Vec::with_capacity(chunk.len());
    for (i, (id, position, prev, hash)) in chunk.iter().enumerate() {
        rows.push(match backend {
            DbBackend::Postgres => {
                let n = i * 4;
                format!(
                    "(${}::bigint, ${}::bigint, ${}::text, ${}::text)",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                )
            }
            _ => "(?, ?, ?, ?)".to_string(),
        });
        values.extend([
            Value::from(*id),
            Value::from(*position),
            Value::from(prev.clone()),
            Value::from(hash.clone()),
        ]);
    }
    let rows = rows.join(", ");
    let sql = match backend {
        DbBackend::Postgres => format!(
            "UPDATE audit_event AS e SET chain_position = v.p, prev_hash = v.prev, hash = v.h \
             FROM (VALUES {rows}) AS v(id, p, prev, h) \
             WHERE e.id = v.id AND e.chain_position IS NULL"
        ),
        _ => format!(
            "UPDATE audit_event SET chain_position = v.column2, prev_hash = v.column3, \
             hash = v.column4 FROM (VALUES {rows}) AS v \
             WHERE audit_event.id = v.column1 AND audit_event.chain_position IS NULL"
        ),
    };
    (sql, values)
}

/// Passes of [`seal_in`], each its own transaction, until one finds less than a full pass:
/// `None` when another sealer held the lock (with [`Wait::Try`]).
async fn passes(db: &DatabaseConnection, key: &ChainKey, wait: Wait) -> AppResult<Option<u64>> {
    let mut total = 0;
    loop {
        let txn = db.begin().await?;
        let Some(n) = seal_in(&txn, key, wait).await? else {
            txn.rollback().await?;
            return Ok((total > 0).then_some(total));
        };
        txn.commit().await?;
        total += n;
        if n < EVENTS_PER_PASS {
            return Ok(Some(total));
        }
    }
}

/// Seals every event committed so far, waiting for another sealer to finish first; the number
/// sealed by this call.
pub async fn seal(db: &DatabaseConnection, key: &ChainKey) -> AppResult<u64> {
    Ok(passes(db, key, Wait::Block).await?.unwrap_or(0))
}

/// Seals what is committed unless another sealer is at work (which then seals it, or leaves it
/// to the next pass): `None` in that case.
pub async fn try_seal(db: &DatabaseConnection, key: &ChainKey) -> AppResult<Option<u64>> {
    passes(db, key, Wait::Try).await
}

/// The events not sealed yet: committed ones waiting for the sealer, and those of transactions
/// still open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub events: u64,
    /// When the oldest of them was written.
    pub oldest: Option<DateTime<Utc>>,
}

impl Tail {
    /// How long the oldest unsealed event has waited: the sealer's lag (zero when none waits).
    pub fn lag(&self, now: DateTime<Utc>) -> Duration {
        self.oldest
            .and_then(|t| (now - t).to_std().ok())
            .unwrap_or_default()
    }
}

/// The unsealed tail, as this connection sees it.
pub async fn unsealed(db: &impl ConnectionTrait) -> AppResult<Tail> {
    let query = || audit_event::Entity::find().filter(audit_event::Column::ChainPosition.is_null());
    let events = query().count(db).await?;
    let oldest = query()
        .order_by_asc(audit_event::Column::Id)
        .one(db)
        .await?
        .map(|e| e.occurred_at);
    Ok(Tail { events, oldest })
}

/// The sealer of `serve` and `worker`: a pass every `every` (each sealing all that is
/// committed, in as many transactions as it takes); runs until dropped. Passes that find
/// another instance sealing leave the work to it.
pub async fn run(db: DatabaseConnection, key: ChainKey, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(err) = try_seal(&db, &key).await {
            tracing::error!(error = %err, "sealing the audit chain failed; retrying at the next pass");
        }
    }
}
