//! The daily digest of what became due or is overdue, each item sent once per channel and due
//! date: a `due_notice` row with a unique key is written for each before anything is sent (a
//! second run, after a restart or on another instance, finds the key and adds nothing). A run
//! then claims the pending rows under a lease ([`lease`]: one statement, so two instances never
//! hold the same row), sends them, and marks them sent only while its claim stands; a failure
//! keeps the error and sets the next attempt by the back-off, and a run that dies lets its rows
//! go when the lease runs out, so a receiver that was down gets them on a later run. The items
//! are whatever `due::list` (the API's `dueItems`) returns, of any kind.
//!
//! The transport is the caller's (`send`): the worker passes the e-mail or signed webhook
//! sender; tests pass a recorder that can fail.

use super::due::{self, DueItem};
use crate::{domain::dsr::delivery::backoff, error::AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use entity::due_notice;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, EntityTrait, QueryFilter,
    prelude::*,
    sea_query::{Expr, ExprTrait as _, LockBehavior, LockType, OnConflict, Order, Query},
};
use std::{future::Future, time::Duration};

/// The key of an item on a channel: one notice per channel, item and due date.
pub fn key(channel: &str, item: &DueItem) -> String {
    format!(
        "{channel}:{}:{}:{}:{}",
        item.kind.as_str(),
        item.organisation_id
            .map_or(String::new(), |i| i.to_string()),
        item.flow_id.map_or(String::new(), |i| i.to_string()),
        item.due_on
    )
}

/// Writes a pending notice for every item due by `today` (overdue or due that day) on every
/// channel, unless one with its key exists. The number of new notices.
pub async fn claim(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    channels: &[&str],
) -> AppResult<usize> {
    let items = due::list(db, today, 0).await?;
    let mut added = 0;
    for channel in channels {
        for item in &items {
            let row = due_notice::ActiveModel {
                key: Set(key(channel, item)),
                kind: Set(item.kind.as_str().to_owned()),
                due_on: Set(item.due_on),
                channel: Set((*channel).to_owned()),
                message: Set(item.message.clone()),
                created_at: Set(Utc::now()),
                sent_at: Set(None),
                attempts: Set(0),
                last_error: Set(None),
                ..Default::default()
            };
            let inserted = due_notice::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(due_notice::Column::Key)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
            added += usize::try_from(inserted).unwrap_or(0);
        }
    }
    Ok(added)
}

/// Most notices one message carries; the rest go in the next.
const BATCH: u64 = 200;

/// How long a claimed notice is held by the run that claimed it, and how long a failed one
/// waits before its next attempt.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// A claimed notice is not claimed again for this long (a run that dies lets it go then).
    pub lease: Duration,
    /// The back-off after the first failure; doubles per attempt, with jitter.
    pub backoff: Duration,
    /// The longest back-off: a notice is retried at least this often until it is sent.
    pub backoff_max: Duration,
}

impl Timing {
    /// The delivery worker's, for its tasks, reminders and notices alike: a claim is held for
    /// twice an attempt's timeout (`REGISTER_DELIVERY_TIMEOUT_MS`) and a second, and a failure
    /// waits `REGISTER_DELIVERY_BACKOFF_MS`, doubling up to `REGISTER_DELIVERY_BACKOFF_MAX_MS`.
    pub fn of_delivery(config: &crate::config::Config) -> Self {
        let timeout = Duration::from_millis(Ord::max(config.delivery_timeout_ms, 1));
        Self {
            lease: timeout * 2 + Duration::from_secs(1),
            backoff: Duration::from_millis(config.delivery_backoff_ms),
            backoff_max: Duration::from_millis(config.delivery_backoff_max_ms),
        }
    }

    /// When a notice that failed its `attempt`th attempt at `now` is tried again.
    pub fn retry_at(&self, attempt: i32, now: DateTime<Utc>) -> DateTime<Utc> {
        now + backoff(
            u32::try_from(attempt).unwrap_or(1),
            self.backoff,
            self.backoff_max,
            rand::random::<f64>(),
        )
    }
}

