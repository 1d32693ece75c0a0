//! Sending the register's own notices, which belong to no data-subject task: the objections to
//! sub-processor changes and the notices to the subscribers of the published list (written once
//! each in `subprocessor_notice`), and the digest of what is due to `REGISTER_NOTIFY_EMAIL`
//! (claimed once per item and due date in `due_notice`).
//!
//! An e-mail goes to the SMTP server when one is configured, else to the outbox for a person to
//! send (`/exports/outbox/{id}.eml`), as e-mail tasks do. A notice with no address on record
//! (MANUAL) goes to the outbox saying so. A notice for a webhook is not sent yet: it stays
//! pending. Putting a notice in the outbox and marking it sent is one transaction that only the
//! first instance wins, so nothing lands twice; an SMTP send that succeeds but is not marked
//! (a crash between the two) is sent again on the next run.

use crate::{
    config::Config,
    domain::vocab::DeliveryChannel,
    error::AppResult,
    requests::{mail, outbox},
    reviews::digest,
};
use chrono::{NaiveDate, Utc};
use entity::subprocessor_notice;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
    prelude::Expr,
};
use std::time::Duration;

/// What one run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sent {
    /// Notices handed to the SMTP server.
    pub mailed: usize,
    /// Notices kept in the outbox.
    pub kept: usize,
}

/// What an e-mail without a recipient on record is addressed to in the outbox.
pub const NO_ADDRESS: &str = "no address on record: send it by hand";

const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// The digest's channel in `due_notice` (one notice per item, channel and due date).
pub const DIGEST_CHANNEL: &str = "EMAIL";

/// Sends what is pending: the sub-processor notices, and the digest of what is due on `today`
/// when `REGISTER_NOTIFY_EMAIL` is set.
pub async fn send_pending(
    db: &DatabaseConnection,
    config: &Config,
    today: NaiveDate,
) -> AppResult<Sent> {
    let mut sent = subprocessor_notices(db, config).await?;
    if let Some(to) = config.notify_email.as_deref() {
        digest::claim(db, today, &[DIGEST_CHANNEL]).await?;
        let mailed = std::sync::atomic::AtomicUsize::new(0);
        let kept = std::sync::atomic::AtomicUsize::new(0);
        digest::send_pending(db, &[DIGEST_CHANNEL], |_, notices| {
            let message = mail::Composed {
                to: to.to_owned(),
                subject: format!(
                    "Transfer register: {} item(s) need attention",
                    notices.len()
                ),
                body: digest::digest_text(&notices),
            };
            let (mailed, kept) = (&mailed, &kept);
            async move {
                if config.smtp_url.is_some() {
                    mail::send(config, SMTP_TIMEOUT, &message).await?;
                    mailed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else {
                    outbox::put(db, None, &message)
                        .await
                        .map_err(|e| e.to_string())?;
                    kept.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(())
            }
        })
        .await?;
        sent.mailed += mailed.into_inner();
        sent.kept += kept.into_inner();
    }
    Ok(sent)
}

/// The pending objections and subscriber notices that go by e-mail or by hand, oldest first.
async fn subprocessor_notices(db: &DatabaseConnection, config: &Config) -> AppResult<Sent> {
    let pending = subprocessor_notice::Entity::find()
        .filter(subprocessor_notice::Column::SentAt.is_null())
        .filter(subprocessor_notice::Column::Channel.is_in([
            DeliveryChannel::Email.as_str(),
            DeliveryChannel::Manual.as_str(),
        ]))
        .order_by_asc(subprocessor_notice::Column::Id)
        .all(db)
        .await?;
    let mut sent = Sent::default();
    for notice in pending {
        let by_mail = notice.channel == DeliveryChannel::Email && config.smtp_url.is_some();
        let message = mail::Composed {
            to: if notice.recipient.is_empty() {
                NO_ADDRESS.to_owned()
            } else {
                notice.recipient.clone()
            },
            subject: notice.subject.clone(),
            body: notice.body.clone(),
        };
        if by_mail {
            match mail::send(config, SMTP_TIMEOUT, &message).await {
                Ok(_) => {
                    mark_sent(db, notice.id).await?;
                    sent.mailed += 1;
                }
                Err(error) => tracing::warn!(notice = notice.id, %error, "a notice was not sent"),
            }
            continue;
        }
        let txn = db.begin().await?;
        if mark_sent(&txn, notice.id).await? {
            outbox::put(&txn, None, &message).await?;
            txn.commit().await?;
            sent.kept += 1;
        }
    }
    Ok(sent)
}

/// Marks a notice sent unless another run did; whether this one did.
async fn mark_sent(db: &impl sea_orm::ConnectionTrait, id: i64) -> AppResult<bool> {
    let done = subprocessor_notice::Entity::update_many()
        .col_expr(subprocessor_notice::Column::SentAt, Expr::value(Utc::now()))
        .filter(subprocessor_notice::Column::Id.eq(id))
        .filter(subprocessor_notice::Column::SentAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Sends what is pending every `every`, until the task is stopped.
pub async fn run(db: DatabaseConnection, config: std::sync::Arc<Config>, every: Duration) {
    loop {
        if let Err(err) = send_pending(&db, &config, Utc::now().date_naive()).await {
            tracing::error!(error = ?err, "sending the register's notices failed");
        }
        tokio::time::sleep(every).await;
    }
}
