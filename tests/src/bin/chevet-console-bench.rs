//! `chevet-console-bench [--postgres]`: the coordinator's console at the
//! scale of a group — 50 establishments of 2 units, 2,000 residents, 200
//! professionals, 500 tablets reporting their health, a year of records
//! (one vital a day per resident: 730,000 facts, and an access log of two
//! entries per resident a day — the file opened, the vital recorded:
//! 1,460,000 entries) and 100 open conflicts —
//! served in-process on loopback; each page fetched 40 times (after 5
//! warm-ups) by a group administrator (every establishment) and by one
//! establishment's coordinator, with the p50 and p95 printed. The goal:
//! every page's p95 ≤ 100 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chevet_core::domain::{
    Establishment, EstablishmentKind, Fact, Observation, ObservationValue, RecordMeta, Role, Staff, Unit, VitalCode,
};
use chevet_hub::Admin;
use chevet_hub::backend::{AnyBackend, AuditBreak, AuditRow, Backend, BreakKind, ConflictRecord, DeviceAuth, Scope};
use chevet_hub::console::accounts::{ConsoleAccount, ConsoleRole};
use chevet_hub::console::totp;
use chevet_protocol::{AuditAction, Change, Entity};
use serde_json::json;
use uuid::Uuid;

const ESTABLISHMENTS: usize = 50;
const UNITS_PER_ESTABLISHMENT: usize = 2;
const RESIDENTS_PER_UNIT: usize = 20;
const STAFF_PER_ESTABLISHMENT: usize = 4;
const TABLETS_PER_UNIT: usize = 5;
const DAYS: i64 = 365;
const CONFLICTS: usize = 100;
const PASSWORD: &str = "un mot de passe assez long";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

struct Group {
    tenant: Uuid,
    first_establishment: Uuid,
    conflict: (Uuid, Uuid),
    /// A resident of the first establishment (whose access log is read).
    first_resident: Uuid,
}

