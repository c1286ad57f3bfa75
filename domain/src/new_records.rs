//! New records, made in one place. A new record gets its id here (a UUIDv7:
//! time-ordered, so rows and sync operations keep the order they were made
//! in, and unique across tablets without asking the hub) and its meta at the
//! clinical time; the store fills in the author, the device and the entry
//! time from the session when it records it, and checks the record then.
//!
//! The FFI, the core's screens and the demo build records through these
//! constructors and never field by field, so that how a record is born is
//! decided once.

use jiff::Timestamp;
use uuid::Uuid;

use crate::clinical::scales::ScaleAnswers;
use crate::records::*;
use crate::staff::Role;
use crate::transfer::{Consciousness, EmergencyTransfer, PersonalItem};
use crate::vitals::{ObservationValue, VitalCode};
use crate::wound::{Exudate, NpiapStage, TissueType};

/// The id of a record made now.
pub fn new_record_id() -> Uuid {
    Uuid::now_v7()
}

impl ActRecord {
    /// What happened to an act: to `occurrence` of `planned_act_id`, or an
    /// act outside the plan when both are None.
    pub fn new(
        resident_id: Uuid,
        planned_act_id: Option<Uuid>,
        occurrence: Option<Timestamp>,
        outcome: ActOutcome,
        comment: Option<String>,
        at: Timestamp,
    ) -> Self {
        ActRecord {
            id: new_record_id(),
            resident_id,
            planned_act_id,
            occurrence,
            outcome,
            recorded_elsewhere: false,
            comment,
            meta: RecordMeta::at(at),
        }
    }
}

impl MedicationAdministration {
    /// What happened to a dose of `planned_act_id`, with the box's code as
    /// the scanner read it, if it was scanned.
    pub fn new(
        resident_id: Uuid,
        planned_act_id: Uuid,
        occurrence: Option<Timestamp>,
        outcome: AdministrationOutcome,
        scanned_barcode: Option<String>,
        at: Timestamp,
    ) -> Self {
        MedicationAdministration {
            id: new_record_id(),
            resident_id,
            planned_act_id,
            occurrence,
            outcome,
            recorded_elsewhere: false,
            scanned_barcode,
            comment: None,
            meta: RecordMeta::at(at),
        }
    }
}

impl Observation {
    /// A measure or a score taken at `at`.
    pub fn new(resident_id: Uuid, code: VitalCode, value: ObservationValue, at: Timestamp) -> Self {
        Observation { id: new_record_id(), resident_id, code, value, method: None, meta: RecordMeta::at(at) }
    }
}

/// What a targeted transmission says (DAR: données, actions, résultats).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransmissionText {
    /// Cible: "Douleur", "Chute", "Alimentation".
    pub target: String,
    pub data: String,
    pub actions: String,
    pub results: String,
}

impl Transmission {
    /// A transmission for `audience` (empty: everyone).
    pub fn new(resident_id: Uuid, text: TransmissionText, audience: Vec<Role>, at: Timestamp) -> Self {
        let TransmissionText { target, data, actions, results } = text;
        Transmission {
            id: new_record_id(),
            resident_id,
            target,
            data,
            actions,
            results,
            audience,
            meta: RecordMeta::at(at),
        }
    }
}

/// What a wound looks like when it is assessed.
#[derive(Debug, Clone, PartialEq)]
pub struct WoundFindings {
    pub length_cm: f64,
    pub width_cm: f64,
    pub depth_cm: Option<f64>,
    pub exudate: Exudate,
    pub tissue: TissueType,
    pub stage: Option<NpiapStage>,
    pub comment: Option<String>,
}

impl WoundAssessment {
    pub fn new(resident_id: Uuid, wound_id: Uuid, findings: WoundFindings, at: Timestamp) -> Self {
        let WoundFindings { length_cm, width_cm, depth_cm, exudate, tissue, stage, comment } = findings;
        WoundAssessment {
            id: new_record_id(),
            wound_id,
            resident_id,
            length_cm,
            width_cm,
            depth_cm,
            exudate,
            tissue,
            stage,
            comment,
            meta: RecordMeta::at(at),
        }
    }
}

impl VisitStamp {
    /// The start or end of a home visit, on `route_id` when it is planned,
    /// with the tag read when it was not stamped by hand.
    pub fn new(
        resident_id: Uuid,
        route_id: Option<Uuid>,
        event: VisitEvent,
        method: StampMethod,
        tag: Option<String>,
        at: Timestamp,
    ) -> Self {
        VisitStamp { id: new_record_id(), resident_id, route_id, event, method, tag, meta: RecordMeta::at(at) }
    }
}

impl Correction {
    /// Marks `target_id` entered-in-error, with the reason.
    pub fn new(resident_id: Uuid, target_id: Uuid, reason: String, at: Timestamp) -> Self {
        Correction { id: new_record_id(), resident_id, target_id, reason, meta: RecordMeta::at(at) }
    }
}

impl ScaleAssessment {
    pub fn new(resident_id: Uuid, answers: ScaleAnswers, at: Timestamp) -> Self {
        ScaleAssessment { id: new_record_id(), resident_id, answers, meta: RecordMeta::at(at) }
    }
}

/// What the nurse states on the emergency transfer sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferStatement {
    pub reason: String,
    pub destination: Option<String>,
    pub consciousness: Consciousness,
    pub recent_pain: bool,
    pub pain_score: Option<u8>,
    pub last_meal_at: Timestamp,
    pub items: Vec<PersonalItem>,
    pub comment: Option<String>,
}

impl EmergencyTransfer {
    pub fn new(resident_id: Uuid, statement: TransferStatement, at: Timestamp) -> Self {
        let TransferStatement {
            reason,
            destination,
            consciousness,
            recent_pain,
            pain_score,
            last_meal_at,
            items,
            comment,
        } = statement;
        EmergencyTransfer {
            id: new_record_id(),
            resident_id,
            reason,
            destination,
            consciousness,
            recent_pain,
            pain_score,
            last_meal_at,
            items,
            comment,
            meta: RecordMeta::at(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_record_has_a_fresh_time_ordered_id_and_its_clinical_time() {
        let at = Timestamp::from_second(1_800_000_000).unwrap();
        let r = Uuid::from_u128(7);
        let a = ActRecord::new(r, None, None, ActOutcome::Done, None, at);
        let b = ActRecord::new(r, None, None, ActOutcome::Done, None, at);
        assert_ne!(a.id, b.id);
        assert_eq!(a.id.get_version_num(), 7);
        assert!(a.id < b.id, "made later, sorts later");
        assert_eq!(a.meta, RecordMeta::at(at));
        assert_eq!(a.meta.author, Uuid::nil(), "the store fills the author from the session");
        let c = Correction::new(r, a.id, "saisie erronée".into(), at);
        assert_eq!((c.resident_id, c.target_id, c.meta.clinical_time), (r, a.id, at));
    }

    #[test]
    fn a_visit_stamp_keeps_its_route_under_its_first_name() {
        let at = Timestamp::from_second(1_800_000_000).unwrap();
        let route = Uuid::from_u128(9);
        let stamp = VisitStamp::new(Uuid::from_u128(7), Some(route), VisitEvent::Start, StampMethod::Manual, None, at);
        let json = serde_json::to_value(&stamp).unwrap();
        assert_eq!(json["round_id"], serde_json::json!(route.to_string()), "stamps already stored still read");
        assert_eq!(serde_json::from_value::<VisitStamp>(json).unwrap(), stamp);
    }
}
