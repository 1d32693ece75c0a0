//! The reference data: parsing, the checks at start and the dates.

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
