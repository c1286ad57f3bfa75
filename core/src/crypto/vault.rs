//! Wrapping the device key: the `KeyVault` the platform implements.
//!
//! The data key belongs to the device, not to a user, so a shared tablet can
//! switch users offline in a second. The platform keeps it wrapped: Android
//! Keystore or the iOS Keychain / Secure Enclave implement [`KeyVault`] in the
//! app. Two vaults live here: [`PassphraseVault`] (Argon2id, for the desktop
//! and tests, deliberately slow) and [`KekVault`] (a key-encryption key the
//! host already holds, e.g. from a secrets manager; fast like a platform vault).

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::keys::KEY_LEN;
use super::{nonce_from, tag_from};

/// A vault failure, described without key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct VaultError(String);

impl VaultError {
    pub fn new(msg: impl Into<String>) -> Self {
        VaultError(msg.into())
    }
}

/// Wraps and unwraps the device data key. Implemented by each platform.
///
/// `wrap` is called once when a store is created; `unwrap` at each opening.
/// An `unwrap` that returns bytes of another key is caught by the store's
/// canary ([`crate::CoreError::WrongKey`]).
pub trait KeyVault: Send + Sync {
    fn wrap(&self, key: &[u8]) -> Result<Vec<u8>, VaultError>;
    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError>;
}

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const KEK_FORMAT_V1: u8 = 1;
const PASSPHRASE_FORMAT_V1: u8 = 1;
const SALT_LEN: usize = 16;
const WRAP_AD: &[u8] = b"chevet.keywrap.v1";

fn seal_key(kek: &[u8; KEY_LEN], header: &[u8], key: &[u8]) -> Result<Vec<u8>, VaultError> {
    let cipher = XChaCha20Poly1305::new(kek.into());
    let mut nonce = [0u8; NONCE_LEN];
    super::random_bytes(&mut nonce)?;
    let mut out = header.to_vec();
    out.extend_from_slice(&nonce);
    let mut ad = WRAP_AD.to_vec();
    ad.extend_from_slice(header);
    let start = out.len();
    out.extend_from_slice(key);
    let tag = cipher
        .encrypt_inout_detached(&XNonce::from(nonce), &ad, (&mut out[start..]).into())
        .map_err(|_| VaultError::new("key wrapping failed"))?;
    out.extend_from_slice(&tag);
    Ok(out)
}

fn open_key(kek: &[u8; KEY_LEN], header: &[u8], rest: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::new("wrapped key is truncated"));
    }
    let (nonce, body) = rest.split_at(NONCE_LEN);
    let (ct, tag) = body.split_at(body.len() - TAG_LEN);
    let mut ad = WRAP_AD.to_vec();
    ad.extend_from_slice(header);
    let mut plain = Zeroizing::new(ct.to_vec());
    XChaCha20Poly1305::new(kek.into())
        .decrypt_inout_detached(&nonce_from(nonce), &ad, (&mut plain[..]).into(), &tag_from(tag))
        .map_err(|_| VaultError::new("wrapped key does not open with this vault's key"))?;
    Ok(plain)
}

/// A vault around a 256-bit key-encryption key the host already holds.
pub struct KekVault {
    kek: Zeroizing<[u8; KEY_LEN]>,
}

impl KekVault {
    pub fn new(kek: [u8; KEY_LEN]) -> Self {
        KekVault { kek: Zeroizing::new(kek) }
    }
}

impl KeyVault for KekVault {
    fn wrap(&self, key: &[u8]) -> Result<Vec<u8>, VaultError> {
        seal_key(&self.kek, &[KEK_FORMAT_V1], key)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        match wrapped.split_first() {
            Some((&KEK_FORMAT_V1, rest)) => open_key(&self.kek, &[KEK_FORMAT_V1], rest),
            Some((v, _)) => Err(VaultError::new(format!("unsupported wrapped-key format {v}"))),
            None => Err(VaultError::new("wrapped key is empty")),
        }
    }
}

pub use chevet_domain::pin::Argon2Cost;

/// A vault that derives its key-encryption key from a passphrase (Argon2id).
///
/// ```
/// use chevet_core::crypto::{KeyVault, PassphraseVault};
/// use chevet_core::crypto::vault::Argon2Cost;
/// let vault = PassphraseVault::with_cost("correct horse", Argon2Cost::MINIMUM);
/// let wrapped = vault.wrap(&[42u8; 32]).unwrap();
/// assert_eq!(&vault.unwrap(&wrapped).unwrap()[..], &[42u8; 32]);
/// assert!(PassphraseVault::new("wrong").unwrap(&wrapped).is_err());
/// ```
pub struct PassphraseVault {
    passphrase: Zeroizing<String>,
    cost: Argon2Cost,
}

impl PassphraseVault {
    pub fn new(passphrase: &str) -> Self {
        Self::with_cost(passphrase, Argon2Cost::PASSPHRASE)
    }

    pub fn with_cost(passphrase: &str, cost: Argon2Cost) -> Self {
        PassphraseVault { passphrase: Zeroizing::new(passphrase.to_owned()), cost }
    }

    fn kek(&self, cost: Argon2Cost, salt: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
        let mut kek = Zeroizing::new([0u8; KEY_LEN]);
        cost.hash(self.passphrase.as_bytes(), salt, &mut kek[..]).map_err(|e| VaultError::new(e.to_string()))?;
        Ok(kek)
    }
}

impl KeyVault for PassphraseVault {
    fn wrap(&self, key: &[u8]) -> Result<Vec<u8>, VaultError> {
        let mut salt = [0u8; SALT_LEN];
        super::random_bytes(&mut salt)?;
        let mut header = vec![PASSPHRASE_FORMAT_V1];
        header.extend_from_slice(&self.cost.to_bytes());
        header.extend_from_slice(&salt);
        seal_key(&*self.kek(self.cost, &salt)?, &header, key)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let header_len = 1 + 12 + SALT_LEN;
        if wrapped.len() < header_len {
            return Err(VaultError::new("wrapped key is truncated"));
        }
        if wrapped[0] != PASSPHRASE_FORMAT_V1 {
            return Err(VaultError::new(format!("unsupported wrapped-key format {}", wrapped[0])));
        }
        let cost = Argon2Cost::from_bytes(&wrapped[1..13])
            .ok_or_else(|| VaultError::new("wrapped key has out-of-range Argon2id parameters"))?;
        let salt = &wrapped[13..header_len];
        open_key(&*self.kek(cost, salt)?, &wrapped[..header_len], &wrapped[header_len..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kek_vault_round_trip_and_wrong_kek() {
        let v = KekVault::new([1u8; 32]);
        let w = v.wrap(&[9u8; 32]).unwrap();
        assert_eq!(&v.unwrap(&w).unwrap()[..], &[9u8; 32]);
        assert!(KekVault::new([2u8; 32]).unwrap(&w).is_err());
        assert!(v.unwrap(&w[..10]).is_err());
        assert!(v.unwrap(&[]).is_err());
    }

    #[test]
    fn passphrase_vault_refuses_tampered_parameters() {
        let v = PassphraseVault::with_cost("pass", Argon2Cost::MINIMUM);
        let mut w = v.wrap(&[3u8; 32]).unwrap();
        w[1] = 0xFF; // memory cost now ~4 TiB: must be refused, not attempted
        assert!(v.unwrap(&w).is_err());
    }
}
