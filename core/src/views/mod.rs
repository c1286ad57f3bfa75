//! What the screens read, computed once for both apps.
//!
//! The store keeps records; a view turns them into what a screen shows:
//! the round with its statuses, filter, counts and window; a resident's
//! file and timeline; the charts; the handover; the vital-set preview; the
//! scale forms. Kotlin and Swift draw these and compute nothing of their
//! own, so the two apps cannot drift apart on a status, a count or a
//! French sentence. Views read the store through its read connection and
//! its codec; they never write except through the store's audited writes.

mod documents;
mod handover;
mod latest_vitals;
mod resident_file;
mod round;
mod round_screen;
mod scale_forms;
mod trends;
mod vital_set;

pub use crate::clinical::alerts::LatestVital;
pub use documents::TransferDocuments;
pub use handover::{Handover, HandoverKind, HandoverLine, ResidentHandover};
pub use resident_file::{ResidentFile, TimelineEntry};
pub use round::{RoundItem, RoundResident, RoundStatus, RoundView, UNRECORDED_LOOKBACK_DAYS};
pub use round_screen::{
    CLOSING_ANSWERS, Closing, NOT_DONE_REASONS, RoundCounts, RoundFilter, RoundScreen, RoundWindow,
};
pub use scale_forms::FormOutcome;
pub use trends::{ChartKind, ChartLine, ChartPoint, LineKind, VitalChart, push_chart};
pub use vital_set::{VitalProblem, VitalSet, VitalSetPreview};
