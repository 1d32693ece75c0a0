//! Tests written against the mutants `cargo mutants` found the other tests let through (see the
//! README's testing section): each pins one decision of the rules at the boundary a mutant moved
//! (a comparison flipped, a guard forced, a branch deleted). Dates come from the reference file,
//! so a corrected date there moves the boundary with it.

use super::{REFERENCE, cc, check, complete, day};
use crate::{
    reference::{AdequacyScope, ScopeFact},
    transfer::{
        ExporterRole, Transfer, expected_module,
        rules::{recorded_in_scope, regime_of_exporter},
    },
    vocab::{
        ProblemCode as P, RecipientRole, Regime, SccModule, TransferMechanism as M, VerdictStatus,
    },
};
use chrono::{Days, NaiveDate};

const EU: Regime = Regime::EuGdpr;
const TODAY: &str = "2025-06-02";

fn codes(t: &Transfer, on: NaiveDate) -> Vec<P> {
    check(t, &on.to_string())
        .problems
        .iter()
        .map(|p| p.code)
        .collect()
}

fn status(t: &Transfer, on: NaiveDate) -> VerdictStatus {
    check(t, &on.to_string()).status
}

fn messages(t: &Transfer, on: NaiveDate) -> String {
    check(t, &on.to_string())
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn before(d: NaiveDate) -> NaiveDate {
    d - Days::new(1)
}

fn after(d: NaiveDate) -> NaiveDate {
    d + Days::new(1)
}

/// The window of `m` under the EU GDPR in the reference.
fn window(m: M) -> &'static crate::reference::InstrumentWindow {
    REFERENCE
        .instrument(m, EU)
        .unwrap_or_else(|| panic!("{m:?} is an EU tool in the reference"))
}

/// A transfer to India (no adequacy decision) with every fact of `complete`, on `on`.
fn to_india(m: M, on: NaiveDate) -> Transfer {
    complete(EU, m, "IN", &on.to_string())
}

#[test]
fn the_exporter_s_regime_is_its_country_s_else_the_continued_flow_s() {
    let on = day(TODAY);
    assert_eq!(
        regime_of_exporter(&REFERENCE, cc("GB"), None, on),
        Some(Regime::UkGdpr)
    );
    assert_eq!(
        regime_of_exporter(&REFERENCE, cc("DE"), Some(Regime::UkGdpr), on),
        Some(Regime::EuGdpr)
    );
    assert_eq!(
        regime_of_exporter(&REFERENCE, cc("US"), Some(Regime::UkGdpr), on),
        Some(Regime::UkGdpr)
    );
    assert_eq!(regime_of_exporter(&REFERENCE, cc("US"), None, on), None);
}

#[test]
fn every_pair_of_roles_has_its_module() {
    use ExporterRole::{Controller as C, Processor as Pr};
    use RecipientRole::*;
    for (exporter, recipient, module) in [
        (C, Controller, SccModule::C2c),
        (C, JointController, SccModule::C2c),
        (C, Processor, SccModule::C2p),
        (C, SubProcessor, SccModule::C2p),
        (Pr, Processor, SccModule::P2p),
        (Pr, SubProcessor, SccModule::P2p),
        (Pr, Controller, SccModule::P2c),
        (Pr, JointController, SccModule::P2c),
    ] {
        assert_eq!(
            expected_module(exporter, recipient),
            module,
            "{exporter:?} -> {recipient:?}"
        );
    }
}

/// Canada's decision reaches only importers subject to PIPEDA.
fn to_canada(m: M, pipeda: Option<bool>, in_scope: Option<bool>) -> Transfer {
    Transfer {
        importer_subject_to_pipeda: pipeda,
        importer_in_adequacy_scope: in_scope,
        ..complete(EU, m, "CA", TODAY)
    }
}

