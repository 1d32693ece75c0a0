//! Recording a contract (DPA, 2021 SCCs, UK IDTA or Addendum, BCR approval) with its parties,
//! the flows it covers and its dates. `dpaSignedOn` and `signedOn` keep working beside it.

use crate::{
    audit::{self, Actor, Change},
    domain::vocab::{ContractKind, SccModule},
    error::{AppError, AppResult},
    flows, organisations, validate,
};
use chrono::{NaiveDate, Utc};
use entity::{contract, contract_flow, contract_party};
use sea_orm::{ActiveModelTrait, QueryOrder, Set, TransactionTrait, prelude::*};
use std::collections::{BTreeSet, HashMap};

/// A contract to record.
#[derive(Debug, Clone)]
pub struct NewContract {
    pub kind: ContractKind,
    pub scc_module: Option<SccModule>,
    pub reference: Option<String>,
    /// Organisation ids; none given: the parties of the flows covered.
    pub party_ids: Vec<String>,
    pub flow_ids: Vec<String>,
    pub signed_on: Option<NaiveDate>,
    pub in_force_from: Option<NaiveDate>,
    /// The last day in force.
    pub expires_on: Option<NaiveDate>,
    pub review_on: Option<NaiveDate>,
    pub notice_period_days: Option<i32>,
}

/// A contract with its parties and flows.
#[derive(Debug, Clone)]
pub struct ContractRecord {
    pub contract: contract::Model,
    pub party_ids: Vec<i64>,
    pub flow_ids: Vec<i64>,
}

fn ids(field: &str, values: &[String]) -> AppResult<BTreeSet<i64>> {
    values.iter().map(|v| validate::id(field, v)).collect()
}

fn check(input: &NewContract) -> AppResult<()> {
    match (input.kind, input.scc_module) {
        (ContractKind::Scc2021, None) => {
            return Err(AppError::bad_input(
                "sccModule",
                "SCC_2021 needs its module (C2C, C2P, P2P or P2C)",
            ));
        }
        (ContractKind::Scc2021 | ContractKind::UkAddendum, _) | (_, None) => {}
        (kind, Some(_)) => {
            return Err(AppError::bad_input(
                "sccModule",
                format!("a module belongs to SCC_2021 or UK_ADDENDUM, not {kind}"),
            ));
        }
    }
    if let (Some(from), Some(to)) = (input.in_force_from, input.expires_on)
        && to < from
    {
        return Err(AppError::bad_input(
            "expiresOn",
            format!("expiresOn {to} is before inForceFrom {from}"),
        ));
    }
    if let (Some(signed), Some(to)) = (input.signed_on, input.expires_on)
        && to < signed
    {
        return Err(AppError::bad_input(
            "expiresOn",
            format!("expiresOn {to} is before signedOn {signed}"),
        ));
    }
    if input
        .notice_period_days
        .is_some_and(|d| !(0..=3650).contains(&d))
    {
        return Err(AppError::bad_input(
            "noticePeriodDays",
            "noticePeriodDays must be between 0 and 3650",
        ));
    }
    if input.flow_ids.is_empty() {
        return Err(AppError::bad_input(
            "flowIds",
            "name at least one data flow the contract covers",
        ));
    }
    Ok(())
}

