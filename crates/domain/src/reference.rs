//! Transfer law as data: the areas, adequacy decisions, transfer instruments and impact-assessment
//! duties of `reference/transfer_law.json`, each with its dates, source and verification tag.
//!
//! A copy is compiled in, so a binary always carries the law it was reviewed with; a newer file
//! can replace it at start (`REGISTER_REFERENCE_FILE`), checked the same way. Dates are
//! half-open: an entry applies on `on` when `effective_from <= on < effective_to` (see the
//! `conventions` block of the file), and every end date says, with its source, whether the day
//! the source names is itself covered. Nothing here decides a transfer; `transfer::assess` does.

use super::{
    country::CountryCode,
    vocab::{Regime, TransferMechanism},
};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};
use std::collections::HashSet;
use strum::VariantArray;

const EMBEDDED: &str = include_str!("../../../reference/transfer_law.json");

#[derive(Debug, thiserror::Error)]
#[error("the legal reference data is invalid: {0}")]
pub struct ReferenceError(pub String);

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

    /// The last day covered.
    pub fn last_day(&self) -> Option<NaiveDate> {
        if self.day_included {
            Some(self.stated)
        } else {
            self.stated.pred_opt()
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

/// The whole reference, parsed and checked once at start.
#[derive(Debug, Clone, Deserialize)]
pub struct LegalReference {
    version: String,
    areas: Vec<Area>,
    adequacy: Vec<AdequacyDecision>,
    #[serde(default)]
    not_a_transfer: Vec<NotATransfer>,
    #[serde(default)]
    amendments: Vec<Amendment>,
    instruments: Vec<InstrumentWindow>,
    impact_assessments: Vec<ImpactAssessmentRule>,
}

impl LegalReference {
    /// Parses the reference data compiled into the binary.
    pub fn load() -> Result<Self, ReferenceError> {
        Self::parse(EMBEDDED)
    }

    /// The file at `path` if one is given (`REGISTER_REFERENCE_FILE`), else the compiled-in copy;
    /// either is checked in full, and a bad file is an error naming the file and the fault.
    pub fn load_from(path: Option<&std::path::Path>) -> Result<Self, ReferenceError> {
        let Some(path) = path else {
            return Self::load();
        };
        let json = std::fs::read_to_string(path)
            .map_err(|e| ReferenceError(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&json).map_err(|e| ReferenceError(format!("{}: {}", path.display(), e.0)))
    }

    /// Parses and checks reference data given as JSON text.
    pub fn parse(json: &str) -> Result<Self, ReferenceError> {
        let reference: Self =
            serde_json::from_str(json).map_err(|e| ReferenceError(e.to_string()))?;
        reference.check()?;
        Ok(reference)
    }

    /// Catches the mistakes a reviewer of the JSON could miss: duplicates and inverted dates.
    fn check(&self) -> Result<(), ReferenceError> {
        let fail = |what: String| Err(ReferenceError(what));
        if self.version.trim().is_empty() {
            return fail("the file has no version".into());
        }
        let mut ids = HashSet::new();
        let dated = self.areas.iter().map(|a| (a.regime.as_str(), &a.validity));
        let dated = dated
            .chain(self.adequacy.iter().map(|d| (d.id.as_str(), &d.validity)))
            .chain(
                self.not_a_transfer
                    .iter()
                    .map(|d| (d.id.as_str(), &d.validity)),
            )
            .chain(
                self.instruments
                    .iter()
                    .map(|w| (w.id.as_str(), &w.validity)),
            )
            .chain(
                self.impact_assessments
                    .iter()
                    .map(|t| (t.id.as_str(), &t.validity)),
            )
            .chain(
                self.areas
                    .iter()
                    .flat_map(|a| a.members.iter().map(|m| (m.country.as_str(), &m.validity))),
            );
        for (id, v) in dated {
            if v.effective_to.is_some_and(|to| to <= v.effective_from) {
                return fail(format!("{id} ends before it starts"));
            }
            check_until(id, "effective_to", v.effective_to, v.until.as_ref())?;
        }
        for w in &self.instruments {
            check_until(
                &w.id,
                "new_contracts_to",
                w.new_contracts_to,
                w.new_contracts_until.as_ref(),
            )?;
            if w.adequacy_based != w.certification.is_some() {
                return fail(format!(
                    "{}: an adequacy-based mechanism names its certification list, and only it",
                    w.id
                ));
            }
        }
        for d in &self.adequacy {
            if let AdequacyScope::Partial { description, .. }
            | AdequacyScope::CertifiedImporters { description, .. } = &d.scope
                && description.trim_start().to_lowercase().starts_with("only ")
            {
                return fail(format!(
                    "{}: write the scope without a leading \"only\" (explanations say \"covers only ...\")",
                    d.id
                ));
            }
        }
        for a in &self.areas {
            if let Some(p) = &a.predecessor {
                check_until(
                    a.regime.as_str(),
                    "predecessor",
                    Some(p.effective_to),
                    Some(&p.until),
                )?;
            }
        }
        let unique = (self.adequacy.iter().map(|d| d.id.as_str()))
            .chain(self.not_a_transfer.iter().map(|d| d.id.as_str()))
            .chain(self.amendments.iter().map(|d| d.id.as_str()))
            .chain(self.instruments.iter().map(|w| w.id.as_str()))
            .chain(self.impact_assessments.iter().map(|t| t.id.as_str()));
        for id in unique {
            if !ids.insert(id) {
                return fail(format!("the id {id} is used twice"));
            }
        }
        for regime in [Regime::EuGdpr, Regime::UkGdpr] {
            if self.areas.iter().filter(|a| a.regime == regime).count() != 1 {
                return fail(format!("{regime} needs exactly one area"));
            }
            if self
                .impact_assessments
                .iter()
                .filter(|t| t.regime == regime)
                .count()
                > 1
            {
                return fail(format!("{regime} has more than one impact-assessment rule"));
            }
        }
        let mut pairs = HashSet::new();
        for w in &self.instruments {
            if !pairs.insert((w.mechanism, w.regime)) {
                return fail(format!("{} is listed twice for {}", w.mechanism, w.regime));
            }
        }
        Ok(())
    }

    /// The same law, but with `what` ending on `ends_on` (the first day without effect): the
    /// reference a what-if question is answered with. Entries that end earlier are left alone.
    pub fn ending(&self, what: &Hypothesis, ends_on: NaiveDate) -> Result<Self, ReferenceError> {
        let mut out = self.clone();
        let end = |v: &mut Validity| {
            if v.effective_to.is_none_or(|to| to > ends_on) {
                v.effective_to = Some(ends_on.max(v.effective_from));
                v.until = Some(Until {
                    stated: ends_on,
                    day_included: false,
                    disputed: false,
                    wording: "assumed, for a what-if question, to end on this date".into(),
                    source: "what-if question".into(),
                });
            }
        };
        let label = match what {
            Hypothesis::Mechanism(m) => {
                let schemes: Vec<Scheme> = (out.instruments.iter())
                    .filter(|w| w.mechanism == *m)
                    .filter_map(|w| w.certification)
                    .collect();
                let mut found = false;
                for w in out.instruments.iter_mut().filter(|w| w.mechanism == *m) {
                    end(&mut w.validity);
                    found = true;
                }
                for d in &mut out.adequacy {
                    let stands_for = match &d.scope {
                        AdequacyScope::CertifiedImporters { scheme, .. } => {
                            schemes.contains(scheme)
                        }
                        _ => *m == TransferMechanism::Adequacy,
                    };
                    if stands_for {
                        end(&mut d.validity);
                        found = true;
                    }
                }
                if !found {
                    return Err(ReferenceError(format!(
                        "{m} is no mechanism of the reference"
                    )));
                }
                m.as_str().to_owned()
            }
            Hypothesis::Decision(id) => {
                let d = (out.adequacy.iter_mut().find(|d| d.id == *id))
                    .ok_or_else(|| ReferenceError(format!("no adequacy decision {id}")))?;
                end(&mut d.validity);
                // A decision for certified importers is also the mechanism named after it (DPF).
                let scheme = match &d.scope {
                    AdequacyScope::CertifiedImporters { scheme, .. } => Some(*scheme),
                    _ => None,
                };
                let (name, regime) = (d.name.clone(), d.regime);
                for w in (out.instruments.iter_mut())
                    .filter(|w| w.regime == regime && scheme.is_some() && w.certification == scheme)
                {
                    end(&mut w.validity);
                }
                name
            }
        };
        out.version = format!(
            "{} with the assumption that {label} ends on {ends_on}",
            self.version
        );
        Ok(out)
    }

    /// The version of the reference data in force (the date of its last review).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// A period in which sending data from `exporter` to `destination` was not a transfer at all.
    pub fn not_a_transfer_on(
        &self,
        regime: Regime,
        destination: CountryCode,
        on: NaiveDate,
    ) -> Option<&NotATransfer> {
        self.not_a_transfer.iter().find(|n| {
            n.regime == regime && n.destinations.contains(&destination) && n.validity.contains(on)
        })
    }

    /// Every such period, for display and for the tests' date tables.
    pub fn not_a_transfer(&self) -> &[NotATransfer] {
        &self.not_a_transfer
    }

    /// The amendments of `regime` in force on `on`.
    pub fn amendments_on(&self, regime: Regime, on: NaiveDate) -> impl Iterator<Item = &Amendment> {
        (self.amendments.iter()).filter(move |a| a.regime == regime && a.effective_from <= on)
    }

    /// Every amendment, for the tests' date tables.
    pub fn amendments(&self) -> &[Amendment] {
        &self.amendments
    }

    /// The decision of `regime` for the international organisation `id` on `on`.
    pub fn adequacy_for_organisation(
        &self,
        regime: Regime,
        id: &str,
        on: NaiveDate,
    ) -> Option<&AdequacyDecision> {
        self.adequacy.iter().find(|d| {
            d.regime == regime
                && matches!(&d.subject, AdequacySubject::InternationalOrganisation { id: i } if i == id)
                && d.validity.contains(on)
        })
    }

    /// How a sentence names the international organisation `id`, where the reference knows it.
    pub fn organisation_name(&self, id: &str) -> Option<&str> {
        self.adequacy.iter().find_map(|d| match &d.subject {
            AdequacySubject::InternationalOrganisation { id: i } if i == id => {
                Some(d.name.as_str())
            }
            _ => None,
        })
    }

    /// The international organisations the reference knows, with the decisions about them.
    pub fn international_organisations(&self) -> impl Iterator<Item = &str> {
        self.adequacy.iter().filter_map(|d| match &d.subject {
            AdequacySubject::InternationalOrganisation { id } => Some(id.as_str()),
            _ => None,
        })
    }

    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    pub fn area(&self, regime: Regime) -> Option<&Area> {
        self.areas.iter().find(|a| a.regime == regime)
    }

    /// Whether the regime applied at all on `on` (UK GDPR only from 2021-01-01).
    pub fn regime_in_force(&self, regime: Regime, on: NaiveDate) -> bool {
        self.area(regime).is_some_and(|a| a.validity.contains(on))
    }

    /// Whether `country` lies inside the exporting area of `regime` on `on` (EEA or UK).
    pub fn in_area(&self, regime: Regime, country: CountryCode, on: NaiveDate) -> bool {
        self.area(regime).is_some_and(|a| {
            a.validity.contains(on)
                && (a.members.iter()).any(|m| m.country == country && m.validity.contains(on))
        })
    }

    /// The regime of an exporter established in `country`, if it is in either area on `on`.
    pub fn regime_of(&self, country: CountryCode, on: NaiveDate) -> Option<Regime> {
        [Regime::EuGdpr, Regime::UkGdpr]
            .into_iter()
            .find(|r| self.in_area(*r, country, on))
    }

    /// Every adequacy decision and data bridge, past and present, for display.
    pub fn adequacy_decisions(&self) -> &[AdequacyDecision] {
        &self.adequacy
    }

    /// The decisions of `regime` that ever covered (or will cover) `country`, oldest first.
    pub fn adequacy_history(
        &self,
        regime: Regime,
        country: CountryCode,
    ) -> impl Iterator<Item = &AdequacyDecision> {
        (self.adequacy.iter()).filter(move |d| d.regime == regime && d.subject.covers(country))
    }

    /// The decision of `regime` covering `country` on `on`, scope not yet checked.
    pub fn adequacy_on(
        &self,
        regime: Regime,
        country: CountryCode,
        on: NaiveDate,
    ) -> Option<&AdequacyDecision> {
        self.adequacy_history(regime, country)
            .find(|d| d.validity.contains(on))
    }

    pub fn instruments(&self) -> &[InstrumentWindow] {
        &self.instruments
    }

    /// The mechanism's window under `regime`; `None` means it is no tool of that regime at all.
    pub fn instrument(
        &self,
        mechanism: TransferMechanism,
        regime: Regime,
    ) -> Option<&InstrumentWindow> {
        (self.instruments.iter()).find(|w| w.mechanism == mechanism && w.regime == regime)
    }

    pub fn impact_assessment(&self, regime: Regime) -> Option<&ImpactAssessmentRule> {
        self.impact_assessments.iter().find(|t| t.regime == regime)
    }
}

/// An end date must say how its source words it, and the two must agree.
fn check_until(
    id: &str,
    what: &str,
    to: Option<NaiveDate>,
    until: Option<&Until>,
) -> Result<(), ReferenceError> {
    match (to, until) {
        (None, None) => Ok(()),
        (Some(to), Some(u)) if u.first_day_after() == Some(to) => {
            if u.wording.trim().is_empty() || u.source.trim().is_empty() {
                Err(ReferenceError(format!(
                    "{id}: the end of {what} needs its wording and source"
                )))
            } else {
                Ok(())
            }
        }
        (Some(to), Some(u)) => Err(ReferenceError(format!(
            "{id}: {what} is {to}, but its source's date {} {} the day itself",
            u.stated,
            if u.day_included {
                "includes"
            } else {
                "excludes"
            }
        ))),
        (Some(_), None) => Err(ReferenceError(format!(
            "{id}: {what} needs an `until` block saying whether the stated day is included, with its source"
        ))),
        (None, Some(_)) => Err(ReferenceError(format!(
            "{id}: an `until` block without an end date"
        ))),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    fn cc(s: &str) -> CountryCode {
        CountryCode::parse(s).expect("test country")
    }

    fn reference() -> LegalReference {
        LegalReference::load().expect("the embedded reference loads")
    }

    #[test]
    fn the_embedded_file_loads_with_every_entry_the_register_relies_on() {
        let r = reference();
        let ids: HashSet<&str> = (r.adequacy_decisions().iter().map(|d| d.id.as_str()))
            .chain(r.instruments().iter().map(|w| w.id.as_str()))
            .chain(r.impact_assessments.iter().map(|t| t.id.as_str()))
            .collect();
        let expected = "EU-AD EU-AR EU-BR EU-CA EU-FO EU-GG EU-IL EU-IM EU-JP EU-JE EU-NZ EU-KR EU-CH \
            EU-GB-2021 EU-GB-2025 EU-US-DPF EU-UY EU-EPO UK-EEA UK-GI UK-EU-RECOGNISED UK-FO UK-CA \
            UK-JP UK-KR UK-US EU-SCC-2021 EU-SCC-OLD UK-SCC-OLD UK-IDTA UK-ADDENDUM EU-SAFE-HARBOUR \
            EU-PRIVACY-SHIELD UK-PRIVACY-SHIELD EU-US-DPF-MECHANISM UK-US-DPF-MECHANISM EU-BCR UK-BCR \
            EU-CODE-OF-CONDUCT UK-CODE-OF-CONDUCT EU-CERTIFICATION UK-CERTIFICATION EU-DEROGATION \
            UK-DEROGATION EU-TIA UK-TRA";
        for id in expected.split_whitespace() {
            assert!(ids.contains(id), "{id} is missing");
        }
        let eea = r.area(Regime::EuGdpr).expect("EEA");
        assert_eq!(
            eea.members
                .iter()
                .filter(|m| m.validity.effective_to.is_none())
                .count(),
            37
        );
        for m in r.instruments() {
            assert!(!m.provenance.source.is_empty(), "{} has no source", m.id);
        }
    }

    #[test]
    fn the_reference_can_be_shared_across_requests() {
        fn shareable<T: Clone + std::fmt::Debug + Send + Sync + 'static>() {}
        shareable::<LegalReference>();
    }

    #[test]
    fn every_eu_adequacy_destination_is_covered_today() {
        let r = reference();
        let today = day("2026-11-24");
        for code in "AD AR BR CA FO GG IL IM JP JE NZ KR CH GB UY US".split(' ') {
            assert!(
                r.adequacy_on(Regime::EuGdpr, cc(code), today).is_some(),
                "{code}"
            );
        }
        for code in "CH AD AR GG IM IL JE NZ UY FO CA JP KR US GI DE IS".split(' ') {
            assert!(
                r.adequacy_on(Regime::UkGdpr, cc(code), today).is_some(),
                "UK {code}"
            );
        }
        assert!(r.adequacy_on(Regime::EuGdpr, cc("GI"), today).is_none());
        assert!(r.adequacy_on(Regime::UkGdpr, cc("BR"), today).is_none());
    }

    #[test]
    fn the_epo_is_an_international_organisation_not_a_country() {
        let r = reference();
        let epo = (r.adequacy_decisions().iter()).find(|d| d.id == "EU-EPO");
        let subject = epo.map(|d| d.subject.clone());
        assert_eq!(
            subject,
            Some(AdequacySubject::InternationalOrganisation { id: "EPO".into() })
        );
    }

    #[test]
    fn decisions_start_and_end_on_their_dates() {
        let r = reference();
        let id = |c: &str, on: &str| {
            r.adequacy_on(Regime::EuGdpr, cc(c), day(on))
                .map(|d| d.id.clone())
        };
        // The 2021 bridge was no adequacy decision: sending data to the UK was not a transfer.
        assert_eq!(id("GB", "2021-06-27"), None);
        let bridge = |on: &str| {
            r.not_a_transfer_on(Regime::EuGdpr, cc("GB"), day(on))
                .map(|n| n.id.clone())
        };
        assert_eq!(bridge("2020-12-31"), None);
        assert_eq!(bridge("2021-01-01").as_deref(), Some("EU-GB-TCA-BRIDGE"));
        assert_eq!(bridge("2021-06-27").as_deref(), Some("EU-GB-TCA-BRIDGE"));
        assert_eq!(bridge("2021-06-28"), None);
        assert_eq!(id("GB", "2021-06-28").as_deref(), Some("EU-GB-2021"));
        assert_eq!(id("GB", "2025-12-26").as_deref(), Some("EU-GB-2021"));
        assert_eq!(id("GB", "2025-12-27").as_deref(), Some("EU-GB-2025"));
        assert_eq!(id("GB", "2031-12-27"), None);
        assert_eq!(id("US", "2023-07-09"), None);
        assert_eq!(id("US", "2023-07-10").as_deref(), Some("EU-US-DPF"));
        assert_eq!(id("BR", "2026-01-25"), None);
        let uk = |c: &str, on: &str| r.adequacy_on(Regime::UkGdpr, cc(c), day(on)).is_some();
        assert!(!uk("KR", "2022-12-18") && uk("KR", "2022-12-19"));
        assert!(!uk("US", "2023-10-11") && uk("US", "2023-10-12"));
    }

    #[test]
    fn the_uk_moves_from_the_eea_to_its_own_area_on_2021_01_01() {
        let r = reference();
        assert_eq!(
            r.regime_of(cc("GB"), day("2020-12-31")),
            Some(Regime::EuGdpr)
        );
        assert_eq!(
            r.regime_of(cc("GB"), day("2021-01-01")),
            Some(Regime::UkGdpr)
        );
        assert!(!r.regime_in_force(Regime::UkGdpr, day("2020-12-31")));
        assert_eq!(
            r.regime_of(cc("NO"), day("2026-01-01")),
            Some(Regime::EuGdpr)
        );
        assert_eq!(
            r.regime_of(cc("RE"), day("2026-01-01")),
            Some(Regime::EuGdpr)
        );
        assert_eq!(r.regime_of(cc("HR"), day("2013-06-30")), None);
        assert_eq!(
            r.regime_of(cc("HR"), day("2013-07-01")),
            Some(Regime::EuGdpr)
        );
        for outside in ["CH", "GL", "FO", "SJ", "GI", "US"] {
            assert_eq!(
                r.regime_of(cc(outside), day("2026-01-01")),
                None,
                "{outside}"
            );
        }
        let eea = r
            .area(Regime::EuGdpr)
            .map(|a| a.law_on(day("2018-05-24")).to_owned());
        assert!(eea.is_some_and(|law| law.contains("95/46")));
    }

    #[test]
    fn broken_reference_data_is_refused_with_a_reason() {
        let good: serde_json::Value = serde_json::from_str(EMBEDDED).expect("json");
        let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            edit(&mut v);
            LegalReference::parse(&v.to_string())
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        assert_eq!(broken(&|_| {}), Ok(()));
        let bad_country = broken(&|v| v["areas"][0]["members"][0]["country"] = "XX".into());
        assert!(bad_country.is_err_and(|e| e.contains("XX")));
        let no_end = broken(&|v| {
            if let Some(o) = v["instruments"][0].as_object_mut() {
                o.remove("effective_to");
            }
        });
        assert!(no_end.is_err_and(|e| e.contains("effective_to")));
        let inverted = broken(&|v| v["adequacy"][0]["effective_to"] = "1999-01-01".into());
        assert!(inverted.is_err_and(|e| e.contains("ends before it starts")));
        let twice = broken(&|v| v["adequacy"][1]["id"] = "EU-AD".into());
        assert!(twice.is_err_and(|e| e.contains("used twice")));
    }
}
