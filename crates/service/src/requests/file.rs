//! Filing a request: the request and one task per holding organisation, in one transaction.

use super::{DsrKeys, holders, refresh, sealed_record, task_event};
use crate::{
    audit::{self, Actor, Change},
    domain::{
        dsr::{deadline, delivery::Identifiers, retention},
        identifier::SubjectIdentifiers,
        vocab::{DeliveryChannel, DsrKind, DsrStatus, TaskStatus},
    },
    error::{AppError, AppResult},
    organisations,
    subjects::SubjectKeys,
};
use chrono::{NaiveDate, Utc};
use entity::{
    Codes, Restriction, Restrictions, dsr_request, dsr_task, dsr_task_event, processing_activity,
};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, TransactionTrait, prelude::*};
use serde::Serialize;

/// Tasks (and their first events) per INSERT: well under either database's limit on bound
/// parameters.
const ROWS_PER_STATEMENT: usize = 500;

#[derive(Debug, Clone)]
pub struct NewRequest {
    pub identifiers: Identifiers,
    pub kind: DsrKind,
    /// Default: today.
    pub received_on: Option<NaiveDate>,
}

/// What the audit trail keeps of a filing: the request and its tasks, never the identifiers.
#[derive(Serialize)]
struct Filed<'a> {
    request: &'a dsr_request::Model,
    tasks: &'a [dsr_task::Model],
}

/// The channel the contract gives an organisation: its webhook, else its privacy contact, else a person.
fn channel(org: &entity::organisation::Model) -> DeliveryChannel {
    if org.erasure_webhook_url.is_some() {
        DeliveryChannel::Webhook
    } else if org.privacy_contact_email.is_some() {
        DeliveryChannel::Email
    } else {
        DeliveryChannel::Manual
    }
}

fn restrictions(sets: Vec<retention::RestrictedSet>) -> Restrictions {
    Restrictions(
        sets.into_iter()
            .map(|s| Restriction {
                categories: s.categories,
                reason: s.reason,
                activity_ids: s.activity_ids,
                until: s.until,
            })
            .collect(),
    )
}

