//! The customers subscribed to the group's published sub-processor list, and telling each of them
//! of each announced change exactly once: the message is a row of the notices keyed by subscriber
//! and change, inserted only if absent, so a second turn, a restart or a second instance writes
//! nothing twice. `crate::notices` sends them (a signed webhook POST, an e-mail, or the outbox
//! without a mail server), retrying until each is sent.

use crate::{
    audit::{self, Actor, Change},
    domain::dsr::seal::Sealer,
    domain::vocab::{ActingAs, DeliveryChannel, SubprocessorChangeKind, SubprocessorChangeStatus},
    error::{AppError, AppResult},
    page::{Page, PageRequest},
    requests::secrets,
    validate,
    webhook_url::{self, WebhookPolicy},
};
use chrono::Utc;
use entity::{
    organisation, processing_activity, subprocessor_change, subprocessor_notice,
    subprocessor_subscriber,
};
use sea_orm::{
    ActiveValue::Set, Condition, QueryOrder, TransactionTrait, prelude::*, sea_query::OnConflict,
};
use std::collections::{BTreeSet, HashMap};

/// A subscriber as given (raw input).
#[derive(Debug, Clone, Default)]
pub struct NewSubscriber {
    pub name: String,
    pub email: Option<String>,
    pub webhook_url: Option<String>,
}

/// The associated data a subscriber's sealed webhook secret is bound to.
fn sealed_record(id: i64) -> String {
    format!("subprocessor_subscriber.webhook_secret:{id}")
}

/// The subscriber's webhook signing secret, if it has one.
pub fn open_secret(
    sealer: &Sealer,
    subscriber: &subprocessor_subscriber::Model,
) -> AppResult<Option<Vec<u8>>> {
    subscriber
        .webhook_secret
        .as_deref()
        .map(|s| {
            sealer
                .open(s, &sealed_record(subscriber.id))
                .map_err(AppError::internal)
        })
        .transpose()
}

/// Adds a subscriber: a name and an e-mail address or a webhook URL (or both). One reached by
/// webhook is given a signing secret, returned here only (kept sealed), as an organisation's.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewSubscriber,
    webhooks: &WebhookPolicy,
    sealer: &Sealer,
) -> AppResult<(subprocessor_subscriber::Model, Option<String>)> {
    let name = validate::text("name", &input.name, 200)?;
    let email = input
        .email
        .as_deref()
        .map(|e| validate::email("email", e))
        .transpose()?;
    let webhook = match input.webhook_url.as_deref() {
        Some(u) => Some(webhook_url::check("webhookUrl", u, webhooks).await?.url),
        None => None,
    };
    if email.is_none() && webhook.is_none() {
        return Err(AppError::bad_input(
            "email",
            "a subscriber is reached by e-mail or webhook: give one",
        ));
    }
    let txn = db.begin().await?;
    let has_webhook = webhook.is_some();
    let mut saved = subprocessor_subscriber::ActiveModel {
        name: Set(name),
        email: Set(email),
        webhook_url: Set(webhook),
        webhook_secret: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut secret = None;
    if has_webhook {
        let plain = secrets::random();
        let sealed = sealer
            .seal(plain.as_bytes(), &sealed_record(saved.id))
            .map_err(AppError::internal)?;
        let mut active: subprocessor_subscriber::ActiveModel = saved.into();
        active.webhook_secret = Set(Some(sealed));
        saved = active.update(&txn).await?;
        secret = Some(plain);
    }
    audit::record(
        &txn,
        actor,
        Change::created(
            "addSubprocessorListSubscriber",
            "subprocessor_subscriber",
            saved.id,
            &saved,
        )?,
    )
    .await?;
    txn.commit().await?;
    Ok((saved, secret))
}

/// The subscribers, a page at a time in the order they were added.
pub async fn list(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> AppResult<Page<subprocessor_subscriber::Model>> {
    crate::page::fetch(
        db,
        subprocessor_subscriber::Entity::find(),
        subprocessor_subscriber::Column::Id,
        page,
    )
    .await
}

/// Removes a subscriber: it is told of no further change. The notices it was sent (or that
/// wait in the outbox) are kept, as what it was told; those not yet sent are withdrawn, so no
/// retry reaches it. Returns the subscriber as it was and how many notices were withdrawn.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<(subprocessor_subscriber::Model, u64)> {
    let txn = db.begin().await?;
    let subscriber = subprocessor_subscriber::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("subscriber {id}")))?;
    // Its notices by their column, and those written before the column by their key.
    let withdrawn = subprocessor_notice::Entity::delete_many()
        .filter(
            Condition::any()
                .add(subprocessor_notice::Column::SubscriberId.eq(id))
                .add(
                    subprocessor_notice::Column::Key
                        .starts_with(format!("subscriber:{id}:change:")),
                ),
        )
        .filter(subprocessor_notice::Column::SentAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    subprocessor_subscriber::Entity::delete_by_id(id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        Change::deleted(
            "removeSubprocessorListSubscriber",
            "subprocessor_subscriber",
            id,
            &subscriber,
        )?,
    )
    .await?;
    txn.commit().await?;
    Ok((subscriber, withdrawn))
}

