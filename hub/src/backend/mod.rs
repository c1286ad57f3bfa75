//! Storage behind the hub. One transaction trait, implemented per backend;
//! the sync rules (`crate::sync`) and admin commands are written once
//! against it, so every backend behaves the same and one conformance suite
//! tests them all.

mod pg_tls;
pub mod postgres;
pub mod sqlite;

use std::collections::BTreeSet;

use chevet_protocol::{AuditAction, Change, Entity, OpOutcome, Operation, RejectCode};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::HubResult;

/// An authenticated device and what it may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuth {
    pub device_id: Uuid,
    pub tenant_id: Uuid,
    pub units: Vec<Uuid>,
}

/// A document's current state on the hub.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentRow {
    pub entity: Entity,
    pub unit_id: Option<Uuid>,
    pub version: u32,
    pub state: Map<String, Value>,
}

/// One past version of a document: who made it and what it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub version: u32,
    pub origin: Option<Uuid>,
    pub changed: BTreeSet<String>,
}

/// A device as the admin list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub device_id: Uuid,
    pub tenant_id: Uuid,
    pub label: String,
    pub revoked: bool,
    pub last_seq: i64,
    pub units: Vec<Uuid>,
    pub enrolled_ms: i64,
    /// Its last push or pull.
    pub last_seen_ms: Option<i64>,
    /// What it said of itself then: client version, operations waiting,
    /// clock skew (see `api::device_report`).
    pub report: Option<Value>,
    /// The last entry of its audit journal the hub holds.
    pub audit_seq: i64,
}

/// An access-log entry as the hub keeps it: a device's journal entry and
/// what the hub made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub device_id: Uuid,
    pub seq: i64,
    pub link: [u8; 32],
    /// By the device's clock.
    pub at_ms: i64,
    pub actor: Option<Uuid>,
    pub action: AuditAction,
    pub entity: String,
    pub entity_id: Uuid,
    /// The resident whose file it is about, as the hub found it from its
    /// own records (none: about no resident, or one out of the device's scope).
    pub resident_id: Option<Uuid>,
    /// Its link follows the chain the hub holds for the device.
    pub verified: bool,
    pub received_ms: i64,
}

/// How a device's audit chain broke, where the hub saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakKind {
    /// Entries between the last one held and this one never arrived.
    Gap,
    /// This entry's link does not follow the one before.
    Mismatch,
    /// An entry already held came again with other content (a store
    /// restored from an older copy, or history rewritten).
    Rewritten,
    /// The device's own keyed check found its journal altered on its disk.
    DeviceReported,
    /// The entry names a resident outside the device's scope.
    OutOfScope,
    /// The entry's professional is not one of the device's units, or was
    /// not active at the entry's time (deactivated, or unknown).
    Actor,
    /// The entry's time lies outside the device's life or the hub's clock
    /// window, or goes back along the chain.
    Time,
}

impl BreakKind {
    pub const ALL: [BreakKind; 7] = [
        BreakKind::Gap,
        BreakKind::Mismatch,
        BreakKind::Rewritten,
        BreakKind::DeviceReported,
        BreakKind::OutOfScope,
        BreakKind::Actor,
        BreakKind::Time,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BreakKind::Gap => "gap",
            BreakKind::Mismatch => "mismatch",
            BreakKind::Rewritten => "rewritten",
            BreakKind::DeviceReported => "device_reported",
            BreakKind::OutOfScope => "out_of_scope",
            BreakKind::Actor => "actor",
            BreakKind::Time => "time",
        }
    }

    pub fn parse(s: &str) -> Option<BreakKind> {
        BreakKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// See [`Tx::audit_context`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuditContext {
    pub enrolled_ms: i64,
    pub head_at_ms: Option<i64>,
    pub broken: bool,
}

/// A break in a device's audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub device_id: Uuid,
    pub seq: i64,
    pub kind: BreakKind,
    pub detected_ms: i64,
}

/// A conflict filed for a coordinator.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRecord {
    pub entity: Entity,
    pub entity_id: Uuid,
    pub op_id: Uuid,
    pub device_id: Uuid,
    pub fields: Vec<String>,
    pub device_values: Value,
    pub hub_values: Value,
    pub proposal: bool,
    /// The professional the device's change was made by (as the op named them).
    pub author: Option<Uuid>,
    /// When it was filed (set by the backend on reading).
    pub created_ms: i64,
    /// When and how a coordinator resolved it.
    pub resolved_ms: Option<i64>,
    pub resolution: Option<Value>,
}

