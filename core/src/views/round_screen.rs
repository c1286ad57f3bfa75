//! The round as its screen shows it: the window around now, the filter the
//! care worker chose, the counts in the header, and the reasons offered
//! for an act not done.
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
    /// What is still to do (due, late or missed).
    ToDo,
    /// Only what is late or missed.
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
    /// Due, late or missed.
    pub to_do: u32,
    /// Late or missed.
    pub late: u32,
    /// Answered, whatever the answer.
    pub done: u32,
}

impl RoundCounts {
    /// The header's line.
    pub fn line_fr(self) -> String {
        format!("{} à faire · {} en retard · {} faits", self.to_do, self.late, self.done)
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

    /// The residents under the filter, in room order, each with only the
    /// acts it keeps. A resident with an alert stays on the full round
    /// even with nothing due: who needs someone now is never hidden there.
    pub fn shown(&self) -> Vec<RoundResident> {
        self.view
            .residents
            .iter()
            .filter_map(|resident| {
                let items: Vec<_> =
                    resident.items.iter().filter(|i| self.filter.keeps(i.status, i.may_record)).cloned().collect();
                let kept_for_its_alerts = self.filter == RoundFilter::All && !resident.alerts.is_empty();
                if items.is_empty() && !kept_for_its_alerts {
                    return None;
                }
                Some(RoundResident { items, ..resident.clone() })
            })
            .collect()
    }

    pub fn counts(&self) -> RoundCounts {
        let mut counts = RoundCounts::default();
        for item in self.view.residents.iter().flat_map(|r| &r.items) {
            let s = item.status;
            counts.to_do += u32::from(s.is_open());
            counts.late += u32::from(s.is_late());
            counts.done += u32::from(!s.is_open());
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
            status,
            record_id: (!status.is_open()).then(|| Uuid::from_u128(1000 + n)),
            may_record,
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
                vec![Alert { kind: AlertKind::News2, level: AlertLevel::Act, why: "x".into() }]
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
                resident(2, vec![item(21, RoundStatus::Missed, true), item(22, RoundStatus::Refused, true)], false),
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
        for s in [Due, Late, Missed] {
            assert!(s.is_open(), "{s:?}");
        }
        for s in [Done, PartlyDone, NotDone, Refused, SpatOut] {
            assert!(!s.is_open() && !s.is_late(), "{s:?}");
        }
        assert!(Late.is_late() && Missed.is_late() && !Due.is_late());
    }

    #[test]
    fn each_filter_keeps_its_acts_and_the_counts_ignore_it() {
        let mut s = screen();
        assert_eq!(acts(&s.shown()), [11, 12, 13, 21, 22, 31, 41]);
        let counts = RoundCounts { to_do: 3, late: 2, done: 4 };
        assert_eq!(s.counts(), counts);

        s.set_filter(RoundFilter::ToDo);
        assert_eq!(acts(&s.shown()), [11, 12, 21]);
        s.set_filter(RoundFilter::Mine);
        assert_eq!(acts(&s.shown()), [11, 21], "open and recordable by this role");
        s.set_filter(RoundFilter::Late);
        assert_eq!(acts(&s.shown()), [12, 21]);
        assert_eq!(s.counts(), counts, "the header counts the whole round");
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
        assert_eq!(s.counts(), RoundCounts { to_do: 2, late: 1, done: 5 });
        s.replace_resident(Uuid::from_u128(1), None);
        assert!(s.resident(Uuid::from_u128(1)).is_none());
        assert_eq!(s.view().residents.len(), 3);
    }

    #[test]
    fn the_screen_says_its_counts_and_why_it_is_empty() {
        let mut s = screen();
        assert_eq!(s.counts().line_fr(), "3 à faire · 2 en retard · 4 faits");
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
    fn the_not_done_reasons_are_six_distinct_non_done_answers() {
        for (i, a) in NOT_DONE_REASONS.iter().enumerate() {
            assert_ne!(*a, ActOutcome::Done);
            assert!(!NOT_DONE_REASONS[..i].contains(a));
        }
    }
}
