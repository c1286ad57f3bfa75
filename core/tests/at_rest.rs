//! At rest: the raw bytes of the database files never hold the names,
//! INS, notes or values written through the store.

mod common;

use chevet_core::demo::matricule_with_key;
use chevet_core::domain::*;
use common::*;
use jiff::civil::date;
use uuid::Uuid;

#[test]
fn database_files_hold_no_personal_data() {
    let (f, d) = seeded(2, 2);
    let m = matricule_with_key(1_290_213_055_123).unwrap();
    let r = Resident {
        id: Uuid::now_v7(),
        unit_id: d.units[0].id,
        identity: Identity {
            traits: IdentityTraits {
                birth_name: "Quimperlé".into(),
                first_birth_given_name: "Anatole".into(),
                birth_given_names: "Anatole Zéphyrin".into(),
                sex: Sex::Male,
                birth_date: date(1929, 2, 13),
                birth_place_insee: Some("29233".into()),
            },
            matricule: Some(m.clone()),
            system: Some(InsSystem::NirDemo),
            status: IdentityStatus::Qualified,
            collection: CollectionMethod::Insi,
            used_name: Some("Kerbrat".into()),
            used_given_name: None,
        },
        room: "Chambre-Azalée-17".into(),
        allergies: vec!["Amoxicilline".into()],
        trusted_person: Some(Contact {
            name: "Gwenaëlle Kerbrat".into(),
            relationship: "fille".into(),
            phone: Some("0298765432".into()),
        }),
        contacts: vec![],
        advance_directives: Some("Refuse la réanimation".into()),
        gir: Some(2),
        hypercapnic: true,
        admitted_on: date(2025, 3, 1),
        discharged_on: None,
        home_tags: Vec::new(),
    };
    // Qualified identities come from the hub; the local edit puts the whole
    // record (names, INS, trusted person) in the outbox.
    f.store.provision_resident(&r).unwrap();
    let changes =
        ResidentChanges { allergies: Some(vec!["Amoxicilline".into(), "Latex".into()]), ..Default::default() };
    f.store.update_resident(r.id, 1, &changes).unwrap();
    let at = monday_10h();
    let facts = vec![
        Fact::Transmission(Transmission {
            id: Uuid::now_v7(),
            resident_id: r.id,
            target: "Chute".into(),
            data: "Retrouvé au sol près du lavabo".into(),
            actions: "Bilan hématome frontal".into(),
            results: "Surveillance neurologique".into(),
            audience: vec![],
            meta: RecordMeta::at(at),
        }),
        Fact::Observation(Observation {
            id: Uuid::now_v7(),
            resident_id: r.id,
            code: VitalCode::Temperature,
            value: ObservationValue::Quantity(38.73),
            method: Some("tympanique".into()),
            meta: RecordMeta::at(at),
        }),
        Fact::Observation(Observation {
            id: Uuid::now_v7(),
            resident_id: r.id,
            code: VitalCode::BloodPressure,
            value: ObservationValue::BloodPressure { systolic: 187.0, diastolic: 113.0 },
            method: None,
            meta: RecordMeta::at(at),
        }),
    ];
    f.store.record_batch(facts).unwrap();
    f.store.open_resident_file(r.id, 10).unwrap();

    // Keep the store open: the -wal and -shm files exist and are scanned too.
    let files = store_files(&f.path());
    assert!(files.len() >= 2, "expected the WAL beside the main file: {files:?}");
    let needles: Vec<Vec<u8>> = [
        "Quimperlé",
        "Quimperle",
        "Anatole",
        "Zéphyrin",
        "Kerbrat",
        "Gwenaëlle",
        "0298765432",
        "Amoxicilline",
        "réanimation",
        "Azalée",
        "lavabo",
        "hématome",
        "tympanique",
        "38.73",
        "187",
        "Claire Fontaine",
        "Karim Benali",
        "Louise Martin",
        "EHPAD Les Tilleuls",
        m.as_str(),
        "1929-02-13",
        // What happened to whom, by inference: fact kinds and journal actions.
        "wound_assessment",
        "administration",
        "emergency_transfer",
        "open_file",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .chain([38.73f64.to_le_bytes().to_vec(), 38.73f64.to_be_bytes().to_vec()])
    .collect();
    // Every demo resident's name too.
    let names: Vec<Vec<u8>> = d
        .residents
        .iter()
        .flat_map(|r| [r.identity.traits.birth_given_names.clone(), r.identity.display_name()])
        .map(String::into_bytes)
        .collect();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for needle in needles.iter().chain(&names) {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{} holds {:?} in plaintext",
                file.display(),
                String::from_utf8_lossy(needle)
            );
        }
    }
    // Still readable through the store.
    let (read, version) = f.store.resident(r.id).unwrap();
    assert_eq!((read.identity, read.allergies.len(), version), (r.identity, 2, 2));
}
