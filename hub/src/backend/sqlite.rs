//! The embedded default: one SQLite file, WAL, one writer.
//!
//! The single writer also orders the pull log: a change's position is
//! assigned inside the transaction that commits it, and no other writer can
//! commit a smaller one later, so a cursor never skips a change.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use chevet_protocol::{Change, Entity, OpOutcome, Operation, RejectCode};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{
    AuditBreak, AuditContext, AuditRow, Backend, BreakKind, ConflictRecord, ConsoleRow, DeviceAuth, DeviceInfo,
    DocumentRow, Scope, SignInCounter, Tx, VersionRow,
};
use crate::error::{HubError, HubResult};

const SCHEMA_VERSION: i64 = 6;
/// The tables every schema version has as they are.
const BASE_SCHEMA: &str = r#"
CREATE TABLE tenants (id BLOB PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL) STRICT;
CREATE TABLE devices (
    id BLOB PRIMARY KEY, tenant_id BLOB NOT NULL, label TEXT NOT NULL, units TEXT NOT NULL,
    credential_hash BLOB NOT NULL UNIQUE, enrolled_ms INTEGER NOT NULL, revoked_ms INTEGER,
    last_seq INTEGER NOT NULL DEFAULT 0, last_seen_ms INTEGER
) STRICT;
CREATE TABLE enrolment_codes (
    code_hash BLOB PRIMARY KEY, tenant_id BLOB NOT NULL, units TEXT NOT NULL,
    expires_ms INTEGER NOT NULL, used_ms INTEGER
) STRICT;
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tenant_id BLOB NOT NULL, unit_id BLOB, entity TEXT NOT NULL,
    entity_id BLOB NOT NULL, version INTEGER, origin BLOB, payload TEXT NOT NULL, committed_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX changes_tenant ON changes (tenant_id, seq);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
INSERT INTO meta (key, value) VALUES ('history_floor', 0);
"#;

/// The tables whose rows belong to a tenant, keyed within it (schema v2):
/// an id another tenant chose is another row, never this one's answer.
/// Operations are keyed within their device too (their idempotency key).
const TENANT_TABLES: &str = r#"
CREATE TABLE documents (
    tenant_id BLOB NOT NULL, id BLOB NOT NULL, entity TEXT NOT NULL, unit_id BLOB,
    version INTEGER NOT NULL, state TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE TABLE document_versions (
    tenant_id BLOB NOT NULL, id BLOB NOT NULL, version INTEGER NOT NULL, origin BLOB, changed TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id, version)
) STRICT, WITHOUT ROWID;
CREATE TABLE facts (
    tenant_id BLOB NOT NULL, id BLOB NOT NULL, unit_id BLOB NOT NULL, payload TEXT NOT NULL,
    received_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;
CREATE TABLE ops (
    tenant_id BLOB NOT NULL, device_id BLOB NOT NULL, op_id BLOB NOT NULL, device_seq INTEGER NOT NULL,
    outcome TEXT NOT NULL, received_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, op_id)
) STRICT;
CREATE TABLE quarantine (
    tenant_id BLOB NOT NULL, device_id BLOB NOT NULL, op_id BLOB NOT NULL, code TEXT NOT NULL,
    reason TEXT NOT NULL, op TEXT NOT NULL, received_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, op_id)
) STRICT;
CREATE TABLE conflicts (
    tenant_id BLOB NOT NULL, device_id BLOB NOT NULL, op_id BLOB NOT NULL, entity TEXT NOT NULL,
    entity_id BLOB NOT NULL, fields TEXT NOT NULL, device_values TEXT NOT NULL, hub_values TEXT NOT NULL,
    proposal INTEGER NOT NULL, created_ms INTEGER NOT NULL, resolved_ms INTEGER,
    PRIMARY KEY (tenant_id, device_id, op_id)
) STRICT;
CREATE TABLE blob_refs (
    tenant_id BLOB NOT NULL, hash TEXT NOT NULL, unit_id BLOB NOT NULL,
    PRIMARY KEY (tenant_id, hash, unit_id)
) STRICT, WITHOUT ROWID;
"#;

/// From schema v1 (ids unique across the hub) to v2: the same rows, keyed
/// within their tenant. A document's versions take its tenant.
const UPGRADE_1_TO_2: &str = r#"
ALTER TABLE documents RENAME TO documents_v1;
ALTER TABLE document_versions RENAME TO document_versions_v1;
ALTER TABLE facts RENAME TO facts_v1;
ALTER TABLE ops RENAME TO ops_v1;
ALTER TABLE quarantine RENAME TO quarantine_v1;
ALTER TABLE conflicts RENAME TO conflicts_v1;
"#;

const COPY_1_TO_2: &str = r#"
INSERT INTO documents (tenant_id, id, entity, unit_id, version, state)
    SELECT tenant_id, id, entity, unit_id, version, state FROM documents_v1;
INSERT INTO document_versions (tenant_id, id, version, origin, changed, state)
    SELECT d.tenant_id, v.id, v.version, v.origin, v.changed, v.state
    FROM document_versions_v1 v JOIN documents_v1 d ON d.id = v.id;
INSERT INTO facts (tenant_id, id, unit_id, payload, received_ms)
    SELECT tenant_id, id, unit_id, payload, received_ms FROM facts_v1;
INSERT INTO ops (tenant_id, device_id, op_id, device_seq, outcome, received_ms)
    SELECT tenant_id, device_id, op_id, device_seq, outcome, received_ms FROM ops_v1;
INSERT INTO quarantine (tenant_id, device_id, op_id, code, reason, op, received_ms)
    SELECT tenant_id, device_id, op_id, code, reason, op, received_ms FROM quarantine_v1;
INSERT INTO conflicts (tenant_id, device_id, op_id, entity, entity_id, fields, device_values, hub_values,
        proposal, created_ms, resolved_ms)
    SELECT tenant_id, device_id, op_id, entity, entity_id, fields, device_values, hub_values,
        proposal, created_ms, resolved_ms FROM conflicts_v1;
