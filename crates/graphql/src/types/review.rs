//! `TransferImpactAssessment`, `Contract` and `DueItem`.

use super::{flow::DataFlow, organisation::Organisation};
use crate::{
    enums::{ContractKind, DueKind, SccModule, SupplementaryMeasure, TiaOutcome},
    loaders::loaders,
    scalars::Date,
    service::reviews::{contracts::ContractRecord, due},
};
use async_graphql::{Context, ID, Object, Result};
use entity::{dpf_entry, dpf_snapshot, transfer_impact_assessment as tia};

/// A transfer impact assessment (UK: transfer risk assessment) of a flow, as recorded.
pub struct TransferImpactAssessment(pub tia::Model);

/// An assessment of the destination's law and practice for one flow (Schrems II; EDPB
/// Recommendations 01/2020): what it concluded, the measures relied on, who assessed, and when it
/// is due for review. The latest one completed by a date is the one a verdict reads.
#[Object]
impl TransferImpactAssessment {
    /// The assessment's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The flow assessed.
    async fn flow(&self, ctx: &Context<'_>) -> Result<Option<DataFlow>> {
        Ok(loaders(ctx)?
            .flows
            .load_one(self.0.flow_id)
            .await?
            .map(DataFlow))
    }

    /// When it was completed.
    async fn completed_on(&self) -> Date {
        self.0.completed_on.into()
    }

    /// When it must be reviewed (by default twelve months after completion, a setting).
    async fn review_on(&self) -> Date {
        self.0.review_on.into()
    }

    /// What it concluded.
    async fn outcome(&self) -> TiaOutcome {
        self.0.outcome.into()
    }

    /// The supplementary measures relied on.
    async fn measures(&self) -> Vec<SupplementaryMeasure> {
        self.0
            .measures
            .0
            .iter()
            .filter_map(|m| m.parse::<entity::vocab::SupplementaryMeasure>().ok())
            .map(Into::into)
            .collect()
    }

    /// The laws and practices of the destination assessed.
    async fn laws_assessed(&self) -> Option<&str> {
        self.0.laws_assessed.as_deref()
    }

    /// Who assessed.
    async fn assessor(&self) -> Option<&str> {
        self.0.assessor.as_deref()
    }
}

/// A contract on record.
pub struct Contract(pub ContractRecord);

/// A contract (DPA, 2021 SCCs, UK IDTA or Addendum, BCR approval) with its parties, the flows it
/// covers and its dates. A flow whose contract of the kind it needs has expired is
/// CONTRACT_EXPIRED in its verdict.
#[Object]
impl Contract {
    /// The contract's id.
    async fn id(&self) -> ID {
        ID(self.0.contract.id.to_string())
    }

    /// Its kind.
    async fn kind(&self) -> ContractKind {
        self.0.contract.kind.into()
    }

    /// The SCC module, for SCC_2021 and UK_ADDENDUM.
    async fn scc_module(&self) -> Option<SccModule> {
        self.0.contract.scc_module.map(Into::into)
    }

    /// The parties' own reference for it.
    async fn reference(&self) -> Option<&str> {
        self.0.contract.reference.as_deref()
    }

    /// The signed document attached (`attachContractDocument`; the newest if several were):
    /// its name, size and SHA-256. ADMIN, DPO and AUDITOR download it from its `downloadPath`.
    async fn document(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<crate::types::document::Document>> {
        Ok(loaders(ctx)?
            .documents
            .load_one(crate::service::documents::Owner::Contract(
                self.0.contract.id,
            ))
            .await?
            .map(crate::types::document::Document))
    }

    /// The parties.
    async fn parties(&self, ctx: &Context<'_>) -> Result<Vec<Organisation>> {
        let found = loaders(ctx)?
            .organisations
            .load_many(self.0.party_ids.iter().copied())
            .await?;
        Ok(self
            .0
            .party_ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(Organisation))
            .collect())
    }

    /// The flows it covers.
    async fn flows(&self, ctx: &Context<'_>) -> Result<Vec<DataFlow>> {
        let found = loaders(ctx)?
            .flows
            .load_many(self.0.flow_ids.iter().copied())
            .await?;
        Ok(self
            .0
            .flow_ids
            .iter()
            .filter_map(|id| found.get(id).cloned().map(DataFlow))
            .collect())
    }

    /// When it was signed.
    async fn signed_on(&self) -> Option<Date> {
        self.0.contract.signed_on.map(Date::from)
    }

    /// When it came into force.
    async fn in_force_from(&self) -> Option<Date> {
        self.0.contract.in_force_from.map(Date::from)
    }

