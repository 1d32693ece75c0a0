//! Locations: where an organisation stores, processes or remotely accesses data.

use crate::{
    audit::{self, Actor, Change},
    domain::{country::CountryCode, vocab::LocationUse},
    error::{AppError, AppResult},
    organisations::find,
    validate,
};
use entity::location;
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait, prelude::*};
use std::collections::HashMap;

pub async fn add_location(
    db: &DatabaseConnection,
    actor: &Actor,
    organisation_id: i64,
    country: &str,
    usage: LocationUse,
) -> AppResult<location::Model> {
    let txn = db.begin().await?;
    let saved = add_location_in(&txn, actor, organisation_id, country, usage).await?;
    txn.commit().await?;
    Ok(saved)
}

/// As [`add_location`], inside the caller's transaction (imports, the demonstration register).
pub async fn add_location_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    organisation_id: i64,
    country: &str,
    usage: LocationUse,
) -> AppResult<location::Model> {
    let org_id = organisation_id;
    let country = validate::country("country", country)?;
    find(txn, org_id, "organisationId").await?;
    let exists = location::Entity::find()
        .filter(location::Column::OrganisationId.eq(org_id))
        .filter(location::Column::Country.eq(country.as_str()))
        .filter(location::Column::Usage.eq(usage.as_str()))
        .one(txn)
        .await?;
    if exists.is_some() {
        return Err(AppError::Conflict(format!(
            "organisation {org_id} already has a {usage} location in {country}"
        )));
    }
    let saved = insert_location(txn, org_id, country, usage).await?;
    audit::record(
        txn,
        actor,
        Change::created("addLocation", "location", saved.id, &saved)?,
    )
    .await?;
    Ok(saved)
}

pub async fn remove_location(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
) -> AppResult<location::Model> {
    let txn = db.begin().await?;
    let row = location::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found(format!("location {id}")))?;
    location::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        actor,
        Change::deleted("removeLocation", "location", id, &row)?,
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub(crate) async fn insert_location(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    country: CountryCode,
    usage: LocationUse,
) -> AppResult<location::Model> {
    Ok(location::ActiveModel {
        organisation_id: Set(organisation_id),
        country: Set(country),
        usage: Set(usage),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Locations grouped by organisation, for the DataLoader.
pub async fn locations_of(
    db: &impl ConnectionTrait,
    organisation_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<location::Model>>> {
    let rows = location::Entity::find()
        .filter(location::Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .order_by_asc(location::Column::Id)
        .all(db)
        .await?;
    let mut grouped: HashMap<i64, Vec<location::Model>> = HashMap::new();
    for row in rows {
        grouped.entry(row.organisation_id).or_default().push(row);
    }
    Ok(grouped)
}
