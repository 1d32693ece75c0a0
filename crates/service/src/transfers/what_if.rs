//! What-if questions: the verdict of a transfer described by hand, and which flows of the register
//! a mechanism or an adequacy decision ending on a date would leave without a valid transfer, with
//! the alternatives that would hold.

use super::*;

/// A what-if: the verdict for a transfer described by hand; nothing is read or stored.
pub fn what_if(reference: &LegalReference, transfer: &Transfer, on: NaiveDate) -> FlowAssessment {
    FlowAssessment {
        flow_id: None,
        regime: transfer.regime,
        from_country: transfer.exporter_country,
        destination: transfer.destination,
        mechanism: transfer.mechanism,
        verdict: transfer::assess(reference, transfer, on),
        transfer: transfer.clone(),
        on,
        own_problems: false,
    }
}

impl Register {
    /// The part of the register that the given flows' assessments need: the flows, every flow
    /// they continue up their chains, and the organisations and locations of all of them. A
    /// chain of depth d costs d+3 queries, however many flows are asked for.
    pub async fn load_for(db: &impl ConnectionTrait, ids: &[i64]) -> AppResult<Self> {
        let mut flows: HashMap<i64, data_flow::Model> = HashMap::new();
        let mut wanted: Vec<i64> = ids.to_vec();
        while !wanted.is_empty() {
            let found = crate::flows::by_ids(db, &wanted).await?;
            wanted = found
                .values()
                .filter_map(|f| f.continues_flow_id)
                .filter(|id| !flows.contains_key(id) && !found.contains_key(id))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            flows.extend(found);
        }
        let mut org_ids: Vec<i64> = flows.values().flat_map(|f| [f.from_id, f.to_id]).collect();
        org_ids.sort_unstable();
        org_ids.dedup();
        let organisations = crate::organisations::by_ids(db, &org_ids).await?;
        let recipients: Vec<i64> = flows.values().map(|f| f.to_id).collect();
        let locations = crate::locations::locations_of(db, &recipients).await?;
        let mut flows: Vec<data_flow::Model> = flows.into_values().collect();
        flows.sort_unstable_by_key(|f| f.id);
        let ids: Vec<i64> = flows.iter().map(|f| f.id).collect();
        let records = crate::reviews::records::load(db, Some(&ids)).await?;
        Ok(Self::new(flows, organisations, locations).with_records(records))
    }

    /// The assessments of one flow of this register on `on` (none if it is not loaded).
    pub fn assessments_of(
        &self,
        reference: &LegalReference,
        flow_id: i64,
        on: NaiveDate,
    ) -> AppResult<Vec<FlowAssessment>> {
        let Some(flow) = self.by_id.get(&flow_id).map(|i| &self.flows[*i]) else {
            return Ok(Vec::new());
        };
        assess_flow(reference, &self.facts(flow, reference, on)?, on)
    }
}

/// A transfer that stands today but would fail if the hypothesis came true.
#[derive(Debug, Clone)]
pub struct WhatIfImpact {
    /// The verdict under the law as it is.
    pub before: FlowAssessment,
    /// The verdict under the hypothesis (its explanation names the assumption).
    pub after: FlowAssessment,
    pub exporter: organisation::Model,
    /// The importer that would hold the data without a lawful basis for the transfer.
    pub holder: organisation::Model,
    pub activity_id: i64,
    /// Data subjects linked to the flow's processing activity.
    pub subjects: i64,
    /// What could carry the transfer instead, with what each still needs.
    pub alternatives: Vec<Alternative>,
}

/// Another mechanism for a failing transfer, judged under the hypothesis on the same record.
#[derive(Debug, Clone)]
pub struct Alternative {
    pub mechanism: TransferMechanism,
    /// Its problems are what the DPO would still have to put in place (module, TIA, evidence...).
    pub verdict: Verdict,
}

/// The problems a DPO can put right by acting (a contract, an assessment, evidence), as opposed
/// to a tool that cannot serve the transfer at all.
fn fixable(code: ProblemCode) -> bool {
    use ProblemCode as P;
    // A warning does not stand in the way at all.
    code.is_warning()
        || matches!(
            code,
            P::ModuleMissing
                | P::ModuleMismatch
                | P::TiaMissing
                | P::DpaMissing
                | P::DerogationMissing
                | P::MissingSafeguard
        )
}

