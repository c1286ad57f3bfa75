//! The core's one error type.
//!
//! Every message names kinds and ids only, never a name, an INS, a note or a
//! measurement: errors end up in logs, crash reports and the apps' screens.

use uuid::Uuid;

/// Result alias used across the core.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;

/// What went wrong, precisely enough for the caller to react and for a
/// support engineer to diagnose, without personal data.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    // --- keys and encryption -------------------------------------------------
    /// The key vault could not wrap or unwrap the device key.
    #[error("key vault failed: {0}")]
    Vault(String),
    /// The unwrapped key does not open this store (its canary fails).
    #[error("wrong key: the device key does not open this store")]
    WrongKey,
    /// An envelope names a key id this store does not hold.
    #[error("unknown key id {key_id} in {table} record {id}")]
    UnknownKeyId { table: &'static str, id: Uuid, key_id: u16 },
    /// An envelope has a format version this build cannot read.
    #[error("unsupported envelope version {version} in {table} record {id}")]
    UnsupportedEnvelope { table: &'static str, id: Uuid, version: u8 },
    /// An envelope failed authentication: its bytes were altered.
    #[error("corrupt ciphertext in {table} record {id}")]
    CorruptRecord { table: &'static str, id: Uuid },
    /// An intact envelope sealed for another row was found in this one.
    #[error("misplaced ciphertext in {table} record {id}: it was sealed for another row")]
    MisplacedRecord { table: &'static str, id: Uuid },
    /// A decrypted payload is not the structure its table holds.
    #[error("undecodable payload in {table} record {id}")]
    UndecodableRecord { table: &'static str, id: Uuid },

    /// A pulled record breaks the domain's rules (a hub bug or a hostile
    /// hub): it is kept out, never shown half-valid.
    #[error("pulled {table} record {id} fails validation")]
    InvalidPulled { table: &'static str, id: Uuid },

    // --- database --------------------------------------------------------------
    /// SQLite reports the file damaged (truncated, overwritten, not a database).
    #[error("database file is damaged: {0}")]
    DatabaseCorrupt(String),
    /// The database was written by a newer version of Chevet.
    #[error("store schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    /// Any other SQLite failure (disk full, I/O error, busy).
    #[error("database error: {0}")]
    Database(String),
    /// The store's audit journal does not verify.
    #[error("audit journal broken at entry {seq}")]
    AuditChainBroken { seq: i64 },

    // --- sessions and permissions ------------------------------------------------
    /// No one is signed in, or the session locked itself after idling.
    #[error("no open session: sign in with a PIN")]
    NoSession,
    /// The PIN did not match.
    #[error("wrong PIN for staff {staff_id} ({attempts_left} attempts left)")]
    WrongPin { staff_id: Uuid, attempts_left: u32 },
    /// Too many wrong PINs: the account is locked until the given time (ms since epoch).
    #[error("staff {staff_id} is locked out until {until_ms}")]
    LockedOut { staff_id: Uuid, until_ms: i64 },
    /// The first-PIN code did not match; wrong codes count like wrong PINs.
    #[error("wrong first-PIN code for staff {staff_id} ({attempts_left} attempts left)")]
    WrongFirstPinCode { staff_id: Uuid, attempts_left: u32 },
    /// A first PIN cannot be set: no code was issued, it expired, or a PIN
    /// is already set on this device.
    #[error("first PIN not possible for staff {staff_id}: {reason}")]
    FirstPinUnavailable { staff_id: Uuid, reason: &'static str },
    /// A PIN that is too weak or malformed was offered at enrolment.
    #[error("PIN refused: {0}")]
    WeakPin(&'static str),
    /// A record's author is not a professional known here.
    #[error("author {staff_id} is not a known professional")]
    UnknownAuthor { staff_id: Uuid },
    /// The professional was deactivated by the establishment: no sign-in,
    /// and records they sign after that are refused.
    #[error("staff {staff_id} is deactivated")]
    StaffDeactivated { staff_id: Uuid },
    /// A record's author does not work in the unit of the resident it is about.
    #[error("author {staff_id} does not work in unit {unit_id}")]
    AuthorOutsideUnit { staff_id: Uuid, unit_id: Uuid },
    /// A record says it was made on another device than the one sending it.
    #[error("record signed by device {device_id}, not by the device that sent it")]
    ForeignDevice { device_id: Uuid },
    /// The signed-in user's role lacks the permission for this write.
    #[error("staff {staff_id} lacks permission {permission}")]
    PermissionDenied { staff_id: Uuid, permission: &'static str },

    // --- input -------------------------------------------------------------------
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
    /// The record changed since the caller read it.
    #[error("{kind} {id} changed: expected version {expected}, found {found}")]
    VersionConflict { kind: &'static str, id: Uuid, expected: u32, found: u32 },
    // --- sync ----------------------------------------------------------------------
    /// The store has no hub credential: enrol first.
    #[error("this device is not enrolled with a hub")]
    NotEnrolled,
    /// Another sync of this store is running.
    #[error("a sync is already running")]
    SyncInProgress,
    /// The caller cancelled the sync; what was done before stays done.
    #[error("sync cancelled")]
    SyncCancelled,
    /// The hub could not be reached or failed; retrying later may work.
    #[error("hub unreachable: {0}")]
    HubUnreachable(String),
    /// The hub's TLS certificate was refused: retrying cannot fix it (the
    /// establishment's CA, the hub's certificate or the address is wrong).
    #[error("the hub's certificate is refused: {0}")]
    HubCertificate(CertificateProblem),
    /// The hub refused the device's credential (revoked or unknown).
    #[error("the hub refused this device's credential")]
    HubUnauthorized,
    /// The hub revoked this device (lost or stolen): its store was erased
    /// and must be enrolled again.
    #[error("this device was revoked by the hub; its data was erased")]
    DeviceRevoked,
    /// The hub refused a request; `code` is the protocol's error code.
    #[error("the hub refused the request ({status} {code})")]
    HubRefused { status: u16, code: String },
    // --- photos ----------------------------------------------------------------------
    /// The camera's bytes were refused; nothing was stored.
    #[error("photo refused: {0}")]
    Photo(#[from] crate::media::PhotoError),
    /// A photo's file is not on this device: still on the hub, or lost.
    #[error("photo {photo_id} {rendition} is not on this device")]
    PhotoFileMissing { photo_id: Uuid, rendition: &'static str, on_hub: bool },
    /// A photo's file does not open: altered, cut short or not its own.
    #[error("photo {photo_id} {rendition} does not open: {reason}")]
    PhotoFileCorrupt { photo_id: Uuid, rendition: &'static str, reason: crate::crypto::stream::StreamError },
    /// Reading or writing the photo folder failed (disk full, permissions).
    #[error("photo storage failed: {0}")]
    MediaStorage(std::io::ErrorKind),

    /// The fact was already marked entered-in-error.
    #[error("record {id} is already marked entered-in-error")]
    AlreadyCorrected { id: Uuid },
}

/// Why a hub's certificate was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateProblem {
    /// Not signed by a CA this device trusts (the establishment's CA was
    /// not given, or another one was).
    UnknownIssuer,
    /// Past its end date (or not yet valid: check the device's clock).
    Expired,
    /// Issued for another name than the hub's address.
    WrongName,
    /// Revoked, malformed, not for a server, or refused for another reason.
    Invalid,
}

impl std::fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CertificateProblem::UnknownIssuer => "not issued by a trusted authority (the establishment's CA?)",
            CertificateProblem::Expired => "expired or not yet valid (check the device's clock)",
            CertificateProblem::WrongName => "issued for another name than the hub's address",
            CertificateProblem::Invalid => "invalid",
        })
    }
}

impl CoreError {
    pub(crate) fn invalid(field: &'static str, reason: &'static str) -> Self {
        CoreError::InvalidInput { field, reason }
    }
}

/// The domain's refusals, as the core has always named them (the FFI maps
/// these variants once, in `bindings/src/error.rs`).
impl From<chevet_domain::error::DomainError> for CoreError {
    fn from(e: chevet_domain::error::DomainError) -> Self {
        use chevet_domain::error::DomainError as D;
        match e {
            D::UnknownAuthor { staff_id } => CoreError::UnknownAuthor { staff_id },
            D::StaffDeactivated { staff_id } => CoreError::StaffDeactivated { staff_id },
            D::AuthorOutsideUnit { staff_id, unit_id } => CoreError::AuthorOutsideUnit { staff_id, unit_id },
            D::ForeignDevice { device_id } => CoreError::ForeignDevice { device_id },
            D::PermissionDenied { staff_id, permission } => CoreError::PermissionDenied { staff_id, permission },
            D::InvalidIns(why) => CoreError::InvalidIns(why),
            D::IdentityLocked { resident_id } => CoreError::IdentityLocked { resident_id },
            D::WrongHomeTag { resident_id, registered } => CoreError::WrongHomeTag { resident_id, registered },
            D::IdentityStatusFromInsi { resident_id } => CoreError::IdentityStatusFromInsi { resident_id },
            D::ImplausibleValue { code, unit, min, max } => CoreError::ImplausibleValue { code, unit, min, max },
            D::InvalidInput { field, reason } => CoreError::InvalidInput { field, reason },
            D::MissingData { what } => CoreError::MissingData { what },
            D::NotFound { kind, id } => CoreError::NotFound { kind, id },
            D::WeakPin(why) => CoreError::WeakPin(why),
            D::RandomSource => CoreError::Vault("random source failed".into()),
        }
    }
}

impl From<rusqlite::Error> for CoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        // SQLite's messages carry no row values (we never build SQL from data),
        // so its text is safe to keep.
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => CoreError::DatabaseCorrupt(e.to_string()),
            _ => CoreError::Database(e.to_string()),
        }
    }
}

impl From<rusqlite::types::FromSqlError> for CoreError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        CoreError::Database(format!("unexpected column type: {e}"))
    }
}
