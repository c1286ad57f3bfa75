//! The console's actions as JSON under `/console/api/`, for tests and
//! other tools: a full session from `POST /console/api/session`, the CSRF
//! token in `X-CSRF-Token`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::access::resident_id;
use super::conflicts::{Decision, ids};
use super::session::*;
use super::{access, conflicts};
use crate::api::{AppState, now_ms};
use crate::backend::Backend;
use crate::error::{HubError, HubResult};

pub(super) async fn api_conflicts<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
) -> HubResult<Response> {
    let (_, account) = api_session(&state, &headers).await?;
    let list = console_tx(&state, move |tx| conflicts::open_conflicts(tx, &account)).await?;
    Ok(Json(list).into_response())
}

pub(super) async fn api_access<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(resident): Path<String>,
    headers: HeaderMap,
) -> HubResult<Response> {
    let (_, account) = api_session(&state, &headers).await?;
    let resident = resident_id(&resident)?;
    let who = account.id;
    let log = console_tx(&state, move |tx| access::access_log(tx, &account, resident)).await?;
    log::info!("console account {who} read the access log of resident {resident} (API)");
    Ok(Json(log).into_response())
}

#[derive(Deserialize)]
pub(super) struct ApiResolve {
    #[serde(flatten)]
    decision: Decision,
    note: Option<String>,
}

pub(super) async fn api_resolve<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path((device, op)): Path<(String, String)>,
    headers: HeaderMap,
    Json(req): Json<ApiResolve>,
) -> HubResult<Response> {
    let (session, account) = api_session(&state, &headers).await?;
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
    if !csrf_ok(&session, sent, &headers) {
        return Err(HubError::Forbidden("missing or wrong CSRF token"));
    }
    let (device, op) = ids(&device, &op)?;
    let now = now_ms();
    let resolved = console_tx(&state, move |tx| {
        conflicts::resolve(tx, &account, device, op, &req.decision, req.note.as_deref(), now)
    })
    .await?;
    Ok(Json(resolved).into_response())
}
