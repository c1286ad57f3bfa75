//! A resident's record as a FHIR R4 Bundle (type `collection`), aligned
//! with FR Core and the ANS guides, valid against the base R4 specification.
//!
//! | Chevet | FHIR R4 |
//! |---|---|
//! | resident | `Patient`: INS identifier (`urn:oid:1.2.250.1.213.1.4.8`…) only for a qualified identity; FR Core identity-reliability extension (status, collection method); official birth name with the full given-names list extension; birth place INSEE code (`district` of the `patient-birthPlace` address); personne de confiance as a contact |
//! | establishment | `Organization` with its FINESS (`urn:oid:1.2.250.1.71.4.2.2`) |
//! | staff | `Practitioner` (RPPS `urn:oid:1.2.250.1.71.4.2.1` when known) |
//! | observation | `Observation`, category vital-signs, LOINC code, UCUM quantity; blood pressure as the 85354-9 panel with 8480-6 / 8462-4 components; pain 72514-3 |
//! | act record | `Procedure` (done: completed, partly: stopped, not done / refused: not-done with the reason) |
//! | administration | `MedicationAdministration` (given: completed, else not-done with the reason) |
//! | transmission | `Communication`, its DAR parts as three payloads |
//! | wound | `Condition` (body site, NPIAP stage as `stage.summary`, active or resolved) |
//! | wound assessment | `Observation` (survey category) with length, width, depth, area and PUSH components, linked to the wound's Condition by `focus` |
//! | photo | `DocumentReference`, type LOINC 52040-3 (non-DICOM image), the display JPEG inline when asked, consent and scale marker in the description |
//! | visit stamp | `Observation` of the visit event (SSIAD télégestion) |
//! | scale (Braden, Norton, Algoplus, Doloplus, MNA-SF, AGGIR) | `Observation`, category survey, total as `valueInteger`, reading as `interpretation` |
//! | emergency transfer | `Communication` (the DLU-FLUDT CDA document is the reference form) |
//!
//! Entered-in-error facts are exported with status `entered-in-error`;
//! corrections themselves are not resources (the status carries them).

use jiff::Timestamp;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::vitals::{LOINC_DIASTOLIC, LOINC_SYSTOLIC};
use crate::*;

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const CONDITION_VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";
const URI_IDENTIFIER: &str = "urn:ietf:rfc:3986";
const OID_FINESS: &str = "urn:oid:1.2.250.1.71.4.2.2";
const OID_RPPS: &str = "urn:oid:1.2.250.1.71.4.2.1";
const FR_CORE: &str = "https://hl7.fr/ig/fhir/core";

/// LOINC: non-DICOM image (the DMP's type code for photos).
pub const LOINC_PHOTO: &str = "52040-3";

/// What the export carries beyond the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FhirOptions {
    /// Embed each photo's display JPEG (base64); otherwise only its metadata.
    pub include_photo_data: bool,
}

fn urn(id: Uuid) -> String {
    format!("urn:uuid:{id}")
}

fn reference(id: Uuid) -> Value {
    json!({ "reference": urn(id) })
}

fn entry(id: Uuid, mut resource: Value) -> Value {
    resource["text"] = narrative(&resource);
    json!({ "fullUrl": urn(id), "resource": resource })
}

/// A one-line French summary as the resource's generated narrative, so a
/// viewer that renders only narratives (as DMP viewers do) still shows it.
fn narrative(r: &Value) -> Value {
    let kind = match r["resourceType"].as_str().unwrap_or("") {
        "Patient" => "Résident",
        "Organization" => "Établissement",
        "Practitioner" => "Professionnel",
        "Observation" => "Observation",
        "Procedure" => "Soin",
        "MedicationAdministration" => "Administration",
        "Communication" => "Transmission",
        "Condition" => "Plaie",
        "DocumentReference" => "Photo",
        other => other,
    };
    let mut parts = vec![kind.to_owned()];
    let mut push = |v: &Value| {
        if let Some(s) = v.as_str().filter(|s| !s.is_empty()) {
            parts.push(s.to_owned());
        }
    };
    for path in [
        &["code", "text"][..],
        &["medicationCodeableConcept", "text"],
        &["topic", "text"],
        &["name"],
        &["description"],
        &["status"],
        &["effectiveDateTime"],
        &["performedDateTime"],
        &["sent"],
    ] {
        push(path.iter().fold(r, |v, k| &v[*k]));
    }
    if let (Some(v), Some(u)) = (r["valueQuantity"]["value"].as_f64(), r["valueQuantity"]["unit"].as_str()) {
        parts.push(format!("{v} {u}"));
    }
    let escaped = parts.join(" — ").replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    json!({ "status": "generated", "div": format!("<div xmlns=\"http://www.w3.org/1999/xhtml\">{escaped}</div>") })
}

