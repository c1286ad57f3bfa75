//! The tenant hierarchy: group → establishment (FINESS) → unit or SSIAD sector.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, Result};

/// What kind of establishment: it changes how rounds are organised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EstablishmentKind {
    /// Établissement d'hébergement pour personnes âgées dépendantes.
    Ehpad,
    /// Maison d'accueil spécialisée.
    Mas,
    /// Service de soins infirmiers à domicile: units are sectors, rounds are routes.
    Ssiad,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Establishment {
    pub id: Uuid,
    pub name: String,
    /// FINESS géographique, 9 characters.
    pub finess: String,
    pub kind: EstablishmentKind,
    /// IANA time zone of the establishment: planned times are local times.
    pub time_zone: String,
    /// The medical team's alert thresholds (defaults when absent).
    #[serde(default)]
    pub alert_settings: Option<crate::clinical::alerts::AlertSettings>,
    /// The unit its teams type glycaemia in: g/L unless it says otherwise.
    /// The tablet converts to the record's mg/dL.
    #[serde(default)]
    pub glucose_entry_unit: crate::clinical::units::GlucoseUnit,
}

impl Establishment {
    pub fn validate(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(DomainError::invalid("establishment.name", "required"));
        }
        if self.finess.len() != 9 || !self.finess.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid("establishment.finess", "a FINESS number has 9 characters"));
        }
        self.tz()?;
        Ok(())
    }

    /// The establishment's time zone, in which planned times and days are read.
    pub fn tz(&self) -> Result<jiff::tz::TimeZone> {
        jiff::tz::TimeZone::get(&self.time_zone)
            .map_err(|_| DomainError::invalid("establishment.time_zone", "unknown IANA time zone"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: Uuid,
    pub establishment_id: Uuid,
    /// "Étage 2 – Les Tilleuls", "Secteur Nord".
    pub name: String,
}

impl Unit {
    pub fn validate(&self) -> Result<()> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(DomainError::invalid("unit.name", "1 to 200 characters"));
        }
        Ok(())
    }
}
