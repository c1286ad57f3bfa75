//! Reference data: establishments, units and staff. Server-authoritative
//! and pull-only: the hub (or a demo) loads them; the device never pushes
//! them, so they write no outbox operation, only an audit entry.

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::Store;
use super::audit::AuditAction;
use crate::domain::{Establishment, Staff, Unit};
use crate::error::{CoreError, Result};

impl Store {
    /// Loads or replaces an establishment.
    pub fn provision_establishment(&self, e: &Establishment) -> Result<()> {
        e.validate()?;
        self.upsert_reference("establishments", e.id, |w, version| w.put_establishment_row(e, version))
    }

    /// Loads or replaces a unit (floor, wing, SSIAD sector).
    pub fn provision_unit(&self, u: &Unit) -> Result<()> {
        if u.name.trim().is_empty() {
            return Err(CoreError::invalid("unit.name", "required"));
        }
        self.establishment(u.establishment_id)?;
        self.upsert_reference("units", u.id, |w, version| w.put_unit_row(u, version))
    }

    /// Loads or replaces a professional (as the hub sends them). A PIN is
    /// set by the professional themself: with a first-PIN code from the
    /// establishment (`set_first_pin`), then `change_pin`.
    pub fn provision_staff(&self, s: &Staff) -> Result<()> {
        self.put_staff(s, None)
    }

    /// The cost of this store's PIN verifiers (a first-PIN code the demo
    /// issues is hashed at the same cost as the hub's).
    #[cfg(feature = "demo")]
    pub fn pin_cost(&self) -> crate::crypto::vault::Argon2Cost {
        self.options.pin_cost
    }

    /// Demo and tests only: loads a professional with a known PIN. Not in
    /// the library the apps ship (the `demo` feature is off there), so no
    /// caller of the shipped library can give anyone a PIN.
    #[cfg(feature = "demo")]
    pub fn provision_staff_with_pin(&self, s: &Staff, pin: &str) -> Result<()> {
        let verifier = chevet_domain::pin::make_verifier(self.options.pin_cost, pin)?;
        self.put_staff(s, Some(&verifier))
    }

    fn put_staff(&self, s: &Staff, verifier: Option<&[u8]>) -> Result<()> {
        if s.display_name.trim().is_empty() {
            return Err(CoreError::invalid("staff.display_name", "required"));
        }
        self.upsert_reference("staff", s.id, |w, version| {
            w.put_staff_row(s, version)?;
            match verifier {
                Some(v) => w.set_pin_verifier(s.id, v),
                None => Ok(()),
            }
        })
    }

    fn upsert_reference(
        &self,
        table: &'static str,
        id: Uuid,
        f: impl FnOnce(&mut super::WriteTx<'_>, u32) -> Result<()>,
    ) -> Result<()> {
        let actor = self.session().map(|s| s.staff_id);
        self.write(actor, |w| {
            let current: Option<u32> =
                w.tx.query_row(&format!("SELECT version FROM {table} WHERE id = ?1"), [id], |r| r.get(0)).optional()?;
            f(w, current.map_or(1, |v| v + 1))?;
            w.audit(AuditAction::Provision, table, id)
        })
    }

    pub fn establishment(&self, id: Uuid) -> Result<Establishment> {
        self.read_document("establishments", "establishment", id)
    }

    pub fn unit(&self, id: Uuid) -> Result<Unit> {
        self.read_document("units", "unit", id)
    }

    /// The units this device holds (those it serves), by name.
    pub fn units(&self) -> Result<Vec<Unit>> {
        let mut out: Vec<Unit> = self
            .list_documents("units", "SELECT id, version, envelope FROM units", [])?
            .into_iter()
            .map(|(u, _)| u)
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The time zone of the establishment a unit belongs to: the days and
    /// times of care there are read in it (a wound opened at 00:30 in Paris
    /// is opened that day, not the day before as in UTC).
    pub fn unit_time_zone(&self, unit_id: Uuid) -> Result<jiff::tz::TimeZone> {
        Ok(self.establishment(self.unit(unit_id)?.establishment_id)?.tz()?)
    }

    pub fn staff(&self, id: Uuid) -> Result<Staff> {
        self.read_document("staff", "staff", id)
    }

    /// Every professional known to this device (for the sign-in picker).
    pub fn staff_list(&self) -> Result<Vec<Staff>> {
        let mut out: Vec<Staff> = self
            .list_documents("staff", "SELECT id, version, envelope FROM staff", [])?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
        Ok(out)
    }

    /// Reads and opens every document `sql` selects as (id, version, envelope).
    pub(crate) fn list_documents<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<(T, u32)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(sql)?;
            let mut rows = stmt.query(params)?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let (id, version): (Uuid, u32) = (r.get(0)?, r.get(1)?);
                out.push((self.codec.open(table, id, version, r.get_ref(2)?.as_blob()?)?, version));
            }
            Ok(out)
        })
    }

    /// Reads one document by id.
    pub(crate) fn read_document<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        kind: &'static str,
        id: Uuid,
    ) -> Result<T> {
        Ok(self.read_versioned(table, kind, id)?.0)
    }

    /// Reads one versioned document by id (`table` has id, version, envelope).
    pub(crate) fn read_versioned<T: serde::de::DeserializeOwned>(
        &self,
        table: &'static str,
        kind: &'static str,
        id: Uuid,
    ) -> Result<(T, u32)> {
        self.read(|c| {
            let row: Option<(u32, Vec<u8>)> = c
                .prepare_cached(&format!("SELECT version, envelope FROM {table} WHERE id = ?1"))?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let (version, env) = row.ok_or(CoreError::NotFound { kind, id })?;
            Ok((self.codec.open(table, id, version, &env)?, version))
        })
    }
}

/// Reference rows, written the same way whether provisioned or pulled.
impl super::WriteTx<'_> {
    pub(crate) fn put_establishment_row(&mut self, e: &Establishment, version: u32) -> Result<()> {
        let env = self.store.codec.seal("establishments", e.id, version, e)?;
        self.tx
            .prepare_cached(
                "INSERT INTO establishments (id, version, envelope) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, envelope = excluded.envelope",
            )?
            .execute(params![e.id, version, env])?;
        Ok(())
    }

    pub(crate) fn put_unit_row(&mut self, u: &Unit, version: u32) -> Result<()> {
        let env = self.store.codec.seal("units", u.id, version, u)?;
        self.tx
            .prepare_cached(
                "INSERT INTO units (id, establishment_id, version, envelope) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET establishment_id = excluded.establishment_id,
                 version = excluded.version, envelope = excluded.envelope",
            )?
            .execute(params![u.id, u.establishment_id, version, env])?;
        Ok(())
    }

    /// A PIN set on this device survives a row written without one.
    pub(crate) fn put_staff_row(&mut self, s: &Staff, version: u32) -> Result<()> {
        let env = self.store.codec.seal("staff", s.id, version, s)?;
        self.tx
            .prepare_cached(
                // No verifier yet: the first one is sealed under PIN version 1,
                // as every verifier was before versions existed (schema v2).
                "INSERT INTO staff (id, version, envelope, pin_version) VALUES (?1, ?2, ?3, 0)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version, envelope = excluded.envelope",
            )?
            .execute(params![s.id, version, env])?;
        Ok(())
    }
}
