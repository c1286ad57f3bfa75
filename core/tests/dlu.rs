//! The emergency transfer sheet (DLU-FLUDT, CDA R2): well-formed, with the
//! volet's templateIds and codes, every 1..1 section present and filled,
//! built offline from the record; bad input refused with nothing stored.

mod common;

use chevet_core::domain::*;
use chevet_core::export::dlu::{DOCUMENT_CODE, TEMPLATE_DLU_FLUDT};
use chevet_core::{CoreError, Store};
use common::*;
use jiff::{Timestamp, ToSpan};
use roxmltree::{Document, Node};
use uuid::Uuid;

const REQUIRED_SECTIONS: [&str; 6] = [
    "1.3.6.1.4.1.19376.1.7.3.1.1.13.7",
    "1.3.6.1.4.1.19376.1.5.3.1.3.25",
    "1.3.6.1.4.1.19376.1.5.3.1.3.28",
    "1.3.6.1.4.1.19376.1.5.3.1.3.19",
    "1.3.6.1.4.1.19376.1.7.3.1.1.13.5",
    "1.2.250.1.213.1.1.2.53",
];
const COMMENT_SECTION: &str = "1.3.6.1.4.1.19376.1.4.1.2.16";
const JDV_PROTHESE_OBJET_PERSONNEL: [&str; 4] = ["Q021003", "P0102", "Y2145", "GEN-092.02.01"];

fn vitals_now(store: &Store, resident: Uuid, at: Timestamp) {
    let obs = |code, value| {
        Fact::Observation(Observation {
            id: Uuid::now_v7(),
            resident_id: resident,
            code,
            value,
            method: None,
            meta: RecordMeta::at(at),
        })
    };
    store
        .record_batch(vec![
            obs(VitalCode::HeartRate, ObservationValue::Quantity(112.0)),
            obs(VitalCode::Temperature, ObservationValue::Quantity(38.4)),
            obs(VitalCode::BloodPressure, ObservationValue::BloodPressure { systolic: 96.0, diastolic: 58.0 }),
            obs(VitalCode::Weight, ObservationValue::Quantity(61.5)),
        ])
        .unwrap();
}

fn transfer(resident: Uuid, at: Timestamp) -> EmergencyTransfer {
    EmergencyTransfer {
        id: Uuid::now_v7(),
        resident_id: resident,
        reason: "Chute avec douleur de hanche droite <rotation externe> & raccourcissement".into(),
        destination: Some("Urgences du CHU".into()),
        consciousness: Consciousness::Arousable,
        recent_pain: true,
        pain_score: Some(6),
        last_meal_at: at.checked_sub(2.hours()).unwrap(),
        items: vec![PersonalItem::DentalProsthesis, PersonalItem::Glasses, PersonalItem::Other("Canne".into())],
        comment: Some("Famille prévenue".into()),
        meta: RecordMeta::at(at),
    }
}

fn template_ids<'a>(n: Node<'a, 'a>) -> Vec<&'a str> {
    n.children().filter(|c| c.has_tag_name("templateId")).filter_map(|c| c.attribute("root")).collect()
}

fn child<'a>(n: Node<'a, 'a>, name: &str) -> Option<Node<'a, 'a>> {
    n.children().find(|c| c.has_tag_name(name))
}

