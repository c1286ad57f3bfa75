//! The DLU-FLUDT document (fiche de liaison d'urgence, transfer from the
//! EHPAD to the emergency department) in the CI-SIS CDA R2 structure.
//!
//! Built offline on the tablet from one [`EmergencyTransfer`], the
//! resident's latest vitals, current treatments and profile. What the
//! CI-SIS DLU-FLUDT schematrons (2021.01 and EHPAD 2022.01) require:
//!
//! | part | templateId | code |
//! |---|---|---|
//! | document | 1.2.250.1.213.1.1.1.23 (with CI-SIS 1.2.250.1.213.1.1.1.1) | LOINC 74207-2 (2022.01; 34133-9 in 2021.01) |
//! | service event | — | LOINC 28651-8, start date mandatory |
//! | Résultats d'évènements (1..1) | 1.3.6.1.4.1.19376.1.7.3.1.1.13.7 | 42545-4; entry FR-Simple-observation 57277-6 (motif du transfert) |
//! | Signes vitaux (1..1) | 1.3.6.1.4.1.19376.1.5.3.1.3.25 | 8716-3; pulse 8867-4, temperature 8310-5, weight 29463-7, BP 8480-6 / 8462-4 |
//! | Résultats d'examens (1..1) | 1.3.6.1.4.1.19376.1.5.3.1.3.28 | 30954-2; consciousness DLU_002 / 003 / 004, recent pain R52.9 (CIM-10) |
//! | Traitements (1..1) | 1.3.6.1.4.1.19376.1.5.3.1.3.19 | 10160-0 |
//! | Sommeil et alimentation (1..1) | 1.3.6.1.4.1.19376.1.7.3.1.1.13.5 | 47420-5; date and time of the last meal |
//! | Prothèses et objets personnels (1..1) | 1.2.250.1.213.1.1.2.53 | 46264-8; JDV_ProtheseObjetPersonnel codes |
//! | Commentaire non codé (0..1) | 1.3.6.1.4.1.19376.1.4.1.2.16 | 48767-8; personne de confiance, directives anticipées, allergies, comment |
//!
//! Every section carries a narrative `text` (what a printout or a DMP
//! viewer shows) and coded entries where the volet names the codes.
//! Assumed, not confirmed by a source here: the code system of DLU_002–004
//! (the ASIP terminology 1.2.250.1.213.1.1.4.322, as for the "other
//! object" code of the same volet).

use std::fmt::Write as _;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use uuid::Uuid;

use crate::clinical::alerts::LatestVital;
use crate::error::{DomainError, Result};
use crate::*;

pub const TEMPLATE_DLU_FLUDT: &str = "1.2.250.1.213.1.1.1.23";
pub const DOCUMENT_CODE: &str = "74207-2";
const LOINC: &str = "2.16.840.1.113883.6.1";
const CIM10: &str = "2.16.840.1.113883.6.3";
const TERMINOLOGY_ASIP: &str = "1.2.250.1.213.1.1.4.322";
const JDV_DEVICES: &str = "1.2.250.1.213.2.68";
const OID_RPPS: &str = "1.2.250.1.71.4.2.1";
const OID_FINESS: &str = "1.2.250.1.71.4.2.2";
const SIMPLE_OBSERVATION: [&str; 2] = ["2.16.840.1.113883.10.20.1.31", "1.3.6.1.4.1.19376.1.5.3.1.4.13"];

/// Vital signs older than this before the transfer are not "at transfer".
pub const VITALS_MAX_AGE_HOURS: i64 = 24;
/// The latest weighing may be older.
pub const WEIGHT_MAX_AGE_DAYS: i64 = 90;

/// Everything the document is built from.
pub struct DluSource<'a> {
    pub transfer: &'a EmergencyTransfer,
    pub resident: &'a Resident,
    pub establishment: &'a Establishment,
    pub author: &'a Staff,
    pub latest_vitals: &'a [LatestVital],
    /// Active medication lines.
    pub treatments: &'a [MedicationLine],
    pub document_id: Uuid,
}

