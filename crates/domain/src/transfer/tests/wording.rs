//! Every explanation the rules can produce reads as a lawyer would write it: no internal notes,
//! file names, identifiers of the reference data, code spellings or doubled words. The test
//! generates them over every mechanism, destination and date (each cut-off with the days either
//! side), the roles and the kinds of record (complete, bare, every fact contrary) taking turns,
//! and checks each distinct paragraph.

use super::{REFERENCE, cc, complete, table::cut_off_dates};
use crate::{
    transfer::{Certifications, ExporterRole, Transfer, assess},
    vocab::{ProblemCode, RecipientRole, Regime, TransferMechanism as M, VerdictStatus},
};
use std::collections::BTreeSet;
use strum::VariantArray;

/// Words that betray notes to ourselves rather than text for a reader.
const INTERNAL: &[&str] = &[
    "open item",
    "tagged",
    ".md",
    ".json",
    "legal_reference",
    "transfer_law",
    "todo",
    "fixme",
    "???",
    "verify",
    "(m)",
    "(u)",
    "(s)",
    "(v)",
    "v(",
    "u(",
    "s/u",
    "v/m",
    "n/a",
    "some(",
    "none)",
    "option<",
    "{",
    "}",
    "  ",
    " ,",
    " .",
    " ;",
    ",,",
    ";;",
    ". .",
    "s.1 ",
    "s.3 ",
    "s.5",
    "s.6",
    "euGdpr",
    "ukgdpr",
    "eugdpr",
    "scc2021",
    "scc2010",
    "subprocessor",
    "jointcontroller",
    "noncompliant",
    "notrestricted",
    "as recollected",
    "from memory of",
];

/// The contract's own vocabulary, which explanations may quote in capitals.
fn contract_words() -> BTreeSet<&'static str> {
    let mut words: BTreeSet<&'static str> = BTreeSet::new();
    words.extend(ProblemCode::VARIANTS.iter().map(|c| c.as_str()));
    words.extend(VerdictStatus::VARIANTS.iter().map(|s| s.as_str()));
    words.extend(
        M::VARIANTS
            .iter()
            .map(|m| super::super::safeguards::mechanism_name(*m)),
    );
    words
}

/// What is wrong with a paragraph, if anything.
fn faults(text: &str, ids: &[String], contract: &BTreeSet<&str>) -> Vec<String> {
    let mut out = Vec::new();
    // An ellipsis inside a quotation is the source's own words, not a stray full stop.
    let lower = text.to_lowercase().replace(" ...", "…");
    for word in INTERNAL {
        if lower.contains(&word.to_lowercase()) {
            out.push(format!("contains {word:?}"));
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for pair in words.windows(2) {
        let clean = |w: &str| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        };
        let (a, b) = (clean(pair[0]), clean(pair[1]));
        let punctuated = pair[0].ends_with([',', ';', '.', ':', ')']) || pair[1].starts_with('(');
        // A country code next to the word it spells ("IN", "IS") is not a doubled word.
        let code = |w: &str| {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            w.len() == 2 && w.chars().all(|c| c.is_ascii_uppercase())
        };
        let punctuated = punctuated || code(pair[0]) != code(pair[1]);
        if !a.is_empty() && a == b && !punctuated && a.parse::<f64>().is_err() {
            out.push(format!("doubled word {:?}", pair.join(" ")));
        }
    }
    for token in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')) {
        if token.contains('_') && !contract.contains(token) {
            out.push(format!("code spelling {token:?}"));
        }
        if ids.iter().any(|id| id == token) {
            out.push(format!("internal identifier {token:?}"));
        }
    }
    if !text.ends_with('.') {
        out.push("does not end with a full stop".into());
    }
    out
}

/// The role pairs, including unknown roles (assessTransfer knows none).
fn roles() -> Vec<(Option<ExporterRole>, Option<RecipientRole>)> {
    let exporters = [
        None,
        Some(ExporterRole::Controller),
        Some(ExporterRole::Processor),
    ];
    let recipients = [
        None,
        Some(RecipientRole::Controller),
        Some(RecipientRole::JointController),
        Some(RecipientRole::Processor),
        Some(RecipientRole::SubProcessor),
    ];
    exporters
        .iter()
        .flat_map(|e| recipients.iter().map(move |r| (*e, *r)))
        .collect()
}

