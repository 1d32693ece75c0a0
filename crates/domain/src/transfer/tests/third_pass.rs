//! The third pass over Chapter V (issue 24): the Art 49(1) points and occasional transfers,
//! Module Four, signed SCCs as the Art 28 contract, contracts signed before their clauses took
//! effect, EEA EFTA exporters, EU institutions as importers, the old SCCs' proviso, and the
//! disputed boundary days. Each rule is tested on both sides; each date on the day before, the
//! day of and the day after.

use super::{REFERENCE, check, complete, day};
use crate::{
    reference::LegalReference,
    transfer::{ExporterRole, Verdict, assess},
    vocab::{
        Derogation as D,
        ProblemCode::{self, *},
        RecipientRole,
        Regime::{EuGdpr as EU, UkGdpr as UK},
        SccModule, TransferMechanism as M,
        VerdictStatus::{self, *},
    },
};

const TODAY: &str = "2026-11-24";

fn codes(v: &Verdict) -> Vec<ProblemCode> {
    v.problems.iter().map(|p| p.code).collect()
}

fn says(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

fn never_says(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(!text.contains(part), "unexpected {part:?} in:\n{text}");
    }
}

// 1. Art 49(1): only (b), (c), (e) and the second subparagraph block a standing flow.

#[test]
fn a_standing_flow_is_refused_on_the_points_the_law_ties_to_occasional_transfers() {
    for point in [
        D::ContractWithSubject,
        D::ContractInSubjectInterest,
        D::LegalClaims,
        D::CompellingLegitimateInterests,
    ] {
        let mut t = complete(EU, M::Derogation, "IN", TODAY);
        t.derogation = Some(point);
        let v = check(&t, TODAY);
        assert_eq!((v.status, codes(&v)), (VerdictStatus::Derogation, vec![]));
        t.occasional = Some(false);
        let v = check(&t, TODAY);
        assert_eq!(
            (v.status, codes(&v)),
            (NonCompliant, vec![DerogationNotOccasional]),
            "{point}"
        );
        let why = if point == D::CompellingLegitimateInterests {
            "not repetitive"
        } else {
            "recital 111"
        };
        says(&v.problems[0].message, &[why]);
    }
}

#[test]
fn a_standing_flow_on_a_point_read_restrictively_is_a_warning_in_the_edpbs_words() {
    for point in [
        D::ExplicitConsent,
        D::PublicInterest,
        D::VitalInterests,
        D::PublicRegister,
    ] {
        let mut t = complete(EU, M::Derogation, "IN", TODAY);
        t.derogation = Some(point);
        let v = check(&t, TODAY);
        assert_eq!((v.status, codes(&v)), (VerdictStatus::Derogation, vec![]));
        t.occasional = Some(false);
        let v = check(&t, TODAY);
        assert_eq!(
            (v.status, codes(&v)),
            (VerdictStatus::Derogation, vec![DerogationReadRestrictively]),
            "{point}"
        );
        says(
            &v.explanation,
            &[
                "the EDPB reads it restrictively, in its words",
                "EDPB Guidelines 2/2018",
                "To note, without changing the conclusion",
            ],
        );
        never_says(&v.explanation, &["To put right"]);
    }
    let mut t = complete(UK, M::Derogation, "IN", TODAY);
    t.derogation = Some(D::PublicInterest);
    t.occasional = Some(false);
    let v = check(&t, TODAY);
    assert_eq!(v.status, VerdictStatus::Derogation);
    says(
        &v.problems[0].message,
        &[
            "not limited by the law to occasional transfers",
            "large scale",
        ],
    );
    // Not recorded either way: the point's own reading, not a blanket rule.
    t.occasional = None;
    says(
        &check(&t, TODAY).explanation,
        &["This point is not limited by the law to occasional transfers"],
    );
    t.derogation = Some(D::LegalClaims);
    says(
        &check(&t, TODAY).explanation,
        &["Confirm that the transfer is occasional: recital 111"],
    );
}

// 2. Module Four: a TIA only where the EU processor combines the data.

