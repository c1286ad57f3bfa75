//! The FHIR R4 export of a realistic resident, validated by an independent
//! validator: HAPI FHIR's instance validator with the base R4 definitions
//! (`tools/fhir-validator`, built by `scripts/test-all`).

mod common;

use std::path::PathBuf;
use std::process::Command;

use chevet_core::demo::camera::{Shot, camera_jpeg};
use chevet_core::domain::*;
use chevet_core::export::FhirOptions;
use chevet_core::store::PhotoCapture;
use common::*;
use jiff::ToSpan;
use serde_json::Value;
use uuid::Uuid;

fn validator_jar() -> PathBuf {
    let jar = std::env::var_os("CHEVET_FHIR_VALIDATOR_JAR").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/fhir-validator/target/fhir-validator.jar")
    });
    assert!(
        jar.is_file(),
        "the HAPI FHIR validator is not built: scripts/test-all builds it (mvn -f tools/fhir-validator package)"
    );
    jar
}

/// Runs the validator; returns its report, panicking on any error.
fn validate(bundle: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle).unwrap();
    let out = Command::new("java").arg("-jar").arg(validator_jar()).arg(&file).output().expect("java is needed");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "the Bundle does not validate:\n{report}\n{}", String::from_utf8_lossy(&out.stderr));
    report
}

fn resources<'a>(bundle: &'a Value, kind: &str) -> Vec<&'a Value> {
    bundle["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).filter(|r| r["resourceType"] == kind).collect()
}

#[test]
fn a_realistic_resident_exports_as_a_valid_fhir_bundle() {
    let (f, d) = seeded(3, 14);
    let resident = d
        .residents
        .iter()
        .find(|r| r.identity.status == IdentityStatus::Qualified && r.trusted_person.is_some())
        .or_else(|| d.residents.iter().find(|r| r.identity.status == IdentityStatus::Qualified))
        .expect("the demo has qualified identities")
        .clone();
    let now = monday_10h();
    let wound = Wound {
        id: Uuid::now_v7(),
        resident_id: resident.id,
        kind: WoundKind::PressureInjury,
        site: "talon droit".into(),
        stage: Some(NpiapStage::Stage2),
        opened_on: "2026-11-02".parse().unwrap(),
        healed_on: None,
    };
    f.store.save_wound(&wound, None).unwrap();
    let assessment = WoundAssessment {
        id: Uuid::now_v7(),
        wound_id: wound.id,
        resident_id: resident.id,
        length_cm: 3.2,
        width_cm: 2.1,
        depth_cm: Some(0.4),
        exudate: Exudate::Light,
        tissue: TissueType::Granulation,
        stage: Some(NpiapStage::Stage2),
        comment: Some("Berges propres".into()),
        meta: RecordMeta::at(now.checked_sub(2.hours()).unwrap()),
    };
    f.store.record(Fact::WoundAssessment(assessment.clone())).unwrap();
    let camera = camera_jpeg(&Shot { width: 800, height: 600, orientation: 6, quality: 90, seed: 2, exif: true });
    let photo = f
        .store
        .ingest_photo(
            PhotoCapture {
                resident_id: resident.id,
                wound_id: wound.id,
                assessment_id: Some(assessment.id),
                body_site: "talon droit".into(),
                scale_marker: true,
                consent: PhotoConsent::Resident,
                taken_at: now.checked_sub(2.hours()).unwrap(),
            },
            &camera,
        )
        .unwrap();
    f.store
        .record(Fact::Transmission(Transmission {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            target: "Douleur".into(),
            data: "Grimace à la mobilisation".into(),
            actions: "Antalgique selon prescription".into(),
            results: "Apaisé à 1 h".into(),
            audience: vec![],
            meta: RecordMeta::at(now.checked_sub(1.hours()).unwrap()),
        }))
        .unwrap();
    f.store
        .record(Fact::ScaleAssessment(ScaleAssessment {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            answers: chevet_core::clinical::scales::ScaleAnswers::Braden(chevet_core::clinical::scales::Braden {
                sensory_perception: 3,
                moisture: 2,
                activity: 2,
                mobility: 2,
                nutrition: 2,
                friction_shear: 2,
            }),
            meta: RecordMeta::at(now.checked_sub(3.hours()).unwrap()),
        }))
        .unwrap();
    let bp = Uuid::now_v7();
    f.store
        .record(Fact::Observation(Observation {
            id: bp,
            resident_id: resident.id,
            code: VitalCode::BloodPressure,
            value: ObservationValue::BloodPressure { systolic: 142.0, diastolic: 81.0 },
            method: Some("au repos".into()),
            meta: RecordMeta::at(now.checked_sub(30.minutes()).unwrap()),
        }))
        .unwrap();
    f.store
        .record(Fact::Correction(Correction {
            id: Uuid::now_v7(),
            resident_id: resident.id,
            target_id: bp,
            reason: "Mauvais brassard".into(),
            meta: RecordMeta::at(now),
        }))
        .unwrap();

    let text = f.store.export_fhir(resident.id, FhirOptions { include_photo_data: true }).unwrap();
    let report = validate(&text);
    println!("{report}");
    let bundle: Value = serde_json::from_str(&text).unwrap();

    // Every kind of record is there, with the codes the guides ask for.
    let patient = resources(&bundle, "Patient")[0];
    let system = format!("urn:oid:{}", resident.identity.system.unwrap().oid());
    let ins = patient["identifier"].as_array().unwrap().iter().find(|i| i["system"] == system.as_str());
    assert_eq!(ins.unwrap()["value"], resident.identity.matricule.as_ref().unwrap().as_str());
    assert!(resources(&bundle, "Observation").len() > 20, "two weeks of vitals");
    assert!(!resources(&bundle, "Procedure").is_empty());
    assert!(!resources(&bundle, "MedicationAdministration").is_empty());
    assert_eq!(resources(&bundle, "Communication").len(), 1);
    let braden = resources(&bundle, "Observation").into_iter().find(|o| o["code"]["text"] == "Braden").unwrap();
    assert_eq!(braden["valueInteger"], 13);
    assert_eq!(resources(&bundle, "Condition")[0]["stage"][0]["summary"]["text"], "Stade 2");
    let doc = resources(&bundle, "DocumentReference")[0];
    assert_eq!(doc["id"], photo.id.to_string());
    assert_eq!(doc["type"]["coding"][0]["code"], "52040-3");
    assert!(doc["content"][0]["attachment"]["data"].as_str().unwrap().len() > 1000);
    let bp_obs = resources(&bundle, "Observation").into_iter().find(|o| o["id"] == bp.to_string()).unwrap();
    assert_eq!(bp_obs["status"], "entered-in-error");
    assert_eq!(bp_obs["code"]["coding"][0]["code"], "85354-9");
    assert_eq!(bp_obs["component"][0]["code"]["coding"][0]["code"], "8480-6");
    assert_eq!(bp_obs["component"][1]["valueQuantity"]["code"], "mm[Hg]");

    // An identity that is not qualified never carries its matricule out.
    let provisional = d.residents.iter().find(|r| r.identity.status != IdentityStatus::Qualified).unwrap();
    let text = f.store.export_fhir(provisional.id, FhirOptions::default()).unwrap();
    assert!(!text.contains("urn:oid:1.2.250.1.213.1.4."));
    if let Some(m) = &provisional.identity.matricule {
        assert!(!text.contains(m.as_str()));
    }
    validate(&text);
    // Exports are audited.
    assert!(f.store.audit_entries(10).unwrap().iter().any(|e| e.action == "export" && e.entity_id == provisional.id));
}