#[test]
fn a_transfer_sheet_is_a_complete_dlu_fludt_document() {
    let (f, d) = seeded(3, 14);
    let resident = d.residents.iter().find(|r| r.identity.status == IdentityStatus::Qualified).unwrap().clone();
    let now = monday_10h();
    vitals_now(&f.store, resident.id, now.checked_sub(20.minutes()).unwrap());
    let t = transfer(resident.id, now);
    f.store.record(Fact::EmergencyTransfer(Box::new(t.clone()))).unwrap();

    let xml = f.store.export_dlu_fludt(t.id).unwrap();
    let doc = Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some("urn:hl7-org:v3"));
    assert_eq!(root.tag_name().name(), "ClinicalDocument");
    assert!(template_ids(root).contains(&TEMPLATE_DLU_FLUDT));
    let code = child(root, "code").unwrap();
    assert_eq!(
        (code.attribute("code"), code.attribute("codeSystem")),
        (Some(DOCUMENT_CODE), Some("2.16.840.1.113883.6.1"))
    );

    // Header: the qualified INS, birth date, the service event and its start.
    let patient_role = root.descendants().find(|n| n.has_tag_name("patientRole")).unwrap();
    let pid = child(patient_role, "id").unwrap();
    assert_eq!(pid.attribute("root"), Some(resident.identity.system.unwrap().oid()));
    assert_eq!(pid.attribute("extension"), Some(resident.identity.matricule.as_ref().unwrap().as_str()));
    assert!(
        root.descendants().any(|n| n.has_tag_name("birthTime") && n.attribute("value").is_some_and(|v| v.len() == 8))
    );
    let event = root.descendants().find(|n| n.has_tag_name("serviceEvent")).unwrap();
    assert_eq!(child(event, "code").unwrap().attribute("code"), Some("28651-8"));
    let low = event.descendants().find(|n| n.has_tag_name("low")).unwrap();
    assert!(low.attribute("value").is_some_and(|v| v.starts_with("20261123")));

    // Each 1..1 section exactly once, with a title and a non-empty narrative.
    let sections: Vec<Node> = root.descendants().filter(|n| n.has_tag_name("section")).collect();
    for required in REQUIRED_SECTIONS.iter().chain([&COMMENT_SECTION]) {
        let found: Vec<&Node> = sections.iter().filter(|s| template_ids(**s).contains(required)).collect();
        assert_eq!(found.len(), 1, "section {required}");
        let s = found[0];
        assert!(child(*s, "code").and_then(|c| c.attribute("code")).is_some(), "section {required} has a code");
        assert!(child(*s, "title").and_then(|t| t.text()).is_some_and(|t| !t.trim().is_empty()));
        let text: String = child(*s, "text").unwrap().descendants().filter_map(|n| n.text()).collect();
        assert!(!text.trim().is_empty(), "section {required} has a narrative");
    }
    let section = |root_id: &str| *sections.iter().find(|s| template_ids(**s).contains(&root_id)).unwrap();
    let codes = |s: Node| -> Vec<String> {
        s.descendants()
            .filter(|n| n.has_tag_name("code") && n.parent().is_some_and(|p| p.has_tag_name("observation")))
            .filter_map(|n| n.attribute("code").map(str::to_owned))
            .collect()
    };
    assert_eq!(codes(section(REQUIRED_SECTIONS[0])), ["57277-6"]);
    let reason = section(REQUIRED_SECTIONS[0]).descendants().find(|n| n.has_tag_name("value")).unwrap();
    assert_eq!(reason.text(), Some(t.reason.as_str()), "escaped and read back intact");
    let vitals = codes(section(REQUIRED_SECTIONS[1]));
    for loinc in ["8867-4", "8310-5", "29463-7", "8480-6", "8462-4"] {
        assert!(vitals.iter().any(|c| c == loinc), "vital {loinc}");
    }
    assert_eq!(codes(section(REQUIRED_SECTIONS[2])), ["DLU_003", "R52.9"]);
    let items = codes(section(REQUIRED_SECTIONS[5]));
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|c| JDV_PROTHESE_OBJET_PERSONNEL.contains(&c.as_str())));
    let treatments = section(REQUIRED_SECTIONS[3]);
    assert!(treatments.descendants().any(|n| n.has_tag_name("substanceAdministration")), "the demo has medications");

    // Nothing left empty: no blank attribute, no element without content or attributes.
    for n in root.descendants().filter(|n| n.is_element()) {
        for a in n.attributes() {
            assert!(!a.value().trim().is_empty(), "empty {} on {}", a.name(), n.tag_name().name());
        }
        let has_content = n.has_children() || n.attributes().len() > 0;
        assert!(has_content, "empty element {}", n.tag_name().name());
    }
    // Exports are audited.
    assert!(f.store.audit_entries(5).unwrap().iter().any(|e| e.action == "export" && e.entity_id == t.id));
}

#[test]
fn a_provisional_identity_leaves_without_its_matricule() {
    let (f, d) = seeded(3, 2);
    let resident = d.residents.iter().find(|r| r.identity.status != IdentityStatus::Qualified).unwrap().clone();
    let now = monday_10h();
    vitals_now(&f.store, resident.id, now);
    let t = transfer(resident.id, now);
    f.store.record(Fact::EmergencyTransfer(Box::new(t.clone()))).unwrap();
    let xml = f.store.export_dlu_fludt(t.id).unwrap();
    assert!(!xml.contains("1.2.250.1.213.1.4."));
    let doc = Document::parse(&xml).unwrap();
    let pid = doc.descendants().find(|n| n.has_tag_name("patientRole")).unwrap().first_element_child().unwrap();
    assert_eq!(pid.attribute("root"), Some(resident.id.to_string().as_str()));
}

