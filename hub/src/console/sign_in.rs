//! Signing in to the console: the password, then the TOTP code — or, the
//! first time, the administrator's one-time activation code and the
//! authenticator's enrolment — each step in a fresh session; signing out;
//! the same through JSON for tools.
//!
//! Why it is built this way — everything here is reachable by anyone on the
//! establishment's network, before any credential:
//! - nothing is stored for a visitor who has proved nothing: the login
//!   form's CSRF token is derived from a random token in the visitor's
//!   cookie, and a session row exists only once the password was right;
//! - a password costs an Argon2id hash, so attempts pass the address's
//!   budget and the login's lock-out first, and the hash runs under a
//!   bounded permit outside any storage transaction ([`super::throttle`]);
//! - each attempt is counted before it is checked, in the transaction that
//!   holds the login's counter (`accounts::begin_attempt`), on both
//!   backends: simultaneous guesses cannot get past the lock-out;
//! - a login with no account is hashed against a decoy and counted and
//!   locked exactly like one with an account: neither the words, the
//!   status, the timing nor the lock-out tell which logins exist;
//! - the printed password alone does not enrol a second factor: whoever
//!   reads it first would set up their own authenticator. The secret is
//!   drawn and shown only after the activation code the administrator
//!   handed over with the password (one use, 7 days, counted like a code).

use std::net::IpAddr;
use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::accounts::{self, ConsoleAccount, Gate, Stage};
use super::chrome::*;
use super::session::*;
use super::throttle::Refusal;
use super::totp;
use crate::api::{AppState, Source, now_ms};
use crate::backend::Backend;
use crate::error::{HubError, HubResult};

/// The issuer an authenticator app shows beside the code.
const ISSUER: &str = "Chevet";
const WRONG: &str = "Identifiant ou mot de passe incorrect.";
const LOCKED: &str = "Trop d'essais manqués : ce compte est verrouillé pendant 15 minutes.";
const WRONG_CODE: &str = "Code incorrect ou déjà utilisé.";
const TOO_MANY: &str = "Trop de tentatives depuis ce poste : réessayez dans une minute.";
const BUSY: &str = "Le hub est très sollicité : réessayez dans un instant.";
const WRONG_ACTIVATION: &str = "Code d'activation incorrect, expiré ou déjà utilisé. \
    Un nouveau code s'obtient auprès de l'administrateur du groupe.";

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    frame: Frame,
}

#[derive(Template)]
#[template(path = "console/totp.html")]
struct CodePage {
    frame: Frame,
}

#[derive(Template)]
#[template(path = "console/activate.html")]
struct ActivatePage {
    frame: Frame,
}

#[derive(Template)]
#[template(path = "console/enrol.html")]
struct EnrolPage {
    frame: Frame,
    qr_svg: String,
    secret: String,
}

/// The login form's CSRF token for the visitor holding cookie `token`.
fn login_csrf(token: &str) -> String {
    blake3::Hasher::new_derive_key("chevet console login form v1")
        .update(token.as_bytes())
        .finalize()
        .to_hex()
        .to_string()
}

pub(super) async fn login_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    match current_session(&state, &headers).await {
        Ok(Some(s)) if s.record.stage == Stage::Full => see_other("/console/", None),
        // A visitor, or someone who stopped after the password: the form, its
        // token from the cookie's (a new cookie when there is none). Nothing stored.
        Ok(_) => {
            let (token, new) = match cookie_token(&headers) {
                Some(t) => (t, false),
                None => match accounts::random_token() {
                    Ok(t) => (t, true),
                    Err(e) => return page_error(e, Frame::blank()),
                },
            };
            let cookie = new.then(|| set_cookie(&token));
            html(StatusCode::OK, LoginPage { frame: Frame::anonymous(login_csrf(&token)) }, cookie)
        }
        Err(e) => page_error(e, Frame::blank()),
    }
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// How a password attempt ended.
enum SignIn {
    /// Wrong login or password (the same words for both).
    Wrong,
    Locked,
    /// Not checked: the address's budget is spent, or the hub is saturated.
    Refused(Refusal),
    /// Right: the account.
    Password(Box<ConsoleAccount>),
}

