//! What the dated records of a flow add to its verdict: the transfer impact assessments, the
//! contracts that cover it, and the importer's entry on a snapshot of the Data Privacy Framework
//! list.
//!
//! Choices, so that a reviewer can disagree with them here:
//! - The assessment that counts on a date is the latest completed on or before it. Its outcome
//!   "do not proceed" blocks (`TIA_DO_NOT_PROCEED`) any restricted transfer; a review date that has
//!   passed (the day after `review_on`) is the warning `TIA_REVIEW_OVERDUE`: the EDPB's sixth step
//!   asks to re-evaluate, it does not undo the assessment.
//! - A contract is in force from `in_force_from` (or always, if not recorded) to `expires_on`
//!   inclusive. A kind the transfer needs (the DPA for a processor; the SCCs, IDTA, Addendum or
//!   BCR its mechanism names) with contracts on record of which none is in force and one has
//!   expired is `CONTRACT_EXPIRED`. A kind with no contract on record is judged as before, by
//!   `dpaSignedOn` and `signedOn`; a DPA record in force counts as the Art 28 contract.
//! - A DPF list entry, where one is linked, replaces the hand-set certification flags (the list
//!   is the official record); where they disagree, the warning `DPF_LIST_DISAGREES` says so, and
//!   the explanation names the snapshot relied on. On a date, the snapshot relied on is the one
//!   in force then: the latest listed on or before it. An importer absent from that snapshot, or
//!   a date before every snapshot, is judged by the hand-set flags as before.

use super::{
    Problem, Transfer,
    rules::{Basis, Finding},
};
use crate::vocab::{ContractKind, ProblemCode, RecipientRole, TiaOutcome, TransferMechanism};
use chrono::NaiveDate;
use std::borrow::Cow;

/// The dated records of a flow, as loaded by the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Records {
    /// Every transfer impact assessment recorded for the flow, in any order.
    pub assessments: Vec<TiaRecord>,
    /// Every contract covering the flow, in any order.
    pub contracts: Vec<ContractRecord>,
    /// The importer's entry relied on: set from `dpf_history` for the date assessed, or given
    /// directly (then it holds on every date).
    pub dpf: Option<DpfListing>,
    /// Every DPF list snapshot stored (for a US importer), in any order, each with the
    /// importer's entry in it where it has one: the date assessed picks the one in force.
    pub dpf_history: Vec<DpfSnapshotEntry>,
}

/// One DPF list snapshot, as it concerns one importer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpfSnapshotEntry {
    /// The date the snapshot was listed (downloaded).
    pub listed_on: NaiveDate,
    /// The importer's entry in it; `None` when it is not on that list.
    pub entry: Option<DpfListing>,
}

impl Records {
    /// The importer's entry in the snapshot in force on `on` (the latest listed on or before
    /// it); without a history, the entry given directly.
    pub fn dpf_on(&self, on: NaiveDate) -> Option<&DpfListing> {
        if self.dpf_history.is_empty() {
            return self.dpf.as_ref();
        }
        self.dpf_history
            .iter()
            .filter(|s| s.listed_on <= on)
            .max_by_key(|s| s.listed_on)
            .and_then(|s| s.entry.as_ref())
    }
}

/// A transfer impact assessment as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TiaRecord {
    pub completed_on: NaiveDate,
    pub review_on: NaiveDate,
    pub outcome: TiaOutcome,
}

/// A contract as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRecord {
    pub kind: ContractKind,
    pub reference: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub in_force_from: Option<NaiveDate>,
    /// The last day in force.
    pub expires_on: Option<NaiveDate>,
}

impl ContractRecord {
    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.in_force_from.is_none_or(|f| f <= on)
            && self.signed_on.is_none_or(|s| s <= on)
            && self.expires_on.is_none_or(|e| e >= on)
    }
}

/// An entry of the Data Privacy Framework list, from one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the list's own yes/no columns, one each"
)]
pub struct DpfListing {
    pub name: String,
    pub active: bool,
    pub uk_extension: bool,
    pub swiss: bool,
    pub hr_data: bool,
    pub non_hr_data: bool,
    /// The date of the snapshot the entry is from.
    pub snapshot_on: NaiveDate,
    /// The hand-set EU DPF flag it replaced (set by the rules, for the disagreement warning).
    pub hand_set: Option<bool>,
}

