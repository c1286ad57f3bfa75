//! The round as its screen shows it: the window around now, the filter the
//! care worker chose, the counts in the header, the section of what nobody
//! recorded (« non tracés »), and the reasons offered for an act not done
//! or for closing what nobody recorded.
//!
//! Both apps used to compute these in Kotlin and in Swift, line for line;
//! a change to one (a filter, a count) could leave the other behind. Here
//! they are computed once: the screen keeps the whole round it last read,
//! swaps in the one card a record changed, and asks what to show.

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::round::{RoundResident, RoundStatus, RoundView};
use crate::domain::records::{ActOutcome, NotDoneReason};
use crate::error::{CoreError, Result};
use crate::store::Store;

/// Which acts the round shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoundFilter {
    /// Everything on the round.
    #[default]
    All,
    /// What is still to do and the signed-in professional's role may record.
    Mine,
    /// What is still to do (due, late or not recorded).
    ToDo,
    /// Only what is late or not recorded.
    Late,
}

impl RoundFilter {
    /// The filters in the order the screen offers them.
    pub const ALL: [RoundFilter; 4] = [RoundFilter::All, RoundFilter::Mine, RoundFilter::ToDo, RoundFilter::Late];

    /// The filter's button.
    pub fn label_fr(self) -> &'static str {
        match self {
            RoundFilter::All => "Tout",
            RoundFilter::Mine => "Mes soins",
            RoundFilter::ToDo => "À faire",
            RoundFilter::Late => "En retard",
        }
    }

    /// What the screen says when the filter keeps nothing.
    pub fn nothing_shown_fr(self) -> &'static str {
        match self {
            RoundFilter::All => "Aucun soin prévu sur ce créneau.",
            RoundFilter::Mine => "Rien à faire pour vous sur ce créneau.",
            RoundFilter::ToDo => "Tout est fait sur ce créneau.",
            RoundFilter::Late => "Aucun soin en retard.",
        }
    }

    fn keeps(self, status: RoundStatus, may_record: bool) -> bool {
        match self {
            RoundFilter::All => true,
            RoundFilter::Mine => status.is_open() && may_record,
            RoundFilter::ToDo => status.is_open(),
            RoundFilter::Late => status.is_late(),
        }
    }
}

/// How far the round looks back and ahead of now: far enough back that a
/// late act is still in view, near enough ahead that the list stays short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundWindow {
    pub hours_before: u32,
    pub hours_after: u32,
}

impl RoundWindow {
    /// The round's window: six hours back, two ahead.
    pub const STANDARD: RoundWindow = RoundWindow { hours_before: 6, hours_after: 2 };

    /// The window's bounds around `now`.
    pub fn around(self, now: Timestamp) -> Result<(Timestamp, Timestamp)> {
        let hours = |h: u32| SignedDuration::from_hours(i64::from(h));
        let out_of_range = |_| CoreError::invalid("round window", "out of range");
        let from = now.checked_sub(hours(self.hours_before)).map_err(out_of_range)?;
        let to = now.checked_add(hours(self.hours_after)).map_err(out_of_range)?;
        Ok((from, to))
    }
}

impl Default for RoundWindow {
    fn default() -> Self {
        RoundWindow::STANDARD
    }
}

/// The header's counts, over the whole round whatever the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoundCounts {
    /// Due or late, in the window.
    pub to_do: u32,
    /// Late, in the window.
    pub late: u32,
    /// Nobody recorded it and nobody will by now (« non tracés »), in the
    /// window or before it.
    pub unrecorded: u32,
    /// Answered, whatever the answer: the sum of the five below.
    pub recorded: u32,
    pub done: u32,
    pub partly_done: u32,
    pub not_done: u32,
    pub refused: u32,
    pub spat_out: u32,
}

/// « 1 fait », « 2 faits »: French counts with their noun.
fn count_fr(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n > 1 { many } else { one })
}

impl RoundCounts {
    fn add(&mut self, status: RoundStatus) {
        use RoundStatus::*;
        let slot = match status {
            Due => &mut self.to_do,
            Late => {
                self.to_do += 1;
                &mut self.late
            }
            Unrecorded => &mut self.unrecorded,
            Done => &mut self.done,
            PartlyDone => &mut self.partly_done,
            NotDone => &mut self.not_done,
            Refused => &mut self.refused,
            SpatOut => &mut self.spat_out,
        };
        *slot += 1;
        self.recorded += u32::from(!status.is_open());
    }

