//! Data flows: who discloses which categories to whom, and on what transfer footing.

use crate::{
    domain::vocab::{Derogation, OrganisationStatus, RecipientRole, SccModule, TransferMechanism},
    error::{AppError, AppResult},
    service::{
        activities,
        audit::{self, Actor, Change},
        organisations,
        page::{Page, PageRequest},
        taxonomy::{self, Taxonomy},
        validate,
    },
};
use chrono::{NaiveDate, Utc};
use entity::{Codes, data_flow};
use sea_orm::{ActiveValue::Set, Condition, TransactionTrait, prelude::*};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone)]
pub struct NewFlow {
    pub activity_id: String,
    pub from_id: String,
    pub to_id: String,
    pub recipient_role: RecipientRole,
    pub data_categories: Vec<String>,
    pub continues_flow_id: Option<String>,
    pub mechanism: Option<TransferMechanism>,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub tia_completed_on: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct FlowFilter {
    pub activity_id: Option<String>,
    pub from_id: Option<String>,
    pub to_id: Option<String>,
    pub mechanism: Option<TransferMechanism>,
}

/// Records a flow under the contract's rules: it starts at the activity's controller, or continues
/// an earlier flow of the same activity from where that one ended, with a subset of its categories.
pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewFlow,
) -> AppResult<data_flow::Model> {
    let activity_id = validate::id("activityId", &input.activity_id)?;
    let from_id = validate::id("fromId", &input.from_id)?;
    let to_id = validate::id("toId", &input.to_id)?;
    let continues = input
        .continues_flow_id
        .as_deref()
        .map(|c| validate::id("continuesFlowId", c))
        .transpose()?;
    let tia = validate::past_date("tiaCompletedOn", input.tia_completed_on)?;
    let signed = validate::past_date("signedOn", input.signed_on)?;
    let evidence = validate::optional_text("evidence", input.evidence.as_deref(), 2000)?;
    let mechanism = input.mechanism.unwrap_or(TransferMechanism::None);
    if input.scc_module.is_some()
        && !matches!(
            mechanism,
            TransferMechanism::Scc2021 | TransferMechanism::UkAddendum
        )
    {
        return Err(AppError::bad_input(
            "sccModule",
            "sccModule applies only to SCC_2021 and UK_ADDENDUM",
        ));
    }
    if input.derogation.is_some() && mechanism != TransferMechanism::Derogation {
        return Err(AppError::bad_input(
            "derogation",
            "derogation applies only to the DEROGATION mechanism",
        ));
    }
    if from_id == to_id {
        return Err(AppError::bad_input(
            "toId",
            "a flow needs a recipient other than its exporter",
        ));
    }

    let txn = db.begin().await?;
    let activity = activities::find(&txn, activity_id, "activityId").await?;
    organisations::find(&txn, from_id, "fromId").await?;
    let recipient = organisations::find(&txn, to_id, "toId").await?;
    if recipient.status == OrganisationStatus::Offboarded {
        return Err(AppError::bad_input(
            "toId",
            format!("{} is offboarded: no new flows to it", recipient.name),
        ));
    }
    let categories = taxonomy::known_codes(
        &txn,
        Taxonomy::Data,
        "dataCategories",
        &input.data_categories,
    )
    .await?;
    let (allowed, expected_from) = match continues {
        None => (activity.data_categories.0, activity.controller_id),
        Some(previous_id) => {
            let previous = find(&txn, previous_id, "continuesFlowId").await?;
            if previous.activity_id != activity_id {
                return Err(AppError::bad_input(
                    "continuesFlowId",
                    "the continued flow belongs to another processing activity",
                ));
            }
            (previous.data_categories.0, previous.to_id)
        }
    };
    if from_id != expected_from {
        let why = if continues.is_some() {
            format!(
                "a continued flow starts where the earlier one ended (organisation {expected_from})"
            )
        } else {
            format!(
                "a first flow starts at the activity's controller (organisation {expected_from})"
            )
        };
        return Err(AppError::bad_input("fromId", why));
    }
    let allowed: BTreeSet<String> = allowed.into_iter().collect();
    if let Some(extra) = categories.iter().find(|c| !allowed.contains(*c)) {
        let of = if continues.is_some() {
            "the continued flow"
        } else {
            "the activity"
        };
        return Err(AppError::bad_input(
            "dataCategories",
            format!("{extra:?} is not among the categories of {of}"),
        ));
    }
    let saved = data_flow::ActiveModel {
        activity_id: Set(activity_id),
        from_id: Set(from_id),
        to_id: Set(to_id),
        recipient_role: Set(input.recipient_role),
        data_categories: Set(Codes(categories)),
        continues_flow_id: Set(continues),
        mechanism: Set(mechanism),
        scc_module: Set(input.scc_module),
        derogation: Set(input.derogation),
        tia_completed_on: Set(tia),
        signed_on: Set(signed),
        evidence: Set(evidence),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::created("recordDataFlow", "data_flow", saved.id, &saved)?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

pub async fn find(db: &impl ConnectionTrait, id: i64, field: &str) -> AppResult<data_flow::Model> {
    data_flow::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("no data flow with id {id}")))
}

pub async fn get(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<data_flow::Model>> {
    let id = validate::id("id", id)?;
    Ok(data_flow::Entity::find_by_id(id).one(db).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: FlowFilter,
    page: PageRequest,
) -> AppResult<Page<data_flow::Model>> {
    let mut cond = Condition::all();
    if let Some(id) = filter.activity_id {
        cond = cond.add(data_flow::Column::ActivityId.eq(validate::id("activityId", &id)?));
    }
    if let Some(id) = filter.from_id {
        cond = cond.add(data_flow::Column::FromId.eq(validate::id("fromId", &id)?));
    }
    if let Some(id) = filter.to_id {
        cond = cond.add(data_flow::Column::ToId.eq(validate::id("toId", &id)?));
    }
    if let Some(m) = filter.mechanism {
        cond = cond.add(data_flow::Column::Mechanism.eq(m.as_str()));
    }
    crate::service::page::fetch(
        db,
        data_flow::Entity::find().filter(cond),
        data_flow::Column::Id,
        page,
    )
    .await
}

pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<HashMap<i64, data_flow::Model>> {
    Ok(data_flow::Entity::find()
        .filter(data_flow::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|f| (f.id, f))
        .collect())
}
