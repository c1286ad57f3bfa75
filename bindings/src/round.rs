//! The round's screen across the FFI: the core keeps the round it last
//! read and the filter chosen, and answers what to show (residents under
//! the filter, the header's counts). The apps draw it and compute nothing:
//! the filter, the counts, the window and the not-done reasons exist once,
//! in chevet-core's `views::round_screen`.

use std::sync::{Arc, Mutex};

use chevet_core::domain::words;
use chevet_core::views::{self, CLOSING_ANSWERS, Closing, NOT_DONE_REASONS, RoundCounts, RoundFilter, RoundWindow};

use crate::error::ChevetError;
use crate::ids::{PlannedActId, ResidentId, UnitId};
use crate::records::ActResult;
use crate::store::{AlertInfo, ChevetStore, alert, ts};

crate::store::store_area!(
    /// A unit's round: as its screen holds it, and whole.
    /// Reached from the store: `store.rounds()`.
    Rounds,
    rounds
);

type Result<T> = std::result::Result<T, ChevetError>;

/// Which acts the round shows.
#[uniffi::remote(Enum)]
pub enum RoundFilter {
    /// Everything on the round.
    All,
    /// What is still to do and the signed-in professional's role may record.
    Mine,
    /// What is still to do (due, late or not recorded).
    ToDo,
    /// Only what is late or not recorded.
    Late,
}

/// How a nurse closes what nobody recorded (« non tracé »).
#[uniffi::remote(Enum)]
pub enum Closing {
    /// Done (given) and traced elsewhere: on paper, in other software.
    RecordedElsewhere,
    /// Called off: the prescription or the care was cancelled.
    Cancelled,
}

/// How far the round looks back and ahead of now.
#[uniffi::remote(Record)]
pub struct RoundWindow {
    pub hours_before: u32,
    pub hours_after: u32,
}

/// The header's counts, over the whole round whatever the filter.
#[uniffi::remote(Record)]
pub struct RoundCounts {
    /// Due or late, in the window.
    pub to_do: u32,
    pub late: u32,
    /// Nobody recorded it (« non tracés »), in the window or before it.
    pub unrecorded: u32,
    /// Answered, whatever the answer: the sum of the five below.
    pub recorded: u32,
    pub done: u32,
    pub partly_done: u32,
    pub not_done: u32,
    pub refused: u32,
    pub spat_out: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoundItemInfo {
    pub planned_act_id: PlannedActId,
    pub label: String,
    pub due_at_ms: i64,
    /// When it was due, as the screens say it (« 08 h 00 », « hier 08 h 00 »).
    pub due_label: String,
    pub status: views::RoundStatus,
    /// The status as the screen says it, in French.
    pub status_label: String,
    /// Still asks for something: due, late or not recorded.
    pub open: bool,
    /// Late or not recorded (drawn in the alert colour).
    pub late: bool,
    /// The signed-in professional may record it (the screen offers only that).
    pub may_record: bool,
    /// The signed-in professional may close it (« non tracé », a nurse; a
    /// late act keeps « Non fait » and its reasons):
    /// [`Rounds::close_unrecorded`] with [`closing_choices`].
    pub may_close: bool,
    /// A medication: given from the medication screen, its box scanned.
    pub medication: bool,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RoundResidentInfo {
    pub resident_id: ResidentId,
    pub display_name: String,
    pub room: String,
    pub items: Vec<RoundItemInfo>,
    pub alerts: Vec<AlertInfo>,
}

/// What the round's screen shows now.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RoundShown {
    /// The residents under the filter, in room order, each with only the acts it keeps.
    pub residents: Vec<RoundResidentInfo>,
    /// The section of what nobody recorded (« non tracés »), oldest first,
    /// each resident with only those: shown until answered or closed.
    pub unrecorded: Vec<RoundResidentInfo>,
    /// The section's title, when it has something.
    pub unrecorded_title: Option<String>,
    pub filter: RoundFilter,
    pub counts: RoundCounts,
    /// The header's counts in words (« 3 à faire · 1 en retard · 5 faits »).
    pub counts_line: String,
    /// What to say when the filter keeps nothing.
    pub nothing_shown: String,
    /// Records the store could not read (shown as a count, never hidden).
    pub unreadable: u32,
    /// What to say about them, when there are some.
    pub unreadable_line: Option<String>,
}

/// The whole round of a unit over a window, before any filter: every
/// current resident in room order, with their acts and alerts.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RoundInfo {
    pub residents: Vec<RoundResidentInfo>,
    /// Records that could not be read (ids and errors, no content).
    pub unreadable: u32,
}