    /// Its last day in force (or the day it renews); none: open-ended.
    async fn expires_on(&self) -> Option<Date> {
        self.0.contract.expires_on.map(Date::from)
    }

    /// When it is to be reviewed.
    async fn review_on(&self) -> Option<Date> {
        self.0.contract.review_on.map(Date::from)
    }

    /// The notice period, in days, to end it or stop it renewing.
    async fn notice_period_days(&self) -> Option<i32> {
        self.0.contract.notice_period_days
    }
}

/// Something that needs attention by a date, with the records it is about (read in one go for
/// the whole list).
pub struct DueItem(pub due::DueItem, pub std::sync::Arc<DueLinks>);

/// The requests, sub-processor changes and contracts a list of due items is about, by id.
#[derive(Default)]
pub struct DueLinks {
    /// Empty when the caller may not read data subject requests.
    pub requests: std::collections::HashMap<i64, entity::dsr_request::Model>,
    pub changes: std::collections::HashMap<i64, entity::subprocessor_change::Model>,
    pub contracts: std::collections::HashMap<i64, ContractRecord>,
}

/// Something that needs attention by a date: a contract expiring or due for review, an
/// assessment due for review, a DPF entry lapsed or missing, an objection deadline, a data
/// subject request deadline, a transfer whose verdict the law changed.
#[Object]
impl DueItem {
    /// Where it comes from.
    async fn kind(&self) -> DueKind {
        self.0.kind.into()
    }

    /// When it is due (before today: overdue).
    async fn due_on(&self) -> Date {
        self.0.due_on.into()
    }

    /// The organisation concerned, where there is one.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let Some(id) = self.0.organisation_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?
            .organisations
            .load_one(id)
            .await?
            .map(Organisation))
    }

    /// The flow concerned, where there is one: where it is fixed.
    async fn flow(&self, ctx: &Context<'_>) -> Result<Option<DataFlow>> {
        let Some(id) = self.0.flow_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)?.flows.load_one(id).await?.map(DataFlow))
    }

    /// What is due, in words.
    async fn message(&self) -> &str {
        &self.0.message
    }

    /// The data subject request whose deadline it is, where it is one (null for a caller who
    /// may not read requests): where it is answered.
    async fn request(&self) -> Option<super::dsr::DataSubjectRequest> {
        let id = self.0.request_id?;
        self.1
            .requests
            .get(&id)
            .cloned()
            .map(super::dsr::DataSubjectRequest::from)
    }

    /// The announced sub-processor change whose objection deadline it is, where it is one:
    /// where it is objected to or decided.
    async fn subprocessor_change(&self) -> Option<super::subprocessor::SubprocessorChange> {
        let id = self.0.subprocessor_change_id?;
        self.1
            .changes
            .get(&id)
            .cloned()
            .map(super::subprocessor::SubprocessorChange)
    }

    /// The contract expiring or due for review, where it is one: renewed or replaced on its
    /// flows.
    async fn contract(&self) -> Option<Contract> {
        let id = self.0.contract_id?;
        self.1.contracts.get(&id).cloned().map(Contract)
    }
}

/// Whether an organisation is active on the DPF list.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum DpfStatus {
    /// Active: its certification is current.
    Active,
    /// Inactive: its certification was withdrawn or lapsed; it must still protect data it received.
    Inactive,
}

/// An entry of a Data Privacy Framework list snapshot.
pub struct DpfEntry(pub dpf_entry::Model, pub dpf_snapshot::Model);

/// An organisation as the Data Privacy Framework list showed it on the snapshot's date.
#[Object]
impl DpfEntry {
    /// The entry's id (for `linkDpfEntry`).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The name as the list spells it.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Active or inactive on the list.
    async fn status(&self) -> DpfStatus {
        if self.0.active {
            DpfStatus::Active
        } else {
            DpfStatus::Inactive
        }
    }

    /// Also under the UK Extension to the EU-U.S. DPF.
    async fn uk_extension(&self) -> bool {
        self.0.uk_extension
    }

    /// Also under the Swiss-U.S. DPF.
    async fn swiss(&self) -> bool {
        self.0.swiss
    }

    /// Covers human resources data.
    async fn hr_data(&self) -> bool {
        self.0.hr_data
    }

    /// Covers data other than human resources data.
    async fn non_hr_data(&self) -> bool {
        self.0.non_hr_data
    }

    /// The date of the snapshot (the day the list was downloaded).
    async fn snapshot_on(&self) -> Date {
        self.1.listed_on.into()
    }
}
