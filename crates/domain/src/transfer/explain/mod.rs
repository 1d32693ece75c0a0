//! Turns a finding into the verdict and its paragraph: what applies, why, since when, under which
//! act, what to fix, and which of the facts used are not confirmed against the official text.

use super::{
    ExporterRole, Transfer, Verdict,
    rules::{Basis, Finding, recorded_in_scope, scope_fact_words},
    safeguards::{mechanism_words, module_name, regime_name},
};
use crate::{
    reference::{
        AdequacyDecision, AdequacyScope, BodyKind, InstrumentWindow, LegalReference,
        OccasionalRule, Status, Validity,
    },
    vocab::{Derogation, RecipientRole, TransferMechanism, VerdictStatus},
};
use chrono::NaiveDate;

mod unverified;

use unverified::{instrument_ref, unverified};

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
        Basis::RegimeNotInForce
        | Basis::InsideArea(_)
        | Basis::NotATransfer(_)
        | Basis::EuInstitution(_) => VerdictStatus::NotRestricted,
        Basis::Adequacy(_) | Basis::AdequacyScheme(_) => VerdictStatus::Adequate,
        Basis::Safeguard(_) => VerdictStatus::Safeguarded,
        Basis::Derogation(..) => VerdictStatus::Derogation,
        Basis::Nothing => VerdictStatus::NonCompliant,
    };
    let mut problems = f.problems.clone();
    problems.extend(f.stale_record.iter().cloned());
    problems.extend(f.warnings.iter().cloned());
    (status, problems)
}

pub(super) fn verdict(r: &LegalReference, t: &Transfer, on: NaiveDate, f: &Finding) -> Verdict {
    let (status, problems) = outcome(f);
    let mut text = vec![head(r, t, on), basis(r, t, on, &f.basis)];
    text.extend(f.notes.iter().cloned());
    if t.recipient_dpa_signed_on.is_none_or(|d| d > on)
        && let Some(reading) = super::rules::signed_sccs_are_the_contract(r, t, on)
    {
        text.push(format!(
            "No separate processing agreement is needed: {} ({}).",
            reading.wording.trim_end_matches('.'),
            reading.provenance.source
        ));
    }
    let list = |warnings: bool| -> Vec<String> {
        (problems.iter())
            .filter(|p| p.code.is_warning() == warnings)
            .map(|p| p.message.clone())
            .collect()
    };
    let (to_fix, to_note) = (list(false), list(true));
    if !to_fix.is_empty() {
        text.push(format!("To put right: {}.", to_fix.join("; ")));
    }
    if !to_note.is_empty() {
        text.push(format!(
            "To note, without changing the conclusion: {}.",
            to_note.join("; ")
        ));
    }
    text.push(format!("Conclusion on {on}: {}.", status_words(status)));
    text.extend(unverified(r, t, on, &f.basis));
    text.push(format!(
        "Assessed against version {} of the register's legal reference data.",
        r.version()
    ));
    Verdict {
        status,
        problems,
        explanation: text.join(" "),
        instrument: instrument_ref(&f.basis),
    }
}

fn status_words(status: VerdictStatus) -> &'static str {
    match status {
        VerdictStatus::NotRestricted => "not a restricted transfer",
        VerdictStatus::Adequate => "carried by an adequacy decision",
        VerdictStatus::Safeguarded => "carried by an appropriate safeguard",
        VerdictStatus::Derogation => "resting on a derogation",
        VerdictStatus::NonCompliant => "not compliant",
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
    let eu_body = t
        .importer_international_organisation
        .as_deref()
        .and_then(|o| r.organisation(o))
        .filter(|o| o.kind == BodyKind::EuInstitutions);
    let to = match t.importer_international_organisation.as_deref() {
        Some(_) if let Some(body) = eu_body => format!(
            "{}, acting as {recipient} (seat recorded in country {})",
            the(&body.name),
            t.destination
        ),
        Some(org) => format!(
            "{}, an international organisation acting as {recipient} (seat recorded in country {})",
            organisation(r, org),
            t.destination
        ),
        None => format!("{recipient} (country: {})", t.destination),
    };
    let mut head = format!(
        "Assessed on {on} under {law}: {exporter} (country: {}) sends personal data to {to}.",
        t.exporter_country
    );
    if t.destination_specific {
        head.push_str(" The tool assessed is the one recorded for this destination, not the flow's general one.");
    }
    if r.regime_in_force(t.regime, on) && !r.in_area(t.regime, t.exporter_country, on) {
        head.push_str(" The exporter is outside the area, so this is an onward transfer of data still under that law.");
    }
    head
}

