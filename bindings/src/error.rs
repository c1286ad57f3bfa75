//! The one public error, mapped once from the core's. Messages carry kinds,
//! ids and reasons, never personal data (the core's errors already don't).

use crate::ids::PhotoId;
use chevet_core::CoreError;

#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum ChevetError {
    /// The device key does not open this store, or the vault failed.
    #[error("the key does not open this store: {reason}")]
    WrongKey { reason: String },
    /// The store's files are damaged or from a newer version of Chevet.
    #[error("the store cannot be read: {reason}")]
    StoreDamaged { reason: String },
    #[error("no open session: sign in with a PIN")]
    NoSession,
    #[error("wrong PIN ({attempts_left} attempts left)")]
    WrongPin { attempts_left: u32 },
    #[error("locked out until {until_ms}")]
    LockedOut { until_ms: i64 },
    #[error("PIN refused: {reason}")]
    WeakPin { reason: String },
    #[error("wrong first-PIN code ({attempts_left} attempts left)")]
    WrongFirstPinCode { attempts_left: u32 },
    /// No code was issued, it expired, or a PIN is already set here.
    #[error("first PIN not possible: {reason}")]
    FirstPinUnavailable { reason: String },
    #[error("permission {permission} missing")]
    PermissionDenied { permission: String },
    /// The establishment deactivated this professional: no sign-in here.
    #[error("this professional was deactivated by the establishment")]
    StaffDeactivated,
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },
    #[error("implausible value for {code}: outside {min}..={max} {unit}")]
    ImplausibleValue { code: String, unit: String, min: f64, max: f64 },
    #[error("missing data: {what}")]
    MissingData { what: String },
    #[error("no {kind} with id {id}")]
    NotFound { kind: String, id: String },
    #[error("{kind} {id} changed since it was read")]
    VersionConflict { kind: String, id: String },
    /// A visit stamped with a tag not registered at the patient's home.
    #[error("the tag is not this home's (a tag registered there: {registered})")]
    WrongHomeTag { registered: bool },
    #[error("photo refused: {reason}")]
    PhotoRefused { reason: String },
    #[error("photo {photo_id} is not on this device (on the hub: {on_hub})")]
    PhotoNotOnDevice { photo_id: PhotoId, on_hub: bool },
    #[error("photo {photo_id} does not open: {reason}")]
    PhotoCorrupt { photo_id: PhotoId, reason: String },
    #[error("this device is not enrolled with a hub")]
    NotEnrolled,
    #[error("a sync is already running")]
    SyncInProgress,
    #[error("sync cancelled")]
    SyncCancelled,
    #[error("hub unreachable: {reason}")]
    HubUnreachable { reason: String },
    /// The hub's certificate is refused; retrying will not help. The app
    /// says which of the establishment's settings to check.
    #[error("the hub's certificate is refused: {problem:?}")]
    HubCertificateRefused { problem: HubCertificateProblem },
    /// The hub revoked this tablet (lost or stolen): everything personal on
    /// it was erased; it must be enrolled again.
    #[error("this tablet was revoked by the establishment and erased")]
    DeviceRevoked,
    #[error("the hub refused the request ({status} {code})")]
    HubRefused { status: u16, code: String },
    #[error("storage failed: {reason}")]
    Storage { reason: String },
    /// The store was closed by the app.
    #[error("the store is closed")]
    Closed,
    /// A callback of the app (vault, log sink, observer) failed unexpectedly.
    #[error("app callback failed: {reason}")]
    Callback { reason: String },
}

/// Why the hub's certificate was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HubCertificateProblem {
    /// Not from a CA the device trusts: the establishment's CA is missing or another one.
    UnknownIssuer,
    /// Expired or not yet valid (the device's clock may be wrong).
    Expired,
    /// Issued for another name than the hub's address.
    WrongName,
    /// Refused for another reason.
    Invalid,
}

impl From<chevet_core::error::CertificateProblem> for HubCertificateProblem {
    fn from(p: chevet_core::error::CertificateProblem) -> Self {
        use chevet_core::error::CertificateProblem as P;
        match p {
            P::UnknownIssuer => HubCertificateProblem::UnknownIssuer,
            P::Expired => HubCertificateProblem::Expired,
            P::WrongName => HubCertificateProblem::WrongName,
            P::Invalid => HubCertificateProblem::Invalid,
        }
    }
}

impl From<chevet_core::domain::error::DomainError> for ChevetError {
    fn from(e: chevet_core::domain::error::DomainError) -> Self {
        CoreError::from(e).into()
    }
}

