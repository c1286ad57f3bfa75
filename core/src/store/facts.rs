//! Recording facts: act records, administrations, observations,
//! transmissions, wound assessments, visit stamps and corrections.
//!
//! One transaction per call writes the fact, its outbox operation and its
//! audit entry, after checking the signed-in user's permission for that
//! fact (an AS cannot record a nursing administration) and the fact itself.

use std::collections::HashMap;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::audit::AuditAction;
use super::{Store, WriteTx};
use crate::domain::{ActKind, Fact, Permission, PlannedAct, RecordMeta, Staff, Wound};
use crate::error::{CoreError, Result};

/// How far ahead of the device clock a clinical time may be (clock drift).
const MAX_FUTURE_SECS: i64 = 10 * 60;
/// The blind-index term every scale assessment is tagged with.
pub(crate) const SCALE_TAG: &str = "chevet:scale_assessment";
/// How far back a late entry may go.
const MAX_PAST_DAYS: i64 = 400;

impl RecordMeta {
    /// Meta for a new fact that happened at `clinical_time`; the store sets
    /// author, device and entry time from the session when recording it.
    pub fn at(clinical_time: Timestamp) -> Self {
        RecordMeta { author: Uuid::nil(), device: Uuid::nil(), clinical_time, recorded_at: clinical_time }
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
                "INSERT INTO facts (id, kind, resident_id, planned_act_id, occurrence, code_tag, clinical_time, envelope)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
            )?
            .execute(params![
                id,
                fact.kind().as_str(),
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

    /// The wound, checked to be this resident's.
    pub(crate) fn wound_of(&self, wound_id: Uuid, resident_id: Uuid) -> Result<Wound> {
        let (version, env): (u32, Vec<u8>) = self
            .tx
            .prepare_cached("SELECT version, envelope FROM wounds WHERE id = ?1")?
            .query_row([wound_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or(CoreError::NotFound { kind: "wound", id: wound_id })?;
        let wound: Wound = self.store.codec.open("wounds", wound_id, version, &env)?;
        if wound.resident_id != resident_id {
            return Err(CoreError::invalid("wound_id", "belongs to another resident"));
        }
        Ok(wound)
    }

    fn resident_exists(&self, id: Uuid) -> Result<()> {
        let found: Option<i64> = self
            .tx
            .prepare_cached("SELECT 1 FROM residents WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        found.map(|_| ()).ok_or(CoreError::NotFound { kind: "resident", id })
    }

    /// The permission this fact needs, after checking what it points to.
    fn permission_for(&self, cache: &mut PlanCache, staff: &Staff, fact: &Fact) -> Result<Permission> {
        let for_plan = |act: &PlannedAct, resident: Uuid| {
            if act.resident_id != resident {
                return Err(CoreError::invalid("planned_act_id", "belongs to another resident"));
            }
            Ok(act.required_permission())
        };
        match fact {
            Fact::Act(a) => match a.planned_act_id {
                Some(p) => for_plan(&self.planned_act(cache, p)?, a.resident_id),
                None => Ok(Permission::RecordCareAct),
            },
            Fact::Administration(a) => {
                let act = self.planned_act(cache, a.planned_act_id)?;
                if act.kind != ActKind::Medication {
                    return Err(CoreError::invalid("planned_act_id", "not a medication"));
                }
                if let (Some(expected), Some(scanned)) =
                    (act.medication.as_ref().and_then(|m| m.expected_barcode.as_ref()), &a.scanned_barcode)
                    && expected != scanned
                {
                    return Err(CoreError::invalid(
                        "administration.barcode",
                        "the scanned box is not the prescribed product",
                    ));
                }
                for_plan(&act, a.resident_id)
            }
            Fact::Observation(_) => Ok(Permission::RecordVitals),
            Fact::Transmission(_) => Ok(Permission::WriteTransmission),
            Fact::WoundAssessment(wa) => {
                self.wound_of(wa.wound_id, wa.resident_id)?;
                Ok(Permission::RecordWoundCare)
            }
            Fact::Photo(p) => {
                self.wound_of(p.wound_id, p.resident_id)?;
                Ok(Permission::RecordWoundCare)
            }
            Fact::VisitStamp(_) => Ok(Permission::RecordVisit),
            Fact::EmergencyTransfer(_) => Ok(Permission::WriteTransmission),
            Fact::ScaleAssessment(_) => Ok(Permission::ScoreAssessment),
            Fact::Correction(c) => {
                let target: Option<(Uuid, u32, Vec<u8>)> = self
                    .tx
                    .prepare_cached("SELECT resident_id, entered_in_error, envelope FROM facts WHERE id = ?1")?
                    .query_row([c.target_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                let (resident, voided, env) = target.ok_or(CoreError::NotFound { kind: "fact", id: c.target_id })?;
                if resident != c.resident_id {
                    return Err(CoreError::invalid("correction.target_id", "belongs to another resident"));
                }
                if voided != 0 {
                    return Err(CoreError::AlreadyCorrected { id: c.target_id });
                }
                let original: Fact = self.store.codec.open("facts", c.target_id, 1, &env)?;
                if matches!(original, Fact::Correction(_)) {
                    return Err(CoreError::invalid("correction.target_id", "a correction cannot be corrected"));
                }
                Ok(if original.meta().author == staff.id {
                    original_permission(&original)
                } else {
                    Permission::CorrectOthersRecord
                })
            }
        }
    }

    fn insert_fact(&mut self, cache: &mut PlanCache, staff: &Staff, mut fact: Fact) -> Result<Fact> {
        fact.validate()?;
        self.resident_exists(fact.resident_id())?;
        let permission = self.permission_for(cache, staff, &fact)?;
        if !staff.role.has(permission) {
            return Err(CoreError::PermissionDenied { staff_id: staff.id, permission: permission.name() });
        }
        let now = self.now;
        let meta = fact_meta_mut(&mut fact);
        let clinical = meta.clinical_time;
        if clinical.as_second() > now.as_second() + MAX_FUTURE_SECS {
            return Err(CoreError::invalid("clinical_time", "in the future"));
        }
        if clinical.as_second() < now.as_second() - MAX_PAST_DAYS * 86_400 {
            return Err(CoreError::invalid("clinical_time", "too far in the past"));
        }
        meta.author = staff.id;
        meta.device = self.store.device_id;
        meta.recorded_at = now;

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

/// Correcting one's own record needs the permission that recorded it.
fn original_permission(f: &Fact) -> Permission {
    match f {
        Fact::Act(_) => Permission::RecordCareAct,
        Fact::Administration(_) => Permission::AssistMedicationIntake,
        Fact::Observation(_) => Permission::RecordVitals,
        Fact::Transmission(_) => Permission::WriteTransmission,
        Fact::WoundAssessment(_) | Fact::Photo(_) => Permission::RecordWoundCare,
        Fact::EmergencyTransfer(_) => Permission::WriteTransmission,
        Fact::ScaleAssessment(_) => Permission::ScoreAssessment,
        Fact::VisitStamp(_) | Fact::Correction(_) => Permission::RecordVisit,
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