/// Lines for a plain summary (FHIR payload, print header).
pub fn transfer_summary(t: &EmergencyTransfer) -> Vec<String> {
    let mut lines = vec![format!("Motif du transfert : {}", t.reason)];
    if let Some(d) = &t.destination {
        lines.push(format!("Destination : {d}"));
    }
    lines.push(format!("État de conscience : {}", consciousness(t.consciousness).1));
    lines.push(pain_text(t));
    lines.push(format!("Dernier repas : {}", t.last_meal_at));
    let items: Vec<String> = t.items.iter().map(|i| item(i).2).collect();
    lines.push(format!(
        "Prothèses et objets personnels : {}",
        if items.is_empty() { "aucun".into() } else { items.join(", ") }
    ));
    if let Some(c) = &t.comment {
        lines.push(format!("Commentaire : {c}"));
    }
    lines
}

fn consciousness(c: Consciousness) -> (&'static str, &'static str) {
    match c {
        Consciousness::AwakeAndAlert => ("DLU_002", "Patient conscient et éveillé"),
        Consciousness::Arousable => ("DLU_003", "Patient éveillable"),
        Consciousness::NotArousable => ("DLU_004", "Patient non éveillable"),
    }
}

fn pain_text(t: &EmergencyTransfer) -> String {
    match (t.recent_pain, t.pain_score) {
        (true, Some(s)) => format!("Douleurs récentes : oui (EN {s}/10)"),
        (true, None) => "Douleurs récentes : oui".into(),
        (false, _) => "Douleurs récentes : non".into(),
    }
}

/// (code, code system, label) from JDV_ProtheseObjetPersonnel.
fn item(i: &PersonalItem) -> (&'static str, &'static str, String) {
    match i {
        PersonalItem::Glasses => ("Q021003", JDV_DEVICES, "Lunettes".into()),
        PersonalItem::DentalProsthesis => ("P0102", JDV_DEVICES, "Prothèses dentaires".into()),
        PersonalItem::HearingAid => ("Y2145", JDV_DEVICES, "Appareils auditifs".into()),
        PersonalItem::Other(s) => ("GEN-092.02.01", TERMINOLOGY_ASIP, s.clone()),
    }
}

/// XML text and attribute escaping.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not XML.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// HL7 TS in Paris local time with its offset: 20261123101500+0100.
fn ts(t: Timestamp, tz: &TimeZone) -> String {
    let z = t.to_zoned_datetime(tz.clone());
    let offset = z.offset().seconds();
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.abs() / 3600, offset.abs() % 3600 / 60);
    format!("{}{sign}{h:02}{m:02}", z.strftime("%Y%m%d%H%M%S"))
}

fn local(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone()).strftime("%d/%m/%Y à %H:%M").to_string()
}

struct Vitals {
    pulse: (f64, Timestamp),
    temperature: (f64, Timestamp),
    weight: (f64, Timestamp),
    systolic: f64,
    diastolic: f64,
    bp_at: Timestamp,
}

fn vitals(src: &DluSource<'_>) -> Result<Vitals> {
    let at = src.transfer.meta.clinical_time;
    let recent = |code: VitalCode, max_secs: i64| {
        src.latest_vitals
            .iter()
            .find(|v| v.code == code && v.at <= at && at.as_second() - v.at.as_second() <= max_secs)
            .map(|v| (v.value, v.at))
    };
    let day = VITALS_MAX_AGE_HOURS * 3600;
    let quantity = |code, max| match recent(code, max) {
        Some((ObservationValue::Quantity(q), t)) => Ok((q, t)),
        _ => Err(DomainError::MissingData {
            what: "pulse, temperature and blood pressure of the last 24 h, and a weight",
        }),
    };
    let (systolic, diastolic, bp_at) = match recent(VitalCode::BloodPressure, day) {
        Some((ObservationValue::BloodPressure { systolic, diastolic }, t)) => (systolic, diastolic, t),
        _ => {
            return Err(DomainError::MissingData {
                what: "pulse, temperature and blood pressure of the last 24 h, and a weight",
            });
        }
    };
    Ok(Vitals {
        pulse: quantity(VitalCode::HeartRate, day)?,
        temperature: quantity(VitalCode::Temperature, day)?,
        weight: quantity(VitalCode::Weight, WEIGHT_MAX_AGE_DAYS * 86_400)?,
        systolic,
        diastolic,
        bp_at,
    })
}

