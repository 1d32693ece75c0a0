//! Processing activities: a controller's purpose, lawful basis, categories and retention.

use crate::{
    audit::{self, Actor, Change},
    domain::vocab::{ActingAs, LawfulBasis, OrganisationStatus},
    error::{AppError, AppResult},
    flows, organisations,
    page::{Page, PageRequest},
    taxonomy::{self, Taxonomy},
    validate::{self, MAX_TEXT},
};
use chrono::{NaiveDate, Utc};
use entity::{Codes, data_flow, processing_activity};
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait, prelude::*};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub name: String,
    pub controller_id: i64,
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
    /// Whether the group carries it out for its customers; default CONTROLLER.
    pub acting_as: Option<ActingAs>,
}

/// A correction of an activity: `None` leaves a field alone, `Some(None)` clears it. The
/// controller is the activity's identity and cannot change.
#[derive(Debug, Clone, Default)]
pub struct ActivityPatch {
    pub name: Option<String>,
    pub purpose: Option<String>,
    pub lawful_basis: Option<LawfulBasis>,
    pub data_categories: Option<Vec<String>>,
    pub subject_categories: Option<Vec<String>>,
    pub retention: Option<String>,
    pub retention_months: Option<Option<i32>>,
    pub acting_as: Option<ActingAs>,
}

