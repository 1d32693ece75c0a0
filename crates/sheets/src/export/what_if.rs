//! The answer to a what-if question ("if this mechanism or decision stopped on that day") as rows:
//! one per transfer that stands today and would fail, built from the same
//! [`transfers::what_if_ends`] as the GraphQL `whatIf` query.

use super::{
    table::{Cell, Column, Table, col},
    transfers::{Names, problems},
};
use crate::{
    domain::{reference::Hypothesis, reference::LegalReference, vocab::TransferMechanism},
    error::{AppError, AppResult},
    transfers::{self, Alternative},
};
use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use std::str::FromStr;

const WHAT_IF: &[Column] = &[
    col("flow_id", 8.0),
    col("flow_ref", 16.0),
    col("exporter", 30.0),
    col("importer", 30.0),
    col("activity", 30.0),
    col("destination", 10.0),
    col("regime", 10.0),
    col("mechanism", 16.0),
    col("verdict_before", 16.0),
    col("subjects", 10.0),
    col("verdict_after", 16.0),
    col("problems_after", 30.0),
    col("instead", 60.0),
    col("explanation", 80.0),
    col("ends_on", 12.0),
    col("assessed_on", 12.0),
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
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    question: &WhatIfQuestion,
    on: NaiveDate,
) -> AppResult<Table> {
    let impacts =
        transfers::what_if_ends(db, reference, &question.hypothesis, question.ends_on, on).await?;
    let names = Names::load(db).await?;
    let mut table = Table::new("What if", WHAT_IF);
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
            Cell::text(after.regime.as_str()),
            Cell::text(i.before.mechanism.as_str()),
            Cell::text(i.before.verdict.status.as_str()),
            Cell::Int(i.subjects),
            Cell::text(after.verdict.status.as_str()),
            Cell::text(problems(after)),
            Cell::text(instead(&i.alternatives)),
            Cell::text(&after.verdict.explanation),
            Cell::Date(question.ends_on),
            Cell::Date(on),
        ]);
    }
    Ok(table)
}
