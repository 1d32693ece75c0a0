//! The facts of the reference, as `reference/transfer_law.json` states them: areas, adequacy
//! decisions, instrument windows, impact-assessment duties, each with its dates and provenance.

use crate::{
    country::CountryCode,
    vocab::{Derogation, Regime, TransferMechanism},
};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use strum::VariantArray;

/// How well a fact was checked, as tagged in `legal_reference.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum Verify {
    /// Confirmed against a primary source or two agreeing secondary sources.
    V,
    /// A single secondary source.
    S,
    /// From memory of the legal text, not re-checked.
    M,
    /// Unverified or unknown.
    U,
}

impl Verify {
    /// Whether a report should flag the fact as unverified (M and U).
    pub fn is_unverified(self) -> bool {
        matches!(self, Self::M | Self::U)
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Self::V => "verified against a primary source",
            Self::S => "from a single secondary source",
            Self::M => "from memory of the legal text, not re-checked",
            Self::U => "unverified",
        }
    }

    /// The same, as a reader of a report understands it.
    pub fn plain(self) -> &'static str {
        match self {
            Self::V => "has been checked against the official text",
            Self::S => "rests on a single secondary source",
            Self::M => "has not been checked against the official text",
            Self::U => "could not be confirmed from any source",
        }
    }
}

/// How a source states the end of a period, and whether the day it names is still covered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Until {
    /// The date as the source gives it ("until 27 December 2022").
    pub stated: NaiveDate,
    /// Whether that day itself is still covered.
    pub day_included: bool,
    /// The sources disagree on `day_included`; `day_included` is the register's reading.
    #[serde(default)]
    pub disputed: bool,
    /// The words of the source that fix the date.
    pub wording: String,
    /// Where those words are (public title of the act, article).
    pub source: String,
    /// For a disputed day: who reads it which way, in words.
    #[serde(default)]
    pub disputed_sources: Option<String>,
}

impl Until {
    /// The first day on which the period no longer runs.
    pub fn first_day_after(&self) -> Option<NaiveDate> {
        if self.day_included {
            self.stated.succ_opt()
        } else {
            Some(self.stated)
        }
    }
}

/// The days an entry applies: from `effective_from`, up to but excluding `effective_to`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Validity {
    pub effective_from: NaiveDate,
    /// Required in the file (null while open), so a misspelt key cannot silently mean "open".
    #[serde(deserialize_with = "Option::deserialize")]
    pub effective_to: Option<NaiveDate>,
    /// How the source words the end, required with `effective_to` and checked against it.
    #[serde(default)]
    pub until: Option<Until>,
}

impl Validity {
    pub fn contains(&self, on: NaiveDate) -> bool {
        self.effective_from <= on && !self.ended(on)
    }

    pub fn ended(&self, on: NaiveDate) -> bool {
        self.effective_to.is_some_and(|to| to <= on)
    }
}

/// Where a fact comes from and how sure we are of it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Provenance {
    pub source: String,
    pub verify: Verify,
    /// The original, finer-grained tag where the reference mixed several (e.g. "V(date)/U(number)").
    #[serde(default)]
    pub verify_detail: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// The life-cycle state of a decision or instrument.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InForce,
    InForceAtRisk,
    Expired,
    Invalidated,
    Repealed,
    Pending,
}

/// The exporting area of a regime (EEA or UK), with dated membership.
#[derive(Debug, Clone, Deserialize)]
pub struct Area {
    pub regime: Regime,
    pub name: String,
    /// How to name the law in a sentence, e.g. "the EU GDPR (Regulation (EU) 2016/679)".
    pub law: String,
    #[serde(default)]
    pub predecessor: Option<Predecessor>,
    pub instrument: String,
    #[serde(flatten)]
    pub validity: Validity,
    #[serde(flatten)]
    pub provenance: Provenance,
    pub members: Vec<AreaMember>,
    /// The EEA EFTA states, bound by the exporting regime's adequacy decisions only once the
    /// EEA Joint Committee has incorporated them (EU only).
    #[serde(default)]
    pub eea_efta: Option<EeaEfta>,
}

