//! The hub's HTTP client: JSON over HTTPS with rustls, retries with
//! exponential backoff and full jitter on failures that retrying can fix
//! (network errors, 5xx, 429), precise errors for the rest.

use std::sync::Arc;
use std::time::Duration;

use chevet_protocol::{
    AuditPushRequest, AuditPushResponse, EnrolRequest, EnrolResponse, ErrorBody, MAX_ANSWER_BYTES, MAX_BLOB_BYTES,
    PROTOCOL_HEADER, PROTOCOL_VERSION, PullResponse, PushRequest, PushResponse,
};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::{CertificateProblem, CoreError, Result};

/// How hard to try before giving up on a request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { attempts: 5, base_delay: Duration::from_millis(250), max_delay: Duration::from_secs(15) }
    }
}

impl RetryPolicy {
    /// Full jitter: a random delay in [0, min(max, base × 2^attempt)].
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.base_delay.saturating_mul(1u32 << attempt.min(16)).min(self.max_delay);
        let mut b = [0u8; 4];
        let r = getrandom::fill(&mut b).map(|_| u32::from_le_bytes(b)).unwrap_or(u32::MAX / 2);
        ceiling.mul_f64(f64::from(r) / f64::from(u32::MAX))
    }
}

/// A connection to one hub.
#[derive(Clone)]
pub struct HubClient {
    base: String,
    /// The establishment's CA, kept with the enrolment for later syncs.
    extra_ca_pem: Option<Vec<u8>>,
    credential: Option<String>,
    http: reqwest::Client,
    retry: RetryPolicy,
    /// Operations still waiting on this tablet, told to the hub with each
    /// request (the console's sync health); negative when unknown.
    pending: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The highest sequence this tablet has given an operation, told on
    /// each request from when it is known (-1: not yet).
    outbox_head: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The tablet's last failed sync, as the [`chevet_protocol::LAST_FAILURE_HEADER`] value.
    last_failure: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

fn tls_config(extra_ca_pem: Option<&[u8]>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(pem) = extra_ca_pem {
        use rustls_pki_types::pem::PemObject;
        let mut added = 0;
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| CoreError::invalid("hub CA", "not a PEM certificate"))?;
            roots.add(cert).map_err(|_| CoreError::invalid("hub CA", "certificate refused"))?;
            added += 1;
        }
        if added == 0 {
            return Err(CoreError::invalid("hub CA", "no PEM certificate found"));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| CoreError::invalid("tls", "no protocol version"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Only https, except plain http to this machine (a test hub, or a TLS
/// proxy on the same host): on a network, plain http shows the credential
/// and the records to anyone on the way.
fn check_hub_url(base: &str) -> Result<()> {
    let url = reqwest::Url::parse(base).map_err(|_| CoreError::invalid("hub url", "not a URL"))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(CoreError::invalid("hub url", "must be https://host[:port][/path]"));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(CoreError::invalid("hub url", "plain http:// is refused except to this machine: use https://"))
            }
        }
        _ => Err(CoreError::invalid("hub url", "must start with https://")),
    }
}

/// A request that got no answer: a refused certificate (final) or a
/// network failure (worth retrying).
fn request_failed(what: &'static str, e: reqwest::Error) -> CoreError {
    match certificate_problem(&e) {
        Some(problem) => {
            log::warn!("{what}: hub certificate refused: {problem}");
            CoreError::HubCertificate(problem)
        }
        None => CoreError::HubUnreachable(format!("{what}: {}", e.without_url())),
    }
}

/// The rustls verdict somewhere in a request error's causes. An
/// `io::Error`'s `source()` skips the error it wraps (and they nest),
/// hence `get_ref`.
fn certificate_problem(e: &(dyn std::error::Error + 'static)) -> Option<CertificateProblem> {
    use rustls::CertificateError as C;
    let mut next = Some(e);
    while let Some(err) = next {
        if let Some(rustls::Error::InvalidCertificate(c)) = err.downcast_ref::<rustls::Error>() {
            return Some(match c {
                C::UnknownIssuer => CertificateProblem::UnknownIssuer,
                C::Expired | C::ExpiredContext { .. } | C::NotValidYet | C::NotValidYetContext { .. } => {
                    CertificateProblem::Expired
                }
                C::NotValidForName | C::NotValidForNameContext { .. } => CertificateProblem::WrongName,
                _ => CertificateProblem::Invalid,
            });
        }
        next = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

impl HubClient {
    /// A client for the hub at `base_url` ("https://hub.example.fr").
    /// `extra_ca_pem` adds the establishment's own CA to Mozilla's roots.
    pub fn new(base_url: &str, extra_ca_pem: Option<&[u8]>) -> Result<Self> {
        let base = base_url.trim_end_matches('/').to_owned();
        check_hub_url(&base)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls_config(extra_ca_pem)?)
            // A hub that redirects elsewhere would take the credential along.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("chevet-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CoreError::HubUnreachable(format!("client setup: {e}")))?;
        Ok(HubClient {
            base,
            extra_ca_pem: extra_ca_pem.map(<[u8]>::to_vec),
            credential: None,
            http,
            retry: RetryPolicy::default(),
            pending: std::sync::Arc::new(std::sync::atomic::AtomicI64::new(-1)),
            outbox_head: std::sync::Arc::new(std::sync::atomic::AtomicI64::new(-1)),
            last_failure: std::sync::Arc::new(std::sync::Mutex::new(None)),
        })
    }

    /// The establishment's CA this client trusts besides Mozilla's roots.
    pub fn extra_ca_pem(&self) -> Option<&[u8]> {
        self.extra_ca_pem.as_deref()
    }

    pub fn with_credential(mut self, credential: impl Into<String>) -> Self {
        self.credential = Some(credential.into());
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// How many operations wait on this tablet: sent along from now on.
    pub fn report_pending(&self, operations: u64) {
        self.pending.store(i64::try_from(operations).unwrap_or(i64::MAX), std::sync::atomic::Ordering::Relaxed);
    }

    /// The highest sequence this tablet has given an operation: sent along
    /// from now on, so that the hub binds what a pulled page teaches (a
    /// professional deactivated) to the operations made after it.
    pub fn report_outbox_head(&self, device_seq: i64) {
        self.outbox_head.store(device_seq.max(0), std::sync::atomic::Ordering::Relaxed);
    }

    /// The tablet's last failed sync (after its last success), sent along
    /// from now on so the console sees failures that never reached the hub.
    pub fn report_last_failure(&self, failure: Option<(chevet_protocol::TabletFailure, i64)>) {
        *self.last_failure.lock().unwrap_or_else(|p| p.into_inner()) = failure.map(|(k, at)| k.header_value(at));
    }

    async fn send<T: DeserializeOwned>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
        what: &'static str,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            let mut req = build().header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
            let pending = self.pending.load(std::sync::atomic::Ordering::Relaxed);
            if pending >= 0 {
                req = req.header(chevet_protocol::PENDING_HEADER, pending.to_string());
            }
            let head = self.outbox_head.load(std::sync::atomic::Ordering::Relaxed);
            if head >= 0 {
                req = req.header(chevet_protocol::OUTBOX_HEAD_HEADER, head.to_string());
            }
            if let Some(f) = self.last_failure.lock().unwrap_or_else(|p| p.into_inner()).clone() {
                req = req.header(chevet_protocol::LAST_FAILURE_HEADER, f);
            }
            if let Some(c) = &self.credential {
                req = req.bearer_auth(c);
            }
            let retryable = match req.send().await {
                Ok(resp) if resp.status().is_success() => {
                    let bytes = read_capped(resp, MAX_ANSWER_BYTES, what).await;
                    match bytes {
                        Ok(b) => {
                            return serde_json::from_slice(&b).map_err(|_| CoreError::HubRefused {
                                status: 200,
                                code: format!("malformed {what} answer"),
                            });
                        }
                        Err(e @ CoreError::HubRefused { .. }) => return Err(e),
                        Err(e) => e,
                    }
                }
                Ok(resp) => {
                    let status = resp.status();
                    // An error body is small; a large one is not an error body.
                    let code = read_capped(resp, 64 * 1024, what)
                        .await
                        .ok()
                        .and_then(|b| serde_json::from_slice::<ErrorBody>(&b).ok())
                        .and_then(|b| serde_json::to_value(b.code).ok())
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_else(|| "unknown".into());
                    if status == StatusCode::UNAUTHORIZED {
                        return Err(if code == "revoked" {
                            CoreError::DeviceRevoked
                        } else {
                            CoreError::HubUnauthorized
                        });
                    }
                    if !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS) {
                        return Err(CoreError::HubRefused { status: status.as_u16(), code });
                    }
                    CoreError::HubUnreachable(format!("{what}: hub answered {}", status.as_u16()))
                }
                Err(e) => match request_failed(what, e) {
                    e @ CoreError::HubCertificate(_) => return Err(e),
                    e => e,
                },
            };
            attempt += 1;
            if attempt >= self.retry.attempts {
                return Err(retryable);
            }
            let delay = self.retry.delay(attempt);
            log::info!("{what} failed (attempt {attempt}), retrying in {} ms", delay.as_millis());
            tokio::time::sleep(delay).await;
        }
    }

    /// One tus request; retryable failures come back as `HubUnreachable`.
    async fn tus(&self, req: reqwest::RequestBuilder, what: &'static str) -> Result<reqwest::Response> {
        let mut req = req.header("tus-resumable", "1.0.0").header(PROTOCOL_HEADER, PROTOCOL_VERSION.to_string());
        if let Some(c) = &self.credential {
            req = req.bearer_auth(c);
        }
        match req.send().await {
            Ok(r) if r.status() == StatusCode::UNAUTHORIZED => {
                let revoked = read_capped(r, 64 * 1024, what)
                    .await
                    .ok()
                    .and_then(|b| serde_json::from_slice::<ErrorBody>(&b).ok())
                    .is_some_and(|b| b.code == chevet_protocol::ErrorCode::Revoked);
                Err(if revoked { CoreError::DeviceRevoked } else { CoreError::HubUnauthorized })
            }
            Ok(r) if r.status().is_server_error() || r.status() == StatusCode::TOO_MANY_REQUESTS => {
                // 429: too many uploads in progress; they finish or expire.
                Err(CoreError::HubUnreachable(format!("{what}: hub answered {}", r.status().as_u16())))
            }
            Ok(r) => Ok(r),
            Err(e) => Err(request_failed(what, e)),
        }
    }

    /// Starts a tus upload of `length` bytes whose BLAKE3 is `hash`; returns its URL.
    pub async fn blob_create(&self, length: u64, hash: &str) -> Result<String> {
        use base64::Engine;
        let meta = format!("blake3 {}", base64::engine::general_purpose::STANDARD.encode(hash));
        let resp = self
            .tus(
                self.http
                    .post(format!("{}/v1/blobs", self.base))
                    .header("upload-length", length.to_string())
                    .header("upload-metadata", meta),
                "blob create",
            )
            .await?;
        if resp.status() != StatusCode::CREATED {
            return Err(CoreError::HubRefused { status: resp.status().as_u16(), code: "blob create".into() });
        }
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or(CoreError::HubRefused { status: 201, code: "blob create without Location".into() })?;
        // The upload stays on this hub: an absolute location elsewhere would
        // receive the photo and the credential.
        if let Some(path) = location.strip_prefix(self.base.as_str()).or(Some(location).filter(|l| l.starts_with('/')))
            && path.starts_with("/v1/blobs/")
        {
            Ok(format!("{}{path}", self.base))
        } else {
            Err(CoreError::HubRefused { status: 201, code: "blob create Location outside the hub".into() })
        }
    }

    /// Bytes the hub holds of an upload; None if it is unknown or expired.
    pub async fn blob_offset(&self, url: &str) -> Result<Option<u64>> {
        let resp = self.tus(self.http.head(url), "blob offset").await?;
        match resp.status() {
            StatusCode::OK => {
                Ok(resp.headers().get("upload-offset").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()))
            }
            StatusCode::NOT_FOUND | StatusCode::GONE => Ok(None),
            s => Err(CoreError::HubRefused { status: s.as_u16(), code: "blob offset".into() }),
        }
    }

