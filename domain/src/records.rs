//! Facts: what happened at the bedside. Immutable and append-only; a
//! correction is a new fact that marks an earlier one entered-in-error.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::staff::Role;
use super::vitals::{ObservationValue, VitalCode};
use super::wound::{Exudate, NpiapStage, TissueType};
use crate::error::{DomainError, Result};

/// Who recorded a fact, where, and when the care happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordMeta {
    pub author: Uuid,
    pub device: Uuid,
    /// When the care happened (device clock).
    pub clinical_time: Timestamp,
    /// When it was entered on the device.
    pub recorded_at: Timestamp,
}

impl RecordMeta {
    /// Meta for a new fact that happened at `clinical_time`; the store sets
    /// author, device and entry time from the session when recording it.
    pub fn at(clinical_time: jiff::Timestamp) -> Self {
        RecordMeta { author: Uuid::nil(), device: Uuid::nil(), clinical_time, recorded_at: clinical_time }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why a planned act was not done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotDoneReason {
    /// Absent: hospitalised, out with family.
    Absent,
    Asleep,
    /// Stopped or postponed on clinical judgement.
    ClinicalDecision,
    /// Not enough staff or time on this shift.
    Workload,
    /// Cancelled by a nurse: the prescription or the care was called off.
    /// Closes an occurrence nobody recorded (« non tracé »).
    Cancelled,
    Other(String),
}

/// What happened to a planned act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActOutcome {
    Done,
    PartlyDone,
    NotDone(NotDoneReason),
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActRecord {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub planned_act_id: Option<Uuid>,
    /// The planned occurrence this record answers, if any.
    pub occurrence: Option<Timestamp>,
    pub outcome: ActOutcome,
    /// Done and traced elsewhere (on paper, in another software), entered
    /// here afterwards by a nurse to close a « non tracé ».
    #[serde(default, skip_serializing_if = "is_false")]
    pub recorded_elsewhere: bool,
    pub comment: Option<String>,
    pub meta: RecordMeta,
}

/// What happened to a planned medication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AdministrationOutcome {
    Given,
    Refused,
    /// Recraché.
    SpatOut,
    NotGiven(NotDoneReason),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationAdministration {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub planned_act_id: Uuid,
    pub occurrence: Option<Timestamp>,
    pub outcome: AdministrationOutcome,
    /// Given and traced elsewhere (« donné hors tablette »), entered here
    /// afterwards by a nurse to close a « non tracé ».
    #[serde(default, skip_serializing_if = "is_false")]
    pub recorded_elsewhere: bool,
    /// What the box's code said when it was scanned, as the scanner gave it:
    /// a GTIN or CIP13, or the GS1 Data Matrix element string with the lot,
    /// expiry and serial (see [`super::gs1`]).
    pub scanned_barcode: Option<String>,
    pub comment: Option<String>,
    pub meta: RecordMeta,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub code: VitalCode,
    pub value: ObservationValue,
    /// Method or context ("au repos", "sous O2 2 L/min", "lecteur capillaire").
    pub method: Option<String>,
    pub meta: RecordMeta,
}

/// A targeted transmission (transmission ciblée, DAR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transmission {
    pub id: Uuid,
    pub resident_id: Uuid,
    /// Cible: "Douleur", "Chute", "Alimentation".
    pub target: String,
    pub data: String,
    pub actions: String,
    pub results: String,
    /// Roles that should read it; empty means everyone.
    pub audience: Vec<Role>,
    pub meta: RecordMeta,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WoundAssessment {
    pub id: Uuid,
    pub wound_id: Uuid,
    pub resident_id: Uuid,
    pub length_cm: f64,
    pub width_cm: f64,
    pub depth_cm: Option<f64>,
    pub exudate: Exudate,
    pub tissue: TissueType,
    pub stage: Option<NpiapStage>,
    pub comment: Option<String>,
    pub meta: RecordMeta,
}

/// Who agreed to the photo being taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhotoConsent {
    /// The resident, informed, agreed.
    Resident,
    /// The resident cannot express it; the legal representative or the
    /// personne de confiance agreed.
    Representative,
}

/// One encrypted rendition of a photo, as stored and uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoBlob {
    /// BLAKE3 of the encrypted file, lowercase hex: its name on the device and on the hub.
    pub hash: String,
    pub sealed_len: u64,
    pub width: u32,
    pub height: u32,
}

