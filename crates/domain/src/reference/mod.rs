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
    vocab::{Derogation, Regime, TransferMechanism},
};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashSet;

const EMBEDDED: &str = include_str!("../../../../reference/transfer_law.json");

#[derive(Debug, thiserror::Error)]
#[error("the legal reference data is invalid: {0}")]
pub struct ReferenceError(pub String);

mod facts;

pub use facts::*;

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
    /// The points of Art 49(1), each once.
    #[serde(default)]
    derogations: Vec<DerogationRule>,
    /// The international organisations (and the EU's own bodies) a flow may name as importer.
    #[serde(default)]
    organisations: Vec<KnownOrganisation>,
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
    #[allow(
        clippy::too_many_lines,
        reason = "one check per kind of reference entry, in the order of the file"
    )]
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
        for d in &self.adequacy {
            if let AdequacySubject::InternationalOrganisation { id } = &d.subject
                && self.organisation(id).is_none()
            {
                return fail(format!(
                    "{}: the organisation {id} is not in the list of organisations",
                    d.id
                ));
            }
        }
        let mut orgs = HashSet::new();
        for o in &self.organisations {
            if !orgs.insert(o.id.as_str()) {
                return fail(format!("the organisation {} is listed twice", o.id));
            }
        }
        if !self.derogations.is_empty() {
            for point in <Derogation as strum::VariantArray>::VARIANTS {
                let n = self
                    .derogations
                    .iter()
                    .filter(|d| d.point == *point)
                    .count();
                if n != 1 {
                    return fail(format!("the derogation {point} is listed {n} times"));
                }
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
                    disputed_sources: None,
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
        self.organisation(id).map(|o| o.name.as_str())
    }

    /// The international organisation (or the EU's own bodies) `id` of the reference list.
    pub fn organisation(&self, id: &str) -> Option<&KnownOrganisation> {
        self.organisations.iter().find(|o| o.id == id)
    }

    /// The ids of the organisations a flow may name as importer.
    pub fn international_organisations(&self) -> impl Iterator<Item = &str> {
        self.organisations.iter().map(|o| o.id.as_str())
    }

    /// How the point `d` of Art 49(1) treats a regular or continuing flow.
    pub fn derogation(&self, d: Derogation) -> Option<&DerogationRule> {
        self.derogations.iter().find(|r| r.point == d)
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

#[cfg(test)]
mod tests;
