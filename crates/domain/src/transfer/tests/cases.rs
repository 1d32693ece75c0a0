//! One concern at a time: module fit, TIA, DPF certification, adequacy scope, derogations,
//! evidence, contract dates, the Art 28 contract, and the exporter's regime and role.

use super::{REFERENCE, cc, check, complete, day};
use crate::{
    transfer::{ExporterRole, Transfer, expected_module, regime_of_exporter},
    vocab::{
        Derogation,
        ProblemCode::*,
        RecipientRole,
        Regime::{EuGdpr as EU, UkGdpr as UK},
        SccModule, TransferMechanism as M, VerdictStatus,
    },
};
use strum::VariantArray;

const TODAY: &str = "2026-11-24";

#[test]
fn the_scc_module_follows_the_roles_of_exporter_and_recipient() {
    use ExporterRole::{Controller as C, Processor as P};
    use RecipientRole::*;
    #[rustfmt::skip]
    let table = [
        (C, Controller, SccModule::C2c), (C, JointController, SccModule::C2c),
        (C, Processor,  SccModule::C2p), (C, SubProcessor,    SccModule::C2p),
        (P, Processor,  SccModule::P2p), (P, SubProcessor,    SccModule::P2p),
        (P, Controller, SccModule::P2c), (P, JointController, SccModule::P2c),
    ];
    for (exporter, recipient, module) in table {
        assert_eq!(expected_module(exporter, recipient), module);
        for &recorded in SccModule::VARIANTS {
            for mechanism in [M::Scc2021, M::UkAddendum] {
                let regime = if mechanism == M::Scc2021 { EU } else { UK };
                let mut t = complete(regime, mechanism, "IN", TODAY);
                (t.exporter_role, t.recipient_role, t.scc_module) =
                    (Some(exporter), Some(recipient), Some(recorded));
                let v = check(&t, TODAY);
                assert_eq!(
                    v.has(ModuleMismatch),
                    recorded != module,
                    "{exporter:?} to {recipient:?} with {recorded:?}"
                );
            }
        }
    }
}

#[test]
fn sccs_without_a_module_are_refused_and_unknown_roles_only_need_one() {
    let mut t = complete(EU, M::Scc2021, "IN", TODAY);
    t.scc_module = None;
    assert!(check(&t, TODAY).has(ModuleMissing));
    let mut t = complete(UK, M::UkAddendum, "IN", TODAY);
    t.scc_module = None;
    assert!(check(&t, TODAY).has(ModuleMissing));
    // assessTransfer knows no roles: any module is accepted.
    let mut t = complete(EU, M::Scc2021, "IN", TODAY);
    (t.exporter_role, t.recipient_role, t.scc_module) = (None, None, Some(SccModule::P2c));
    assert_eq!(check(&t, TODAY).status, VerdictStatus::Safeguarded);
    // The IDTA has no modules.
    let mut t = complete(UK, M::UkIdta, "IN", TODAY);
    t.scc_module = None;
    assert_eq!(check(&t, TODAY).status, VerdictStatus::Safeguarded);
}

#[test]
fn art_46_tools_need_a_tia_done_by_the_date_and_adequacy_and_derogations_do_not() {
    for (regime, mechanism) in [
        (EU, M::Scc2021),
        (UK, M::UkIdta),
        (UK, M::UkAddendum),
        (EU, M::Bcr),
        (EU, M::CodeOfConduct),
        (UK, M::Certification),
    ] {
        let mut t = complete(regime, mechanism, "IN", TODAY);
        t.tia_completed_on = None;
        let v = check(&t, TODAY);
        assert_eq!(
            (v.status, v.has(TiaMissing)),
            (VerdictStatus::NonCompliant, true),
            "{mechanism:?}"
        );
        t.tia_completed_on = Some(day("2026-11-25"));
        assert!(
            check(&t, TODAY).has(TiaMissing),
            "a TIA dated after the day does not count"
        );
    }
    for (mechanism, to) in [
        (M::Adequacy, "JP"),
        (M::Derogation, "IN"),
        (M::Scc2021, "JP"),
    ] {
        let mut t = complete(EU, mechanism, to, TODAY);
        t.tia_completed_on = None;
        assert!(
            check(&t, TODAY).problems.is_empty(),
            "{mechanism:?} to {to}"
        );
    }
}

#[test]
fn before_schrems_ii_old_sccs_needed_no_tia() {
    let mut t = complete(EU, M::Scc2010, "IN", "2020-07-15");
    t.tia_completed_on = None;
    assert_eq!(check(&t, "2020-07-15").status, VerdictStatus::Safeguarded);
    assert!(check(&t, "2020-07-16").has(TiaMissing));
}

