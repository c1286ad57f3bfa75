//! Console sessions and what every handler opens with: the session from
//! its cookie, a fresh one at each step of signing in, "signed in", "signed
//! in with the form's CSRF token", and the storage transaction the console
//! runs as the hub's administrator.

use std::sync::Arc;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::accounts;
use super::accounts::{ConsoleAccount, SessionRecord, Stage};
use super::chrome::*;
use crate::api::{AppState, now_ms};
use crate::backend::{Backend, Scope, Tx};
use crate::error::{HubError, HubResult};

/// The session cookie's name.
pub(super) const COOKIE: &str = "chevet_console";

/// Runs `f` off the async threads as the hub's administrator: console
/// tables are out of the device role's sight; every query names the
/// account's tenant, and the handlers check the establishment.
pub(super) async fn console_tx<B: Backend, T: Send + 'static>(
    state: &Arc<AppState<B>>,
    f: impl FnOnce(&mut dyn Tx) -> HubResult<T> + Send + 'static,
) -> HubResult<T> {
    with_backend(state, move |backend| backend.transaction(Scope::Admin, f)).await
}

/// Runs `f` off the async threads with the hub's backend: for a console
/// action that checks the account's scope in a transaction, then acts
/// through `Admin` (which opens its own).
pub(super) async fn with_backend<B: Backend, T: Send + 'static>(
    state: &Arc<AppState<B>>,
    f: impl FnOnce(&B) -> HubResult<T> + Send + 'static,
) -> HubResult<T> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || f(&state.backend))
        .await
        .map_err(|_| HubError::Storage("worker thread failed".into()))?
}

/// A session found from its cookie.
pub(super) struct Session {
    pub(super) hash: [u8; 32],
    pub(super) record: SessionRecord,
    pub(super) account: ConsoleAccount,
}

pub(super) fn token_hash(token: &str) -> [u8; 32] {
    crate::sync::secret_hash(token)
}

pub(super) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub(super) fn set_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        accounts::SESSION_MAX_MS / 1000
    ))
    .expect("a hex token makes a valid header")
}

pub(super) fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("chevet_console=; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}

pub(super) async fn current_session<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
) -> HubResult<Option<Session>> {
    let Some(token) = cookie_token(headers) else { return Ok(None) };
    let hash = token_hash(&token);
    let now = now_ms();
    console_tx(state, move |tx| {
        let Some((account_id, record)) = tx.console_session(&hash, now)? else { return Ok(None) };
        let Ok(record) = serde_json::from_value::<SessionRecord>(record) else { return Ok(None) };
        let account = match tx.console_account(account_id)?.map(ConsoleAccount::from_row).transpose()? {
            Some(a) if !a.disabled => a,
            // A disabled account's sessions end at once.
            _ => return Ok(None),
        };
        // Used now: its idle time starts again.
        let record = SessionRecord { expires_ms: accounts::expiry(record.started_ms, now), ..record };
        tx.put_console_session(&hash, account_id, record.expires_ms, &record.to_value())?;
        Ok(Some(Session { hash, record, account }))
    })
    .await
}

/// Starts a session at `stage` for `account` (ending `previous`, so a
/// session id never survives a step of signing in); returns its token.
pub(super) async fn start_session<B: Backend>(
    state: &Arc<AppState<B>>,
    previous: Option<[u8; 32]>,
    stage: Stage,
    account: Uuid,
) -> HubResult<(String, SessionRecord)> {
    let token = accounts::random_token()?;
    let now = now_ms();
    let record = SessionRecord {
        stage,
        csrf: accounts::random_token()?,
        started_ms: now,
        expires_ms: accounts::expiry(now, now),
    };
    let hash = token_hash(&token);
    let stored = record.clone();
    console_tx(state, move |tx| {
        if let Some(old) = previous {
            tx.delete_console_session(&old, now)?;
        }
        tx.put_console_session(&hash, account, stored.expires_ms, &stored.to_value())
    })
    .await?;
    Ok((token, record))
}

/// The session's CSRF token matches the one sent, and the request comes
/// from this origin (when the browser says where it comes from).
pub(super) fn csrf_ok(session: &Session, sent: Option<&str>, headers: &HeaderMap) -> bool {
    csrf_matches(&session.record.csrf, sent, headers)
}

/// The token `expected` matches the one sent, and the request comes from
/// this origin (when the browser says where it comes from).
pub(super) fn csrf_matches(expected: &str, sent: Option<&str>, headers: &HeaderMap) -> bool {
    let same_origin = match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or_default();
            let host = host.to_str().unwrap_or_default();
            origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) == Some(host)
        }
        _ => true,
    };
    // Compared through their hashes: equal time whatever the guess.
    same_origin && sent.is_some_and(|s| blake3::hash(s.as_bytes()) == blake3::hash(expected.as_bytes()))
}

/// A session at `stage`, with its account, or where to go instead: a
/// signed-in session asked for a step of signing in goes home, anything
/// else to the sign-in page.
pub(super) async fn session_at<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
    stage: Stage,
) -> Result<(Session, ConsoleAccount), Response> {
    match current_session(state, headers).await {
        Ok(Some(s)) if s.record.stage == stage => {
            let a = s.account.clone();
            Ok((s, a))
        }
        Ok(Some(s)) if s.record.stage == Stage::Full => Err(see_other("/console/", None)),
        Ok(_) => Err(see_other("/console/login", None)),
        Err(e) => Err(page_error(e, Frame::blank())),
    }
}

/// A signed-in session, or the way to the sign-in page.
pub(super) async fn signed_in<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
) -> Result<(Session, ConsoleAccount), Response> {
    session_at(state, headers, Stage::Full).await
}

pub(super) fn field<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A signed-in session whose form carries its CSRF token.
pub(super) async fn signed_post<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
    form: &[(String, String)],
) -> Result<(Session, ConsoleAccount), Response> {
    let (session, account) = signed_in(state, headers).await?;
    if !csrf_ok(&session, field(form, "csrf"), headers) {
        return Err(refused(Frame::of(&session)));
    }
    Ok((session, account))
}

/// A fully signed-in console account, as a handler's argument: a handler
/// that takes it runs only for one; anyone else is sent to the sign-in
/// page (or home, midway through signing in) before it runs.
pub(super) struct SignedIn {
    pub session: Session,
    pub account: ConsoleAccount,
}

impl<B: Backend> FromRequestParts<Arc<AppState<B>>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState<B>>) -> Result<Self, Response> {
        let (session, account) = signed_in(state, &parts.headers).await?;
        Ok(SignedIn { session, account })
    }
}

/// A form posted by a fully signed-in account with its session's CSRF
/// token, as a handler's argument: the session, the account and the form's
/// fields. A form without the token, or with another session's, is refused
/// before the handler runs.
pub(super) struct SignedForm {
    pub session: Session,
    pub account: ConsoleAccount,
    pub form: Vec<(String, String)>,
}

impl<B: Backend> FromRequest<Arc<AppState<B>>> for SignedForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<AppState<B>>) -> Result<Self, Response> {
        let headers = req.headers().clone();
        let Form(form) =
            Form::<Vec<(String, String)>>::from_request(req, state).await.map_err(IntoResponse::into_response)?;
        let (session, account) = signed_post(state, &headers, &form).await?;
        Ok(SignedForm { session, account, form })
    }
}

pub(super) async fn api_session<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
) -> HubResult<(Session, ConsoleAccount)> {
    match current_session(state, headers).await? {
        Some(s) if s.record.stage == Stage::Full => {
            let a = s.account.clone();
            Ok((s, a))
        }
        _ => Err(HubError::Unauthorized),
    }
}
