//! The dated records of each flow, as the rules read them (`domain::transfer::Records`): its
//! assessments, the contracts covering it, and its importer's DPF list entry.

use crate::{
    domain::transfer::{ContractRecord, DpfSnapshotEntry, Records, TiaRecord},
    error::AppResult,
};
use entity::{contract, contract_flow, data_flow, organisation, transfer_impact_assessment as tia};
use sea_orm::{ColumnTrait, QueryFilter, prelude::*};
use std::collections::HashMap;

/// The records of the given flows (all flows when `flow_ids` is `None`), by flow id; a flow
/// without records is absent.
pub async fn load(
    db: &impl ConnectionTrait,
    flow_ids: Option<&[i64]>,
) -> AppResult<HashMap<i64, Records>> {
    let mut out: HashMap<i64, Records> = HashMap::new();
    let mut assessments = tia::Entity::find();
    let mut covered = contract_flow::Entity::find();
    if let Some(ids) = flow_ids {
        assessments = assessments.filter(tia::Column::FlowId.is_in(ids.iter().copied()));
        covered = covered.filter(contract_flow::Column::FlowId.is_in(ids.iter().copied()));
    }
    for a in assessments.all(db).await? {
        out.entry(a.flow_id)
            .or_default()
            .assessments
            .push(TiaRecord {
                completed_on: a.completed_on,
                review_on: a.review_on,
                outcome: a.outcome,
            });
    }
    dpf_listings(db, flow_ids, &mut out).await?;
    let covered = covered.all(db).await?;
    if covered.is_empty() {
        return Ok(out);
    }
    let mut contract_ids: Vec<i64> = covered.iter().map(|c| c.contract_id).collect();
    contract_ids.sort_unstable();
    contract_ids.dedup();
    let contracts: HashMap<i64, contract::Model> = contract::Entity::find()
        .filter(contract::Column::Id.is_in(contract_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    for link in covered {
        if let Some(c) = contracts.get(&link.contract_id) {
            out.entry(link.flow_id)
                .or_default()
                .contracts
                .push(ContractRecord {
                    kind: c.kind,
                    reference: c.reference.clone(),
                    signed_on: c.signed_on,
                    in_force_from: c.in_force_from,
                    expires_on: c.expires_on,
                });
        }
    }
    Ok(out)
}

/// Each flow's US recipient as every DPF list snapshot shows it (its entry, or absent), so that
/// a verdict on a date reads the snapshot in force then.
async fn dpf_listings(
    db: &impl ConnectionTrait,
    flow_ids: Option<&[i64]>,
    out: &mut HashMap<i64, Records>,
) -> AppResult<()> {
    if super::dpf::snapshots(db).await?.is_empty() {
        return Ok(());
    }
    let mut flows = data_flow::Entity::find();
    if let Some(ids) = flow_ids {
        flows = flows.filter(data_flow::Column::Id.is_in(ids.iter().copied()));
    }
    let flows = flows.all(db).await?;
    let mut recipients: Vec<i64> = flows.iter().map(|f| f.to_id).collect();
    recipients.sort_unstable();
    recipients.dedup();
    let organisations = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(recipients))
        .all(db)
        .await?;
    let refs: Vec<&organisation::Model> = organisations.iter().collect();
    let (snapshots, entries) = super::dpf::entries_by_snapshot(db, &refs).await?;
    for f in flows {
        let Some(listed) = entries.get(&f.to_id).filter(|l| !l.is_empty()) else {
            continue;
        };
        out.entry(f.id).or_default().dpf_history = snapshots
            .iter()
            .map(|s| DpfSnapshotEntry {
                listed_on: s.listed_on,
                entry: listed.get(&s.id).map(|e| super::dpf::listing(e, s)),
            })
            .collect();
    }
    Ok(())
}
