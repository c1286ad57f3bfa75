//! Professionals, their roles, and what each role may record.
//!
//! Permissions follow French practice in ESMS: a nurse (IDE) administers
//! medication; a care aide (AS) or AES may only help a resident take a
//! medication the nurse prepared when the prescription allows it (aide à la
//! prise, CASF L313-26); care plans are changed by nurses, the coordinating
//! physician and the health manager.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A professional's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// IDE, infirmier·e diplômé·e d'État.
    Nurse,
    /// AS, aide-soignant·e.
    CareAide,
    /// AES, accompagnant·e éducatif et social.
    SocialCareAide,
    /// Médecin coordonnateur.
    CoordinatingPhysician,
    /// Cadre de santé / IDEC.
    HealthManager,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::Nurse, Role::CareAide, Role::SocialCareAide, Role::CoordinatingPhysician, Role::HealthManager];

    /// The French label shown in the apps.
    pub fn label_fr(self) -> &'static str {
        match self {
            Role::Nurse => "IDE",
            Role::CareAide => "AS",
            Role::SocialCareAide => "AES",
            Role::CoordinatingPhysician => "Médecin coordonnateur",
            Role::HealthManager => "Cadre de santé",
        }
    }

    pub fn has(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            RecordCareAct | RecordVitals | WriteTransmission | RecordVisit => true,
            AssistMedicationIntake => true,
            AdministerMedication | RecordWoundCare | ScoreAssessment => {
                matches!(self, Nurse | CoordinatingPhysician | HealthManager)
            }
            EditCarePlan | EditResident | CloseUnrecorded => {
                matches!(self, Nurse | CoordinatingPhysician | HealthManager)
            }
            CorrectOthersRecord => matches!(self, HealthManager | CoordinatingPhysician),
        }
    }
}

/// Something a write requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    RecordCareAct,
    RecordVitals,
    WriteTransmission,
    RecordVisit,
    /// Help the resident take a prepared medication (aide à la prise).
    AssistMedicationIntake,
    /// Administer a medication (nursing act).
    AdministerMedication,
    RecordWoundCare,
    ScoreAssessment,
    EditCarePlan,
    EditResident,
    /// Mark another professional's record entered-in-error.
    CorrectOthersRecord,
    /// Close a planned occurrence nobody recorded (« non tracé »): done and
    /// traced elsewhere, or cancelled. A nursing decision.
    CloseUnrecorded,
}

impl Permission {
    pub fn name(self) -> &'static str {
        match self {
            Permission::RecordCareAct => "record_care_act",
            Permission::RecordVitals => "record_vitals",
            Permission::WriteTransmission => "write_transmission",
            Permission::RecordVisit => "record_visit",
            Permission::AssistMedicationIntake => "assist_medication_intake",
            Permission::AdministerMedication => "administer_medication",
            Permission::RecordWoundCare => "record_wound_care",
            Permission::ScoreAssessment => "score_assessment",
            Permission::EditCarePlan => "edit_care_plan",
            Permission::EditResident => "edit_resident",
            Permission::CorrectOthersRecord => "correct_others_record",
            Permission::CloseUnrecorded => "close_unrecorded",
        }
    }
}

/// A professional working on this device's units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    /// RPPS number for professionals who have one.
    pub rpps: Option<String>,
    /// The code the establishment gave this professional to set their first
    /// PIN on the tablets of their units (`Store::set_first_pin`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_pin_code: Option<FirstPinCode>,
    /// The units this professional works in; empty: every unit of the
    /// establishment group (a night nurse, the cadre de santé). Records they
    /// sign about a resident of another unit are refused, here and by the hub.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<Uuid>,
    /// When the establishment deactivated this professional (they left, a
    /// badge was lost): from then on they cannot sign in on a tablet, and
    /// records they sign are refused, here and by the hub. What they entered
    /// before stays theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<jiff::Timestamp>,
}

impl Staff {
    /// Whether they were active at `t` (not deactivated, or deactivated later).
    pub fn active_at(&self, t: jiff::Timestamp) -> bool {
        self.deactivated_at.is_none_or(|d| t < d)
    }

    pub fn validate(&self) -> crate::error::Result<()> {
        let name = self.display_name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(crate::error::DomainError::invalid("staff.display_name", "1 to 200 characters"));
        }
        Ok(())
    }

    pub fn works_in(&self, unit: Uuid) -> bool {
        self.units.is_empty() || self.units.contains(&unit)
    }
}

/// A one-time code for a professional's first PIN on a tablet, as it travels
/// with the staff record: only its Argon2id verifier and its expiry, never
/// the code. Issued by the hub's administrator (`chevet-hub admin
/// first-pin-code`) and usable on any tablet of the professional's units
/// until it expires; each tablet checks it offline.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstPinCode {
    /// The PIN verifier format (version, Argon2id cost, salt, hash), base64.
    pub verifier: String,
    /// Milliseconds since the epoch.
    pub expires_at_ms: i64,
}

impl std::fmt::Debug for FirstPinCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FirstPinCode").field("expires_at_ms", &self.expires_at_ms).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nursing_roles_administer_medication() {
        assert!(Role::Nurse.has(Permission::AdministerMedication));
        assert!(!Role::CareAide.has(Permission::AdministerMedication));
        assert!(!Role::SocialCareAide.has(Permission::AdministerMedication));
        assert!(Role::CareAide.has(Permission::AssistMedicationIntake));
        assert!(!Role::CareAide.has(Permission::EditCarePlan));
    }
}