#[test]
fn a_us_importer_is_adequate_only_when_certified() {
    for (regime, mechanism) in [
        (EU, M::Adequacy),
        (EU, M::EuUsDpf),
        (UK, M::Adequacy),
        (UK, M::EuUsDpf),
    ] {
        for certified in [Some(false), None] {
            let mut t = complete(regime, mechanism, "US", TODAY);
            t.certifications = crate::transfer::Certifications::all(certified);
            let v = check(&t, TODAY);
            assert_eq!(
                v.status,
                VerdictStatus::NonCompliant,
                "{regime} {mechanism:?} {certified:?}"
            );
            assert_eq!(
                v.problems.iter().map(|p| p.code).collect::<Vec<_>>(),
                [NotCertified]
            );
        }
        assert_eq!(
            check(&complete(regime, mechanism, "US", TODAY), TODAY).status,
            VerdictStatus::Adequate
        );
    }
    // Without certification, SCCs carry the transfer instead; with none, both gaps are named.
    let mut t = complete(EU, M::Scc2021, "US", TODAY);
    t.certifications.eu_dpf = Some(false);
    let v = check(&t, TODAY);
    assert_eq!(v.status, VerdictStatus::Safeguarded);
    assert!(v.explanation.contains("does not reach this importer"));
    let mut t = complete(EU, M::None, "US", TODAY);
    t.certifications.eu_dpf = None;
    let codes: Vec<_> = check(&t, TODAY).problems.iter().map(|p| p.code).collect();
    assert_eq!(codes, [NotCertified, MissingSafeguard]);
}

#[test]
fn an_importer_outside_a_partial_decision_needs_another_tool() {
    let mut t = complete(EU, M::Adequacy, "CA", TODAY);
    t.importer_in_adequacy_scope = Some(false);
    let v = check(&t, TODAY);
    assert_eq!(
        (v.status, v.has(OutsideAdequacyScope)),
        (VerdictStatus::NonCompliant, true)
    );
    t.mechanism = M::Scc2021;
    assert_eq!(check(&t, TODAY).status, VerdictStatus::Safeguarded);
    // Not recorded: adequate, and the explanation asks to confirm the scope.
    let v = check(&complete(EU, M::Adequacy, "JP", TODAY), TODAY);
    assert_eq!(v.status, VerdictStatus::Adequate);
    assert!(
        v.explanation
            .contains("confirm that the importer is a private-sector business operator")
    );
}

#[test]
fn a_derogation_must_name_which_one_and_is_flagged_as_exceptional() {
    for &derogation in Derogation::VARIANTS {
        let mut t = complete(EU, M::Derogation, "IN", TODAY);
        t.derogation = Some(derogation);
        let v = check(&t, TODAY);
        assert_eq!(v.status, VerdictStatus::Derogation, "{derogation:?}");
        assert!(v.explanation.contains("exceptional") && v.explanation.contains("Art 49(1)"));
    }
    let mut t = complete(UK, M::Derogation, "IN", TODAY);
    t.derogation = None;
    let v = check(&t, TODAY);
    assert_eq!(
        (v.status, v.has(DerogationMissing)),
        (VerdictStatus::NonCompliant, true)
    );
    // A derogation named next to another mechanism changes nothing.
    let v = check(&complete(EU, M::None, "IN", TODAY), TODAY);
    assert!(v.has(MissingSafeguard));
}

#[test]
fn bcr_codes_and_certifications_need_evidence_of_approval() {
    for mechanism in [M::Bcr, M::CodeOfConduct, M::Certification] {
        for evidence in [None, Some("  ".to_owned())] {
            let mut t = complete(EU, mechanism, "IN", TODAY);
            t.safeguard_evidence = evidence;
            let v = check(&t, TODAY);
            assert_eq!(
                (v.status, v.has(MissingSafeguard)),
                (VerdictStatus::NonCompliant, true),
                "{mechanism:?}"
            );
        }
    }
}

#[test]
fn a_contract_must_be_signed_by_the_date_and_not_before_its_clauses_existed() {
    let mut t = complete(EU, M::Scc2021, "IN", TODAY);
    t.signed_on = Some(day("2026-12-01"));
    assert!(check(&t, TODAY).has(MissingSafeguard));
    t.signed_on = Some(day("2021-05-01"));
    assert!(check(&t, TODAY).has(InvalidMechanism));
    t.signed_on = Some(day("2021-06-27"));
    assert!(check(&t, TODAY).problems.is_empty());
}

