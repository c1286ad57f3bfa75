//! Units as care workers type them, and the values they mistype.
//!
//! French practice records glycaemia in g/L while ANS's Mesures de santé
//! profile accepts only mg/dL; meters may show mmol/L. A value outside what
//! a living person shows is refused (see `domain::vitals`); when moving the
//! decimal point makes it plausible (37.5 typed 375), we suggest that value.

use serde::{Deserialize, Serialize};

use crate::VitalCode;
use crate::error::{DomainError, Result};

/// Glucose: 1 mmol/L = 18.016 mg/dL (molar mass 180.16 g/mol); 1 g/L = 100 mg/dL.
pub const MG_DL_PER_MMOL_L: f64 = 18.016;

/// A glycaemia's unit. An establishment enters glycaemia in one of them
/// (g/L by default, as French teams write it); the record keeps mg/dL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum GlucoseUnit {
    #[default]
    GramsPerLitre,
    MilligramsPerDecilitre,
    MillimolesPerLitre,
}

impl GlucoseUnit {
    /// UCUM code.
    pub fn ucum(self) -> &'static str {
        match self {
            GlucoseUnit::GramsPerLitre => "g/L",
            GlucoseUnit::MilligramsPerDecilitre => "mg/dL",
            GlucoseUnit::MillimolesPerLitre => "mmol/L",
        }
    }

    pub fn from_ucum(code: &str) -> Result<Self> {
        match code {
            "g/L" => Ok(GlucoseUnit::GramsPerLitre),
            "mg/dL" => Ok(GlucoseUnit::MilligramsPerDecilitre),
            "mmol/L" => Ok(GlucoseUnit::MillimolesPerLitre),
            _ => Err(DomainError::invalid("glucose unit", "expected g/L, mg/dL or mmol/L")),
        }
    }

    /// The unit as the field and its hints say it.
    pub fn label_fr(self) -> &'static str {
        match self {
            GlucoseUnit::GramsPerLitre => "g/L",
            GlucoseUnit::MilligramsPerDecilitre => "mg/dL",
            GlucoseUnit::MillimolesPerLitre => "mmol/L",
        }
    }

    /// A value typed in this unit, in the record's mg/dL.
    pub fn to_mg_dl(self, v: f64) -> f64 {
        match self {
            GlucoseUnit::GramsPerLitre => v * 100.0,
            GlucoseUnit::MilligramsPerDecilitre => v,
            GlucoseUnit::MillimolesPerLitre => v * MG_DL_PER_MMOL_L,
        }
    }

    /// A value of the record (mg/dL) in this unit.
    pub fn of_mg_dl(self, v: f64) -> f64 {
        match self {
            GlucoseUnit::GramsPerLitre => v / 100.0,
            GlucoseUnit::MilligramsPerDecilitre => v,
            GlucoseUnit::MillimolesPerLitre => v / MG_DL_PER_MMOL_L,
        }
    }
}

/// Converts a glycaemia between units.
pub fn convert_glucose(value: f64, from: GlucoseUnit, to: GlucoseUnit) -> Result<f64> {
    if !value.is_finite() || value < 0.0 {
        return Err(DomainError::invalid("glucose", "not a measurement"));
    }
    Ok(to.of_mg_dl(from.to_mg_dl(value)))
}

/// A plausible reading of a value typed with the decimal point misplaced
/// (375 → 37.5, 9 → 90 for SpO2), or None if the value is plausible as is
/// or no shift makes it so.
///
/// Never for glucose: French care teams write glycaemia in g/L, and « 1,20 »
/// shifted to 12 mg/dL would record a profound hypoglycaemia in one tap.
/// A glucose value out of range is offered in the other unit instead
/// ([`glucose_typed_in_grams_per_litre`]).
pub fn typo_hint(code: VitalCode, value: f64) -> Option<f64> {
    if code == VitalCode::Glucose {
        return None;
    }
    let spec = code.spec();
    let plausible = |v: f64| v.is_finite() && v >= spec.plausible_min && v <= spec.plausible_max;
    if plausible(value) {
        return None;
    }
    [0.1, 0.01, 10.0].into_iter().map(|f| value * f).find(|v| plausible(*v)).map(|v| (v * 100.0).round() / 100.0)
}

/// A glucose value not plausible in mg/dL (the unit it is recorded in) but
/// plausible read as g/L, the unit French teams write: « 1,20 » is 120 mg/dL.
/// Returns the value in mg/dL, for the screen to offer with both units said.
pub fn glucose_typed_in_grams_per_litre(value: f64) -> Option<f64> {
    glucose_in_the_other_unit(GlucoseUnit::MilligramsPerDecilitre, value).map(|(_, v)| v)
}

