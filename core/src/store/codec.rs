//! Sealing and opening typed records: serde JSON inside an envelope.
//!
//! The one place where a row's bytes become a domain value, so every read
//! path gets the same precise errors for wrong, moved or damaged ciphertext.

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::crypto::{Envelope, EnvelopeError, RecordBinding};
use crate::error::{CoreError, Result};

pub(crate) enum Codec {
    Sealed(Envelope),
    /// Envelopes replaced by plain JSON: only to measure the encryption's cost.
    #[cfg(feature = "bench-plaintext")]
    Plain,
}

impl Codec {
    pub(crate) fn seal<T: Serialize>(&self, table: &'static str, id: Uuid, version: u32, value: &T) -> Result<Vec<u8>> {
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(|_| CoreError::UndecodableRecord { table, id })?);
        self.seal_bytes(table, id, version, &plain)
    }

    pub(crate) fn seal_bytes(&self, table: &'static str, id: Uuid, version: u32, plain: &[u8]) -> Result<Vec<u8>> {
        match self {
            Codec::Sealed(env) => env
                .seal(&RecordBinding { table, id, version }, plain)
                .map_err(|_| CoreError::Vault("random source failed".into())),
            #[cfg(feature = "bench-plaintext")]
            Codec::Plain => Ok(plain.to_vec()),
        }
    }

    pub(crate) fn open_bytes(
        &self,
        table: &'static str,
        id: Uuid,
        version: u32,
        bytes: &[u8],
    ) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        match self {
            Codec::Sealed(env) => env.open(&RecordBinding { table, id, version }, bytes).map_err(|e| match e {
                EnvelopeError::Misplaced => CoreError::MisplacedRecord { table, id },
                EnvelopeError::UnsupportedVersion(version) => CoreError::UnsupportedEnvelope { table, id, version },
                EnvelopeError::UnknownKeyId(key_id) => CoreError::UnknownKeyId { table, id, key_id },
                EnvelopeError::Truncated | EnvelopeError::Corrupt | EnvelopeError::Random => {
                    CoreError::CorruptRecord { table, id }
                }
            }),
            #[cfg(feature = "bench-plaintext")]
            Codec::Plain => Ok(zeroize::Zeroizing::new(bytes.to_vec())),
        }
    }

    pub(crate) fn open<T: DeserializeOwned>(
        &self,
        table: &'static str,
        id: Uuid,
        version: u32,
        bytes: &[u8],
    ) -> Result<T> {
        let plain = self.open_bytes(table, id, version, bytes)?;
        serde_json::from_slice(&plain).map_err(|_| CoreError::UndecodableRecord { table, id })
    }
}
