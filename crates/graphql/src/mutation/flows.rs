//! Registering processing activities and recording data flows.

use super::patch;
use crate::{
    context::request,
    enums::{ActingAs, Derogation, LawfulBasis, RecipientRole, SccModule, TransferMechanism},
    ids,
    scalars::{Date, date},
    service::{
        activities::{self, ActivityPatch, NewActivity},
        flows::{self, DestinationSafeguard, FlowPatch, NewFlow},
    },
    types::{activity::ProcessingActivity, flow::DataFlow},
};
use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

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
    /// PROCESSOR when the group carries it out for its customers; default CONTROLLER.
    pub acting_as: Option<ActingAs>,
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
    /// Whether the flow is occasional (false: regular or continuing). A standing flow on point
    /// (b), (c) or (e) of Art 49(1), or on its second subparagraph, is DEROGATION_NOT_OCCASIONAL;
    /// on point (a), (d), (f) or (g) it is the warning DEROGATION_READ_RESTRICTIVELY.
    pub occasional: Option<bool>,
    /// Module Four (P2C): whether the EU processor combines the personal data received from the
    /// third-country controller with personal data it collected in the EU. Only then do Clauses
    /// 14 and 15 apply and a transfer impact assessment is required.
    pub combines_eu_data: Option<bool>,
    /// Old SCCs (SCC_2010): whether the processing operations under the contract changed after it
    /// was concluded; their transition held only for unchanged processing (true: EXPIRED_INSTRUMENT
    /// from the repeal).
    pub processing_changed: Option<bool>,
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

/// A correction of a running flow. A field left out is unchanged; a nullable field set to null
/// is cleared. What the flow connects (activity, exporter, recipient, the flow it continues) is
/// fixed: to change it, end the flow and record a new one. Every rule of `recordDataFlow` holds
/// for the corrected flow.
#[derive(InputObject)]
pub struct UpdateDataFlowInput {
    /// The flow to correct.
    pub id: ID,
    /// The recipient's role under Art 28 (processor) or Art 26 (joint controller).
    pub recipient_role: Option<RecipientRole>,
    /// The categories disclosed: within the activity's (or the continued flow's), and still
    /// covering every category a running flow continuing this one passes on.
    pub data_categories: Option<Vec<String>>,
    /// The Chapter V transfer tool relied on.
    pub mechanism: Option<TransferMechanism>,
    /// The SCC module; only with SCC_2021 or UK_ADDENDUM (null clears it).
    pub scc_module: MaybeUndefined<SccModule>,
    /// The Art 49 derogation; only with DEROGATION (null clears it).
    pub derogation: MaybeUndefined<Derogation>,
    /// When the transfer impact assessment was completed (null clears it).
    pub tia_completed_on: MaybeUndefined<Date>,
    /// When the transfer instrument was signed (null clears it).
    pub signed_on: MaybeUndefined<Date>,
    /// BCR approval, code or certification reference, supplementary measures (null clears it).
    pub evidence: MaybeUndefined<String>,
    /// Whether the flow is occasional (Art 49 derogations cover only occasional transfers);
    /// null clears it.
    pub occasional: MaybeUndefined<bool>,
    /// Module Four (P2C): whether the EU processor combines the data received with personal data
    /// it collected in the EU (Clauses 14 and 15 then apply); null clears it.
    pub combines_eu_data: MaybeUndefined<bool>,
    /// Old SCCs: whether the processing under the contract changed after it was concluded; null
    /// clears it.
    pub processing_changed: MaybeUndefined<bool>,
    /// The transfer tool per destination country where it differs from the flow's own; replaces
    /// the whole list (null or an empty list clears it).
    pub transfer_safeguards: MaybeUndefined<Vec<DestinationSafeguardInput>>,
}

/// Ends a running flow: the exporter no longer discloses data through it.
#[derive(InputObject)]
pub struct EndDataFlowInput {
    /// The flow to end. Running flows that continue it end with it.
    pub id: ID,
    /// The day it stopped (default today); not in the future, not before its `signedOn` (or that
    /// of a running flow continuing it). The transfer register of this day or later leaves it out.
    pub ended_on: Option<Date>,
    /// Why it ended (contract terminated, supplier replaced).
    pub reason: Option<String>,
}