INSERT OR IGNORE INTO blob_refs (tenant_id, hash, unit_id)
    SELECT tenant_id, json_extract(payload, '$.fact.display.hash'), unit_id FROM facts
    WHERE json_extract(payload, '$.kind') = 'Photo'
    UNION ALL
    SELECT tenant_id, json_extract(payload, '$.fact.thumbnail.hash'), unit_id FROM facts
    WHERE json_extract(payload, '$.kind') = 'Photo';
DROP TABLE documents_v1;
DROP TABLE document_versions_v1;
DROP TABLE facts_v1;
DROP TABLE ops_v1;
DROP TABLE quarantine_v1;
DROP TABLE conflicts_v1;
"#;

/// Schema v3: the coordinator's console (accounts, sessions) and conflicts
/// that say who made them and how they were resolved.
const UPGRADE_2_TO_3: &str = r#"
CREATE TABLE console_accounts (
    id BLOB PRIMARY KEY, tenant_id BLOB NOT NULL, login TEXT NOT NULL UNIQUE, record TEXT NOT NULL
) STRICT;
CREATE TABLE console_sessions (
    token_hash BLOB PRIMARY KEY, account_id BLOB NOT NULL, expires_ms INTEGER NOT NULL, record TEXT NOT NULL
) STRICT;
CREATE INDEX console_sessions_expiry ON console_sessions (expires_ms);
ALTER TABLE conflicts ADD COLUMN author BLOB;
ALTER TABLE conflicts ADD COLUMN resolution TEXT;
ALTER TABLE devices ADD COLUMN report TEXT;
"#;

/// Schema v4: the access log (tablets' audit journals, each device's chain
/// head, and where a chain broke).
const UPGRADE_3_TO_4: &str = r#"
CREATE TABLE audit_entries (
    tenant_id BLOB NOT NULL, device_id BLOB NOT NULL, seq INTEGER NOT NULL, link BLOB NOT NULL,
    at_ms INTEGER NOT NULL, actor BLOB, action TEXT NOT NULL, entity TEXT NOT NULL, entity_id BLOB NOT NULL,
    resident_id BLOB, verified INTEGER NOT NULL, received_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, seq, link)
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_entries_resident ON audit_entries (tenant_id, resident_id, at_ms) WHERE resident_id IS NOT NULL;
CREATE TABLE audit_breaks (
    tenant_id BLOB NOT NULL, device_id BLOB NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL,
    detected_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, device_id, seq, kind)
) STRICT, WITHOUT ROWID;
ALTER TABLE devices ADD COLUMN audit_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN audit_link BLOB;
"#;

/// Schema v5: console sign-in failures counted per login (known or not),
/// apart from the accounts, so that an unknown login locks out the same way.
const UPGRADE_4_TO_5: &str = r#"
CREATE TABLE console_sign_in_failures (
    key_hash BLOB PRIMARY KEY, failures INTEGER NOT NULL, locked_until_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX console_sign_in_failures_updated ON console_sign_in_failures (updated_ms);
DELETE FROM console_sessions WHERE json_extract(record, '$.stage') = 'anonymous';
CREATE TABLE stored_blobs (
    tenant_id BLOB NOT NULL, hash TEXT NOT NULL, device_id BLOB NOT NULL, bytes INTEGER NOT NULL,
    published_ms INTEGER NOT NULL, PRIMARY KEY (tenant_id, hash)
) STRICT, WITHOUT ROWID;
CREATE INDEX stored_blobs_device ON stored_blobs (tenant_id, device_id);
CREATE INDEX stored_blobs_published ON stored_blobs (published_ms);
CREATE TABLE blob_keys (
    tenant_id BLOB NOT NULL, hash TEXT NOT NULL, content_key TEXT NOT NULL, PRIMARY KEY (tenant_id, hash)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO blob_keys (tenant_id, hash, content_key)
    SELECT tenant_id, json_extract(payload, '$.fact.display.hash'), json_extract(payload, '$.fact.content_key')
    FROM facts WHERE json_extract(payload, '$.kind') = 'Photo' AND json_extract(payload, '$.fact.display.hash') IS NOT NULL
    UNION ALL
    SELECT tenant_id, json_extract(payload, '$.fact.thumbnail.hash'), json_extract(payload, '$.fact.content_key')
    FROM facts WHERE json_extract(payload, '$.kind') = 'Photo' AND json_extract(payload, '$.fact.thumbnail.hash') IS NOT NULL;
"#;

/// Schema v6: which deactivations each device was served, and how far its
/// own operations went then (a deactivated professional's records made
/// after it knew are refused, whatever date they claim). `known_after_seq`
/// is NULL once the professional was served active again.
const UPGRADE_5_TO_6: &str = r#"
CREATE TABLE deactivations_served (
    tenant_id BLOB NOT NULL, device_id BLOB NOT NULL, staff_id BLOB NOT NULL, known_after_seq INTEGER,
    PRIMARY KEY (device_id, staff_id)
) STRICT, WITHOUT ROWID;
"#;

/// The SQLite backend.
pub struct SqliteBackend {
    conn: Mutex<Connection>,
}

fn json<T: serde::Serialize>(v: &T) -> HubResult<String> {
    serde_json::to_string(v).map_err(|e| HubError::Storage(format!("encoding: {e}")))
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> HubResult<T> {
    serde_json::from_str(s).map_err(|e| HubError::Storage(format!("stored JSON unreadable: {e}")))
}

fn entity_str(e: Entity) -> HubResult<String> {
    match serde_json::to_value(e) {
        Ok(Value::String(s)) => Ok(s),
        _ => Err(HubError::Storage("entity name".into())),
    }
}

fn entity_from(s: &str) -> HubResult<Entity> {
    serde_json::from_value(Value::String(s.to_owned())).map_err(|_| HubError::Storage(format!("unknown entity {s}")))
}

impl SqliteBackend {
    /// Opens (creating if needed) the hub database at `path`.
    pub fn open(path: &Path) -> HubResult<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -32000;")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(HubError::Storage(format!("hub schema {version} is newer than this build")));
        }
        if version < SCHEMA_VERSION {
            let tx = conn.unchecked_transaction()?;
            if version == 0 {
                tx.execute_batch(BASE_SCHEMA)?;
                tx.execute_batch(TENANT_TABLES)?;
            } else if version == 1 {
                tx.execute_batch(UPGRADE_1_TO_2)?;
                tx.execute_batch(TENANT_TABLES)?;
                tx.execute_batch(COPY_1_TO_2)?;
            }
            if version < 3 {
                tx.execute_batch(UPGRADE_2_TO_3)?;
            }
            if version < 4 {
                tx.execute_batch(UPGRADE_3_TO_4)?;
            }
            if version < 5 {
                tx.execute_batch(UPGRADE_4_TO_5)?;
            }
            tx.execute_batch(UPGRADE_5_TO_6)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
            log::info!("hub schema {version} brought to {SCHEMA_VERSION}");
        }
        Ok(SqliteBackend { conn: Mutex::new(conn) })
    }
}

impl Backend for SqliteBackend {
    /// SQLite has no row-level security: scope is enforced by the sync rules alone.
    fn transaction<T>(&self, _scope: Scope<'_>, f: impl FnOnce(&mut dyn Tx) -> HubResult<T>) -> HubResult<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut t = SqliteTx { tx };
        let out = f(&mut t)?;
        t.tx.commit()?;
        Ok(out)
    }
}

struct SqliteTx<'c> {
    tx: rusqlite::Transaction<'c>,
}

