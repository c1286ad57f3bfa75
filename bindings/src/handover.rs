//! The shift handover (relève), computed by the core from the tablet's own
//! record: per resident, French lines ready to show.

use chevet_core::views::HandoverKind;

use crate::error::ChevetError;
use crate::ids::{RecordId, ResidentId, UnitId};
use crate::store::{ChevetStore, ts};

crate::store::store_area!(
    /// The shift handover (la relève).
    /// Reached from the store: `store.handovers()`.
    Handovers,
    handovers
);

/// What a handover line is about (the screen picks its colour and icon).
#[uniffi::remote(Enum)]
pub enum HandoverKind {
    Alert,
    Fall,
    Unrecorded,
    MedicationNotGiven,
    ActNotDone,
    WoundNew,
    WoundWorse,
    Transmission,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HandoverLineInfo {
    pub kind: HandoverKind,
    /// The kind in a word, beside the text (« Non tracé », « Chute »); an
    /// alert's level (« Urgent », « À surveiller »).
    pub word: String,
    /// An alert's level (its colour), none for the other lines.
    pub level: Option<chevet_core::clinical::alerts::AlertLevel>,
    /// What to do about an alert (« Prévenir l'IDE »), none otherwise.
    pub action: Option<String>,
    /// When it happened; none for an alert, which stands now.
    pub at_ms: Option<i64>,
    /// The line, in French.
    pub text: String,
    pub record_id: Option<RecordId>,
    /// « Pour vous » on a transmission addressed to the reader's role (the
    /// whole team reads it; the addressees act on it). None otherwise.
    pub mark: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ResidentHandoverInfo {
    pub resident_id: ResidentId,
    pub display_name: String,
    pub room: String,
    pub lines: Vec<HandoverLineInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HandoverInfo {
    /// Residents with something to hand over, in room order.
    pub residents: Vec<ResidentHandoverInfo>,
    /// Until when the signed-in professional has read it.
    pub read_until_ms: Option<i64>,
    /// Records that could not be read (counted, never hidden).
    pub unreadable: u32,
}

#[uniffi::export]
impl Handovers {
    /// What changed on a unit between two times (at most 48 hours), per resident.
    pub fn handover(&self, unit_id: UnitId, since_ms: i64, until_ms: i64) -> Result<HandoverInfo, ChevetError> {
        let h = self.core()?.handover(unit_id.0, ts(since_ms)?, ts(until_ms)?)?;
        Ok(HandoverInfo {
            read_until_ms: h.read_until.map(|t| t.as_millisecond()),
            unreadable: h.unreadable as u32,
            residents: h
                .residents
                .into_iter()
                .map(|r| ResidentHandoverInfo {
                    resident_id: r.resident_id.into(),
                    display_name: r.display_name,
                    room: r.room,
                    lines: r
                        .lines
                        .into_iter()
                        .map(|l| HandoverLineInfo {
                            mark: l.mark_fr().map(str::to_owned),
                            word: l.word_fr().to_owned(),
                            level: l.alert.map(|(level, _)| level),
                            action: l.action_fr().map(str::to_owned),
                            kind: l.kind,
                            at_ms: l.at.map(|t| t.as_millisecond()),
                            text: l.text,
                            record_id: l.record_id.map(RecordId),
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    /// The signed-in professional has read the unit's handover up to `until_ms`.
    pub fn mark_handover_read(&self, unit_id: UnitId, until_ms: i64) -> Result<(), ChevetError> {
        Ok(self.core()?.mark_handover_read(unit_id.0, ts(until_ms)?)?)
    }
}
