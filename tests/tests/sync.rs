//! Sync end to end: a real hub on loopback, devices with their own
//! encrypted stores, faults in between.

use std::collections::BTreeSet;
use std::time::Duration;

use chevet_core::CoreError;
use chevet_core::domain::ResidentChanges;
use chevet_e2e::proxy::{Fault, FaultProxy};
use chevet_e2e::{Device, TestHub, temperature};
use uuid::Uuid;

fn resident_state(d: &Device, id: Uuid) -> serde_json::Value {
    serde_json::to_value(d.store.resident(id).unwrap().0).unwrap()
}

async fn two_devices_offline_then_sync_converge_with_a_visible_conflict(postgres: bool) {
    let hub = TestHub::start_on(5, postgres).await;
    let unit = hub.units[0];
    let mut a = Device::enrol(&hub, &hub.url(), &[unit], "Tablette A").await;
    let mut b = Device::enrol(&hub, &hub.url(), &[unit], "Tablette B").await;
    // The first sync brought the unit's residents (and not the other unit's).
    let r = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    assert_eq!(a.store.resident(r.id).unwrap().0.room, r.room);
    let other = hub.residents.iter().find(|r| r.unit_id != unit).unwrap();
    assert!(matches!(a.store.resident(other.id), Err(CoreError::NotFound { .. })));

    // Offline on both: facts, and edits of the same resident.
    for v in [37.1, 37.4, 38.0] {
        a.store.record(temperature(r.id, v)).unwrap();
    }
    for v in [36.8, 36.9] {
        b.store.record(temperature(r.id, v)).unwrap();
    }
    let (_, va) = a.store.resident(r.id).unwrap();
    a.store.update_resident(r.id, va, &ResidentChanges { room: Some("A-12".into()), ..Default::default() }).unwrap();
    let (_, vb) = b.store.resident(r.id).unwrap();
    b.store
        .update_resident(
            r.id,
            vb,
            &ResidentChanges { room: Some("B-14".into()), gir: Some(Some(2)), ..Default::default() },
        )
        .unwrap();
    let (_, va) = a.store.resident(r.id).unwrap();
    a.store.update_resident(r.id, va, &ResidentChanges { hypercapnic: Some(true), ..Default::default() }).unwrap();

    a.sync().await.unwrap();
    let rb = b.sync().await.unwrap();
    assert_eq!(rb.conflicts, 1, "B's room edit collides with A's");
    a.sync().await.unwrap();

    // Same facts everywhere, nothing lost.
    assert_eq!(a.fact_ids(), b.fact_ids());
    assert_eq!(a.fact_ids().len(), 5);
    assert_eq!(a.store.pending_count().unwrap(), 0);
    assert_eq!(b.store.pending_count().unwrap(), 0);
    // Same resident state: A's room (first to reach the hub), B's GIR, A's flag.
    assert_eq!(resident_state(&a, r.id), resident_state(&b, r.id));
    let merged = a.store.resident(r.id).unwrap().0;
    assert_eq!(merged.room, "A-12");
    assert_eq!(merged.gir, Some(2));
    assert!(merged.hypercapnic);
    // B's losing value is kept: on the hub for a coordinator, and on B.
    let conflicts = tokio::task::block_in_place(|| hub.admin().conflicts(hub.tenant)).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].fields, ["room"]);
    assert_eq!(conflicts[0].device_values["room"], "B-14");
    assert_eq!(conflicts[0].hub_values["room"], "A-12");
    let issues = b.store.sync_issues().unwrap();
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].state, "conflict");
}