#[test]
fn outside_a_partial_decision_only_the_recorded_tool_can_carry_the_transfer() {
    let on = day(TODAY);
    // Relying on the decision itself: not compliant, for the scope alone.
    let adequacy = to_canada(M::Adequacy, Some(false), None);
    assert_eq!(codes(&adequacy, on), [P::OutsideAdequacyScope]);
    assert!(
        messages(&adequacy, on).contains("not subject to PIPEDA"),
        "{}",
        messages(&adequacy, on)
    );
    // Valid SCCs carry it.
    let sccs = to_canada(M::Scc2021, Some(false), None);
    assert_eq!(
        (status(&sccs, on), codes(&sccs, on)),
        (VerdictStatus::Safeguarded, vec![])
    );
    // Nothing recorded: both the scope and the missing tool are said.
    let nothing = to_canada(M::None, Some(false), None);
    assert_eq!(
        codes(&nothing, on),
        [P::OutsideAdequacyScope, P::MissingSafeguard]
    );
    // A dead adequacy-based tool is judged as what it is, not as an adequacy finding.
    let shield = Transfer {
        certifications: crate::transfer::Certifications::all(Some(false)),
        ..complete(EU, M::PrivacyShield, "US", TODAY)
    };
    assert_eq!(codes(&shield, on), [P::InvalidMechanism]);
}

#[test]
fn the_specific_scope_fact_wins_over_the_general_one() {
    let on = day(TODAY);
    let specific_no = to_canada(M::Adequacy, Some(false), Some(true));
    assert_eq!(codes(&specific_no, on), [P::OutsideAdequacyScope]);
    let specific_yes = to_canada(M::Adequacy, Some(true), Some(false));
    assert_eq!(
        (status(&specific_yes, on), codes(&specific_yes, on)),
        (VerdictStatus::Adequate, vec![])
    );
    let general_no = to_canada(M::Adequacy, None, Some(false));
    assert_eq!(codes(&general_no, on), [P::OutsideAdequacyScope]);
    let unknown = to_canada(M::Adequacy, None, None);
    assert_eq!(
        (status(&unknown, on), codes(&unknown, on)),
        (VerdictStatus::Adequate, vec![])
    );
}

#[test]
fn what_is_recorded_about_a_decision_s_scope() {
    let t = |pipeda, general| Transfer {
        importer_subject_to_pipeda: pipeda,
        importer_in_adequacy_scope: general,
        ..Transfer::new(EU, cc("DE"), cc("CA"), M::Adequacy)
    };
    let partial = AdequacyScope::Partial {
        description: "PIPEDA".into(),
        requires: Some(ScopeFact::SubjectToPipeda),
    };
    assert_eq!(
        recorded_in_scope(&t(None, None), &AdequacyScope::Full),
        Some(true)
    );
    assert_eq!(
        recorded_in_scope(&t(Some(false), Some(true)), &partial),
        Some(false)
    );
    assert_eq!(
        recorded_in_scope(&t(Some(true), Some(false)), &partial),
        Some(true)
    );
    assert_eq!(
        recorded_in_scope(&t(None, Some(false)), &partial),
        Some(false)
    );
    assert_eq!(recorded_in_scope(&t(None, None), &partial), None);
}

#[test]
fn a_dead_mechanism_beside_adequacy_is_reported_and_a_live_one_is_not() {
    let on = day(TODAY);
    let dead = complete(EU, M::PrivacyShield, "CH", TODAY);
    let verdict = check(&dead, TODAY);
    assert_eq!(verdict.status, VerdictStatus::Adequate);
    assert_eq!(
        verdict.problems.iter().map(|p| p.code).collect::<Vec<_>>(),
        [P::InvalidMechanism]
    );
    assert!(
        verdict.problems[0].message.contains("update the record"),
        "{}",
        verdict.problems[0].message
    );
    let live = complete(EU, M::Scc2021, "CH", TODAY);
    assert_eq!(
        (status(&live, on), codes(&live, on)),
        (VerdictStatus::Adequate, vec![])
    );
}

