//! Encryption at rest: the device key, its sub-keys, envelopes, vaults and
//! blind indexes. Nothing here knows about SQL or the care domain.

pub mod blind_index;
pub mod envelope;
pub mod keys;
pub mod stream;
pub mod vault;

pub use blind_index::BlindIndex;
pub use envelope::{Envelope, EnvelopeError, RecordBinding};
pub use keys::{DataKey, KeySet, SubKey};
pub use vault::{KekVault, KeyVault, PassphraseVault, VaultError};

/// Fills `buf` from the operating system's CSPRNG.
///
/// Failure means the platform has no usable entropy source, which no caller
/// can recover from sensibly; we surface it as a vault-level error.
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), VaultError> {
    getrandom::fill(buf).map_err(|_| VaultError::new("operating system random source failed"))
}

/// A nonce from a slice whose length the caller has already checked (24).
pub(crate) fn nonce_from(bytes: &[u8]) -> chacha20poly1305::XNonce {
    let mut a = [0u8; 24];
    a.copy_from_slice(bytes);
    a.into()
}

/// A Poly1305 tag from a slice whose length the caller has already checked (16).
pub(crate) fn tag_from(bytes: &[u8]) -> chacha20poly1305::Tag {
    let mut a = [0u8; 16];
    a.copy_from_slice(bytes);
    a.into()
}
