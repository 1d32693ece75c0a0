//! Data flows: who discloses which categories to whom, and on what transfer footing; recording
//! and correcting them (ending one is in [`ending`]).

pub(crate) mod ending;

pub use ending::{end, record_returned};

use crate::{
    activities,
    audit::{self, Actor, Change},
    domain::vocab::{Derogation, OrganisationStatus, RecipientRole, SccModule, TransferMechanism},
    error::{AppError, AppResult},
    organisations,
    page::{Page, PageRequest},
    taxonomy::{self, Taxonomy},
    validate,
};
use chrono::{NaiveDate, Utc};
use entity::safeguards::{DestinationSafeguard as StoredSafeguard, DestinationSafeguards};
use entity::{Codes, data_flow, processing_activity};
use sea_orm::{ActiveValue::Set, Condition, QueryOrder, TransactionTrait, prelude::*};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone)]
pub struct NewFlow {
    pub activity_id: i64,
    pub from_id: i64,
    pub to_id: i64,
    pub recipient_role: RecipientRole,
    pub data_categories: Vec<String>,
    pub continues_flow_id: Option<i64>,
    pub mechanism: Option<TransferMechanism>,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub tia_completed_on: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub evidence: Option<String>,
    /// Whether the flow is occasional; `None` when not recorded.
    pub occasional: Option<bool>,
    /// Module Four: whether the EU processor combines the data received with data it collected
    /// in the EU; `None` when not recorded.
    pub combines_eu_data: Option<bool>,
    /// Old SCCs: whether the processing under the contract changed after it was concluded.
    pub processing_changed: Option<bool>,
    /// A safeguard per destination country where it differs from the flow's own.
    pub transfer_safeguards: Vec<DestinationSafeguard>,
    /// The user's own key (a spreadsheet's `ref`).
    pub reference: Option<String>,
}

/// The transfer tool given for one destination of a flow, as it enters (its country not yet
/// checked); stored as [`entity::safeguards::DestinationSafeguard`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationSafeguard {
    pub country: String,
    pub mechanism: TransferMechanism,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub signed_on: Option<NaiveDate>,
    pub tia_completed_on: Option<NaiveDate>,
    pub evidence: Option<String>,
}

/// Checks the per-destination safeguards of a new flow and returns them as stored.
pub(crate) fn checked_safeguards(
    list: Vec<DestinationSafeguard>,
) -> AppResult<Option<DestinationSafeguards>> {
    if list.is_empty() {
        return Ok(None);
    }
    if list.len() > 50 {
        return Err(AppError::bad_input(
            "transferSafeguards",
            "at most 50 destinations",
        ));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, s) in list.into_iter().enumerate() {
        let field = format!("transferSafeguards[{i}]");
        let country = validate::country(&format!("{field}.country"), &s.country)?;
        if !seen.insert(country) {
            return Err(AppError::bad_input(
                format!("{field}.country"),
                format!("{country} is given twice"),
            ));
        }
        out.push(StoredSafeguard {
            country,
            mechanism: s.mechanism,
            scc_module: s.scc_module,
            derogation: s.derogation,
            signed_on: validate::past_date(&format!("{field}.signedOn"), s.signed_on)?,
            tia_completed_on: validate::past_date(
                &format!("{field}.tiaCompletedOn"),
                s.tia_completed_on,
            )?,
            evidence: validate::optional_text(
                &format!("{field}.evidence"),
                s.evidence.as_deref(),
                2000,
            )?,
        });
    }
    Ok(Some(DestinationSafeguards(out)))
}

#[derive(Debug, Clone, Default)]
pub struct FlowFilter {
    pub activity_id: Option<i64>,
    pub from_id: Option<i64>,
    pub to_id: Option<i64>,
    pub mechanism: Option<TransferMechanism>,
}

