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
        flows::{self, DestinationSafeguard, NewFlow},
    },
};
use async_graphql::{Context, ID, InputObject, Object, Result};

/// A processing activity to register: an entry of the record of processing activities (Art 30(1)).
#[derive(InputObject)]
pub struct RegisterProcessingActivityInput {
    /// Its name in the record of processing.
    pub name: String,
    /// The controller's id (not an offboarded organisation).
    pub controller_id: ID,
    /// The purpose of the processing (Art 5(1)(b)).
    pub purpose: String,
    /// Its lawful basis (Art 6(1)).
    pub lawful_basis: LawfulBasis,
    /// Codes of defined data categories.
    pub data_categories: Vec<String>,
    /// Codes of defined subject categories.
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

/// A data flow to record, with the transfer mechanism and its evidence.
#[derive(InputObject)]
pub struct RecordDataFlowInput {
    /// The processing activity the data are disclosed for.
    pub activity_id: ID,
    /// The exporter: the activity's controller, or the recipient of the flow this one continues.
    pub from_id: ID,
    /// The recipient (not an offboarded organisation).
    pub to_id: ID,
    /// The role in which the recipient receives the data.
    pub recipient_role: RecipientRole,
    /// Codes of data categories: among the activity's, or for an onward flow among those of the
    /// flow it continues.
    pub data_categories: Vec<String>,
    /// The earlier flow this one continues (an onward transfer, e.g. to a sub-processor).
    pub continues_flow_id: Option<ID>,
    /// Defaults to NONE.
    pub mechanism: Option<TransferMechanism>,
    /// The SCC module, for SCC_2021 and UK_ADDENDUM.
    pub scc_module: Option<SccModule>,
    /// The Art 49(1) derogation, for DEROGATION.
    pub derogation: Option<Derogation>,
    /// When the transfer impact assessment (UK: transfer risk assessment) was completed.
    pub tia_completed_on: Option<Date>,
    /// When the transfer contract (SCCs, IDTA, Addendum) was concluded.
    pub signed_on: Option<Date>,
    /// BCR approval, code or certification reference, supplementary measures.
    pub evidence: Option<String>,
    /// Whether the flow is occasional (false: regular or continuing). Art 49 derogations cover
    /// only occasional transfers; a standing flow on a derogation is DEROGATION_NOT_OCCASIONAL.
    pub occasional: Option<bool>,
    /// A transfer tool per destination country where it differs from the flow's own: e.g.
    /// storage in Japan under adequacy and support access from India under SCCs with a TIA.
    /// Each destination's transfer is judged on the tool recorded for it.
    pub transfer_safeguards: Option<Vec<DestinationSafeguardInput>>,
    /// The user's own key for the record (as in a spreadsheet's `ref` column); unique when set.
    #[graphql(name = "ref")]
    pub reference: Option<String>,
}

/// The transfer tool recorded for one destination country of a flow.
#[derive(InputObject)]
pub struct DestinationSafeguardInput {
    /// The destination, ISO 3166-1 alpha-2 (a location of the recipient, or its country).
    pub country: String,
    /// The tool for transfers to that country.
    pub mechanism: TransferMechanism,
    /// The SCC module, for SCC_2021 and UK_ADDENDUM.
    pub scc_module: Option<SccModule>,
    /// The Art 49 derogation, for DEROGATION.
    pub derogation: Option<Derogation>,
    /// When the contract for that destination was concluded.
    pub signed_on: Option<Date>,
    /// When the transfer impact (UK: risk) assessment for that destination was completed.
    pub tia_completed_on: Option<Date>,
    /// BCR approval, code or certification reference, supplementary measures.
    pub evidence: Option<String>,
}

#[derive(Default)]
pub struct FlowMutation;

#[Object]
impl FlowMutation {
    /// Registers a processing activity of a controller.
    async fn register_processing_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: RegisterProcessingActivityInput,
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
        #[graphql(desc = "The flow.")] input: RecordDataFlowInput,
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
            occasional: input.occasional,
            transfer_safeguards: (input.transfer_safeguards.unwrap_or_default().into_iter())
                .enumerate()
                .map(|(i, s)| {
                    let field = |f: &str| format!("transferSafeguards[{i}].{f}");
                    Ok(DestinationSafeguard {
                        country: s.country,
                        mechanism: s.mechanism.into(),
                        scc_module: s.scc_module.map(Into::into),
                        derogation: s.derogation.map(Into::into),
                        signed_on: date(&field("signedOn"), s.signed_on.as_ref())?,
                        tia_completed_on: date(
                            &field("tiaCompletedOn"),
                            s.tia_completed_on.as_ref(),
                        )?,
                        evidence: s.evidence,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            reference: input.reference,
        };
        Ok(DataFlow(flows::record(&rc.db, &rc.actor()?, new).await?))
    }
}