async fn check_password<B: Backend>(
    state: &Arc<AppState<B>>,
    source: Option<IpAddr>,
    login: &str,
    password: &str,
) -> HubResult<SignIn> {
    let now_instant = std::time::Instant::now();
    let refusal = if !state.sign_in.admit(source, now_instant) {
        Some(Refusal::TooManyFromAddress)
    } else if !state.sign_in.admit_hash(now_instant) {
        Some(Refusal::Busy)
    } else {
        None
    };
    if let Some(refusal) = refusal {
        tokio::time::sleep(super::throttle::REFUSAL_DELAY).await;
        return Ok(SignIn::Refused(refusal));
    }
    let permit = match state.sign_in.permit().await {
        Ok(p) => p,
        Err(refusal) => return Ok(SignIn::Refused(refusal)),
    };
    let key = accounts::attempt_key(login);
    let login = login.trim().to_lowercase();
    let now = now_ms();
    let (gate, account) = console_tx(state, move |tx| {
        let gate = accounts::begin_attempt(tx, &key, now)?;
        let account = tx.console_account_by_login(&login)?.map(ConsoleAccount::from_row).transpose()?;
        Ok((gate, account.filter(|a| !a.disabled)))
    })
    .await?;
    let Gate::Check(attempt) = gate else { return Ok(SignIn::Locked) };
    // The hash, outside any transaction; an unknown login costs the same one.
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let password = password.to_owned();
    let checked = state
        .sign_in
        .check(move || match hash {
            Some(h) => accounts::password_matches(&h, &password),
            None => {
                let _ = accounts::password_matches(accounts::decoy_hash(), &password);
                false
            }
        })
        .await;
    drop(permit);
    let right = match checked {
        Ok(right) => right,
        // Counted, not checked: it stands as a failure.
        Err(refusal) => {
            console_tx(state, move |tx| accounts::attempt_failed(tx, &key, attempt, now)).await?;
            return Ok(SignIn::Refused(refusal));
        }
    };
    console_tx(state, move |tx| match account {
        Some(account) if right => {
            accounts::attempt_succeeded(tx, &key, now)?;
            Ok(SignIn::Password(Box::new(account)))
        }
        _ => Ok(if accounts::attempt_failed(tx, &key, attempt, now)? { SignIn::Locked } else { SignIn::Wrong }),
    })
    .await
}

pub(super) async fn login_submit<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Source(source): Source,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(token) = cookie_token(&headers) else { return see_other("/console/login", None) };
    let csrf = login_csrf(&token);
    if !csrf_matches(&csrf, Some(&form.csrf), &headers) {
        return refused(Frame::anonymous(csrf));
    }
    let again = |status: StatusCode, error: &str| {
        html(status, LoginPage { frame: Frame { error: Some(error.into()), ..Frame::anonymous(csrf.clone()) } }, None)
    };
    match check_password(&state, source, &form.login, &form.password).await {
        Ok(SignIn::Wrong) => again(StatusCode::UNAUTHORIZED, WRONG),
        Ok(SignIn::Locked) => again(StatusCode::UNAUTHORIZED, LOCKED),
        Ok(SignIn::Refused(Refusal::TooManyFromAddress)) => again(StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
        Ok(SignIn::Refused(Refusal::Busy)) => again(StatusCode::SERVICE_UNAVAILABLE, BUSY),
        Ok(SignIn::Password(account)) => {
            let next = if account.totp_secret.is_some() { "/console/login/code" } else { "/console/totp/activate" };
            // A new token: the visitor's never becomes a session's (no fixation).
            match start_session(&state, Some(token_hash(&token)), Stage::Password, account.id).await {
                Ok((token, _)) => see_other(next, Some(set_cookie(&token))),
                Err(e) => page_error(e, Frame::anonymous(csrf.clone())),
            }
        }
        Err(e) => page_error(e, Frame::anonymous(csrf.clone())),
    }
}

/// A session past the password, with its account.
async fn password_stage<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
) -> Result<(Session, ConsoleAccount), Response> {
    session_at(state, headers, Stage::Password).await
}