/// A filter as the screen offers it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RoundFilterChoice {
    pub filter: RoundFilter,
    pub label: String,
}

/// A way to close a « non tracé », as the nurse's dialog offers it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ClosingChoice {
    pub closing: Closing,
    pub label: String,
}

/// An answer to « why was it not done? » as the dialog offers it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ActResultChoice {
    pub result: ActResult,
    pub label: String,
}

/// The round's standard window: six hours back, two ahead.
#[uniffi::export]
pub fn standard_round_window() -> RoundWindow {
    RoundWindow::STANDARD
}

/// The round's filters, in the order the screen offers them.
#[uniffi::export]
pub fn round_filters() -> Vec<RoundFilterChoice> {
    RoundFilter::ALL
        .into_iter()
        .map(|filter| RoundFilterChoice { filter, label: filter.label_fr().to_owned() })
        .collect()
}

/// The answers offered when an act was not done, in the order the dialog shows them.
#[uniffi::export]
pub fn not_done_reasons() -> Vec<ActResultChoice> {
    NOT_DONE_REASONS
        .iter()
        .filter_map(|o| Some(ActResultChoice { result: ActResult::of(o)?, label: words::outcome_choice_fr(o) }))
        .collect()
}

/// The ways a nurse may close a « non tracé », for a medication (« Donné
/// hors tablette ») or another act (« Fait hors tablette »).
#[uniffi::export]
pub fn closing_choices(medication: bool) -> Vec<ClosingChoice> {
    CLOSING_ANSWERS
        .into_iter()
        .map(|closing| ClosingChoice { closing, label: closing.label_fr(medication).into() })
        .collect()
}

/// A unit's round as its screen holds it, in the core.
#[derive(uniffi::Object)]
pub struct RoundScreen {
    store: Arc<ChevetStore>,
    unit_id: uuid::Uuid,
    window: RoundWindow,
    /// None until the first load; the filter chosen before it is kept.
    screen: Mutex<(Option<views::RoundScreen>, RoundFilter)>,
}

#[uniffi::export]
impl Rounds {
    /// The whole round of a unit between two times, unfiltered (what tools
    /// and tests read; the screen reads [`Rounds::round_screen`]).
    pub fn round_view(&self, unit_id: UnitId, from_ms: i64, to_ms: i64) -> Result<RoundInfo> {
        let view = self.core()?.round_view(unit_id.0, ts(from_ms)?, ts(to_ms)?)?;
        Ok(RoundInfo {
            unreadable: view.unreadable.len() as u32,
            residents: view.residents.into_iter().map(round_resident).collect(),
        })
    }

    /// A nurse closes an occurrence nobody recorded (done or given and
    /// traced elsewhere, or cancelled). Refused without the nurse's
    /// permission, as the hub refuses it. Returns the record's id.
    pub fn close_unrecorded(
        &self,
        resident_id: ResidentId,
        planned_act_id: PlannedActId,
        occurrence_ms: i64,
        closing: Closing,
        at_ms: i64,
    ) -> Result<crate::ids::RecordId> {
        let fact =
            self.core()?.close_unrecorded(resident_id.0, planned_act_id.0, ts(occurrence_ms)?, closing, ts(at_ms)?)?;
        Ok(crate::ids::RecordId(fact.id()))
    }

