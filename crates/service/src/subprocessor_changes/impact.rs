//! What a change would do to the transfer verdicts, judged on its effective date by the
//! register's own rules (`transfers`), before anything in the register changes.

use super::{activity_ids, announce::running_flows};
use crate::{
    domain::{reference::LegalReference, vocab::LocationUse},
    error::AppResult,
    transfers::{FlowAssessment, Register},
};
use entity::vocab::{RecipientRole, SubprocessorChangeKind};
use entity::{Codes, data_flow, location, organisation, subject_activity, subprocessor_change};
use sea_orm::{QuerySelect, prelude::*};
use std::collections::BTreeSet;

/// A transfer the change would create (ADD) or alter (RELOCATE), with its verdict.
#[derive(Debug, Clone)]
pub struct ProposedTransfer {
    pub from: organisation::Model,
    pub to: organisation::Model,
    pub activity_id: i64,
    /// The verdict on the effective date, with its full explanation.
    pub assessment: FlowAssessment,
}

/// The impact of a change: its transfers and the data subjects of its activities.
#[derive(Debug, Clone, Default)]
pub struct Impact {
    pub transfers: Vec<ProposedTransfer>,
    /// Data subjects linked to the change's processing activities.
    pub subjects: u64,
}

/// The flows a live ADD records: one per flow the processor receives for the activities,
/// continuing it, with the categories both carry and the proposed safeguard. `id` is a
/// placeholder (negative) for flows not yet recorded.
pub(crate) fn proposed_flows(
    change: &subprocessor_change::Model,
    incoming: &[data_flow::Model],
) -> Vec<data_flow::Model> {
    let wanted: BTreeSet<&String> = change.data_categories.0.iter().collect();
    incoming
        .iter()
        .zip(1_i64..)
        .filter_map(|(f, n)| {
            let categories: Vec<String> = f
                .data_categories
                .0
                .iter()
                .filter(|c| wanted.contains(c))
                .cloned()
                .collect();
            (!categories.is_empty()).then(|| data_flow::Model {
                id: -n,
                activity_id: f.activity_id,
                from_id: change.processor_id,
                to_id: change.subprocessor_id,
                recipient_role: RecipientRole::SubProcessor,
                data_categories: Codes(categories),
                continues_flow_id: Some(f.id),
                mechanism: change.mechanism,
                scc_module: change.scc_module,
                derogation: change.derogation,
                tia_completed_on: change.tia_completed_on,
                signed_on: change.signed_on,
                evidence: change.evidence.clone(),
                occasional: change.occasional,
                combines_eu_data: None,
                processing_changed: None,
                transfer_safeguards: change.transfer_safeguards.clone(),
                created_at: change.created_at,
                ended_on: None,
                ended_reason: None,
                returned_on: None,
                return_evidence: None,
                reference: None,
            })
        })
        .collect()
}

/// The flows the change concerns now: for ADD those the processor receives for its activities
/// (the new flows continue them), for REMOVE and RELOCATE those from the processor to the
/// sub-processor.
pub(crate) async fn concerned_flows(
    db: &impl ConnectionTrait,
    change: &subprocessor_change::Model,
) -> AppResult<Vec<data_flow::Model>> {
    let mut out = Vec::new();
    for activity in activity_ids(change) {
        let flows = match change.kind {
            SubprocessorChangeKind::Add => {
                running_flows(db, activity, None, Some(change.processor_id)).await?
            }
            SubprocessorChangeKind::Remove | SubprocessorChangeKind::Relocate => {
                running_flows(
                    db,
                    activity,
                    Some(change.processor_id),
                    Some(change.subprocessor_id),
                )
                .await?
            }
        };
        out.extend(flows);
    }
    Ok(out)
}

/// The sub-processor's locations after a relocation: each use it has, in the new country (a
/// sub-processor without locations processes there).
pub(crate) fn relocated(
    current: &[location::Model],
    org_id: i64,
    to: entity::country::CountryCode,
) -> Vec<location::Model> {
    let mut uses: BTreeSet<LocationUse> = current.iter().map(|l| l.usage).collect();
    if uses.is_empty() {
        uses.insert(LocationUse::Processing);
    }
    uses.into_iter()
        .zip(1_i64..)
        .map(|(usage, n)| location::Model {
            id: -n,
            organisation_id: org_id,
            country: to,
            usage,
        })
        .collect()
}

