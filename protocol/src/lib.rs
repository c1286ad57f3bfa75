//! The sync protocol between a device and its hub, version 1.
//!
//! JSON over HTTPS. A device pushes its outbox in bounded batches and gets an
//! answer per operation; then it pulls the changes of its scope since an
//! opaque cursor. Every type here is the wire format: renaming a field is a
//! protocol change.
//!
//! - `POST /v1/enrol` — [`EnrolRequest`] → [`EnrolResponse`]
//! - `POST /v1/sync/push` — [`PushRequest`] → [`PushResponse`]
//! - `GET /v1/sync/pull?cursor=…&limit=…` — [`PullResponse`]
//! - `POST /v1/sync/audit` — [`AuditPushRequest`] → [`AuditPushResponse`] (the
//!   device's access journal, chained: [`audit`])
//! - errors — an HTTP 4xx/5xx status with an [`ErrorBody`]
//!
//! The OpenAPI description is `hub/openapi.json`. The enrolment link a
//! tablet scans is in [`enrolment_link`].

pub mod audit;
pub mod enrolment_link;

pub use audit::{AuditAction, AuditPushRequest, AuditPushResponse, AuditRecord};
pub use enrolment_link::{EnrolmentLink, LinkError};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The protocol version this crate speaks; sent as the `Chevet-Protocol` header.
pub const PROTOCOL_VERSION: u32 = 1;
/// Header carrying [`PROTOCOL_VERSION`].
pub const PROTOCOL_HEADER: &str = "chevet-protocol";
/// Header where a tablet tells how many operations wait on it (the
/// console's sync health); the client version travels in User-Agent.
pub const PENDING_HEADER: &str = "chevet-pending";
/// Header where a tablet tells, on a pull, the highest `device_seq` it has
/// given an operation so far. What the pulled page teaches it (a
/// professional deactivated) binds every operation it makes after: the hub
/// refuses a deactivated professional's records numbered above it, whatever
/// date they claim.
pub const OUTBOX_HEAD_HEADER: &str = "chevet-outbox-head";
/// Header where a tablet tells why its last sync failed and when, if it
/// failed after its last success (`unreachable 1765000000000`): failures
/// that never reached the hub are seen on the console all the same.
pub const LAST_FAILURE_HEADER: &str = "chevet-last-failure";

/// Why a tablet's sync failed, as it tells the hub ([`LAST_FAILURE_HEADER`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TabletFailure {
    /// No network, or the hub did not answer.
    Unreachable,
    /// The hub's certificate was refused.
    CertificateRefused,
    /// The hub refused the tablet's credential.
    CredentialRefused,
    /// The hub refused a request, or the tablet failed to store the answer.
    Failed,
}

impl TabletFailure {
    pub const ALL: [TabletFailure; 4] = [
        TabletFailure::Unreachable,
        TabletFailure::CertificateRefused,
        TabletFailure::CredentialRefused,
        TabletFailure::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TabletFailure::Unreachable => "unreachable",
            TabletFailure::CertificateRefused => "certificate_refused",
            TabletFailure::CredentialRefused => "credential_refused",
            TabletFailure::Failed => "failed",
        }
    }

    /// The header's value.
    pub fn header_value(self, at_ms: i64) -> String {
        format!("{} {at_ms}", self.as_str())
    }

    /// Reads the header's value; anything else is ignored by the hub.
    pub fn parse_header(value: &str) -> Option<(TabletFailure, i64)> {
        let (kind, at) = value.trim().split_once(' ')?;
        let kind = TabletFailure::ALL.into_iter().find(|k| k.as_str() == kind)?;
        let at: i64 = at.parse().ok()?;
        (0..=253_402_300_799_999).contains(&at).then_some((kind, at))
    }
}
/// Most operations in one push.
pub const MAX_PUSH_OPS: usize = 100;
/// Largest push body, in bytes.
pub const MAX_PUSH_BYTES: usize = 1024 * 1024;
/// Most changes in one pull page.
pub const MAX_PULL_LIMIT: u32 = 1000;
/// Largest blob (an encrypted photo rendition is well under this).
pub const MAX_BLOB_BYTES: u64 = 64 * 1024 * 1024;
/// Largest JSON answer a client reads (a full pull page is far below):
/// a hub, or something posing as one, cannot make a tablet buffer more.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024 * 1024;

/// What an operation changes; decides how the hub merges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// An immutable fact (act record, observation…): appended, never merged.
    Fact,
    /// A resident's profile: field-merged, same-field edits kept as conflicts.
    Resident,
    /// A care-plan act: merged when fields do not collide, else a proposal.
    PlannedAct,
    Wound,
    /// A home-care route (a SSIAD nurse's tournée of a day). Named `round`
    /// on the wire and in storage, its first name, which devices and hubs
    /// already hold.
    #[serde(rename = "round")]
    Route,
    /// Reference data, pull-only: a device never pushes these.
    Establishment,
    Unit,
    Staff,
}

