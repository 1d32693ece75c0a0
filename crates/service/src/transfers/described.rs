//! `assessTransfer`: a transfer described by hand, judged by the same rules as the register's;
//! nothing is read or stored. The resolver parses what the caller typed (countries, dates,
//! vocabularies); the rules of the description are here.

use super::{FlowAssessment, what_if};
use crate::{
    domain::{country::CountryCode, reference::LegalReference, transfer::Transfer, vocab::Regime},
    error::{AppError, AppResult},
    validate,
};
use chrono::NaiveDate;

/// The regime the described data are under: the one given, else the exporter's country's.
pub fn described_regime(
    reference: &LegalReference,
    given: Option<Regime>,
    from: CountryCode,
    on: NaiveDate,
) -> AppResult<Regime> {
    match given {
        Some(regime) => Ok(regime),
        None => reference.regime_of(from, on).ok_or_else(|| {
            AppError::bad_input(
                "regime",
                "fromCountry is outside the EEA and the UK: give the regime of the data",
            )
        }),
    }
}

/// The free-text facts of a described transfer, as typed.
#[derive(Debug, Default, Clone, Copy)]
pub struct DescribedTexts<'a> {
    pub evidence: Option<&'a str>,
    pub importer_international_organisation: Option<&'a str>,
    pub exporter_bcr_group: Option<&'a str>,
    pub importer_bcr_group: Option<&'a str>,
}

/// Checks the texts (their lengths; the international organisation against the reference's
/// list), adds them to `transfer` and judges it on `on`.
pub fn assess_described(
    reference: &LegalReference,
    mut transfer: Transfer,
    texts: DescribedTexts<'_>,
    on: NaiveDate,
) -> AppResult<FlowAssessment> {
    transfer.safeguard_evidence = validate::optional_text("evidence", texts.evidence, 2000)?;
    transfer.importer_international_organisation = validate::international_organisation(
        reference,
        "importerInternationalOrganisation",
        texts.importer_international_organisation,
    )?;
    transfer.exporter_bcr_group =
        validate::optional_text("exporterBcrGroup", texts.exporter_bcr_group, 200)?;
    transfer.importer_bcr_group =
        validate::optional_text("importerBcrGroup", texts.importer_bcr_group, 200)?;
    Ok(what_if(reference, &transfer, on))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test that unwraps fails loudly")]
mod tests {
    use super::*;
    use crate::domain::vocab::{TransferMechanism, VerdictStatus};

    fn code(c: &str) -> CountryCode {
        CountryCode::parse(c).unwrap()
    }

    #[test]
    fn the_regime_is_the_exporter_s_unless_given_and_a_third_country_exporter_must_give_it() {
        let reference = &LegalReference::load().unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let de = described_regime(reference, None, code("DE"), on).unwrap();
        assert_eq!(de, Regime::EuGdpr);
        assert_eq!(
            described_regime(reference, None, code("GB"), on).unwrap(),
            Regime::UkGdpr
        );
        let refused = described_regime(reference, None, code("US"), on).unwrap_err();
        assert!(matches!(refused, AppError::BadInput { ref field, .. } if field == "regime"));
        assert_eq!(
            described_regime(reference, Some(Regime::UkGdpr), code("US"), on).unwrap(),
            Regime::UkGdpr
        );
    }

    #[test]
    fn the_texts_are_checked_before_the_transfer_is_judged() {
        let reference = &LegalReference::load().unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let t = Transfer::new(
            Regime::EuGdpr,
            code("DE"),
            code("JP"),
            TransferMechanism::Adequacy,
        );
        let judged = assess_described(reference, t.clone(), DescribedTexts::default(), on).unwrap();
        assert_eq!(judged.verdict.status, VerdictStatus::Adequate);
        let long = "x".repeat(201);
        let texts = DescribedTexts {
            importer_bcr_group: Some(&long),
            ..DescribedTexts::default()
        };
        let refused = assess_described(reference, t.clone(), texts, on).unwrap_err();
        assert!(
            matches!(refused, AppError::BadInput { ref field, .. } if field == "importerBcrGroup")
        );
        let texts = DescribedTexts {
            importer_international_organisation: Some("NOT-AN-ORGANISATION"),
            ..DescribedTexts::default()
        };
        let refused = assess_described(reference, t, texts, on).unwrap_err();
        assert!(matches!(
            refused,
            AppError::BadInput { ref field, .. } if field == "importerInternationalOrganisation"
        ));
    }
}
