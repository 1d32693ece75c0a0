//! The holder's answer link: every e-mailed task carries `<REGISTER_PUBLIC_URL>/respond/{token}`,
//! where its processor sees what it must do and answers without an account.
//!
//! The token is 256 bits derived by HMAC from 128 random bits stored with the link (the salt) and
//! the register's link key, which is not in the database; the database keeps only a keyed hash
//! of the token to find the link by. So a copy of the database gives no working link, and a
//! reminder can repeat the same link. A link is bound to one task, expires at the request's
//! deadline plus `REGISTER_RESPOND_GRACE_DAYS`, and takes one answer, which goes through the
//! same confirmation as the DPO's `confirmTask` (see [`super::confirm::apply`]), audited with the
//! link and the client address as its actor.

use super::{DsrKeys, confirm};
use crate::{
    audit::Actor,
    config::Config,
    documents::{self, DocumentMeta, Owner, Upload},
    domain::{
        audit::ChainKey,
        mac,
        vocab::{DeliveryChannel, DsrKind, TaskOutcome, TaskStatus},
    },
    error::{AppError, AppResult},
    validate,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Days, NaiveDate, Utc};
use entity::{dsr_request, dsr_task, organisation, respond_link};
use sea_orm::{ActiveValue::Set, QuerySelect, TransactionTrait, prelude::*, sea_query::OnConflict};
use std::{collections::HashMap, sync::Arc};

/// Longest evidence or reason text kept (as `confirmTask`).
const MAX_TEXT: usize = 4000;
/// The length of a token: 32 bytes in unpadded base64url.
const TOKEN_CHARS: usize = 43;

/// The key the links' tokens and their stored hashes are made with, derived from the register's
/// secret.
#[derive(Clone)]
pub struct LinkKey(Arc<[u8; 32]>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

impl LinkKey {
    pub fn derive(secret: &[u8]) -> Self {
        Self(Arc::new(mac::hmac_sha256(
            secret,
            b"transfer-register respond links v1",
        )))
    }

    /// The token of task `task_id` with `salt`.
    fn token(&self, task_id: i64, salt: &str) -> String {
        let message = format!("token:{task_id}:{salt}");
        URL_SAFE_NO_PAD.encode(mac::hmac_sha256(&self.0[..], message.as_bytes()))
    }

    /// What is stored to find a token's link by.
    fn hash(&self, token: &str) -> String {
        hex::encode(mac::hmac_sha256(
            &self.0[..],
            format!("hash:{token}").as_bytes(),
        ))
    }
}

/// Where a link stands, as the DPO sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Sent,
    Opened,
    Answered,
    Expired,
}

/// The state of `link` of a task in `status` at `now`: answered once the task is done, however.
pub fn state(link: &respond_link::Model, status: TaskStatus, now: DateTime<Utc>) -> LinkState {
    if link.answered_at.is_some() || matches!(status, TaskStatus::Completed | TaskStatus::Exempt) {
        LinkState::Answered
    } else if now > link.expires_at {
        LinkState::Expired
    } else if link.opened_at.is_some() {
        LinkState::Opened
    } else {
        LinkState::Sent
    }
}

/// The links of `task_ids`, by task.
pub async fn links_of(
    db: &impl ConnectionTrait,
    task_ids: &[i64],
) -> AppResult<HashMap<i64, respond_link::Model>> {
    Ok(respond_link::Entity::find()
        .filter(respond_link::Column::TaskId.is_in(task_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.task_id, l))
        .collect())
}

/// The last moment a link of a request due on `due_on` works.
pub fn expiry(config: &Config, due_on: NaiveDate) -> DateTime<Utc> {
    let last = due_on
        .checked_add_days(Days::new(u64::from(config.respond_grace_days)))
        .unwrap_or(NaiveDate::MAX);
    last.and_hms_opt(23, 59, 59).unwrap_or_default().and_utc()
}