/// Files a request: checks it, then in one transaction stores it, one task per holding
/// organisation (with its first event) and the audit record; then tells the dashboards.
pub async fn file(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &DsrKeys,
    subject_keys: &SubjectKeys,
    input: NewRequest,
) -> AppResult<dsr_request::Model> {
    let ids = &input.identifiers;
    // Validates each identifier and refuses none at all, naming the field; the values kept are
    // the ones given, for the holders to match on.
    SubjectIdentifiers::parse(
        ids.email.as_deref(),
        ids.phone.as_deref(),
        ids.account_number.as_deref(),
        subject_keys.phone_region,
    )
    .map_err(|e| AppError::bad_input(e.field, e.message))?;
    let today = Utc::now().date_naive();
    let received_on = input.received_on.unwrap_or(today);
    if received_on > today {
        return Err(AppError::bad_input(
            "receivedOn",
            "receivedOn must not be in the future",
        ));
    }
    let due_on = deadline::due_on(received_on)
        .ok_or_else(|| AppError::bad_input("receivedOn", "receivedOn is out of range"))?;
    let reference = format!("dsr-{}", hex::encode(rand::random::<[u8; 8]>()));
    let plain = serde_json::to_vec(ids).map_err(AppError::internal)?;
    let sealed = keys
        .sealer
        .seal(&plain, &sealed_record(&reference))
        .map_err(AppError::internal)?;

    let txn = db.begin().await?;
    let (subject_id, holders) = holders::holders(&txn, subject_keys, ids).await?;
    let now = Utc::now();
    let request = dsr_request::ActiveModel {
        reference: Set(reference),
        kind: Set(input.kind),
        status: Set(DsrStatus::Open),
        received_on: Set(received_on),
        due_on: Set(due_on),
        subject_id: Set(subject_id),
        sealed_identifiers: Set(Some(sealed)),
        filed_by: Set(actor.name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let rows = task_rows(&txn, &request, holders, now).await?;
    let tasks = insert_tasks(&txn, actor, rows).await?;
    // A request no one holds data for is complete at once (and its identifiers destroyed).
    let request = refresh(&txn, request.id).await?;
    audit::record(
        &txn,
        actor,
        Change::created(
            "fileDataSubjectRequest",
            "dsr_request",
            request.id,
            &Filed {
                request: &request,
                tasks: &tasks,
            },
        )?,
    )
    .await?;
    txn.commit().await?;
    keys.events.publish(request.id);
    Ok(request)
}

/// One pending task per holder: its channel, the categories it holds and, for an erasure, what
/// it must erase and what a retention duty keeps (restricted instead, with the reason).
async fn task_rows(
    txn: &DatabaseTransaction,
    request: &dsr_request::Model,
    holders: Vec<holders::Holder>,
    now: chrono::DateTime<Utc>,
) -> AppResult<Vec<dsr_task::ActiveModel>> {
    let orgs = organisations::by_ids(
        txn,
        &holders
            .iter()
            .map(|h| h.organisation_id)
            .collect::<Vec<_>>(),
    )
    .await?;
    let activity_ids: Vec<i64> = holders
        .iter()
        .flat_map(|h| h.activity_ids.clone())
        .collect();
    let activities = processing_activity::Entity::find()
        .filter(processing_activity::Column::Id.is_in(activity_ids))
        .all(txn)
        .await?;
    let mut rows = Vec::with_capacity(holders.len());
    for holder in holders {
        let org = orgs.get(&holder.organisation_id).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("holder {} is gone", holder.organisation_id))
        })?;
        let channel = channel(org);
        let held: Vec<retention::HeldFor> = holder
            .by_activity
            .iter()
            .filter_map(|(id, categories)| {
                let a = activities.iter().find(|a| a.id == *id)?;
                Some(retention::HeldFor {
                    activity_id: a.id,
                    categories: categories.clone(),
                    exemption: retention::exemption(a.lawful_basis, &a.retention),
                    retention_months: a.retention_months,
                })
            })
            .collect();
        let split = retention::split(&held, request.received_on);
        // Only an erasure is split; for the other kinds the whole holding is concerned.
        let (erase, restrictions) = if request.kind == DsrKind::Erasure {
            (Some(Codes(split.erase)), Some(restrictions(split.restrict)))
        } else {
            (None, None)
        };
        let exemption = restrictions.as_ref().and_then(|r| {
            let reasons: Vec<&str> = r.0.iter().map(|s| s.reason.as_str()).collect();
            (!reasons.is_empty()).then(|| reasons.join("; "))
        });
        rows.push(dsr_task::ActiveModel {
            request_id: Set(request.id),
            organisation_id: Set(org.id),
            channel: Set(channel),
            status: Set(TaskStatus::Pending),
            data_categories: Set(Codes(holder.data_categories)),
            activity_ids: Set(Codes(
                holder.activity_ids.iter().map(i64::to_string).collect(),
            )),
            retention_exemption: Set(exemption),
            erase_categories: Set(erase),
            restrictions: Set(restrictions),
            attempts: Set(0),
            // Due at once for the worker; a manual task waits for a person.
            next_attempt_at: Set((channel != DeliveryChannel::Manual).then_some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
    }
    Ok(rows)
}

/// Inserts the tasks and their first events, sorted by organisation.
async fn insert_tasks(
    txn: &DatabaseTransaction,
    actor: &Actor,
    rows: Vec<dsr_task::ActiveModel>,
) -> AppResult<Vec<dsr_task::Model>> {
    // A few multi-row statements rather than two per holder: each statement is a round trip,
    // and a subject 200 organisations hold would otherwise cost 400 of them.
    let mut tasks = Vec::with_capacity(rows.len());
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        tasks.extend(
            dsr_task::Entity::insert_many(chunk)
                .exec_with_returning(txn)
                .await?,
        );
    }
    // RETURNING does not promise the order of the rows; the holders were by organisation.
    tasks.sort_by_key(|t| t.organisation_id);
    for chunk in tasks.chunks(ROWS_PER_STATEMENT) {
        dsr_task_event::Entity::insert_many(chunk.iter().map(|task| {
            task_event(
                task,
                &actor.name,
                None,
                TaskStatus::Pending,
                Some(format!("filed for delivery by {}", task.channel.as_str())),
                None,
            )
        }))
        .exec_without_returning(txn)
        .await?;
    }
    Ok(tasks)
}
