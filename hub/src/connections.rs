//! Taking connections, plain or TLS, with the limits a server on an
//! establishment's network needs. Why it is not `axum::serve`: that server
//! takes any number of connections and waits forever for a request's
//! headers, so a peer that opens sockets and trickles bytes into them
//! (slowloris) holds the hub with no credential at all. Here:
//!
//! - at most [`Limits::max_connections`] connections at once, and
//!   [`Limits::per_address`] from one address (a whole establishment behind
//!   one public address stays far below it); past either, a new connection
//!   is closed at once;
//! - a TLS handshake must end within [`Limits::handshake_timeout`];
//! - a request's headers must arrive within [`Limits::header_timeout`] of
//!   the connection being ready for them, which also closes a kept-alive
//!   connection left idle that long (hyper's header read timeout);
//! - a request then has the router's request timeout to be answered,
//!   its body included.
//!
//! One loop for plain HTTP and TLS; the certificate is taken fresh for each
//! connection, so a reload (SIGHUP) applies to the next ones. On shutdown the
//! loop stops taking connections and those open get the request timeout to
//! finish what they are doing.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::tls::TlsServer;

/// How many connections the hub holds, and how long it waits for them.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub per_address: usize,
    /// A request's headers arrive within this, or the connection closes
    /// (an idle kept-alive connection too).
    pub header_timeout: Duration,
    /// A TLS handshake ends within this, or the connection closes.
    pub handshake_timeout: Duration,
}

impl Default for Limits {
    /// 500 tablets of a group syncing at once and the console, with room to
    /// spare; ten seconds for a request's headers or a handshake (a tablet
    /// on a poor Wi-Fi needs far less to send a few hundred bytes).
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            per_address: 512,
            header_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// Connections open per address; a slot is given back when its connection ends.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

struct Slot(Arc<PerAddress>, IpAddr);

impl PerAddress {
    fn take(this: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut open = this.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = open.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot(this.clone(), ip))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.0.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = open.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.1);
            }
        }
    }
}

/// Serves `app` on `listener` (TLS when `tls` is given) until `shutdown`
/// resolves; connections still open then get `drain` to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    tls: Option<TlsServer>,
    limits: Limits,
    drain: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let total = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was taken: wait a little.
                    log::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            log::warn!("connection from {} closed: {} connections open", peer.ip(), limits.max_connections);
            continue;
        };
        let Some(slot) = PerAddress::take(&per_address, peer.ip(), limits.per_address) else {
            log::warn!("connection from {} closed: {} open from that address", peer.ip(), limits.per_address);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |mut req: axum::extract::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let service = TowerToHyperService::new(service);
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _held = (permit, slot);
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
            let served = match tls {
                None => watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await,
                Some(tls) => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls.current());
                    match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => watcher.watch(http.serve_connection(TokioIo::new(stream), service)).await,
                        // A failed or too slow handshake: nothing to answer.
                        _ => return,
                    }
                }
            };
            if let Err(e) = served {
                log::debug!("connection from {} ended: {e}", peer.ip());
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(drain) => log::warn!("shutdown: connections still open after {drain:?} are dropped"),
    }
    Ok(())
}
