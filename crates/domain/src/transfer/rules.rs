//! The order of Chapter V: which regime, is the transfer restricted, does an adequacy decision
//! carry it, else which Art 46 safeguard or Art 49 derogation, and finally the Art 28 contract.
//!
//! Each step is a few lines so that it can be read next to the Regulation.

use super::{ExporterRole, Problem, Transfer, Verdict, explain, safeguards};
use crate::{
    country::CountryCode,
    reference::{
        AdequacyDecision, AdequacyScope, Area, InstrumentWindow, LegalReference, NotATransfer,
        ScopeFact,
    },
    vocab::{Derogation, ProblemCode, RecipientRole, Regime, SccModule, TransferMechanism},
};
use chrono::NaiveDate;

/// What the transfer rests on, or would rest on if its problems were fixed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Basis<'r> {
    /// The regime did not apply yet on the date (UK GDPR before 2021-01-01).
    RegimeNotInForce,
    /// The destination is inside the exporter's area: no Chapter V transfer.
    InsideArea(&'r Area),
    /// The law said that sending data there was not a transfer to a third country (the 2021 bridge).
    NotATransfer(&'r NotATransfer),
    /// Art 45: a decision (or data bridge) covers the destination.
    Adequacy(&'r AdequacyDecision),
    /// A mechanism that is itself an adequacy finding for certified importers (DPF, Privacy Shield, Safe Harbor).
    AdequacyScheme(&'r InstrumentWindow),
    /// Art 46: an appropriate safeguard.
    Safeguard(&'r InstrumentWindow),
    /// Art 49: a derogation for a specific situation.
    Derogation(&'r InstrumentWindow, Option<Derogation>),
    /// Nothing recorded that could carry the transfer.
    Nothing,
}

/// The basis with its blocking problems, the stale-record problems that do not block, and
/// sentences that explain why a rule fired or did not.
#[derive(Debug, Clone)]
pub(super) struct Finding<'r> {
    pub basis: Basis<'r>,
    pub problems: Vec<Problem>,
    pub stale_record: Vec<Problem>,
    pub notes: Vec<String>,
}

impl<'r> Finding<'r> {
    pub fn new(basis: Basis<'r>) -> Self {
        Self {
            basis,
            problems: Vec::new(),
            stale_record: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn with_problem(mut self, problem: Problem) -> Self {
        self.problems.push(problem);
        self
    }
}

/// Assesses one transfer on one date.
pub fn assess(reference: &LegalReference, transfer: &Transfer, on: NaiveDate) -> Verdict {
    let finding = find(reference, transfer, on);
    explain::verdict(reference, transfer, on, finding)
}

/// As [`assess`] with an empty `explanation`: for whole-register lists, which build the
/// paragraph only for the transfers a client asks to read.
pub fn assess_brief(reference: &LegalReference, transfer: &Transfer, on: NaiveDate) -> Verdict {
    explain::brief(&find(reference, transfer, on))
}

fn find<'r>(reference: &'r LegalReference, transfer: &Transfer, on: NaiveDate) -> Finding<'r> {
    let mut finding = chapter_v(reference, transfer, on);
    if let Some(problem) = processor_contract(transfer, on, &finding) {
        finding.problems.push(problem);
    }
    finding
}

/// The regime of a flow's exporter: established in the EEA, the EU GDPR; in the UK, the UK GDPR;
/// elsewhere, the regime of the flow it continues (its data stay under that regime), if any.
pub fn regime_of_exporter(
    reference: &LegalReference,
    exporter_country: CountryCode,
    continued_regime: Option<Regime>,
    on: NaiveDate,
) -> Option<Regime> {
    reference
        .regime_of(exporter_country, on)
        .or(continued_regime)
}

/// The SCC module for the parties' roles: Module 1 C2C, 2 C2P, 3 P2P, 4 P2C. A controller engaging
/// a sub-processor directly signs Module 2.
pub fn expected_module(exporter: ExporterRole, recipient: RecipientRole) -> SccModule {
    use RecipientRole::{Controller, JointController, Processor, SubProcessor};
    match (exporter, recipient) {
        (ExporterRole::Controller, Controller | JointController) => SccModule::C2c,
        (ExporterRole::Controller, Processor | SubProcessor) => SccModule::C2p,
        (ExporterRole::Processor, Processor | SubProcessor) => SccModule::P2p,
        (ExporterRole::Processor, Controller | JointController) => SccModule::P2c,
    }
}

fn chapter_v<'r>(r: &'r LegalReference, t: &Transfer, on: NaiveDate) -> Finding<'r> {
    // A regime that did not apply yet restricts nothing on that date.
    let Some(area) = r.area(t.regime).filter(|a| a.validity.contains(on)) else {
        return Finding::new(Basis::RegimeNotInForce);
    };
    // Art 44: a transfer to an international organisation is restricted wherever its seat, and
    // only a decision about the organisation itself (Art 45(1)) can make it adequate.
    if let Some(org) = t.importer_international_organisation.as_deref() {
        return match r.adequacy_for_organisation(t.regime, org, on) {
            Some(decision) => adequate(r, t, on, decision),
            None => safeguards::mechanism(r, t, on),
        };
    }
    // Art 44: only data leaving the area are restricted (free flow inside the EEA, or the UK).
    if r.in_area(t.regime, t.destination, on) {
        return Finding::new(Basis::InsideArea(area));
    }
    // The law itself may say that sending data there is no transfer to a third country at all.
    if let Some(bridge) = r.not_a_transfer_on(t.regime, t.destination, on) {
        return Finding::new(Basis::NotATransfer(bridge));
    }
    // Art 45: an adequacy decision covering the importer is enough, whatever else is recorded.
    let Some(decision) = r.adequacy_on(t.regime, t.destination, on) else {
        return safeguards::mechanism(r, t, on);
    };
    match scope_gap(decision, t) {
        None => adequate(r, t, on, decision),
        Some(gap) if relies_on_adequacy(r, t, on) => {
            // Relying on the decision, but the importer is outside its reach.
            Finding::new(Basis::Adequacy(decision)).with_problem(gap)
        }
        Some(gap) if t.mechanism == TransferMechanism::None => Finding::new(Basis::Nothing)
            .with_problem(gap)
            .with_problem(safeguards::nothing_recorded(t, on)),
        Some(gap) => {
            // Outside the decision's reach the recorded Art 46/49 tool has to carry the transfer.
            let mut finding = safeguards::mechanism(r, t, on);
            finding.notes.push(format!(
                "The adequacy decision for {} does not reach this importer ({}), so the recorded mechanism has to carry the transfer.",
                super::explain::the(&decision.name),
                gap.message
            ));
            finding
        }
    }
}

fn adequate<'r>(
    r: &'r LegalReference,
    t: &Transfer,
    on: NaiveDate,
    decision: &'r AdequacyDecision,
) -> Finding<'r> {
    let mut finding = Finding::new(Basis::Adequacy(decision));
    finding.stale_record.extend(dead_mechanism(r, t, on));
    finding
}

