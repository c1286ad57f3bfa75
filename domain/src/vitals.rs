//! The vitals catalogue: LOINC code, UCUM unit and the plausible range of
//! each measure. A value outside its plausible range is refused: it is a
//! typo or a device fault, never a reading (alert ranges are clinical rules,
//! elsewhere).

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VitalCode {
    Weight,
    Height,
    Bmi,
    BloodPressure,
    HeartRate,
    RespiratoryRate,
    Temperature,
    OxygenSaturation,
    Glucose,
    Pain,
    /// Level of consciousness, ACVPU (NEWS2).
    Consciousness,
    /// Supplemental oxygen flow; 0 means room air (NEWS2).
    OxygenFlow,
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VitalSpec {
    pub code: VitalCode,
    pub loinc: &'static str,
    pub ucum: &'static str,
    pub label_fr: &'static str,
    pub plausible_min: f64,
    pub plausible_max: f64,
    /// Default alert range (the establishment may set its own): a value
    /// below `alert_low` or above `alert_high` stands out on the round.
    pub alert_low: Option<f64>,
    pub alert_high: Option<f64>,
}

/// Systolic and diastolic components of the blood-pressure panel.
pub const LOINC_SYSTOLIC: &str = "8480-6";
pub const LOINC_DIASTOLIC: &str = "8462-4";
const SYSTOLIC_RANGE: (f64, f64) = (40.0, 300.0);
const DIASTOLIC_RANGE: (f64, f64) = (20.0, 200.0);

const CATALOGUE: [VitalSpec; 12] = [
    VitalSpec {
        code: VitalCode::Weight,
        loinc: "29463-7",
        ucum: "kg",
        label_fr: "Poids",
        plausible_min: 10.0,
        plausible_max: 350.0,
        alert_low: None,
        alert_high: None,
    },
    VitalSpec {
        code: VitalCode::Height,
        loinc: "8302-2",
        ucum: "cm",
        label_fr: "Taille",
        plausible_min: 40.0,
        plausible_max: 250.0,
        alert_low: None,
        alert_high: None,
    },
    VitalSpec {
        code: VitalCode::Bmi,
        loinc: "39156-5",
        ucum: "kg/m2",
        label_fr: "IMC",
        plausible_min: 8.0,
        plausible_max: 100.0,
        alert_low: None,
        alert_high: None,
    },
    VitalSpec {
        code: VitalCode::BloodPressure,
        loinc: "85354-9",
        ucum: "mm[Hg]",
        label_fr: "Tension artérielle",
        plausible_min: 20.0,
        plausible_max: 300.0,
        alert_low: Some(90.0),
        alert_high: Some(180.0),
    },
    VitalSpec {
        code: VitalCode::HeartRate,
        loinc: "8867-4",
        ucum: "/min",
        label_fr: "Pouls",
        plausible_min: 20.0,
        plausible_max: 300.0,
        alert_low: Some(50.0),
        alert_high: Some(120.0),
    },
    VitalSpec {
        code: VitalCode::RespiratoryRate,
        loinc: "9279-1",
        ucum: "/min",
        label_fr: "Fréquence respiratoire",
        plausible_min: 3.0,
        plausible_max: 80.0,
        alert_low: Some(10.0),
        alert_high: Some(24.0),
    },
    VitalSpec {
        code: VitalCode::Temperature,
        loinc: "8310-5",
        ucum: "Cel",
        label_fr: "Température",
        plausible_min: 25.0,
        plausible_max: 45.0,
        alert_low: Some(35.5),
        alert_high: Some(38.0),
    },
    VitalSpec {
        code: VitalCode::OxygenSaturation,
        loinc: "2708-6",
        ucum: "%",
        label_fr: "SpO2",
        plausible_min: 30.0,
        plausible_max: 100.0,
        alert_low: Some(92.0),
        alert_high: None,
    },
    VitalSpec {
        code: VitalCode::Glucose,
        loinc: "2345-7",
        ucum: "mg/dL",
        label_fr: "Glycémie",
        plausible_min: 10.0,
        plausible_max: 1500.0,
        alert_low: Some(70.0),
        alert_high: Some(300.0),
    },
    VitalSpec {
        code: VitalCode::Pain,
        loinc: "72514-3",
        ucum: "{score}",
        label_fr: "Douleur (EN/EVA)",
        plausible_min: 0.0,
        plausible_max: 10.0,
        alert_low: None,
        alert_high: Some(3.0),
    },
    // ACVPU: any level but Alert stands out (new confusion included).
    VitalSpec {
        code: VitalCode::Consciousness,
        loinc: "80288-4",
        ucum: "{ACVPU}",
        label_fr: "Conscience (ACVPU)",
        plausible_min: 0.0,
        plausible_max: 4.0,
        alert_low: None,
        alert_high: Some(0.0),
    },
    VitalSpec {
        code: VitalCode::OxygenFlow,
        loinc: "3151-8",
        ucum: "L/min",
        label_fr: "Oxygène",
        plausible_min: 0.0,
        plausible_max: 15.0,
        alert_low: None,
        alert_high: None,
    },
];

impl VitalCode {
    pub const ALL: [VitalCode; 12] = [
        VitalCode::Weight,
        VitalCode::Height,
        VitalCode::Bmi,
        VitalCode::BloodPressure,
        VitalCode::HeartRate,
        VitalCode::RespiratoryRate,
        VitalCode::Temperature,
        VitalCode::OxygenSaturation,
        VitalCode::Glucose,
        VitalCode::Pain,
        VitalCode::Consciousness,
        VitalCode::OxygenFlow,
    ];

    pub fn spec(self) -> &'static VitalSpec {
        // CATALOGUE is ordered as ALL; the position is the discriminant.
        &CATALOGUE[self as usize]
    }

    pub fn loinc(self) -> &'static str {
        self.spec().loinc
    }
}