impl From<CoreError> for ChevetError {
    fn from(e: CoreError) -> Self {
        let text = e.to_string();
        match e {
            CoreError::Vault(_) | CoreError::WrongKey => ChevetError::WrongKey { reason: text },
            CoreError::UnknownKeyId { .. }
            | CoreError::UnsupportedEnvelope { .. }
            | CoreError::CorruptRecord { .. }
            | CoreError::MisplacedRecord { .. }
            | CoreError::UndecodableRecord { .. }
            | CoreError::InvalidPulled { .. }
            | CoreError::DatabaseCorrupt(_)
            | CoreError::SchemaTooNew { .. }
            | CoreError::AuditChainBroken { .. } => ChevetError::StoreDamaged { reason: text },
            CoreError::Database(_) | CoreError::MediaStorage(_) => ChevetError::Storage { reason: text },
            CoreError::NoSession => ChevetError::NoSession,
            CoreError::WrongPin { attempts_left, .. } => ChevetError::WrongPin { attempts_left },
            CoreError::LockedOut { until_ms, .. } => ChevetError::LockedOut { until_ms },
            CoreError::WeakPin(reason) => ChevetError::WeakPin { reason: reason.into() },
            CoreError::WrongFirstPinCode { attempts_left, .. } => ChevetError::WrongFirstPinCode { attempts_left },
            CoreError::FirstPinUnavailable { reason, .. } => ChevetError::FirstPinUnavailable { reason: reason.into() },
            CoreError::PermissionDenied { permission, .. } => {
                ChevetError::PermissionDenied { permission: permission.into() }
            }
            CoreError::UnknownAuthor { .. } => ChevetError::PermissionDenied { permission: "known_author".into() },
            CoreError::StaffDeactivated { .. } => ChevetError::StaffDeactivated,
            CoreError::AuthorOutsideUnit { .. } => ChevetError::PermissionDenied { permission: "works_in_unit".into() },
            CoreError::ForeignDevice { .. } => ChevetError::PermissionDenied { permission: "this_device".into() },
            CoreError::IdentityStatusFromInsi { .. } => {
                ChevetError::InvalidInput { field: "identity".into(), reason: "RECUP and QUAL come from INSi".into() }
            }
            CoreError::InvalidIns(reason) => ChevetError::InvalidInput { field: "ins".into(), reason: reason.into() },
            CoreError::IdentityLocked { .. } => {
                ChevetError::InvalidInput { field: "identity".into(), reason: "read-only for its status".into() }
            }
            CoreError::WrongHomeTag { registered, .. } => ChevetError::WrongHomeTag { registered },
            CoreError::ImplausibleValue { code, unit, min, max } => {
                ChevetError::ImplausibleValue { code: code.into(), unit: unit.into(), min, max }
            }
            CoreError::InvalidInput { field, reason } => {
                ChevetError::InvalidInput { field: field.into(), reason: reason.into() }
            }
            CoreError::AlreadyCorrected { id } => {
                ChevetError::InvalidInput { field: "correction".into(), reason: format!("{id} already corrected") }
            }
            CoreError::MissingData { what } => ChevetError::MissingData { what: what.into() },
            CoreError::NotFound { kind, id } => ChevetError::NotFound { kind: kind.into(), id: id.to_string() },
            CoreError::VersionConflict { kind, id, .. } => {
                ChevetError::VersionConflict { kind: kind.into(), id: id.to_string() }
            }
            CoreError::Photo(p) => ChevetError::PhotoRefused { reason: p.to_string() },
            CoreError::PhotoFileMissing { photo_id, on_hub, .. } => {
                ChevetError::PhotoNotOnDevice { photo_id: PhotoId(photo_id), on_hub }
            }
            CoreError::PhotoFileCorrupt { photo_id, reason, .. } => {
                ChevetError::PhotoCorrupt { photo_id: PhotoId(photo_id), reason: reason.to_string() }
            }
            CoreError::NotEnrolled => ChevetError::NotEnrolled,
            CoreError::SyncInProgress => ChevetError::SyncInProgress,
            CoreError::SyncCancelled => ChevetError::SyncCancelled,
            CoreError::HubUnreachable(reason) => ChevetError::HubUnreachable { reason },
            CoreError::HubCertificate(p) => ChevetError::HubCertificateRefused { problem: p.into() },
            CoreError::HubUnauthorized => ChevetError::HubRefused { status: 401, code: "unauthorized".into() },
            // The store is already erased: the app goes back to enrolment.
            CoreError::DeviceRevoked => ChevetError::DeviceRevoked,
            CoreError::HubRefused { status, code } => ChevetError::HubRefused { status, code },
        }
    }
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ChevetError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ChevetError::Callback { reason: e.reason }
    }
}

/// Ids cross the FFI as strings; a malformed one is bad input, not a crash.
pub(crate) fn parse_id(field: &str, s: &str) -> Result<uuid::Uuid, ChevetError> {
    uuid::Uuid::parse_str(s).map_err(|_| ChevetError::InvalidInput { field: field.into(), reason: "not a UUID".into() })
}
