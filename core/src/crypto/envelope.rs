//! Versioned AEAD envelopes for records at rest.
//!
//! ```text
//! byte 0        format version (ENVELOPE_V1)
//! bytes 1..3    key id, big-endian u16
//! bytes 3..11   binding tag: keyed BLAKE3 of (table, record id, version), 8 bytes
//! bytes 11..35  random XChaCha20 nonce
//! bytes 35..    XChaCha20-Poly1305 ciphertext and 16-byte tag
//! ```
//!
//! The associated data is the header plus the binding (table, record id,
//! record version), so a ciphertext copied onto another row, or replayed
//! from an older version of the same row, fails to open. The binding tag is
//! not needed for security (the AEAD already refuses a moved ciphertext); it
//! lets us tell "sealed for another row" apart from "bytes altered", two
//! failures a support engineer handles differently.
//!
//! ```
//! use chevet_core::crypto::{DataKey, Envelope, KeySet, RecordBinding};
//! let keys = KeySet::derive(&DataKey::generate().unwrap());
//! let env = Envelope::new(1, &keys);
//! let id = uuid::Uuid::now_v7();
//! let b = RecordBinding { table: "residents", id, version: 1 };
//! let sealed = env.seal(&b, b"Mme Exemple").unwrap();
//! assert_eq!(&env.open(&b, &sealed).unwrap()[..], b"Mme Exemple");
//! let other = RecordBinding { table: "residents", id: uuid::Uuid::now_v7(), version: 1 };
//! assert!(env.open(&other, &sealed).is_err());
//! ```

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::keys::{KeySet, SubKey};
use super::{nonce_from, tag_from};

/// The only envelope format so far.
pub const ENVELOPE_V1: u8 = 1;
const KEY_ID_LEN: usize = 2;
const BINDING_TAG_LEN: usize = 8;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Header length: version, key id, binding tag, nonce.
pub const HEADER_LEN: usize = 1 + KEY_ID_LEN + BINDING_TAG_LEN + NONCE_LEN;
/// Bytes an envelope adds to its plaintext.
pub const OVERHEAD: usize = HEADER_LEN + TAG_LEN;
const AD_DOMAIN: &[u8] = b"chevet.envelope.v1";

/// Where a ciphertext belongs: its table, record id and record version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordBinding {
    pub table: &'static str,
    pub id: Uuid,
    pub version: u32,
}

impl RecordBinding {
    fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(AD_DOMAIN);
        out.push(self.table.len() as u8);
        out.extend_from_slice(self.table.as_bytes());
        out.extend_from_slice(self.id.as_bytes());
        out.extend_from_slice(&self.version.to_be_bytes());
    }
}

/// Why an envelope did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("envelope shorter than its header")]
    Truncated,
    #[error("unsupported envelope version {0}")]
    UnsupportedVersion(u8),
    #[error("unknown key id {0}")]
    UnknownKeyId(u16),
    #[error("envelope sealed for another row")]
    Misplaced,
    #[error("envelope failed authentication")]
    Corrupt,
    #[error("random source failed")]
    Random,
}

/// Seals and opens envelopes with one key id.
pub struct Envelope {
    key_id: u16,
    cipher: XChaCha20Poly1305,
    binding_key: SubKey,
}

impl Envelope {
    pub fn new(key_id: u16, keys: &KeySet) -> Self {
        Envelope {
            key_id,
            cipher: XChaCha20Poly1305::new(keys.records.bytes().into()),
            binding_key: keys.envelope_binding.clone(),
        }
    }

    fn binding_tag(&self, binding: &RecordBinding) -> [u8; BINDING_TAG_LEN] {
        let mut buf = Vec::with_capacity(64);
        binding.write_to(&mut buf);
        let h = blake3::keyed_hash(self.binding_key.bytes(), &buf);
        let mut tag = [0u8; BINDING_TAG_LEN];
        tag.copy_from_slice(&h.as_bytes()[..BINDING_TAG_LEN]);
        tag
    }

    fn associated_data(header: &[u8], binding: &RecordBinding) -> Vec<u8> {
        let mut ad = Vec::with_capacity(HEADER_LEN + 64);
        ad.extend_from_slice(header);
        binding.write_to(&mut ad);
        ad
    }