/// The recipient of an ended flow deleted or returned the data it received (Art 28(3)(g)).
#[derive(InputObject)]
pub struct RecordDataReturnedInput {
    /// The ended flow.
    pub flow_id: ID,
    /// The day the data was deleted or returned (default today); not before the flow ended.
    pub returned_on: Option<Date>,
    /// The certificate of deletion or return, or where it is kept.
    pub evidence: Option<String>,
}

/// A correction of a running activity. A field left out is unchanged. The controller is fixed.
#[derive(InputObject)]
pub struct UpdateProcessingActivityInput {
    /// The activity to correct.
    pub id: ID,
    /// Its name in the record of processing activities (Art 30(1)).
    pub name: Option<String>,
    /// The purpose of the processing (Art 30(1)(b)).
    pub purpose: Option<String>,
    /// The lawful basis (Art 6(1)).
    pub lawful_basis: Option<LawfulBasis>,
    /// The categories of personal data (Art 30(1)(c)); a category a running flow of the activity
    /// carries cannot be removed.
    pub data_categories: Option<Vec<String>>,
    /// The categories of data subjects (Art 30(1)(c)).
    pub subject_categories: Option<Vec<String>>,
    /// The retention rule as the policy states it (Art 30(1)(f)).
    pub retention: Option<String>,
    /// The retention period in months (null clears it).
    pub retention_months: MaybeUndefined<i32>,
    /// PROCESSOR when the group carries it out for its customers.
    pub acting_as: Option<ActingAs>,
}

/// Ends a running activity and every running flow of it.
#[derive(InputObject)]
pub struct EndProcessingActivityInput {
    /// The activity to end.
    pub id: ID,
    /// The day it stopped (default today); not in the future, not before the `signedOn` of one
    /// of its running flows.
    pub ended_on: Option<Date>,
    /// Why it ended.
    pub reason: Option<String>,
}

