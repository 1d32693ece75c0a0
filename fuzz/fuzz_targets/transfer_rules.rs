//! The transfer rules never panic on any combination of facts and dates, always explain
//! themselves, and call a transfer NON_COMPLIANT exactly when a blocking problem was found.
#![no_main]

use arbitrary::Arbitrary;
use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use transfer_register::domain::{
    country::CountryCode,
    reference::LegalReference,
    transfer::{ExporterRole, Transfer, assess},
    vocab::{Derogation, RecipientRole, Regime, SccModule, TransferMechanism, VerdictStatus},
};

#[derive(Debug, Arbitrary)]
struct Case {
    regime: bool,
    exporter: u8,
    destination: u8,
    mechanism: u8,
    module: Option<u8>,
    derogation: Option<u8>,
    exporter_role: Option<bool>,
    recipient_role: Option<u8>,
    tia: Option<u16>,
    signed: Option<u16>,
    dpa: Option<u16>,
    certified: Option<bool>,
    in_scope: Option<bool>,
    evidence: Option<String>,
    on: u16,
}

fn pick<T: Copy>(all: &[T], i: u8) -> T {
    all[usize::from(i) % all.len()]
}

/// A day between 1995 and 2040.
fn day(n: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(1995, 1, 1).unwrap_or(NaiveDate::MIN)
        + chrono::Days::new(u64::from(n) % 16_500)
}

fuzz_target!(|case: Case| {
    static REFERENCE: OnceLock<LegalReference> = OnceLock::new();
    let reference = REFERENCE.get_or_init(|| LegalReference::load().expect("reference data"));
    use strum::VariantArray;
    let countries: Vec<CountryCode> = CountryCode::all().collect();
    let regime = if case.regime {
        Regime::EuGdpr
    } else {
        Regime::UkGdpr
    };
    let mut t = Transfer::new(
        regime,
        countries[usize::from(case.exporter) % countries.len()],
        countries[usize::from(case.destination) % countries.len()],
        pick(TransferMechanism::VARIANTS, case.mechanism),
    );
    t.scc_module = case.module.map(|m| pick(SccModule::VARIANTS, m));
    t.derogation = case.derogation.map(|d| pick(Derogation::VARIANTS, d));
    t.exporter_role = case.exporter_role.map(|c| {
        if c {
            ExporterRole::Controller
        } else {
            ExporterRole::Processor
        }
    });
    t.recipient_role = case
        .recipient_role
        .map(|r| pick(RecipientRole::VARIANTS, r));
    t.tia_completed_on = case.tia.map(day);
    t.signed_on = case.signed.map(day);
    t.recipient_dpa_signed_on = case.dpa.map(day);
    t.importer_dpf_certified = case.certified;
    t.importer_in_adequacy_scope = case.in_scope;
    t.safeguard_evidence = case.evidence;
    let verdict = assess(reference, &t, day(case.on));
    assert!(!verdict.explanation.is_empty());
    if verdict.status == VerdictStatus::NonCompliant {
        assert!(
            !verdict.problems.is_empty(),
            "a non-compliant verdict names its problems"
        );
    }
});
