//! The identifier normalisers never panic, and what they accept is already normal
//! (parsing the normalised form again gives the same form).
#![no_main]

use libfuzzer_sys::fuzz_target;
use transfer_register::domain::{
    country::CountryCode,
    identifier::{PhoneRegion, SubjectIdentifiers},
};

fuzz_target!(|input: (&str, &str, &str, bool)| {
    let (email, phone, account, with_region) = input;
    let region = with_region
        .then(|| CountryCode::parse("GB").and_then(PhoneRegion::new))
        .flatten();
    if let Ok(ids) = SubjectIdentifiers::parse(Some(email), Some(phone), Some(account), region) {
        let normal: Vec<(_, String)> = ids.iter().map(|(k, v)| (k, v.to_string())).collect();
        let get = |kind| {
            normal
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, v)| v.as_str())
        };
        use transfer_register::domain::identifier::IdentifierKind::*;
        let again = SubjectIdentifiers::parse(get(Email), get(Phone), get(AccountNumber), region)
            .expect("a normalised identifier parses again");
        let again: Vec<(_, String)> = again.iter().map(|(k, v)| (k, v.to_string())).collect();
        assert_eq!(normal, again, "normalisation is idempotent");
    }
});