/// Records the contract in one audited transaction.
pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    input: NewContract,
) -> AppResult<ContractRecord> {
    check(&input)?;
    let flow_ids = ids("flowIds", &input.flow_ids)?;
    let mut party_ids = ids("partyIds", &input.party_ids)?;
    let signed_on = validate::past_date("signedOn", input.signed_on)?;
    let reference = validate::optional_text("reference", input.reference.as_deref(), 200)?;

    let txn = db.begin().await?;
    let mut flow_parties = BTreeSet::new();
    for id in &flow_ids {
        let flow = flows::find(&txn, *id, "flowIds").await?;
        flow_parties.extend([flow.from_id, flow.to_id]);
    }
    for id in &party_ids {
        organisations::find(&txn, *id, "partyIds").await?;
    }
    if party_ids.is_empty() {
        party_ids = flow_parties;
    }
    let saved = contract::ActiveModel {
        kind: Set(input.kind),
        scc_module: Set(input.scc_module),
        reference: Set(reference),
        signed_on: Set(signed_on),
        in_force_from: Set(input.in_force_from),
        expires_on: Set(input.expires_on),
        review_on: Set(input.review_on),
        notice_period_days: Set(input.notice_period_days),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for organisation_id in &party_ids {
        contract_party::ActiveModel {
            contract_id: Set(saved.id),
            organisation_id: Set(*organisation_id),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    for flow_id in &flow_ids {
        contract_flow::ActiveModel {
            contract_id: Set(saved.id),
            flow_id: Set(*flow_id),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let record = ContractRecord {
        contract: saved,
        party_ids: party_ids.into_iter().collect(),
        flow_ids: flow_ids.into_iter().collect(),
    };
    audit::record(
        &txn,
        actor,
        Change::created(
            "recordContract",
            "contract",
            record.contract.id,
            &serde_json::json!({
                "contract": &record.contract,
                "partyIds": &record.party_ids,
                "flowIds": &record.flow_ids,
            }),
        )?,
    )
    .await?;
    txn.commit().await?;
    Ok(record)
}

/// Every contract with its parties and flows, by id (each in the order it was attached).
pub async fn all(db: &impl ConnectionTrait) -> AppResult<Vec<ContractRecord>> {
    records(db, None).await
}

/// The contracts covering each of `flow_ids`, oldest first; a flow no contract covers is left
/// out. Four statements, whatever the number of flows.
pub async fn of_flows(
    db: &impl ConnectionTrait,
    flow_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<ContractRecord>>> {
    let ids: BTreeSet<i64> = contract_flow::Entity::find()
        .filter(contract_flow::Column::FlowId.is_in(flow_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|cf| cf.contract_id)
        .collect();
    let mut out: HashMap<i64, Vec<ContractRecord>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let wanted: BTreeSet<i64> = flow_ids.iter().copied().collect();
    for record in records(db, Some(&ids)).await? {
        for flow in record.flow_ids.iter().filter(|f| wanted.contains(f)) {
            out.entry(*flow).or_default().push(record.clone());
        }
    }
    Ok(out)
}

/// `column` among `ids` when some are given; no condition otherwise.
fn within(column: impl ColumnTrait, ids: Option<&BTreeSet<i64>>) -> sea_orm::Condition {
    let all = sea_orm::Condition::all();
    match ids {
        Some(ids) => all.add(column.is_in(ids.iter().copied())),
        None => all,
    }
}

/// The contracts with `ids` (all without), with their parties and flows, by id.
async fn records(
    db: &impl ConnectionTrait,
    ids: Option<&BTreeSet<i64>>,
) -> AppResult<Vec<ContractRecord>> {
    let contracts = contract::Entity::find()
        .filter(within(contract::Column::Id, ids))
        .order_by_asc(contract::Column::Id)
        .all(db)
        .await?;
    let mut parties: HashMap<i64, Vec<i64>> = HashMap::new();
    for p in contract_party::Entity::find()
        .filter(within(contract_party::Column::ContractId, ids))
        .order_by_asc(contract_party::Column::Id)
        .all(db)
        .await?
    {
        parties
            .entry(p.contract_id)
            .or_default()
            .push(p.organisation_id);
    }
    let mut flows: HashMap<i64, Vec<i64>> = HashMap::new();
    for f in contract_flow::Entity::find()
        .filter(within(contract_flow::Column::ContractId, ids))
        .order_by_asc(contract_flow::Column::Id)
        .all(db)
        .await?
    {
        flows.entry(f.contract_id).or_default().push(f.flow_id);
    }
    Ok(contracts
        .into_iter()
        .map(|c| ContractRecord {
            party_ids: parties.remove(&c.id).unwrap_or_default(),
            flow_ids: flows.remove(&c.id).unwrap_or_default(),
            contract: c,
        })
        .collect())
}
