//! Turns a finding into the verdict and its paragraph: what applies, why, since when, under which
//! act, what to fix, and which of the facts used are only tagged M or U in the reference.

use super::{
    ExporterRole, InstrumentRef, Transfer, Verdict,
    rules::{Basis, Finding},
    safeguards::{mechanism_name, module_name, regime_name},
};
use crate::domain::{
    reference::{
        AdequacyDecision, AdequacyScope, InstrumentWindow, LegalReference, Status, Verify,
    },
    vocab::{Derogation, RecipientRole, TransferMechanism, VerdictStatus},
};
use chrono::NaiveDate;

/// The verdict without its paragraph, for lists that may never show it (the paragraph is most
/// of the cost of a verdict; [`verdict`] gives the same status, problems and instrument).
pub(super) fn brief(f: &Finding) -> Verdict {
    let (status, problems) = outcome(f);
    Verdict {
        status,
        problems,
        explanation: String::new(),
        instrument: instrument_ref(&f.basis),
    }
}

fn outcome(f: &Finding) -> (VerdictStatus, Vec<super::Problem>) {
    let status = match f.basis {
        _ if !f.problems.is_empty() => VerdictStatus::NonCompliant,
        Basis::RegimeNotInForce | Basis::InsideArea(_) => VerdictStatus::NotRestricted,
        Basis::Adequacy(_) | Basis::AdequacyScheme(_) => VerdictStatus::Adequate,
        Basis::Safeguard(_) => VerdictStatus::Safeguarded,
        Basis::Derogation(..) => VerdictStatus::Derogation,
        Basis::Nothing => VerdictStatus::NonCompliant,
    };
    let mut problems = f.problems.clone();
    problems.extend(f.stale_record.iter().cloned());
    (status, problems)
}

pub(super) fn verdict(r: &LegalReference, t: &Transfer, on: NaiveDate, f: Finding) -> Verdict {
    let (status, problems) = outcome(&f);
    let mut text = vec![head(r, t, on), basis(r, t, on, &f.basis)];
    text.extend(f.notes.iter().cloned());
    if !problems.is_empty() {
        let listed: Vec<String> = (problems.iter())
            .map(|p| format!("{} ({})", p.message, p.code.as_str()))
            .collect();
        text.push(format!("To fix: {}.", listed.join("; ")));
    }
    text.push(format!("Status on {on}: {}.", status.as_str()));
    text.extend(unverified(r, t, on, &f.basis));
    text.push(format!("Reference data of {}.", r.version()));
    Verdict {
        status,
        problems,
        explanation: text.join(" "),
        instrument: instrument_ref(&f.basis),
    }
}

fn head(r: &LegalReference, t: &Transfer, on: NaiveDate) -> String {
    let law = (r.area(t.regime)).map_or(regime_name(t.regime), |a| a.law_on(on));
    let exporter = t.exporter_role.map_or("an exporter".to_owned(), |e| {
        format!("a {}", exporter_label(e))
    });
    let recipient = t.recipient_role.map_or("an importer".to_owned(), |r| {
        format!("a {}", recipient_label(r))
    });
    let mut head = format!(
        "Assessed on {on} under {law}: {exporter} in {} sends personal data to {recipient} in {}.",
        t.exporter_country, t.destination
    );
    if r.regime_in_force(t.regime, on) && !r.in_area(t.regime, t.exporter_country, on) {
        head.push_str(" The exporter is outside the area, so this is an onward transfer of data still under that law.");
    }
    head
}

fn basis(r: &LegalReference, t: &Transfer, on: NaiveDate, basis: &Basis) -> String {
    let area = r
        .area(t.regime)
        .map_or("exporter's area", |a| a.name.as_str());
    let outside = format!("{} is outside the {area} on that date", t.destination);
    match basis {
        Basis::RegimeNotInForce => {
            let from = r
                .area(t.regime)
                .map(|a| a.validity.effective_from.to_string());
            format!(
                "{} did not apply yet on {on} (it applies from {}), so its Chapter V does not restrict this transfer on that date.",
                regime_name(t.regime),
                from.unwrap_or_default()
            )
        }
        Basis::InsideArea(area) => format!(
            "{} is inside the {} on that date, so this is not a restricted transfer under Chapter V.",
            t.destination, area.name
        ),
        Basis::Adequacy(d) => adequacy(t, d, &outside),
        Basis::AdequacyScheme(w) => format!(
            "{outside}; the transfer relies on the {}: {} ({}), {}, for certified organisations only.",
            w.name,
            w.instrument,
            w.article,
            window(w)
        ),
        Basis::Safeguard(w) => safeguard(t, w, &outside),
        Basis::Derogation(w, d) => derogation(w, *d, &outside),
        Basis::Nothing => format!("{outside} and nothing recorded carries the transfer."),
    }
}