/// Level of consciousness on the ACVPU scale (NEWS2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Acvpu {
    Alert,
    /// New confusion (not the resident's usual state).
    NewConfusion,
    Voice,
    Pain,
    Unresponsive,
}

impl Acvpu {
    pub fn label_fr(self) -> &'static str {
        match self {
            Acvpu::Alert => "alerte",
            Acvpu::NewConfusion => "confusion nouvelle",
            Acvpu::Voice => "réagit à la voix",
            Acvpu::Pain => "réagit à la douleur",
            Acvpu::Unresponsive => "aréactif",
        }
    }
}

/// A measured value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum ObservationValue {
    Quantity(f64),
    BloodPressure { systolic: f64, diastolic: f64 },
    Consciousness(Acvpu),
}

fn check(code: VitalCode, unit: &'static str, (min, max): (f64, f64), v: f64) -> Result<()> {
    if !v.is_finite() || v < min || v > max {
        return Err(DomainError::ImplausibleValue { code: code.loinc(), unit, min, max });
    }
    Ok(())
}

/// Refuses a value no living person shows, or of the wrong shape.
pub fn validate(code: VitalCode, value: &ObservationValue) -> Result<()> {
    let spec = code.spec();
    match (code, value) {
        (VitalCode::BloodPressure, ObservationValue::BloodPressure { systolic, diastolic }) => {
            check(code, spec.ucum, SYSTOLIC_RANGE, *systolic)?;
            check(code, spec.ucum, DIASTOLIC_RANGE, *diastolic)?;
            if diastolic >= systolic {
                return Err(DomainError::invalid("blood_pressure", "diastolic must be below systolic"));
            }
            Ok(())
        }
        (VitalCode::BloodPressure, _) => {
            Err(DomainError::invalid("blood_pressure", "needs systolic and diastolic values"))
        }
        (VitalCode::Consciousness, ObservationValue::Consciousness(_)) => Ok(()),
        (VitalCode::Consciousness, _) | (_, ObservationValue::Consciousness(_)) => {
            Err(DomainError::invalid("consciousness", "an ACVPU level, for the consciousness code only"))
        }
        (_, ObservationValue::Quantity(v)) => check(code, spec.ucum, (spec.plausible_min, spec.plausible_max), *v),
        (_, ObservationValue::BloodPressure { .. }) => {
            Err(DomainError::invalid("observation", "only blood pressure has two components"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_order_matches_codes() {
        for c in VitalCode::ALL {
            assert_eq!(c.spec().code, c);
        }
        assert_eq!(VitalCode::OxygenSaturation.loinc(), "2708-6");
        assert_eq!(VitalCode::Pain.loinc(), "72514-3");
    }

    #[test]
    fn plausible_edges() {
        let t = VitalCode::Temperature;
        assert!(validate(t, &ObservationValue::Quantity(25.0)).is_ok());
        assert!(validate(t, &ObservationValue::Quantity(45.0)).is_ok());
        assert!(matches!(validate(t, &ObservationValue::Quantity(375.0)), Err(DomainError::ImplausibleValue { .. })));
        assert!(validate(t, &ObservationValue::Quantity(24.9)).is_err());
        assert!(validate(t, &ObservationValue::Quantity(f64::NAN)).is_err());
        assert!(validate(VitalCode::Pain, &ObservationValue::Quantity(11.0)).is_err());
    }

    #[test]
    fn blood_pressure_shape_and_order() {
        let bp = VitalCode::BloodPressure;
        assert!(validate(bp, &ObservationValue::BloodPressure { systolic: 132.0, diastolic: 78.0 }).is_ok());
        assert!(validate(bp, &ObservationValue::BloodPressure { systolic: 78.0, diastolic: 132.0 }).is_err());
        assert!(validate(bp, &ObservationValue::Quantity(120.0)).is_err());
        assert!(
            validate(VitalCode::HeartRate, &ObservationValue::BloodPressure { systolic: 1.0, diastolic: 0.0 }).is_err()
        );
    }
}
