//! The verdict as the questions a lawyer asks: one test per outcome, and the steps agree with the
//! verdict for every mechanism, destination and regime.

use super::{REFERENCE, cc, complete, day};
use crate::{
    transfer::{ReasoningStep, StepOutcome, Transfer, assess, reasoning},
    vocab::{
        Derogation, RecipientRole,
        Regime::{EuGdpr as EU, UkGdpr as UK},
        SccModule, TransferMechanism as M, VerdictStatus,
    },
};
use strum::VariantArray;

const TODAY: &str = "2026-11-24";

fn steps(t: &Transfer) -> Vec<ReasoningStep> {
    reasoning(&REFERENCE, t, day(TODAY))
}

fn outcomes(steps: &[ReasoningStep]) -> Vec<StepOutcome> {
    steps.iter().map(|s| s.outcome).collect()
}

fn the_step<'a>(steps: &'a [ReasoningStep], question: &str) -> &'a ReasoningStep {
    steps
        .iter()
        .find(|s| s.question.contains(question))
        .unwrap_or_else(|| panic!("no step {question:?} in {steps:#?}"))
}

#[test]
fn a_complete_scc_transfer_meets_every_step_in_the_lawyers_order() {
    use StepOutcome::Met;
    let s = steps(&complete(EU, M::Scc2021, "IN", TODAY));
    let questions: Vec<&str> = s.iter().map(|s| s.question.as_str()).collect();
    assert_eq!(
        questions,
        [
            "Is this a restricted transfer?",
            "What carries the transfer?",
            "Is that mechanism valid on the day?",
            "Is the contract in force and of the right module?",
            "Is the transfer impact assessment done?",
            "Is there an Art 28 contract with the processor?",
        ]
    );
    assert_eq!(outcomes(&s), [Met, Met, Met, Met, Met, Met]);
    assert!(
        s[1].answer.contains("standard contractual clauses"),
        "{s:#?}"
    );
    assert!(
        s[1].sources.iter().any(|x| x.contains("2021/914")),
        "{s:#?}"
    );
    assert!(s[3].answer.contains("C2P (Module 2)"), "{s:#?}");
    assert!(s[4].answer.contains("completed on 2026-11-24"), "{s:#?}");
    assert!(s.iter().all(|s| s.field.is_none()));
}

#[test]
fn nothing_recorded_is_not_met_at_what_carries_the_transfer_and_points_at_the_mechanism() {
    let s = steps(&complete(EU, M::None, "IN", TODAY));
    let step = the_step(&s, "What carries");
    assert_eq!(step.outcome, StepOutcome::NotMet);
    assert_eq!(step.field, Some("mechanism"));
    assert!(step.answer.starts_with("No: "), "{step:?}");
    assert_eq!(the_step(&s, "restricted").outcome, StepOutcome::Met);
}

#[test]
fn a_missing_tia_is_not_met_at_its_own_step() {
    let t = Transfer {
        tia_completed_on: None,
        ..complete(EU, M::Scc2021, "IN", TODAY)
    };
    let s = steps(&t);
    let step = the_step(&s, "impact assessment");
    assert_eq!(step.outcome, StepOutcome::NotMet);
    assert_eq!(step.field, Some("tiaCompletedOn"));
    assert_eq!(the_step(&s, "What carries").outcome, StepOutcome::Met);
}

#[test]
fn a_uk_exporter_on_the_eu_clauses_is_told_it_needs_the_uk_addendum() {
    let s = steps(&complete(UK, M::Scc2021, "IN", TODAY));
    let step = the_step(&s, "contract");
    assert_eq!(step.outcome, StepOutcome::NotMet, "{s:#?}");
    assert!(step.answer.contains("UK Addendum"), "{step:?}");
    assert_eq!(step.field, Some("mechanism"));
}