fn check_retention_months(months: Option<i32>) -> AppResult<()> {
    match months {
        Some(m) if !(1..=1200).contains(&m) => Err(AppError::bad_input(
            "retentionMonths",
            "retentionMonths must be between 1 and 1200",
        )),
        _ => Ok(()),
    }
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
    let controller_id = input.controller_id;
    let purpose = validate::text("purpose", &input.purpose, MAX_TEXT)?;
    let retention = validate::text("retention", &input.retention, MAX_TEXT)?;
    check_retention_months(input.retention_months)?;
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
        acting_as: Set(input.acting_as.unwrap_or(ActingAs::Controller)),
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

/// Corrects a running activity under the rules of [`register`], and one more: a category that a
/// running flow of the activity carries stays (end or correct the flow first).
#[allow(
    clippy::too_many_lines,
    reason = "each rule of a correction in the order the API documents them, in one transaction"
)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    patch: ActivityPatch,
) -> AppResult<processing_activity::Model> {
    let name = patch
        .name
        .map(|n| validate::text("name", &n, 200))
        .transpose()?;
    let purpose = patch
        .purpose
        .map(|p| validate::text("purpose", &p, MAX_TEXT))
        .transpose()?;
    let retention = patch
        .retention
        .map(|r| validate::text("retention", &r, MAX_TEXT))
        .transpose()?;
    if let Some(months) = patch.retention_months {
        check_retention_months(months)?;
    }
    let txn = db.begin().await?;
    let current = find(&txn, id, "id").await?;
    if let Some(ended) = current.ended_on {
        return Err(AppError::Conflict(format!(
            "processing activity {id} ended on {ended}: its record stays as it was"
        )));
    }
    let mut next = current.clone();
    if let Some(name) = name {
        next.name = name;
    }
    if let Some(purpose) = purpose {
        next.purpose = purpose;
    }
    if let Some(basis) = patch.lawful_basis {
        next.lawful_basis = basis;
    }
    if let Some(retention) = retention {
        next.retention = retention;
    }
    if let Some(months) = patch.retention_months {
        next.retention_months = months;
    }
    if let Some(acting_as) = patch.acting_as {
        next.acting_as = acting_as;
    }
    if let Some(codes) = &patch.data_categories {
        let data = taxonomy::known_codes(&txn, Taxonomy::Data, "dataCategories", codes).await?;
        let kept: BTreeSet<&String> = data.iter().collect();
        let running = data_flow::Entity::find()
            .filter(data_flow::Column::ActivityId.eq(id))
            .filter(data_flow::Column::EndedOn.is_null())
            .order_by_asc(data_flow::Column::Id)
            .all(&txn)
            .await?;
        for flow in running {
            if let Some(lost) = flow.data_categories.0.iter().find(|c| !kept.contains(c)) {
                return Err(AppError::bad_input(
                    "dataCategories",
                    format!(
                        "{lost:?} is still carried by data flow {}: correct or end that flow first",
                        flow.id
                    ),
                ));
            }
        }
        next.data_categories = Codes(data);
    }
    if let Some(codes) = &patch.subject_categories {
        let subjects =
            taxonomy::known_codes(&txn, Taxonomy::Subject, "subjectCategories", codes).await?;
        next.subject_categories = Codes(subjects);
    }
    if next == current {
        return Ok(current);
    }
    let saved = processing_activity::ActiveModel {
        name: Set(next.name.clone()),
        purpose: Set(next.purpose.clone()),
        lawful_basis: Set(next.lawful_basis),
        data_categories: Set(next.data_categories.clone()),
        subject_categories: Set(next.subject_categories.clone()),
        retention: Set(next.retention.clone()),
        retention_months: Set(next.retention_months),
        acting_as: Set(next.acting_as),
        ..current.clone().into()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::updated(
            "updateProcessingActivity",
            "processing_activity",
            id,
            &current,
            &saved,
        )?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Ends a running activity on `ended_on` (default today, not in the future, not before the
/// signature of one of its running flows) with every running flow of it: the
/// controller no longer collects or discloses data for this purpose. The subjects' links stay,
/// so `whoHolds` still shows who holds what was collected, until the data is erased or returned.
pub async fn end(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    ended_on: Option<NaiveDate>,
    reason: Option<String>,
) -> AppResult<processing_activity::Model> {
    let reason = validate::optional_text("reason", reason.as_deref(), MAX_TEXT)?;
    let txn = db.begin().await?;
    let current = find(&txn, id, "id").await?;
    if let Some(ended) = current.ended_on {
        return Err(AppError::Conflict(format!(
            "processing activity {id} already ended on {ended}"
        )));
    }
    let running = data_flow::Entity::find()
        .filter(data_flow::Column::ActivityId.eq(id))
        .filter(data_flow::Column::EndedOn.is_null())
        .filter(data_flow::Column::ContinuesFlowId.is_null())
        .order_by_asc(data_flow::Column::Id)
        .all(&txn)
        .await?;
    let day = flows::ending::end_date("endedOn", ended_on, None, "")?;
    let flow_reason = Some(match &reason {
        Some(r) => format!("the processing activity ended: {r}"),
        None => "the processing activity ended".to_string(),
    });
    flows::ending::end_flows(
        &txn,
        actor,
        "endProcessingActivity",
        running,
        Some(day),
        flow_reason,
    )
    .await?;
    let saved = processing_activity::ActiveModel {
        id: Set(id),
        ended_on: Set(Some(day)),
        ended_reason: Set(reason),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::updated(
            "endProcessingActivity",
            "processing_activity",
            id,
            &current,
            &saved,
        )?,
    )
    .await?;
    txn.commit().await?;
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
    id: i64,
) -> AppResult<Option<processing_activity::Model>> {
    Ok(processing_activity::Entity::find_by_id(id).one(db).await?)
}

/// A page of activities, optionally of one controller and matching `search` (part of the name
/// or the purpose, any case), in id order.
pub async fn list(
    db: &impl ConnectionTrait,
    controller_id: Option<i64>,
    search: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<processing_activity::Model>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let mut query = processing_activity::Entity::find();
    if let Some(controller) = controller_id {
        query = query.filter(processing_activity::Column::ControllerId.eq(controller));
    }
    if let Some(needle) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let needle = validate::text("search", needle, 200)?.to_lowercase();
        let escaped = needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let like = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
        let lower = |c: processing_activity::Column| Expr::expr(Func::lower(Expr::col(c)));
        query = query.filter(
            sea_orm::Condition::any()
                .add(lower(processing_activity::Column::Name).like(like()))
                .add(lower(processing_activity::Column::Purpose).like(like())),
        );
    }
    crate::page::fetch(db, query, processing_activity::Column::Id, page).await
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
