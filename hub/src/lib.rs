//! chevet-hub: the establishment's sync hub.
//!
//! Devices enrol with a one-time code, push their outbox and pull the
//! changes of their units. Storage is a [`backend::Backend`]: SQLite by
//! default ([`backend::sqlite::SqliteBackend`]).

pub mod admin;
pub mod api;
pub mod audit;
pub mod backend;
pub mod blobs;
pub mod budgets;
pub mod cli;
pub mod connections;
pub mod console;
pub mod error;
pub mod logging;
pub mod merge;
pub mod sync;
pub mod tls;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

pub use admin::Admin;
pub use backend::sqlite::SqliteBackend;

/// Default time a request may take before the hub answers 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How often expired uploads are swept.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Serves the API on `listener` over plain HTTP until `shutdown` resolves;
/// in-flight requests finish first (graceful shutdown).
pub async fn serve<B: backend::Backend>(
    listener: TcpListener,
    backend: Arc<B>,
    blobs: blobs::BlobStore,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, backend, blobs, None, shutdown).await
}

/// Like [`serve`], over TLS when `tls` is given.
pub async fn serve_with<B: backend::Backend>(
    listener: TcpListener,
    backend: Arc<B>,
    blobs: blobs::BlobStore,
    tls: Option<tls::TlsServer>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_configured(listener, backend, blobs, ServeOptions { tls, ..Default::default() }, shutdown).await
}

/// How the hub is served.
#[derive(Default)]
pub struct ServeOptions {
    /// HTTPS with this certificate, instead of plain HTTP.
    pub tls: Option<tls::TlsServer>,
    /// The establishment's CA (DER) that tablets must trust to reach the
    /// hub, when its certificate is not from a public authority: the
    /// console puts it in the enrolment QR codes it shows.
    pub enrolment_ca_der: Option<Vec<u8>>,
    /// A TLS proxy fronts the hub: a client's address is the one the proxy
    /// forwards (X-Forwarded-For), for the console's sign-in budgets.
    pub behind_proxy: bool,
    /// Connections held at most, and how long the hub waits for them.
    pub limits: connections::Limits,
}

/// Like [`serve_with`], with every option.
pub async fn serve_configured<B: backend::Backend>(
    listener: TcpListener,
    backend: Arc<B>,
    blobs: blobs::BlobStore,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let ServeOptions { tls, enrolment_ca_der, behind_proxy, limits } = options;
    let addr: SocketAddr = listener.local_addr()?;
    let state = Arc::new(api::AppState {
        https: tls.is_some(),
        enrolment_ca_der,
        sign_in: console::throttle::SignInGuard::new(behind_proxy),
        ..api::AppState::new(SharedBackend(backend), blobs)
    });
    log::info!("hub listening on {addr} ({})", if tls.is_some() { "https" } else { "plain http" });
    // Expired uploads go even if no device ever comes back for them.
    let sweeper = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                every.tick().await;
                let now = jiff::Timestamp::now().as_millisecond();
                if let Err(e) = state.blobs.sweep(now).await {
                    log::warn!("upload sweep failed: {e}");
                }
                if let Err(e) = blobs::sweep_orphans(&state.backend.0, &state.blobs, now).await {
                    log::warn!("orphan blob sweep failed: {e}");
                }
            }
        })
    };
    let app = api::router(state, REQUEST_TIMEOUT);
    let served = connections::serve(listener, app, tls, limits, REQUEST_TIMEOUT, shutdown).await;
    sweeper.abort();
    served
}

/// An `Arc`'d backend is a backend: lets the admin and the server share one.
pub struct SharedBackend<B>(pub Arc<B>);

impl<B: backend::Backend> backend::Backend for SharedBackend<B> {
    fn transaction<T>(
        &self,
        scope: backend::Scope<'_>,
        f: impl FnOnce(&mut dyn backend::Tx) -> error::HubResult<T>,
    ) -> error::HubResult<T> {
        self.0.transaction(scope, f)
    }
}
