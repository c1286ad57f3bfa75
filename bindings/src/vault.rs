//! The app's key vault (Android Keystore, iOS Keychain): wraps and unwraps
//! the device key. Implemented in Kotlin or Swift.

use std::sync::Arc;

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
    fn wrap(&self, key: Vec<u8>) -> Result<Vec<u8>, VaultException>;
    /// Decrypts what `wrap` returned.
    fn unwrap(&self, wrapped: Vec<u8>) -> Result<Vec<u8>, VaultException>;
}

/// The app's vault seen by the core.
pub(crate) struct AppVault(pub Arc<dyn KeyVault>);

impl CoreKeyVault for AppVault {
    fn wrap(&self, key: &[u8]) -> Result<Vec<u8>, VaultError> {
        self.0.wrap(key.to_vec()).map_err(|e| VaultError::new(e.to_string()))
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.0.unwrap(wrapped.to_vec()).map(Zeroizing::new).map_err(|e| VaultError::new(e.to_string()))
    }
}
