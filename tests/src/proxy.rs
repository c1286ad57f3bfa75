//! A fault-injecting HTTP proxy for sync tests.
//!
//! Sits between a device and the hub and, request by request, follows a
//! schedule of faults: drop the answer after the hub committed, cut the
//! answer mid-body, delay, answer 503 with or without forwarding, send the
//! request to the hub twice. It counts what it did so tests can check that
//! faults really happened. In front of several hub nodes it is a load
//! balancer that sends each request to the next node in turn (a duplicated
//! request reaches two of them).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use futures_util::stream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward and answer faithfully.
    Pass,
    /// Forward; the hub commits; the device gets a broken connection.
    DropResponse,
    /// Forward; the device gets half of the answer, then a broken connection.
    CutResponseMidBody,
    /// Wait before forwarding.
    Delay(Duration),
    /// Answer 503 without forwarding.
    Unavailable,
    /// Forward (the hub commits), then answer 503.
    UnavailableAfterCommit,
    /// Forward twice; answer with the second answer.
    Duplicate,
}

struct ProxyState {
    hubs: Vec<String>,
    /// Requests forwarded to each hub.
    served: Vec<AtomicUsize>,
    http: reqwest::Client,
    schedule: Mutex<Box<dyn FnMut(usize) -> Fault + Send>>,
    requests: AtomicUsize,
    faults: AtomicUsize,
}

/// A running proxy.
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<ProxyState>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Proxies to `hub_url`; `schedule(n)` picks the fault for request n.
    pub async fn start(hub_url: &str, schedule: impl FnMut(usize) -> Fault + Send + 'static) -> FaultProxy {
        Self::balance(&[hub_url.to_owned()], schedule).await
    }

    /// Proxies request n to `hub_urls[n % len]`: one device's requests
    /// alternate between the nodes.
    pub async fn balance(hub_urls: &[String], schedule: impl FnMut(usize) -> Fault + Send + 'static) -> FaultProxy {
        assert!(!hub_urls.is_empty(), "a proxy needs a hub");
        let state = Arc::new(ProxyState {
            hubs: hub_urls.iter().map(|u| u.trim_end_matches('/').to_owned()).collect(),
            served: hub_urls.iter().map(|_| AtomicUsize::new(0)).collect(),
            http: reqwest::Client::new(),
            schedule: Mutex::new(Box::new(schedule)),
            requests: AtomicUsize::new(0),
            faults: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(forward).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FaultProxy { addr, state, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    pub fn faults(&self) -> usize {
        self.state.faults.load(Ordering::SeqCst)
    }

    /// Requests forwarded to each hub, in the order given.
    pub fn served(&self) -> Vec<usize> {
        self.state.served.iter().map(|n| n.load(Ordering::SeqCst)).collect()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn send(
    state: &ProxyState,
    hub: usize,
    method: &Method,
    uri: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(StatusCode, HeaderMap, Bytes), String> {
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).map_err(|e| e.to_string())?;
    let hub = hub % state.hubs.len();
    state.served[hub].fetch_add(1, Ordering::SeqCst);
    let mut req = state.http.request(method, format!("{}{uri}", state.hubs[hub])).body(body.clone());
    for (k, v) in headers {
        if k != "host" && k != "content-length" {
            req = req.header(k.as_str(), v.as_bytes());
        }
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = StatusCode::from_u16(resp.status().as_u16()).map_err(|e| e.to_string())?;
    let mut out = HeaderMap::new();
    for (k, v) in resp.headers() {
        if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_str().as_bytes()), HeaderValue::from_bytes(v.as_bytes()))
            && k != "content-length"
            && k != "transfer-encoding"
        {
            out.insert(k, v);
        }
    }
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, out, bytes))
}

fn broken_body(prefix: Bytes) -> Body {
    let chunks: Vec<Result<Bytes, std::io::Error>> =
        vec![Ok(prefix), Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: connection cut"))];
    Body::from_stream(stream::iter(chunks))
}

async fn forward(State(state): State<Arc<ProxyState>>, req: Request) -> Response {
    let n = state.requests.fetch_add(1, Ordering::SeqCst);
    let fault = (state.schedule.lock().unwrap())(n);
    if fault != Fault::Pass {
        state.faults.fetch_add(1, Ordering::SeqCst);
    }
    let (parts, body) = req.into_parts();
    let uri = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let body = axum::body::to_bytes(body, 8 * 1024 * 1024).await.unwrap_or_default();
    let unavailable = || Response::builder().status(StatusCode::SERVICE_UNAVAILABLE).body(Body::from("fault")).unwrap();
    if let Fault::Delay(d) = fault {
        tokio::time::sleep(d).await;
    }
    if fault == Fault::Unavailable {
        return unavailable();
    }
    if fault == Fault::Duplicate {
        let _ = send(&state, n + 1, &parts.method, &uri, &parts.headers, &body).await;
    }
    let (status, headers, bytes) = match send(&state, n, &parts.method, &uri, &parts.headers, &body).await {
        Ok(r) => r,
        Err(_) => {
            return Response::builder().status(StatusCode::BAD_GATEWAY).body(Body::empty()).unwrap();
        }
    };
    let body = match fault {
        Fault::UnavailableAfterCommit => return unavailable(),
        Fault::DropResponse => broken_body(Bytes::new()),
        Fault::CutResponseMidBody => broken_body(bytes.slice(..bytes.len() / 2)),
        _ => Body::from(bytes),
    };
    let mut resp = Response::builder().status(status).body(body).unwrap();
    *resp.headers_mut() = headers;
    resp
}
