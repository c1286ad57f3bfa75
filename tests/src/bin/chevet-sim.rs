//! `chevet-sim`: the sync figures, measured on loopback against a hub
//! served in-process on its embedded SQLite default.
//!
//! ```text
//! chevet-sim offline-return     a tablet back after 14 days offline with 2,000 operations
//! chevet-sim offline-return-tls the same over plain HTTP and over TLS (the hub's own,
//!                               an establishment CA), three runs each: the cost of TLS
//! chevet-sim first-sync         a new tablet whose scope holds 10,000 records
//! chevet-sim load [DEVICES] [CYCLES_PER_S] [SECONDS]
//!                               DEVICES devices syncing at a fixed total rate (default 500, 20/s, 30 s)
//! chevet-sim saturate [DEVICES] [WORKERS] [SECONDS]
//!                               sync cycles as fast as WORKERS concurrent devices can go
//! chevet-sim all                each of the above with its defaults
//! ```
//! `--postgres` runs the hub on PostgreSQL (a fresh schema on the server that
//! `scripts/postgres-for-tests` starts; it reads CHEVET_TEST_PG_OWNER/_APP).
//! A sync cycle is what a tablet does every few minutes: push two new
//! facts, then pull until the hub has nothing more. Load and saturation
//! drive devices at the protocol level (the hub is what they measure);
//! the first two scenarios use real encrypted device stores.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chevet_core::demo::DemoRng;
use chevet_core::domain::{Fact, Observation, ObservationValue, RecordMeta, VitalCode};
use chevet_core::sync::{HubClient, RetryPolicy};
use chevet_e2e::{Device, TestHub, temperature};
use chevet_protocol::{EnrolRequest, Entity, Operation, PushRequest};
use tokio::sync::Mutex;
use uuid::Uuid;

static POSTGRES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the hub runs on PostgreSQL (`--postgres`) rather than SQLite.
fn pg() -> bool {
    POSTGRES.load(Ordering::SeqCst)
}

fn backend_name() -> &'static str {
    if pg() { "PostgreSQL" } else { "SQLite" }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The 14-days-offline return; over TLS when `tls` holds the test PKI.
/// The timed sync starts on a fresh client: its TLS handshake counts.
async fn offline_return_once(tls: Option<&chevet_e2e::pki::TestPki>) -> Duration {
    let mut hub = TestHub::start_on(20, pg()).await;
    if let Some(pki) = tls {
        hub = hub.serving_tls(&pki.hub(), Some(&pki.ca_pem)).await;
    }
    let unit = hub.units[0];
    let mut d = Device::enrol(&hub, &hub.url(), &[unit], "Tablette SSIAD").await;
    let residents: Vec<Uuid> = hub.residents.iter().filter(|r| r.unit_id == unit).map(|r| r.id).collect();
    // 2,000 operations over 14 days (about 140 a day).
    let now = jiff::Timestamp::now();
    let mut rng = DemoRng::new(14);
    let facts: Vec<Fact> = (0..2000)
        .map(|i| {
            let at = jiff::Timestamp::from_second(now.as_second() - 14 * 86_400 + i * 600).unwrap();
            Fact::Observation(Observation {
                id: Uuid::now_v7(),
                resident_id: residents[rng.below(residents.len() as u64) as usize],
                code: VitalCode::HeartRate,
                value: ObservationValue::Quantity(rng.around(75.0, 12.0).round()),
                method: None,
                meta: RecordMeta::at(at),
            })
        })
        .collect();
    d.store.record_batch(facts).unwrap();
    d.client = chevet_core::sync::client_for(&d.store).unwrap();
    let started = Instant::now();
    let r = d.sync().await.unwrap();
    let took = started.elapsed();
    println!(
        "offline-return{}: 2,000 operations after 14 days offline: full sync {:.0} ms, {} requests, slowest {} ms (goal: ≤ 1,000 ms, no request over 500 ms)",
        if tls.is_some() { " over TLS" } else { "" },
        ms(took),
        r.requests,
        r.slowest_request_ms
    );
    took
}

async fn offline_return() {
    offline_return_once(None).await;
}

/// Plain and TLS alternated, three of each; medians compared.
async fn offline_return_tls() {
    let dir = tempfile::tempdir().unwrap();
    let pki = chevet_e2e::pki::TestPki::new(dir.path());
    let (mut plain, mut tls) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        plain.push(ms(offline_return_once(None).await));
        tls.push(ms(offline_return_once(Some(&pki)).await));
    }
    plain.sort_by(f64::total_cmp);
    tls.sort_by(f64::total_cmp);
    let (p, t) = (plain[1], tls[1]);
    println!(
        "offline-return-tls: median plain {p:.0} ms, median TLS (handshake included) {t:.0} ms: {:.2}× (goal: ≤ 1.2×)",
        t / p
    );
}

async fn first_sync() {
    let hub = TestHub::start_on(80, pg()).await;
    let unit = hub.units[0];
    let mut seeder = Device::enrol(&hub, &hub.url(), &[unit], "Tablette d'amorçage").await;
    let residents: Vec<Uuid> = hub.residents.iter().filter(|r| r.unit_id == unit).map(|r| r.id).collect();
    for chunk in 0..10 {
        let facts: Vec<Fact> =
            (0..1000).map(|i| temperature(residents[(chunk * 1000 + i) % residents.len()], 36.9)).collect();
        seeder.store.record_batch(facts).unwrap();
    }
    seeder.sync().await.unwrap();
    let fresh = Device::enrol_without_sync(&hub, &hub.url(), &[unit], "Nouvelle tablette").await;
    let mut fresh = fresh;
    let started = Instant::now();
    let r = fresh.sync().await.unwrap();
    println!(
        "first-sync: a new tablet pulled {} records (10,000 facts + residents and reference data), applied and encrypted, in {:.0} ms over {} requests, slowest {} ms (goal: ≤ 2,000 ms)",
        r.pulled,
        ms(started.elapsed()),
        r.requests,
        r.slowest_request_ms
    );
}

