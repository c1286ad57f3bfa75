//! The page chrome, in one place: the frame every page shows (who is
//! signed in, the CSRF token its forms carry, a notice or an error), how a
//! page, a message, a redirect or a failure is answered, the security
//! headers every answer carries, the stylesheet, QR codes.

use askama::Template;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::accounts::Stage;
use super::session::*;
use crate::error::{HubError, HubResult};

/// The console's stylesheet, compiled in.
const CSS: &str = include_str!("../../static/console.css");

/// What every page's frame shows.
pub(super) struct Frame {
    pub(super) signed_in: Option<String>,
    pub(super) csrf: String,
    pub(super) notice: Option<String>,
    pub(super) error: Option<String>,
}

impl Frame {
    /// Before any session: nothing to show but the page.
    pub(super) fn blank() -> Frame {
        Frame::anonymous(String::new())
    }

    /// Before signing in: the form's CSRF token only.
    pub(super) fn anonymous(csrf: String) -> Frame {
        Frame { signed_in: None, csrf, notice: None, error: None }
    }

    pub(super) fn of(session: &Session) -> Frame {
        Frame {
            signed_in: (session.record.stage == Stage::Full).then(|| session.account.display_name.clone()),
            csrf: session.record.csrf.clone(),
            notice: None,
            error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "console/message.html")]
pub(super) struct MessagePage {
    frame: Frame,
    title: String,
    text: String,
    back: String,
}

pub(super) fn html(status: StatusCode, page: impl Template, cookie: Option<HeaderValue>) -> Response {
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

pub(super) fn message(status: StatusCode, frame: Frame, title: &str, text: &str, back: &str) -> Response {
    html(status, MessagePage { frame, title: title.into(), text: text.into(), back: back.into() }, None)
}

pub(super) fn see_other(to: &str, cookie: Option<HeaderValue>) -> Response {
    let mut resp = Redirect::to(to).into_response();
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    resp
}

/// A page's failure, as a page (storage details stay in the log).
pub(super) fn page_error(e: HubError, frame: Frame) -> Response {
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

pub(super) fn refused(frame: Frame) -> Response {
    message(
        StatusCode::FORBIDDEN,
        frame,
        "Refusé",
        "Ce formulaire a expiré ou ne vient pas de la console. Rechargez la page.",
        "/console/",
    )
}

pub(super) fn qr_svg(text: &str) -> HubResult<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|_| HubError::BadRequest("QR code".into()))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).build();
    // Inline in the page: without the XML declaration.
    Ok(match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    })
}

pub(super) async fn security_headers(https: bool, req: Request, next: Next) -> Response {
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

pub(super) async fn css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "max-age=3600")], CSS).into_response()
}
