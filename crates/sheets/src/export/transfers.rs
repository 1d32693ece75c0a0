//! The transfer register and the compliance gaps as rows.

use super::{
    table::{Cell, Column, Table, said},
    words,
};
use crate::{
    domain::reference::LegalReference,
    error::AppResult,
    transfers::{FlowAssessment, Register},
};
use chrono::NaiveDate;
use entity::vocab::{ProblemCode, VerdictStatus};
use entity::{data_flow, organisation, processing_activity};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;

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

/// What a row needs beside the assessment: the flow, its activity and organisations by id.
pub(super) struct Names {
    pub flows: HashMap<i64, data_flow::Model>,
    pub activities: HashMap<i64, processing_activity::Model>,
    pub organisations: HashMap<i64, organisation::Model>,
}

impl Names {
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Self> {
        Ok(Self {
            flows: data_flow::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|f| (f.id, f))
                .collect(),
            activities: processing_activity::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|a| (a.id, a))
                .collect(),
            organisations: organisation::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect(),
        })
    }

    pub fn org(&self, id: i64) -> Cell {
        self.organisations
            .get(&id)
            .map_or(Cell::Empty, |o| Cell::text(&o.name))
    }

    pub fn activity(&self, id: i64) -> Cell {
        self.activities
            .get(&id)
            .map_or(Cell::Empty, |a| Cell::text(&a.name))
    }
}

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

pub async fn transfers(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    on: NaiveDate,
) -> AppResult<Table> {
    let register = Register::load(db).await?;
    let names = Names::load(db).await?;
    let categories = words::Categories::load(db).await?;
    let mut table = Table::new("Transfers", TRANSFERS);
    table.empty = Some("No transfers: the register holds no data flow.".into());
    for a in register.transfers(reference, None, on)? {
        let flow = a.flow_id.and_then(|id| names.flows.get(&id));
        table.push(vec![
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
                words::sensitive(&categories, &f.data_categories.0)
            }),
            Cell::text(a.destination.as_str()),
            words::coded(a.regime.as_str(), words::regime(a.regime)),
            words::coded(a.mechanism.as_str(), words::mechanism(a.mechanism)),
            flow.and_then(|f| f.scc_module).map_or(Cell::Empty, |m| {
                words::coded(m.as_str(), words::scc_module(m))
            }),
            Cell::opt_date(flow.and_then(|f| f.signed_on)),
            Cell::opt_date(flow.and_then(|f| f.tia_completed_on)),
            Cell::text(safeguard(&a)),
            verdict(a.verdict.status),
            words::problems(&problems(&a)),
            Cell::text(a.explanation(reference)),
            Cell::Date(on),
        ]);
    }
    Ok(table)
}

pub async fn gaps(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    on: NaiveDate,
) -> AppResult<Table> {
    let register = Register::load(db).await?;
    let names = Names::load(db).await?;
    let mut table = Table::new("Gaps", GAPS);
    table.empty = Some("No compliance gaps: no transfer has a problem on that day.".into());
    let gaps = register.gaps(reference, None, on)?;
    for group in gaps.groups {
        for a in group.assessments {
            let flow = a.flow_id.and_then(|id| names.flows.get(&id));
            for p in a.verdict.problems.iter().filter(|p| p.code == group.code) {
                table.push(vec![
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
    }
    Ok(table)
}