#[allow(
    clippy::too_many_lines,
    reason = "one paragraph per kind of basis, in the order a lawyer states them"
)]
fn basis(r: &LegalReference, t: &Transfer, on: NaiveDate, basis: &Basis) -> String {
    let area = r
        .area(t.regime)
        .map_or("exporter's area", |a| a.name.as_str());
    let eu_body = t
        .importer_international_organisation
        .as_deref()
        .and_then(|o| r.organisation(o))
        .filter(|o| o.kind == BodyKind::EuInstitutions);
    let outside = match t.importer_international_organisation.as_deref() {
        Some(_) if let Some(body) = eu_body => format!(
            "The importer is one of {}, which {} treats as outside its area, so the transfer is restricted under Art 44",
            the(&body.name),
            regime_name(t.regime)
        ),
        Some(org) => format!(
            "The importer is an international organisation, {}, so the transfer is restricted under Art 44 wherever the organisation sits",
            organisation(r, org)
        ),
        None => format!(
            "The destination, {}, is outside the {area} on that date",
            t.destination
        ),
    };
    match basis {
        Basis::RegimeNotInForce => {
            let from = r
                .area(t.regime)
                .map(|a| a.validity.effective_from.to_string());
            format!(
                "{} did not apply yet on {on} (it applies from {}), so its Chapter V does not restrict this transfer on that date.",
                capitalised(regime_name(t.regime)),
                from.unwrap_or_default()
            )
        }
        Basis::InsideArea(area) => {
            let mut s = format!(
                "The destination, {}, is inside the {} on that date, so this is not a restricted transfer under Chapter V.",
                t.destination, area.name
            );
            if !matches!(
                t.mechanism,
                TransferMechanism::None | TransferMechanism::Adequacy
            ) {
                s.push_str(&format!(
                    " The {} on record are not needed for it and are not required.",
                    mechanism_words(t.mechanism)
                ));
            }
            s
        }
        Basis::NotATransfer(n) => {
            let mut s = format!(
                "{outside}, but under {}, {}, \"{}\", so this was not a restricted transfer under Chapter V and needed neither an adequacy decision nor a safeguard; this was not an adequacy decision. The rule applied {}, provided that {}.",
                n.instrument,
                n.article,
                n.wording,
                period(&n.validity, on),
                n.conditions
            );
            if let Some(c) =
                (n.conditional_exporters.iter()).find(|c| c.country == t.exporter_country)
            {
                s.push(' ');
                s.push_str(&c.note);
            }
            s
        }
        Basis::EuInstitution(body) => {
            let rule = body.rule.as_deref().unwrap_or(
                "Under the EU GDPR the Union's institutions, bodies, offices and agencies are neither a third country nor an international organisation",
            );
            format!(
                "{} ({}). Under the UK GDPR they would be a restricted destination.",
                rule.trim_end_matches('.'),
                body.provenance.source
            )
        }
        Basis::Adequacy(d) => adequacy(r, t, on, d, &outside),
        Basis::AdequacyScheme(w) => {
            let list = w.certification.map_or("its list", |c| c.list_name());
            format!(
                "{outside}; the transfer relies on the {}: {} ({}), {}, which covers only organisations on {list}.",
                w.name,
                w.instrument,
                w.article,
                period(&w.validity, on)
            )
        }
        Basis::Safeguard(w) => safeguard(r, t, on, w, &outside),
        Basis::Derogation(w, d) => derogation(r, t, w, *d, &outside),
        Basis::Nothing => format!("{outside}, and nothing recorded carries the transfer."),
    }
}

