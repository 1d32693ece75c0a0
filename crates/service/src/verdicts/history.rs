//! The verdicts' own history: each change of a restricted transfer's verdict is recorded once,
//! whichever instance sees it first, with the old and new status, when it was recorded and why
//! (a write to the register, the date turning, new reference data).
//!
//! `flow_verdict` holds the last recorded verdict of each transfer and `verdict_state` what it was
//! judged for. A complete set of today's verdicts is compared with them under the state row's lock
//! (PostgreSQL; SQLite has one writer): only a set newer than the recorded one is recorded, so two
//! instances never record the same change twice, nor an older set over a newer one. After a
//! write, only the flows it affected are compared when the recorded state is the one the set was
//! refreshed from; otherwise every transfer is.

use super::Assessed;
use crate::{
    domain::{
        country::CountryCode,
        vocab::{VerdictChangeCause, VerdictStatus},
    },
    error::{AppError, AppResult},
    page::Page,
};
use chrono::{NaiveDate, Utc};
use entity::{flow_verdict, verdict_change};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use std::collections::{BTreeMap, BTreeSet};

/// Rows per multi-row insert.
const BATCH: usize = 500;

/// What was recorded last.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    register_version: i64,
    on: NaiveDate,
    reference_version: String,
}

/// Which transfers a set may differ in from the recorded one: those of `flows` when the recorded
/// state is at `from_version` (the set was refreshed from it flow by flow), else every one.
#[derive(Debug, Clone, Default)]
pub struct Since {
    pub from_version: Option<i64>,
    pub flows: BTreeSet<i64>,
}

/// Records how `assessed` (complete, today's) differs from the verdicts last recorded. Returns
/// how many changes were recorded.
pub async fn record(
    db: &DatabaseConnection,
    assessed: &Assessed,
    since: &Since,
) -> AppResult<usize> {
    if !assessed.complete {
        return Ok(0);
    }
    let ours = State {
        register_version: assessed.key.register_version,
        on: assessed.key.on,
        reference_version: assessed.key.reference_version.clone(),
    };
    let txn = db.begin().await?;
    let stored = locked_state(&txn).await?;
    let now: Statuses = assessed
        .transfers
        .iter()
        .map(|e| {
            let a = &e.assessment;
            (
                (a.flow_id.unwrap_or_default(), a.destination),
                a.verdict.status,
            )
        })
        .collect();
    let Some(stored) = stored else {
        // The first set recorded is the baseline: nothing changed before it.
        write_rows(&txn, &now).await?;
        save_state(&txn, &ours, true).await?;
        txn.commit().await?;
        return Ok(0);
    };
    let older = stored.on > ours.on
        || (stored.on == ours.on
            && stored.reference_version == ours.reference_version
            && stored.register_version >= ours.register_version);
    if stored == ours || older {
        txn.commit().await?;
        return Ok(0);
    }
    let cause = if stored.reference_version != ours.reference_version {
        VerdictChangeCause::ReferenceData
    } else if stored.on != ours.on {
        VerdictChangeCause::DateTurned
    } else {
        VerdictChangeCause::RegisterWrite
    };
    // Beyond a few hundred flows, reading every recorded verdict is as quick as naming them.
    let only = (cause == VerdictChangeCause::RegisterWrite
        && since.from_version == Some(stored.register_version)
        && since.flows.len() <= crate::id_lists::CHUNK)
        .then_some(&since.flows);
    let mut before = Statuses::new();
    let mut query = flow_verdict::Entity::find();
    if let Some(flows) = only {
        if flows.is_empty() {
            save_state(&txn, &ours, false).await?;
            txn.commit().await?;
            return Ok(0);
        }
        query = query.filter(flow_verdict::Column::FlowId.is_in(flows.iter().copied()));
    }
    for row in query.all(&txn).await? {
        if let Some(country) = CountryCode::parse(&row.destination) {
            before.insert((row.flow_id, country), row.status);
        }
    }
    let after: Statuses = match only {
        Some(flows) => now
            .iter()
            .filter(|((flow, _), _)| flows.contains(flow))
            .map(|(k, v)| (*k, *v))
            .collect(),
        None => now,
    };
    let count = apply(&txn, &before, &after, cause, &ours).await?;
    save_state(&txn, &ours, false).await?;
    txn.commit().await?;
    Ok(count)
}

type Statuses = BTreeMap<(i64, CountryCode), VerdictStatus>;