async fn every_op_applies_exactly_once_through_a_faulty_network(postgres: bool) {
    let hub = TestHub::start_on(3, postgres).await;
    let unit = hub.units[0];
    // Faults rotate; roughly two requests in three see one.
    let faults = [
        Fault::DropResponse,
        Fault::Pass,
        Fault::CutResponseMidBody,
        Fault::Duplicate,
        Fault::Pass,
        Fault::UnavailableAfterCommit,
        Fault::Delay(Duration::from_millis(150)),
        Fault::Unavailable,
        Fault::Pass,
    ];
    let proxy =
        FaultProxy::start(&hub.url(), move |n| if n < 2 { Fault::Pass } else { faults[n % faults.len()] }).await;
    let mut d = Device::enrol(&hub, &proxy.url(), &[unit], "Tablette chariot").await;
    let r = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut recorded = BTreeSet::new();
    for round in 0..6 {
        for i in 0..40 {
            let f = d.store.record(temperature(r.id, 36.0 + f64::from(i % 20) / 10.0)).unwrap();
            recorded.insert(f.id());
        }
        let (_, v) = d.store.resident(r.id).unwrap();
        d.store
            .update_resident(r.id, v, &ResidentChanges { room: Some(format!("R{round}")), ..Default::default() })
            .unwrap();
        // A sync may give up on a bad streak; the next one resumes.
        let mut tries = 0;
        while d.sync().await.is_err() {
            tries += 1;
            assert!(tries < 10, "sync never got through");
        }
    }
    assert!(proxy.faults() > 10, "the proxy should have injected faults ({})", proxy.faults());
    assert_eq!(d.store.pending_count().unwrap(), 0, "the outbox drains");
    // Exactly once on the hub: each fact stored once, logged once, answered once.
    assert_eq!(hub.count("SELECT COUNT(*) FROM facts"), recorded.len() as i64);
    assert_eq!(hub.count("SELECT COUNT(*) FROM changes WHERE entity = 'fact'"), recorded.len() as i64);
    let ops = hub.count("SELECT COUNT(*) FROM ops");
    assert_eq!(ops, hub.count("SELECT COUNT(DISTINCT op_id) FROM ops"));
    assert_eq!(ops as usize, recorded.len() + 6);
    // One room change per round: six hub versions after the import.
    assert_eq!(hub.document_version(r.id).await, Some(7));
    assert_eq!(d.store.resident(r.id).unwrap().0.room, "R5");
    let ids: BTreeSet<Uuid> = d.fact_ids().into_iter().collect();
    assert_eq!(ids, recorded);
}

async fn hub_killed_mid_sync_and_restarted_loses_and_doubles_nothing(postgres: bool) {
    let mut hub = TestHub::start_on(2, postgres).await;
    let unit = hub.units[0];
    let mut d = Device::enrol(&hub, &hub.url(), &[unit], "Tablette SSIAD").await;
    let r = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut recorded = BTreeSet::new();
    for i in 0..1200 {
        recorded.insert(d.store.record(temperature(r.id, 36.0 + f64::from(i % 30) / 10.0)).unwrap().id());
    }
    // Kill the hub while the device pushes its 12 batches.
    let store_sync = d.sync();
    let killer = async {
        tokio::time::sleep(Duration::from_millis(60)).await;
        hub.kill().await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        hub.restart().await;
    };
    let (first, ()) = tokio::join!(store_sync, killer);
    if first.is_err() {
        d.sync().await.unwrap();
    }
    d.sync().await.unwrap();
    assert_eq!(d.store.pending_count().unwrap(), 0);
    assert_eq!(hub.count("SELECT COUNT(*) FROM facts"), recorded.len() as i64);
    assert_eq!(hub.count("SELECT COUNT(*) FROM changes WHERE entity = 'fact'"), recorded.len() as i64);
    let ids: BTreeSet<Uuid> = d.fact_ids().into_iter().collect();
    assert_eq!(ids, recorded);
}

