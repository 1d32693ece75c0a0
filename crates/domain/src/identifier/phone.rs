//! Phone numbers as identifiers, normalised to E.164 (`+442079460958`) so that `+44 (0)20 7946 0958`,
//! `0044 20 7946 0958` and, in the UK, `020 7946 0958` are one number.
//!
//! Which digits are a trunk prefix, an international prefix or part of the number differs by country
//! (Italy keeps its leading 0, Russia dials 8, the US 1 and 011), so the rules come from Google's
//! libphonenumber metadata through the `phonenumber` crate rather than a table kept here. Only ASCII
//! digits and a leading `+` are handed to it: the separators are checked and dropped here, so the
//! library never sees letters, extensions or unbounded input.

use std::str::FromStr;

use phonenumber::{Mode, country::Id};

use super::{IdentifierError, IdentifierKind};
use crate::country::CountryCode;

/// Room for the longest number written with generous spacing; anything longer is refused unread.
const MAX_INPUT_CHARS: usize = 64;
/// E.164 allows 15 digits; an international prefix (`0011`) and a trunk `(0)` can add five more.
const MAX_WRITTEN_DIGITS: usize = 20;
const MAX_E164_DIGITS: usize = 15;

/// The country whose national numbers (`020 7946 0958` for GB) a deployment accepts without `+`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhoneRegion {
    country: CountryCode,
    id: Id,
}

impl PhoneRegion {
    /// `None` for the few assigned codes without a numbering plan of their own in libphonenumber
    /// (AQ, BV, GS, HM, PN, TF, UM), so that configuring one fails at start-up, not on a request.
    pub fn new(country: CountryCode) -> Option<Self> {
        let id = Id::from_str(country.as_str()).ok()?;
        Some(Self { country, id })
    }

    pub fn country(&self) -> CountryCode {
        self.country
    }
}

/// A valid phone number in E.164 form: `+`, the country code and the national number, digits only.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts `+` and the country code, or `00` and the country code, or, given a `default_country`,
    /// a national number; spaces, `-`, `.`, `/` and parentheses may separate the digits. The number
    /// must be valid for its country, so a digit dropped or added is caught here rather than leaving
    /// a subject no later lookup can match.
    pub fn parse(
        input: &str,
        default_country: Option<PhoneRegion>,
    ) -> Result<Self, IdentifierError> {
        let refuse = |message: &str| IdentifierError::new(IdentifierKind::Phone, message);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(refuse("must not be empty"));
        }
        if trimmed.chars().nth(MAX_INPUT_CHARS).is_some() {
            return Err(refuse("is too long to be a phone number"));
        }
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(MAX_WRITTEN_DIGITS);
        for c in rest.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else if c.is_alphabetic() {
                // Letters are vanity spellings (`0800 FLOWERS`) or extensions (`ext. 12`): neither
                // names one subscriber reliably.
                return Err(refuse("must not contain letters"));
            } else if !(c.is_whitespace() || matches!(c, '-' | '.' | '/' | '(' | ')')) {
                return Err(refuse(
                    "may contain only digits, a leading +, spaces and the separators - . / ( )",
                ));
            }
        }
        if digits.is_empty() {
            return Err(refuse("must contain digits"));
        }
        if digits.len() > MAX_WRITTEN_DIGITS {
            return Err(refuse("has too many digits to be a phone number"));
        }

        let mut candidates: Vec<(Option<Id>, String)> = Vec::with_capacity(2);
        if international {
            candidates.push((None, format!("+{digits}")));
        } else {
            if let Some(region) = default_country {
                // First, as dialled in that country: this also reads its own international prefix,
                // such as the 0011 of Australia.
                candidates.push((Some(region.id), digits.clone()));
            }
            // `00` is the international prefix in most of the world, whatever the default country.
            if let Some(after) = digits.strip_prefix("00") {
                candidates.push((None, format!("+{after}")));
            }
        }
        if candidates.is_empty() {
            return Err(refuse(
                "must start with + and the country code (no default country is configured for \
                 national numbers: set REGISTER_PHONE_DEFAULT_COUNTRY to read them as one)",
            ));
        }
        let assumed = (!international).then_some(default_country).flatten();
        candidates
            .into_iter()
            .find_map(|(region, written)| e164(region, &written))
            .map(Self)
            .ok_or_else(|| match assumed {
                // The user may not know a country was assumed at all: say which, and the way out.
                Some(region) => refuse(&format!(
                    "is not a valid phone number of {country}: a number without + is read as a \
                     national number of the default country, {country} \
                     (REGISTER_PHONE_DEFAULT_COUNTRY). Write it with + and its country code, \
                     or change REGISTER_PHONE_DEFAULT_COUNTRY",
                    country = region.country().as_str()
                )),
                None => refuse("is not a valid phone number"),
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The E.164 form of `written` (a `+` and digits, or digits only) if it is a valid number.
fn e164(region: Option<Id>, written: &str) -> Option<String> {
    let number = phonenumber::parse(region, written).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    let formatted = number.format().mode(Mode::E164).to_string();
    // The metadata decides validity; this guards the shape the stored hashes rely on.
    let digits = formatted.strip_prefix('+')?;
    let well_formed =
        (1..=MAX_E164_DIGITS).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    well_formed.then_some(formatted)
}

/// Never shows the number: it is personal data and `Debug` output ends up in logs.
impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Phone(..)")
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is what a test is for"
)]
mod tests {
    use super::*;

