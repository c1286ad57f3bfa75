//! The core's enums as they cross the FFI: uniffi remote types, so Kotlin
//! and Swift get real enums to switch on and no copy of them lives here
//! (a variant added to the core fails this crate's build until listed).

use chevet_core::clinical::alerts::AlertLevel;
use chevet_core::clinical::push::Trend;
use chevet_core::domain::{IdentityStatus, WoundKind};
use chevet_core::sync::{SyncFailure, SyncHealth, SyncPhase};
use chevet_core::views::RoundStatus;
use chevet_core::views::{ChartKind, LineKind};

/// Where a planned act stands on the round.
#[uniffi::remote(Enum)]
pub enum RoundStatus {
    Due,
    Late,
    Unrecorded,
    Done,
    PartlyDone,
    NotDone,
    Refused,
    SpatOut,
}

/// How soon someone should look.
#[uniffi::remote(Enum)]
pub enum AlertLevel {
    Watch,
    Act,
}

/// A wound's PUSH trend.
#[uniffi::remote(Enum)]
pub enum Trend {
    Healing,
    Stable,
    Worsening,
    Unknown,
}

/// Where a sync stands.
#[uniffi::remote(Enum)]
pub enum SyncPhase {
    Pushing,
    Pulling,
    Done,
}

/// What the sync status bar shows, in order of precedence.
#[uniffi::remote(Enum)]
pub enum SyncHealth {
    Demo,
    NotEnrolled,
    Offline,
    Failing,
    NeverSynced,
    Pending,
    UpToDate,
}

/// Why the last sync failed.
#[uniffi::remote(Enum)]
pub enum SyncFailure {
    Unreachable,
    CertificateRefused,
    CredentialRefused,
    Failed,
}

/// How far a resident's identity can be trusted (RNIV).
#[uniffi::remote(Enum)]
pub enum IdentityStatus {
    Provisional,
    Validated,
    Recovered,
    Qualified,
}

/// Which trend chart.
#[uniffi::remote(Enum)]
pub enum ChartKind {
    Weight,
    Temperature,
    HeartRate,
    OxygenSaturation,
    BloodPressure,
    Push,
}

/// The wounds the core follows (not only pressure injuries).
#[uniffi::remote(Enum)]
pub enum WoundKind {
    PressureInjury,
    LegUlcer,
    DiabeticFoot,
    Surgical,
    SkinTear,
    Other,
}

/// Why a reference line is drawn on a chart.
#[uniffi::remote(Enum)]
pub enum LineKind {
    Alert,
    Undernutrition,
    SevereUndernutrition,
}
