//! The transfer register and the compliance gaps as rows.

use super::table::{Cell, Column, Table, col};
use crate::{
    domain::reference::LegalReference,
    error::AppResult,
    transfers::{FlowAssessment, Register},
};
use chrono::NaiveDate;
use entity::{data_flow, organisation, processing_activity};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;

const TRANSFERS: &[Column] = &[
    col("flow_id", 8.0),
    col("flow_ref", 16.0),
    col("activity", 30.0),
    col("exporter", 30.0),
    col("exporter_country", 10.0),
    col("recipient", 30.0),
    col("recipient_role", 16.0),
    col("destination", 10.0),
    col("regime", 10.0),
    col("mechanism", 16.0),
    col("scc_module", 10.0),
    col("signed_on", 12.0),
    col("tia_completed_on", 12.0),
    col("safeguard", 40.0),
    col("verdict", 16.0),
    col("problems", 30.0),
    col("assessed_on", 12.0),
];

const GAPS: &[Column] = &[
    col("problem", 22.0),
    col("message", 60.0),
    col("flow_id", 8.0),
    col("flow_ref", 16.0),
    col("activity", 30.0),
    col("exporter", 30.0),
    col("recipient", 30.0),
    col("destination", 10.0),
    col("regime", 10.0),
    col("mechanism", 16.0),
    col("verdict", 16.0),
    col("assessed_on", 12.0),
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
    a.verdict
        .instrument
        .as_ref()
        .map_or_else(|| a.mechanism.as_str().to_string(), |i| i.name.clone())
}

pub(super) fn problems(a: &FlowAssessment) -> String {
    a.verdict
        .problems
        .iter()
        .map(|p| p.code.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

pub async fn transfers(
    db: &impl ConnectionTrait,
    reference: &LegalReference,
    on: NaiveDate,
) -> AppResult<Table> {
    let register = Register::load(db).await?;
    let names = Names::load(db).await?;
    let mut table = Table::new("Transfers", TRANSFERS);
    for a in register.transfers(reference, None, on)? {
        let flow = a.flow_id.and_then(|id| names.flows.get(&id));
        table.push(vec![
            a.flow_id.map_or(Cell::Empty, Cell::Int),
            Cell::opt_text(flow.and_then(|f| f.reference.as_deref())),
            flow.map_or(Cell::Empty, |f| names.activity(f.activity_id)),
            flow.map_or(Cell::Empty, |f| names.org(f.from_id)),
            Cell::text(a.from_country.as_str()),
            flow.map_or(Cell::Empty, |f| names.org(f.to_id)),
            flow.map_or(Cell::Empty, |f| Cell::text(f.recipient_role.as_str())),
            Cell::text(a.destination.as_str()),
            Cell::text(a.regime.as_str()),
            Cell::text(a.mechanism.as_str()),
            Cell::opt_text(flow.and_then(|f| f.scc_module.map(entity::vocab::SccModule::as_str))),
            Cell::opt_date(flow.and_then(|f| f.signed_on)),
            Cell::opt_date(flow.and_then(|f| f.tia_completed_on)),
            Cell::text(safeguard(&a)),
            Cell::text(a.verdict.status.as_str()),
            Cell::text(problems(&a)),
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
    let gaps = register.gaps(reference, None, on)?;
    for group in gaps.groups {
        for a in group.assessments {
            let flow = a.flow_id.and_then(|id| names.flows.get(&id));
            for p in a.verdict.problems.iter().filter(|p| p.code == group.code) {
                table.push(vec![
                    Cell::text(p.code.as_str()),
                    Cell::text(&p.message),
                    a.flow_id.map_or(Cell::Empty, Cell::Int),
                    Cell::opt_text(flow.and_then(|f| f.reference.as_deref())),
                    flow.map_or(Cell::Empty, |f| names.activity(f.activity_id)),
                    flow.map_or(Cell::Empty, |f| names.org(f.from_id)),
                    flow.map_or(Cell::Empty, |f| names.org(f.to_id)),
                    Cell::text(a.destination.as_str()),
                    Cell::text(a.regime.as_str()),
                    Cell::text(a.mechanism.as_str()),
                    Cell::text(a.verdict.status.as_str()),
                    Cell::Date(on),
                ]);
            }
        }
    }
    Ok(table)
}