fn build(backend: &AnyBackend) -> Group {
    let admin = Admin::new(backend);
    let tenant = admin.create_tenant("Groupe de 50 établissements").unwrap();
    let now = jiff::Timestamp::now().as_millisecond();
    let mut residents = Vec::new();
    let mut units = Vec::new();
    let mut staff = Vec::new();
    let mut first_establishment = Uuid::nil();
    for e in 0..ESTABLISHMENTS {
        let est = Establishment {
            id: Uuid::now_v7(),
            name: format!("EHPAD n° {:02}", e + 1),
            finess: format!("69{:07}", e + 1),
            kind: EstablishmentKind::Ehpad,
            time_zone: "Europe/Paris".into(),
            alert_settings: None,
            glucose_entry_unit: Default::default(),
        };
        if e == 0 {
            first_establishment = est.id;
        }
        admin.put_establishment(tenant, &est).unwrap();
        let mut est_units = Vec::new();
        for u in 0..UNITS_PER_ESTABLISHMENT {
            let unit = Unit { id: Uuid::now_v7(), establishment_id: est.id, name: format!("Étage {}", u + 1) };
            admin.put_unit(tenant, &unit).unwrap();
            let mut csv = String::from("birth_name;given_names;sex;birth_date;birth_place_insee;room\n");
            for r in 0..RESIDENTS_PER_UNIT {
                csv.push_str(&format!(
                    "Résident{e}x{u}x{r};Jeanne;F;1938-04-0{};75056;{}{:02}\n",
                    1 + r % 9,
                    u + 1,
                    r + 1
                ));
            }
            for id in admin.import_residents_csv(tenant, unit.id, &csv, jiff::civil::date(2025, 12, 1)).unwrap() {
                residents.push((id, unit.id));
            }
            est_units.push(unit.id);
            units.push(unit.id);
        }
        for s in 0..STAFF_PER_ESTABLISHMENT {
            let member = Staff {
                id: Uuid::now_v7(),
                display_name: format!("Soignant {e}-{s}"),
                role: if s == 0 { Role::Nurse } else { Role::CareAide },
                rpps: None,
                first_pin_code: None,
                deactivated_at: None,
                units: est_units.clone(),
            };
            admin.put_staff(tenant, &member).unwrap();
            staff.push(member.id);
        }
    }
    // Tablets, each having said how it is.
    let mut devices = Vec::new();
    let mut unit_devices: std::collections::HashMap<Uuid, Vec<Uuid>> = std::collections::HashMap::new();
    backend
        .transaction(Scope::Admin, |tx| {
            for (i, unit) in units.iter().enumerate() {
                for t in 0..TABLETS_PER_UNIT {
                    let d = DeviceAuth { device_id: Uuid::now_v7(), tenant_id: tenant, units: vec![*unit] };
                    let hash = *blake3::hash(d.device_id.as_bytes()).as_bytes();
                    tx.insert_device(&d, &format!("Tablette {i}-{t}"), &hash, now - 400 * 86_400_000)?;
                    let report = json!({"client": "chevet-core/0.1.0", "pending_ops": t, "skew_ms": 1500 * t as i64});
                    tx.note_device_report(d.device_id, &report, now - (t as i64) * 3_600_000 * 7)?;
                    devices.push(d.device_id);
                    unit_devices.entry(*unit).or_default().push(d.device_id);
                }
            }
            Ok(())
        })
        .unwrap();
    // A year of records: one temperature a day per resident, and the
    // access log that goes with it (the file opened, the vital recorded).
    let started = Instant::now();
    let mut seqs: std::collections::HashMap<Uuid, i64> = std::collections::HashMap::new();
    let staff_of = |i: usize| staff[(i / (UNITS_PER_ESTABLISHMENT * RESIDENTS_PER_UNIT)) * STAFF_PER_ESTABLISHMENT];
    for (c, chunk) in residents.chunks(100).enumerate() {
        backend
            .transaction(Scope::Admin, |tx| {
                let mut journal = Vec::new();
                for (i, (resident, unit)) in chunk.iter().enumerate() {
                    let author = staff_of(c * 100 + i);
                    let tablets = &unit_devices[unit];
                    for day in 0..DAYS {
                        let device = tablets[day as usize % tablets.len()];
                        let at_ms = now - day * 86_400_000;
                        let mut entry = |action, entity: &str, entity_id| {
                            let seq = seqs.entry(device).or_insert(0);
                            *seq += 1;
                            journal.push(AuditRow {
                                device_id: device,
                                seq: *seq,
                                link: *blake3::hash(&seq.to_be_bytes()).as_bytes(),
                                at_ms,
                                actor: Some(author),
                                action,
                                entity: entity.into(),
                                entity_id,
                                resident_id: Some(*resident),
                                verified: true,
                                received_ms: now,
                            });
                        };
                        entry(AuditAction::OpenFile, "resident", *resident);
                        let at = jiff::Timestamp::from_millisecond(now - day * 86_400_000).unwrap();
                        let fact = Fact::Observation(Observation {
                            id: Uuid::now_v7(),
                            resident_id: *resident,
                            code: VitalCode::Temperature,
                            value: ObservationValue::Quantity(36.5 + (day % 10) as f64 / 10.0),
                            method: None,
                            meta: RecordMeta::at(at),
                        });
                        let change = Change {
                            entity: Entity::Fact,
                            entity_id: fact.id(),
                            version: None,
                            origin_device: None,
                            payload: serde_json::to_value(&fact).unwrap(),
                        };
                        entry(AuditAction::Create, "observation", fact.id());
                        tx.insert_fact_logged(tenant, *unit, &change, now)?;
                    }
                }
                tx.insert_audit_entries(tenant, &journal)
            })
            .unwrap();
    }
    backend
        .transaction(Scope::Admin, |tx| {
            for (device, seq) in &seqs {
                tx.set_audit_head(tenant, *device, *seq, blake3::hash(&seq.to_be_bytes()).as_bytes())?;
            }
            // A few broken chains, as the tablets page and the logs show them.
            for (i, device) in devices.iter().step_by(50).enumerate() {
                let kind = BreakKind::ALL[i % BreakKind::ALL.len()];
                tx.note_audit_break(tenant, &AuditBreak { device_id: *device, seq: 7, kind, detected_ms: now })?;
            }
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} facts and {} access log entries written in {:.0} s",
        residents.len() as i64 * DAYS,
        2 * residents.len() as i64 * DAYS,
        started.elapsed().as_secs_f64()
    );
    // Open conflicts on residents' rooms, across the group.
    let mut first_conflict = (Uuid::nil(), Uuid::nil());
    backend
        .transaction(Scope::Admin, |tx| {
            for c in 0..CONFLICTS {
                let (resident, _) = residents[c * residents.len() / CONFLICTS];
                let record = ConflictRecord {
                    entity: Entity::Resident,
                    entity_id: resident,
                    op_id: Uuid::now_v7(),
                    device_id: devices[c * devices.len() / CONFLICTS],
                    fields: vec!["room".into()],
                    device_values: json!({"room": "204"}),
                    hub_values: json!({"room": "101"}),
                    proposal: false,
                    author: Some(staff[c * staff.len() / CONFLICTS]),
                    created_ms: now,
                    resolved_ms: None,
                    resolution: None,
                };
                tx.file_conflict(tenant, &record, now)?;
                if c == 0 {
                    first_conflict = (record.device_id, record.op_id);
                }
            }
            Ok(())
        })
        .unwrap();
    Group { tenant, first_establishment, conflict: first_conflict, first_resident: residents[0].0 }
}

/// An account with its second factor already enrolled (the secret known
/// here), so the benchmark signs in through the API.
fn account(backend: &AnyBackend, tenant: Uuid, login: &str, role: ConsoleRole) -> Vec<u8> {
    let (created, _activation) =
        Admin::new(backend).create_console_account(tenant, login, "Bench", role, PASSWORD).unwrap();
    let secret = totp::new_secret().unwrap();
    backend
        .transaction(Scope::Admin, |tx| {
            ConsoleAccount { totp_secret: Some(totp::to_base32(&secret)), ..created.clone() }.save(tx)
        })
        .unwrap();
    secret
}

