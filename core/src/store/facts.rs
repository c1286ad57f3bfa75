//! Recording facts: act records, administrations, observations,
//! transmissions, wound assessments, visit stamps and corrections.
//!
//! One transaction per call writes the fact, its outbox operation and its
//! audit entry, after checking the signed-in user's permission for that
//! fact (an AS cannot record a nursing administration) and the fact itself.

use std::collections::HashMap;

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::audit::AuditAction;
use super::{Store, WriteTx};
use crate::domain::rules::{Origin, RecordLookup, TimeWindow, check_fact};
use crate::domain::{Fact, PlannedAct, RecordMeta, Staff, Wound};
use crate::error::{CoreError, Result};

/// The blind-index term every scale assessment is tagged with.
pub(crate) const SCALE_TAG: &str = "chevet:scale_assessment";

impl Store {
    /// A fact kind as its row keeps it: a keyed tag, not the word, so that
    /// the disk does not tell which resident had a wound assessed or an
    /// emergency transfer when (the queries ask by tag).
    pub(crate) fn kind_tag(&self, kind: crate::domain::FactKind) -> Vec<u8> {
        self.code_index.term(&format!("chevet:fact-kind:{}", kind.as_str())).to_vec()
    }
}

fn fact_meta_mut(f: &mut Fact) -> &mut RecordMeta {
    match f {
        Fact::Act(x) => &mut x.meta,
        Fact::Administration(x) => &mut x.meta,
        Fact::Observation(x) => &mut x.meta,
        Fact::Transmission(x) => &mut x.meta,
        Fact::WoundAssessment(x) => &mut x.meta,
        Fact::VisitStamp(x) => &mut x.meta,
        Fact::Correction(x) => &mut x.meta,
        Fact::Photo(x) => &mut x.meta,
        Fact::EmergencyTransfer(x) => &mut x.meta,
        Fact::ScaleAssessment(x) => &mut x.meta,
    }
}

/// Planned acts read during one write, so a batch decrypts each once.
#[derive(Default)]
struct PlanCache(HashMap<Uuid, PlannedAct>);

impl WriteTx<'_> {
    /// Writes a fact's row (and marks the target of a correction); false if
    /// the fact was already there. Shared by local recording and sync.
    pub(crate) fn store_fact_row(&mut self, fact: &Fact) -> Result<bool> {
        let id = fact.id();
        let (planned, occurrence) = fact.answers().map_or((None, None), |(p, o)| (Some(p), o));
        let code_tag = match fact {
            Fact::Observation(o) => Some(self.store.code_index.term(o.code.loinc()).to_vec()),
            // All scales share one term: the round reads a resident's latest few.
            Fact::ScaleAssessment(_) => Some(self.store.code_index.term(SCALE_TAG).to_vec()),
            _ => None,
        };
        let env = self.store.codec.seal("facts", id, 1, fact)?;
        let inserted = self
            .tx
            .prepare_cached(
                "INSERT INTO facts (id, kind_tag, resident_id, planned_act_id, occurrence, code_tag, clinical_time, envelope)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                id,
                self.store.kind_tag(fact.kind()),
                fact.resident_id(),
                planned,
                occurrence.map(|o| o.as_millisecond()),
                code_tag,
                fact.meta().clinical_time.as_millisecond(),
                env
            ])?;
        if inserted == 0 {
            return Ok(false);
        }
        if let Fact::Correction(c) = fact {
            self.tx.prepare_cached("UPDATE facts SET entered_in_error = 1 WHERE id = ?1")?.execute([c.target_id])?;
        }
        if let Fact::Photo(p) = fact {
            self.register_photo_blobs(p)?;
        }
        Ok(true)
    }

    fn planned_act(&self, cache: &mut PlanCache, id: Uuid) -> Result<PlannedAct> {
        if let Some(p) = cache.0.get(&id) {
            return Ok(p.clone());
        }
        let (version, env): (u32, Vec<u8>) = self
            .tx
            .prepare_cached("SELECT version, envelope FROM planned_acts WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(CoreError::NotFound { kind: "planned_act", id })?;
        let act: PlannedAct = self.store.codec.open("planned_acts", id, version, &env)?;
        cache.0.insert(id, act.clone());
        Ok(act)
    }

    /// The unit of a resident this device holds.
    fn resident_unit(&self, id: Uuid) -> Result<Uuid> {
        self.tx
            .prepare_cached("SELECT unit_id FROM residents WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or(CoreError::NotFound { kind: "resident", id })
    }

    fn insert_fact(&mut self, cache: &mut PlanCache, staff: &Staff, mut fact: Fact) -> Result<Fact> {
        let now = self.now;
        let meta = fact_meta_mut(&mut fact);
        meta.author = staff.id;
        meta.device = self.store.device_id;
        meta.recorded_at = now;
        let clinical = meta.clinical_time;
        fact.validate()?;
        let unit = self.resident_unit(fact.resident_id())?;
        if let Fact::Correction(c) = &fact {
            let voided: Option<bool> = self
                .tx
                .prepare_cached("SELECT entered_in_error FROM facts WHERE id = ?1")?
                .query_row([c.target_id], |r| r.get(0))
                .optional()?;
            if voided == Some(true) {
                return Err(CoreError::AlreadyCorrected { id: c.target_id });
            }
        }
        // The same rules the hub applies to this record when it arrives.
        let origin = Origin { device: self.store.device_id, unit };
        check_fact(&mut StoreLookup { w: self, cache, session: staff }, &fact, origin, now, TimeWindow::DEVICE)?;

        let id = fact.id();
        if !self.store_fact_row(&fact)? {
            return Err(CoreError::invalid("fact.id", "already recorded"));
        }
        if let Fact::Correction(c) = &fact {
            self.audit(AuditAction::Correct, "fact", c.target_id)?;
        }
        self.append_outbox("fact", id, None, clinical, None)?;
        self.audit(AuditAction::Create, fact.kind().as_str(), id)?;
        Ok(fact)
    }
}

/// The store's answers to the shared rules' look-ups, in the write's transaction.
struct StoreLookup<'a, 'w, 's> {
    w: &'a WriteTx<'w>,
    cache: &'a mut PlanCache,
    /// The signed-in professional (read once at sign-in).
    session: &'s Staff,
}