/// A console row as stored: its keys and its record (JSON, the console's own).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub login: String,
    pub record: Value,
}

/// Failed sign-in attempts on one console login (known or not), counted
/// before each attempt is checked (see `console::accounts::begin_attempt`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInCounter {
    pub failures: u32,
    /// Locked until then (0: not locked).
    pub locked_until_ms: i64,
}

/// Everything the hub does to its storage, inside one transaction: the sum
/// of its concerns, each a trait of its own that each backend implements in
/// a file of its own (`sqlite/`, `postgres/`).
pub trait Tx: Tenancy + Operations + Records + Blobs + AuditLog + ConsoleStore {}

impl<T: Tenancy + Operations + Records + Blobs + AuditLog + ConsoleStore + ?Sized> Tx for T {}

/// Tenants, enrolment codes and devices: who may sync, and what each device said of itself.
pub trait Tenancy {
    fn insert_tenant(&mut self, id: Uuid, name: &str, now_ms: i64) -> HubResult<()>;
    fn tenant_exists(&mut self, id: Uuid) -> HubResult<bool>;

    fn device_by_credential(&mut self, hash: &[u8; 32]) -> HubResult<Option<DeviceAuth>>;
    /// Whether the credential is a revoked device's.
    fn credential_revoked(&mut self, hash: &[u8; 32]) -> HubResult<bool>;
    fn insert_enrolment_code(
        &mut self,
        hash: &[u8; 32],
        tenant: Uuid,
        units: &[Uuid],
        expires_ms: i64,
    ) -> HubResult<()>;
    /// Marks the code used and returns its tenant and units, if it is
    /// known, unused and not expired.
    fn take_enrolment_code(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Vec<Uuid>)>>;
    fn insert_device(
        &mut self,
        device: &DeviceAuth,
        label: &str,
        credential_hash: &[u8; 32],
        now_ms: i64,
    ) -> HubResult<()>;
    fn device_exists(&mut self, device_id: Uuid) -> HubResult<bool>;
    fn revoke_device(&mut self, device_id: Uuid, now_ms: i64) -> HubResult<bool>;
    fn note_device_seen(&mut self, device_id: Uuid, last_seq: i64, now_ms: i64) -> HubResult<()>;
    /// The highest sequence of the device's operations the hub has answered.
    fn device_last_seq(&mut self, device_id: Uuid) -> HubResult<i64>;
    /// Records that `device` was served professional `staff` deactivated,
    /// when the operations it had made went up to `outbox_head` (what it
    /// says, kept within `[its last pushed sequence, that + slack]`). The
    /// first bound stays: serving it again moves nothing.
    fn note_deactivation_served(
        &mut self,
        device: &DeviceAuth,
        staff: Uuid,
        outbox_head: Option<i64>,
        slack: i64,
    ) -> HubResult<()>;
    /// Records that `device` was served `staff` active again: the bound goes.
    fn note_reactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<()>;
    /// The sequence after which `device` knew `staff` was deactivated.
    fn deactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<Option<i64>>;
    fn devices(&mut self, tenant: Uuid) -> HubResult<Vec<DeviceInfo>>;
    /// Records what a device said of itself at its last contact (the keys
    /// given replace the stored ones; the others stay).
    fn note_device_report(&mut self, device_id: Uuid, report: &Value, now_ms: i64) -> HubResult<()>;
    /// Records a refused request of the device (merged like a report) without
    /// counting it as a contact.
    fn note_device_refusal(&mut self, device_id: Uuid, report: &Value) -> HubResult<()>;
    /// A device's label (« Tablette chariot étage 2 »), within its tenant.
    fn device_label(&mut self, tenant: Uuid, device: Uuid) -> HubResult<Option<String>>;
}