/// A wound photo: two encrypted renditions (display, thumbnail) and the
/// key that opens them. The key travels inside this record, so whoever can
/// read the record (the hub, devices in scope) can open the files, which
/// are stored and sent as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub wound_id: Uuid,
    /// The assessment it illustrates, when taken during one.
    pub assessment_id: Option<Uuid>,
    /// Body site as framed ("talon gauche").
    pub body_site: String,
    /// A measuring scale (réglette) is in the frame.
    pub scale_marker: bool,
    pub consent: PhotoConsent,
    pub display: PhotoBlob,
    pub thumbnail: PhotoBlob,
    pub content_key: crate::photo::BlobKey,
    pub meta: RecordMeta,
}

/// SSIAD télégestion: the start or end of a home visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisitEvent {
    Start,
    Stop,
}

/// How the visit was stamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StampMethod {
    Manual,
    QrCode,
    Nfc,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitStamp {
    pub id: Uuid,
    pub resident_id: Uuid,
    /// The home-care route the visit is on. Stored and synced under its
    /// first name, `round_id`, so that stamps already made still read.
    #[serde(rename = "round_id")]
    pub route_id: Option<Uuid>,
    pub event: VisitEvent,
    pub method: StampMethod,
    /// The tag read (QR payload or NFC UID), when not manual.
    pub tag: Option<String>,
    pub meta: RecordMeta,
}

/// Marks an earlier fact entered-in-error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub target_id: Uuid,
    pub reason: String,
    pub meta: RecordMeta,
}

/// Every kind of fact, as stored and synced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "fact")]
pub enum Fact {
    Act(ActRecord),
    Administration(MedicationAdministration),
    Observation(Observation),
    Transmission(Transmission),
    WoundAssessment(WoundAssessment),
    VisitStamp(VisitStamp),
    Correction(Correction),
    /// Boxed: a photo record is four times the size of the others.
    Photo(Box<Photo>),
    EmergencyTransfer(Box<super::transfer::EmergencyTransfer>),
    ScaleAssessment(ScaleAssessment),
}

/// A bedside scale filled in (Braden, Norton, Algoplus, Doloplus, MNA-SF, AGGIR).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleAssessment {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub answers: crate::clinical::scales::ScaleAnswers,
    pub meta: RecordMeta,
}

/// The plaintext routing tag of a fact kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactKind {
    Act,
    Administration,
    Observation,
    Transmission,
    WoundAssessment,
    VisitStamp,
    Correction,
    Photo,
    EmergencyTransfer,
    ScaleAssessment,
}

impl FactKind {
    pub const ALL: [FactKind; 10] = [
        FactKind::Act,
        FactKind::Administration,
        FactKind::Observation,
        FactKind::Transmission,
        FactKind::WoundAssessment,
        FactKind::VisitStamp,
        FactKind::Correction,
        FactKind::Photo,
        FactKind::EmergencyTransfer,
        FactKind::ScaleAssessment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Act => "act",
            FactKind::Administration => "administration",
            FactKind::Observation => "observation",
            FactKind::Transmission => "transmission",
            FactKind::WoundAssessment => "wound_assessment",
            FactKind::VisitStamp => "visit_stamp",
            FactKind::Correction => "correction",
            FactKind::Photo => "photo",
            FactKind::EmergencyTransfer => "emergency_transfer",
            FactKind::ScaleAssessment => "scale_assessment",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "act" => FactKind::Act,
            "administration" => FactKind::Administration,
            "observation" => FactKind::Observation,
            "transmission" => FactKind::Transmission,
            "wound_assessment" => FactKind::WoundAssessment,
            "visit_stamp" => FactKind::VisitStamp,
            "correction" => FactKind::Correction,
            "photo" => FactKind::Photo,
            "emergency_transfer" => FactKind::EmergencyTransfer,
            "scale_assessment" => FactKind::ScaleAssessment,
            _ => return None,
        })
    }
}

