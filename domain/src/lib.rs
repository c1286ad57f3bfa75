//! chevet-domain: what the tablet and the hub both decide — the care
//! record's types and their validation, the rules that look beyond one
//! record (who may record what, on which resident), the clinical scores.
//!
//! No I/O, no storage, no FFI: the core (the tablet) and the hub each stand
//! on it, never on each other. Its error ([`error::DomainError`]) is its
//! own; each side wraps it once.

pub mod care_plan;
pub mod clinical;
pub mod documents;
pub mod error;
pub mod establishment;
pub mod gs1;
pub mod ins;
pub mod new_records;
pub mod photo;
pub mod pin;
pub mod records;
pub mod resident;
pub mod rules;
pub mod schedule;
pub mod staff;

pub mod transfer;
pub mod visit;
pub mod vitals;
pub mod words;
pub mod wound;

pub use care_plan::{ActKind, MedicationLine, PlannedAct};
pub use establishment::{Establishment, EstablishmentKind, Unit};
pub use ins::{CollectionMethod, Identity, IdentityStatus, IdentityTraits, InsSystem, Matricule, Sex};
pub use new_records::{TransferStatement, TransmissionText, WoundFindings, new_record_id};
pub use records::{
    ActOutcome, ActRecord, AdministrationOutcome, Correction, Fact, FactKind, MedicationAdministration, NotDoneReason,
    Observation, Photo, PhotoBlob, PhotoConsent, RecordMeta, ScaleAssessment, StampMethod, Transmission, VisitEvent,
    VisitStamp, WoundAssessment,
};
pub use resident::{Contact, Resident, ResidentChanges};
pub use schedule::{Recurrence, Schedule};
pub use staff::{FirstPinCode, Permission, Role, Staff};
pub use transfer::{Consciousness, EmergencyTransfer, PersonalItem};
pub use visit::{PlannedStop, Route};
pub use vitals::{Acvpu, ObservationValue, VitalCode};
pub use wound::{Exudate, NpiapStage, TissueType, Wound, WoundKind};
