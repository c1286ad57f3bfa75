//! A wound photo taken on one tablet reaches another through the hub: the
//! encrypted files go up before the record, the other tablet pulls the
//! record and the thumbnail with its sync, and the full image when opened.
//! The hub's storage only ever holds ciphertext.

use chevet_core::CoreError;
use chevet_core::demo::camera::{Shot, camera_jpeg};
use chevet_core::domain::{NpiapStage, PhotoConsent, Wound, WoundKind};
use chevet_core::store::{PhotoCapture, PhotoRendition};
use chevet_core::sync::{self, CancelHandle};
use chevet_e2e::{Device, TestHub};
use uuid::Uuid;

async fn a_photo_taken_on_one_tablet_opens_on_another(postgres: bool) {
    let hub = TestHub::start_on(2, postgres).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().id;
    let mut a = Device::enrol(&hub, &hub.url(), &[unit], "Tablette A").await;
    let mut b = Device::enrol(&hub, &hub.url(), &[unit], "Tablette B").await;

    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: resident,
        kind: WoundKind::PressureInjury,
        site: "sacrum".into(),
        stage: Some(NpiapStage::Stage3),
        opened_on: "2026-11-01".parse().unwrap(),
        healed_on: None,
    };
    a.store.save_wound(&wound, None).unwrap();
    let camera = camera_jpeg(&Shot { width: 1600, height: 1200, orientation: 6, quality: 92, seed: 11, exif: true });
    let capture = PhotoCapture {
        resident_id: resident,
        wound_id: wound.id,
        assessment_id: None,
        body_site: "sacrum".into(),
        scale_marker: true,
        consent: PhotoConsent::Representative,
        taken_at: jiff::Timestamp::now(),
    };
    let photo = a.store.ingest_photo(capture, &camera).unwrap();
    let display = a.store.photo_image(photo.id, PhotoRendition::Display).unwrap();
    let thumbnail = a.store.photo_image(photo.id, PhotoRendition::Thumbnail).unwrap();

    let report = a.sync().await.unwrap();
    assert_eq!(report.blobs_uploaded, 2);
    assert_eq!(a.sync().await.unwrap().blobs_uploaded, 0, "uploaded once");
    for (blob, plain) in [(&photo.display, &display), (&photo.thumbnail, &thumbnail)] {
        let stored = hub.blob_store().read(hub.tenant, &blob.hash).await.unwrap();
        assert_eq!(stored.len() as u64, blob.sealed_len);
        assert!(!stored.windows(64).any(|w| w == &plain[plain.len() / 2..plain.len() / 2 + 64]));
    }

    let report = b.sync().await.unwrap();
    assert_eq!(report.blobs_fetched, 1, "the thumbnail comes with the sync");
    assert_eq!(b.store.photo_image(photo.id, PhotoRendition::Thumbnail).unwrap(), thumbnail);
    assert!(matches!(
        b.store.photo_image(photo.id, PhotoRendition::Display),
        Err(CoreError::PhotoFileMissing { on_hub: true, .. })
    ));
    let follow_up = b.store.wound_follow_up(wound.id).unwrap();
    assert_eq!(follow_up.previous_photo().map(|p| (p.id, p.on_device)), Some((photo.id, false)));

    sync::fetch_photo(&b.store, &b.client, photo.id, &CancelHandle::new()).await.unwrap();
    assert_eq!(b.store.photo_image(photo.id, PhotoRendition::Display).unwrap(), display);
    assert!(b.store.wound_follow_up(wound.id).unwrap().previous_photo().unwrap().on_device);
    assert_eq!(b.sync().await.unwrap().blobs_fetched, 0);
}

chevet_e2e::on_both_backends!(a_photo_taken_on_one_tablet_opens_on_another,);
