//! The second pass over Chapter V: certification-scoped US findings, the 2021 UK bridge, the
//! scope of partial decisions, international organisations, Art 3(2) importers, BCR groups,
//! occasional derogations, the UK's data protection test, and reference data replaced at start.
//! Every date is tested on the day before, the day of and the day after.

use super::{REFERENCE, cc, check, complete, day};
use crate::{
    reference::LegalReference,
    transfer::{Certifications, assess},
    vocab::{
        ProblemCode::{self, *},
        Regime::{EuGdpr as EU, UkGdpr as UK},
        TransferMechanism as M,
        VerdictStatus::{self, *},
    },
};

const TODAY: &str = "2026-11-24";

fn codes(v: &crate::transfer::Verdict) -> Vec<ProblemCode> {
    v.problems.iter().map(|p| p.code).collect()
}

fn says(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

/// (first day, last day) of each US finding; the day before and after are outside it.
const US_FINDINGS: &[(M, &str, &str, &str, &str)] = &[
    (
        M::SafeHarbor,
        "2000-07-25",
        "2000-07-26",
        "2015-10-05",
        "2015-10-06",
    ),
    (
        M::PrivacyShield,
        "2016-07-11",
        "2016-07-12",
        "2020-07-15",
        "2020-07-16",
    ),
    (
        M::EuUsDpf,
        "2023-07-09",
        "2023-07-10",
        "2026-11-23",
        "2026-11-24",
    ),
];

#[test]
fn safe_harbor_privacy_shield_and_the_dpf_carry_only_certified_importers() {
    for &(mechanism, before, first, last, after) in US_FINDINGS {
        for recorded in [mechanism, M::Adequacy] {
            for on in [first, day_after(first), last] {
                let v = check(&complete(EU, recorded, "US", on), on);
                assert_eq!(
                    (v.status, codes(&v)),
                    (Adequate, vec![]),
                    "{recorded:?} {on}"
                );
                for certified in [Some(false), None] {
                    let mut t = complete(EU, recorded, "US", on);
                    t.certifications = Certifications::all(certified);
                    let v = check(&t, on);
                    assert_eq!(
                        (v.status, codes(&v)),
                        (NonCompliant, vec![NotCertified]),
                        "{recorded:?} {on} {certified:?}: {}",
                        v.explanation
                    );
                }
            }
            if mechanism == M::EuUsDpf {
                continue;
            }
            for on in [before, after] {
                let v = check(&complete(EU, recorded, "US", on), on);
                assert_eq!(v.status, NonCompliant, "{recorded:?} {on}");
                assert!(!v.has(NotCertified), "{recorded:?} {on}: {:?}", v.problems);
            }
        }
    }
    // An uncertified importer can still be carried by clauses (no TIA was due before Schrems II).
    let mut t = complete(EU, M::Scc2010, "US", "2018-01-01");
    t.certifications.privacy_shield = Some(false);
    let v = check(&t, "2018-01-01");
    assert_eq!(v.status, Safeguarded);
    says(
        &v.explanation,
        &["does not reach this importer", "Privacy Shield List"],
    );
}

fn day_after(d: &str) -> &'static str {
    let next = day(d).succ_opt().expect("a next day").to_string();
    Box::leak(next.into_boxed_str())
}

#[test]
fn the_eu_dpf_and_its_uk_extension_are_separate_certifications() {
    for on in ["2023-10-11", "2023-10-12", "2023-10-13", TODAY] {
        let mut t = complete(UK, M::EuUsDpf, "US", on);
        t.certifications.uk_extension = Some(false);
        let uk = check(&t, on);
        let mut t = complete(EU, M::EuUsDpf, "US", on);
        t.certifications.uk_extension = Some(false);
        let eu = check(&t, on);
        assert_eq!(eu.status, Adequate, "{on}");
        assert_eq!(uk.status, NonCompliant, "{on}");
        if on != "2023-10-11" {
            assert_eq!(codes(&uk), [NotCertified], "{on}");
            says(&uk.explanation, &["UK Extension"]);
        }
    }
    let mut t = complete(EU, M::Adequacy, "US", TODAY);
    (t.certifications.eu_dpf, t.certifications.uk_extension) = (Some(false), Some(true));
    assert_eq!(codes(&check(&t, TODAY)), [NotCertified]);
    t.regime = UK;
    t.exporter_country = cc("GB");
    assert_eq!(check(&t, TODAY).status, Adequate);
}

