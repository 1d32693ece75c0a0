//! Sending the sub-processor notices: an objection to the processor that announced a change
//! (its erasure webhook, signed with its webhook secret, or its privacy contact's e-mail) and
//! a notice to each subscriber of the published list (its webhook, signed with the secret it was
//! given when added, or its e-mail).

use super::{NO_ADDRESS, Notifier, Sent};
use crate::{
    domain::vocab::DeliveryChannel,
    error::{AppError, AppResult},
    organisations,
    requests::{mail, outbox, secrets},
    signed_post::{self, SignedPost},
    subprocessor_changes::{self, subscribers},
};
use chrono::{DateTime, Utc};
use entity::{subprocessor_notice, subprocessor_subscriber};
use sea_orm::{
    Condition, TransactionTrait,
    prelude::*,
    sea_query::{Expr, ExprTrait as _, LockBehavior, LockType, Order, Query},
};
use serde::Serialize;

/// Notices one run claims.
const BATCH: u64 = 64;

/// The body POSTed for a notice.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NoticeBody<'a> {
    /// `SUBPROCESSOR_OBJECTION` or `SUBPROCESSOR_LIST_CHANGE`.
    kind: &'static str,
    /// The notice's key, also the `Idempotency-Key`.
    notice: &'a str,
    change_id: String,
    subject: &'a str,
    text: &'a str,
}

pub(super) async fn send(notifier: &Notifier, sent: &mut Sent) -> AppResult<()> {
    let timing = notifier.timing();
    let now = Utc::now();
    let claimed = lease(&notifier.db, now, now + timing.lease).await?;
    let gone = removed_subscribers(&notifier.db, &claimed).await?;
    for notice in claimed {
        if subscriber_of(&notice).is_some_and(|id| gone.contains(&id)) {
            // Written by the clock's turn while its subscriber was being removed (the removal
            // withdraws the notices it finds; this one came after): withdrawn too.
            subprocessor_notice::Entity::delete_many()
                .filter(still_claimed(&notice))
                .exec(&notifier.db)
                .await?;
            sent.withdrawn += 1;
            continue;
        }
        let message = mail::Composed {
            to: if notice.recipient.is_empty() {
                NO_ADDRESS.to_owned()
            } else {
                notice.recipient.clone()
            },
            subject: notice.subject.clone(),
            body: notice.body.clone(),
        };
        let outcome = match notice.channel {
            DeliveryChannel::Webhook => post(notifier, &notice).await,
            DeliveryChannel::Email if notifier.config.smtp_url.is_some() => {
                mail::send(&notifier.config, notifier.timeout(), &message).await
            }
            _ => {
                let txn = notifier.db.begin().await?;
                if mark_sent(&txn, &notice).await? {
                    outbox::put(&txn, None, &message).await?;
                    txn.commit().await?;
                    sent.kept += 1;
                }
                continue;
            }
        };
        match outcome {
            Ok(_) => {
                mark_sent(&notifier.db, &notice).await?;
                if notice.channel == DeliveryChannel::Webhook {
                    sent.posted += 1;
                } else {
                    sent.mailed += 1;
                }
            }
            Err(error) => {
                tracing::warn!(notice = notice.id, %error, "a notice was not sent; retried later");
                let error: String = error.chars().take(500).collect();
                subprocessor_notice::Entity::update_many()
                    .col_expr(
                        subprocessor_notice::Column::NextAttemptAt,
                        Expr::value(timing.retry_at(notice.attempts, Utc::now())),
                    )
                    .col_expr(
                        subprocessor_notice::Column::LastError,
                        Expr::value(Some(error)),
                    )
                    .filter(still_claimed(&notice))
                    .exec(&notifier.db)
                    .await?;
                sent.failed += 1;
            }
        }
    }
    Ok(())
}