#[test]
fn bad_transfer_sheets_and_missing_vitals_get_specific_errors() {
    let (f, d) = seeded(3, 2);
    let resident = d.residents[0].id;
    let now = monday_10h();
    let facts_before = count(&f.path(), "facts");
    let bad = [
        EmergencyTransfer { reason: " ".into(), ..transfer(resident, now) },
        EmergencyTransfer { pain_score: Some(11), ..transfer(resident, now) },
        EmergencyTransfer { recent_pain: false, ..transfer(resident, now) },
        EmergencyTransfer { last_meal_at: now.checked_add(1.hours()).unwrap(), ..transfer(resident, now) },
        EmergencyTransfer { items: vec![PersonalItem::Other("".into())], ..transfer(resident, now) },
    ];
    for t in bad {
        assert!(matches!(
            f.store.record(Fact::EmergencyTransfer(Box::new(t))),
            Err(CoreError::InvalidInput { field, .. }) if field.starts_with("transfer")
        ));
    }
    assert_eq!(count(&f.path(), "facts"), facts_before);

    // Three days later, without new vitals: the sheet cannot be built yet.
    f.clock.advance_secs(3 * 86_400);
    f.store.sign_in(d.nurse.id, chevet_core::demo::DEMO_PIN).unwrap();
    let later = f.store.now();
    let t = transfer(resident, later);
    f.store.record(Fact::EmergencyTransfer(Box::new(t.clone()))).unwrap();
    assert!(matches!(f.store.export_dlu_fludt(t.id), Err(CoreError::MissingData { .. })));
    vitals_now(&f.store, resident, later);
    assert!(f.store.export_dlu_fludt(t.id).is_ok());
    assert!(matches!(
        f.store.export_dlu_fludt(Uuid::now_v7()),
        Err(CoreError::NotFound { kind: "emergency_transfer", .. })
    ));
}

#[test]
fn the_sheet_shows_what_goes_and_names_the_vitals_still_to_take() {
    let (f, d) = seeded(3, 0);
    let resident = d.residents.iter().find(|r| r.identity.status == IdentityStatus::Qualified).unwrap().clone();
    let now = monday_10h();
    let t = transfer(resident.id, now);
    f.store.record(Fact::EmergencyTransfer(Box::new(t.clone()))).unwrap();

    // Without the vitals of the last 24 hours: the sheet, the page, no document.
    let docs = f.store.emergency_transfer_documents(t.id).unwrap();
    assert_eq!(docs.fludt, None);
    assert_eq!(
        docs.sheet.missing,
        [
            "Pouls (dernières 24 h)",
            "Température (dernières 24 h)",
            "Tension artérielle (dernières 24 h)",
            "Poids (derniers 3 mois)"
        ]
    );
    let titles: Vec<&str> = docs.sheet.sections.iter().map(|s| s.title).collect();
    assert_eq!(
        titles,
        ["Résident", "Transfert", "À savoir", "Constantes", "Traitements en cours", "Prothèses et objets personnels"]
    );
    let transfer_lines = &docs.sheet.sections[1].lines;
    assert!(transfer_lines.iter().any(|l| l.starts_with("Motif : Chute avec douleur de hanche droite")));
    let meal = transfer_lines.iter().find(|l| l.starts_with("Dernier repas : ")).unwrap();
    assert!(meal.contains(" à ") && !meal.contains('T'), "a local date and time: {meal}");
    assert!(
        docs.sheet.sections[0].lines.iter().any(|l| l.starts_with("INS-NIR")),
        "a qualified identity shows its INS"
    );
    assert!(docs.html.contains("À prendre avant le départ"));
    assert!(docs.html.contains("&lt;rotation externe&gt; &amp; raccourcissement"), "escaped");
    assert!(!docs.html.contains("<script") && !docs.html.contains("http"), "self-contained");

    // Taken: the document comes, and the sheet lists the measures.
    vitals_now(&f.store, resident.id, now.checked_sub(20.minutes()).unwrap());
    let docs = f.store.emergency_transfer_documents(t.id).unwrap();
    assert!(docs.sheet.missing.is_empty());
    assert!(docs.fludt.as_deref().is_some_and(|x| Document::parse(x).is_ok()));
    assert!(docs.sheet.sections[3].lines.iter().any(|l| l.starts_with("Pouls : 112")), "{:?}", docs.sheet.sections[3]);
}
