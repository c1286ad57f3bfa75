//! The store's side of sync: the outbox as protocol operations, the hub's
//! answers, pulled changes applied without new outbox entries, the pull
//! cursor and the hub credential.
//!
//! A pulled document change for an entity that still has a pending local
//! operation waits in `deferred_changes` until that operation is answered,
//! so a local edit is never overwritten before the hub has merged it.

use chevet_protocol::{Change, Entity, OpOutcome, OpResult, Operation};
use rusqlite::{OptionalExtension, params};
use serde_json::Value;
use uuid::Uuid;

use super::audit::AuditAction;
use super::residents::document_table;
use super::{Store, WriteTx};
use crate::domain::{Establishment, Fact, PlannedAct, Resident, Route, Staff, Unit, Wound};
use crate::error::{CoreError, Result};
use serde::{Deserialize, Serialize};

const META_HUB_URL: &str = "hub_url";
const META_HUB_CREDENTIAL: &str = "hub_credential";
const META_PULL_CURSOR: &str = "pull_cursor";
/// The last sync that went through, and the last that failed (JSON of
/// [`Outcome`]: times and kinds only).
const META_SYNC_SUCCESS: &str = "sync_last_success";
const META_SYNC_FAILURE: &str = "sync_last_failure";
/// Set on a store filled with the demo EHPAD: it may never enrol.
const META_DEMO: &str = "demo_store";
/// The units the hub enrolled this device for (JSON list of ids: routing
/// data, like the rows' own unit ids).
const META_SCOPE: &str = "scope_units";
const CREDENTIAL_ID: Uuid = Uuid::from_u128(0x63686576_6574_4000_8000_6875622d6b65);
/// The establishment's CA the device trusts for its hub. Public, but sealed
/// all the same: one swapped on disk would let another server pose as the hub.
const META_HUB_CA: &str = "hub_ca";
const HUB_CA_ID: Uuid = Uuid::from_u128(0x63686576_6574_4000_8000_6875622d6361);

/// A local operation the hub answered with a conflict or a refusal: kept,
/// with what the device had sent, for a coordinator to look at.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncIssue {
    pub op_id: Uuid,
    pub entity: String,
    pub entity_id: Uuid,
    /// "conflict" or "rejected".
    pub state: String,
    /// The hub's answer (fields in conflict, or the refusal's reason code).
    pub answer: Value,
}

/// What applying one pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub applied: usize,
    pub deferred: usize,
    /// Changes this build could not read (kept out, logged by id).
    pub skipped: usize,
    /// Residents removed from the device: they left its units.
    pub removed: usize,
}

fn entity_of(s: &str) -> Result<Entity> {
    serde_json::from_value(Value::String(s.to_owned())).map_err(|_| CoreError::invalid("outbox.entity", "unknown"))
}

fn entity_name(e: Entity) -> &'static str {
    match e {
        Entity::Fact => "fact",
        Entity::Resident => "resident",
        Entity::PlannedAct => "planned_act",
        Entity::Wound => "wound",
        Entity::Route => "round",
        Entity::Establishment => "establishment",
        Entity::Unit => "unit",
        Entity::Staff => "staff",
    }
}