fn p2c(regime: crate::vocab::Regime, mechanism: M) -> crate::transfer::Transfer {
    let mut t = complete(regime, mechanism, "IN", TODAY);
    t.exporter_role = Some(ExporterRole::Processor);
    t.recipient_role = Some(RecipientRole::Controller);
    t.scc_module = Some(SccModule::P2c);
    t.tia_completed_on = None;
    t
}

#[test]
fn a_module_four_return_needs_no_tia_unless_the_processor_combines_eu_data() {
    for (regime, mechanism) in [(EU, M::Scc2021), (UK, M::UkAddendum)] {
        for combines in [None, Some(false)] {
            let mut t = p2c(regime, mechanism);
            t.combines_eu_data = combines;
            let v = check(&t, TODAY);
            assert_eq!((v.status, codes(&v)), (Safeguarded, vec![]), "{mechanism}");
            says(
                &v.explanation,
                &[
                    "Clauses 14 and 15",
                    "does not record that the processor combines them",
                    "no transfer impact assessment is required",
                ],
            );
        }
        let mut t = p2c(regime, mechanism);
        t.combines_eu_data = Some(true);
        let v = check(&t, TODAY);
        assert_eq!(
            (v.status, codes(&v)),
            (NonCompliant, vec![TiaMissing]),
            "{mechanism}"
        );
        says(
            &v.explanation,
            &["records that the processor combines them"],
        );
        // Other modules need the assessment whatever the flow says.
        let mut t = complete(regime, mechanism, "IN", TODAY);
        t.tia_completed_on = None;
        t.combines_eu_data = Some(false);
        assert_eq!(codes(&check(&t, TODAY)), vec![TiaMissing]);
    }
}

// 3. Signed Module Two or Three clauses remain the Art 28 contract.

#[test]
fn signed_module_two_or_three_clauses_stay_the_processor_contract_whatever_else_fails() {
    let mut t = complete(EU, M::Scc2021, "IN", TODAY);
    t.recipient_dpa_signed_on = None;
    t.signed_on = Some(day("2022-01-10"));
    t.tia_completed_on = None;
    let v = check(&t, TODAY);
    assert_eq!(codes(&v), vec![TiaMissing]);
    says(
        &v.explanation,
        &[
            "No separate processing agreement is needed",
            "Implementing Decision (EU) 2021/914, recital 9 and Annex, Clause 2(a); GDPR Art 28(7)",
        ],
    );
    // The EU clauses without the UK Addendum are no UK transfer tool, but still the contract.
    let mut uk = complete(UK, M::Scc2021, "IN", TODAY);
    uk.recipient_dpa_signed_on = None;
    uk.signed_on = Some(day("2022-01-10"));
    assert_eq!(codes(&check(&uk, TODAY)), vec![InvalidMechanism]);
    let mut sub = complete(UK, M::UkAddendum, "IN", TODAY);
    (sub.exporter_role, sub.recipient_role, sub.scc_module) = (
        Some(ExporterRole::Processor),
        Some(RecipientRole::SubProcessor),
        Some(SccModule::P2p),
    );
    sub.recipient_dpa_signed_on = None;
    sub.tia_completed_on = None;
    assert_eq!(codes(&check(&sub, TODAY)), vec![TiaMissing]);
    // A module problem or a contract date takes it away.
    let mut wrong = t.clone();
    wrong.scc_module = Some(SccModule::C2c);
    let v = check(&wrong, TODAY);
    assert!(v.has(DpaMissing));
    never_says(
        &v.explanation,
        &["No separate processing agreement is needed"],
    );
    let mut missing = t.clone();
    missing.scc_module = None;
    assert!(check(&missing, TODAY).has(DpaMissing));
    let mut later = t.clone();
    later.signed_on = Some(day("2026-11-25"));
    assert!(check(&later, TODAY).has(DpaMissing));
    let mut too_early = t.clone();
    too_early.signed_on = Some(day("2021-06-06"));
    assert!(check(&too_early, TODAY).has(DpaMissing));
    let mut before = t.clone();
    before.signed_on = Some(day("2021-06-10"));
    assert!(check(&before, "2021-06-26").has(DpaMissing));
    assert!(!check(&before, "2021-06-27").has(DpaMissing));
}

// 4. Contracts concluded between publication and entry into force.

