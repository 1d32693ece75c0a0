//! `DataFlow`.

use super::{
    activity::ProcessingActivity, organisation::Organisation, transfer::TransferAssessment,
};
use crate::{
    context::request,
    enums::{Derogation, RecipientRole, SccModule, TransferMechanism},
    error::AppError,
    loaders::loaders,
    policy,
    scalars::{Date, date_or_today},
    service::{audit, page::PageRequest, transfers::FlowAssessment},
    types::{audit::AuditEvent, connection::AuditEventConnection},
};
use async_graphql::{Context, ID, Object, Result};
use entity::data_flow;

/// One disclosure of categories of data, for an activity, from one organisation to another.
pub struct DataFlow(pub data_flow::Model);

async fn organisation(ctx: &Context<'_>, id: i64) -> Result<Organisation> {
    loaders(ctx)?
        .organisations
        .load_one(id)
        .await?
        .map(Organisation)
        .ok_or_else(|| AppError::not_found(format!("organisation {id}")).into())
}

/// A disclosure of categories of personal data, for a processing activity, from one organisation
/// (the exporter) to another (the recipient), in a recipient role. Where the recipient or its
/// locations are outside the exporter's area, the flow makes restricted transfers, each judged in
/// `transfers`.
#[Object]
impl DataFlow {
    /// The flow's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The processing activity the data are disclosed for.
    async fn activity(&self, ctx: &Context<'_>) -> Result<ProcessingActivity> {
        loaders(ctx)?
            .activities
            .load_one(self.0.activity_id)
            .await?
            .map(ProcessingActivity)
            .ok_or_else(|| {
                AppError::not_found(format!("processing activity {}", self.0.activity_id)).into()
            })
    }

    /// The exporter.
    async fn from(&self, ctx: &Context<'_>) -> Result<Organisation> {
        organisation(ctx, self.0.from_id).await
    }

    /// The recipient (importer).
    async fn to(&self, ctx: &Context<'_>) -> Result<Organisation> {
        organisation(ctx, self.0.to_id).await
    }

