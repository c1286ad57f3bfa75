//! Documents: residents, planned acts, wounds. Mutable and versioned; each
//! change is an operation against a base version, queued for sync, so the
//! hub can merge field by field and show a same-field edit as a conflict.

use rusqlite::{OptionalExtension, params};
use serde_json::json;
use uuid::Uuid;

use super::audit::AuditAction;
use super::{Store, WriteTx};
use crate::domain::{Matricule, Permission, PlannedAct, Resident, ResidentChanges, Wound};
use crate::error::{CoreError, Result};

/// A resident in a search result or list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentSummary {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub display_name: String,
    pub room: String,
    pub identity_status: crate::domain::IdentityStatus,
}

impl From<&Resident> for ResidentSummary {
    fn from(r: &Resident) -> Self {
        ResidentSummary {
            id: r.id,
            unit_id: r.unit_id,
            display_name: r.identity.display_name(),
            room: r.room.clone(),
            identity_status: r.identity.status,
        }
    }
}

/// The local table of a synced document kind.
pub(crate) fn document_table(entity: &str) -> Result<&'static str> {
    Ok(match entity {
        "resident" => "residents",
        "planned_act" => "planned_acts",
        "wound" => "wounds",
        "round" => "rounds",
        _ => return Err(CoreError::invalid("entity", "not a document kind")),
    })
}