/// A correction of a flow: `None` leaves a field alone, `Some(None)` clears it. What the flow
/// connects (its activity, exporter, recipient and the flow it continues) is its identity and
/// cannot change: a different recipient is a new flow, and the old one ends.
#[derive(Debug, Clone, Default)]
pub struct FlowPatch {
    pub recipient_role: Option<RecipientRole>,
    pub data_categories: Option<Vec<String>>,
    pub mechanism: Option<TransferMechanism>,
    pub scc_module: Option<Option<SccModule>>,
    pub derogation: Option<Option<Derogation>>,
    pub tia_completed_on: Option<Option<NaiveDate>>,
    pub signed_on: Option<Option<NaiveDate>>,
    pub evidence: Option<Option<String>>,
    pub occasional: Option<Option<bool>>,
    pub combines_eu_data: Option<Option<bool>>,
    pub processing_changed: Option<Option<bool>>,
    /// Replaces the whole list; an empty list clears it.
    pub transfer_safeguards: Option<Vec<DestinationSafeguard>>,
}

/// A module belongs to SCCs only, a derogation to DEROGATION only.
pub(crate) fn check_mechanism_details(
    mechanism: TransferMechanism,
    scc_module: Option<SccModule>,
    derogation: Option<Derogation>,
) -> AppResult<()> {
    if scc_module.is_some()
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
    if derogation.is_some() && mechanism != TransferMechanism::Derogation {
        return Err(AppError::bad_input(
            "derogation",
            "derogation applies only to the DEROGATION mechanism",
        ));
    }
    Ok(())
}

/// A flow carries only categories its source has: the activity's for a first flow, the
/// continued flow's for an onward one. `categories` are known codes, sorted.
fn check_within_source(
    activity: &processing_activity::Model,
    continued: Option<&data_flow::Model>,
    categories: &[String],
) -> AppResult<()> {
    let (allowed, of) = match continued {
        None => (&activity.data_categories.0, "the activity"),
        Some(previous) => (&previous.data_categories.0, "the continued flow"),
    };
    let allowed: BTreeSet<&String> = allowed.iter().collect();
    match categories.iter().find(|c| !allowed.contains(c)) {
        Some(extra) => Err(AppError::bad_input(
            "dataCategories",
            format!("{extra:?} is not among the categories of {of}"),
        )),
        None => Ok(()),
    }
}

/// The flow a new or corrected flow continues: of the same activity, and still running (what an
/// ended flow no longer receives cannot be passed on).
async fn continued_flow(
    txn: &impl ConnectionTrait,
    id: i64,
    activity_id: i64,
) -> AppResult<data_flow::Model> {
    let previous = find(txn, id, "continuesFlowId").await?;
    if previous.activity_id != activity_id {
        return Err(AppError::bad_input(
            "continuesFlowId",
            "the continued flow belongs to another processing activity",
        ));
    }
    if let Some(ended) = previous.ended_on {
        return Err(AppError::bad_input(
            "continuesFlowId",
            format!("the continued flow ended on {ended}: nothing flows onward from it"),
        ));
    }
    Ok(previous)
}

/// An activity that still runs, for a new flow.
pub(crate) fn check_activity_runs(
    activity: &processing_activity::Model,
    field: &str,
) -> AppResult<()> {
    match activity.ended_on {
        Some(ended) => Err(AppError::bad_input(
            field,
            format!("the processing activity ended on {ended}: no new flows for it"),
        )),
        None => Ok(()),
    }
}

/// The running flows that continue flow `id`.
pub(crate) async fn running_continuations(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> AppResult<Vec<data_flow::Model>> {
    Ok(data_flow::Entity::find()
        .filter(data_flow::Column::ContinuesFlowId.is_in(ids.iter().copied()))
        .filter(data_flow::Column::EndedOn.is_null())
        .order_by_asc(data_flow::Column::Id)
        .all(db)
        .await?)
}

/// Records a flow under the contract's rules: it starts at the activity's controller, or continues
/// an earlier flow of the same activity from where that one ended, with a subset of its categories.
pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewFlow,
) -> AppResult<data_flow::Model> {
    let txn = db.begin().await?;
    let saved = record_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(saved)
}

