//! The device data key and the sub-keys derived from it.
//!
//! One random 256-bit data key per device; each use gets its own sub-key by
//! domain-separated derivation (BLAKE3 `derive_key`), so a weakness or leak
//! in one use (say the blind index) tells nothing about another (the records).
//! Key bytes live in [`Zeroizing`] buffers and never leave the core.

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::vault::VaultError;

/// Length of every symmetric key in the store.
pub const KEY_LEN: usize = 32;

/// Derivation contexts: globally unique, hard-coded, never reused.
const CONTEXT_RECORDS: &str = "chevet 2026-11 device store: record envelopes v1";
const CONTEXT_ENVELOPE_BINDING: &str = "chevet 2026-11 device store: envelope binding tags v1";
const CONTEXT_NAME_INDEX: &str = "chevet 2026-11 device store: blind index, resident names v1";
const CONTEXT_INS_INDEX: &str = "chevet 2026-11 device store: blind index, INS matricule v1";
const CONTEXT_CODE_INDEX: &str = "chevet 2026-11 device store: blind index, observation codes v1";
const CONTEXT_AUDIT: &str = "chevet 2026-11 device store: audit chain MAC v1";

/// The device's root data key. Only ever held unwrapped in memory.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; KEY_LEN]);

impl DataKey {
    /// A fresh random key, for a new store.
    pub fn generate() -> Result<Self, VaultError> {
        let mut k = [0u8; KEY_LEN];
        super::random_bytes(&mut k)?;
        Ok(DataKey(k))
    }

    /// Takes ownership of raw key bytes unwrapped by a vault.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| VaultError::new("unwrapped key has the wrong length"))?;
        Ok(DataKey(arr))
    }

    /// The raw bytes, for wrapping by a vault only.
    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn derive(&self, context: &str) -> SubKey {
        SubKey(Zeroizing::new(blake3::derive_key(context, &self.0)))
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// A key derived for one purpose.
#[derive(Clone)]
pub struct SubKey(Zeroizing<[u8; KEY_LEN]>);

impl SubKey {
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for SubKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubKey(..)")
    }
}

/// Every sub-key a store uses, derived once at open.
#[derive(Debug, Clone)]
pub struct KeySet {
    pub records: SubKey,
    pub envelope_binding: SubKey,
    pub name_index: SubKey,
    pub ins_index: SubKey,
    pub code_index: SubKey,
    pub audit: SubKey,
}

impl KeySet {
    pub fn derive(data_key: &DataKey) -> Self {
        KeySet {
            records: data_key.derive(CONTEXT_RECORDS),
            envelope_binding: data_key.derive(CONTEXT_ENVELOPE_BINDING),
            name_index: data_key.derive(CONTEXT_NAME_INDEX),
            ins_index: data_key.derive(CONTEXT_INS_INDEX),
            code_index: data_key.derive(CONTEXT_CODE_INDEX),
            audit: data_key.derive(CONTEXT_AUDIT),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_keys_differ_from_each_other_and_from_the_root() {
        let root = DataKey::generate().unwrap();
        let ks = KeySet::derive(&root);
        let all = [
            ks.records.bytes(),
            ks.envelope_binding.bytes(),
            ks.name_index.bytes(),
            ks.ins_index.bytes(),
            ks.code_index.bytes(),
            ks.audit.bytes(),
            root.expose(),
        ];
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn derivation_is_deterministic() {
        let root = DataKey::from_bytes(&[7u8; 32]).unwrap();
        let a = KeySet::derive(&root);
        let b = KeySet::derive(&root);
        assert_eq!(a.records.bytes(), b.records.bytes());
    }

    #[test]
    fn wrong_length_key_is_refused() {
        assert!(DataKey::from_bytes(&[0u8; 31]).is_err());
    }
}