fn adequacy(t: &Transfer, d: &AdequacyDecision, outside: &str) -> String {
    let until = (d.validity.effective_to).map_or(String::new(), |to| format!(" until {to}"));
    let mut s = format!(
        "{outside}; the transfer relies on the adequacy decision for {}: {} ({}), applicable from {}{until}.",
        d.name, d.instrument, d.article, d.validity.effective_from
    );
    match (&d.scope, t.importer_in_adequacy_scope) {
        (AdequacyScope::Full, _) => {}
        (AdequacyScope::CertifiedImporters { description }, _) => s.push_str(&format!(
            " It covers {description}; the importer is recorded as certified."
        )),
        (AdequacyScope::Partial { description }, Some(true)) => s.push_str(&format!(
            " It covers {description}; the importer is recorded as within that scope."
        )),
        (AdequacyScope::Partial { description }, _) => s.push_str(&format!(
            " It covers only {description}: confirm that the importer is within that scope."
        )),
    }
    if d.status == Status::InForceAtRisk {
        let why = d
            .provenance
            .notes
            .as_deref()
            .unwrap_or("see the reference notes");
        s.push_str(&format!(" The decision is in force but at risk: {why}."));
    }
    s.push_str(" No transfer impact assessment is needed under an adequacy decision.");
    use TransferMechanism as M;
    if !matches!(
        t.mechanism,
        M::Adequacy | M::None | M::EuUsDpf | M::PrivacyShield | M::SafeHarbor | M::Scc2010
    ) {
        s.push_str(&format!(
            " The recorded {} is not needed while the decision applies; it can stay on file as a fallback.",
            mechanism_name(t.mechanism)
        ));
    }
    s
}

fn safeguard(t: &Transfer, w: &InstrumentWindow, outside: &str) -> String {
    let mut s = format!(
        "{outside}; the transfer relies on an appropriate safeguard, the {}: {} ({}), {}.",
        w.name,
        w.instrument,
        w.article,
        window(w)
    );
    if let Some(m) = t.scc_module.filter(|_| {
        matches!(
            t.mechanism,
            TransferMechanism::Scc2021 | TransferMechanism::UkAddendum
        )
    }) {
        s.push_str(&format!(" Module recorded: {}.", module_name(m)));
    }
    if let Some(signed) = t.signed_on {
        s.push_str(&format!(" Contract signed on {signed}."));
    }
    if let Some(done) = t.tia_completed_on {
        s.push_str(&format!(" Transfer impact assessment completed on {done}."));
    }
    if let Some(evidence) = t
        .safeguard_evidence
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    {
        s.push_str(&format!(" Evidence on record: {}.", evidence.trim()));
    }
    s
}

fn derogation(w: &InstrumentWindow, d: Option<Derogation>, outside: &str) -> String {
    let Some(d) = d else {
        return format!(
            "{outside}; a derogation of {} is recorded, but not which one.",
            w.article
        );
    };
    let (point, label) = derogation_label(d);
    let mut s = format!(
        "{outside}; the transfer relies on a derogation for a specific situation, {}{point} ({label}). \
         This is exceptional: derogations are read restrictively, suit occasional, non-repetitive transfers \
         (EDPB Guidelines 2/2018), and are available only where no adequacy decision or Art 46 safeguard is.",
        w.article
    );
    if d == Derogation::CompellingLegitimateInterests {
        s.push_str(
            " It must also be non-repetitive, concern a limited number of data subjects, be documented in the \
             Art 30 records, and the supervisory authority and the data subjects must be informed (Art 49(1) \
             second subparagraph, Art 49(6)).",
        );
    }
    if matches!(
        d,
        Derogation::ExplicitConsent
            | Derogation::ContractWithSubject
            | Derogation::ContractInSubjectInterest
            | Derogation::CompellingLegitimateInterests
    ) {
        s.push_str(" Not available to public authorities exercising public powers (Art 49(3)).");
    }
    s
}

