//! The embedded default: one SQLite file, WAL, one writer.
//!
//! The single writer also orders the pull log: a change's position is
//! assigned inside the transaction that commits it, and no other writer can
//! commit a smaller one later, so a cursor never skips a change.

mod audit;
mod blobs;
mod console;
mod operations;
mod records;
mod tenancy;

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

const SCHEMA_VERSION: i64 = 7;
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

/// Schema v7: the planned occurrence a fact answers and the fact a
/// correction voids, beside the payload, indexed — so the console lists
/// what nobody recorded without reading every fact. Filled for the facts
/// already there from their payloads.
const UPGRADE_6_TO_7: &str = r#"
ALTER TABLE facts ADD COLUMN planned_act_id BLOB;
ALTER TABLE facts ADD COLUMN occurrence_ms INTEGER;
ALTER TABLE facts ADD COLUMN corrects BLOB;
UPDATE facts SET
    planned_act_id = unhex(replace(json_extract(payload, '$.fact.planned_act_id'), '-', '')),
    occurrence_ms = unixepoch(json_extract(payload, '$.fact.occurrence'), 'subsec') * 1000
    WHERE json_extract(payload, '$.kind') IN ('Act', 'Administration');
UPDATE facts SET corrects = unhex(replace(json_extract(payload, '$.fact.target_id'), '-', ''))
    WHERE json_extract(payload, '$.kind') = 'Correction';
CREATE INDEX facts_answers ON facts (tenant_id, planned_act_id, occurrence_ms) WHERE planned_act_id IS NOT NULL;
CREATE INDEX facts_corrections ON facts (tenant_id, corrects) WHERE corrects IS NOT NULL;
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
            if version < 6 {
                tx.execute_batch(UPGRADE_5_TO_6)?;
            }
            tx.execute_batch(UPGRADE_6_TO_7)?;
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
