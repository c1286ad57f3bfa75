//! The HTTP API: routes, authentication, limits. Handlers parse and check
//! the request, then run the sync rules in one storage transaction on a
//! blocking thread.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::handler::Handler;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use chevet_protocol::{AuditPushRequest, EnrolRequest, MAX_PUSH_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION, PushRequest};
use serde::Deserialize;
use tower_http::timeout::TimeoutLayer;
use uuid::Uuid;

use crate::backend::{Backend, DeviceAuth, Scope};
use crate::error::{HubError, HubResult};
use crate::sync;

/// What every handler shares.
pub struct AppState<B: Backend> {
    pub backend: B,
    pub blobs: crate::blobs::BlobStore,
    /// The hub serves TLS itself (the console then sends HSTS).
    pub https: bool,
    /// The CA the console's enrolment QR codes carry (see `ServeOptions`).
    pub enrolment_ca_der: Option<Vec<u8>>,
    /// What bounds console sign-ins before they cost a hash.
    pub sign_in: crate::console::throttle::SignInGuard,
    /// What a tablet may send, and an address try without a credential.
    pub budgets: crate::budgets::DeviceBudgets,
}

impl<B: Backend> AppState<B> {
    /// Plain HTTP, no CA in the enrolment codes, clients seen directly (no proxy).
    pub fn new(backend: B, blobs: crate::blobs::BlobStore) -> Self {
        AppState {
            backend,
            blobs,
            https: false,
            enrolment_ca_der: None,
            sign_in: crate::console::throttle::SignInGuard::default(),
            budgets: crate::budgets::DeviceBudgets::default(),
        }
    }
}

/// Largest tus PATCH body: clients send a blob in chunks of at most this.
pub const MAX_PATCH_BYTES: usize = 8 * 1024 * 1024;

pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Runs `f` in a storage transaction off the async threads, on behalf of
/// `device` (or of the hub itself before authentication).
async fn in_tx<B: Backend, T: Send + 'static>(
    state: &Arc<AppState<B>>,
    device: Option<DeviceAuth>,
    f: impl FnOnce(&mut dyn crate::backend::Tx) -> HubResult<T> + Send + 'static,
) -> HubResult<T> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let scope = match &device {
            Some(d) => Scope::Device(d),
            None => Scope::Hub,
        };
        state.backend.transaction(scope, f)
    })
    .await
    .map_err(|_| HubError::Storage("worker thread failed".into()))?
}

fn check_protocol(headers: &HeaderMap) -> HubResult<()> {
    match headers.get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok()) {
        None => Ok(()),
        Some(v) if v.trim() == PROTOCOL_VERSION.to_string() => Ok(()),
        Some(_) => Err(HubError::UnsupportedProtocol),
    }
}

async fn authenticate<B: Backend>(state: &Arc<AppState<B>>, headers: &HeaderMap) -> HubResult<DeviceAuth> {
    check_protocol(headers)?;
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(HubError::Unauthorized)?
        .trim()
        .to_owned();
    if token.is_empty() || token.len() > 256 {
        return Err(HubError::Unauthorized);
    }
    let hash = sync::secret_hash(&token);
    in_tx(state, None, move |tx| match tx.device_by_credential(&hash)? {
        Some(device) => Ok(device),
        // A lost tablet coming back learns so, and erases what it holds.
        None if tx.credential_revoked(&hash)? => Err(HubError::Revoked),
        None => Err(HubError::Unauthorized),
    })
    .await
}

/// The address a request comes from, as the budgets for strangers count it
/// (behind a proxy, the address it forwarded).
pub(crate) struct Source(pub(crate) Option<std::net::IpAddr>);

impl<B: Backend> axum::extract::FromRequestParts<Arc<AppState<B>>> for Source {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState<B>>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Source(state.sign_in.source(&parts.extensions, &parts.headers)))
    }
}

fn body(body: Result<Bytes, BytesRejection>) -> HubResult<Bytes> {
    body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HubError::TooLarge
        } else {
            HubError::BadRequest("unreadable body".into())
        }
    })
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> HubResult<T> {
    // serde's message names the field and position, never a value.
    serde_json::from_slice(bytes)
        .map_err(|e| HubError::BadRequest(format!("invalid JSON: {}", e.classify_and_position())))
}

