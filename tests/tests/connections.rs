//! The hub's listener from the hostile side (issue 29, item 6): peers that
//! open connections and never finish their headers or their TLS handshake
//! (slowloris), or open more connections than anyone needs, are closed,
//! while a tablet still gets through — on the plain and the TLS listener.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chevet_hub::connections::Limits;
use chevet_hub::{ServeOptions, SqliteBackend};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const SHORT: Duration = Duration::from_millis(800);

/// A hub on a fresh SQLite with `limits` (short timeouts), plain or TLS.
async fn hub(limits: Limits, tls: bool) -> (SocketAddr, tempfile::TempDir, tokio::sync::oneshot::Sender<()>) {
    chevet_e2e::install_tls_provider();
    let dir = tempfile::tempdir().unwrap();
    let backend = Arc::new(SqliteBackend::open(&dir.path().join("hub.db")).unwrap());
    let blobs = chevet_hub::blobs::BlobStore::open(&dir.path().join("blobs")).unwrap();
    let tls = tls.then(|| {
        let files = chevet_e2e::pki::TestPki::new(dir.path()).hub();
        chevet_hub::tls::TlsServer::load(&files.chain, &files.key).unwrap()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = ServeOptions { tls, limits, ..Default::default() };
    tokio::spawn(chevet_hub::serve_configured(listener, backend, blobs, options, async {
        let _ = stopped.await;
    }));
    (addr, dir, stop)
}

async fn connect_from(from: IpAddr, to: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    socket.connect(to).await.unwrap()
}

/// Waits for the hub to close the connection; how long it took (None: still open at `within`).
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within.saturating_sub(started.elapsed()), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue, // an answer (408 or similar) before the close
            Err(_) => return None,
        }
    }
}

/// A plain GET /v1/health from `from`: whether the hub answered 200.
async fn health_from(from: IpAddr, to: SocketAddr) -> bool {
    let mut s = connect_from(from, to).await;
    s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer)).await;
    answer.starts_with(b"HTTP/1.1 200")
}

fn limits() -> Limits {
    Limits { max_connections: 64, per_address: 4, header_timeout: SHORT, handshake_timeout: SHORT }
}

async fn slow_headers_are_cut(tls: bool) {
    let (addr, _dir, _stop) = hub(limits(), tls).await;
    let me = chevet_e2e::own_loopback_address();
    // Half a request, then nothing: closed after the header timeout.
    let mut trickle = connect_from(me, addr).await;
    if !tls {
        trickle.write_all(b"GET /v1/health HTTP/1.1\r\nHost: hub\r\nX-Slow: ").await.unwrap();
    }
    let took = closed_within(&mut trickle, Duration::from_secs(5)).await.expect("the hub closed the connection");
    assert!(took >= SHORT / 2, "closed after {took:?}, not at once");
    // A connection opened and left silent: closed too.
    let mut silent = connect_from(me, addr).await;
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_listener_closes_a_connection_that_never_finishes_its_headers() {
    slow_headers_are_cut(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_listener_closes_a_connection_that_never_finishes_its_handshake() {
    slow_headers_are_cut(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holds_a_bounded_number_of_connections_and_others_get_through() {
    let long = Limits { header_timeout: Duration::from_secs(30), ..limits() };
    let (addr, _dir, _stop) = hub(long, false).await;
    let flooder = chevet_e2e::own_loopback_address();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from(flooder, addr).await);
    }
    // Give the hub time to take them.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut fifth = connect_from(flooder, addr).await;
    assert!(closed_within(&mut fifth, Duration::from_secs(2)).await.is_some(), "the fifth is closed at once");
    assert!(health_from(chevet_e2e::own_loopback_address(), addr).await, "another address is served");
    // Its connections gone, the address is served again.
    held.clear();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(health_from(flooder, addr).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_holds_a_bounded_number_of_connections() {
    let few = Limits { max_connections: 6, per_address: 6, header_timeout: Duration::from_secs(30), ..limits() };
    let (addr, _dir, _stop) = hub(few, false).await;
    let mut held = Vec::new();
    for _ in 0..6 {
        held.push(connect_from(chevet_e2e::own_loopback_address(), addr).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut over = connect_from(chevet_e2e::own_loopback_address(), addr).await;
    assert!(closed_within(&mut over, Duration::from_secs(2)).await.is_some(), "past the limit, closed at once");
    held.clear();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(health_from(chevet_e2e::own_loopback_address(), addr).await, "served again once they are gone");
}
