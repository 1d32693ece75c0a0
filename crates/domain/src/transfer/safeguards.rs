//! The recorded mechanism, when no adequacy decision carries the transfer: is it a tool of this
//! regime, did it apply on the date, and are its own conditions met (module, TIA, evidence,
//! certification, derogation)?

use super::{
    Problem, Transfer,
    rules::{Basis, Finding, expected_module},
};
use crate::{
    reference::{InstrumentWindow, LegalReference, OccasionalRule, Status},
    vocab::{ProblemCode, Regime, SccModule, TransferMechanism},
};
use chrono::NaiveDate;

/// The finding for the recorded mechanism alone.
pub(super) fn mechanism<'r>(r: &'r LegalReference, t: &Transfer, on: NaiveDate) -> Finding<'r> {
    use TransferMechanism as M;
    match t.mechanism {
        M::None => Finding::new(Basis::Nothing).with_problem(nothing_recorded(t, on)),
        M::Adequacy => Finding::new(Basis::Nothing).with_problem(no_adequacy(r, t, on)),
        // The EU SCCs cover UK exports only through the ICO Addendum.
        M::Scc2021 if t.regime == Regime::UkGdpr => {
            Finding::new(Basis::Nothing).with_problem(Problem::new(
                ProblemCode::InvalidMechanism,
                "the EU standard contractual clauses (Implementing Decision (EU) 2021/914) are not valid on their own for transfers under the UK GDPR: they need the ICO International Data Transfer Addendum (record the clauses with the UK Addendum)",
            ))
        }
        m => match r.instrument(m, t.regime) {
            Some(window) => tool(r, window, t, on),
            None => Finding::new(Basis::Nothing).with_problem(Problem::new(
                ProblemCode::InvalidMechanism,
                format!(
                    "the {} on record are not a transfer tool under {}",
                    mechanism_words(m),
                    regime_name(t.regime)
                ),
            )),
        },
    }
}

/// The conditions of one tool, in the order a reviewer would check them.
fn tool<'r>(
    r: &'r LegalReference,
    w: &'r InstrumentWindow,
    t: &Transfer,
    on: NaiveDate,
) -> Finding<'r> {
    use TransferMechanism as M;
    let basis = match w.mechanism {
        _ if w.adequacy_based => Basis::AdequacyScheme(w),
        M::Derogation => Basis::Derogation(w, t.derogation),
        _ => Basis::Safeguard(w),
    };
    let mut finding = Finding::new(basis);
    // A tool that did not exist, or no longer has effect, on the date is the only problem worth stating.
    if let Some(problem) = window(w, t, on) {
        return finding.with_problem(problem);
    }
    let contractual = matches!(
        w.mechanism,
        M::Scc2021 | M::Scc2010 | M::UkIdta | M::UkAddendum
    );
    let problems = [
        not_for_this_importer(w, t),
        contractual.then(|| contract_dates(w, t, on)).flatten(),
        certification(w, t),
        matches!(w.mechanism, M::Scc2021 | M::UkAddendum)
            .then(|| module(t))
            .flatten(),
        matches!(w.mechanism, M::Bcr | M::CodeOfConduct | M::Certification)
            .then(|| evidence(w, t))
            .flatten(),
        (w.mechanism == M::Bcr).then(|| bcr_group(t)).flatten(),
        (w.mechanism == M::Derogation && t.derogation.is_none()).then(|| {
            Problem::new(
                ProblemCode::DerogationMissing,
                "a derogation is recorded as the mechanism but not which one of Art 49(1) applies",
            )
        }),
        (w.mechanism == M::Derogation)
            .then(|| not_occasional(r, w, t, &mut finding.warnings))
            .flatten(),
        transition(w, t, on, &mut finding.notes),
        (matches!(basis, Basis::Safeguard(_))
            && module_four(w, t, &mut finding.notes) != Some(false))
        .then(|| impact_assessment(r, t, on))
        .flatten(),
    ];
    finding.problems.extend(problems.into_iter().flatten());
    finding
}

