//! At rest on the sync path: whatever a tablet receives from the hub —
//! changes applied, changes held back behind a local edit, a re-snapshot, a
//! cancelled sync, a pulled photo — its files never hold a name, an INS, a
//! phone number, a note or a picture in clear.

use std::path::Path;

use chevet_core::demo::camera::{Shot, camera_jpeg};
use chevet_core::demo::matricule_with_key;
use chevet_core::domain::*;
use chevet_core::store::{PhotoCapture, PhotoRendition};
use chevet_core::sync::{self, CancelHandle, SyncOptions};
use chevet_e2e::{Device, TestHub, temperature};
use jiff::civil::date;
use uuid::Uuid;

/// Every file under `dir` (the store, its WAL, photo files, anything else).
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { todo.push(p) } else { out.push(p) }
        }
    }
    out
}

#[track_caller]
fn assert_nothing_in_clear(device: &Device, needles: &[Vec<u8>], when: &str) {
    let files = files_under(device.dir.path());
    assert!(files.iter().any(|f| f.to_string_lossy().ends_with("-wal")), "the WAL is scanned too: {files:?}");
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{when}: {} holds {:?} in clear",
                file.display(),
                String::from_utf8_lossy(&needle[..needle.len().min(24)])
            );
        }
    }
}

async fn nothing_personal_in_clear_after_any_sync_path(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let unit = hub.units[0];
    let m = matricule_with_key(1_290_213_055_123).unwrap();
    let resident = Resident {
        id: Uuid::now_v7(),
        unit_id: unit,
        identity: Identity {
            traits: IdentityTraits {
                birth_name: "Kerguelen".into(),
                first_birth_given_name: "Ysolde".into(),
                birth_given_names: "Ysolde Armelle".into(),
                sex: Sex::Female,
                birth_date: date(1931, 7, 19),
                birth_place_insee: Some("29019".into()),
            },
            matricule: Some(m.clone()),
            system: Some(InsSystem::NirDemo),
            status: IdentityStatus::Qualified,
            collection: CollectionMethod::Insi,
            used_name: None,
            used_given_name: None,
        },
        room: "Chambre-Hortensia-7".into(),
        allergies: vec!["Pénicilline".into()],
        trusted_person: Some(Contact {
            name: "Maëlys Kerguelen".into(),
            relationship: "petite-fille".into(),
            phone: Some("0611223344".into()),
        }),
        contacts: vec![],
        advance_directives: Some("Pas de réanimation cardio-pulmonaire".into()),
        gir: Some(3),
        hypercapnic: false,
        admitted_on: date(2025, 9, 1),
        discharged_on: None,
        home_tags: Vec::new(),
    };
    {
        let (backend, tenant, r) = (hub.backend.clone(), hub.tenant, resident.clone());
        tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).put_resident(tenant, &r).unwrap())
            .await
            .unwrap();
    }
    let mut a = Device::enrol(&hub, &hub.url(), &[unit], "Tablette A").await;
    let mut b = Device::enrol(&hub, &hub.url(), &[unit], "Tablette B").await;
    let mut needles: Vec<Vec<u8>> = [
        "Kerguelen",
        "Ysolde",
        "Armelle",
        "Maëlys",
        "0611223344",
        "Pénicilline",
        "réanimation",
        "Hortensia",
        "1931-07-19",
        m.as_str(),
        "administration",
        "open_file",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    assert_nothing_in_clear(&a, &needles, "after the first sync");

    // A edits offline; B edits the same resident, photographs a wound, syncs.
    let (_, v) = a.store.resident(resident.id).unwrap();
    a.store
        .update_resident(
            resident.id,
            v,
            &ResidentChanges { room: Some("Chambre-Lilas-3".into()), ..Default::default() },
        )
        .unwrap();
    let (_, v) = b.store.resident(resident.id).unwrap();
    let allergies = Some(vec!["Pénicilline".into(), "Iode-povidone".into()]);
    b.store.update_resident(resident.id, v, &ResidentChanges { allergies, ..Default::default() }).unwrap();
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: resident.id,
        kind: WoundKind::PressureInjury,
        site: "talon-gauche-Zéphyr".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: date(2026, 11, 20),
        healed_on: None,
    };
    b.store.save_wound(&wound, None).unwrap();
    let camera = camera_jpeg(&Shot { width: 1200, height: 900, orientation: 1, quality: 90, seed: 5, exif: true });
    let capture = PhotoCapture {
        resident_id: resident.id,
        wound_id: wound.id,
        assessment_id: None,
        body_site: "talon-gauche-Zéphyr".into(),
        scale_marker: true,
        consent: PhotoConsent::Resident,
        taken_at: jiff::Timestamp::now(),
    };
    let photo = b.store.ingest_photo(capture, &camera).unwrap();
    let display = b.store.photo_image(photo.id, PhotoRendition::Display).unwrap();
    let thumbnail = b.store.photo_image(photo.id, PhotoRendition::Thumbnail).unwrap();
    b.sync().await.unwrap();
    needles.extend(["Lilas", "Iode-povidone", "Zéphyr"].iter().map(|s| s.as_bytes().to_vec()));
    for image in [&display, &thumbnail, &camera] {
        needles.push(image[image.len() / 2..image.len() / 2 + 64].to_vec());
    }

    // A pulls before its edit is answered: B's resident waits, held back.
    let cursor = a.store.pull_cursor().unwrap();
    let page = a.client.pull(&cursor, 1000).await.unwrap();
    let applied = a.store.apply_pulled(&page.changes, &page.cursor).unwrap();
    assert_eq!(applied.deferred, 1, "B's edit of the resident waits for A's");
    assert_nothing_in_clear(&a, &needles, "with a pulled change held back");

    // A sync cancelled at once, then a whole one: the held change applies
    // and the thumbnail arrives; then the full image is opened.
    let cancel = CancelHandle::new();
    cancel.cancel();
    let _ = sync::sync(&a.store, &a.client, SyncOptions::default(), None, &cancel).await;
    assert_nothing_in_clear(&a, &needles, "after a cancelled sync");
    let report = a.sync().await.unwrap();
    assert_eq!(report.blobs_fetched, 1);
    assert_eq!(a.store.resident(resident.id).unwrap().0.allergies.len(), 2);
    sync::fetch_photo(&a.store, &a.client, photo.id, &CancelHandle::new()).await.unwrap();
    assert_eq!(a.store.photo_image(photo.id, PhotoRendition::Display).unwrap(), display);
    assert_nothing_in_clear(&a, &needles, "after pulling the photo");

    // The hub compacts its log: A's next pull starts over from a snapshot.
    {
        let backend = hub.backend.clone();
        tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).compact_log(0).unwrap()).await.unwrap();
    }
    b.store.record(temperature(resident.id, 38.2)).unwrap();
    b.sync().await.unwrap();
    a.sync().await.unwrap();
    assert_eq!(a.fact_ids(), b.fact_ids());
    assert_nothing_in_clear(&a, &needles, "after a re-snapshot");
    assert_nothing_in_clear(&b, &needles, "on the tablet that took the photo");
}

chevet_e2e::on_both_backends!(nothing_personal_in_clear_after_any_sync_path,);