/// The organisation's name from the reference, else the name recorded.
fn organisation(r: &LegalReference, id: &str) -> String {
    match r.organisation_name(id) {
        Some(name) => the(name),
        None => id.replace('_', " "),
    }
}

/// A destination's name as a sentence needs it ("the United Kingdom", but "Japan").
pub(super) fn the(name: &str) -> String {
    const WITH_ARTICLE: [&str; 8] = [
        "United ",
        "Republic ",
        "Faroe ",
        "Isle ",
        "European ",
        "EEA ",
        "EU ",
        "Countries ",
    ];
    if WITH_ARTICLE.iter().any(|p| name.starts_with(p)) {
        format!("the {name}")
    } else {
        name.to_owned()
    }
}

pub(super) fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
}

/// The days an entry applies, as a report states them, with the reading of a disputed end.
pub(super) fn period(v: &Validity, on: NaiveDate) -> String {
    let from = v.effective_from;
    let Some(to) = v.effective_to else {
        return format!("applicable since {from}");
    };
    let last = to.pred_opt().unwrap_or(to);
    let mut s = if to <= on {
        format!("applicable from {from} to {last} inclusive")
    } else {
        format!("applicable from {from}, its last day being {last}")
    };
    if let Some(u) = v.until.as_ref().filter(|u| u.disputed) {
        s.push_str(&format!(
            " (sources differ on whether {} itself was covered; this assessment reads \"{}\" ({}) as {} that day)",
            u.stated,
            u.wording,
            u.source,
            if u.day_included { "including" } else { "excluding" }
        ));
    }
    s
}

fn adequacy(
    r: &LegalReference,
    t: &Transfer,
    on: NaiveDate,
    d: &AdequacyDecision,
    outside: &str,
) -> String {
    let mut s = format!(
        "{outside}; the transfer relies on the adequacy decision for {}: {} ({}), {}.",
        the(&d.name),
        d.instrument,
        d.article,
        period(&d.validity, on)
    );
    match &d.scope {
        AdequacyScope::Full => {}
        AdequacyScope::CertifiedImporters {
            description,
            scheme,
        } => {
            let recorded = match t.certifications.on(*scheme) {
                Some(true) => "the importer is recorded as on",
                Some(false) => "the importer is recorded as not on",
                None => "the importer's entry is not recorded on",
            };
            s.push_str(&format!(
                " It covers only {description}; {recorded} {}.",
                scheme.list_name()
            ));
        }
        AdequacyScope::Partial {
            description,
            requires,
        } => {
            let fact = scope_fact_words(*requires);
            match recorded_in_scope(t, &d.scope) {
                Some(true) => s.push_str(&format!(
                    " It covers only {description}; the importer is recorded as {fact}."
                )),
                Some(false) => s.push_str(&format!(
                    " It covers only {description}; the importer is recorded as not {fact}."
                )),
                None => s.push_str(&format!(
                    " It covers only {description}: confirm that the importer is {fact}."
                )),
            }
        }
    }
    if d.status == Status::InForceAtRisk {
        let why = d
            .provenance
            .notes
            .as_deref()
            .unwrap_or("its validity is contested");
        s.push_str(&format!(
            " The decision is in force but at risk: {}.",
            why.trim_end_matches('.')
        ));
    }
    s.push_str(" No transfer impact assessment is needed under an adequacy decision.");
    for a in r.amendments_on(t.regime, on) {
        s.push(' ');
        s.push_str(&a.adequacy_text);
    }
    use TransferMechanism as M;
    if !matches!(
        t.mechanism,
        M::Adequacy | M::None | M::EuUsDpf | M::PrivacyShield | M::SafeHarbor | M::Scc2010
    ) {
        s.push_str(&format!(
            " The {} on record are not needed while the decision applies; they can stay on file as a fallback.",
            mechanism_words(t.mechanism)
        ));
    }
    s
}