/// The record names adequacy, or a mechanism that is itself an adequacy finding and applied on
/// the date (a dead one is judged as the mechanism it is, and reported).
fn relies_on_adequacy(r: &LegalReference, t: &Transfer, on: NaiveDate) -> bool {
    t.mechanism == TransferMechanism::Adequacy
        || r.instrument(t.mechanism, t.regime)
            .is_some_and(|w| w.adequacy_based && w.validity.contains(on))
}

/// The importer fact a partial decision turns on, where recorded; else the general one.
fn in_scope(t: &Transfer, requires: Option<ScopeFact>) -> Option<bool> {
    let specific = requires.and_then(|fact| match fact {
        ScopeFact::SubjectToPipeda => t.importer_subject_to_pipeda,
        ScopeFact::AppiPrivateSector => t.importer_appi_private_sector,
    });
    specific.or(t.importer_in_adequacy_scope)
}

/// What the importer would have to be for a partial decision to reach it.
pub(super) fn scope_fact_words(fact: Option<ScopeFact>) -> &'static str {
    match fact {
        Some(ScopeFact::SubjectToPipeda) => "subject to PIPEDA",
        Some(ScopeFact::AppiPrivateSector) => {
            "a private-sector business operator handling personal information under the APPI"
        }
        None => "within that scope",
    }
}