impl WriteTx<'_> {
    pub(crate) fn document_version(&self, table: &'static str, id: Uuid) -> Result<Option<u32>> {
        Ok(self
            .tx
            .prepare_cached(&format!("SELECT version FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    fn load_document<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        kind: &'static str,
        id: Uuid,
    ) -> Result<(T, u32)> {
        let (version, env): (u32, Vec<u8>) = self
            .tx
            .prepare_cached(&format!("SELECT version, envelope FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(CoreError::NotFound { kind, id })?;
        Ok((self.store.codec.open(table, id, version, &env)?, version))
    }

    pub(crate) fn index_resident(&mut self, r: &Resident) -> Result<()> {
        self.tx.prepare_cached("DELETE FROM resident_terms WHERE resident_id = ?1")?.execute([r.id])?;
        let t = &r.identity.traits;
        let mut names = vec![t.birth_name.as_str(), t.birth_given_names.as_str()];
        names.extend(r.identity.used_name.as_deref());
        names.extend(r.identity.used_given_name.as_deref());
        let mut terms = self.store.name_index.name_terms(names);
        if let Some(m) = &r.identity.matricule {
            terms.push(self.store.ins_index.term(m.as_str()));
        }
        let mut stmt =
            self.tx.prepare_cached("INSERT OR IGNORE INTO resident_terms (term, resident_id) VALUES (?1, ?2)")?;
        for term in terms {
            stmt.execute(params![&term[..], r.id])?;
        }
        Ok(())
    }

    /// The version a save creates: 1 for a new document, base + 1 for a
    /// change made against the current version.
    pub(crate) fn next_version(
        &self,
        table: &'static str,
        kind: &'static str,
        id: Uuid,
        base_version: Option<u32>,
    ) -> Result<u32> {
        match (self.document_version(table, id)?, base_version) {
            (None, None) => Ok(1),
            (Some(v), Some(b)) if v == b => Ok(v + 1),
            (Some(v), Some(b)) => Err(CoreError::VersionConflict { kind, id, expected: b, found: v }),
            (Some(_), None) => Err(CoreError::invalid("id", "already exists")),
            (None, Some(_)) => Err(CoreError::NotFound { kind, id }),
        }
    }

    /// Queues the sync operation and audit entry of a document save. The
    /// operation carries the whole new state and, as its base, the last hub
    /// version this device knows (0 before the hub ever answered).
    pub(crate) fn log_document_saved<T: serde::Serialize>(
        &mut self,
        entity: &'static str,
        id: Uuid,
        version: u32,
        value: &T,
    ) -> Result<()> {
        let table = document_table(entity)?;
        let server_version: Option<u32> = self
            .tx
            .prepare_cached(&format!("SELECT server_version FROM {table} WHERE id = ?1"))?
            .query_row([id], |r| r.get(0))
            .optional()?
            .flatten();
        let now = self.now;
        let op = if version == 1 && server_version.is_none() { "create" } else { "replace" };
        let base = server_version.unwrap_or(0);
        // The author travels with the change: the hub checks that they may
        // make it (the same rule as here), as for a fact's author.
        let author = self.actor.ok_or(CoreError::NoSession)?;
        let payload = json!({ "op": op, "value": value, "author": author });
        self.append_outbox(entity, id, Some(base), now, Some(&payload))?;
        self.audit(if version == 1 { AuditAction::Create } else { AuditAction::Update }, entity, id)
    }

    pub(crate) fn require_resident(&self, id: Uuid) -> Result<()> {
        self.document_version("residents", id)?.map(|_| ()).ok_or(CoreError::NotFound { kind: "resident", id })
    }
}

impl Store {
    /// Admits a resident (creates the profile).
    pub fn create_resident(&self, r: &Resident) -> Result<()> {
        let staff = self.require(Some(Permission::EditResident))?;
        r.validate()?;
        crate::domain::rules::check_identity_change(r.id, None, &r.identity)?;
        self.unit(r.unit_id)?;
        self.write(Some(staff.id), |w| {
            if w.document_version("residents", r.id)?.is_some() {
                return Err(CoreError::invalid("resident.id", "already exists"));
            }
            let env = self.codec.seal("residents", r.id, 1, r)?;
            w.tx.prepare_cached("INSERT INTO residents (id, unit_id, version, envelope) VALUES (?1, ?2, 1, ?3)")?
                .execute(params![r.id, r.unit_id, env])?;
            w.index_resident(r)?;
            w.log_document_saved("resident", r.id, 1, r)
        })?;
        log::info!("resident {} created", r.id);
        Ok(())
    }

    /// Demo and tests only: loads a resident as if the hub had sent it (an
    /// INSi-qualified identity comes that way, never from a tablet's own
    /// admission). No outbox operation.
    #[cfg(feature = "demo")]
    pub fn provision_resident(&self, r: &Resident) -> Result<()> {
        r.validate()?;
        self.unit(r.unit_id)?;
        let actor = self.session().map(|s| s.staff_id);
        self.write(actor, |w| {
            if w.document_version("residents", r.id)?.is_some() {
                return Err(CoreError::invalid("resident.id", "already exists"));
            }
            let env = self.codec.seal("residents", r.id, 1, r)?;
            w.tx.prepare_cached(
                "INSERT INTO residents (id, unit_id, version, envelope, server_version) VALUES (?1, ?2, 1, ?3, 1)",
            )?
            .execute(params![r.id, r.unit_id, env])?;
            w.index_resident(r)?;
            w.audit(AuditAction::Provision, "resident", r.id)
        })
    }

    /// Changes profile fields against the version the caller read.
    pub fn update_resident(&self, id: Uuid, base_version: u32, changes: &ResidentChanges) -> Result<Resident> {
        let staff = self.require(Some(Permission::EditResident))?;
        let next = self.write(Some(staff.id), |w| {
            let (current, version): (Resident, u32) = w.load_document("residents", "resident", id)?;
            if version != base_version {
                return Err(CoreError::VersionConflict {
                    kind: "resident",
                    id,
                    expected: base_version,
                    found: version,
                });
            }
            let next = changes.apply_to(&current)?;
            if next.unit_id != current.unit_id {
                w.store.unit_exists(&w.tx, next.unit_id)?;
            }
            let env = self.codec.seal("residents", id, version + 1, &next)?;
            w.tx.prepare_cached("UPDATE residents SET unit_id = ?2, version = ?3, envelope = ?4 WHERE id = ?1")?
                .execute(params![id, next.unit_id, version + 1, env])?;
            w.index_resident(&next)?;
            w.log_document_saved("resident", id, version + 1, &next)?;
            Ok(next)
        })?;
        log::info!("resident {id} updated to version {}", base_version + 1);
        Ok(next)
    }

    /// Registers the QR sticker or NFC tag placed at a patient's home (a new
    /// one of the same kind replaces the old: a lost sticker). Visits
    /// stamped by tag must then read it.
    pub fn register_home_tag(
        &self,
        resident_id: Uuid,
        method: crate::domain::StampMethod,
        payload: &str,
    ) -> Result<Resident> {
        let tag = crate::domain::visit::home_tag(method, payload)?;
        let (r, version) = self.resident(resident_id)?;
        let kind = if tag.starts_with("qr:") { "qr:" } else { "nfc:" };
        let mut tags: Vec<String> = r.home_tags.iter().filter(|t| !t.starts_with(kind)).cloned().collect();
        tags.push(tag);
        let next = self.update_resident(
            resident_id,
            version,
            &ResidentChanges { home_tags: Some(tags), ..Default::default() },
        )?;
        log::info!("home tag ({}) registered for resident {resident_id}", kind.trim_end_matches(':'));
        Ok(next)
    }

    fn unit_exists(&self, tx: &rusqlite::Transaction<'_>, id: Uuid) -> Result<()> {
        let found: Option<i64> = tx.query_row("SELECT 1 FROM units WHERE id = ?1", [id], |r| r.get(0)).optional()?;
        found.map(|_| ()).ok_or(CoreError::NotFound { kind: "unit", id })
    }

    /// A resident's profile and its version (for a later update).
    pub fn resident(&self, id: Uuid) -> Result<(Resident, u32)> {
        self.read_versioned("residents", "resident", id)
    }

    /// Finds residents by name (each word, or its first 3+ letters, accents
    /// optional) or by INS matricule. Needs a session.
    pub fn search_residents(&self, query: &str) -> Result<Vec<ResidentSummary>> {
        self.require(None)?;
        let (terms, by_ins) = match Matricule::parse(query) {
            Ok(m) => (vec![self.ins_index.term(m.as_str())], Some(m)),
            Err(_) => (self.name_index.query_terms(query), None),
        };
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Uuid> = self.read(|c| {
            let placeholders = vec!["?"; terms.len()].join(",");
            let sql = format!(
                "SELECT resident_id FROM resident_terms WHERE term IN ({placeholders})
                 GROUP BY resident_id HAVING COUNT(*) = {}",
                terms.len()
            );
            let mut stmt = c.prepare(&sql)?;
            let params = rusqlite::params_from_iter(terms.iter().map(|t| &t[..]));
            Ok(stmt.query_map(params, |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
        })?;
        let wanted: Vec<String> = crate::crypto::blind_index::tokens(query).collect();
        let mut out = Vec::new();
        for id in ids {
            let (r, _) = self.resident(id)?;
            // Blind-index terms are truncated hashes: confirm on the decrypted record.
            let matches = match &by_ins {
                Some(m) => r.identity.matricule.as_ref() == Some(m),
                None => {
                    let t = &r.identity.traits;
                    let names = [
                        Some(t.birth_name.as_str()),
                        Some(t.birth_given_names.as_str()),
                        r.identity.used_name.as_deref(),
                        r.identity.used_given_name.as_deref(),
                    ];
                    let have: Vec<String> =
                        names.into_iter().flatten().flat_map(crate::crypto::blind_index::tokens).collect();
                    wanted
                        .iter()
                        .filter(|w| w.chars().count() >= crate::crypto::blind_index::MIN_PREFIX)
                        .all(|w| have.iter().any(|h| h.starts_with(w.as_str())))
                }
            };
            if matches {
                out.push(ResidentSummary::from(&r));
            }
        }
        out.sort_by_cached_key(|s| crate::crypto::blind_index::normalise(&s.display_name));
        Ok(out)
    }

    /// Adds an act to a resident's care plan.
    pub fn create_planned_act(&self, act: &PlannedAct) -> Result<()> {
        let staff = self.require(Some(Permission::EditCarePlan))?;
        act.validate()?;
        self.write(Some(staff.id), |w| {
            w.require_resident(act.resident_id)?;
            if w.document_version("planned_acts", act.id)?.is_some() {
                return Err(CoreError::invalid("planned_act.id", "already exists"));
            }
            let env = self.codec.seal("planned_acts", act.id, 1, act)?;
            w.tx.prepare_cached(
                "INSERT INTO planned_acts (id, resident_id, version, active, envelope) VALUES (?1, ?2, 1, ?3, ?4)",
            )?
            .execute(params![act.id, act.resident_id, act.active, env])?;
            w.log_document_saved("planned_act", act.id, 1, act)
        })
    }

    /// Replaces a planned act (schedule, label, stop) against a base version.
    pub fn update_planned_act(&self, act: &PlannedAct, base_version: u32) -> Result<()> {
        let staff = self.require(Some(Permission::EditCarePlan))?;
        act.validate()?;
        self.write(Some(staff.id), |w| {
            let (current, version): (PlannedAct, u32) = w.load_document("planned_acts", "planned_act", act.id)?;
            if version != base_version {
                return Err(CoreError::VersionConflict {
                    kind: "planned_act",
                    id: act.id,
                    expected: base_version,
                    found: version,
                });
            }
            if current.resident_id != act.resident_id {
                return Err(CoreError::invalid("planned_act.resident_id", "an act cannot move to another resident"));
            }
            let env = self.codec.seal("planned_acts", act.id, version + 1, act)?;
            w.tx.prepare_cached("UPDATE planned_acts SET version = ?2, active = ?3, envelope = ?4 WHERE id = ?1")?
                .execute(params![act.id, version + 1, act.active, env])?;
            w.log_document_saved("planned_act", act.id, version + 1, act)
        })
    }

    /// A resident's care plan with each act's version.
    /// Checks a scanned box against a resident's medication act before the
    /// dose is given, as recording it will (the prescribed product, in date
    /// on `at`); returns what the box says, for the screen to show.
    pub fn check_scanned_box(
        &self,
        resident_id: Uuid,
        planned_act_id: Uuid,
        scanned: &str,
        at: jiff::Timestamp,
    ) -> Result<crate::domain::gs1::MedicineBox> {
        let (act, _) = self
            .care_plan(resident_id)?
            .into_iter()
            .find(|(a, _)| a.id == planned_act_id)
            .ok_or(CoreError::NotFound { kind: "planned_act", id: planned_act_id })?;
        let line = act.medication.as_ref().ok_or(CoreError::invalid("planned_act_id", "not a medication"))?;
        Ok(crate::domain::rules::check_scanned_box(line.expected_barcode.as_deref(), scanned, at)?)
    }

    pub fn care_plan(&self, resident_id: Uuid) -> Result<Vec<(PlannedAct, u32)>> {
        self.list_documents(
            "planned_acts",
            "SELECT id, version, envelope FROM planned_acts WHERE resident_id = ?1",
            [resident_id],
        )
    }

    /// Opens a wound file or updates it (stage, healed date) against a base version.
    pub fn save_wound(&self, wound: &Wound, base_version: Option<u32>) -> Result<u32> {
        let staff = self.require(Some(Permission::RecordWoundCare))?;
        wound.validate()?;
        self.write(Some(staff.id), |w| {
            w.require_resident(wound.resident_id)?;
            let version = w.next_version("wounds", "wound", wound.id, base_version)?;
            let env = self.codec.seal("wounds", wound.id, version, wound)?;
            w.tx.prepare_cached(
                "INSERT INTO wounds (id, resident_id, version, envelope) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, envelope = excluded.envelope",
            )?
            .execute(params![wound.id, wound.resident_id, version, env])?;
            w.log_document_saved("wound", wound.id, version, wound)?;
            Ok(version)
        })
    }

    /// A resident's wounds with their versions.
    pub fn wounds(&self, resident_id: Uuid) -> Result<Vec<(Wound, u32)>> {
        self.list_documents("wounds", "SELECT id, version, envelope FROM wounds WHERE resident_id = ?1", [resident_id])
    }
}