pub(super) async fn code_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    match password_stage(&state, &headers).await {
        Ok((_, account)) if account.totp_secret.is_none() => see_other("/console/totp/activate", None),
        Ok((s, _)) => html(StatusCode::OK, CodePage { frame: Frame::anonymous(s.record.csrf) }, None),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub(super) struct CodeForm {
    #[serde(default)]
    pub(super) csrf: String,
    #[serde(default)]
    code: String,
}

/// Checks a TOTP code against the account's secret (or, when enrolling,
/// the pending one), counted before it is checked on the account's login
/// like a password (one lock-out for both steps). The counter's row is held
/// for the whole transaction, so the same code sent twice at once is
/// accepted once.
async fn check_code<B: Backend>(
    state: &Arc<AppState<B>>,
    account: &ConsoleAccount,
    code: &str,
    enrolling: bool,
) -> HubResult<Result<ConsoleAccount, &'static str>> {
    let code = code.to_owned();
    let (id, key) = (account.id, accounts::attempt_key(&account.login));
    let now = now_ms();
    console_tx(state, move |tx| {
        let Gate::Check(attempt) = accounts::begin_attempt(tx, &key, now)? else { return Ok(Err(LOCKED)) };
        let Some(mut a) = tx.console_account(id)?.map(ConsoleAccount::from_row).transpose()? else {
            return Ok(Err(WRONG_CODE));
        };
        // Enrolling needs the activation still unused (another tab may have
        // completed it, the administrator may have issued a new one).
        if enrolling && a.totp_activation.as_ref().is_none_or(|x| x.expires_ms <= now) {
            return Ok(Err(WRONG_ACTIVATION));
        }
        let secret = if enrolling { &a.totp_pending } else { &a.totp_secret };
        let secret = secret.as_deref().and_then(totp::from_base32);
        match secret.and_then(|s| totp::verify(&s, &code, now / 1000, a.totp_last_step)) {
            Some(step) => {
                a.totp_last_step = step;
                if enrolling {
                    a.totp_secret = a.totp_pending.take();
                    a.totp_activation = None;
                }
                a.save(tx)?;
                accounts::attempt_succeeded(tx, &key, now)?;
                Ok(Ok(a))
            }
            None => Ok(Err(if accounts::attempt_failed(tx, &key, attempt, now)? { LOCKED } else { WRONG_CODE })),
        }
    })
    .await
}

pub(super) async fn code_submit<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    second_factor(&state, &headers, &form, false).await
}

pub(super) async fn activate_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    match password_stage(&state, &headers).await {
        Ok((_, account)) if account.totp_secret.is_some() => see_other("/console/login/code", None),
        Ok((s, _)) => html(StatusCode::OK, ActivatePage { frame: Frame::anonymous(s.record.csrf) }, None),
        Err(r) => r,
    }
}

#[derive(Deserialize)]
pub(super) struct ActivateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    activation: String,
}

/// The administrator's activation code, counted before it is checked on the
/// account's login like a password or a code (one lock-out for all). Right,
/// a new authenticator secret is drawn, to be shown on the next page only.
async fn check_activation<B: Backend>(
    state: &Arc<AppState<B>>,
    account: &ConsoleAccount,
    activation: &str,
) -> HubResult<Result<(), &'static str>> {
    let activation = activation.to_owned();
    let (id, key) = (account.id, accounts::attempt_key(&account.login));
    let now = now_ms();
    console_tx(state, move |tx| {
        let Gate::Check(attempt) = accounts::begin_attempt(tx, &key, now)? else { return Ok(Err(LOCKED)) };
        let Some(mut a) = tx.console_account(id)?.map(ConsoleAccount::from_row).transpose()? else {
            return Ok(Err(WRONG_ACTIVATION));
        };
        if a.totp_secret.is_some() || !a.activation_matches(&activation, now) {
            return Ok(Err(if accounts::attempt_failed(tx, &key, attempt, now)? { LOCKED } else { WRONG_ACTIVATION }));
        }
        a.totp_pending = Some(totp::to_base32(&totp::new_secret()?));
        a.save(tx)?;
        accounts::attempt_succeeded(tx, &key, now)?;
        Ok(Ok(()))
    })
    .await
}