#[test]
fn the_2021_bridge_to_the_uk_was_no_transfer_and_no_adequacy_decision() {
    for (on, status) in [
        ("2020-12-31", NotRestricted),
        ("2021-01-01", NotRestricted),
        ("2021-01-02", NotRestricted),
        ("2021-06-27", NotRestricted),
        ("2021-06-28", Adequate),
        ("2021-06-29", Adequate),
    ] {
        for mechanism in [M::None, M::Adequacy, M::Scc2021] {
            let v = check(&complete(EU, mechanism, "GB", on), on);
            assert_eq!(
                (v.status, codes(&v)),
                (status, vec![]),
                "{mechanism:?} {on}"
            );
        }
    }
    let v = check(&complete(EU, M::None, "GB", "2021-03-01"), "2021-03-01");
    assert_eq!(v.instrument, None, "the bridge is no instrument relied on");
    says(
        &v.explanation,
        &[
            "Art 782",
            "shall not be considered as transfer to a third country",
            "this was not an adequacy decision",
            "applicable from 2021-01-01, its last day being 2021-06-27",
        ],
    );
    // From Norway it applied by national regulation; from Iceland, only if notified.
    let mut t = complete(EU, M::None, "GB", "2021-03-01");
    t.exporter_country = cc("NO");
    says(&check(&t, "2021-03-01").explanation, &["Norway adopted it"]);
    t.exporter_country = cc("IS");
    says(
        &check(&t, "2021-03-01").explanation,
        &["Not confirmed: whether the bridge applied to exporters in IS"],
    );
}

#[test]
fn an_old_uk_contract_from_before_2021_explains_why_it_carried_over() {
    let mut t = complete(UK, M::Scc2010, "IN", "2023-01-01");
    t.signed_on = Some(day("2019-06-01"));
    let v = check(&t, "2023-01-01");
    assert_eq!(v.status, Safeguarded);
    says(
        &v.explanation,
        &[
            "Contract signed on 2019-06-01",
            "continued to have effect for restricted transfers under the UK GDPR",
            "sources differ on whether 2024-03-21 itself was covered",
        ],
    );
}

#[test]
fn canada_and_japan_reach_only_importers_within_their_scope() {
    for (to, first) in [("CA", "2001-12-20"), ("JP", "2019-01-23")] {
        let before = day(first).pred_opt().expect("day").to_string();
        let after = day(first).succ_opt().expect("day").to_string();
        for regime in [EU, UK] {
            let on = if regime == UK { "2021-01-01" } else { first };
            let mut t = complete(regime, M::Adequacy, to, on);
            match to {
                "CA" => t.importer_subject_to_pipeda = Some(false),
                _ => t.importer_appi_private_sector = Some(false),
            }
            let v = check(&t, on);
            assert_eq!(
                (v.status, codes(&v)),
                (NonCompliant, vec![OutsideAdequacyScope]),
                "{regime} {to}: {}",
                v.explanation
            );
            match to {
                "CA" => t.importer_subject_to_pipeda = Some(true),
                _ => t.importer_appi_private_sector = Some(true),
            }
            let v = check(&t, on);
            assert_eq!(v.status, Adequate, "{regime} {to}");
            says(&v.explanation, &["the importer is recorded as"]);
            // The specific fact wins over the general one.
            t.importer_in_adequacy_scope = Some(false);
            assert_eq!(check(&t, on).status, Adequate, "{regime} {to}");
        }
        let mut t = complete(EU, M::Adequacy, to, &before);
        t.importer_subject_to_pipeda = Some(true);
        t.importer_appi_private_sector = Some(true);
        assert_eq!(check(&t, &before).status, NonCompliant, "{to} {before}");
        assert_eq!(check(&t, &after).status, Adequate, "{to} {after}");
    }
    let mut t = complete(EU, M::Adequacy, "CA", TODAY);
    t.importer_subject_to_pipeda = None;
    says(
        &check(&t, TODAY).explanation,
        &["confirm that the importer is subject to PIPEDA"],
    );
}

