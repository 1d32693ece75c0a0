//! A loaded register brought up to date row by row, for the verdicts kept per flow: the rows a
//! write touched are read again and replaced, and only the flows they can affect are assessed
//! again (see `verdicts::kept`).

use super::{FlowAssessment, FlowPart, Register};
use crate::{domain::reference::LegalReference, error::AppResult};
use chrono::NaiveDate;
use entity::{data_flow, location, organisation};
use std::collections::{BTreeSet, HashMap};

/// What one flow adds to the register on a date: its restricted transfers (by destination), or
/// for a flow that makes none, the recipient's own problems.
#[derive(Default)]
pub struct FlowVerdicts {
    pub restricted: Vec<FlowAssessment>,
    pub own_problems: Option<FlowAssessment>,
}

impl Register {
    /// Every flow id loaded, in order.
    pub fn flow_ids(&self) -> impl Iterator<Item = i64> + '_ {
        self.flows.iter().map(|f| f.id)
    }

    /// Replaces the given flows (`None`: deleted), organisations (`None`: deleted) and the
    /// locations of the given organisations.
    pub fn apply(
        &mut self,
        flows: Vec<(i64, Option<data_flow::Model>)>,
        organisations: Vec<(i64, Option<organisation::Model>)>,
        locations: HashMap<i64, Vec<location::Model>>,
    ) {
        let mut reshaped = false;
        let mut deleted = BTreeSet::new();
        for (id, row) in flows {
            match (self.by_id.get(&id).copied(), row) {
                (Some(i), Some(row)) => self.flows[i] = row,
                (None, Some(row)) => {
                    self.flows.push(row);
                    reshaped = true;
                }
                (Some(_), None) => {
                    deleted.insert(id);
                    self.records.remove(&id);
                    reshaped = true;
                }
                (None, None) => {}
            }
        }
        if reshaped {
            self.flows.retain(|f| !deleted.contains(&f.id));
            self.flows.sort_by_key(|f| f.id);
            self.by_id = self
                .flows
                .iter()
                .enumerate()
                .map(|(i, f)| (f.id, i))
                .collect();
        }
        for (id, row) in organisations {
            match row {
                Some(row) => {
                    self.organisations.insert(id, row);
                }
                None => {
                    self.organisations.remove(&id);
                }
            }
        }
        for (organisation_id, mut rows) in locations {
            rows.sort_by_key(|l| l.id);
            if rows.is_empty() {
                self.locations.remove(&organisation_id);
            } else {
                self.locations.insert(organisation_id, rows);
            }
        }
    }

    /// Replaces the dated records of `flow_ids` (a flow absent from `records` has none).
    pub fn replace_records(
        &mut self,
        flow_ids: &BTreeSet<i64>,
        mut records: HashMap<i64, crate::domain::transfer::Records>,
    ) {
        for id in flow_ids {
            match records.remove(id) {
                Some(r) => {
                    self.records.insert(*id, r);
                }
                None => {
                    self.records.remove(id);
                }
            }
        }
    }

    /// The flows whose verdicts a change of `flows` and `organisations` can change: those flows,
    /// the flows the organisations export or receive, and every flow continuing any of them,
    /// down the chain (a flow's regime and exporter role come from the flows above it).
    pub fn affected(&self, flows: &BTreeSet<i64>, organisations: &BTreeSet<i64>) -> BTreeSet<i64> {
        let mut out: BTreeSet<i64> = flows.clone();
        for f in &self.flows {
            if organisations.contains(&f.from_id) || organisations.contains(&f.to_id) {
                out.insert(f.id);
            }
        }
        // A flow continues an earlier one, so one pass in id order usually closes the set; the
        // loop only guards against rows that break that order.
        loop {
            let before = out.len();
            for f in &self.flows {
                if f.continues_flow_id.is_some_and(|c| out.contains(&c)) {
                    out.insert(f.id);
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// What one flow adds to the register on `on` (nothing for a flow not loaded, ended by then,
    /// or without a regime).
    pub fn flow_verdicts(
        &self,
        reference: &LegalReference,
        flow_id: i64,
        on: NaiveDate,
    ) -> AppResult<FlowVerdicts> {
        let Some(flow) = self.by_id.get(&flow_id).map(|i| &self.flows[*i]) else {
            return Ok(FlowVerdicts::default());
        };
        if flow.ended_on.is_some_and(|ended| ended <= on) {
            return Ok(FlowVerdicts::default());
        }
        Ok(match self.flow_on(reference, flow, on)? {
            Some((_, FlowPart::Restricted(restricted))) => FlowVerdicts {
                restricted,
                own_problems: None,
            },
            Some((_, FlowPart::OwnProblems(own))) => FlowVerdicts {
                restricted: Vec::new(),
                own_problems: Some(*own),
            },
            Some((_, FlowPart::Nothing)) | None => FlowVerdicts::default(),
        })
    }
}