/// Art 49(1) as the reference reads each point for a regular or continuing flow: blocked where
/// the law ties the point to occasional (recital 111) or non-repetitive transfers, a warning with
/// the EDPB's words where it only reads the point restrictively.
fn not_occasional(
    r: &LegalReference,
    w: &InstrumentWindow,
    t: &Transfer,
    warnings: &mut Vec<Problem>,
) -> Option<Problem> {
    if t.occasional != Some(false) {
        return None;
    }
    let d = t.derogation?;
    let Some(rule) = r.derogation(d) else {
        // A reference without the points: the earlier, stricter reading for every point.
        return Some(Problem::new(
            ProblemCode::DerogationNotOccasional,
            format!(
                "the flow is recorded as regular or continuing, but a derogation under {} covers only occasional transfers (GDPR recital 111; EDPB Guidelines 2/2018)",
                w.article
            ),
        ));
    };
    let point = format!("{}{}", w.article, rule.label);
    let why = rule.wording.trim_end_matches('.');
    match rule.occasional {
        OccasionalRule::Required => Some(Problem::new(
            ProblemCode::DerogationNotOccasional,
            format!(
                "the flow is recorded as regular or continuing, but {why} ({}): a standing flow on {point} needs an adequacy decision or an Art 46 safeguard",
                rule.provenance.source
            ),
        )),
        OccasionalRule::NotRepetitive => Some(Problem::new(
            ProblemCode::DerogationNotOccasional,
            format!(
                "the flow is recorded as regular or continuing, so it is repetitive, but {why} ({}): a standing flow needs an adequacy decision or an Art 46 safeguard",
                rule.provenance.source
            ),
        )),
        OccasionalRule::Restrictive => {
            warnings.push(Problem::new(
                ProblemCode::DerogationReadRestrictively,
                format!(
                    "the flow is recorded as regular or continuing; {point} is not limited by the law to occasional transfers, but the EDPB reads it restrictively, in its words: {why} ({}); review whether an adequacy decision or an Art 46 safeguard should carry it instead",
                    rule.provenance.source
                ),
            ));
            None
        }
    }
}

/// Module Four (processor to controller): Clauses 14 and 15 apply only where the EU processor
/// combines what it received with data it collected in the EU. `Some(false)`: no assessment is
/// required; `None`: the module is not Four or the reference has no such reading.
fn module_four(w: &InstrumentWindow, t: &Transfer, notes: &mut Vec<String>) -> Option<bool> {
    let reading = w.module_four.as_ref()?;
    if t.scc_module != Some(SccModule::P2c) {
        return None;
    }
    let rule = format!(
        "{} ({})",
        super::explain::capitalised(reading.wording.trim_end_matches('.')),
        reading.provenance.source
    );
    let combines = t.combines_eu_data == Some(true);
    notes.push(if combines {
        format!(
            "{rule}. The flow records that the processor combines them, so a transfer impact assessment is required."
        )
    } else {
        format!(
            "{rule}. The flow does not record that the processor combines them, so no transfer impact assessment is required for returning the data to the controller."
        )
    });
    Some(combines)
}

/// The old SCCs ran on after their repeal only for unchanged processing (2021/914 Art 4(4); the
/// UK's transitional provisions likewise): said on every transfer relying on the transition, and
/// a problem where the flow records that its processing changed.
fn transition(
    w: &InstrumentWindow,
    t: &Transfer,
    on: NaiveDate,
    notes: &mut Vec<String>,
) -> Option<Problem> {
    let condition = w.transition_condition.as_ref()?;
    let cutoff = w.new_contracts_to.filter(|c| *c <= on)?;
    let proviso = condition.wording.trim_end_matches('.');
    let source = &condition.provenance.source;
    if t.processing_changed == Some(true) {
        return Some(Problem::new(
            ProblemCode::ExpiredInstrument,
            format!(
                "from {cutoff} a contract on the {} kept effect only {proviso} ({source}), and the processing is recorded as changed since the contract was concluded: conclude new clauses",
                w.name
            ),
        ));
    }
    let recorded = match t.processing_changed {
        Some(_) => "the flow records that the processing has not changed".to_owned(),
        None => "confirm that the processing operations under the contract have not changed since it was concluded".to_owned(),
    };
    notes.push(format!(
        "From {cutoff} the {} carry this transfer only under the transition, which held only {proviso} ({source}); {recorded}.",
        w.name
    ));
    None
}