/// As [`record`], inside the caller's transaction (imports, the demonstration register).
#[allow(
    clippy::too_many_lines,
    reason = "each rule of recordDataFlow in the order the API documents them, in one transaction"
)]
pub async fn record_in(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    input: NewFlow,
) -> AppResult<data_flow::Model> {
    let (activity_id, from_id, to_id) = (input.activity_id, input.from_id, input.to_id);
    let continues = input.continues_flow_id;
    let tia = validate::past_date("tiaCompletedOn", input.tia_completed_on)?;
    let signed = validate::past_date("signedOn", input.signed_on)?;
    let evidence = validate::optional_text("evidence", input.evidence.as_deref(), 2000)?;
    let safeguards = checked_safeguards(input.transfer_safeguards.clone())?;
    let mechanism = input.mechanism.unwrap_or(TransferMechanism::None);
    check_mechanism_details(mechanism, input.scc_module, input.derogation)?;
    if from_id == to_id {
        return Err(AppError::bad_input(
            "toId",
            "a flow needs a recipient other than its exporter",
        ));
    }

    let reference = validate::reference("ref", input.reference.as_deref())?;
    if let Some(reference) = &reference
        && let Some(other) = by_reference(txn, reference).await?
    {
        return Err(AppError::bad_input(
            "ref",
            format!(
                "ref {reference:?} is already used by data flow {}",
                other.id
            ),
        ));
    }
    let activity = activities::find(txn, activity_id, "activityId").await?;
    check_activity_runs(&activity, "activityId")?;
    organisations::find(txn, from_id, "fromId").await?;
    let recipient = organisations::find(txn, to_id, "toId").await?;
    if recipient.status == OrganisationStatus::Offboarded {
        return Err(AppError::bad_input(
            "toId",
            format!("{} is offboarded: no new flows to it", recipient.name),
        ));
    }
    let categories = taxonomy::known_codes(
        txn,
        Taxonomy::Data,
        "dataCategories",
        &input.data_categories,
    )
    .await?;
    let continued = match continues {
        Some(previous_id) => Some(continued_flow(txn, previous_id, activity_id).await?),
        None => None,
    };
    let expected_from = continued
        .as_ref()
        .map_or(activity.controller_id, |previous| previous.to_id);
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
    check_within_source(&activity, continued.as_ref(), &categories)?;
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
        occasional: Set(input.occasional),
        combines_eu_data: Set(input.combines_eu_data),
        processing_changed: Set(input.processing_changed),
        transfer_safeguards: Set(safeguards),
        reference: Set(reference),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(
        txn,
        actor,
        Change::created("recordDataFlow", "data_flow", saved.id, &saved)?,
    )
    .await?;
    Ok(saved)
}

