//! The reference data as users read it: adequacy decisions with their source and verification.

use super::transfer::VerificationLevel;
use crate::{
    domain::reference::{AdequacyScope, AdequacySubject},
    enums::Regime,
    scalars::Date,
};
use async_graphql::{Context, Object, Result};

/// How the source of an end date words it, and whether the day it names is still covered.
pub struct EndOfValidity(pub crate::domain::reference::Until);

/// How the source of an end date words it, and whether the day it names is still covered.
#[Object]
impl EndOfValidity {
    /// The date as the source states it.
    async fn stated(&self) -> Date {
        self.0.stated.into()
    }
    /// Whether the stated day itself is still covered.
    async fn day_included(&self) -> bool {
        self.0.day_included
    }
    /// Sources disagree on whether the day is covered; `dayIncluded` is the register's reading.
    async fn disputed(&self) -> bool {
        self.0.disputed
    }
    /// The words of the source that fix the date.
    async fn wording(&self) -> &str {
        &self.0.wording
    }
    /// The public source of those words.
    async fn source(&self) -> &str {
        &self.0.source
    }
}

/// An EU adequacy decision (Art 45) or a UK adequacy regulation ("data bridge").
pub struct AdequacyDecision(pub crate::domain::reference::AdequacyDecision);

/// An adequacy decision of the European Commission (GDPR Art 45, including decisions under
/// Directive 95/46/EC kept by Art 45(9)), or UK adequacy regulations (UK GDPR Art 45), as the
/// reference data record it, with its source.
#[Object]
impl AdequacyDecision {
    /// The entry's id in `reference/transfer_law.json`.
    async fn id(&self) -> &str {
        &self.0.id
    }
    /// The regime whose exports it covers.
    async fn regime(&self) -> Regime {
        self.0.regime.into()
    }
    /// The country, territory or organisation covered, as people call it.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The countries or territories it covers (empty for an international organisation).
    async fn countries(&self) -> Vec<String> {
        match &self.0.subject {
            AdequacySubject::Country { code } | AdequacySubject::Territory { code } => {
                vec![code.to_string()]
            }
            AdequacySubject::Countries { codes } => codes.iter().map(ToString::to_string).collect(),
            AdequacySubject::InternationalOrganisation { .. } => Vec::new(),
        }
    }
    /// The international organisation it covers (the European Patent Organisation: `EPO`).
    async fn international_organisation(&self) -> Option<&str> {
        match &self.0.subject {
            AdequacySubject::InternationalOrganisation { id } => Some(id),
            _ => None,
        }
    }
    /// `full`, or the limits of its scope (e.g. only recipients subject to PIPEDA).
    async fn scope(&self) -> &str {
        match &self.0.scope {
            AdequacyScope::Full => "full",
            AdequacyScope::Partial { description, .. }
            | AdequacyScope::CertifiedImporters { description, .. } => description,
        }
    }
    /// Only importers certified under a scheme (the EU-US Data Privacy Framework) are covered.
    async fn certified_importers_only(&self) -> bool {
        matches!(self.0.scope, AdequacyScope::CertifiedImporters { .. })
    }
    /// The act: name and number (e.g. Commission Implementing Decision (EU) 2023/1795).
    async fn instrument(&self) -> &str {
        &self.0.instrument
    }
    /// When the act was adopted or made.
    async fn decided_on(&self) -> Date {
        self.0.decided_on.into()
    }
    /// The first day transfers could rely on it.
    async fn effective_from(&self) -> Date {
        self.0.validity.effective_from.into()
    }
    /// The first day it no longer applied, if it stopped.
    async fn effective_to(&self) -> Option<Date> {
        self.0.validity.effective_to.map(Date::from)
    }
    /// How well this entry was verified when the reference data were prepared.
    async fn verification(&self) -> VerificationLevel {
        self.0.provenance.verify.into()
    }
    /// The finer-grained tag where the source mixed several (e.g. date verified, number not).
    async fn verification_detail(&self) -> Option<&str> {
        self.0.provenance.verify_detail.as_deref()
    }
    /// The public sources of the entry (EUR-Lex, legislation.gov.uk, the Commission, ...).
    async fn source(&self) -> &str {
        &self.0.provenance.source
    }
    /// What a reader should know besides: open questions, pending challenges, limits.
    async fn notes(&self) -> Option<&str> {
        self.0.provenance.notes.as_deref()
    }
    /// The version of the legal reference data this entry comes from (the data in force in the
    /// service, which a newer file given by `REGISTER_REFERENCE_FILE` may replace).
    async fn reference_version(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(crate::context::request(ctx)?.reference.version().to_owned())
    }
    /// For an entry that ended or will end: the end date as its source states it, whether that
    /// day itself is covered, and the source.
    async fn end(&self) -> Option<EndOfValidity> {
        self.0.validity.until.clone().map(EndOfValidity)
    }
}
