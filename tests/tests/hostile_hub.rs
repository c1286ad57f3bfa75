//! The tablet from the hostile side: something posing as the hub (or a
//! broken one) cannot make the client buffer without bound or loop for
//! ever; each gets a clear error.

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{any, get};
use chevet_core::CoreError;
use chevet_core::crypto::KekVault;
use chevet_core::crypto::vault::Argon2Cost;
use chevet_core::sync::{self, CancelHandle, HubClient, RetryPolicy};
use chevet_core::{Store, StoreOptions};

async fn fake_hub(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

fn client(url: &str) -> HubClient {
    let once = RetryPolicy {
        attempts: 1,
        base_delay: std::time::Duration::from_millis(1),
        max_delay: std::time::Duration::from_millis(1),
    };
    HubClient::new(url, None).unwrap().with_credential("c").with_retry(once)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_answer_is_cut_at_the_cap() {
    // A pull answer that never ends (no length announced) and a blob that
    // announces more than any photo.
    let endless = get(|| async {
        let chunk = bytes::Bytes::from(vec![b' '; 1 << 20]);
        let stream = futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
        Response::new(Body::from_stream(stream))
    });
    let huge = get(|| async {
        Response::builder()
            .header("content-length", (chevet_protocol::MAX_BLOB_BYTES + 1).to_string())
            .body(Body::from_stream(futures_util::stream::pending::<Result<bytes::Bytes, std::io::Error>>()))
            .unwrap()
    });
    let url = fake_hub(Router::new().route("/v1/sync/pull", endless).route("/v1/blobs/by-hash/{h}", huge)).await;
    let c = client(&url);
    match c.pull("", 10).await {
        Err(CoreError::HubRefused { code, .. }) => assert!(code.contains("larger than"), "{code}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    match c.blob_get(&"0".repeat(64)).await {
        Err(CoreError::HubRefused { code, .. }) => assert!(code.contains("larger than"), "{code}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_that_never_takes_the_bytes_stops_the_upload() {
    let stuck = any(|| async {
        Response::builder()
            .status(StatusCode::NO_CONTENT)
            .header("tus-resumable", "1.0.0")
            .header("upload-offset", "0")
            .body(Body::empty())
            .unwrap()
    });
    let create = any(|| async {
        Response::builder()
            .status(StatusCode::CREATED)
            .header("tus-resumable", "1.0.0")
            .header("location", "/v1/blobs/0190f0f0-0000-7000-8000-000000000000")
            .body(Body::empty())
            .unwrap()
    });
    let url = fake_hub(Router::new().route("/v1/blobs", create).route("/v1/blobs/{id}", stuck)).await;
    let dir = tempfile::tempdir().unwrap();
    let options = StoreOptions { pin_cost: Argon2Cost::MINIMUM, ..StoreOptions::default() };
    let store = Store::open(dir.path().join("d.db"), &KekVault::new([3; 32]), options).unwrap();
    let (c, cancel) = (client(&url), CancelHandle::new());
    let upload = sync::upload_blob(&store, &c, &[9u8; 5000], &cancel);
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(20), upload).await.expect("the upload gives up");
    match outcome {
        Err(CoreError::HubRefused { code, .. }) => assert!(code.contains("offset"), "{code}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
