//! The order of Chapter V: which regime, is the transfer restricted, does an adequacy decision
//! carry it, else which Art 46 safeguard or Art 49 derogation, and finally the Art 28 contract.
//!
//! Each step is a few lines so that it can be read next to the Regulation.

use super::{ExporterRole, Problem, Transfer, Verdict, explain, safeguards};
use crate::{
    country::CountryCode,
    reference::{
        AdequacyDecision, AdequacyScope, Area, BodyKind, IncorporationStatus, InstrumentWindow,
        KnownOrganisation, LegalReference, NotATransfer, ScopeFact, Validity, Verify,
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
    /// The importer is one of the EU's own institutions and bodies: no third country under the EU GDPR.
    EuInstitution(&'r KnownOrganisation),
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

/// The basis with its blocking problems, the stale-record problems that do not block, the
/// warnings (which do not block either), and sentences that explain why a rule fired or did not.
#[derive(Debug, Clone)]
pub(super) struct Finding<'r> {
    pub basis: Basis<'r>,
    pub problems: Vec<Problem>,
    pub stale_record: Vec<Problem>,
    pub warnings: Vec<Problem>,
    pub notes: Vec<String>,
}

impl<'r> Finding<'r> {
    pub fn new(basis: Basis<'r>) -> Self {
        Self {
            basis,
            problems: Vec::new(),
            stale_record: Vec::new(),
            warnings: Vec::new(),
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
    // A DPF list entry on record replaces the hand-set certification flags.
    let listed = super::records::as_listed(transfer, on);
    let transfer = listed.as_ref();
    let finding = find(reference, transfer, on);
    explain::verdict(reference, transfer, on, &finding)
}

/// As [`assess`] with an empty `explanation`: for whole-register lists, which build the
/// paragraph only for the transfers a client asks to read.
pub fn assess_brief(reference: &LegalReference, transfer: &Transfer, on: NaiveDate) -> Verdict {
    explain::brief(&find(
        reference,
        &super::records::as_listed(transfer, on),
        on,
    ))
}

pub(super) fn find<'r>(
    reference: &'r LegalReference,
    transfer: &Transfer,
    on: NaiveDate,
) -> Finding<'r> {
    let mut finding = chapter_v(reference, transfer, on);
    eea_efta(reference, transfer, on, &mut finding);
    disputed_days(reference, transfer, on, &mut finding);
    if let Some(problem) = processor_contract(reference, transfer, on) {
        finding.problems.push(problem);
    }
    super::records::check(transfer, on, &mut finding);
    finding
}

/// An EU adequacy decision binds Iceland, Liechtenstein and Norway once the EEA Joint Committee
/// has incorporated it: said where known, a warning where not, a problem only where the
/// reference is certain that it did not bind on the date.
fn eea_efta(r: &LegalReference, t: &Transfer, on: NaiveDate, finding: &mut Finding) {
    let Some(efta) = r.area(t.regime).and_then(|a| a.eea_efta.as_ref()) else {
        return;
    };
    if !efta.countries.contains(&t.exporter_country) {
        return;
    }
    let (name, incorporation) = match finding.basis {
        Basis::Adequacy(d) => (
            format!("the adequacy decision for {}", explain::the(&d.name)),
            d.eea_incorporation.as_ref(),
        ),
        Basis::AdequacyScheme(w) => (format!("the {}", w.name), None),
        _ => return,
    };
    let exporter = t.exporter_country;
    let rule = efta.rule.trim_end_matches('.');
    let mut lowered = rule.chars();
    let rule_in_sentence: String = lowered
        .next()
        .map_or(String::new(), |c| c.to_lowercase().chain(lowered).collect());
    if let Some(i) = incorporation.filter(|i| i.status == IncorporationStatus::Incorporated)
        && let Some(from) = i.effective_from
    {
        if from <= on {
            finding.notes.push(format!(
                "{} ({}); {name} has been part of the EEA Agreement since {from} ({}), so it binds an exporter in {exporter}.",
                explain::capitalised(rule),
                efta.provenance.source,
                i.provenance.source
            ));
            return;
        }
        if i.provenance.verify == Verify::V {
            finding.problems.push(Problem::new(
                ProblemCode::MissingSafeguard,
                format!(
                    "{name} became part of the EEA Agreement only on {from} ({}), so it did not yet bind an exporter in {exporter} on {on}",
                    i.provenance.source
                ),
            ));
            return;
        }
    }
    let detail = incorporation.map_or(
        "the reference data has no record of its incorporation".to_owned(),
        |i| match i.effective_from {
            Some(from) if i.status == IncorporationStatus::Incorporated => format!(
                "{}; the incorporation on {from} could not be confirmed",
                i.detail.trim_end_matches('.')
            ),
            _ => i.detail.trim_end_matches('.').to_owned(),
        },
    );
    finding.warnings.push(Problem::new(
        ProblemCode::EeaIncorporationUnconfirmed,
        format!(
            "{rule_in_sentence} ({}); for {name}, {detail}, so confirm that it binds an exporter in {exporter} on {on} before relying on it",
            efta.provenance.source
        ),
    ));
}

/// Where the date assessed is a day the sources disagree on, say so and which reading applies.
fn disputed_days(r: &LegalReference, t: &Transfer, on: NaiveDate, finding: &mut Finding) {
    // Names are written only for a day that is disputed: this runs for every transfer assessed.
    let disputed_on = |v: &Validity| {
        v.until
            .as_ref()
            .is_some_and(|u| u.disputed && u.stated == on)
    };
    let mut dated: Vec<(String, &Validity)> = Vec::new();
    match finding.basis {
        Basis::Adequacy(d) if disputed_on(&d.validity) => dated.push((
            format!("the adequacy decision for {}", explain::the(&d.name)),
            &d.validity,
        )),
        Basis::AdequacyScheme(w) | Basis::Safeguard(w) | Basis::Derogation(w, _)
            if disputed_on(&w.validity) =>
        {
            dated.push((format!("the {}", w.name), &w.validity));
        }
        _ => {}
    }
    // A dead mechanism still on a record that adequacy carries is judged on its own dates too.
    if let Some(w) = r.instrument(t.mechanism, t.regime)
        && disputed_on(&w.validity)
        && !dated
            .iter()
            .any(|(_, v)| std::ptr::eq(*v, &raw const w.validity))
    {
        dated.push((format!("the {}", w.name), &w.validity));
    }
    for (name, v) in dated {
        let Some(u) = v.until.as_ref() else {
            continue;
        };
        let (reading, effect, other) = if u.day_included {
            (
                "still covered",
                "still had effect",
                "they had no effect that day",
            )
        } else {
            (
                "no longer covered",
                "had no effect",
                "they still had effect that day",
            )
        };
        let who = u
            .disputed_sources
            .as_deref()
            .map_or(String::new(), |s| format!(" ({})", s.trim_end_matches('.')));
        finding.notes.push(format!(
            "The date assessed, {on}, is the day on which sources disagree for {name}{who}. This assessment applies the reading that the day was {reading} (\"{}\", {}), so on {on} {name} {effect}; on the other reading {other}.",
            u.wording, u.source
        ));
    }
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
    // only a decision about the organisation itself (Art 45(1)) can make it adequate. The EU's own
    // institutions and bodies are neither under the EU GDPR (Art 2(3), Regulation (EU) 2018/1725).
    if let Some(org) = t.importer_international_organisation.as_deref() {
        if let Some(body) = r
            .organisation(org)
            .filter(|o| o.kind == BodyKind::EuInstitutions && t.regime == Regime::EuGdpr)
        {
            return Finding::new(Basis::EuInstitution(body));
        }
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
fn processor_contract(r: &LegalReference, t: &Transfer, on: NaiveDate) -> Option<Problem> {
    if !matches!(
        t.recipient_role,
        Some(RecipientRole::Processor | RecipientRole::SubProcessor)
    ) {
        return None;
    }
    if t.recipient_dpa_signed_on.is_some_and(|d| d <= on) || super::records::dpa_in_force(t, on) {
        return None;
    }
    if signed_sccs_are_the_contract(r, t, on).is_some() {
        return None;
    }
    let message = match t.recipient_dpa_signed_on {
        Some(d) => format!("the processing agreement (Art 28) is dated {d}, after {on}"),
        None => "no processing agreement (Art 28(3)) with this processor is on record".to_owned(),
    };
    Some(Problem::new(ProblemCode::DpaMissing, message))
}

/// 2021/914 Clause 2(a) and recital 9, GDPR Art 28(7): Modules Two and Three contain the Art 28(3)
/// and (4) terms, so signed clauses are the processor contract whatever else is wrong with the
/// transfer (a missing TIA, the EU clauses without the UK Addendum). Only a module that does not
/// fit, or a contract date the clauses cannot bear, takes that away.
/// Returns the reference's reading that makes them so, where they are.
pub(super) fn signed_sccs_are_the_contract<'r>(
    r: &'r LegalReference,
    t: &Transfer,
    on: NaiveDate,
) -> Option<&'r crate::reference::Condition> {
    use TransferMechanism as M;
    if !matches!(t.mechanism, M::Scc2021 | M::UkAddendum)
        || !matches!(
            t.recipient_role,
            Some(RecipientRole::Processor | RecipientRole::SubProcessor)
        )
    {
        return None;
    }
    let module = t
        .scc_module
        .filter(|m| matches!(m, SccModule::C2p | SccModule::P2p))?;
    if let (Some(e), Some(rr)) = (t.exporter_role, t.recipient_role)
        && expected_module(e, rr) != module
    {
        return None;
    }
    // The EU clauses carry the Art 28 terms under either regime; their own window, or the
    // Addendum's, says which dates a contract on them can bear.
    let eu = r.instrument(M::Scc2021, Regime::EuGdpr)?;
    let reading = eu.processor_contract.as_ref()?;
    let w = r.instrument(t.mechanism, t.regime).unwrap_or(eu);
    if on < w.validity.effective_from {
        return None;
    }
    let dated = match t.signed_on {
        Some(signed) => signed <= on && signed >= safeguards::earliest_contract(w),
        None => true,
    };
    dated.then_some(reading)
}
