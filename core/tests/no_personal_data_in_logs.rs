//! Logs and error messages carry ids and kinds only: a full scenario runs
//! with every log record captured, good paths and refusals alike, and
//! neither the logs nor the errors' texts hold a name, INS, note or value.

mod common;

use std::sync::Mutex;

use chevet_core::CoreError;
use chevet_core::demo::{DEMO_PIN, matricule_with_key};
use chevet_core::domain::*;
use common::*;
use jiff::civil::date;
use uuid::Uuid;

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0.lock().unwrap().push(format!("{} {} {}", record.level(), record.target(), record.args()));
    }
    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

#[test]
fn a_full_scenario_logs_and_errs_without_personal_data() {
    log::set_logger(&LOGS).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let mut errors: Vec<String> = Vec::new();
    let mut keep = |r: Result<(), CoreError>| {
        if let Err(e) = r {
            errors.push(format!("{e} / {e:?}"));
        }
    };

    let (f, d) = seeded(3, 3);
    let m = matricule_with_key(2_440_913_055_987).unwrap();
    let r = Resident {
        id: Uuid::now_v7(),
        unit_id: d.units[0].id,
        identity: Identity {
            traits: IdentityTraits {
                birth_name: "Trégastel".into(),
                first_birth_given_name: "Ermeline".into(),
                birth_given_names: "Ermeline Rozenn".into(),
                sex: Sex::Female,
                birth_date: date(1944, 9, 13),
                birth_place_insee: Some("22353".into()),
            },
            matricule: Some(m.clone()),
            system: Some(InsSystem::NirDemo),
            status: IdentityStatus::Qualified,
            collection: CollectionMethod::Insi,
            used_name: None,
            used_given_name: None,
        },
        room: "Hortensia".into(),
        allergies: vec!["Iode".into()],
        trusted_person: None,
        contacts: vec![],
        advance_directives: None,
        gir: Some(3),
        hypercapnic: false,
        admitted_on: date(2026, 2, 1),
        discharged_on: None,
        home_tags: Vec::new(),
    };
    keep(f.store.create_resident(&r));
    let note = |data: &str| {
        Fact::Transmission(Transmission {
            id: Uuid::now_v7(),
            resident_id: r.id,
            target: "Comportement".into(),
            data: data.into(),
            actions: "Appel famille".into(),
            results: String::new(),
            audience: vec![],
            meta: RecordMeta::at(monday_10h()),
        })
    };
    keep(f.store.record(note("Déambulation nocturne vers l'ascenseur")).map(|_| ()));
    let temp = |v: f64| {
        Fact::Observation(Observation {
            id: Uuid::now_v7(),
            resident_id: r.id,
            code: VitalCode::Temperature,
            value: ObservationValue::Quantity(v),
            method: None,
            meta: RecordMeta::at(monday_10h()),
        })
    };
    keep(f.store.record(temp(38.61)).map(|_| ()));
    // Refusals: implausible value, bad identity change, wrong PIN, lock-out, unknown ids.
    keep(f.store.record(temp(386.1)).map(|_| ()));
    let mut changed = r.identity.clone();
    changed.traits.birth_name = "Trégastel-Kerlo".into();
    keep(
        f.store
            .update_resident(r.id, 1, &ResidentChanges { identity: Some(changed), ..Default::default() })
            .map(|_| ()),
    );
    keep(Matricule::parse("2440913055987 00").map(|_| ()).map_err(CoreError::from));
    for _ in 0..6 {
        keep(f.store.sign_in(d.care_aide.id, "4711").map(|_| ()));
    }
    keep(f.store.sign_in(d.nurse.id, DEMO_PIN).map(|_| ()));
    keep(f.store.search_residents("Trégastel").map(|_| ()));
    keep(f.store.search_residents(m.as_str()).map(|_| ()));
    keep(f.store.open_resident_file(r.id, 50).map(|_| ()));
    keep(
        f.store
            .round_view(
                d.units[0].id,
                monday_10h(),
                jiff::Timestamp::from_second(monday_10h().as_second() + 7200).unwrap(),
            )
            .map(|_| ()),
    );
    // A damaged record read back.
    let raw = rusqlite::Connection::open(f.path()).unwrap();
    raw.execute("UPDATE residents SET envelope = X'01000100' WHERE id = ?1", [r.id]).unwrap();
    keep(f.store.resident(r.id).map(|_| ()));
    keep(
        f.store
            .round_view(
                d.units[0].id,
                monday_10h(),
                jiff::Timestamp::from_second(monday_10h().as_second() + 7200).unwrap(),
            )
            .map(|_| ()),
    );
    drop(f);

    let logs = LOGS.0.lock().unwrap().clone();
    assert!(logs.len() > 5, "the scenario should have logged ({} lines)", logs.len());
    assert!(errors.len() >= 6, "the refusals should have produced errors ({})", errors.len());
    let mut secrets: Vec<String> = [
        "Trégastel",
        "Tregastel",
        "TRÉGASTEL",
        "Ermeline",
        "Rozenn",
        "Hortensia",
        "Iode",
        "Déambulation",
        "ascenseur",
        "Appel famille",
        "38.61",
        "386.1",
        "1944-09-13",
        "4711",
        DEMO_PIN,
        "Claire Fontaine",
        "Karim",
        "Benali",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    secrets.push(m.as_str().to_owned());
    secrets.extend(d.residents.iter().map(|x| x.identity.traits.birth_given_names.clone()));
    for line in logs.iter().chain(&errors) {
        // Ids are allowed and random: a 4-digit PIN can occur inside a UUID.
        let line = without_ids(line);
        for s in &secrets {
            assert!(!line.contains(s.as_str()), "personal data {s:?} in: {line}");
        }
    }
}

/// The line with every UUID and long hex run (ids, hashes) replaced by "<id>".
fn without_ids(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        let hex = token.chars().filter(|c| c.is_ascii_hexdigit()).count();
        let is_id = hex >= 16 && token.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        out.push_str(if is_id { "<id>" } else { token.as_str() });
        token.clear();
    };
    for c in line.chars() {
        if c.is_ascii_hexdigit() || c == '-' {
            token.push(c);
        } else {
            flush(&mut token, &mut out);
            out.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}