/// The earliest date a contract on the tool may bear: where the regime took over older contracts,
/// that date; else the day its text was published (or laid); else the day it took effect.
pub(super) fn earliest_contract(w: &InstrumentWindow) -> NaiveDate {
    w.contracts_from
        .or(w.published.as_ref().map(|p| p.on))
        .unwrap_or(w.validity.effective_from)
}

/// Not yet applicable, no longer applicable, or not for this destination.
fn window(w: &InstrumentWindow, t: &Transfer, on: NaiveDate) -> Option<Problem> {
    if on < w.validity.effective_from {
        return Some(Problem::new(
            ProblemCode::InvalidMechanism,
            format!(
                "the {} did not apply yet on {on} (applicable from {})",
                w.name, w.validity.effective_from
            ),
        ));
    }
    if let Some(problem) = lapse(w, t, on) {
        return Some(problem);
    }
    match &w.destinations {
        Some(only) if !only.contains(&t.destination) => {
            let only: Vec<&str> = only
                .iter()
                .map(crate::country::CountryCode::as_str)
                .collect();
            Some(Problem::new(
                ProblemCode::InvalidMechanism,
                format!(
                    "the {} covers only transfers to {}, not to {}",
                    w.name,
                    only.join(", "),
                    t.destination
                ),
            ))
        }
        _ => None,
    }
}

/// Struck down, expired, or closed to new contracts (a contract concluded earlier may run on).
pub(super) fn lapse(w: &InstrumentWindow, t: &Transfer, on: NaiveDate) -> Option<Problem> {
    let ended_by = w.ended_by.as_deref().unwrap_or("it ended");
    let ended_by = ended_by.trim_end_matches('.');
    if w.validity.ended(on) {
        let code = match w.status {
            Status::Invalidated => ProblemCode::InvalidMechanism,
            _ => ProblemCode::ExpiredInstrument,
        };
        let since = w
            .validity
            .effective_to
            .map_or(String::new(), |d| format!(" since {d}"));
        return Some(Problem::new(
            code,
            format!(
                "the {} ({}) has had no effect{since}: {ended_by}",
                w.name, w.instrument
            ),
        ));
    }
    let cutoff = w.new_contracts_to.filter(|n| *n <= on)?;
    let message = match t.signed_on {
        Some(signed) if signed < cutoff => return None,
        Some(signed) => format!(
            "the contract on the {} was concluded on {signed}, when new contracts could no longer be concluded on them (from {cutoff}): {ended_by}",
            w.name
        ),
        None => format!(
            "no signing date is recorded; from {cutoff} only contracts on the {} concluded before that date keep effect: {ended_by}",
            w.name
        ),
    };
    Some(Problem::new(ProblemCode::ExpiredInstrument, message))
}

/// A contract has to be in place on the date, and cannot predate the clauses it uses.
fn contract_dates(w: &InstrumentWindow, t: &Transfer, on: NaiveDate) -> Option<Problem> {
    let signed = t.signed_on?;
    if signed > on {
        return Some(Problem::new(
            ProblemCode::MissingSafeguard,
            format!("the contract is dated {signed}, so it was not in place on {on}"),
        ));
    }
    let earliest = earliest_contract(w);
    (signed < earliest).then(|| {
        Problem::new(
            ProblemCode::InvalidMechanism,
            format!(
                "the contract is dated {signed}, before the {} could be used (from {earliest})",
                w.name
            ),
        )
    })
}