trait ClassifyAndPosition {
    fn classify_and_position(&self) -> String;
}

impl ClassifyAndPosition for serde_json::Error {
    fn classify_and_position(&self) -> String {
        format!("{:?} error at line {} column {}", self.classify(), self.line(), self.column())
    }
}

/// What a device says of itself with each request, for the console's sync
/// health: its client (User-Agent), the operations still waiting on it, its
/// clock's distance from the hub's. A device's word, shown as such; bounded.
fn device_report(headers: &HeaderMap, skew_ms: Option<i64>) -> serde_json::Value {
    let client = header(headers, "user-agent")
        .filter(|v| v.len() <= 64 && v.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        .map(str::to_owned);
    let pending = header(headers, chevet_protocol::PENDING_HEADER).and_then(|v| v.parse::<u32>().ok());
    // What was not said now keeps its last value (a pull says no clock).
    let mut report = serde_json::Map::new();
    if let Some(c) = client {
        report.insert("client".into(), c.into());
    }
    if let Some(p) = pending {
        report.insert("pending_ops".into(), p.into());
    }
    if let Some(s) = skew_ms {
        report.insert("skew_ms".into(), s.into());
    }
    if let Some((kind, at_ms)) =
        header(headers, chevet_protocol::LAST_FAILURE_HEADER).and_then(chevet_protocol::TabletFailure::parse_header)
    {
        report.insert("tablet_failure".into(), serde_json::json!({ "kind": kind, "at_ms": at_ms }));
    }
    serde_json::Value::Object(report)
}

/// A request of an authenticated device that failed: kept on the device's
/// row for the console (the kind and when; never the body), without
/// counting as a sync.
async fn note_refusal<B: Backend, T>(
    state: &Arc<AppState<B>>,
    device: &DeviceAuth,
    result: HubResult<T>,
) -> HubResult<T> {
    if let Err(e) = &result {
        let now = now_ms();
        let report = serde_json::json!({ "hub_refusal": { "code": e.error_code(), "at_ms": now } });
        let id = device.device_id;
        if let Err(noted) = in_tx(state, Some(device.clone()), move |tx| tx.note_device_refusal(id, &report)).await {
            log::warn!("refusal of device {id} not noted: {noted}");
        }
    }
    result
}

async fn enrol<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Source(source): Source,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> HubResult<Response> {
    check_protocol(&headers)?;
    state.budgets.may_enrol(source).map_err(HubError::RateLimited)?;
    let req: EnrolRequest = json_body(&body(raw)?)?;
    let now = now_ms();
    let resp = match in_tx(&state, None, move |tx| sync::enrol(tx, &req, now)).await {
        Ok(resp) => resp,
        Err(e) => {
            if matches!(e, HubError::Forbidden(_) | HubError::Conflict(_) | HubError::BadRequest(_)) {
                state.budgets.enrolment_failed(source);
            }
            return Err(e);
        }
    };
    Ok((StatusCode::CREATED, Json(resp)).into_response())
}

async fn push<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> HubResult<Response> {
    let device = authenticate(&state, &headers).await?;
    let result = push_as(&state, &device, &headers, raw).await;
    note_refusal(&state, &device, result).await
}

async fn push_as<B: Backend>(
    state: &Arc<AppState<B>>,
    device: &DeviceAuth,
    headers: &HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> HubResult<Response> {
    let device = device.clone();
    let req: PushRequest = json_body(&body(raw)?)?;
    let n = req.ops.len();
    state.budgets.operations(device.device_id, n).map_err(HubError::RateLimited)?;
    let now = now_ms();
    // Client input: a difference that cannot overflow.
    let skew = req.device_time_ms.abs_diff(now);
    if skew > 120_000 {
        log::warn!("device {} clock is {} s off the hub's", device.device_id, skew / 1000);
    }
    let device_id = device.device_id;
    let report = device_report(headers, Some(req.device_time_ms.saturating_sub(now)));
    let resp = in_tx(state, Some(device.clone()), move |tx| {
        let resp = sync::push(tx, &device, req, now)?;
        tx.note_device_report(device.device_id, &report, now)?;
        Ok(resp)
    })
    .await?;
    log::debug!("device {device_id} pushed {n} ops");
    Ok(Json(resp).into_response())
}

async fn push_audit<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> HubResult<Response> {
    let device = authenticate(&state, &headers).await?;
    let result = async {
        let req: AuditPushRequest = json_body(&body(raw)?)?;
        let n = req.entries.len();
        state.budgets.audit_entries(device.device_id, n).map_err(HubError::RateLimited)?;
        let now = now_ms();
        let d = device.clone();
        let resp = in_tx(&state, Some(device.clone()), move |tx| crate::audit::push_audit(tx, &d, req, now)).await?;
        log::debug!("device {} sent {n} audit entries", device.device_id);
        Ok(Json(resp).into_response())
    }
    .await;
    note_refusal(&state, &device, result).await
}

#[derive(Deserialize)]
struct PullQuery {
    #[serde(default)]
    cursor: String,
    limit: Option<u32>,
}

async fn pull<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    query: Result<Query<PullQuery>, axum::extract::rejection::QueryRejection>,
) -> HubResult<Response> {
    let device = authenticate(&state, &headers).await?;
    let result = async {
        let Query(q) = query.map_err(|_| HubError::BadRequest("query needs cursor and limit".into()))?;
        let limit = q.limit.unwrap_or(500);
        let outbox_head = header(&headers, chevet_protocol::OUTBOX_HEAD_HEADER).and_then(|v| v.parse::<i64>().ok());
        let report = device_report(&headers, None);
        let now = now_ms();
        let d = device.clone();
        let resp = in_tx(&state, Some(device.clone()), move |tx| {
            let resp = sync::pull(tx, &d, &q.cursor, limit, outbox_head)?;
            tx.note_device_report(d.device_id, &report, now)?;
            Ok(resp)
        })
        .await?;
        Ok(Json(resp).into_response())
    }
    .await;
    note_refusal(&state, &device, result).await
}

// --- blobs over tus 1.0 ---------------------------------------------------------

fn tus_headers(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert("tus-resumable", HeaderValue::from_static(crate::blobs::TUS_VERSION));
    h.insert("cache-control", HeaderValue::from_static("no-store"));
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn http_date(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

/// tus requires its version on every request but OPTIONS: the refusal, if any.
fn tus_refusal(headers: &HeaderMap) -> Option<Response> {
    if header(headers, "tus-resumable") == Some(crate::blobs::TUS_VERSION) {
        return None;
    }
    let mut resp = StatusCode::PRECONDITION_FAILED.into_response();
    resp.headers_mut().insert("tus-version", HeaderValue::from_static(crate::blobs::TUS_VERSION));
    Some(resp)
}

async fn tus_options() -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut resp);
    let h = resp.headers_mut();
    h.insert("tus-version", HeaderValue::from_static(crate::blobs::TUS_VERSION));
    h.insert("tus-extension", HeaderValue::from_static(crate::blobs::TUS_EXTENSIONS));
    h.insert("tus-checksum-algorithm", HeaderValue::from_static("sha1"));
    if let Ok(v) = HeaderValue::from_str(&crate::blobs::MAX_BLOB_BYTES.to_string()) {
        h.insert("tus-max-size", v);
    }
    resp
}

/// `Upload-Metadata`: comma-separated `key base64(value)` pairs; we need `blake3`.
fn metadata_hash(headers: &HeaderMap) -> HubResult<String> {
    use base64::Engine;
    let raw = header(headers, "upload-metadata").ok_or(HubError::BadRequest("Upload-Metadata is required".into()))?;
    for pair in raw.split(',') {
        let mut it = pair.trim().splitn(2, ' ');
        if it.next() == Some("blake3") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(it.next().unwrap_or("").trim())
                .map_err(|_| HubError::BadRequest("Upload-Metadata values are base64".into()))?;
            return String::from_utf8(bytes).map_err(|_| HubError::BadRequest("blake3 hash is not text".into()));
        }
    }
    Err(HubError::BadRequest("Upload-Metadata needs the blake3 key".into()))
}

