//! Several hub nodes: two hub processes (the hub's own command line) on one
//! PostgreSQL and one S3-compatible server, behind a balancer that sends a
//! device's requests to each in turn — with answers lost and requests
//! duplicated on the way, and one node SIGKILLed and restarted in the
//! middle. A photo upload started on one node finishes on the other; every
//! record reaches the hub and the other tablet exactly once.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chevet_core::demo::camera::{Shot, camera_jpeg};
use chevet_core::domain::{NpiapStage, PhotoConsent, Wound, WoundKind};
use chevet_core::store::{PhotoCapture, PhotoRendition};
use chevet_e2e::nodes::HubProcess;
use chevet_e2e::proxy::{Fault, FaultProxy};
use chevet_e2e::{Device, S3Server, TestHub, temperature};
use uuid::Uuid;

const NODE: &str = env!("CARGO_BIN_EXE_chevet-hub-node");

/// Syncs until nothing is pending (a sync that succeeds has sent its photo
/// files first); a sync may fail on an injected fault.
async fn sync_until_done(d: &mut Device) {
    for _ in 0..20 {
        if d.sync().await.is_ok() && d.store.pending_count().unwrap() == 0 {
            return;
        }
    }
    panic!("the device did not finish its sync through the faults");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hub_processes_on_one_postgresql_and_s3_lose_and_double_nothing() {
    let s3 = S3Server::start("chevet-nodes").await;
    let mut hub = TestHub::start_on_with_s3(3, true, &s3.endpoint, "chevet-nodes").await;
    // Only the two processes serve; the test keeps its own handle on the
    // storage for set-up and checks.
    hub.kill().await;
    let mut a = HubProcess::start(Path::new(NODE), &hub).await;
    let b = HubProcess::start(Path::new(NODE), &hub).await;
    let faults_on = Arc::new(AtomicBool::new(false));
    let schedule = {
        let on = faults_on.clone();
        move |n: usize| match n % 9 {
            _ if !on.load(Ordering::SeqCst) => Fault::Pass,
            4 => Fault::DropResponse,
            7 => Fault::Duplicate,
            _ => Fault::Pass,
        }
    };
    let balancer = FaultProxy::balance(&[a.url(), b.url()], schedule).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().id;
    let mut first = Device::enrol(&hub, &balancer.url(), &[unit], "Tablette 1").await;
    let mut second = Device::enrol(&hub, &balancer.url(), &[unit], "Tablette 2").await;
    faults_on.store(true, Ordering::SeqCst);

    // Records, and a wound photo (two encrypted files, several chunks for
    // the display one) from the first tablet.
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: resident,
        kind: WoundKind::PressureInjury,
        site: "talon droit".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: "2026-11-20".parse().unwrap(),
        healed_on: None,
    };
    first.store.save_wound(&wound, None).unwrap();
    let camera = camera_jpeg(&Shot { width: 3000, height: 2250, orientation: 1, quality: 95, seed: 5, exif: true });
    let photo = first
        .store
        .ingest_photo(
            PhotoCapture {
                resident_id: resident,
                wound_id: wound.id,
                assessment_id: None,
                body_site: "talon droit".into(),
                scale_marker: true,
                consent: PhotoConsent::Resident,
                taken_at: jiff::Timestamp::now(),
            },
            &camera,
        )
        .unwrap();
    first
        .store
        .record_batch((0..400).map(|i| temperature(resident, 36.0 + f64::from(i % 20) / 10.0)).collect())
        .unwrap();
    sync_until_done(&mut first).await;

    // A node dies mid-way (SIGKILL) and comes back; the second tablet
    // writes too, and both keep going through both nodes.
    second
        .store
        .record_batch((0..1500).map(|i| temperature(resident, 37.0 + f64::from(i % 10) / 10.0)).collect())
        .unwrap();
    let before = hub.count("SELECT COUNT(*) FROM facts");
    let second_sync = async {
        sync_until_done(&mut second).await;
    };
    let killer = async {
        // Once the second tablet's first batches are in, before its last.
        while hub.count("SELECT COUNT(*) FROM facts") == before {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        a.kill();
        let at_kill = hub.count("SELECT COUNT(*) FROM facts") - before;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        a.restart().await;
        at_kill
    };
    let ((), at_kill) = tokio::join!(second_sync, killer);
    assert!(at_kill < 1500, "the kill landed mid-push ({at_kill} of 1,500 records in)");
    first
        .store
        .record_batch((0..100).map(|i| temperature(resident, 36.5 + f64::from(i % 5) / 10.0)).collect())
        .unwrap();
    sync_until_done(&mut first).await;
    sync_until_done(&mut second).await;
    sync_until_done(&mut first).await;

    // A large encrypted file straight over tus, chunk by chunk: each chunk
    // goes to the other node from the last.
    faults_on.store(false, Ordering::SeqCst);
    let data: Vec<u8> = {
        let mut out = vec![0u8; 2 * 1024 * 1024 + 777];
        blake3::Hasher::new().update(b"large").finalize_xof().fill(&mut out);
        out
    };
    let hash = blake3::hash(&data).to_hex().to_string();
    let served_before = balancer.served();
    let url = first.client.blob_create(data.len() as u64, &hash).await.unwrap();
    let mut offset = 0u64;
    for chunk in data.chunks(256 * 1024) {
        offset = first.client.blob_append(&url, offset, chunk).await.unwrap();
    }
    let served_after = balancer.served();
    assert!(
        served_after.iter().zip(&served_before).all(|(after, before)| after - before >= 4),
        "the upload's requests went to both nodes: {served_before:?} → {served_after:?}"
    );
    assert_eq!(first.client.blob_offset(&url).await.unwrap(), Some(data.len() as u64));
    assert_eq!(hub.blob_store().read(hub.tenant, &hash).await.unwrap(), data);

    // Nothing lost, nothing doubled: on the hub, and on each tablet.
    let (one, two) = (first.fact_ids(), second.fact_ids());
    assert_eq!(one, two, "both tablets hold the same records");
    let ids: BTreeSet<Uuid> = one.iter().copied().collect();
    assert_eq!(ids.len(), one.len());
    let on_hub = hub.count("SELECT COUNT(*) FROM facts");
    assert_eq!(on_hub as usize, one.len(), "every record on the hub once");
    assert!(one.len() > 2000, "the 2,000 temperatures and the photo's records: {}", one.len());
    assert_eq!(hub.count("SELECT COUNT(*) FROM changes WHERE entity = 'fact'"), on_hub, "one change per record");
    assert_eq!(
        hub.count(&format!("SELECT COUNT(*) FROM changes WHERE entity_id = '{}'", wound.id)),
        1,
        "the wound once"
    );
    // The photo, uploaded through both nodes, opens on the other tablet.
    for blob in [&photo.display, &photo.thumbnail] {
        assert_eq!(hub.blob_store().read(hub.tenant, &blob.hash).await.unwrap().len() as u64, blob.sealed_len);
    }
    assert_eq!(
        second.store.photo_image(photo.id, PhotoRendition::Thumbnail).unwrap(),
        first.store.photo_image(photo.id, PhotoRendition::Thumbnail).unwrap()
    );
    let served = balancer.served();
    eprintln!(
        "two nodes: {} records, requests per node {served:?}, {} faults, {at_kill} of 1,500 in at the kill",
        one.len(),
        balancer.faults()
    );
    assert!(balancer.faults() >= 5, "faults happened: {}", balancer.faults());
    assert!(served.iter().all(|&n| n > 20), "both nodes served: {served:?}");
    // Uploads finished on either node leave only their descriptions
    // behind (and those go when they expire).
    let store = hub.blob_store();
    let (descriptions, chunks) = store.upload_objects().await.unwrap();
    assert!(descriptions >= 3 && chunks == 0, "{descriptions} descriptions, {chunks} chunks left");
    store.sweep(i64::MAX).await.unwrap();
    assert_eq!(store.upload_objects().await.unwrap(), (0, 0));
    drop(b);
}
