//! The answer to a what-if question ("if this mechanism or decision stopped on that day") as rows:
//! one per transfer that stands today and would fail, built from the same
//! [`transfers::what_if_ends`] as the GraphQL `whatIf` query.

use super::{
    names::Names,
    stream::Source,
    table::{Cell, Column, Table, said},
    transfers::{problems, verdict},
    words,
};
use crate::{
    domain::{reference::Hypothesis, reference::LegalReference, vocab::TransferMechanism},
    error::{AppError, AppResult},
    transfers::{self, Alternative},
};
use chrono::NaiveDate;
use std::{collections::BTreeSet, str::FromStr};

const WHAT_IF: &[Column] = &[
    said("flow_id", "Flow ID", 8.0),
    said("flow_ref", "Flow reference", 16.0),
    said("exporter", "Exporter", 30.0),
    said("importer", "Importer", 30.0),
    said("activity", "Processing activity", 30.0),
    said("destination", "Destination country", 10.0),
    said("regime", "Regime", 10.0),
    said("mechanism", "Transfer mechanism", 24.0),
    said("verdict_before", "Verdict now", 16.0),
    said("subjects", "Data subjects", 10.0),
    said("verdict_after", "Verdict after", 16.0),
    said("problems_after", "Problems after", 30.0),
    said("instead", "What could be relied on instead", 60.0),
    said("explanation", "Explanation", 80.0),
    said("ends_on", "Ends on", 12.0),
    said("assessed_on", "Assessed on", 12.0),
];

/// A what-if question: what stops, and the first day without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIfQuestion {
    pub hypothesis: Hypothesis,
    pub ends_on: NaiveDate,
}

impl WhatIfQuestion {
    /// From an export's parameters as text (`mechanism`, `decision`, `endsOn`); each refusal
    /// names its parameter. Exactly one of `mechanism` and `decision` is given.
    pub fn parse(
        reference: &LegalReference,
        mechanism: Option<&str>,
        decision: Option<&str>,
        ends_on: Option<NaiveDate>,
    ) -> AppResult<Self> {
        let mechanism = mechanism
            .map(|m| {
                TransferMechanism::from_str(m.trim()).map_err(|_| {
                    AppError::bad_input(
                        "mechanism",
                        format!(
                            "mechanism {m:?} is not a transfer mechanism (EU_US_DPF, SCC_2021, ...)"
                        ),
                    )
                })
            })
            .transpose()?;
        let hypothesis = transfers::hypothesis(reference, mechanism, decision, "decision")?;
        let ends_on = ends_on.ok_or_else(|| {
            AppError::bad_input("endsOn", "the whatif export needs endsOn (YYYY-MM-DD)")
        })?;
        Ok(Self {
            hypothesis,
            ends_on,
        })
    }
}

/// What a failing transfer would need instead: each usable tool with what it still lacks
/// (`SCC_2021: MODULE_MISSING, TIA_MISSING; BCR: nothing more`).
fn instead(alternatives: &[Alternative]) -> String {
    alternatives
        .iter()
        .map(|a| {
            let needs: Vec<&str> = a.verdict.problems.iter().map(|p| p.code.as_str()).collect();
            if needs.is_empty() {
                format!("{}: nothing more", a.mechanism.as_str())
            } else {
                format!("{}: {}", a.mechanism.as_str(), needs.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The transfers of the register on `on` that `question` would make fail.
pub async fn what_if(
    source: &Source<'_>,
    question: &WhatIfQuestion,
    on: NaiveDate,
) -> AppResult<Table> {
    let (db, reference) = (source.db, source.reference);
    let impacts =
        transfers::what_if_ends(db, reference, &question.hypothesis, question.ends_on, on).await?;
    // The flows and activities the rows name, not the register's.
    let flow_ids = impacts.iter().filter_map(|i| i.after.flow_id).collect();
    let mut names = Names::of_flows(db, &flow_ids, source.page()).await?;
    let activity_ids = impacts.iter().map(|i| i.activity_id).collect();
    names
        .add(db, &activity_ids, &BTreeSet::new(), source.page())
        .await?;
    let mut table = Table::new("What if", WHAT_IF);
    table.empty = Some("No transfer would fail: none relies on what the question stops.".into());
    for i in impacts {
        let after = &i.after;
        let flow = after.flow_id.and_then(|id| names.flows.get(&id));
        table.push(vec![
            after.flow_id.map_or(Cell::Empty, Cell::Int),
            Cell::opt_text(flow.and_then(|f| f.reference.as_deref())),
            Cell::text(&i.exporter.name),
            Cell::text(&i.holder.name),
            names.activity(i.activity_id),
            Cell::text(after.destination.as_str()),
            words::coded(after.regime.as_str(), words::regime(after.regime)),
            words::coded(
                i.before.mechanism.as_str(),
                words::mechanism(i.before.mechanism),
            ),
            verdict(i.before.verdict.status),
            Cell::Int(i.subjects),
            verdict(after.verdict.status),
            words::problems(&problems(after)),
            Cell::text(instead(&i.alternatives)),
            Cell::text(&after.verdict.explanation),
            Cell::Date(question.ends_on),
            Cell::Date(on),
        ]);
    }
    Ok(table)
}
