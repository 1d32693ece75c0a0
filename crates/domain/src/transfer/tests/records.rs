//! The dated records: an assessment that says "do not proceed", one past its review date, an
//! expired contract, and a DPF list entry that replaces (and disagrees with) the hand-set flag.

use super::{check, complete, day};
use crate::{
    transfer::{ContractRecord, DpfListing, TiaRecord},
    vocab::{
        ContractKind, ProblemCode as P, Regime, TiaOutcome, TransferMechanism as M, VerdictStatus,
    },
};

fn tia(completed: &str, review: &str, outcome: TiaOutcome) -> TiaRecord {
    TiaRecord {
        completed_on: day(completed),
        review_on: day(review),
        outcome,
    }
}

fn contract(kind: ContractKind, from: &str, expires: &str) -> ContractRecord {
    ContractRecord {
        kind,
        reference: Some("C-17".into()),
        signed_on: None,
        in_force_from: Some(day(from)),
        expires_on: Some(day(expires)),
    }
}

fn codes(v: &crate::transfer::Verdict) -> Vec<P> {
    v.problems.iter().map(|p| p.code).collect()
}

#[test]
fn an_assessment_that_says_do_not_proceed_makes_the_transfer_non_compliant() {
    let mut t = complete(Regime::EuGdpr, M::Scc2021, "IN", "2025-01-01");
    t.records.assessments = vec![tia("2025-01-01", "2026-01-01", TiaOutcome::DoNotProceed)];
    let v = check(&t, "2025-06-01");
    assert_eq!(v.status, VerdictStatus::NonCompliant);
    assert_eq!(codes(&v), [P::TiaDoNotProceed]);
    assert!(
        v.explanation.contains("must not proceed"),
        "{}",
        v.explanation
    );
    // A later assessment that says proceed is the one that counts from its date.
    t.records.assessments.push(tia(
        "2025-07-01",
        "2026-07-01",
        TiaOutcome::ProceedWithMeasures,
    ));
    assert_eq!(check(&t, "2025-06-30").status, VerdictStatus::NonCompliant);
    assert_eq!(check(&t, "2025-07-01").status, VerdictStatus::Safeguarded);
}

#[test]
fn an_assessment_past_its_review_date_warns_without_changing_the_verdict() {
    let mut t = complete(Regime::EuGdpr, M::Scc2021, "IN", "2025-01-01");
    t.records.assessments = vec![tia("2025-01-01", "2026-01-01", TiaOutcome::Proceed)];
    // On the review day itself it is due, not overdue.
    let due = check(&t, "2026-01-01");
    assert_eq!(due.status, VerdictStatus::Safeguarded);
    assert!(codes(&due).is_empty(), "{:?}", due.problems);
    let late = check(&t, "2026-01-02");
    assert_eq!(late.status, VerdictStatus::Safeguarded);
    assert_eq!(codes(&late), [P::TiaReviewOverdue]);
    assert!(
        late.explanation.contains("due for review on 2026-01-01"),
        "{}",
        late.explanation
    );
}

#[test]
fn an_expired_contract_is_a_problem_from_the_day_after_its_last_day() {
    let mut t = complete(Regime::EuGdpr, M::Scc2021, "IN", "2024-01-01");
    t.records.contracts = vec![contract(ContractKind::Scc2021, "2024-01-01", "2025-12-31")];
    assert_eq!(check(&t, "2025-12-31").status, VerdictStatus::Safeguarded);
    let v = check(&t, "2026-01-01");
    assert_eq!(v.status, VerdictStatus::NonCompliant);
    assert_eq!(codes(&v), [P::ContractExpired]);
    assert!(
        v.explanation.contains("expired on 2025-12-31"),
        "{}",
        v.explanation
    );
    // A renewal in force carries it again.
    t.records
        .contracts
        .push(contract(ContractKind::Scc2021, "2026-01-01", "2027-12-31"));
    assert_eq!(check(&t, "2026-01-01").status, VerdictStatus::Safeguarded);
}

#[test]
fn an_expired_dpa_blocks_a_processor_flow_and_one_in_force_is_the_art_28_contract() {
    let mut t = complete(Regime::EuGdpr, M::Adequacy, "JP", "2024-01-01");
    t.records.contracts = vec![contract(ContractKind::Dpa, "2024-01-01", "2025-06-30")];
    assert_eq!(codes(&check(&t, "2025-07-01")), [P::ContractExpired]);
    // No DPA date by hand, but a DPA record in force: no DPA_MISSING.
    t.recipient_dpa_signed_on = None;
    assert!(codes(&check(&t, "2025-01-01")).is_empty());
}

fn listing(active: bool) -> DpfListing {
    DpfListing {
        name: "Example Cloud, Inc.".into(),
        active,
        uk_extension: true,
        swiss: false,
        hr_data: false,
        non_hr_data: true,
        snapshot_on: day("2025-03-01"),
        hand_set: None,
    }
}

#[test]
fn the_dpf_list_entry_replaces_the_hand_set_flag_and_the_disagreement_is_said() {
    let mut t = complete(Regime::EuGdpr, M::EuUsDpf, "US", "2025-01-01");
    t.records.dpf = Some(listing(false));
    let v = check(&t, "2025-06-01");
    assert_eq!(v.status, VerdictStatus::NonCompliant);
    assert!(codes(&v).contains(&P::NotCertified), "{:?}", v.problems);
    assert!(codes(&v).contains(&P::DpfListDisagrees), "{:?}", v.problems);
    assert!(
        v.explanation.contains("as downloaded on 2025-03-01"),
        "{}",
        v.explanation
    );
    // Listed active, flagged by hand as not certified: carried, with the disagreement noted.
    t.certifications.eu_dpf = Some(false);
    t.records.dpf = Some(listing(true));
    let v = check(&t, "2025-06-01");
    assert_eq!(v.status, VerdictStatus::Adequate);
    assert_eq!(codes(&v), [P::DpfListDisagrees]);
    // Agreeing: no warning.
    t.certifications.eu_dpf = Some(true);
    assert!(codes(&check(&t, "2025-06-01")).is_empty());
}

