//! The calendar dates the register accepts as input, wherever they come from (the GraphQL
//! `Date` scalar, the export's `--on`, `on=`, `endsOn`): exactly `YYYY-MM-DD`, within
//! 1900-01-01..=2200-12-31. Anything outside is a typo (year 0, 20266), and one rule for every
//! entrance means a date refused by one is refused by all.
//!
//! The day a transfer verdict is given for (`on` of the transfer register, an assessment, an
//! export) is held to the days the reference data speaks to: 1995-01-01..=2100-01-01.

use chrono::NaiveDate;

/// The earliest date accepted.
pub const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The latest date accepted.
pub const LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2200, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The first and last day a transfer verdict can be given for.
pub const JUDGED_EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1995, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
pub const JUDGED_LATEST: NaiveDate = match NaiveDate::from_ymd_opt(2100, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// Whether a transfer verdict can be given for `on`.
pub fn judgeable(on: NaiveDate) -> bool {
    (JUDGED_EARLIEST..=JUDGED_LATEST).contains(&on)
}

/// The refusal of a day no verdict can be given for, worded as the GraphQL API words it.
pub fn unjudgeable(field: &str) -> String {
    format!("{field} must be between {JUDGED_EARLIEST} and {JUDGED_LATEST}")
}

/// Whether `date` lies within [`EARLIEST`]..=[`LATEST`].
pub fn within_bounds(date: NaiveDate) -> bool {
    (EARLIEST..=LATEST).contains(&date)
}

/// `text` as a date if it is exactly `YYYY-MM-DD` (four-digit year, two-digit month and day;
/// no sign, no padding, no time) and within the bounds.
pub fn parse(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| within_bounds(*d))
}

/// The refusal's wording, the same at every entrance.
pub fn refusal(field: &str, text: &str) -> String {
    let shown: String = text.chars().take(40).collect();
    format!(
        "{field} {shown:?} is not a date in the form YYYY-MM-DD between {EARLIEST} and {LATEST}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_exactly_yyyy_mm_dd_within_a_plausible_range() {
        for ok in ["2026-11-24", "1900-01-01", "2200-12-31", "2024-02-29"] {
            assert!(parse(ok).is_some(), "{ok} is a date");
        }
        for bad in [
            "2026-1-1",
            "2026-01-1",
            "0000-01-01",
            "0001-01-01",
            "1899-12-31",
            "2201-01-01",
            "+2026-01-01",
            "20266-01-01",
            " 2026-01-01",
            "2026-01-01 ",
            "2026-01-01T00:00:00",
            "2026/01/01",
            "2025-02-29",
            "2026-13-01",
            "２０２６-01-01",
        ] {
            assert!(parse(bad).is_none(), "{bad} is refused");
        }
    }

    #[test]
    fn the_bounds_are_inclusive() {
        assert!(judgeable(JUDGED_EARLIEST) && judgeable(JUDGED_LATEST));
        assert!(!judgeable(JUDGED_LATEST.succ_opt().expect("a day after")));
        assert_eq!(
            unjudgeable("on"),
            "on must be between 1995-01-01 and 2100-01-01"
        );
        assert!(within_bounds(EARLIEST) && within_bounds(LATEST));
        assert!(!within_bounds(EARLIEST.pred_opt().expect("a day before")));
        assert!(!within_bounds(LATEST.succ_opt().expect("a day after")));
    }
}
