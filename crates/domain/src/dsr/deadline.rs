//! Art 12(3): a request is answered within one month of receipt, extendable once by up to two
//! further months. Calendar months, clamped to the month's end: 31 January is due on the last
//! day of February.

use chrono::{Months, NaiveDate};

/// The most further months `extendDeadline` may add.
pub const MAX_EXTENSION_MONTHS: u32 = 2;

/// One calendar month after receipt (31 Jan -> 28 or 29 Feb; 31 Mar -> 30 Apr).
pub fn due_on(received_on: NaiveDate) -> Option<NaiveDate> {
    received_on.checked_add_months(Months::new(1))
}

/// Why an extension is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtensionError {
    #[error("the deadline has already been extended once")]
    AlreadyExtended,
    #[error("an extension adds 1 or 2 further months")]
    Months,
}

/// The extended deadline: `months` further months counted from receipt, so that the month-end
/// clamp is applied once (31 Jan + 3 months is 30 April, not 28 April).
pub fn extended(
    received_on: NaiveDate,
    already_extended: bool,
    months: u32,
) -> Result<NaiveDate, ExtensionError> {
    if already_extended {
        return Err(ExtensionError::AlreadyExtended);
    }
    if !(1..=MAX_EXTENSION_MONTHS).contains(&months) {
        return Err(ExtensionError::Months);
    }
    received_on
        .checked_add_months(Months::new(1 + months))
        .ok_or(ExtensionError::Months)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn one_calendar_month_clamped_to_the_month_end() {
        for (received, due) in [
            ("2026-01-15", "2026-02-15"),
            ("2026-01-31", "2026-02-28"),
            ("2028-01-31", "2028-02-29"),
            ("2026-03-31", "2026-04-30"),
            ("2026-12-31", "2027-01-31"),
            ("2026-02-28", "2026-03-28"),
            ("2026-08-31", "2026-09-30"),
        ] {
            assert_eq!(due_on(d(received)), Some(d(due)), "received {received}");
        }
    }

    #[test]
    fn an_extension_adds_one_or_two_months_once() {
        assert_eq!(extended(d("2026-01-31"), false, 2), Ok(d("2026-04-30")));
        assert_eq!(extended(d("2026-01-31"), false, 1), Ok(d("2026-03-31")));
        assert_eq!(extended(d("2025-12-31"), false, 1), Ok(d("2026-02-28")));
        assert_eq!(
            extended(d("2026-01-31"), true, 1),
            Err(ExtensionError::AlreadyExtended)
        );
        assert_eq!(
            extended(d("2026-01-31"), false, 3),
            Err(ExtensionError::Months)
        );
        assert_eq!(
            extended(d("2026-01-31"), false, 0),
            Err(ExtensionError::Months)
        );
    }
}