fn section_open(x: &mut String, template_ids: &[&str], code: &str, display: &str, title: &str, text: &str) {
    x.push_str("<component><section>");
    for t in template_ids {
        let _ = write!(x, "<templateId root=\"{t}\"/>");
    }
    let _ = write!(
        x,
        "<id root=\"{}\"/><code code=\"{code}\" codeSystem=\"{LOINC}\" codeSystemName=\"LOINC\" displayName=\"{}\"/><title>{}</title><text>{text}</text>",
        Uuid::now_v7(),
        esc(display),
        esc(title)
    );
}

fn section_close(x: &mut String) {
    x.push_str("</section></component>");
}

/// A FR-Simple-observation entry with a coded `code`.
fn simple_observation(x: &mut String, code: &str, system: &str, display: &str, time: &str, value: &str) {
    let code = format!("<code code=\"{code}\" codeSystem=\"{system}\" displayName=\"{}\"/>", esc(display));
    observation_entry(x, &code, time, value);
}

fn observation_entry(x: &mut String, code: &str, time: &str, value: &str) {
    x.push_str("<entry><observation classCode=\"OBS\" moodCode=\"EVN\">");
    for t in SIMPLE_OBSERVATION {
        let _ = write!(x, "<templateId root=\"{t}\"/>");
    }
    let _ = write!(
        x,
        "<id root=\"{}\"/>{code}<statusCode code=\"completed\"/><effectiveTime value=\"{time}\"/>{value}</observation></entry>",
        Uuid::now_v7()
    );
}

fn vital_observation(x: &mut String, code: &str, display: &str, time: &str, value: f64, unit: &str) {
    let _ = write!(
        x,
        "<component><observation classCode=\"OBS\" moodCode=\"EVN\"><templateId root=\"2.16.840.1.113883.10.20.1.31\"/><templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.4.13\"/><templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.4.13.2\"/><id root=\"{}\"/><code code=\"{code}\" codeSystem=\"{LOINC}\" codeSystemName=\"LOINC\" displayName=\"{}\"/><statusCode code=\"completed\"/><effectiveTime value=\"{time}\"/><value xsi:type=\"PQ\" value=\"{value}\" unit=\"{}\"/></observation></component>",
        Uuid::now_v7(),
        esc(display),
        esc(unit)
    );
}