async fn tus_create<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> HubResult<Response> {
    if let Some(r) = tus_refusal(&headers) {
        return Ok(r);
    }
    let device = authenticate(&state, &headers).await?;
    if header(&headers, "upload-defer-length").is_some() {
        return Err(HubError::BadRequest("deferred length is not supported".into()));
    }
    let length: u64 = header(&headers, "upload-length")
        .and_then(|v| v.parse().ok())
        .ok_or(HubError::BadRequest("Upload-Length is required".into()))?;
    let hash = metadata_hash(&headers)?;
    let now = now_ms();
    let d = device.clone();
    let unclaimed = in_tx(&state, Some(device.clone()), move |tx| tx.unclaimed_bytes(d.tenant_id, d.device_id)).await?;
    let upload = state.blobs.create(device.tenant_id, device.device_id, length, &hash, unclaimed, now).await?;
    let mut resp = StatusCode::CREATED.into_response();
    tus_headers(&mut resp);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/blobs/{}", upload.id)) {
        h.insert("location", v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(upload.expires_ms)) {
        h.insert("upload-expires", v);
    }
    Ok(resp)
}

async fn tus_head<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> HubResult<Response> {
    if let Some(r) = tus_refusal(&headers) {
        return Ok(r);
    }
    let device = authenticate(&state, &headers).await?;
    let id: Uuid = id.parse().map_err(|_| HubError::NotFound("upload".into()))?;
    let now = now_ms();
    let (upload, mut offset) = state.blobs.find(device.tenant_id, device.device_id, id, now).await?;
    if crate::blobs::BlobStore::needs_publishing(&upload, offset) {
        // Every byte arrived but the hub (this node or another) stopped
        // before storing the blob.
        match state.blobs.publish(&upload).await {
            Ok(()) => stored(&state, &device, &upload).await?,
            Err(HubError::ChecksumMismatch) => offset = 0,
            Err(e) => return Err(e),
        }
    }
    let mut resp = StatusCode::OK.into_response();
    tus_headers(&mut resp);
    let h = resp.headers_mut();
    h.insert("upload-offset", HeaderValue::from(offset));
    h.insert("upload-length", HeaderValue::from(upload.length));
    if let Ok(v) = HeaderValue::from_str(&http_date(upload.expires_ms)) {
        h.insert("upload-expires", v);
    }
    Ok(resp)
}