#[test]
fn an_international_organisation_is_a_restricted_importer_wherever_it_sits() {
    let epo = |regime, mechanism, on: &str| {
        let mut t = complete(regime, mechanism, "DE", on);
        t.importer_international_organisation = Some("EPO".into());
        check(&t, on)
    };
    let v = epo(EU, M::None, "2025-07-14");
    assert_eq!(
        (v.status, codes(&v)),
        (NonCompliant, vec![MissingSafeguard])
    );
    says(
        &v.explanation,
        &[
            "an international organisation, the European Patent Organisation",
            "wherever the organisation sits",
        ],
    );
    assert_eq!(epo(EU, M::Adequacy, "2025-07-14").status, NonCompliant);
    for on in ["2025-07-15", "2025-07-16", TODAY] {
        let v = epo(EU, M::Adequacy, on);
        assert_eq!(v.status, Adequate, "{on}");
        assert_eq!(v.instrument.map(|i| i.id).as_deref(), Some("EU-EPO"));
    }
    // The UK has no decision for it: only a safeguard or a derogation carries the transfer.
    assert_eq!(epo(UK, M::Adequacy, TODAY).status, NonCompliant);
    assert_eq!(
        epo(UK, M::Derogation, TODAY).status,
        VerdictStatus::Derogation
    );
    // The UK's transitional list covers EU bodies.
    let mut t = complete(UK, M::None, "BE", TODAY);
    t.importer_international_organisation = Some("EU_BODIES".into());
    assert_eq!(check(&t, TODAY).status, Adequate);
}

#[test]
fn the_2021_sccs_are_not_the_tool_for_an_importer_under_art_3_2() {
    for (on, status) in [
        ("2021-06-26", NonCompliant),
        ("2021-06-27", NonCompliant),
        ("2021-06-28", NonCompliant),
        (TODAY, NonCompliant),
    ] {
        let mut t = complete(EU, M::Scc2021, "IN", on);
        t.importer_subject_to_regime = Some(true);
        let v = check(&t, on);
        assert_eq!(
            (v.status, codes(&v)),
            (status, vec![InvalidMechanism]),
            "{on}"
        );
        if on != "2021-06-26" {
            says(
                &v.explanation,
                &[
                    "Art 3(2)",
                    "binding corporate rules",
                    "Art 46(3)(a)",
                    "EDPB Guidelines 05/2021",
                ],
            );
        }
    }
    // The other tools remain, and an adequacy decision is unaffected.
    let mut t = complete(EU, M::Bcr, "IN", TODAY);
    t.importer_subject_to_regime = Some(true);
    let v = check(&t, TODAY);
    assert_eq!(v.status, Safeguarded);
    says(&v.explanation, &["Chapter V still applies"]);
    let mut t = complete(EU, M::Adequacy, "CH", TODAY);
    t.importer_subject_to_regime = Some(true);
    assert_eq!(check(&t, TODAY).status, Adequate);
    // The UK tools are not restricted this way.
    let mut t = complete(UK, M::UkIdta, "IN", TODAY);
    t.importer_subject_to_regime = Some(true);
    assert_eq!(check(&t, TODAY).status, Safeguarded);
}

#[test]
fn binding_corporate_rules_cover_only_members_of_the_group() {
    for on in ["2018-05-24", "2018-05-25", "2018-05-26", TODAY] {
        let mut t = complete(EU, M::Bcr, "IN", on);
        assert_eq!(check(&t, on).status, Safeguarded, "{on}");
        t.importer_bcr_group = Some("Other Group".into());
        let v = check(&t, on);
        assert_eq!(
            (v.status, codes(&v)),
            (NonCompliant, vec![MissingSafeguard]),
            "{on}"
        );
        says(&v.explanation, &["belongs to the group Other Group"]);
        t.importer_bcr_group = None;
        assert!(check(&t, on).has(MissingSafeguard), "{on}");
        t.exporter_bcr_group = None;
        let v = check(&t, on);
        assert_eq!(v.status, Safeguarded, "{on}");
        says(
            &v.explanation,
            &["Confirm that the importer belongs to the group"],
        );
    }
}

