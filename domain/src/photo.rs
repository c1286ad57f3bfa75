//! What a photo record names of its files: their content key and the
//! shape of their names. A photo record is domain (the hub checks it like
//! any other); how its files are sealed and stored is the core's.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::DomainError;

/// The long side of a photo's display rendition, in pixels.
pub const DISPLAY_LONG_SIDE: u32 = 2048;

/// A BLAKE3 hex name: 64 lowercase hex digits, nothing that could walk out
/// of a folder.
pub fn is_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A photo's own random content key. It travels inside the photo record
/// (itself sealed in the device's envelope) so the hub and other devices in
/// scope can open the blob, which is stored and uploaded as is.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct BlobKey([u8; 32]);

impl BlobKey {
    pub fn generate() -> Result<Self, DomainError> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|_| DomainError::RandomSource)?;
        Ok(BlobKey(k))
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        BlobKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// In records, the key is base64 text; it only ever sits inside an envelope.
impl serde::Serialize for BlobKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(self.0))
    }
}

impl<'de> serde::Deserialize<'de> for BlobKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use base64::Engine;
        let text = zeroize::Zeroizing::new(String::deserialize(d)?);
        let bytes = zeroize::Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map_err(|_| serde::de::Error::custom("blob key is not base64"))?,
        );
        let key: [u8; 32] =
            bytes.as_slice().try_into().map_err(|_| serde::de::Error::custom("blob key is not 32 bytes"))?;
        Ok(BlobKey(key))
    }
}

impl std::fmt::Debug for BlobKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobKey(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_travels_as_base64_and_never_prints() {
        let key = BlobKey::generate().unwrap();
        let json = serde_json::to_string(&key).unwrap();
        assert_eq!(serde_json::from_str::<BlobKey>(&json).unwrap(), key);
        assert_eq!(format!("{key:?}"), "BlobKey(..)");
        assert!(serde_json::from_str::<BlobKey>("\"AAAA\"").is_err());
        assert!(is_blob_name(&"a".repeat(64)) && !is_blob_name("../x") && !is_blob_name(&"A".repeat(64)));
    }
}
