//! The reference data as users read it: adequacy decisions with their source and verification.

use super::transfer::VerificationLevel;
use crate::{
    domain::reference::{AdequacyScope, AdequacySubject},
    graphql::{enums::Regime, scalars::Date},
};
use async_graphql::Object;

/// An EU adequacy decision (Art 45) or a UK adequacy regulation ("data bridge").
pub struct AdequacyDecision(pub crate::domain::reference::AdequacyDecision);

#[Object]
impl AdequacyDecision {
    /// The entry's id in `reference/transfer_law.json`.
    async fn id(&self) -> &str {
        &self.0.id
    }
    async fn regime(&self) -> Regime {
        self.0.regime.into()
    }
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
    async fn instrument(&self) -> &str {
        &self.0.instrument
    }
    async fn decided_on(&self) -> Date {
        self.0.decided_on.into()
    }
    async fn effective_from(&self) -> Date {
        self.0.validity.effective_from.into()
    }
    /// The first day it no longer applied, if it stopped.
    async fn effective_to(&self) -> Option<Date> {
        self.0.validity.effective_to.map(Date::from)
    }
    async fn verification(&self) -> VerificationLevel {
        self.0.provenance.verify.into()
    }
    /// The finer-grained tag where the source mixed several (e.g. date verified, number not).
    async fn verification_detail(&self) -> Option<&str> {
        self.0.provenance.verify_detail.as_deref()
    }
    async fn source(&self) -> &str {
        &self.0.provenance.source
    }
    async fn notes(&self) -> Option<&str> {
        self.0.provenance.notes.as_deref()
    }
}
