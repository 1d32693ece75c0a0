//! Sealing at rest: XChaCha20-Poly1305 under a key derived from the service secret. Used for the
//! identifiers of an open request (destroyed when it closes) and for webhook secrets.
//!
//! The associated data names the record a sealed value belongs to, so a value copied into
//! another row does not open there.

use base64::{Engine, engine::general_purpose::STANDARD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};

const VERSION: &str = "v1:";

/// Seals and opens values under the service secret. Never shows its key.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a sealed value does not open: wrong secret, wrong record or altered")]
pub struct SealError;

impl Sealer {
    /// The key is HMAC-SHA256(secret, purpose label): independent of the identifier hashes'
    /// key although both come from the one secret.
    pub fn new(secret: &[u8]) -> Self {
        let key = crate::mac::hmac_sha256(secret, b"transfer-register seal v1");
        Self {
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }

    /// `v1:` + base64(nonce || ciphertext); a fresh random 192-bit nonce each time.
    pub fn seal(&self, plaintext: &[u8], record: &str) -> Result<String, SealError> {
        let nonce: [u8; 24] = rand::random();
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: record.as_bytes(),
                },
            )
            .map_err(|_| SealError)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!("{VERSION}{}", STANDARD.encode(out)))
    }

    pub fn open(&self, sealed: &str, record: &str) -> Result<Vec<u8>, SealError> {
        let raw = sealed
            .strip_prefix(VERSION)
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or(SealError)?;
        if raw.len() < 24 {
            return Err(SealError);
        }
        let (nonce, ciphertext) = raw.split_at(24);
        self.cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: record.as_bytes(),
                },
            )
            .map_err(|_| SealError)
    }
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_secret_and_record() {
        let sealer = Sealer::new(b"a-service-secret-of-some-length");
        let sealed = sealer.seal(b"ada@example.com", "dsr_request:1").unwrap();
        assert!(!sealed.contains("ada"));
        assert_ne!(
            sealed,
            sealer.seal(b"ada@example.com", "dsr_request:1").unwrap()
        );
        assert_eq!(
            sealer.open(&sealed, "dsr_request:1").unwrap(),
            b"ada@example.com"
        );
        assert_eq!(sealer.open(&sealed, "dsr_request:2"), Err(SealError));
        assert_eq!(
            Sealer::new(b"another-secret-entirely").open(&sealed, "dsr_request:1"),
            Err(SealError)
        );
        // One bit flipped in the nonce, in the ciphertext and in the tag: each is refused.
        let raw = STANDARD
            .decode(sealed.strip_prefix(VERSION).unwrap())
            .unwrap();
        for at in [0, 24, raw.len() - 1] {
            let mut altered = raw.clone();
            altered[at] ^= 1;
            let altered = format!("{VERSION}{}", STANDARD.encode(&altered));
            assert_ne!(altered, sealed);
            assert_eq!(
                sealer.open(&altered, "dsr_request:1"),
                Err(SealError),
                "byte {at}"
            );
        }
        assert_eq!(
            sealer.open(&sealed[..sealed.len() - 4], "dsr_request:1"),
            Err(SealError)
        );
        assert_eq!(sealer.open("v0:AAAA", "dsr_request:1"), Err(SealError));
    }
}