/// The link of `task` for a message sent now, created on its first message: the same link for
/// every retry and reminder, its expiry following the request's deadline.
pub async fn issue(
    db: &impl ConnectionTrait,
    keys: &DsrKeys,
    config: &Config,
    task: &dsr_task::Model,
    due_on: NaiveDate,
) -> AppResult<String> {
    let now = Utc::now();
    let expires_at = expiry(config, due_on);
    let salt = hex::encode(rand::random::<[u8; 16]>());
    let token = keys.links.token(task.id, &salt);
    respond_link::Entity::insert(respond_link::ActiveModel {
        task_id: Set(task.id),
        token_hash: Set(keys.links.hash(&token)),
        salt: Set(salt),
        expires_at: Set(expires_at),
        sent_at: Set(Some(now)),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(respond_link::Column::TaskId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let link = respond_link::Entity::find()
        .filter(respond_link::Column::TaskId.eq(task.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("link of task {} is gone", task.id)))?;
    let mut active: respond_link::ActiveModel = link.clone().into();
    active.expires_at = Set(expires_at);
    active.sent_at = Set(Some(now));
    active.update(db).await?;
    Ok(format!(
        "{}/respond/{}",
        config.public_base(),
        keys.links.token(task.id, &link.salt)
    ))
}

/// What the holder is shown: what is asked of it and, once answered, the answer.
#[derive(Debug, Clone)]
pub struct Shown {
    pub task_id: i64,
    pub organisation: String,
    pub reference: String,
    pub kind: DsrKind,
    pub action: String,
    pub due_on: NaiveDate,
    pub expires_at: DateTime<Utc>,
    pub data_categories: Vec<String>,
    pub erase_categories: Vec<String>,
    /// Categories to keep restricted, each set with its legal reason.
    pub restricted: Vec<(Vec<String>, String)>,
    pub status: TaskStatus,
    pub evidence: Option<String>,
    pub exemption_reason: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The evidence file just attached to the answer (set only on the answer's own response).
    pub evidence_document: Option<DocumentMeta>,
}

impl Shown {
    /// Whether the task takes no more answers.
    pub fn answered(&self) -> bool {
        self.answer.is_some() || matches!(self.status, TaskStatus::Completed | TaskStatus::Exempt)
    }
}

/// Why a link does not take an answer.
#[derive(Debug)]
pub enum Refusal {
    /// No such link: never issued, mistyped or tampered with.
    Unknown,
    /// Past its deadline and grace period.
    Expired(Box<Shown>),
    /// Answered already (by the link or by the DPO).
    Answered(Box<Shown>),
    /// The evidence file is over `REGISTER_DOCUMENT_MAX_BYTES` (the limit, in bytes).
    TooLarge {
        max: usize,
    },
    /// The form is not an answer: which field, and why.
    Invalid {
        field: &'static str,
        message: String,
        shown: Box<Shown>,
    },
    Failed(AppError),
}

impl From<AppError> for Refusal {
    fn from(err: AppError) -> Self {
        Self::Failed(err)
    }
}

impl From<DbErr> for Refusal {
    fn from(err: DbErr) -> Self {
        Self::Failed(err.into())
    }
}

/// The link of `token` and its task, request and holder; `None` for any token not issued.
async fn find(
    db: &impl ConnectionTrait,
    keys: &DsrKeys,
    token: &str,
    lock: bool,
) -> AppResult<
    Option<(
        respond_link::Model,
        dsr_task::Model,
        dsr_request::Model,
        organisation::Model,
    )>,
> {
    if token.len() != TOKEN_CHARS
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(None);
    }
    let mut query = respond_link::Entity::find()
        .filter(respond_link::Column::TokenHash.eq(keys.links.hash(token)));
    if lock {
        query = query.lock_exclusive();
    }
    let Some(link) = query.one(db).await? else {
        return Ok(None);
    };
    let mut task = dsr_task::Entity::find_by_id(link.task_id);
    if lock {
        task = task.lock_exclusive();
    }
    let Some(task) = task.one(db).await? else {
        return Ok(None);
    };
    let request = dsr_request::Entity::find_by_id(task.request_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("task {} has no request", task.id)))?;
    let holder = organisation::Entity::find_by_id(task.organisation_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("task {} has no holder", task.id)))?;
    Ok(Some((link, task, request, holder)))
}

fn shown(
    config: &Config,
    link: &respond_link::Model,
    task: &dsr_task::Model,
    request: &dsr_request::Model,
    holder: &organisation::Model,
) -> Shown {
    let restricted: Vec<(Vec<String>, String)> = task
        .restrictions
        .iter()
        .flat_map(|r| r.0.iter())
        .map(|r| (r.categories.clone(), r.reason.clone()))
        .collect();
    let erase_categories = match (&task.erase_categories, &task.retention_exemption) {
        (Some(erase), _) => erase.0.clone(),
        (None, Some(_)) => Vec::new(),
        (None, None) => task.data_categories.0.clone(),
    };
    let kind: DsrKind = request.kind;
    let action = match kind {
        DsrKind::Erasure if erase_categories.is_empty() => "Restrict (do not use, do not erase)",
        DsrKind::Erasure if restricted.is_empty() => "Erase",
        DsrKind::Erasure => "Erase, and keep the rest restricted",
        DsrKind::Access => "Provide a copy of the data (access)",
        DsrKind::Rectification => "Rectify the data",
        DsrKind::Restriction => "Restrict the processing",
        DsrKind::Objection => "Stop the processing objected to",
        DsrKind::Portability => "Provide the data in a portable format",
    };
    Shown {
        task_id: task.id,
        organisation: holder.name.clone(),
        reference: request.reference.clone(),
        kind,
        action: action.into(),
        due_on: request.due_on,
        expires_at: expiry(config, request.due_on).max(link.expires_at),
        data_categories: task.data_categories.0.clone(),
        erase_categories,
        restricted,
        status: task.status,
        evidence: task.evidence.clone(),
        exemption_reason: task.exemption_reason.clone(),
        answer: link.answer.clone(),
        answered_at: link.answered_at.or(task.confirmed_at),
        evidence_document: None,
    }
}

/// Opens the link of `token`: what its holder is shown (the first opening is recorded), or why
/// not. A link is shown read-only once answered; an expired one says so and shows nothing else.
pub async fn open(
    db: &DatabaseConnection,
    keys: &DsrKeys,
    config: &Config,
    token: &str,
) -> Result<Shown, Refusal> {
    let Some((link, task, request, holder)) = find(db, keys, token, false).await? else {
        return Err(Refusal::Unknown);
    };
    let shown = shown(config, &link, &task, &request, &holder);
    if shown.answered() {
        return Err(Refusal::Answered(Box::new(shown)));
    }
    if Utc::now() > shown.expires_at {
        return Err(Refusal::Expired(Box::new(shown)));
    }
    if link.opened_at.is_none() {
        respond_link::Entity::update_many()
            .col_expr(
                respond_link::Column::OpenedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(respond_link::Column::Id.eq(link.id))
            .filter(respond_link::Column::OpenedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(shown)
}

/// The holder's answer, as its form says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done as asked.
    Done,
    /// Done except the categories kept, for a legal reason.
    Exempt,
    /// The holder cannot identify the subject from the identifiers sent.
    NotFound,
}

impl Outcome {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "DONE" => Some(Self::Done),
            "EXEMPT" => Some(Self::Exempt),
            "NOT_FOUND" => Some(Self::NotFound),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "DONE",
            Self::Exempt => "EXEMPT",
            Self::NotFound => "NOT_FOUND",
        }
    }
}

/// An answer as posted.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub outcome: Option<String>,
    pub evidence: Option<String>,
    /// For `EXEMPT`: the categories kept.
    pub kept: Vec<String>,
    /// For `EXEMPT`: the legal reason they are kept.
    pub reason: Option<String>,
    /// An evidence file, stored with the answer.
    pub file: Option<Upload>,
}

