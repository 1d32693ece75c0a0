//! The sentences that mark which facts of a verdict are not confirmed against the official text,
//! and the instrument a verdict rests on.

use super::{
    super::{InstrumentRef, Transfer, rules::Basis},
    the,
};
use crate::reference::{LegalReference, Verify};
use chrono::NaiveDate;

/// Sentences marking the facts the verdict used that are not confirmed against the official text.
#[allow(
    clippy::too_many_lines,
    reason = "one check per kind of fact the verdict used, in the order of the explanation"
)]
pub(super) fn unverified(
    r: &LegalReference,
    t: &Transfer,
    on: NaiveDate,
    basis: &Basis,
) -> Vec<String> {
    let mut facts: Vec<(String, Verify, Option<&str>)> = Vec::new();
    match basis {
        Basis::Adequacy(d) => facts.push((
            d.instrument.clone(),
            d.provenance.verify,
            d.provenance.verify_detail.as_deref(),
        )),
        Basis::AdequacyScheme(w) | Basis::Safeguard(w) | Basis::Derogation(w, _) => facts.push((
            format!("the register's entry for the {}", w.name),
            w.provenance.verify,
            w.provenance.verify_detail.as_deref(),
        )),
        Basis::NotATransfer(n) => {
            facts.push((
                n.instrument.clone(),
                n.provenance.verify,
                n.provenance.verify_detail.as_deref(),
            ));
            if let Some(c) =
                (n.conditional_exporters.iter()).find(|c| c.country == t.exporter_country)
            {
                facts.push((
                    format!("whether the bridge applied to exporters in {}", c.country),
                    c.verify,
                    None,
                ));
            }
        }
        Basis::InsideArea(area) => {
            let member = (area.members.iter())
                .find(|m| m.country == t.destination && m.validity.contains(on));
            if let Some(m) = member {
                facts.push((
                    format!(
                        "the date from which {} belongs to the {}",
                        m.country, area.name
                    ),
                    m.verify,
                    m.notes.as_deref().filter(|_| m.verify.is_unverified()),
                ));
            }
        }
        Basis::EuInstitution(body) => facts.push((
            format!("the reading that {} are no third country", the(&body.name)),
            body.provenance.verify,
            body.provenance.verify_detail.as_deref(),
        )),
        Basis::RegimeNotInForce | Basis::Nothing => {}
    }
    if let Basis::Safeguard(w) = basis {
        if let Some(c) = (w.transition_condition.as_ref())
            .filter(|_| w.new_contracts_to.is_some_and(|n| n <= on))
        {
            facts.push((
                format!("the proviso of the transition for the {}", w.name),
                c.provenance.verify,
                c.provenance.verify_detail.as_deref(),
            ));
        }
        if let Some(c) =
            (w.module_four.as_ref()).filter(|_| t.scc_module == Some(crate::vocab::SccModule::P2c))
        {
            facts.push((
                "the reading of Module Four of the clauses".to_owned(),
                c.provenance.verify,
                c.provenance.verify_detail.as_deref(),
            ));
        }
    }
    if let Basis::Derogation(_, Some(d)) = basis
        && let Some(reading) = r.derogation(*d)
    {
        facts.push((
            format!("the reading of Art 49{}", reading.label),
            reading.provenance.verify,
            reading.provenance.verify_detail.as_deref(),
        ));
    }
    let rule = r
        .impact_assessment(t.regime)
        .filter(|rule| rule.validity.contains(on));
    if let (Basis::Safeguard(_), Some(rule)) = (basis, rule) {
        facts.push((
            format!("the date from which a {} is required", rule.name),
            rule.provenance.verify,
            None,
        ));
    }
    let mut out = Vec::new();
    for (what, verify, detail) in facts {
        if verify.is_unverified() {
            out.push(format!(
                "Not confirmed: {} {}; check it before relying on it.",
                what,
                verify.plain()
            ));
        }
        if let Some(detail) = detail {
            out.push(detail.trim().to_owned());
        }
    }
    out
}

pub(super) fn instrument_ref(basis: &Basis) -> Option<InstrumentRef> {
    match basis {
        Basis::Adequacy(d) => Some(InstrumentRef {
            id: d.id.clone(),
            name: d.name.clone(),
            instrument: d.instrument.clone(),
            article: d.article.clone(),
            effective_from: d.validity.effective_from,
            effective_to: d.validity.effective_to,
            verify: d.provenance.verify,
        }),
        Basis::AdequacyScheme(w) | Basis::Safeguard(w) | Basis::Derogation(w, _) => {
            Some(InstrumentRef {
                id: w.id.clone(),
                name: w.name.clone(),
                instrument: w.instrument.clone(),
                article: w.article.clone(),
                effective_from: w.validity.effective_from,
                effective_to: w.validity.effective_to,
                verify: w.provenance.verify,
            })
        }
        Basis::RegimeNotInForce
        | Basis::InsideArea(_)
        | Basis::NotATransfer(_)
        | Basis::EuInstitution(_)
        | Basis::Nothing => None,
    }
}