#[test]
fn a_derogation_carries_only_occasional_transfers() {
    for (on, regime) in [
        ("1998-10-24", EU),
        ("1998-10-25", EU),
        (TODAY, EU),
        ("2021-01-01", UK),
        ("2021-01-02", UK),
    ] {
        let mut t = complete(regime, M::Derogation, "IN", on);
        t.occasional = Some(false);
        let v = check(&t, on);
        assert_eq!(
            (v.status, codes(&v)),
            (NonCompliant, vec![DerogationNotOccasional]),
            "{regime} {on}"
        );
        t.occasional = None;
        let v = check(&t, on);
        assert_eq!(v.status, VerdictStatus::Derogation);
        says(&v.explanation, &["Confirm that the transfer is occasional"]);
    }
    let mut t = complete(EU, M::Derogation, "IN", "1998-10-23");
    t.occasional = Some(false);
    assert_eq!(check(&t, "1998-10-23").status, NotRestricted);
    // A standing flow to an adequate country needs no derogation at all.
    let mut t = complete(EU, M::Derogation, "CH", TODAY);
    t.occasional = Some(false);
    assert_eq!(check(&t, TODAY).status, Adequate);
}

#[test]
fn from_5_february_2026_uk_explanations_apply_the_data_protection_test() {
    for (on, applies) in [
        ("2026-02-04", false),
        ("2026-02-05", true),
        ("2026-02-06", true),
    ] {
        for (mechanism, to) in [(M::UkIdta, "IN"), (M::Adequacy, "KR")] {
            let v = check(&complete(UK, mechanism, to, on), on);
            assert_eq!(
                v.explanation.contains("not materially lower"),
                applies,
                "{mechanism:?} {on}: {}",
                v.explanation
            );
            assert!(v.problems.is_empty());
        }
        let v = check(&complete(EU, M::Scc2021, "IN", on), on);
        assert!(!v.explanation.contains("materially lower"));
    }
}

/// The embedded file with one edit, parsed and checked as a replacement file would be.
fn edited(edit: impl Fn(&mut serde_json::Value)) -> Result<LegalReference, String> {
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../../../../reference/transfer_law.json"))
            .expect("the embedded file is JSON");
    edit(&mut v);
    LegalReference::parse(&v.to_string()).map_err(|e| e.to_string())
}

fn entry<'v>(v: &'v mut serde_json::Value, list: &str, id: &str) -> &'v mut serde_json::Value {
    let items = v[list].as_array_mut().expect("a list");
    items
        .iter_mut()
        .find(|e| e["id"] == id)
        .expect("the entry exists")
}

#[test]
fn a_newer_reference_file_in_which_a_decision_is_repealed_changes_the_verdicts() {
    let newer = edited(|v| {
        v["version"] = "2026-12-15".into();
        let jp = entry(v, "adequacy", "EU-JP");
        jp["effective_to"] = "2026-12-01".into();
        jp["status"] = "repealed".into();
        jp["until"] = serde_json::json!({
            "stated": "2026-12-01", "day_included": false,
            "wording": "repealed with effect from 1 December 2026",
            "source": "a repealing decision (test)"
        });
    })
    .expect("the edited file is valid");
    let t = complete(EU, M::Adequacy, "JP", TODAY);
    for (on, old, new) in [
        ("2026-11-30", Adequate, Adequate),
        ("2026-12-01", Adequate, NonCompliant),
        ("2026-12-02", Adequate, NonCompliant),
    ] {
        let before = assess(&REFERENCE, &t, day(on));
        let after = assess(&newer, &t, day(on));
        assert_eq!((before.status, after.status), (old, new), "{on}");
        says(&after.explanation, &["version 2026-12-15"]);
        assert!(!before.explanation.contains("2026-12-15"));
        if new == NonCompliant {
            assert_eq!(codes(&after), [ExpiredInstrument]);
        }
    }
}

#[test]
fn every_end_date_must_say_whether_its_day_is_included_and_agree_with_it() {
    let missing = edited(|v| {
        let e = entry(v, "adequacy", "EU-JP");
        e["effective_to"] = "2026-12-01".into();
    });
    assert!(missing.is_err_and(|e| e.contains("EU-JP") && e.contains("until")));
    let disagreeing = edited(|v| {
        let e = entry(v, "instruments", "UK-SCC-OLD");
        e["until"]["day_included"] = false.into();
    });
    assert!(disagreeing.is_err_and(|e| e.contains("UK-SCC-OLD") && e.contains("excludes")));
    let unsourced = edited(|v| {
        let e = entry(v, "instruments", "EU-SCC-OLD");
        e["new_contracts_until"]["source"] = " ".into();
    });
    assert!(unsourced.is_err_and(|e| e.contains("source")));
    let no_version = edited(|v| v["version"] = "".into());
    assert!(no_version.is_err_and(|e| e.contains("version")));
    // Every end date in the shipped file has its reading and source.
    for d in REFERENCE.adequacy_decisions() {
        if d.validity.effective_to.is_some() {
            let until = d.validity.until.as_ref().expect("until");
            assert!(
                !until.source.is_empty() && !until.wording.is_empty(),
                "{}",
                d.id
            );
        }
    }
}

