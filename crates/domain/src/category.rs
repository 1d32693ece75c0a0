//! Dotted taxonomy codes (`contact.email`): lower-case segments joined by dots.

/// A syntactically valid category code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Segments of `a-z`, `0-9` and `_`, each starting with a letter; at most 100 characters.
    pub fn parse(input: &str) -> Option<Self> {
        let ok = !input.is_empty()
            && input.len() <= 100
            && input.split('.').all(|seg| {
                seg.starts_with(|c: char| c.is_ascii_lowercase())
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            });
        ok.then(|| Self(input.to_string()))
    }

    /// `contact.email` -> `contact`; a top-level code has no parent.
    pub fn parent(&self) -> Option<&str> {
        self.0.rsplit_once('.').map(|(parent, _)| parent)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The top-level code of criminal-offence data (GDPR Art 10): it and every code under it.
pub const CRIMINAL_OFFENCE_ROOT: &str = "criminal";

/// Whether a code is criminal-offence data (Art 10): `criminal` or a code under it.
pub fn is_criminal_offence(code: &str) -> bool {
    code == CRIMINAL_OFFENCE_ROOT
        || code
            .strip_prefix(CRIMINAL_OFFENCE_ROOT)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Which codes of the taxonomy are special categories (Art 9): the taxonomy's own flag, which a
/// child inherits from its parent when it is defined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sensitivity {
    special: std::collections::BTreeSet<String>,
}

/// What a set of categories holds of the data the law protects most.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SensitiveMarks {
    /// Special categories of personal data (Art 9(1)).
    pub special: bool,
    /// Personal data relating to criminal convictions and offences (Art 10).
    pub criminal: bool,
}

impl SensitiveMarks {
    /// Either kind.
    pub fn any(self) -> bool {
        self.special || self.criminal
    }
}

impl Sensitivity {
    /// From the codes the taxonomy flags as special.
    pub fn new(special: impl IntoIterator<Item = String>) -> Self {
        Self {
            special: special.into_iter().collect(),
        }
    }

    /// Whether one code is Art 9 data.
    pub fn is_special(&self, code: &str) -> bool {
        self.special.contains(code)
    }

    /// The marks of a set of codes.
    pub fn marks<'a>(&self, codes: impl IntoIterator<Item = &'a str>) -> SensitiveMarks {
        codes
            .into_iter()
            .fold(SensitiveMarks::default(), |m, c| SensitiveMarks {
                special: m.special || self.is_special(c),
                criminal: m.criminal || is_criminal_offence(c),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_and_criminal_offence_codes_are_marked_apart() {
        let s = Sensitivity::new(["special".to_owned(), "special.health".to_owned()]);
        assert_eq!(
            s.marks(["contact.email", "special.health"]),
            SensitiveMarks {
                special: true,
                criminal: false
            }
        );
        assert_eq!(
            s.marks(["criminal.convictions"]),
            SensitiveMarks {
                special: false,
                criminal: true
            }
        );
        assert!(!s.marks(["contact.email", "criminality_score"]).any());
        assert!(is_criminal_offence("criminal"));
        assert!(!is_criminal_offence("criminals"));
        assert!(!s.marks([]).any());
    }

    #[test]
    fn dotted_lower_case_codes_parse_and_know_their_parent() {
        let code = CategoryCode::parse("financial.payment_card").expect("valid");
        assert_eq!(code.parent(), Some("financial"));
        assert_eq!(
            CategoryCode::parse("customer").and_then(|c| c.parent().map(str::to_owned)),
            None
        );
        for bad in [
            "",
            "Contact",
            "contact.",
            ".email",
            "contact..email",
            "2fa",
            "contact.e-mail",
            "a b",
        ] {
            assert!(CategoryCode::parse(bad).is_none(), "{bad:?}");
        }
    }
}