fn safeguard(
    r: &LegalReference,
    t: &Transfer,
    on: NaiveDate,
    w: &InstrumentWindow,
    outside: &str,
) -> String {
    let mut s = format!(
        "{outside}; the transfer relies on an appropriate safeguard, the {}: {} ({}), {}.",
        w.name,
        w.instrument,
        w.article,
        period(&w.validity, on)
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
        if let Some(p) = w
            .published
            .as_ref()
            .filter(|p| p.on <= signed && signed < w.validity.effective_from)
        {
            s.push_str(&format!(
                " It was signed after the text of the {} was {} but before it took effect on {}. {} ({}).",
                w.name,
                p.what,
                w.validity.effective_from,
                p.note.trim_end_matches('.'),
                p.provenance.source
            ));
        }
        if let Some(reason) = w
            .contracts_from_reason
            .as_deref()
            .filter(|_| signed < w.validity.effective_from)
        {
            s.push(' ');
            s.push_str(reason);
        }
    }
    if let Some(done) = t.tia_completed_on {
        let name = (r.impact_assessment(t.regime))
            .map_or("transfer impact assessment", |rule| rule.name.as_str());
        s.push_str(&format!(" The {name} was completed on {done}."));
    }
    if let Some(evidence) = t
        .safeguard_evidence
        .as_deref()
        .filter(|e| !e.trim().is_empty())
    {
        s.push_str(&format!(
            " Evidence on record: {}.",
            evidence.trim().trim_end_matches('.')
        ));
    }
    if w.mechanism == TransferMechanism::Bcr {
        match (&t.exporter_bcr_group, &t.importer_bcr_group) {
            (Some(e), Some(i)) if e == i => s.push_str(&format!(
                " Exporter and importer are both recorded as members of the group {e}."
            )),
            (None, None) => s.push_str(
                " Confirm that the importer belongs to the group that adopted the binding corporate rules: they cover transfers within that group only.",
            ),
            _ => {}
        }
    }
    if t.importer_subject_to_regime == Some(true) {
        s.push_str(
            " The importer's processing is itself subject to the law of the exporter under Art 3(2); Chapter V still applies to the transfer (EDPB Guidelines 05/2021).",
        );
    }
    for a in r.amendments_on(t.regime, on) {
        s.push(' ');
        s.push_str(&a.safeguard_text);
    }
    s
}

fn derogation(
    r: &LegalReference,
    t: &Transfer,
    w: &InstrumentWindow,
    d: Option<Derogation>,
    outside: &str,
) -> String {
    let Some(d) = d else {
        return format!(
            "{outside}; a derogation under {} is recorded, but not which one.",
            w.article
        );
    };
    let (point, label) = derogation_label(d);
    let mut s = format!(
        "{outside}; the transfer relies on a derogation for a specific situation, {}{point} ({label}). \
         This is exceptional: derogations are read restrictively (EDPB Guidelines 2/2018) and are available \
         only where no adequacy decision or Art 46 safeguard applies.",
        w.article
    );
    let rule = r.derogation(d);
    match (t.occasional, rule.map(|r| r.occasional)) {
        (Some(true), _) => s.push_str(" The transfer is recorded as occasional."),
        (Some(false), _) => {}
        (None, Some(OccasionalRule::Restrictive)) => {
            if let Some(rule) = rule {
                s.push_str(&format!(
                    " This point is not limited by the law to occasional transfers, but the EDPB reads it restrictively, in its words: {} ({}).",
                    rule.wording.trim_end_matches('.'),
                    rule.provenance.source
                ));
            }
        }
        (None, Some(_)) => {
            if let Some(rule) = rule {
                s.push_str(&format!(
                    " Confirm that the transfer is occasional: {} ({}).",
                    rule.wording.trim_end_matches('.'),
                    rule.provenance.source
                ));
            }
        }
        (None, None) => s.push_str(
            " Confirm that the transfer is occasional: a regular or continuing flow cannot rest on a derogation.",
        ),
    }
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

pub(super) fn derogation_label(d: Derogation) -> (&'static str, &'static str) {
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
