//! The daily digest of what became due or is overdue, each item sent once per channel and due
//! date: a `due_notice` row with a unique key is written for each before anything is sent (a
//! second run, after a restart or on another instance, finds the key and adds nothing), and
//! stays pending (`sent_at` empty, `attempts` and `last_error` counted) until a send succeeds, so
//! a receiver that was down gets it on a later run.
//!
//! The transport is the caller's (`send`): the worker passes the e-mail or signed webhook
//! sender; tests pass a recorder that can fail.

use super::due::{self, DueItem};
use crate::error::AppResult;
use chrono::{NaiveDate, Utc};
use entity::due_notice;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, prelude::*,
    sea_query::OnConflict,
};
use std::future::Future;

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

/// Sends each channel's pending notices in one message; marks them sent when `send` succeeds,
/// else counts the attempt and keeps the error. The number sent.
pub async fn send_pending<F, Fut>(
    db: &impl ConnectionTrait,
    channels: &[&str],
    send: F,
) -> AppResult<usize>
where
    F: Fn(String, Vec<due_notice::Model>) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut sent = 0;
    for channel in channels {
        let pending = due_notice::Entity::find()
            .filter(due_notice::Column::Channel.eq(*channel))
            .filter(due_notice::Column::SentAt.is_null())
            .order_by_asc(due_notice::Column::DueOn)
            .order_by_asc(due_notice::Column::Id)
            .all(db)
            .await?;
        if pending.is_empty() {
            continue;
        }
        let ids: Vec<i64> = pending.iter().map(|n| n.id).collect();
        let attempts = pending.iter().map(|n| n.attempts).max().unwrap_or(0) + 1;
        match send((*channel).to_owned(), pending).await {
            Ok(()) => {
                due_notice::Entity::update_many()
                    .col_expr(due_notice::Column::SentAt, Expr::value(Utc::now()))
                    .col_expr(due_notice::Column::Attempts, Expr::value(attempts))
                    .col_expr(
                        due_notice::Column::LastError,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(due_notice::Column::Id.is_in(ids.clone()))
                    .filter(due_notice::Column::SentAt.is_null())
                    .exec(db)
                    .await?;
                sent += ids.len();
            }
            Err(error) => {
                due_notice::Entity::update_many()
                    .col_expr(due_notice::Column::Attempts, Expr::value(attempts))
                    .col_expr(
                        due_notice::Column::LastError,
                        Expr::value(Some(error.chars().take(500).collect::<String>())),
                    )
                    .filter(due_notice::Column::Id.is_in(ids))
                    .exec(db)
                    .await?;
            }
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
