//! Stored values: versioned, and encrypted with the conversation's own key
//! (ChaCha20-Poly1305), so that deleting the key erases every copy the log still holds.
//!
//! Layout: `[envelope format: u8][nonce: 12 bytes][ciphertext of {"v": n, "data": …}]`.

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// The envelope layout this version writes and reads.
const ENVELOPE_FORMAT: u8 = 1;
/// The version of the records inside the envelope; a newer kycdesk may read older ones.
pub const RECORD_FORMAT: u32 = 1;

#[derive(Serialize)]
struct VersionedRef<'a, T> {
    v: u32,
    data: &'a T,
}

#[derive(Deserialize)]
struct Versioned {
    v: u32,
    data: serde_json::Value,
}

pub fn seal<T: Serialize>(key: &[u8; 32], value: &T) -> Result<Vec<u8>, StoreError> {
    let plain = serde_json::to_vec(&VersionedRef {
        v: RECORD_FORMAT,
        data: value,
    })
    .map_err(|e| StoreError::Corrupt {
        what: "record",
        reason: e.to_string(),
    })?;
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
    let sealed = cipher
        .encrypt(&nonce, plain.as_slice())
        .map_err(|_| StoreError::Io("encryption failed".into()))?;
    let mut out = Vec::with_capacity(1 + nonce.len() + sealed.len());
    out.push(ENVELOPE_FORMAT);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

pub fn open<T: DeserializeOwned>(
    key: &[u8; 32],
    bytes: &[u8],
    what: &'static str,
) -> Result<T, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        what,
        reason: reason.to_string(),
    };
    let (&format, rest) = bytes.split_first().ok_or_else(|| corrupt("empty value"))?;
    if format != ENVELOPE_FORMAT {
        return Err(StoreError::UnknownFormat {
            what,
            version: u32::from(format),
            known: u32::from(ENVELOPE_FORMAT),
        });
    }
    if rest.len() < 12 {
        return Err(corrupt("value too short"));
    }
    let (nonce, sealed) = rest.split_at(12);
    let cipher = ChaCha20Poly1305::new(Key::from_slice(key));
    let plain = cipher
        .decrypt(Nonce::from_slice(nonce), sealed)
        .map_err(|_| corrupt("it does not decrypt (damaged, or the wrong key)"))?;
    let versioned: Versioned =
        serde_json::from_slice(&plain).map_err(|e| corrupt(&e.to_string()))?;
    if versioned.v > RECORD_FORMAT {
        return Err(StoreError::UnknownFormat {
            what,
            version: versioned.v,
            known: RECORD_FORMAT,
        });
    }
    serde_json::from_value(versioned.data).map_err(|e| corrupt(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let key = [7u8; 32];
        let sealed = seal(&key, &"秘密 canary").expect("seal");
        assert!(!sealed.windows(6).any(|w| w == b"canary"));
        let back: String = open(&key, &sealed, "test").expect("open");
        assert_eq!(back, "秘密 canary");
        assert!(matches!(
            open::<String>(&[8u8; 32], &sealed, "test"),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn unknown_versions_are_named() {
        let key = [1u8; 32];
        let mut sealed = seal(&key, &1u32).expect("seal");
        sealed[0] = 9;
        let err = open::<u32>(&key, &sealed, "conversation").expect_err("unknown envelope");
        assert!(err.to_string().contains("format version 9"), "{err}");
        // A record written by a newer kycdesk.
        #[derive(Serialize)]
        struct Future {
            v: u32,
            data: u32,
        }
        let cipher_input = Future { v: 99, data: 1 };
        let plain = serde_json::to_vec(&cipher_input).expect("json");
        let cipher = ChaCha20Poly1305::new(Key::from_slice(&key));
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut raw = vec![ENVELOPE_FORMAT];
        raw.extend_from_slice(&nonce);
        raw.extend(cipher.encrypt(&nonce, plain.as_slice()).expect("encrypt"));
        let err = open::<u32>(&key, &raw, "conversation").expect_err("newer record");
        assert!(
            matches!(err, StoreError::UnknownFormat { version: 99, .. }),
            "{err}"
        );
    }
}
