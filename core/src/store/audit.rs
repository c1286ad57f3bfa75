//! The audit journal: who wrote what and who opened whose file.
//!
//! Append-only and hash-chained: each entry's MAC is keyed BLAKE3 (a key
//! derived from the device key) over the previous MAC and the entry, and the
//! chain's head is kept beside the device counters, so an edited, removed,
//! reordered or truncated entry breaks verification. The head (sequence
//! and last MAC) carries its own MAC, `audit_seal`: deleting the newest
//! entries and rewriting the head to the new last entry is caught, since
//! only the device key can seal a head. (Restoring a whole older copy of
//! the store is not detectable on the device alone; the hub sees it from
//! the device's sequence numbers.) Entries hold ids and kinds only.

use jiff::Timestamp;
use rusqlite::params;
use uuid::Uuid;

use super::{Store, WriteTx};
use crate::error::{CoreError, Result};

const MAC_DOMAIN: &[u8] = b"chevet.audit.v1";
const HEAD_DOMAIN: &[u8] = b"chevet.audit.head.v1";

fn head_seal(key: &[u8; 32], seq: i64, head: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(HEAD_DOMAIN).update(&seq.to_be_bytes()).update(head);
    *h.finalize().as_bytes()
}

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Update,
    /// A fact marked entered-in-error.
    Correct,
    /// A resident's file was opened.
    OpenFile,
    SignIn,
    SignInFailed,
    LockOut,
    /// Reference data (staff, units) loaded onto the device.
    Provision,
    PinChanged,
    FirstPinSet,
    /// A page of changes from the hub was applied.
    SyncPull,
    /// A photo was shown full size.
    ViewPhoto,
    /// A resident's record left the device in an export format.
    Export,
    /// The hub revoked this device: everything personal was erased.
    Erase,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Correct => "correct",
            AuditAction::OpenFile => "open_file",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::LockOut => "lock_out",
            AuditAction::Provision => "provision",
            AuditAction::PinChanged => "pin_changed",
            AuditAction::FirstPinSet => "first_pin_set",
            AuditAction::SyncPull => "sync_pull",
            AuditAction::ViewPhoto => "view_photo",
            AuditAction::Export => "export",
            AuditAction::Erase => "erase",
        }
    }
}

/// One journal entry, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: Timestamp,
    pub actor: Option<Uuid>,
    pub device: Uuid,
    pub action: String,
    pub entity: String,
    pub entity_id: Uuid,
}

#[allow(clippy::too_many_arguments)]
fn mac(
    key: &[u8; 32],
    prev: &[u8],
    seq: i64,
    at: i64,
    actor: Option<Uuid>,
    device: Uuid,
    action: &str,
    entity: &str,
    entity_id: Uuid,
) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(MAC_DOMAIN);
    h.update(prev);
    h.update(&seq.to_be_bytes());
    h.update(&at.to_be_bytes());
    match actor {
        Some(a) => h.update(&[1]).update(a.as_bytes()),
        None => h.update(&[0]),
    };
    h.update(device.as_bytes());
    for s in [action, entity] {
        h.update(&(s.len() as u32).to_be_bytes()).update(s.as_bytes());
    }
    h.update(entity_id.as_bytes());
    *h.finalize().as_bytes()
}

impl WriteTx<'_> {
    /// Appends one entry to the chain, in this transaction.
    pub(crate) fn audit(&mut self, action: AuditAction, entity: &str, entity_id: Uuid) -> Result<()> {
        let (head_seq, head): (i64, Vec<u8>) = self
            .tx
            .prepare_cached("SELECT audit_seq, audit_head FROM device_state WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let seq = head_seq + 1;
        let at = self.now.as_millisecond();
        let device = self.store.device_id;
        let m =
            mac(self.store.audit_key.bytes(), &head, seq, at, self.actor, device, action.as_str(), entity, entity_id);
        self.tx
            .prepare_cached(
                "INSERT INTO audit (seq, at, actor, device, action, entity, entity_id, prev, mac)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![seq, at, self.actor, device, action.as_str(), entity, entity_id, head, &m[..]])?;
        let seal = head_seal(self.store.audit_key.bytes(), seq, &m);
        self.tx
            .prepare_cached("UPDATE device_state SET audit_seq = ?1, audit_head = ?2, audit_seal = ?3 WHERE id = 1")?
            .execute(params![seq, &m[..], &seal[..]])?;
        Ok(())
    }
}

impl Store {
    /// Seals the current head; only when the store is created or upgraded.
    pub(crate) fn seal_audit_head(&self) -> Result<()> {
        let conn = super::lock(&self.writer);
        let (seq, head): (i64, Vec<u8>) =
            conn.query_row("SELECT audit_seq, audit_head FROM device_state WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let seal = head_seal(self.audit_key.bytes(), seq, &head);
        conn.execute("UPDATE device_state SET audit_seal = ?1 WHERE id = 1", [&seal[..]])?;
        Ok(())
    }

    /// Verifies the whole chain; returns the number of entries.
    pub fn verify_audit(&self) -> Result<u64> {
        self.read(|conn| {
            let (head_seq, head, seal): (i64, Vec<u8>, Option<Vec<u8>>) =
                conn.query_row("SELECT audit_seq, audit_head, audit_seal FROM device_state WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
            if seal.as_deref() != Some(&head_seal(self.audit_key.bytes(), head_seq, &head)[..]) {
                // The head was rewritten: the chain cannot be trusted past
                // the entries that are there.
                return Err(CoreError::AuditChainBroken { seq: head_seq });
            }
            let mut stmt = conn.prepare(
                "SELECT seq, at, actor, device, action, entity, entity_id, prev, mac FROM audit ORDER BY seq",
            )?;
            let mut rows = stmt.query([])?;
            let mut prev = vec![0u8; 32];
            let mut expected_seq = 1i64;
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                if seq != expected_seq {
                    return Err(CoreError::AuditChainBroken { seq: expected_seq });
                }
                let stored_prev: Vec<u8> = r.get(7)?;
                let stored_mac: Vec<u8> = r.get(8)?;
                let action: String = r.get(4)?;
                let entity: String = r.get(5)?;
                let m = mac(
                    self.audit_key.bytes(),
                    &prev,
                    seq,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    &action,
                    &entity,
                    r.get(6)?,
                );
                if stored_prev != prev || stored_mac != m {
                    return Err(CoreError::AuditChainBroken { seq });
                }
                prev = stored_mac;
                expected_seq += 1;
            }
            if expected_seq - 1 != head_seq || prev != head {
                return Err(CoreError::AuditChainBroken { seq: expected_seq });
            }
            Ok(head_seq as u64)
        })
    }

    /// The latest entries, newest first.
    pub fn audit_entries(&self, limit: usize) -> Result<Vec<AuditEntry>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at, actor, device, action, entity, entity_id FROM audit ORDER BY seq DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([limit as i64], |r| {
                Ok(AuditEntry {
                    seq: r.get(0)?,
                    at: Timestamp::from_millisecond(r.get(1)?).unwrap_or(Timestamp::UNIX_EPOCH),
                    actor: r.get(2)?,
                    device: r.get(3)?,
                    action: r.get(4)?,
                    entity: r.get(5)?,
                    entity_id: r.get(6)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}
