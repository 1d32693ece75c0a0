//! `TransferAssessment`, its problems and instrument, and the compliance-gaps dashboard.

use super::flow::DataFlow;
use crate::{
    domain::{reference::Verify, transfer::InstrumentRef},
    enums::{ProblemCode, Regime, TransferMechanism, VerdictStatus},
    loaders::loaders,
    scalars::Date,
    service::{
        page::PageRequest,
        transfers::{FlowAssessment, GapGroup as ServiceGapGroup, Gaps},
        verdicts::{Order, TransferCursor},
    },
    types::connection::{TransferAssessmentConnection, VerdictsAsOf},
};
use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use std::sync::Arc;

fn missing_group() -> async_graphql::Error {
    crate::error::AppError::internal(anyhow::anyhow!("gap group out of range")).into()
}

/// The verdict of one transfer (a flow towards one destination country) on a date. Shared, not
/// copied, with the kept verdicts: a whole-register list is 85,000 of them at 100,000 flows.
pub struct TransferAssessment(pub Arc<FlowAssessment>);

impl From<FlowAssessment> for TransferAssessment {
    fn from(assessment: FlowAssessment) -> Self {
        Self(Arc::new(assessment))
    }
}

/// How well a legal fact was verified when the reference data were prepared.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum VerificationLevel {
    /// Confirmed against a primary source or two agreeing secondary sources.
    Verified,
    /// A single secondary source.
    SingleSource,
    /// From memory of the legal text, not re-checked: check before relying on it.
    FromMemory,
    /// Unverified or unknown: check before relying on it.
    Unverified,
}

impl From<Verify> for VerificationLevel {
    fn from(v: Verify) -> Self {
        match v {
            Verify::V => Self::Verified,
            Verify::S => Self::SingleSource,
            Verify::M => Self::FromMemory,
            Verify::U => Self::Unverified,
        }
    }
}

/// A problem found with a transfer or a flow.
#[derive(SimpleObject)]
pub struct TransferProblem {
    /// What kind of problem it is.
    pub code: ProblemCode,
    /// What is wrong, in words a DPO can act on.
    pub message: String,
}

impl TransferAssessment {
    async fn marks(&self, ctx: &Context<'_>) -> Result<crate::domain::category::SensitiveMarks> {
        let Some(id) = self.0.flow_id else {
            return Ok(crate::domain::category::SensitiveMarks::default());
        };
        let loaders = loaders(ctx)?;
        match loaders.flows.load_one(id).await? {
            Some(flow) => loaders.marks(&flow.data_categories.0).await,
            None => Ok(crate::domain::category::SensitiveMarks::default()),
        }
    }
}

/// How one step of a transfer's reasoning is answered.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum StepOutcome {
    /// The condition is met.
    Met,
    /// The condition is not met: the transfer is not compliant until it is.
    NotMet,
    /// Met, with something to note or review; the verdict does not change.
    Warning,
    /// The question does not arise for this transfer.
    NotApplicable,
}

impl From<crate::domain::transfer::StepOutcome> for StepOutcome {
    fn from(o: crate::domain::transfer::StepOutcome) -> Self {
        use crate::domain::transfer::StepOutcome as D;
        match o {
            D::Met => Self::Met,
            D::NotMet => Self::NotMet,
            D::Warning => Self::Warning,
            D::NotApplicable => Self::NotApplicable,
        }
    }
}

/// One question a lawyer asks of a transfer, answered in plain words.
#[derive(SimpleObject)]
pub struct ReasoningStep {
    /// The question, e.g. "Is this a restricted transfer?".
    pub question: String,
    /// The answer in plain words, without enum codes.
    pub answer: String,
    /// Whether the condition is met.
    pub outcome: StepOutcome,
    /// The legal sources the answer relies on, from the reference data.
    pub sources: Vec<String>,
    /// For a step not met, the field that fixes it: a field of `recordDataFlow`/`updateDataFlow`
    /// (`mechanism`, `sccModule`, `derogation`, `occasional`, `signedOn`, `tiaCompletedOn`) or,
    /// for the Art 28 contract, the recipient organisation's `dpaSignedOn`. A warning that a new
    /// record answers (an assessment past its review date: `tiaCompletedOn`) names it too.
    pub field: Option<String>,
}

impl From<crate::domain::transfer::ReasoningStep> for ReasoningStep {
    fn from(s: crate::domain::transfer::ReasoningStep) -> Self {
        Self {
            question: s.question,
            answer: s.answer,
            outcome: s.outcome.into(),
            sources: s.sources,
            field: s.field.map(str::to_owned),
        }
    }
}