/// A glycaemia typed in `entry` that is not plausible, read in the unit it
/// is mistaken for (g/L ↔ mg/dL) when that makes it plausible: that other
/// unit, and the value in `entry` to offer (« 120 mg/dL = 1,2 g/L » where
/// g/L is entered; « 1,2 g/L = 120 mg/dL » where mg/dL is). Never a power
/// of ten without its unit said.
pub fn glucose_in_the_other_unit(entry: GlucoseUnit, typed: f64) -> Option<(GlucoseUnit, f64)> {
    let spec = VitalCode::Glucose.spec();
    let plausible = |mg_dl: f64| mg_dl.is_finite() && mg_dl >= spec.plausible_min && mg_dl <= spec.plausible_max;
    if !typed.is_finite() || typed < 0.0 || plausible(entry.to_mg_dl(typed)) {
        return None;
    }
    let other = match entry {
        GlucoseUnit::GramsPerLitre => GlucoseUnit::MilligramsPerDecilitre,
        GlucoseUnit::MilligramsPerDecilitre => GlucoseUnit::GramsPerLitre,
        GlucoseUnit::MillimolesPerLitre => return None,
    };
    let mg_dl = other.to_mg_dl(typed);
    plausible(mg_dl).then(|| (other, (entry.of_mg_dl(mg_dl) * 100.0).round() / 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glucose_conversions() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(
            convert_glucose(1.26, GlucoseUnit::GramsPerLitre, GlucoseUnit::MilligramsPerDecilitre).unwrap(),
            126.0
        ));
        assert!(close(
            convert_glucose(126.0, GlucoseUnit::MilligramsPerDecilitre, GlucoseUnit::GramsPerLitre).unwrap(),
            1.26
        ));
        let mmol =
            convert_glucose(126.0, GlucoseUnit::MilligramsPerDecilitre, GlucoseUnit::MillimolesPerLitre).unwrap();
        assert!((mmol - 6.99).abs() < 0.01, "{mmol}");
        let back = convert_glucose(mmol, GlucoseUnit::MillimolesPerLitre, GlucoseUnit::GramsPerLitre).unwrap();
        assert!(close(back, 1.26));
        assert!(convert_glucose(-1.0, GlucoseUnit::GramsPerLitre, GlucoseUnit::MilligramsPerDecilitre).is_err());
        assert!(GlucoseUnit::from_ucum("mg/L").is_err());
        assert_eq!(GlucoseUnit::from_ucum("mmol/L").unwrap(), GlucoseUnit::MillimolesPerLitre);
    }

    #[test]
    fn decimal_point_typos() {
        assert_eq!(typo_hint(VitalCode::Temperature, 375.0), Some(37.5));
        assert_eq!(typo_hint(VitalCode::Temperature, 3750.0), Some(37.5));
        assert_eq!(typo_hint(VitalCode::OxygenSaturation, 9.5), Some(95.0));
        assert_eq!(typo_hint(VitalCode::Temperature, 37.5), None, "plausible values get no hint");
        assert_eq!(typo_hint(VitalCode::Pain, 75.0), Some(7.5));
        assert_eq!(typo_hint(VitalCode::HeartRate, -80.0), None);
    }

    #[test]
    fn glucose_is_never_shifted_by_a_power_of_ten_but_offered_in_grams_per_litre() {
        // « 1,20 » typed for 1,20 g/L must never become 12 mg/dL.
        for typed in [1.2, 1.20, 0.6, 2.5, 0.45, 4.0, 9.0, 9.99, 15000.0, 0.05] {
            assert_eq!(typo_hint(VitalCode::Glucose, typed), None, "{typed}");
        }
        assert_eq!(glucose_typed_in_grams_per_litre(1.2), Some(120.0));
        assert_eq!(glucose_typed_in_grams_per_litre(0.45), Some(45.0));
        assert_eq!(glucose_typed_in_grams_per_litre(120.0), None, "plausible in mg/dL as typed");
        assert_eq!(glucose_typed_in_grams_per_litre(0.05), None, "5 mg/dL is not plausible either");
        assert_eq!(glucose_typed_in_grams_per_litre(f64::NAN), None);
        // Where g/L is entered, « 120 » was mg/dL: offered as 1,2 g/L.
        let gl = GlucoseUnit::GramsPerLitre;
        assert_eq!(glucose_in_the_other_unit(gl, 120.0), Some((GlucoseUnit::MilligramsPerDecilitre, 1.2)));
        assert_eq!(glucose_in_the_other_unit(gl, 1.2), None, "plausible in g/L as typed");
        assert_eq!(glucose_in_the_other_unit(gl, 0.05), None, "5 mg/dL is not plausible either");
        assert_eq!(glucose_in_the_other_unit(GlucoseUnit::MillimolesPerLitre, 500.0), None);
    }
}
