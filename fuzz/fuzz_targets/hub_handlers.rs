//! The hub's HTTP handlers fed hostile requests by an enrolled device (its
//! credential is valid; everything else is the input): push, pull, enrol,
//! tus create/head/patch and blob reads, through the real router on SQLite.
//! Never a panic, never a 500 (a hostile body is a 4xx, not a storage
//! failure). `"@unit"`, `"@resident"`, `"@staff"`, `"@aide"`, `"@device"`
//! stand for real ids of the group so mutations reach past the scope checks.
#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chevet_hub::api::{AppState, router};
use chevet_hub::blobs::BlobStore;
use chevet_hub::{Admin, SharedBackend, SqliteBackend};
use chevet_protocol::{EnrolRequest, EnrolResponse, PROTOCOL_HEADER};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Hub {
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    router: Router,
    credential: String,
    upload: String,
    ids: Vec<(&'static str, String)>,
}

async fn call(router: &Router, req: Request<Body>) -> (StatusCode, Vec<u8>) {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024).await.unwrap();
    (status, body.to_vec())
}

static HUB: LazyLock<Hub> = LazyLock::new(|| {
    let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap();
    let backend = Arc::new(SqliteBackend::open(&dir.path().join("hub.db")).unwrap());
    let admin = Admin::new(&*backend);
    let group = chevet_demo::group::create_group(&admin, 1).unwrap();
    let unit = group.units[0].id;
    let csv = "birth_name;given_names;sex;birth_date;birth_place_insee;room\nDurand;Lucie;F;1940-02-03;75056;101\n";
    let residents = admin.import_residents_csv(group.tenant, unit, csv, jiff::civil::date(2026, 1, 5)).unwrap();
    let code = admin.enrolment_code(group.tenant, &[unit], 1).unwrap();
    let blobs = BlobStore::open(&dir.path().join("blobs")).unwrap();
    let state = Arc::new(AppState::new(SharedBackend(backend), blobs));
    let router = router(state, Duration::from_secs(30));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let device = uuid::Uuid::now_v7();
    let (credential, upload) = rt.block_on(async {
        let enrol = EnrolRequest { code, device_id: device, label: "Fuzz".into() };
        let req = Request::post("/v1/enrol")
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_vec(&enrol).unwrap()))
            .unwrap();
        let (status, body) = call(&router, req).await;
        assert_eq!(status, StatusCode::CREATED);
        let credential = serde_json::from_slice::<EnrolResponse>(&body).unwrap().credential;
        let hash = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"; // BLAKE3 of nothing
        let req = Request::post("/v1/blobs")
            .header("authorization", format!("Bearer {credential}"))
            .header("tus-resumable", "1.0.0")
            .header("upload-length", "64")
            .header("upload-metadata", format!("blake3 {}", base64_of(hash)))
            .body(Body::empty())
            .unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        let upload = resp.headers()["location"].to_str().unwrap().to_owned();
        (credential, upload)
    });
    let ids = vec![
        ("\"@unit\"", format!("\"{unit}\"")),
        ("\"@resident\"", format!("\"{}\"", residents[0])),
        ("\"@staff\"", format!("\"{}\"", group.nurse.id)),
        ("\"@aide\"", format!("\"{}\"", group.care_aide.id)),
        ("\"@device\"", format!("\"{device}\"")),
    ];
    Hub { _dir: dir, rt, router, credential, upload, ids }
});

fn base64_of(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fuzz_target!(|data: &[u8]| {
    let hub = &*HUB;
    let Some((&selector, rest)) = data.split_first() else { return };
    let mut body = String::from_utf8_lossy(rest).into_owned();
    for (placeholder, id) in &hub.ids {
        body = body.replace(placeholder, id);
    }
    let bearer = format!("Bearer {}", hub.credential);
    // The audit journal on the last selectors, so the corpus gathered
    // before it keeps its meaning.
    let req = match if selector >= 248 { 8 } else { selector % 8 } {
        8 => Request::post("/v1/sync/audit").header("content-type", "application/json").body(Body::from(body)),
        0 => Request::post("/v1/sync/push").header("content-type", "application/json").body(Body::from(body)),
        1 => {
            // The input is the query string.
            let query: String = body.chars().filter(|c| c.is_ascii_graphic()).collect();
            Request::get(format!("/v1/sync/pull?{query}")).body(Body::empty())
        }
        2 => Request::post("/v1/enrol").header("content-type", "application/json").body(Body::from(body)),
        3 => {
            // Headers from the input, one `name: value` per line.
            let mut b = Request::post("/v1/blobs").header("tus-resumable", "1.0.0");
            for line in body.lines().take(8) {
                if let Some((name, value)) = line.split_once(':') {
                    b = b.header(name.trim(), value.trim());
                }
            }
            b.body(Body::empty())
        }
        4 | 5 => {
            // A chunk at an offset the input gives, on a real upload.
            let offset = rest.first().copied().unwrap_or(0);
            Request::patch(&hub.upload)
                .header("tus-resumable", "1.0.0")
                .header("content-type", "application/offset+octet-stream")
                .header("upload-offset", offset.to_string())
                .body(Body::from(rest.get(1..).unwrap_or_default().to_vec()))
        }
        6 => {
            let path: String = body.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(200).collect();
            Request::head(format!("/v1/blobs/{path}")).header("tus-resumable", "1.0.0").body(Body::empty())
        }
        _ => {
            let path: String = body.chars().filter(|c| c.is_ascii_alphanumeric()).take(200).collect();
            Request::get(format!("/v1/blobs/by-hash/{path}")).body(Body::empty())
        }
    };
    let Ok(mut req) = req else { return }; // not an HTTP request at all
    req.headers_mut().insert("authorization", bearer.parse().unwrap());
    req.headers_mut().insert(PROTOCOL_HEADER, "1".parse().unwrap());
    let (status, _) = hub.rt.block_on(call(&hub.router, req));
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "a hostile request made the hub fail");
});
