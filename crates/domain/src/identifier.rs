//! The identifiers people quote for a data subject (e-mail, phone, account number): parsed into one
//! normalised spelling at the boundary, so that every way of writing the same identifier matches, and
//! then kept only as a keyed hash.

mod account;
mod email;
mod hash;
mod phone;

pub use account::AccountNumber;
pub use email::Email;
pub use hash::IdentifierHasher;
pub use phone::{Phone, PhoneRegion};

pub use entity::vocab::IdentifierKind;

/// The field of `SubjectIdentifierInput` that carries each kind, as the schema spells it.
pub trait InputField {
    fn field(self) -> &'static str;
}

impl InputField for IdentifierKind {
    /// The field of `SubjectIdentifierInput` that carries this kind, as the schema spells it.
    fn field(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::AccountNumber => "accountNumber",
        }
    }
}

/// An identifier that cannot be parsed. `field` is the schema's name for the input field; the message
/// never repeats the value, as it is personal data and errors end up in logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct IdentifierError {
    pub field: &'static str,
    pub message: String,
}

impl IdentifierError {
    /// The field named when a `SubjectIdentifierInput` carries no identifier at all.
    pub const NONE_GIVEN_FIELD: &'static str = "identifiers";

    pub(crate) fn new(kind: IdentifierKind, message: impl Into<String>) -> Self {
        Self {
            field: kind.field(),
            message: message.into(),
        }
    }
}

/// At least one parsed identifier of a data subject, as quoted in one `SubjectIdentifierInput`.
#[derive(Clone, PartialEq, Eq)]
pub struct SubjectIdentifiers {
    email: Option<Email>,
    phone: Option<Phone>,
    account_number: Option<AccountNumber>,
}

impl SubjectIdentifiers {
    /// Parses each given identifier; national phone numbers are read as numbers of `default_country`.
    /// A field given but empty is refused rather than ignored: the caller meant to quote something.
    pub fn parse(
        email: Option<&str>,
        phone: Option<&str>,
        account_number: Option<&str>,
        default_country: Option<PhoneRegion>,
    ) -> Result<Self, IdentifierError> {
        let parsed = Self {
            email: email.map(Email::parse).transpose()?,
            phone: phone
                .map(|p| Phone::parse(p, default_country))
                .transpose()?,
            account_number: account_number.map(AccountNumber::parse).transpose()?,
        };
        if parsed.iter().next().is_none() {
            return Err(IdentifierError {
                field: IdentifierError::NONE_GIVEN_FIELD,
                message: "give at least one of email, phone or accountNumber".into(),
            });
        }
        Ok(parsed)
    }

    pub fn email(&self) -> Option<&Email> {
        self.email.as_ref()
    }

    pub fn phone(&self) -> Option<&Phone> {
        self.phone.as_ref()
    }

    pub fn account_number(&self) -> Option<&AccountNumber> {
        self.account_number.as_ref()
    }

    /// Each given identifier with its kind, normalised, in the order e-mail, phone, account number.
    pub fn iter(&self) -> impl Iterator<Item = (IdentifierKind, &str)> {
        [
            self.email
                .as_ref()
                .map(|e| (IdentifierKind::Email, e.as_str())),
            self.phone
                .as_ref()
                .map(|p| (IdentifierKind::Phone, p.as_str())),
            self.account_number
                .as_ref()
                .map(|a| (IdentifierKind::AccountNumber, a.as_str())),
        ]
        .into_iter()
        .flatten()
    }
}

/// Shows which kinds are present, never the values, so that logging an input leaks no personal data.
impl std::fmt::Debug for SubjectIdentifiers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|(kind, _)| kind))
            .finish()
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is what a test is for"
)]
mod tests {
    use super::*;
    use crate::country::CountryCode;

    fn gb() -> Option<PhoneRegion> {
        CountryCode::parse("GB").and_then(PhoneRegion::new)
    }

    #[test]
    fn tags_and_field_names_are_distinct_and_stable() {
        let tags: Vec<_> = IdentifierKind::ALL.iter().map(|k| k.tag()).collect();
        let fields: Vec<_> = IdentifierKind::ALL.iter().map(|k| k.field()).collect();
        assert_eq!(tags, ["email", "phone", "account"]);
        assert_eq!(fields, ["email", "phone", "accountNumber"]);
    }

