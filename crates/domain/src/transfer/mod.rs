//! Chapter V of the GDPR and the UK GDPR as rules: is a transfer restricted, and if so, what
//! lawfully carries it on a given date?
//!
//! `assess` is the entry point. The order of the questions is the order of Chapter V and is
//! written out in `rules.rs`; the checks of each tool are in `safeguards.rs`; `explain.rs` turns the
//! finding into a paragraph a DPO can paste into a report. The dates, instruments and decisions
//! all come from `LegalReference`, never from this code.
//!
//! Choices this module makes, so a reviewer can disagree with them in one place:
//! - Status is `NON_COMPLIANT` exactly when a blocking problem was found. A dead mechanism
//!   (Safe Harbor, Privacy Shield, phased-out SCCs) still on record for a destination that an
//!   adequacy decision covers is reported as a problem but the status stays `ADEQUATE`: the
//!   transfer is lawful, only the record is stale.
//! - `DPA_MISSING` is checked on every flow to a processor or sub-processor, restricted or not,
//!   because Art 28 applies whether or not data leave the area, and it blocks. SCC Modules 2 and 3
//!   contain the Art 28 terms (2021/914 recital 9), so a valid SCC transfer with one of them needs
//!   no separate DPA.
//! - Every Art 46 tool (SCCs old and new, IDTA, Addendum, BCR, codes, certification) needs a TIA
//!   (UK: TRA) from the date the reference sets (Schrems II, 2020-07-16, for the EU).
//! - A mechanism named before it existed "did not apply yet": `INVALID_MECHANISM`. One repealed or
//!   phased out: `EXPIRED_INSTRUMENT`; one struck down by a court: `INVALID_MECHANISM`.
//! - Safe Harbor, Privacy Shield and the DPF are adequacy decisions for certified organisations
//!   only, so within their window a certified importer is `ADEQUATE` (not `SAFEGUARDED`) and an
//!   uncertified one `NOT_CERTIFIED`. The EU DPF and its UK Extension are separate lists.
//! - Sending data to the UK during the 2021 bridge (TCA Art 782) was not a transfer at all:
//!   `NOT_RESTRICTED`, with its own reason, not an adequacy decision.
//! - A transfer to an international organisation is restricted wherever the organisation sits.
//! - A derogation recorded for a flow that is not occasional is `DEROGATION_NOT_OCCASIONAL` only
//!   for the points the law ties to occasional (recital 111: (b), (c), (e)) or non-repetitive
//!   (second subparagraph) transfers; for (a), (d), (f) and (g) it is the warning
//!   `DEROGATION_READ_RESTRICTIVELY`, with the EDPB's words. Not recorded either way, the
//!   explanation asks to confirm it. The reference data says which point is which.
//! - Warnings (`ProblemCode::is_warning`) are listed with the problems and never change the status.
//! - Signed SCCs with Module Two or Three are the Art 28 contract (2021/914 Clause 2(a), recital 9,
//!   GDPR Art 28(7)) whatever else is wrong with the transfer; only a wrong or missing module or a
//!   contract date the clauses cannot bear takes that away.
//! - Under the EU GDPR the EU's institutions and bodies are no third country or international
//!   organisation (Art 2(3), Regulation (EU) 2018/1725): `NOT_RESTRICTED`. Under the UK GDPR they are.
//! - An exporter in Iceland, Liechtenstein or Norway relying on an EU adequacy decision is warned
//!   where the reference does not confirm the decision's incorporation into the EEA Agreement.

mod explain;
mod reasoning;
mod records;
mod rules;
mod safeguards;
#[cfg(test)]
mod tests;

pub use reasoning::{ReasoningStep, StepOutcome, reasoning};
pub use records::{
    ContractRecord, DpfListing, DpfSnapshotEntry, Records, TiaRecord, contract_for, contract_words,
    current_assessment, normalise_name,
};
pub use rules::{assess, assess_brief, expected_module, regime_of_exporter};

use crate::{
    country::CountryCode,
    reference::{Scheme, Verify},
    vocab::{
        Derogation, ProblemCode, RecipientRole, Regime, SccModule, TransferMechanism, VerdictStatus,
    },
};
use chrono::NaiveDate;

/// Whether the exporter of a flow acts as controller or processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExporterRole {
    Controller,
    Processor,
}

impl ExporterRole {
    /// The exporter of a flow: the activity's controller for its first flow; for a continued flow,
    /// the recipient of the flow it continues, in the role it had there.
    pub fn of_flow(continued_recipient_role: Option<RecipientRole>) -> Self {
        match continued_recipient_role {
            None | Some(RecipientRole::Controller | RecipientRole::JointController) => {
                Self::Controller
            }
            Some(RecipientRole::Processor | RecipientRole::SubProcessor) => Self::Processor,
        }
    }
}

