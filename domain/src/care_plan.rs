//! The care plan: recurring planned acts with their schedules.
//!
//! Each planned act is its own document (versioned), so two nurses editing
//! different acts of one plan never conflict.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::schedule::Schedule;
use super::staff::Permission;
use crate::error::{DomainError, Result};

/// What kind of care an act is; it decides who may record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActKind {
    /// Toilette.
    Hygiene,
    /// Change, aide à l'élimination.
    Continence,
    /// Aide au repas, hydratation.
    MealAssistance,
    /// Pansement.
    WoundDressing,
    /// Prise de constantes.
    Vitals,
    /// Médicament (a prescription line).
    Medication,
    /// Mobilisation, prévention d'escarre (changes of position).
    Mobilisation,
    Other,
}

/// The prescription line a medication act carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicationLine {
    pub drug: String,
    pub dose: String,
    pub route: String,
    /// The prescriber allows aide à la prise by a care aide (CASF L313-26).
    pub intake_assistance_allowed: bool,
    /// Barcode (GTIN/CIP) expected when the box is scanned, if known.
    pub expected_barcode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedAct {
    pub id: Uuid,
    pub resident_id: Uuid,
    pub kind: ActKind,
    /// "Toilette complète au lit", "Change", "Paracétamol 1 g".
    pub label: String,
    pub schedule: Schedule,
    pub medication: Option<MedicationLine>,
    pub active: bool,
}

impl PlannedAct {
    pub fn validate(&self) -> Result<()> {
        if self.label.trim().is_empty() {
            return Err(DomainError::invalid("planned_act.label", "required"));
        }
        self.schedule.validate()?;
        match (self.kind, &self.medication) {
            (ActKind::Medication, None) => {
                Err(DomainError::invalid("planned_act.medication", "a medication act needs its prescription line"))
            }
            (k, Some(_)) if k != ActKind::Medication => {
                Err(DomainError::invalid("planned_act.medication", "only medication acts carry a prescription line"))
            }
            _ => Ok(()),
        }
    }

    /// What recording this act requires: administering a medication is a
    /// nursing act unless the prescriber allowed aide à la prise.
    pub fn required_permission(&self) -> Permission {
        match self.kind {
            ActKind::Medication => match &self.medication {
                Some(m) if m.intake_assistance_allowed => Permission::AssistMedicationIntake,
                _ => Permission::AdministerMedication,
            },
            ActKind::WoundDressing => Permission::RecordWoundCare,
            ActKind::Vitals => Permission::RecordVitals,
            _ => Permission::RecordCareAct,
        }
    }
}