/// Cursors are opaque to devices: a format tag and the last position, hex.
fn encode_cursor(seq: i64) -> String {
    format!("c1.{seq:x}")
}

fn decode_cursor(cursor: &str) -> HubResult<i64> {
    if cursor.is_empty() {
        return Ok(0);
    }
    cursor
        .strip_prefix("c1.")
        .and_then(|h| i64::from_str_radix(h, 16).ok())
        .filter(|s| *s >= 0)
        .ok_or_else(|| HubError::BadRequest("cursor is not one this hub issued".into()))
}

impl SqliteTx<'_> {
    /// Changes after position `after`, with their positions.
    fn changes_after(&mut self, tenant: Uuid, units: &[Uuid], after: i64, limit: u32) -> HubResult<Vec<(i64, Change)>> {
        // Unit ids are bound as a JSON array so the statement stays cacheable.
        let mut stmt = self.tx.prepare_cached(
            "SELECT seq, entity, entity_id, version, origin, payload FROM changes
             WHERE tenant_id = ?1 AND seq > ?2
               AND (unit_id IS NULL OR unit_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each(?3)))
             ORDER BY seq LIMIT ?4",
        )?;
        let rows = stmt
            .query_map(params![tenant, after, json(&units)?, limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Uuid>(2)?,
                    r.get::<_, Option<u32>>(3)?,
                    r.get::<_, Option<Uuid>>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(seq, entity, entity_id, version, origin_device, payload)| {
                Ok((
                    seq,
                    Change {
                        entity: entity_from(&entity)?,
                        entity_id,
                        version,
                        origin_device,
                        payload: parse(&payload)?,
                    },
                ))
            })
            .collect()
    }
}