/// The legal act a verdict rests on, from the reference data.
pub struct LegalInstrument(pub InstrumentRef);

/// The legal act a verdict rests on (an adequacy decision, the clauses, the article of the
/// derogation), from the reference data.
#[Object]
impl LegalInstrument {
    /// The entry's id in `reference/transfer_law.json`.
    async fn id(&self) -> &str {
        &self.0.id
    }
    /// Its short name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Name and number of the act.
    async fn instrument(&self) -> &str {
        &self.0.instrument
    }
    /// The article relied on (e.g. GDPR Art 46(2)(c)).
    async fn article(&self) -> &str {
        &self.0.article
    }
    /// The first day transfers could rely on it.
    async fn effective_from(&self) -> Date {
        self.0.effective_from.into()
    }
    /// The first day it no longer applied, if it stopped.
    async fn effective_to(&self) -> Option<Date> {
        self.0.effective_to.map(Date::from)
    }
    /// How well this entry was verified when the reference data were prepared.
    async fn verification(&self) -> VerificationLevel {
        self.0.verify.into()
    }
}

/// The verdict on one transfer (a flow towards one destination country) on a date: not restricted,
/// adequate, safeguarded, a derogation, or non-compliant with its problems.
#[Object]
impl TransferAssessment {
    /// The flow assessed; null for a what-if.
    async fn flow(&self, ctx: &Context<'_>) -> Result<Option<DataFlow>> {
        match self.0.flow_id {
            Some(id) => Ok(loaders(ctx)?.flows.load_one(id).await?.map(DataFlow)),
            None => Ok(None),
        }
    }
    /// The regime whose Chapter V governs the transfer: that of the exporter's area, or for an
    /// exporter outside both areas that of the data's origin up the chain.
    async fn regime(&self) -> Regime {
        self.0.regime.into()
    }
    /// The exporter's country of establishment.
    async fn from_country(&self) -> &str {
        self.0.from_country.as_str()
    }
    /// The country the data go to: the recipient's country of establishment or one of its
    /// locations.
    async fn destination_country(&self) -> &str {
        self.0.destination.as_str()
    }
    /// The mechanism recorded on the flow (or given for a what-if).
    async fn mechanism(&self) -> TransferMechanism {
        self.0.mechanism.into()
    }
    /// The verdict.
    async fn status(&self) -> VerdictStatus {
        self.0.verdict.status.into()
    }
    /// What is wrong. A NON_COMPLIANT verdict has at least one problem; an ADEQUATE one may list
    /// a dead mechanism still named on the record, to be updated.
    async fn problems(&self) -> Vec<TransferProblem> {
        self.0
            .verdict
            .problems
            .iter()
            .map(|p| TransferProblem {
                code: p.code.into(),
                message: p.message.clone(),
            })
            .collect()
    }
    /// A paragraph for a report: what applies, why, since when, under which instrument.
    async fn explanation(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(self.0.explanation(&crate::context::request(ctx)?.reference))
    }
    /// The verdict as the questions a lawyer asks, in order: is it a restricted transfer; what
    /// carries it; is that valid on the day; is the contract in force and of the right module; is
    /// the transfer impact assessment done; is there an Art 28 contract with a processor.
    async fn reasoning(&self, ctx: &Context<'_>) -> Result<Vec<ReasoningStep>> {
        let reference = &crate::context::request(ctx)?.reference;
        Ok(self
            .0
            .reasoning(reference)
            .into_iter()
            .map(ReasoningStep::from)
            .collect())
    }
    /// The legal act the verdict rests on; null when there is none.
    async fn instrument(&self) -> Option<LegalInstrument> {
        self.0.verdict.instrument.clone().map(LegalInstrument)
    }
    /// Whether the flow's data include special categories (GDPR Art 9(1)); false for a what-if.
    async fn special_categories(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.marks(ctx).await?.special)
    }
    /// Whether the flow's data include criminal-offence data (GDPR Art 10); false for a what-if.
    async fn criminal_offence_data(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.marks(ctx).await?.criminal)
    }
    /// The act relied on is only tagged from-memory or unverified in the reference data.
    async fn relies_on_unverified_fact(&self) -> bool {
        self.0.verdict.relies_on_unverified_fact()
    }
}

/// Every problem of the register, grouped by code, for the DPO's dashboard, with what its
/// verdicts were computed for.
pub struct ComplianceGaps(pub Arc<Gaps>, pub VerdictsAsOf);