/// The contract words a DPO reads.
pub fn contract_words(kind: ContractKind) -> &'static str {
    match kind {
        ContractKind::Dpa => "data processing agreement",
        ContractKind::Scc2021 => "standard contractual clauses (2021)",
        ContractKind::UkIdta => "UK international data transfer agreement",
        ContractKind::UkAddendum => "UK Addendum to the standard contractual clauses",
        ContractKind::Bcr => "binding corporate rules approval",
    }
}

/// The transfer with the DPF list entry in force on `on` in place of the hand-set
/// certification flags (and as `records.dpf`, which the rules read).
pub(super) fn as_listed(t: &Transfer, on: NaiveDate) -> Cow<'_, Transfer> {
    let entry = t.records.dpf_on(on).cloned();
    if entry.is_none() && t.records.dpf.is_none() {
        return Cow::Borrowed(t);
    }
    let mut listed = t.clone();
    if let Some(e) = &entry {
        listed.certifications.eu_dpf = Some(e.active);
        listed.certifications.uk_extension = Some(e.active && e.uk_extension);
    }
    listed.records.dpf = entry.map(|e| DpfListing {
        hand_set: t.certifications.eu_dpf,
        ..e
    });
    Cow::Owned(listed)
}

/// Whether a DPA on record is in force on `on` (the Art 28 contract).
pub(super) fn dpa_in_force(t: &Transfer, on: NaiveDate) -> bool {
    t.records
        .contracts
        .iter()
        .any(|c| c.kind == ContractKind::Dpa && c.in_force(on))
}

/// Adds what the records say to the finding of the rules.
pub(super) fn check(t: &Transfer, on: NaiveDate, finding: &mut Finding) {
    let restricted = !matches!(
        finding.basis,
        Basis::RegimeNotInForce
            | Basis::InsideArea(_)
            | Basis::NotATransfer(_)
            | Basis::EuInstitution(_)
    );
    if restricted {
        assessment(t, on, finding);
        dpf(t, finding);
    }
    let mut needed = Vec::new();
    if matches!(
        t.recipient_role,
        Some(RecipientRole::Processor | RecipientRole::SubProcessor)
    ) {
        needed.push(ContractKind::Dpa);
    }
    if matches!(finding.basis, Basis::Safeguard(_))
        && let Some(kind) = contract_for(t.mechanism)
    {
        needed.push(kind);
    }
    for kind in needed {
        if let Some(problem) = expired(t, kind, on) {
            finding.problems.push(problem);
        }
    }
}

/// The contract a mechanism is, where it is one.
pub fn contract_for(mechanism: TransferMechanism) -> Option<ContractKind> {
    match mechanism {
        TransferMechanism::Scc2021 => Some(ContractKind::Scc2021),
        TransferMechanism::UkIdta => Some(ContractKind::UkIdta),
        TransferMechanism::UkAddendum => Some(ContractKind::UkAddendum),
        TransferMechanism::Bcr => Some(ContractKind::Bcr),
        _ => None,
    }
}

fn expired(t: &Transfer, kind: ContractKind, on: NaiveDate) -> Option<Problem> {
    let of_kind: Vec<&ContractRecord> = t
        .records
        .contracts
        .iter()
        .filter(|c| c.kind == kind)
        .collect();
    if of_kind.iter().any(|c| c.in_force(on)) {
        return None;
    }
    let last = of_kind
        .iter()
        .filter(|c| c.expires_on.is_some_and(|e| e < on))
        .max_by_key(|c| c.expires_on)?;
    let reference = last
        .reference
        .as_deref()
        .map_or(String::new(), |r| format!(" ({r})"));
    Some(Problem::new(
        ProblemCode::ContractExpired,
        format!(
            "the {}{reference} covering this flow expired on {}, and no other one is in force on {on}: renew it or record the one that replaced it",
            contract_words(kind),
            last.expires_on.unwrap_or(on),
        ),
    ))
}

/// The latest assessment completed by `on`, if any.
pub fn current_assessment(records: &Records, on: NaiveDate) -> Option<TiaRecord> {
    records
        .assessments
        .iter()
        .filter(|a| a.completed_on <= on)
        .max_by_key(|a| a.completed_on)
        .copied()
}