impl Tx for SqliteTx<'_> {
    fn insert_tenant(&mut self, id: Uuid, name: &str, now_ms: i64) -> HubResult<()> {
        self.tx.execute("INSERT INTO tenants (id, name, created_ms) VALUES (?1, ?2, ?3)", params![id, name, now_ms])?;
        Ok(())
    }

    fn tenant_exists(&mut self, id: Uuid) -> HubResult<bool> {
        Ok(self.tx.query_row("SELECT 1 FROM tenants WHERE id = ?1", [id], |_| Ok(())).optional()?.is_some())
    }

    fn credential_revoked(&mut self, hash: &[u8; 32]) -> HubResult<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM devices WHERE credential_hash = ?1 AND revoked_ms IS NOT NULL)",
            )?
            .query_row([&hash[..]], |r| r.get(0))?)
    }

    fn device_by_credential(&mut self, hash: &[u8; 32]) -> HubResult<Option<DeviceAuth>> {
        let row: Option<(Uuid, Uuid, String)> = self
            .tx
            .prepare_cached(
                "SELECT id, tenant_id, units FROM devices WHERE credential_hash = ?1 AND revoked_ms IS NULL",
            )?
            .query_row([&hash[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(device_id, tenant_id, units)| Ok(DeviceAuth { device_id, tenant_id, units: parse(&units)? }))
            .transpose()
    }

    fn insert_enrolment_code(
        &mut self,
        hash: &[u8; 32],
        tenant: Uuid,
        units: &[Uuid],
        expires_ms: i64,
    ) -> HubResult<()> {
        self.tx.execute(
            "INSERT INTO enrolment_codes (code_hash, tenant_id, units, expires_ms) VALUES (?1, ?2, ?3, ?4)",
            params![&hash[..], tenant, json(&units)?, expires_ms],
        )?;
        Ok(())
    }

    fn take_enrolment_code(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Vec<Uuid>)>> {
        let row: Option<(Uuid, String)> = self
            .tx
            .query_row(
                "UPDATE enrolment_codes SET used_ms = ?2
                 WHERE code_hash = ?1 AND used_ms IS NULL AND expires_ms > ?2 RETURNING tenant_id, units",
                params![&hash[..], now_ms],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(t, u)| Ok((t, parse(&u)?))).transpose()
    }

    fn insert_device(&mut self, d: &DeviceAuth, label: &str, credential_hash: &[u8; 32], now_ms: i64) -> HubResult<()> {
        self.tx.execute(
            "INSERT INTO devices (id, tenant_id, label, units, credential_hash, enrolled_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.device_id, d.tenant_id, label, json(&d.units)?, &credential_hash[..], now_ms],
        )?;
        Ok(())
    }

    fn device_exists(&mut self, device_id: Uuid) -> HubResult<bool> {
        Ok(self.tx.query_row("SELECT 1 FROM devices WHERE id = ?1", [device_id], |_| Ok(())).optional()?.is_some())
    }

    fn revoke_device(&mut self, device_id: Uuid, now_ms: i64) -> HubResult<bool> {
        Ok(self.tx.execute(
            "UPDATE devices SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
            params![device_id, now_ms],
        )? == 1)
    }

    fn note_device_seen(&mut self, device_id: Uuid, last_seq: i64, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached("UPDATE devices SET last_seq = MAX(last_seq, ?2), last_seen_ms = ?3 WHERE id = ?1")?
            .execute(params![device_id, last_seq, now_ms])?;
        Ok(())
    }

    fn device_last_seq(&mut self, device_id: Uuid) -> HubResult<i64> {
        let seq = self
            .tx
            .prepare_cached("SELECT last_seq FROM devices WHERE id = ?1")?
            .query_row([device_id], |r| r.get(0))
            .optional()?;
        Ok(seq.unwrap_or(0))
    }

    fn note_deactivation_served(
        &mut self,
        device: &DeviceAuth,
        staff: Uuid,
        outbox_head: Option<i64>,
        slack: i64,
    ) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO deactivations_served (tenant_id, device_id, staff_id, known_after_seq)
                 SELECT ?1, id, ?3, MIN(MAX(last_seq, COALESCE(?4, last_seq)), last_seq + ?5) FROM devices WHERE id = ?2
                 ON CONFLICT (device_id, staff_id) DO UPDATE
                 SET known_after_seq = COALESCE(known_after_seq, excluded.known_after_seq)",
            )?
            .execute(params![device.tenant_id, device.device_id, staff, outbox_head, slack])?;
        Ok(())
    }

    fn note_reactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "UPDATE deactivations_served SET known_after_seq = NULL WHERE device_id = ?1 AND staff_id = ?2",
            )?
            .execute(params![device.device_id, staff])?;
        Ok(())
    }

    fn deactivation_served(&mut self, device: &DeviceAuth, staff: Uuid) -> HubResult<Option<i64>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT known_after_seq FROM deactivations_served
                 WHERE device_id = ?1 AND staff_id = ?2 AND tenant_id = ?3",
            )?
            .query_row(params![device.device_id, staff, device.tenant_id], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
    }

    fn devices(&mut self, tenant: Uuid) -> HubResult<Vec<DeviceInfo>> {
        let mut stmt = self.tx.prepare(
            "SELECT id, tenant_id, label, revoked_ms IS NOT NULL, last_seq, units, enrolled_ms, last_seen_ms, report,
                    audit_seq
             FROM devices WHERE tenant_id = ?1 ORDER BY enrolled_ms",
        )?;
        let rows = stmt
            .query_map([tenant], |r| {
                Ok((
                    (r.get::<_, Uuid>(0)?, r.get::<_, Uuid>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?),
                    (r.get::<_, i64>(4)?, r.get::<_, String>(5)?, r.get::<_, i64>(6)?),
                    (r.get::<_, Option<i64>>(7)?, r.get::<_, Option<String>>(8)?, r.get::<_, i64>(9)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(
                    (device_id, tenant_id, label, revoked),
                    (last_seq, units, enrolled_ms),
                    (last_seen_ms, report, audit_seq),
                )| {
                    Ok(DeviceInfo {
                        device_id,
                        tenant_id,
                        label,
                        revoked,
                        last_seq,
                        units: parse(&units)?,
                        enrolled_ms,
                        last_seen_ms,
                        report: report.as_deref().map(parse).transpose()?,
                        audit_seq,
                    })
                },
            )
            .collect()
    }

    fn note_device_report(&mut self, device_id: Uuid, report: &Value, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "UPDATE devices SET report = json_patch(COALESCE(report, '{}'), ?2), last_seen_ms = ?3 WHERE id = ?1",
            )?
            .execute(params![device_id, json(report)?, now_ms])?;
        Ok(())
    }

    fn note_device_refusal(&mut self, device_id: Uuid, report: &Value) -> HubResult<()> {
        self.tx
            .prepare_cached("UPDATE devices SET report = json_patch(COALESCE(report, '{}'), ?2) WHERE id = ?1")?
            .execute(params![device_id, json(report)?])?;
        Ok(())
    }

    fn op_outcome(&mut self, d: &DeviceAuth, op_id: Uuid) -> HubResult<Option<OpOutcome>> {
        let row: Option<String> = self
            .tx
            .prepare_cached("SELECT outcome FROM ops WHERE tenant_id = ?1 AND device_id = ?2 AND op_id = ?3")?
            .query_row(params![d.tenant_id, d.device_id, op_id], |r| r.get(0))
            .optional()?;
        row.map(|s| parse(&s)).transpose()
    }

    fn save_op_outcome(&mut self, d: &DeviceAuth, op: &Operation, outcome: &OpOutcome, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO ops (op_id, tenant_id, device_id, device_seq, outcome, received_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![op.op_id, d.tenant_id, d.device_id, op.device_seq, json(outcome)?, now_ms])?;
        Ok(())
    }

    fn quarantine(
        &mut self,
        d: &DeviceAuth,
        op: &Operation,
        code: RejectCode,
        reason: &str,
        now_ms: i64,
    ) -> HubResult<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO quarantine (op_id, tenant_id, device_id, code, reason, op, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![op.op_id, d.tenant_id, d.device_id, json(&code)?, reason, json(op)?, now_ms],
        )?;
        Ok(())
    }

    fn quarantine_count(&mut self, d: &DeviceAuth) -> HubResult<i64> {
        Ok(self
            .tx
            .prepare_cached("SELECT COUNT(*) FROM quarantine WHERE tenant_id = ?1 AND device_id = ?2")?
            .query_row(params![d.tenant_id, d.device_id], |r| r.get(0))?)
    }

    fn document(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<DocumentRow>> {
        let row: Option<(String, Option<Uuid>, u32, String)> = self
            .tx
            .prepare_cached("SELECT entity, unit_id, version, state FROM documents WHERE id = ?1 AND tenant_id = ?2")?
            .query_row(params![id, tenant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        row.map(|(e, unit_id, version, state)| {
            Ok(DocumentRow { entity: entity_from(&e)?, unit_id, version, state: parse(&state)? })
        })
        .transpose()
    }

    fn documents_of(&mut self, tenant: Uuid, entity: Entity) -> HubResult<Vec<(Uuid, DocumentRow)>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, unit_id, version, state FROM documents WHERE tenant_id = ?1 AND entity = ?2")?;
        let rows = stmt
            .query_map(params![tenant, entity_str(entity)?], |r| {
                Ok((r.get::<_, Uuid>(0)?, r.get::<_, Option<Uuid>>(1)?, r.get::<_, u32>(2)?, r.get::<_, String>(3)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, unit_id, version, state)| {
                Ok((id, DocumentRow { entity, unit_id, version, state: parse(&state)? }))
            })
            .collect()
    }

    fn document_state_at(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Option<Map<String, Value>>> {
        let row: Option<String> = self
            .tx
            .prepare_cached("SELECT state FROM document_versions WHERE tenant_id = ?1 AND id = ?2 AND version = ?3")?
            .query_row(params![tenant, id, version], |r| r.get(0))
            .optional()?;
        row.map(|s| parse(&s)).transpose()
    }

    fn versions_after(&mut self, tenant: Uuid, id: Uuid, version: u32) -> HubResult<Vec<VersionRow>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT version, origin, changed FROM document_versions
             WHERE tenant_id = ?1 AND id = ?2 AND version > ?3 ORDER BY version",
        )?;
        let rows = stmt
            .query_map(params![tenant, id, version], |r| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, Option<Uuid>>(1)?, r.get::<_, String>(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(version, origin, changed)| Ok(VersionRow { version, origin, changed: parse(&changed)? }))
            .collect()
    }

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
    ) -> HubResult<()> {
        let state = json(state)?;
        self.tx
            .prepare_cached(
                "INSERT INTO documents (id, tenant_id, entity, unit_id, version, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (tenant_id, id) DO UPDATE
                 SET unit_id = excluded.unit_id, version = excluded.version, state = excluded.state",
            )?
            .execute(params![id, tenant, entity_str(entity)?, unit_id, version, state])?;
        self.tx
            .prepare_cached(
                "INSERT INTO document_versions (tenant_id, id, version, origin, changed, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![tenant, id, version, origin, json(changed)?, state])?;
        Ok(())
    }

    fn insert_fact(&mut self, tenant: Uuid, id: Uuid, unit_id: Uuid, payload: &Value, now_ms: i64) -> HubResult<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "INSERT INTO facts (id, tenant_id, unit_id, payload, received_ms) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (tenant_id, id) DO NOTHING",
            )?
            .execute(params![id, tenant, unit_id, json(payload)?, now_ms])?
            == 1)
    }

    fn fact(&mut self, tenant: Uuid, id: Uuid) -> HubResult<Option<Value>> {
        let row: Option<String> = self
            .tx
            .query_row("SELECT payload FROM facts WHERE id = ?1 AND tenant_id = ?2", params![id, tenant], |r| r.get(0))
            .optional()?;
        row.map(|s| parse(&s)).transpose()
    }

    fn append_change(&mut self, tenant: Uuid, unit_id: Option<Uuid>, c: &Change, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO changes (tenant_id, unit_id, entity, entity_id, version, origin, payload, committed_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                tenant,
                unit_id,
                entity_str(c.entity)?,
                c.entity_id,
                c.version,
                c.origin_device,
                json(&c.payload)?,
                now_ms
            ])?;
        Ok(())
    }

    fn log_compacted(&mut self) -> HubResult<bool> {
        Ok(self.tx.query_row("SELECT value FROM meta WHERE key = 'history_floor'", [], |r| r.get::<_, i64>(0))? > 0)
    }

    fn log_head(&mut self) -> HubResult<String> {
        // One writer: nothing can commit below the current maximum later.
        // Never below the floor, even when compaction emptied the log.
        let max: i64 = self.tx.query_row(
            "SELECT MAX(COALESCE((SELECT MAX(seq) FROM changes), 0), (SELECT value FROM meta WHERE key = 'history_floor'))",
            [],
            |r| r.get(0),
        )?;
        Ok(encode_cursor(max))
    }

    fn compact_log(&mut self, before_ms: i64) -> HubResult<u64> {
        let cut: Option<i64> =
            self.tx.query_row("SELECT MAX(seq) FROM changes WHERE committed_ms < ?1", [before_ms], |r| r.get(0))?;
        let Some(cut) = cut else { return Ok(0) };
        let n = self.tx.execute("DELETE FROM changes WHERE seq <= ?1", [cut])?;
        self.tx.execute("UPDATE meta SET value = MAX(value, ?1) WHERE key = 'history_floor'", [cut])?;
        Ok(n as u64)
    }

    fn snapshot_page(
        &mut self,
        tenant: Uuid,
        units: &[Uuid],
        after: (u8, Uuid),
        limit: u32,
    ) -> HubResult<super::SnapshotPage> {
        let scope = "(unit_id IS NULL OR unit_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each(?3)))";
        let (phase, last) = after;
        let mut out = Vec::new();
        if phase == 0 {
            let mut stmt = self.tx.prepare_cached(&format!(
                "SELECT id, entity, version, state FROM documents WHERE tenant_id = ?1 AND id > ?2 AND {scope}
                 ORDER BY id LIMIT ?4"
            ))?;
            let rows = stmt
                .query_map(params![tenant, last, json(&units)?, limit], |r| {
                    Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?, r.get::<_, String>(3)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for (id, entity, version, state) in rows {
                out.push(Change {
                    entity: entity_from(&entity)?,
                    entity_id: id,
                    version: Some(version),
                    origin_device: None,
                    payload: parse(&state)?,
                });
            }
            let next =
                if out.len() == limit as usize { out.last().map(|c| (0, c.entity_id)) } else { Some((1, Uuid::nil())) };
            return Ok((out, next));
        }
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT id, payload FROM facts WHERE tenant_id = ?1 AND id > ?2 AND {scope} ORDER BY id LIMIT ?4"
        ))?;
        let rows = stmt
            .query_map(params![tenant, last, json(&units)?, limit], |r| {
                Ok((r.get::<_, Uuid>(0)?, r.get::<_, String>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, payload) in rows {
            out.push(Change {
                entity: Entity::Fact,
                entity_id: id,
                version: None,
                origin_device: None,
                payload: parse(&payload)?,
            });
        }
        let next = if out.len() == limit as usize { out.last().map(|c| (1, c.entity_id)) } else { None };
        Ok((out, next))
    }

    fn pull_page(
        &mut self,
        tenant: Uuid,
        units: &[Uuid],
        cursor: &str,
        limit: u32,
    ) -> HubResult<(Vec<Change>, String, bool)> {
        let after = decode_cursor(cursor)?;
        let floor: i64 = self.tx.query_row("SELECT value FROM meta WHERE key = 'history_floor'", [], |r| r.get(0))?;
        if after < floor {
            return Err(HubError::Resnapshot);
        }
        let mut rows = self.changes_after(tenant, units, after, limit + 1)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let last = rows.last().map_or(after, |(s, _)| *s);
        Ok((rows.into_iter().map(|(_, c)| c).collect(), encode_cursor(last), more))
    }

    fn add_blob_ref(&mut self, tenant: Uuid, hash: &str, unit_id: Uuid) -> HubResult<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO blob_refs (tenant_id, hash, unit_id) VALUES (?1, ?2, ?3)")?
            .execute(params![tenant, hash, unit_id])?;
        Ok(())
    }

    fn record_stored_blob(&mut self, tenant: Uuid, hash: &str, device: Uuid, bytes: u64, now_ms: i64) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO stored_blobs (tenant_id, hash, device_id, bytes, published_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![tenant, hash, device, bytes as i64, now_ms])?;
        Ok(())
    }

    fn unclaimed_bytes(&mut self, tenant: Uuid, device: Uuid) -> HubResult<u64> {
        let n: i64 = self
            .tx
            .prepare_cached(
                "SELECT COALESCE(SUM(s.bytes), 0) FROM stored_blobs s WHERE s.tenant_id = ?1 AND s.device_id = ?2
                 AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)",
            )?
            .query_row(params![tenant, device], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    fn take_orphan_blobs(&mut self, before_ms: i64, limit: u32) -> HubResult<Vec<(Uuid, String)>> {
        let rows = self
            .tx
            .prepare_cached(
                "DELETE FROM stored_blobs WHERE (tenant_id, hash) IN (
                     SELECT s.tenant_id, s.hash FROM stored_blobs s WHERE s.published_ms < ?1
                     AND NOT EXISTS (SELECT 1 FROM blob_refs r WHERE r.tenant_id = s.tenant_id AND r.hash = s.hash)
                     LIMIT ?2)
                 RETURNING tenant_id, hash",
            )?
            .query_map(params![before_ms, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    fn bind_blob_key(&mut self, tenant: Uuid, hash: &str, key: &Value) -> HubResult<Value> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO blob_keys (tenant_id, hash, content_key) VALUES (?1, ?2, ?3)")?
            .execute(params![tenant, hash, json(key)?])?;
        let bound: String = self
            .tx
            .prepare_cached("SELECT content_key FROM blob_keys WHERE tenant_id = ?1 AND hash = ?2")?
            .query_row(params![tenant, hash], |r| r.get(0))?;
        parse(&bound)
    }

    fn blob_visible(&mut self, tenant: Uuid, units: &[Uuid], hash: &str) -> HubResult<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM blob_refs WHERE tenant_id = ?1 AND hash = ?2
                 AND unit_id IN (SELECT unhex(replace(value, '-', '')) FROM json_each(?3)))",
            )?
            .query_row(params![tenant, hash, json(&units)?], |r| r.get(0))?)
    }

    fn file_conflict(&mut self, tenant: Uuid, c: &ConflictRecord, now_ms: i64) -> HubResult<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO conflicts (op_id, tenant_id, entity, entity_id, device_id, fields, device_values,
             hub_values, proposal, created_ms, author) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                c.op_id,
                tenant,
                entity_str(c.entity)?,
                c.entity_id,
                c.device_id,
                json(&c.fields)?,
                json(&c.device_values)?,
                json(&c.hub_values)?,
                c.proposal,
                now_ms,
                c.author
            ],
        )?;
        Ok(())
    }

    fn conflicts(&mut self, tenant: Uuid) -> HubResult<Vec<ConflictRecord>> {
        self.conflict_rows("tenant_id = ?1 AND resolved_ms IS NULL ORDER BY created_ms", params![tenant])
    }

    fn conflict(&mut self, tenant: Uuid, device: Uuid, op: Uuid) -> HubResult<Option<ConflictRecord>> {
        Ok(self.conflict_rows("tenant_id = ?1 AND device_id = ?2 AND op_id = ?3", params![tenant, device, op])?.pop())
    }

    fn resolve_conflict(
        &mut self,
        tenant: Uuid,
        device: Uuid,
        op: Uuid,
        resolution: &Value,
        now_ms: i64,
    ) -> HubResult<bool> {
        Ok(self.tx.execute(
            "UPDATE conflicts SET resolved_ms = ?4, resolution = ?5
             WHERE tenant_id = ?1 AND device_id = ?2 AND op_id = ?3 AND resolved_ms IS NULL",
            params![tenant, device, op, now_ms, json(resolution)?],
        )? == 1)
    }

    fn device_label(&mut self, tenant: Uuid, device: Uuid) -> HubResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT label FROM devices WHERE tenant_id = ?1 AND id = ?2")?
            .query_row(params![tenant, device], |r| r.get(0))
            .optional()?)
    }

    fn audit_head(&mut self, tenant: Uuid, device: Uuid) -> HubResult<(i64, [u8; 32])> {
        let row: Option<(i64, Option<Vec<u8>>)> = self
            .tx
            .prepare_cached("SELECT audit_seq, audit_link FROM devices WHERE tenant_id = ?1 AND id = ?2")?
            .query_row(params![tenant, device], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (seq, link) = row.unwrap_or((0, None));
        Ok((seq, link.as_deref().and_then(|l| l.try_into().ok()).unwrap_or([0; 32])))
    }

    fn audit_context(&mut self, tenant: Uuid, device: Uuid) -> HubResult<AuditContext> {
        let row = self
            .tx
            .prepare_cached(
                "SELECT d.enrolled_ms,
                (SELECT e.at_ms FROM audit_entries e WHERE e.tenant_id = d.tenant_id AND e.device_id = d.id
                   AND e.seq = d.audit_seq ORDER BY e.received_ms DESC LIMIT 1),
                EXISTS (SELECT 1 FROM audit_breaks b WHERE b.tenant_id = d.tenant_id AND b.device_id = d.id)
             FROM devices d WHERE d.tenant_id = ?1 AND d.id = ?2",
            )?
            .query_row(params![tenant, device], |r| {
                Ok(AuditContext { enrolled_ms: r.get(0)?, head_at_ms: r.get(1)?, broken: r.get(2)? })
            })
            .optional()?;
        Ok(row.unwrap_or_default())
    }

    fn set_audit_head(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<()> {
        self.tx
            .prepare_cached("UPDATE devices SET audit_seq = ?3, audit_link = ?4 WHERE tenant_id = ?1 AND id = ?2")?
            .execute(params![tenant, device, seq, &link[..]])?;
        Ok(())
    }

    fn audit_entry_held(&mut self, tenant: Uuid, device: Uuid, seq: i64, link: &[u8; 32]) -> HubResult<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM audit_entries WHERE tenant_id = ?1 AND device_id = ?2 AND seq = ?3 AND link = ?4",
            )?
            .query_row(params![tenant, device, seq, &link[..]], |_| Ok(()))
            .optional()?
            .is_some())
    }

    fn insert_audit_entries(&mut self, tenant: Uuid, rows: &[AuditRow]) -> HubResult<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO audit_entries (tenant_id, device_id, seq, link, at_ms, actor, action, entity,
                 entity_id, resident_id, verified, received_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        for r in rows {
            stmt.execute(params![
                tenant,
                r.device_id,
                r.seq,
                &r.link[..],
                r.at_ms,
                r.actor,
                r.action.as_str(),
                r.entity,
                r.entity_id,
                r.resident_id,
                r.verified,
                r.received_ms
            ])?;
        }
        Ok(())
    }

    fn note_audit_break(&mut self, tenant: Uuid, b: &AuditBreak) -> HubResult<()> {
        self.tx
            .prepare_cached(
                "INSERT OR IGNORE INTO audit_breaks (tenant_id, device_id, seq, kind, detected_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![tenant, b.device_id, b.seq, b.kind.as_str(), b.detected_ms])?;
        Ok(())
    }

    fn resident_audit(&mut self, tenant: Uuid, resident: Uuid) -> HubResult<Vec<AuditRow>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT device_id, seq, link, at_ms, actor, action, entity, entity_id, resident_id, verified, received_ms
             FROM audit_entries WHERE tenant_id = ?1 AND resident_id = ?2 ORDER BY at_ms, device_id, seq",
        )?;
        let rows = stmt
            .query_map(params![tenant, resident], |r| {
                Ok((
                    (r.get::<_, Uuid>(0)?, r.get::<_, i64>(1)?, r.get::<_, Vec<u8>>(2)?, r.get::<_, i64>(3)?),
                    (r.get::<_, Option<Uuid>>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?),
                    (r.get::<_, Uuid>(7)?, r.get::<_, Option<Uuid>>(8)?, r.get::<_, bool>(9)?, r.get::<_, i64>(10)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(
                    (device_id, seq, link, at_ms),
                    (actor, action, entity),
                    (entity_id, resident_id, verified, received_ms),
                )| {
                    Ok(AuditRow {
                        device_id,
                        seq,
                        link: link.try_into().map_err(|_| HubError::Storage("audit link length".into()))?,
                        at_ms,
                        actor,
                        action: chevet_protocol::AuditAction::parse(&action)
                            .ok_or_else(|| HubError::Storage(format!("unknown audit action {action}")))?,
                        entity,
                        entity_id,
                        resident_id,
                        verified,
                        received_ms,
                    })
                },
            )
            .collect()
    }

    fn audit_breaks(&mut self, tenant: Uuid) -> HubResult<Vec<AuditBreak>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT device_id, seq, kind, detected_ms FROM audit_breaks WHERE tenant_id = ?1
             ORDER BY detected_ms, device_id, seq",
        )?;
        let rows = stmt
            .query_map([tenant], |r| {
                Ok((r.get::<_, Uuid>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(device_id, seq, kind, detected_ms)| {
                Ok(AuditBreak {
                    device_id,
                    seq,
                    kind: BreakKind::parse(&kind).ok_or_else(|| HubError::Storage(format!("unknown break {kind}")))?,
                    detected_ms,
                })
            })
            .collect()
    }

    fn put_console_account(&mut self, row: &ConsoleRow) -> HubResult<()> {
        let taken: Option<Uuid> = self
            .tx
            .prepare_cached("SELECT id FROM console_accounts WHERE login = ?1")?
            .query_row([&row.login], |r| r.get(0))
            .optional()?;
        if taken.is_some_and(|id| id != row.id) {
            return Err(HubError::BadRequest("this login is taken".into()));
        }
        self.tx.execute(
            "INSERT INTO console_accounts (id, tenant_id, login, record) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET login = excluded.login, record = excluded.record",
            params![row.id, row.tenant_id, row.login, json(&row.record)?],
        )?;
        Ok(())
    }

    fn console_account_by_login(&mut self, login: &str) -> HubResult<Option<ConsoleRow>> {
        self.console_row("login = ?1", params![login])
    }

    fn console_account(&mut self, id: Uuid) -> HubResult<Option<ConsoleRow>> {
        self.console_row("id = ?1", params![id])
    }

    fn put_console_session(
        &mut self,
        hash: &[u8; 32],
        account: Uuid,
        expires_ms: i64,
        record: &Value,
    ) -> HubResult<()> {
        self.tx.execute(
            "INSERT OR REPLACE INTO console_sessions (token_hash, account_id, expires_ms, record) VALUES (?1, ?2, ?3, ?4)",
            params![&hash[..], account, expires_ms, json(record)?],
        )?;
        Ok(())
    }

    fn console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<Option<(Uuid, Value)>> {
        let row: Option<(Uuid, String)> = self
            .tx
            .prepare_cached(
                "SELECT account_id, record FROM console_sessions WHERE token_hash = ?1 AND expires_ms > ?2",
            )?
            .query_row(params![&hash[..], now_ms], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(account, record)| Ok((account, parse(&record)?))).transpose()
    }

    fn delete_console_sessions_of(&mut self, account: Uuid) -> HubResult<()> {
        self.tx.execute("DELETE FROM console_sessions WHERE account_id = ?1", [account])?;
        Ok(())
    }

    fn delete_console_session(&mut self, hash: &[u8; 32], now_ms: i64) -> HubResult<()> {
        self.tx.execute(
            "DELETE FROM console_sessions WHERE token_hash = ?1 OR expires_ms <= ?2",
            params![&hash[..], now_ms],
        )?;
        Ok(())
    }

    /// The transaction is IMMEDIATE and the connection the only one: already exclusive.
    fn sign_in_counter(&mut self, key: &[u8; 32]) -> HubResult<SignInCounter> {
        let row: Option<(i64, i64)> = self
            .tx
            .prepare_cached("SELECT failures, locked_until_ms FROM console_sign_in_failures WHERE key_hash = ?1")?
            .query_row([&key[..]], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(row.map_or_else(SignInCounter::default, |(failures, locked_until_ms)| SignInCounter {
            failures: failures.clamp(0, i64::from(u32::MAX)) as u32,
            locked_until_ms,
        }))
    }

    fn put_sign_in_counter(&mut self, key: &[u8; 32], c: SignInCounter, now_ms: i64) -> HubResult<()> {
        if c == SignInCounter::default() {
            self.tx.execute("DELETE FROM console_sign_in_failures WHERE key_hash = ?1", [&key[..]])?;
        } else {
            self.tx.execute(
                "INSERT OR REPLACE INTO console_sign_in_failures (key_hash, failures, locked_until_ms, updated_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![&key[..], c.failures, c.locked_until_ms, now_ms],
            )?;
        }
        self.tx.execute(
            "DELETE FROM console_sign_in_failures WHERE updated_ms < ?1 AND locked_until_ms < ?2",
            params![now_ms - DAY_MS, now_ms],
        )?;
        Ok(())
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;

impl SqliteTx<'_> {
    fn conflict_rows(&mut self, condition: &str, params: impl rusqlite::Params) -> HubResult<Vec<ConflictRecord>> {
        let mut stmt = self.tx.prepare(&format!(
            "SELECT entity, entity_id, op_id, device_id, fields, device_values, hub_values, proposal, author,
                    created_ms, resolved_ms, resolution
             FROM conflicts WHERE {condition}"
        ))?;
        let rows = stmt
            .query_map(params, |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, Uuid>(1)?, r.get::<_, Uuid>(2)?, r.get::<_, Uuid>(3)?),
                    (r.get::<_, String>(4)?, r.get::<_, String>(5)?, r.get::<_, String>(6)?, r.get::<_, bool>(7)?),
                    (
                        r.get::<_, Option<Uuid>>(8)?,
                        r.get::<_, i64>(9)?,
                        r.get::<_, Option<i64>>(10)?,
                        r.get::<_, Option<String>>(11)?,
                    ),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|((e, entity_id, op_id, device_id), (f, dv, hv, proposal), (author, created_ms, resolved_ms, res))| {
                Ok(ConflictRecord {
                    entity: entity_from(&e)?,
                    entity_id,
                    op_id,
                    device_id,
                    fields: parse(&f)?,
                    device_values: parse(&dv)?,
                    hub_values: parse(&hv)?,
                    proposal,
                    author,
                    created_ms,
                    resolved_ms,
                    resolution: res.as_deref().map(parse).transpose()?,
                })
            })
            .collect()
    }

    fn console_row(&mut self, condition: &str, params: impl rusqlite::Params) -> HubResult<Option<ConsoleRow>> {
        let row: Option<(Uuid, Uuid, String, String)> = self
            .tx
            .prepare(&format!("SELECT id, tenant_id, login, record FROM console_accounts WHERE {condition}"))?
            .query_row(params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        row.map(|(id, tenant_id, login, record)| Ok(ConsoleRow { id, tenant_id, login, record: parse(&record)? }))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode_cursor(&encode_cursor(0)).unwrap(), 0);
        assert_eq!(decode_cursor(&encode_cursor(123_456)).unwrap(), 123_456);
        assert_eq!(decode_cursor("").unwrap(), 0);
        for bad in ["42", "c1.", "c1.zz", "c2.10", "c1.-5", "p1.1.2"] {
            assert!(decode_cursor(bad).is_err(), "{bad}");
        }
    }
}
