//! The shift handover (relève): for each resident of a unit, what the shift
//! brought that the next one must know — the alerts standing now, doses
//! refused or not given, care and doses nobody recorded (« non tracé »),
//! care not done and why, falls, new wounds and wounds getting worse, the
//! transmissions written — computed on the tablet
//! from its own record, offline. What each professional has read is kept
//! per professional and unit, so the screen can open on what is new.
//!
//! Lines are in French, ready to show. They carry what professionals wrote
//! (a transmission's words): screen text, never logged.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use crate::clinical::alerts::{AlertAction, AlertLevel};
use crate::clinical::push;
use crate::domain::records::{ActOutcome, AdministrationOutcome};
use crate::domain::{Fact, FactKind, PlannedAct, Wound, WoundAssessment};
use crate::error::{CoreError, Result};
use crate::store::Store;
use crate::store::Unreadable;

/// What a handover line is about, in the order the screen lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HandoverKind {
    /// An alert standing now (vitals, scores, undernutrition), with why.
    Alert,
    /// A transmission targeted « Chute ».
    Fall,
    /// A planned dose or act of the period that nobody answered: the shift
    /// that follows must know it may not have been done.
    Unrecorded,
    /// A dose refused, spat out or not given.
    MedicationNotGiven,
    /// Care not done, refused or only partly done.
    ActNotDone,
    /// A wound opened during the shift.
    WoundNew,
    /// A wound assessed worse than its previous assessment (PUSH up).
    WoundWorse,
    /// Any other transmission: the whole team reads every one.
    Transmission,
}

impl HandoverKind {
    /// The line's kind in a word, beside its text (never colour alone).
    pub fn word_fr(self) -> &'static str {
        match self {
            HandoverKind::Alert => "Alerte",
            HandoverKind::Fall => "Chute",
            HandoverKind::Unrecorded => "Non tracé",
            HandoverKind::MedicationNotGiven => "Médicament",
            HandoverKind::ActNotDone => "Soin non fait",
            HandoverKind::WoundNew => "Nouvelle plaie",
            HandoverKind::WoundWorse => "Plaie",
            HandoverKind::Transmission => "Transmission",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverLine {
    pub kind: HandoverKind,
    /// When it happened (none for an alert: it stands now).
    pub at: Option<Timestamp>,
    pub text: String,
    /// The record it comes from, for the detail screen.
    pub record_id: Option<Uuid>,
    /// A transmission addressed to the reader's role: the whole team reads
    /// it, and the addressees are told it is theirs to act on (« Pour vous »).
    pub for_you: bool,
    /// An alert's level and what to do about it, as the round says them:
    /// the relève no longer paints every alert red.
    pub alert: Option<(AlertLevel, AlertAction)>,
}

impl HandoverLine {
    /// The line's kind in a word: an alert says its level (« Urgent »,
    /// « À surveiller »), the others their kind.
    pub fn word_fr(&self) -> &'static str {
        match self.alert {
            Some((level, _)) => level.label_fr(),
            None => self.kind.word_fr(),
        }
    }

    /// What to do, for an alert.
    pub fn action_fr(&self) -> Option<&'static str> {
        self.alert.map(|(_, action)| action.label_fr())
    }