#[test]
fn a_processor_needs_its_art_28_contract_unless_valid_module_2_or_3_sccs_are_it() {
    let on = day(TODAY);
    let no_dpa = |t: Transfer| Transfer {
        recipient_dpa_signed_on: None,
        ..t
    };
    // Valid SCCs, Module 2: they are the contract.
    let sccs = no_dpa(to_india(M::Scc2021, on));
    assert_eq!(
        (status(&sccs, on), codes(&sccs, on)),
        (VerdictStatus::Safeguarded, vec![])
    );
    // The wrong module: the SCCs have problems, so the contract is missing too.
    let wrong = Transfer {
        scc_module: Some(SccModule::C2c),
        ..sccs.clone()
    };
    assert_eq!(codes(&wrong, on), [P::ModuleMismatch, P::DpaMissing]);
    // Signed Module 2 clauses without a TIA: the transfer lacks its assessment, but the signed
    // clauses are still the Art 28(3)-(4) contract (Clause 2(a), recital 9, Art 28(7)).
    let no_tia = Transfer {
        tia_completed_on: None,
        ..sccs.clone()
    };
    assert_eq!(codes(&no_tia, on), [P::TiaMissing]);
    // The UK IDTA and an adequacy decision are not Art 28 contracts.
    let idta = no_dpa(complete(Regime::UkGdpr, M::UkIdta, "IN", TODAY));
    assert_eq!(codes(&idta, on), [P::DpaMissing]);
    let adequate = no_dpa(complete(EU, M::Adequacy, "CH", TODAY));
    assert_eq!(codes(&adequate, on), [P::DpaMissing]);
    // A contract dated on the day counts; one dated the day after does not.
    let dated = |d| Transfer {
        recipient_dpa_signed_on: Some(d),
        ..adequate.clone()
    };
    assert_eq!(codes(&dated(on), on), []);
    assert_eq!(codes(&dated(after(on)), on), [P::DpaMissing]);
    // A controller recipient needs none.
    let controller = Transfer {
        recipient_role: Some(RecipientRole::Controller),
        scc_module: Some(SccModule::C2c),
        ..no_dpa(to_india(M::Scc2021, on))
    };
    assert_eq!(codes(&controller, on), []);
}

#[test]
fn the_eu_sccs_need_the_addendum_under_the_uk_gdpr_only() {
    let on = day(TODAY);
    let uk = complete(Regime::UkGdpr, M::Scc2021, "IN", TODAY);
    assert_eq!(codes(&uk, on), [P::InvalidMechanism]);
    assert!(messages(&uk, on).contains("UK Addendum"));
    assert_eq!(
        (
            status(&to_india(M::Scc2021, on), on),
            codes(&to_india(M::Scc2021, on), on)
        ),
        (VerdictStatus::Safeguarded, vec![])
    );
    let idta_in_eu = to_india(M::UkIdta, on);
    assert_eq!(
        messages(&idta_in_eu, on),
        "the International Data Transfer Agreement terms on record are not a transfer tool under the EU GDPR"
    );
}

#[test]
fn a_derogation_needs_no_tia_but_its_ground_and_an_occasional_flow() {
    let on = day(TODAY);
    let derogation = Transfer {
        tia_completed_on: None,
        ..to_india(M::Derogation, on)
    };
    assert_eq!(
        (status(&derogation, on), codes(&derogation, on)),
        (VerdictStatus::Derogation, vec![])
    );
    let unnamed = Transfer {
        derogation: None,
        ..derogation.clone()
    };
    assert_eq!(codes(&unnamed, on), [P::DerogationMissing]);
    let regular = Transfer {
        occasional: Some(false),
        ..derogation.clone()
    };
    assert_eq!(codes(&regular, on), [P::DerogationNotOccasional]);
    let unknown = Transfer {
        occasional: None,
        ..derogation.clone()
    };
    assert_eq!(codes(&unknown, on), []);
    // Neither condition is asked of SCCs.
    let sccs = Transfer {
        derogation: None,
        occasional: Some(false),
        ..to_india(M::Scc2021, on)
    };
    assert_eq!(codes(&sccs, on), []);
}

#[test]
fn a_tool_applies_from_its_first_day() {
    let first = window(M::Scc2021).validity.effective_from;
    assert_eq!(codes(&to_india(M::Scc2021, first), first), []);
    let eve = before(first);
    let early = to_india(M::Scc2021, eve);
    assert_eq!(codes(&early, eve), [P::InvalidMechanism]);
    assert!(messages(&early, eve).contains("did not apply yet"));
}

#[test]
fn a_tool_only_for_the_us_is_refused_elsewhere() {
    let on = day(TODAY);
    let dpf = to_india(M::EuUsDpf, on);
    assert_eq!(codes(&dpf, on), [P::InvalidMechanism]);
    assert!(
        messages(&dpf, on).contains("covers only transfers to US"),
        "{}",
        messages(&dpf, on)
    );
}

