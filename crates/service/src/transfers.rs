//! Transfer verdicts for the register: which flows are restricted transfers, under which regime,
//! and what the Chapter V rules (`domain::transfer`) say of each on a date.

use crate::{
    domain::{
        country::CountryCode,
        reference::LegalReference,
        transfer::{self, ExporterRole, Transfer, Verdict},
        vocab::{ProblemCode, RecipientRole, Regime, TransferMechanism, VerdictStatus},
    },
    error::{AppError, AppResult},
};
mod described;
mod own_problems;
mod patch;
mod proposed;
mod what_if;

pub use described::*;
pub use patch::FlowVerdicts;
pub use what_if::*;

use chrono::NaiveDate;
use entity::{data_flow, location, organisation};
use sea_orm::{EntityTrait, QueryOrder, prelude::*};
use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::Arc,
};

/// One verdict of one flow towards one destination country.
#[derive(Debug, Clone)]
pub struct FlowAssessment {
    /// None for a what-if assessment.
    pub flow_id: Option<i64>,
    pub regime: Regime,
    pub from_country: CountryCode,
    pub destination: CountryCode,
    pub mechanism: TransferMechanism,
    /// Its `explanation` may be empty (whole-register lists): see [`FlowAssessment::explanation`].
    pub verdict: Verdict,
    /// What was assessed, and on which date, to build the explanation when it is asked for.
    pub transfer: Transfer,
    pub on: NaiveDate,
    /// true: not a restricted transfer but a flow that makes none, judged for its own problems
    /// (e.g. a processor without an Art 28 contract); counted apart in [`Gaps`].
    pub own_problems: bool,
}

impl FlowAssessment {
    /// The verdict's paragraph, built now if the list that produced it skipped it.
    pub fn explanation(&self, reference: &LegalReference) -> String {
        if self.verdict.explanation.is_empty() {
            transfer::assess(reference, &self.transfer, self.on).explanation
        } else {
            self.verdict.explanation.clone()
        }
    }

    /// The verdict as the questions a lawyer asks, in order, from the same facts.
    pub fn reasoning(&self, reference: &LegalReference) -> Vec<transfer::ReasoningStep> {
        transfer::reasoning(reference, &self.transfer, self.on)
    }
}

/// What the rules need of a flow beyond its own row, however it was loaded.
pub struct FlowFacts<'a> {
    pub flow: &'a data_flow::Model,
    pub exporter: &'a organisation::Model,
    pub recipient: &'a organisation::Model,
    pub recipient_locations: &'a [location::Model],
    /// The regime of the chain, from this flow's exporter upwards (see [`regime_of_chain`]).
    pub regime: Option<Regime>,
    /// The role of the recipient of the flow this one continues, if any.
    pub continued_recipient_role: Option<RecipientRole>,
    /// The flow's dated records (assessments, contracts, DPF entry), where any were loaded.
    pub records: Option<&'a transfer::Records>,
}

/// The regime of a flow: its exporter's establishment, else that of the flow it continues, and so
/// on up the chain (`exporter_countries` lists the exporters from this flow upwards).
pub fn regime_of_chain(
    reference: &LegalReference,
    exporter_countries: impl IntoIterator<Item = CountryCode>,
    on: NaiveDate,
) -> Option<Regime> {
    exporter_countries
        .into_iter()
        .find_map(|c| reference.regime_of(c, on))
}

/// The destinations of a flow: the recipient's country and its locations, distinct, sorted.
fn destinations(facts: &FlowFacts<'_>) -> Vec<CountryCode> {
    let mut set = BTreeSet::new();
    set.insert(facts.recipient.country);
    for l in facts.recipient_locations {
        set.insert(l.country);
    }
    set.into_iter().collect()
}