    /// The mark the line carries on the screen, in French, if any.
    pub fn mark_fr(&self) -> Option<&'static str> {
        self.for_you.then_some("Pour vous")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentHandover {
    pub resident_id: Uuid,
    pub display_name: String,
    pub room: String,
    pub lines: Vec<HandoverLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub unit_id: Uuid,
    pub since: Timestamp,
    pub until: Timestamp,
    /// Residents with something to hand over, in room order.
    pub residents: Vec<ResidentHandover>,
    /// Until when the signed-in professional has read this unit's handover.
    pub read_until: Option<Timestamp>,
    /// Records that could not be read (counted, never hidden).
    pub unreadable: usize,
}

/// A handover covers at most two days: a shift, or a weekend's return.
const MAX_SPAN_SECS: i64 = 48 * 3600;
/// How much of a transmission's words a line shows.
const EXCERPT_CHARS: usize = 160;

fn read_key(staff: Uuid, unit: Uuid) -> String {
    format!("handover_read:{staff}:{unit}")
}

fn excerpt(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A transmission's target names a fall ("Chute", "chute nocturne"…).
fn is_fall(target: &str) -> bool {
    let t = target.to_lowercase();
    t.contains("chute") || t.contains("tombé") || t.contains("tombée")
}

impl Store {
    /// What changed on `unit_id` between `since` and `until`, per resident.
    pub fn handover(&self, unit_id: Uuid, since: Timestamp, until: Timestamp) -> Result<Handover> {
        let viewer = self.require(None)?;
        if until <= since || until.as_second() - since.as_second() > MAX_SPAN_SECS {
            return Err(CoreError::invalid("handover window", "must be non-empty and at most 48 hours"));
        }
        let ctx = self.unit_context(unit_id)?;
        let tz = ctx.tz.clone();
        let (since_day, until_day) = (since.to_zoned_datetime(tz.clone()).date(), until.to_zoned_datetime(tz).date());
        let key = read_key(viewer.id, unit_id);
        self.read(|c| {
            let mut unreadable: Vec<Unreadable> = Vec::new();
            let residents = self.current_residents(c, unit_id, ctx.today, &mut unreadable)?;
            let mut vitals = self.vital_queries(c)?;
            let mut facts = c.prepare_cached(
                "SELECT id, envelope FROM facts
                 WHERE resident_id = ?1 AND clinical_time >= ?2 AND clinical_time < ?3 AND entered_in_error = 0
                   AND kind_tag IN (?4, ?5, ?6, ?7)
                 ORDER BY clinical_time, id",
            )?;
            let mut earlier_assessments = c.prepare_cached(
                "SELECT id, envelope FROM facts
                 WHERE resident_id = ?1 AND kind_tag = ?3 AND clinical_time < ?2 AND entered_in_error = 0
                 ORDER BY clinical_time DESC",
            )?;
            let mut plan = c.prepare_cached("SELECT version, envelope FROM planned_acts WHERE id = ?1")?;
            let mut wounds = c.prepare_cached("SELECT id, version, envelope FROM wounds WHERE resident_id = ?1")?;
            // What was due before the relève is read: due and unanswered is
            // « non tracé » here, whatever the round's thresholds.
            let due_before = until.min(ctx.now);
            let mut label_of = |id: Option<Uuid>| -> Option<String> {
                let id = id?;
                let (version, env): (u32, Vec<u8>) =
                    plan.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional().ok()??;
                self.codec.open::<PlannedAct>("planned_acts", id, version, &env).ok().map(|a| a.label)
            };

            let mut out = Vec::new();
            for res in residents {
                let mut lines = Vec::new();
                let (_, alerts) =
                    self.vitals_and_alerts(&mut vitals, &res, ctx.now, ctx.today, &ctx.settings, &mut unreadable)?;
                lines.extend(alerts.into_iter().map(|a| HandoverLine {
                    kind: HandoverKind::Alert,
                    at: None,
                    text: a.why,
                    record_id: None,
                    for_you: false,
                    alert: Some((a.level, a.action)),
                }));

                let mut assessed = Vec::new();
                let mut rows = facts.query(params![
                    res.id,
                    since.as_millisecond(),
                    until.as_millisecond(),
                    self.kind_tag(FactKind::Act),
                    self.kind_tag(FactKind::Administration),
                    self.kind_tag(FactKind::Transmission),
                    self.kind_tag(FactKind::WoundAssessment)
                ])?;
                while let Some(r) = rows.next()? {
                    let id: Uuid = r.get(0)?;
                    let fact = match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                        Ok(f) => f,
                        Err(e) => {
                            unreadable.push(Unreadable::new("facts", id, &e));
                            continue;
                        }
                    };
                    let at = Some(fact.meta().clinical_time);
                    let line =
                        |kind, text| HandoverLine { kind, at, text, record_id: Some(id), for_you: false, alert: None };
                    match &fact {
                        Fact::Act(a) if a.outcome != ActOutcome::Done => {
                            let label = label_of(a.planned_act_id).unwrap_or_else(|| "Soin".into());
                            lines.push(line(HandoverKind::ActNotDone, format!("{label} : {}", fact.summary_fr())));
                        }
                        Fact::Administration(a) if a.outcome != AdministrationOutcome::Given => {
                            let label = label_of(Some(a.planned_act_id)).unwrap_or_else(|| "Médicament".into());
                            lines.push(line(
                                HandoverKind::MedicationNotGiven,
                                format!("{label} : {}", fact.summary_fr()),
                            ));
                        }
                        // Every transmission, to everyone: a fall addressed to the nurse
                        // must reach the aide on night duty too. The addressees see
                        // it marked as theirs.
                        Fact::Transmission(t) => {
                            let words = [t.data.as_str(), t.actions.as_str(), t.results.as_str()]
                                .into_iter()
                                .filter(|s| !s.trim().is_empty())
                                .collect::<Vec<_>>()
                                .join(" — ");
                            let kind = if is_fall(&t.target) { HandoverKind::Fall } else { HandoverKind::Transmission };
                            let for_you = t.audience.contains(&viewer.role);
                            lines.push(HandoverLine {
                                for_you,
                                ..line(kind, format!("{} : {}", t.target.trim(), excerpt(&words)))
                            });
                        }
                        Fact::WoundAssessment(w) => assessed.push((id, w.clone())),
                        _ => {}
                    }
                }
                drop(rows);

                if since < due_before {
                    let acts = self.active_plan(c, res.id, &mut unreadable)?;
                    for act in acts {
                        let due = act.schedule.occurrences(&ctx.tz, since, due_before);
                        if due.is_empty() {
                            continue;
                        }
                        let done = self.answered_occurrences(c, act.id, since, due_before)?;
                        for at in due.into_iter().filter(|t| !done.contains(&t.as_millisecond())) {
                            lines.push(HandoverLine {
                                kind: HandoverKind::Unrecorded,
                                at: Some(at),
                                text: format!("{} : prévu, non tracé", act.label),
                                record_id: None,
                                for_you: false,
                                alert: None,
                            });
                        }
                    }
                }

                let mut resident_wounds = Vec::new();
                let mut rows = wounds.query([res.id])?;
                while let Some(r) = rows.next()? {
                    let id: Uuid = r.get(0)?;
                    match self.codec.open::<Wound>("wounds", id, r.get(1)?, r.get_ref(2)?.as_blob()?) {
                        Ok(w) => resident_wounds.push(w),
                        Err(e) => unreadable.push(Unreadable::new("wounds", id, &e)),
                    }
                }
                drop(rows);
                for w in &resident_wounds {
                    if w.opened_on >= since_day && w.opened_on <= until_day {
                        lines.push(HandoverLine {
                            kind: HandoverKind::WoundNew,
                            at: None,
                            text: format!("Nouvelle plaie : {}", w.site),
                            record_id: Some(w.id),
                            for_you: false,
                            alert: None,
                        });
                    }
                }
                for (id, a) in &assessed {
                    let Some(before) = previous_assessment(self, &mut earlier_assessments, a, &mut unreadable)? else {
                        continue;
                    };
                    let (Ok(now_push), Ok(then_push)) = (push::score(a), push::score(&before)) else { continue };
                    if now_push.total > then_push.total {
                        let site =
                            resident_wounds.iter().find(|w| w.id == a.wound_id).map_or("plaie", |w| w.site.as_str());
                        lines.push(HandoverLine {
                            kind: HandoverKind::WoundWorse,
                            at: Some(a.meta.clinical_time),
                            text: format!(
                                "Plaie ({site}) qui s'aggrave : PUSH {} → {}",
                                then_push.total, now_push.total
                            ),
                            record_id: Some(*id),
                            for_you: false,
                            alert: None,
                        });
                    }
                }

                if !lines.is_empty() {
                    // Alerts first, then what is addressed to the reader, then by kind and time.
                    let alert_last = |l: &HandoverLine| l.kind != HandoverKind::Alert;
                    lines.sort_by(|x, y| {
                        alert_last(x)
                            .cmp(&alert_last(y))
                            .then(y.for_you.cmp(&x.for_you))
                            .then(x.kind.cmp(&y.kind))
                            .then(x.at.cmp(&y.at))
                    });
                    out.push(ResidentHandover {
                        resident_id: res.id,
                        display_name: res.identity.display_name(),
                        room: res.room,
                        lines,
                    });
                }
            }
            let read_until = c
                .query_row("SELECT value FROM meta WHERE key = ?1", [&key], |r| r.get::<_, Vec<u8>>(0))
                .optional()?
                .and_then(|b| std::str::from_utf8(&b).ok().and_then(|s| s.parse::<i64>().ok()))
                .and_then(|ms| Timestamp::from_millisecond(ms).ok());
            if !unreadable.is_empty() {
                log::warn!("handover of unit {unit_id}: {} unreadable records", unreadable.len());
            }
            Ok(Handover { unit_id, since, until, residents: out, read_until, unreadable: unreadable.len() })
        })
    }

    /// The signed-in professional has read the unit's handover up to `until`.
    pub fn mark_handover_read(&self, unit_id: Uuid, until: Timestamp) -> Result<()> {
        let viewer = self.require(None)?;
        let key = read_key(viewer.id, unit_id);
        self.write(Some(viewer.id), |w| {
            w.tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
                .execute(params![key, until.as_millisecond().to_string().into_bytes()])?;
            Ok(())
        })
    }
}

/// The assessment of the same wound just before `a`, if any.
fn previous_assessment(
    store: &Store,
    stmt: &mut rusqlite::CachedStatement<'_>,
    a: &WoundAssessment,
    unreadable: &mut Vec<Unreadable>,
) -> Result<Option<WoundAssessment>> {
    let mut rows = stmt.query(params![
        a.resident_id,
        a.meta.clinical_time.as_millisecond(),
        store.kind_tag(FactKind::WoundAssessment)
    ])?;
    while let Some(r) = rows.next()? {
        let id: Uuid = r.get(0)?;
        match store.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
            Ok(Fact::WoundAssessment(w)) if w.wound_id == a.wound_id => return Ok(Some(w)),
            Ok(_) => {}
            Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        assert_eq!(excerpt("  Douleur\n au  genou "), "Douleur au genou");
        let long = "mot ".repeat(100);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert!(is_fall("Chute nocturne") && is_fall("chute") && !is_fall("Douleur"));
    }
}
