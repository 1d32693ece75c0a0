//! Registering processing activities and recording data flows.

use crate::{
    graphql::{
        context::request,
        enums::{Derogation, LawfulBasis, RecipientRole, SccModule, TransferMechanism},
        scalars::{Date, date},
        types::{activity::ProcessingActivity, flow::DataFlow},
    },
    service::{
        activities::{self, NewActivity},
        flows::{self, NewFlow},
    },
};
use async_graphql::{Context, ID, InputObject, Object, Result};

#[derive(InputObject)]
pub struct RegisterProcessingActivityInput {
    pub name: String,
    pub controller_id: ID,
    pub purpose: String,
    pub lawful_basis: LawfulBasis,
    pub data_categories: Vec<String>,
    pub subject_categories: Vec<String>,
    /// The retention rule as the policy states it ("7 years after the contract ends").
    pub retention: String,
    /// The period in months, where the rule has one.
    pub retention_months: Option<i32>,
    /// The user's own key for the record (as in a spreadsheet's `ref` column); unique when set.
    #[graphql(name = "ref")]
    pub reference: Option<String>,
    /// A general description of the technical and organisational security measures
    /// (GDPR Art 30(1)(g)).
    pub security_measures: Option<String>,
}

#[derive(InputObject)]
pub struct RecordDataFlowInput {
    pub activity_id: ID,
    pub from_id: ID,
    pub to_id: ID,
    pub recipient_role: RecipientRole,
    pub data_categories: Vec<String>,
    pub continues_flow_id: Option<ID>,
    /// Defaults to NONE.
    pub mechanism: Option<TransferMechanism>,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    pub tia_completed_on: Option<Date>,
    pub signed_on: Option<Date>,
    /// BCR approval, code or certification reference, supplementary measures.
    pub evidence: Option<String>,
    /// The user's own key for the record (as in a spreadsheet's `ref` column); unique when set.
    #[graphql(name = "ref")]
    pub reference: Option<String>,
}

#[derive(Default)]
pub struct FlowMutation;

#[Object]
impl FlowMutation {
    /// Registers a processing activity of a controller.
    async fn register_processing_activity(
        &self,
        ctx: &Context<'_>,
        input: RegisterProcessingActivityInput,
    ) -> Result<ProcessingActivity> {
        let rc = request(ctx)?;
        let new = NewActivity {
            name: input.name,
            controller_id: input.controller_id.0,
            purpose: input.purpose,
            lawful_basis: input.lawful_basis.into(),
            data_categories: input.data_categories,
            subject_categories: input.subject_categories,
            retention: input.retention,
            retention_months: input.retention_months,
            reference: input.reference,
            security_measures: input.security_measures,
        };
        Ok(ProcessingActivity(
            activities::register(&rc.db, &rc.actor()?, new).await?,
        ))
    }

    /// Records a flow: from the activity's controller, or onward from where an earlier flow ended.
    async fn record_data_flow(
        &self,
        ctx: &Context<'_>,
        input: RecordDataFlowInput,
    ) -> Result<DataFlow> {
        let rc = request(ctx)?;
        let new = NewFlow {
            activity_id: input.activity_id.0,
            from_id: input.from_id.0,
            to_id: input.to_id.0,
            recipient_role: input.recipient_role.into(),
            data_categories: input.data_categories,
            continues_flow_id: input.continues_flow_id.map(|i| i.0),
            mechanism: input.mechanism.map(Into::into),
            scc_module: input.scc_module.map(Into::into),
            derogation: input.derogation.map(Into::into),
            tia_completed_on: date("tiaCompletedOn", input.tia_completed_on.as_ref())?,
            signed_on: date("signedOn", input.signed_on.as_ref())?,
            evidence: input.evidence,
            reference: input.reference,
        };
        Ok(DataFlow(flows::record(&rc.db, &rc.actor()?, new).await?))
    }
}
