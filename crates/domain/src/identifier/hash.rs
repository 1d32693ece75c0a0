//! The keyed hash that is all the register keeps of an identifier: HMAC-SHA256 under the service
//! secret, so that a leaked table cannot be reversed by hashing every phone number or address.

use crate::mac::HmacSha256;
use hmac::Mac;

use super::{IdentifierKind, SubjectIdentifiers};

/// Hashes normalised identifiers under one secret. Cheap to clone; holds the keyed state only.
#[derive(Clone)]
pub struct IdentifierHasher {
    keyed: HmacSha256,
}

impl IdentifierHasher {
    /// Any secret length is accepted, as HMAC allows; the configuration decides what is long enough.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            keyed: crate::mac::keyed(secret),
        }
    }

    /// The hash of one normalised value. The kind's tag and a NUL go first: no tag contains a NUL,
    /// so `email` + `x` and `account` + `x` can never hash alike.
    pub fn hash(&self, kind: IdentifierKind, normalised: &str) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(kind.tag().as_bytes());
        mac.update(&[0]);
        mac.update(normalised.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The hash of each identifier given, with its kind, in the order `SubjectIdentifiers::iter` lists them.
    pub fn hash_all(&self, identifiers: &SubjectIdentifiers) -> Vec<(IdentifierKind, [u8; 32])> {
        identifiers
            .iter()
            .map(|(kind, normalised)| (kind, self.hash(kind, normalised)))
            .collect()
    }
}

/// Never shows the key.
impl std::fmt::Debug for IdentifierHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentifierHasher(..)")
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is what a test is for"
)]
mod tests {
    use super::*;
    use crate::identifier::Email;

    const SECRET: &[u8] = b"service secret for tests";

    #[test]
    fn the_keyed_state_is_standard_hmac_sha256() {
        // RFC 4231, test case 2.
        let mut mac = IdentifierHasher::new(b"Jefe").keyed;
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        for len in [0, 1, 32, 63, 64, 65, 131] {
            let secret = vec![0xAA; len];
            let mut ours = IdentifierHasher::new(&secret).keyed;
            let mut theirs =
                <HmacSha256 as hmac::digest::KeyInit>::new_from_slice(&secret).unwrap();
            ours.update(b"x");
            theirs.update(b"x");
            assert_eq!(
                ours.finalize().into_bytes(),
                theirs.finalize().into_bytes(),
                "key of {len} bytes"
            );
        }
    }

    #[test]
    fn the_hash_input_is_the_tag_a_nul_and_the_value() {
        let mut mac = <HmacSha256 as hmac::digest::KeyInit>::new_from_slice(SECRET).unwrap();
        mac.update(b"phone\0+442079460958");
        let expected: [u8; 32] = mac.finalize().into_bytes().into();
        assert_eq!(
            IdentifierHasher::new(SECRET).hash(IdentifierKind::Phone, "+442079460958"),
            expected
        );
    }

    #[test]
    fn the_same_email_in_different_case_hashes_equal() {
        let hasher = IdentifierHasher::new(SECRET);
        let upper = Email::parse(" ADA@Example.COM").unwrap();
        let lower = Email::parse("ada@example.com").unwrap();
        assert_eq!(
            hasher.hash(IdentifierKind::Email, upper.as_str()),
            hasher.hash(IdentifierKind::Email, lower.as_str())
        );
    }

    #[test]
    fn different_kinds_with_equal_text_hash_differently() {
        let hasher = IdentifierHasher::new(SECRET);
        let hashes = IdentifierKind::ALL.map(|kind| hasher.hash(kind, "12345678"));
        assert_ne!(hashes[0], hashes[1]);
        assert_ne!(hashes[1], hashes[2]);
        assert_ne!(hashes[0], hashes[2]);
    }

    #[test]
    fn different_secrets_hash_differently() {
        let one = IdentifierHasher::new(b"one secret");
        let other = IdentifierHasher::new(b"another secret");
        assert_ne!(
            one.hash(IdentifierKind::Email, "ada@example.com"),
            other.hash(IdentifierKind::Email, "ada@example.com")
        );
    }

    #[test]
    fn every_given_identifier_is_hashed_with_its_kind() {
        let hasher = IdentifierHasher::new(SECRET);
        let ids =
            SubjectIdentifiers::parse(Some("ada@example.com"), None, Some("ACC-42"), None).unwrap();
        assert_eq!(
            hasher.hash_all(&ids),
            [
                (
                    IdentifierKind::Email,
                    hasher.hash(IdentifierKind::Email, "ada@example.com")
                ),
                (
                    IdentifierKind::AccountNumber,
                    hasher.hash(IdentifierKind::AccountNumber, "ACC-42")
                ),
            ]
        );
    }

    #[test]
    fn debug_output_does_not_show_the_key() {
        assert_eq!(
            format!("{:?}", IdentifierHasher::new(SECRET)),
            "IdentifierHasher(..)"
        );
    }
}