impl RecordLookup for StoreLookup<'_, '_, '_> {
    type Error = CoreError;

    fn staff(&mut self, id: Uuid) -> Result<Option<Staff>> {
        if id == self.session.id {
            return Ok(Some(self.session.clone()));
        }
        let row: Option<(u32, Vec<u8>)> = self
            .w
            .tx
            .prepare_cached("SELECT version, envelope FROM staff WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(v, env)| self.w.store.codec.open("staff", id, v, &env)).transpose()
    }

    fn planned_act(&mut self, id: Uuid) -> Result<Option<PlannedAct>> {
        match self.w.planned_act(self.cache, id) {
            Ok(a) => Ok(Some(a)),
            Err(CoreError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn wound(&mut self, id: Uuid) -> Result<Option<Wound>> {
        let row: Option<(u32, Vec<u8>)> = self
            .w
            .tx
            .prepare_cached("SELECT version, envelope FROM wounds WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(v, env)| self.w.store.codec.open("wounds", id, v, &env)).transpose()
    }

    fn resident(&mut self, id: Uuid) -> Result<Option<crate::domain::Resident>> {
        let row: Option<(u32, Vec<u8>)> = self
            .w
            .tx
            .prepare_cached("SELECT version, envelope FROM residents WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(v, env)| self.w.store.codec.open("residents", id, v, &env)).transpose()
    }

    fn fact(&mut self, id: Uuid) -> Result<Option<Fact>> {
        let env: Option<Vec<u8>> = self
            .w
            .tx
            .prepare_cached("SELECT envelope FROM facts WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        env.map(|env| self.w.store.codec.open("facts", id, 1, &env)).transpose()
    }
}

impl Store {
    /// Records one fact; returns it with author, device and entry time set.
    pub fn record(&self, fact: Fact) -> Result<Fact> {
        let staff = self.require(None)?;
        let kind = fact.kind();
        let stored = self.write(Some(staff.id), |w| w.insert_fact(&mut PlanCache::default(), &staff, fact))?;
        log::debug!("recorded {} {} by staff {}", kind.as_str(), stored.id(), staff.id);
        Ok(stored)
    }

    /// Records a bedside scale and returns its result, read at the
    /// thresholds of the resident's establishment (Norton's is set per team).
    pub fn record_scale(
        &self,
        assessment: crate::domain::ScaleAssessment,
    ) -> Result<crate::clinical::scales::ScaleResult> {
        let (resident, _) = self.resident(assessment.resident_id)?;
        let settings =
            self.establishment(self.unit(resident.unit_id)?.establishment_id)?.alert_settings.unwrap_or_default();
        let result = assessment.answers.evaluate(settings.norton_threshold)?;
        self.record(Fact::ScaleAssessment(assessment))?;
        Ok(result)
    }

    /// Records several facts in one transaction: all of them or none.
    pub fn record_batch(&self, facts: Vec<Fact>) -> Result<Vec<Fact>> {
        let staff = self.require(None)?;
        let n = facts.len();
        let stored = self.write(Some(staff.id), |w| {
            let mut cache = PlanCache::default();
            facts.into_iter().map(|f| w.insert_fact(&mut cache, &staff, f)).collect::<Result<Vec<_>>>()
        })?;
        log::debug!("recorded a batch of {n} facts by staff {}", staff.id);
        Ok(stored)
    }

    /// One fact by id, with whether it was marked entered-in-error.
    pub fn fact(&self, id: Uuid) -> Result<(Fact, bool)> {
        self.read(|c| {
            let (voided, env): (bool, Vec<u8>) = c
                .prepare_cached("SELECT entered_in_error, envelope FROM facts WHERE id = ?1")?
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or(CoreError::NotFound { kind: "fact", id })?;
            Ok((self.codec.open("facts", id, 1, &env)?, voided))
        })
    }
}