#[test]
fn a_reference_file_is_loaded_from_a_path_and_a_bad_one_is_refused_with_the_path() {
    let dir = std::env::temp_dir().join(format!("tr-law-reference-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let good = dir.join("good.json");
    let bad = dir.join("bad.json");
    std::fs::write(
        &good,
        include_str!("../../../../../reference/transfer_law.json"),
    )
    .expect("write");
    std::fs::write(&bad, "{\"version\": \"x\"}").expect("write");
    let loaded = LegalReference::load_from(Some(&good)).expect("the good file loads");
    assert_eq!(loaded.version(), REFERENCE.version());
    let refused = LegalReference::load_from(Some(&bad))
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert!(refused.is_err_and(|e| e.contains("bad.json") && e.contains("missing field")));
    let absent = LegalReference::load_from(Some(&dir.join("absent.json")))
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert!(absent.is_err_and(|e| e.contains("cannot read") && e.contains("absent.json")));
    let embedded = LegalReference::load_from(None).expect("the embedded file loads");
    assert_eq!(embedded.version(), REFERENCE.version());
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn a_what_if_ends_a_mechanism_with_the_decisions_it_stands_for_from_its_day() {
    use crate::reference::Hypothesis;
    let dpf = REFERENCE
        .ending(&Hypothesis::Mechanism(M::EuUsDpf), day("2027-03-01"))
        .expect("the DPF can end");
    for (regime, mechanism) in [
        (EU, M::EuUsDpf),
        (EU, M::Adequacy),
        (UK, M::EuUsDpf),
        (UK, M::Adequacy),
    ] {
        let t = complete(regime, mechanism, "US", TODAY);
        for (on, status) in [
            ("2027-02-28", Adequate),
            ("2027-03-01", NonCompliant),
            ("2027-03-02", NonCompliant),
        ] {
            assert_eq!(
                assess(&dpf, &t, day(on)).status,
                status,
                "{regime} {mechanism:?} {on}"
            );
            assert_eq!(assess(&REFERENCE, &t, day(on)).status, Adequate);
        }
    }
    // Other destinations and tools are untouched; a decision ended by id ends only itself.
    assert_eq!(
        assess(
            &dpf,
            &complete(EU, M::Adequacy, "JP", TODAY),
            day("2027-03-02")
        )
        .status,
        Adequate
    );
    let japan = REFERENCE
        .ending(&Hypothesis::Decision("EU-JP".into()), day("2027-03-01"))
        .expect("Japan can end");
    let t = complete(EU, M::Adequacy, "JP", TODAY);
    assert_eq!(assess(&japan, &t, day("2027-02-28")).status, Adequate);
    assert_eq!(assess(&japan, &t, day("2027-03-01")).status, NonCompliant);
    assert!(
        assess(&japan, &t, day("2027-03-01"))
            .explanation
            .contains("assumption that Japan ends on 2027-03-01")
    );
    assert!(
        REFERENCE
            .ending(&Hypothesis::Decision("EU-XX".into()), day("2027-03-01"))
            .is_err()
    );
}

#[test]
fn sccs_recorded_between_two_eea_companies_are_needless_not_required() {
    for on in ["2021-06-26", "2021-06-27", TODAY] {
        let v = check(&complete(EU, M::Scc2021, "FR", on), on);
        assert_eq!((v.status, codes(&v)), (NotRestricted, vec![]), "{on}");
        says(
            &v.explanation,
            &["are not needed for it and are not required"],
        );
    }
    let v = check(&complete(EU, M::None, "FR", TODAY), TODAY);
    assert!(!v.explanation.contains("not needed"));
}

#[test]
fn a_safeguard_recorded_for_one_destination_is_named_as_such() {
    let mut t = complete(EU, M::Scc2021, "IN", TODAY);
    t.destination_specific = true;
    let v = check(&t, TODAY);
    assert_eq!(v.status, Safeguarded);
    says(&v.explanation, &["recorded for this destination"]);
}
