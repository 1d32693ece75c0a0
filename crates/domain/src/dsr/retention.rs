//! Retention exemptions (Art 17(3)(b) and (e)): data kept under a legal obligation or for legal
//! claims is restricted, not erased.
//!
//! Detected from the activity as registered: its lawful basis is `LEGAL_OBLIGATION`, or its
//! retention rule says it is kept for legal claims or by legal obligation (the seed's policy
//! writes "7 years after termination of the contract, for legal claims"). The DPO can mark any
//! other task exempt with a reason.
//!
//! The exemption follows the categories of the exempt activity, not the holder: a holder that
//! keeps invoices under a legal obligation and also holds web-shop data erases the web-shop
//! data and restricts (Art 18) only what the exempt activity holds.

use crate::vocab::LawfulBasis;
use chrono::{Months, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// What a holder holds for one activity, and whether that activity's data is exempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldFor {
    pub activity_id: i64,
    pub categories: Vec<String>,
    /// The reason from [`exemption`], if the activity is exempt.
    pub exemption: Option<String>,
    pub retention_months: Option<i32>,
}

/// Categories kept under restriction for one legal reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestrictedSet {
    pub categories: Vec<String>,
    pub reason: String,
    pub activity_ids: Vec<i64>,
    /// `from` plus the longest retention period of those activities; None when one of them has
    /// no period in months (its rule is stated only in words).
    pub until: Option<NaiveDate>,
}

/// An erasure task's split: what to erase, and what to restrict and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    pub erase: Vec<String>,
    pub restrict: Vec<RestrictedSet>,
}

/// What one reason covers so far: categories, activities, and the latest end of retention
/// (outer None: nothing seen yet; inner None: a period stated only in words).
type Gathered = (BTreeSet<String>, Vec<i64>, Option<Option<NaiveDate>>);

/// Splits a holder's categories: a category held for an exempt activity is restricted (under
/// each exempt activity's reason that covers it); every other category is erased. Retention
/// periods are counted from `from` (the day of filing), since the register does not know when
/// each period started: the restriction is shown at least that long.
pub fn split(held: &[HeldFor], from: NaiveDate) -> Split {
    let mut by_reason: BTreeMap<&str, Gathered> = BTreeMap::new();
    let mut restricted = BTreeSet::new();
    for h in held {
        let Some(reason) = h.exemption.as_deref() else {
            continue;
        };
        let until = h
            .retention_months
            .and_then(|m| u32::try_from(m).ok())
            .and_then(|m| from.checked_add_months(Months::new(m)));
        let entry = by_reason.entry(reason).or_default();
        entry.0.extend(h.categories.iter().cloned());
        entry.1.push(h.activity_id);
        entry.2 = Some(match entry.2 {
            None => until,
            Some(before) => before.zip(until).map(|(a, b)| a.max(b)),
        });
        restricted.extend(h.categories.iter().cloned());
    }
    let erase: BTreeSet<String> = held
        .iter()
        .flat_map(|h| h.categories.iter().cloned())
        .filter(|c| !restricted.contains(c))
        .collect();
    Split {
        erase: erase.into_iter().collect(),
        restrict: by_reason
            .into_iter()
            .map(|(reason, (categories, mut activity_ids, until))| {
                activity_ids.sort_unstable();
                activity_ids.dedup();
                RestrictedSet {
                    categories: categories.into_iter().collect(),
                    reason: reason.to_string(),
                    activity_ids,
                    until: until.flatten(),
                }
            })
            .collect(),
    }
}

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

    fn held(id: i64, cats: &[&str], exempt: Option<&str>, months: Option<i32>) -> HeldFor {
        HeldFor {
            activity_id: id,
            categories: cats.iter().map(ToString::to_string).collect(),
            exemption: exempt.map(String::from),
            retention_months: months,
        }
    }

    #[test]
    fn only_the_categories_of_an_exempt_activity_are_restricted() {
        let from = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default();
        let split = split(
            &[
                held(1, &["contact.email", "online.clickstream"], None, None),
                held(
                    2,
                    &["contact.email", "financial.invoice"],
                    Some("tax law"),
                    Some(72),
                ),
            ],
            from,
        );
        assert_eq!(split.erase, ["online.clickstream"]);
        assert_eq!(split.restrict.len(), 1);
        let kept = &split.restrict[0];
        assert_eq!(kept.categories, ["contact.email", "financial.invoice"]);
        assert_eq!(kept.reason, "tax law");
        assert_eq!(kept.activity_ids, [2]);
        assert_eq!(kept.until, NaiveDate::from_ymd_opt(2032, 1, 31));
    }

    #[test]
    fn each_reason_keeps_its_own_set_and_an_unknown_period_stays_open() {
        let from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default();
        let split = split(
            &[
                held(1, &["a"], Some("claims"), Some(12)),
                held(3, &["b"], Some("claims"), None),
                held(2, &["c"], Some("tax"), Some(24)),
            ],
            from,
        );
        assert!(split.erase.is_empty());
        let reasons: Vec<(&str, Vec<String>, Option<NaiveDate>)> = split
            .restrict
            .iter()
            .map(|r| (r.reason.as_str(), r.categories.clone(), r.until))
            .collect();
        assert_eq!(
            reasons,
            [
                ("claims", vec!["a".to_string(), "b".to_string()], None),
                (
                    "tax",
                    vec!["c".to_string()],
                    NaiveDate::from_ymd_opt(2028, 1, 1)
                ),
            ]
        );
        assert!(
            super::split(&[held(1, &["a"], None, Some(1))], from)
                .restrict
                .is_empty()
        );
    }
}
