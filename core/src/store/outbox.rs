//! The outbox: every write's sync operation, appended in the write's own
//! transaction, so nothing recorded can miss the next sync.
//!
//! Each operation gets an `op_id` (UUIDv7, the hub's idempotency key), a
//! gap-free `device_seq` (a counter bumped in the same transaction, so a
//! rolled-back write leaves no hole), a hybrid logical clock and the
//! clinical time. A fact's operation carries no copy of the fact: its
//! payload is read from the fact's row when the batch is built.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use super::{Store, WriteTx};
use crate::error::{CoreError, Result};

const LOGICAL_BITS: u32 = 16;

/// Physical milliseconds of a hybrid logical clock value.
pub fn hlc_physical_ms(hlc: u64) -> i64 {
    (hlc >> LOGICAL_BITS) as i64
}

/// A pending sync operation, decrypted for the sync client.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxOp {
    pub device_seq: i64,
    pub op_id: Uuid,
    /// "fact", "resident", "planned_act", "wound".
    pub entity: String,
    pub entity_id: Uuid,
    /// The document version the change was made against (documents only).
    pub base_version: Option<u32>,
    pub hlc: u64,
    pub clinical_time: Timestamp,
    pub payload: Value,
}

impl WriteTx<'_> {
    /// Next hybrid-logical-clock value: never behind the wall clock, never
    /// repeating, even if the wall clock steps back.
    fn next_hlc(&mut self) -> u64 {
        let physical = (self.now.as_millisecond().max(0) as u64) << LOGICAL_BITS;
        self.hlc = physical.max(self.hlc + 1);
        self.hlc
    }

    /// Appends the sync operation for a change to `entity`.
    /// `payload` is `None` for facts (read from the fact's row when pushed).
    pub(crate) fn append_outbox(
        &mut self,
        entity: &'static str,
        entity_id: Uuid,
        base_version: Option<u32>,
        clinical_time: Timestamp,
        payload: Option<&Value>,
    ) -> Result<i64> {
        let hlc = self.next_hlc();
        let seq: i64 = self
            .tx
            .prepare_cached(
                "UPDATE device_state SET device_seq = device_seq + 1, hlc = ?1 WHERE id = 1 RETURNING device_seq",
            )?
            .query_row([hlc as i64], |r| r.get(0))?;
        let op_id = Uuid::now_v7();
        let sealed = match payload {
            Some(p) => Some(self.store.codec.seal("outbox", op_id, 0, p)?),
            None => None,
        };
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (device_seq, op_id, entity, entity_id, base_version, hlc, clinical_time, payload)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                seq,
                op_id,
                entity,
                entity_id,
                base_version,
                hlc as i64,
                clinical_time.as_millisecond(),
                sealed
            ])?;
        Ok(seq)
    }
}

impl Store {
    /// The oldest pending operations, in device order.
    pub fn pending_operations(&self, limit: usize) -> Result<Vec<OutboxOp>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT device_seq, op_id, entity, entity_id, base_version, hlc, clinical_time, payload
                 FROM outbox WHERE state = 'pending' ORDER BY device_seq LIMIT ?1",
            )?;
            let rows = stmt
                .query_map([limit as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Uuid>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Uuid>(3)?,
                        r.get::<_, Option<u32>>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, Option<Vec<u8>>>(7)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut fact_stmt = conn.prepare_cached("SELECT envelope FROM facts WHERE id = ?1")?;
            rows.into_iter()
                .map(|(seq, op_id, entity, entity_id, base_version, hlc, clinical, payload)| {
                    let payload: Value = match payload {
                        Some(bytes) => self.codec.open("outbox", op_id, 0, &bytes)?,
                        None => {
                            let env: Vec<u8> = fact_stmt
                                .query_row([entity_id], |r| r.get(0))
                                .optional()?
                                .ok_or(CoreError::NotFound { kind: "fact", id: entity_id })?;
                            self.codec.open("facts", entity_id, 1, &env)?
                        }
                    };
                    Ok(OutboxOp {
                        device_seq: seq,
                        op_id,
                        entity,
                        entity_id,
                        base_version,
                        hlc: hlc as u64,
                        clinical_time: Timestamp::from_millisecond(clinical)
                            .map_err(|_| CoreError::invalid("outbox.clinical_time", "out of range"))?,
                        payload,
                    })
                })
                .collect()
        })
    }

    /// Number of operations not yet acknowledged by the hub.
    /// The highest sequence given an operation on this device (0: none yet).
    pub fn outbox_head(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_row("SELECT device_seq FROM device_state WHERE id = 1", [], |r| r.get(0))?))
    }

    pub fn pending_count(&self) -> Result<u64> {
        self.read(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", [], |r| r.get::<_, i64>(0))? as u64)
        })
    }
}