/// Claims the pending notices of `channel` that no run holds (never attempted, or whose lease
/// or back-off is over), oldest due date first: one statement counts the attempt and leases each
/// row until `until`. On PostgreSQL rows another instance is claiming are skipped; SQLite has
/// one writer. Two runs at once so claim disjoint sets.
pub async fn lease(
    db: &impl ConnectionTrait,
    channel: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<due_notice::Model>> {
    let free = || {
        Condition::all()
            .add(due_notice::Column::Channel.eq(channel))
            .add(due_notice::Column::SentAt.is_null())
            .add(
                Condition::any()
                    .add(due_notice::Column::NextAttemptAt.is_null())
                    .add(due_notice::Column::NextAttemptAt.lte(now)),
            )
    };
    let due = Query::select()
        .column(due_notice::Column::Id)
        .from(due_notice::Entity)
        .cond_where(free())
        .order_by(due_notice::Column::DueOn, Order::Asc)
        .order_by(due_notice::Column::Id, Order::Asc)
        .limit(BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let mut claimed = due_notice::Entity::update_many()
        .col_expr(
            due_notice::Column::Attempts,
            Expr::col(due_notice::Column::Attempts).add(1),
        )
        .col_expr(due_notice::Column::NextAttemptAt, Expr::value(until))
        .filter(due_notice::Column::Id.in_subquery(due))
        // Again on the row itself: PostgreSQL re-checks these on a row another run changed.
        .filter(free())
        .exec_with_returning(db)
        .await?;
    claimed.sort_by_key(|n| (n.due_on, n.id));
    Ok(claimed)
}

/// Marks the claimed notices sent, each only if it is still the claim this run made; how many
/// were.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    claimed: &[due_notice::Model],
) -> AppResult<usize> {
    let now = Utc::now();
    let mut marked = 0;
    for notice in claimed {
        let done = due_notice::Entity::update_many()
            .col_expr(due_notice::Column::SentAt, Expr::value(now))
            .col_expr(
                due_notice::Column::NextAttemptAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(
                due_notice::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .filter(due_notice::Column::Id.eq(notice.id))
            .filter(due_notice::Column::Attempts.eq(notice.attempts))
            .filter(due_notice::Column::SentAt.is_null())
            .exec(db)
            .await?;
        marked += usize::try_from(done.rows_affected).unwrap_or(0);
    }
    Ok(marked)
}

/// Keeps the error of a failed attempt and sets each notice's next attempt by the back-off.
pub async fn retry_later(
    db: &impl ConnectionTrait,
    claimed: &[due_notice::Model],
    timing: &Timing,
    error: &str,
) -> AppResult<()> {
    let now = Utc::now();
    let error: String = error.chars().take(500).collect();
    for notice in claimed {
        due_notice::Entity::update_many()
            .col_expr(
                due_notice::Column::NextAttemptAt,
                Expr::value(timing.retry_at(notice.attempts, now)),
            )
            .col_expr(
                due_notice::Column::LastError,
                Expr::value(Some(error.clone())),
            )
            .filter(due_notice::Column::Id.eq(notice.id))
            .filter(due_notice::Column::Attempts.eq(notice.attempts))
            .filter(due_notice::Column::SentAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Claims each channel's pending notices and sends them in one message per channel: marked
/// sent when `send` succeeds, else retried after the back-off. The number sent.
pub async fn send_pending<F, Fut>(
    db: &impl ConnectionTrait,
    channels: &[&str],
    timing: &Timing,
    send: F,
) -> AppResult<usize>
where
    F: Fn(String, Vec<due_notice::Model>) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut sent = 0;
    for channel in channels {
        let now = Utc::now();
        let claimed = lease(db, channel, now, now + timing.lease).await?;
        if claimed.is_empty() {
            continue;
        }
        match send((*channel).to_owned(), claimed.clone()).await {
            Ok(()) => sent += mark_sent(db, &claimed).await?,
            Err(error) => retry_later(db, &claimed, timing, &error).await?,
        }
    }
    Ok(sent)
}

/// The digest's text: one line per notice, soonest first.
pub fn digest_text(notices: &[due_notice::Model]) -> String {
    let mut lines = vec![format!("{} item(s) need attention:", notices.len())];
    lines.extend(
        notices
            .iter()
            .map(|n| format!("- {}: {}", n.due_on, n.message)),
    );
    lines.join("\n")
}