/// The question of a what-if: exactly one of a mechanism or an adequacy decision of the
/// reference (by id). `decision_field` names the decision input in errors (`decisionId` in
/// GraphQL, `decision` in an export's query); giving neither or both is refused on `mechanism`.
pub fn hypothesis(
    reference: &LegalReference,
    mechanism: Option<TransferMechanism>,
    decision: Option<&str>,
    decision_field: &str,
) -> AppResult<crate::domain::reference::Hypothesis> {
    use crate::domain::reference::Hypothesis;
    match (mechanism, decision) {
        (Some(m), None) => Ok(Hypothesis::Mechanism(m)),
        (None, Some(id)) => {
            let id = crate::validate::text(decision_field, id, 100)?;
            if !reference.adequacy_decisions().iter().any(|d| d.id == id) {
                return Err(AppError::bad_input(
                    decision_field,
                    format!("no adequacy decision {id} in the reference data"),
                ));
            }
            Ok(Hypothesis::Decision(id))
        }
        _ => Err(AppError::bad_input(
            "mechanism",
            format!("give either a mechanism or a {decision_field}, not both"),
        )),
    }
}

/// What breaks if `hypothesis` stops on `ends_on`: every restricted transfer of the register that
/// has a lawful footing on `on` under the law as it is and none under the hypothesis.
#[allow(
    clippy::too_many_lines,
    reason = "one pass over the register: the verdict now, under the hypothesis, and the alternatives"
)]
pub async fn what_if_ends(
    db: &(impl ConnectionTrait + sea_orm::StreamTrait),
    reference: &LegalReference,
    hypothesis: &crate::domain::reference::Hypothesis,
    ends_on: NaiveDate,
    on: NaiveDate,
) -> AppResult<Vec<WhatIfImpact>> {
    use entity::subject_activity;
    use sea_orm::QuerySelect;
    let assumed = reference
        .ending(hypothesis, ends_on)
        .map_err(|e| AppError::bad_input("mechanism", e.0))?;
    let register = Register::load(db).await?;
    // Flow by flow, so that neither register is held whole (at 100k flows the two were most of
    // the what-if's memory): the same flow and destination now and under the hypothesis.
    let mut failing = Vec::new();
    for flow in register.running_on(on) {
        let after = assess_flow(&assumed, &register.facts(flow, &assumed, on)?, on)?;
        if after
            .iter()
            .all(|a| a.verdict.status != VerdictStatus::NonCompliant)
        {
            continue;
        }
        let mut before = assess_flow(reference, &register.facts(flow, reference, on)?, on)?;
        for after in after {
            if after.verdict.status != VerdictStatus::NonCompliant {
                continue;
            }
            let Some(at) = before.iter().position(|was| {
                was.destination == after.destination
                    && was.verdict.status != VerdictStatus::NonCompliant
            }) else {
                continue;
            };
            failing.push((before.swap_remove(at), after));
        }
    }
    let flows: HashMap<i64, &data_flow::Model> = register.flows.iter().map(|f| (f.id, f)).collect();
    let activity_ids: BTreeSet<i64> = (failing.iter())
        .filter_map(|(_, a)| {
            a.flow_id
                .and_then(|id| flows.get(&id))
                .map(|f| f.activity_id)
        })
        .collect();
    let counts: HashMap<i64, i64> = subject_activity::Entity::find()
        .select_only()
        .column(subject_activity::Column::ActivityId)
        .column_as(subject_activity::Column::SubjectId.count(), "subjects")
        .filter(subject_activity::Column::ActivityId.is_in(activity_ids))
        .group_by(subject_activity::Column::ActivityId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let candidates = [
        TransferMechanism::Adequacy,
        TransferMechanism::Scc2021,
        TransferMechanism::UkAddendum,
        TransferMechanism::UkIdta,
        TransferMechanism::Bcr,
        TransferMechanism::CodeOfConduct,
        TransferMechanism::Certification,
        TransferMechanism::Derogation,
    ];
    let mut out = Vec::with_capacity(failing.len());
    for (before, after) in failing {
        let Some(flow) = after.flow_id.and_then(|id| flows.get(&id)) else {
            continue;
        };
        let alternatives = candidates
            .iter()
            .filter(|m| **m != after.mechanism)
            .filter_map(|m| {
                let mut t = after.transfer.clone();
                t.mechanism = *m;
                let verdict = transfer::assess_brief(&assumed, &t, on);
                let usable = verdict.instrument.is_some()
                    && verdict.problems.iter().all(|p| fixable(p.code));
                usable.then(|| Alternative {
                    mechanism: *m,
                    verdict: transfer::assess(&assumed, &t, on),
                })
            })
            .collect();
        out.push(WhatIfImpact {
            exporter: register.organisation(flow.from_id)?.clone(),
            holder: register.organisation(flow.to_id)?.clone(),
            activity_id: flow.activity_id,
            subjects: counts.get(&flow.activity_id).copied().unwrap_or(0),
            alternatives,
            before,
            after: FlowAssessment {
                verdict: transfer::assess(&assumed, &after.transfer, on),
                ..after
            },
        });
    }
    Ok(out)
}
