//! A processor's notice of a sub-processor change, checked and filed as PENDING.

use super::{ensure_may_act_for, record_event};
use crate::{
    activities,
    audit::{self, Actor, Change},
    domain::vocab::{
        ActingAs, Derogation, OrganisationStatus, SccModule, SubprocessorChangeKind,
        SubprocessorChangeStatus, TransferMechanism,
    },
    error::{AppError, AppResult},
    flows::{self, DestinationSafeguard},
    organisations,
    taxonomy::{self, Taxonomy},
    validate,
};
use chrono::{Days, NaiveDate, Utc};
use entity::{Codes, data_flow, organisation, subprocessor_change};
use sea_orm::{ActiveValue::Set, QueryOrder, TransactionTrait, prelude::*};
use std::collections::BTreeSet;

/// The safeguard a processor proposes for the transfers to a new sub-processor: the transfer
/// fields of `recordDataFlow`, checked by the same rules.
#[derive(Debug, Clone, Default)]
pub struct ProposedSafeguard {
    pub mechanism: Option<TransferMechanism>,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub tia_completed_on: Option<NaiveDate>,
    pub signed_on: Option<NaiveDate>,
    pub evidence: Option<String>,
    pub occasional: Option<bool>,
    pub transfer_safeguards: Vec<DestinationSafeguard>,
}

/// A change as announced (raw input; checked by [`announce`]).
#[derive(Debug, Clone)]
pub struct NewChange {
    pub processor_id: i64,
    pub kind: SubprocessorChangeKind,
    pub subprocessor_id: i64,
    pub activity_ids: Vec<i64>,
    pub data_categories: Vec<String>,
    pub safeguard: ProposedSafeguard,
    /// RELOCATE: the country the sub-processor moves its processing to.
    pub relocate_to: Option<String>,
    pub announced_on: NaiveDate,
    pub effective_on: NaiveDate,
    pub source: Option<String>,
}

/// Most activities one notice may name.
const MAX_ACTIVITIES: usize = 100;

/// The running flows of `activity_id` from `from` (or to `to`), by id.
pub(crate) async fn running_flows(
    db: &impl ConnectionTrait,
    activity_id: i64,
    from: Option<i64>,
    to: Option<i64>,
) -> AppResult<Vec<data_flow::Model>> {
    let mut query = data_flow::Entity::find()
        .filter(data_flow::Column::ActivityId.eq(activity_id))
        .filter(data_flow::Column::EndedOn.is_null());
    if let Some(from) = from {
        query = query.filter(data_flow::Column::FromId.eq(from));
    }
    if let Some(to) = to {
        query = query.filter(data_flow::Column::ToId.eq(to));
    }
    Ok(query.order_by_asc(data_flow::Column::Id).all(db).await?)
}

