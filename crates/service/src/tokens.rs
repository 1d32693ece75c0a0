//! API tokens: created on the command line, only a SHA-256 of the secret is stored.

use crate::{
    audit::{self, Actor, Change},
    domain::{audit::ChainKey, vocab::Role},
    error::{AppError, AppResult},
    validate,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use entity::{api_token, organisation};
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait, prelude::*};
use sha2::{Digest, Sha256};

/// Who is calling: the token's name and role, and for `PROCESSOR` its organisation; or a person
/// signed in with the identity provider (`person`), acting in the role their groups gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<i64>,
    /// The person, when the caller signed in with the identity provider (a session, not a token).
    pub person: Option<crate::sessions::Person>,
}

const PREFIX: &str = "trk_";

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates a token and returns it with the one and only copy of its secret.
pub async fn create(
    db: &DatabaseConnection,
    key: &ChainKey,
    name: &str,
    role: Role,
    organisation_id: Option<i64>,
    expires_at: Option<DateTime<Utc>>,
) -> AppResult<(api_token::Model, String)> {
    let name = validate::text("name", name, 100)?;
    match (role, organisation_id) {
        (Role::Processor, None) => {
            return Err(AppError::bad_input(
                "organisation",
                "a PROCESSOR token needs --organisation",
            ));
        }
        (Role::Processor, Some(id)) => {
            if organisation::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_none()
            {
                return Err(AppError::bad_input(
                    "organisation",
                    format!("no organisation {id}"),
                ));
            }
        }
        (_, Some(_)) => {
            return Err(AppError::bad_input(
                "organisation",
                "only PROCESSOR tokens are bound to an organisation",
            ));
        }
        (_, None) => {}
    }
    if api_token::Entity::find()
        .filter(api_token::Column::Name.eq(&name))
        .one(db)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "a token named {name:?} exists already"
        )));
    }
    let secret: [u8; 32] = rand::random();
    let token = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(secret));
    let txn = db.begin().await?;
    let model = api_token::ActiveModel {
        name: Set(name),
        role: Set(role),
        organisation_id: Set(organisation_id),
        token_hash: Set(digest(&token)),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &Actor::command_line(key),
        Change::created("tokenCreate", "api_token", model.id, &model)?,
    )
    .await?;
    txn.commit().await?;
    Ok((model, token))
}

/// The principal behind a bearer token, if the token is known, unrevoked and unexpired.
/// Lookup is by the token's digest, so the secret itself is never compared.
pub async fn authenticate(db: &impl ConnectionTrait, token: &str) -> AppResult<Option<Principal>> {
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let wanted = digest(token);
    let Some(row) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(&wanted))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    // The index found the row; compare again in constant time so no timing depends on the secret.
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        row.token_hash.as_bytes(),
        wanted.as_bytes(),
    )) {
        return Ok(None);
    }
    let now = Utc::now();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| at <= now) {
        return Ok(None);
    }
    let role = row.role;
    Ok(Some(Principal {
        token_id: row.id,
        name: row.name,
        role,
        organisation_id: row.organisation_id,
        person: None,
    }))
}

/// Revokes a token by name; it is refused from the next request on.
pub async fn revoke(
    db: &DatabaseConnection,
    key: &ChainKey,
    name: &str,
) -> AppResult<api_token::Model> {
    let txn = db.begin().await?;
    let row = api_token::Entity::find()
        .filter(api_token::Column::Name.eq(name))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("token {name:?}")))?;
    if row.revoked_at.is_some() {
        return Ok(row);
    }
    let before = row.clone();
    let mut active: api_token::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    let saved = active.update(&txn).await?;
    audit::record(
        &txn,
        &Actor::command_line(key),
        Change::updated("tokenRevoke", "api_token", saved.id, &before, &saved)?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The first ADMIN token of a register (`transfer-register init`); refused once any token exists,
/// revoked ones included, so `init` cannot be used to mint an extra ADMIN later.
pub async fn create_first(
    db: &DatabaseConnection,
    key: &ChainKey,
    name: &str,
) -> AppResult<(api_token::Model, String)> {
    let existing = count(db).await?;
    if existing > 0 {
        return Err(AppError::Conflict(format!(
            "this register has {existing} token(s) already; an ADMIN creates more with \
             `transfer-register token create --name NAME --role ROLE`"
        )));
    }
    create(db, key, name, Role::Admin, None, None).await
}

/// How many tokens the register has ever had (revoked and expired ones included).
pub async fn count(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(api_token::Entity::find().count(db).await?)
}

/// A token's state at `now`: `revoked`, `expired` or `active`.
pub fn state(token: &api_token::Model, now: DateTime<Utc>) -> &'static str {
    if token.revoked_at.is_some() {
        "revoked"
    } else if token.expires_at.is_some_and(|e| e <= now) {
        "expired"
    } else {
        "active"
    }
}

pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<api_token::Model>> {
    Ok(api_token::Entity::find()
        .order_by_asc(api_token::Column::Id)
        .all(db)
        .await?)
}
