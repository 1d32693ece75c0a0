//! Account numbers as identifiers: each organisation spells its own, so only the surrounding spaces
//! are taken away; case and inner spacing are kept as given.

use super::{IdentifierError, IdentifierKind};

/// Long enough for an IBAN with spaces (at most 42) or a customer reference; longer is a mistake.
const MAX_CHARS: usize = 64;

/// A trimmed, non-empty account number of at most 64 characters, without control characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let refuse = |message: &str| IdentifierError::new(IdentifierKind::AccountNumber, message);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(refuse("must not be empty"));
        }
        if trimmed.chars().nth(MAX_CHARS).is_some() {
            return Err(refuse("is longer than 64 characters"));
        }
        // A tab or NUL inside is almost certainly a paste accident, and would hash unlike what the
        // person meant to type.
        if trimmed.chars().any(char::is_control) {
            return Err(refuse("must not contain control characters"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never shows the number: it is personal data and `Debug` output ends up in logs.
impl std::fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccountNumber(..)")
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is what a test is for"
)]
mod tests {
    use super::*;

    #[test]
    fn an_account_number_is_trimmed_but_otherwise_kept_as_given() {
        let parsed = AccountNumber::parse("  GB29 NWBK 6016 1331 9268 19 \n").unwrap();
        assert_eq!(parsed.as_str(), "GB29 NWBK 6016 1331 9268 19");
        assert_eq!(AccountNumber::parse("acc-7").unwrap().as_str(), "acc-7");
    }

    #[test]
    fn empty_and_blank_account_numbers_are_refused() {
        for bad in ["", " ", "\t\n", "\u{00A0}"] {
            assert_eq!(
                AccountNumber::parse(bad).unwrap_err().field,
                "accountNumber",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_account_number_of_64_characters_is_accepted_and_65_refused() {
        assert!(AccountNumber::parse(&"é".repeat(64)).is_ok());
        assert!(AccountNumber::parse(&"9".repeat(65)).is_err());
    }

    #[test]
    fn control_characters_inside_an_account_number_are_refused() {
        for bad in ["12\t34", "12\u{0}34", "12\u{1b}[0m", "12\u{85}34"] {
            assert!(AccountNumber::parse(bad).is_err(), "{bad:?}");
        }
    }
}