/// The answers given to each device's operations (its idempotency keys), the quarantine of what was refused, and the conflicts filed for a coordinator.
pub trait Operations {
    /// The answer this device was given for `op_id`. Operation ids are the
    /// device's idempotency keys: another device's (or tenant's) op with the
    /// same id is a different operation, never its answer.
    fn op_outcome(&mut self, device: &DeviceAuth, op_id: Uuid) -> HubResult<Option<OpOutcome>>;
    /// The answers already given to this device for any of `op_ids`
    /// (replays), in one go.
    fn op_outcomes(
        &mut self,
        device: &DeviceAuth,
        op_ids: &[Uuid],
    ) -> HubResult<std::collections::HashMap<Uuid, OpOutcome>> {
        let mut out = std::collections::HashMap::new();
        for id in op_ids {
            if let Some(o) = self.op_outcome(device, *id)? {
                out.insert(*id, o);
            }
        }
        Ok(out)
    }
    fn save_op_outcome(
        &mut self,
        device: &DeviceAuth,
        op: &Operation,
        outcome: &OpOutcome,
        now_ms: i64,
    ) -> HubResult<()>;
    /// Records several answers at once (backends may do it in one round trip).
    fn save_op_outcomes(
        &mut self,
        device: &DeviceAuth,
        answers: &[(&Operation, OpOutcome)],
        now_ms: i64,
    ) -> HubResult<()> {
        for (op, outcome) in answers {
            self.save_op_outcome(device, op, outcome, now_ms)?;
        }
        Ok(())
    }
    fn quarantine(
        &mut self,
        device: &DeviceAuth,
        op: &Operation,
        code: RejectCode,
        reason: &str,
        now_ms: i64,
    ) -> HubResult<()>;
    /// How many refused operations of the device are kept.
    fn quarantine_count(&mut self, device: &DeviceAuth) -> HubResult<i64>;

    fn file_conflict(&mut self, tenant: Uuid, conflict: &ConflictRecord, now_ms: i64) -> HubResult<()>;
    /// The open conflicts, oldest first.
    fn conflicts(&mut self, tenant: Uuid) -> HubResult<Vec<ConflictRecord>>;
    /// One conflict, open or resolved.
    fn conflict(&mut self, tenant: Uuid, device: Uuid, op: Uuid) -> HubResult<Option<ConflictRecord>>;
    /// Closes an open conflict; false if it was not open.
    fn resolve_conflict(
        &mut self,
        tenant: Uuid,
        device: Uuid,
        op: Uuid,
        resolution: &Value,
        now_ms: i64,
    ) -> HubResult<bool>;
}