fn assessment(t: &Transfer, on: NaiveDate, finding: &mut Finding) {
    let Some(tia) = current_assessment(&t.records, on) else {
        return;
    };
    let outcome = match tia.outcome {
        TiaOutcome::Proceed => "the transfer may proceed",
        TiaOutcome::ProceedWithMeasures => {
            "the transfer may proceed with the supplementary measures recorded"
        }
        TiaOutcome::DoNotProceed => "the transfer must not proceed",
    };
    finding.notes.push(format!(
        "The transfer impact assessment on record, completed on {}, concluded that {outcome}; it is to be reviewed by {}.",
        tia.completed_on, tia.review_on
    ));
    if tia.outcome == TiaOutcome::DoNotProceed {
        finding.problems.push(Problem::new(
            ProblemCode::TiaDoNotProceed,
            format!(
                "the transfer impact assessment completed on {} concluded that the transfer must not proceed: suspend the transfer, or put in place the measures that would change that conclusion and assess again (EDPB Recommendations 01/2020, step 5)",
                tia.completed_on
            ),
        ));
    } else if tia.review_on < on {
        finding.warnings.push(Problem::new(
            ProblemCode::TiaReviewOverdue,
            format!(
                "the transfer impact assessment completed on {} was due for review on {}: re-evaluate it (EDPB Recommendations 01/2020, step 6)",
                tia.completed_on, tia.review_on
            ),
        ));
    }
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn dpf(t: &Transfer, finding: &mut Finding) {
    let Some(entry) = &t.records.dpf else {
        return;
    };
    let relies = t.mechanism == TransferMechanism::EuUsDpf
        || matches!(finding.basis, Basis::AdequacyScheme(_))
        || matches!(finding.basis, Basis::Adequacy(d) if matches!(d.scope, crate::reference::AdequacyScope::CertifiedImporters { .. }));
    if !relies {
        return;
    }
    finding.notes.push(format!(
        "The importer's entry \"{}\" on the Data Privacy Framework list, as downloaded on {}, is {} (UK Extension: {}; Swiss-U.S. DPF: {}; HR data: {}; non-HR data: {}); this assessment relies on that snapshot.",
        entry.name,
        entry.snapshot_on,
        if entry.active { "active" } else { "inactive" },
        yes(entry.uk_extension),
        yes(entry.swiss),
        yes(entry.hr_data),
        yes(entry.non_hr_data),
    ));
    let hand_set = entry.hand_set;
    if hand_set.is_some_and(|h| h != entry.active) {
        finding.warnings.push(Problem::new(
            ProblemCode::DpfListDisagrees,
            format!(
                "the importer is recorded by hand as {} under the Data Privacy Framework, but the list of {} shows it {}: the list is relied on, so correct the record",
                if hand_set == Some(true) { "certified" } else { "not certified" },
                entry.snapshot_on,
                if entry.active { "active" } else { "inactive" },
            ),
        ));
    }
}

/// Legal-form words dropped at the end of a name before matching (`Example Cloud, Inc.` and
/// `EXAMPLE CLOUD INC` are one organisation; `Example` and `Example Cloud` are not).
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "plc",
    "pllc",
    "pc",
];

/// A name as the DPF list is matched on: lower case, letters and digits only (`&` as `and`),
/// words separated by one space, trailing legal-form words dropped. Exact match on this is the
/// only automatic link; anything looser is a suggestion a person confirms.
pub fn normalise_name(name: &str) -> String {
    let spaced: String = name
        .replace('&', " and ")
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c.is_whitespace() || c == ',' || c == '-' || c == '/' {
                Some(' ')
            } else {
                None
            }
        })
        .collect();
    let mut words: Vec<&str> = spaced.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| LEGAL_FORMS.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod name_tests {
    use super::normalise_name;

    #[test]
    fn names_match_across_case_punctuation_and_legal_forms_only() {
        assert_eq!(normalise_name("Example Cloud, Inc."), "example cloud");
        assert_eq!(normalise_name("EXAMPLE  CLOUD INC"), "example cloud");
        assert_eq!(normalise_name("Example Cloud L.L.C."), "example cloud");
        assert_eq!(normalise_name("Smith & Jones Co."), "smith and jones");
        assert_ne!(normalise_name("Example"), normalise_name("Example Cloud"));
        // A name that is only a legal form keeps it.
        assert_eq!(normalise_name("Inc."), "inc");
    }
}