fn time(t: Timestamp) -> String {
    // Seconds precision: FHIR instants allow fractions, readers like them short.
    jiff::Timestamp::from_second(t.as_second()).map_or_else(|_| t.to_string(), |s| s.to_string())
}

fn loinc(code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": LOINC, "code": code, "display": display }], "text": display })
}

fn text(s: &str) -> Value {
    json!({ "text": s })
}

fn quantity(value: f64, unit: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": UCUM, "code": unit })
}

fn not_done_reason(r: &NotDoneReason) -> String {
    match r {
        NotDoneReason::Other(s) => s.clone(),
        known => crate::words::capitalised(&crate::words::reason_fr(known)),
    }
}

/// The parts the Bundle is built from, read by the store.
pub struct FhirSource<'a> {
    pub resident: &'a Resident,
    /// The care plan's lines.
    pub care_plan: &'a [PlannedAct],
    pub wounds: &'a [Wound],
    /// The resident's facts, each with whether it was marked entered in error.
    pub facts: &'a [(Fact, bool)],
    pub establishment: &'a Establishment,
    pub staff: &'a [Staff],
    /// Display JPEGs by photo id, when asked for.
    pub photo_data: &'a dyn Fn(Uuid) -> Option<Vec<u8>>,
    pub now: Timestamp,
}

/// Builds the Bundle.
pub fn bundle(src: &FhirSource<'_>) -> Value {
    let r = src.resident;
    let patient = r.id;
    let mut entries = vec![entry(patient, patient_resource(r, src.establishment.id))];
    entries.push(entry(src.establishment.id, organization(src.establishment)));
    for s in src.staff {
        entries.push(entry(s.id, practitioner(s)));
    }
    let plan: std::collections::HashMap<Uuid, &PlannedAct> = src.care_plan.iter().map(|p| (p.id, p)).collect();
    for w in src.wounds {
        entries.push(entry(w.id, condition(w, patient)));
    }
    for (fact, entered_in_error) in src.facts {
        let voided = *entered_in_error;
        let resource = match fact {
            Fact::Observation(o) => Some(observation(o, voided)),
            Fact::Act(a) => Some(procedure(a, a.planned_act_id.and_then(|p| plan.get(&p).copied()), voided)),
            Fact::Administration(a) => Some(administration(a, plan.get(&a.planned_act_id).copied(), voided)),
            Fact::Transmission(t) => Some(communication(t, voided)),
            Fact::WoundAssessment(a) => Some(wound_assessment(a, voided)),
            Fact::Photo(p) => Some(document_reference(p, voided, (src.photo_data)(p.id))),
            Fact::VisitStamp(v) => Some(visit(v, voided)),
            Fact::EmergencyTransfer(t) => Some(transfer(t, voided)),
            Fact::ScaleAssessment(s) => Some(scale(s, voided)),
            Fact::Correction(_) => None,
        };
        if let Some(resource) = resource {
            entries.push(entry(fact.id(), resource));
        }
    }
    let id = Uuid::now_v7();
    json!({
        "resourceType": "Bundle",
        "id": id.to_string(),
        "meta": { "lastUpdated": time(src.now) },
        "identifier": { "system": URI_IDENTIFIER, "value": urn(id) },
        "type": "collection",
        "timestamp": time(src.now),
        "entry": entries,
    })
}