/// Writes the transfers whose status differs between `before` and `after` (one being absent:
/// the transfer appeared or went) to `flow_verdict`, and each difference to `verdict_change`.
async fn apply(
    db: &impl ConnectionTrait,
    before: &Statuses,
    after: &Statuses,
    cause: VerdictChangeCause,
    ours: &State,
) -> AppResult<usize> {
    let keys: BTreeSet<(i64, CountryCode)> = before.keys().chain(after.keys()).copied().collect();
    let changed_at = Utc::now();
    let mut changes = Vec::new();
    let mut set = Statuses::new();
    for key in keys {
        let (old, new) = (before.get(&key).copied(), after.get(&key).copied());
        if old == new {
            continue;
        }
        // Whatever was recorded goes; the new status, if any, is written below.
        flow_verdict::Entity::delete_many()
            .filter(flow_verdict::Column::FlowId.eq(key.0))
            .filter(flow_verdict::Column::Destination.eq(key.1.as_str()))
            .exec(db)
            .await?;
        if let Some(status) = new {
            set.insert(key, status);
        }
        changes.push(verdict_change::ActiveModel {
            id: NotSet,
            flow_id: Set(key.0),
            destination: Set(key.1),
            old_status: Set(old),
            new_status: Set(new),
            cause: Set(cause),
            judged_on: Set(ours.on),
            reference_version: Set(ours.reference_version.clone()),
            changed_at: Set(changed_at),
        });
    }
    write_rows(db, &set).await?;
    let count = changes.len();
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        let batch: Vec<_> = changes.by_ref().take(BATCH).collect();
        verdict_change::Entity::insert_many(batch).exec(db).await?;
    }
    Ok(count)
}

async fn write_rows(db: &impl ConnectionTrait, rows: &Statuses) -> AppResult<()> {
    let mut rows = rows.iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<flow_verdict::ActiveModel> = rows
            .by_ref()
            .take(BATCH)
            .map(|((flow, destination), status)| flow_verdict::ActiveModel {
                flow_id: Set(*flow),
                destination: Set(destination.as_str().to_string()),
                status: Set(*status),
            })
            .collect();
        flow_verdict::Entity::insert_many(batch).exec(db).await?;
    }
    Ok(())
}

/// The recorded state, its row locked until the transaction ends (PostgreSQL).
async fn locked_state(db: &impl ConnectionTrait) -> AppResult<Option<State>> {
    let backend = db.get_database_backend();
    let lock = if backend == DatabaseBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    if backend == DatabaseBackend::Postgres {
        // Two first recorders: the second waits on the row the first inserts.
        db.execute_raw(Statement::from_string(
            backend,
            "LOCK TABLE verdict_state IN SHARE ROW EXCLUSIVE MODE",
        ))
        .await?;
    }
    let row = db
        .query_one_raw(Statement::from_string(
            backend,
            format!(
                "SELECT register_version, judged_on, reference_version FROM verdict_state \
                 WHERE id = 1{lock}"
            ),
        ))
        .await?;
    row.map(|row| {
        Ok(State {
            register_version: row.try_get("", "register_version")?,
            on: row.try_get("", "judged_on")?,
            reference_version: row.try_get("", "reference_version")?,
        })
    })
    .transpose()
}

async fn save_state(db: &impl ConnectionTrait, state: &State, first: bool) -> AppResult<()> {
    let backend = db.get_database_backend();
    let ph = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    let sql = if first {
        format!(
            "INSERT INTO verdict_state (id, register_version, judged_on, reference_version) \
             VALUES (1, {}, {}, {})",
            ph(1),
            ph(2),
            ph(3)
        )
    } else {
        format!(
            "UPDATE verdict_state SET register_version = {}, judged_on = {}, \
             reference_version = {} WHERE id = 1",
            ph(1),
            ph(2),
            ph(3)
        )
    };
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            state.register_version.into(),
            state.on.into(),
            state.reference_version.clone().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The changes of verdicts recorded at or after `since`, newest first, `first` of them after the
/// change `after` (an id), with how many there are in all; with `appeared_or_gone`, also the
/// transfers that appeared or went.
pub async fn changes_since(
    db: &impl ConnectionTrait,
    since: chrono::DateTime<Utc>,
    first: u64,
    after: Option<i64>,
    appeared_or_gone: bool,
) -> AppResult<Page<verdict_change::Model>> {
    let mut all =
        verdict_change::Entity::find().filter(verdict_change::Column::ChangedAt.gte(since));
    if !appeared_or_gone {
        all = all
            .filter(verdict_change::Column::OldStatus.is_not_null())
            .filter(verdict_change::Column::NewStatus.is_not_null());
    }
    let total_count = all.clone().count(db).await?;
    let mut page = all.order_by_desc(verdict_change::Column::Id);
    if let Some(after) = after {
        page = page.filter(verdict_change::Column::Id.lt(after));
    }
    let mut items = page
        .limit(first.saturating_add(1))
        .all(db)
        .await
        .map_err(AppError::from)?;
    let has_next_page = items.len() as u64 > first;
    items.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok(Page {
        items,
        has_next_page,
        total_count,
    })
}