/// The transfer the rules judge: the flow's facts, with a destination's own safeguard in place
/// of the flow's where one is recorded.
fn transfer_of(facts: &FlowFacts<'_>, regime: Regime, destination: CountryCode) -> Transfer {
    let flow = facts.flow;
    let mechanism = flow.mechanism;
    let mut t = Transfer::new(regime, facts.exporter.country, destination, mechanism);
    t.exporter_role = Some(ExporterRole::of_flow(facts.continued_recipient_role));
    t.recipient_role = Some(flow.recipient_role);
    t.scc_module = flow.scc_module;
    t.derogation = flow.derogation;
    t.tia_completed_on = flow.tia_completed_on;
    t.signed_on = flow.signed_on;
    let recipient = facts.recipient;
    t.certifications.eu_dpf = Some(recipient.dpf_certified);
    t.certifications.uk_extension = recipient.dpf_uk_extension;
    t.certifications.privacy_shield = recipient.privacy_shield_certified;
    t.certifications.safe_harbor = recipient.safe_harbor_certified;
    t.importer_subject_to_pipeda = recipient.subject_to_pipeda;
    t.importer_appi_private_sector = recipient.appi_private_sector;
    recipient
        .international_organisation
        .clone_into(&mut t.importer_international_organisation);
    // Art 3(2) is recorded for the EU GDPR; the UK tools are not restricted this way.
    t.importer_subject_to_regime = recipient.gdpr_art3_2.filter(|_| regime == Regime::EuGdpr);
    facts
        .exporter
        .bcr_group
        .clone_into(&mut t.exporter_bcr_group);
    recipient.bcr_group.clone_into(&mut t.importer_bcr_group);
    t.occasional = flow.occasional;
    t.safeguard_evidence.clone_from(&flow.evidence);
    t.combines_eu_data = flow.combines_eu_data;
    t.processing_changed = flow.processing_changed;
    // A safeguard recorded for this destination replaces the flow's own.
    let own = flow.transfer_safeguards.as_ref();
    if let Some(s) = own.and_then(|list| list.for_country(destination)) {
        t.mechanism = s.mechanism;
        t.scc_module = s.scc_module;
        t.derogation = s.derogation;
        t.signed_on = s.signed_on;
        t.tia_completed_on = s.tia_completed_on;
        s.evidence.clone_into(&mut t.safeguard_evidence);
        t.destination_specific = true;
    }
    t.recipient_dpa_signed_on = facts.recipient.dpa_signed_on;
    if let Some(records) = facts.records {
        t.records = records.clone();
    }
    t
}

/// The contract's transfers of a flow: one assessment per distinct destination outside the
/// exporter's area. A flow whose chain has no regime (exporters all outside the EEA and the UK)
/// has none.
pub fn assess_flow(
    reference: &LegalReference,
    facts: &FlowFacts<'_>,
    on: NaiveDate,
) -> AppResult<Vec<FlowAssessment>> {
    let Some(regime) = facts.regime else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for destination in destinations(facts) {
        if reference.in_area(regime, destination, on) {
            continue;
        }
        out.push(assessment(reference, facts, regime, destination, on));
    }
    Ok(out)
}

fn assessment(
    reference: &LegalReference,
    facts: &FlowFacts<'_>,
    regime: Regime,
    destination: CountryCode,
    on: NaiveDate,
) -> FlowAssessment {
    let t = transfer_of(facts, regime, destination);
    FlowAssessment {
        flow_id: Some(facts.flow.id),
        regime,
        from_country: t.exporter_country,
        destination,
        mechanism: t.mechanism,
        verdict: transfer::assess_brief(reference, &t, on),
        transfer: t,
        on,
        own_problems: false,
    }
}

/// Every flow with the organisations and locations its assessment needs, loaded in three queries.
pub struct Register {
    flows: Vec<data_flow::Model>,
    by_id: HashMap<i64, usize>,
    organisations: HashMap<i64, organisation::Model>,
    locations: HashMap<i64, Vec<location::Model>>,
    /// The flows' dated records (see `reviews::records`), by flow id.
    records: HashMap<i64, transfer::Records>,
}

impl Register {
    /// Read as streams, row by row: collected whole first (`all`), SQLite's rows of 100,000
    /// flows took several times the memory of the flows themselves while they were decoded.
    pub async fn load<C: ConnectionTrait + sea_orm::StreamTrait>(db: &C) -> AppResult<Self> {
        use futures_util::TryStreamExt;
        let flows: Vec<data_flow::Model> = data_flow::Entity::find()
            .order_by_asc(data_flow::Column::Id)
            .stream(db)
            .await?
            .try_collect()
            .await?;
        let organisations = organisation::Entity::find()
            .stream(db)
            .await?
            .map_ok(|o| (o.id, o))
            .try_collect()
            .await?;
        let mut locations: HashMap<i64, Vec<location::Model>> = HashMap::new();
        let mut rows = location::Entity::find()
            .order_by_asc(location::Column::Id)
            .stream(db)
            .await?;
        while let Some(l) = rows.try_next().await? {
            locations.entry(l.organisation_id).or_default().push(l);
        }
        // A stream holds its connection until dropped; the records' read may need it.
        drop(rows);
        let records = crate::reviews::records::load(db, None).await?;
        Ok(Self::new(flows, organisations, locations).with_records(records))
    }

    /// The register with the flows' dated records.
    pub(crate) fn with_records(mut self, records: HashMap<i64, transfer::Records>) -> Self {
        self.records = records;
        self
    }

    /// A register of `flows` (sorted by id), indexed by id.
    fn new(
        flows: Vec<data_flow::Model>,
        organisations: HashMap<i64, organisation::Model>,
        locations: HashMap<i64, Vec<location::Model>>,
    ) -> Self {
        let by_id = flows.iter().enumerate().map(|(i, f)| (f.id, i)).collect();
        Self {
            flows,
            by_id,
            organisations,
            locations,
            records: HashMap::new(),
        }
    }

