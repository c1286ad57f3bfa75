//! TLS served by the hub itself: a certificate chain and key read from PEM
//! files, read again on demand (SIGHUP in `chevet-hub serve`) so a renewed
//! certificate takes effect without a restart. Connections already open
//! keep the certificate they started with.
//!
//! A hub behind a TLS-terminating proxy serves plain HTTP instead, on a
//! loopback address.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{HubError, HubResult};

/// The hub's certificate and key files, and the configuration read from them.
#[derive(Clone)]
pub struct TlsServer {
    cert_chain: PathBuf,
    key: PathBuf,
    config: Arc<RwLock<Arc<ServerConfig>>>,
}

impl TlsServer {
    /// Reads the files; an unreadable or mismatched pair is an error (the
    /// hub does not start on a certificate it cannot serve).
    pub fn load(cert_chain: impl Into<PathBuf>, key: impl Into<PathBuf>) -> HubResult<TlsServer> {
        let (cert_chain, key) = (cert_chain.into(), key.into());
        let config = Arc::new(RwLock::new(server_config(&cert_chain, &key)?));
        Ok(TlsServer { cert_chain, key, config })
    }

    /// Reads the files again. On failure the certificate in use stays.
    pub fn reload(&self) -> HubResult<()> {
        let fresh = server_config(&self.cert_chain, &self.key)?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        log::info!("TLS certificate reloaded from {}", self.cert_chain.display());
        Ok(())
    }

    /// The configuration new connections take.
    pub(crate) fn current(&self) -> Arc<ServerConfig> {
        self.config.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn server_config(cert_chain: &Path, key: &Path) -> HubResult<Arc<ServerConfig>> {
    let bad = |what: &str, file: &Path, why: String| HubError::Config(format!("TLS {what} {}: {why}", file.display()));
    let certs = CertificateDer::pem_file_iter(cert_chain)
        .map_err(|e| bad("certificate", cert_chain, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("certificate", cert_chain, e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("certificate", cert_chain, "no PEM certificate in the file".into()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| bad("key", key, e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| HubError::Config(format!("TLS versions: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| bad("certificate and key", cert_chain, e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
