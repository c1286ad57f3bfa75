//! `chevet-demo`: creates a demo EHPAD's encrypted store, runs the morning
//! round on it and prints it, as a care worker's tablet would show it.
//!
//! Usage: chevet-demo [STORE_PATH] [RESIDENTS_PER_UNIT] [HISTORY_DAYS]

use std::sync::Arc;

use chevet_core::crypto::PassphraseVault;
use chevet_core::demo::{self, DEMO_PIN};
use chevet_core::domain::VitalCode;
use chevet_core::store::SystemClock;
use chevet_core::{Store, StoreOptions};
use jiff::Timestamp;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .cloned()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("chevet-demo-{}.db", std::process::id())));
    let per_unit: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(20);
    let history_days: u32 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(30);
    if path.exists() {
        return Err(format!("{} already exists: give a new path", path.display()).into());
    }

    let vault = PassphraseVault::new("démo chevet");
    let started = std::time::Instant::now();
    let store = Store::open(&path, &vault, StoreOptions { clock: Arc::new(SystemClock), ..StoreOptions::default() })?;
    let d = demo::seed(&store, 2, per_unit, history_days)?;
    let seeded = started.elapsed();
    let facts = store.pending_count()?;
    drop(store);

    // Reopen as the tablet would at the start of a shift: unwrap, canary, migrations.
    let t = std::time::Instant::now();
    let store = Store::open(&path, &vault, StoreOptions::default())?;
    let reopened = t.elapsed();
    store.sign_in(d.care_aide.id, DEMO_PIN)?;
    let unit = &d.units[0];
    let now = Timestamp::now();
    let today = now.to_zoned_datetime(d.tz.clone()).date();
    // The round in progress: the last four hours and the next two.
    let from = Timestamp::from_second(now.as_second() - 4 * 3600)?;
    let to = Timestamp::from_second(now.as_second() + 2 * 3600)?;
    let t = std::time::Instant::now();
    let round = store.round_view(unit.id, from, to)?;
    let round_time = t.elapsed();

    let hm = |t: Timestamp| {
        let z = t.to_zoned_datetime(d.tz.clone());
        format!("{:02} h {:02}", z.hour(), z.minute())
    };
    println!("Chevet — {} — {} — tournée du {} ({} – {})", d.establishment.name, unit.name, today, hm(from), hm(to));
    println!("Connecté·e : {} (AS)\n", d.care_aide.display_name);
    for r in &round.residents {
        let vitals: Vec<String> = r
            .latest_vitals
            .iter()
            .filter_map(|v| match (v.code, v.value) {
                (
                    VitalCode::BloodPressure,
                    chevet_core::domain::ObservationValue::BloodPressure { systolic, diastolic },
                ) => Some(format!("TA {systolic}/{diastolic}")),
                (VitalCode::Temperature, chevet_core::domain::ObservationValue::Quantity(q)) => {
                    Some(format!("T {q} °C"))
                }
                (VitalCode::OxygenSaturation, chevet_core::domain::ObservationValue::Quantity(q)) => {
                    Some(format!("SpO2 {q} %"))
                }
                _ => None,
            })
            .collect();
        println!("Ch. {:>4}  {:<28} {}", r.room, r.display_name, vitals.join(", "));
        for item in &r.items {
            println!("            {}  {:<26} {}", hm(item.due_at), item.label, item.status.label_fr());
        }
    }
    let total_items: usize = round.residents.iter().map(|r| r.items.len()).sum();
    println!(
        "\n{} résidents, {} soins dans la fenêtre, {} enregistrements illisibles.",
        round.residents.len(),
        total_items,
        round.unreadable.len()
    );
    println!(
        "Base chiffrée : {} ({} opérations en attente de synchronisation, journal d'audit : {} entrées vérifiées).",
        path.display(),
        facts,
        store.verify_audit()?
    );
    println!(
        "Création {:.1} s, réouverture {:.0} ms (Argon2id de la phrase de passe compris), tournée {:.1} ms.",
        seeded.as_secs_f64(),
        reopened.as_secs_f64() * 1e3,
        round_time.as_secs_f64() * 1e3
    );
    Ok(())
}