    /// The exporter and the recipient of a flow of the register.
    pub fn parties(&self, flow_id: i64) -> Option<(i64, i64)> {
        self.by_id
            .get(&flow_id)
            .map(|i| (self.flows[*i].from_id, self.flows[*i].to_id))
    }

    /// Whether a loaded flow carries special categories (Art 9) or criminal-offence data (Art 10).
    pub fn flow_marks(
        &self,
        flow_id: i64,
        sensitivity: &crate::domain::category::Sensitivity,
    ) -> crate::domain::category::SensitiveMarks {
        self.by_id.get(&flow_id).map_or_else(Default::default, |i| {
            sensitivity.marks(self.flows[*i].data_categories.0.iter().map(String::as_str))
        })
    }

    /// The name of a loaded organisation (what the register page sorts by).
    pub fn organisation_name(&self, id: i64) -> Option<&str> {
        self.organisations.get(&id).map(|o| o.name.as_str())
    }

    fn organisation(&self, id: i64) -> AppResult<&organisation::Model> {
        self.organisations.get(&id).ok_or_else(|| {
            AppError::internal(anyhow::anyhow!("flow refers to missing organisation {id}"))
        })
    }

    fn facts<'a>(
        &'a self,
        flow: &'a data_flow::Model,
        reference: &LegalReference,
        on: NaiveDate,
    ) -> AppResult<FlowFacts<'a>> {
        // Walk up the chain of continued flows; it is acyclic (a flow can only continue an
        // earlier one), the bound only guards against a corrupted database.
        let mut exporters = Vec::new();
        let mut current = Some(flow);
        while let Some(f) = current.filter(|_| exporters.len() <= self.flows.len()) {
            exporters.push(self.organisation(f.from_id)?.country);
            current = f
                .continues_flow_id
                .and_then(|id| self.by_id.get(&id))
                .map(|i| &self.flows[*i]);
        }
        let continued = flow
            .continues_flow_id
            .and_then(|id| self.by_id.get(&id))
            .map(|i| &self.flows[*i]);
        Ok(FlowFacts {
            flow,
            exporter: self.organisation(flow.from_id)?,
            recipient: self.organisation(flow.to_id)?,
            recipient_locations: self.locations.get(&flow.to_id).map_or(&[], Vec::as_slice),
            regime: regime_of_chain(reference, exporters, on),
            continued_recipient_role: continued.map(|c| c.recipient_role),
            records: self.records.get(&flow.id),
        })
    }

    /// The flows that ran on `on`: those not ended, or ended after it. An ended flow keeps its
    /// place in the registers of earlier days, with the verdicts of those days; the flows it
    /// continues stay loaded for its chain.
    fn running_on(&self, on: NaiveDate) -> impl Iterator<Item = &data_flow::Model> {
        self.flows
            .iter()
            .filter(move |f| f.ended_on.is_none_or(|ended| ended > on))
    }

    /// The transfer register: every restricted transfer on `on`, optionally of one regime.
    pub fn transfers(
        &self,
        reference: &LegalReference,
        regime: Option<Regime>,
        on: NaiveDate,
    ) -> AppResult<Vec<FlowAssessment>> {
        let mut out = Vec::new();
        for flow in self.running_on(on) {
            let facts = self.facts(flow, reference, on)?;
            if regime.is_some_and(|r| facts.regime != Some(r)) {
                continue;
            }
            out.extend(assess_flow(reference, &facts, on)?);
        }
        Ok(out)
    }

    /// Every problem of the register: the restricted transfers' problems, and for flows that make
    /// no restricted transfer, what the rules find of the recipient itself (a processor without a
    /// DPA is a gap wherever it sits).
    pub fn gaps(
        &self,
        reference: &LegalReference,
        regime: Option<Regime>,
        on: NaiveDate,
    ) -> AppResult<Gaps> {
        Ok(Gaps::of(
            &self
                .gap_assessments(reference, regime, on)?
                .into_iter()
                .map(Arc::new)
                .collect::<Vec<_>>(),
        ))
    }

    /// [`Register::transfers`] and [`Register::gap_assessments`] of every regime in one pass (each
    /// flow assessed once), for the verdict cache.
    pub fn transfers_and_gap_assessments(
        &self,
        reference: &LegalReference,
        on: NaiveDate,
    ) -> AppResult<(Shared, Shared)> {
        let (mut transfers, mut gaps) = (Vec::new(), Vec::new());
        for flow in self.running_on(on) {
            match self.flow_on(reference, flow, on)? {
                Some((_, FlowPart::Restricted(restricted))) => {
                    for assessment in restricted {
                        let shared = Arc::new(assessment);
                        gaps.push(shared.clone());
                        transfers.push(shared);
                    }
                }
                Some((_, FlowPart::OwnProblems(own))) => gaps.push(Arc::new(*own)),
                Some((_, FlowPart::Nothing)) | None => {}
            }
        }
        Ok((transfers, gaps))
    }

    /// The assessments [`Register::gaps`] groups, in flow order.
    pub fn gap_assessments(
        &self,
        reference: &LegalReference,
        regime: Option<Regime>,
        on: NaiveDate,
    ) -> AppResult<Vec<FlowAssessment>> {
        let mut assessed = Vec::new();
        for flow in self.running_on(on) {
            match self.flow_on(reference, flow, on)? {
                Some((flow_regime, _)) if regime.is_some_and(|r| r != flow_regime) => {}
                Some((_, FlowPart::Restricted(restricted))) => assessed.extend(restricted),
                Some((_, FlowPart::OwnProblems(own))) => assessed.push(*own),
                Some((_, FlowPart::Nothing)) | None => {}
            }
        }
        Ok(assessed)
    }

    /// What one flow adds to the register on `on`, under its regime (`None`: the flow has none).
    fn flow_on(
        &self,
        reference: &LegalReference,
        flow: &data_flow::Model,
        on: NaiveDate,
    ) -> AppResult<Option<(Regime, FlowPart)>> {
        let facts = self.facts(flow, reference, on)?;
        let Some(flow_regime) = facts.regime else {
            return Ok(None);
        };
        let restricted = assess_flow(reference, &facts, on)?;
        if !restricted.is_empty() {
            return Ok(Some((flow_regime, FlowPart::Restricted(restricted))));
        }
        let home = facts.recipient.country;
        let mut own = assessment(reference, &facts, flow_regime, home, on);
        own.own_problems = true;
        Ok(Some((
            flow_regime,
            if own.verdict.problems.is_empty() {
                FlowPart::Nothing
            } else {
                FlowPart::OwnProblems(Box::new(own))
            },
        )))
    }
}

