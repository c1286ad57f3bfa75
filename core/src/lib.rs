//! chevet-core: the care record a care worker carries, encrypted on the device.
//!
//! - [`domain`]: the care domain (residents and INS identity, staff and
//!   permissions, care plans and schedules, act records, administrations,
//!   observations, transmissions, wounds, SSIAD routes), and [`clinical`]
//!   its scores: both from `chevet-domain`, which the hub shares.
//! - [`crypto`]: device key, sub-keys, envelopes, vaults, blind indexes.
//! - [`store`]: the SQLite store: migrations, sessions, audit journal, outbox
//!   and the sync state.
//! - [`views`]: what the screens read (round, file, charts, handover),
//!   computed once for both apps.

pub use chevet_domain as domain;
pub use chevet_domain::clinical;
pub mod crypto;
#[cfg(feature = "demo")]
pub mod demo;
pub mod error;
/// The documents (FHIR, DLU-FLUDT) live in the domain, the hub's too.
pub use chevet_domain::documents as export;
pub mod media;
pub mod store;
pub mod sync;
pub mod views;

pub use error::{CoreError, Result};
pub use store::{Store, StoreOptions};