async fn tus_patch<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> HubResult<Response> {
    use base64::Engine;
    use sha1::Digest;
    if let Some(r) = tus_refusal(&headers) {
        return Ok(r);
    }
    let device = authenticate(&state, &headers).await?;
    if header(&headers, "content-type") != Some("application/offset+octet-stream") {
        return Ok(StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response());
    }
    let offset: u64 = header(&headers, "upload-offset")
        .and_then(|v| v.parse().ok())
        .ok_or(HubError::BadRequest("Upload-Offset is required".into()))?;
    let id: Uuid = id.parse().map_err(|_| HubError::NotFound("upload".into()))?;
    // A cut connection fails here: nothing of this chunk is kept, the
    // client asks for the offset (HEAD) and sends it again.
    let chunk = body(raw)?;
    if let Some(checksum) = header(&headers, "upload-checksum") {
        let (algo, value) =
            checksum.split_once(' ').ok_or(HubError::BadRequest("Upload-Checksum is `algo base64`".into()))?;
        if algo != "sha1" {
            return Err(HubError::BadRequest("checksum algorithm must be sha1".into()));
        }
        let expected = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| HubError::BadRequest("Upload-Checksum value is base64".into()))?;
        if sha1::Sha1::digest(&chunk).as_slice() != expected.as_slice() {
            return Err(HubError::ChecksumMismatch);
        }
    }
    let now = now_ms();
    let (upload, _) = state.blobs.find(device.tenant_id, device.device_id, id, now).await?;
    let appended = state.blobs.append(&upload, offset, &chunk).await?;
    let new_offset = match appended {
        crate::blobs::Appended::Partial(o) => o,
        crate::blobs::Appended::Complete => {
            state.blobs.publish(&upload).await?;
            stored(&state, &device, &upload).await?;
            upload.length
        }
    };
    let mut resp = StatusCode::NO_CONTENT.into_response();
    tus_headers(&mut resp);
    resp.headers_mut().insert("upload-offset", HeaderValue::from(new_offset));
    Ok(resp)
}

