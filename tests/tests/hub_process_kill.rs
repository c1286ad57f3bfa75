//! The hub as a real process, killed with SIGKILL in the middle of a
//! device's sync and started again: the device resumes, and every record
//! is on the hub exactly once.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chevet_core::crypto::KekVault;
use chevet_core::crypto::vault::Argon2Cost;
use chevet_core::demo::DEMO_PIN;
use chevet_core::domain::{Fact, Observation, ObservationValue, RecordMeta, Staff, VitalCode};
use chevet_core::sync::{self, CancelHandle, HubClient, RetryPolicy, SyncOptions};
use chevet_core::{Store, StoreOptions};
use uuid::Uuid;

const HUB: &str = env!("CARGO_BIN_EXE_chevet-hub-node");

fn admin(data: &std::path::Path, args: &[&str]) -> String {
    let out =
        Command::new(HUB).arg("--data").arg(data).arg("admin").args(args).env("CHEVET_LOG", "error").output().unwrap();
    assert!(out.status.success(), "admin {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn serve(data: &std::path::Path, port: u16) -> Child {
    Command::new(HUB)
        .arg("--data")
        .arg(data)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("CHEVET_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_up(port: u16) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("hub did not start on port {port}");
}

fn count(data: &std::path::Path, sql: &str) -> i64 {
    let c = rusqlite::Connection::open(data.join("hub.db")).unwrap();
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_killed_mid_sync_and_restarted_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let tenant = admin(&data, &["create-tenant", "Groupe"]);
    let est = admin(&data, &["create-establishment", &tenant, "EHPAD", "690000001"]);
    let unit = admin(&data, &["create-unit", &tenant, &est, "Étage 1"]);
    let nurse = admin(&data, &["create-staff", &tenant, "Claire Fontaine", "nurse", "--unit", &unit]);
    let csv = dir.path().join("residents.csv");
    std::fs::write(
        &csv,
        "birth_name;given_names;sex;birth_date;birth_place_insee;room\nDurand;Lucie;F;1940-02-03;75056;101\n",
    )
    .unwrap();
    admin(&data, &["import-residents", &tenant, &unit, csv.to_str().unwrap()]);
    let code = admin(&data, &["enrolment-code", &tenant, &unit]);

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut hub = serve(&data, port);
    wait_up(port).await;
    let url = format!("http://127.0.0.1:{port}");

    let options = StoreOptions { pin_cost: Argon2Cost::MINIMUM, ..StoreOptions::default() };
    let store = Store::open(dir.path().join("device.db"), &KekVault::new([4; 32]), options).unwrap();
    sync::enrol(&store, &HubClient::new(&url, None).unwrap(), &code, "Tablette").await.unwrap();
    let retry =
        RetryPolicy { attempts: 40, base_delay: Duration::from_millis(25), max_delay: Duration::from_millis(250) };
    let client = sync::client_for(&store).unwrap().with_retry(retry);
    sync::sync(&store, &client, SyncOptions::default(), None, &CancelHandle::new()).await.unwrap();
    let staff: Staff = store.staff(nurse.parse().unwrap()).unwrap();
    store.provision_staff_with_pin(&staff, DEMO_PIN).unwrap();
    store.sign_in(staff.id, DEMO_PIN).unwrap();
    let resident = store.search_residents("durand").unwrap()[0].id;

    let facts: Vec<Fact> = (0..1500)
        .map(|i| {
            Fact::Observation(Observation {
                id: Uuid::now_v7(),
                resident_id: resident,
                code: VitalCode::HeartRate,
                value: ObservationValue::Quantity(60.0 + f64::from(i % 40)),
                method: None,
                meta: RecordMeta::at(store.now()),
            })
        })
        .collect();
    store.record_batch(facts).unwrap();

    // SIGKILL the hub while the device pushes its 15 batches, then start it again.
    let cancel = CancelHandle::new();
    let syncing = sync::sync(&store, &client, SyncOptions::default(), None, &cancel);
    let killer = async {
        // As soon as the first batches are in, and before the last.
        while count(&data, "SELECT COUNT(*) FROM facts") == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        hub.kill().unwrap();
        hub.wait().unwrap();
        let at_kill = count(&data, "SELECT COUNT(*) FROM facts");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let restarted = serve(&data, port);
        wait_up(port).await;
        (restarted, at_kill)
    };
    let (first, (restarted, pushed_before_kill)) = tokio::join!(syncing, killer);
    let mut hub = restarted;
    if first.is_err() {
        sync::sync(&store, &client, SyncOptions::default(), None, &CancelHandle::new()).await.unwrap();
    }
    sync::sync(&store, &client, SyncOptions::default(), None, &CancelHandle::new()).await.unwrap();
    hub.kill().unwrap();
    hub.wait().unwrap();

    assert_eq!(store.pending_count().unwrap(), 0);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM facts"), 1500);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM changes WHERE entity = 'fact'"), 1500);
    assert_eq!(count(&data, "SELECT COUNT(*) FROM ops"), 1500);
    assert!(pushed_before_kill < 1500, "the kill should land mid-sync ({pushed_before_kill} stored before)");
}