/// Documents with their versions, facts, and the change log devices pull (with its snapshots and compaction).
pub trait Records {
    fn document(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<DocumentRow>>;
    /// A tenant's documents of one kind (reference data: establishments, units, staff).
    fn documents_of(&mut self, tenant: Uuid, entity: Entity) -> HubResult<Vec<(Uuid, DocumentRow)>>;
    fn document_state_at(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Option<Map<String, Value>>>;
    fn versions_after(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Vec<VersionRow>>;
    #[allow(clippy::too_many_arguments)]
    fn save_document(
        &mut self,
        tenant: Uuid,
        id: Uuid,
        entity: Entity,
        unit_id: Option<Uuid>,
        version: u32,
        state: &Map<String, Value>,
        origin: Option<Uuid>,
        changed: &BTreeSet<String>,
    ) -> HubResult<()>;

    /// The occurrences of `planned_act` in `[from_ms, to_ms)` that a fact
    /// answers, leaving out facts a correction voided: what the console's
    /// « non tracés » are computed against. Read through the answers' index.
    fn answered_occurrences(
        &mut self,
        tenant: Uuid,
        planned_act: Uuid,
        from_ms: i64,
        to_ms: i64,
    ) -> HubResult<Vec<i64>>;

    /// Inserts a fact; false if it was already there.
    fn insert_fact(&mut self, tenant: Uuid, id: Uuid, unit_id: Uuid, payload: &Value, now_ms: i64) -> HubResult<bool>;
    fn fact(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<Value>>;
    /// Inserts a fact and, if it was new, logs `change` for the pull; false
    /// if the fact was already there. (Backends may do both in one round trip.)
    fn insert_fact_logged(&mut self, tenant: Uuid, unit_id: Uuid, change: &Change, now_ms: i64) -> HubResult<bool> {
        if !self.insert_fact(tenant, change.entity_id, unit_id, &change.payload, now_ms)? {
            return Ok(false);
        }
        self.append_change(tenant, Some(unit_id), change, now_ms)?;
        Ok(true)
    }

    /// Appends to the pull log.
    fn append_change(&mut self, tenant: Uuid, unit_id: Option<Uuid>, change: &Change, now_ms: i64) -> HubResult<()>;
    /// Up to `limit` changes of the tenant-wide log and the given units after
    /// `cursor` (empty: from the start), the cursor after them, and whether
    /// more wait. Cursors are the backend's own; a foreign one is a
    /// `BadRequest`, one older than the kept history a `Resnapshot`. A
    /// change committed after a page was served never lands behind its cursor.
    /// Whether the log has been compacted (a pull from scratch must then
    /// start with a snapshot of the current state).
    fn log_compacted(&mut self) -> HubResult<bool>;
    /// A cursor at the current end of the log: every change committed
    /// before this call is behind it, none committed after.
    fn log_head(&mut self) -> HubResult<String>;
    /// Deletes the pull log's changes older than `before_ms`; cursors
    /// pointing into the deleted part get a re-snapshot. Returns how many.
    fn compact_log(&mut self, before_ms: i64) -> HubResult<u64>;
    /// The current state of the tenant's scope, as changes, after position
    /// `after` (phase 0: documents and reference data by id; phase 1:
    /// facts by id); the next position, or None when done.
    fn snapshot_page(&mut self, tenant: Uuid, units: &[Uuid], after: (u8, Uuid), limit: u32)
    -> HubResult<SnapshotPage>;

    fn pull_page(
        &mut self,
        tenant: Uuid,
        units: &[Uuid],
        cursor: &str,
        limit: u32,
    ) -> HubResult<(Vec<Change>, String, bool)>;
}

/// Photo files: which units' records name them, who published them and how much, their content keys, the orphans to sweep.
pub trait Blobs {
    /// Notes that a photo of `unit` names blob `hash` (who may read it).
    fn add_blob_ref(&mut self, tenant: Uuid, hash: &str, unit_id: Uuid) -> HubResult<()>;
    /// A blob published from a device's upload (the first device to publish
    /// a hash owns it), for its quota and the sweep of blobs no record names.
    fn record_stored_blob(&mut self, tenant: Uuid, hash: &str, device: Uuid, bytes: u64, now_ms: i64) -> HubResult<()>;
    /// Bytes of the blobs a device published that no record names (yet).
    fn unclaimed_bytes(&mut self, tenant: Uuid, device: Uuid) -> HubResult<u64>;
    /// Forgets up to `limit` blobs published before `before_ms` that no
    /// record names; returns them (tenant, hash) for their files to go.
    fn take_orphan_blobs(&mut self, before_ms: i64, limit: u32) -> HubResult<Vec<(Uuid, String)>>;
    /// Binds a blob to the content key of the first photo record that names
    /// it (`key`: that key as JSON); returns the key it is bound to now —
    /// `key` itself, or another record's.
    fn bind_blob_key(&mut self, tenant: Uuid, hash: &str, key: &Value) -> HubResult<Value>;
    /// Whether a photo of one of `units` names blob `hash`.
    fn blob_visible(&mut self, tenant: Uuid, units: &[Uuid], hash: &str) -> HubResult<bool>;
}

/// The devices' access journals as the hub holds and checks them.
pub trait AuditLog {
    /// The last audit entry held for a device, and its link (0 and zeros
    /// before the first).
    fn audit_head(&mut self, tenant: Uuid, device: Uuid) -> HubResult<(i64, [u8; 32])>;
    /// What the hub knows of a device's journal beyond its head: when the
    /// device was enrolled, the time of its head entry, and whether its
    /// chain ever broke.
    fn audit_context(&mut self, tenant: Uuid, device: Uuid) -> HubResult<AuditContext>;
    fn set_audit_head(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<()>;
    /// Whether this exact entry (its place and link) is already held.
    fn audit_entry_held(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<bool>;
    fn insert_audit_entries(&mut self, tenant: Uuid, rows: &[AuditRow]) -> HubResult<()>;
    /// Records a break (once per device, place and kind).
    fn note_audit_break(&mut self, tenant: Uuid, b: &AuditBreak) -> HubResult<()>;
    /// A resident's access log, oldest first.
    fn resident_audit(&mut self, tenant: Uuid, resident: Uuid) -> HubResult<Vec<AuditRow>>;
    /// Every break of the tenant's devices, oldest first.
    fn audit_breaks(&mut self, tenant: Uuid) -> HubResult<Vec<AuditBreak>>;
}

/// Console accounts, their sessions and the sign-in failure counters.
pub trait ConsoleStore {
    /// Console accounts (`login` unique across the hub): insert or replace.
    fn put_console_account(&mut self, row: &ConsoleRow) -> HubResult<()>;
    fn console_account_by_login(&mut self, login: &str) -> HubResult<Option<ConsoleRow>>;
    fn console_account(&mut self, id: Uuid) -> HubResult<Option<ConsoleRow>>;
    /// Console sessions, by the hash of their token: insert or replace.
    fn put_console_session(&mut self, hash: &[u8; 32], account: Uuid, expires_ms: i64, record: &Value)
    -> HubResult<()>;
    /// A session that has not expired at `now_ms`: its account and record.
    fn console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Value)>>;
    /// Ends a session (and sweeps expired ones).
    fn delete_console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<()>;
    /// Ends every session of an account (its second factor was reset).
    fn delete_console_sessions_of(&mut self, account: Uuid) -> HubResult<()>;
    /// The failure counter of a login (by its hash), its row locked until
    /// the transaction ends: concurrent attempts on one login take turns.
    fn sign_in_counter(&mut self, key: &[u8; 32]) -> HubResult<SignInCounter>;
    /// Writes the counter back (a zero counter removes its row), and sweeps
    /// counters untouched for a day.
    fn put_sign_in_counter(&mut self, key: &[u8; 32], counter: SignInCounter, now_ms: i64) -> HubResult<()>;
}

/// A page of a snapshot and the position after it (None when done).
pub type SnapshotPage = (Vec<Change>, Option<(u8, Uuid)>);

/// On whose behalf a transaction runs. Backends that can confine rows
/// (PostgreSQL's row-level security) confine them to this.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Before authentication: credential and enrolment-code look-ups only.
    Hub,
    /// An authenticated device: its tenant and units.
    Device(&'a DeviceAuth),
    /// The administrator's commands.
    Admin,
}

/// A storage backend: hands out transactions.
pub trait Backend: Send + Sync + 'static {
    /// Runs `f` in one transaction on behalf of `scope`: committed if it
    /// returns Ok, rolled back otherwise.
    fn transaction<T>(&self, scope: Scope<'_>, f: impl FnOnce(&mut dyn Tx) -> HubResult<T>) -> HubResult<T>;
}

/// Either backend, chosen at start-up (the CLI, the simulator).
pub enum AnyBackend {
    Sqlite(sqlite::SqliteBackend),
    Postgres(Box<postgres::PostgresBackend>),
}

impl Backend for AnyBackend {
    fn transaction<T>(&self, scope: Scope<'_>, f: impl FnOnce(&mut dyn Tx) -> HubResult<T>) -> HubResult<T> {
        match self {
            AnyBackend::Sqlite(b) => b.transaction(scope, f),
            AnyBackend::Postgres(b) => b.transaction(scope, f),
        }
    }
}

/// What the hub indexes of a fact beside its payload: the planned act and
/// occurrence it answers, and the fact it corrects. Read from the payload
/// the sync rules have checked; a field that is not there is None.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FactIndex {
    pub planned_act_id: Option<Uuid>,
    pub occurrence_ms: Option<i64>,
    pub corrects: Option<Uuid>,
}

impl FactIndex {
    pub fn of(payload: &Value) -> FactIndex {
        let fact = &payload["fact"];
        let uuid = |v: &Value| v.as_str().and_then(|s| Uuid::try_parse(s).ok());
        match payload["kind"].as_str() {
            Some("Act" | "Administration") => FactIndex {
                planned_act_id: uuid(&fact["planned_act_id"]),
                occurrence_ms: fact["occurrence"]
                    .as_str()
                    .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                    .map(|t| t.as_millisecond()),
                corrects: None,
            },
            Some("Correction") => FactIndex { corrects: uuid(&fact["target_id"]), ..FactIndex::default() },
            _ => FactIndex::default(),
        }
    }
}
