//! `chevet-demo`: the whole system on one machine, with no setup.
//!
//! Starts the hub on its embedded default (SQLite in a temporary folder),
//! creates an EHPAD with two floors, enrols two tablets on the first floor,
//! has the nurse's tablet write the care plans, then sends the care aide's
//! tablet offline for the afternoon round while the nurse keeps working
//! online; both edit the same resident. When the care aide's tablet comes
//! back, both sync and end with the same records; the one same-field edit
//! shows as a conflict for the coordinator.

use std::sync::Arc;
use std::time::Instant;

use chevet_core::crypto::KekVault;
use chevet_core::demo::{DEMO_PIN, DemoRng, care_plan_for, record_round};
use chevet_core::domain::{ActKind, ResidentChanges, Staff};
use chevet_core::sync::{self, CancelHandle, HubClient, SyncOptions, SyncReport};
use chevet_core::views::RoundStatus;
use chevet_core::{Store, StoreOptions};
use chevet_protocol::Entity;
use jiff::Timestamp;
use uuid::Uuid;

use chevet_hub::{Admin, SqliteBackend};

use crate::group::{DemoGroup, create_group};

type DemoResult<T> = Result<T, Box<dyn std::error::Error>>;

struct Tablet {
    name: &'static str,
    store: Store,
    client: HubClient,
}

impl Tablet {
    async fn enrol(
        dir: &std::path::Path,
        name: &'static str,
        url: &str,
        code: &str,
        staff: &[&Staff],
    ) -> DemoResult<Tablet> {
        // A platform-style vault: the key-encryption key would live in the Keystore.
        let mut kek = [0u8; 32];
        getrandom::fill(&mut kek).map_err(|_| "random source failed")?;
        let store = Store::open(dir.join(format!("{name}.db")), &KekVault::new(kek), StoreOptions::default())?;
        sync::enrol(&store, &HubClient::new(url, None)?, code, name).await?;
        let client = sync::client_for(&store)?;
        let t = Tablet { name, store, client };
        t.sync().await?;
        for s in staff {
            t.store.provision_staff_with_pin(s, DEMO_PIN)?;
        }
        Ok(t)
    }

    async fn sync(&self) -> DemoResult<SyncReport> {
        let started = Instant::now();
        let r = sync::sync(&self.store, &self.client, SyncOptions::default(), None, &CancelHandle::new()).await?;
        println!(
            "  {:<22} sync: {:>4} envoyées, {:>4} reçues, {} conflit(s) — {:.0} ms",
            self.name,
            r.pushed,
            r.pulled,
            r.conflicts,
            started.elapsed().as_secs_f64() * 1e3
        );
        Ok(r)
    }
}

