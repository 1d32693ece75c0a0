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

#[cfg(test)]
mod tests {
    use super::*;

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