fn patient_resource(r: &Resident, organization: Uuid) -> Value {
    let id = &r.identity;
    let t = &id.traits;
    let mut identifiers = vec![json!({ "use": "usual", "system": URI_IDENTIFIER, "value": urn(r.id) })];
    // The matricule leaves the device only for a qualified identity.
    if let (Some((matricule, oid)), Some(system)) = (id.exportable_ins(), id.system) {
        let (type_code, usage) = match system {
            InsSystem::Nir => ("INS-NIR", "official"),
            InsSystem::Nia => ("INS-NIA", "temp"),
            InsSystem::NirTest => ("INS-NIR-TEST", "official"),
            InsSystem::NirDemo => ("INS-NIR-DEMO", "official"),
        };
        identifiers.push(json!({
            "use": usage,
            "type": { "coding": [{ "system": format!("{FR_CORE}/CodeSystem/fr-core-cs-v2-0203"), "code": type_code }] },
            "system": format!("urn:oid:{oid}"),
            "value": matricule.as_str(),
        }));
    }
    let gender = match t.sex {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Unknown => "unknown",
    };
    let mut names = vec![json!({
        "extension": [{
            "url": format!("{FR_CORE}/StructureDefinition/fr-core-patient-birth-list-given-name"),
            "valueString": t.birth_given_names,
        }],
        "use": "official",
        "family": t.birth_name,
        "given": [t.first_birth_given_name],
    })];
    if id.used_name.is_some() || id.used_given_name.is_some() {
        let mut used = json!({ "use": "usual" });
        if let Some(f) = &id.used_name {
            used["family"] = json!(f);
        }
        if let Some(g) = &id.used_given_name {
            used["given"] = json!([g]);
        }
        names.push(used);
    }
    let mut extensions = vec![json!({
        "url": format!("{FR_CORE}/StructureDefinition/fr-core-identity-reliability"),
        "extension": [
            { "url": "identityStatus", "valueCoding": {
                "system": format!("{FR_CORE}/CodeSystem/fr-core-cs-identity-status"), "code": id.status.code() } },
            { "url": "methodCollection", "valueCoding": {
                "system": format!("{FR_CORE}/CodeSystem/fr-core-cs-identity-method-collection"), "code": id.collection.code() } },
        ],
    })];
    if let Some(insee) = &t.birth_place_insee {
        extensions.push(json!({
            "url": "http://hl7.org/fhir/StructureDefinition/patient-birthPlace",
            "valueAddress": { "district": insee },
        }));
    }
    let mut p = json!({
        "resourceType": "Patient",
        "id": r.id.to_string(),
        "extension": extensions,
        "identifier": identifiers,
        "active": r.discharged_on.is_none(),
        "name": names,
        "gender": gender,
        "birthDate": t.birth_date.to_string(),
        "managingOrganization": reference(organization),
    });
    let mut contacts = Vec::new();
    if let Some(c) = &r.trusted_person {
        contacts.push(contact(c, "Personne de confiance"));
    }
    for c in &r.contacts {
        contacts.push(contact(c, &c.relationship));
    }
    if !contacts.is_empty() {
        p["contact"] = json!(contacts);
    }
    p
}

fn contact(c: &Contact, relationship: &str) -> Value {
    let mut v = json!({ "relationship": [text(relationship)], "name": { "text": c.name } });
    if let Some(phone) = &c.phone {
        v["telecom"] = json!([{ "system": "phone", "value": phone }]);
    }
    v
}

fn organization(e: &Establishment) -> Value {
    json!({
        "resourceType": "Organization",
        "id": e.id.to_string(),
        "identifier": [{ "system": OID_FINESS, "value": e.finess }],
        "name": e.name,
    })
}

fn practitioner(s: &Staff) -> Value {
    let mut identifiers = vec![json!({ "system": URI_IDENTIFIER, "value": urn(s.id) })];
    if let Some(rpps) = &s.rpps {
        identifiers.push(json!({ "system": OID_RPPS, "value": rpps }));
    }
    json!({
        "resourceType": "Practitioner",
        "id": s.id.to_string(),
        "identifier": identifiers,
        "name": [{ "text": s.display_name }],
    })
}