/// A tool that the reference says is not for an importer already subject to the regime (Art 3(2)).
fn not_for_this_importer(w: &InstrumentWindow, t: &Transfer) -> Option<Problem> {
    let why = w.not_for_importers_subject_to_regime.as_deref()?;
    (t.importer_subject_to_regime == Some(true))
        .then(|| Problem::new(ProblemCode::InvalidMechanism, why.trim_end_matches('.')))
}

/// Binding corporate rules bind only the members of the group that adopted them.
fn bcr_group(t: &Transfer) -> Option<Problem> {
    let message = match (
        t.exporter_bcr_group.as_deref(),
        t.importer_bcr_group.as_deref(),
    ) {
        (None, None) => return None,
        (Some(e), Some(i)) if e == i => return None,
        (Some(e), Some(i)) => format!(
            "the importer belongs to the group {i}, not to the group {e} whose binding corporate rules bind the exporter"
        ),
        (Some(e), None) => format!(
            "the importer is not recorded as a member of the group {e} whose binding corporate rules bind the exporter"
        ),
        (None, Some(i)) => format!(
            "the exporter is not recorded as a member of the group {i} whose binding corporate rules bind the importer"
        ),
    };
    Some(Problem::new(ProblemCode::MissingSafeguard, message))
}

/// The DPF and its predecessors reach only organisations on their list.
fn certification(w: &InstrumentWindow, t: &Transfer) -> Option<Problem> {
    let scheme = w.certification?;
    let message = match t.certifications.on(scheme) {
        Some(true) => return None,
        Some(false) => format!("the importer is not on {}", scheme.list_name()),
        None => format!(
            "the importer's entry on {} is not recorded",
            scheme.list_name()
        ),
    };
    Some(Problem::new(ProblemCode::NotCertified, message))
}

/// The module must fit the roles; without known roles only its presence is checked.
fn module(t: &Transfer) -> Option<Problem> {
    let Some(recorded) = t.scc_module else {
        return Some(Problem::new(
            ProblemCode::ModuleMissing,
            "the SCCs are recorded without a module (C2C, C2P, P2P or P2C)",
        ));
    };
    let (exporter, recipient) = (t.exporter_role?, t.recipient_role?);
    let fits = expected_module(exporter, recipient);
    (recorded != fits).then(|| {
        Problem::new(
            ProblemCode::ModuleMismatch,
            format!(
                "module {} does not fit a {} exporting to a {}: use {}",
                module_name(recorded),
                super::explain::exporter_label(exporter),
                super::explain::recipient_label(recipient),
                module_name(fits)
            ),
        )
    })
}

/// BCR, codes and certifications exist only for those approved, so the approval must be on record.
fn evidence(w: &InstrumentWindow, t: &Transfer) -> Option<Problem> {
    let recorded = t
        .safeguard_evidence
        .as_deref()
        .is_some_and(|e| !e.trim().is_empty());
    (!recorded).then(|| {
        Problem::new(
            ProblemCode::MissingSafeguard,
            format!(
                "no evidence is recorded of the approval of the {} that applies to the importer",
                w.name
            ),
        )
    })
}

/// Schrems II: an Art 46 tool needs an assessment of the destination's law and practice.
fn impact_assessment(r: &LegalReference, t: &Transfer, on: NaiveDate) -> Option<Problem> {
    let rule = r
        .impact_assessment(t.regime)
        .filter(|rule| rule.validity.contains(on))?;
    // An assessment on record by the date is one, whatever the flow's own date says.
    if super::records::current_assessment(&t.records, on).is_some() {
        return None;
    }
    let message = match t.tia_completed_on {
        Some(done) if done <= on => return None,
        Some(done) => format!("the {} is dated {done}, after {on}", rule.name),
        None => format!(
            "no {} is on record; one is required for this tool since {} ({})",
            rule.name, rule.validity.effective_from, rule.instrument
        ),
    };
    Some(Problem::new(ProblemCode::TiaMissing, message))
}