/// A published blob, counted against its device until a record names it.
async fn stored<B: Backend>(
    state: &Arc<AppState<B>>,
    device: &DeviceAuth,
    upload: &crate::blobs::Upload,
) -> HubResult<()> {
    let (d, hash, bytes) = (device.clone(), upload.hash.clone(), upload.length);
    in_tx(state, Some(device.clone()), move |tx| {
        tx.record_stored_blob(d.tenant_id, &hash, d.device_id, bytes, now_ms())
    })
    .await
}

async fn blob_get<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> HubResult<Response> {
    let device = authenticate(&state, &headers).await?;
    // A blob is readable by the devices that may read a photo naming it: a
    // resident's photo in one of their units. Unknown and out of scope
    // look alike.
    let (d, h) = (device.clone(), hash.clone());
    let visible = in_tx(&state, Some(device.clone()), move |tx| tx.blob_visible(d.tenant_id, &d.units, &h)).await?;
    if !visible {
        return Err(HubError::NotFound("blob".into()));
    }
    let blob = state.blobs.open_blob(device.tenant_id, &hash).await?;
    let mut resp = axum::body::Body::from_stream(blob.bytes).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/octet-stream"));
    h.insert("content-length", HeaderValue::from(blob.size));
    Ok(resp)
}

async fn health() -> &'static str {
    "ok"
}

/// One structured log line per request: method, route, status, time; no bodies.
async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    log::info!(
        target: "chevet_hub::access",
        "{} {} {} {:.1}ms",
        method,
        path,
        resp.status().as_u16(),
        started.elapsed().as_secs_f64() * 1e3
    );
    resp
}

/// One route: its method and path, the body it may carry and its handler.
/// The router is built from [`routes`] and nothing else, so the list the
/// OpenAPI check reads ([`served_routes`]) is the router's own.
struct Route<B: Backend> {
    method: Method,
    path: &'static str,
    /// Largest request body; `None` keeps axum's default (2 MiB).
    body_limit: Option<usize>,
    handler: MethodRouter<Arc<AppState<B>>>,
}

impl<B: Backend> Route<B> {
    fn new<H, T>(method: Method, path: &'static str, body_limit: Option<usize>, handler: H) -> Self
    where
        H: Handler<T, Arc<AppState<B>>>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a method axum routes");
        Route { method, path, body_limit, handler: on(filter, handler) }
    }
}

fn routes<B: Backend>() -> Vec<Route<B>> {
    let sync_body = Some(MAX_PUSH_BYTES);
    let chunk = Some(MAX_PATCH_BYTES);
    vec![
        Route::new(Method::GET, "/v1/health", sync_body, health),
        Route::new(Method::POST, "/v1/enrol", sync_body, enrol::<B>),
        Route::new(Method::POST, "/v1/sync/push", sync_body, push::<B>),
        Route::new(Method::GET, "/v1/sync/pull", sync_body, pull::<B>),
        Route::new(Method::POST, "/v1/sync/audit", sync_body, push_audit::<B>),
        Route::new(Method::OPTIONS, "/v1/blobs", None, tus_options),
        Route::new(Method::POST, "/v1/blobs", None, tus_create::<B>),
        Route::new(Method::HEAD, "/v1/blobs/{id}", chunk, tus_head::<B>),
        Route::new(Method::PATCH, "/v1/blobs/{id}", chunk, tus_patch::<B>),
        Route::new(Method::GET, "/v1/blobs/by-hash/{hash}", None, blob_get::<B>),
    ]
}

/// Every (method, path) the router serves, read from the table it is built
/// from; `hub/openapi.json` must list exactly these (`hub/tests/openapi.rs`).
/// axum also answers HEAD on a GET route.
pub fn served_routes() -> Vec<(Method, &'static str)> {
    routes::<crate::SqliteBackend>().into_iter().map(|r| (r.method, r.path)).collect()
}

pub fn router<B: Backend>(state: Arc<AppState<B>>, request_timeout: Duration) -> Router {
    let mut app = crate::console::routes::<B>(state.https);
    for route in routes::<B>() {
        let handler = match route.body_limit {
            Some(limit) => route.handler.layer(DefaultBodyLimit::max(limit)),
            None => route.handler,
        };
        // Same path twice merges the methods (and panics on a method given twice).
        app = app.route(route.path, handler);
    }
    app.layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout))
        .layer(middleware::from_fn(access_log))
        .with_state(state)
}
