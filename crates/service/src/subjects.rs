//! Data subjects: registered by the identifiers people quote, kept only as keyed hashes, and
//! linked to the processing activities they take part in.

use crate::{
    audit::{self, Actor, Change},
    domain::identifier::{IdentifierHasher, IdentifierKind, PhoneRegion, SubjectIdentifiers},
    error::{AppError, AppResult},
    validate,
};
use chrono::{NaiveDate, Utc};
use entity::{data_subject, processing_activity, subject_activity, subject_identifier};
use sea_orm::{
    ActiveValue::Set, Condition, DatabaseTransaction, QueryOrder, QuerySelect, TransactionTrait,
    prelude::*,
};
use std::collections::BTreeSet;

/// The most subjects one `registerSubjects` call (or one CLI batch) takes: one transaction
/// should stay short enough not to hold the writer for long.
pub const MAX_BULK: usize = 1000;

/// What hashing and phone parsing need; built from the service secret and configuration.
#[derive(Clone, Debug)]
pub struct SubjectKeys {
    pub hasher: IdentifierHasher,
    pub phone_region: Option<PhoneRegion>,
}

impl SubjectKeys {
    pub fn new(secret: &[u8], phone_region: Option<PhoneRegion>) -> Self {
        Self {
            hasher: IdentifierHasher::new(secret),
            phone_region,
        }
    }

    /// The normalised identifiers' hashes; a refusal names the schema's field.
    pub fn hashes(&self, quoted: &Quoted) -> AppResult<Vec<(IdentifierKind, [u8; 32])>> {
        let ids = SubjectIdentifiers::parse(
            quoted.email.as_deref(),
            quoted.phone.as_deref(),
            quoted.account_number.as_deref(),
            self.phone_region,
        )
        .map_err(|e| AppError::bad_input(e.field, e.message))?;
        Ok(self.hasher.hash_all(&ids))
    }
}

/// The identifiers as quoted (a `SubjectIdentifierInput`), not yet normalised.
#[derive(Clone, Debug, Default)]
pub struct Quoted {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub account_number: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct NewSubject {
    pub identifiers: Quoted,
    pub activity_ids: Vec<i64>,
    /// Default: today.
    pub linked_on: Option<NaiveDate>,
}

/// Registers one subject, or extends the one its identifiers already match.
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &SubjectKeys,
    input: NewSubject,
) -> AppResult<i64> {
    let txn = db.begin().await?;
    let id = register_in(&txn, keys, &input).await?;
    let after = serde_json::json!({ "activityIds": &input.activity_ids, "linkedOn": input.linked_on,
        "identifierKinds": kinds(&input.identifiers) });
    audit::record(
        &txn,
        actor,
        Change::created("registerSubject", "data_subject", id, &after)?,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Which kinds of identifier were quoted: the audit trail records that, never the values.
fn kinds(quoted: &Quoted) -> Vec<&'static str> {
    [
        (quoted.email.is_some(), "email"),
        (quoted.phone.is_some(), "phone"),
        (quoted.account_number.is_some(), "accountNumber"),
    ]
    .into_iter()
    .filter_map(|(given, kind)| given.then_some(kind))
    .collect()
}

/// Registers up to [`MAX_BULK`] subjects in one transaction: all or none. A refusal names the
/// entry (`inputs[3].email`).
pub async fn register_many(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &SubjectKeys,
    inputs: &[NewSubject],
) -> AppResult<Vec<i64>> {
    if inputs.is_empty() || inputs.len() > MAX_BULK {
        return Err(AppError::bad_input(
            "inputs",
            format!("give between 1 and {MAX_BULK} subjects"),
        ));
    }
    let txn = db.begin().await?;
    let ids = register_many_in(&txn, actor, keys, inputs).await?;
    txn.commit().await?;
    Ok(ids)
}

/// As [`register_many`], inside the caller's transaction and without its size limit (the
/// demonstration register).
pub async fn register_many_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    keys: &SubjectKeys,
    inputs: &[NewSubject],
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let id = register_in(txn, keys, input)
            .await
            .map_err(|e| prefixed(&format!("inputs[{i}]."), e))?;
        ids.push(id);
    }
    let after = serde_json::json!({ "subjects": &ids });
    audit::record(
        txn,
        actor,
        Change::created("registerSubjects", "data_subject", "bulk", &after)?,
    )
    .await?;
    Ok(ids)
}