/// NONE outside the area.
pub(super) fn nothing_recorded(t: &Transfer, on: NaiveDate) -> Problem {
    Problem::new(
        ProblemCode::MissingSafeguard,
        format!(
            "no transfer mechanism is recorded for this transfer to {} on {on}",
            t.destination
        ),
    )
}

/// ADEQUACY recorded, but no decision covers the destination on the date.
fn no_adequacy(r: &LegalReference, t: &Transfer, on: NaiveDate) -> Problem {
    if t.importer_international_organisation.is_some() {
        return Problem::new(
            ProblemCode::MissingSafeguard,
            format!(
                "no adequacy decision of {} covers this international organisation on {on}",
                regime_name(t.regime)
            ),
        );
    }
    let history: Vec<_> = r.adequacy_history(t.regime, t.destination).collect();
    let later = history.iter().find(|d| d.validity.effective_from > on);
    let ended = history.iter().rev().find(|d| d.validity.ended(on));
    let message = match (later, ended) {
        (Some(d), _) => format!(
            "no adequacy decision covered {} on {on}: {} applies only from {}",
            t.destination, d.instrument, d.validity.effective_from
        ),
        (None, Some(d)) => {
            let to = d
                .validity
                .effective_to
                .map(|to| to.to_string())
                .unwrap_or_default();
            return Problem::new(
                ProblemCode::ExpiredInstrument,
                format!(
                    "the adequacy decision for {} ({}) ended on {to}",
                    d.name, d.instrument
                ),
            );
        }
        (None, None) => format!(
            "no adequacy decision of {} covers {} on {on}",
            regime_name(t.regime),
            t.destination
        ),
    };
    Problem::new(ProblemCode::MissingSafeguard, message)
}

pub(super) fn regime_name(regime: Regime) -> &'static str {
    match regime {
        Regime::EuGdpr => "the EU GDPR",
        Regime::UkGdpr => "the UK GDPR",
    }
}

/// The contract spelling, whatever the enum's own string form.
#[cfg(test)]
pub(super) fn mechanism_name(m: TransferMechanism) -> &'static str {
    use TransferMechanism as M;
    match m {
        M::Adequacy => "ADEQUACY",
        M::EuUsDpf => "EU_US_DPF",
        M::Scc2021 => "SCC_2021",
        M::UkIdta => "UK_IDTA",
        M::UkAddendum => "UK_ADDENDUM",
        M::Bcr => "BCR",
        M::CodeOfConduct => "CODE_OF_CONDUCT",
        M::Certification => "CERTIFICATION",
        M::Derogation => "DEROGATION",
        M::PrivacyShield => "PRIVACY_SHIELD",
        M::SafeHarbor => "SAFE_HARBOR",
        M::Scc2010 => "SCC_2010",
        M::None => "NONE",
    }
}

/// The mechanism as a sentence names it (plural, after "the").
pub(super) fn mechanism_words(m: TransferMechanism) -> &'static str {
    use TransferMechanism as M;
    match m {
        M::Adequacy => "adequacy findings",
        M::EuUsDpf => "Data Privacy Framework certifications",
        M::Scc2021 => "standard contractual clauses of 2021",
        M::UkIdta => "International Data Transfer Agreement terms",
        M::UkAddendum => "standard contractual clauses with the UK Addendum",
        M::Bcr => "binding corporate rules",
        M::CodeOfConduct => "code of conduct commitments",
        M::Certification => "certification commitments",
        M::Derogation => "derogation grounds",
        M::PrivacyShield => "Privacy Shield certifications",
        M::SafeHarbor => "Safe Harbor certifications",
        M::Scc2010 => "old standard contractual clauses",
        M::None => "nothing",
    }
}

pub(super) fn module_name(m: SccModule) -> &'static str {
    match m {
        SccModule::C2c => "C2C (Module 1)",
        SccModule::C2p => "C2P (Module 2)",
        SccModule::P2p => "P2P (Module 3)",
        SccModule::P2c => "P2C (Module 4)",
    }
}