#[test]
fn a_contract_signed_after_publication_but_before_entry_into_force_counts_from_entry_into_force() {
    for (regime, mechanism, before, published, last, in_force) in [
        (
            EU,
            M::Scc2021,
            "2021-06-06",
            "2021-06-07",
            "2021-06-26",
            "2021-06-27",
        ),
        (
            UK,
            M::UkIdta,
            "2022-02-01",
            "2022-02-02",
            "2022-03-20",
            "2022-03-21",
        ),
        (
            UK,
            M::UkAddendum,
            "2022-02-01",
            "2022-02-02",
            "2022-03-20",
            "2022-03-21",
        ),
    ] {
        let signed_on = |d: &str| {
            let mut t = complete(regime, mechanism, "IN", TODAY);
            t.signed_on = Some(day(d));
            check(&t, TODAY)
        };
        let v = signed_on(before);
        assert_eq!(
            (v.status, codes(&v)),
            (NonCompliant, vec![InvalidMechanism]),
            "{mechanism} {before}"
        );
        for d in [published, last] {
            let v = signed_on(d);
            assert_eq!((v.status, codes(&v)), (Safeguarded, vec![]), "{d}");
            says(
                &v.explanation,
                &["before it took effect on", in_force, "No provision voids"],
            );
        }
        let v = signed_on(in_force);
        assert_eq!(v.status, Safeguarded);
        never_says(&v.explanation, &["No provision voids"]);
        // Relied on only from entry into force.
        let mut t = complete(regime, mechanism, "IN", last);
        t.signed_on = Some(day(published));
        assert_eq!(codes(&check(&t, last)), vec![InvalidMechanism]);
        let mut t = complete(regime, mechanism, "IN", in_force);
        t.signed_on = Some(day(published));
        assert_eq!(check(&t, in_force).status, Safeguarded);
    }
}

// 5. EEA EFTA exporters and the incorporation of adequacy decisions.

#[test]
fn an_eea_efta_exporter_is_warned_where_the_incorporation_of_a_decision_is_unknown() {
    for exporter in ["NO", "IS", "LI"] {
        let mut t = complete(EU, M::Adequacy, "CH", TODAY);
        t.exporter_country = super::cc(exporter);
        let v = check(&t, TODAY);
        assert_eq!(
            (v.status, codes(&v)),
            (Adequate, vec![EeaIncorporationUnconfirmed])
        );
        says(
            &v.explanation,
            &[
                "EEA Joint Committee",
                "To note, without changing the conclusion",
            ],
        );
    }
    let mut t = complete(EU, M::Adequacy, "BR", TODAY);
    t.exporter_country = super::cc("NO");
    says(&check(&t, TODAY).problems[0].message, &["6 May 2026"]);
    // An exporter in an EU state, or under the UK GDPR, is not concerned.
    let v = check(&complete(EU, M::Adequacy, "CH", TODAY), TODAY);
    assert_eq!((v.status, codes(&v)), (Adequate, vec![]));
    let mut t = complete(UK, M::Adequacy, "CH", TODAY);
    t.exporter_country = super::cc("GB");
    assert_eq!(codes(&check(&t, TODAY)), vec![]);
}

#[test]
fn a_known_incorporation_date_binds_from_that_day_when_its_source_is_certain() {
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../../../../../reference/transfer_law.json"))
            .expect("the reference parses");
    for d in json["adequacy"].as_array_mut().into_iter().flatten() {
        if d["id"] == "EU-CH" {
            d["eea_incorporation"] = serde_json::json!({
                "status": "incorporated", "effective_from": "2001-01-01",
                "detail": "incorporated by a decision of the EEA Joint Committee",
                "source": "a test source", "verify": "V"
            });
        }
    }
    let r = LegalReference::parse(&json.to_string()).expect("the changed reference loads");
    let on_day = |on: &str| {
        let mut t = complete(EU, M::Adequacy, "CH", on);
        t.exporter_country = super::cc("NO");
        assess(&r, &t, day(on))
    };
    let v = on_day("2000-12-31");
    assert_eq!(
        (v.status, codes(&v)),
        (NonCompliant, vec![MissingSafeguard])
    );
    says(&v.problems[0].message, &["only on 2001-01-01"]);
    for on in ["2001-01-01", "2001-01-02"] {
        let v = on_day(on);
        assert_eq!((v.status, codes(&v)), (Adequate, vec![]), "{on}");
        says(
            &v.explanation,
            &["part of the EEA Agreement since 2001-01-01"],
        );
    }
}

