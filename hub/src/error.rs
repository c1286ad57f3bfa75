//! The hub's errors and their HTTP form. Messages carry ids and kinds only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chevet_protocol::{ErrorBody, ErrorCode};

pub type HubResult<T> = Result<T, HubError>;

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized")]
    Unauthorized,
    /// The credential is a revoked device's: it must erase what it holds.
    #[error("this device was revoked")]
    Revoked,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("cursor older than the retained history")]
    Resnapshot,
    #[error("request too large")]
    TooLarge,
    #[error("unsupported protocol version")]
    UnsupportedProtocol,
    #[error("not found: {0}")]
    NotFound(String),
    #[error("upload expired")]
    Gone,
    #[error("checksum mismatch")]
    ChecksumMismatch,
    #[error("upload quota exceeded")]
    QuotaExceeded,
    /// Past a budget ([`crate::budgets`]): retry after this long.
    #[error("budget spent: retry in {} s", .0.as_secs())]
    RateLimited(std::time::Duration),
    #[error("storage failure: {0}")]
    Storage(String),
    /// The hub's own setup (TLS files, connection strings) is unusable.
    #[error("configuration: {0}")]
    Config(String),
}

impl From<rusqlite::Error> for HubError {
    fn from(e: rusqlite::Error) -> Self {
        HubError::Storage(e.to_string())
    }
}

impl HubError {
    fn code(&self) -> (StatusCode, ErrorCode) {
        match self {
            HubError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            HubError::Unauthorized => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            HubError::Revoked => (StatusCode::UNAUTHORIZED, ErrorCode::Revoked),
            HubError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            HubError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            HubError::Resnapshot => (StatusCode::GONE, ErrorCode::Resnapshot),
            HubError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::TooLarge),
            HubError::UnsupportedProtocol => (StatusCode::UPGRADE_REQUIRED, ErrorCode::UnsupportedProtocol),
            HubError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::BadRequest),
            HubError::Gone => (StatusCode::GONE, ErrorCode::BadRequest),
            HubError::QuotaExceeded => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::QuotaExceeded),
            HubError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            // tus: 460 Checksum Mismatch.
            HubError::ChecksumMismatch => {
                (StatusCode::from_u16(460).unwrap_or(StatusCode::BAD_REQUEST), ErrorCode::BadRequest)
            }
            HubError::Storage(_) | HubError::Config(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
        }
    }
}

impl HubError {
    /// The machine-readable kind of this error (what the device is told).
    pub fn error_code(&self) -> ErrorCode {
        self.code().1
    }
}

impl IntoResponse for HubError {
    fn into_response(self) -> Response {
        let (status, code) = self.code();
        if status.is_server_error() {
            log::error!("{self}");
        }
        // Storage details stay in the hub's log.
        let message = match &self {
            HubError::Storage(_) | HubError::Config(_) => {
                "the hub could not complete the request; retry later".to_owned()
            }
            other => other.to_string(),
        };
        let retry_after = match &self {
            HubError::RateLimited(wait) => Some(wait.as_secs().max(1)),
            _ => None,
        };
        let mut resp = (status, Json(ErrorBody { code, message })).into_response();
        if let Some(secs) = retry_after {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        resp
    }
}
