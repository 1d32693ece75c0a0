//! The bodies of the fuzz targets (`fuzz/fuzz_targets/`), here so that stable Rust runs them too.
//!
//! `cargo +nightly fuzz run <target>` feeds them libFuzzer's coverage-guided inputs; on stable,
//! `cargo test --workspace` feeds them a fixed corpus and a bounded number of inputs from a seeded
//! generator (the tests below). Each body decodes its facts from raw bytes and panics when an
//! invariant fails, which is what both drivers look for.
#![allow(
    clippy::missing_panics_doc,
    reason = "a fuzz target panics on a broken invariant: that is its report"
)]

use crate::{
    country::CountryCode,
    identifier::{IdentifierKind, PhoneRegion, SubjectIdentifiers},
    reference::LegalReference,
    transfer::{Certifications, ExporterRole, Transfer, assess, assess_brief},
    vocab::{Derogation, RecipientRole, Regime, SccModule, TransferMechanism, VerdictStatus},
};
use chrono::NaiveDate;
use std::sync::OnceLock;
use strum::VariantArray;

/// Reads facts from the front of a byte string; past its end every read is zero (or `None`).
pub struct Facts<'a>(&'a [u8]);

impl<'a> Facts<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// `None` or a value, as the next byte says.
    pub fn maybe<T>(&mut self, read: impl FnOnce(&mut Self) -> T) -> Option<T> {
        self.flag().then(|| read(self))
    }

    /// A string of up to 255 bytes (its length first), invalid UTF-8 replaced.
    pub fn text(&mut self) -> String {
        let len = usize::from(self.byte()).min(self.0.len());
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(text).into_owned()
    }

    /// One of `all`, chosen by the next byte.
    pub fn pick<T: Copy>(&mut self, all: &[T]) -> T {
        all[usize::from(self.byte()) % all.len()]
    }

    /// A day between 1995 and 2040.
    pub fn day(&mut self) -> NaiveDate {
        NaiveDate::from_ymd_opt(1995, 1, 1).unwrap_or(NaiveDate::MIN)
            + chrono::Days::new(u64::from(self.u16()) % 16_500)
    }
}

/// The identifier normalisers never panic, and what they accept is already normal: parsing the
/// normalised form again gives the same form. Whether the input was accepted (so a driver can
/// tell that the idempotency check ran at all).
pub fn identifiers(data: &[u8]) -> bool {
    let mut facts = Facts::new(data);
    let email = facts.maybe(Facts::text);
    let phone = facts.maybe(Facts::text);
    let account = facts.maybe(Facts::text);
    let region = facts
        .flag()
        .then(|| CountryCode::parse("GB").and_then(PhoneRegion::new))
        .flatten();
    let Ok(ids) = SubjectIdentifiers::parse(
        email.as_deref(),
        phone.as_deref(),
        account.as_deref(),
        region,
    ) else {
        return false;
    };
    let normal: Vec<(IdentifierKind, String)> =
        ids.iter().map(|(k, v)| (k, v.to_string())).collect();
    let get = |kind| {
        normal
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.as_str())
    };
    let again = SubjectIdentifiers::parse(
        get(IdentifierKind::Email),
        get(IdentifierKind::Phone),
        get(IdentifierKind::AccountNumber),
        region,
    )
    .unwrap_or_else(|e| panic!("the normalised {normal:?} does not parse again: {e:?}"));
    let again: Vec<(IdentifierKind, String)> =
        again.iter().map(|(k, v)| (k, v.to_string())).collect();
    assert_eq!(normal, again, "normalisation is idempotent");
    true
}

fn reference() -> &'static LegalReference {
    static REFERENCE: OnceLock<LegalReference> = OnceLock::new();
    REFERENCE.get_or_init(|| LegalReference::load().expect("the embedded reference loads"))
}

