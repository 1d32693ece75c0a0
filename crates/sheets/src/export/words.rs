//! The words a person reads in the CSV and XLSX exports: the register's codes
//! (`NON_COMPLIANT`, `TIA_MISSING`, `contact.email`) as a DPO or a regulator says them
//! ("Non-compliant", "TIA missing", "E-mail address"). The JSON exports keep the codes.
//!
//! One place for the words of each vocabulary, so every export says the same thing.

use super::table::Cell;
use crate::{domain::category::is_criminal_offence, error::AppResult};
use entity::vocab::{
    ContractKind, DeliveryChannel, DsrKind, DsrStatus, DueKind, LawfulBasis, ProblemCode,
    RecipientRole, Regime, SccModule, SubprocessorChangeKind, SubprocessorChangeStatus, TaskStatus,
    TiaOutcome, TransferMechanism, VerdictStatus,
};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::HashMap;

/// A data-subject request's kind, as the request pages and the certificate say it.
pub fn dsr_kind(kind: DsrKind) -> &'static str {
    match kind {
        DsrKind::Access => "Access (Art 15)",
        DsrKind::Rectification => "Rectification (Art 16)",
        DsrKind::Erasure => "Erasure (Art 17)",
        DsrKind::Restriction => "Restriction (Art 18)",
        DsrKind::Objection => "Objection (Art 21)",
        DsrKind::Portability => "Portability (Art 20)",
    }
}

pub fn dsr_status(status: DsrStatus) -> &'static str {
    match status {
        DsrStatus::Open => "Open",
        DsrStatus::InProgress => "In progress",
        DsrStatus::Completed => "Completed",
        DsrStatus::Overdue => "Overdue",
        DsrStatus::Closed => "Closed",
    }
}

pub fn task_status(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Pending => "Pending",
        TaskStatus::Sent => "Sent, awaiting an answer",
        TaskStatus::Acknowledged => "Acknowledged",
        TaskStatus::Completed => "Completed",
        TaskStatus::Failed => "Delivery failed",
        TaskStatus::Exempt => "Exempt",
    }
}

pub fn delivery_channel(channel: DeliveryChannel) -> &'static str {
    match channel {
        DeliveryChannel::Webhook => "Webhook",
        DeliveryChannel::Email => "E-mail",
        DeliveryChannel::Manual => "By hand",
    }
}

/// A stored code of vocabulary `V` in words by `words`; a code that does not parse is shown
/// as it is.
pub fn code_in_words<V: std::str::FromStr>(code: &str, words: fn(V) -> &'static str) -> String {
    code.parse::<V>()
        .map_or_else(|_| code.to_string(), |v| words(v).to_string())
}

pub fn verdict(status: VerdictStatus) -> &'static str {
    match status {
        VerdictStatus::NotRestricted => "Not a restricted transfer",
        VerdictStatus::Adequate => "Adequate",
        VerdictStatus::Safeguarded => "Safeguarded",
        VerdictStatus::Derogation => "Derogation (Art 49)",
        VerdictStatus::NonCompliant => "Non-compliant",
    }
}

pub fn problem(code: ProblemCode) -> &'static str {
    match code {
        ProblemCode::MissingSafeguard => "No safeguard",
        ProblemCode::InvalidMechanism => "Mechanism not valid",
        ProblemCode::ExpiredInstrument => "Instrument expired",
        ProblemCode::ModuleMissing => "SCC module missing",
        ProblemCode::ModuleMismatch => "SCC module does not match the roles",
        ProblemCode::TiaMissing => "TIA missing",
        ProblemCode::NotCertified => "Recipient not certified",
        ProblemCode::OutsideAdequacyScope => "Outside the adequacy decision's scope",
        ProblemCode::DerogationMissing => "Derogation not named",
        ProblemCode::DpaMissing => "DPA missing",
        ProblemCode::DerogationNotOccasional => "Derogation used for a regular transfer",
        ProblemCode::DerogationReadRestrictively => "Derogation read restrictively (EDPB)",
        ProblemCode::EeaIncorporationUnconfirmed => {
            "Adequacy decision's EEA incorporation unconfirmed"
        }
        ProblemCode::TiaDoNotProceed => "TIA concluded: do not proceed",
        ProblemCode::TiaReviewOverdue => "TIA review overdue",
        ProblemCode::ContractExpired => "Contract expired",
        ProblemCode::DpfListDisagrees => "DPF list and record disagree",
    }
}

pub fn due_kind(kind: DueKind) -> &'static str {
    match kind {
        DueKind::ContractExpiry => "Contract expires",
        DueKind::ContractReview => "Contract review",
        DueKind::TiaReview => "TIA review",
        DueKind::DpfLapsed => "DPF certification lapsed",
        DueKind::DpfNotListed => "Not on the DPF list",
        DueKind::ObjectionDeadline => "Objection deadline (sub-processor change)",
        DueKind::DsrDeadline => "Data subject request deadline",
        DueKind::VerdictChangedByLaw => "Verdict changed by the law",
    }
}