/// One transfer to assess: a flow's exporter and one destination country, with what is on record.
///
/// Facts the caller may not know (roles in `assessTransfer`, certification, scope) are `Option`:
/// an unknown role skips the checks that need it; an unknown certification counts as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub regime: Regime,
    pub exporter_country: CountryCode,
    pub destination: CountryCode,
    pub exporter_role: Option<ExporterRole>,
    pub recipient_role: Option<RecipientRole>,
    pub mechanism: TransferMechanism,
    pub scc_module: Option<SccModule>,
    pub derogation: Option<Derogation>,
    /// The TIA (UK: TRA) date.
    pub tia_completed_on: Option<NaiveDate>,
    /// When the contract (SCCs, IDTA, Addendum) was concluded.
    pub signed_on: Option<NaiveDate>,
    /// The importer's entries on the US certification lists, each `None` when not recorded.
    pub certifications: Certifications,
    /// `Some(false)` when the importer is known to fall outside a partial decision (e.g. not subject
    /// to PIPEDA); `None` means not recorded, and the explanation asks to confirm it. The specific
    /// facts below, where recorded, take precedence for the decisions that turn on them.
    pub importer_in_adequacy_scope: Option<bool>,
    /// Canada: whether the importer is subject to PIPEDA.
    pub importer_subject_to_pipeda: Option<bool>,
    /// Japan: whether the importer is a private-sector business operator under the APPI.
    pub importer_appi_private_sector: Option<bool>,
    /// The importer is this international organisation (e.g. `EPO`): a Chapter V transfer
    /// wherever its seat, judged by the decisions about the organisation, not about a country.
    pub importer_international_organisation: Option<String>,
    /// The importer's processing is itself subject to the exporter's regime (GDPR Art 3(2)).
    pub importer_subject_to_regime: Option<bool>,
    /// The group whose binding corporate rules bind the exporter, and the importer's group.
    pub exporter_bcr_group: Option<String>,
    pub importer_bcr_group: Option<String>,
    /// Whether the flow is occasional (`Some(false)`: regular or continuing).
    pub occasional: Option<bool>,
    /// Module Four: whether the EU processor combines the personal data received from the
    /// third-country controller with personal data it collected in the EU (Clauses 14 and 15).
    pub combines_eu_data: Option<bool>,
    /// Old SCCs: whether the processing operations that are the subject matter of the contract
    /// changed after it was concluded (2021/914 Art 4(4) kept only unchanged ones in effect).
    pub processing_changed: Option<bool>,
    /// The mechanism and its details were recorded for this destination, not for the whole flow.
    pub destination_specific: bool,
    /// The Art 28 contract with a processor or sub-processor recipient.
    pub recipient_dpa_signed_on: Option<NaiveDate>,
    /// What shows a BCR, code of conduct or certification applies: approval reference and date.
    pub safeguard_evidence: Option<String>,
    /// The flow's dated records: assessments, contracts, the importer's DPF list entry.
    pub records: Records,
}

impl Transfer {
    /// A transfer with nothing on record but the mechanism; set the other fields as known.
    pub fn new(
        regime: Regime,
        exporter_country: CountryCode,
        destination: CountryCode,
        mechanism: TransferMechanism,
    ) -> Self {
        Self {
            regime,
            exporter_country,
            destination,
            exporter_role: None,
            recipient_role: None,
            mechanism,
            scc_module: None,
            derogation: None,
            tia_completed_on: None,
            signed_on: None,
            certifications: Certifications::default(),
            importer_in_adequacy_scope: None,
            importer_subject_to_pipeda: None,
            importer_appi_private_sector: None,
            importer_international_organisation: None,
            importer_subject_to_regime: None,
            exporter_bcr_group: None,
            importer_bcr_group: None,
            occasional: None,
            combines_eu_data: None,
            processing_changed: None,
            destination_specific: false,
            recipient_dpa_signed_on: None,
            safeguard_evidence: None,
            records: Records::default(),
        }
    }
}

/// The importer's entries on the lists that US adequacy findings were limited to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Certifications {
    /// On the Data Privacy Framework List (EU decision 2023/1795).
    pub eu_dpf: Option<bool>,
    /// Also joined the UK Extension to the DPF (SI 2023/1028).
    pub uk_extension: Option<bool>,
    /// Was on the Privacy Shield List (2016/1250) on the date assessed.
    pub privacy_shield: Option<bool>,
    /// Was on the Safe Harbor List (2000/520/EC) on the date assessed.
    pub safe_harbor: Option<bool>,
}

impl Certifications {
    /// Every list answered the same way.
    pub fn all(value: Option<bool>) -> Self {
        Self {
            eu_dpf: value,
            uk_extension: value,
            privacy_shield: value,
            safe_harbor: value,
        }
    }

    pub fn on(&self, scheme: Scheme) -> Option<bool> {
        match scheme {
            Scheme::EuDpf => self.eu_dpf,
            Scheme::UkExtension => self.uk_extension,
            Scheme::PrivacyShield => self.privacy_shield,
            Scheme::SafeHarbor => self.safe_harbor,
        }
    }
}

/// Something to fix, in the contract's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(code: ProblemCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The legal act a verdict rests on (or tried to rest on), for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstrumentRef {
    /// The entry's id in `transfer_law.json`.
    pub id: String,
    pub name: String,
    /// Name and number of the act, e.g. "Commission Implementing Decision (EU) 2021/914 ...".
    pub instrument: String,
    pub article: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub verify: Verify,
}

/// The outcome of `assess`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: VerdictStatus,
    pub problems: Vec<Problem>,
    /// A paragraph for a report: what applies, why, since when, under which act; unverified facts marked.
    pub explanation: String,
    pub instrument: Option<InstrumentRef>,
}

impl Verdict {
    pub fn has(&self, code: ProblemCode) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }

    /// Whether the act relied on is not confirmed against the official text (M or U).
    pub fn relies_on_unverified_fact(&self) -> bool {
        self.instrument
            .as_ref()
            .is_some_and(|i| i.verify.is_unverified())
    }
}