async fn scope_revocation_and_bad_requests_are_refused(postgres: bool) {
    let hub = TestHub::start_on(2, postgres).await;
    let (u1, u2) = (hub.units[0], hub.units[1]);
    let mut d = Device::enrol(&hub, &hub.url(), &[u1], "Tablette étage 1").await;
    let outside = hub.residents.iter().find(|r| r.unit_id == u2).unwrap().clone();
    // A record about a resident of another unit: rejected, quarantined, queue not blocked.
    d.store
        .provision_unit(&chevet_core::domain::Unit {
            id: u2,
            establishment_id: d.store.unit(u1).unwrap().establishment_id,
            name: "Étage 2".into(),
        })
        .unwrap();
    d.store.create_resident(&outside).unwrap();
    d.store.record(temperature(outside.id, 37.0)).unwrap();
    let inside = hub.residents.iter().find(|r| r.unit_id == u1).unwrap().clone();
    d.store.record(temperature(inside.id, 37.0)).unwrap();
    let report = d.sync().await.unwrap();
    assert_eq!(report.rejected, 2);
    assert_eq!(d.store.pending_count().unwrap(), 0);
    assert_eq!(hub.count("SELECT COUNT(*) FROM facts"), 1);
    assert_eq!(hub.count("SELECT COUNT(*) FROM quarantine"), 2);
    assert_eq!(d.store.sync_issues().unwrap().len(), 2);

    // Malformed, oversized and unauthenticated requests: clear 4xx, nothing changes.
    let (url, credential) = d.store.hub().unwrap().unwrap();
    // No connection reuse: the hub closes the connection after refusing an
    // oversized body, and a pooled one may be picked up before its close is
    // seen (a flaky IncompleteMessage on the next request).
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let before = hub.count("SELECT COUNT(*) FROM ops");
    let post = |body: Vec<u8>, auth: Option<&str>| {
        let mut req = http.post(format!("{url}/v1/sync/push")).header("content-type", "application/json").body(body);
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        req.send()
    };
    assert_eq!(post(b"{not json".to_vec(), Some(&credential)).await.unwrap().status(), 400);
    match post(vec![b' '; 2 * 1024 * 1024], Some(&credential)).await {
        Ok(resp) => assert_eq!(resp.status(), 413),
        // The hub answers 413 as soon as the limit is passed and closes the
        // connection; a client still sending its body may see the close first.
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    assert_eq!(post(b"{}".to_vec(), None).await.unwrap().status(), 401);
    assert_eq!(post(b"{}".to_vec(), Some("forged")).await.unwrap().status(), 401);
    let resp = http.get(format!("{url}/v1/sync/pull?cursor=c9.zz")).bearer_auth(&credential).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    let wrong_protocol = http
        .get(format!("{url}/v1/sync/pull"))
        .bearer_auth(&credential)
        .header(chevet_protocol::PROTOCOL_HEADER, "99")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_protocol.status(), 426);
    assert_eq!(hub.count("SELECT COUNT(*) FROM ops"), before);
    // An enrolment code works once.
    let code = hub.code(&[u1]).await;
    let enrol = |device_id: Uuid| {
        http.post(format!("{url}/v1/enrol"))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&serde_json::json!({"code": code, "device_id": device_id, "label": "x"})).unwrap())
            .send()
    };
    assert_eq!(enrol(Uuid::now_v7()).await.unwrap().status(), 201);
    assert_eq!(enrol(Uuid::now_v7()).await.unwrap().status(), 403);

    // Revoked (a lost tablet): refused from then on, and at its next contact
    // it erases everything personal it holds, unsent records included.
    let devices = tokio::task::block_in_place(|| hub.admin().devices(hub.tenant)).unwrap();
    assert!(devices.iter().any(|x| x.device_id == d.store.device_id()), "{devices:?} vs {}", d.store.device_id());
    assert!(tokio::task::block_in_place(|| hub.admin().revoke_device(d.store.device_id())).unwrap());
    d.store.record(temperature(inside.id, 37.2)).unwrap();
    assert_eq!(d.store.pending_count().unwrap(), 1);
    assert!(matches!(d.sync().await, Err(CoreError::DeviceRevoked)));
    let raw = rusqlite::Connection::open(d.dir.path().join("device.db")).unwrap();
    for table in ["residents", "facts", "outbox", "staff", "planned_acts", "wounds", "media_blobs"] {
        let n: i64 = raw.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "{table} erased");
    }
    assert!(d.store.hub().unwrap().is_none(), "no longer enrolled");
    let erased = d.store.audit_entries(1000).unwrap().iter().filter(|e| e.action == "erase").count();
    assert_eq!(erased, 1, "the journal says it was erased");
    // A credential the hub never issued is only refused: nothing erased.
    let forged = chevet_core::sync::HubClient::new(&url, None).unwrap().with_credential("forged");
    assert!(matches!(forged.pull("", 10).await, Err(CoreError::HubUnauthorized)));
}

async fn a_cancelled_sync_stops_and_the_next_one_finishes(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let unit = hub.units[0];
    let proxy =
        FaultProxy::start(&hub.url(), |n| if n < 2 { Fault::Pass } else { Fault::Delay(Duration::from_millis(300)) })
            .await;
    let mut d = Device::enrol(&hub, &proxy.url(), &[unit], "Tablette").await;
    let r = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    for _ in 0..250 {
        d.store.record(temperature(r.id, 37.0)).unwrap();
    }
    let cancel = chevet_core::sync::CancelHandle::new();
    let c2 = cancel.clone();
    let canceller = async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        c2.cancel();
    };
    let (res, ()) =
        tokio::join!(chevet_core::sync::sync(&d.store, &d.client, Default::default(), None, &cancel), canceller);
    assert!(matches!(res, Err(CoreError::SyncCancelled)));
    assert!(d.store.pending_count().unwrap() > 0);
    d.sync().await.unwrap();
    assert_eq!(d.store.pending_count().unwrap(), 0);
    assert_eq!(hub.count("SELECT COUNT(*) FROM facts"), 250);
}