impl Fact {
    pub fn kind(&self) -> FactKind {
        match self {
            Fact::Act(_) => FactKind::Act,
            Fact::Administration(_) => FactKind::Administration,
            Fact::Observation(_) => FactKind::Observation,
            Fact::Transmission(_) => FactKind::Transmission,
            Fact::WoundAssessment(_) => FactKind::WoundAssessment,
            Fact::VisitStamp(_) => FactKind::VisitStamp,
            Fact::Correction(_) => FactKind::Correction,
            Fact::Photo(_) => FactKind::Photo,
            Fact::EmergencyTransfer(_) => FactKind::EmergencyTransfer,
            Fact::ScaleAssessment(_) => FactKind::ScaleAssessment,
        }
    }

    pub fn id(&self) -> Uuid {
        match self {
            Fact::Act(f) => f.id,
            Fact::Administration(f) => f.id,
            Fact::Observation(f) => f.id,
            Fact::Transmission(f) => f.id,
            Fact::WoundAssessment(f) => f.id,
            Fact::VisitStamp(f) => f.id,
            Fact::Correction(f) => f.id,
            Fact::Photo(f) => f.id,
            Fact::EmergencyTransfer(f) => f.id,
            Fact::ScaleAssessment(f) => f.id,
        }
    }

    pub fn resident_id(&self) -> Uuid {
        match self {
            Fact::Act(f) => f.resident_id,
            Fact::Administration(f) => f.resident_id,
            Fact::Observation(f) => f.resident_id,
            Fact::Transmission(f) => f.resident_id,
            Fact::WoundAssessment(f) => f.resident_id,
            Fact::VisitStamp(f) => f.resident_id,
            Fact::Correction(f) => f.resident_id,
            Fact::Photo(f) => f.resident_id,
            Fact::EmergencyTransfer(f) => f.resident_id,
            Fact::ScaleAssessment(f) => f.resident_id,
        }
    }

    pub fn meta(&self) -> &RecordMeta {
        match self {
            Fact::Act(f) => &f.meta,
            Fact::Administration(f) => &f.meta,
            Fact::Observation(f) => &f.meta,
            Fact::Transmission(f) => &f.meta,
            Fact::WoundAssessment(f) => &f.meta,
            Fact::VisitStamp(f) => &f.meta,
            Fact::Correction(f) => &f.meta,
            Fact::Photo(f) => &f.meta,
            Fact::EmergencyTransfer(f) => &f.meta,
            Fact::ScaleAssessment(f) => &f.meta,
        }
    }

    /// The planned act and occurrence a fact answers, for the round view.
    pub fn answers(&self) -> Option<(Uuid, Option<Timestamp>)> {
        match self {
            Fact::Act(a) => a.planned_act_id.map(|p| (p, a.occurrence)),
            Fact::Administration(a) => Some((a.planned_act_id, a.occurrence)),
            _ => None,
        }
    }

    /// A nurse's closing of an occurrence nobody recorded: done and traced
    /// elsewhere, or cancelled. Recording one needs
    /// [`Permission::CloseUnrecorded`](super::staff::Permission::CloseUnrecorded).
    pub fn closes_unrecorded(&self) -> bool {
        match self {
            Fact::Act(a) => a.recorded_elsewhere || a.outcome == ActOutcome::NotDone(NotDoneReason::Cancelled),
            Fact::Administration(a) => {
                a.recorded_elsewhere || a.outcome == AdministrationOutcome::NotGiven(NotDoneReason::Cancelled)
            }
            _ => false,
        }
    }