    /// The user's own key for this flow (a spreadsheet's `ref` column), unique when set.
    #[graphql(name = "ref")]
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }

    /// The role in which the recipient receives the data.
    async fn recipient_role(&self) -> RecipientRole {
        self.0.recipient_role.into()
    }

    /// The codes of the categories of data disclosed.
    async fn data_categories(&self) -> &[String] {
        &self.0.data_categories.0
    }

    /// Whether the flow discloses special categories of personal data (GDPR Art 9(1)), as the taxonomy
    /// flags them.
    async fn special_categories(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(crate::loaders::loaders(ctx)?
            .marks(&self.0.data_categories.0)
            .await?
            .special)
    }

    /// Whether the flow discloses personal data relating to criminal convictions and offences (GDPR Art 10):
    /// the categories under `criminal`.
    async fn criminal_offence_data(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(crate::loaders::loaders(ctx)?
            .marks(&self.0.data_categories.0)
            .await?
            .criminal)
    }

    /// The earlier flow this one continues (an onward transfer to a sub-processor).
    async fn continues(&self, ctx: &Context<'_>) -> Result<Option<DataFlow>> {
        match self.0.continues_flow_id {
            Some(id) => Ok(loaders(ctx)?.flows.load_one(id).await?.map(DataFlow)),
            None => Ok(None),
        }
    }

    /// The transfer mechanism relied on (NONE when none is recorded).
    async fn mechanism(&self) -> TransferMechanism {
        self.0.mechanism.into()
    }

    /// The module of the standard contractual clauses, for SCC_2021 and UK_ADDENDUM.
    async fn scc_module(&self) -> Option<SccModule> {
        self.0.scc_module.map(Into::into)
    }

    /// The Art 49(1) derogation relied on, for DEROGATION.
    async fn derogation(&self) -> Option<Derogation> {
        self.0.derogation.map(Into::into)
    }

    /// When the transfer impact assessment (UK: transfer risk assessment) was completed, as Schrems
    /// II requires for Art 46 tools.
    async fn tia_completed_on(&self) -> Option<Date> {
        self.0.tia_completed_on.map(Date::from)
    }

    /// When the transfer contract (SCCs, IDTA, Addendum) was concluded.
    async fn signed_on(&self) -> Option<Date> {
        self.0.signed_on.map(Date::from)
    }

    /// BCR approval, code or certification reference, supplementary measures.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }

    /// Module Four (processor to controller): whether the EU processor combines the personal data
    /// received from the third-country controller with personal data it collected in the EU.
    /// Only then do Clauses 14 and 15 of the 2021 SCCs apply and a transfer impact assessment is
    /// required; null when not recorded (no assessment is then required for the return).
    async fn combines_eu_data(&self) -> Option<bool> {
        self.0.combines_eu_data
    }

    /// Old SCCs (SCC_2010): whether the processing operations under the contract changed after
    /// it was concluded. The old clauses' transition (Implementing Decision (EU) 2021/914 Art 4(4);
    /// the UK's transitional provisions) held only while they remained unchanged; null when not
    /// recorded.
    async fn processing_changed(&self) -> Option<bool> {
        self.0.processing_changed
    }

    /// The day the flow stopped; null while it runs. The transfer register of this day or later
    /// leaves it out; earlier registers still list it with the verdicts of their day.
    async fn ended_on(&self) -> Option<Date> {
        self.0.ended_on.map(Date::from)
    }

    /// Why it ended.
    async fn ended_reason(&self) -> Option<&str> {
        self.0.ended_reason.as_deref()
    }

    /// The day the recipient deleted or returned what it received through this flow
    /// (Art 28(3)(g)); null while it may still hold it.
    async fn returned_on(&self) -> Option<Date> {
        self.0.returned_on.map(Date::from)
    }

    /// The certificate of deletion or return, or where it is kept.
    async fn return_evidence(&self) -> Option<&str> {
        self.0.return_evidence.as_deref()
    }

    /// The contracts on record covering this flow (`recordContract`), oldest first, with their
    /// parties, dates and signed documents. Empty for a PROCESSOR: the controller's agreements
    /// are its own.
    async fn contracts(&self, ctx: &Context<'_>) -> Result<Vec<super::review::Contract>> {
        if !crate::context::viewer(ctx)?.sees_contracts() {
            return Ok(Vec::new());
        }
        Ok(loaders(ctx)?
            .flow_contracts
            .load_one(self.0.id)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(super::review::Contract)
            .collect())
    }

    /// Every recorded change of this flow (recorded, corrected, ended, data returned), oldest
    /// first, with its state before and after. Readable by ADMIN, DPO and AUDITOR.
    async fn history(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most this many events (default and cap: the page size limit).")]
        first: Option<i32>,
        #[graphql(desc = "The cursor after which to continue.")] after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let rc = request(ctx)?;
        policy::require(&rc.auth, "DataFlow.history", policy::AUDIT_READERS)?;
        let page = PageRequest::parse(first, after.as_deref(), rc.config.max_page_size)?;
        let id = self.0.id.to_string();
        let page = audit::list(&rc.db, Some("data_flow"), Some(&id), page).await?;
        Ok(AuditEventConnection::from_page(page, |e| e.id, AuditEvent))
    }

    /// One assessment per distinct destination (the recipient's country and its locations)
    /// outside the exporter's area, as the law stood on `on` (default today).
    async fn transfers(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The date to judge on (default today): a past date answers as the law stood then."
        )]
        on: Option<Date>,
    ) -> Result<Vec<TransferAssessment>> {
        let on = date_or_today("on", on.as_ref())?;
        Ok(assessments(ctx, &self.0, on)
            .await?
            .into_iter()
            .map(TransferAssessment::from)
            .collect())
    }
}

/// Primes the loaders for a page of flows with what the query selects of their relations, so
/// a page costs one query per relation however many rows it has (batching by timing alone
/// splits under load).
pub async fn prime(
    ctx: &Context<'_>,
    node: async_graphql::Lookahead<'_>,
    flows: &[data_flow::Model],
) -> Result<()> {
    let loaders = loaders(ctx)?;
    let (from, to, activity) = (node.field("from"), node.field("to"), node.field("activity"));
    let mut org_ids = Vec::new();
    if from.exists() {
        org_ids.extend(flows.iter().map(|f| f.from_id));
    }
    if to.exists() {
        org_ids.extend(flows.iter().map(|f| f.to_id));
    }
    if activity.exists() {
        let activities = loaders
            .activities
            .load_many(flows.iter().map(|f| f.activity_id))
            .await?;
        if activity.field("controller").exists() {
            org_ids.extend(activities.values().map(|a| a.controller_id));
        }
    }
    org_ids.sort_unstable();
    org_ids.dedup();
    let with_locations = from.field("locations").exists() || to.field("locations").exists();
    loaders.prime_organisations(org_ids, with_locations).await
}

/// A flow's transfer assessments on `on`, through the assessment loader (so a page of flows
/// batches them).
pub(crate) async fn assessments(
    ctx: &Context<'_>,
    flow: &data_flow::Model,
    on: chrono::NaiveDate,
) -> Result<Vec<FlowAssessment>> {
    Ok(loaders(ctx)?
        .assessments
        .load_one((flow.id, on))
        .await?
        .unwrap_or_default())
}