fn derogation_label(d: Derogation) -> (&'static str, &'static str) {
    match d {
        Derogation::ExplicitConsent => (
            "(1)(a)",
            "explicit consent after being informed of the risks",
        ),
        Derogation::ContractWithSubject => {
            ("(1)(b)", "necessary for a contract with the data subject")
        }
        Derogation::ContractInSubjectInterest => (
            "(1)(c)",
            "necessary for a contract in the data subject's interest",
        ),
        Derogation::PublicInterest => ("(1)(d)", "important reasons of public interest"),
        Derogation::LegalClaims => ("(1)(e)", "legal claims"),
        Derogation::VitalInterests => ("(1)(f)", "vital interests"),
        Derogation::PublicRegister => ("(1)(g)", "transfer from a public register"),
        Derogation::CompellingLegitimateInterests => (
            "(1), second subparagraph",
            "compelling legitimate interests",
        ),
    }
}

fn window(w: &InstrumentWindow) -> String {
    match w.validity.effective_to {
        Some(to) => format!("applicable from {} until {to}", w.validity.effective_from),
        None => format!("applicable since {}", w.validity.effective_from),
    }
}

/// Sentences flagging the M/U facts the verdict used, with the reference's own detail where given.
fn unverified(r: &LegalReference, t: &Transfer, on: NaiveDate, basis: &Basis) -> Vec<String> {
    let mut facts: Vec<(String, Verify, Option<&str>)> = Vec::new();
    match basis {
        Basis::Adequacy(d) => facts.push((
            d.instrument.clone(),
            d.provenance.verify,
            d.provenance.verify_detail.as_deref(),
        )),
        Basis::AdequacyScheme(w) | Basis::Safeguard(w) | Basis::Derogation(w, _) => facts.push((
            w.instrument.clone(),
            w.provenance.verify,
            w.provenance.verify_detail.as_deref(),
        )),
        Basis::InsideArea(area) => {
            let member = (area.members.iter())
                .find(|m| m.country == t.destination && m.validity.contains(on));
            if let Some(m) = member {
                facts.push((
                    format!("{}'s membership dates of the {}", m.country, area.name),
                    m.verify,
                    None,
                ));
            }
        }
        Basis::RegimeNotInForce | Basis::Nothing => {}
    }
    let rule = r
        .impact_assessment(t.regime)
        .filter(|rule| rule.validity.contains(on));
    if let (Basis::Safeguard(_), Some(rule)) = (basis, rule) {
        facts.push((
            format!("the date from which a {} is required", rule.name),
            rule.provenance.verify,
            None,
        ));
    }
    let mut out = Vec::new();
    for (what, verify, detail) in facts {
        if verify.is_unverified() {
            out.push(format!(
                "Unverified: {what} is tagged {verify:?} ({}); check before relying on it.",
                verify.meaning()
            ));
        }
        if let Some(detail) = detail {
            out.push(format!("Source note on {what}: {detail}."));
        }
    }
    out
}

fn instrument_ref(basis: &Basis) -> Option<InstrumentRef> {
    match basis {
        Basis::Adequacy(d) => Some(InstrumentRef {
            id: d.id.clone(),
            name: d.name.clone(),
            instrument: d.instrument.clone(),
            article: d.article.clone(),
            effective_from: d.validity.effective_from,
            effective_to: d.validity.effective_to,
            verify: d.provenance.verify,
        }),
        Basis::AdequacyScheme(w) | Basis::Safeguard(w) | Basis::Derogation(w, _) => {
            Some(InstrumentRef {
                id: w.id.clone(),
                name: w.name.clone(),
                instrument: w.instrument.clone(),
                article: w.article.clone(),
                effective_from: w.validity.effective_from,
                effective_to: w.validity.effective_to,
                verify: w.provenance.verify,
            })
        }
        Basis::RegimeNotInForce | Basis::InsideArea(_) | Basis::Nothing => None,
    }
}

pub(super) fn exporter_label(e: ExporterRole) -> &'static str {
    match e {
        ExporterRole::Controller => "controller",
        ExporterRole::Processor => "processor",
    }
}

pub(super) fn recipient_label(r: RecipientRole) -> &'static str {
    match r {
        RecipientRole::Processor => "processor",
        RecipientRole::SubProcessor => "sub-processor",
        RecipientRole::Controller => "controller",
        RecipientRole::JointController => "joint controller",
    }
}
