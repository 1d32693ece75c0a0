//! The paragraph a DPO pastes into a report: what applies, why, since when, under which act
//! (name and number), what to fix, and which facts are not confirmed against the official text.

use super::{check, complete};
use crate::vocab::{
    Regime::{EuGdpr as EU, UkGdpr as UK},
    TransferMechanism as M, VerdictStatus,
};

const TODAY: &str = "2026-11-24";

fn says(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
    // Words, not the API's codes: those are in `problems` and `status`.
    for code in [
        "(SAFEGUARDED)",
        "(ADEQUATE)",
        "(NON_COMPLIANT)",
        "_MISSING)",
        "MECHANISM)",
    ] {
        assert!(!text.contains(code), "{code:?} in:\n{text}");
    }
}

#[test]
fn an_scc_transfer_names_the_decision_its_start_the_module_and_the_tia() {
    let v = check(&complete(EU, M::Scc2021, "IN", TODAY), TODAY);
    says(
        &v.explanation,
        &[
            "Assessed on 2026-11-24",
            "EU GDPR",
            "2021/914",
            "Art 46(2)(c)",
            "since 2021-06-27",
            "C2P (Module 2)",
            "completed on 2026-11-24",
            "Conclusion on 2026-11-24: carried by an appropriate safeguard.",
        ],
    );
    let instrument = v.instrument.map(|i| (i.id, i.effective_from.to_string()));
    assert_eq!(
        instrument,
        Some(("EU-SCC-2021".into(), "2021-06-27".into()))
    );
}

#[test]
fn an_adequate_transfer_names_the_decision_its_dates_and_its_scope() {
    let v = check(&complete(EU, M::Adequacy, "JP", TODAY), TODAY);
    says(
        &v.explanation,
        &[
            "Japan",
            "Implementing Decision (EU) 2019/419",
            "since 2019-01-23",
            "covers only the private sector",
            "No transfer impact assessment is needed",
            "Conclusion on 2026-11-24: carried by an adequacy decision.",
        ],
    );
    let v = check(&complete(EU, M::EuUsDpf, "US", TODAY), TODAY);
    says(
        &v.explanation,
        &[
            "2023/1795",
            "since 2023-07-10",
            "at risk",
            "C-703/25 P",
            "recorded as on the Data Privacy Framework List",
        ],
    );
    let v = check(&complete(EU, M::Scc2021, "CH", TODAY), TODAY);
    says(
        &v.explanation,
        &[
            "2000/518/EC",
            "The standard contractual clauses of 2021 on record are not needed while the decision applies",
        ],
    );
}

#[test]
fn facts_not_confirmed_against_the_official_text_are_marked_in_plain_words() {
    let v = check(&complete(EU, M::Adequacy, "GB", TODAY), TODAY);
    assert!(v.relies_on_unverified_fact());
    says(
        &v.explanation,
        &[
            "its last day being 2031-12-26",
            "Not confirmed: Commission Implementing Decision of 19 December 2025",
            "could not be confirmed from any source",
            "the decision's number and the exact day it took effect could not be confirmed",
            "sources differ on whether 2031-12-27 itself was covered",
        ],
    );
    let v = check(&complete(UK, M::None, "FO", TODAY), TODAY);
    assert_eq!(v.status, VerdictStatus::Adequate);
    says(
        &v.explanation,
        &[
            "Faroe Islands",
            "Not confirmed:",
            "secondary sources disagree",
        ],
    );
    let v = check(&complete(UK, M::UkIdta, "IN", TODAY), TODAY);
    says(
        &v.explanation,
        &["Not confirmed: the date from which a transfer risk assessment"],
    );
    let v = check(&complete(EU, M::Adequacy, "CH", TODAY), TODAY);
    assert!(!v.relies_on_unverified_fact());
    assert!(
        !v.explanation.contains("Not confirmed"),
        "{}",
        v.explanation
    );
}

#[test]
fn a_dead_mechanism_names_the_judgment_and_the_date() {
    let v = check(&complete(EU, M::PrivacyShield, "IN", TODAY), TODAY);
    says(
        &v.explanation,
        &[
            "2016/1250",
            "since 2020-07-16",
            "C-311/18",
            "To put right: the EU-US Privacy Shield",
            "Conclusion on 2026-11-24: not compliant.",
        ],
    );
    let v = check(
        &complete(EU, M::SafeHarbor, "US", "2015-01-01"),
        "2015-01-01",
    );
    says(
        &v.explanation,
        &[
            "Directive 95/46/EC",
            "2000/520/EC",
            "applicable from 2000-07-26, its last day being 2015-10-05",
            "carried by an adequacy decision",
        ],
    );
}

#[test]
fn a_derogation_says_which_one_and_that_it_is_exceptional() {
    let mut t = complete(EU, M::Derogation, "IN", TODAY);
    t.derogation = Some(crate::vocab::Derogation::CompellingLegitimateInterests);
    let v = check(&t, TODAY);
    says(
        &v.explanation,
        &[
            "second subparagraph",
            "exceptional",
            "EDPB Guidelines 2/2018",
            "supervisory authority",
            "Art 49(3)",
            "resting on a derogation",
        ],
    );
}

#[test]
fn the_uk_sccs_without_addendum_explain_what_to_record() {
    let v = check(&complete(UK, M::Scc2021, "IN", TODAY), TODAY);
    says(
        &v.explanation,
        &[
            "UK GDPR",
            "need the ICO International Data Transfer Addendum",
            "record the clauses with the UK Addendum",
        ],
    );
    assert!(!v.explanation.contains("UK_ADDENDUM"), "{}", v.explanation);
}

#[test]
fn a_regime_that_did_not_apply_yet_says_so() {
    let v = check(&complete(UK, M::None, "IN", "2020-06-01"), "2020-06-01");
    assert_eq!(v.status, VerdictStatus::NotRestricted);
    says(
        &v.explanation,
        &["did not apply yet on 2020-06-01", "2021-01-01"],
    );
}