impl Entity {
    pub fn is_document(self) -> bool {
        matches!(self, Entity::Resident | Entity::PlannedAct | Entity::Wound | Entity::Route)
    }

    pub fn is_reference(self) -> bool {
        matches!(self, Entity::Establishment | Entity::Unit | Entity::Staff)
    }
}

/// One outbox entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// UUIDv7 chosen by the device: the idempotency key.
    pub op_id: Uuid,
    /// Gap-free per device, from 1.
    pub device_seq: i64,
    pub entity: Entity,
    pub entity_id: Uuid,
    /// Documents: the hub version the change was made on (0 for a creation).
    pub base_version: Option<u32>,
    /// Hybrid logical clock: physical milliseconds << 16 | counter.
    pub hlc: u64,
    /// When the care happened, device clock, ms since the epoch.
    pub clinical_time_ms: i64,
    /// Facts: the fact (its author and device inside). Documents:
    /// `{"op": "create" | "replace", "value": state, "author": staff id}`.
    pub payload: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    pub ops: Vec<Operation>,
    /// The device clock when the batch was sent, to flag skew.
    pub device_time_ms: i64,
}

/// Why the hub refused an operation. It is quarantined on both sides and
/// never blocks the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// The record's resident or unit is outside the device's scope, or
    /// unknown to the hub (the two look alike on purpose: a device learns
    /// nothing about residents it may not see).
    OutOfScope,
    /// The payload is not what the entity holds.
    Malformed,
    /// A document change against a version the hub never had.
    UnknownBase,
    /// Reference data is pull-only.
    ReadOnly,
    /// The record breaks the domain's rules (an implausible vital, a
    /// schedule every 0 days, a planned act of another resident): the hub
    /// runs the same validation as the tablet.
    Invalid,
    /// Whoever the record names may not make it: an author unknown to the
    /// tenant or not working in the unit, a role without the permission, a
    /// device other than the one sending it, an edit of an INSi identity.
    Forbidden,
}

impl RejectCode {
    /// Every code, for checks that must cover them all (the OpenAPI test).
    pub const ALL: [RejectCode; 6] = [
        RejectCode::OutOfScope,
        RejectCode::Malformed,
        RejectCode::UnknownBase,
        RejectCode::ReadOnly,
        RejectCode::Invalid,
        RejectCode::Forbidden,
    ];

    /// Position in [`RejectCode::ALL`]; the match makes a new code a
    /// compile error until `ALL` lists it.
    pub fn index(self) -> usize {
        match self {
            RejectCode::OutOfScope => 0,
            RejectCode::Malformed => 1,
            RejectCode::UnknownBase => 2,
            RejectCode::ReadOnly => 3,
            RejectCode::Invalid => 4,
            RejectCode::Forbidden => 5,
        }
    }
}

