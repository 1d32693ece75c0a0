//! What `due::list` reads: only the rows that can make a due item, found by their dates, and then
//! the flows and names those rows mention, by id. The register's other flows and organisations
//! are never read, so the list costs what is due, not what is registered (at 100,000 flows,
//! reading every flow and organisation took over a second even when nothing was due).

use super::contracts::ContractRecord;
use crate::id_lists::{CHUNK, chunks};
use crate::{domain::vocab::TransferMechanism, error::AppResult};
use chrono::NaiveDate;
use entity::{contract, contract_flow, data_flow, organisation, transfer_impact_assessment as tia};
use sea_orm::{ColumnTrait, Condition, QueryFilter, QueryOrder, QuerySelect, prelude::*};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The contracts that expire or are due for review by `horizon` and that no other contract of
/// the same kind supersedes for a flow they cover, by id, each with its flows in the order
/// they were attached.
pub(super) async fn contracts(
    db: &impl ConnectionTrait,
    horizon: NaiveDate,
) -> AppResult<Vec<ContractRecord>> {
    let candidates = contract::Entity::find()
        .filter(
            Condition::any()
                .add(contract::Column::ExpiresOn.lte(horizon))
                .add(contract::Column::ReviewOn.lte(horizon)),
        )
        .order_by_asc(contract::Column::Id)
        .all(db)
        .await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut flows_of: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in candidates.chunks(CHUNK) {
        for link in contract_flow::Entity::find()
            .filter(contract_flow::Column::ContractId.is_in(chunk.iter().map(|c| c.id)))
            .order_by_asc(contract_flow::Column::Id)
            .all(db)
            .await?
        {
            flows_of
                .entry(link.contract_id)
                .or_default()
                .push(link.flow_id);
        }
    }
    // Every contract covering a flow a candidate covers: the candidates' possible successors.
    let flow_ids: BTreeSet<i64> = flows_of.values().flatten().copied().collect();
    let mut covering: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in chunks(&flow_ids) {
        for link in contract_flow::Entity::find()
            .filter(contract_flow::Column::FlowId.is_in(chunk))
            .all(db)
            .await?
        {
            covering
                .entry(link.flow_id)
                .or_default()
                .push(link.contract_id);
        }
    }
    let rival_ids: BTreeSet<i64> = covering.values().flatten().copied().collect();
    let mut rivals: HashMap<i64, contract::Model> = HashMap::new();
    for chunk in chunks(&rival_ids) {
        for c in contract::Entity::find()
            .filter(contract::Column::Id.is_in(chunk))
            .all(db)
            .await?
        {
            rivals.insert(c.id, c);
        }
    }
    Ok(candidates
        .into_iter()
        .filter_map(|c| {
            let flow_ids = flows_of.remove(&c.id).unwrap_or_default();
            let superseded = flow_ids
                .iter()
                .filter_map(|f| covering.get(f))
                .flatten()
                .filter_map(|id| rivals.get(id))
                .any(|o| supersedes(o, &c));
            (!superseded).then(|| ContractRecord {
                contract: c,
                party_ids: Vec::new(),
                flow_ids,
            })
        })
        .collect())
}

/// Whether `other`, of the same kind, runs longer than `this` (or, both open-ended, is later).
fn supersedes(other: &contract::Model, this: &contract::Model) -> bool {
    other.id != this.id
        && other.kind == this.kind
        && match (other.expires_on, this.expires_on) {
            (None, Some(_)) => true,
            (Some(o), Some(t)) => o > t,
            (None, None) => other.id > this.id,
            (Some(_), None) => false,
        }
}

/// The latest assessment of each flow, where it is due for review by `horizon` (an earlier
/// assessment of a flow is superseded by its latest, whatever their review dates).
pub(super) async fn assessments(
    db: &impl ConnectionTrait,
    horizon: NaiveDate,
) -> AppResult<Vec<tia::Model>> {
    let flow_ids: BTreeSet<i64> = tia::Entity::find()
        .select_only()
        .column(tia::Column::FlowId)
        .filter(tia::Column::ReviewOn.lte(horizon))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut latest: BTreeMap<i64, tia::Model> = BTreeMap::new();
    for chunk in chunks(&flow_ids) {
        for a in tia::Entity::find()
            .filter(tia::Column::FlowId.is_in(chunk))
            .order_by_asc(tia::Column::CompletedOn)
            .order_by_asc(tia::Column::Id)
            .all(db)
            .await?
        {
            latest.insert(a.flow_id, a);
        }
    }
    Ok(latest
        .into_values()
        .filter(|a| a.review_on <= horizon)
        .collect())
}

/// The importers that a flow running on `today` relies on the EU-US DPF for, each with the
/// first such flow: the ones the DPF list is checked for.
pub(super) async fn dpf_relied(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> AppResult<BTreeMap<i64, i64>> {
    Ok(data_flow::Entity::find()
        .select_only()
        .column(data_flow::Column::ToId)
        .column_as(data_flow::Column::Id.min(), "first")
        .filter(data_flow::Column::Mechanism.eq(TransferMechanism::EuUsDpf.as_str()))
        .filter(
            Condition::any()
                .add(data_flow::Column::EndedOn.is_null())
                .add(data_flow::Column::EndedOn.gt(today)),
        )
        .group_by(data_flow::Column::ToId)
        .into_tuple::<(i64, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The flows and organisation names the due items mention, read by id.
#[derive(Debug, Default)]
pub(super) struct Lookup {
    pub flows: HashMap<i64, data_flow::Model>,
    pub names: HashMap<i64, String>,
}

impl Lookup {
    /// Reads the flows `flow_ids`, then the names of their recipients and of
    /// `organisation_ids`.
    pub async fn load(
        db: &impl ConnectionTrait,
        flow_ids: &BTreeSet<i64>,
        organisation_ids: &BTreeSet<i64>,
    ) -> AppResult<Self> {
        let mut flows: HashMap<i64, data_flow::Model> = HashMap::new();
        for chunk in chunks(flow_ids) {
            for f in data_flow::Entity::find()
                .filter(data_flow::Column::Id.is_in(chunk))
                .all(db)
                .await?
            {
                flows.insert(f.id, f);
            }
        }
        let mut wanted = organisation_ids.clone();
        wanted.extend(flows.values().map(|f| f.to_id));
        let mut names = HashMap::new();
        for chunk in chunks(&wanted) {
            names.extend(
                organisation::Entity::find()
                    .select_only()
                    .column(organisation::Column::Id)
                    .column(organisation::Column::Name)
                    .filter(organisation::Column::Id.is_in(chunk))
                    .into_tuple::<(i64, String)>()
                    .all(db)
                    .await?,
            );
        }
        Ok(Self { flows, names })
    }
}
