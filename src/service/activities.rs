//! Processing activities: a controller's purpose, lawful basis, categories and retention.

use crate::{
    domain::vocab::{LawfulBasis, OrganisationStatus},
    error::{AppError, AppResult},
    service::{
        audit::{self, Actor, Change},
        organisations,
        page::{Page, PageRequest},
        taxonomy::{self, Taxonomy},
        validate::{self, MAX_TEXT},
    },
};
use chrono::Utc;
use entity::{Codes, processing_activity};
use sea_orm::{ActiveValue::Set, TransactionTrait, prelude::*};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub name: String,
    pub controller_id: String,
    pub purpose: String,
    pub lawful_basis: LawfulBasis,
    pub data_categories: Vec<String>,
    pub subject_categories: Vec<String>,
    pub retention: String,
    pub retention_months: Option<i32>,
    /// The user's own key (a spreadsheet's `ref`).
    pub reference: Option<String>,
    /// Art 30(1)(g): a general description of the security measures.
    pub security_measures: Option<String>,
}

pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewActivity,
) -> AppResult<processing_activity::Model> {
    let txn = db.begin().await?;
    let saved = register_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(saved)
}

/// As [`register`], inside the caller's transaction (imports, the demonstration register).
pub async fn register_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    input: NewActivity,
) -> AppResult<processing_activity::Model> {
    let name = validate::text("name", &input.name, 200)?;
    let controller_id = validate::id("controllerId", &input.controller_id)?;
    let purpose = validate::text("purpose", &input.purpose, MAX_TEXT)?;
    let retention = validate::text("retention", &input.retention, MAX_TEXT)?;
    if let Some(months) = input.retention_months
        && !(1..=1200).contains(&months)
    {
        return Err(AppError::bad_input(
            "retentionMonths",
            "retentionMonths must be between 1 and 1200",
        ));
    }
    let reference = validate::reference("ref", input.reference.as_deref())?;
    let security_measures = validate::optional_text(
        "securityMeasures",
        input.security_measures.as_deref(),
        validate::MAX_LONG_TEXT,
    )?;
    let controller = organisations::find(txn, controller_id, "controllerId").await?;
    if controller.status == OrganisationStatus::Offboarded {
        return Err(AppError::bad_input(
            "controllerId",
            "the controller is offboarded",
        ));
    }
    if let Some(reference) = &reference
        && let Some(other) = by_reference(txn, reference).await?
    {
        return Err(AppError::bad_input(
            "ref",
            format!(
                "ref {reference:?} is already used by processing activity {}",
                other.id
            ),
        ));
    }
    let data = taxonomy::known_codes(
        txn,
        Taxonomy::Data,
        "dataCategories",
        &input.data_categories,
    )
    .await?;
    let subjects = taxonomy::known_codes(
        txn,
        Taxonomy::Subject,
        "subjectCategories",
        &input.subject_categories,
    )
    .await?;
    let saved = processing_activity::ActiveModel {
        name: Set(name),
        controller_id: Set(controller_id),
        purpose: Set(purpose),
        lawful_basis: Set(input.lawful_basis),
        data_categories: Set(Codes(data)),
        subject_categories: Set(Codes(subjects)),
        retention: Set(retention),
        retention_months: Set(input.retention_months),
        reference: Set(reference),
        security_measures: Set(security_measures),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        Change::created(
            "registerProcessingActivity",
            "processing_activity",
            saved.id,
            &saved,
        )?,
    )
    .await?;
    Ok(saved)
}

/// The activity whose user key is `reference`, if any.
pub async fn by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> AppResult<Option<processing_activity::Model>> {
    Ok(processing_activity::Entity::find()
        .filter(processing_activity::Column::Reference.eq(reference))
        .one(db)
        .await?)
}

/// The activity with `id`, or `BAD_USER_INPUT` on `field`.
pub async fn find(
    db: &impl ConnectionTrait,
    id: i64,
    field: &str,
) -> AppResult<processing_activity::Model> {
    processing_activity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("no processing activity with id {id}")))
}

pub async fn get(
    db: &impl ConnectionTrait,
    id: &str,
) -> AppResult<Option<processing_activity::Model>> {
    let id = validate::id("id", id)?;
    Ok(processing_activity::Entity::find_by_id(id).one(db).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    controller_id: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<processing_activity::Model>> {
    let mut query = processing_activity::Entity::find();
    if let Some(controller) = controller_id {
        query = query.filter(
            processing_activity::Column::ControllerId.eq(validate::id("controllerId", controller)?),
        );
    }
    crate::service::page::fetch(db, query, processing_activity::Column::Id, page).await
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, processing_activity::Model>> {
    Ok(processing_activity::Entity::find()
        .filter(processing_activity::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}
