//! People's sessions after signing in with the identity provider, and the logins under way.
//!
//! Both live in the database so that any instance serves them. The cookie holds a random value;
//! only its SHA-256 is stored (as for API tokens), so the table alone cannot be replayed. A
//! pending login (`state`, `nonce`, PKCE verifier) is consumed once: a replayed `state` finds
//! nothing.

pub mod settings;

use crate::{
    audit::{self, Actor, Change},
    domain::{audit::ChainKey, vocab::Role},
    error::{AppError, AppResult},
    tokens::Principal,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use entity::{pending_login, user_session};
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait, prelude::*};
use sha2::{Digest, Sha256};

/// Minutes a login may take at the provider before its `state` is forgotten.
pub const LOGIN_MINUTES: i64 = 10;

/// The person behind a session, as the provider named them at sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub session_id: i64,
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
}

impl Person {
    /// How the audit trail names them: their e-mail and their subject at the provider.
    pub fn audit_name(&self) -> String {
        match &self.email {
            Some(email) => format!("{email} (sub {})", self.subject),
            None => format!("sub {}", self.subject),
        }
    }
}

fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// A fresh random value for a cookie or a `state`.
pub fn random_value() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// Keeps a login under way until the provider sends the person back.
pub async fn begin_login(
    db: &impl ConnectionTrait,
    state: &str,
    nonce: &str,
    pkce_verifier: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    // Logins abandoned at the provider are cleared as new ones start.
    pending_login::Entity::delete_many()
        .filter(pending_login::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    pending_login::ActiveModel {
        state_hash: Set(digest(state)),
        nonce: Set(nonce.to_string()),
        pkce_verifier: Set(pkce_verifier.to_string()),
        return_to: Set(None),
        created_at: Set(now),
        expires_at: Set(now + Duration::minutes(LOGIN_MINUTES)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The login that `state` names, consumed: a second call with the same `state` (a replay), an
/// unknown or an expired one gives `None`.
pub async fn take_login(
    db: &impl ConnectionTrait,
    state: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<pending_login::Model>> {
    let Some(login) = pending_login::Entity::find()
        .filter(pending_login::Column::StateHash.eq(digest(state)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // Only the one request whose delete removed the row goes on, however many race.
    let deleted = pending_login::Entity::delete_by_id(login.id)
        .exec(db)
        .await?
        .rows_affected;
    Ok((deleted == 1 && login.expires_at > now).then_some(login))
}

/// Who signed in, as the verified ID token names them, with the role their groups give.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub subject: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Role,
    pub id_token: Option<String>,
}

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    pub idle: std::time::Duration,
    pub max_age: std::time::Duration,
}

fn span(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::hours(12))
}

/// Starts a session and returns it with the cookie's value (the only copy). The sign-in is
/// audited under the person's name.
pub async fn start(
    db: &DatabaseConnection,
    key: &ChainKey,
    who: SignedIn,
    lifetimes: Lifetimes,
    now: DateTime<Utc>,
) -> AppResult<(user_session::Model, String)> {
    let value = random_value();
    let txn = db.begin().await?;
    let model = user_session::ActiveModel {
        id_hash: Set(digest(&value)),
        subject: Set(who.subject),
        email: Set(who.email),
        name: Set(who.name),
        role: Set(who.role),
        id_token: Set(who.id_token),
        created_at: Set(now),
        last_seen_at: Set(now),
        idle_expires_at: Set(now + span(lifetimes.idle)),
        expires_at: Set(now + span(lifetimes.max_age)),
        ended_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let actor = Actor::of(&principal_of(&model), key);
    audit::record(
        &txn,
        &actor,
        Change::created("signIn", "user_session", model.id, &model)?,
    )
    .await?;
    txn.commit().await?;
    Ok((model, value))
}

/// The principal a session acts as: its role, named by the person.
pub fn principal_of(session: &user_session::Model) -> Principal {
    let person = Person {
        session_id: session.id,
        subject: session.subject.clone(),
        email: session.email.clone(),
        name: session.name.clone(),
    };
    Principal {
        // Sessions count against the subscription limits apart from every token.
        token_id: -session.id,
        name: session
            .email
            .clone()
            .or_else(|| session.name.clone())
            .unwrap_or_else(|| session.subject.clone()),
        role: session.role,
        organisation_id: None,
        person: Some(person),
    }
}

fn live(session: &user_session::Model, now: DateTime<Utc>) -> bool {
    session.ended_at.is_none() && session.idle_expires_at > now && session.expires_at > now
}

/// The session a cookie's value names, if it is live (not ended, not idle too long, not too
/// old). Its idle expiry moves on, written at most once a minute.
pub async fn authenticate(
    db: &DatabaseConnection,
    value: &str,
    lifetimes: Lifetimes,
    now: DateTime<Utc>,
) -> AppResult<Option<user_session::Model>> {
    if value.is_empty() || value.len() > 100 {
        return Ok(None);
    }
    let Some(session) = user_session::Entity::find()
        .filter(user_session::Column::IdHash.eq(digest(value)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !live(&session, now) {
        return Ok(None);
    }
    if now - session.last_seen_at >= Duration::minutes(1) {
        let idle_expires_at = (now + span(lifetimes.idle)).min(session.expires_at);
        user_session::Entity::update_many()
            .col_expr(user_session::Column::LastSeenAt, Expr::value(now))
            .col_expr(
                user_session::Column::IdleExpiresAt,
                Expr::value(idle_expires_at),
            )
            .filter(user_session::Column::Id.eq(session.id))
            .filter(user_session::Column::EndedAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(Some(session))
}

/// The live sessions, newest first (ADMIN's `sessions`).
pub async fn list(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> AppResult<Vec<user_session::Model>> {
    Ok(user_session::Entity::find()
        .filter(user_session::Column::EndedAt.is_null())
        .filter(user_session::Column::IdleExpiresAt.gt(now))
        .filter(user_session::Column::ExpiresAt.gt(now))
        .order_by_desc(user_session::Column::CreatedAt)
        .order_by_desc(user_session::Column::Id)
        .all(db)
        .await?)
}

/// Ends a session (sign-out, or an ADMIN's `endSession`); ending an ended one changes nothing.
pub async fn end(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<user_session::Model> {
    let txn = db.begin().await?;
    let before = user_session::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("session {id}")))?;
    if before.ended_at.is_some() {
        return Ok(before);
    }
    let mut active: user_session::ActiveModel = before.clone().into();
    active.ended_at = Set(Some(now));
    let after = active.update(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change::updated("endSession", "user_session", id, &before, &after)?,
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The session a cookie's value names, live or not (for sign-out).
pub async fn find_by_value(
    db: &impl ConnectionTrait,
    value: &str,
) -> AppResult<Option<user_session::Model>> {
    Ok(user_session::Entity::find()
        .filter(user_session::Column::IdHash.eq(digest(value)))
        .one(db)
        .await?)
}
