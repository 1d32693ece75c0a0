//! Every dated entry of the legal reference file, tested around its dates: each adequacy
//! decision on the day before it starts, the day it starts and the day after (and the same
//! around its end), and each member of an exporting area around the day it joined. The dates
//! and the coverage are read here from `reference/transfer_law.json` itself, not through the
//! model under test, and the expectation of each kind of entry is written by hand below, so an
//! entry added to the file is tested the day it is added.

use chrono::{Days, NaiveDate};
use serde_json::Value;
use std::sync::LazyLock;
use transfer_register::domain::{
    country::CountryCode,
    reference::LegalReference,
    transfer::{Certifications, ExporterRole, Transfer, assess},
    vocab::{RecipientRole, Regime, SccModule, TransferMechanism, VerdictStatus},
};

static FILE: LazyLock<Value> = LazyLock::new(|| {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/reference/transfer_law.json"
    ))
    .expect("the reference file");
    serde_json::from_str(&text).expect("JSON")
});
static REFERENCE: LazyLock<LegalReference> =
    LazyLock::new(|| LegalReference::load().expect("the compiled-in reference"));

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn regime(s: &str) -> Regime {
    match s {
        "EU_GDPR" => Regime::EuGdpr,
        "UK_GDPR" => Regime::UkGdpr,
        other => panic!("unknown regime {other}"),
    }
}

fn in_force(entry: &Value, on: NaiveDate) -> bool {
    let from = day(entry["effective_from"].as_str().expect("effective_from"));
    let to = entry["effective_to"].as_str().map(day);
    from <= on && to.is_none_or(|to| on < to)
}

/// The destinations a decision covers, when it covers countries or territories.
fn covered_codes(entry: &Value) -> Vec<String> {
    let subject = &entry["subject"];
    match subject["kind"].as_str() {
        Some("country" | "territory") => vec![subject["code"].as_str().expect("code").to_owned()],
        Some("countries") => subject["codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|c| c.as_str().expect("code").to_owned())
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the file says a decision of `regime` covers `code` on `on` (whatever its scope: the
/// record below puts the importer inside every scope).
fn adequate_by_file(regime_name: &str, code: &str, on: NaiveDate) -> bool {
    FILE["adequacy"]
        .as_array()
        .expect("adequacy")
        .iter()
        .filter(|e| e["regime"] == regime_name && e["status"] != "not_adopted")
        .any(|e| covered_codes(e).iter().any(|c| c == code) && in_force(e, on))
}

/// The first day of an exporting area (the regime's own start).
fn area_start(regime_name: &str) -> NaiveDate {
    let area = FILE["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .find(|a| a["regime"] == regime_name)
        .expect("area");
    area["effective_from"].as_str().map_or(NaiveDate::MIN, day)
}

/// A transfer relying on adequacy, recorded completely, with the importer inside every partial
/// scope and on every certification list: only the decision's dates decide.
fn adequacy_transfer(regime: Regime, destination: &str, on: NaiveDate) -> Transfer {
    let exporter = match regime {
        Regime::EuGdpr => "DE",
        Regime::UkGdpr => "GB",
    };
    Transfer {
        exporter_role: Some(ExporterRole::Controller),
        recipient_role: Some(RecipientRole::Processor),
        scc_module: Some(SccModule::C2p),
        recipient_dpa_signed_on: Some(on),
        tia_completed_on: Some(on),
        certifications: Certifications::all(Some(true)),
        importer_in_adequacy_scope: Some(true),
        importer_subject_to_pipeda: Some(true),
        importer_appi_private_sector: Some(true),
        ..Transfer::new(
            regime,
            CountryCode::parse(exporter).expect("exporter"),
            CountryCode::parse(destination).expect("destination"),
            TransferMechanism::Adequacy,
        )
    }
}

/// The day before, of and after `date`, within the regime's existence.
fn around(date: NaiveDate, start: NaiveDate) -> Vec<NaiveDate> {
    [
        date.checked_sub_days(Days::new(1)),
        Some(date),
        date.checked_add_days(Days::new(1)),
    ]
    .into_iter()
    .flatten()
    .filter(|d| *d >= start)
    .collect()
}

#[test]
fn every_adequacy_decision_is_tested_around_its_start_and_its_end() {
    let mut cases = 0;
    let mut decisions = 0;
    for entry in FILE["adequacy"].as_array().expect("adequacy") {
        let codes = covered_codes(entry);
        if codes.is_empty() {
            continue; // international organisations: tested by name in the rules' own tests
        }
        decisions += 1;
        let regime_name = entry["regime"].as_str().expect("regime");
        let start = area_start(regime_name);
        let mut dates = vec![day(entry["effective_from"].as_str().expect("from"))];
        if let Some(to) = entry["effective_to"].as_str() {
            dates.push(day(to));
        }
        for code in &codes {
            for date in &dates {
                for on in around(*date, start) {
                    let expected = adequate_by_file(regime_name, code, on);
                    let verdict = assess(
                        &REFERENCE,
                        &adequacy_transfer(regime(regime_name), code, on),
                        on,
                    );
                    let adequate = verdict.status == VerdictStatus::Adequate;
                    assert_eq!(
                        adequate,
                        expected,
                        "{} ({regime_name}) to {code} on {on}: the file says {}, the rules say {:?} ({:?})",
                        entry["id"],
                        if expected { "adequate" } else { "not adequate" },
                        verdict.status,
                        verdict.problems
                    );
                    cases += 1;
                }
            }
        }
    }
    assert!(decisions >= 25, "{decisions} decisions read");
    // 175 today: never fewer than three days per decision and code.
    assert!(cases >= 3 * decisions, "{cases} cases run");
}

#[test]
fn every_member_of_an_exporting_area_is_inside_it_from_the_day_it_joined() {
    let mut cases = 0;
    for area in FILE["areas"].as_array().expect("areas") {
        let regime_name = area["regime"].as_str().expect("regime");
        let start = area_start(regime_name);
        for member in area["members"].as_array().expect("members") {
            let code = member["country"].as_str().expect("country");
            let joined = day(member["effective_from"].as_str().expect("from"));
            for on in around(joined, start) {
                let inside = in_force(member, on);
                let verdict = assess(
                    &REFERENCE,
                    &adequacy_transfer(regime(regime_name), code, on),
                    on,
                );
                if code == "DE" || code == "GB" {
                    continue; // the exporter's own country
                }
                assert_eq!(
                    verdict.status == VerdictStatus::NotRestricted,
                    inside,
                    "{regime_name}: a transfer to {code} on {on} (member from {joined}): {:?}",
                    verdict.status
                );
                cases += 1;
            }
        }
    }
    // The accessions of 2004 (ten countries) and 2007 (two) among them, each on three days.
    assert!(cases >= 36, "{cases} cases run");
}