    /// Sends one chunk at `offset` with its SHA-1; returns the new offset.
    pub async fn blob_append(&self, url: &str, offset: u64, chunk: &[u8]) -> Result<u64> {
        use base64::Engine;
        use sha1::Digest;
        let checksum = format!("sha1 {}", base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(chunk)));
        let resp = self
            .tus(
                self.http
                    .patch(url)
                    .header("content-type", "application/offset+octet-stream")
                    .header("upload-offset", offset.to_string())
                    .header("upload-checksum", checksum)
                    .body(chunk.to_vec()),
                "blob append",
            )
            .await?;
        match resp.status() {
            StatusCode::NO_CONTENT => resp
                .headers()
                .get("upload-offset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .ok_or(CoreError::HubRefused { status: 204, code: "blob append without Upload-Offset".into() }),
            // Offset moved (a retried chunk had landed) or the chunk was damaged: ask again.
            StatusCode::CONFLICT => Err(CoreError::HubUnreachable("blob append: offset moved".into())),
            s if s.as_u16() == 460 => Err(CoreError::HubUnreachable("blob append: checksum mismatch".into())),
            s => Err(CoreError::HubRefused { status: s.as_u16(), code: "blob append".into() }),
        }
    }

    /// A stored blob (ciphertext) by content hash.
    pub async fn blob_get(&self, hash: &str) -> Result<Vec<u8>> {
        let resp = self.tus(self.http.get(format!("{}/v1/blobs/by-hash/{hash}", self.base)), "blob get").await?;
        if resp.status() != StatusCode::OK {
            return Err(CoreError::HubRefused { status: resp.status().as_u16(), code: "blob get".into() });
        }
        read_capped(resp, MAX_BLOB_BYTES as usize, "blob get").await
    }