#[test]
fn a_struck_down_tool_is_invalid_and_an_expired_one_expired() {
    // Between the Privacy Shield's end and the DPF: no US adequacy at all.
    let shield = window(M::PrivacyShield);
    let ended = shield
        .validity
        .effective_to
        .expect("the Privacy Shield ended");
    let t = complete(EU, M::PrivacyShield, "US", &ended.to_string());
    assert_eq!(codes(&t, ended), [P::InvalidMechanism]);
    let old = window(M::Scc2010);
    let gone = old.validity.effective_to.expect("the old SCCs ended");
    let t = Transfer {
        signed_on: Some(before(old.validity.effective_from.max(day("2015-01-01")))),
        ..to_india(M::Scc2010, gone)
    };
    assert_eq!(codes(&t, gone), [P::ExpiredInstrument]);
}

#[test]
fn the_old_sccs_keep_contracts_concluded_before_the_cut_off() {
    let old = window(M::Scc2010);
    let cutoff = old.new_contracts_to.expect("a cut-off for new contracts");
    let signed = |d: NaiveDate, on| Transfer {
        signed_on: Some(d),
        ..to_india(M::Scc2010, on)
    };
    // On the cut-off day: a contract from the day before keeps effect, one from that day not.
    assert_eq!(codes(&signed(before(cutoff), cutoff), cutoff), []);
    assert_eq!(
        codes(&signed(cutoff, cutoff), cutoff),
        [P::ExpiredInstrument]
    );
    assert_eq!(
        codes(&signed(after(cutoff), after(cutoff)), after(cutoff)),
        [P::ExpiredInstrument]
    );
    let undated = Transfer {
        signed_on: None,
        ..to_india(M::Scc2010, cutoff)
    };
    assert_eq!(codes(&undated, cutoff), [P::ExpiredInstrument]);
    // The day before the cut-off new contracts were still possible, dated or not.
    let eve = before(cutoff);
    assert_eq!(codes(&signed(eve, eve), eve), []);
    let undated = Transfer {
        signed_on: None,
        ..to_india(M::Scc2010, eve)
    };
    assert_eq!(codes(&undated, eve), []);
}

#[test]
fn a_contract_must_be_in_place_on_the_date_and_not_older_than_its_clauses() {
    let on = day(TODAY);
    let signed = |d| Transfer {
        signed_on: Some(d),
        ..to_india(M::Scc2021, on)
    };
    assert_eq!(codes(&signed(on), on), []);
    assert_eq!(codes(&signed(after(on)), on), [P::MissingSafeguard]);
    let first = window(M::Scc2021).validity.effective_from;
    assert_eq!(codes(&signed(first), on), []);
    // Concluded between publication and entry into force: valid from entry into force.
    assert_eq!(codes(&signed(before(first)), on), []);
    let published = window(M::Scc2021)
        .published
        .as_ref()
        .expect("the 2021 SCCs' publication is in the reference")
        .on;
    assert_eq!(codes(&signed(published), on), []);
    // Concluded before the clauses existed: not the 2021 SCCs.
    assert_eq!(codes(&signed(before(published)), on), [P::InvalidMechanism]);
}

#[test]
fn the_2021_sccs_are_not_for_an_importer_already_under_the_gdpr() {
    let on = day(TODAY);
    let subject = |v| Transfer {
        importer_subject_to_regime: v,
        ..to_india(M::Scc2021, on)
    };
    assert_eq!(codes(&subject(Some(true)), on), [P::InvalidMechanism]);
    assert_eq!(codes(&subject(Some(false)), on), []);
    assert_eq!(codes(&subject(None), on), []);
}

#[test]
fn binding_corporate_rules_bind_only_their_group() {
    let on = day(TODAY);
    let groups = |e: Option<&str>, i: Option<&str>| Transfer {
        exporter_bcr_group: e.map(Into::into),
        importer_bcr_group: i.map(Into::into),
        ..to_india(M::Bcr, on)
    };
    assert_eq!(codes(&groups(Some("A"), Some("A")), on), []);
    assert_eq!(codes(&groups(None, None), on), []);
    assert_eq!(
        codes(&groups(Some("A"), Some("B")), on),
        [P::MissingSafeguard]
    );
    assert_eq!(codes(&groups(Some("A"), None), on), [P::MissingSafeguard]);
    assert_eq!(codes(&groups(None, Some("B")), on), [P::MissingSafeguard]);
}

