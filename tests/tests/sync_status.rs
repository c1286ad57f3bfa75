//! The sync status the tablet's bar shows, through a real hub: never synced,
//! records waiting, up to date, offline while the hub is away (records kept),
//! a conflict waiting for the coordinator, a revoked tablet — and the same
//! after the store is opened again.

use chevet_core::crypto::KekVault;
use chevet_core::domain::ResidentChanges;
use chevet_core::sync::{self, SyncFailure, SyncHealth};
use chevet_core::{Store, StoreOptions};
use chevet_e2e::{Device, TestHub, temperature};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_follows_the_tablet_through_offline_conflict_and_revocation() {
    let mut hub = TestHub::start(3).await;
    let unit = hub.units[0];

    let fresh = tempfile::tempdir().unwrap();
    let alone = Store::open(fresh.path().join("t.db"), &KekVault::new([3; 32]), StoreOptions::default()).unwrap();
    assert_eq!(sync::status::status(&alone).unwrap().health, SyncHealth::NotEnrolled);

    let a = Device::enrol_without_sync(&hub, &hub.url(), &[unit], "Tablette A").await;
    let s = sync::status::status(&a.store).unwrap();
    assert_eq!((s.health, s.pending, s.last_success, s.last_failure), (SyncHealth::NeverSynced, 0, None, None));
    drop(a);
    let mut a = Device::enrol(&hub, &hub.url(), &[unit], "Tablette A").await;
    let s = sync::status::status(&a.store).unwrap();
    assert_eq!(s.health, SyncHealth::UpToDate);
    let first_success = s.last_success.expect("a sync went through");

    let r = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().clone();
    a.store.record(temperature(r.id, 37.2)).unwrap();
    a.store.record(temperature(r.id, 37.4)).unwrap();
    let s = sync::status::status(&a.store).unwrap();
    assert_eq!((s.health, s.pending), (SyncHealth::Pending, 2));

    // The hub goes away: the attempt fails, the records wait, the bar says offline.
    hub.kill().await;
    let Err(e) = a.sync().await else { panic!("a sync without a hub went through") };
    assert!(matches!(e, chevet_core::CoreError::HubUnreachable(_)), "{e:?}");
    let s = sync::status::status(&a.store).unwrap();
    assert_eq!((s.health, s.pending), (SyncHealth::Offline, 2));
    assert_eq!(s.last_failure.map(|(_, f)| f), Some(SyncFailure::Unreachable));
    assert_eq!(s.last_success, Some(first_success));
    // Reopened (the app restarted offline): the same.
    let reopened_path = a.dir.path().join("device.db");
    let again = Store::open(&reopened_path, &KekVault::new([7; 32]), StoreOptions::default()).unwrap();
    assert_eq!(sync::status::status(&again).unwrap().health, SyncHealth::Offline);
    drop(again);

    // Back: up to date, the failure now history.
    hub.restart().await;
    a.sync().await.unwrap();
    let s = sync::status::status(&a.store).unwrap();
    assert_eq!((s.health, s.pending, s.last_failure), (SyncHealth::UpToDate, 0, None));
    assert!(s.last_success.unwrap() >= first_success);

    // Two tablets edit one field: the second keeps a conflict for the coordinator.
    let mut b = Device::enrol(&hub, &hub.url(), &[unit], "Tablette B").await;
    for (d, room) in [(&a, "A-1"), (&b, "B-2")] {
        let (_, v) = d.store.resident(r.id).unwrap();
        d.store.update_resident(r.id, v, &ResidentChanges { room: Some(room.into()), ..Default::default() }).unwrap();
    }
    a.sync().await.unwrap();
    assert_eq!(b.sync().await.unwrap().conflicts, 1);
    let s = sync::status::status(&b.store).unwrap();
    assert_eq!((s.health, s.conflicts, s.rejected, s.pending), (SyncHealth::UpToDate, 1, 0, 0));

    // Revoked (a lost tablet): the store erases itself and the bar says the
    // tablet must be enrolled again — not "offline", which retrying would fix.
    let device = b.store.device_id();
    let backend = hub.backend.clone();
    tokio::task::spawn_blocking(move || chevet_hub::Admin::new(&*backend).revoke_device(device).unwrap())
        .await
        .unwrap();
    assert!(matches!(b.sync().await, Err(chevet_core::CoreError::DeviceRevoked)));
    let s = sync::status::status(&b.store).unwrap();
    assert_eq!((s.health, s.conflicts, s.pending), (SyncHealth::NotEnrolled, 0, 0));
    // A credential refused without being revoked is the failing state.
    let (_, credential) = a.store.hub().unwrap().unwrap();
    let url = hub.url();
    a.store.set_hub(&url, &format!("{credential}-forged"), None).unwrap();
    let forged = sync::client_for(&a.store).unwrap();
    assert!(sync::sync(&a.store, &forged, Default::default(), None, &sync::CancelHandle::new()).await.is_err());
    let s = sync::status::status(&a.store).unwrap();
    assert_eq!(s.health, SyncHealth::Failing);
    assert_eq!(s.last_failure.map(|(_, f)| f), Some(SyncFailure::CredentialRefused));
}
