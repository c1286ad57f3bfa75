//! The coordinator's console, served by the hub under `/console/`: in
//! French, server-rendered HTML (askama templates compiled into the binary,
//! escaped by default; no JavaScript at all), safe enough for health data:
//!
//! - console accounts (not tablet staff) sign in with a password (Argon2id)
//!   and a TOTP code (RFC 6238, enrolled by QR code on first sign-in); five
//!   failures lock the login for 15 minutes ([`sign_in`], bounded before any
//!   hash by [`throttle`]);
//! - the session is a random token in an HttpOnly, Secure, SameSite=Strict
//!   cookie limited to `/console`, renewed at each step of signing in,
//!   ending after 30 idle minutes or 12 hours;
//! - every form carries the session's CSRF token, every POST is refused
//!   without it (and from another origin);
//! - a strict Content-Security-Policy (nothing but the console's own
//!   stylesheet; no script, no frame), HSTS when the hub serves TLS;
//! - a coordinator sees their establishment only: another's conflict does
//!   not exist for them, whatever the URL says.
//!
//! The same actions are offered as JSON under `/console/api/` (a session
//! from `POST /console/api/session`, the CSRF token in `X-CSRF-Token`) for
//! tests and other tools.

pub mod access;
pub mod accounts;
pub mod conflicts;
pub mod people;
pub mod sign_in;
pub mod tablets;
pub mod throttle;
pub mod totp;

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use self::accounts::{ConsoleAccount, SessionRecord, Stage};
use self::conflicts::{ConflictView, Decision};
use self::people::{PreviewLine, StaffView};
use self::tablets::{TabletView, UnitView};
use crate::api::{AppState, now_ms};
use crate::backend::{Backend, Scope, Tx};
use crate::error::{HubError, HubResult};

const COOKIE: &str = "chevet_console";
const ISSUER: &str = "Chevet";
const CSS: &str = include_str!("../../static/console.css");

/// The console's routes, with their security headers.
pub fn routes<B: Backend>(https: bool) -> Router<Arc<AppState<B>>> {
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(home::<B>))
        .route("/console/console.css", get(css))
        .route("/console/login", get(sign_in::login_page::<B>).post(sign_in::login_submit::<B>))
        .route("/console/login/code", get(sign_in::code_page::<B>).post(sign_in::code_submit::<B>))
        .route("/console/totp/activate", get(sign_in::activate_page::<B>).post(sign_in::activate_submit::<B>))
        .route("/console/totp/enrol", get(sign_in::enrol_page::<B>).post(sign_in::enrol_submit::<B>))
        .route("/console/logout", post(sign_in::logout::<B>))
        .route("/console/conflicts", get(conflicts_page::<B>))
        .route("/console/conflicts/{device}/{op}", get(conflict_page::<B>).post(conflict_submit::<B>))
        .route("/console/tablets", get(tablets_page::<B>))
        .route("/console/tablets/enrol", post(enrol_tablet::<B>))
        .route("/console/tablets/{device}/revoke", post(revoke_tablet::<B>))
        .route("/console/staff", get(staff_page::<B>).post(staff_create::<B>))
        .route("/console/staff/{staff}/first-pin", post(staff_first_pin::<B>))
        .route("/console/staff/{staff}/deactivate", post(staff_deactivate::<B>))
        .route("/console/staff/{staff}/reactivate", post(staff_reactivate::<B>))
        .route("/console/residents", get(residents_page::<B>))
        .route("/console/residents/{resident}/access", get(access_page::<B>))
        .route("/console/residents/{resident}/access.csv", get(access_csv::<B>))
        .route("/console/residents/import", get(import_page::<B>).post(import_submit::<B>))
        .route("/console/api/session", post(sign_in::api_sign_in::<B>))
        .route("/console/api/conflicts", get(api_conflicts::<B>))
        .route("/console/api/residents/{resident}/access", get(api_access::<B>))
        .route("/console/api/conflicts/{device}/{op}/resolve", post(api_resolve::<B>))
        .layer(axum::middleware::from_fn(move |req: Request, next: Next| security_headers(https, req, next)))
}

async fn security_headers(https: bool, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // same-origin, not no-referrer: with no-referrer, browsers send `Origin: null`
    // on the console's own form posts, and the origin check needs the real one.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    resp
}