    /// Checks the fact's own content (cross-record rules live in the store).
    pub fn validate(&self) -> Result<()> {
        let text = |field: &'static str, s: &str, max: usize| {
            if s.chars().count() > max { Err(DomainError::invalid(field, "too long")) } else { Ok(()) }
        };
        match self {
            Fact::Act(a) => {
                if let ActOutcome::NotDone(NotDoneReason::Other(r)) = &a.outcome
                    && r.trim().is_empty()
                {
                    return Err(DomainError::invalid("act.reason", "a reason is required"));
                }
                if a.recorded_elsewhere && a.outcome != ActOutcome::Done {
                    return Err(DomainError::invalid("act.recorded_elsewhere", "only a done act is traced elsewhere"));
                }
                text("act.comment", a.comment.as_deref().unwrap_or(""), 4000)
            }
            Fact::Administration(a) => {
                if let Some(b) = &a.scanned_barcode
                    && (b.is_empty()
                        || b.len() > 200
                        || !b.chars().all(|c| c.is_ascii_graphic() || c == super::gs1::GS))
                {
                    return Err(DomainError::invalid("administration.barcode", "not a barcode"));
                }
                if a.recorded_elsewhere && (a.outcome != AdministrationOutcome::Given || a.scanned_barcode.is_some()) {
                    return Err(DomainError::invalid(
                        "administration.recorded_elsewhere",
                        "only a dose given, not scanned here, is traced elsewhere",
                    ));
                }
                text("administration.comment", a.comment.as_deref().unwrap_or(""), 4000)
            }
            Fact::Observation(o) => super::vitals::validate(o.code, &o.value),
            Fact::Transmission(t) => {
                if t.target.trim().is_empty() {
                    return Err(DomainError::invalid("transmission.target", "a cible is required"));
                }
                if (t.data.trim().is_empty()) && t.actions.trim().is_empty() && t.results.trim().is_empty() {
                    return Err(DomainError::invalid("transmission", "data, actions or results is required"));
                }
                text("transmission.target", &t.target, 200)?;
                text("transmission", &format!("{}{}{}", t.data, t.actions, t.results), 20_000)
            }
            Fact::WoundAssessment(w) => {
                let ok = |v: f64| v.is_finite() && (0.0..=100.0).contains(&v);
                if !ok(w.length_cm) || !ok(w.width_cm) || w.depth_cm.is_some_and(|d| !ok(d)) {
                    return Err(DomainError::invalid("wound_assessment.size", "dimensions are 0 to 100 cm"));
                }
                Ok(())
            }
            Fact::VisitStamp(v) => match (v.method, &v.tag) {
                (StampMethod::Manual, None) => Ok(()),
                (StampMethod::Manual, Some(_)) => Err(DomainError::invalid("visit.tag", "manual stamps carry no tag")),
                (_, Some(t)) if !t.is_empty() && t.len() <= 256 => Ok(()),
                _ => Err(DomainError::invalid("visit.tag", "QR and NFC stamps carry the tag read")),
            },
            Fact::Correction(c) => {
                if c.reason.trim().is_empty() {
                    return Err(DomainError::invalid("correction.reason", "a reason is required"));
                }
                text("correction.reason", &c.reason, 2000)
            }
            Fact::Photo(p) => {
                if p.body_site.trim().is_empty() {
                    return Err(DomainError::invalid("photo.body_site", "required"));
                }
                text("photo.body_site", &p.body_site, 200)?;
                for blob in [&p.display, &p.thumbnail] {
                    if !crate::photo::is_blob_name(&blob.hash) {
                        return Err(DomainError::invalid("photo.blob", "not a BLAKE3 hex name"));
                    }
                    if blob.width == 0
                        || blob.height == 0
                        || blob.width.max(blob.height) > crate::photo::DISPLAY_LONG_SIDE
                    {
                        return Err(DomainError::invalid("photo.blob", "rendition size out of range"));
                    }
                }
                Ok(())
            }
            Fact::EmergencyTransfer(t) => t.validate(),
            // Norton's threshold only changes the reading, not validity.
            Fact::ScaleAssessment(s) => s.answers.evaluate(14).map(|_| ()),
        }
    }
}