#[test]
fn a_processor_needs_an_art_28_contract_inside_the_area_and_out() {
    for to in ["FR", "IN", "JP"] {
        let mut t = complete(EU, M::Bcr, to, TODAY);
        t.recipient_dpa_signed_on = None;
        let v = check(&t, TODAY);
        assert_eq!(
            (v.status, v.has(DpaMissing)),
            (VerdictStatus::NonCompliant, true),
            "{to}"
        );
        t.recipient_dpa_signed_on = Some(day("2026-11-25"));
        assert!(
            check(&t, TODAY).has(DpaMissing),
            "{to}: dated after the day"
        );
        t.recipient_role = Some(RecipientRole::Controller);
        assert!(
            !check(&t, TODAY).has(DpaMissing),
            "{to}: a controller needs none"
        );
    }
}

#[test]
fn valid_sccs_module_2_or_3_are_themselves_the_art_28_contract() {
    for (exporter, module, recipient) in [
        (
            ExporterRole::Controller,
            SccModule::C2p,
            RecipientRole::Processor,
        ),
        (
            ExporterRole::Processor,
            SccModule::P2p,
            RecipientRole::SubProcessor,
        ),
    ] {
        let mut t = complete(EU, M::Scc2021, "IN", TODAY);
        (t.exporter_role, t.scc_module, t.recipient_role) =
            (Some(exporter), Some(module), Some(recipient));
        t.recipient_dpa_signed_on = None;
        assert_eq!(check(&t, TODAY).status, VerdictStatus::Safeguarded);
        // ... and stay so when something else fails the transfer (Clause 2(a), recital 9, Art 28(7)).
        t.tia_completed_on = None;
        let codes: Vec<_> = check(&t, TODAY).problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, [TiaMissing]);
        // Only a module that does not fit takes it away.
        t.scc_module = Some(SccModule::C2c);
        assert!(check(&t, TODAY).has(DpaMissing));
    }
}

#[test]
fn a_dead_mechanism_next_to_adequacy_is_reported_without_changing_the_status() {
    let v = check(&complete(EU, M::PrivacyShield, "US", TODAY), TODAY);
    assert_eq!(v.status, VerdictStatus::Adequate);
    assert!(v.has(InvalidMechanism));
    assert!(v.problems[0].message.contains("update the record"));
    let v = check(&complete(UK, M::Scc2010, "JP", TODAY), TODAY);
    assert_eq!(
        (v.status, v.has(ExpiredInstrument)),
        (VerdictStatus::Adequate, true)
    );
}

#[test]
fn the_exporter_regime_follows_establishment_then_the_continued_flow() {
    let r = &*REFERENCE;
    let on = day(TODAY);
    assert_eq!(regime_of_exporter(r, cc("DE"), None, on), Some(EU));
    assert_eq!(regime_of_exporter(r, cc("NO"), Some(UK), on), Some(EU));
    assert_eq!(regime_of_exporter(r, cc("GB"), Some(EU), on), Some(UK));
    assert_eq!(
        regime_of_exporter(r, cc("GB"), None, day("2020-06-01")),
        Some(EU)
    );
    assert_eq!(regime_of_exporter(r, cc("US"), Some(UK), on), Some(UK));
    assert_eq!(regime_of_exporter(r, cc("US"), None, on), None);
}

#[test]
fn the_exporter_role_follows_the_continued_flow() {
    assert_eq!(ExporterRole::of_flow(None), ExporterRole::Controller);
    assert_eq!(
        ExporterRole::of_flow(Some(RecipientRole::Processor)),
        ExporterRole::Processor
    );
    assert_eq!(
        ExporterRole::of_flow(Some(RecipientRole::SubProcessor)),
        ExporterRole::Processor
    );
    assert_eq!(
        ExporterRole::of_flow(Some(RecipientRole::Controller)),
        ExporterRole::Controller
    );
    assert_eq!(
        ExporterRole::of_flow(Some(RecipientRole::JointController)),
        ExporterRole::Controller
    );
}

#[test]
fn an_onward_transfer_from_a_third_country_stays_under_the_exporters_regime() {
    let mut t = complete(EU, M::Scc2021, "IN", TODAY);
    t.exporter_country = cc("US");
    (t.exporter_role, t.scc_module, t.recipient_role) = (
        Some(ExporterRole::Processor),
        Some(SccModule::P2p),
        Some(RecipientRole::SubProcessor),
    );
    let v = check(&t, TODAY);
    assert_eq!(v.status, VerdictStatus::Safeguarded);
    assert!(v.explanation.contains("onward transfer"));
    let minimal = Transfer::new(EU, cc("US"), cc("DE"), M::None);
    assert_eq!(check(&minimal, TODAY).status, VerdictStatus::NotRestricted);
}