fn status(voided: bool, normal: &'static str) -> &'static str {
    if voided { "entered-in-error" } else { normal }
}

fn observation(o: &Observation, voided: bool) -> Value {
    let spec = o.code.spec();
    let mut v = json!({
        "resourceType": "Observation",
        "id": o.id.to_string(),
        "status": status(voided, "final"),
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs" }] }],
        "code": loinc(spec.loinc, spec.label_fr),
        "subject": reference(o.resident_id),
        "effectiveDateTime": time(o.meta.clinical_time),
        "issued": time(o.meta.recorded_at),
        "performer": [reference(o.meta.author)],
    });
    match o.value {
        ObservationValue::Quantity(q) => v["valueQuantity"] = quantity(q, spec.ucum),
        ObservationValue::Consciousness(level) => v["valueCodeableConcept"] = text(level.label_fr()),
        ObservationValue::BloodPressure { systolic, diastolic } => {
            v["component"] = json!([
                { "code": loinc(LOINC_SYSTOLIC, "Pression artérielle systolique"), "valueQuantity": quantity(systolic, "mm[Hg]") },
                { "code": loinc(LOINC_DIASTOLIC, "Pression artérielle diastolique"), "valueQuantity": quantity(diastolic, "mm[Hg]") },
            ]);
        }
    }
    if let Some(m) = &o.method {
        v["method"] = text(m);
    }
    v
}

fn procedure(a: &ActRecord, planned: Option<&PlannedAct>, voided: bool) -> Value {
    let (state, reason) = match &a.outcome {
        ActOutcome::Done => ("completed", None),
        ActOutcome::PartlyDone => ("stopped", Some("Fait en partie".to_owned())),
        ActOutcome::NotDone(r) => ("not-done", Some(not_done_reason(r))),
        ActOutcome::Refused => ("not-done", Some("Refusé par le résident".to_owned())),
    };
    let label = planned.map_or("Soin", |p| p.label.as_str());
    let mut v = json!({
        "resourceType": "Procedure",
        "id": a.id.to_string(),
        "status": status(voided, state),
        "code": text(label),
        "subject": reference(a.resident_id),
        "performedDateTime": time(a.meta.clinical_time),
        "recorder": reference(a.meta.author),
        "performer": [{ "actor": reference(a.meta.author) }],
    });
    if let Some(r) = reason {
        v["statusReason"] = text(&r);
    }
    if let Some(c) = &a.comment {
        v["note"] = json!([{ "text": c }]);
    }
    v
}

/// A scanned box in words: its CIP13 (or GTIN), lot and expiry, not the raw
/// element string with its group separators.
fn scanned_box_words(code: &str, at: jiff::Timestamp) -> String {
    use crate::gs1::{MedicineBox, as_gtin14};
    let day = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let parsed = as_gtin14(code)
        .map(|gtin| MedicineBox { gtin, lot: None, expiry: None, serial: None })
        .or_else(|| MedicineBox::parse(code, day).ok());
    let Some(b) = parsed else { return code.replace(crate::gs1::GS, " ") };
    let mut words = match b.cip13() {
        Some(cip) => format!("CIP {cip}"),
        None => format!("GTIN {}", b.gtin),
    };
    if let Some(lot) = &b.lot {
        words.push_str(&format!(", lot {lot}"));
    }
    if let Some(expiry) = b.expiry {
        words.push_str(&format!(", péremption {expiry}"));
    }
    words
}

fn administration(a: &MedicationAdministration, planned: Option<&PlannedAct>, voided: bool) -> Value {
    let (state, reason) = match &a.outcome {
        AdministrationOutcome::Given => ("completed", None),
        AdministrationOutcome::Refused => ("not-done", Some("Refusé par le résident".to_owned())),
        AdministrationOutcome::SpatOut => ("not-done", Some("Recraché".to_owned())),
        AdministrationOutcome::NotGiven(r) => ("not-done", Some(not_done_reason(r))),
    };
    let line = planned.and_then(|p| p.medication.as_ref());
    let drug = line.map_or("Médicament", |m| m.drug.as_str());
    let medication = match &a.scanned_barcode {
        Some(code) => text(&format!("{drug} (boîte scannée : {})", scanned_box_words(code, a.meta.clinical_time))),
        None => text(drug),
    };
    let mut v = json!({
        "resourceType": "MedicationAdministration",
        "id": a.id.to_string(),
        "status": status(voided, state),
        "medicationCodeableConcept": medication,
        "subject": reference(a.resident_id),
        "effectiveDateTime": time(a.meta.clinical_time),
        "performer": [{ "actor": reference(a.meta.author) }],
    });
    if let Some(r) = reason {
        v["statusReason"] = json!([text(&r)]);
    }
    let mut notes = Vec::new();
    if let Some(m) = line {
        // FHIR wants a dose quantity (mad-1); the prescription line's dose is
        // free text ("1 g", "2 cp", "selon glycémie"), kept as a note when
        // it is not "<number> <unit>".
        match dose_quantity(&m.dose) {
            Some((value, unit)) => {
                v["dosage"] =
                    json!({ "text": m.dose, "route": text(&m.route), "dose": { "value": value, "unit": unit } });
            }
            None => notes.push(json!({ "text": format!("Posologie : {} ({})", m.dose, m.route) })),
        }
    }
    if let Some(c) = &a.comment {
        notes.push(json!({ "text": c }));
    }
    if !notes.is_empty() {
        v["note"] = json!(notes);
    }
    v
}

/// "1 g", "2,5 mg", "2 cp" → (value, unit).
fn dose_quantity(dose: &str) -> Option<(f64, String)> {
    let mut parts = dose.trim().splitn(2, char::is_whitespace);
    let value: f64 = parts.next()?.replace(',', ".").parse().ok()?;
    let unit = parts.next()?.trim();
    (value.is_finite() && value > 0.0 && !unit.is_empty()).then(|| (value, unit.to_owned()))
}

fn communication(t: &Transmission, voided: bool) -> Value {
    let payload = [("Données", &t.data), ("Actions", &t.actions), ("Résultats", &t.results)]
        .into_iter()
        .filter(|(_, s)| !s.trim().is_empty())
        .map(|(label, s)| format!("{label} : {s}"))
        .collect();
    communication_resource(t.id, voided, "Transmission ciblée", &t.target, t.resident_id, &t.meta, payload)
}

/// A completed Communication about the resident, one payload per line.
fn communication_resource(
    id: Uuid,
    voided: bool,
    category: &str,
    topic: &str,
    resident: Uuid,
    meta: &RecordMeta,
    lines: Vec<String>,
) -> Value {
    json!({
        "resourceType": "Communication",
        "id": id.to_string(),
        "status": status(voided, "completed"),
        "category": [text(category)],
        "topic": text(topic),
        "subject": reference(resident),
        "sent": time(meta.clinical_time),
        "sender": reference(meta.author),
        "payload": lines.iter().map(|l| json!({ "contentString": l })).collect::<Vec<_>>(),
    })
}

fn npiap(stage: NpiapStage) -> &'static str {
    match stage {
        NpiapStage::Stage1 => "Stade 1",
        NpiapStage::Stage2 => "Stade 2",
        NpiapStage::Stage3 => "Stade 3",
        NpiapStage::Stage4 => "Stade 4",
        NpiapStage::Unstageable => "Inclassable",
        NpiapStage::DeepTissue => "Lésion des tissus profonds",
    }
}