    #[test]
    fn all_three_identifiers_are_parsed_and_listed_in_order() {
        let ids = SubjectIdentifiers::parse(
            Some("  Ada@Example.COM "),
            Some("020 7946 0958"),
            Some(" ACC-42 "),
            gb(),
        )
        .unwrap();
        let listed: Vec<_> = ids.iter().collect();
        assert_eq!(
            listed,
            [
                (IdentifierKind::Email, "ada@example.com"),
                (IdentifierKind::Phone, "+442079460958"),
                (IdentifierKind::AccountNumber, "ACC-42"),
            ]
        );
    }

    #[test]
    fn one_identifier_is_enough() {
        let ids = SubjectIdentifiers::parse(None, None, Some("7"), None).unwrap();
        assert_eq!(ids.account_number().map(AccountNumber::as_str), Some("7"));
        assert!(ids.email().is_none() && ids.phone().is_none());
    }

    #[test]
    fn no_identifier_at_all_is_refused() {
        let err = SubjectIdentifiers::parse(None, None, None, gb()).unwrap_err();
        assert_eq!(err.field, IdentifierError::NONE_GIVEN_FIELD);
    }

    #[test]
    fn each_refusal_names_the_field_as_the_schema_spells_it() {
        let field = |e: Option<&str>, p: Option<&str>, a: Option<&str>| {
            SubjectIdentifiers::parse(e, p, a, gb()).unwrap_err().field
        };
        assert_eq!(field(Some("not an address"), None, None), "email");
        assert_eq!(field(Some("a@example.com"), Some("call me"), None), "phone");
        assert_eq!(
            field(None, Some("+442079460958"), Some("   ")),
            "accountNumber"
        );
    }

    #[test]
    fn an_empty_field_is_refused_even_when_another_is_valid() {
        let err =
            SubjectIdentifiers::parse(Some(""), Some("+442079460958"), None, gb()).unwrap_err();
        assert_eq!(err.field, "email");
    }

    #[test]
    fn debug_output_shows_kinds_but_no_values() {
        let ids =
            SubjectIdentifiers::parse(Some("ada@example.com"), None, Some("ACC-42"), None).unwrap();
        let shown = format!("{ids:?} {:?}", ids.email());
        assert!(!shown.contains("ada") && !shown.contains("ACC"), "{shown}");
        assert!(
            shown.contains("Email") && shown.contains("AccountNumber"),
            "{shown}"
        );
    }

    #[test]
    fn odd_input_is_refused_or_accepted_but_never_panics() {
        let long_digits = "9".repeat(10_000);
        let long_text = "é".repeat(100_000);
        let odd = [
            "",
            "\u{0}",
            "\u{0}\u{1}\u{7f}",
            "\u{feff}+44 20 7946 0958",
            "+44 20 7946 0958\u{202e}",
            "🙂@🙂.🙂",
            "ǅ@Σ.example",
            "İ@example.com",
            "+",
            "00",
            "0000000000000000",
            "+000000000000000",
            "(((((",
            "\r\n\t",
            "\u{2028}",
            "@",
            "a@b",
            long_digits.as_str(),
            long_text.as_str(),
        ];
        let hasher = IdentifierHasher::new(b"secret");
        for input in odd {
            for default_country in [None, gb()] {
                let parsed = [
                    SubjectIdentifiers::parse(Some(input), None, None, default_country),
                    SubjectIdentifiers::parse(None, Some(input), None, default_country),
                    SubjectIdentifiers::parse(None, None, Some(input), default_country),
                ];
                // A refusal is fine; what is accepted must hash as one identifier.
                for ids in parsed.into_iter().flatten() {
                    assert_eq!(hasher.hash_all(&ids).len(), 1);
                }
            }
        }
    }

    #[test]
    fn errors_do_not_repeat_the_value() {
        let err = SubjectIdentifiers::parse(Some("secret-person"), None, None, None).unwrap_err();
        assert!(!err.to_string().contains("secret-person"), "{err}");
    }
}
