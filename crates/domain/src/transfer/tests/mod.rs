//! Tests of the transfer rules: tables of dates around every cut-off, then one concern per file.

mod cases;
mod chapter_v;
mod explanations;
mod mutants;
mod reasoning;
mod records;
mod table;
mod third_pass;
mod wording;

use super::{Certifications, ExporterRole, Transfer, Verdict, assess, assess_brief};
use crate::{
    country::CountryCode,
    reference::LegalReference,
    vocab::{Derogation, RecipientRole, Regime, SccModule, TransferMechanism},
};
use chrono::NaiveDate;
use std::sync::LazyLock;

static REFERENCE: LazyLock<LegalReference> =
    LazyLock::new(|| LegalReference::load().expect("the embedded reference loads"));

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
}

fn cc(s: &str) -> CountryCode {
    CountryCode::parse(s).expect("a test country")
}

/// What a careful DPO records: roles, a fitting module, a TIA and a DPA done on the day, the
/// importer on every certification list, both parties in the same BCR group, evidence of
/// approval, a derogation named and the flow occasional. Tests remove what they test.
fn complete(regime: Regime, mechanism: TransferMechanism, destination: &str, on: &str) -> Transfer {
    let exporter = match regime {
        Regime::EuGdpr => "DE",
        Regime::UkGdpr => "GB",
    };
    Transfer {
        exporter_role: Some(ExporterRole::Controller),
        recipient_role: Some(RecipientRole::Processor),
        scc_module: Some(SccModule::C2p),
        derogation: Some(Derogation::LegalClaims),
        tia_completed_on: Some(day(on)),
        certifications: Certifications::all(Some(true)),
        exporter_bcr_group: Some("Example Group".into()),
        importer_bcr_group: Some("Example Group".into()),
        occasional: Some(true),
        recipient_dpa_signed_on: Some(day(on)),
        safeguard_evidence: Some("approved by the lead supervisory authority, ref. 2023-17".into()),
        ..Transfer::new(regime, cc(exporter), cc(destination), mechanism)
    }
}

/// The verdict; every case also checks that the brief verdict (no paragraph) says the same.
fn check(t: &Transfer, on: &str) -> Verdict {
    let full = assess(&REFERENCE, t, day(on));
    let brief = assess_brief(&REFERENCE, t, day(on));
    assert_eq!(
        (brief.status, &brief.problems, &brief.instrument),
        (full.status, &full.problems, &full.instrument)
    );
    assert!(brief.explanation.is_empty());
    full
}
