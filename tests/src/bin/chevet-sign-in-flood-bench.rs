//! `chevet-sign-in-flood-bench [--postgres] [--seconds N]`: does a flood of
//! console sign-ins slow the tablets' sync? A hub (SQLite, or PostgreSQL
//! with `--postgres`) with two units of 20 residents and an enrolled
//! tablet; the tablet's up-to-date pull (what every sync ends with) is
//! timed back to back, first idle, then while 64 clients in another process
//! — each from an address of its own, so that the per-address budget does
//! not shield the hub — post sign-ins with unknown logins as fast as the
//! hub answers (on the same two cores: an attacker elsewhere costs less).
//! Prints each phase's p50 and p95 and what the flood was answered.
//! The goal (issue 29): the p95 under the flood within 2× of idle.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chevet_e2e::TestHub;
use chevet_protocol::{EnrolRequest, EnrolResponse, PullResponse};
use uuid::Uuid;

const FLOOD_CLIENTS: usize = 64;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Tablet {
    http: reqwest::Client,
    url: String,
    credential: String,
    cursor: String,
}

impl Tablet {
    async fn enrol(hub: &TestHub) -> Tablet {
        let http = reqwest::Client::new();
        let req =
            EnrolRequest { code: hub.code(&hub.units[..1]).await, device_id: Uuid::now_v7(), label: "bench".into() };
        let resp = http.post(format!("{}/v1/enrol", hub.url())).json(&req).send().await.unwrap();
        assert_eq!(resp.status(), 201);
        let enrolled: EnrolResponse = resp.json().await.unwrap();
        let mut t = Tablet { http, url: hub.url(), credential: enrolled.credential, cursor: String::new() };
        // The first sync brings everything; the pulls timed afterwards find nothing new.
        while t.pull().await {}
        t
    }

    /// One pull; whether more is waiting.
    async fn pull(&mut self) -> bool {
        let resp = self
            .http
            .get(format!("{}/v1/sync/pull?cursor={}&limit=1000", self.url, self.cursor))
            .bearer_auth(&self.credential)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let page: PullResponse = resp.json().await.unwrap();
        self.cursor = page.cursor;
        page.more
    }

    /// Pulls back to back for `length`; each pull's time in ms, sorted.
    async fn timed_pulls(&mut self, length: Duration) -> Vec<f64> {
        let until = Instant::now() + length;
        let mut times = Vec::new();
        while Instant::now() < until {
            let t = Instant::now();
            self.pull().await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        times.sort_by(f64::total_cmp);
        times
    }
}

/// The flood, run as a process of its own (the attacker is not the hub):
/// `FLOOD_CLIENTS` clients, each from an address of its own, posting
/// sign-ins with unknown logins as fast as they are answered, for `seconds`;
/// prints how they were answered, one `status count` a line.
async fn flood(url: String, seconds: u64) {
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..FLOOD_CLIENTS)
        .map(|i| {
            let (url, stop) = (url.clone(), stop.clone());
            let http = reqwest::Client::builder().local_address(chevet_e2e::own_loopback_address()).build().unwrap();
            tokio::spawn(async move {
                let mut answers: BTreeMap<u16, u32> = BTreeMap::new();
                let mut n = 0u32;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let body = serde_json::json!({
                        "login": format!("inconnu{i}-{n}@nulle.part"), "password": "devine devine", "code": "000000"
                    });
                    let status = match http.post(format!("{url}/console/api/session")).json(&body).send().await {
                        Ok(r) => r.status().as_u16(),
                        Err(_) => 0,
                    };
                    *answers.entry(status).or_default() += 1;
                }
                answers
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut answers: BTreeMap<u16, u32> = BTreeMap::new();
    for client in clients {
        for (status, n) in client.await.unwrap() {
            *answers.entry(status).or_default() += n;
        }
    }
    for (status, n) in answers {
        println!("{status} {n}");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    chevet_e2e::install_tls_provider();
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--flood") {
        return flood(args[at + 1].clone(), args[at + 2].parse().unwrap()).await;
    }
    let postgres = args.iter().any(|a| a == "--postgres");
    let seconds: u64 =
        args.iter().skip_while(|a| *a != "--seconds").nth(1).map_or(15, |s| s.parse().expect("--seconds N"));
    let hub = TestHub::start_on(20, postgres).await;
    let mut tablet = Tablet::enrol(&hub).await;
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };

    let idle = tablet.timed_pulls(Duration::from_secs(seconds)).await;

    let attacker = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args(["--flood", &hub.url(), &(seconds + 1).to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the flood's process");
    // Let the flood reach its pace first.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flooded = tablet.timed_pulls(Duration::from_secs(seconds)).await;
    let answers = String::from_utf8(attacker.wait_with_output().await.unwrap().stdout).unwrap();

    let (i50, i95) = (percentile(&idle, 0.5), percentile(&idle, 0.95));
    let (f50, f95) = (percentile(&flooded, 0.5), percentile(&flooded, 0.95));
    println!("a tablet's up-to-date pull on {backend}, {seconds} s each:");
    println!("  idle:                                  p50 {i50:6.2} ms   p95 {i95:6.2} ms   ({} pulls)", idle.len());
    println!(
        "  under {FLOOD_CLIENTS} clients flooding sign-ins:      p50 {f50:6.2} ms   p95 {f95:6.2} ms   ({} pulls)",
        flooded.len()
    );
    println!("  p95 under the flood / idle: {:.2}× (goal ≤ 2×)", f95 / i95);
    let answered: Vec<String> =
        answers.lines().filter_map(|l| l.split_once(' ')).map(|(s, n)| format!("{n} × {s}")).collect();
    println!("  the flood (another process) was answered: {}", answered.join(", "));
}
