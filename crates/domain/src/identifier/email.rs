//! E-mail addresses as identifiers: trimmed and lower-cased, so `Ada@Example.com ` matches
//! `ada@example.com`.

use validator::ValidateEmail;

use super::{IdentifierError, IdentifierKind};

/// The longest address SMTP can carry (RFC 5321: a 256-octet path less the angle brackets).
const MAX_LEN: usize = 254;

/// A syntactically valid e-mail address, trimmed and lower-cased.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Lower-cases the whole address, local part included: the standard lets a server tell `Ada`
    /// from `ada`, but people do not, and a register that missed a subject over case would fail them.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let refuse = |message: &str| IdentifierError::new(IdentifierKind::Email, message);
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(refuse("must not be empty"));
        }
        // Checked before lower-casing so that a huge input is refused before it is copied.
        if trimmed.len() > MAX_LEN {
            return Err(refuse("is longer than 254 characters"));
        }
        let lowered = trimmed.to_lowercase();
        // Lower-casing can lengthen some characters (`İ` becomes two), so the limit is checked again.
        if lowered.len() > MAX_LEN || !lowered.validate_email() {
            return Err(refuse("is not a valid e-mail address"));
        }
        Ok(Self(lowered))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never shows the address: it is personal data and `Debug` output ends up in logs.
impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email(..)")
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is what a test is for"
)]
mod tests {
    use super::*;

    fn normalised(input: &str) -> String {
        Email::parse(input).unwrap().as_str().to_owned()
    }

    #[test]
    fn odd_spacing_around_an_address_is_trimmed() {
        assert_eq!(normalised("  ada@example.com\t\n"), "ada@example.com");
        assert_eq!(
            normalised("\u{00A0}ada@example.com\u{2003}"),
            "ada@example.com"
        );
    }

    #[test]
    fn an_address_is_lower_cased_throughout() {
        assert_eq!(
            normalised("Ada.Lovelace@Example.COM"),
            "ada.lovelace@example.com"
        );
        assert_eq!(normalised("ADA+Tag@EXAMPLE.co.uk"), "ada+tag@example.co.uk");
    }

    #[test]
    fn the_same_address_in_any_case_or_spacing_normalises_alike() {
        assert_eq!(
            normalised(" ADA@example.com"),
            normalised("ada@EXAMPLE.com  ")
        );
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "   ",
            "ada",
            "ada@",
            "@example.com",
            "ada@@example.com",
            "ada example@example.com",
            "ada@exa mple.com",
            "ada@example.com\u{0}",
            "ada\u{7}@example.com",
            "ada@example..com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad:?}");
        }
    }

    #[test]
    fn an_address_longer_than_254_characters_is_refused() {
        let longest_domain = format!(
            "{}.{}.{}.{}",
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(49)
        );
        let at_limit = format!("{}@{longest_domain}", "a".repeat(12));
        assert_eq!(at_limit.len(), 254);
        assert!(Email::parse(&at_limit).is_ok());
        assert!(Email::parse(&format!("a{at_limit}")).is_err());
        assert!(Email::parse(&"a".repeat(100_000)).is_err());
    }
}