    /// The round of `unit_id` in `window` around the times it is loaded at.
    pub fn round_screen(&self, unit_id: UnitId, window: RoundWindow) -> Result<Arc<RoundScreen>> {
        Ok(Arc::new(RoundScreen {
            unit_id: unit_id.0,
            store: self.store()?,
            window,
            screen: Mutex::new((None, RoundFilter::All)),
        }))
    }
}

#[uniffi::export]
impl RoundScreen {
    /// Reads the whole round around `now_ms`, keeping the filter.
    pub fn load(&self, now_ms: i64) -> Result<RoundShown> {
        let mut read = self.store.core()?.round_screen(self.unit_id, self.window, ts(now_ms)?)?;
        let mut held = self.held()?;
        read.set_filter(held.1);
        held.0 = Some(read);
        Ok(shown(&held))
    }

    /// Reads again the one card a record changed (the whole round the first time).
    pub fn refresh_resident(&self, resident_id: ResidentId, now_ms: i64) -> Result<RoundShown> {
        let resident_id = resident_id.0;
        if self.held()?.0.is_none() {
            return self.load(now_ms);
        }
        let store = self.store.core()?;
        let mut held = self.held()?;
        if let Some(screen) = held.0.as_mut() {
            store.refresh_round_resident(screen, resident_id, self.window, ts(now_ms)?)?;
        }
        Ok(shown(&held))
    }

    /// Shows the round under `filter`, without reading it again.
    pub fn set_filter(&self, filter: RoundFilter) -> Result<RoundShown> {
        let mut held = self.held()?;
        held.1 = filter;
        if let Some(screen) = held.0.as_mut() {
            screen.set_filter(filter);
        }
        Ok(shown(&held))
    }
}

impl RoundScreen {
    fn held(&self) -> Result<std::sync::MutexGuard<'_, (Option<views::RoundScreen>, RoundFilter)>> {
        self.screen.lock().map_err(|_| ChevetError::Closed)
    }
}

fn shown(held: &(Option<views::RoundScreen>, RoundFilter)) -> RoundShown {
    match &held.0 {
        Some(screen) => RoundShown {
            residents: screen.shown().into_iter().map(round_resident).collect(),
            unrecorded: screen.unrecorded().into_iter().map(round_resident).collect(),
            unrecorded_title: screen.unrecorded_title_fr(),
            filter: screen.filter(),
            counts: screen.counts(),
            counts_line: screen.counts().line_fr(),
            nothing_shown: screen.filter().nothing_shown_fr().to_owned(),
            unreadable: screen.unreadable() as u32,
            unreadable_line: screen.unreadable_fr(),
        },
        None => RoundShown {
            residents: Vec::new(),
            unrecorded: Vec::new(),
            unrecorded_title: None,
            filter: held.1,
            counts: RoundCounts::default(),
            counts_line: RoundCounts::default().line_fr(),
            nothing_shown: held.1.nothing_shown_fr().to_owned(),
            unreadable: 0,
            unreadable_line: None,
        },
    }
}

pub(crate) fn round_resident(r: views::RoundResident) -> RoundResidentInfo {
    RoundResidentInfo {
        resident_id: r.resident_id.into(),
        display_name: r.display_name,
        room: r.room,
        items: r
            .items
            .into_iter()
            .map(|i| RoundItemInfo {
                planned_act_id: i.planned_act_id.into(),
                label: i.label,
                due_at_ms: i.due_at.as_millisecond(),
                due_label: i.due_label,
                status: i.status,
                status_label: i.status.label_fr().to_owned(),
                open: i.status.is_open(),
                late: i.status.is_late(),
                may_record: i.may_record,
                may_close: i.may_close,
                medication: i.medication.is_some(),
            })
            .collect(),
        alerts: r.alerts.into_iter().map(alert).collect(),
    }
}