/// Takes the holder's answer through the link of `token`, from `address`: the task is confirmed
/// as `confirmTask` would (DONE and NOT_FOUND complete it, EXEMPT exempts it with the categories
/// kept and the reason), in one transaction with the link marked answered. A link that is
/// unknown, expired or answered changes nothing.
#[allow(
    clippy::too_many_lines,
    reason = "the link's checks and the confirmation share one transaction"
)]
pub async fn answer(
    db: &DatabaseConnection,
    keys: &DsrKeys,
    audit_key: &ChainKey,
    config: &Config,
    token: &str,
    answer: &Answer,
    address: &str,
) -> Result<Shown, Refusal> {
    let txn = db.begin().await?;
    let Some((link, task, request, holder)) = find(&txn, keys, token, true).await? else {
        return Err(Refusal::Unknown);
    };
    // Links are issued for e-mailed tasks only; any other is not answered this way.
    if task.channel != DeliveryChannel::Email {
        return Err(Refusal::Unknown);
    }
    let before = shown(config, &link, &task, &request, &holder);
    if before.answered() {
        return Err(Refusal::Answered(Box::new(before)));
    }
    if Utc::now() > before.expires_at {
        return Err(Refusal::Expired(Box::new(before)));
    }
    let invalid = |field: &'static str, message: &str| Refusal::Invalid {
        field,
        message: message.to_string(),
        shown: Box::new(before.clone()),
    };
    let outcome = answer
        .outcome
        .as_deref()
        .and_then(Outcome::parse)
        .ok_or_else(|| invalid("outcome", "choose what was done"))?;
    let evidence = validate::optional_text("evidence", answer.evidence.as_deref(), MAX_TEXT)
        .map_err(|e| invalid("evidence", &e.to_string()))?;
    let max = config.documents.document_max_bytes;
    if let Some(file) = &answer.file {
        if file.content.len() > max {
            return Err(Refusal::TooLarge { max });
        }
        documents::check_size("file", file.content.len(), max)
            .map_err(|e| invalid("file", &e.to_string()))?;
    }
    let (task_outcome, evidence, exemption) =
        match outcome {
            Outcome::Done => (
                TaskOutcome::Completed,
                Some(evidence.ok_or_else(|| {
                    invalid("evidence", "say what was done: it is the proof kept")
                })?),
                None,
            ),
            Outcome::NotFound => (
                TaskOutcome::Completed,
                Some(match evidence {
                    Some(text) => format!("The subject could not be identified: {text}"),
                    None => "The subject could not be identified from the identifiers sent.".into(),
                }),
                None,
            ),
            Outcome::Exempt => {
                let reason = validate::optional_text("reason", answer.reason.as_deref(), MAX_TEXT)
                    .map_err(|e| invalid("reason", &e.to_string()))?
                    .ok_or_else(|| invalid("reason", "give the legal reason the data is kept"))?;
                let kept: Vec<String> = answer
                    .kept
                    .iter()
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect();
                if kept.is_empty() {
                    return Err(invalid("kept", "choose the categories kept"));
                }
                if let Some(other) = kept.iter().find(|c| !task.data_categories.0.contains(c)) {
                    return Err(invalid(
                        "kept",
                        &format!("{other:?} is not a category this task is about"),
                    ));
                }
                let evidence = evidence.ok_or_else(|| {
                    invalid(
                        "evidence",
                        "say what was done with the rest: it is the proof kept",
                    )
                })?;
                (
                    TaskOutcome::Exempt,
                    Some(evidence),
                    Some(format!("{reason} (kept: {})", kept.join(", "))),
                )
            }
        };
    let actor = Actor::named(
        format!("respond link for task {} from {address}", task.id),
        "RESPOND_LINK",
        audit_key,
    );
    let detail = format!(
        "answered {} through the holder's answer link from {address}",
        outcome.as_str()
    );
    let after = confirm::apply(
        &txn,
        &actor,
        task,
        task_outcome,
        evidence,
        exemption,
        detail,
    )
    .await?;
    let document = match &answer.file {
        Some(file) => Some(
            documents::store(
                &txn,
                &actor,
                "attachEvidenceDocument",
                Owner::Task(after.id),
                file,
                max,
            )
            .await?,
        ),
        None => None,
    };
    let now = Utc::now();
    let mut active: respond_link::ActiveModel = link.clone().into();
    active.answered_at = Set(Some(now));
    active.answer = Set(Some(outcome.as_str().into()));
    active.answered_from = Set(Some(address.into()));
    if link.opened_at.is_none() {
        active.opened_at = Set(Some(now));
    }
    let link = active.update(&txn).await?;
    let request = dsr_request::Entity::find_by_id(after.request_id)
        .one(&txn)
        .await?
        .unwrap_or(request);
    txn.commit().await?;
    keys.events.publish(after.request_id);
    let mut answered = shown(config, &link, &after, &request, &holder);
    answered.evidence_document = document;
    Ok(answered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_256_bits_bound_to_its_task_and_salt_and_stored_only_hashed() {
        let key = LinkKey::derive(b"a-register-secret-of-some-length");
        let token = key.token(7, "00ff");
        assert_eq!(token.len(), TOKEN_CHARS);
        assert_eq!(token, key.token(7, "00ff"), "the same link again");
        assert_ne!(token, key.token(8, "00ff"), "bound to its task");
        assert_ne!(token, key.token(7, "00fe"), "bound to its salt");
        assert_ne!(
            token,
            LinkKey::derive(b"another-secret-entirely-here").token(7, "00ff"),
            "bound to the key"
        );
        let hash = key.hash(&token);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
    }
}
