//! The hub process SIGKILLed mid-push, again and again, on SQLite and on
//! PostgreSQL: after each kill every record the tablet had seen
//! acknowledged is on the hub, and once the tablet has finished its sync on
//! the restarted hub, every record is there exactly once (one row, one
//! change, one answer). `CHEVET_HUB_KILLS` kills per backend (20 in CI;
//! `scripts/crash-loop` asks for 200).

use std::path::Path;
use std::time::{Duration, Instant};

use chevet_e2e::nodes::HubProcess;
use chevet_e2e::{Device, TestHub, temperature};
use uuid::Uuid;

const NODE: &str = env!("CARGO_BIN_EXE_chevet-hub-node");
/// Records per round: three push batches.
const PER_ROUND: i64 = 300;

fn kills() -> usize {
    std::env::var("CHEVET_HUB_KILLS").ok().and_then(|k| k.parse().ok()).unwrap_or(20)
}

/// The facts the tablet holds as acknowledged by the hub.
fn acknowledged(device: &Device) -> Vec<Uuid> {
    let c = rusqlite::Connection::open_with_flags(
        device.dir.path().join("device.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut stmt = c.prepare("SELECT entity_id FROM outbox WHERE entity = 'fact' AND state = 'acked'").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

async fn kill_loop(postgres: bool) {
    let mut hub = TestHub::start_on(1, postgres).await;
    hub.kill().await;
    let mut node = HubProcess::start(Path::new(NODE), &hub).await;
    let unit = hub.units[0];
    let resident = hub.residents.iter().find(|r| r.unit_id == unit).unwrap().id;
    let mut device = Device::enrol(&hub, &node.url(), &[unit], "Tablette").await;
    let kills = kills();
    let started = Instant::now();
    let (mut mid_push, mut sync_failed) = (0, 0);
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ u64::from(std::process::id());
    for round in 0..kills {
        let facts: Vec<_> = (0..PER_ROUND).map(|i| temperature(resident, 36.0 + (i % 30) as f64 / 10.0)).collect();
        device.store.record_batch(facts).unwrap();
        let before = hub.count("SELECT COUNT(*) FROM facts");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let early = round % 2 == 1;
        let delay = Duration::from_millis(seed % 15);
        let syncing = device.sync();
        let killer = async {
            if early {
                // Somewhere in the first batch: before, during or after its commit.
                tokio::time::sleep(delay).await;
            } else {
                // After the first batch's commit, while the others come.
                let deadline = Instant::now() + Duration::from_secs(5);
                while hub.count("SELECT COUNT(*) FROM facts") == before && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
            node.kill();
            let landed = hub.count("SELECT COUNT(*) FROM facts") - before;
            tokio::time::sleep(Duration::from_millis(20)).await;
            node.restart().await;
            landed
        };
        let (result, landed) = tokio::join!(syncing, killer);
        if landed < PER_ROUND {
            mid_push += 1;
        }
        if result.is_err() {
            sync_failed += 1;
        }
        // What the tablet saw acknowledged survived the kill.
        let acked = acknowledged(&device);
        let on_hub = hub.count("SELECT COUNT(*) FROM facts") as usize;
        assert!(on_hub >= acked.len(), "round {round}: {} acknowledged, {on_hub} on the hub", acked.len());
        for _ in 0..10 {
            if device.sync().await.is_ok() && device.store.pending_count().unwrap() == 0 {
                break;
            }
        }
        assert_eq!(device.store.pending_count().unwrap(), 0, "round {round}: the tablet could not finish");
        let expected = (round as i64 + 1) * PER_ROUND;
        assert_eq!(hub.count("SELECT COUNT(*) FROM facts"), expected, "round {round}: records on the hub");
        assert_eq!(
            hub.count("SELECT COUNT(*) FROM changes WHERE entity = 'fact'"),
            expected,
            "round {round}: one change per record"
        );
        assert_eq!(acknowledged(&device).len() as i64, expected, "round {round}: every record acknowledged");
    }
    // Exactly once, by id: the hub holds the tablet's records and no other.
    let ids = device.fact_ids();
    assert_eq!(ids.len() as i64, kills as i64 * PER_ROUND);
    let distinct = hub.count("SELECT COUNT(DISTINCT id) FROM facts");
    assert_eq!(distinct, ids.len() as i64);
    println!(
        "{kills} SIGKILLs of the hub process on {} in {:.0} s: {} records acknowledged, 0 lost, 0 doubled; \
         {mid_push} kills landed before the round's last batch was in, {sync_failed} syncs failed and were resumed",
        if postgres { "PostgreSQL" } else { "SQLite" },
        started.elapsed().as_secs_f64(),
        ids.len(),
    );
    assert!(mid_push * 2 >= kills, "most kills should land mid-push ({mid_push} of {kills})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_hub_killed_mid_push_loses_and_doubles_nothing() {
    kill_loop(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_hub_killed_mid_push_loses_and_doubles_nothing() {
    kill_loop(true).await;
}