/// The per-destination safeguards as the service takes them, each date parsed.
pub(crate) fn safeguards(
    list: Vec<DestinationSafeguardInput>,
) -> Result<Vec<DestinationSafeguard>> {
    list.into_iter()
        .enumerate()
        .map(|(i, s)| {
            let field = |f: &str| format!("transferSafeguards[{i}].{f}");
            Ok(DestinationSafeguard {
                country: s.country,
                mechanism: s.mechanism.into(),
                scc_module: s.scc_module.map(Into::into),
                derogation: s.derogation.map(Into::into),
                signed_on: date(&field("signedOn"), s.signed_on.as_ref())?,
                tia_completed_on: date(&field("tiaCompletedOn"), s.tia_completed_on.as_ref())?,
                evidence: s.evidence,
            })
        })
        .collect()
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
            controller_id: ids::parse("controllerId", &input.controller_id)?,
            purpose: input.purpose,
            lawful_basis: input.lawful_basis.into(),
            data_categories: input.data_categories,
            subject_categories: input.subject_categories,
            retention: input.retention,
            retention_months: input.retention_months,
            reference: input.reference,
            security_measures: input.security_measures,
            acting_as: input.acting_as.map(Into::into),
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
            activity_id: ids::parse("activityId", &input.activity_id)?,
            from_id: ids::parse("fromId", &input.from_id)?,
            to_id: ids::parse("toId", &input.to_id)?,
            recipient_role: input.recipient_role.into(),
            data_categories: input.data_categories,
            continues_flow_id: ids::parse_opt("continuesFlowId", input.continues_flow_id.as_ref())?,
            mechanism: input.mechanism.map(Into::into),
            scc_module: input.scc_module.map(Into::into),
            derogation: input.derogation.map(Into::into),
            tia_completed_on: date("tiaCompletedOn", input.tia_completed_on.as_ref())?,
            signed_on: date("signedOn", input.signed_on.as_ref())?,
            evidence: input.evidence,
            occasional: input.occasional,
            combines_eu_data: input.combines_eu_data,
            processing_changed: input.processing_changed,
            transfer_safeguards: safeguards(input.transfer_safeguards.unwrap_or_default())?,
            reference: input.reference,
        };
        Ok(DataFlow(flows::record(&rc.db, &rc.actor()?, new).await?))
    }

    /// Corrects a running flow (a wrong mechanism, a newly signed instrument, a category that was
    /// missing). Refused for an ended flow (CONFLICT). Audited with the flow before and after.
    async fn update_data_flow(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The flow and the fields to correct.")] input: UpdateDataFlowInput,
    ) -> Result<DataFlow> {
        let rc = request(ctx)?;
        let patch = FlowPatch {
            recipient_role: input.recipient_role.map(Into::into),
            data_categories: input.data_categories,
            mechanism: input.mechanism.map(Into::into),
            scc_module: patch(input.scc_module, |m| Ok(m.into()))?,
            derogation: patch(input.derogation, |d| Ok(d.into()))?,
            tia_completed_on: patch(input.tia_completed_on, |d| Ok(d.get("tiaCompletedOn")?))?,
            signed_on: patch(input.signed_on, |d| Ok(d.get("signedOn")?))?,
            evidence: patch(input.evidence, Ok)?,
            occasional: patch(input.occasional, Ok)?,
            combines_eu_data: patch(input.combines_eu_data, Ok)?,
            processing_changed: patch(input.processing_changed, Ok)?,
            transfer_safeguards: patch(input.transfer_safeguards, safeguards)?
                .map(Option::unwrap_or_default),
        };
        Ok(DataFlow(
            flows::update(&rc.db, &rc.actor()?, ids::parse("id", &input.id)?, patch).await?,
        ))
    }

    /// Ends a running flow, and the running flows that continue it. It keeps its history and its
    /// past verdicts; its recipient is still shown as holding the data until
    /// `recordDataReturned`.
    async fn end_data_flow(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The flow, the day it ended and why.")] input: EndDataFlowInput,
    ) -> Result<DataFlow> {
        let rc = request(ctx)?;
        let ended_on = date("endedOn", input.ended_on.as_ref())?;
        Ok(DataFlow(
            flows::end(
                &rc.db,
                &rc.actor()?,
                ids::parse("id", &input.id)?,
                ended_on,
                input.reason,
            )
            .await?,
        ))
    }

    /// Records that the recipient of an ended flow deleted or returned the data it received
    /// through it (Art 28(3)(g)): `whoHolds` stops naming it for that flow.
    async fn record_data_returned(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The ended flow, the day and the evidence.")]
        input: RecordDataReturnedInput,
    ) -> Result<DataFlow> {
        let rc = request(ctx)?;
        let returned_on = date("returnedOn", input.returned_on.as_ref())?;
        Ok(DataFlow(
            flows::record_returned(
                &rc.db,
                &rc.actor()?,
                ids::parse("flowId", &input.flow_id)?,
                returned_on,
                input.evidence,
            )
            .await?,
        ))
    }

    /// Corrects a running processing activity. Refused for an ended one (CONFLICT). Audited
    /// with the activity before and after.
    async fn update_processing_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity and the fields to correct.")]
        input: UpdateProcessingActivityInput,
    ) -> Result<ProcessingActivity> {
        let rc = request(ctx)?;
        let patch = ActivityPatch {
            name: input.name,
            purpose: input.purpose,
            lawful_basis: input.lawful_basis.map(Into::into),
            data_categories: input.data_categories,
            subject_categories: input.subject_categories,
            retention: input.retention,
            retention_months: patch(input.retention_months, Ok)?,
            acting_as: input.acting_as.map(Into::into),
        };
        Ok(ProcessingActivity(
            activities::update(&rc.db, &rc.actor()?, ids::parse("id", &input.id)?, patch).await?,
        ))
    }

    /// Ends a processing activity and every running flow of it (the controller stopped this
    /// processing). Its subjects stay linked: what was collected is still held until erased.
    async fn end_processing_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity, the day it ended and why.")]
        input: EndProcessingActivityInput,
    ) -> Result<ProcessingActivity> {
        let rc = request(ctx)?;
        let ended_on = date("endedOn", input.ended_on.as_ref())?;
        Ok(ProcessingActivity(
            activities::end(
                &rc.db,
                &rc.actor()?,
                ids::parse("id", &input.id)?,
                ended_on,
                input.reason,
            )
            .await?,
        ))
    }
}
