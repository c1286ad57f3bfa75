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
//!
//! The journal goes to the hub with every sync ([`Store::audit_to_send`]),
//! chained by a public link the hub can recompute (the keyed MACs need the
//! device key, which never leaves the device); each batch sent is checked
//! against the keyed chain first, from the last entry sent, so what the
//! device finds altered on its own disk it tells the hub.

use jiff::Timestamp;
use rusqlite::params;
use uuid::Uuid;

use chevet_protocol::audit::link_hex;
use chevet_protocol::{AuditPushRequest, AuditRecord};
use rusqlite::OptionalExtension;

use super::{Store, WriteTx};
use crate::error::{CoreError, Result};

const MAC_DOMAIN: &[u8] = b"chevet.audit.v1";
const HEAD_DOMAIN: &[u8] = b"chevet.audit.head.v1";

fn head_seal(key: &[u8; 32], seq: i64, head: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(HEAD_DOMAIN).update(&seq.to_be_bytes()).update(head);
    *h.finalize().as_bytes()
}

pub use chevet_protocol::AuditAction;

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

/// The next entries for the hub, and what the device's own check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBatch {
    pub request: AuditPushRequest,
    /// The public link of the batch's last entry (kept once the hub has it).
    pub last_link: [u8; 32],
}

impl Store {
    /// Up to `limit` journal entries the hub does not have yet, oldest
    /// first, linked from the last one it acknowledged; `None` when there
    /// is nothing to send. Each is checked against the keyed chain on the
    /// way: an entry whose MAC or predecessor does not match, a gap, or a
    /// head that does not seal is reported in `altered_from`.
    pub fn audit_to_send(&self, limit: usize) -> Result<Option<AuditBatch>> {
        self.read(|conn| {
            type Row = (i64, Option<Vec<u8>>, i64, Vec<u8>, Option<Vec<u8>>);
            let (sent_seq, sent_link, head_seq, head, seal): Row = conn.query_row(
                "SELECT audit_sent_seq, audit_sent_link, audit_seq, audit_head, audit_seal
                     FROM device_state WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?;
            let mut link: [u8; 32] = sent_link.as_deref().and_then(|l| l.try_into().ok()).unwrap_or([0; 32]);
            let mut prev_mac: Vec<u8> = if sent_seq == 0 {
                vec![0; 32]
            } else {
                conn.query_row("SELECT mac FROM audit WHERE seq = ?1", [sent_seq], |r| r.get(0))
                    .optional()?
                    .unwrap_or_default()
            };
            let mut stmt = conn.prepare_cached(
                "SELECT seq, at, actor, device, action, entity, entity_id, prev, mac FROM audit
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            )?;
            let mut rows = stmt.query(params![sent_seq, limit as i64])?;
            let mut entries = Vec::new();
            let mut altered_from = None;
            let mut expected_seq = sent_seq + 1;
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let at: i64 = r.get(1)?;
                let actor: Option<Uuid> = r.get(2)?;
                let device: Uuid = r.get(3)?;
                let action_name: String = r.get(4)?;
                let entity: String = r.get(5)?;
                let entity_id: Uuid = r.get(6)?;
                let stored_prev: Vec<u8> = r.get(7)?;
                let stored_mac: Vec<u8> = r.get(8)?;
                let action = chevet_protocol::AuditAction::parse(&action_name);
                let mac_ok = stored_prev == prev_mac
                    && stored_mac
                        == mac(
                            self.audit_key.bytes(),
                            &stored_prev,
                            seq,
                            at,
                            actor,
                            device,
                            &action_name,
                            &entity,
                            entity_id,
                        );
                if altered_from.is_none() && (seq != expected_seq || !mac_ok || action.is_none()) {
                    altered_from = Some(expected_seq.min(seq));
                }
                expected_seq = seq + 1;
                prev_mac = stored_mac;
                // An action this build cannot name was written by something
                // else: reported above, and not sent.
                let Some(action) = action else { continue };
                let mut record = AuditRecord { seq, at_ms: at, actor, action, entity, entity_id, link: String::new() };
                link = record.expected_link(&link, self.device_id);
                record.link = link_hex(&link);
                entries.push(record);
            }
            let reached_head = entries.last().map_or(sent_seq, |e| e.seq) >= head_seq;
            if reached_head
                && altered_from.is_none()
                && (expected_seq - 1 != head_seq
                    || (head_seq > 0 && prev_mac != head)
                    || seal.as_deref() != Some(&head_seal(self.audit_key.bytes(), head_seq, &head)[..]))
            {
                // The newest entries were cut and the head rewritten.
                altered_from = Some(expected_seq);
            }
            if entries.is_empty() && altered_from.is_none() {
                return Ok(None);
            }
            Ok(Some(AuditBatch { request: AuditPushRequest { entries, altered_from }, last_link: link }))
        })
    }

    /// The hub holds the journal through `hub_head`: entries up to `last_seq`
    /// (whose link is `last_link`) are not sent again. A hub that holds less
    /// than was sent (restored from a backup) gets the rest again next time.
    pub fn mark_audit_sent(&self, last_seq: i64, last_link: &[u8; 32], hub_head: i64) -> Result<()> {
        let (seq, link) = if hub_head >= last_seq {
            (last_seq, *last_link)
        } else {
            log::warn!("hub holds this device's journal through {hub_head} of {last_seq}: the rest goes again");
            let seq = hub_head.max(0);
            (seq, self.audit_link_at(seq)?)
        };
        self.write(None, |w| {
            w.tx.prepare_cached("UPDATE device_state SET audit_sent_seq = ?1, audit_sent_link = ?2 WHERE id = 1")?
                .execute(params![seq, &link[..]])?;
            Ok(())
        })
    }

    /// The public link of entry `seq` (zeros for 0), recomputed from the start.
    fn audit_link_at(&self, seq: i64) -> Result<[u8; 32]> {
        self.read(|conn| {
            let mut stmt = conn
                .prepare("SELECT seq, at, actor, action, entity, entity_id FROM audit WHERE seq <= ?1 ORDER BY seq")?;
            let mut rows = stmt.query([seq])?;
            let mut link = [0u8; 32];
            while let Some(r) = rows.next()? {
                let action: String = r.get(3)?;
                let Some(action) = chevet_protocol::AuditAction::parse(&action) else { continue };
                let record = AuditRecord {
                    seq: r.get(0)?,
                    at_ms: r.get(1)?,
                    actor: r.get(2)?,
                    action,
                    entity: r.get(4)?,
                    entity_id: r.get(5)?,
                    link: String::new(),
                };
                link = record.expected_link(&link, self.device_id);
            }
            Ok(link)
        })
    }
}