/// Builds the document (UTF-8 XML text).
pub fn fludt(src: &DluSource<'_>) -> Result<String> {
    let t = src.transfer;
    t.validate()?;
    let tz = TimeZone::get(&src.establishment.time_zone)
        .map_err(|_| DomainError::invalid("establishment.time_zone", "unknown IANA time zone"))?;
    let v = vitals(src)?;
    let r = src.resident;
    let id = &r.identity;
    let now = ts(t.meta.recorded_at, &tz);
    let when = ts(t.meta.clinical_time, &tz);

    let mut x = String::with_capacity(16 * 1024);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">");
    x.push_str("<realmCode code=\"FR\"/><typeId root=\"2.16.840.1.113883.1.3\" extension=\"POCD_HD000040\"/>");
    x.push_str("<templateId root=\"2.16.840.1.113883.2.8.2.1\"/><templateId root=\"1.2.250.1.213.1.1.1.1\"/>");
    let _ = write!(x, "<templateId root=\"{TEMPLATE_DLU_FLUDT}\"/>");
    let _ = write!(
        x,
        "<id root=\"{}\"/><code code=\"{DOCUMENT_CODE}\" codeSystem=\"{LOINC}\" codeSystemName=\"LOINC\" displayName=\"Dossier de liaison d'urgence\"/>",
        src.document_id
    );
    x.push_str("<title>Fiche de liaison d'urgence : transfert de l'EHPAD vers le service des urgences</title>");
    let _ = write!(
        x,
        "<effectiveTime value=\"{now}\"/><confidentialityCode code=\"N\" codeSystem=\"2.16.840.1.113883.5.25\"/><languageCode code=\"fr-FR\"/><setId root=\"{}\"/><versionNumber value=\"1\"/>",
        src.document_id
    );

    // recordTarget: the INS only for a qualified identity, else the local id.
    x.push_str("<recordTarget><patientRole>");
    match id.exportable_ins() {
        Some((m, oid)) => {
            let _ = write!(x, "<id root=\"{oid}\" extension=\"{}\"/>", esc(m.as_str()));
        }
        None => {
            let _ = write!(x, "<id root=\"{}\"/>", r.id);
        }
    }
    let gender = match id.traits.sex {
        Sex::Female => "F",
        Sex::Male => "M",
        Sex::Unknown => "UN",
    };
    let _ = write!(
        x,
        "<patient><name><given>{}</given><family qualifier=\"BR\">{}</family>{}</name><administrativeGenderCode code=\"{gender}\" codeSystem=\"2.16.840.1.113883.5.1\"/><birthTime value=\"{}\"/></patient></patientRole></recordTarget>",
        esc(&id.traits.first_birth_given_name),
        esc(&id.traits.birth_name),
        id.used_name.as_ref().map(|u| format!("<family qualifier=\"SP\">{}</family>", esc(u))).unwrap_or_default(),
        id.traits.birth_date.strftime("%Y%m%d")
    );

    // author: the professional who filled the sheet, for the establishment.
    let finess = format!("1{}", src.establishment.finess);
    let author_id = match &src.author.rpps {
        Some(rpps) => format!("<id root=\"{OID_RPPS}\" extension=\"8{}\"/>", esc(rpps)),
        None => format!("<id root=\"{}\"/>", src.author.id),
    };
    let organization = format!(
        "<id root=\"{OID_FINESS}\" extension=\"{}\"/><name>{}</name>",
        esc(&finess),
        esc(&src.establishment.name)
    );
    let _ = write!(
        x,
        "<author><time value=\"{now}\"/><assignedAuthor>{author_id}<assignedPerson><name><family>{}</family></name></assignedPerson><representedOrganization>{organization}</representedOrganization></assignedAuthor></author>",
        esc(&src.author.display_name)
    );
    let _ = write!(
        x,
        "<custodian><assignedCustodian><representedCustodianOrganization>{organization}</representedCustodianOrganization></assignedCustodian></custodian>"
    );
    let _ = write!(
        x,
        "<documentationOf><serviceEvent><code code=\"28651-8\" codeSystem=\"{LOINC}\" codeSystemName=\"LOINC\" displayName=\"Transfert\"/><effectiveTime><low value=\"{when}\"/></effectiveTime></serviceEvent></documentationOf>"
    );
    x.push_str("<component><structuredBody>");

    // 1. Résultats d'évènements: the transfer and its reason.
    let destination = t.destination.as_ref().map(|d| format!(" vers {}", esc(d))).unwrap_or_default();
    let text = format!(
        "<paragraph>Transfert le {}{destination}. Motif : {}</paragraph>",
        esc(&local(t.meta.clinical_time, &tz)),
        esc(&t.reason)
    );
    section_open(
        &mut x,
        &["1.3.6.1.4.1.19376.1.7.3.1.1.13.7", "1.3.6.1.4.1.19376.1.5.3.1.1.21.2.9"],
        "42545-4",
        "Evènements observés",
        "Transfert du patient de l'EHPAD vers le service des urgences",
        &text,
    );
    simple_observation(
        &mut x,
        "57277-6",
        LOINC,
        "Motif du transfert",
        &when,
        &format!("<value xsi:type=\"ST\">{}</value>", esc(&t.reason)),
    );
    section_close(&mut x);

    // 2. Signes vitaux.
    let text = format!(
        "<list><item>Pouls : {} /min ({})</item><item>Température : {} °C ({})</item><item>Poids : {} kg ({})</item><item>Tension artérielle : {}/{} mmHg ({})</item></list>",
        v.pulse.0,
        esc(&local(v.pulse.1, &tz)),
        v.temperature.0,
        esc(&local(v.temperature.1, &tz)),
        v.weight.0,
        esc(&local(v.weight.1, &tz)),
        v.systolic,
        v.diastolic,
        esc(&local(v.bp_at, &tz))
    );
    section_open(
        &mut x,
        &["2.16.840.1.113883.10.20.1.16", "1.3.6.1.4.1.19376.1.5.3.1.3.25", "1.3.6.1.4.1.19376.1.5.3.1.1.5.3.2"],
        "8716-3",
        "Signes vitaux",
        "Signes vitaux",
        &text,
    );
    let _ = write!(
        x,
        "<entry><organizer classCode=\"CLUSTER\" moodCode=\"EVN\"><templateId root=\"2.16.840.1.113883.10.20.1.32\"/><templateId root=\"2.16.840.1.113883.10.20.1.35\"/><templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.4.13.1\"/><id root=\"{}\"/><code code=\"46680005\" codeSystem=\"2.16.840.1.113883.6.96\" displayName=\"Signes vitaux\"/><statusCode code=\"completed\"/><effectiveTime value=\"{when}\"/>",
        Uuid::now_v7()
    );
    vital_observation(&mut x, "8867-4", "Fréquence cardiaque", &ts(v.pulse.1, &tz), v.pulse.0, "/min");
    vital_observation(&mut x, "8310-5", "Température corporelle", &ts(v.temperature.1, &tz), v.temperature.0, "Cel");
    vital_observation(&mut x, "29463-7", "Poids", &ts(v.weight.1, &tz), v.weight.0, "kg");
    vital_observation(&mut x, "8480-6", "Pression artérielle systolique", &ts(v.bp_at, &tz), v.systolic, "mm[Hg]");
    vital_observation(&mut x, "8462-4", "Pression artérielle diastolique", &ts(v.bp_at, &tz), v.diastolic, "mm[Hg]");
    x.push_str("</organizer></entry>");
    section_close(&mut x);

    // 3. Résultats d'examens: consciousness and recent pain.
    let (c_code, c_label) = consciousness(t.consciousness);
    let text = format!("<paragraph>{}</paragraph><paragraph>{}</paragraph>", esc(c_label), esc(&pain_text(t)));
    section_open(
        &mut x,
        &["1.3.6.1.4.1.19376.1.5.3.1.3.28"],
        "30954-2",
        "Résultats d'examens",
        "État de conscience et douleurs récentes",
        &text,
    );
    simple_observation(&mut x, c_code, TERMINOLOGY_ASIP, c_label, &when, "<value xsi:type=\"BL\" value=\"true\"/>");
    simple_observation(
        &mut x,
        "R52.9",
        CIM10,
        "Douleur, sans précision",
        &when,
        &format!("<value xsi:type=\"BL\" value=\"{}\"/>", t.recent_pain),
    );
    section_close(&mut x);

    // 4. Traitements.
    let text = if src.treatments.is_empty() {
        "<paragraph>Aucun traitement en cours.</paragraph>".to_owned()
    } else {
        let items: String = src
            .treatments
            .iter()
            .map(|m| format!("<item>{} : {}, {}</item>", esc(&m.drug), esc(&m.dose), esc(&m.route)))
            .collect();
        format!("<list>{items}</list>")
    };
    section_open(
        &mut x,
        &["2.16.840.1.113883.10.20.1.8", "1.3.6.1.4.1.19376.1.5.3.1.3.19"],
        "10160-0",
        "Traitements",
        "Traitements en cours",
        &text,
    );
    for m in src.treatments {
        let _ = write!(
            x,
            "<entry><substanceAdministration classCode=\"SBADM\" moodCode=\"INT\"><templateId root=\"2.16.840.1.113883.10.20.1.24\"/><templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.4.7\"/><templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.4.7.1\"/><id root=\"{}\"/><text>{}</text><statusCode code=\"active\"/><consumable><manufacturedProduct><templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.4.7.2\"/><templateId root=\"2.16.840.1.113883.10.20.1.53\"/><manufacturedMaterial><code nullFlavor=\"NA\"><originalText>{}</originalText></code><name>{}</name></manufacturedMaterial></manufacturedProduct></consumable></substanceAdministration></entry>",
            Uuid::now_v7(),
            esc(&format!("{} {} ({})", m.drug, m.dose, m.route)),
            esc(&m.drug),
            esc(&m.drug)
        );
    }
    section_close(&mut x);

    // 5. Sommeil et alimentation: the last meal.
    let meal = ts(t.last_meal_at, &tz);
    let text = format!("<paragraph>Dernier repas le {}</paragraph>", esc(&local(t.last_meal_at, &tz)));
    section_open(
        &mut x,
        &["1.3.6.1.4.1.19376.1.7.3.1.1.13.5"],
        "47420-5",
        "Evaluation fonctionnelle",
        "Date et heure du dernier repas",
        &text,
    );
    // The volet names no code for the last meal here: uncoded, with its text.
    observation_entry(
        &mut x,
        "<code nullFlavor=\"OTH\"><originalText>Date et heure du dernier repas</originalText></code>",
        &meal,
        &format!("<value xsi:type=\"TS\" value=\"{meal}\"/>"),
    );
    section_close(&mut x);

    // 6. Prothèses et objets personnels.
    let text = if t.items.is_empty() {
        "<paragraph>Aucune prothèse ni objet personnel confié.</paragraph>".to_owned()
    } else {
        let items: String = t.items.iter().map(|i| format!("<item>{}</item>", esc(&item(i).2))).collect();
        format!("<list>{items}</list>")
    };
    section_open(
        &mut x,
        &["1.2.250.1.213.1.1.2.53"],
        "46264-8",
        "Dispositifs médicaux",
        "Prothèses et objets personnels",
        &text,
    );
    for i in &t.items {
        let (code, system, label) = item(i);
        let _ = write!(
            x,
            "<entry><observation classCode=\"OBS\" moodCode=\"EVN\"><templateId root=\"1.3.6.1.4.1.19376.1.5.3.1.4.13\"/><templateId root=\"1.2.250.1.213.1.1.3.12\"/><id root=\"{}\"/><code code=\"{code}\" codeSystem=\"{system}\" displayName=\"{}\"/><statusCode code=\"completed\"/><effectiveTime value=\"{when}\"/><value xsi:type=\"BL\" value=\"true\"/></observation></entry>",
            Uuid::now_v7(),
            esc(&label)
        );
    }
    section_close(&mut x);

    // 7. Commentaire: personne de confiance, directives anticipées, allergies.
    let mut lines = Vec::new();
    if let Some(p) = &r.trusted_person {
        let phone = p.phone.as_ref().map(|ph| format!(", {ph}")).unwrap_or_default();
        lines.push(format!("Personne de confiance : {} ({}{phone})", p.name, p.relationship));
    }
    lines.push(format!(
        "Directives anticipées : {}",
        r.advance_directives.as_deref().unwrap_or("non renseignées dans le dossier")
    ));
    if !r.allergies.is_empty() {
        lines.push(format!("Allergies : {}", r.allergies.join(", ")));
    }
    if let Some(c) = &t.comment {
        lines.push(format!("Commentaire : {c}"));
    }
    let text: String = lines.iter().map(|l| format!("<paragraph>{}</paragraph>", esc(l))).collect();
    section_open(
        &mut x,
        &["1.3.6.1.4.1.19376.1.4.1.2.16"],
        "48767-8",
        "Commentaire",
        "Personne de confiance, directives anticipées, commentaire",
        &text,
    );
    section_close(&mut x);

    x.push_str("</structuredBody></component></ClinicalDocument>\n");
    Ok(x)
}