fn wound_kind(k: WoundKind) -> &'static str {
    match k {
        WoundKind::PressureInjury => "Escarre",
        WoundKind::LegUlcer => "Ulcère de jambe",
        WoundKind::DiabeticFoot => "Plaie du pied diabétique",
        WoundKind::Surgical => "Plaie chirurgicale",
        WoundKind::SkinTear => "Déchirure cutanée",
        WoundKind::Other => "Plaie",
    }
}

fn condition(w: &Wound, patient: Uuid) -> Value {
    let clinical = if w.healed_on.is_some() { "resolved" } else { "active" };
    let mut v = json!({
        "resourceType": "Condition",
        "id": w.id.to_string(),
        "clinicalStatus": { "coding": [{ "system": CONDITION_CLINICAL, "code": clinical }] },
        "verificationStatus": { "coding": [{ "system": CONDITION_VERIFICATION, "code": "confirmed" }] },
        "category": [{ "coding": [{ "system": CONDITION_CATEGORY, "code": "problem-list-item" }] }],
        "code": text(wound_kind(w.kind)),
        "bodySite": [text(&w.site)],
        "subject": reference(patient),
        "onsetDateTime": w.opened_on.to_string(),
    });
    if let Some(h) = w.healed_on {
        v["abatementDateTime"] = json!(h.to_string());
    }
    if let Some(s) = w.stage {
        v["stage"] = json!([{ "summary": text(npiap(s)) }]);
    }
    v
}

fn wound_assessment(a: &WoundAssessment, voided: bool) -> Value {
    // Text codes: the LOINC wound-measurement codes are not confirmed here.
    let cm = |label: &str, v: f64| json!({ "code": text(label), "valueQuantity": quantity(v, "cm") });
    let mut components = vec![cm("Longueur", a.length_cm), cm("Largeur", a.width_cm)];
    if let Some(d) = a.depth_cm {
        components.push(cm("Profondeur", d));
    }
    let area = (a.length_cm * a.width_cm * 100.0).round() / 100.0;
    components.push(json!({ "code": text("Surface (longueur × largeur)"), "valueQuantity": quantity(area, "cm2") }));
    if let Ok(push) = crate::clinical::push::score(a) {
        components.push(json!({ "code": text("Score PUSH 3.0"), "valueInteger": push.total }));
    }
    let mut v = json!({
        "resourceType": "Observation",
        "id": a.id.to_string(),
        "status": status(voided, "final"),
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam" }] }],
        "code": text("Évaluation de plaie"),
        "subject": reference(a.resident_id),
        "focus": [reference(a.wound_id)],
        "effectiveDateTime": time(a.meta.clinical_time),
        "performer": [reference(a.meta.author)],
        "component": components,
    });
    if let Some(c) = &a.comment {
        v["note"] = json!([{ "text": c }]);
    }
    v
}