/// A past date reads the snapshot in force then (the latest listed on or before it); a date
/// before every snapshot reads the hand-set flag; the reasoning agrees with the verdict.
#[test]
fn a_past_date_reads_the_dpf_snapshot_in_force_on_that_date() {
    use crate::transfer::{DpfSnapshotEntry, StepOutcome, reasoning};
    let mut t = complete(Regime::EuGdpr, M::EuUsDpf, "US", "2024-01-01");
    t.certifications.eu_dpf = Some(true);
    let snapshot = |on: &str, active: bool| DpfSnapshotEntry {
        listed_on: day(on),
        entry: Some(DpfListing {
            snapshot_on: day(on),
            ..listing(active)
        }),
    };
    // Listed inactive in March, active again in September.
    t.records.dpf_history = vec![snapshot("2025-09-01", true), snapshot("2025-03-01", false)];
    let v = check(&t, "2025-06-01");
    assert_eq!(v.status, VerdictStatus::NonCompliant, "{:?}", v.problems);
    assert!(
        v.explanation.contains("as downloaded on 2025-03-01"),
        "{}",
        v.explanation
    );
    let v = check(&t, "2025-10-01");
    assert_eq!(v.status, VerdictStatus::Adequate, "{:?}", v.problems);
    assert!(
        v.explanation.contains("as downloaded on 2025-09-01"),
        "{}",
        v.explanation
    );
    // Before the first snapshot: the hand-set flag, no list named.
    let v = check(&t, "2025-01-01");
    assert_eq!(v.status, VerdictStatus::Adequate, "{:?}", v.problems);
    assert!(
        !v.explanation.contains("as downloaded on"),
        "{}",
        v.explanation
    );
    // Absent from the snapshot in force: the hand-set flag too.
    t.records.dpf_history.push(DpfSnapshotEntry {
        listed_on: day("2025-12-01"),
        entry: None,
    });
    assert!(
        !check(&t, "2025-12-02")
            .explanation
            .contains("as downloaded on")
    );
    // The reasoning reads the same snapshot as the verdict.
    let carried = reasoning(&super::REFERENCE, &t, day("2025-06-01"));
    assert!(
        carried.iter().any(|s| s.outcome == StepOutcome::NotMet),
        "{carried:#?}"
    );
}

#[test]
fn an_assessment_on_record_is_the_tia_the_safeguard_needs() {
    let mut t = complete(Regime::EuGdpr, M::Scc2021, "IN", "2025-01-01");
    t.tia_completed_on = None;
    assert_eq!(codes(&check(&t, "2025-06-01")), [P::TiaMissing]);
    t.records.assessments = vec![tia("2025-02-01", "2026-02-01", TiaOutcome::Proceed)];
    assert_eq!(codes(&check(&t, "2025-01-31")), [P::TiaMissing]);
    assert!(codes(&check(&t, "2025-02-01")).is_empty());
}

/// The records' problems are answered by the step a lawyer would ask them under, with the field
/// that fixes each.
#[test]
fn the_reasoning_answers_each_record_problem_at_its_own_step() {
    use crate::transfer::{StepOutcome, reasoning};
    let step = |t: &crate::transfer::Transfer, on: &str, question: &str| {
        reasoning(&super::REFERENCE, t, day(on))
            .into_iter()
            .find(|s| s.question.contains(question))
            .unwrap_or_else(|| panic!("no step {question:?}"))
    };
    let mut t = complete(Regime::EuGdpr, M::Scc2021, "IN", "2025-01-01");
    t.records.assessments = vec![tia("2025-01-01", "2026-01-01", TiaOutcome::DoNotProceed)];
    let s = step(&t, "2025-06-01", "impact assessment");
    assert_eq!(s.outcome, StepOutcome::NotMet, "{s:#?}");
    assert_eq!(s.field, Some("tiaCompletedOn"));
    t.records.assessments = vec![tia("2025-01-01", "2026-01-01", TiaOutcome::Proceed)];
    let s = step(&t, "2026-01-02", "impact assessment");
    assert_eq!(s.outcome, StepOutcome::Warning, "{s:#?}");
    // The next assessment answers it: the warning names the field, for the console's link.
    assert_eq!(s.field, Some("tiaCompletedOn"));

    let mut t = complete(Regime::EuGdpr, M::Scc2021, "IN", "2024-01-01");
    t.records.contracts = vec![contract(ContractKind::Scc2021, "2024-01-01", "2025-12-31")];
    let s = step(&t, "2026-01-01", "contract in force");
    assert_eq!(s.outcome, StepOutcome::NotMet, "{s:#?}");
    assert_eq!(s.field, Some("signedOn"));
    assert_eq!(step(&t, "2026-01-01", "Art 28").outcome, StepOutcome::Met);

    let mut t = complete(Regime::EuGdpr, M::Adequacy, "JP", "2024-01-01");
    t.records.contracts = vec![contract(ContractKind::Dpa, "2024-01-01", "2025-06-30")];
    let s = step(&t, "2025-07-01", "Art 28");
    assert_eq!(s.outcome, StepOutcome::NotMet, "{s:#?}");
    assert_eq!(s.field, Some("dpaSignedOn"));
}