    /// The header's line: what is left, what nobody recorded, and what was
    /// recorded said as what it was — a refusal is not counted as done
    /// (« 4 à faire · 1 en retard · 2 non tracés · 3 tracés (2 faits, 1 refusé) »).
    pub fn line_fr(self) -> String {
        let mut parts = vec![format!("{} à faire", self.to_do), format!("{} en retard", self.late)];
        if self.unrecorded > 0 {
            parts.push(count_fr(self.unrecorded, "non tracé", "non tracés"));
        }
        let answers: Vec<String> = [
            (self.done, "fait", "faits"),
            (self.partly_done, "fait en partie", "faits en partie"),
            (self.not_done, "non fait", "non faits"),
            (self.refused, "refusé", "refusés"),
            (self.spat_out, "recraché", "recrachés"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| count_fr(n, one, many))
        .collect();
        let recorded = count_fr(self.recorded, "tracé", "tracés");
        parts.push(if answers.is_empty() { recorded } else { format!("{recorded} ({})", answers.join(", ")) });
        parts.join(" · ")
    }
}

/// The answers offered when an act was not done, in the order the dialog
/// shows them.
pub const NOT_DONE_REASONS: [ActOutcome; 6] = [
    ActOutcome::Refused,
    ActOutcome::NotDone(NotDoneReason::Absent),
    ActOutcome::NotDone(NotDoneReason::Asleep),
    ActOutcome::NotDone(NotDoneReason::ClinicalDecision),
    ActOutcome::NotDone(NotDoneReason::Workload),
    ActOutcome::PartlyDone,
];

/// The answers a nurse may close a « non tracé » with, in the dialog's order.
pub const CLOSING_ANSWERS: [Closing; 2] = [Closing::RecordedElsewhere, Closing::Cancelled];

/// How a nurse closes an occurrence nobody recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Done (given) and traced elsewhere: on paper, in other software.
    RecordedElsewhere,
    /// Called off: the prescription or the care was cancelled.
    Cancelled,
}

impl Closing {
    /// The answer's button, for a medication or for another act.
    pub fn label_fr(self, medication: bool) -> &'static str {
        match (self, medication) {
            (Closing::RecordedElsewhere, true) => "Donné hors tablette",
            (Closing::RecordedElsewhere, false) => "Fait hors tablette",
            (Closing::Cancelled, _) => "Annulé",
        }
    }
}

/// A unit's round as its screen holds it: the whole round last read and
/// the filter chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundScreen {
    view: RoundView,
    filter: RoundFilter,
}

impl RoundScreen {
    pub fn new(view: RoundView) -> Self {
        RoundScreen { view, filter: RoundFilter::All }
    }

    pub fn filter(&self) -> RoundFilter {
        self.filter
    }

    pub fn set_filter(&mut self, filter: RoundFilter) {
        self.filter = filter;
    }

    /// The whole round, before the filter.
    pub fn view(&self) -> &RoundView {
        &self.view
    }

    /// Replaces the round (a new read), keeping the filter.
    pub fn replace(&mut self, view: RoundView) {
        self.view = view;
    }

    /// Swaps in one resident's card as read again after a record, or
    /// removes it when they are no longer on the round.
    pub fn replace_resident(&mut self, resident_id: Uuid, card: Option<RoundResident>) {
        match card {
            Some(card) => match self.view.residents.iter_mut().find(|r| r.resident_id == resident_id) {
                Some(slot) => *slot = card,
                None => self.view.residents.push(card),
            },
            None => self.view.residents.retain(|r| r.resident_id != resident_id),
        }
    }

    /// A resident of the whole round, whatever the filter.
    pub fn resident(&self, resident_id: Uuid) -> Option<&RoundResident> {
        self.view.residents.iter().find(|r| r.resident_id == resident_id)
    }

