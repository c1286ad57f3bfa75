//! The person cared for (usager, résident, patient): a mutable document.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ins::Identity;
use crate::error::{DomainError, Result};

/// A relative or the personne de confiance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub relationship: String,
    pub phone: Option<String>,
}

/// The resident's profile. Field-level changes travel as operations against
/// a base version (see the outbox); the store keeps the current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resident {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub identity: Identity,
    /// Room (chambre) or, in SSIAD, the address shown on the route.
    pub room: String,
    pub allergies: Vec<String>,
    /// Personne de confiance (CSP L1111-6).
    pub trusted_person: Option<Contact>,
    pub contacts: Vec<Contact>,
    /// Directives anticipées: where they are and what they say in short.
    pub advance_directives: Option<String>,
    /// GIR 1–6 from the last AGGIR evaluation.
    pub gir: Option<u8>,
    /// Known chronic hypercapnia (NEWS2 uses SpO2 scale 2).
    pub hypercapnic: bool,
    pub admitted_on: Date,
    pub discharged_on: Option<Date>,
    /// SSIAD: the QR stickers and NFC tags registered at the patient's home,
    /// normalised by [`super::visit::home_tag`]; a visit stamped with a tag
    /// must read one of them.
    #[serde(default)]
    pub home_tags: Vec<String>,
}

impl Resident {
    pub fn validate(&self) -> Result<()> {
        self.identity.validate()?;
        if self.room.trim().is_empty() {
            return Err(DomainError::invalid("room", "required"));
        }
        if let Some(g) = self.gir
            && !(1..=6).contains(&g)
        {
            return Err(DomainError::invalid("gir", "GIR is 1 to 6"));
        }
        if self.discharged_on.is_some_and(|d| d < self.admitted_on) {
            return Err(DomainError::invalid("discharged_on", "before admission"));
        }
        if self.home_tags.len() > 4
            || self.home_tags.iter().any(|t| !(t.starts_with("qr:") || t.starts_with("nfc:")) || t.len() > 210)
        {
            return Err(DomainError::invalid("home_tags", "up to four registered tags"));
        }
        Ok(())
    }

    /// Key to order a round by room: numeric part first ("2" < "10"), then text.
    pub fn room_sort_key(&self) -> (u32, String) {
        let digits: String = self.room.chars().filter(|c| c.is_ascii_digit()).collect();
        (digits.parse().unwrap_or(u32::MAX), self.room.clone())
    }
}

/// A change of profile fields; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResidentChanges {
    pub identity: Option<Identity>,
    pub unit_id: Option<Uuid>,
    pub room: Option<String>,
    pub allergies: Option<Vec<String>>,
    pub trusted_person: Option<Option<Contact>>,
    pub contacts: Option<Vec<Contact>>,
    pub advance_directives: Option<Option<String>>,
    pub gir: Option<Option<u8>>,
    pub hypercapnic: Option<bool>,
    pub discharged_on: Option<Option<Date>>,
    #[serde(default)]
    pub home_tags: Option<Vec<String>>,
}

impl ResidentChanges {
    /// Applies the changes, refusing edits of INSi traits (RECUP / QUAL).
    pub fn apply_to(&self, r: &Resident) -> Result<Resident> {
        let mut next = r.clone();
        if let Some(identity) = &self.identity {
            super::rules::check_identity_change(r.id, Some(&r.identity), identity)?;
            next.identity = identity.clone();
        }
        if let Some(v) = self.unit_id {
            next.unit_id = v;
        }
        if let Some(v) = &self.room {
            next.room = v.clone();
        }
        if let Some(v) = &self.allergies {
            next.allergies = v.clone();
        }
        if let Some(v) = &self.trusted_person {
            next.trusted_person = v.clone();
        }
        if let Some(v) = &self.contacts {
            next.contacts = v.clone();
        }
        if let Some(v) = &self.advance_directives {
            next.advance_directives = v.clone();
        }
        if let Some(v) = self.gir {
            next.gir = v;
        }
        if let Some(v) = self.hypercapnic {
            next.hypercapnic = v;
        }
        if let Some(v) = self.discharged_on {
            next.discharged_on = v;
        }
        if let Some(v) = &self.home_tags {
            next.home_tags = v.clone();
        }
        next.validate()?;
        Ok(next)
    }
}