async fn a_device_of_another_tenant_reads_and_writes_nothing_of_this_one(postgres: bool) {
    let hub = TestHub::start_on(2, postgres).await;
    let mut ours = Device::enrol(&hub, &hub.url(), &[hub.units[0]], "Tablette Tilleuls").await;
    let r = hub.residents.iter().find(|r| r.unit_id == hub.units[0]).unwrap().clone();
    ours.store.record(temperature(r.id, 37.5)).unwrap();
    ours.sync().await.unwrap();

    // A second group on the same hub, with its own unit and device.
    let backend = hub.backend.clone();
    let (tenant_b, unit_b) = tokio::task::spawn_blocking(move || {
        let admin = chevet_hub::Admin::new(&*backend);
        let t = admin.create_tenant("Groupe Les Glycines").unwrap();
        let est = chevet_core::domain::Establishment {
            id: Uuid::now_v7(),
            name: "EHPAD Les Glycines".into(),
            finess: "130000002".into(),
            kind: chevet_core::domain::EstablishmentKind::Ehpad,
            time_zone: "Europe/Paris".into(),
            alert_settings: None,
            glucose_entry_unit: Default::default(),
        };
        admin.put_establishment(t, &est).unwrap();
        let u = chevet_core::domain::Unit { id: Uuid::now_v7(), establishment_id: est.id, name: "RDC".into() };
        admin.put_unit(t, &u).unwrap();
        (t, u.id)
    })
    .await
    .unwrap();
    let backend = hub.backend.clone();
    let code = tokio::task::spawn_blocking(move || {
        chevet_hub::Admin::new(&*backend).enrolment_code(tenant_b, &[unit_b], 1).unwrap()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = chevet_core::StoreOptions {
        pin_cost: chevet_core::crypto::vault::Argon2Cost::MINIMUM,
        ..chevet_core::StoreOptions::default()
    };
    let store =
        chevet_core::Store::open(dir.path().join("b.db"), &chevet_core::crypto::KekVault::new([3; 32]), options)
            .unwrap();
    let client = chevet_core::sync::HubClient::new(&hub.url(), None).unwrap();
    chevet_core::sync::enrol(&store, &client, &code, "Tablette Glycines").await.unwrap();
    let client = chevet_core::sync::client_for(&store).unwrap();
    let (_, credential) = store.hub().unwrap().unwrap();

    // Pulling everything it may see brings nothing of the first group.
    let mut cursor = String::new();
    let mut seen = Vec::new();
    loop {
        let page = client.pull(&cursor, 1000).await.unwrap();
        seen.extend(page.changes);
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert!(!seen.is_empty(), "it sees its own group's reference data");
    let first_group: Vec<Uuid> =
        hub.residents.iter().map(|r| r.id).chain(hub.units.iter().copied()).chain([ours.store.device_id()]).collect();
    assert!(seen.iter().all(|c| !first_group.contains(&c.entity_id) && c.entity != chevet_protocol::Entity::Fact));

    // Writing about the first group's resident is refused, and nothing changes there.
    let before = hub.count("SELECT COUNT(*) FROM facts");
    let fact = temperature(r.id, 39.9);
    let op = chevet_protocol::Operation {
        op_id: Uuid::now_v7(),
        device_seq: 1,
        entity: chevet_protocol::Entity::Fact,
        entity_id: fact.id(),
        base_version: None,
        hlc: 0,
        clinical_time_ms: jiff::Timestamp::now().as_millisecond(),
        payload: serde_json::to_value(&fact).unwrap(),
    };
    let resp = client
        .push(&chevet_protocol::PushRequest { ops: vec![op], device_time_ms: jiff::Timestamp::now().as_millisecond() })
        .await
        .unwrap();
    assert!(matches!(
        resp.results[0].outcome,
        chevet_protocol::OpOutcome::Rejected { code: chevet_protocol::RejectCode::OutOfScope, .. }
    ));
    assert_eq!(hub.count("SELECT COUNT(*) FROM facts"), before);
    // Nor can it fetch the first group's blobs (none exist under its tenant).
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/v1/blobs/by-hash/{}", hub.url(), "0".repeat(64)))
        .bearer_auth(&credential)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

async fn a_device_back_after_the_log_was_compacted_re_snapshots_and_converges(postgres: bool) {
    let hub = TestHub::start_on(3, postgres).await;
    let unit = hub.units[0];
    let mut away = Device::enrol(&hub, &hub.url(), &[unit], "Tablette partie").await;
    let mut here = Device::enrol(&hub, &hub.url(), &[unit], "Tablette restée").await;
    let r = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    for v in [37.0, 37.2, 37.4] {
        here.store.record(temperature(r.id, v)).unwrap();
    }
    let (_, v) = here.store.resident(r.id).unwrap();
    here.store.update_resident(r.id, v, &ResidentChanges { room: Some("Z-9".into()), ..Default::default() }).unwrap();
    here.sync().await.unwrap();
    // The hub drops its pull history; the device that was away has a stale cursor.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let backend = hub.backend.clone();
    let dropped =
        tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).compact_log(0).unwrap()).await.unwrap();
    assert!(dropped > 0);
    let report = away.sync().await.unwrap();
    assert!(report.resnapshot, "the hub asked for a re-snapshot");
    assert_eq!(away.fact_ids(), here.fact_ids());
    assert_eq!(resident_state(&away, r.id), resident_state(&here, r.id));
    assert_eq!(away.store.resident(r.id).unwrap().0.room, "Z-9");
    // And later changes flow as usual.
    here.store.record(temperature(r.id, 38.1)).unwrap();
    here.sync().await.unwrap();
    away.sync().await.unwrap();
    assert_eq!(away.fact_ids(), here.fact_ids());
}

async fn a_device_clock_far_from_the_hubs_is_flagged(postgres: bool) {
    let hub = TestHub::start_on(1, postgres).await;
    let dir = tempfile::tempdir().unwrap();
    // The tablet's clock runs 20 minutes fast.
    let clock = std::sync::Arc::new(chevet_core::store::ManualClock::new(
        jiff::Timestamp::from_second(jiff::Timestamp::now().as_second() + 20 * 60).unwrap(),
    ));
    let options = chevet_core::StoreOptions {
        clock,
        pin_cost: chevet_core::crypto::vault::Argon2Cost::MINIMUM,
        ..chevet_core::StoreOptions::default()
    };
    let store =
        chevet_core::Store::open(dir.path().join("d.db"), &chevet_core::crypto::KekVault::new([5; 32]), options)
            .unwrap();
    let client = chevet_core::sync::HubClient::new(&hub.url(), None).unwrap();
    chevet_core::sync::enrol(&store, &client, &hub.code(&[hub.units[0]]).await, "Tablette").await.unwrap();
    store.provision_staff_with_pin(&hub.nurse, chevet_core::demo::DEMO_PIN).unwrap();
    let client = chevet_core::sync::client_for(&store).unwrap();
    let cancel = chevet_core::sync::CancelHandle::new();
    chevet_core::sync::sync(&store, &client, Default::default(), None, &cancel).await.unwrap();
    store.sign_in(hub.nurse.id, chevet_core::demo::DEMO_PIN).unwrap();
    let r = hub.residents.iter().find(|r| r.unit_id == hub.units[0]).unwrap();
    let fact = chevet_core::domain::Fact::Observation(chevet_core::domain::Observation {
        id: Uuid::now_v7(),
        resident_id: r.id,
        code: chevet_core::domain::VitalCode::Temperature,
        value: chevet_core::domain::ObservationValue::Quantity(37.0),
        method: None,
        meta: chevet_core::domain::RecordMeta::at(store.now()),
    });
    store.record(fact).unwrap();
    let report = chevet_core::sync::sync(&store, &client, Default::default(), None, &cancel).await.unwrap();
    let skew = report.clock_skew_ms.unwrap_or_else(|| panic!("the skew is flagged: {report:?}"));
    assert!((19 * 60_000..21 * 60_000).contains(&skew), "{skew}");
}

/// A resident who moves to a floor this tablet does not serve leaves the
/// tablet: record, facts, care plan, wounds and photo files — but only
/// after the hub answered what the tablet recorded for them. A measure
/// taken after the move (the tablet did not know yet) is refused by the hub
/// as out of scope and stays listed in the tablet's sync issues; the hub
/// keeps it in quarantine.
async fn a_resident_moved_out_of_the_tablets_units_leaves_it(postgres: bool) {
    use chevet_core::demo::camera::{Shot, camera_jpeg};
    use chevet_core::domain::{NpiapStage, PhotoConsent, Wound, WoundKind};
    use chevet_core::store::PhotoCapture;
    let hub = TestHub::start_on(2, postgres).await;
    let (unit, other_unit) = (hub.units[0], hub.units[1]);
    let r = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    let mut floor = Device::enrol(&hub, &hub.url(), &[unit], "Tablette étage 1").await;
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: r.id,
        kind: WoundKind::PressureInjury,
        site: "talon".into(),
        stage: Some(NpiapStage::Stage1),
        opened_on: "2026-11-01".parse().unwrap(),
        healed_on: None,
    };
    floor.store.save_wound(&wound, None).unwrap();
    let jpeg = camera_jpeg(&Shot { width: 640, height: 480, orientation: 1, quality: 80, seed: 9, exif: false });
    let capture = PhotoCapture {
        resident_id: r.id,
        wound_id: wound.id,
        assessment_id: None,
        body_site: "talon".into(),
        scale_marker: false,
        consent: PhotoConsent::Resident,
        taken_at: jiff::Timestamp::now(),
    };
    let photo = floor.store.ingest_photo(capture, &jpeg).unwrap();
    floor.sync().await.unwrap();
    let media = |d: &Device| {
        let names = std::fs::read_dir(d.dir.path().join("device.db.media")).unwrap();
        names
            .filter(|f| chevet_core::media::blobs::is_blob_name(f.as_ref().unwrap().file_name().to_str().unwrap()))
            .count()
    };
    assert!(media(&floor) >= 2);

    // The coordinator moves the resident to the other floor, while the
    // tablet records one more temperature offline.
    let mut moved = floor.store.resident(r.id).unwrap().0;
    moved.unit_id = other_unit;
    {
        let (backend, tenant) = (hub.backend.clone(), hub.tenant);
        tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).put_resident(tenant, &moved).unwrap())
            .await
            .unwrap();
    }
    let late = floor.store.record(temperature(r.id, 37.6)).unwrap();
    // A pull before the push: the resident waits for the temperature.
    let cursor = floor.store.pull_cursor().unwrap();
    let page = floor.client.pull(&cursor, 1000).await.unwrap();
    assert_eq!(floor.store.apply_pulled(&page.changes, &page.cursor).unwrap().removed, 0);
    assert!(floor.store.resident(r.id).is_ok(), "kept while its temperature waits for the hub");
    // The sync pushes it, and the resident leaves the tablet.
    floor.sync().await.unwrap();
    assert!(matches!(floor.store.resident(r.id), Err(CoreError::NotFound { .. })));
    assert!(floor.store.search_residents(&r.identity.traits.birth_name).unwrap().is_empty());
    assert!(!floor.fact_ids().contains(&late.id()) && !floor.fact_ids().contains(&photo.id));
    assert_eq!(media(&floor), 0, "the photo files went too");
    let issues = floor.store.sync_issues().unwrap();
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!((issues[0].entity_id, issues[0].state.as_str()), (late.id(), "rejected"));
    assert_eq!(issues[0].answer["code"], "out_of_scope", "{:?}", issues[0].answer);
    // The other floor has the resident. (Their earlier facts stay filed
    // under the floor they were recorded on: an open issue.)
    let mut other = Device::enrol(&hub, &hub.url(), &[other_unit], "Tablette étage 2").await;
    other.sync().await.unwrap();
    assert!(!other.fact_ids().contains(&late.id()));
    assert_eq!(other.store.resident(r.id).unwrap().0.unit_id, other_unit);
}

chevet_e2e::on_both_backends!(
    two_devices_offline_then_sync_converge_with_a_visible_conflict,
    every_op_applies_exactly_once_through_a_faulty_network,
    hub_killed_mid_sync_and_restarted_loses_and_doubles_nothing,
    scope_revocation_and_bad_requests_are_refused,
    a_cancelled_sync_stops_and_the_next_one_finishes,
    a_device_of_another_tenant_reads_and_writes_nothing_of_this_one,
    a_device_back_after_the_log_was_compacted_re_snapshots_and_converges,
    a_device_clock_far_from_the_hubs_is_flagged,
    a_resident_moved_out_of_the_tablets_units_leaves_it,
);
