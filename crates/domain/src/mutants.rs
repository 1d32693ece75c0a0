//! Tests written against the mutants `cargo mutants` found the identifier and seal tests let
//! through (see the README's testing section): what the parsed identifiers hand out, that
//! `Debug` never shows personal data or the key, that a truncated sealed value is refused
//! rather than panicking, and which refusal a phone number gets.

use crate::{
    country::CountryCode,
    dsr::seal::{SealError, Sealer},
    identifier::{AccountNumber, Email, Phone, PhoneRegion, SubjectIdentifiers},
};
use base64::{Engine, engine::general_purpose::STANDARD};

#[test]
fn parsed_identifiers_hand_out_each_normalised_value() {
    let ids = SubjectIdentifiers::parse(
        Some(" Ada@Example.com "),
        Some("+44 20 7946 0958"),
        Some("ACC-001"),
        None,
    )
    .expect("valid identifiers");
    assert_eq!(ids.email().map(Email::as_str), Some("ada@example.com"));
    assert_eq!(ids.phone().map(Phone::as_str), Some("+442079460958"));
    assert_eq!(
        ids.account_number().map(AccountNumber::as_str),
        Some("ACC-001")
    );
    let only_email =
        SubjectIdentifiers::parse(Some("ada@example.com"), None, None, None).expect("valid");
    assert!(only_email.phone().is_none() && only_email.account_number().is_none());
}

#[test]
fn debug_output_never_shows_an_identifier_or_the_key() {
    let email = Email::parse("ada@example.com").expect("valid");
    assert_eq!(format!("{email:?}"), "Email(..)");
    let account = AccountNumber::parse("ACC-001").expect("valid");
    assert_eq!(format!("{account:?}"), "AccountNumber(..)");
    let sealer = Sealer::new(b"a-service-secret-of-some-length");
    assert_eq!(format!("{sealer:?}"), "Sealer(..)");
}

#[test]
fn a_sealed_value_shorter_than_its_nonce_is_refused_without_a_panic() {
    let sealer = Sealer::new(b"a-service-secret-of-some-length");
    for len in [0, 1, 23, 24, 40] {
        let short = format!("v1:{}", STANDARD.encode(vec![7u8; len]));
        let opened = std::panic::catch_unwind(|| sealer.open(&short, "dsr_request:1"));
        assert_eq!(opened.ok(), Some(Err(SealError)), "{len} bytes");
    }
}

fn gb() -> Option<PhoneRegion> {
    CountryCode::parse("GB").and_then(PhoneRegion::new)
}

#[test]
fn a_phone_number_is_never_shown_by_debug() {
    let phone = Phone::parse("+44 20 7946 0958", None).expect("valid");
    assert_eq!(format!("{phone:?}"), "Phone(..)");
}

#[test]
fn too_many_digits_are_refused_as_such() {
    let long = format!("+{}", "4".repeat(21));
    let refused = Phone::parse(&long, None).expect_err("21 digits");
    assert!(
        refused.message.contains("too many digits"),
        "{}",
        refused.message
    );
}

#[test]
fn only_a_number_read_as_national_blames_the_default_country() {
    let national = Phone::parse("020 7946 095", gb()).expect_err("a digit short");
    assert!(
        national.message.contains("default country, GB"),
        "{}",
        national.message
    );
    let international = Phone::parse("+44 20 7946 095", gb()).expect_err("a digit short");
    assert!(
        !international.message.contains("default country"),
        "{}",
        international.message
    );
}

/// The audit chain's key says what it is in a log line and never shows a byte of itself: an
/// empty `Debug` would hide that a key was there at all.
#[test]
fn the_chain_key_is_named_but_never_shown_in_debug() {
    let key = crate::audit::ChainKey::derive(b"a secret long enough for the register");
    let shown = format!("{key:?}");
    assert_eq!(shown, "ChainKey(..)");
    let mac = key.mac(b"x");
    assert!(!shown.contains(&mac[..8]));
}

/// The action a holder is asked for follows from what it must erase and what it keeps under
/// restriction; the receiver branches on these exact words, so each one is pinned.
#[test]
fn an_erasure_task_asks_for_erase_restrict_or_both() {
    use crate::dsr::delivery::erasure_action;
    let some = vec!["contact.email".to_owned()];
    assert_eq!(erasure_action(&some, 0), "ERASE");
    assert_eq!(erasure_action(&[], 0), "ERASE");
    assert_eq!(erasure_action(&[], 2), "RESTRICT");
    assert_eq!(erasure_action(&some, 1), "ERASE_AND_RESTRICT");
}