/// One part of the sheet as a screen or a printout shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetSection {
    pub title: &'static str,
    pub lines: Vec<String>,
}

/// The transfer sheet in words: what goes with the resident, and what is
/// still missing for the DLU-FLUDT document (vitals to take before leaving).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferSheet {
    pub title: String,
    pub sections: Vec<SheetSection>,
    /// In French: "Pouls (dernières 24 h)"…; empty when the document can be built.
    pub missing: Vec<String>,
}

/// The sheet from the same source as the document.
pub fn sheet(src: &DluSource<'_>) -> Result<TransferSheet> {
    let t = src.transfer;
    let tz = TimeZone::get(&src.establishment.time_zone)
        .map_err(|_| DomainError::invalid("establishment.time_zone", "unknown IANA time zone"))?;
    let r = src.resident;
    let id = &r.identity;
    let at = t.meta.clinical_time;

    let mut identity = vec![
        id.display_name(),
        format!("Nom de naissance : {} — prénoms : {}", id.traits.birth_name, id.traits.birth_given_names),
        format!("Né(e) le {} — sexe : {}", id.traits.birth_date.strftime("%d/%m/%Y"), id.traits.sex.label_fr()),
        id.status.label_fr().to_string(),
    ];
    identity.extend(id.ins_shown());
    identity.push(format!("Établissement : {} (FINESS {})", src.establishment.name, src.establishment.finess));

    let mut transfer = vec![format!("Départ le {}", local(at, &tz)), format!("Motif : {}", t.reason)];
    if let Some(d) = &t.destination {
        transfer.push(format!("Destination : {d}"));
    }
    transfer.push(consciousness(t.consciousness).1.to_string());
    transfer.push(pain_text(t));
    transfer.push(format!("Dernier repas : {}", local(t.last_meal_at, &tz)));
    if let Some(c) = &t.comment {
        transfer.push(format!("Commentaire : {c}"));
    }

    // Each vital as found, or named as missing.
    let mut vitals = Vec::new();
    let mut missing = Vec::new();
    let day = VITALS_MAX_AGE_HOURS * 3600;
    for (code, max, what) in [
        (VitalCode::HeartRate, day, "Pouls (dernières 24 h)"),
        (VitalCode::Temperature, day, "Température (dernières 24 h)"),
        (VitalCode::BloodPressure, day, "Tension artérielle (dernières 24 h)"),
        (VitalCode::Weight, WEIGHT_MAX_AGE_DAYS * 86_400, "Poids (derniers 3 mois)"),
        (VitalCode::OxygenSaturation, day, ""),
    ] {
        match src
            .latest_vitals
            .iter()
            .find(|v| v.code == code && v.at <= at && at.as_second() - v.at.as_second() <= max)
        {
            Some(v) => vitals.push(format!("{} ({})", words::measure_fr(code, &v.value), local(v.at, &tz))),
            None if !what.is_empty() => missing.push(what.to_string()),
            None => {}
        }
    }
    if vitals.is_empty() {
        vitals.push("Aucune mesure récente".into());
    }

    let treatments = if src.treatments.is_empty() {
        vec!["Aucun traitement en cours".into()]
    } else {
        src.treatments.iter().map(|m| format!("{} : {}, {}", m.drug, m.dose, m.route)).collect()
    };
    let items: Vec<String> = t.items.iter().map(|i| item(i).2).collect();
    let safety = vec![
        format!(
            "Allergies : {}",
            if r.allergies.is_empty() { "aucune renseignée".into() } else { r.allergies.join(", ") }
        ),
        format!("Directives anticipées : {}", r.advance_directives.as_deref().unwrap_or("non renseignées")),
        format!(
            "Personne de confiance : {}",
            r.trusted_person.as_ref().map_or("non désignée".into(), |c| format!("{} ({})", c.name, c.relationship))
        ),
    ];
    Ok(TransferSheet {
        title: "Fiche de liaison d'urgence — transfert vers les urgences".into(),
        sections: vec![
            SheetSection { title: "Résident", lines: identity },
            SheetSection { title: "Transfert", lines: transfer },
            SheetSection { title: "À savoir", lines: safety },
            SheetSection { title: "Constantes", lines: vitals },
            SheetSection { title: "Traitements en cours", lines: treatments },
            SheetSection {
                title: "Prothèses et objets personnels",
                lines: vec![if items.is_empty() { "Aucun".into() } else { items.join(", ") }],
            },
        ],
        missing,
    })
}

/// HTML text escaping.
fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The sheet as a self-contained A4 page to print (no script, no remote
/// resource): the tablet prints it from memory, nothing written to disk.
pub fn sheet_html(sheet: &TransferSheet) -> String {
    let mut x = String::with_capacity(4096);
    x.push_str("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>");
    x.push_str(&html(&sheet.title));
    x.push_str(
        "</title><style>@page{size:A4;margin:15mm}body{font-family:sans-serif;font-size:12pt;color:#000}\
         h1{font-size:16pt;border-bottom:2px solid #000}h2{font-size:13pt;margin:12pt 0 4pt}\
         p{margin:2pt 0}.missing{border:2px solid #000;padding:6pt;font-weight:bold}</style></head><body>",
    );
    let _ = write!(x, "<h1>{}</h1>", html(&sheet.title));
    if !sheet.missing.is_empty() {
        let _ = write!(x, "<p class=\"missing\">À prendre avant le départ : {}</p>", html(&sheet.missing.join(", ")));
    }
    for s in &sheet.sections {
        let _ = write!(x, "<h2>{}</h2>", html(s.title));
        for l in &s.lines {
            let _ = write!(x, "<p>{}</p>", html(l));
        }
    }
    x.push_str("</body></html>");
    x
}