/// The hub's answer to one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OpOutcome {
    /// Applied; `version` is the document's new hub version (facts: none).
    Applied {
        version: Option<u32>,
    },
    /// Applied with a merge: the fields in `conflicts` kept the hub's value
    /// and the device's values are filed as a conflict for a coordinator.
    /// Care-plan acts are not applied at all (`proposal`).
    Conflict {
        version: u32,
        conflicts: Vec<String>,
        proposal: bool,
    },
    Rejected {
        code: RejectCode,
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpResult {
    pub op_id: Uuid,
    /// True when the hub had already answered this op_id (a replay).
    pub duplicate: bool,
    #[serde(flatten)]
    pub outcome: OpOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushResponse {
    /// One answer per operation, in request order.
    pub results: Vec<OpResult>,
    pub hub_time_ms: i64,
}

/// One change in the hub's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub entity: Entity,
    pub entity_id: Uuid,
    /// Documents and reference data: the hub version this state is.
    pub version: Option<u32>,
    /// The device whose operation made it (none for hub-side admin changes).
    pub origin_device: Option<Uuid>,
    /// Facts: the fact. Documents and reference data: the whole state.
    pub payload: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: Vec<Change>,
    /// Opaque; send it back to continue.
    pub cursor: String,
    /// More changes wait: pull again at once.
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolRequest {
    /// The one-time code an administrator gave the device.
    pub code: String,
    /// The id the device's store already carries (it signs every record).
    pub device_id: Uuid,
    /// "Tablette chariot étage 2": shown in the hub's device list.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub device_id: Uuid,
    /// Bearer credential; the hub keeps only its hash. Revocable.
    pub credential: String,
    pub tenant_id: Uuid,
    pub units: Vec<Uuid>,
}

/// Machine-readable error kinds, one per HTTP failure the hub returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: malformed body, query or header.
    BadRequest,
    /// 401: missing, unknown or revoked credential.
    Unauthorized,
    /// 403: enrolment code unknown, used or expired.
    Forbidden,
    /// 409: a replayed enrolment or a batch whose device_seq goes backwards.
    Conflict,
    /// 410: the cursor is older than what the hub keeps: start a full pull.
    Resnapshot,
    /// 413: more than MAX_PUSH_OPS operations or MAX_PUSH_BYTES bytes.
    TooLarge,
    /// 429: the device has too many uploads in progress: finish or let
    /// them expire, then try again.
    QuotaExceeded,
    /// 426: a protocol version the hub does not speak.
    UnsupportedProtocol,
    /// 500/503: the hub failed; retry later.
    Unavailable,
    /// 401: this device's credential was revoked (a lost or stolen tablet):
    /// the device erases what it holds.
    Revoked,
    /// 429: this device (or, without a credential, this address) sent more
    /// than its budget: retry after the `Retry-After` seconds.
    RateLimited,
}

impl ErrorCode {
    /// Every code, for checks that must cover them all (the OpenAPI test).
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::Conflict,
        ErrorCode::Resnapshot,
        ErrorCode::TooLarge,
        ErrorCode::QuotaExceeded,
        ErrorCode::UnsupportedProtocol,
        ErrorCode::Unavailable,
        ErrorCode::Revoked,
        ErrorCode::RateLimited,
    ];

    /// Position in [`ErrorCode::ALL`]; the match makes a new code a compile
    /// error until `ALL` lists it.
    pub fn index(self) -> usize {
        match self {
            ErrorCode::BadRequest => 0,
            ErrorCode::Unauthorized => 1,
            ErrorCode::Forbidden => 2,
            ErrorCode::Conflict => 3,
            ErrorCode::Resnapshot => 4,
            ErrorCode::TooLarge => 5,
            ErrorCode::QuotaExceeded => 6,
            ErrorCode::UnsupportedProtocol => 7,
            ErrorCode::Unavailable => 8,
            ErrorCode::Revoked => 9,
            ErrorCode::RateLimited => 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// For people; ids and kinds only.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_keeps_its_first_name_on_the_wire() {
        // Tablets and hubs already hold operations on "round" documents.
        assert_eq!(serde_json::to_string(&Entity::Route).unwrap(), "\"round\"");
        assert_eq!(serde_json::from_str::<Entity>("\"round\"").unwrap(), Entity::Route);
    }

    #[test]
    fn numbers_read_and_written_again_stay_the_same() {
        // Found by fuzzing: without serde_json's float_roundtrip, this one
        // came back one ULP off after a second trip (and the hub merges
        // documents by comparing values).
        for text in [
            "-117736117736624656285696",
            "-1.1773611773662468e23",
            "72.35",
            "0.1",
            "36.6",
            "1e-7",
            "123456789.12345679",
        ] {
            let once: serde_json::Value = serde_json::from_str(text).unwrap();
            let twice: serde_json::Value = serde_json::from_str(&once.to_string()).unwrap();
            assert_eq!(once, twice, "{text}");
            assert_eq!(once.to_string(), twice.to_string(), "{text}");
        }
    }

    #[test]
    fn outcomes_have_a_stable_wire_form() {
        let r = OpResult {
            op_id: Uuid::nil(),
            duplicate: false,
            outcome: OpOutcome::Conflict { version: 3, conflicts: vec!["room".into()], proposal: false },
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["outcome"], "conflict");
        assert_eq!(json["conflicts"][0], "room");
        assert_eq!(serde_json::from_value::<OpResult>(json).unwrap(), r);
        assert_eq!(serde_json::to_value(Entity::PlannedAct).unwrap(), "planned_act");
        assert_eq!(serde_json::to_value(ErrorCode::TooLarge).unwrap(), "too_large");
    }

    #[test]
    fn reject_and_error_codes_are_all_listed() {
        for (i, c) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
        for (i, c) in RejectCode::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }

    #[test]
    fn a_tablet_failure_header_reads_back_and_nothing_else_does() {
        for k in TabletFailure::ALL {
            assert_eq!(TabletFailure::parse_header(&k.header_value(1_765_000_000_000)), Some((k, 1_765_000_000_000)));
        }
        for bad in ["", "unreachable", "unreachable x", "offline 12", "unreachable -1", "unreachable 1 2"] {
            assert_eq!(TabletFailure::parse_header(bad), None, "{bad}");
        }
    }

    #[test]
    fn unknown_fields_and_entities_are_errors_not_panics() {
        assert!(serde_json::from_str::<PushRequest>(r#"{"ops": 5, "device_time_ms": 0}"#).is_err());
        assert!(serde_json::from_str::<Entity>(r#""spaceship""#).is_err());
    }
}