/// A transfer and a date decoded from `data`: any country, mechanism, module, derogation, roles,
/// dates between 1995 and 2040, and any answer (or none) to each fact on record.
pub fn transfer_case(data: &[u8]) -> (Transfer, NaiveDate) {
    let mut f = Facts::new(data);
    let countries: Vec<CountryCode> = CountryCode::all().collect();
    let regime = if f.flag() {
        Regime::EuGdpr
    } else {
        Regime::UkGdpr
    };
    let exporter = f.pick(&countries);
    let destination = f.pick(&countries);
    let mut t = Transfer::new(
        regime,
        exporter,
        destination,
        f.pick(TransferMechanism::VARIANTS),
    );
    t.scc_module = f.maybe(|f| f.pick(SccModule::VARIANTS));
    t.derogation = f.maybe(|f| f.pick(Derogation::VARIANTS));
    t.exporter_role = f.maybe(|f| {
        if f.flag() {
            ExporterRole::Controller
        } else {
            ExporterRole::Processor
        }
    });
    t.recipient_role = f.maybe(|f| f.pick(RecipientRole::VARIANTS));
    t.tia_completed_on = f.maybe(Facts::day);
    t.signed_on = f.maybe(Facts::day);
    t.recipient_dpa_signed_on = f.maybe(Facts::day);
    t.certifications = Certifications {
        eu_dpf: f.maybe(Facts::flag),
        uk_extension: f.maybe(Facts::flag),
        privacy_shield: f.maybe(Facts::flag),
        safe_harbor: f.maybe(Facts::flag),
    };
    t.importer_in_adequacy_scope = f.maybe(Facts::flag);
    t.importer_subject_to_pipeda = f.maybe(Facts::flag);
    t.importer_appi_private_sector = f.maybe(Facts::flag);
    t.importer_subject_to_regime = f.maybe(Facts::flag);
    t.occasional = f.maybe(Facts::flag);
    t.destination_specific = f.flag();
    t.importer_international_organisation = f.maybe(|f| f.pick(&["EPO", "UN", "XX"]).to_string());
    t.exporter_bcr_group = f.maybe(|f| f.pick(&["Contoso", "Fabrikam"]).to_string());
    t.importer_bcr_group = f.maybe(|f| f.pick(&["Contoso", "Fabrikam"]).to_string());
    t.safeguard_evidence = f.maybe(Facts::text);
    let on = f.day();
    (t, on)
}