#[test]
fn an_eea_efta_exporter_relying_on_the_dpf_is_warned_too() {
    // Certified: the DPF adequacy decision carries it. Not certified: the DPF as a tool does
    // not, and the warning still names it.
    for certified in [Some(true), Some(false)] {
        let mut t = complete(EU, M::EuUsDpf, "US", TODAY);
        t.exporter_country = super::cc("NO");
        t.certifications.eu_dpf = certified;
        let v = check(&t, TODAY);
        let warning = v
            .problems
            .iter()
            .find(|p| p.code == EeaIncorporationUnconfirmed)
            .map(|p| p.message.as_str())
            .unwrap_or_default();
        says(warning, &["Data Privacy Framework"]);
    }
}

#[test]
fn an_incorporation_recorded_but_not_confirmed_is_a_warning_saying_so() {
    let mut json: serde_json::Value =
        serde_json::from_str(include_str!("../../../../../reference/transfer_law.json"))
            .expect("the reference parses");
    for d in json["adequacy"].as_array_mut().into_iter().flatten() {
        if d["id"] == "EU-CH" {
            d["eea_incorporation"] = serde_json::json!({
                "status": "incorporated", "effective_from": "2030-01-01",
                "detail": "incorporated by a decision of the EEA Joint Committee",
                "source": "a test source", "verify": "M"
            });
        }
    }
    let r = LegalReference::parse(&json.to_string()).expect("the changed reference loads");
    let mut t = complete(EU, M::Adequacy, "CH", TODAY);
    t.exporter_country = super::cc("NO");
    let v = assess(&r, &t, day(TODAY));
    // Not yet in force by an unconfirmed source: a warning, not a refusal.
    assert_eq!(
        (v.status, codes(&v)),
        (Adequate, vec![EeaIncorporationUnconfirmed])
    );
    says(
        &v.problems[0].message,
        &["the incorporation on 2030-01-01 could not be confirmed"],
    );
    // A pending one says what the reference says of it, and no more.
    for d in json["adequacy"].as_array_mut().into_iter().flatten() {
        if d["id"] == "EU-CH" {
            d["eea_incorporation"]["status"] = serde_json::json!("pending");
        }
    }
    let r = LegalReference::parse(&json.to_string()).expect("the changed reference loads");
    let v = assess(&r, &t, day(TODAY));
    assert!(
        !v.problems[0].message.contains("could not be confirmed"),
        "{v:?}"
    );
}

// 6. EU institutions and bodies as importers; the list of international organisations.

#[test]
fn eu_institutions_are_no_restricted_importer_under_the_eu_gdpr_but_are_under_the_uk_gdpr() {
    for destination in ["BE", "LU", "US"] {
        let mut t = complete(EU, M::None, destination, TODAY);
        t.importer_international_organisation = Some("EU_BODIES".into());
        let v = check(&t, TODAY);
        assert_eq!(
            (v.status, codes(&v)),
            (NotRestricted, vec![]),
            "{destination}"
        );
        says(
            &v.explanation,
            &[
                "Regulation (EU) 2018/1725",
                "Art 2(3)",
                "neither a third country",
            ],
        );
        never_says(&v.explanation, &["an international organisation acting"]);
    }
    let mut t = complete(UK, M::None, "BE", TODAY);
    t.importer_international_organisation = Some("EU_BODIES".into());
    assert_eq!(check(&t, TODAY).status, Adequate);
    // A true international organisation stays restricted under the EU GDPR.
    let mut t = complete(EU, M::None, "BE", TODAY);
    t.importer_international_organisation = Some("UNHCR".into());
    assert_eq!(check(&t, TODAY).status, NonCompliant);
    says(
        &check(&t, TODAY).explanation,
        &["Office of the United Nations High Commissioner for Refugees"],
    );
}