/// A sub-processor change's kind, as the published list and its feed say it.
pub fn change_kind(kind: SubprocessorChangeKind) -> &'static str {
    match kind {
        SubprocessorChangeKind::Add => "New sub-processor",
        SubprocessorChangeKind::Relocate => "Sub-processor moves to another country",
        SubprocessorChangeKind::Remove => "Sub-processor removed",
    }
}

/// Where a sub-processor change stands, in words.
pub fn change_status(status: SubprocessorChangeStatus) -> &'static str {
    match status {
        SubprocessorChangeStatus::Pending => "Pending (open to objection)",
        SubprocessorChangeStatus::Approved => "Approved",
        SubprocessorChangeStatus::Objected => "Objected to",
        SubprocessorChangeStatus::AcceptedBySilence => "Accepted (no objection by the deadline)",
        SubprocessorChangeStatus::Withdrawn => "Withdrawn",
        SubprocessorChangeStatus::Live => "Live",
    }
}

pub fn tia_outcome(outcome: TiaOutcome) -> &'static str {
    match outcome {
        TiaOutcome::Proceed => "Proceed",
        TiaOutcome::ProceedWithMeasures => "Proceed with supplementary measures",
        TiaOutcome::DoNotProceed => "Do not proceed",
    }
}

pub fn contract_kind(kind: ContractKind) -> &'static str {
    match kind {
        ContractKind::Dpa => "Data processing agreement",
        ContractKind::Scc2021 => "Standard contractual clauses (2021)",
        ContractKind::UkIdta => "UK International Data Transfer Agreement",
        ContractKind::UkAddendum => "UK Addendum to the SCCs",
        ContractKind::Bcr => "Binding corporate rules",
    }
}

pub fn mechanism(mechanism: TransferMechanism) -> &'static str {
    match mechanism {
        TransferMechanism::Adequacy => "Adequacy decision",
        TransferMechanism::EuUsDpf => "EU-US Data Privacy Framework",
        TransferMechanism::Scc2021 => "Standard contractual clauses (2021)",
        TransferMechanism::UkIdta => "UK International Data Transfer Agreement",
        TransferMechanism::UkAddendum => "UK Addendum to the SCCs",
        TransferMechanism::Bcr => "Binding corporate rules",
        TransferMechanism::CodeOfConduct => "Code of conduct",
        TransferMechanism::Certification => "Certification",
        TransferMechanism::Derogation => "Derogation (Art 49)",
        TransferMechanism::PrivacyShield => "Privacy Shield (invalid)",
        TransferMechanism::SafeHarbor => "Safe Harbor (invalid)",
        TransferMechanism::Scc2010 => "Standard contractual clauses (2010, repealed)",
        TransferMechanism::None => "None",
    }
}

pub fn regime(regime: Regime) -> &'static str {
    match regime {
        Regime::EuGdpr => "EU GDPR",
        Regime::UkGdpr => "UK GDPR",
    }
}

pub fn recipient_role(role: RecipientRole) -> &'static str {
    match role {
        RecipientRole::Processor => "Processor",
        RecipientRole::SubProcessor => "Sub-processor",
        RecipientRole::Controller => "Controller",
        RecipientRole::JointController => "Joint controller",
    }
}

/// The labels lawyers use for the SCC modules.
pub fn scc_module(module: SccModule) -> &'static str {
    match module {
        SccModule::C2c => "C2C",
        SccModule::C2p => "C2P",
        SccModule::P2p => "P2P",
        SccModule::P2c => "P2C",
    }
}

pub fn lawful_basis(basis: LawfulBasis) -> &'static str {
    match basis {
        LawfulBasis::Consent => "Consent (Art 6(1)(a))",
        LawfulBasis::Contract => "Contract (Art 6(1)(b))",
        LawfulBasis::LegalObligation => "Legal obligation (Art 6(1)(c))",
        LawfulBasis::VitalInterests => "Vital interests (Art 6(1)(d))",
        LawfulBasis::PublicTask => "Public task (Art 6(1)(e))",
        LawfulBasis::LegitimateInterests => "Legitimate interests (Art 6(1)(f))",
    }
}

/// A coded value: its words in CSV and XLSX, its code in JSON.
pub fn coded(code: &str, words: &str) -> Cell {
    Cell::Coded {
        code: code.to_string(),
        words: words.to_string(),
    }
}