/// Files a change as PENDING, with its objection deadline (the announcement date plus the
/// processor's objection period; none without a period). A PROCESSOR files for its own
/// organisation only (`own`). A change to the group's published list (one of its activities is
/// carried out for customers, `actingAs: PROCESSOR`) must take effect at least `notice_days`
/// after it is announced: the customers are told on the day it is filed.
#[allow(
    clippy::too_many_lines,
    reason = "each rule of announceSubprocessorChange in the order the API documents them, in one transaction"
)]
pub async fn announce(
    db: &DatabaseConnection,
    actor: &Actor,
    own: Option<i64>,
    input: NewChange,
    notice_days: u32,
) -> AppResult<subprocessor_change::Model> {
    ensure_may_act_for(actor, own, input.processor_id)?;
    let (processor_id, subprocessor_id) = (input.processor_id, input.subprocessor_id);
    if processor_id == subprocessor_id {
        return Err(AppError::bad_input(
            "subprocessorId",
            "a processor is not its own sub-processor",
        ));
    }
    if input.activity_ids.is_empty() || input.activity_ids.len() > MAX_ACTIVITIES {
        return Err(AppError::bad_input(
            "activityIds",
            format!("name 1 to {MAX_ACTIVITIES} processing activities"),
        ));
    }
    let activity_ids: BTreeSet<i64> = input.activity_ids.iter().copied().collect();
    if input.effective_on < input.announced_on {
        return Err(AppError::bad_input(
            "effectiveOn",
            "a change takes effect on or after the day it is announced",
        ));
    }
    let source = validate::optional_text("source", input.source.as_deref(), 500)?;
    let safeguard = input.safeguard;
    let mechanism = safeguard.mechanism.unwrap_or(TransferMechanism::None);
    flows::check_mechanism_details(mechanism, safeguard.scc_module, safeguard.derogation)?;
    let tia = validate::past_date("tiaCompletedOn", safeguard.tia_completed_on)?;
    let signed = validate::past_date("signedOn", safeguard.signed_on)?;
    let evidence = validate::optional_text("evidence", safeguard.evidence.as_deref(), 2000)?;
    let safeguards = flows::checked_safeguards(safeguard.transfer_safeguards)?;
    let relocate_to = match (input.kind, input.relocate_to.as_deref()) {
        (SubprocessorChangeKind::Relocate, Some(c)) => Some(validate::country("relocateTo", c)?),
        (SubprocessorChangeKind::Relocate, None) => {
            return Err(AppError::bad_input(
                "relocateTo",
                "a relocation names the country the sub-processor moves to",
            ));
        }
        (_, Some(_)) => {
            return Err(AppError::bad_input(
                "relocateTo",
                "relocateTo applies only to RELOCATE",
            ));
        }
        (_, None) => None,
    };

    let txn = db.begin().await?;
    let processor = organisations::find(&txn, processor_id, "processorId").await?;
    let subprocessor = organisations::find(&txn, subprocessor_id, "subprocessorId").await?;
    if input.kind == SubprocessorChangeKind::Add
        && subprocessor.status == OrganisationStatus::Offboarded
    {
        return Err(AppError::bad_input(
            "subprocessorId",
            format!("{} is offboarded: no new flows to it", subprocessor.name),
        ));
    }
    // A removal or relocation concerns the flows as they are: it may name no categories.
    let categories =
        if input.data_categories.is_empty() && input.kind != SubprocessorChangeKind::Add {
            Vec::new()
        } else {
            taxonomy::known_codes(
                &txn,
                Taxonomy::Data,
                "dataCategories",
                &input.data_categories,
            )
            .await?
        };
    let published = check_activities(
        &txn,
        input.kind,
        &processor,
        &subprocessor,
        &activity_ids,
        &categories,
    )
    .await?;
    if published {
        check_notice(input.announced_on, input.effective_on, notice_days)?;
    }
    let deadline = processor
        .objection_period_days
        .and_then(|d| u64::try_from(d).ok())
        .and_then(|d| input.announced_on.checked_add_days(Days::new(d)));
    let now = Utc::now();
    let saved = subprocessor_change::ActiveModel {
        processor_id: Set(processor_id),
        subprocessor_id: Set(subprocessor_id),
        kind: Set(input.kind),
        activity_ids: Set(Codes(activity_ids.iter().map(i64::to_string).collect())),
        data_categories: Set(Codes(categories)),
        mechanism: Set(mechanism),
        scc_module: Set(safeguard.scc_module),
        derogation: Set(safeguard.derogation),
        tia_completed_on: Set(tia),
        signed_on: Set(signed),
        evidence: Set(evidence),
        occasional: Set(safeguard.occasional),
        transfer_safeguards: Set(safeguards),
        relocate_to: Set(relocate_to),
        announced_on: Set(input.announced_on),
        effective_on: Set(input.effective_on),
        objection_deadline: Set(deadline),
        source: Set(source),
        status: Set(SubprocessorChangeStatus::Pending),
        reason: Set(None),
        decided_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record_event(
        &txn,
        saved.id,
        SubprocessorChangeStatus::Pending,
        actor,
        None,
        input.announced_on,
    )
    .await?;
    audit::record(
        &txn,
        actor,
        Change::created(
            "announceSubprocessorChange",
            "subprocessor_change",
            saved.id,
            &saved,
        )?,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A change to the published list leaves the group's customers `notice_days` of notice: it
/// takes effect on or after `announced_on` plus that many days (the boundary day is enough).
pub fn check_notice(
    announced_on: NaiveDate,
    effective_on: NaiveDate,
    notice_days: u32,
) -> AppResult<()> {
    let earliest = announced_on
        .checked_add_days(Days::new(u64::from(notice_days)))
        .unwrap_or(NaiveDate::MAX);
    if effective_on < earliest {
        return Err(AppError::bad_input(
            "effectiveOn",
            format!(
                "this change is to the group's published sub-processor list, whose customers are \
                 given {notice_days} days' notice (REGISTER_SUBPROCESSOR_NOTICE_DAYS): it takes \
                 effect on {earliest} at the earliest"
            ),
        ));
    }
    Ok(())
}

/// Each activity runs; for ADD the processor receives data for it (the new flows continue those)
/// and the categories are among what it receives; for REMOVE and RELOCATE the processor already
/// passes data of it to the sub-processor. Whether any is carried out for the group's customers
/// (the change is then on the published list).
async fn check_activities(
    txn: &impl ConnectionTrait,
    kind: SubprocessorChangeKind,
    processor: &organisation::Model,
    subprocessor: &organisation::Model,
    activity_ids: &BTreeSet<i64>,
    categories: &[String],
) -> AppResult<bool> {
    let mut received: BTreeSet<String> = BTreeSet::new();
    let mut published = false;
    for (i, id) in activity_ids.iter().enumerate() {
        let field = format!("activityIds[{i}]");
        let activity = activities::find(txn, *id, &field).await?;
        flows::check_activity_runs(&activity, &field)?;
        published |= activity.acting_as == ActingAs::Processor;
        let (from, to) = match kind {
            SubprocessorChangeKind::Add => (None, Some(processor.id)),
            SubprocessorChangeKind::Remove | SubprocessorChangeKind::Relocate => {
                (Some(processor.id), Some(subprocessor.id))
            }
        };
        let running = running_flows(txn, *id, from, to).await?;
        if running.is_empty() {
            let why = match kind {
                SubprocessorChangeKind::Add => format!(
                    "{} receives no data for processing activity {id}: record its flow first",
                    processor.name
                ),
                _ => format!(
                    "{} passes no data of processing activity {id} to {}",
                    processor.name, subprocessor.name
                ),
            };
            return Err(AppError::bad_input(field, why));
        }
        received.extend(running.into_iter().flat_map(|f| f.data_categories.0));
    }
    if kind == SubprocessorChangeKind::Add
        && let Some(extra) = categories.iter().find(|c| !received.contains(*c))
    {
        return Err(AppError::bad_input(
            "dataCategories",
            format!(
                "{extra:?} is not among the categories {} receives",
                processor.name
            ),
        ));
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::check_notice;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_published_list_s_notice_is_enough_from_its_boundary_day_on() {
        assert!(check_notice(day("2026-09-01"), day("2026-10-01"), 30).is_ok());
        assert!(check_notice(day("2026-09-01"), day("2026-10-02"), 30).is_ok());
        assert!(check_notice(day("2026-09-01"), day("2026-09-30"), 30).is_err());
        assert!(check_notice(day("2026-09-01"), day("2026-09-01"), 0).is_ok());
    }
}