/// `field` becomes `prefix` + `field` on an input error; other errors pass unchanged.
pub fn prefixed(prefix: &str, err: AppError) -> AppError {
    match err {
        AppError::BadInput { field, message } => AppError::BadInput {
            field: format!("{prefix}{field}"),
            message,
        },
        other => other,
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one transaction: the subject's keyed identifiers, its holdings and the audit record"
)]
async fn register_in(
    txn: &DatabaseTransaction,
    keys: &SubjectKeys,
    input: &NewSubject,
) -> AppResult<i64> {
    let hashes = keys.hashes(&input.identifiers)?;
    let activity_ids: BTreeSet<i64> = input.activity_ids.iter().copied().collect();
    let linked_on = validate::past_date("linkedOn", input.linked_on)?
        .unwrap_or_else(|| Utc::now().date_naive());

    let known = existing(txn, &hashes).await?;
    let subject_id = match matched_subject(&known)? {
        Some(id) => id,
        None => {
            data_subject::ActiveModel {
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?
            .id
        }
    };
    let new_ids: Vec<_> = hashes
        .iter()
        .filter(|(kind, hash)| {
            !known
                .iter()
                .any(|k| k.kind == *kind && k.hash == hash.as_slice())
        })
        .map(|(kind, hash)| subject_identifier::ActiveModel {
            kind: Set(*kind),
            hash: Set(hash.to_vec()),
            subject_id: Set(subject_id),
        })
        .collect();
    if !new_ids.is_empty() {
        subject_identifier::Entity::insert_many(new_ids)
            .exec_without_returning(txn)
            .await?;
    }

    let found: BTreeSet<i64> = processing_activity::Entity::find()
        .select_only()
        .column(processing_activity::Column::Id)
        .filter(processing_activity::Column::Id.is_in(activity_ids.iter().copied()))
        .into_tuple::<i64>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    if let Some(missing) = activity_ids.difference(&found).next() {
        return Err(AppError::bad_input(
            "activityIds",
            format!("no processing activity with id {missing}"),
        ));
    }
    let linked: BTreeSet<i64> = subject_activity::Entity::find()
        .select_only()
        .column(subject_activity::Column::ActivityId)
        .filter(subject_activity::Column::SubjectId.eq(subject_id))
        .into_tuple::<i64>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let links: Vec<_> = activity_ids
        .difference(&linked)
        .map(|activity_id| subject_activity::ActiveModel {
            subject_id: Set(subject_id),
            activity_id: Set(*activity_id),
            linked_on: Set(linked_on),
            restricted_reason: Set(None),
            restricted_until: Set(None),
        })
        .collect();
    if !links.is_empty() {
        subject_activity::Entity::insert_many(links)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(subject_id)
}

/// The stored identifiers among `hashes`.
async fn existing(
    db: &impl ConnectionTrait,
    hashes: &[(IdentifierKind, [u8; 32])],
) -> AppResult<Vec<subject_identifier::Model>> {
    let mut any = Condition::any();
    for (kind, hash) in hashes {
        any = any.add(
            Condition::all()
                .add(subject_identifier::Column::Kind.eq(*kind))
                .add(subject_identifier::Column::Hash.eq(hash.to_vec())),
        );
    }
    Ok(subject_identifier::Entity::find()
        .filter(any)
        .all(db)
        .await?)
}

/// The one subject the stored identifiers belong to; two different ones are a CONFLICT, never a
/// silent merge: they may be two people sharing a phone.
fn matched_subject(known: &[subject_identifier::Model]) -> AppResult<Option<i64>> {
    let ids: BTreeSet<i64> = known.iter().map(|k| k.subject_id).collect();
    if ids.len() > 1 {
        return Err(AppError::Conflict(
            "the identifiers given belong to two different data subjects".into(),
        ));
    }
    Ok(ids.into_iter().next())
}

/// The subject any of the quoted identifiers matches, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    keys: &SubjectKeys,
    quoted: &Quoted,
) -> AppResult<Option<i64>> {
    find_hashed(db, &keys.hashes(quoted)?).await
}

/// As [`find`], from the identifiers' hashes.
pub async fn find_hashed(
    db: &impl ConnectionTrait,
    hashes: &[(IdentifierKind, [u8; 32])],
) -> AppResult<Option<i64>> {
    matched_subject(&existing(db, hashes).await?)
}

async fn require(db: &impl ConnectionTrait, keys: &SubjectKeys, quoted: &Quoted) -> AppResult<i64> {
    find(db, keys, quoted)
        .await?
        .ok_or_else(|| AppError::not_found("data subject"))
}

/// Ends the subject's part in one activity.
pub async fn unlink(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &SubjectKeys,
    quoted: &Quoted,
    activity_id: i64,
) -> AppResult<i64> {
    let txn = db.begin().await?;
    let subject_id = require(&txn, keys, quoted).await?;
    let deleted = subject_activity::Entity::delete_many()
        .filter(subject_activity::Column::SubjectId.eq(subject_id))
        .filter(subject_activity::Column::ActivityId.eq(activity_id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::bad_input(
            "activityId",
            format!("the subject takes no part in processing activity {activity_id}"),
        ));
    }
    let before = serde_json::json!({ "subject": subject_id, "activityId": activity_id });
    audit::record(
        &txn,
        actor,
        Change::deleted("unlinkSubject", "data_subject", subject_id, &before)?,
    )
    .await?;
    txn.commit().await?;
    Ok(subject_id)
}

/// Forgets the subject: its identifiers' hashes and its links. Returns its id.
pub async fn remove(
    db: &DatabaseConnection,
    actor: &Actor,
    keys: &SubjectKeys,
    quoted: &Quoted,
) -> AppResult<i64> {
    let txn = db.begin().await?;
    let subject_id = require(&txn, keys, quoted).await?;
    forget(&txn, subject_id).await?;
    let before = serde_json::json!({ "subject": subject_id });
    audit::record(
        &txn,
        actor,
        Change::deleted("removeSubject", "data_subject", subject_id, &before)?,
    )
    .await?;
    txn.commit().await?;
    Ok(subject_id)
}

/// Deletes a subject's links, identifier hashes and row, inside the caller's transaction.
pub async fn forget(db: &impl ConnectionTrait, subject_id: i64) -> AppResult<()> {
    subject_activity::Entity::delete_many()
        .filter(subject_activity::Column::SubjectId.eq(subject_id))
        .exec(db)
        .await?;
    subject_identifier::Entity::delete_many()
        .filter(subject_identifier::Column::SubjectId.eq(subject_id))
        .exec(db)
        .await?;
    data_subject::Entity::delete_by_id(subject_id)
        .exec(db)
        .await?;
    Ok(())
}

/// The activities of a subject, in id order, with the date each link started.
pub async fn activities(
    db: &impl ConnectionTrait,
    subject_id: i64,
) -> AppResult<Vec<(processing_activity::Model, NaiveDate)>> {
    Ok(activities_of(db, &[subject_id])
        .await?
        .remove(&subject_id)
        .unwrap_or_default())
}

/// The activities of each of `subject_ids` with the date each link was made, in two queries.
pub async fn activities_of(
    db: &impl ConnectionTrait,
    subject_ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<(processing_activity::Model, NaiveDate)>>> {
    let links = subject_activity::Entity::find()
        .filter(subject_activity::Column::SubjectId.is_in(subject_ids.iter().copied()))
        .order_by_asc(subject_activity::Column::SubjectId)
        .order_by_asc(subject_activity::Column::ActivityId)
        .all(db)
        .await?;
    let mut activity_ids: Vec<i64> = links.iter().map(|l| l.activity_id).collect();
    activity_ids.sort_unstable();
    activity_ids.dedup();
    let models = crate::activities::by_ids(db, &activity_ids).await?;
    let mut out: std::collections::HashMap<i64, Vec<_>> =
        subject_ids.iter().map(|id| (*id, Vec::new())).collect();
    for link in links {
        if let Some(model) = models.get(&link.activity_id) {
            out.entry(link.subject_id)
                .or_default()
                .push((model.clone(), link.linked_on));
        }
    }
    Ok(out)
}