    /// Each resident with only the acts of one section (the round's cards,
    /// or what nobody recorded) that the filter keeps.
    fn section(&self, unrecorded: bool) -> impl Iterator<Item = RoundResident> + '_ {
        self.view.residents.iter().map(move |resident| {
            let items = resident
                .items
                .iter()
                .filter(|i| (i.status == RoundStatus::Unrecorded) == unrecorded)
                .filter(|i| self.filter.keeps(i.status, i.may_record))
                .cloned()
                .collect();
            RoundResident { items, ..resident.clone() }
        })
    }

    /// The residents under the filter, in room order, each with only the
    /// acts it keeps — what nobody recorded is in [`Self::unrecorded`]. A
    /// resident with an alert stays on the full round even with nothing
    /// due: who needs someone now is never hidden there.
    pub fn shown(&self) -> Vec<RoundResident> {
        let kept_for_its_alerts = |r: &RoundResident| self.filter == RoundFilter::All && !r.alerts.is_empty();
        self.section(false).filter(|r| !r.items.is_empty() || kept_for_its_alerts(r)).collect()
    }

    /// The round's own section of what nobody recorded: the residents with
    /// « non tracé » occurrences the filter keeps, oldest first, each with
    /// only those. Every filter but « Mes soins » keeps them all: they stay
    /// until someone answers or a nurse closes them.
    pub fn unrecorded(&self) -> Vec<RoundResident> {
        let mut out: Vec<RoundResident> = self.section(true).filter(|r| !r.items.is_empty()).collect();
        out.sort_by_key(|r| r.items.first().map(|i| i.due_at));
        out
    }

    /// The section's title, when it has something.
    pub fn unrecorded_title_fr(&self) -> Option<String> {
        let n = self.counts().unrecorded;
        (n > 0).then(|| format!("Non tracés ({n}) : à tracer, ou à clore par une IDE"))
    }

    pub fn counts(&self) -> RoundCounts {
        let mut counts = RoundCounts::default();
        for item in self.view.residents.iter().flat_map(|r| &r.items) {
            counts.add(item.status);
        }
        counts
    }

    /// Records the store could not read (shown as a count, never hidden).
    pub fn unreadable(&self) -> usize {
        self.view.unreadable.len()
    }

    /// What the screen says about records it could not read, if any.
    pub fn unreadable_fr(&self) -> Option<String> {
        let n = self.unreadable();
        (n > 0).then(|| format!("{n} enregistrement(s) illisible(s) sur cette tablette : prévenez l'informatique."))
    }
}

impl Store {
    /// A nurse closes an occurrence nobody recorded: done (given) and traced
    /// elsewhere, or cancelled. A medication is closed as an administration,
    /// any other act as an act; the permission is checked by the shared
    /// rules when it is recorded (and again by the hub).
    pub fn close_unrecorded(
        &self,
        resident_id: Uuid,
        planned_act_id: Uuid,
        occurrence: Timestamp,
        closing: Closing,
        at: Timestamp,
    ) -> Result<crate::domain::Fact> {
        use crate::domain::records::{ActRecord, AdministrationOutcome, MedicationAdministration};
        use crate::domain::{ActKind, Fact};
        let plan = self.care_plan(resident_id)?;
        let (act, _) = plan
            .iter()
            .find(|(a, _)| a.id == planned_act_id)
            .ok_or(CoreError::NotFound { kind: "planned_act", id: planned_act_id })?;
        let elsewhere = closing == Closing::RecordedElsewhere;
        let fact = if act.kind == ActKind::Medication {
            let outcome = if elsewhere {
                AdministrationOutcome::Given
            } else {
                AdministrationOutcome::NotGiven(NotDoneReason::Cancelled)
            };
            let mut a = MedicationAdministration::new(resident_id, planned_act_id, Some(occurrence), outcome, None, at);
            a.recorded_elsewhere = elsewhere;
            Fact::Administration(a)
        } else {
            let outcome = if elsewhere { ActOutcome::Done } else { ActOutcome::NotDone(NotDoneReason::Cancelled) };
            let mut a = ActRecord::new(resident_id, Some(planned_act_id), Some(occurrence), outcome, None, at);
            a.recorded_elsewhere = elsewhere;
            Fact::Act(a)
        };
        self.record(fact)
    }

    /// The round of `unit_id` in `window` around `now`, as its screen
    /// holds it. Needs a session.
    pub fn round_screen(&self, unit_id: Uuid, window: RoundWindow, now: Timestamp) -> Result<RoundScreen> {
        let (from, to) = window.around(now)?;
        Ok(RoundScreen::new(self.round_view(unit_id, from, to)?))
    }