impl WriteTx<'_> {
    fn has_pending_op(&self, entity_id: Uuid) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM outbox WHERE entity_id = ?1 AND state = 'pending' LIMIT 1")?
            .query_row([entity_id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// (local version, hub version) of a local row, if any.
    fn versions(&self, table: &str, id: Uuid) -> Result<Option<(u32, Option<u32>)>> {
        Ok(self
            .tx
            .prepare_cached(&format!("SELECT version, server_version FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// Applies one pulled change; Ok(false) when it must wait.
    fn apply_change(&mut self, c: &Change) -> Result<bool> {
        if c.entity == Entity::Fact {
            let fact: Fact = serde_json::from_value(c.payload.clone())
                .map_err(|_| CoreError::UndecodableRecord { table: "facts", id: c.entity_id })?;
            if fact.id() != c.entity_id || fact.validate().is_err() {
                return Err(CoreError::InvalidPulled { table: "facts", id: c.entity_id });
            }
            self.store_fact_row(&fact)?;
            return Ok(true);
        }
        let table = match c.entity {
            Entity::Establishment => "establishments",
            Entity::Unit => "units",
            Entity::Staff => "staff",
            other => document_table(entity_name(other))?,
        };
        // A document without its hub version is skipped like any invalid
        // change: one bad change must not stop every pull after it.
        let hub_version = c.version.ok_or(CoreError::InvalidPulled { table, id: c.entity_id })?;
        if c.entity.is_document() && self.has_pending_op(c.entity_id)? {
            // A waiting change is a whole resident, wound or act: sealed like
            // the row it will become, bound to its id and hub version.
            let sealed = self.store.codec.seal("deferred_changes", c.entity_id, hub_version, c)?;
            self.tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO deferred_changes (entity_id, version, change) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![c.entity_id, hub_version, sealed])?;
            return Ok(false);
        }
        let existing = if c.entity.is_reference() {
            // Reference rows keep no hub version locally: provisioning and
            // pulls both replace them whole.
            self.versions_sans_server(table, c.entity_id)?
        } else {
            self.versions(table, c.entity_id)?
        };
        if let Some((_, Some(known))) = existing
            && known >= hub_version
        {
            return Ok(true); // already have this or newer
        }
        let local = existing.map_or(1, |(v, _)| v + 1);
        let id = c.entity_id;
        let undecodable = || CoreError::UndecodableRecord { table, id };
        // What the hub sends is checked like what the tablet writes: a
        // record that breaks the rules (an every-0-days schedule, a resident
        // without a room) never reaches the round view.
        macro_rules! decode {
            ($t:ty) => {{
                let v = serde_json::from_value::<$t>(c.payload.clone()).map_err(|_| undecodable())?;
                if v.id != id || v.validate().is_err() {
                    return Err(CoreError::InvalidPulled { table, id });
                }
                v
            }};
        }
        let codec = &self.store.codec;
        match c.entity {
            Entity::Resident => {
                let r = decode!(Resident);
                let env = codec.seal(table, id, local, &r)?;
                self.tx
                    .prepare_cached(
                        "INSERT INTO residents (id, unit_id, version, envelope, server_version) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, version = excluded.version,
                         envelope = excluded.envelope, server_version = excluded.server_version",
                    )?
                    .execute(params![id, r.unit_id, local, env, hub_version])?;
                self.index_resident(&r)?;
            }
            Entity::PlannedAct => {
                let a = decode!(PlannedAct);
                let env = codec.seal(table, id, local, &a)?;
                self.tx
                    .prepare_cached(
                        "INSERT INTO planned_acts (id, resident_id, version, active, envelope, server_version)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (id) DO UPDATE SET version = excluded.version, active = excluded.active,
                         envelope = excluded.envelope, server_version = excluded.server_version",
                    )?
                    .execute(params![id, a.resident_id, local, a.active, env, hub_version])?;
            }
            Entity::Wound => {
                let w = decode!(Wound);
                let env = codec.seal(table, id, local, &w)?;
                self.tx
                    .prepare_cached(
                        "INSERT INTO wounds (id, resident_id, version, envelope, server_version) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (id) DO UPDATE SET version = excluded.version, envelope = excluded.envelope,
                         server_version = excluded.server_version",
                    )?
                    .execute(params![id, w.resident_id, local, env, hub_version])?;
            }
            Entity::Route => {
                let r = decode!(Route);
                let env = codec.seal(table, id, local, &r)?;
                self.tx
                    .prepare_cached(
                        "INSERT INTO rounds (id, unit_id, day, version, envelope, server_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, day = excluded.day,
                         version = excluded.version, envelope = excluded.envelope, server_version = excluded.server_version",
                    )?
                    .execute(params![id, r.unit_id, super::routes::day_number(r.date), local, env, hub_version])?;
            }
            Entity::Establishment => self.put_establishment_row(&decode!(Establishment), local)?,
            Entity::Unit => self.put_unit_row(&decode!(Unit), local)?,
            Entity::Staff => self.put_staff_row(&decode!(Staff), local)?,
            Entity::Fact => {}
        }
        Ok(true)
    }

    fn versions_sans_server(&self, table: &str, id: Uuid) -> Result<Option<(u32, Option<u32>)>> {
        Ok(self
            .tx
            .prepare_cached(&format!("SELECT version FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| Ok((r.get(0)?, None)))
            .optional()?)
    }

    /// Removes the residents whose unit is outside the device's scope (moved
    /// to another floor or establishment), with their facts, care plan,
    /// wounds and photos — unless something of theirs still waits for the
    /// hub (it goes first; the next sync removes them). Returns how many.
    fn purge_out_of_scope(&mut self) -> Result<usize> {
        let scope: Option<Vec<u8>> = self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([META_SCOPE], |r| r.get(0))
            .optional()?;
        // Enrolled before the scope was kept: nothing is known to be outside.
        let Some(scope) = scope else { return Ok(0) };
        let gone: Vec<Uuid> = self
            .tx
            .prepare_cached(
                "SELECT r.id FROM residents r
                 WHERE r.unit_id NOT IN (SELECT unhex(replace(value, '-', '')) FROM json_each(?1))
                 AND NOT EXISTS (
                     SELECT 1 FROM outbox o WHERE o.state = 'pending' AND (
                         o.entity_id = r.id
                         OR o.entity_id IN (SELECT id FROM facts WHERE resident_id = r.id)
                         OR o.entity_id IN (SELECT id FROM planned_acts WHERE resident_id = r.id)
                         OR o.entity_id IN (SELECT id FROM wounds WHERE resident_id = r.id)))",
            )?
            .query_map([&scope], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for id in &gone {
            for sql in [
                "DELETE FROM media_blobs WHERE photo_id IN (SELECT id FROM facts WHERE resident_id = ?1)",
                "DELETE FROM facts WHERE resident_id = ?1",
                "DELETE FROM planned_acts WHERE resident_id = ?1",
                "DELETE FROM wounds WHERE resident_id = ?1",
                "DELETE FROM resident_terms WHERE resident_id = ?1",
                "DELETE FROM deferred_changes WHERE entity_id = ?1",
                "DELETE FROM residents WHERE id = ?1",
            ] {
                self.tx.prepare_cached(sql)?.execute([id])?;
            }
            log::info!("resident {id} left this device's units; removed from the device");
        }
        Ok(gone.len())
    }

    /// Applies deferred changes whose entity no longer has a pending op.
    fn release_deferred(&mut self) -> Result<usize> {
        let rows: Vec<(Uuid, u32, Vec<u8>)> = self
            .tx
            .prepare_cached(
                "SELECT d.entity_id, d.version, d.change FROM deferred_changes d
                 WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.entity_id = d.entity_id AND o.state = 'pending')
                 ORDER BY d.entity_id, d.version",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut n = 0;
        for (id, version, bytes) in rows {
            self.tx
                .prepare_cached("DELETE FROM deferred_changes WHERE entity_id = ?1 AND version = ?2")?
                .execute(params![id, version])?;
            match self.store.codec.open::<Change>("deferred_changes", id, version, &bytes) {
                Ok(c) if c.entity_id == id => match self.apply_change(&c) {
                    Ok(_) => n += 1,
                    Err(CoreError::UndecodableRecord { table, id } | CoreError::InvalidPulled { table, id }) => {
                        log::warn!("deferred {table} change {id} refused; dropped")
                    }
                    Err(e) => return Err(e),
                },
                _ => log::warn!("deferred change for {id} unreadable; dropped"),
            }
        }
        Ok(n)
    }
}

impl Store {
    /// The hub revoked this tablet (lost or stolen): everything personal it
    /// holds goes — residents, records, care plans, wounds, rounds, staff
    /// and their PIN verifiers, operations not yet sent, photo files — and
    /// with it the enrolment; freed pages are overwritten (VACUUM) so no
    /// ciphertext stays behind in the file. What is left is an empty store
    /// that must be enrolled again; the audit journal keeps ids only, and
    /// that it was erased.
    pub fn erase_after_revocation(&self) -> Result<()> {
        self.lock();
        let device = self.device_id();
        self.write(None, |w| {
            for table in [
                "facts",
                "outbox",
                "deferred_changes",
                "media_blobs",
                "planned_acts",
                "wounds",
                "rounds",
                "resident_terms",
                "residents",
                "staff",
                "units",
                "establishments",
            ] {
                w.tx.execute(&format!("DELETE FROM {table}"), [])?;
            }
            for key in [
                META_HUB_URL,
                META_HUB_CREDENTIAL,
                META_HUB_CA,
                META_PULL_CURSOR,
                META_SCOPE,
                META_SYNC_SUCCESS,
                META_SYNC_FAILURE,
            ] {
                w.tx.execute("DELETE FROM meta WHERE key = ?1", [key])?;
            }
            w.audit(AuditAction::Erase, "device", device)?;
            Ok(())
        })?;
        {
            let _media = super::lock(&self.media_lock);
            for (name, _) in self.media.list().map_err(|e| CoreError::MediaStorage(e.kind()))? {
                self.media.remove(&name).map_err(|e| CoreError::MediaStorage(e.kind()))?;
            }
        }
        super::lock(&self.writer).execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        log::warn!("device {device} was revoked by the hub: its store was erased");
        Ok(())
    }

    /// Removes the files of photos whose records a purge deleted.
    fn sweep_purged_media(&self) {
        if let Err(e) = self.sweep_orphan_media() {
            log::warn!("photo files of removed residents not swept: {e}");
        }
    }

    /// The units the hub enrolled this device for; None before enrolment
    /// (a demo store, or one enrolled before the scope was kept).
    pub(crate) fn scope_units(&self) -> Result<Option<Vec<Uuid>>> {
        let scope: Option<Vec<u8>> = self.read(|c| {
            Ok(c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([META_SCOPE], |r| r.get(0))
                .optional()?)
        })?;
        scope
            .map(|json| serde_json::from_slice(&json).map_err(|_| CoreError::invalid("scope", "unreadable")))
            .transpose()
    }

    /// Remembers the units the hub enrolled this device for: a resident
    /// pulled into another unit leaves the device.
    pub fn set_scope(&self, units: &[Uuid]) -> Result<()> {
        let json = serde_json::to_vec(units).map_err(|_| CoreError::invalid("scope", "not encodable"))?;
        self.write(None, |w| {
            w.tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![META_SCOPE, json])?;
            Ok(())
        })
    }

    /// Remembers the hub this device enrolled with; the credential is sealed.
    /// `ca_pem` is the establishment's CA, when its hub's certificate is
    /// not from a public authority.
    pub fn set_hub(&self, url: &str, credential: &str, ca_pem: Option<&[u8]>) -> Result<()> {
        let sealed = self.codec.seal_bytes("meta", CREDENTIAL_ID, 1, credential.as_bytes())?;
        let ca = ca_pem.map(|pem| self.codec.seal_bytes("meta", HUB_CA_ID, 1, pem)).transpose()?;
        self.write(None, |w| {
            let mut stmt = w.tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
            stmt.execute(params![META_HUB_URL, url.as_bytes()])?;
            stmt.execute(params![META_HUB_CREDENTIAL, sealed])?;
            match &ca {
                Some(sealed_ca) => stmt.execute(params![META_HUB_CA, sealed_ca])?,
                None => w.tx.execute("DELETE FROM meta WHERE key = ?1", [META_HUB_CA])?,
            };
            // A hub newly enrolled with gets the whole journal (one that
            // already has it answers the entries it holds as duplicates).
            w.tx.execute("UPDATE device_state SET audit_sent_seq = 0, audit_sent_link = NULL WHERE id = 1", [])?;
            Ok(())
        })
    }

    /// The establishment's CA kept with the enrolment, if one was given.
    pub fn hub_ca(&self) -> Result<Option<Vec<u8>>> {
        self.read(|c| {
            let sealed: Option<Vec<u8>> =
                c.query_row("SELECT value FROM meta WHERE key = ?1", [META_HUB_CA], |r| r.get(0)).optional()?;
            sealed.map(|s| Ok(self.codec.open_bytes("meta", HUB_CA_ID, 1, &s)?.to_vec())).transpose()
        })
    }

    /// Whether this store holds the demo EHPAD (and so may not enrol).
    pub fn is_demo(&self) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_row("SELECT 1 FROM meta WHERE key = ?1", [META_DEMO], |_| Ok(())).optional()?.is_some())
        })
    }

    /// Marks the store as a demo store, if it is not enrolled and holds no
    /// resident yet (demo data is never mixed with real records).
    #[cfg(feature = "demo")]
    pub(crate) fn mark_demo(&self) -> Result<()> {
        self.write(None, |w| {
            let enrolled =
                w.tx.query_row("SELECT 1 FROM meta WHERE key = ?1", [META_HUB_URL], |_| Ok(())).optional()?;
            let residents: i64 = w.tx.query_row("SELECT COUNT(*) FROM residents", [], |r| r.get(0))?;
            if enrolled.is_some() || residents > 0 {
                return Err(CoreError::invalid("store", "demo data goes only into a new, unenrolled store"));
            }
            w.tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, X'01')", [META_DEMO])?;
            Ok(())
        })
    }

    /// The hub URL and credential, if enrolled.
    pub fn hub(&self) -> Result<Option<(String, String)>> {
        self.read(|c| {
            let get = |k: &str| -> Result<Option<Vec<u8>>> {
                Ok(c.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0)).optional()?)
            };
            match (get(META_HUB_URL)?, get(META_HUB_CREDENTIAL)?) {
                (Some(url), Some(sealed)) => {
                    let cred = self.codec.open_bytes("meta", CREDENTIAL_ID, 1, &sealed)?;
                    Ok(Some((
                        String::from_utf8(url).map_err(|_| CoreError::invalid("hub_url", "not UTF-8"))?,
                        String::from_utf8(cred.to_vec())
                            .map_err(|_| CoreError::invalid("hub_credential", "not UTF-8"))?,
                    )))
                }
                _ => Ok(None),
            }
        })
    }

    /// The URL of an unfinished blob upload, by content hash.
    pub fn blob_upload(&self, hash: &str) -> Result<Option<String>> {
        let key = format!("upload:{hash}");
        self.read(|c| {
            let v: Option<Vec<u8>> =
                c.query_row("SELECT value FROM meta WHERE key = ?1", [&key], |r| r.get(0)).optional()?;
            Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
        })
    }

    /// Remembers (or forgets, with None) an unfinished blob upload's URL.
    pub fn set_blob_upload(&self, hash: &str, url: Option<&str>) -> Result<()> {
        let key = format!("upload:{hash}");
        self.write(None, |w| {
            match url {
                Some(u) => w
                    .tx
                    .execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", params![key, u.as_bytes()])?,
                None => w.tx.execute("DELETE FROM meta WHERE key = ?1", [&key])?,
            };
            Ok(())
        })
    }

    pub fn pull_cursor(&self) -> Result<String> {
        self.read(|c| {
            let v: Option<Vec<u8>> =
                c.query_row("SELECT value FROM meta WHERE key = ?1", [META_PULL_CURSOR], |r| r.get(0)).optional()?;
            Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default())
        })
    }

    /// The next batch to push: oldest pending operations first, at most
    /// `max_ops` and about `max_bytes` of JSON (always at least one).
    pub fn outbox_batch(&self, max_ops: usize, max_bytes: usize) -> Result<Vec<Operation>> {
        let mut bytes = 0;
        let mut out = Vec::new();
        for op in self.pending_operations(max_ops)? {
            let size = serde_json::to_vec(&op.payload).map(|v| v.len()).unwrap_or(0) + 256;
            if !out.is_empty() && bytes + size > max_bytes {
                break;
            }
            bytes += size;
            out.push(Operation {
                op_id: op.op_id,
                device_seq: op.device_seq,
                entity: entity_of(&op.entity)?,
                entity_id: op.entity_id,
                base_version: op.base_version,
                hlc: op.hlc,
                clinical_time_ms: op.clinical_time.as_millisecond(),
                payload: op.payload,
            });
        }
        Ok(out)
    }

    /// Records the hub's answers; returns how many deferred changes this released.
    pub fn apply_push_results(&self, results: &[OpResult]) -> Result<usize> {
        self.write(None, |w| {
            for r in results {
                // The hub version in an answer is not adopted here: after a
                // merge the hub's state differs from ours, and the pull that
                // follows brings it (with its version) anyway.
                let state = match &r.outcome {
                    OpOutcome::Applied { .. } => "acked",
                    OpOutcome::Conflict { .. } => "conflict",
                    OpOutcome::Rejected { .. } => "rejected",
                };
                let answer = serde_json::to_string(&r.outcome).unwrap_or_default();
                let row: Option<(String, Uuid)> =
                    w.tx.prepare_cached(
                        "UPDATE outbox SET state = ?2, answer = ?3 WHERE op_id = ?1 AND state = 'pending'
                         RETURNING entity, entity_id",
                    )?
                    .query_row(params![r.op_id, state, answer], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()?;
                let Some((entity, entity_id)) = row else { continue };
                if state != "acked" {
                    log::warn!("op {} on {entity} {entity_id} answered {state}", r.op_id);
                }
            }
            let released = w.release_deferred()?;
            Ok((released, w.purge_out_of_scope()?))
        })
        .map(|(released, removed)| {
            if removed > 0 {
                self.sweep_purged_media();
            }
            released
        })
    }

    /// Applies one pulled page and moves the cursor, in one transaction.
    pub fn apply_pulled(&self, changes: &[Change], cursor: &str) -> Result<Applied> {
        let mut report = Applied::default();
        self.write(None, |w| {
            for c in changes {
                match w.apply_change(c) {
                    Ok(true) => report.applied += 1,
                    Ok(false) => report.deferred += 1,
                    Err(CoreError::UndecodableRecord { table, id }) => {
                        log::warn!("pulled {table} record {id} unreadable by this build; skipped");
                        report.skipped += 1;
                    }
                    Err(CoreError::InvalidPulled { table, id }) => {
                        log::warn!("pulled {table} record {id} fails validation; skipped");
                        report.skipped += 1;
                    }
                    Err(e) => return Err(e),
                }
            }
            w.tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![META_PULL_CURSOR, cursor.as_bytes()])?;
            if !changes.is_empty() {
                w.audit(AuditAction::SyncPull, "sync", Uuid::now_v7())?;
            }
            report.removed = w.purge_out_of_scope()?;
            Ok(())
        })?;
        if report.removed > 0 {
            self.sweep_purged_media();
        }
        // Deactivated while signed in here: the session ends now.
        if let Some(s) = self.session()
            && changes.iter().any(|c| c.entity == Entity::Staff && c.entity_id == s.staff_id)
            && !self.staff(s.staff_id)?.active_at(self.now())
        {
            log::info!("staff {} was deactivated: signed out", s.staff_id);
            self.lock();
        }
        Ok(report)
    }

    /// Forgets the pull cursor: the next pull starts from the beginning.
    pub fn reset_pull_cursor(&self) -> Result<()> {
        self.write(None, |w| {
            w.tx.execute("DELETE FROM meta WHERE key = ?1", [META_PULL_CURSOR])?;
            Ok(())
        })
    }

    /// Keeps the outcome of the last sync (see `sync::status`).
    pub(crate) fn set_sync_outcome(&self, outcome: Outcome) -> Result<()> {
        let key = match outcome {
            Outcome::Success { .. } => META_SYNC_SUCCESS,
            Outcome::Failure { .. } => META_SYNC_FAILURE,
        };
        let json = serde_json::to_vec(&outcome).map_err(|_| CoreError::invalid("sync outcome", "not encodable"))?;
        self.write(None, |w| {
            w.tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![key, json])?;
            Ok(())
        })
    }

    /// The last successful sync (its time and clock skew) and the last failed one.
    #[allow(clippy::type_complexity)]
    pub(crate) fn sync_outcomes(
        &self,
    ) -> Result<(Option<(jiff::Timestamp, Option<i64>)>, Option<(jiff::Timestamp, SyncFailure)>)> {
        self.read(|c| {
            let get = |key: &str| -> Result<Option<Outcome>> {
                let v: Option<Vec<u8>> =
                    c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()?;
                // An unreadable outcome is forgotten, not fatal: the next sync writes it again.
                Ok(v.and_then(|b| serde_json::from_slice(&b).ok()))
            };
            let success = match get(META_SYNC_SUCCESS)? {
                Some(Outcome::Success { at_ms, clock_skew_ms }) => Some((timestamp(at_ms)?, clock_skew_ms)),
                _ => None,
            };
            let failure = match get(META_SYNC_FAILURE)? {
                Some(Outcome::Failure { at_ms, failure }) => Some((timestamp(at_ms)?, failure)),
                _ => None,
            };
            Ok((success, failure))
        })
    }

    /// How many operations the hub answered with a conflict, and how many it refused.
    pub fn sync_issue_counts(&self) -> Result<(u64, u64)> {
        // Two seeks on the (state, device_seq) index: the sync bar asks often,
        // and the outbox holds every operation the tablet ever made.
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT COUNT(*) FROM outbox WHERE state = ?1")?;
            let mut count =
                |state: &str| -> Result<u64> { Ok(stmt.query_row([state], |r| r.get::<_, i64>(0))? as u64) };
            Ok((count("conflict")?, count("rejected")?))
        })
    }

    /// Operations the hub answered with a conflict or refused.
    pub fn sync_issues(&self) -> Result<Vec<SyncIssue>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT op_id, entity, entity_id, state, answer FROM outbox
                 WHERE state IN ('conflict', 'rejected') ORDER BY device_seq",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(SyncIssue {
                    op_id: r.get(0)?,
                    entity: r.get(1)?,
                    entity_id: r.get(2)?,
                    state: r.get(3)?,
                    answer: r
                        .get::<_, Option<String>>(4)?
                        .and_then(|s| serde_json::from_str(&s).ok())
                        .unwrap_or(Value::Null),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }
}

/// Why the last attempt failed, as far as the care worker can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncFailure {
    /// No network, or the hub did not answer: it will go through later.
    Unreachable,
    /// The hub's certificate was refused: the establishment's IT must look.
    CertificateRefused,
    /// The hub no longer knows this tablet (revoked or unknown credential).
    CredentialRefused,
    /// The hub refused a request, or this tablet failed to store the answer.
    Failed,
}

/// What is kept of the last attempt (JSON in `meta`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Outcome {
    Success { at_ms: i64, clock_skew_ms: Option<i64> },
    Failure { at_ms: i64, failure: SyncFailure },
}

pub(crate) fn timestamp(ms: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_millisecond(ms).map_err(|_| CoreError::invalid("sync outcome", "time out of range"))
}
