//! Store benchmarks on a year of an 80-resident unit (the figures).
//!
//! Run: `cargo bench -p chevet-core --features bench-plaintext --bench store`
//! Each workload runs on an encrypted store and on a plaintext twin seeded
//! identically in the same run, so the ratio is the cost of encryption.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chevet_core::crypto::vault::Argon2Cost;
use chevet_core::crypto::{KekVault, PassphraseVault};
use chevet_core::demo::{self, Demo};
use chevet_core::domain::{ActOutcome, ActRecord, Fact, RecordMeta};
use chevet_core::store::ManualClock;
use chevet_core::views::RoundStatus;
use chevet_core::{Store, StoreOptions};
use jiff::Timestamp;
use uuid::Uuid;

struct Stats {
    median: Duration,
    p95: Duration,
}

fn measure(n: usize, mut f: impl FnMut()) -> Stats {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    Stats { median: times[n / 2], p95: times[n * 95 / 100] }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn now() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap() // Monday 10:00 in Paris
}

fn options(plaintext: bool) -> StoreOptions {
    StoreOptions {
        clock: Arc::new(ManualClock::new(now())),
        pin_cost: Argon2Cost::MINIMUM,
        insecure_plaintext: plaintext,
        ..StoreOptions::default()
    }
}

struct Bed {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Store,
    demo: Demo,
    seconds_to_seed: f64,
}

fn seed(plaintext: bool, residents: usize, days: u32) -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.db");
    let store = Store::open(&path, &KekVault::new([1; 32]), options(plaintext)).unwrap();
    let t = Instant::now();
    let demo = demo::seed(&store, 1, residents, days).unwrap();
    Bed { _dir: dir, path, store, demo, seconds_to_seed: t.elapsed().as_secs_f64() }
}

fn act(bed: &Bed, i: usize) -> Fact {
    let r = &bed.demo.residents[i % bed.demo.residents.len()];
    Fact::Act(ActRecord {
        id: Uuid::now_v7(),
        resident_id: r.id,
        planned_act_id: None,
        occurrence: None,
        outcome: ActOutcome::Done,
        recorded_elsewhere: false,
        comment: Some("Toilette au lavabo, participe".into()),
        meta: RecordMeta::at(now()),
    })
}

/// Cost of one envelope on a record-sized payload, the unit of the store's overhead.
fn envelope_cost() {
    use chevet_core::crypto::{DataKey, Envelope, KeySet, RecordBinding};
    let env = Envelope::new(1, &KeySet::derive(&DataKey::generate().unwrap()));
    let b = RecordBinding { table: "facts", id: Uuid::now_v7(), version: 1 };
    let payload = vec![b'x'; 300];
    let sealed = env.seal(&b, &payload).unwrap();
    let n = 200_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(env.open(&b, std::hint::black_box(&sealed)).unwrap());
    }
    let open = t.elapsed().as_secs_f64() / n as f64 * 1e6;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(env.seal(&b, std::hint::black_box(&payload)).unwrap());
    }
    let seal = t.elapsed().as_secs_f64() / n as f64 * 1e6;
    println!("envelope, 300-byte record: open {open:.2} µs, seal {seal:.2} µs");
}