fn document_reference(p: &Photo, voided: bool, data: Option<Vec<u8>>) -> Value {
    use base64::Engine;
    let consent = match p.consent {
        PhotoConsent::Resident => "consentement du résident",
        PhotoConsent::Representative => "consentement du représentant",
    };
    let scale = if p.scale_marker { ", réglette dans le cadre" } else { "" };
    let mut attachment = json!({
        "contentType": "image/jpeg",
        "title": format!("Photo de plaie, {}", p.body_site),
        "creation": time(p.meta.clinical_time),
    });
    if let Some(jpeg) = data {
        use sha1::Digest;
        attachment["size"] = json!(jpeg.len());
        attachment["hash"] = json!(base64::engine::general_purpose::STANDARD.encode(sha1::Sha1::digest(&jpeg)));
        attachment["data"] = json!(base64::engine::general_purpose::STANDARD.encode(&jpeg));
    } else {
        attachment["url"] = json!(urn(p.id));
    }
    json!({
        "resourceType": "DocumentReference",
        "id": p.id.to_string(),
        "status": status(voided, "current"),
        "type": loinc(LOINC_PHOTO, "Image non DICOM"),
        "subject": reference(p.resident_id),
        "date": time(p.meta.recorded_at),
        "author": [reference(p.meta.author)],
        "description": format!("{} ({consent}{scale})", p.body_site),
        "content": [{ "attachment": attachment }],
        "context": { "related": [reference(p.wound_id)] },
    })
}

fn scale(s: &ScaleAssessment, voided: bool) -> Value {
    let mut v = json!({
        "resourceType": "Observation",
        "id": s.id.to_string(),
        "status": status(voided, "final"),
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey" }] }],
        "code": text(s.answers.name()),
        "subject": reference(s.resident_id),
        "effectiveDateTime": time(s.meta.clinical_time),
        "performer": [reference(s.meta.author)],
    });
    if let Ok(r) = s.answers.evaluate(14) {
        v["valueInteger"] = json!(r.total);
        v["interpretation"] = json!([text(&r.summary_fr)]);
    }
    v
}

fn transfer(t: &EmergencyTransfer, voided: bool) -> Value {
    let lines = super::dlu::transfer_summary(t);
    let category = "Fiche de liaison d'urgence (transfert aux urgences)";
    communication_resource(t.id, voided, category, &t.reason, t.resident_id, &t.meta, lines)
}

fn visit(v: &VisitStamp, voided: bool) -> Value {
    let event = match v.event {
        VisitEvent::Start => "Début de visite",
        VisitEvent::Stop => "Fin de visite",
    };
    let method = match v.method {
        StampMethod::Manual => "manuel",
        StampMethod::QrCode => "QR code",
        StampMethod::Nfc => "NFC",
    };
    json!({
        "resourceType": "Observation",
        "id": v.id.to_string(),
        "status": status(voided, "final"),
        "code": text(event),
        "subject": reference(v.resident_id),
        "effectiveDateTime": time(v.meta.clinical_time),
        "performer": [reference(v.meta.author)],
        "valueString": format!("Horodatage {method}"),
    })
}

#[cfg(test)]
mod tests {
    use super::scanned_box_words;

    #[test]
    fn a_scanned_box_is_said_in_words_without_its_separators() {
        let at = jiff::Timestamp::from_second(1_796_000_000).unwrap(); // 2026-11
        assert_eq!(
            scanned_box_words("010340093595583817271130\u{1d}10AB12C\u{1d}21SN1", at),
            "CIP 3400935955838, lot AB12C, péremption 2027-11-30"
        );
        assert_eq!(scanned_box_words("3400935955838", at), "CIP 3400935955838");
        assert_eq!(scanned_box_words("04006381333931", at), "GTIN 04006381333931");
        assert_eq!(scanned_box_words("ABC\u{1d}DEF", at), "ABC DEF");
    }
}
