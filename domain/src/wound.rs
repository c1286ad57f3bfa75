//! Wounds: a mutable document (site, kind, stage) followed by dated
//! assessments (facts).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, Result};

/// NPIAP 2016 pressure-injury stages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NpiapStage {
    Stage1,
    Stage2,
    Stage3,
    Stage4,
    Unstageable,
    DeepTissue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WoundKind {
    PressureInjury,
    LegUlcer,
    DiabeticFoot,
    Surgical,
    SkinTear,
    Other,
}

impl WoundKind {
    pub const ALL: [WoundKind; 6] = [
        WoundKind::PressureInjury,
        WoundKind::LegUlcer,
        WoundKind::DiabeticFoot,
        WoundKind::Surgical,
        WoundKind::SkinTear,
        WoundKind::Other,
    ];

    pub fn label_fr(self) -> &'static str {
        match self {
            WoundKind::PressureInjury => "Escarre",
            WoundKind::LegUlcer => "Ulcère de jambe",
            WoundKind::DiabeticFoot => "Plaie du pied diabétique",
            WoundKind::Surgical => "Plaie chirurgicale",
            WoundKind::SkinTear => "Déchirure cutanée",
            WoundKind::Other => "Autre plaie",
        }
    }

    /// Only pressure injuries are staged (NPIAP).
    pub fn staged(self) -> bool {
        self == WoundKind::PressureInjury
    }
}

/// Exudate amount (PUSH sub-score 0–3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Exudate {
    None,
    Light,
    Moderate,
    Heavy,
}

/// Worst tissue type present (PUSH sub-score 0–4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TissueType {
    Closed,
    Epithelial,
    Granulation,
    Slough,
    Necrotic,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wound {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub kind: WoundKind,
    /// Body site ("sacrum", "talon gauche").
    pub site: String,
    pub stage: Option<NpiapStage>,
    pub opened_on: Date,
    pub healed_on: Option<Date>,
}

impl Wound {
    pub fn validate(&self) -> Result<()> {
        if self.site.trim().is_empty() {
            return Err(DomainError::invalid("wound.site", "required"));
        }
        if self.stage.is_some() && self.kind != WoundKind::PressureInjury {
            return Err(DomainError::invalid("wound.stage", "NPIAP stages apply to pressure injuries"));
        }
        if self.healed_on.is_some_and(|h| h < self.opened_on) {
            return Err(DomainError::invalid("wound.healed_on", "before the wound opened"));
        }
        Ok(())
    }
}