fn main() {
    envelope_cost();
    if std::env::var("BENCH_ENVELOPE_ONLY").is_ok() {
        return;
    }
    let residents: usize = std::env::var("BENCH_RESIDENTS").ok().and_then(|s| s.parse().ok()).unwrap_or(80);
    let days: u32 = std::env::var("BENCH_DAYS").ok().and_then(|s| s.parse().ok()).unwrap_or(365);
    println!("seeding two stores (encrypted, plaintext) with {residents} residents and {days} days of history…");
    let beds = [seed(false, residents, days), seed(true, residents, days)];
    let facts = {
        let c = rusqlite::Connection::open(&beds[0].path).unwrap();
        c.query_row("SELECT COUNT(*) FROM facts", [], |r| r.get::<_, i64>(0)).unwrap()
    };
    let acts = {
        let c = rusqlite::Connection::open(&beds[0].path).unwrap();
        c.query_row("SELECT COUNT(*) FROM facts WHERE planned_act_id IS NOT NULL", [], |r| r.get::<_, i64>(0)).unwrap()
    };
    println!(
        "store: {facts} facts ({acts} answers to planned acts); seeded in {:.1} s encrypted, {:.1} s plaintext",
        beds[0].seconds_to_seed, beds[1].seconds_to_seed
    );

    let tz = beds[0].demo.tz.clone();
    let day = now().to_zoned_datetime(tz.clone()).date();
    let from = day.at(7, 0, 0, 0).to_zoned_datetime(tz.clone()).unwrap().timestamp();
    let to = day.at(13, 0, 0, 0).to_zoned_datetime(tz).unwrap().timestamp();

    let mut rows = Vec::new();
    let mut results = [[0.0f64; 4]; 2];
    for (k, bed) in beds.iter().enumerate() {
        let unit = bed.demo.units[0].id;
        let view = bed.store.round_view(unit, from, to).unwrap();
        assert_eq!(view.residents.len(), residents);
        let round = measure(200, || {
            bed.store.round_view(unit, from, to).unwrap();
        });
        // The same round as before « non tracés » (the window's occurrences
        // only), on a second handle of the same store: the section's cost.
        {
            let mut o = options(k == 1);
            o.round_policy.unrecorded_lookback_days = 0;
            let other = Store::open(&bed.path, &KekVault::new([1; 32]), o).unwrap();
            other.sign_in(bed.demo.nurse.id, demo::DEMO_PIN).unwrap();
            let m = measure(200, || {
                other.round_view(unit, from, to).unwrap();
            });
            let unrecorded =
                view.residents.iter().flat_map(|r| &r.items).filter(|i| i.status == RoundStatus::Unrecorded);
            println!(
                "{}: round view with the « non tracés » of the last {} days ({} of them) median {:.2} ms (p95 {:.2}); window only median {:.2} ms (p95 {:.2})",
                if k == 0 { "encrypted" } else { "plaintext" },
                chevet_core::views::UNRECORDED_LOOKBACK_DAYS,
                unrecorded.count(),
                ms(round.median),
                ms(round.p95),
                ms(m.median),
                ms(m.p95)
            );
        }
        // All alerts of the unit alone: latest vitals, vital ranges, NEWS2
        // and the undernutrition criteria from the weight history.
        let with_alerts = bed.store.unit_alerts(unit).unwrap().len();
        let alerts = measure(200, || {
            bed.store.unit_alerts(unit).unwrap();
        });
        println!(
            "{}: alerts of the {residents}-resident unit ({with_alerts} with alerts) median {:.2} ms (p95 {:.2})",
            if k == 0 { "encrypted" } else { "plaintext" },
            ms(alerts.median),
            ms(alerts.p95)
        );
        // The handover of the 12-hour shift that ends now: its facts read and
        // sorted per resident, with the alerts standing.
        let shift_end = now();
        let shift_start = shift_end - jiff::SignedDuration::from_hours(12);
        let handed = bed.store.handover(unit, shift_start, shift_end).unwrap();
        let handover = measure(100, || {
            bed.store.handover(unit, shift_start, shift_end).unwrap();
        });
        println!(
            "{}: handover of a 12-hour shift ({} residents with {} lines) median {:.2} ms (p95 {:.2})",
            if k == 0 { "encrypted" } else { "plaintext" },
            handed.residents.len(),
            handed.residents.iter().map(|r| r.lines.len()).sum::<usize>(),
            ms(handover.median),
            ms(handover.p95)
        );
        // A resident's file opened: identity, alerts, five charts (weight over
        // 6 months, four vitals over 14 days), the first 50 timeline lines,
        // the opening audited (a write).
        let resident = bed.demo.residents[0].id;
        let file = bed.store.open_resident_file(resident, 50).unwrap();
        let opened = measure(100, || {
            bed.store.open_resident_file(resident, 50).unwrap();
        });
        println!(
            "{}: resident file opened ({} chart points, {} timeline lines) median {:.2} ms (p95 {:.2})",
            if k == 0 { "encrypted" } else { "plaintext" },
            file.charts.iter().map(|c| c.points.len()).sum::<usize>(),
            file.timeline.len(),
            ms(opened.median),
            ms(opened.p95)
        );
        let mut i = 0;
        let one = measure(2000, || {
            bed.store.record(act(bed, i)).unwrap();
            i += 1;
        });
        let batch_size = 1000;
        let batches = 20;
        let t = Instant::now();
        for b in 0..batches {
            bed.store.record_batch((0..batch_size).map(|j| act(bed, b * batch_size + j)).collect()).unwrap();
        }
        let per_sec = (batch_size * batches) as f64 / t.elapsed().as_secs_f64();
        results[k] = [ms(round.median), ms(one.median), per_sec, ms(one.p95)];
        rows.push((k, round, one, per_sec));
    }
    for (k, round, one, per_sec) in &rows {
        let label = if *k == 0 { "encrypted" } else { "plaintext" };
        println!(
            "{label:>9}: round view median {:.2} ms (p95 {:.2}); record one act median {:.3} ms (p95 {:.3}); batched {:.0} records/s",
            ms(round.median),
            ms(round.p95),
            ms(one.median),
            ms(one.p95),
            per_sec
        );
    }
    println!(
        "encrypted / plaintext: round view {:.2}×, record one {:.2}×, batched {:.2}× (time per record)",
        results[0][0] / results[1][0],
        results[0][1] / results[1][1],
        results[1][2] / results[0][2]
    );

    // Opening: unwrap the key, check the canary and the schema, open both connections.
    let path = beds[0].path.clone();
    drop(beds);
    let _ = path;
    let dir = tempfile::tempdir().unwrap();
    let kek_path = dir.path().join("open.db");
    let kek = KekVault::new([2; 32]);
    {
        let s = Store::open(&kek_path, &kek, options(false)).unwrap();
        demo::seed(&s, 1, 20, 30).unwrap();
    }
    let open = measure(50, || {
        Store::open(&kek_path, &kek, options(false)).unwrap();
    });
    println!(
        "open with a platform-style vault (key unwrap + canary + migrations check): median {:.2} ms (p95 {:.2})",
        ms(open.median),
        ms(open.p95)
    );
    let pass_path = dir.path().join("pass.db");
    let pass = PassphraseVault::new("une phrase de passe assez longue");
    Store::open(&pass_path, &pass, options(false)).unwrap();
    let open = measure(5, || {
        Store::open(&pass_path, &pass, options(false)).unwrap();
    });
    println!("open with the Argon2id passphrase vault (64 MiB, 3 passes): median {:.0} ms", ms(open.median));
}