/// Claims the pending notices no run holds, oldest first, counting the attempt and leasing each
/// until `until`, in one statement (on PostgreSQL skipping rows another instance is claiming).
async fn lease(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<Vec<subprocessor_notice::Model>> {
    let free = || {
        Condition::all()
            .add(subprocessor_notice::Column::SentAt.is_null())
            .add(
                Condition::any()
                    .add(subprocessor_notice::Column::NextAttemptAt.is_null())
                    .add(subprocessor_notice::Column::NextAttemptAt.lte(now)),
            )
    };
    let due = Query::select()
        .column(subprocessor_notice::Column::Id)
        .from(subprocessor_notice::Entity)
        .cond_where(free())
        .order_by(subprocessor_notice::Column::Id, Order::Asc)
        .limit(BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let mut claimed = subprocessor_notice::Entity::update_many()
        .col_expr(
            subprocessor_notice::Column::Attempts,
            Expr::col(subprocessor_notice::Column::Attempts).add(1),
        )
        .col_expr(
            subprocessor_notice::Column::NextAttemptAt,
            Expr::value(until),
        )
        .filter(subprocessor_notice::Column::Id.in_subquery(due))
        .filter(free())
        .exec_with_returning(db)
        .await?;
    claimed.sort_by_key(|n| n.id);
    Ok(claimed)
}

/// The notice's row while it is still the claim this run made.
fn still_claimed(notice: &subprocessor_notice::Model) -> Condition {
    Condition::all()
        .add(subprocessor_notice::Column::Id.eq(notice.id))
        .add(subprocessor_notice::Column::Attempts.eq(notice.attempts))
        .add(subprocessor_notice::Column::SentAt.is_null())
}

/// Marks a claimed notice sent unless another run took it over; whether this one did.
async fn mark_sent(
    db: &impl ConnectionTrait,
    notice: &subprocessor_notice::Model,
) -> AppResult<bool> {
    let done = subprocessor_notice::Entity::update_many()
        .col_expr(subprocessor_notice::Column::SentAt, Expr::value(Utc::now()))
        .col_expr(
            subprocessor_notice::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            subprocessor_notice::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(still_claimed(notice))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The subscribers the claimed notices are for that no longer exist: one statement.
async fn removed_subscribers(
    db: &DatabaseConnection,
    claimed: &[subprocessor_notice::Model],
) -> AppResult<std::collections::BTreeSet<i64>> {
    let named: std::collections::BTreeSet<i64> = claimed.iter().filter_map(subscriber_of).collect();
    if named.is_empty() {
        return Ok(named);
    }
    let present: std::collections::BTreeSet<i64> = subprocessor_subscriber::Entity::find()
        .filter(subprocessor_subscriber::Column::Id.is_in(named.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    Ok(named.difference(&present).copied().collect())
}

/// The subscriber a notice is for: its column, or for a notice written before the column was
/// (`subscriber:<id>:change:<change>`), its key.
fn subscriber_of(notice: &subprocessor_notice::Model) -> Option<i64> {
    notice.subscriber_id.or_else(|| {
        notice
            .key
            .strip_prefix("subscriber:")?
            .split(':')
            .next()?
            .parse()
            .ok()
    })
}

/// The signed POST of a notice to its webhook.
async fn post(notifier: &Notifier, notice: &subprocessor_notice::Model) -> Result<String, String> {
    let secret = secret(notifier, notice)
        .await
        .map_err(|e| format!("could not read the signing secret: {e}"))?
        .ok_or("the receiver has no webhook secret to sign with")?;
    let body = NoticeBody {
        kind: if subscriber_of(notice).is_some() {
            "SUBPROCESSOR_LIST_CHANGE"
        } else {
            "SUBPROCESSOR_OBJECTION"
        },
        notice: &notice.key,
        change_id: notice.change_id.to_string(),
        subject: &notice.subject,
        text: &notice.body,
    };
    let raw = serde_json::to_vec(&body).map_err(|e| e.to_string())?;
    signed_post::post(
        &notifier.clients,
        &notifier.webhooks,
        notifier.timeout(),
        SignedPost {
            url: &notice.recipient,
            secret: &secret,
            idempotency_key: &notice.key,
            headers: &[],
            body: raw,
        },
    )
    .await
}

/// The secret a notice is signed with: the subscriber's, or the processor's webhook secret (the
/// one its erasure deliveries are signed with).
async fn secret(
    notifier: &Notifier,
    notice: &subprocessor_notice::Model,
) -> AppResult<Option<Vec<u8>>> {
    if let Some(id) = subscriber_of(notice) {
        let subscriber = subprocessor_subscriber::Entity::find_by_id(id)
            .one(&notifier.db)
            .await?
            .ok_or_else(|| AppError::not_found(format!("subscriber {id}")))?;
        return subscribers::open_secret(&notifier.sealer, &subscriber);
    }
    let change = subprocessor_changes::find(&notifier.db, notice.change_id).await?;
    let processor = organisations::find(&notifier.db, change.processor_id, "id").await?;
    secrets::open(&notifier.sealer, &processor)
}
