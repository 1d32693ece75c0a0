//! Parsing of the register's input values into domain types, each refusal naming its field.

use crate::{
    domain::{country::CountryCode, reference::LegalReference},
    error::{AppError, AppResult},
};
use chrono::{NaiveDate, Utc};

/// Longest name, purpose or retention text accepted.
pub const MAX_TEXT: usize = 500;

/// Longest free description accepted (security measures).
pub const MAX_LONG_TEXT: usize = 4000;

/// A user's own key for a record (a spreadsheet's `ref`): at most 100 characters, no control
/// characters; blank is none.
pub fn reference(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 100).map(Some),
    }
}

/// Characters that take no visible space: zero-width ones, bidirectional marks and controls,
/// the byte-order mark, invisible operators and fillers.
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// Trimmed, non-empty, at most `max` characters, free of control characters, and not made
/// only of invisible characters (zero-width, bidirectional marks, whitespace).
pub fn text(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.chars().all(is_invisible) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not be empty or made only of invisible characters"),
        ));
    }
    if value.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("{field} may be at most {max} characters"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(value.to_string())
}

pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> AppResult<Option<String>> {
    value.map(|v| text(field, v, max)).transpose()
}

/// An importer named as an international organisation (or the EU's own bodies) must be one the
/// reference data lists, so that the rules know what it is; checked as text first.
pub fn international_organisation(
    reference: &LegalReference,
    field: &str,
    value: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(id) = optional_text(field, value, 100)? else {
        return Ok(None);
    };
    if reference.organisation(&id).is_none() {
        return Err(AppError::bad_input(
            field,
            unknown_organisation(reference, &id),
        ));
    }
    Ok(Some(id))
}

/// Why an organisation id is refused, listing the ones the reference knows.
pub fn unknown_organisation(reference: &LegalReference, id: &str) -> String {
    let known: Vec<&str> = reference.international_organisations().collect();
    format!(
        "{id:?} is not an international organisation of the reference data; use one of {}",
        known.join(", ")
    )
}

pub fn country(field: &str, value: &str) -> AppResult<CountryCode> {
    CountryCode::parse(value).ok_or_else(|| {
        AppError::bad_input(
            field,
            format!("{field} must be an ISO 3166-1 alpha-2 code in upper case (GB, IE, US), not {value:?}"),
        )
    })
}

/// The GDPR's predecessor dates from 1995: an earlier contract or assessment date is a typo.
const EARLIEST: NaiveDate = match NaiveDate::from_ymd_opt(1995, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// A date something was signed or completed: not before 1995 and not in the future.
pub fn past_date(field: &str, value: Option<NaiveDate>) -> AppResult<Option<NaiveDate>> {
    let today = Utc::now().date_naive();
    match value {
        Some(d) if d < EARLIEST => Err(AppError::bad_input(
            field,
            format!("{field} {d} is before 1995"),
        )),
        Some(d) if d > today => Err(AppError::bad_input(
            field,
            format!("{field} {d} is in the future"),
        )),
        other => Ok(other),
    }
}

/// An id as given in the API.
pub fn id(field: &str, value: &str) -> AppResult<i64> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| AppError::bad_input(field, format!("{field} {value:?} is not a valid id")))
}

pub fn email(field: &str, value: &str) -> AppResult<String> {
    use validator::ValidateEmail;
    let value = value.trim();
    if value.len() > 254 || !value.validate_email() {
        return Err(AppError::bad_input(
            field,
            format!("{field} is not a valid e-mail address"),
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(text("name", "  Acme  ", 10).ok().as_deref(), Some("Acme"));
        assert!(text("name", "   ", 10).is_err());
        assert!(text("name", "abcdefghijk", 10).is_err());
        assert!(text("name", "bad\u{0}byte", 50).is_err());
    }

    #[test]
    fn a_name_made_only_of_invisible_characters_is_refused() {
        for invisible in [
            "\u{200B}\u{200B}",
            "\u{200E}\u{200F}",
            "\u{202E}",
            "\u{2066}\u{2069}",
            "\u{FEFF}",
            "\u{3000}\u{00A0}",
            "\u{2060}\u{00AD}",
        ] {
            assert!(text("name", invisible, 50).is_err(), "{invisible:?}");
        }
        assert_eq!(
            text("name", "\u{200B}Acme", 50).ok().as_deref(),
            Some("\u{200B}Acme"),
            "visible text with an invisible character is kept as given"
        );
    }

    #[test]
    fn impossible_dates_are_refused() {
        assert!(past_date("dpaSignedOn", NaiveDate::from_ymd_opt(1990, 1, 1)).is_err());
        assert!(past_date("dpaSignedOn", NaiveDate::from_ymd_opt(2999, 1, 1)).is_err());
        assert!(past_date("dpaSignedOn", NaiveDate::from_ymd_opt(2021, 1, 1)).is_ok());
    }

    #[test]
    fn ids_are_positive_integers() {
        assert_eq!(id("id", "12").ok(), Some(12));
        for bad in ["", "0", "-3", "abc", "1.5", "99999999999999999999"] {
            assert!(id("id", bad).is_err(), "{bad}");
        }
    }
}