/// A device at the protocol level: its credential, its cursor, its residents.
struct SimDevice {
    client: HubClient,
    cursor: Mutex<String>,
    residents: Vec<Uuid>,
    seq: AtomicUsize,
}

async fn sim_devices(hub: &TestHub, n: usize) -> Vec<Arc<SimDevice>> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let unit = hub.units[i % hub.units.len()];
        let code = hub.code(&[unit]).await;
        let client = HubClient::new(&hub.url(), None).unwrap().with_retry(RetryPolicy {
            attempts: 1,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        });
        let resp =
            client.enrol(&EnrolRequest { code, device_id: Uuid::now_v7(), label: format!("sim {i}") }).await.unwrap();
        let residents = hub.residents.iter().filter(|r| r.unit_id == unit).map(|r| r.id).collect();
        let client = client.with_credential(resp.credential);
        // Catch up once so cycles measure steady state.
        let mut cursor = String::new();
        loop {
            let page = client.pull(&cursor, 1000).await.unwrap();
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        out.push(Arc::new(SimDevice { client, cursor: Mutex::new(cursor), residents, seq: AtomicUsize::new(0) }));
    }
    out
}

/// One sync cycle; returns each request's latency.
async fn cycle(d: &SimDevice) -> Result<Vec<f64>, String> {
    let mut lat = Vec::with_capacity(2);
    let ops: Vec<Operation> = (0..2)
        .map(|k| {
            let seq = d.seq.fetch_add(1, Ordering::SeqCst) + 1;
            let fact = temperature(d.residents[(seq + k) % d.residents.len()], 37.0);
            Operation {
                op_id: Uuid::now_v7(),
                device_seq: seq as i64,
                entity: Entity::Fact,
                entity_id: fact.id(),
                base_version: None,
                hlc: 0,
                clinical_time_ms: fact.meta().clinical_time.as_millisecond(),
                payload: serde_json::to_value(&fact).unwrap(),
            }
        })
        .collect();
    let t = Instant::now();
    d.client
        .push(&PushRequest { ops, device_time_ms: jiff::Timestamp::now().as_millisecond() })
        .await
        .map_err(|e| e.to_string())?;
    lat.push(ms(t.elapsed()));
    let mut cursor = d.cursor.lock().await;
    loop {
        let t = Instant::now();
        let page = d.client.pull(&cursor, 500).await.map_err(|e| e.to_string())?;
        lat.push(ms(t.elapsed()));
        *cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    Ok(lat)
}

fn report(name: &str, started: Instant, cycles: usize, errors: usize, mut lat: Vec<f64>) {
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name}: {cycles} sync cycles in {secs:.1} s = {:.0} cycles/s; {errors} errors; request latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        cycles as f64 / secs,
        percentile(&lat, 0.5),
        percentile(&lat, 0.95),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
}

/// A group's hub: 50 units (floors, SSIAD sectors) of 10 residents, so a
/// device shares its unit with about ten others, as tablets do.
async fn group_hub() -> TestHub {
    TestHub::start_with_units(50, 10, pg()).await
}

async fn load(devices: usize, rate: f64, seconds: u64) {
    let hub = group_hub().await;
    let devs = sim_devices(&hub, devices).await;
    let lat = Arc::new(std::sync::Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let total = (rate * seconds as f64) as usize;
    let mut tasks = Vec::with_capacity(total);
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    for i in 0..total {
        ticker.tick().await;
        let d = devs[i % devs.len()].clone();
        let (lat, errors) = (lat.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            match cycle(&d).await {
                Ok(l) => lat.lock().unwrap().extend(l),
                Err(_) => {
                    errors.fetch_add(1, Ordering::SeqCst);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let lat = lat.lock().unwrap().clone();
    report(&format!("load ({devices} devices, {rate}/s)"), started, total, errors.load(Ordering::SeqCst), lat);
}

async fn saturate(devices: usize, workers: usize, seconds: u64) {
    let hub = group_hub().await;
    let devs = sim_devices(&hub, devices).await;
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (devs, next, done, errors) = (devs.clone(), next.clone(), done.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::SeqCst);
                match cycle(&devs[i % devs.len()]).await {
                    Ok(l) => {
                        lat.extend(l);
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap_or_default());
    }
    report(
        &format!("saturate ({devices} devices, {workers} concurrent)"),
        started,
        done.load(Ordering::SeqCst),
        errors.load(Ordering::SeqCst),
        lat,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    chevet_e2e::install_tls_provider();
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--postgres") {
        args.remove(i);
        POSTGRES.store(true, Ordering::SeqCst);
    }
    println!("hub storage: {}", backend_name());
    let num = |i: usize, default: f64| args.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(default);
    match args.first().map(String::as_str).unwrap_or("all") {
        "offline-return" => offline_return().await,
        "offline-return-tls" => offline_return_tls().await,
        "first-sync" => first_sync().await,
        "load" => load(num(1, 500.0) as usize, num(2, 20.0), num(3, 30.0) as u64).await,
        "saturate" => saturate(num(1, 500.0) as usize, num(2, 16.0) as usize, num(3, 10.0) as u64).await,
        "all" => {
            offline_return().await;
            offline_return_tls().await;
            first_sync().await;
            load(500, 20.0, 30).await;
            saturate(500, 16, 10).await;
        }
        other => {
            eprintln!("unknown scenario {other}; see the top of tests/src/bin/chevet-sim.rs");
            std::process::exit(2);
        }
    }
}