pub(super) async fn activate_submit<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    Form(form): Form<ActivateForm>,
) -> Response {
    let (session, account) = match password_stage(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !csrf_matches(&session.record.csrf, Some(&form.csrf), &headers) {
        return refused(Frame::of(&session));
    }
    match check_activation(&state, &account, &form.activation).await {
        Ok(Ok(())) => match start_session(&state, Some(session.hash), Stage::Activated, account.id).await {
            Ok((token, _)) => see_other("/console/totp/enrol", Some(set_cookie(&token))),
            Err(e) => page_error(e, Frame::of(&session)),
        },
        Ok(Err(why)) => html(
            StatusCode::UNAUTHORIZED,
            ActivatePage { frame: Frame { error: Some(why.into()), ..Frame::anonymous(session.record.csrf.clone()) } },
            None,
        ),
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

pub(super) async fn enrol_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    let (session, account) = match session_at(&state, &headers, Stage::Activated).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    // Drawn when the activation code was right; gone if an administrator reset it since.
    let Some(secret) = account.totp_pending.clone().filter(|_| account.totp_secret.is_none()) else {
        return see_other("/console/login", None);
    };
    let uri = totp::uri(ISSUER, &account.login, &totp::from_base32(&secret).unwrap_or_default());
    match qr_svg(&uri) {
        Ok(qr_svg) => html(
            StatusCode::OK,
            EnrolPage { frame: Frame::anonymous(session.record.csrf.clone()), qr_svg, secret },
            None,
        ),
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

pub(super) async fn enrol_submit<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    second_factor(&state, &headers, &form, true).await
}

/// The second step of signing in: a TOTP code checked (or, `enrolling`, the
/// first code of a newly enrolled authenticator), then a fresh full session.
async fn second_factor<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
    form: &CodeForm,
    enrolling: bool,
) -> Response {
    let stage = if enrolling { Stage::Activated } else { Stage::Password };
    let (session, account) = match session_at(state, headers, stage).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !csrf_matches(&session.record.csrf, Some(&form.csrf), headers) {
        return refused(Frame::of(&session));
    }
    match check_code(state, &account, &form.code, enrolling).await {
        Ok(Ok(a)) => match start_session(state, Some(session.hash), Stage::Full, a.id).await {
            Ok((token, _)) => {
                if enrolling {
                    log::info!("console account {} enrolled its second factor", a.id);
                } else {
                    log::info!("console account {} signed in", a.id);
                }
                see_other("/console/", Some(set_cookie(&token)))
            }
            Err(e) => page_error(e, Frame::of(&session)),
        },
        Ok(Err(WRONG_ACTIVATION)) if enrolling => html(
            StatusCode::UNAUTHORIZED,
            ActivatePage { frame: Frame { error: Some(WRONG_ACTIVATION.into()), ..Frame::blank() } },
            None,
        ),
        // A wrong first code: the enrolment page again, with its QR code.
        Ok(Err(_)) if enrolling => see_other("/console/totp/enrol", None),
        Ok(Err(why)) => html(
            StatusCode::UNAUTHORIZED,
            CodePage { frame: Frame { error: Some(why.into()), ..Frame::anonymous(session.record.csrf.clone()) } },
            None,
        ),
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

pub(super) async fn logout<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let Ok(Some(session)) = current_session(&state, &headers).await else {
        return see_other("/console/login", Some(clear_cookie()));
    };
    if !csrf_matches(&session.record.csrf, Some(&form.csrf), &headers) {
        return refused(Frame::of(&session));
    }
    let hash = session.hash;
    let now = now_ms();
    let _ = console_tx(&state, move |tx| tx.delete_console_session(&hash, now)).await;
    see_other("/console/login", Some(clear_cookie()))
}

#[derive(Deserialize)]
pub(super) struct ApiSignIn {
    login: String,
    password: String,
    code: String,
}

fn api_error(status: StatusCode, why: &str) -> Response {
    (status, Json(serde_json::json!({ "error": why }))).into_response()
}

/// Both steps at once, for tools: a full session's cookie and its CSRF token.
pub(super) async fn api_sign_in<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Source(source): Source,
    Json(req): Json<ApiSignIn>,
) -> Response {
    let account = match check_password(&state, source, &req.login, &req.password).await {
        Ok(SignIn::Password(a)) => a,
        Ok(SignIn::Locked) => return api_error(StatusCode::TOO_MANY_REQUESTS, LOCKED),
        Ok(SignIn::Refused(Refusal::TooManyFromAddress)) => return api_error(StatusCode::TOO_MANY_REQUESTS, TOO_MANY),
        Ok(SignIn::Refused(Refusal::Busy)) => return api_error(StatusCode::SERVICE_UNAVAILABLE, BUSY),
        Ok(SignIn::Wrong) => return HubError::Unauthorized.into_response(),
        Err(e) => return e.into_response(),
    };
    if account.totp_secret.is_none() {
        return api_error(StatusCode::FORBIDDEN, "second factor not enrolled: sign in once in a browser");
    }
    match check_code(&state, &account, &req.code, false).await {
        Ok(Ok(a)) => match start_session(&state, None, Stage::Full, a.id).await {
            Ok((token, record)) => {
                let mut resp = Json(serde_json::json!({ "csrf": record.csrf })).into_response();
                resp.headers_mut().insert(axum::http::header::SET_COOKIE, set_cookie(&token));
                resp
            }
            Err(e) => e.into_response(),
        },
        Ok(Err(why)) if why == LOCKED => api_error(StatusCode::TOO_MANY_REQUESTS, why),
        Ok(Err(_)) => HubError::Unauthorized.into_response(),
        Err(e) => e.into_response(),
    }
}