#[test]
fn the_reference_lists_the_organisations_a_flow_may_name_with_their_sources() {
    for id in ["EU_BODIES", "EPO", "UN", "UNHCR", "WHO", "OECD"] {
        let o = REFERENCE.organisation(id).unwrap_or_else(|| panic!("{id}"));
        assert!(!o.provenance.source.trim().is_empty(), "{id}");
    }
    assert!(REFERENCE.organisation("NO_SUCH_BODY").is_none());
    assert!(REFERENCE.organisation("epo").is_none());
}

// 7. The old SCCs ran on only for unchanged processing.

#[test]
fn the_old_sccs_transition_holds_only_for_unchanged_processing() {
    for (regime, last_new, transition, later) in [
        (EU, "2021-09-26", "2021-09-27", "2022-01-10"),
        (UK, "2022-09-21", "2022-09-22", "2023-06-01"),
    ] {
        let on_day = |on: &str, changed: Option<bool>| {
            let mut t = complete(regime, M::Scc2010, "IN", on);
            t.signed_on = Some(day("2021-01-15"));
            t.processing_changed = changed;
            check(&t, on)
        };
        // Before the repeal the clauses simply applied.
        for changed in [None, Some(true)] {
            let v = on_day(last_new, changed);
            assert_eq!((v.status, codes(&v)), (Safeguarded, vec![]), "{last_new}");
            never_says(&v.explanation, &["remain unchanged"]);
        }
        for on in [transition, later] {
            let v = on_day(on, None);
            assert_eq!((v.status, codes(&v)), (Safeguarded, vec![]), "{on}");
            says(
                &v.explanation,
                &[
                    "only under the transition",
                    "provided the processing operations that are the subject matter of the contract remain unchanged",
                    "confirm that the processing operations",
                ],
            );
            let v = on_day(on, Some(false));
            says(
                &v.explanation,
                &["the flow records that the processing has not changed"],
            );
            let v = on_day(on, Some(true));
            assert_eq!(
                (v.status, codes(&v)),
                (NonCompliant, vec![ExpiredInstrument]),
                "{on}"
            );
            says(&v.problems[0].message, &["recorded as changed"]);
        }
    }
    // The UK proviso's wording is not checked against the ICO's text, and the paragraph says so.
    let mut t = complete(UK, M::Scc2010, "IN", "2023-06-01");
    t.signed_on = Some(day("2021-01-15"));
    says(
        &check(&t, "2023-06-01").explanation,
        &["Not confirmed: the proviso of the transition"],
    );
    let v = {
        let mut t = complete(EU, M::Scc2010, "IN", "2021-09-27");
        t.signed_on = Some(day("2021-01-15"));
        check(&t, "2021-09-27")
    };
    says(
        &v.explanation,
        &["Implementing Decision (EU) 2021/914, Art 4(4)"],
    );
}

// 8. The disputed boundary days.

#[test]
fn the_disputed_boundary_day_is_named_with_the_reading_applied() {
    for (regime, before, disputed, after, who) in [
        (EU, "2022-12-26", "2022-12-27", "2022-12-28", "Fieldfisher"),
        (UK, "2024-03-20", "2024-03-21", "2024-03-22", "Foot Anstey"),
    ] {
        let on_day = |on: &str| {
            let mut t = complete(regime, M::Scc2010, "IN", on);
            t.signed_on = Some(day("2021-01-15"));
            check(&t, on)
        };
        let v = on_day(disputed);
        assert_eq!(v.status, Safeguarded, "{disputed}");
        says(
            &v.explanation,
            &[
                &format!("The date assessed, {disputed}, is the day on which sources disagree"),
                who,
                "applies the reading that the day was still covered",
                "on the other reading they had no effect that day",
            ],
        );
        for on in [before, after] {
            never_says(
                &on_day(on).explanation,
                &["is the day on which sources disagree"],
            );
        }
        assert_eq!(codes(&on_day(after)), vec![ExpiredInstrument]);
    }
    // Also where an adequacy decision carries the transfer and the old clauses are still on record.
    let mut t = complete(UK, M::Scc2010, "JP", "2024-03-21");
    t.signed_on = Some(day("2021-01-15"));
    let v = check(&t, "2024-03-21");
    assert_eq!(v.status, Adequate);
    says(&v.explanation, &["is the day on which sources disagree"]);
}
