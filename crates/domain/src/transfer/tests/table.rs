//! The rules as tables: every mechanism under both regimes to a destination inside the area, to
//! an adequate one and to a third country, and each mechanism on the day before, the day of and
//! the day after every date on which it started or died. Each row is a complete record (see `complete`), so the
//! only thing that varies is the law on the date.

use super::{REFERENCE, check, complete, day};
use crate::vocab::{
    ProblemCode::{self, *},
    Regime::{self, EuGdpr as EU, UkGdpr as UK},
    TransferMechanism::{self as M},
    VerdictStatus::{self, *},
};
use strum::VariantArray;

type Row = (
    Regime,
    M,
    &'static str,
    &'static str,
    Option<&'static str>,
    VerdictStatus,
    &'static [ProblemCode],
);

/// regime, mechanism, destination, date, contract signed on, expected status, expected problems.
/// Each date appears with the day before and the day after.
#[rustfmt::skip]
const CUT_OFFS: &[Row] = &[
    // Safe Harbor: Decision 2000/520/EC from 2000-07-26, struck down by Schrems I on 2015-10-06
    // (a judgment binds from its delivery). Certified importers only (see `chapter_v.rs`).
    (EU, M::SafeHarbor,    "US", "2000-07-25", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::SafeHarbor,    "US", "2000-07-26", None, Adequate,     &[]),
    (EU, M::SafeHarbor,    "US", "2000-07-27", None, Adequate,     &[]),
    (EU, M::SafeHarbor,    "US", "2015-10-05", None, Adequate,     &[]),
    (EU, M::SafeHarbor,    "US", "2015-10-06", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::SafeHarbor,    "US", "2015-10-07", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::SafeHarbor,    "IN", "2015-10-05", None, NonCompliant, &[InvalidMechanism]),
    (UK, M::SafeHarbor,    "US", "2021-01-01", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::Adequacy,      "US", "2000-07-25", None, NonCompliant, &[MissingSafeguard]),
    (EU, M::Adequacy,      "US", "2000-07-26", None, Adequate,     &[]),
    (EU, M::Adequacy,      "US", "2015-10-05", None, Adequate,     &[]),
    (EU, M::Adequacy,      "US", "2015-10-06", None, NonCompliant, &[MissingSafeguard]),
    // Privacy Shield: 2016/1250 from 2016-07-12, struck down by Schrems II on 2020-07-16.
    (EU, M::PrivacyShield, "US", "2016-07-11", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::PrivacyShield, "US", "2016-07-12", None, Adequate,     &[]),
    (EU, M::PrivacyShield, "US", "2016-07-13", None, Adequate,     &[]),
    (EU, M::PrivacyShield, "US", "2020-07-15", None, Adequate,     &[]),
    (EU, M::PrivacyShield, "US", "2020-07-16", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::PrivacyShield, "US", "2020-07-17", None, NonCompliant, &[InvalidMechanism]),
    (UK, M::PrivacyShield, "US", "2021-01-01", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::Adequacy,      "US", "2016-07-11", None, NonCompliant, &[MissingSafeguard]),
    (EU, M::Adequacy,      "US", "2016-07-12", None, Adequate,     &[]),
    (EU, M::Adequacy,      "US", "2020-07-15", None, Adequate,     &[]),
    (EU, M::Adequacy,      "US", "2020-07-16", None, NonCompliant, &[MissingSafeguard]),
    // The DPF: EU from 2023-07-10, UK Extension from 2023-10-12; US importers only.
    (EU, M::EuUsDpf,       "US", "2023-07-09", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::EuUsDpf,       "US", "2023-07-10", None, Adequate,     &[]),
    (EU, M::EuUsDpf,       "US", "2023-07-11", None, Adequate,     &[]),
    (UK, M::EuUsDpf,       "US", "2023-10-11", None, NonCompliant, &[InvalidMechanism]),
    (UK, M::EuUsDpf,       "US", "2023-10-12", None, Adequate,     &[]),
    (UK, M::EuUsDpf,       "US", "2023-10-13", None, Adequate,     &[]),
    (EU, M::EuUsDpf,       "IN", "2026-11-24", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::Adequacy,      "US", "2023-07-09", None, NonCompliant, &[MissingSafeguard]),
    (EU, M::Adequacy,      "US", "2023-07-10", None, Adequate,     &[]),
    (EU, M::Adequacy,      "US", "2023-07-11", None, Adequate,     &[]),
    (UK, M::Adequacy,      "US", "2023-10-11", None, NonCompliant, &[MissingSafeguard]),
    (UK, M::Adequacy,      "US", "2023-10-12", None, Adequate,     &[]),
    (UK, M::Adequacy,      "US", "2023-10-13", None, Adequate,     &[]),
    // SCC 2021/914 from 2021-06-27 (EU only); UK from 2022-03-21 only with the Addendum.
    (EU, M::Scc2021,       "IN", "2021-06-26", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::Scc2021,       "IN", "2021-06-27", None, Safeguarded,  &[]),
    (EU, M::Scc2021,       "IN", "2021-06-28", None, Safeguarded,  &[]),
    (UK, M::Scc2021,       "IN", "2022-03-21", None, NonCompliant, &[InvalidMechanism]),
    (UK, M::UkAddendum,    "IN", "2022-03-20", None, NonCompliant, &[InvalidMechanism]),
    (UK, M::UkAddendum,    "IN", "2022-03-21", None, Safeguarded,  &[]),
    (UK, M::UkAddendum,    "IN", "2022-03-22", None, Safeguarded,  &[]),
    (UK, M::UkIdta,        "IN", "2022-03-20", None, NonCompliant, &[InvalidMechanism]),
    (UK, M::UkIdta,        "IN", "2022-03-21", None, Safeguarded,  &[]),
    (UK, M::UkIdta,        "IN", "2022-03-22", None, Safeguarded,  &[]),
    (EU, M::UkIdta,        "IN", "2022-03-21", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::UkAddendum,    "IN", "2022-03-21", None, NonCompliant, &[InvalidMechanism]),
    // Old SCCs, EU: the 2001 set applied from 2001-09-03 (Decision 2001/497/EC Art 6).
    (EU, M::Scc2010,       "IN", "2001-09-02", None,               NonCompliant, &[InvalidMechanism]),
    (EU, M::Scc2010,       "IN", "2001-09-03", None,               Safeguarded,  &[]),
    (EU, M::Scc2010,       "IN", "2001-09-04", None,               Safeguarded,  &[]),
    (EU, M::Scc2010,       "IN", "2001-09-04", Some("2001-09-02"), NonCompliant, &[InvalidMechanism]),
    // No new contracts from 2021-09-27 ("concluded before 27 September 2021").
    (EU, M::Scc2010,       "IN", "2021-09-26", None,               Safeguarded,  &[]),
    (EU, M::Scc2010,       "IN", "2021-09-27", None,               NonCompliant, &[ExpiredInstrument]),
    (EU, M::Scc2010,       "IN", "2021-09-27", Some("2021-09-26"), Safeguarded,  &[]),
    (EU, M::Scc2010,       "IN", "2021-09-27", Some("2021-09-27"), NonCompliant, &[ExpiredInstrument]),
    (EU, M::Scc2010,       "IN", "2021-09-28", Some("2021-09-28"), NonCompliant, &[ExpiredInstrument]),
    // Earlier contracts "until 27 December 2022", read as including that day (corrected: the
    // register used to stop on the 27th).
    (EU, M::Scc2010,       "IN", "2022-12-26", Some("2021-09-26"), Safeguarded,  &[]),
    (EU, M::Scc2010,       "IN", "2022-12-27", Some("2021-09-26"), Safeguarded,  &[]),
    (EU, M::Scc2010,       "IN", "2022-12-28", Some("2021-09-26"), NonCompliant, &[ExpiredInstrument]),
    // Old SCCs, UK: contracts from before the UK GDPR carried over (corrected: they were refused
    // as predating the instrument); new contracts on or before 2022-09-21; effect "until
    // 21 March 2024", read as including that day (corrected: the register stopped on the 21st).
    (UK, M::Scc2010,       "IN", "2020-12-31", Some("2019-06-01"), NotRestricted, &[]),
    (UK, M::Scc2010,       "IN", "2021-01-01", Some("2019-06-01"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2021-01-02", Some("2019-06-01"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2021-01-01", Some("2001-09-02"), NonCompliant, &[InvalidMechanism]),
    (UK, M::Scc2010,       "IN", "2021-01-01", Some("2001-09-03"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2021-01-01", None,               Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2022-09-21", Some("2022-09-21"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2022-09-22", Some("2022-09-21"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2022-09-22", Some("2022-09-22"), NonCompliant, &[ExpiredInstrument]),
    (UK, M::Scc2010,       "IN", "2022-09-23", Some("2022-09-23"), NonCompliant, &[ExpiredInstrument]),
    (UK, M::Scc2010,       "IN", "2024-03-20", Some("2019-06-01"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2024-03-21", Some("2019-06-01"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2024-03-22", Some("2019-06-01"), NonCompliant, &[ExpiredInstrument]),
    (UK, M::Scc2010,       "IN", "2024-03-21", Some("2022-09-21"), Safeguarded,  &[]),
    (UK, M::Scc2010,       "IN", "2024-03-22", Some("2022-09-21"), NonCompliant, &[ExpiredInstrument]),
    // Codes of conduct and certification are GDPR tools (2018-05-25); the UK's from 2021-01-01.
    (EU, M::CodeOfConduct, "IN", "2018-05-24", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::CodeOfConduct, "IN", "2018-05-25", None, Safeguarded,  &[]),
    (EU, M::CodeOfConduct, "IN", "2018-05-26", None, Safeguarded,  &[]),
    (EU, M::Certification, "IN", "2018-05-24", None, NonCompliant, &[InvalidMechanism]),
    (EU, M::Certification, "IN", "2018-05-25", None, Safeguarded,  &[]),
    (EU, M::Certification, "IN", "2018-05-26", None, Safeguarded,  &[]),
    (EU, M::Bcr,           "IN", "2018-05-24", None, Safeguarded,  &[]),
    (UK, M::Bcr,           "IN", "2021-01-01", None, Safeguarded,  &[]),
    // The UK: in the EEA until 2020-12-31; during the TCA bridge (2021-01-01 to 2021-06-27)
    // not a transfer at all (corrected: it was shown as an adequacy decision); then the 2021
    // decision and its renewal.
    (EU, M::None,          "GB", "2020-12-31", None, NotRestricted, &[]),
    (EU, M::None,          "GB", "2021-01-01", None, NotRestricted, &[]),
    (EU, M::None,          "GB", "2021-01-02", None, NotRestricted, &[]),
    (EU, M::Adequacy,      "GB", "2021-06-27", None, NotRestricted, &[]),
    (EU, M::Scc2021,       "GB", "2021-06-27", None, NotRestricted, &[]),
    (EU, M::Adequacy,      "GB", "2021-06-28", None, Adequate,      &[]),
    (EU, M::None,          "GB", "2021-06-28", None, Adequate,      &[]),
    (EU, M::Adequacy,      "GB", "2021-06-29", None, Adequate,      &[]),
    (EU, M::Adequacy,      "GB", "2025-12-26", None, Adequate,      &[]),
    (EU, M::Adequacy,      "GB", "2025-12-27", None, Adequate,      &[]),
    (EU, M::Adequacy,      "GB", "2025-12-28", None, Adequate,      &[]),
    (EU, M::Adequacy,      "GB", "2031-12-26", None, Adequate,      &[]),
    (EU, M::Adequacy,      "GB", "2031-12-27", None, NonCompliant,  &[ExpiredInstrument]),
    (EU, M::Adequacy,      "GB", "2031-12-28", None, NonCompliant,  &[ExpiredInstrument]),
    // Gibraltar: in the EU GDPR area until 2020-12-31 (corrected: it was always outside); no EU
    // adequacy since; adequate for the UK from 2021-01-01.
    (EU, M::None,          "GI", "2020-12-31", None, NotRestricted, &[]),
    (EU, M::None,          "GI", "2021-01-01", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::None,          "GI", "2021-01-02", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::Adequacy,      "GI", "2026-11-24", None, NonCompliant,  &[MissingSafeguard]),
    (UK, M::None,          "GI", "2020-12-31", None, NotRestricted, &[]),
    (UK, M::None,          "GI", "2021-01-01", None, Adequate,      &[]),
    (UK, M::None,          "GI", "2021-01-02", None, Adequate,      &[]),
    // Saint-Barthelemy: EU territory until 2011-12-31, an overseas territory from 2012-01-01
    // (corrected: it was missing).
    (EU, M::None,          "BL", "2011-12-31", None, NotRestricted, &[]),
    (EU, M::None,          "BL", "2012-01-01", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::None,          "BL", "2012-01-02", None, NonCompliant,  &[MissingSafeguard]),
    // Saint-Martin: EU territory throughout (corrected: from 2007-07-15 only).
    (EU, M::None,          "MF", "2007-07-14", None, NotRestricted, &[]),
    // Iceland, Liechtenstein, Norway: in the Directive's area from EEA Joint Committee Decision
    // No 83/1999 (corrected: from 1998-10-24), at the earliest the day after its adoption.
    (EU, M::None,          "NO", "1999-06-25", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::None,          "NO", "1999-06-26", None, NotRestricted, &[]),
    (EU, M::None,          "IS", "1999-06-27", None, NotRestricted, &[]),
    (EU, M::None,          "LI", "1999-06-25", None, NonCompliant,  &[MissingSafeguard]),
    // UK GDPR starts on 2021-01-01; the EEA is adequate for it from that day.
    (UK, M::None,          "US", "2020-12-31", None, NotRestricted, &[]),
    (UK, M::None,          "US", "2021-01-01", None, NonCompliant,  &[MissingSafeguard]),
    (UK, M::None,          "US", "2021-01-02", None, NonCompliant,  &[MissingSafeguard]),
    (UK, M::None,          "DE", "2021-01-01", None, Adequate,      &[]),
    // Newer decisions and bridges: Korea (EU 2021-12-17, UK 2022-12-19), Brazil (EU only, 2026-01-26).
    (EU, M::Adequacy,      "KR", "2021-12-16", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::Adequacy,      "KR", "2021-12-17", None, Adequate,      &[]),
    (EU, M::Adequacy,      "KR", "2021-12-18", None, Adequate,      &[]),
    (UK, M::Adequacy,      "KR", "2022-12-18", None, NonCompliant,  &[MissingSafeguard]),
    (UK, M::Adequacy,      "KR", "2022-12-19", None, Adequate,      &[]),
    (UK, M::Adequacy,      "KR", "2022-12-20", None, Adequate,      &[]),
    (EU, M::Adequacy,      "BR", "2026-01-25", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::Adequacy,      "BR", "2026-01-26", None, Adequate,      &[]),
    (EU, M::Adequacy,      "BR", "2026-01-27", None, Adequate,      &[]),
    (UK, M::Adequacy,      "BR", "2026-11-24", None, NonCompliant,  &[MissingSafeguard]),
    // EEA enlargement: Croatia inside from 2013-07-01, Mayotte from 2014-01-01.
    (EU, M::None,          "HR", "2013-06-30", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::None,          "HR", "2013-07-01", None, NotRestricted, &[]),
    (EU, M::None,          "HR", "2013-07-02", None, NotRestricted, &[]),
    (EU, M::None,          "YT", "2013-12-31", None, NonCompliant,  &[MissingSafeguard]),
    (EU, M::None,          "YT", "2014-01-01", None, NotRestricted, &[]),
    (EU, M::None,          "YT", "2014-01-02", None, NotRestricted, &[]),
    // Art 49 derogations have no window of their own beyond the regime's.
    (EU, M::Derogation,    "IN", "2026-11-24", None, VerdictStatus::Derogation, &[]),
    (UK, M::Derogation,    "IN", "2026-11-24", None, VerdictStatus::Derogation, &[]),
];

#[test]
fn every_mechanism_on_the_day_before_the_day_of_and_the_day_after_each_cut_off() {
    let mut failures = Vec::new();
    for &(regime, mechanism, to, on, signed, status, problems) in CUT_OFFS {
        let mut t = complete(regime, mechanism, to, on);
        t.signed_on = signed.map(day);
        let v = check(&t, on);
        let codes: Vec<ProblemCode> = v.problems.iter().map(|p| p.code).collect();
        if v.status != status || codes != problems {
            failures.push(format!(
                "{regime} {mechanism:?} to {to} on {on} signed {signed:?}: got {} {codes:?}, want {} {problems:?}\n  {}",
                v.status, status, v.explanation
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

type Expected = (VerdictStatus, &'static [ProblemCode]);

/// Today, a complete record, to a third country (India): what each mechanism gives.
#[rustfmt::skip]
const THIRD_COUNTRY_TODAY: &[(M, Expected, Expected)] = &[
    //  mechanism          EU GDPR                                      UK GDPR
    (M::Adequacy,      (NonCompliant, &[MissingSafeguard]),  (NonCompliant, &[MissingSafeguard])),
    (M::EuUsDpf,       (NonCompliant, &[InvalidMechanism]),  (NonCompliant, &[InvalidMechanism])),
    (M::Scc2021,       (Safeguarded,  &[]),                  (NonCompliant, &[InvalidMechanism])),
    (M::UkIdta,        (NonCompliant, &[InvalidMechanism]),  (Safeguarded,  &[])),
    (M::UkAddendum,    (NonCompliant, &[InvalidMechanism]),  (Safeguarded,  &[])),
    (M::Bcr,           (Safeguarded,  &[]),                  (Safeguarded,  &[])),
    (M::CodeOfConduct, (Safeguarded,  &[]),                  (Safeguarded,  &[])),
    (M::Certification, (Safeguarded,  &[]),                  (Safeguarded,  &[])),
    (M::Derogation,    (VerdictStatus::Derogation, &[]),     (VerdictStatus::Derogation, &[])),
    (M::PrivacyShield, (NonCompliant, &[InvalidMechanism]),  (NonCompliant, &[InvalidMechanism])),
    (M::SafeHarbor,    (NonCompliant, &[InvalidMechanism]),  (NonCompliant, &[InvalidMechanism])),
    (M::Scc2010,       (NonCompliant, &[ExpiredInstrument]), (NonCompliant, &[ExpiredInstrument])),
    (M::None,          (NonCompliant, &[MissingSafeguard]),  (NonCompliant, &[MissingSafeguard])),
];

#[test]
fn every_mechanism_under_both_regimes_to_a_third_country_today() {
    assert_eq!(
        THIRD_COUNTRY_TODAY.len(),
        M::VARIANTS.len(),
        "a mechanism is missing from the table"
    );
    for &(mechanism, eu, uk) in THIRD_COUNTRY_TODAY {
        for (regime, (status, problems)) in [(EU, eu), (UK, uk)] {
            let v = check(
                &complete(regime, mechanism, "IN", "2026-11-24"),
                "2026-11-24",
            );
            let codes: Vec<ProblemCode> = v.problems.iter().map(|p| p.code).collect();
            assert_eq!(
                (v.status, codes.as_slice()),
                (status, problems),
                "{regime} {mechanism:?}: {}",
                v.explanation
            );
        }
    }
}

/// Every date on which something in the reference starts or stops, with the days either side,
/// from the regime's own start.
pub(super) fn cut_off_dates(regime: Regime) -> Vec<chrono::NaiveDate> {
    let starts = REFERENCE.area(regime).map(|a| a.validity.effective_from);
    let mut dates: Vec<_> = (REFERENCE.instruments().iter())
        .flat_map(|w| {
            [
                Some(w.validity.effective_from),
                w.validity.effective_to,
                w.new_contracts_to,
            ]
        })
        .chain(
            REFERENCE
                .adequacy_decisions()
                .iter()
                .flat_map(|d| [Some(d.validity.effective_from), d.validity.effective_to]),
        )
        .chain(
            REFERENCE
                .not_a_transfer()
                .iter()
                .flat_map(|d| [Some(d.validity.effective_from), d.validity.effective_to]),
        )
        .chain(REFERENCE.areas().iter().flat_map(|a| {
            a.members
                .iter()
                .flat_map(|m| [Some(m.validity.effective_from), m.validity.effective_to])
        }))
        .chain(
            REFERENCE
                .amendments()
                .iter()
                .map(|a| Some(a.effective_from)),
        )
        .flatten()
        .flat_map(|d| [d.pred_opt(), Some(d), d.succ_opt()])
        .flatten()
        .filter(|d| starts.is_some_and(|s| *d >= s))
        .collect();
    dates.sort_unstable();
    dates.dedup();
    dates
}

#[test]
fn inside_the_area_nothing_is_restricted_whatever_the_mechanism_and_date() {
    for (regime, from, to) in [(EU, "DE", "FR"), (UK, "GB", "GB")] {
        let dates = cut_off_dates(regime);
        assert!(dates.len() >= 20, "{regime}: only {} dates", dates.len());
        for on in dates {
            for &mechanism in M::VARIANTS {
                let mut t = complete(regime, mechanism, to, "1998-01-01");
                t.exporter_country = super::cc(from);
                let v = crate::transfer::assess(&REFERENCE, &t, on);
                assert_eq!(
                    v.status, NotRestricted,
                    "{regime} {mechanism:?} on {on}: {}",
                    v.explanation
                );
                assert!(v.problems.is_empty(), "{regime} {mechanism:?} on {on}");
            }
        }
    }
}

#[test]
fn to_an_adequate_country_every_mechanism_is_adequate_and_only_dead_ones_are_reported() {
    // Switzerland's decisions, as the test knows them (not asked of the model under test):
    // 2000/518/EC from 2000-07-26, and the UK's recognition from its own start, 2021-01-01.
    for (regime, adequate_from) in [(EU, "2000-07-26"), (UK, "2021-01-01")] {
        let adequate_from = super::day(adequate_from);
        let dates: Vec<_> = cut_off_dates(regime)
            .into_iter()
            .filter(|on| *on >= adequate_from)
            .collect();
        assert!(dates.len() >= 20, "{regime}: only {} dates", dates.len());
        for on in dates {
            for &mechanism in M::VARIANTS {
                let t = complete(regime, mechanism, "CH", "1998-01-01");
                let v = crate::transfer::assess(&REFERENCE, &t, on);
                assert_eq!(
                    v.status, Adequate,
                    "{regime} {mechanism:?} on {on}: {}",
                    v.explanation
                );
                let dead = REFERENCE.instrument(mechanism, regime).is_some_and(|w| {
                    w.validity.ended(on) || w.new_contracts_to.is_some_and(|n| n <= on)
                });
                let reported = v.has(InvalidMechanism) || v.has(ExpiredInstrument);
                let dead_kind = matches!(mechanism, M::PrivacyShield | M::SafeHarbor | M::Scc2010);
                assert_eq!(
                    reported,
                    dead && dead_kind,
                    "{regime} {mechanism:?} on {on}: {:?}",
                    v.problems
                );
            }
        }
    }
}