    #[allow(
        clippy::unnecessary_wraps,
        reason = "the parser takes the region as an Option"
    )]
    fn region(code: &str) -> Option<PhoneRegion> {
        Some(PhoneRegion::new(CountryCode::parse(code).unwrap()).unwrap())
    }

    fn normalised(input: &str, default_country: Option<PhoneRegion>) -> String {
        match Phone::parse(input, default_country) {
            Ok(phone) => phone.0,
            Err(err) => panic!("{input:?} was refused: {err}"),
        }
    }

    #[test]
    fn every_way_of_writing_a_london_number_gives_one_e164_form() {
        for written in [
            "+44 (0)20 7946 0958",
            "+44 20 7946 0958",
            "+442079460958",
            "  +44-20-7946-0958 ",
            "+44.20.7946.0958",
            "+44 (20) 7946 0958",
            "+44\u{00A0}20\u{00A0}7946\u{00A0}0958",
            "0044 20 7946 0958",
            "0044 (0)20 7946 0958",
        ] {
            assert_eq!(normalised(written, None), "+442079460958", "{written:?}");
            assert_eq!(
                normalised(written, region("GB")),
                "+442079460958",
                "{written:?}"
            );
        }
    }

    #[test]
    fn a_national_number_is_read_in_the_default_country() {
        assert_eq!(normalised("020 7946 0958", region("GB")), "+442079460958");
        assert_eq!(normalised("(020) 7946-0958", region("GB")), "+442079460958");
        assert_eq!(normalised("07911 123456", region("GB")), "+447911123456");
        assert_eq!(normalised("030 123456", region("DE")), "+4930123456");
        assert_eq!(normalised("01 23 45 67 89", region("FR")), "+33123456789");
    }

    #[test]
    fn us_numbers_are_accepted_in_their_usual_forms() {
        for written in [
            "(202) 555-0143",
            "202.555.0143",
            "1 202 555 0143",
            "202/555 0143",
        ] {
            assert_eq!(
                normalised(written, region("US")),
                "+12025550143",
                "{written:?}"
            );
        }
        assert_eq!(normalised("+1 (202) 555-0143", None), "+12025550143");
        assert_eq!(
            normalised("011 44 20 7946 0958", region("US")),
            "+442079460958"
        );
    }

    #[test]
    fn a_leading_00_is_international_even_where_another_prefix_is_dialled() {
        assert_eq!(
            normalised("0044 20 7946 0958", region("US")),
            "+442079460958"
        );
        assert_eq!(
            normalised("0011 44 20 7946 0958", region("AU")),
            "+442079460958"
        );
    }

    #[test]
    fn an_italian_leading_zero_is_part_of_the_number() {
        assert_eq!(normalised("+39 06 6988 4444", None), "+390669884444");
        assert_eq!(normalised("06 6988 4444", region("IT")), "+390669884444");
    }

    #[test]
    fn a_national_number_without_a_default_country_is_refused() {
        let err = Phone::parse("020 7946 0958", None).unwrap_err();
        assert_eq!(err.field, "phone");
        assert!(err.message.contains("country code"), "{err}");
    }

    #[test]
    fn letters_are_refused() {
        for bad in [
            "+1 800 FLOWERS",
            "+44 20 7946 0958 ext. 12",
            "020 7946 0958x",
            "call me",
            "+44 2O 7946 0958",
        ] {
            let err = Phone::parse(bad, region("GB")).unwrap_err();
            assert_eq!(err.message, "must not contain letters", "{bad:?}");
        }
    }

    #[test]
    fn numbers_too_short_or_too_long_for_their_country_are_refused() {
        for bad in [
            "+44 20 7946 095",
            "+44 20 7946 09581",
            "+1234567",
            "+1 202 555 01",
            "+123456789012345678",
            "12",
            "+0",
        ] {
            let err = Phone::parse(bad, region("GB")).unwrap_err();
            assert_eq!(err.field, "phone", "{bad:?}");
        }
        assert!(Phone::parse(&"1".repeat(21), region("GB")).is_err());
    }

    #[test]
    fn empty_blank_and_separator_only_input_is_refused() {
        for bad in ["", " ", "\t\n", "+", "()", " - . / ", "+ "] {
            assert!(Phone::parse(bad, region("GB")).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn stray_symbols_and_non_ascii_digits_are_refused() {
        for bad in [
            "+44 20 7946 0958#",
            "44+2079460958",
            "++442079460958",
            "+44_20_7946_0958",
            "+44 20 7946 0958;ext=1",
            "+٤٤٢٠٧٩٤٦٠٩٥٨",
            "+４４２０７９４６０９５８",
            "+44 20 7946 0958\u{0}",
        ] {
            assert!(Phone::parse(bad, region("GB")).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn territories_without_a_numbering_plan_cannot_be_the_default_country() {
        assert!(PhoneRegion::new(CountryCode::parse("AQ").unwrap()).is_none());
        assert_eq!(
            region("GB").map(|r| r.country().to_string()),
            Some("GB".into())
        );
    }
}
