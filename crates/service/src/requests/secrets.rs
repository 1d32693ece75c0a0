//! Webhook secrets: set by `rotateWebhookSecret`, returned once, kept only sealed.

use crate::{
    audit::{self, Actor, Change},
    domain::dsr::seal::Sealer,
    error::{AppError, AppResult},
    organisations,
};
use chrono::Utc;
use entity::organisation;
use sea_orm::{ActiveValue::Set, TransactionTrait, prelude::*};

/// The associated data an organisation's sealed secret is bound to.
pub fn sealed_record(organisation_id: i64) -> String {
    format!("organisation.webhook_secret:{organisation_id}")
}

/// A new random webhook secret: `whsec_` and 256 random bits in hex.
pub fn random() -> String {
    format!("whsec_{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// A new random secret for organisation `id`, and its sealed form to store.
pub fn issue(sealer: &Sealer, id: i64) -> AppResult<(String, String)> {
    let secret = random();
    let sealed = sealer
        .seal(secret.as_bytes(), &sealed_record(id))
        .map_err(AppError::internal)?;
    Ok((secret, sealed))
}

/// Sets a new random secret and returns it: the only time it is readable. Deliveries from the
/// next attempt on are signed with it.
pub async fn rotate(
    db: &DatabaseConnection,
    actor: &Actor,
    sealer: &Sealer,
    id: i64,
) -> AppResult<String> {
    let (secret, sealed) = issue(sealer, id)?;
    let txn = db.begin().await?;
    let before = organisations::find(&txn, id, "organisationId").await?;
    let mut active: organisation::ActiveModel = before.clone().into();
    active.webhook_secret = Set(Some(sealed));
    active.updated_at = Set(Utc::now());
    let after = active.update(&txn).await?;
    // The model's serialisation skips the secret: the trail records that it changed, not what to.
    audit::record(
        &txn,
        actor,
        Change::updated("rotateWebhookSecret", "organisation", id, &before, &after)?,
    )
    .await?;
    txn.commit().await?;
    Ok(secret)
}

/// The organisation's secret for signing, if it has one.
pub fn open(sealer: &Sealer, org: &organisation::Model) -> AppResult<Option<Vec<u8>>> {
    org.webhook_secret
        .as_deref()
        .map(|s| {
            sealer
                .open(s, &sealed_record(org.id))
                .map_err(AppError::internal)
        })
        .transpose()
}
