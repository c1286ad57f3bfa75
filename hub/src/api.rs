//! The HTTP API: routes, authentication, limits. Handlers parse and check
//! the request, then run the sync rules in one storage transaction on a
//! blocking thread.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chevet_protocol::{EnrolRequest, MAX_PUSH_BYTES, PROTOCOL_HEADER, PROTOCOL_VERSION, PushRequest};
use serde::Deserialize;
use tower_http::timeout::TimeoutLayer;

use crate::backend::{Backend, DeviceAuth, Scope};
use crate::error::{HubError, HubResult};
use crate::sync;

/// What every handler shares.
pub struct AppState<B: Backend> {
    pub backend: B,
}

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
    in_tx(state, None, move |tx| tx.device_by_credential(&hash)).await?.ok_or(HubError::Unauthorized)
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

async fn enrol<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> HubResult<Response> {
    check_protocol(&headers)?;
    let req: EnrolRequest = json_body(&body(raw)?)?;
    let now = now_ms();
    let resp = in_tx(&state, None, move |tx| sync::enrol(tx, &req, now)).await?;
    Ok((StatusCode::CREATED, Json(resp)).into_response())
}

async fn push<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    raw: Result<Bytes, BytesRejection>,
) -> HubResult<Response> {
    let device = authenticate(&state, &headers).await?;
    let req: PushRequest = json_body(&body(raw)?)?;
    let n = req.ops.len();
    let now = now_ms();
    let skew = (req.device_time_ms - now).abs();
    if skew > 120_000 {
        log::warn!("device {} clock is {} s off the hub's", device.device_id, skew / 1000);
    }
    let device_id = device.device_id;
    let resp = in_tx(&state, Some(device.clone()), move |tx| sync::push(tx, &device, req, now)).await?;
    log::debug!("device {device_id} pushed {n} ops");
    Ok(Json(resp).into_response())
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
    let Query(q) = query.map_err(|_| HubError::BadRequest("query needs cursor and limit".into()))?;
    let limit = q.limit.unwrap_or(500);
    let resp = in_tx(&state, Some(device.clone()), move |tx| sync::pull(tx, &device, &q.cursor, limit)).await?;
    Ok(Json(resp).into_response())
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

/// Every route the hub serves, as (method, path): `openapi.json` must list
/// exactly these (checked by `hub/tests/openapi.rs`).
pub const ROUTES: &[(&str, &str)] =
    &[("GET", "/v1/health"), ("POST", "/v1/enrol"), ("POST", "/v1/sync/push"), ("GET", "/v1/sync/pull")];

pub fn router<B: Backend>(state: Arc<AppState<B>>, request_timeout: Duration) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/enrol", post(enrol::<B>))
        .route("/v1/sync/push", post(push::<B>))
        .route("/v1/sync/pull", get(pull::<B>))
        .layer(DefaultBodyLimit::max(MAX_PUSH_BYTES))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, request_timeout))
        .layer(middleware::from_fn(access_log))
        .with_state(state)
}