/// The transfer rules never panic on any combination of facts and dates, always explain
/// themselves, name the problems of a NON_COMPLIANT verdict, and reach the same verdict whether
/// or not the paragraph is written.
pub fn transfer_rules(data: &[u8]) {
    let (t, on) = transfer_case(data);
    let verdict = assess(reference(), &t, on);
    assert!(
        !verdict.explanation.is_empty(),
        "no explanation for {t:?} on {on}"
    );
    if verdict.status == VerdictStatus::NonCompliant {
        assert!(
            !verdict.problems.is_empty(),
            "a non-compliant verdict names its problems: {t:?} on {on}"
        );
    }
    let brief = assess_brief(reference(), &t, on);
    assert_eq!(
        (brief.status, &brief.problems),
        (verdict.status, &verdict.problems),
        "the brief verdict differs from the full one for {t:?} on {on}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    /// Inputs each target gets from the generator on every `cargo test`: bounded by count, not
    /// by time, and the same on every run (a failure names its seed and index).
    const GENERATED: usize = 3_000;
    const SEED: u64 = 0x7ea5_f3e2;

    fn encode_text(out: &mut Vec<u8>, text: &str) {
        let bytes = &text.as_bytes()[..text.len().min(255)];
        out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(bytes);
    }

    fn identifier_case(
        email: Option<&str>,
        phone: Option<&str>,
        account: Option<&str>,
        region: bool,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        for text in [email, phone, account] {
            out.push(u8::from(text.is_some()));
            if let Some(text) = text {
                encode_text(&mut out, text);
            }
        }
        out.push(u8::from(region));
        out
    }

    /// Pieces identifiers are made of, including the awkward ones, so random strings reach the
    /// parsers' inner paths instead of failing at the first character.
    const PIECES: &[&str] = &[
        "a",
        "Z",
        "0",
        "7",
        "@",
        ".",
        "+",
        "-",
        " ",
        "(",
        ")",
        "#",
        "x",
        "ext",
        "44",
        "20",
        "1",
        "É",
        "ß",
        "İ",
        "\u{200B}",
        "\u{202E}",
        "\t",
        "\0",
        "..",
        "@@",
        "mailto:",
        "example.com",
        "EXAMPLE.COM",
        "+44 20 7946 0958",
        "07946 095 8",
        "ACC-",
        "00",
        "ǅ",
        "ﬁ",
        "😀",
    ];

    /// Identifiers that parse, to perturb.
    const VALID: &[&str] = &[
        "ada@example.com",
        "Ada.Lovelace+news@Example.CO.UK",
        "+44 20 7946 0958",
        "020 7946 0958",
        "+1 (555) 010-0199",
        "ACC-001",
        "0042",
    ];

    fn random_piece(rng: &mut StdRng) -> &'static str {
        PIECES[rng.random_range(0..PIECES.len())]
    }

    /// Absent, a valid identifier with a piece inserted somewhere (or not), or random pieces.
    fn random_field(rng: &mut StdRng) -> Option<String> {
        match rng.random_range(0..4) {
            0 => None,
            1 => Some(VALID[rng.random_range(0..VALID.len())].to_string()),
            2 => {
                let mut text = VALID[rng.random_range(0..VALID.len())].to_string();
                let at = rng.random_range(0..=text.len());
                if text.is_char_boundary(at) {
                    text.insert_str(at, random_piece(rng));
                }
                Some(text)
            }
            _ => Some(
                (0..rng.random_range(0..12))
                    .map(|_| random_piece(rng))
                    .collect(),
            ),
        }
    }

    #[test]
    fn the_identifiers_target_holds_on_its_corpus_and_seeded_inputs() {
        let corpus = [
            identifier_case(
                Some("Ada@Example.COM"),
                Some("+44 20 7946 0958"),
                Some("ACC-001"),
                true,
            ),
            identifier_case(Some(" ada@example.com "), Some("020 7946 0958"), None, true),
            identifier_case(Some(""), Some(""), Some(""), false),
            identifier_case(None, None, None, false),
            identifier_case(
                Some("not an address"),
                Some("not a phone"),
                Some("\u{202E}"),
                false,
            ),
            identifier_case(
                None,
                Some("+1 (555) 010-0199 ext 12"),
                Some(" 0042 "),
                false,
            ),
            identifier_case(Some("İ@EXAMPLE.COM"), Some("+٤٤ ٢٠"), Some("ﬁ"), true),
            vec![],
            vec![255; 40],
        ];
        for (i, case) in corpus.iter().enumerate() {
            let outcome = std::panic::catch_unwind(|| identifiers(case));
            assert!(outcome.is_ok(), "corpus entry {i}: {case:?}");
        }
        assert!(
            identifiers(&corpus[0]),
            "a plain e-mail, phone and account are accepted"
        );
        let mut rng = StdRng::seed_from_u64(SEED);
        let mut accepted = 0;
        for i in 0..GENERATED {
            let (email, phone, account) = (
                random_field(&mut rng),
                random_field(&mut rng),
                random_field(&mut rng),
            );
            let case = identifier_case(
                email.as_deref(),
                phone.as_deref(),
                account.as_deref(),
                rng.random(),
            );
            let outcome = std::panic::catch_unwind(|| identifiers(&case));
            assert!(outcome.is_ok(), "seed {SEED:#x}, input {i}: {case:?}");
            accepted += usize::from(outcome.unwrap_or_default());
        }
        // Enough inputs parse for the idempotency check to have run on many of them.
        assert!(
            accepted >= GENERATED / 20,
            "only {accepted} of {GENERATED} accepted"
        );
    }

    #[test]
    fn the_transfer_rules_target_holds_on_its_corpus_and_seeded_inputs() {
        let corpus: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff; 64],
            vec![1; 64],
            (0..=255).collect(),
            (0..=255).rev().collect(),
        ];
        let mut rng = StdRng::seed_from_u64(SEED);
        let generated = (0..GENERATED).map(|_| {
            let mut case = vec![0u8; rng.random_range(0..80)];
            rng.fill(&mut case[..]);
            case
        });
        let mut statuses = std::collections::BTreeSet::new();
        for (i, case) in corpus.into_iter().chain(generated).enumerate() {
            let outcome = std::panic::catch_unwind(|| transfer_rules(&case));
            assert!(outcome.is_ok(), "seed {SEED:#x}, input {i}: {case:?}");
            let (t, on) = transfer_case(&case);
            statuses.insert(format!("{:?}", assess_brief(reference(), &t, on).status));
        }
        // The generator reaches every verdict, or the invariants above were checked on too
        // narrow a set of transfers to mean much.
        assert!(statuses.len() >= 3, "only {statuses:?} reached");
    }
}
