//! SSIAD routes (tournées): a nurse's or care aide's ordered route of home
//! visits for a day. The visits themselves are stamped as facts
//! ([`super::VisitStamp`]), manually, by QR code or by NFC tag.

use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::records::StampMethod;
use crate::error::{DomainError, Result};

/// A tag as registered and compared: `qr:` and the sticker's text, or
/// `nfc:` and the tag's UID in upper-case hex (separators dropped). A
/// manual stamp has no tag.
pub fn home_tag(method: StampMethod, payload: &str) -> Result<String> {
    let p = payload.trim();
    match method {
        StampMethod::Manual => Err(DomainError::invalid("visit.tag", "a manual stamp reads no tag")),
        StampMethod::QrCode => {
            if p.is_empty() || p.chars().count() > 200 || p.chars().any(char::is_control) {
                return Err(DomainError::invalid("visit.tag", "not a home sticker"));
            }
            Ok(format!("qr:{p}"))
        }
        StampMethod::Nfc => {
            let hex: String = p.chars().filter(|c| !matches!(c, ':' | '-' | ' ')).collect();
            // ISO 14443 UIDs are 4, 7 or 10 bytes.
            if !matches!(hex.len(), 8 | 14 | 20) || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(DomainError::invalid("visit.tag", "not an NFC tag UID"));
            }
            Ok(format!("nfc:{}", hex.to_ascii_uppercase()))
        }
    }
}

/// One planned stop of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStop {
    pub resident_id: Uuid,
    /// Expected arrival, local time.
    pub planned_at: Option<Time>,
}

/// A day's route for one professional in one sector (unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub date: Date,
    pub staff_id: Uuid,
    /// "Tournée du matin – secteur Nord".
    pub label: String,
    pub stops: Vec<PlannedStop>,
}

impl Route {
    pub fn validate(&self) -> Result<()> {
        if self.label.trim().is_empty() {
            return Err(DomainError::invalid("route.label", "required"));
        }
        if self.stops.len() > 60 {
            return Err(DomainError::invalid("route.stops", "more than 60 visits in a route"));
        }
        let mut seen = std::collections::HashSet::new();
        if !self.stops.iter().all(|s| seen.insert(s.resident_id)) {
            return Err(DomainError::invalid("route.stops", "a resident appears twice"));
        }
        Ok(())
    }
}