/// Corrects a running flow. Every rule of [`record`] holds for the result, and one more: a flow
/// keeps every category that a running flow continuing it passes on.
#[allow(
    clippy::too_many_lines,
    reason = "each rule of a correction in the order the API documents them, in one transaction"
)]
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    patch: FlowPatch,
) -> AppResult<data_flow::Model> {
    let tia = patch
        .tia_completed_on
        .map(|d| validate::past_date("tiaCompletedOn", d))
        .transpose()?;
    let signed = patch
        .signed_on
        .map(|d| validate::past_date("signedOn", d))
        .transpose()?;
    let evidence = patch
        .evidence
        .map(|e| validate::optional_text("evidence", e.as_deref(), 2000))
        .transpose()?;

    let safeguards = patch
        .transfer_safeguards
        .map(checked_safeguards)
        .transpose()?;

    let txn = db.begin().await?;
    let current = find(&txn, id, "id").await?;
    if let Some(ended) = current.ended_on {
        return Err(AppError::Conflict(format!(
            "data flow {id} ended on {ended}: an ended flow keeps its record as it was; record a new flow instead"
        )));
    }
    let mut next = current.clone();
    if let Some(role) = patch.recipient_role {
        next.recipient_role = role;
    }
    if let Some(mechanism) = patch.mechanism {
        next.mechanism = mechanism;
    }
    if let Some(module) = patch.scc_module {
        next.scc_module = module;
    }
    if let Some(derogation) = patch.derogation {
        next.derogation = derogation;
    }
    if let Some(tia) = tia {
        next.tia_completed_on = tia;
    }
    if let Some(signed) = signed {
        next.signed_on = signed;
    }
    if let Some(evidence) = evidence {
        next.evidence = evidence;
    }
    if let Some(occasional) = patch.occasional {
        next.occasional = occasional;
    }
    if let Some(combines) = patch.combines_eu_data {
        next.combines_eu_data = combines;
    }
    if let Some(changed) = patch.processing_changed {
        next.processing_changed = changed;
    }
    if let Some(safeguards) = safeguards {
        next.transfer_safeguards = safeguards;
    }
    check_mechanism_details(next.mechanism, next.scc_module, next.derogation)?;
    if let Some(categories) = &patch.data_categories {
        let categories =
            taxonomy::known_codes(&txn, Taxonomy::Data, "dataCategories", categories).await?;
        let activity = activities::find(&txn, current.activity_id, "id").await?;
        let continued = match current.continues_flow_id {
            Some(previous) => Some(find(&txn, previous, "id").await?),
            None => None,
        };
        check_within_source(&activity, continued.as_ref(), &categories)?;
        let kept: BTreeSet<&String> = categories.iter().collect();
        for onward in running_continuations(&txn, &[id]).await? {
            if let Some(lost) = onward.data_categories.0.iter().find(|c| !kept.contains(c)) {
                return Err(AppError::bad_input(
                    "dataCategories",
                    format!(
                        "{lost:?} is passed on by data flow {} that continues this one: correct or end that flow first",
                        onward.id
                    ),
                ));
            }
        }
        next.data_categories = Codes(categories);
    }
    if next == current {
        return Ok(current);
    }
    let saved = data_flow::ActiveModel {
        recipient_role: Set(next.recipient_role),
        data_categories: Set(next.data_categories.clone()),
        mechanism: Set(next.mechanism),
        scc_module: Set(next.scc_module),
        derogation: Set(next.derogation),
        tia_completed_on: Set(next.tia_completed_on),
        signed_on: Set(next.signed_on),
        evidence: Set(next.evidence.clone()),
        occasional: Set(next.occasional),
        combines_eu_data: Set(next.combines_eu_data),
        processing_changed: Set(next.processing_changed),
        transfer_safeguards: Set(next.transfer_safeguards.clone()),
        ..current.clone().into()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        actor,
        Change::updated("updateDataFlow", "data_flow", id, &current, &saved)?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// The flow whose user key is `reference`, if any.
pub async fn by_reference(
    db: &impl ConnectionTrait,
    reference: &str,
) -> AppResult<Option<data_flow::Model>> {
    Ok(data_flow::Entity::find()
        .filter(data_flow::Column::Reference.eq(reference))
        .one(db)
        .await?)
}

pub async fn find(db: &impl ConnectionTrait, id: i64, field: &str) -> AppResult<data_flow::Model> {
    data_flow::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::bad_input(field, format!("no data flow with id {id}")))
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> AppResult<Option<data_flow::Model>> {
    Ok(data_flow::Entity::find_by_id(id).one(db).await?)
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: FlowFilter,
    page: PageRequest,
) -> AppResult<Page<data_flow::Model>> {
    let mut cond = Condition::all();
    if let Some(id) = filter.activity_id {
        cond = cond.add(data_flow::Column::ActivityId.eq(id));
    }
    if let Some(id) = filter.from_id {
        cond = cond.add(data_flow::Column::FromId.eq(id));
    }
    if let Some(id) = filter.to_id {
        cond = cond.add(data_flow::Column::ToId.eq(id));
    }
    if let Some(m) = filter.mechanism {
        cond = cond.add(data_flow::Column::Mechanism.eq(m.as_str()));
    }
    crate::page::fetch(
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
