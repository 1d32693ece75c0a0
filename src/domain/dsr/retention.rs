//! Retention exemptions (Art 17(3)(b) and (e)): data kept under a legal obligation or for legal
//! claims is restricted, not erased.
//!
//! Detected from the activity as registered: its lawful basis is `LEGAL_OBLIGATION`, or its
//! retention rule says it is kept for legal claims or by legal obligation (the seed's policy
//! writes "7 years after termination of the contract, for legal claims"). The DPO can mark any
//! other task exempt with a reason.

use crate::domain::vocab::LawfulBasis;

const PHRASES: &[&str] = &[
    "legal claim",
    "legal obligation",
    "required by law",
    "statutory",
];

/// The reason an activity's data is exempt from erasure, if it is.
pub fn exemption(lawful_basis: LawfulBasis, retention: &str) -> Option<String> {
    if lawful_basis == LawfulBasis::LegalObligation {
        return Some("lawful basis LEGAL_OBLIGATION (Art 17(3)(b))".into());
    }
    let lower = retention.to_lowercase();
    PHRASES
        .iter()
        .any(|p| lower.contains(p))
        .then(|| format!("retention {retention:?} (Art 17(3)(b)/(e))"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_obligation_and_legal_claims_retention_are_exempt() {
        assert!(exemption(LawfulBasis::LegalObligation, "6 years").is_some());
        assert!(
            exemption(
                LawfulBasis::Contract,
                "7 years after termination, for Legal Claims"
            )
            .is_some()
        );
        assert!(exemption(LawfulBasis::Contract, "as required by law").is_some());
        assert!(exemption(LawfulBasis::Contract, "2 years after the last login").is_none());
        assert!(exemption(LawfulBasis::Consent, "until consent is withdrawn").is_none());
    }
}
