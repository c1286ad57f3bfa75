//! The round view: who needs what now on a unit.
//!
//! For a unit and a time window: each resident (ordered by room), the
//! planned acts falling due in the window with their status, and the latest
//! value of each vital. Reads go through indexes on plaintext routing
//! columns and decrypt only what is shown. A record that fails to decrypt
//! is listed as unreadable; the rest of the round still shows.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use uuid::Uuid;

use super::Store;
use super::timeline::Unreadable;
use crate::clinical::alerts::{self, Alert};
use crate::domain::{
    ActKind, ActOutcome, AdministrationOutcome, Fact, ObservationValue, PlannedAct, Resident, VitalCode,
};
use crate::error::{CoreError, Result};

/// Where a planned occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStatus {
    /// Not recorded yet, and not late.
    Due,
    /// Not recorded, past the lateness threshold.
    Late,
    /// Not recorded, past the missed threshold.
    Missed,
    Done,
    PartlyDone,
    NotDone,
    Refused,
    /// A medication spat out.
    SpatOut,
}

impl RoundStatus {
    /// The status as the round screen says it.
    pub fn label_fr(self) -> &'static str {
        match self {
            RoundStatus::Due => "à faire",
            RoundStatus::Late => "en retard",
            RoundStatus::Missed => "manqué",
            RoundStatus::Done => "fait",
            RoundStatus::PartlyDone => "fait en partie",
            RoundStatus::NotDone => "non fait",
            RoundStatus::Refused => "refusé",
            RoundStatus::SpatOut => "recraché",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoundItem {
    pub planned_act_id: Uuid,
    pub kind: ActKind,
    pub label: String,
    pub due_at: Timestamp,
    pub status: RoundStatus,
    /// The fact that answered this occurrence, if any.
    pub record_id: Option<Uuid>,
    /// The signed-in professional's role may record it (a care aide may
    /// not give a medication without aide à la prise): what the screen
    /// offers, while the write itself is checked again.
    pub may_record: bool,
    /// The prescription line of a medication act.
    pub medication: Option<crate::domain::MedicationLine>,
}

pub use crate::clinical::alerts::LatestVital;

#[derive(Debug, Clone, PartialEq)]
pub struct RoundResident {
    pub resident_id: Uuid,
    pub display_name: String,
    pub room: String,
    pub items: Vec<RoundItem>,
    pub latest_vitals: Vec<LatestVital>,
    /// What makes this resident stand out, and why.
    pub alerts: Vec<Alert>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoundView {
    pub unit_id: Uuid,
    pub from: Timestamp,
    pub to: Timestamp,
    pub generated_at: Timestamp,
    pub residents: Vec<RoundResident>,
    pub unreadable: Vec<Unreadable>,
}

fn recorded_status(f: &Fact) -> RoundStatus {
    match f {
        Fact::Act(a) => match a.outcome {
            ActOutcome::Done => RoundStatus::Done,
            ActOutcome::PartlyDone => RoundStatus::PartlyDone,
            ActOutcome::NotDone(_) => RoundStatus::NotDone,
            ActOutcome::Refused => RoundStatus::Refused,
        },
        Fact::Administration(a) => match a.outcome {
            AdministrationOutcome::Given => RoundStatus::Done,
            AdministrationOutcome::Refused => RoundStatus::Refused,
            AdministrationOutcome::SpatOut => RoundStatus::SpatOut,
            AdministrationOutcome::NotGiven(_) => RoundStatus::NotDone,
        },
        _ => RoundStatus::Done,
    }
}

impl Store {
    /// The round for `unit_id` between `from` and `to`. Needs a session.
    /// The unit's establishment time zone, the current time and day there,
    /// and its alert settings.
    pub(crate) fn unit_context(&self, unit_id: Uuid) -> Result<UnitContext> {
        let unit = self.unit(unit_id)?;
        let establishment = self.establishment(unit.establishment_id)?;
        let tz = establishment.tz()?;
        let now = self.now();
        let today = now.to_zoned_datetime(tz.clone()).date();
        Ok(UnitContext { tz, now, today, settings: establishment.alert_settings.unwrap_or_default() })
    }

    /// The unit's residents not discharged before `today`, in room order;
    /// unreadable ones are listed, not fatal.
    pub(crate) fn current_residents(
        &self,
        c: &rusqlite::Connection,
        unit_id: Uuid,
        today: jiff::civil::Date,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<Vec<Resident>> {
        let mut residents = Vec::new();
        let mut stmt = c.prepare_cached("SELECT id, version, envelope FROM residents WHERE unit_id = ?1")?;
        let mut rows = stmt.query([unit_id])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            match self.codec.open::<Resident>("residents", id, r.get(1)?, r.get_ref(2)?.as_blob()?) {
                Ok(res) if res.discharged_on.is_none_or(|d| d >= today) => residents.push(res),
                Ok(_) => {}
                Err(e) => unreadable.push(Unreadable::new("residents", id, &e)),
            }
        }
        residents.sort_by_key(|r| r.room_sort_key());
        Ok(residents)
    }

    /// Every current resident of the unit with alerts, in room order, and
    /// the alerts: the "who needs someone now" list, without the round's acts.
    pub fn unit_alerts(&self, unit_id: Uuid) -> Result<Vec<(Uuid, Vec<Alert>)>> {
        self.require(None)?;
        let UnitContext { now, today, settings, .. } = self.unit_context(unit_id)?;
        self.read(|c| {
            let mut unreadable = Vec::new();
            let residents = self.current_residents(c, unit_id, today, &mut unreadable)?;
            let mut q = self.vital_queries(c)?;
            let mut out = Vec::new();
            for res in residents {
                let (_, alerts) = self.vitals_and_alerts(&mut q, &res, now, today, &settings, &mut unreadable)?;
                if !alerts.is_empty() {
                    out.push((res.id, alerts));
                }
            }
            if !unreadable.is_empty() {
                log::warn!("{} unreadable records while listing alerts of unit {unit_id}", unreadable.len());
            }
            Ok(out)
        })
    }

    pub fn round_view(&self, unit_id: Uuid, from: Timestamp, to: Timestamp) -> Result<RoundView> {
        self.round_view_of(unit_id, None, from, to)
    }

    /// One resident's card of the round, computed as the whole round computes
    /// it: what the screen redraws after a record, without reading the other
    /// residents' plans and vitals. None when they are not on the unit's round.
    pub fn round_view_resident(
        &self,
        unit_id: Uuid,
        resident_id: Uuid,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Option<RoundResident>> {
        Ok(self.round_view_of(unit_id, Some(resident_id), from, to)?.residents.pop())
    }

    fn round_view_of(&self, unit_id: Uuid, only: Option<Uuid>, from: Timestamp, to: Timestamp) -> Result<RoundView> {
        let viewer = self.require(None)?;
        if to <= from || (to.as_second() - from.as_second()) > 7 * 86_400 {
            return Err(CoreError::invalid("round window", "must be non-empty and at most 7 days"));
        }
        let UnitContext { tz, now, today, settings } = self.unit_context(unit_id)?;
        let policy = self.options.round_policy;

        self.read(|c| {
            let mut unreadable = Vec::new();
            let mut residents = self.current_residents(c, unit_id, today, &mut unreadable)?;
            if let Some(id) = only {
                residents.retain(|r| r.id == id);
            }

            let mut plan_stmt = c.prepare_cached(
                "SELECT id, version, envelope FROM planned_acts WHERE resident_id = ?1 AND active = 1",
            )?;
            let mut answer_stmt = c.prepare_cached(
                "SELECT id, occurrence, envelope FROM facts
                 WHERE planned_act_id = ?1 AND occurrence >= ?2 AND occurrence < ?3 AND entered_in_error = 0
                 ORDER BY clinical_time, id",
            )?;

            let mut queries = self.vital_queries(c)?;
            let mut out = Vec::with_capacity(residents.len());
            for res in residents {
                let mut items = Vec::new();
                let mut plan_rows = plan_stmt.query([res.id])?;
                let mut acts = Vec::new();
                while let Some(r) = plan_rows.next()? {
                    let id: Uuid = r.get(0)?;
                    match self.codec.open::<PlannedAct>("planned_acts", id, r.get(1)?, r.get_ref(2)?.as_blob()?) {
                        Ok(a) => acts.push(a),
                        Err(e) => unreadable.push(Unreadable::new("planned_acts", id, &e)),
                    }
                }
                for act in acts {
                    let may_record = viewer.role.has(act.required_permission());
                    let occurrences = act.schedule.occurrences(&tz, from, to);
                    if occurrences.is_empty() {
                        continue;
                    }
                    // The latest non-voided answer per occurrence wins; ties
                    // break on id so every device shows the same.
                    let mut answers: Vec<(i64, Uuid, RoundStatus)> = Vec::new();
                    let mut rows =
                        answer_stmt.query(rusqlite::params![act.id, from.as_millisecond(), to.as_millisecond()])?;
                    while let Some(r) = rows.next()? {
                        let id: Uuid = r.get(0)?;
                        let occ: i64 = r.get(1)?;
                        match self.codec.open::<Fact>("facts", id, 1, r.get_ref(2)?.as_blob()?) {
                            Ok(f) => {
                                answers.retain(|(o, _, _)| *o != occ);
                                answers.push((occ, id, recorded_status(&f)));
                            }
                            Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
                        }
                    }
                    for due_at in occurrences {
                        let answer = answers.iter().find(|(o, _, _)| *o == due_at.as_millisecond());
                        let (status, record_id) = match answer {
                            Some((_, id, s)) => (*s, Some(*id)),
                            None => {
                                let overdue_min = (now.as_second() - due_at.as_second()) / 60;
                                let s = if overdue_min >= policy.missed_after_minutes {
                                    RoundStatus::Missed
                                } else if overdue_min >= policy.late_after_minutes {
                                    RoundStatus::Late
                                } else {
                                    RoundStatus::Due
                                };
                                (s, None)
                            }
                        };
                        items.push(RoundItem {
                            planned_act_id: act.id,
                            kind: act.kind,
                            label: act.label.clone(),
                            due_at,
                            status,
                            record_id,
                            may_record,
                            medication: act.medication.clone(),
                        });
                    }
                }
                items.sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.label.cmp(&b.label)));

                let (latest_vitals, alerts) =
                    self.vitals_and_alerts(&mut queries, &res, now, today, &settings, &mut unreadable)?;
                out.push(RoundResident {
                    resident_id: res.id,
                    display_name: res.identity.display_name(),
                    room: res.room,
                    items,
                    latest_vitals,
                    alerts,
                });
            }
            if !unreadable.is_empty() {
                log::warn!("round view of unit {unit_id}: {} unreadable records", unreadable.len());
            }
            Ok(RoundView { unit_id, from, to, generated_at: now, residents: out, unreadable })
        })
    }
}

/// The statements and blind-index terms a read needs to find vitals,
/// prepared once per read rather than once per resident.
pub(crate) struct UnitContext {
    pub(crate) tz: TimeZone,
    pub(crate) now: Timestamp,
    pub(crate) today: jiff::civil::Date,
    pub(crate) settings: alerts::AlertSettings,
}

pub(crate) struct VitalQueries<'c> {
    latest: rusqlite::CachedStatement<'c>,
    weight_near: rusqlite::CachedStatement<'c>,
    tags: Vec<(VitalCode, [u8; 16])>,
    scales: rusqlite::CachedStatement<'c>,
    scale_tag: [u8; 16],
}

impl Store {
    pub(crate) fn vital_queries<'c>(&self, c: &'c rusqlite::Connection) -> Result<VitalQueries<'c>> {
        Ok(VitalQueries {
            latest: c.prepare_cached(
                "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND code_tag = ?2 AND entered_in_error = 0
                 ORDER BY clinical_time DESC LIMIT 1",
            )?,
            // Chosen on the index alone (rowid and time), then one row read;
            // if that weighing was entered in error, the criterion is left unassessed.
            weight_near: c.prepare_cached(
                "SELECT f.id, f.envelope FROM facts f WHERE f.rowid = (
                    SELECT rowid FROM facts WHERE resident_id = ?1 AND code_tag = ?2
                    AND clinical_time BETWEEN ?3 AND ?4 ORDER BY abs(clinical_time - ?5) LIMIT 1)
                 AND f.entered_in_error = 0",
            )?,
            tags: VitalCode::ALL.iter().map(|&v| (v, self.code_index.term(v.loinc()))).collect(),
            scales: c.prepare_cached(
                "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND code_tag = ?2 AND entered_in_error = 0
                 ORDER BY clinical_time DESC LIMIT 10",
            )?,
            scale_tag: self.code_index.term(super::facts::SCALE_TAG),
        })
    }

    /// A resident's latest value of each vital, and the alerts they and the
    /// weight history raise under `settings`.
    pub(crate) fn vitals_and_alerts(
        &self,
        q: &mut VitalQueries<'_>,
        res: &Resident,
        now: Timestamp,
        today: jiff::civil::Date,
        settings: &alerts::AlertSettings,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<(Vec<LatestVital>, Vec<Alert>)> {
        let mut latest_vitals = Vec::new();
        for (code, tag) in &q.tags {
            let code = *code;
            let mut rows = q.latest.query(rusqlite::params![res.id, &tag[..]])?;
            if let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                    Ok(Fact::Observation(o)) if o.code == code => latest_vitals.push(LatestVital {
                        code: o.code,
                        value: o.value,
                        at: o.meta.clinical_time,
                        observation_id: id,
                    }),
                    Ok(_) => unreadable.push(Unreadable { table: "facts", id, error: "unexpected record kind".into() }),
                    Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
                }
            }
        }
        let mut found = alerts::vital_alerts(&latest_vitals, now, settings);
        found.extend(alerts::news2_alert(&latest_vitals, res.hypercapnic, now, settings));
        // The latest of each scale among the resident's ten latest assessments.
        let mut seen = Vec::new();
        let scale_tag = q.scale_tag;
        let mut rows = q.scales.query(rusqlite::params![res.id, &scale_tag[..]])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                Ok(Fact::ScaleAssessment(s)) if !seen.contains(&s.answers.kind()) => {
                    seen.push(s.answers.kind());
                    found.extend(alerts::scale_alert(&s.answers, s.meta.clinical_time, now, settings));
                }
                Ok(_) => {}
                Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
            }
        }
        drop(rows);
        let age =
            res.identity.traits.birth_date.until((jiff::Unit::Year, today)).map_or(0, |s| s.get_years().max(0) as u32);
        if let (true, Some(w)) = (age >= 70, latest_vitals.iter().find(|v| v.code == VitalCode::Weight)) {
            let height = latest_vitals.iter().find(|v| v.code == VitalCode::Height).and_then(|v| match v.value {
                ObservationValue::Quantity(h) => Some(h),
                _ => None,
            });
            let weights = self.reference_weights(q, res.id, w, unreadable)?;
            found.extend(alerts::undernutrition_alert(age, height, &weights, settings));
        }
        Ok((latest_vitals, found))
    }

    /// The latest weighing and those nearest 1 and 6 months before it: what
    /// the undernutrition criteria compare.
    fn reference_weights(
        &self,
        q: &mut VitalQueries<'_>,
        resident: Uuid,
        latest: &LatestVital,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<Vec<(Timestamp, f64)>> {
        let Some((_, tag)) = q.tags.iter().find(|(c, _)| *c == VitalCode::Weight) else { return Ok(Vec::new()) };
        let tag = *tag;
        let mut out = Vec::new();
        if let ObservationValue::Quantity(kg) = latest.value {
            out.push((latest.at, kg));
        }
        let at = latest.at.as_millisecond();
        const DAY: i64 = 86_400_000;
        for (back, tolerance) in [(30 * DAY, 10 * DAY), (182 * DAY, 30 * DAY)] {
            let target = at - back;
            let mut rows = q.weight_near.query(rusqlite::params![
                resident,
                &tag[..],
                target - tolerance,
                target + tolerance,
                target
            ])?;
            if let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                    Ok(Fact::Observation(o)) => {
                        if let ObservationValue::Quantity(kg) = o.value {
                            out.push((o.meta.clinical_time, kg));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
                }
            }
        }
        Ok(out)
    }
}
