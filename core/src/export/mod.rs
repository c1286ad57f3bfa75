//! What leaves Chevet in the formats other systems read: a resident's
//! record as a FHIR R4 Bundle ([`fhir`]).

pub mod dlu;
pub mod fhir;

pub use fhir::FhirOptions;
