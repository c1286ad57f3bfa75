//! Emergency transfer (fiche de liaison d'urgence, EHPAD → urgences): what
//! the emergency department must know when a resident leaves in a hurry.
//! Recorded as a fact; the DLU-FLUDT document is built from it, the
//! resident's latest vitals, current treatments and profile.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::records::RecordMeta;
use crate::error::{DomainError, Result};

/// State of consciousness at departure (JDV of the DLU: DLU_002 to DLU_004).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Consciousness {
    /// Conscient et éveillé.
    AwakeAndAlert,
    /// Éveillable.
    Arousable,
    /// Non éveillable.
    NotArousable,
}

/// A prosthesis or personal object that goes with the resident
/// (JDV_ProtheseObjetPersonnel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersonalItem {
    Glasses,
    DentalProsthesis,
    HearingAid,
    /// Anything else: cane, walker, ring, telephone…
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyTransfer {
    pub id: Uuid,
    pub resident_id: Uuid,
    /// Motif du transfert.
    pub reason: String,
    /// The emergency department it goes to, when known.
    pub destination: Option<String>,
    pub consciousness: Consciousness,
    /// Pain in the last hours (douleurs récentes), with its 0–10 score when taken.
    pub recent_pain: bool,
    pub pain_score: Option<u8>,
    pub last_meal_at: Timestamp,
    pub items: Vec<PersonalItem>,
    pub comment: Option<String>,
    pub meta: RecordMeta,
}

impl EmergencyTransfer {
    pub fn validate(&self) -> Result<()> {
        if self.reason.trim().is_empty() {
            return Err(DomainError::invalid("transfer.reason", "the reason for the transfer is required"));
        }
        if self.reason.chars().count() > 2000 || self.comment.as_ref().is_some_and(|c| c.chars().count() > 4000) {
            return Err(DomainError::invalid("transfer", "too long"));
        }
        if self.pain_score.is_some_and(|s| s > 10) {
            return Err(DomainError::invalid("transfer.pain_score", "a pain score is 0 to 10"));
        }
        if self.pain_score.is_some_and(|s| s > 0) && !self.recent_pain {
            return Err(DomainError::invalid("transfer.pain_score", "a positive score means recent pain"));
        }
        if self.last_meal_at > self.meta.clinical_time {
            return Err(DomainError::invalid("transfer.last_meal_at", "after the transfer"));
        }
        if self.items.iter().any(|i| matches!(i, PersonalItem::Other(s) if s.trim().is_empty())) {
            return Err(DomainError::invalid("transfer.items", "name the object"));
        }
        Ok(())
    }
}