/// The problems of a transfer, each in words (CSV, XLSX) or as its code (JSON), `; ` between.
pub fn problems(codes: &[ProblemCode]) -> Cell {
    let join = |f: &dyn Fn(ProblemCode) -> &'static str| {
        codes.iter().map(|c| f(*c)).collect::<Vec<_>>().join("; ")
    };
    if codes.is_empty() {
        return Cell::Empty;
    }
    coded(&join(&|c| c.as_str()), &join(&problem))
}

/// The mark given to a category of Art 9 data.
pub const SPECIAL: &str = " [special category, Art 9]";
/// The mark given to a category of Art 10 data.
pub const CRIMINAL: &str = " [criminal offence data, Art 10]";

/// Whether categories include special-category (Art 9) or criminal-offence (Art 10) data: which
/// ones in words ("Yes: Health data [special category, Art 9]"), `true`/`false` in JSON.
pub fn sensitive(categories: &Categories, codes: &[String]) -> Cell {
    let marked: Vec<String> = codes
        .iter()
        .filter(|c| categories.marked(c))
        .map(|c| categories.name(c))
        .collect();
    if marked.is_empty() {
        coded("false", "No")
    } else {
        coded("true", &format!("Yes: {}", marked.join("; ")))
    }
}

/// The data categories of the taxonomy, by code, for their names.
#[derive(Debug, Default)]
pub struct Categories {
    names: HashMap<String, (String, bool)>,
}

/// A code under the taxonomy's `special` branch: marked as Art 9 data even when the taxonomy
/// does not know it (the flag of a known code is the taxonomy's own).
fn under_special(code: &str) -> bool {
    code == "special" || code.starts_with("special.")
}

impl Categories {
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Self> {
        Ok(Self {
            names: entity::data_category::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.code, (c.name, c.special)))
                .collect(),
        })
    }

    /// Whether a category is of special-category (Art 9) or criminal-offence (Art 10) data.
    pub fn marked(&self, code: &str) -> bool {
        is_criminal_offence(code)
            || under_special(code)
            || self.names.get(code).is_some_and(|(_, special)| *special)
    }

    /// A category's name, special categories (Art 9) and criminal-offence data (Art 10) marked;
    /// a code the taxonomy does not know stays as it is.
    pub fn name(&self, code: &str) -> String {
        let special = under_special(code);
        let (name, flagged) = self
            .names
            .get(code)
            .map_or((code, special), |(n, s)| (n.as_str(), *s || special));
        if is_criminal_offence(code) {
            format!("{name}{CRIMINAL}")
        } else if flagged {
            format!("{name}{SPECIAL}")
        } else {
            name.to_string()
        }
    }

    /// Categories in words (CSV, XLSX) or as their codes (JSON), `; ` between.
    pub fn cell(&self, codes: &[String]) -> Cell {
        if codes.is_empty() {
            return Cell::Empty;
        }
        let words: Vec<String> = codes.iter().map(|c| self.name(c)).collect();
        coded(&codes.join("; "), &words.join("; "))
    }

    #[cfg(test)]
    pub fn of(entries: &[(&str, &str, bool)]) -> Self {
        Self {
            names: entries
                .iter()
                .map(|(c, n, s)| ((*c).to_string(), ((*n).to_string(), *s)))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn every_code_has_words_that_are_not_the_code() {
        for v in VerdictStatus::VARIANTS {
            assert_ne!(verdict(*v), v.as_str());
        }
        for p in ProblemCode::VARIANTS {
            assert_ne!(problem(*p), p.as_str());
            assert!(!problem(*p).contains('_'), "{p}");
        }
        for m in TransferMechanism::VARIANTS {
            assert!(!mechanism(*m).contains('_'), "{m}");
        }
        assert_eq!(verdict(VerdictStatus::NonCompliant), "Non-compliant");
        assert_eq!(problem(ProblemCode::TiaMissing), "TIA missing");
        assert_eq!(recipient_role(RecipientRole::SubProcessor), "Sub-processor");
        assert_eq!(scc_module(SccModule::C2p), "C2P");
    }

    #[test]
    fn categories_are_named_and_special_and_criminal_ones_marked() {
        let c = Categories::of(&[
            ("contact.email", "E-mail address", false),
            ("special.health", "Health data", true),
        ]);
        assert_eq!(c.name("contact.email"), "E-mail address");
        assert_eq!(c.name("special.health"), format!("Health data{SPECIAL}"));
        assert_eq!(
            c.name("criminal.records"),
            format!("criminal.records{CRIMINAL}")
        );
        assert_eq!(c.name("unknown.code"), "unknown.code");
        let cell = c.cell(&["contact.email".into(), "special.health".into()]);
        assert_eq!(
            cell.plain(),
            "E-mail address; Health data [special category, Art 9]"
        );
        assert_eq!(
            problems(&[ProblemCode::TiaMissing, ProblemCode::DpaMissing]).plain(),
            "TIA missing; DPA missing"
        );
    }
}
