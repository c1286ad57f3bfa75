//! chevet-hub: the establishment's sync hub.
//!
//! Devices enrol with a one-time code, push their outbox and pull the
//! changes of their units. Storage is a [`backend::Backend`]: SQLite by
//! default ([`backend::sqlite::SqliteBackend`]).

pub mod admin;
pub mod api;
pub mod backend;
pub mod blobs;
pub mod demo;
pub mod error;
pub mod logging;
pub mod merge;
pub mod sync;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

pub use admin::Admin;
pub use backend::sqlite::SqliteBackend;

/// Default time a request may take before the hub answers 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves the API on `listener` until `shutdown` resolves; in-flight
/// requests finish first (graceful shutdown).
/// How often expired uploads are swept.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

pub async fn serve<B: backend::Backend>(
    listener: TcpListener,
    backend: Arc<B>,
    blobs: blobs::BlobStore,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr: SocketAddr = listener.local_addr()?;
    let state = Arc::new(api::AppState { backend: SharedBackend(backend), blobs });
    log::info!("hub listening on {addr}");
    // Expired uploads go even if no device ever comes back for them.
    let sweeper = {
        let state = state.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(SWEEP_EVERY);
            loop {
                every.tick().await;
                let st = state.clone();
                let now = jiff::Timestamp::now().as_millisecond();
                match tokio::task::spawn_blocking(move || st.blobs.sweep(now)).await {
                    Ok(Err(e)) => log::warn!("upload sweep failed: {e}"),
                    Err(_) => log::warn!("upload sweep failed: worker thread"),
                    Ok(Ok(_)) => {}
                }
            }
        })
    };
    let served = axum::serve(listener, api::router(state, REQUEST_TIMEOUT)).with_graceful_shutdown(shutdown).await;
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