/// Three records of the same transfer: complete, bare, and with every fact contrary.
fn variants(regime: Regime, mechanism: M, to: &str, on: &str, n: usize) -> Vec<Transfer> {
    let full = complete(regime, mechanism, to, on);
    let bare = Transfer::new(regime, full.exporter_country, full.destination, mechanism);
    let mut contrary = full.clone();
    contrary.certifications = Certifications::all(Some(false));
    contrary.importer_in_adequacy_scope = Some(false);
    contrary.importer_subject_to_pipeda = Some(false);
    contrary.importer_appi_private_sector = Some(false);
    contrary.importer_subject_to_regime = Some(true);
    contrary.importer_bcr_group = Some("Other Group".into());
    contrary.occasional = Some(false);
    contrary.scc_module = None;
    contrary.derogation = None;
    contrary.tia_completed_on = None;
    contrary.recipient_dpa_signed_on = None;
    contrary.safeguard_evidence = None;
    contrary.signed_on = full
        .signed_on
        .and_then(|d| d.checked_add_days(chrono::Days::new(1)));
    // Onward transfers and international organisations, on some of the rows.
    if n.is_multiple_of(7) {
        contrary.exporter_country = cc("US");
    }
    if n.is_multiple_of(11) {
        contrary.importer_international_organisation =
            Some(["EPO", "EU_BODIES", "UNHCR"][n % 3].into());
    }
    if n.is_multiple_of(5) {
        contrary.signed_on = Some(super::day("2019-06-01"));
    }
    vec![full, bare, contrary]
}

#[test]
fn no_explanation_the_rules_can_produce_contains_internal_words() {
    let contract = contract_words();
    let mut ids: Vec<String> = (REFERENCE.adequacy_decisions().iter().map(|d| d.id.clone()))
        .chain(REFERENCE.instruments().iter().map(|w| w.id.clone()))
        .chain(REFERENCE.not_a_transfer().iter().map(|n| n.id.clone()))
        .chain(REFERENCE.amendments().iter().map(|a| a.id.clone()))
        .collect();
    ids.extend(["EU-TIA".to_owned(), "UK-TRA".to_owned()]);
    let mut destinations: BTreeSet<String> = BTreeSet::new();
    for area in REFERENCE.areas() {
        destinations.extend(area.members.iter().map(|m| m.country.to_string()));
    }
    for d in REFERENCE.adequacy_decisions() {
        if let crate::reference::AdequacySubject::Country { code }
        | crate::reference::AdequacySubject::Territory { code } = &d.subject
        {
            destinations.insert(code.to_string());
        }
    }
    destinations.extend(["IN", "CN", "GL", "SJ"].map(str::to_owned));
    let roles = roles();
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    let mut n = 0usize;
    for regime in [Regime::EuGdpr, Regime::UkGdpr] {
        let mut dates = cut_off_dates(regime);
        dates.push(super::day("2026-11-24"));
        for on in dates {
            let on_text = on.to_string();
            for to in &destinations {
                for &mechanism in M::VARIANTS {
                    n += 1;
                    let (exporter, recipient) = roles[n % roles.len()];
                    // One record per row, the kinds taking turns, keeps the run short.
                    let kind = n % 3;
                    for mut t in variants(regime, mechanism, to, &on_text, n)
                        .into_iter()
                        .skip(kind)
                        .take(1)
                    {
                        (t.exporter_role, t.recipient_role) = (exporter, recipient);
                        let text = assess(&REFERENCE, &t, on).explanation;
                        // Dates and countries vary the text without changing its wording.
                        let shape: String = text
                            .replace(|c: char| c.is_ascii_digit(), "9")
                            .replace(to.as_str(), "XX");
                        if !seen.insert(shape) {
                            continue;
                        }
                        let found = faults(&text, &ids, &contract);
                        if !found.is_empty() && failures.len() < 20 {
                            failures.push(format!("{found:?}\n  {text}"));
                        }
                    }
                }
            }
        }
    }
    assert!(n > 50_000, "only {n} transfers generated");
    assert!(
        seen.len() > 1_000,
        "only {} distinct paragraphs",
        seen.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_checker_catches_what_it_is_meant_to_catch() {
    let contract = contract_words();
    let ids = vec!["EU-JP".to_owned()];
    for bad in [
        "See open item 2.",
        "Tagged M in the file.",
        "Only only once.",
        "As in legal_reference.md.",
        "Relies on EU-JP now.",
        "The importer_in_adequacy_scope flag.",
        "No full stop",
    ] {
        assert!(!faults(bad, &ids, &contract).is_empty(), "{bad}");
    }
    let good = "Conclusion on 2026-11-24: not compliant (NON_COMPLIANT); record UK_ADDENDUM.";
    assert_eq!(faults(good, &ids, &contract), Vec::<String>::new());
}