/// Every problem of the register on a date, grouped by problem code: the DPO's list of work.
#[Object]
impl ComplianceGaps {
    /// Assessments looked at: the restricted transfers, and flows with a problem of their own.
    async fn assessed(&self) -> i64 {
        i64::try_from(self.0.assessed).unwrap_or(i64::MAX)
    }
    /// Assessments with at least one problem.
    async fn non_compliant(&self) -> i64 {
        i64::try_from(self.0.non_compliant).unwrap_or(i64::MAX)
    }
    /// The restricted transfers assessed (not the flows with a problem of their own): as many
    /// as `transferRegisterPage` lists on the same date and regime.
    async fn transfers_assessed(&self) -> i64 {
        i64::try_from(self.0.transfers_assessed).unwrap_or(i64::MAX)
    }
    /// The restricted transfers judged non-compliant: as many as `transferRegisterPage(status:
    /// NON_COMPLIANT)` lists on the same date and regime.
    async fn transfers_non_compliant(&self) -> i64 {
        i64::try_from(self.0.transfers_non_compliant).unwrap_or(i64::MAX)
    }
    /// How many flows make no restricted transfer but have a problem of their own (e.g. a
    /// processor without an Art 28 contract, wherever it sits): the length of `ownProblemFlows`.
    async fn flows_with_own_problems(&self) -> i64 {
        i64::try_from(self.0.own_problem_flows.len()).unwrap_or(i64::MAX)
    }
    /// The flows that make no restricted transfer but have a problem of their own, in flow
    /// order, each judged towards its recipient's own country.
    async fn own_problem_flows(&self) -> Vec<TransferAssessment> {
        self.0
            .own_problem_flows
            .iter()
            .cloned()
            .map(TransferAssessment)
            .collect()
    }
    /// One page of `ownProblemFlows`, in flow order: what the console lists, a page at a time.
    async fn own_problem_flows_page(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many flows to return (default 50, at most the configured page size)."
        )]
        first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        #[graphql(desc = "Only the flows whose verdict names this problem.")] problem: Option<
            ProblemCode,
        >,
    ) -> Result<TransferAssessmentConnection> {
        let max = crate::context::request(ctx)?.config.max_page_size;
        let page = PageRequest::parse(first, None, max)?;
        let after = after
            .as_deref()
            .map(|c| TransferCursor::decode(c, Order::default()))
            .transpose()?;
        Ok(TransferAssessmentConnection::from_page(
            self.0
                .own_problem_page(problem.map(Into::into), page.first, after.as_ref()),
            self.1.clone(),
        ))
    }
    /// One group per problem code found, in the order of `ProblemCode`.
    async fn by_code(&self) -> Vec<GapGroup> {
        (0..self.0.groups.len())
            .map(|i| GapGroup(self.0.clone(), i))
            .collect()
    }
}

/// The gaps and the index of one of their groups (shared, not copied).
pub struct GapGroup(pub Arc<Gaps>, pub usize);

impl GapGroup {
    fn group(&self) -> Option<&ServiceGapGroup> {
        self.0.groups.get(self.1)
    }
}

/// The assessments that share one problem code.
#[Object]
impl GapGroup {
    /// The problem.
    async fn code(&self) -> Result<ProblemCode> {
        Ok(self.group().ok_or_else(missing_group)?.code.into())
    }
    /// How many assessments have it.
    async fn count(&self) -> Result<i64> {
        let group = self.group().ok_or_else(missing_group)?;
        Ok(i64::try_from(group.assessments.len()).unwrap_or(i64::MAX))
    }
    /// How many restricted transfers have it: as many as `transferRegisterPage(problem:)` lists
    /// on the same date and regime.
    async fn transfers(&self) -> Result<i64> {
        let group = self.group().ok_or_else(missing_group)?;
        let n = group.assessments.iter().filter(|a| !a.own_problems).count();
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
    /// How many flows with a problem of their own (no restricted transfer) have it.
    async fn flows_with_own_problems(&self) -> Result<i64> {
        let group = self.group().ok_or_else(missing_group)?;
        let n = group.assessments.iter().filter(|a| a.own_problems).count();
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
    /// The assessments that have it.
    async fn assessments(&self) -> Result<Vec<TransferAssessment>> {
        let group = self.group().ok_or_else(missing_group)?;
        Ok(group
            .assessments
            .iter()
            .cloned()
            .map(TransferAssessment)
            .collect())
    }
}
