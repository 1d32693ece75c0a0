//! HMAC-SHA256, keyed once: subject hashes, webhook signatures and the audit chain all use it.

use hmac::{Hmac, Mac, digest::KeyInit};
use sha2::{Digest, Sha256};

pub type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 state keyed with `key`, RFC 2104's key preparation done here (a key longer
/// than a block is hashed, a shorter one padded), so that construction cannot fail: the crate's
/// `new_from_slice` never refuses an HMAC key, but says so only through a `Result`. Clone it to
/// hash many messages under one key.
pub fn keyed(key: &[u8]) -> HmacSha256 {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    <HmacSha256 as KeyInit>::new(&block.into())
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = keyed(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_longer_than_a_block_are_hashed_as_rfc_2104_says() {
        // RFC 4231 test case 6: a 131-byte key.
        let key = [0xaa; 131];
        assert_eq!(
            hex::encode(hmac_sha256(
                &key,
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