/// Iceland, Liechtenstein and Norway, and the rule that an adequacy decision binds them only
/// once incorporated into the EEA Agreement.
#[derive(Debug, Clone, Deserialize)]
pub struct EeaEfta {
    #[serde(deserialize_with = "countries")]
    pub countries: Vec<CountryCode>,
    /// The rule in words, quoted in explanations.
    pub rule: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Whether the EEA Joint Committee has incorporated an adequacy decision, as far as known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncorporationStatus {
    /// Incorporated, from `effective_from`.
    Incorporated,
    /// Known not to be incorporated yet when the source was written.
    Pending,
    /// Not checked.
    Unknown,
}

/// The incorporation of one adequacy decision into the EEA Agreement.
#[derive(Debug, Clone, Deserialize)]
pub struct EeaIncorporation {
    pub status: IncorporationStatus,
    /// The day the Joint Committee decision took effect, where known.
    #[serde(default)]
    pub effective_from: Option<NaiveDate>,
    /// What the source says, in words.
    pub detail: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// The law that governed the area before the current one (Directive 95/46/EC for the EU).
#[derive(Debug, Clone, Deserialize)]
pub struct Predecessor {
    pub law: String,
    pub effective_to: NaiveDate,
    pub until: Until,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AreaMember {
    #[serde(deserialize_with = "country")]
    pub country: CountryCode,
    #[serde(flatten)]
    pub validity: Validity,
    pub verify: Verify,
    #[serde(default)]
    pub notes: Option<String>,
}

impl Area {
    /// The law's name on a date, the predecessor's before the current law applied.
    pub fn law_on(&self, on: NaiveDate) -> &str {
        match &self.predecessor {
            Some(p) if on < p.effective_to => &p.law,
            _ => &self.law,
        }
    }
}

/// Whom an adequacy decision is about. Not always a country: the EPO is an international organisation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdequacySubject {
    Country {
        #[serde(deserialize_with = "country")]
        code: CountryCode,
    },
    Territory {
        #[serde(deserialize_with = "country")]
        code: CountryCode,
    },
    /// One legal act naming several destinations (e.g. the UK's transitional list of EEA states).
    Countries {
        #[serde(deserialize_with = "countries")]
        codes: Vec<CountryCode>,
    },
    InternationalOrganisation {
        id: String,
    },
}

impl AdequacySubject {
    pub fn covers(&self, country: CountryCode) -> bool {
        match self {
            Self::Country { code } | Self::Territory { code } => *code == country,
            Self::Countries { codes } => codes.contains(&country),
            Self::InternationalOrganisation { .. } => false,
        }
    }
}

/// A list of certified US organisations that an adequacy finding is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// The Safe Harbor List (Decision 2000/520/EC).
    SafeHarbor,
    /// The Privacy Shield List (Implementing Decision (EU) 2016/1250).
    PrivacyShield,
    /// The Data Privacy Framework List (Implementing Decision (EU) 2023/1795).
    EuDpf,
    /// The UK Extension to the DPF (SI 2023/1028); only DPF participants can join it.
    UkExtension,
}

impl Scheme {
    /// How a sentence names the list.
    pub fn list_name(self) -> &'static str {
        match self {
            Self::SafeHarbor => "the Safe Harbor List",
            Self::PrivacyShield => "the Privacy Shield List",
            Self::EuDpf => "the Data Privacy Framework List",
            Self::UkExtension => "the UK Extension to the Data Privacy Framework",
        }
    }
}

/// A fact about the importer that a partial decision's scope turns on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeFact {
    /// Canada: the importer is subject to PIPEDA.
    SubjectToPipeda,
    /// Japan: the importer is a personal information handling business operator under the APPI.
    AppiPrivateSector,
}

/// How far a decision reaches inside its destination.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "limit", rename_all = "snake_case")]
pub enum AdequacyScope {
    Full,
    /// Only some recipients or processing (PIPEDA, APPI private sector, PIPA, LGPD, ...).
    Partial {
        description: String,
        /// The importer fact the scope turns on, where the register records one.
        #[serde(default)]
        requires: Option<ScopeFact>,
    },
    /// Only importers certified under a scheme (the DPF List, and its UK Extension).
    CertifiedImporters {
        description: String,
        scheme: Scheme,
    },
}

