//! TLS to PostgreSQL, asked for in the connection string as libpq does:
//! `sslmode=require` encrypts (the server is not authenticated unless a
//! `sslrootcert` is given, then its chain is checked), `verify-ca` checks
//! the chain, `verify-full` the chain and the host name. `sslrootcert`
//! names a PEM file of CAs; without it, the public roots. Other modes
//! (`disable`, `prefer`, none) connect in clear, as before.
//!
//! tokio-postgres knows only `disable`/`prefer`/`require` and no
//! `sslrootcert`, so both are read here and removed before it parses.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{HubError, HubResult};

/// How a pool reaches its server.
pub(crate) struct PgTarget {
    pub config: postgres::Config,
    /// None: in clear.
    pub tls: Option<MakeRustlsConnect>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Encrypted; the server's certificate is not checked.
    None,
    Chain,
    ChainAndName,
}

fn config_error(why: impl Into<String>) -> HubError {
    HubError::Config(format!("PostgreSQL connection string: {}", why.into()))
}

/// Reads a connection string (`key=value …` or a `postgres://` URL).
pub(crate) fn target(conninfo: &str) -> HubResult<PgTarget> {
    let (rest, mode, root) = split_tls(conninfo)?;
    let mut config: postgres::Config = rest.parse().map_err(|_| config_error("not a connection string"))?;
    let check = match (mode.as_deref(), &root) {
        (None | Some("disable" | "prefer" | "allow"), _) => return Ok(PgTarget { config, tls: None }),
        (Some("require"), None) => Check::None,
        (Some("require" | "verify-ca"), _) => Check::Chain,
        (Some("verify-full"), _) => Check::ChainAndName,
        (Some(other), _) => return Err(config_error(format!("unknown sslmode {other}"))),
    };
    config.ssl_mode(postgres::config::SslMode::Require);
    Ok(PgTarget { config, tls: Some(MakeRustlsConnect::new(client_config(check, root.as_deref())?)) })
}

/// Takes `sslmode` and `sslrootcert` out of the string.
fn split_tls(conninfo: &str) -> HubResult<(String, Option<String>, Option<String>)> {
    let (mut mode, mut root) = (None, None);
    let trimmed = conninfo.trim();
    if trimmed.starts_with("postgres://") || trimmed.starts_with("postgresql://") {
        let mut url = url::Url::parse(trimmed).map_err(|_| config_error("not a URL"))?;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter_map(|(k, v)| match &*k {
                "sslmode" => {
                    mode = Some(v.into_owned());
                    None
                }
                "sslrootcert" => {
                    root = Some(v.into_owned());
                    None
                }
                _ => Some((k.into_owned(), v.into_owned())),
            })
            .collect();
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
        return Ok((url.to_string(), mode, root));
    }
    let mut kept = Vec::new();
    for (key, value, raw) in pairs(trimmed)? {
        match key.as_str() {
            "sslmode" => mode = Some(value),
            "sslrootcert" => root = Some(value),
            _ => kept.push(raw),
        }
    }
    Ok((kept.join(" "), mode, root))
}

/// `key=value` pairs, values optionally in single quotes with `\` escapes
/// (libpq's syntax); each with its original text.
fn pairs(s: &str) -> HubResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut key = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        if chars.next().map(|(_, c)| c) != Some('=') {
            return Err(config_error(format!("{key} without a value")));
        }
        while chars.peek().is_some_and(|&(_, c)| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek().is_some_and(|&(_, c)| c == '\'') {
            chars.next();
            loop {
                match chars.next() {
                    Some((_, '\\')) => value.extend(chars.next().map(|(_, c)| c)),
                    Some((_, '\'')) => break,
                    Some((_, c)) => value.push(c),
                    None => return Err(config_error("unterminated quote")),
                }
            }
        } else {
            while let Some(&(_, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        let end = chars.peek().map_or(s.len(), |&(i, _)| i);
        out.push((key, value, s[start..end].to_owned()));
    }
    Ok(out)
}

fn client_config(check: Check, root: Option<&str>) -> HubResult<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    match root {
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| config_error(format!("sslrootcert {path}: {e}")))?;
            if certs.is_empty() {
                return Err(config_error(format!("sslrootcert {path}: no PEM certificate")));
            }
            for c in certs {
                roots.add(c).map_err(|e| config_error(format!("sslrootcert {path}: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| config_error(format!("TLS roots: {e}")))?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| config_error(format!("TLS versions: {e}")))?;
    let config = match check {
        Check::ChainAndName => builder.with_webpki_verifier(webpki).with_no_client_auth(),
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Relaxed { webpki, chain: check == Check::Chain }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// `require` and `verify-ca`: the handshake's signatures are always
/// checked (the channel is encrypted to whoever holds the key); the chain
/// only for `verify-ca`, the name never.
#[derive(Debug)]
struct Relaxed {
    webpki: Arc<WebPkiServerVerifier>,
    chain: bool,
}

impl ServerCertVerifier for Relaxed {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.chain {
            return Ok(ServerCertVerified::assertion());
        }
        match self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_are_read_and_removed() {
        let (rest, mode, root) =
            split_tls("host=db.ehpad user=chevet_app password='a b\\'c' sslmode=verify-full sslrootcert=/etc/ca.pem")
                .unwrap();
        assert_eq!(rest, "host=db.ehpad user=chevet_app password='a b\\'c'");
        assert_eq!((mode.as_deref(), root.as_deref()), (Some("verify-full"), Some("/etc/ca.pem")));
        let (rest, mode, _) = split_tls("postgresql://app@db:5432/chevet?sslmode=require&connect_timeout=5").unwrap();
        assert_eq!(rest, "postgresql://app@db:5432/chevet?connect_timeout=5");
        assert_eq!(mode.as_deref(), Some("require"));
        assert!(split_tls("host=x password='open").is_err());
        assert!(target("host=x sslmode=sometimes").is_err());
        assert!(target("host=x sslmode=verify-full sslrootcert=/nonexistent.pem").is_err());
        assert!(target("host=x").unwrap().tls.is_none());
        assert!(target("host=x sslmode=require").unwrap().tls.is_some());
    }
}