    /// Reads again the one card a record changed into `screen` (its acts
    /// and alerts as the whole round computes them), not the whole round.
    pub fn refresh_round_resident(
        &self,
        screen: &mut RoundScreen,
        resident_id: Uuid,
        window: RoundWindow,
        now: Timestamp,
    ) -> Result<()> {
        let (from, to) = window.around(now)?;
        let card = self.round_view_resident(screen.view.unit_id, resident_id, from, to)?;
        screen.replace_resident(resident_id, card);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clinical::alerts::{Alert, AlertKind, AlertLevel};
    use crate::domain::ActKind;
    use crate::views::RoundItem;

    fn item(n: u128, status: RoundStatus, may_record: bool) -> RoundItem {
        RoundItem {
            planned_act_id: Uuid::from_u128(n),
            kind: ActKind::Hygiene,
            label: format!("acte {n}"),
            due_at: Timestamp::from_second(1_800_000_000).unwrap(),
            due_label: "08 h 00".into(),
            status,
            record_id: (!status.is_open()).then(|| Uuid::from_u128(1000 + n)),
            may_record,
            may_close: false,
            medication: None,
        }
    }

    fn resident(n: u128, items: Vec<RoundItem>, alerted: bool) -> RoundResident {
        RoundResident {
            resident_id: Uuid::from_u128(n),
            display_name: format!("R{n}"),
            room: format!("{n}"),
            items,
            latest_vitals: Vec::new(),
            alerts: if alerted {
                vec![Alert {
                    kind: AlertKind::News2,
                    level: AlertLevel::Act,
                    why: "x".into(),
                    action: crate::clinical::alerts::AlertAction::CallDoctor,
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn screen() -> RoundScreen {
        let t = Timestamp::from_second(1_800_000_000).unwrap();
        RoundScreen::new(RoundView {
            unit_id: Uuid::from_u128(9),
            from: t,
            to: t,
            generated_at: t,
            residents: vec![
                resident(
                    1,
                    vec![
                        item(11, RoundStatus::Due, true),
                        item(12, RoundStatus::Late, false),
                        item(13, RoundStatus::Done, true),
                    ],
                    false,
                ),
                resident(2, vec![item(21, RoundStatus::Unrecorded, true), item(22, RoundStatus::Refused, true)], false),
                resident(3, vec![item(31, RoundStatus::Done, true)], true),
                resident(4, vec![item(41, RoundStatus::NotDone, true)], false),
            ],
            unreadable: Vec::new(),
        })
    }

    fn acts(shown: &[RoundResident]) -> Vec<u128> {
        shown.iter().flat_map(|r| r.items.iter().map(|i| i.planned_act_id.as_u128())).collect()
    }

    #[test]
    fn statuses_open_and_late() {
        use RoundStatus::*;
        for s in [Due, Late, Unrecorded] {
            assert!(s.is_open(), "{s:?}");
        }
        for s in [Done, PartlyDone, NotDone, Refused, SpatOut] {
            assert!(!s.is_open() && !s.is_late(), "{s:?}");
        }
        assert!(Late.is_late() && Unrecorded.is_late() && !Due.is_late());
        assert_eq!(Unrecorded.label_fr(), "non tracé");
    }

    #[test]
    fn each_filter_keeps_its_acts_and_the_counts_ignore_it() {
        let mut s = screen();
        assert_eq!(acts(&s.shown()), [11, 12, 13, 22, 31, 41], "what nobody recorded has its own section");
        assert_eq!(acts(&s.unrecorded()), [21]);
        let counts = RoundCounts {
            to_do: 2,
            late: 1,
            unrecorded: 1,
            recorded: 4,
            done: 2,
            not_done: 1,
            refused: 1,
            ..RoundCounts::default()
        };
        assert_eq!(s.counts(), counts);

        s.set_filter(RoundFilter::ToDo);
        assert_eq!(acts(&s.shown()), [11, 12]);
        assert_eq!(acts(&s.unrecorded()), [21], "kept under « À faire »");
        s.set_filter(RoundFilter::Mine);
        assert_eq!(acts(&s.shown()), [11], "open and recordable by this role");
        assert_eq!(acts(&s.unrecorded()), [21]);
        s.set_filter(RoundFilter::Late);
        assert_eq!(acts(&s.shown()), [12]);
        assert_eq!(acts(&s.unrecorded()), [21]);
        assert_eq!(s.counts(), counts, "the header counts the whole round");
    }

    #[test]
    fn what_nobody_recorded_is_listed_oldest_first_until_answered() {
        let mut s = screen();
        let mut older = item(51, RoundStatus::Unrecorded, true);
        older.due_at = Timestamp::from_second(1_700_000_000).unwrap();
        s.view.residents.push(resident(5, vec![older], false));
        assert_eq!(acts(&s.unrecorded()), [51, 21], "the oldest first");
        assert_eq!(s.unrecorded_title_fr().unwrap(), "Non tracés (2) : à tracer, ou à clore par une IDE");

        s.replace_resident(Uuid::from_u128(5), Some(resident(5, vec![item(51, RoundStatus::Done, true)], false)));
        assert_eq!(acts(&s.unrecorded()), [21]);
        s.replace_resident(Uuid::from_u128(2), Some(resident(2, vec![item(21, RoundStatus::Refused, true)], false)));
        assert!(s.unrecorded().is_empty() && s.unrecorded_title_fr().is_none());
    }

    #[test]
    fn a_resident_with_an_alert_stays_on_the_full_round_only() {
        let mut s = screen();
        s.view.residents[2].items.clear();
        assert!(s.shown().iter().any(|r| r.resident_id == Uuid::from_u128(3) && r.items.is_empty()));
        s.set_filter(RoundFilter::ToDo);
        assert!(s.shown().iter().all(|r| r.resident_id != Uuid::from_u128(3)));
        assert!(s.shown().iter().all(|r| !r.items.is_empty()));
    }

    #[test]
    fn a_card_read_again_replaces_or_leaves() {
        let mut s = screen();
        s.set_filter(RoundFilter::Late);
        let again = resident(2, vec![item(21, RoundStatus::Done, true), item(22, RoundStatus::Refused, true)], false);
        s.replace_resident(Uuid::from_u128(2), Some(again));
        assert_eq!(acts(&s.shown()), [12], "the filter holds across the refresh");
        let c = s.counts();
        assert_eq!((c.to_do, c.late, c.unrecorded, c.recorded, c.done), (2, 1, 0, 5, 3));
        s.replace_resident(Uuid::from_u128(1), None);
        assert!(s.resident(Uuid::from_u128(1)).is_none());
        assert_eq!(s.view().residents.len(), 3);
    }

    #[test]
    fn the_screen_says_its_counts_and_why_it_is_empty() {
        let mut s = screen();
        assert_eq!(
            s.counts().line_fr(),
            "2 à faire · 1 en retard · 1 non tracé · 4 tracés (2 faits, 1 non fait, 1 refusé)"
        );
        let none = RoundCounts::default();
        assert_eq!(none.line_fr(), "0 à faire · 0 en retard · 0 tracé");
        assert_eq!(s.unreadable_fr(), None);
        for f in RoundFilter::ALL {
            assert!(!f.label_fr().is_empty() && f.nothing_shown_fr().ends_with('.'));
        }
        s.view.unreadable.push(crate::store::Unreadable { table: "facts", id: Uuid::from_u128(5), error: "x".into() });
        assert!(s.unreadable_fr().unwrap().starts_with("1 enregistrement(s) illisible(s)"));
    }

    #[test]
    fn the_standard_window_is_six_hours_back_two_ahead() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let (from, to) = RoundWindow::default().around(now).unwrap();
        assert_eq!(now.as_second() - from.as_second(), 6 * 3600);
        assert_eq!(to.as_second() - now.as_second(), 2 * 3600);
    }

    #[test]
    fn closing_says_given_for_a_dose_and_done_for_care() {
        assert_eq!(CLOSING_ANSWERS.map(|c| c.label_fr(true)), ["Donné hors tablette", "Annulé"]);
        assert_eq!(CLOSING_ANSWERS.map(|c| c.label_fr(false)), ["Fait hors tablette", "Annulé"]);
    }

    #[test]
    fn the_not_done_reasons_are_six_distinct_non_done_answers() {
        for (i, a) in NOT_DONE_REASONS.iter().enumerate() {
            assert_ne!(*a, ActOutcome::Done);
            assert!(!NOT_DONE_REASONS[..i].contains(a));
        }
    }
}