/// An adequacy decision (EU Art 45) or UK adequacy regulation ("data bridge").
#[derive(Debug, Clone, Deserialize)]
pub struct AdequacyDecision {
    pub id: String,
    pub regime: Regime,
    pub subject: AdequacySubject,
    pub name: String,
    pub scope: AdequacyScope,
    pub instrument: String,
    pub article: String,
    pub decided_on: NaiveDate,
    #[serde(flatten)]
    pub validity: Validity,
    pub status: Status,
    /// EU decisions: their incorporation into the EEA Agreement, for exporters in IS, LI and NO.
    #[serde(default)]
    pub eea_incorporation: Option<EeaIncorporation>,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// A condition or reading attached to an instrument, in the source's words.
#[derive(Debug, Clone, Deserialize)]
pub struct Condition {
    pub wording: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// When the text of contractual clauses became public (published or laid), before it took effect.
#[derive(Debug, Clone, Deserialize)]
pub struct Published {
    pub on: NaiveDate,
    /// How it became public, as a sentence continues "... were ..." ("laid before Parliament on ...").
    pub what: String,
    /// What a contract concluded between then and the entry into force means, in words.
    pub note: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// How an Art 49(1) point relates to occasional transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccasionalRule {
    /// The law ties the point to occasional transfers (recital 111: points (b), (c), (e)).
    Required,
    /// The law requires the transfer not to be repetitive (second subparagraph).
    NotRepetitive,
    /// Not limited to occasional transfers by the law, but read restrictively (EDPB).
    Restrictive,
}

/// One point of Art 49(1) and how it treats a regular or continuing flow.
#[derive(Debug, Clone, Deserialize)]
pub struct DerogationRule {
    pub point: Derogation,
    /// "(1)(d)", "(1), second subparagraph".
    pub label: String,
    pub occasional: OccasionalRule,
    /// The reading, in the words of its source.
    pub wording: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// What kind of importer an organisation of the reference list is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// An international organisation (GDPR Art 4(26)).
    InternationalOrganisation,
    /// The EU's institutions, bodies, offices and agencies (Regulation (EU) 2018/1725).
    EuInstitutions,
}

/// An importer that is not in a country: an international organisation or the EU's own bodies.
#[derive(Debug, Clone, Deserialize)]
pub struct KnownOrganisation {
    pub id: String,
    pub kind: BodyKind,
    pub name: String,
    /// For EU institutions: why they are no third country under the EU GDPR.
    #[serde(default)]
    pub rule: Option<String>,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// A transfer mechanism under one regime, with its window and phase-out.
#[derive(Debug, Clone, Deserialize)]
pub struct InstrumentWindow {
    pub id: String,
    #[serde(deserialize_with = "mechanism")]
    pub mechanism: TransferMechanism,
    pub regime: Regime,
    pub name: String,
    pub instrument: String,
    pub article: String,
    #[serde(flatten)]
    pub validity: Validity,
    /// First day on which new contracts may no longer be concluded on it (old SCCs).
    #[serde(default)]
    pub new_contracts_to: Option<NaiveDate>,
    /// How the source words `new_contracts_to`; required with it.
    #[serde(default)]
    pub new_contracts_until: Option<Until>,
    /// The earliest date a contract relied on under this regime may bear, where it differs from
    /// `effective_from` (contracts on the old SCCs concluded before the UK GDPR carried over).
    #[serde(default)]
    pub contracts_from: Option<NaiveDate>,
    /// Why contracts older than the regime's own window still count.
    #[serde(default)]
    pub contracts_from_reason: Option<String>,
    /// Not usable where the importer's processing is itself subject to this regime (Art 3(2)).
    #[serde(default)]
    pub not_for_importers_subject_to_regime: Option<String>,
    pub status: Status,
    /// The only destinations it can serve (Safe Harbor, Privacy Shield, DPF: the US).
    #[serde(default, deserialize_with = "optional_countries")]
    pub destinations: Option<Vec<CountryCode>>,
    /// An adequacy finding for certified importers rather than an Art 46 safeguard.
    #[serde(default)]
    pub adequacy_based: bool,
    /// The list an importer must be on for an adequacy-based mechanism.
    #[serde(default)]
    pub certification: Option<Scheme>,
    #[serde(default)]
    pub ended_by: Option<String>,
    /// When the clauses' text became public, if a contract may bear a date before `effective_from`.
    #[serde(default)]
    pub published: Option<Published>,
    /// The proviso under which contracts concluded before `new_contracts_to` ran on (old SCCs).
    #[serde(default)]
    pub transition_condition: Option<Condition>,
    /// When Module Four (processor to controller) needs the Clause 14 assessment.
    #[serde(default)]
    pub module_four: Option<Condition>,
    /// Why signed clauses with Modules Two and Three are the Art 28 contract (2021/914).
    #[serde(default)]
    pub processor_contract: Option<Condition>,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// A period in which sending data to a destination outside the area was, by law, not a transfer
/// to a third country at all (the 2021 EU-UK bridge, TCA Art 782): not an adequacy decision.
#[derive(Debug, Clone, Deserialize)]
pub struct NotATransfer {
    pub id: String,
    pub regime: Regime,
    #[serde(deserialize_with = "countries")]
    pub destinations: Vec<CountryCode>,
    pub name: String,
    pub instrument: String,
    pub article: String,
    /// The provision's own words, quoted in explanations.
    pub wording: String,
    /// What had to hold for the provision to apply.
    pub conditions: String,
    #[serde(flatten)]
    pub validity: Validity,
    /// Exporters for which it applied only if their state opted in (IS, LI, NO).
    #[serde(default)]
    pub conditional_exporters: Vec<ConditionalExporter>,
    #[serde(flatten)]
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ConditionalExporter {
    #[serde(deserialize_with = "country")]
    pub country: CountryCode,
    pub note: String,
    pub verify: Verify,
}

/// A change of the law that changes how a regime's transfers are explained from a date
/// (the UK's "data protection test" from 2026-02-05).
#[derive(Debug, Clone, Deserialize)]
pub struct Amendment {
    pub id: String,
    pub regime: Regime,
    pub name: String,
    pub instrument: String,
    pub effective_from: NaiveDate,
    /// What an explanation of an adequacy finding says from that date.
    pub adequacy_text: String,
    /// What an explanation of an Art 46 safeguard says from that date.
    pub safeguard_text: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// When Art 46 tools need a transfer impact (or risk) assessment under a regime.
#[derive(Debug, Clone, Deserialize)]
pub struct ImpactAssessmentRule {
    pub id: String,
    pub regime: Regime,
    pub name: String,
    pub instrument: String,
    pub article: String,
    #[serde(flatten)]
    pub validity: Validity,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// What a what-if question ends on a date: a transfer mechanism everywhere it applies (with the
/// adequacy decisions it stands for, e.g. the DPF), or one adequacy decision by its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hypothesis {
    Mechanism(TransferMechanism),
    Decision(String),
}

fn parse_country<E: serde::de::Error>(code: &str) -> Result<CountryCode, E> {
    CountryCode::parse(code)
        .ok_or_else(|| E::custom(format!("{code:?} is not an ISO country code")))
}

fn country<'de, D: Deserializer<'de>>(d: D) -> Result<CountryCode, D::Error> {
    parse_country(&String::deserialize(d)?)
}

/// Reads the contract spelling (`SCC_2021`) whether or not the enum's own names keep the
/// underscore before digits (strum and serde write `Scc2021` as `SCC2021`).
fn mechanism<'de, D: Deserializer<'de>>(d: D) -> Result<TransferMechanism, D::Error> {
    let name = String::deserialize(d)?.replace('_', "");
    (TransferMechanism::VARIANTS.iter())
        .find(|m| m.as_str().replace('_', "") == name)
        .copied()
        .ok_or_else(|| serde::de::Error::custom(format!("{name:?} is not a transfer mechanism")))
}

fn countries<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<CountryCode>, D::Error> {
    let codes = Vec::<String>::deserialize(d)?;
    codes.iter().map(|c| parse_country(c)).collect()
}

fn optional_countries<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<CountryCode>>, D::Error> {
    countries(d).map(Some)
}