/// The changes on the published list: announced, not withdrawn, objected or live, for an activity
/// the group carries out as a processor.
async fn published_changes(
    db: &impl ConnectionTrait,
) -> AppResult<Vec<subprocessor_change::Model>> {
    let acting: BTreeSet<String> = processing_activity::Entity::find()
        .filter(processing_activity::Column::ActingAs.eq(ActingAs::Processor.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.id.to_string())
        .collect();
    if acting.is_empty() {
        return Ok(Vec::new());
    }
    Ok(subprocessor_change::Entity::find()
        .filter(subprocessor_change::Column::Status.is_in([
            SubprocessorChangeStatus::Pending.as_str(),
            SubprocessorChangeStatus::Approved.as_str(),
            SubprocessorChangeStatus::AcceptedBySilence.as_str(),
        ]))
        .order_by_asc(subprocessor_change::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter(|c| c.activity_ids.0.iter().any(|a| acting.contains(a)))
        .collect())
}

/// Writes, for every subscriber, each published change it has not been sent yet; how many were
/// written.
pub async fn notify(db: &impl ConnectionTrait) -> AppResult<u64> {
    let subscribers = subprocessor_subscriber::Entity::find()
        .order_by_asc(subprocessor_subscriber::Column::Id)
        .all(db)
        .await?;
    if subscribers.is_empty() {
        return Ok(0);
    }
    let changes = published_changes(db).await?;
    let orgs: HashMap<i64, organisation::Model> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(changes.iter().map(|c| c.subprocessor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut written = 0;
    for change in &changes {
        let Some(sub) = orgs.get(&change.subprocessor_id) else {
            continue;
        };
        let (subject, body) = message(change, sub);
        for s in &subscribers {
            let (channel, recipient) = match (&s.webhook_url, &s.email) {
                (Some(url), _) => (DeliveryChannel::Webhook, url.clone()),
                (None, Some(email)) => (DeliveryChannel::Email, email.clone()),
                (None, None) => continue,
            };
            let row = subprocessor_notice::ActiveModel {
                change_id: Set(change.id),
                key: Set(format!("subscriber:{}:change:{}", s.id, change.id)),
                recipient: Set(recipient),
                channel: Set(channel),
                subject: Set(subject.clone()),
                body: Set(format!("To {}:\n\n{body}", s.name)),
                created_at: Set(Utc::now()),
                sent_at: Set(None),
                subscriber_id: Set(Some(s.id)),
                attempts: Set(0),
                next_attempt_at: Set(None),
                last_error: Set(None),
                ..Default::default()
            };
            written += subprocessor_notice::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(subprocessor_notice::Column::Key)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await?;
        }
    }
    Ok(written)
}

fn message(change: &subprocessor_change::Model, sub: &organisation::Model) -> (String, String) {
    let what = match change.kind {
        SubprocessorChangeKind::Add => {
            format!("We intend to engage {} ({})", sub.name, sub.country)
        }
        SubprocessorChangeKind::Relocate => format!(
            "{} intends to move its processing to {}",
            sub.name,
            change.relocate_to.unwrap_or(sub.country)
        ),
        SubprocessorChangeKind::Remove => format!("We will stop using {}", sub.name),
    };
    let deadline = change
        .objection_deadline
        .map_or_else(String::new, |d| format!(" You may object until {d}."));
    (
        format!("Change to our sub-processors: {}", sub.name),
        format!(
            "{what} as a sub-processor, from {}.{deadline}\n\nOur current list: /subprocessors\n",
            change.effective_on
        ),
    )
}
