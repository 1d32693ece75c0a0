//! Recording transfer impact assessments and contracts.

use crate::{
    context::request,
    enums::{ContractKind, SccModule, SupplementaryMeasure, TiaOutcome},
    scalars::{Date, date},
    service::reviews::{
        contracts::{self, NewContract},
        dpf,
        tia::{self, NewTia},
    },
    types::{
        organisation::Organisation,
        review::{Contract, TransferImpactAssessment},
    },
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A transfer impact assessment to record.
#[derive(InputObject)]
pub struct RecordTiaInput {
    /// The flow assessed.
    pub flow_id: ID,
    /// When it was completed (not in the future).
    pub completed_on: Date,
    /// When it must be reviewed; defaults to `completedOn` plus twelve months
    /// (`REGISTER_TIA_REVIEW_MONTHS`).
    pub review_on: Option<Date>,
    /// What it concluded.
    pub outcome: TiaOutcome,
    /// The supplementary measures relied on (needed for PROCEED_WITH_MEASURES).
    pub measures: Option<Vec<SupplementaryMeasure>>,
    /// The laws and practices of the destination assessed.
    pub laws_assessed: Option<String>,
    /// Who assessed.
    pub assessor: Option<String>,
}

/// A contract to record.
#[derive(InputObject)]
pub struct RecordContractInput {
    /// Its kind.
    pub kind: ContractKind,
    /// The module, required for SCC_2021 (and allowed for UK_ADDENDUM).
    pub scc_module: Option<SccModule>,
    /// The parties' own reference for it.
    pub reference: Option<String>,
    /// The parties' ids; none: the exporters and recipients of the flows covered.
    pub party_ids: Option<Vec<ID>>,
    /// The flows it covers (at least one).
    pub flow_ids: Vec<ID>,
    /// When it was signed (not in the future).
    pub signed_on: Option<Date>,
    /// When it came into force.
    pub in_force_from: Option<Date>,
    /// Its last day in force (or the day it renews); none: open-ended.
    pub expires_on: Option<Date>,
    /// When it is to be reviewed.
    pub review_on: Option<Date>,
    /// The notice period in days.
    pub notice_period_days: Option<i32>,
}

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Records a transfer impact assessment of a flow; it also sets the flow's `tiaCompletedOn`
    /// to the latest assessment's date. DO_NOT_PROCEED makes the flow's transfers NON_COMPLIANT
    /// (TIA_DO_NOT_PROCEED); past its review date, the verdict warns (TIA_REVIEW_OVERDUE).
    async fn record_transfer_impact_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment.")] input: RecordTiaInput,
    ) -> Result<TransferImpactAssessment> {
        let rc = request(ctx)?;
        let new = NewTia {
            flow_id: input.flow_id.0,
            completed_on: input.completed_on.get("completedOn")?,
            review_on: date("reviewOn", input.review_on.as_ref())?,
            outcome: input.outcome.into(),
            measures: input
                .measures
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            laws_assessed: input.laws_assessed,
            assessor: input.assessor,
        };
        let months = rc.config.tia_review_months;
        Ok(TransferImpactAssessment(
            tia::record(&rc.db, &rc.actor()?, months, new).await?,
        ))
    }

    /// Records a contract with its parties, the flows it covers and its dates. A flow whose
    /// contract of the kind it needs has expired is CONTRACT_EXPIRED in its verdict.
    async fn record_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] input: RecordContractInput,
    ) -> Result<Contract> {
        let rc = request(ctx)?;
        let new = NewContract {
            kind: input.kind.into(),
            scc_module: input.scc_module.map(Into::into),
            reference: input.reference,
            party_ids: input
                .party_ids
                .unwrap_or_default()
                .into_iter()
                .map(|i| i.0)
                .collect(),
            flow_ids: input.flow_ids.into_iter().map(|i| i.0).collect(),
            signed_on: date("signedOn", input.signed_on.as_ref())?,
            in_force_from: date("inForceFrom", input.in_force_from.as_ref())?,
            expires_on: date("expiresOn", input.expires_on.as_ref())?,
            review_on: date("reviewOn", input.review_on.as_ref())?,
            notice_period_days: input.notice_period_days,
        };
        Ok(Contract(
            contracts::record(&rc.db, &rc.actor()?, new).await?,
        ))
    }

    /// Attaches the signed document of a contract, sent as a file in a multipart request (parts
    /// `operations`, `map` and the file), at most `REGISTER_DOCUMENT_MAX_BYTES`. It is stored
    /// with its SHA-256 and becomes the contract's `document` (one attached before stays stored
    /// and audited). Returns the contract.
    async fn attach_contract_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
        #[graphql(desc = "The signed document.")] file: super::upload::FileUpload,
    ) -> Result<Contract> {
        let rc = request(ctx)?;
        let contract_id = crate::ids::parse("contractId", &contract_id)?;
        let upload = file.read(ctx)?;
        Ok(Contract(
            crate::service::documents::attach_to_contract(
                &rc.db,
                &rc.actor()?,
                contract_id,
                &upload,
                rc.config.documents.document_max_bytes,
            )
            .await?,
        ))
    }

    /// Confirms that an organisation is this DPF list entry (a suggestion, or a name the list
    /// spells differently); the link holds in later snapshots. Returns the organisation.
    async fn link_dpf_entry(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation.")] organisation_id: ID,
        #[graphql(desc = "The entry, from `Organisation.dpfSuggestions` or a snapshot.")]
        entry_id: ID,
    ) -> Result<Organisation> {
        let rc = request(ctx)?;
        Ok(Organisation(
            dpf::link(&rc.db, &rc.actor()?, &organisation_id, &entry_id).await?,
        ))
    }
}
