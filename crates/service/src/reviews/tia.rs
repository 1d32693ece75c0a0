//! Recording a transfer impact assessment of a flow. It also sets the flow's `tiaCompletedOn`
//! (to the latest assessment's date), so everything that reads that date keeps working.

use crate::{
    audit::{self, Actor, Change},
    domain::vocab::{SupplementaryMeasure, TiaOutcome},
    error::{AppError, AppResult},
    flows, validate,
};
use chrono::{Months, NaiveDate, Utc};
use entity::{Codes, data_flow, transfer_impact_assessment as tia};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, QueryFilter, QueryOrder, Set, TransactionTrait, prelude::*,
};
use std::collections::BTreeSet;

/// An assessment to record.
#[derive(Debug, Clone)]
pub struct NewTia {
    pub flow_id: String,
    pub completed_on: NaiveDate,
    /// Defaults to `completed_on` plus the configured months.
    pub review_on: Option<NaiveDate>,
    pub outcome: TiaOutcome,
    pub measures: Vec<SupplementaryMeasure>,
    pub laws_assessed: Option<String>,
    pub assessor: Option<String>,
}

/// The default review date: `months` after completion (the last day of a shorter month).
pub fn default_review(completed_on: NaiveDate, months: u32) -> NaiveDate {
    completed_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Records the assessment in one audited transaction.
pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    review_months: u32,
    input: NewTia,
) -> AppResult<tia::Model> {
    let flow_id = validate::id("flowId", &input.flow_id)?;
    let completed_on =
        validate::past_date("completedOn", Some(input.completed_on))?.unwrap_or(input.completed_on);
    let review_on = input
        .review_on
        .unwrap_or_else(|| default_review(completed_on, review_months));
    if review_on <= completed_on {
        return Err(AppError::bad_input(
            "reviewOn",
            format!("reviewOn {review_on} must be after completedOn {completed_on}"),
        ));
    }
    let measures: BTreeSet<&'static str> = input.measures.iter().map(|m| m.as_str()).collect();
    if input.outcome == TiaOutcome::ProceedWithMeasures && measures.is_empty() {
        return Err(AppError::bad_input(
            "measures",
            "PROCEED_WITH_MEASURES needs the supplementary measures relied on",
        ));
    }
    let laws = validate::optional_text("lawsAssessed", input.laws_assessed.as_deref(), 4000)?;
    let assessor = validate::optional_text("assessor", input.assessor.as_deref(), 200)?;

    let txn = db.begin().await?;
    let flow = flows::find(&txn, flow_id, "flowId").await?;
    let saved = tia::ActiveModel {
        flow_id: Set(flow_id),
        completed_on: Set(completed_on),
        review_on: Set(review_on),
        outcome: Set(input.outcome),
        measures: Set(Codes(measures.into_iter().map(str::to_owned).collect())),
        laws_assessed: Set(laws),
        assessor: Set(assessor),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::created(
            "recordTransferImpactAssessment",
            "transfer_impact_assessment",
            saved.id,
            &saved,
        )?,
    )
    .await?;
    if flow.tia_completed_on.is_none_or(|d| d < completed_on) {
        let updated = data_flow::ActiveModel {
            tia_completed_on: Set(Some(completed_on)),
            ..flow.clone().into()
        }
        .update(&txn)
        .await?;
        audit::record(
            &txn,
            actor,
            Change::updated(
                "recordTransferImpactAssessment",
                "data_flow",
                flow_id,
                &flow,
                &updated,
            )?,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(saved)
}

/// The assessments of a flow, latest first.
pub async fn of_flow(db: &impl ConnectionTrait, flow_id: i64) -> AppResult<Vec<tia::Model>> {
    Ok(tia::Entity::find()
        .filter(tia::Column::FlowId.eq(flow_id))
        .order_by_desc(tia::Column::CompletedOn)
        .order_by_desc(tia::Column::Id)
        .all(db)
        .await?)
}
