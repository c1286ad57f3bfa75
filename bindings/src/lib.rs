//! chevet-ffi: the core for the Android and iOS apps, through uniffi.
//!
//! A deliberate surface: thin newtypes that forward to chevet-core, one
//! public error ([`ChevetError`]) mapped once from the core's, typed ids
//! ([`ids`]: a string in Kotlin and Swift, checked as it crosses), times as
//! milliseconds since the epoch. The domain stays in the core, free of FFI
//! concerns; what a screen shows is computed in the core's views.

#[cfg(feature = "bench")]
mod bench;
mod care_plan;
#[cfg(feature = "demo")]
mod demo;
mod error;
mod handover;
mod ids;
mod logging;
mod medicine;
mod records;
mod residents;
mod round;
mod route;
mod scales;
mod session;
mod store;
mod sync;
mod transfer;
mod types;
mod vault;
mod vital_set;

pub use error::{ChevetError, HubCertificateProblem};
pub use handover::{HandoverInfo, HandoverLineInfo, ResidentHandoverInfo};
pub use ids::{PhotoId, PlannedActId, RecordId, ResidentId, RouteId, StaffId, UnitId, WoundId};
pub use logging::{LogLevel, LogSink, set_log_sink};
pub use medicine::{MedicationDueInfo, MedicineBoxInfo, read_medicine_box};
pub use residents::normalise_ins;
pub use round::{RoundScreen, RoundShown, not_done_reasons, round_filters, standard_round_window};
pub use store::ChevetStore;
pub use sync::{EnrolmentLinkInfo, SyncCancel, SyncObserver, SyncResult, SyncStatusInfo, parse_enrolment_link};
pub use vault::{KeyVault, UnwrappedKey, VaultException};

uniffi::setup_scaffolding!();
