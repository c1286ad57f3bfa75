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
//! the device's sequence numbers.) Entries hold ids and kinds only, and
//! even those are sealed: a row keeps in clear its sequence and the chain's
//! MACs, nothing of who opened whose file when.
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

/// What an entry says, sealed in its row (bound to its sequence: rows
/// swapped do not open).
#[derive(serde::Serialize, serde::Deserialize)]
struct Sealed {
    at: i64,
    actor: Option<Uuid>,
    device: Uuid,
    action: String,
    entity: String,
    entity_id: Uuid,
}

/// The envelope binding's id of entry `seq`.
fn entry_id(seq: i64) -> Uuid {
    Uuid::from_u128(seq as u128)
}

impl Sealed {
    fn mac(&self, key: &[u8; 32], prev: &[u8], seq: i64) -> [u8; 32] {
        mac(key, prev, seq, self.at, self.actor, self.device, &self.action, &self.entity, self.entity_id)
    }
}

impl Store {
    fn open_entry(&self, seq: i64, envelope: &[u8]) -> Result<Sealed> {
        self.codec.open("audit", entry_id(seq), 1, envelope)
    }

    /// Seals what a store before v6 kept in clear — fact kinds, journal
    /// entries — and drops the clear columns, in one transaction (freed
    /// pages are zeroed: `secure_delete`). Nothing to do once done.
    pub(crate) fn seal_metadata(&self) -> Result<()> {
        let mut conn = super::lock(&self.writer);
        let pending: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_sealed')",
            [],
            |r| r.get(0),
        )?;
        if !pending {
            return Ok(());
        }
        let tx = conn.transaction()?;
        for kind in crate::domain::FactKind::ALL {
            tx.execute("UPDATE facts SET kind_tag = ?1 WHERE kind = ?2", params![self.kind_tag(kind), kind.as_str()])?;
        }
        tx.execute_batch("ALTER TABLE facts DROP COLUMN kind;")?;
        let mut moved = 0;
        {
            let mut rows = tx.prepare(
                "SELECT seq, at, actor, device, action, entity, entity_id, prev, mac FROM audit ORDER BY seq",
            )?;
            let mut insert =
                tx.prepare("INSERT INTO audit_sealed (seq, envelope, prev, mac) VALUES (?1, ?2, ?3, ?4)")?;
            let mut it = rows.query([])?;
            while let Some(r) = it.next()? {
                let seq: i64 = r.get(0)?;
                let entry = Sealed {
                    at: r.get(1)?,
                    actor: r.get(2)?,
                    device: r.get(3)?,
                    action: r.get(4)?,
                    entity: r.get(5)?,
                    entity_id: r.get(6)?,
                };
                let envelope = self.codec.seal("audit", entry_id(seq), 1, &entry)?;
                insert.execute(params![seq, envelope, r.get::<_, Vec<u8>>(7)?, r.get::<_, Vec<u8>>(8)?])?;
                moved += 1;
            }
        }
        tx.execute_batch("DROP TABLE audit; ALTER TABLE audit_sealed RENAME TO audit;")?;
        tx.commit()?;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        log::info!("store metadata sealed ({moved} journal entries)");
        Ok(())
    }
}

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
        let entry = Sealed {
            at,
            actor: self.actor,
            device,
            action: action.as_str().to_owned(),
            entity: entity.to_owned(),
            entity_id,
        };
        let m = entry.mac(self.store.audit_key.bytes(), &head, seq);
        let envelope = self.store.codec.seal("audit", entry_id(seq), 1, &entry)?;
        self.tx
            .prepare_cached("INSERT INTO audit (seq, envelope, prev, mac) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![seq, envelope, head, &m[..]])?;
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
            let mut stmt = conn.prepare("SELECT seq, envelope, prev, mac FROM audit ORDER BY seq")?;
            let mut rows = stmt.query([])?;
            let mut prev = vec![0u8; 32];
            let mut expected_seq = 1i64;
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                if seq != expected_seq {
                    return Err(CoreError::AuditChainBroken { seq: expected_seq });
                }
                let stored_prev: Vec<u8> = r.get(2)?;
                let stored_mac: Vec<u8> = r.get(3)?;
                let Ok(entry) = self.open_entry(seq, r.get_ref(1)?.as_blob()?) else {
                    return Err(CoreError::AuditChainBroken { seq });
                };
                let m = entry.mac(self.audit_key.bytes(), &prev, seq);
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
            let mut stmt = conn.prepare_cached("SELECT seq, envelope FROM audit ORDER BY seq DESC LIMIT ?1")?;
            let mut rows = stmt.query([limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let e = self.open_entry(seq, r.get_ref(1)?.as_blob()?)?;
                out.push(AuditEntry {
                    seq,
                    at: Timestamp::from_millisecond(e.at).unwrap_or(Timestamp::UNIX_EPOCH),
                    actor: e.actor,
                    device: e.device,
                    action: e.action,
                    entity: e.entity,
                    entity_id: e.entity_id,
                });
            }
            Ok(out)
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
            let mut stmt =
                conn.prepare_cached("SELECT seq, envelope, prev, mac FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let mut rows = stmt.query(params![sent_seq, limit as i64])?;
            let mut entries = Vec::new();
            let mut altered_from = None;
            let mut expected_seq = sent_seq + 1;
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let stored_prev: Vec<u8> = r.get(2)?;
                let stored_mac: Vec<u8> = r.get(3)?;
                let entry = self.open_entry(seq, r.get_ref(1)?.as_blob()?).ok();
                let action = entry.as_ref().and_then(|e| chevet_protocol::AuditAction::parse(&e.action));
                let mac_ok = stored_prev == prev_mac
                    && entry.as_ref().is_some_and(|e| stored_mac == e.mac(self.audit_key.bytes(), &stored_prev, seq));
                if altered_from.is_none() && (seq != expected_seq || !mac_ok || action.is_none()) {
                    altered_from = Some(expected_seq.min(seq));
                }
                expected_seq = seq + 1;
                prev_mac = stored_mac;
                // An entry that does not open, or whose action this build
                // cannot name, was written by something else: reported
                // above, and not sent.
                let (Some(entry), Some(action)) = (entry, action) else { continue };
                let mut record = AuditRecord {
                    seq,
                    at_ms: entry.at,
                    actor: entry.actor,
                    action,
                    entity: entry.entity,
                    entity_id: entry.entity_id,
                    link: String::new(),
                };
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
            let mut stmt = conn.prepare("SELECT seq, envelope FROM audit WHERE seq <= ?1 ORDER BY seq")?;
            let mut rows = stmt.query([seq])?;
            let mut link = [0u8; 32];
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let Ok(entry) = self.open_entry(seq, r.get_ref(1)?.as_blob()?) else { continue };
                let Some(action) = chevet_protocol::AuditAction::parse(&entry.action) else { continue };
                let record = AuditRecord {
                    seq,
                    at_ms: entry.at,
                    actor: entry.actor,
                    action,
                    entity: entry.entity,
                    entity_id: entry.entity_id,
                    link: String::new(),
                };
                link = record.expected_link(&link, self.device_id);
            }
            Ok(link)
        })
    }
}
