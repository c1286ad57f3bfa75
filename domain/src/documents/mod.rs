//! What leaves Chevet in the formats other systems read, as pure functions
//! of domain records — the tablet builds them offline, the hub will send
//! them to other systems: a resident's record as a FHIR R4 Bundle
//! ([`fhir`]), the emergency transfer sheet (DLU-FLUDT, CDA, [`dlu`]).

pub mod dlu;
pub mod fhir;

pub use fhir::FhirOptions;
