//! Bedside scales, each with its published structure and bands; an answer
//! out of range is refused with the item it concerns.
//!
//! - Braden (pressure-injury risk): 6 items, 6–23; ≤ 9 very high, 10–12
//!   high, 13–14 moderate, 15–18 mild, ≥ 19 none.
//! - Norton (pressure-injury risk): 5 items 1–4, 5–20; at risk at or below a
//!   threshold the establishment sets (14 by default; some use 13).
//! - Algoplus (acute pain, non-communicating elderly): 5 yes/no, pain at ≥ 2.
//! - Doloplus (chronic pain): 10 items 0–3, 0–30, pain at ≥ 5.
//! - EN/EVA (self-report): 0–10; 1–3 mild, 4–6 moderate, ≥ 7 severe.
//! - MNA-SF (nutrition screening): 6 items, 0–14; 12–14 normal, 8–11 at
//!   risk, 0–7 malnourished.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};

fn item(name: &'static str, v: u8, min: u8, max: u8) -> Result<u8> {
    if (min..=max).contains(&v) { Ok(v) } else { Err(DomainError::invalid(name, "answer out of the item's range")) }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PressureRisk {
    None,
    Mild,
    Moderate,
    High,
    VeryHigh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Braden {
    pub sensory_perception: u8,
    pub moisture: u8,
    pub activity: u8,
    pub mobility: u8,
    pub nutrition: u8,
    pub friction_shear: u8,
}

impl Braden {
    pub fn score(&self) -> Result<(u8, PressureRisk)> {
        let total = item("braden.sensory_perception", self.sensory_perception, 1, 4)?
            + item("braden.moisture", self.moisture, 1, 4)?
            + item("braden.activity", self.activity, 1, 4)?
            + item("braden.mobility", self.mobility, 1, 4)?
            + item("braden.nutrition", self.nutrition, 1, 4)?
            + item("braden.friction_shear", self.friction_shear, 1, 3)?;
        let risk = match total {
            0..=9 => PressureRisk::VeryHigh,
            10..=12 => PressureRisk::High,
            13..=14 => PressureRisk::Moderate,
            15..=18 => PressureRisk::Mild,
            _ => PressureRisk::None,
        };
        Ok((total, risk))
    }
}

/// Norton items, each 1 (worst) to 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Norton {
    pub physical_condition: u8,
    pub mental_condition: u8,
    pub activity: u8,
    pub mobility: u8,
    pub incontinence: u8,
}

impl Norton {
    /// The total and whether it is at or below `at_risk_threshold`.
    pub fn score(&self, at_risk_threshold: u8) -> Result<(u8, bool)> {
        let total = item("norton.physical_condition", self.physical_condition, 1, 4)?
            + item("norton.mental_condition", self.mental_condition, 1, 4)?
            + item("norton.activity", self.activity, 1, 4)?
            + item("norton.mobility", self.mobility, 1, 4)?
            + item("norton.incontinence", self.incontinence, 1, 4)?;
        Ok((total, total <= at_risk_threshold))
    }
}

/// Algoplus: face, gaze, complaints, body, behaviour — each observed or not.
pub fn algoplus(items: [bool; 5]) -> (u8, bool) {
    let total = items.iter().filter(|b| **b).count() as u8;
    (total, total >= 2)
}

/// Doloplus: ten items 0–3 (somatic 1–5, psychomotor 6–7, psychosocial 8–10).
pub fn doloplus(items: [u8; 10]) -> Result<(u8, bool)> {
    let mut total = 0;
    for (i, v) in items.iter().enumerate() {
        if *v > 3 {
            return Err(DomainError::InvalidInput {
                field: DOLOPLUS_ITEMS[i],
                reason: "answer out of the item's range",
            });
        }
        total += v;
    }
    Ok((total, total >= 5))
}

const DOLOPLUS_ITEMS: [&str; 10] = [
    "doloplus.somatic_complaints",
    "doloplus.protective_postures",
    "doloplus.protection_of_sore_areas",
    "doloplus.expression",
    "doloplus.sleep",
    "doloplus.washing_dressing",
    "doloplus.mobility",
    "doloplus.communication",
    "doloplus.social_life",
    "doloplus.behaviour_problems",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PainIntensity {
    None,
    Mild,
    Moderate,
    Severe,
}

/// Numeric (EN, integers) or visual analogue (EVA) self-report, 0–10.
pub fn self_reported_pain(value: f64) -> Result<PainIntensity> {
    if !value.is_finite() || !(0.0..=10.0).contains(&value) {
        return Err(DomainError::invalid("pain", "self-reported pain is 0 to 10"));
    }
    Ok(if value < 1e-9 {
        PainIntensity::None
    } else if value < 4.0 {
        PainIntensity::Mild
    } else if value < 7.0 {
        PainIntensity::Moderate
    } else {
        PainIntensity::Severe
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NutritionStatus {
    Malnourished,
    AtRisk,
    Normal,
}

/// MNA-SF answers. F: BMI item (0–3), or calf circumference (0 or 3) when
/// the BMI cannot be measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MnaSf {
    pub food_intake_decline: u8,
    pub weight_loss: u8,
    pub mobility: u8,
    /// 0 (yes) or 2 (no).
    pub psychological_stress_or_acute_disease: u8,
    pub neuropsychological_problems: u8,
    pub bmi_item: Option<u8>,
    pub calf_circumference_item: Option<u8>,
}

impl MnaSf {
    pub fn score(&self) -> Result<(u8, NutritionStatus)> {
        let d = self.psychological_stress_or_acute_disease;
        if d != 0 && d != 2 {
            return Err(DomainError::invalid("mna_sf.psychological_stress_or_acute_disease", "answer is 0 or 2"));
        }
        let f = match (self.bmi_item, self.calf_circumference_item) {
            (Some(b), _) => item("mna_sf.bmi", b, 0, 3)?,
            (None, Some(c)) if c == 0 || c == 3 => c,
            (None, Some(_)) => return Err(DomainError::invalid("mna_sf.calf_circumference", "answer is 0 or 3")),
            (None, None) => return Err(DomainError::MissingData { what: "MNA-SF item F (BMI or calf circumference)" }),
        };
        let total = item("mna_sf.food_intake_decline", self.food_intake_decline, 0, 2)?
            + item("mna_sf.weight_loss", self.weight_loss, 0, 3)?
            + item("mna_sf.mobility", self.mobility, 0, 2)?
            + d
            + item("mna_sf.neuropsychological_problems", self.neuropsychological_problems, 0, 2)?
            + f;
        let status = match total {
            12..=14 => NutritionStatus::Normal,
            8..=11 => NutritionStatus::AtRisk,
            _ => NutritionStatus::Malnourished,
        };
        Ok((total, status))
    }
}

/// A scale's answers as recorded at the bedside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScaleAnswers {
    Braden(Braden),
    Norton(Norton),
    Algoplus([bool; 5]),
    Doloplus([u8; 10]),
    MnaSf(MnaSf),
    Aggir(super::aggir::AggirGrid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScaleKind {
    Braden,
    Norton,
    Algoplus,
    Doloplus,
    MnaSf,
    Aggir,
}

/// What a recorded scale says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaleResult {
    pub total: u8,
    /// The result in French, as the screen and exports show it.
    pub summary_fr: String,
    /// Past the scale's threshold (pain, risk, undernutrition, GIR 1–2).
    pub positive: bool,
}

impl ScaleAnswers {
    pub fn kind(&self) -> ScaleKind {
        match self {
            ScaleAnswers::Braden(_) => ScaleKind::Braden,
            ScaleAnswers::Norton(_) => ScaleKind::Norton,
            ScaleAnswers::Algoplus(_) => ScaleKind::Algoplus,
            ScaleAnswers::Doloplus(_) => ScaleKind::Doloplus,
            ScaleAnswers::MnaSf(_) => ScaleKind::MnaSf,
            ScaleAnswers::Aggir(_) => ScaleKind::Aggir,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ScaleAnswers::Braden(_) => "Braden",
            ScaleAnswers::Norton(_) => "Norton",
            ScaleAnswers::Algoplus(_) => "Algoplus",
            ScaleAnswers::Doloplus(_) => "Doloplus",
            ScaleAnswers::MnaSf(_) => "MNA-SF",
            ScaleAnswers::Aggir(_) => "AGGIR",
        }
    }

    /// Scores the answers; an answer out of its item's range is refused
    /// with the item named. Norton is read at `norton_threshold`.
    pub fn evaluate(&self, norton_threshold: u8) -> Result<ScaleResult> {
        let r = |total: u8, summary_fr: String, positive: bool| ScaleResult { total, summary_fr, positive };
        Ok(match self {
            ScaleAnswers::Braden(b) => {
                let (t, risk) = b.score()?;
                let label = match risk {
                    PressureRisk::VeryHigh => "risque très élevé",
                    PressureRisk::High => "risque élevé",
                    PressureRisk::Moderate => "risque modéré",
                    PressureRisk::Mild => "risque faible",
                    PressureRisk::None => "pas de risque",
                };
                r(t, format!("Braden {t}/23 : {label} d'escarre"), risk >= PressureRisk::High)
            }
            ScaleAnswers::Norton(n) => {
                let (t, at_risk) = n.score(norton_threshold)?;
                let label = if at_risk { "à risque d'escarre" } else { "pas de risque d'escarre" };
                r(t, format!("Norton {t}/20 : {label}"), at_risk)
            }
            ScaleAnswers::Algoplus(items) => {
                let (t, pain) = algoplus(*items);
                r(
                    t,
                    format!("Algoplus {t}/5 : {}", if pain { "douleur probable" } else { "pas de douleur repérée" }),
                    pain,
                )
            }
            ScaleAnswers::Doloplus(items) => {
                let (t, pain) = doloplus(*items)?;
                r(t, format!("Doloplus {t}/30 : {}", if pain { "douleur" } else { "pas de douleur repérée" }), pain)
            }
            ScaleAnswers::MnaSf(m) => {
                let (t, status) = m.score()?;
                let label = match status {
                    NutritionStatus::Normal => "état nutritionnel normal",
                    NutritionStatus::AtRisk => "à risque de dénutrition",
                    NutritionStatus::Malnourished => "dénutrition",
                };
                r(t, format!("MNA-SF {t}/14 : {label}"), status == NutritionStatus::Malnourished)
            }
            ScaleAnswers::Aggir(grid) => {
                let g = super::aggir::gir(grid);
                r(g.gir, format!("AGGIR : GIR {}", g.gir), g.gir <= 2)
            }
        })
    }

    /// Pain scales speak of now; the others of the coming weeks.
    pub fn is_pain_scale(&self) -> bool {
        matches!(self, ScaleAnswers::Algoplus(_) | ScaleAnswers::Doloplus(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_scales_evaluate_with_their_thresholds() {
        let algo = ScaleAnswers::Algoplus([true, false, true, false, false]).evaluate(14).unwrap();
        assert_eq!((algo.total, algo.positive), (2, true));
        assert_eq!(algo.summary_fr, "Algoplus 2/5 : douleur probable");
        assert!(!ScaleAnswers::Algoplus([true, false, false, false, false]).evaluate(14).unwrap().positive);
        assert!(ScaleAnswers::Doloplus([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]).evaluate(14).unwrap().positive);
        assert!(!ScaleAnswers::Doloplus([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]).evaluate(14).unwrap().positive);
        assert!(matches!(
            ScaleAnswers::Doloplus([0, 0, 4, 0, 0, 0, 0, 0, 0, 0]).evaluate(14),
            Err(DomainError::InvalidInput { field: "doloplus.protection_of_sore_areas", .. })
        ));
        let b = ScaleAnswers::Braden(braden([2, 2, 2, 2, 2, 2])).evaluate(14).unwrap();
        assert_eq!((b.total, b.positive), (12, true));
        assert!(!ScaleAnswers::Braden(braden([3, 3, 3, 2, 2, 2])).evaluate(14).unwrap().positive);
    }

    fn braden(total_items: [u8; 6]) -> Braden {
        let [a, b, c, d, e, f] = total_items;
        Braden { sensory_perception: a, moisture: b, activity: c, mobility: d, nutrition: e, friction_shear: f }
    }

    #[test]
    fn braden_band_edges() {
        let cases = [
            ([1, 1, 1, 1, 1, 1], 6, PressureRisk::VeryHigh),
            ([2, 2, 2, 1, 1, 1], 9, PressureRisk::VeryHigh),
            ([2, 2, 2, 2, 1, 1], 10, PressureRisk::High),
            ([2, 2, 2, 2, 2, 2], 12, PressureRisk::High),
            ([3, 2, 2, 2, 2, 2], 13, PressureRisk::Moderate),
            ([3, 3, 2, 2, 2, 2], 14, PressureRisk::Moderate),
            ([3, 3, 3, 2, 2, 2], 15, PressureRisk::Mild),
            ([3, 3, 3, 3, 3, 3], 18, PressureRisk::Mild),
            ([4, 3, 3, 3, 3, 3], 19, PressureRisk::None),
            ([4, 4, 4, 4, 4, 3], 23, PressureRisk::None),
        ];
        for (items, total, risk) in cases {
            assert_eq!(braden(items).score().unwrap(), (total, risk), "{items:?}");
        }
        assert!(matches!(
            braden([4, 4, 4, 4, 4, 4]).score(),
            Err(DomainError::InvalidInput { field: "braden.friction_shear", .. })
        ));
        assert!(braden([0, 4, 4, 4, 4, 3]).score().is_err());
    }

    #[test]
    fn norton_threshold_both_sides() {
        let n =
            |v: u8| Norton { physical_condition: v, mental_condition: 3, activity: 3, mobility: 3, incontinence: 3 };
        assert_eq!(n(2).score(14).unwrap(), (14, true));
        assert_eq!(n(3).score(14).unwrap(), (15, false));
        assert_eq!(n(2).score(13).unwrap(), (14, false), "with the stricter threshold");
        assert!(n(5).score(14).is_err());
    }

    #[test]
    fn algoplus_and_doloplus_thresholds() {
        assert_eq!(algoplus([true, false, false, false, false]), (1, false));
        assert_eq!(algoplus([true, true, false, false, false]), (2, true));
        assert_eq!(doloplus([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]).unwrap(), (4, false));
        assert_eq!(doloplus([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]).unwrap(), (5, true));
        assert_eq!(doloplus([3; 10]).unwrap(), (30, true));
        assert!(matches!(
            doloplus([0, 0, 0, 0, 0, 0, 0, 0, 0, 4]),
            Err(DomainError::InvalidInput { field: "doloplus.behaviour_problems", .. })
        ));
    }

    #[test]
    fn self_report_bands() {
        assert_eq!(self_reported_pain(0.0).unwrap(), PainIntensity::None);
        assert_eq!(self_reported_pain(3.0).unwrap(), PainIntensity::Mild);
        assert_eq!(self_reported_pain(3.9).unwrap(), PainIntensity::Mild);
        assert_eq!(self_reported_pain(4.0).unwrap(), PainIntensity::Moderate);
        assert_eq!(self_reported_pain(6.0).unwrap(), PainIntensity::Moderate);
        assert_eq!(self_reported_pain(7.0).unwrap(), PainIntensity::Severe);
        assert!(self_reported_pain(11.0).is_err());
        assert!(self_reported_pain(-1.0).is_err());
    }

    #[test]
    fn mna_sf_bands_and_items() {
        let m = |a, b, f| MnaSf {
            food_intake_decline: a,
            weight_loss: b,
            mobility: 2,
            psychological_stress_or_acute_disease: 2,
            neuropsychological_problems: 2,
            bmi_item: Some(f),
            calf_circumference_item: None,
        };
        assert_eq!(m(2, 3, 3).score().unwrap(), (14, NutritionStatus::Normal));
        assert_eq!(m(2, 2, 2).score().unwrap(), (12, NutritionStatus::Normal));
        assert_eq!(m(2, 1, 2).score().unwrap(), (11, NutritionStatus::AtRisk));
        assert_eq!(m(0, 0, 2).score().unwrap(), (8, NutritionStatus::AtRisk));
        assert_eq!(m(0, 0, 1).score().unwrap(), (7, NutritionStatus::Malnourished));
        let mut bad = m(2, 3, 3);
        bad.psychological_stress_or_acute_disease = 1;
        assert!(bad.score().is_err());
        let calf = MnaSf { bmi_item: None, calf_circumference_item: Some(3), ..m(2, 3, 3) };
        assert_eq!(calf.score().unwrap().0, 14);
        let none = MnaSf { bmi_item: None, calf_circumference_item: None, ..m(2, 3, 3) };
        assert!(matches!(none.score(), Err(DomainError::MissingData { .. })));
    }
}
