//! The vitals entered together at the bedside: checked and scored before
//! saving, then kept whole or not at all.

use chevet_core::clinical::news2::{self, News2Risk};
use chevet_core::domain::Acvpu;
use chevet_core::views::{VitalProblem, VitalSet};

use crate::error::ChevetError;
use crate::ids::{RecordId, ResidentId};
use crate::records::ConsciousnessLevel;
use crate::store::{ChevetStore, ts};

crate::store::store_area!(
    /// Vitals entered together, previewed and scored before they are kept.
    /// Reached from the store: `store.vitals()`.
    Vitals,
    vitals
);

/// The NEWS2 clinical response.
#[uniffi::remote(Enum)]
pub enum News2Risk {
    Low,
    LowMedium,
    Medium,
    High,
}

/// What was typed; every measure is optional.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VitalSetEntry {
    pub resident_id: ResidentId,
    pub temperature: Option<f64>,
    pub pulse: Option<f64>,
    pub respiratory_rate: Option<f64>,
    pub oxygen_saturation: Option<f64>,
    pub systolic: Option<f64>,
    pub diastolic: Option<f64>,
    pub consciousness: Option<ConsciousnessLevel>,
    /// Supplemental oxygen in L/min; 0 is room air.
    pub oxygen_flow: Option<f64>,
    pub pain: Option<f64>,
    pub weight: Option<f64>,
    pub glucose: Option<f64>,
}

/// A value to look at before saving, said in French.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VitalProblemInfo {
    /// The measure's catalogue code (LOINC), to point at its field.
    pub loinc: String,
    /// "Température : 375 est impossible (entre 25 et 45 °C). 37,5 ?"
    pub message: String,
    /// The likely reading when the decimal point moved, or for glucose
    /// when it was typed in g/L (in mg/dL, the unit it is recorded in).
    pub likely: Option<f64>,
    /// The button that takes it, in French: « Corriger en 37,5 »,
    /// « 1,2 g/L = 120 mg/dL ».
    pub likely_label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct News2PartInfo {
    /// The parameter's short French name ("FR", "SpO2", "pouls").
    pub parameter: String,
    pub points: u8,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct News2Info {
    pub total: u8,
    pub risk: News2Risk,
    pub parts: Vec<News2PartInfo>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VitalSetPreviewInfo {
    pub problems: Vec<VitalProblemInfo>,
    /// Once the set is complete and plausible.
    pub news2: Option<News2Info>,
}

fn set_of(e: &VitalSetEntry) -> Result<VitalSet, ChevetError> {
    let blood_pressure = match (e.systolic, e.diastolic) {
        (Some(s), Some(d)) => Some((s, d)),
        (None, None) => None,
        _ => {
            return Err(ChevetError::InvalidInput {
                field: "blood_pressure".into(),
                reason: "systolic and diastolic go together".into(),
            });
        }
    };
    Ok(VitalSet {
        temperature: e.temperature,
        pulse: e.pulse,
        respiratory_rate: e.respiratory_rate,
        oxygen_saturation: e.oxygen_saturation,
        blood_pressure,
        consciousness: e.consciousness.map(|c| match c {
            ConsciousnessLevel::Alert => Acvpu::Alert,
            ConsciousnessLevel::NewConfusion => Acvpu::NewConfusion,
            ConsciousnessLevel::Voice => Acvpu::Voice,
            ConsciousnessLevel::Pain => Acvpu::Pain,
            ConsciousnessLevel::Unresponsive => Acvpu::Unresponsive,
        }),
        oxygen_flow: e.oxygen_flow,
        pain: e.pain,
        weight: e.weight,
        glucose: e.glucose,
    })
}

#[uniffi::export]
impl Vitals {
    /// What to look at before saving, and NEWS2 once the set is complete.
    pub fn preview_vital_set(&self, entry: VitalSetEntry) -> Result<VitalSetPreviewInfo, ChevetError> {
        let set = set_of(&entry)?;
        let p = self.core()?.preview_vital_set(entry.resident_id.0, &set)?;
        Ok(VitalSetPreviewInfo {
            problems: p
                .problems
                .into_iter()
                .map(|problem| {
                    let VitalProblem::Implausible { code, likely, .. } = &problem;
                    VitalProblemInfo {
                        loinc: code.spec().loinc.to_owned(),
                        message: problem.message_fr(),
                        likely: *likely,
                        likely_label: problem.likely_label_fr(),
                    }
                })
                .collect(),
            news2: p.news2.map(|n| News2Info {
                total: n.total,
                risk: n.risk,
                parts: n
                    .parts
                    .into_iter()
                    .map(|(name, points)| News2PartInfo { parameter: news2::parameter_fr(name).to_owned(), points })
                    .collect(),
            }),
        })
    }

    /// The unit glycaemia is typed in for this resident (« g/L » unless
    /// their establishment says « mg/dL »), for the field and its hints.
    pub fn glucose_unit(&self, resident_id: ResidentId) -> Result<String, ChevetError> {
        Ok(self.core()?.glucose_entry_unit_of(resident_id.0)?.label_fr().to_owned())
    }

    /// Keeps the whole set, or nothing; returns the records' ids.
    pub fn record_vital_set(&self, entry: VitalSetEntry, at_ms: i64) -> Result<Vec<RecordId>, ChevetError> {
        let set = set_of(&entry)?;
        let kept = self.core()?.record_vital_set(entry.resident_id.0, &set, ts(at_ms)?)?;
        Ok(kept.iter().map(|f| f.id().into()).collect())
    }
}
