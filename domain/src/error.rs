//! The domain's own error: why a record or a change breaks the care rules.
//!
//! Every message names kinds and ids only, never a name, an INS, a note or
//! a measurement. The core and the hub wrap it once each (`DomainError`, the
//! hub's refusal of an operation); a rule's look-ups fail with the
//! caller's own error ([`crate::rules::RecordLookup::Error`]).

use uuid::Uuid;

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DomainError {
    /// A record's author is not a professional known here.
    #[error("author {staff_id} is not a known professional")]
    UnknownAuthor { staff_id: Uuid },
    /// The professional was deactivated: records they sign after that are refused.
    #[error("staff {staff_id} is deactivated")]
    StaffDeactivated { staff_id: Uuid },
    /// A record's author does not work in the unit of the resident it is about.
    #[error("author {staff_id} does not work in unit {unit_id}")]
    AuthorOutsideUnit { staff_id: Uuid, unit_id: Uuid },
    /// A record says it was made on another device than the one sending it.
    #[error("record signed by device {device_id}, not by the device that sent it")]
    ForeignDevice { device_id: Uuid },
    /// The author's role lacks the permission for this write.
    #[error("staff {staff_id} lacks permission {permission}")]
    PermissionDenied { staff_id: Uuid, permission: &'static str },
    /// The INS matricule or identity is invalid.
    #[error("invalid INS: {0}")]
    InvalidIns(&'static str),
    /// The identity traits are read-only (status RECUP or QUAL).
    #[error("identity traits of resident {resident_id} are read-only for its status")]
    IdentityLocked { resident_id: Uuid },
    /// A visit stamped with a tag that is not the one registered at the
    /// patient's home (or none is registered there).
    #[error("the tag read is not registered for the home of resident {resident_id} (any registered: {registered})")]
    WrongHomeTag { resident_id: Uuid, registered: bool },
    /// Only INSi, through the hub, makes an identity RECUP or QUAL.
    #[error("identity of resident {resident_id}: RECUP and QUAL are set from INSi by the hub, not by a device")]
    IdentityStatusFromInsi { resident_id: Uuid },
    /// A measurement outside what a living person can show.
    #[error("implausible value for {code}: outside {min}..={max} {unit}")]
    ImplausibleValue { code: &'static str, unit: &'static str, min: f64, max: f64 },
    /// Any other field that fails validation.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: &'static str },
    /// A computation needs data the record does not have.
    #[error("missing data: {what}")]
    MissingData { what: &'static str },
    /// The id names no record of that kind.
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: Uuid },
    /// A PIN that is too weak or malformed.
    #[error("PIN refused: {0}")]
    WeakPin(&'static str),
    /// The operating system's random source failed.
    #[error("random source failed")]
    RandomSource,
}

impl DomainError {
    pub fn invalid(field: &'static str, reason: &'static str) -> Self {
        DomainError::InvalidInput { field, reason }
    }
}