/// Assessments shared between the lists that hold them (the register, the gaps, their groups).
pub type Shared = Vec<Arc<FlowAssessment>>;

/// The DPO's dashboard: problems grouped by code, with counts and the assessments behind them.
#[derive(Debug, Clone, Default)]
pub struct Gaps {
    /// Restricted transfers and flows with a problem of their own.
    pub assessed: usize,
    pub non_compliant: usize,
    /// The restricted transfers alone: what the transfer register lists.
    pub transfers_assessed: usize,
    pub transfers_non_compliant: usize,
    /// The flows that make no restricted transfer but have a problem of their own, in flow order.
    pub own_problem_flows: Vec<Arc<FlowAssessment>>,
    pub groups: Vec<GapGroup>,
}

#[derive(Debug, Clone)]
pub struct GapGroup {
    pub code: ProblemCode,
    /// Shared with the other groups (an assessment with two codes is in two groups) and with the
    /// kept verdicts.
    pub assessments: Vec<Arc<FlowAssessment>>,
}

impl Gaps {
    /// Groups assessments by problem code.
    pub fn of(assessed: &[Arc<FlowAssessment>]) -> Self {
        let mut groups: BTreeMap<ProblemCode, Vec<Arc<FlowAssessment>>> = BTreeMap::new();
        let non_compliant = assessed
            .iter()
            .filter(|a| a.verdict.status == VerdictStatus::NonCompliant)
            .count();
        for a in assessed {
            let codes: BTreeSet<ProblemCode> = a.verdict.problems.iter().map(|p| p.code).collect();
            for code in codes {
                groups.entry(code).or_default().push(a.clone());
            }
        }
        let transfers = assessed.iter().filter(|a| !a.own_problems);
        let transfers_assessed = transfers.clone().count();
        let transfers_non_compliant = transfers
            .filter(|a| a.verdict.status == VerdictStatus::NonCompliant)
            .count();
        Self {
            assessed: assessed.len(),
            non_compliant,
            transfers_assessed,
            transfers_non_compliant,
            own_problem_flows: assessed
                .iter()
                .filter(|a| a.own_problems)
                .cloned()
                .collect(),
            groups: groups
                .into_iter()
                .map(|(code, assessments)| GapGroup { code, assessments })
                .collect(),
        }
    }
}

/// A flow's part of the register: its restricted transfers, or, for a flow that makes none, the
/// problems the rules find of the recipient itself (a processor without a DPA is a gap wherever
/// it sits), or nothing.
enum FlowPart {
    Restricted(Vec<FlowAssessment>),
    OwnProblems(Box<FlowAssessment>),
    Nothing,
}