/// The transfers the change would create or alter, judged on its effective date; a REMOVE
/// creates none.
pub async fn impact(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    change: &subprocessor_change::Model,
) -> AppResult<Impact> {
    let on = change.effective_on;
    let concerned = concerned_flows(db, change).await?;
    let ids: Vec<i64> = concerned.iter().map(|f| f.id).collect();
    let mut register = Register::load_for(db, &ids).await?;
    let subprocessor = crate::organisations::find(db, change.subprocessor_id, "id").await?;
    let processor = crate::organisations::find(db, change.processor_id, "id").await?;
    let locations = crate::locations::locations_of(db, &[subprocessor.id])
        .await?
        .remove(&subprocessor.id)
        .unwrap_or_default();
    let judged: Vec<data_flow::Model> = match change.kind {
        SubprocessorChangeKind::Add => {
            register.set_organisation(subprocessor.clone(), locations);
            proposed_flows(change, &concerned)
        }
        SubprocessorChangeKind::Relocate => {
            let Some(to) = change.relocate_to else {
                return Ok(Impact::default());
            };
            let moved = relocated(&locations, subprocessor.id, to);
            register.set_organisation(subprocessor.clone(), moved);
            concerned
        }
        SubprocessorChangeKind::Remove => Vec::new(),
    };
    let mut transfers = Vec::new();
    for flow in &judged {
        for assessment in register.assess_proposed(reference, flow, on)? {
            transfers.push(ProposedTransfer {
                from: processor.clone(),
                to: subprocessor.clone(),
                activity_id: flow.activity_id,
                assessment,
            });
        }
    }
    Ok(Impact {
        transfers,
        subjects: subjects_of(db, &activity_ids(change)).await?,
    })
}

/// The distinct data subjects linked to the activities.
async fn subjects_of(db: &impl ConnectionTrait, activities: &[i64]) -> AppResult<u64> {
    let ids: Vec<i64> = subject_activity::Entity::find()
        .select_only()
        .column(subject_activity::Column::SubjectId)
        .distinct()
        .filter(subject_activity::Column::ActivityId.is_in(activities.iter().copied()))
        .into_tuple::<i64>()
        .all(db)
        .await?;
    Ok(ids.len() as u64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test that unwraps fails loudly")]
mod tests {
    use super::*;
    use entity::vocab::{SubprocessorChangeStatus, TransferMechanism};

    fn change() -> subprocessor_change::Model {
        subprocessor_change::Model {
            id: 1,
            processor_id: 10,
            subprocessor_id: 20,
            kind: SubprocessorChangeKind::Add,
            activity_ids: Codes(vec!["5".into()]),
            data_categories: Codes(vec!["contact.email".into()]),
            mechanism: TransferMechanism::Scc2021,
            scc_module: None,
            derogation: None,
            tia_completed_on: None,
            signed_on: None,
            evidence: None,
            occasional: None,
            transfer_safeguards: None,
            relocate_to: None,
            announced_on: chrono::NaiveDate::MIN,
            effective_on: chrono::NaiveDate::MIN,
            objection_deadline: None,
            source: None,
            status: SubprocessorChangeStatus::Pending,
            reason: None,
            decided_by: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn incoming(id: i64, categories: &[&str]) -> data_flow::Model {
        data_flow::Model {
            id,
            activity_id: 5,
            from_id: 1,
            to_id: 10,
            recipient_role: RecipientRole::Processor,
            data_categories: Codes(categories.iter().map(|c| (*c).to_string()).collect()),
            continues_flow_id: None,
            mechanism: TransferMechanism::None,
            scc_module: None,
            derogation: None,
            tia_completed_on: None,
            signed_on: None,
            evidence: None,
            occasional: None,
            combines_eu_data: None,
            processing_changed: None,
            transfer_safeguards: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
            ended_on: None,
            ended_reason: None,
            returned_on: None,
            return_evidence: None,
            reference: None,
        }
    }

    #[test]
    fn an_addition_continues_each_incoming_flow_with_the_categories_both_carry() {
        let flows = proposed_flows(
            &change(),
            &[
                incoming(3, &["contact.email", "identity.name"]),
                incoming(4, &["identity.name"]),
            ],
        );
        assert_eq!(flows.len(), 1, "a flow without the categories adds nothing");
        let flow = &flows[0];
        assert_eq!(flow.continues_flow_id, Some(3));
        assert_eq!((flow.from_id, flow.to_id), (10, 20));
        assert_eq!(flow.recipient_role, RecipientRole::SubProcessor);
        assert_eq!(flow.data_categories.0, ["contact.email"]);
        assert_eq!(flow.mechanism, TransferMechanism::Scc2021);
        assert!(flow.id < 0, "a placeholder id, never a stored one");
    }

    #[test]
    fn a_relocation_keeps_each_use_in_the_new_country() {
        let india = entity::country::CountryCode::parse("IN").unwrap();
        let us = entity::country::CountryCode::parse("US").unwrap();
        let current = [
            location::Model {
                id: 1,
                organisation_id: 20,
                country: us,
                usage: LocationUse::Storage,
            },
            location::Model {
                id: 2,
                organisation_id: 20,
                country: us,
                usage: LocationUse::RemoteAccess,
            },
        ];
        let moved = relocated(&current, 20, india);
        let uses: Vec<(LocationUse, entity::country::CountryCode)> =
            moved.iter().map(|l| (l.usage, l.country)).collect();
        assert_eq!(
            uses,
            [
                (LocationUse::Storage, india),
                (LocationUse::RemoteAccess, india)
            ]
        );
        assert_eq!(
            relocated(&[], 20, india)
                .iter()
                .map(|l| l.usage)
                .collect::<Vec<_>>(),
            [LocationUse::Processing]
        );
    }
}