async fn sign_in(http: &reqwest::Client, url: &str, login: &str, secret: &[u8]) -> String {
    let step = jiff::Timestamp::now().as_second() / totp::STEP_SECONDS;
    let code = format!("{:06}", totp::code(secret, step as u64, 6));
    let resp = http
        .post(format!("{url}/console/api/session"))
        .header("content-type", "application/json")
        .body(json!({"login": login, "password": PASSWORD, "code": code}).to_string())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "sign-in: {}", resp.status());
    resp.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned()
}

async fn measure(http: &reqwest::Client, url: &str, cookie: &str, path: &str) -> (f64, f64) {
    let mut times = Vec::new();
    for i in 0..45 {
        let started = Instant::now();
        let resp = http.get(format!("{url}{path}")).header("cookie", cookie).send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        let _ = resp.bytes().await.unwrap();
        if i >= 5 {
            times.push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    (percentile(&times, 0.5), percentile(&times, 0.95))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    chevet_e2e::install_tls_provider();
    let postgres = std::env::args().any(|a| a == "--postgres");
    let dir = tempfile::tempdir().unwrap();
    let schema = format!("bench_{}", Uuid::now_v7().simple());
    let backend = Arc::new(if postgres {
        let owner =
            std::env::var("CHEVET_TEST_PG_OWNER").expect("CHEVET_TEST_PG_OWNER: see scripts/postgres-for-tests");
        let app = std::env::var("CHEVET_TEST_PG_APP").expect("CHEVET_TEST_PG_APP");
        let (o, a, s) = (owner.clone(), app.clone(), schema.clone());
        tokio::task::spawn_blocking(move || {
            AnyBackend::Postgres(Box::new(chevet_hub::backend::postgres::PostgresBackend::open(&o, &a, &s).unwrap()))
        })
        .await
        .unwrap()
    } else {
        AnyBackend::Sqlite(chevet_hub::SqliteBackend::open(&dir.path().join("hub.db")).unwrap())
    });
    let started = Instant::now();
    let b = backend.clone();
    let (group, admin_secret, coord_secret) = tokio::task::spawn_blocking(move || {
        let group = build(&b);
        let admin_secret = account(&b, group.tenant, "dsi@groupe.fr", ConsoleRole::GroupAdmin);
        let coord_secret = account(
            &b,
            group.tenant,
            "idec@ehpad01.fr",
            ConsoleRole::Coordinator { establishment: group.first_establishment },
        );
        (group, admin_secret, coord_secret)
    })
    .await
    .unwrap();
    eprintln!("group built in {:.0} s", started.elapsed().as_secs_f64());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let blobs = chevet_hub::blobs::BlobStore::open(&dir.path().join("blobs")).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(chevet_hub::serve(listener, backend.clone(), blobs, async {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let conflict = format!("/console/conflicts/{}/{}", group.conflict.0, group.conflict.1);
    let access = format!("/console/residents/{}/access", group.first_resident);
    let access_csv = format!("{access}.csv");
    println!(
        "console, {} ({ESTABLISHMENTS} establishments, {} residents, {} tablets, {} facts, {} access log entries, \
         {CONFLICTS} conflicts):",
        if postgres { "PostgreSQL" } else { "SQLite" },
        ESTABLISHMENTS * UNITS_PER_ESTABLISHMENT * RESIDENTS_PER_UNIT,
        ESTABLISHMENTS * UNITS_PER_ESTABLISHMENT * TABLETS_PER_UNIT,
        ESTABLISHMENTS as i64 * UNITS_PER_ESTABLISHMENT as i64 * RESIDENTS_PER_UNIT as i64 * DAYS,
        2 * ESTABLISHMENTS as i64 * UNITS_PER_ESTABLISHMENT as i64 * RESIDENTS_PER_UNIT as i64 * DAYS,
    );
    let mut worst: f64 = 0.0;
    for (who, login, secret) in
        [("group administrator", "dsi@groupe.fr", &admin_secret), ("coordinator", "idec@ehpad01.fr", &coord_secret)]
    {
        let cookie = sign_in(&http, &url, login, secret).await;
        for path in [
            "/console/",
            "/console/conflicts",
            conflict.as_str(),
            "/console/tablets",
            "/console/staff",
            "/console/residents/import",
            "/console/residents",
            access.as_str(),
            access_csv.as_str(),
        ] {
            let (p50, p95) = measure(&http, &url, &cookie, path).await;
            worst = worst.max(p95);
            println!("  {who:<20} {path:<40} p50 {p50:>6.1} ms  p95 {p95:>6.1} ms");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("  slowest page p95: {worst:.1} ms (goal ≤ 100 ms)");
    let _ = stop.send(());
    let _ = server.await;
    if postgres {
        let owner = std::env::var("CHEVET_TEST_PG_OWNER").unwrap();
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = postgres::Client::connect(&owner, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        })
        .join();
    }
}