    /// Encrypts `plaintext` for the row named by `binding`.
    pub fn seal(&self, binding: &RecordBinding, plaintext: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        let mut out = Vec::with_capacity(OVERHEAD + plaintext.len());
        out.push(ENVELOPE_V1);
        out.extend_from_slice(&self.key_id.to_be_bytes());
        out.extend_from_slice(&self.binding_tag(binding));
        let mut nonce = [0u8; NONCE_LEN];
        super::random_bytes(&mut nonce).map_err(|_| EnvelopeError::Random)?;
        out.extend_from_slice(&nonce);
        let ad = Self::associated_data(&out, binding);
        out.extend_from_slice(plaintext);
        let tag = self
            .cipher
            .encrypt_inout_detached(&XNonce::from(nonce), &ad, (&mut out[HEADER_LEN..]).into())
            .map_err(|_| EnvelopeError::Corrupt)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Decrypts an envelope read from the row named by `binding`.
    pub fn open(&self, binding: &RecordBinding, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
        if sealed.is_empty() {
            return Err(EnvelopeError::Truncated);
        }
        if sealed[0] != ENVELOPE_V1 {
            return Err(EnvelopeError::UnsupportedVersion(sealed[0]));
        }
        if sealed.len() < OVERHEAD {
            return Err(EnvelopeError::Truncated);
        }
        let key_id = u16::from_be_bytes([sealed[1], sealed[2]]);
        if key_id != self.key_id {
            return Err(EnvelopeError::UnknownKeyId(key_id));
        }
        let header = &sealed[..HEADER_LEN];
        let nonce = &header[1 + KEY_ID_LEN + BINDING_TAG_LEN..];
        let ad = Self::associated_data(header, binding);
        let body_end = sealed.len() - TAG_LEN;
        let mut plain = Zeroizing::new(sealed[HEADER_LEN..body_end].to_vec());
        let tag = &tag_from(&sealed[body_end..]);
        match self.cipher.decrypt_inout_detached(&nonce_from(nonce), &ad, (&mut plain[..]).into(), tag) {
            Ok(()) => Ok(plain),
            Err(_) => {
                let stored_tag = &header[1 + KEY_ID_LEN..1 + KEY_ID_LEN + BINDING_TAG_LEN];
                if stored_tag != self.binding_tag(binding) {
                    Err(EnvelopeError::Misplaced)
                } else {
                    Err(EnvelopeError::Corrupt)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::DataKey;

    fn env() -> Envelope {
        Envelope::new(1, &KeySet::derive(&DataKey::generate().unwrap()))
    }

    fn binding() -> RecordBinding {
        RecordBinding { table: "facts", id: Uuid::now_v7(), version: 1 }
    }

    #[test]
    fn round_trip_and_no_plaintext_in_ciphertext() {
        let e = env();
        let b = binding();
        let msg = b"Tension 142/88, douleur EN 6";
        let sealed = e.seal(&b, msg).unwrap();
        assert_eq!(sealed.len(), msg.len() + OVERHEAD);
        assert!(!sealed.windows(7).any(|w| w == b"Tension"));
        assert_eq!(&e.open(&b, &sealed).unwrap()[..], msg);
    }

    #[test]
    fn every_flipped_byte_is_detected() {
        let e = env();
        let b = binding();
        let sealed = e.seal(&b, b"note").unwrap();
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(e.open(&b, &bad).is_err(), "flip at {i} went unnoticed");
        }
        let mut body = sealed.clone();
        body[HEADER_LEN] ^= 0x80;
        assert_eq!(e.open(&b, &body), Err(EnvelopeError::Corrupt));
    }

    #[test]
    fn moved_or_replayed_ciphertext_is_misplaced() {
        let e = env();
        let b = binding();
        let sealed = e.seal(&b, b"x").unwrap();
        let other_row = RecordBinding { id: Uuid::now_v7(), ..b };
        let other_table = RecordBinding { table: "residents", ..b };
        let older_version = RecordBinding { version: 2, ..b };
        for wrong in [other_row, other_table, older_version] {
            assert_eq!(e.open(&wrong, &sealed), Err(EnvelopeError::Misplaced));
        }
    }

    #[test]
    fn wrong_key_fails_and_framing_errors_are_specific() {
        let (a, b2) = (env(), env());
        let b = binding();
        let sealed = a.seal(&b, b"x").unwrap();
        assert!(b2.open(&b, &sealed).is_err());
        assert_eq!(a.open(&b, &[]), Err(EnvelopeError::Truncated));
        assert_eq!(a.open(&b, &sealed[..20]), Err(EnvelopeError::Truncated));
        let mut v9 = sealed.clone();
        v9[0] = 9;
        assert_eq!(a.open(&b, &v9), Err(EnvelopeError::UnsupportedVersion(9)));
        let mut k = sealed.clone();
        k[2] = 7;
        assert_eq!(a.open(&b, &k), Err(EnvelopeError::UnknownKeyId(7)));
    }

    #[test]
    fn nonces_are_fresh() {
        let e = env();
        let b = binding();
        assert_ne!(e.seal(&b, b"same").unwrap(), e.seal(&b, b"same").unwrap());
    }
}