/// Whether the importer is recorded as within a partial decision's scope.
pub(super) fn recorded_in_scope(t: &Transfer, scope: &AdequacyScope) -> Option<bool> {
    match scope {
        AdequacyScope::Partial { requires, .. } => in_scope(t, *requires),
        AdequacyScope::CertifiedImporters { scheme, .. } => t.certifications.on(*scheme),
        AdequacyScope::Full => Some(true),
    }
}

/// Why a decision covering the country does not reach this importer, if it does not.
fn scope_gap(decision: &AdequacyDecision, t: &Transfer) -> Option<Problem> {
    match &decision.scope {
        AdequacyScope::Full => None,
        AdequacyScope::CertifiedImporters {
            description,
            scheme,
        } => {
            let list = scheme.list_name();
            let message = match t.certifications.on(*scheme) {
                Some(true) => return None,
                Some(false) => format!(
                    "the importer is not on {list}, and {} covers {description}",
                    decision.instrument
                ),
                None => format!(
                    "the importer's entry on {list} is not recorded, and {} covers {description}",
                    decision.instrument
                ),
            };
            Some(Problem::new(ProblemCode::NotCertified, message))
        }
        AdequacyScope::Partial {
            description,
            requires,
        } => (in_scope(t, *requires) == Some(false)).then(|| {
            Problem::new(
                ProblemCode::OutsideAdequacyScope,
                format!(
                    "the importer is recorded as not {}, and {} covers only {description}",
                    scope_fact_words(*requires),
                    decision.instrument
                ),
            )
        }),
    }
}

/// A dead mechanism still named on a record that adequacy carries: reported, not blocking.
fn dead_mechanism(r: &LegalReference, t: &Transfer, on: NaiveDate) -> Option<Problem> {
    use TransferMechanism::{PrivacyShield, SafeHarbor, Scc2010};
    if !matches!(t.mechanism, PrivacyShield | SafeHarbor | Scc2010) {
        return None;
    }
    let window = r.instrument(t.mechanism, t.regime)?;
    let lapsed = safeguards::lapse(window, t, on)?;
    Some(Problem::new(
        lapsed.code,
        format!(
            "{}; the adequacy decision carries the transfer, so update the record",
            lapsed.message
        ),
    ))
}

/// Art 28(3)-(4): a processor or sub-processor needs a contract, whether or not data leave the area.
fn processor_contract(t: &Transfer, on: NaiveDate, finding: &Finding) -> Option<Problem> {
    if !matches!(
        t.recipient_role,
        Some(RecipientRole::Processor | RecipientRole::SubProcessor)
    ) {
        return None;
    }
    if t.recipient_dpa_signed_on.is_some_and(|d| d <= on) {
        return None;
    }
    // 2021/914 recital 9: Modules 2 and 3 include the Art 28 terms, so valid SCCs are the contract.
    let sccs_are_the_contract = matches!(finding.basis, Basis::Safeguard(w)
            if matches!(w.mechanism, TransferMechanism::Scc2021 | TransferMechanism::UkAddendum))
        && matches!(t.scc_module, Some(SccModule::C2p | SccModule::P2p))
        && finding.problems.is_empty();
    if sccs_are_the_contract {
        return None;
    }
    let message = match t.recipient_dpa_signed_on {
        Some(d) => format!("the processing agreement (Art 28) is dated {d}, after {on}"),
        None => "no processing agreement (Art 28(3)) with this processor is on record".to_owned(),
    };
    Some(Problem::new(ProblemCode::DpaMissing, message))
}
