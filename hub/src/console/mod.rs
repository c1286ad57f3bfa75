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

//!
//! One file per page (its handler, template and queries together): [`home`],
//! [`conflicts`], [`tablets`], [`people`] (staff), [`import`], [`access`]
//! (residents and their access logs), [`sign_in`]; the page chrome in
//! [`chrome`], sessions and what every handler opens with in [`session`],
//! the JSON actions in [`json_api`]. This file only routes.

pub mod access;
pub mod accounts;
mod chrome;
pub mod conflicts;
mod home;
mod import;
mod json_api;
pub mod people;
mod session;
pub mod sign_in;
pub mod tablets;
pub mod throttle;
pub mod totp;
pub mod unrecorded;

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::api::AppState;
use crate::backend::Backend;

/// The console's routes, with their security headers.
pub fn routes<B: Backend>(https: bool) -> Router<Arc<AppState<B>>> {
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(home::home::<B>))
        .route("/console/console.css", get(chrome::css))
        .route("/console/login", get(sign_in::login_page::<B>).post(sign_in::login_submit::<B>))
        .route("/console/login/code", get(sign_in::code_page::<B>).post(sign_in::code_submit::<B>))
        .route("/console/totp/activate", get(sign_in::activate_page::<B>).post(sign_in::activate_submit::<B>))
        .route("/console/totp/enrol", get(sign_in::enrol_page::<B>).post(sign_in::enrol_submit::<B>))
        .route("/console/logout", post(sign_in::logout::<B>))
        .route("/console/conflicts", get(conflicts::conflicts_page::<B>))
        .route(
            "/console/conflicts/{device}/{op}",
            get(conflicts::conflict_page::<B>).post(conflicts::conflict_submit::<B>),
        )
        .route("/console/tablets", get(tablets::tablets_page::<B>))
        .route("/console/tablets/enrol", post(tablets::enrol_tablet::<B>))
        .route("/console/tablets/{device}/revoke", post(tablets::revoke_tablet::<B>))
        .route("/console/staff", get(people::staff_page::<B>).post(people::staff_create::<B>))
        .route("/console/staff/{staff}/first-pin", post(people::staff_first_pin::<B>))
        .route("/console/staff/{staff}/deactivate", post(people::staff_deactivate::<B>))
        .route("/console/staff/{staff}/reactivate", post(people::staff_reactivate::<B>))
        .route("/console/residents", get(access::residents_page::<B>))
        .route("/console/unrecorded", get(unrecorded::unrecorded_page::<B>))
        .route("/console/residents/{resident}/access", get(access::access_page::<B>))
        .route("/console/residents/{resident}/access.csv", get(access::access_csv_download::<B>))
        .route("/console/residents/import", get(import::import_page::<B>).post(import::import_submit::<B>))
        .route("/console/api/session", post(sign_in::api_sign_in::<B>))
        .route("/console/api/conflicts", get(json_api::api_conflicts::<B>))
        .route("/console/api/residents/{resident}/access", get(json_api::api_access::<B>))
        .route("/console/api/conflicts/{device}/{op}/resolve", post(json_api::api_resolve::<B>))
        .layer(axum::middleware::from_fn(move |req: Request, next: Next| chrome::security_headers(https, req, next)))
}

#[cfg(test)]
mod tests {
    use super::import::csv_text;
    use super::session::cookie_token;
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
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
