//! The exports of hostile records: the DLU-FLUDT (XML for the emergency
//! department), the printed transfer sheet (HTML) and the FHIR bundle, fed
//! records that no validation has seen (the JSON of the domain types).
//! Never a panic; the XML is well-formed and holds no character XML 1.0
//! forbids; the sheet runs no script; the bundle serialises.
#![no_main]

use chevet_core::domain::{EmergencyTransfer, Establishment, Fact, MedicationLine, PlannedAct, Resident, Staff, Wound};
use chevet_core::export::{dlu, fhir};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use uuid::Uuid;

#[derive(Deserialize)]
struct Records {
    resident: Resident,
    establishment: Establishment,
    staff: Vec<Staff>,
    transfer: EmergencyTransfer,
    treatments: Vec<MedicationLine>,
    care_plan: Vec<PlannedAct>,
    wounds: Vec<Wound>,
    facts: Vec<Fact>,
}

fn xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn assert_well_formed(xml: &str) {
    if let Some(c) = xml.chars().find(|&c| !xml_char(c)) {
        panic!("the XML holds U+{:04X}, which XML 1.0 forbids", u32::from(c));
    }
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i32;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Text(t)) => {
                t.decode().expect("text decodes");
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the XML is not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
}

fuzz_target!(|data: &[u8]| {
    let Ok(r) = serde_json::from_slice::<Records>(data) else { return };
    if let Some(author) = r.staff.first() {
        let src = dlu::DluSource {
            transfer: &r.transfer,
            resident: &r.resident,
            establishment: &r.establishment,
            author,
            latest_vitals: &[],
            treatments: &r.treatments,
            document_id: Uuid::from_u128(1),
        };
        if let Ok(xml) = dlu::fludt(&src) {
            assert_well_formed(&xml);
        }
        if let Ok(sheet) = dlu::sheet(&src) {
            let html = dlu::sheet_html(&sheet).to_ascii_lowercase();
            assert!(!html.contains("<script") && !html.contains("javascript:"), "the sheet runs a script");
        }
    }
    let facts: Vec<(Fact, bool)> = r.facts.into_iter().map(|fact| (fact, false)).collect();
    let bundle = fhir::bundle(&fhir::FhirSource {
        resident: &r.resident,
        care_plan: &r.care_plan,
        wounds: &r.wounds,
        facts: &facts,
        establishment: &r.establishment,
        staff: &r.staff,
        photo_data: &|_| None,
        now: jiff::Timestamp::from_second(1_796_000_000).unwrap(),
    });
    serde_json::to_string(&bundle).expect("the bundle serialises");
});