#[test]
fn a_module_that_does_not_fit_the_roles_points_at_the_module() {
    let t = Transfer {
        scc_module: Some(SccModule::C2c),
        ..complete(EU, M::Scc2021, "IN", TODAY)
    };
    let s = steps(&t);
    let step = the_step(&s, "contract");
    assert_eq!(step.outcome, StepOutcome::NotMet);
    assert_eq!(step.field, Some("sccModule"));
    assert!(step.answer.contains("C2P (Module 2)"), "{step:?}");
}

#[test]
fn a_processor_without_an_art_28_contract_is_not_met_at_the_last_step() {
    let t = Transfer {
        recipient_dpa_signed_on: None,
        ..complete(EU, M::Adequacy, "JP", TODAY)
    };
    let s = steps(&t);
    let step = the_step(&s, "Art 28");
    assert_eq!(step.outcome, StepOutcome::NotMet);
    assert_eq!(step.field, Some("dpaSignedOn"));
    assert_eq!(the_step(&s, "What carries").outcome, StepOutcome::Met);
    assert_eq!(
        the_step(&s, "impact assessment").outcome,
        StepOutcome::NotApplicable
    );
}

#[test]
fn a_derogation_the_edpb_reads_restrictively_is_a_warning() {
    let t = Transfer {
        derogation: Some(Derogation::ExplicitConsent),
        occasional: Some(false),
        ..complete(EU, M::Derogation, "IN", TODAY)
    };
    let verdict = assess(&REFERENCE, &t, day(TODAY));
    assert_eq!(verdict.status, VerdictStatus::Derogation);
    let s = steps(&t);
    let step = the_step(&s, "What carries");
    assert_eq!(step.outcome, StepOutcome::Warning, "{s:#?}");
    assert!(step.answer.contains("To note: "), "{step:?}");
    assert!(!s.iter().any(|s| s.outcome == StepOutcome::NotMet));
}

#[test]
fn a_transfer_inside_the_area_is_not_applicable_but_the_processor_contract_is_still_asked() {
    use StepOutcome::{Met, NotApplicable};
    let s = steps(&complete(EU, M::None, "FR", TODAY));
    assert_eq!(
        outcomes(&s),
        [
            NotApplicable,
            NotApplicable,
            NotApplicable,
            NotApplicable,
            NotApplicable,
            Met
        ]
    );
    assert!(
        s[0].answer.contains("inside the European Economic Area"),
        "{s:#?}"
    );
    let controller = Transfer {
        recipient_role: Some(RecipientRole::Controller),
        ..complete(EU, M::None, "FR", TODAY)
    };
    assert_eq!(
        steps(&controller)[5].outcome,
        NotApplicable,
        "no Art 28 contract for a controller"
    );
}

/// Every combination: a step is NOT_MET exactly when the verdict is NON_COMPLIANT, a failed
/// step names its field, and no answer carries an enum code.
#[test]
fn the_steps_agree_with_the_verdict_everywhere() {
    for regime in [EU, UK] {
        for mechanism in M::VARIANTS {
            for destination in ["IN", "US", "JP", "FR", "GB", "CH"] {
                for tia in [true, false] {
                    let mut t = complete(regime, *mechanism, destination, TODAY);
                    if !tia {
                        t.tia_completed_on = None;
                        t.recipient_dpa_signed_on = None;
                    }
                    let verdict = assess(&REFERENCE, &t, day(TODAY));
                    let s = steps(&t);
                    let failed = s.iter().filter(|s| s.outcome == StepOutcome::NotMet);
                    assert_eq!(
                        failed.clone().count() > 0,
                        verdict.status == VerdictStatus::NonCompliant,
                        "{t:?}\n{verdict:?}\n{s:#?}"
                    );
                    assert!(failed.clone().all(|s| s.field.is_some()), "{s:#?}");
                    for step in &s {
                        assert!(
                            !step
                                .answer
                                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                                .any(|w| w.contains('_')),
                            "a code in {step:?}"
                        );
                        assert!(step.answer.ends_with('.'), "{step:?}");
                    }
                }
            }
        }
    }
    assert_eq!(cc("IN").as_str(), "IN");
}
