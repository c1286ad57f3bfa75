//! Photos travel as blobs over tus 1.0: resumable after a cut at any
//! byte, and open to any tus client.

use std::io::Write;
use std::time::Duration;

use chevet_core::CoreError;
use chevet_core::sync::{self, CancelHandle};
use chevet_e2e::proxy::{Fault, FaultProxy};
use chevet_e2e::{Device, TestHub};

/// Deterministic pseudo-random bytes (ciphertext-like: incompressible).
fn blob(len: usize, seed: &str) -> Vec<u8> {
    let mut out = vec![0u8; len];
    blake3::Hasher::new().update(seed.as_bytes()).finalize_xof().fill(&mut out);
    out
}

/// Read straight from the storage (folder or S3), not through the hub.
async fn stored(hub: &TestHub, hash: &str) -> Vec<u8> {
    hub.blob_store().read(hub.tenant, hash).await.expect("blob in storage")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_upload_cut_at_random_offsets_resumes_and_completes() {
    upload_scenario(TestHub::start(1).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_on_s3_compatible_storage() {
    let s3 = chevet_e2e::S3Server::start("chevet-blobs").await;
    upload_scenario(TestHub::start_with_s3(1, &s3.endpoint, "chevet-blobs").await).await;
}

/// One scenario, run against every blob storage.
async fn upload_scenario(hub: TestHub) {
    let unit = hub.units[0];
    let data = blob(3 * 1024 * 1024 + 12_345, "photo");
    let hash = blake3::hash(&data).to_hex().to_string();

    // A connection cut in the middle of a chunk keeps nothing of that chunk.
    let d = Device::enrol(&hub, &hub.url(), &[unit], "Tablette").await;
    let (_, credential) = d.store.hub().unwrap().unwrap();
    let url = d.client.blob_create(data.len() as u64, &hash).await.unwrap();
    d.store.set_blob_upload(&hash, Some(&url)).unwrap();
    assert_eq!(d.client.blob_append(&url, 0, &data[..100_000]).await.unwrap(), 100_000);
    let path = url.trim_start_matches(&hub.url()).to_owned();
    let mut tcp = std::net::TcpStream::connect(hub.addr).unwrap();
    write!(
        tcp,
        "PATCH {path} HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer {credential}\r\nTus-Resumable: 1.0.0\r\n\
         Content-Type: application/offset+octet-stream\r\nUpload-Offset: 100000\r\nContent-Length: 200000\r\n\r\n"
    )
    .unwrap();
    tcp.write_all(&data[100_000..170_000]).unwrap();
    drop(tcp); // cut after 70,000 of 200,000 bytes
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(d.client.blob_offset(&url).await.unwrap(), Some(100_000));

    // The rest goes through a proxy that drops answers after the hub stored
    // the chunk, fails requests and delays them; the upload resumes each time.
    let faults = [
        Fault::Pass,
        Fault::DropResponse,
        Fault::Unavailable,
        Fault::Pass,
        Fault::UnavailableAfterCommit,
        Fault::Delay(Duration::from_millis(30)),
    ];
    let proxy = FaultProxy::start(&hub.url(), move |n| faults[n % faults.len()]).await;
    let via_proxy = chevet_core::sync::HubClient::new(&proxy.url(), None)
        .unwrap()
        .with_credential(credential.clone())
        .with_retry(chevet_e2e::fast_retry());
    // The stored URL points at the hub; resuming through the proxy starts a fresh upload there.
    d.store.set_blob_upload(&hash, None).unwrap();
    let got = sync::upload_blob(&d.store, &via_proxy, &data, &CancelHandle::new()).await.unwrap();
    assert_eq!(got, hash);
    assert!(proxy.faults() >= 4, "faults were injected ({})", proxy.faults());
    assert_eq!(stored(&hub, &hash).await, data);
    assert!(d.store.blob_upload(&hash).unwrap().is_none(), "a finished upload is forgotten");
    // The hub serves a blob only to devices that may see a photo naming it
    // (tests/tests/photos.rs, hostile.rs); none does yet.
    assert!(matches!(d.client.blob_get(&hash).await, Err(CoreError::HubRefused { status: 404, .. })));

    // Uploading the same content again is harmless.
    assert_eq!(sync::upload_blob(&d.store, &d.client, &data, &CancelHandle::new()).await.unwrap(), hash);
    assert_eq!(stored(&hub, &hash).await, data);

    // Content that does not match its declared hash is refused whole.
    let url = d.client.blob_create(4, &blake3::hash(b"abcd").to_hex()).await.unwrap();
    assert!(d.client.blob_append(&url, 0, b"abce").await.is_err());
    assert_eq!(d.client.blob_offset(&url).await.unwrap(), Some(0));

    // Another tenant's device cannot see the blob.
    let outsider = chevet_core::sync::HubClient::new(&hub.url(), None).unwrap().with_credential("forged");
    assert!(matches!(outsider.blob_get(&hash).await, Err(CoreError::HubUnauthorized)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_tus_client_uploads_to_the_hub() {
    let hub = TestHub::start(1).await;
    let d = Device::enrol(&hub, &hub.url(), &[hub.units[0]], "Tablette").await;
    let (url, credential) = d.store.hub().unwrap().unwrap();
    let data = blob(300 * 1024 + 7, "tuspy");
    let hash = blake3::hash(&data).to_hex().to_string();
    let file = hub.dir.path().join("photo.bin");
    std::fs::write(&file, &data).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tus/tuspy_upload.py");
    let out = tokio::process::Command::new("python3")
        .args([script, &url, &credential, file.to_str().unwrap(), &hash])
        .output()
        .await
        .expect("python3 runs");
    assert!(out.status.success(), "tuspy failed (pip install tuspy): {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stored(&hub, &hash).await, data);
}
