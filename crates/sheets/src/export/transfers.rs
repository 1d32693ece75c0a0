//! The transfer register and the compliance gaps as rows.

use super::{
    gap_names::GapNames,
    names::Names,
    stream::{Out, Source, runs_by_flow},
    table::{Cell, Column, Table, said},
    words,
};
use crate::{domain::reference::LegalReference, error::AppResult, transfers::FlowAssessment};
use chrono::NaiveDate;
use entity::vocab::{ProblemCode, VerdictStatus};
use std::collections::BTreeSet;

const TRANSFERS: &[Column] = &[
    said("flow_id", "Flow ID", 8.0),
    said("flow_ref", "Flow reference", 16.0),
    said("activity", "Processing activity", 30.0),
    said("exporter", "Exporter", 30.0),
    said("exporter_country", "Exporter's country", 10.0),
    said("recipient", "Recipient (importer)", 30.0),
    said("recipient_role", "Recipient's role", 16.0),
    said("special_categories", "Special category data", 14.0),
    said("destination", "Destination country", 10.0),
    said("regime", "Regime", 10.0),
    said("mechanism", "Transfer mechanism", 24.0),
    said("scc_module", "SCC module", 10.0),
    said("signed_on", "Signed on", 12.0),
    said("tia_completed_on", "TIA completed on", 12.0),
    said("safeguard", "Safeguard relied on", 40.0),
    said("verdict", "Verdict", 16.0),
    said("problems", "Problems", 30.0),
    said("explanation", "Explanation", 80.0),
    said("assessed_on", "Assessed on", 12.0),
];

const GAPS: &[Column] = &[
    said("problem", "Problem", 22.0),
    said("message", "What is wrong", 60.0),
    said("flow_id", "Flow ID", 8.0),
    said("flow_ref", "Flow reference", 16.0),
    said("activity", "Processing activity", 30.0),
    said("exporter", "Exporter", 30.0),
    said("recipient", "Recipient (importer)", 30.0),
    said("destination", "Destination country", 10.0),
    said("regime", "Regime", 10.0),
    said("mechanism", "Transfer mechanism", 24.0),
    said("verdict", "Verdict", 16.0),
    said("assessed_on", "Assessed on", 12.0),
];

/// The safeguard relied on: the instrument's name, else the mechanism.
pub(super) fn safeguard(a: &FlowAssessment) -> String {
    a.verdict.instrument.as_ref().map_or_else(
        || words::mechanism(a.mechanism).to_string(),
        |i| i.name.clone(),
    )
}

pub(super) fn problems(a: &FlowAssessment) -> Vec<ProblemCode> {
    a.verdict.problems.iter().map(|p| p.code).collect()
}

/// A vocabulary value as its words (CSV, XLSX) and its code (JSON).
pub(super) fn verdict(status: VerdictStatus) -> Cell {
    words::coded(status.as_str(), words::verdict(status))
}

/// The distinct flows of a run of assessments.
fn flow_ids<'a>(assessments: impl IntoIterator<Item = &'a FlowAssessment>) -> BTreeSet<i64> {
    assessments.into_iter().filter_map(|a| a.flow_id).collect()
}

/// The transfer register on `on`: every restricted transfer of the verdicts, in flow order, a
/// page of flows at a time.
pub async fn transfers(source: &Source<'_>, on: NaiveDate, out: &mut Out) -> AppResult<()> {
    let assessed = source.assessed(on).await?;
    let categories = words::Categories::load(source.db).await?;
    let mut table = Table::new("Transfers", TRANSFERS);
    table.empty = Some("No transfers: the register holds no data flow.".into());
    out.head(table).await?;
    let entries = &assessed.transfers;
    for run in runs_by_flow(entries, |e| e.assessment.flow_id, source.page()) {
        let ids = flow_ids(run.iter().map(|e| &*e.assessment));
        let names = Names::of_flows(source.db, &ids, source.page()).await?;
        for e in run {
            out.push(transfer_row(
                &names,
                &categories,
                source.reference,
                &e.assessment,
                on,
            ));
        }
        out.flush().await?;
    }
    Ok(())
}

fn transfer_row(
    names: &Names,
    categories: &words::Categories,
    reference: &LegalReference,
    a: &FlowAssessment,
    on: NaiveDate,
) -> Vec<Cell> {
    let flow = a.flow_id.and_then(|id| names.flows.get(&id));
    vec![
        a.flow_id.map_or(Cell::Empty, Cell::Int),
        Cell::opt_text(flow.and_then(|f| f.reference.as_deref())),
        flow.map_or(Cell::Empty, |f| names.activity(f.activity_id)),
        flow.map_or(Cell::Empty, |f| names.org(f.from_id)),
        Cell::text(a.from_country.as_str()),
        flow.map_or(Cell::Empty, |f| names.org(f.to_id)),
        flow.map_or(Cell::Empty, |f| {
            words::coded(
                f.recipient_role.as_str(),
                words::recipient_role(f.recipient_role),
            )
        }),
        flow.map_or(Cell::Empty, |f| {
            words::sensitive(categories, &f.data_categories.0)
        }),
        Cell::text(a.destination.as_str()),
        words::coded(a.regime.as_str(), words::regime(a.regime)),
        words::coded(a.mechanism.as_str(), words::mechanism(a.mechanism)),
        flow.and_then(|f| f.scc_module).map_or(Cell::Empty, |m| {
            words::coded(m.as_str(), words::scc_module(m))
        }),
        Cell::opt_date(flow.and_then(|f| f.signed_on)),
        Cell::opt_date(flow.and_then(|f| f.tia_completed_on)),
        Cell::text(safeguard(a)),
        verdict(a.verdict.status),
        words::problems(&problems(a)),
        Cell::text(a.explanation(reference)),
        Cell::Date(on),
    ]
}

/// The compliance gaps on `on`: one row per problem of each assessment, grouped by problem
/// code, each group in flow order, a page of flows at a time.
pub async fn gaps(source: &Source<'_>, on: NaiveDate, out: &mut Out) -> AppResult<()> {
    let assessed = source.assessed(on).await?;
    let mut table = Table::new("Gaps", GAPS);
    table.empty = Some("No compliance gaps: no transfer has a problem on that day.".into());
    out.head(table).await?;
    let gaps = assessed.gaps(None);
    let mut names = GapNames::default();
    for group in &gaps.groups {
        for run in runs_by_flow(&group.assessments, |a| a.flow_id, source.page()) {
            let ids = flow_ids(run.iter().map(|a| &**a));
            names.read(source.db, &ids, source.page()).await?;
            for a in run {
                let flow = a.flow_id.and_then(|id| names.flows.get(&id));
                for p in a.verdict.problems.iter().filter(|p| p.code == group.code) {
                    out.push(vec![
                        words::coded(p.code.as_str(), words::problem(p.code)),
                        Cell::text(&p.message),
                        a.flow_id.map_or(Cell::Empty, Cell::Int),
                        Cell::opt_text(flow.and_then(|f| f.reference.as_deref())),
                        flow.map_or(Cell::Empty, |f| names.activity(f.activity_id)),
                        flow.map_or(Cell::Empty, |f| names.org(f.from_id)),
                        flow.map_or(Cell::Empty, |f| names.org(f.to_id)),
                        Cell::text(a.destination.as_str()),
                        words::coded(a.regime.as_str(), words::regime(a.regime)),
                        words::coded(a.mechanism.as_str(), words::mechanism(a.mechanism)),
                        verdict(a.verdict.status),
                        Cell::Date(on),
                    ]);
                }
            }
            out.flush().await?;
        }
    }
    Ok(())
}