    pub fn retry_policy(&self) -> RetryPolicy {
        self.retry
    }

    pub async fn enrol(&self, req: &EnrolRequest) -> Result<EnrolResponse> {
        let url = format!("{}/v1/enrol", self.base);
        self.send(|| self.http.post(&url).json(req), "enrol").await
    }

    pub async fn push(&self, req: &PushRequest) -> Result<PushResponse> {
        let url = format!("{}/v1/sync/push", self.base);
        self.send(|| self.http.post(&url).json(req), "push").await
    }

    pub async fn push_audit(&self, req: &AuditPushRequest) -> Result<AuditPushResponse> {
        let url = format!("{}/v1/sync/audit", self.base);
        self.send(|| self.http.post(&url).json(req), "audit").await
    }

    pub async fn pull(&self, cursor: &str, limit: u32) -> Result<PullResponse> {
        let url = format!("{}/v1/sync/pull", self.base);
        let limit = limit.to_string();
        self.send(|| self.http.get(&url).query(&[("cursor", cursor), ("limit", limit.as_str())]), "pull").await
    }
}

/// Reads an answer's body, refusing one larger than `cap` (announced or
/// actual) without buffering it.
async fn read_capped(mut resp: reqwest::Response, cap: usize, what: &'static str) -> Result<Vec<u8>> {
    let status = resp.status().as_u16();
    let too_large = || CoreError::HubRefused { status, code: format!("{what}: answer larger than {cap} bytes") };
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) =
        resp.chunk().await.map_err(|e| CoreError::HubUnreachable(format!("{what}: body cut: {e}")))?
    {
        if out.len() + chunk.len() > cap {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let p = RetryPolicy { attempts: 10, base_delay: Duration::from_millis(100), max_delay: Duration::from_secs(2) };
        for attempt in 0..12 {
            let ceiling = Duration::from_millis(100).saturating_mul(1 << attempt).min(Duration::from_secs(2));
            for _ in 0..50 {
                assert!(p.delay(attempt) <= ceiling);
            }
        }
        let distinct: std::collections::HashSet<u128> = (0..50).map(|_| p.delay(5).as_micros()).collect();
        assert!(distinct.len() > 10, "delays should be spread out");
    }

    #[test]
    fn urls_must_be_https_except_to_this_machine() {
        assert!(HubClient::new("ftp://hub", None).is_err());
        for plain in
            ["http://hub.example.fr", "http://10.0.0.5:8787", "http://[fe80::1]:80", "http://localhost.evil.fr"]
        {
            let err = HubClient::new(plain, None).err().expect(plain);
            assert!(err.to_string().contains("plain http:// is refused"), "{plain}: {err}");
        }
        for loopback in ["http://127.0.0.1:8787", "http://127.8.9.10", "http://[::1]:8787", "http://LOCALHOST:1"] {
            assert!(HubClient::new(loopback, None).is_ok(), "{loopback}");
        }
        for odd in ["https://hub/?x=1", "https://user@hub", "https://hub/#a", "not a url"] {
            assert!(HubClient::new(odd, None).is_err(), "{odd}");
        }
        assert!(HubClient::new("https://hub.example.fr/", None).unwrap().base_url() == "https://hub.example.fr");
        // A CA that is not a PEM certificate is an error, not silently ignored.
        assert!(HubClient::new("https://hub", Some(b"not pem")).is_err());
    }
}