#[test]
fn the_module_must_be_recorded_and_fit_the_roles() {
    let on = day(TODAY);
    let module = |m| Transfer {
        scc_module: m,
        ..to_india(M::Scc2021, on)
    };
    assert_eq!(codes(&module(Some(SccModule::C2p)), on), []);
    assert_eq!(codes(&module(None), on), [P::ModuleMissing]);
    let wrong = module(Some(SccModule::P2p));
    assert_eq!(codes(&wrong, on), [P::ModuleMismatch]);
    assert!(
        messages(&wrong, on).contains("module P2P (Module 3)")
            && messages(&wrong, on).contains("use C2P (Module 2)"),
        "{}",
        messages(&wrong, on)
    );
}

#[test]
fn an_approved_tool_needs_its_approval_on_record() {
    let on = day(TODAY);
    let evidence = |e: Option<&str>| Transfer {
        safeguard_evidence: e.map(Into::into),
        ..to_india(M::Bcr, on)
    };
    assert_eq!(codes(&evidence(Some("WP256 approval 2023-17")), on), []);
    assert_eq!(codes(&evidence(Some("  ")), on), [P::MissingSafeguard]);
    assert_eq!(codes(&evidence(None), on), [P::MissingSafeguard]);
}

#[test]
fn a_tia_dated_on_the_day_counts_and_a_later_one_does_not() {
    let on = day(TODAY);
    let tia = |d| Transfer {
        tia_completed_on: d,
        ..to_india(M::Scc2021, on)
    };
    assert_eq!(codes(&tia(Some(on)), on), []);
    assert_eq!(codes(&tia(Some(after(on))), on), [P::TiaMissing]);
    assert_eq!(codes(&tia(None), on), [P::TiaMissing]);
}

#[test]
fn nothing_recorded_says_so_for_the_destination() {
    let on = day(TODAY);
    let none = to_india(M::None, on);
    assert_eq!(codes(&none, on), [P::MissingSafeguard]);
    assert!(
        messages(&none, on).contains("no transfer mechanism is recorded for this transfer to IN"),
        "{}",
        messages(&none, on)
    );
}

#[test]
fn adequacy_recorded_without_a_decision_says_which_is_missing() {
    // Before a country's first decision: it names the decision to come.
    let korea = REFERENCE
        .adequacy_history(EU, cc("KR"))
        .map(|d| d.validity.effective_from)
        .min()
        .expect("a decision for South Korea");
    let eve = before(korea);
    let early = complete(EU, M::Adequacy, "KR", &eve.to_string());
    assert_eq!(codes(&early, eve), [P::MissingSafeguard]);
    assert!(
        messages(&early, eve).contains("applies only from"),
        "{}",
        messages(&early, eve)
    );
    // No decision ever.
    let on = day(TODAY);
    let india = to_india(M::Adequacy, on);
    assert_eq!(codes(&india, on), [P::MissingSafeguard]);
    assert!(
        messages(&india, on).contains("no adequacy decision of the EU GDPR covers IN"),
        "{}",
        messages(&india, on)
    );
}

/// An importer that is an international organisation with no adequacy decision of its own: the
/// recorded tool is judged on its own conditions, even an adequacy-based one (the DPF), which
/// reaches only certified importers in the US and asks for no TIA.
#[test]
fn an_adequacy_based_tool_is_judged_on_its_own_list_and_destination() {
    let on = day(TODAY);
    let organisation = |destination: &str, certified: Option<bool>| Transfer {
        importer_international_organisation: Some("XX".into()),
        certifications: crate::transfer::Certifications::all(certified),
        tia_completed_on: None,
        ..complete(EU, M::EuUsDpf, destination, TODAY)
    };
    let certified = organisation("US", Some(true));
    assert_eq!(
        (status(&certified, on), codes(&certified, on)),
        (VerdictStatus::Adequate, vec![])
    );
    let not_listed = organisation("US", Some(false));
    assert_eq!(codes(&not_listed, on), [P::NotCertified]);
    assert!(
        messages(&not_listed, on).contains("is not on"),
        "{}",
        messages(&not_listed, on)
    );
    assert_eq!(codes(&organisation("US", None), on), [P::NotCertified]);
    let elsewhere = organisation("CH", Some(true));
    assert_eq!(codes(&elsewhere, on), [P::InvalidMechanism]);
}