pub async fn run(residents_per_unit: usize) -> DemoResult<()> {
    let dir = tempfile_dir()?;
    let backend = Arc::new(SqliteBackend::open(&dir.join("hub.db"))?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let blobs = chevet_hub::blobs::BlobStore::open(&dir.join("blobs"))?;
    let server = tokio::spawn(chevet_hub::serve(listener, backend.clone(), blobs, async {
        let _ = stopped.await;
    }));
    println!("Hub Chevet démarré sur {url} (SQLite dans {})", dir.display());

    // The group's administrator sets the establishment up on the hub.
    let admin = Admin::new(&*backend);
    let DemoGroup { tenant, units: floors, nurse, care_aide: aide, .. } = create_group(&admin, 2)?;
    const FAMILY: [&str; 10] =
        ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre"];
    const GIVEN: [&str; 10] =
        ["Jeanne", "Marie", "Germaine", "Hélène", "Simone", "Odette", "Yvonne", "Paulette", "Suzanne", "Denise"];
    let today = jiff::ZonedDateTime::now().date();
    for (u, floor) in floors.iter().enumerate() {
        let mut csv = String::from("birth_name;given_names;sex;birth_date;birth_place_insee;room\n");
        for i in 0..residents_per_unit {
            csv.push_str(&format!(
                "{};{} Marie;F;19{}-0{}-1{};75056;{}{:02}\n",
                FAMILY[(i + u) % 10],
                GIVEN[(i * 3 + u) % 10],
                30 + i % 15,
                1 + i % 9,
                i % 10,
                u + 1,
                i + 1
            ));
        }
        admin.import_residents_csv(tenant, floor.id, &csv, today)?;
    }
    println!("Établissement créé : 2 étages, {} résidents importés, 2 professionnels.\n", 2 * residents_per_unit);

    let floor = floors[0].id;
    let a = Tablet::enrol(&dir, "Tablette IDE", &url, &admin.enrolment_code(tenant, &[floor], 1)?, &[&nurse, &aide])
        .await?;
    let b =
        Tablet::enrol(&dir, "Tablette chariot AS", &url, &admin.enrolment_code(tenant, &[floor], 1)?, &[&nurse, &aide])
            .await?;

    // The nurse writes the care plans on her tablet; both tablets sync.
    a.store.sign_in(nurse.id, DEMO_PIN)?;
    let start = today.checked_sub(jiff::Span::new().days(1))?;
    let mut rng = DemoRng::new(7);
    let view_from = Timestamp::from_second(Timestamp::now().as_second() - 6 * 3600)?;
    let view_to = Timestamp::from_second(Timestamp::now().as_second() + 2 * 3600)?;
    let residents = a.store.round_view(floor, view_from, view_to)?.residents;
    for r in &residents {
        let (resident, _) = a.store.resident(r.resident_id)?;
        for act in care_plan_for(&resident, start, &mut rng) {
            a.store.create_planned_act(&act)?;
        }
    }
    println!("1. Plans de soins saisis sur la tablette IDE, puis synchronisation des deux tablettes :");
    a.sync().await?;
    b.sync().await?;

    println!("\n2. La tablette AS passe hors ligne ; chacun travaille de son côté :");
    b.store.sign_in(aide.id, DEMO_PIN)?;
    let by_b = record_round(&b.store, floor, view_from, view_to, &[], &mut rng)?;
    let by_a = record_round(&a.store, floor, view_from, view_to, &[ActKind::Medication], &mut rng)?;
    println!("  {by_b} soins validés hors ligne par l'AS, {by_a} médicaments par l'IDE en ligne.");
    let who = residents[0].resident_id;
    let (_, v) = a.store.resident(who)?;
    a.store.update_resident(who, v, &ResidentChanges { room: Some("101 bis".into()), ..Default::default() })?;
    b.store.sign_in(nurse.id, DEMO_PIN)?; // the nurse borrows the cart tablet
    let (_, v) = b.store.resident(who)?;
    b.store.update_resident(
        who,
        v,
        &ResidentChanges { room: Some("108".into()), gir: Some(Some(2)), ..Default::default() },
    )?;
    println!(
        "  Les deux tablettes changent la chambre de {} (101 bis / 108) ; l'AS note aussi son GIR.",
        residents[0].display_name
    );

    println!("\n3. Retour du réseau :");
    a.sync().await?;
    b.sync().await?;
    a.sync().await?;

    let ra = a.store.round_view(floor, view_from, view_to)?;
    b.store.sign_in(aide.id, DEMO_PIN)?;
    let rb = b.store.round_view(floor, view_from, view_to)?;
    let statuses = |v: &chevet_core::views::RoundView| -> Vec<(Uuid, Uuid, i64, RoundStatus)> {
        v.residents
            .iter()
            .flat_map(|r| {
                r.items.iter().map(move |i| (r.resident_id, i.planned_act_id, i.due_at.as_second(), i.status))
            })
            .collect()
    };
    let converged = statuses(&ra) == statuses(&rb)
        && a.store.resident(who)?.0 == b.store.resident(who)?.0
        && a.store.pending_count()? == 0
        && b.store.pending_count()? == 0;
    let kept = a.store.resident(who)?.0;
    println!(
        "\n4. Les deux tablettes affichent la même tournée : {} ; chambre retenue : {}, GIR : {}.",
        if converged { "oui" } else { "NON" },
        kept.room,
        kept.gir.map_or_else(|| "non évalué".to_string(), |g| g.to_string()),
    );
    for c in admin.conflicts(tenant)? {
        let whose = if c.entity_id == who { residents[0].display_name.clone() } else { c.entity_id.to_string() };
        for field in &c.fields {
            println!(
                "  Conflit à arbitrer par la coordination : {} de {} ({}) — retenue {}, écartée {}",
                field_fr(field),
                whose,
                entity_fr(c.entity),
                value_fr(c.hub_values.get(field)),
                value_fr(c.device_values.get(field)),
            );
        }
    }
    println!("\nTournée de l'{} vue par la tablette AS (extrait) :", floors[0].name);
    for r in rb.residents.iter().take(3) {
        println!("  Ch. {:>5}  {}", r.room, r.display_name);
        for i in &r.items {
            let z = i.due_at.to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris")?);
            println!("            {:02} h {:02}  {:<26} {}", z.hour(), z.minute(), i.label, i.status.label_fr());
        }
    }
    let _ = stop.send(());
    let _ = server.await;
    if !converged {
        return Err("the tablets did not converge".into());
    }
    Ok(())
}

/// What a coordinator calls a kind of record.
fn entity_fr(entity: Entity) -> &'static str {
    match entity {
        Entity::Fact => "soin ou observation",
        Entity::Resident => "dossier du résident",
        Entity::PlannedAct => "plan de soins",
        Entity::Wound => "suivi de plaie",
        Entity::Route => "tournée",
        Entity::Establishment => "établissement",
        Entity::Unit => "unité",
        Entity::Staff => "personnel",
    }
}

/// A resident field's name as the coordinator reads it; the key itself when
/// the demo does not know it.
fn field_fr(field: &str) -> &str {
    match field {
        "room" => "la chambre",
        "gir" => "le GIR",
        "allergies" => "les allergies",
        "advance_directives" => "les directives anticipées",
        "trusted_person" => "la personne de confiance",
        "contacts" => "les contacts",
        "hypercapnic" => "l'hypercapnie",
        "discharged_on" => "la date de sortie",
        other => other,
    }
}

/// A recorded value in words: text in guillemets, nothing as « vide ».
fn value_fr(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "vide".to_string(),
        Some(serde_json::Value::String(s)) => format!("« {s} »"),
        Some(serde_json::Value::Bool(b)) => if *b { "oui" } else { "non" }.to_string(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Array(items)) => {
            let words: Vec<String> = items.iter().map(|i| value_fr(Some(i))).collect();
            if words.is_empty() { "aucune".to_string() } else { words.join(", ") }
        }
        Some(serde_json::Value::Object(_)) => "une fiche modifiée".to_string(),
    }
}

fn tempfile_dir() -> DemoResult<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("chevet-demo-{}-{}", std::process::id(), Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