async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], CSS).into_response()
}

// --- storage ------------------------------------------------------------------

/// Runs `f` off the async threads as the hub's administrator: console
/// tables are out of the device role's sight; every query names the
/// account's tenant, and the handlers check the establishment.
async fn console_tx<B: Backend, T: Send + 'static>(
    state: &Arc<AppState<B>>,
    f: impl FnOnce(&mut dyn Tx) -> HubResult<T> + Send + 'static,
) -> HubResult<T> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.backend.transaction(Scope::Admin, f))
        .await
        .map_err(|_| HubError::Storage("worker thread failed".into()))?
}

// --- sessions -----------------------------------------------------------------

/// A session found from its cookie.
struct Session {
    hash: [u8; 32],
    record: SessionRecord,
    account: ConsoleAccount,
}

fn token_hash(token: &str) -> [u8; 32] {
    crate::sync::secret_hash(token)
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
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

fn set_cookie(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age={}",
        accounts::SESSION_MAX_MS / 1000
    ))
    .expect("a hex token makes a valid header")
}

fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("chevet_console=; Path=/console; HttpOnly; Secure; SameSite=Strict; Max-Age=0")
}

async fn current_session<B: Backend>(state: &Arc<AppState<B>>, headers: &HeaderMap) -> HubResult<Option<Session>> {
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
async fn start_session<B: Backend>(
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
fn csrf_ok(session: &Session, sent: Option<&str>, headers: &HeaderMap) -> bool {
    csrf_matches(&session.record.csrf, sent, headers)
}

/// The token `expected` matches the one sent, and the request comes from
/// this origin (when the browser says where it comes from).
fn csrf_matches(expected: &str, sent: Option<&str>, headers: &HeaderMap) -> bool {
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

// --- pages --------------------------------------------------------------------

/// What every page's frame shows.
struct Frame {
    signed_in: Option<String>,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
}

impl Frame {
    /// Before any session: nothing to show but the page.
    fn blank() -> Frame {
        Frame::anonymous(String::new())
    }

    /// Before signing in: the form's CSRF token only.
    fn anonymous(csrf: String) -> Frame {
        Frame { signed_in: None, csrf, notice: None, error: None }
    }

    fn of(session: &Session) -> Frame {
        Frame {
            signed_in: (session.record.stage == Stage::Full).then(|| session.account.display_name.clone()),
            csrf: session.record.csrf.clone(),
            notice: None,
            error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "console/home.html")]
struct HomePage {
    frame: Frame,
    name: String,
    role: String,
    open_conflicts: usize,
    tablets: usize,
    stale_tablets: usize,
}

#[derive(Template)]
#[template(path = "console/tablets.html")]
struct TabletsPage {
    frame: Frame,
    tablets: Vec<TabletView>,
    units: Vec<UnitView>,
    stale: usize,
    health: Vec<tablets::UnitHealth>,
}

#[derive(Template)]
#[template(path = "console/enrolment.html")]
struct EnrolmentPage {
    frame: Frame,
    qr_svg: String,
    code: String,
    hub_url: String,
    hours: i64,
    units: String,
    /// What the QR code says, for a tablet without a camera.
    link: String,
    /// The link carries the establishment's CA.
    with_ca: bool,
}

#[derive(Template)]
#[template(path = "console/conflicts.html")]
struct ConflictsPage {
    frame: Frame,
    conflicts: Vec<ConflictView>,
}

#[derive(Template)]
#[template(path = "console/conflict.html")]
struct ConflictPage {
    frame: Frame,
    c: ConflictView,
    editable: bool,
}

#[derive(Template)]
#[template(path = "console/staff.html")]
struct StaffPage {
    frame: Frame,
    staff: Vec<StaffView>,
    units: Vec<UnitView>,
    /// A first-PIN code just issued: whose, and the code.
    first_pin: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "console/import.html")]
struct ImportPage {
    frame: Frame,
    units: Vec<UnitView>,
    lines: Vec<PreviewLine>,
    valid: usize,
    wrong: usize,
    unit: String,
    unit_name: String,
    csv: String,
}

#[derive(Template)]
#[template(path = "console/residents.html")]
struct ResidentsPage {
    frame: Frame,
    residents: Vec<access::ResidentView>,
    query: String,
}

#[derive(Template)]
#[template(path = "console/access.html")]
struct AccessPage {
    frame: Frame,
    log: access::AccessLog,
    unverified: usize,
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    frame: Frame,
    title: String,
    text: String,
    back: String,
}

fn html(status: StatusCode, page: impl Template, cookie: Option<HeaderValue>) -> Response {
    match page.render() {
        Ok(body) => {
            let mut resp = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
            if let Some(c) = cookie {
                resp.headers_mut().insert(header::SET_COOKIE, c);
            }
            resp
        }
        Err(e) => {
            log::error!("console template failed: {e}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

fn message(status: StatusCode, frame: Frame, title: &str, text: &str, back: &str) -> Response {
    html(status, MessagePage { frame, title: title.into(), text: text.into(), back: back.into() }, None)
}

fn see_other(to: &str, cookie: Option<HeaderValue>) -> Response {
    let mut resp = Redirect::to(to).into_response();
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

/// A page's failure, as a page (storage details stay in the log).
fn page_error(e: HubError, frame: Frame) -> Response {
    match e {
        HubError::NotFound(_) => message(
            StatusCode::NOT_FOUND,
            frame,
            "Introuvable",
            "Cette page n'existe pas ou ne vous est pas accessible.",
            "/console/",
        ),
        HubError::BadRequest(text) => message(StatusCode::BAD_REQUEST, frame, "Impossible", &text, "/console/"),
        HubError::Conflict(_) => {
            message(StatusCode::CONFLICT, frame, "Déjà fait", "Ce conflit a déjà été résolu.", "/console/conflicts")
        }
        other => {
            log::error!("console: {other}");
            message(
                StatusCode::INTERNAL_SERVER_ERROR,
                frame,
                "Erreur",
                "Le hub n'a pas pu terminer. Réessayez dans un instant.",
                "/console/",
            )
        }
    }
}

fn refused(frame: Frame) -> Response {
    message(
        StatusCode::FORBIDDEN,
        frame,
        "Refusé",
        "Ce formulaire a expiré ou ne vient pas de la console. Rechargez la page.",
        "/console/",
    )
}

/// A session at `stage`, with its account, or where to go instead: a
/// signed-in session asked for a step of signing in goes home, anything
/// else to the sign-in page.
async fn session_at<B: Backend>(
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
async fn signed_in<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
) -> Result<(Session, ConsoleAccount), Response> {
    session_at(state, headers, Stage::Full).await
}

fn qr_svg(text: &str) -> HubResult<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|_| HubError::BadRequest("QR code".into()))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).build();
    // Inline in the page: without the XML declaration.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

async fn home<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    let (session, account) = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let a = account.clone();
    let now = now_ms();
    let counts = console_tx(&state, move |tx| {
        let open = conflicts::open_conflicts(tx, &a)?.len();
        let tablets: Vec<TabletView> = tablets::tablets(tx, &a, now)?.into_iter().filter(|t| !t.revoked).collect();
        Ok((open, tablets.len(), tablets.iter().filter(|t| t.stale).count()))
    })
    .await;
    match counts {
        Ok((open, tablets, stale_tablets)) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                HomePage {
                    frame: f,
                    name: account.display_name.clone(),
                    role: account.role.label_fr().into(),
                    open_conflicts: open,
                    tablets,
                    stale_tablets,
                },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

async fn conflicts_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    let (session, account) = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match console_tx(&state, move |tx| conflicts::open_conflicts(tx, &account)).await {
        Ok(list) => {
            let f = Frame::of(&session);
            html(StatusCode::OK, ConflictsPage { frame: f, conflicts: list }, None)
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

fn ids(device: &str, op: &str) -> HubResult<(Uuid, Uuid)> {
    let parse = |s: &str| Uuid::try_parse(s).map_err(|_| HubError::NotFound("conflict".into()));
    Ok((parse(device)?, parse(op)?))
}

async fn conflict_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path((device, op)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (session, account) = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (device, op) = match ids(&device, &op) {
        Ok(i) => i,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    match console_tx(&state, move |tx| conflicts::conflict(tx, &account, device, op)).await {
        Ok(c) => {
            let f = Frame::of(&session);
            let editable = c.fields.iter().any(|f| f.editable);
            html(StatusCode::OK, ConflictPage { frame: f, c, editable }, None)
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

/// The decision form: `decision`, `value:FIELD` for new values, `note`.
fn decision_from_form(form: &[(String, String)]) -> HubResult<(Decision, Option<String>)> {
    let get = |k: &str| form.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    let decision = match get("decision") {
        Some("keep_hub") => Decision::KeepHub,
        Some("keep_device") => Decision::KeepDevice,
        Some("new_values") => Decision::NewValues {
            values: form
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("value:").map(|f| (f.to_owned(), v.clone())))
                .collect(),
        },
        _ => return Err(HubError::BadRequest("Choisissez une décision.".into())),
    };
    Ok((decision, get("note").map(str::to_owned)))
}

async fn conflict_submit<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path((device, op)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let parsed = ids(&device, &op).and_then(|i| decision_from_form(&form).map(|d| (i, d)));
    let ((device, op), (decision, note)) = match parsed {
        Ok(p) => p,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    let now = now_ms();
    let a = account.clone();
    let done = console_tx(&state, move |tx| {
        conflicts::resolve(tx, &a, device, op, &decision, note.as_deref(), now)?;
        conflicts::conflict(tx, &a, device, op)
    })
    .await;
    match done {
        Ok(c) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                ConflictPage {
                    frame: Frame {
                        notice: Some(
                            "Décision enregistrée : les tablettes la recevront à leur prochaine synchronisation."
                                .into(),
                        ),
                        ..f
                    },
                    c,
                    editable: false,
                },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

async fn tablets_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    let (session, account) = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    render_tablets(&state, &session, account, None).await
}

async fn render_tablets<B: Backend>(
    state: &Arc<AppState<B>>,
    session: &Session,
    account: ConsoleAccount,
    notice: Option<String>,
) -> Response {
    let now = now_ms();
    let listed = console_tx(state, move |tx| {
        Ok((
            tablets::tablets(tx, &account, now)?,
            tablets::units_in_scope(tx, &account)?,
            tablets::unit_health(tx, &account, now)?,
        ))
    })
    .await;
    match listed {
        Ok((list, units, health)) => {
            let f = Frame::of(session);
            let stale = list.iter().filter(|t| t.stale).count();
            html(
                StatusCode::OK,
                TabletsPage { frame: Frame { notice, ..f }, tablets: list, units, stale, health },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(session)),
    }
}

/// The hub's address as the browser reached it: what a tablet of the same
/// network reaches too (the enrolment link).
fn hub_url<B: Backend>(state: &AppState<B>, headers: &HeaderMap) -> HubResult<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .ok_or(HubError::BadRequest("Adresse du hub illisible.".into()))?;
    let forwarded_https = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes() == b"https");
    Ok(format!("{}://{host}", if state.https || forwarded_https { "https" } else { "http" }))
}

async fn enrol_tablet<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let units: Result<Vec<Uuid>, _> =
        form.iter().filter(|(k, _)| k == "unit").map(|(_, v)| Uuid::try_parse(v)).collect();
    let hours: i64 =
        form.iter().find(|(k, _)| k == "hours").and_then(|(_, v)| v.parse().ok()).unwrap_or(24).clamp(1, 72);
    let Ok(units) = units else {
        return page_error(HubError::NotFound("unit".into()), Frame::of(&session));
    };
    let hub = match hub_url(&state, &headers) {
        Ok(u) => u,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    let st = state.clone();
    let (a, chosen) = (account.clone(), units.clone());
    let issued = tokio::task::spawn_blocking(move || {
        let names = st.backend.transaction(Scope::Admin, |tx| {
            tablets::check_units(tx, &a, &chosen)?;
            Ok(tablets::units_in_scope(tx, &a)?
                .into_iter()
                .filter(|u| chosen.contains(&u.id))
                .map(|u| u.name)
                .collect::<Vec<_>>()
                .join(", "))
        })?;
        let code = crate::Admin::new(&st.backend).enrolment_code(a.tenant_id, &chosen, hours)?;
        Ok::<_, HubError>((code, names))
    })
    .await
    .unwrap_or_else(|_| Err(HubError::Storage("worker thread failed".into())));
    let (code, names) = match issued {
        Ok(i) => i,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    log::info!("enrolment code issued by console account {} for {} units", account.id, units.len());
    let link = chevet_protocol::EnrolmentLink {
        hub_url: hub.clone(),
        code: code.clone(),
        ca_der: state.enrolment_ca_der.clone(),
    };
    let with_ca = link.ca_der.is_some();
    let link_text = link.to_uri();
    match qr_svg(&link_text) {
        Ok(qr_svg) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                EnrolmentPage { frame: f, qr_svg, code, hub_url: hub, hours, units: names, link: link_text, with_ca },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

async fn revoke_tablet<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(device): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !form.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        return page_error(
            HubError::BadRequest("Cochez « Perdue ou volée » pour confirmer.".into()),
            Frame::of(&session),
        );
    }
    let Ok(device) = Uuid::try_parse(&device) else {
        return page_error(HubError::NotFound("tablet".into()), Frame::of(&session));
    };
    let now = now_ms();
    let a = account.clone();
    match console_tx(&state, move |tx| tablets::revoke(tx, &a, device, now)).await {
        Ok(()) => {
            render_tablets(
                &state,
                &session,
                account,
                Some("Tablette révoquée : le hub refuse désormais ses demandes.".into()),
            )
            .await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

fn field<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A signed-in session whose form carries its CSRF token.
async fn signed_post<B: Backend>(
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

async fn render_staff<B: Backend>(
    state: &Arc<AppState<B>>,
    session: &Session,
    account: ConsoleAccount,
    notice: Option<String>,
    first_pin: Option<(String, String)>,
) -> Response {
    let listed =
        console_tx(state, move |tx| Ok((people::staff(tx, &account)?, tablets::units_in_scope(tx, &account)?))).await;
    match listed {
        Ok((staff, units)) => {
            let f = Frame::of(session);
            html(StatusCode::OK, StaffPage { frame: Frame { notice, ..f }, staff, units, first_pin }, None)
        }
        Err(e) => page_error(e, Frame::of(session)),
    }
}

async fn staff_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    match signed_in(&state, &headers).await {
        Ok((session, account)) => render_staff(&state, &session, account, None, None).await,
        Err(r) => r,
    }
}

async fn staff_create<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(role) = field(&form, "role").and_then(people::role_from_form) else {
        return page_error(HubError::BadRequest("Choisissez une fonction.".into()), Frame::of(&session));
    };
    let units: Result<Vec<Uuid>, _> =
        form.iter().filter(|(k, _)| k == "unit").map(|(_, v)| Uuid::try_parse(v)).collect();
    let Ok(units) = units else {
        return page_error(HubError::NotFound("unit".into()), Frame::of(&session));
    };
    let name = field(&form, "name").unwrap_or_default().to_owned();
    let (st, a) = (state.clone(), account.clone());
    let created = tokio::task::spawn_blocking(move || {
        let staff = st.backend.transaction(Scope::Admin, |tx| people::new_staff(tx, &a, &name, role, &units))?;
        crate::Admin::new(&st.backend).put_staff(a.tenant_id, &staff)?;
        Ok::<_, HubError>(staff)
    })
    .await
    .unwrap_or_else(|_| Err(HubError::Storage("worker thread failed".into())));
    match created {
        Ok(s) => {
            log::info!("staff {} created by console account {}", s.id, account.id);
            let notice = format!(
                "{} ajouté·e : les tablettes de ses unités le sauront à leur prochaine synchronisation.",
                s.display_name
            );
            render_staff(&state, &session, account, Some(notice), None).await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

async fn staff_first_pin<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(staff): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(staff) = Uuid::try_parse(&staff) else {
        return page_error(HubError::NotFound("staff".into()), Frame::of(&session));
    };
    let (st, a) = (state.clone(), account.clone());
    let issued = tokio::task::spawn_blocking(move || {
        let name = st.backend.transaction(Scope::Admin, |tx| {
            people::check_staff(tx, &a, staff)?;
            Ok(people::staff(tx, &a)?.into_iter().find(|s| s.id == staff).map(|s| s.name).unwrap_or_default())
        })?;
        let code = crate::Admin::new(&st.backend).first_pin_code(a.tenant_id, staff, 72)?;
        Ok::<_, HubError>((name, code))
    })
    .await
    .unwrap_or_else(|_| Err(HubError::Storage("worker thread failed".into())));
    match issued {
        Ok((name, code)) => {
            log::info!("first-PIN code for staff {staff} issued by console account {}", account.id);
            render_staff(&state, &session, account, None, Some((name, code))).await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

async fn staff_deactivate<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(staff): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    staff_active(state, staff, headers, form, false).await
}

async fn staff_reactivate<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(staff): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    staff_active(state, staff, headers, form, true).await
}

/// Deactivates (after the box saying they left is ticked) or reactivates a
/// professional of the account's units.
async fn staff_active<B: Backend>(
    state: Arc<AppState<B>>,
    staff: String,
    headers: HeaderMap,
    form: Vec<(String, String)>,
    active: bool,
) -> Response {
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(staff) = Uuid::try_parse(&staff) else {
        return page_error(HubError::NotFound("staff".into()), Frame::of(&session));
    };
    if !active && field(&form, "confirm") != Some("yes") {
        let mut f = Frame::of(&session);
        f.error = Some("Cochez la case pour confirmer la désactivation.".into());
        return message(StatusCode::BAD_REQUEST, f, "À confirmer", "Rien n'a été changé.", "/console/staff");
    }
    let (st, a) = (state.clone(), account.clone());
    let done = tokio::task::spawn_blocking(move || {
        let name = st.backend.transaction(Scope::Admin, |tx| {
            people::check_staff(tx, &a, staff)?;
            Ok(people::staff(tx, &a)?.into_iter().find(|s| s.id == staff).map(|s| s.name).unwrap_or_default())
        })?;
        crate::Admin::new(&st.backend).set_staff_active(a.tenant_id, staff, active)?;
        Ok::<_, HubError>(name)
    })
    .await
    .unwrap_or_else(|_| Err(HubError::Storage("worker thread failed".into())));
    match done {
        Ok(name) => {
            log::info!(
                "staff {staff} {} by console account {}",
                if active { "reactivated" } else { "deactivated" },
                account.id
            );
            let notice = if active {
                format!("{name} est de nouveau actif·ve.")
            } else {
                format!(
                    "{name} est désactivé·e : plus de connexion sur les tablettes dès leur prochaine synchronisation."
                )
            };
            render_staff(&state, &session, account, Some(notice), None).await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

async fn import_page<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> Response {
    let (session, account) = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match console_tx(&state, move |tx| tablets::units_in_scope(tx, &account)).await {
        Ok(units) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                ImportPage {
                    frame: f,
                    units,
                    lines: vec![],
                    valid: 0,
                    wrong: 0,
                    unit: String::new(),
                    unit_name: String::new(),
                    csv: String::new(),
                },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

#[derive(Deserialize)]
struct ResidentsQuery {
    #[serde(default)]
    q: String,
}

async fn residents_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    query: Result<axum::extract::Query<ResidentsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let (session, account) = match signed_in(&state, &headers).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let query: String = query.map(|q| q.0.q).unwrap_or_default().chars().take(100).collect();
    let q = query.clone();
    match console_tx(&state, move |tx| access::residents(tx, &account, &q)).await {
        Ok(residents) => {
            let f = Frame::of(&session);
            html(StatusCode::OK, ResidentsPage { frame: f, residents, query }, None)
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

fn resident_id(raw: &str) -> HubResult<Uuid> {
    Uuid::try_parse(raw).map_err(|_| HubError::NotFound("resident".into()))
}

/// A resident's access log for the signed-in account (another
/// establishment's resident does not exist for a coordinator); reading it
/// is written in the hub's log, ids only (`how`: « read », « exported »).
async fn read_access_log<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
    resident: &str,
    how: &str,
) -> Result<(Session, access::AccessLog), Response> {
    let (session, account) = signed_in(state, headers).await?;
    let who = account.id;
    let read = match resident_id(resident) {
        Ok(id) => console_tx(state, move |tx| access::access_log(tx, &account, id)).await,
        Err(e) => Err(e),
    };
    match read {
        Ok(log) => {
            log::info!("console account {who} {how} the access log of resident {}", log.resident.id);
            Ok((session, log))
        }
        Err(e) => Err(page_error(e, Frame::of(&session))),
    }
}

async fn access_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(resident): Path<String>,
    headers: HeaderMap,
) -> Response {
    match read_access_log(&state, &headers, &resident, "read").await {
        Ok((session, log)) => {
            let unverified = log.entries.iter().filter(|e| !e.verified).count();
            html(StatusCode::OK, AccessPage { frame: Frame::of(&session), log, unverified }, None)
        }
        Err(r) => r,
    }
}

async fn access_csv<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(resident): Path<String>,
    headers: HeaderMap,
) -> Response {
    match read_access_log(&state, &headers, &resident, "exported").await {
        Ok((_, log)) => {
            let disposition = format!("attachment; filename=\"{}\"", access::csv_name(&log));
            let mut resp =
                ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], access::access_csv(&log)).into_response();
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Err(r) => r,
    }
}

/// The largest CSV the console reads (a few thousand residents).
const MAX_CSV_BYTES: usize = 1024 * 1024;

/// A CSV file's text: UTF-8 (its byte-order mark dropped) or, failing
/// that, Windows-1252 — what a spreadsheet saves as « CSV (point-virgule) »
/// on a French Windows.
fn csv_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

fn windows_1252(b: u8) -> char {
    // 0x80–0x9F differ from Latin-1; the rest is the same code point.
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    if (0x80..0xa0).contains(&b) { HIGH[(b - 0x80) as usize] } else { b as char }
}

/// The import form's fields, from a plain form or from a multipart one
/// carrying the file: a file given replaces the pasted text.
async fn import_fields<B: Backend>(state: &Arc<AppState<B>>, req: Request) -> Result<Vec<(String, String)>, HubError> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let unreadable = || HubError::BadRequest("Formulaire illisible.".into());
    if !multipart {
        let Form(form) = Form::<Vec<(String, String)>>::from_request(req, state).await.map_err(|_| unreadable())?;
        return Ok(form);
    }
    let mut parts = axum::extract::Multipart::from_request(req, state).await.map_err(|_| unreadable())?;
    let mut form = Vec::new();
    let mut file = None;
    while let Some(part) = parts.next_field().await.map_err(|_| unreadable())? {
        let name = part.name().unwrap_or_default().to_owned();
        let bytes = part.bytes().await.map_err(|_| unreadable())?;
        if bytes.len() > MAX_CSV_BYTES {
            return Err(HubError::BadRequest("Fichier trop grand (1 Mo au plus).".into()));
        }
        if name == "file" {
            file = Some(csv_text(&bytes)).filter(|t| !t.trim().is_empty());
        } else {
            form.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    if let Some(text) = file {
        form.retain(|(k, _)| k != "csv");
        form.push(("csv".into(), text));
    }
    Ok(form)
}

async fn import_submit<B: Backend>(State(state): State<Arc<AppState<B>>>, req: Request) -> Response {
    let headers = req.headers().clone();
    let form = match import_fields(&state, req).await {
        Ok(f) => f,
        Err(e) => {
            return match signed_in(&state, &headers).await {
                Ok((session, _)) => page_error(e, Frame::of(&session)),
                Err(r) => r,
            };
        }
    };
    let (session, account) = match signed_post(&state, &headers, &form).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let csv = field(&form, "csv").unwrap_or_default().to_owned();
    if csv.len() > MAX_CSV_BYTES {
        return page_error(HubError::BadRequest("Fichier trop grand (1 Mo au plus).".into()), Frame::of(&session));
    }
    let Some(unit) = field(&form, "unit").and_then(|u| Uuid::try_parse(u).ok()) else {
        return page_error(HubError::NotFound("unit".into()), Frame::of(&session));
    };
    let importing = field(&form, "action") == Some("import");
    let skip_wrong = field(&form, "skip_wrong") == Some("yes");
    let today = jiff::ZonedDateTime::now().date();
    let (st, a) = (state.clone(), account.clone());
    let csv_text = csv.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let units = st.backend.transaction(Scope::Admin, |tx| {
            tablets::check_units(tx, &a, &[unit])?;
            tablets::units_in_scope(tx, &a)
        })?;
        let lines = crate::admin::parse_residents_csv(&csv_text, unit, today)?;
        let wrong = lines.iter().filter(|l| l.resident.is_err()).count();
        let imported = if importing && (wrong == 0 || skip_wrong) {
            let residents: Vec<_> = lines.iter().filter_map(|l| l.resident.clone().ok()).collect();
            Some(crate::Admin::new(&st.backend).import_residents(a.tenant_id, unit, &residents)?.len())
        } else {
            None
        };
        Ok::<_, HubError>((units, lines, imported))
    })
    .await
    .unwrap_or_else(|_| Err(HubError::Storage("worker thread failed".into())));
    let (units, lines, imported) = match outcome {
        Ok(o) => o,
        Err(HubError::BadRequest(_)) => {
            return page_error(
                HubError::BadRequest(
                    "La première ligne doit être : birth_name;given_names;sex;birth_date;birth_place_insee;room".into(),
                ),
                Frame::of(&session),
            );
        }
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    let f = Frame::of(&session);
    let unit_name = units.iter().find(|u| u.id == unit).map(|u| u.name.clone()).unwrap_or_default();
    if let Some(n) = imported {
        log::info!("{n} residents imported into unit {unit} by console account {}", account.id);
        return message(
            StatusCode::OK,
            f,
            "Import terminé",
            &format!(
                "{n} résident(s) importé(s) dans {unit_name} : les tablettes de l'unité les recevront à leur prochaine synchronisation."
            ),
            "/console/residents/import",
        );
    }
    let preview = people::preview(&lines);
    let wrong = preview.iter().filter(|l| l.error.is_some()).count();
    html(
        StatusCode::OK,
        ImportPage {
            frame: f,
            units,
            valid: preview.len() - wrong,
            wrong,
            lines: preview,
            unit: unit.to_string(),
            unit_name,
            csv,
        },
        None,
    )
}

// --- the same through JSON ----------------------------------------------------

async fn api_session<B: Backend>(
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

async fn api_conflicts<B: Backend>(State(state): State<Arc<AppState<B>>>, headers: HeaderMap) -> HubResult<Response> {
    let (_, account) = api_session(&state, &headers).await?;
    let list = console_tx(&state, move |tx| conflicts::open_conflicts(tx, &account)).await?;
    Ok(Json(list).into_response())
}

async fn api_access<B: Backend>(
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
struct ApiResolve {
    #[serde(flatten)]
    decision: Decision,
    note: Option<String>,
}

async fn api_resolve<B: Backend>(
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

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn login_headers(https: bool) -> HeaderMap {
        let dir = tempfile::tempdir().unwrap();
        let backend = crate::SqliteBackend::open(&dir.path().join("hub.db")).unwrap();
        let blobs = crate::blobs::BlobStore::open(&dir.path().join("blobs")).unwrap();
        let state = Arc::new(AppState { https, ..AppState::new(backend, blobs) });
        let app = crate::api::router(state, std::time::Duration::from_secs(5));
        let req = axum::http::Request::get("/console/login").body(axum::body::Body::empty()).unwrap();
        let resp = app.oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.headers().clone()
    }

    #[tokio::test]
    async fn hsts_when_the_hub_serves_tls_and_only_then() {
        let tls = login_headers(true).await;
        assert!(tls[header::STRICT_TRANSPORT_SECURITY].to_str().unwrap().starts_with("max-age="));
        assert!(tls[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains("frame-ancestors 'none'"));
        let plain = login_headers(false).await;
        assert!(plain.get(header::STRICT_TRANSPORT_SECURITY).is_none());
        let cookie = plain[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Strict"));
        assert!(cookie.contains("Path=/console"));
    }

    #[test]
    fn csv_files_are_read_as_utf8_or_windows_1252() {
        assert_eq!(csv_text("\u{feff}Lefèvre;Œuvre".as_bytes()), "Lefèvre;Œuvre");
        assert_eq!(csv_text(b"Lef\xe8vre;\x8cuvre \x80"), "Lefèvre;Œuvre €");
    }

    #[test]
    fn cookies_are_read_strictly() {
        let mut h = HeaderMap::new();
        let token = "ab".repeat(32);
        h.insert(header::COOKIE, HeaderValue::from_str(&format!("other=1; chevet_console={token}")).unwrap());
        assert_eq!(cookie_token(&h).as_deref(), Some(token.as_str()));
        h.insert(header::COOKIE, HeaderValue::from_static("chevet_console=not-hex"));
        assert_eq!(cookie_token(&h), None);
    }
}
