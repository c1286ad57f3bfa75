//! The app's key vault (Android Keystore, iOS Keychain): wraps and unwraps
//! the device key. Implemented in Kotlin or Swift.
//!
//! The platform's cipher APIs take and return byte arrays, so the raw key
//! has to exist in the app's heap for the length of one call. The contract
//! keeps that to a single array each way, one the app can wipe: `wrap`'s
//! argument, and the array `unwrap` hands to [`UnwrappedKey::put`] instead of
//! returning it (a returned array would linger until garbage collection,
//! out of the app's reach). The Kotlin `PlatformKeyVault` does the wiping.

use std::sync::{Arc, Mutex};

use chevet_core::crypto::{KeyVault as CoreKeyVault, VaultError};
use zeroize::Zeroizing;

/// Why the vault could not wrap or unwrap.
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum VaultException {
    #[error("key vault failed: {reason}")]
    Failed { reason: String },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for VaultException {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        VaultException::Failed { reason: e.reason }
    }
}

#[uniffi::export(foreign)]
pub trait KeyVault: Send + Sync {
    /// Encrypts the 32-byte device key with a key the platform keeps.
    /// `key` is the app's only copy: wipe it once sealed.
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, VaultException>;
    /// Decrypts what `wrap` returned and gives the key to `into`; the app
    /// then wipes its own array.
    fn unwrap(&self, wrapped: Vec<u8>, into: Arc<UnwrappedKey>) -> Result<(), VaultException>;
}

/// Where `KeyVault::unwrap` puts the key, on the Rust side, wiped on drop.
#[derive(uniffi::Object, Default)]
pub struct UnwrappedKey {
    key: Mutex<Option<Zeroizing<Vec<u8>>>>,
}

#[uniffi::export]
impl UnwrappedKey {
    /// Takes the unwrapped key; a second call replaces the first.
    pub fn put(&self, key: Vec<u8>) {
        let key = Zeroizing::new(key);
        *self.key.lock().unwrap_or_else(|e| e.into_inner()) = Some(key);
    }
}

/// The app's vault seen by the core.
pub(crate) struct AppVault(pub Arc<dyn KeyVault>);

impl CoreKeyVault for AppVault {
    fn wrap(&self, key: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.0.wrap(key.to_vec()).map_err(|e| VaultError::new(e.to_string()))
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let into = Arc::new(UnwrappedKey::default());
        self.0.unwrap(wrapped.to_vec(), into.clone()).map_err(|e| VaultError::new(e.to_string()))?;
        let key = into.key.lock().unwrap_or_else(|e| e.into_inner()).take();
        key.ok_or_else(|| VaultError::new("the vault gave no key".to_string()))
    }
}
