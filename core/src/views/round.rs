//! The round view: who needs what now on a unit.
//!
//! For a unit and a time window: each resident (ordered by room), the
//! planned acts falling due in the window with their status, and the latest
//! value of each vital. Reads go through indexes on plaintext routing
//! columns and decrypt only what is shown. A record that fails to decrypt
//! is listed as unreadable; the rest of the round still shows.
//!
//! An occurrence nobody answered does not leave the round when it leaves
//! the window: a forgotten 08 h dose must still be on the screen at 14 h 01.
//! The round looks [`UNRECORDED_LOOKBACK_DAYS`] back for occurrences with
//! no answer (« non tracé ») — through the answers' index alone, nothing
//! decrypted — and keeps them until someone answers or a nurse closes them.

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::latest_vitals::UnitContext;
use crate::clinical::alerts::Alert;
use crate::domain::{ActKind, ActOutcome, AdministrationOutcome, Fact, PlannedAct};
use crate::error::{CoreError, Result};
use crate::store::Store;
use crate::store::Unreadable;

/// Where a planned occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStatus {
    /// Not recorded yet, and not late.
    Due,
    /// Not recorded, past the lateness threshold.
    Late,
    /// Not recorded, past the threshold after which nobody will: « non
    /// tracé ». Kept on the round, before its window too, until answered.
    Unrecorded,
    Done,
    PartlyDone,
    NotDone,
    Refused,
    /// A medication spat out.
    SpatOut,
}

impl RoundStatus {
    /// Still asks for something: due, late or not recorded.
    pub fn is_open(self) -> bool {
        matches!(self, RoundStatus::Due | RoundStatus::Late | RoundStatus::Unrecorded)
    }

    /// Late or not recorded.
    pub fn is_late(self) -> bool {
        matches!(self, RoundStatus::Late | RoundStatus::Unrecorded)
    }

    /// The status as the round screen says it.
    pub fn label_fr(self) -> &'static str {
        match self {
            RoundStatus::Due => "à faire",
            RoundStatus::Late => "en retard",
            RoundStatus::Unrecorded => "non tracé",
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
    /// When it was due, as the screens say it (« 08 h 00 », « hier 08 h 00 »).
    pub due_label: String,
    pub status: RoundStatus,
    /// The fact that answered this occurrence, if any.
    pub record_id: Option<Uuid>,
    /// The signed-in professional's role may record it (a care aide may
    /// not give a medication without aide à la prise): what the screen
    /// offers, while the write itself is checked again.
    pub may_record: bool,
    /// A nurse may close it (« fait hors tablette », « annulé »): it is
    /// « non tracé » and the signed-in role may close what nobody recorded.
    /// (A late act keeps « Non fait » and its reasons.)
    pub may_close: bool,
    /// The prescription line of a medication act.
    pub medication: Option<crate::domain::MedicationLine>,
}

pub use crate::domain::schedule::UNRECORDED_LOOKBACK_DAYS;

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
    /// A resident's active planned acts; one that cannot be read is listed
    /// as unreadable, not fatal. (The round and the relève read it alike.)
    pub(crate) fn active_plan(
        &self,
        c: &rusqlite::Connection,
        resident_id: Uuid,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<Vec<PlannedAct>> {
        let mut stmt =
            c.prepare_cached("SELECT id, version, envelope FROM planned_acts WHERE resident_id = ?1 AND active = 1")?;
        let mut rows = stmt.query([resident_id])?;
        let mut acts = Vec::new();
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            match self.codec.open::<PlannedAct>("planned_acts", id, r.get(1)?, r.get_ref(2)?.as_blob()?) {
                Ok(a) => acts.push(a),
                Err(e) => unreadable.push(Unreadable::new("planned_acts", id, &e)),
            }
        }
        Ok(acts)
    }

    /// The occurrences of `planned_act_id` in `[from, to)` a record answers
    /// (not voided), in milliseconds: read from the answers' index alone
    /// (`facts_answered`), nothing decrypted.
    pub(crate) fn answered_occurrences(
        &self,
        c: &rusqlite::Connection,
        planned_act_id: Uuid,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<std::collections::HashSet<i64>> {
        let mut stmt = c.prepare_cached(
            "SELECT occurrence FROM facts
             WHERE planned_act_id = ?1 AND occurrence >= ?2 AND occurrence < ?3 AND entered_in_error = 0",
        )?;
        let rows = stmt
            .query_map(rusqlite::params![planned_act_id, from.as_millisecond(), to.as_millisecond()], |r| {
                r.get::<_, i64>(0)
            })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
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
        let may_close_role = viewer.role.has(crate::domain::Permission::CloseUnrecorded);
        let lookback = now
            .checked_sub(SignedDuration::from_hours(24 * policy.unrecorded_lookback_days.max(0)))
            .map_err(|_| CoreError::invalid("round window", "out of range"))?
            .min(from);

        self.read(|c| {
            let mut unreadable = Vec::new();
            let mut residents = self.current_residents(c, unit_id, today, &mut unreadable)?;
            if let Some(id) = only {
                residents.retain(|r| r.id == id);
            }

            let mut answer_stmt = c.prepare_cached(
                "SELECT id, occurrence, envelope FROM facts
                 WHERE planned_act_id = ?1 AND occurrence >= ?2 AND occurrence < ?3 AND entered_in_error = 0
                 ORDER BY clinical_time, id",
            )?;
            let mut queries = self.vital_queries(c)?;
            let mut out = Vec::with_capacity(residents.len());
            for res in residents {
                let mut items = Vec::new();
                let acts = self.active_plan(c, res.id, &mut unreadable)?;
                let status_by_delay = |due_at: Timestamp| {
                    let overdue_min = (now.as_second() - due_at.as_second()) / 60;
                    if overdue_min >= policy.missed_after_minutes {
                        RoundStatus::Unrecorded
                    } else if overdue_min >= policy.late_after_minutes {
                        RoundStatus::Late
                    } else {
                        RoundStatus::Due
                    }
                };
                for act in acts {
                    let may_record = viewer.role.has(act.required_permission());
                    let item = |due_at, status: RoundStatus, record_id| RoundItem {
                        planned_act_id: act.id,
                        kind: act.kind,
                        label: act.label.clone(),
                        due_at,
                        due_label: crate::domain::words::when_fr(due_at, now, &tz),
                        status,
                        record_id,
                        may_record,
                        may_close: may_close_role && status == RoundStatus::Unrecorded,
                        medication: act.medication.clone(),
                    };
                    let earlier =
                        if lookback < from { act.schedule.occurrences(&tz, lookback, from) } else { Vec::new() };
                    if !earlier.is_empty() {
                        // Before the window only whether an occurrence was answered
                        // matters: the index says it, nothing is decrypted.
                        let answered = self.answered_occurrences(c, act.id, lookback, from)?;
                        for due_at in earlier {
                            if !answered.contains(&due_at.as_millisecond()) {
                                items.push(item(due_at, status_by_delay(due_at), None));
                            }
                        }
                    }
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
                            None => (status_by_delay(due_at), None),
                        };
                        items.push(item(due_at, status, record_id));
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
