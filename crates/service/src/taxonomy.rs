//! The category taxonomy: shipped from `reference/taxonomy.json`, extended through the API.

use crate::{
    audit::{self, Actor, Change},
    domain::category::{CategoryCode, Sensitivity},
    error::{AppError, AppResult},
    validate,
};
use entity::{data_category, subject_category};
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait, prelude::*};
use serde::Deserialize;
use std::collections::BTreeSet;

#[derive(Deserialize)]
struct Shipped {
    data_categories: Vec<ShippedCategory>,
    subject_categories: Vec<ShippedCategory>,
}

#[derive(Deserialize)]
struct ShippedCategory {
    code: String,
    name: String,
    #[serde(default)]
    special: bool,
}

const SHIPPED: &str = include_str!("../../../reference/taxonomy.json");

/// Inserts the shipped categories that are missing; existing rows (maybe renamed) are kept.
pub async fn ensure_shipped(db: &DatabaseConnection) -> anyhow::Result<()> {
    let shipped: Shipped = serde_json::from_str(SHIPPED)?;
    let txn = db.begin().await?;
    for c in shipped.data_categories {
        data_category::Entity::insert(data_category::ActiveModel {
            code: Set(c.code),
            name: Set(c.name),
            special: Set(c.special),
        })
        .on_conflict_do_nothing_on([data_category::Column::Code])
        .exec(&txn)
        .await?;
    }
    for c in shipped.subject_categories {
        subject_category::Entity::insert(subject_category::ActiveModel {
            code: Set(c.code),
            name: Set(c.name),
        })
        .on_conflict_do_nothing_on([subject_category::Column::Code])
        .exec(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn data_categories(db: &impl ConnectionTrait) -> AppResult<Vec<data_category::Model>> {
    Ok(data_category::Entity::find()
        .order_by_asc(data_category::Column::Code)
        .all(db)
        .await?)
}

/// The data categories of the given codes that the taxonomy defines, by code (one query).
pub async fn data_categories_by_code(
    db: &impl ConnectionTrait,
    codes: &[String],
) -> AppResult<std::collections::HashMap<String, data_category::Model>> {
    Ok(data_category::Entity::find()
        .filter(data_category::Column::Code.is_in(codes.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect())
}

/// Which codes are special categories (Art 9): read once per request or register assessment.
pub async fn sensitivity(db: &impl ConnectionTrait) -> AppResult<Sensitivity> {
    let special = data_category::Entity::find()
        .filter(data_category::Column::Special.eq(true))
        .all(db)
        .await?;
    Ok(Sensitivity::new(special.into_iter().map(|c| c.code)))
}

pub async fn subject_categories(
    db: &impl ConnectionTrait,
) -> AppResult<Vec<subject_category::Model>> {
    Ok(subject_category::Entity::find()
        .order_by_asc(subject_category::Column::Code)
        .all(db)
        .await?)
}

/// Defines a data category; the parent of a dotted code must exist, a code is defined once.
pub async fn define_data_category(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    name: &str,
    special: Option<bool>,
) -> AppResult<data_category::Model> {
    let code = parse_code(code)?;
    let name = validate::text("name", name, 200)?;
    let txn = db.begin().await?;
    let mut special = special.unwrap_or(false);
    if let Some(parent) = code.parent() {
        let parent = data_category::Entity::find_by_id(parent.to_string())
            .one(&txn)
            .await?
            .ok_or_else(|| {
                AppError::bad_input(
                    "code",
                    format!("the parent category {parent:?} is not defined"),
                )
            })?;
        // A child of a special category is special too (Art 9 data stays Art 9 data).
        special |= parent.special;
    }
    if data_category::Entity::find_by_id(code.as_str().to_string())
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "data category {:?} is already defined",
            code.as_str()
        )));
    }
    let saved = data_category::ActiveModel {
        code: Set(code.as_str().into()),
        name: Set(name),
        special: Set(special),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::created("defineDataCategory", "data_category", &saved.code, &saved)?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

pub async fn define_subject_category(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    name: &str,
) -> AppResult<subject_category::Model> {
    let code = parse_code(code)?;
    let name = validate::text("name", name, 200)?;
    let txn = db.begin().await?;
    if let Some(parent) = code.parent()
        && subject_category::Entity::find_by_id(parent.to_string())
            .one(&txn)
            .await?
            .is_none()
    {
        return Err(AppError::bad_input(
            "code",
            format!("the parent category {parent:?} is not defined"),
        ));
    }
    if subject_category::Entity::find_by_id(code.as_str().to_string())
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(format!(
            "subject category {:?} is already defined",
            code.as_str()
        )));
    }
    let saved = subject_category::ActiveModel {
        code: Set(code.as_str().into()),
        name: Set(name),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::created(
            "defineSubjectCategory",
            "subject_category",
            &saved.code,
            &saved,
        )?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

fn parse_code(code: &str) -> AppResult<CategoryCode> {
    CategoryCode::parse(code).ok_or_else(|| {
        AppError::bad_input(
            "code",
            "code must be dotted lower-case segments such as contact.email",
        )
    })
}

/// Which taxonomy a list of codes is checked against.
#[derive(Debug, Clone, Copy)]
pub enum Taxonomy {
    Data,
    Subject,
}

/// Sorts, de-duplicates and checks that every code is defined; an unknown one names `field`.
pub async fn known_codes(
    db: &impl ConnectionTrait,
    taxonomy: Taxonomy,
    field: &str,
    codes: &[String],
) -> AppResult<Vec<String>> {
    let wanted: BTreeSet<String> = codes.iter().map(|c| c.trim().to_string()).collect();
    if let Some(bad) = wanted.iter().find(|c| CategoryCode::parse(c).is_none()) {
        let shown: String = bad.chars().take(60).filter(|c| !c.is_control()).collect();
        return Err(AppError::bad_input(
            field,
            format!("{shown:?} is not a category code"),
        ));
    }
    if wanted.is_empty() {
        return Err(AppError::bad_input(
            field,
            format!("{field} must name at least one category"),
        ));
    }
    if wanted.len() > 200 {
        return Err(AppError::bad_input(
            field,
            format!("{field} may name at most 200 categories"),
        ));
    }
    let found: BTreeSet<String> = match taxonomy {
        Taxonomy::Data => data_category::Entity::find()
            .filter(data_category::Column::Code.is_in(wanted.iter().cloned()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect(),
        Taxonomy::Subject => subject_category::Entity::find()
            .filter(subject_category::Column::Code.is_in(wanted.iter().cloned()))
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect(),
    };
    if let Some(unknown) = wanted.difference(&found).next() {
        return Err(AppError::bad_input(
            field,
            format!("unknown category code {unknown:?}"),
        ));
    }
    Ok(wanted.into_iter().collect())
}
