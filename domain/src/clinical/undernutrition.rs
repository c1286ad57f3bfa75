//! Undernutrition in people aged 70 and over (HAS/FFN, November 2021):
//! the phenotypic criteria computed from the weight history and height.
//!
//! - weight loss ≥ 5 % in 1 month or ≥ 10 % in 6 months, or BMI < 22;
//! - severe: weight loss ≥ 10 % in 1 month or ≥ 15 % in 6 months, or BMI < 20.
//!
//! A diagnosis also needs an etiologic criterion (reduced intake,
//! malabsorption, disease) that the team assesses: Chevet raises an alert
//! to confirm, with the figures that triggered it. Losses are measured
//! against the weighing nearest to 1 month (± 10 days) and to 6 months
//! (± 30 days) before the latest one; without such a weighing that
//! criterion is not assessable, which the result says.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};

const MONTH_SECS: i64 = 30 * 86_400;
const SIX_MONTHS_SECS: i64 = 182 * 86_400;
const MONTH_TOLERANCE_SECS: i64 = 10 * 86_400;
const SIX_MONTHS_TOLERANCE_SECS: i64 = 30 * 86_400;

/// Thresholds, in case an establishment's medical team sets others.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub loss_1m_pct: f64,
    pub loss_6m_pct: f64,
    pub bmi: f64,
    pub severe_loss_1m_pct: f64,
    pub severe_loss_6m_pct: f64,
    pub severe_bmi: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            loss_1m_pct: 5.0,
            loss_6m_pct: 10.0,
            bmi: 22.0,
            severe_loss_1m_pct: 10.0,
            severe_loss_6m_pct: 15.0,
            severe_bmi: 20.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    None,
    /// Phenotypic criteria of undernutrition met: to confirm.
    Moderate,
    Severe,
}

/// Computed, never read back: serialisable for display and export only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub latest_kg: f64,
    pub bmi: Option<f64>,
    /// Percentage lost since the weighing about a month before (negative: gained).
    pub loss_1m_pct: Option<f64>,
    pub loss_6m_pct: Option<f64>,
    pub severity: Severity,
    /// Which criteria fired ("loss_1m", "loss_6m", "bmi").
    pub reasons: Vec<&'static str>,
}

fn nearest(history: &[(Timestamp, f64)], target: i64, tolerance: i64) -> Option<f64> {
    history
        .iter()
        .map(|(t, kg)| ((t.as_second() - target).abs(), *kg))
        .filter(|(d, _)| *d <= tolerance)
        .min_by_key(|(d, _)| *d)
        .map(|(_, kg)| kg)
}

/// Assesses the phenotypic criteria from a resident's weighings (any order)
/// and height. Only for people aged 70 and over.
pub fn assess(
    age_years: u32,
    height_cm: Option<f64>,
    history: &[(Timestamp, f64)],
    th: &Thresholds,
) -> Result<Assessment> {
    if age_years < 70 {
        return Err(DomainError::invalid("age", "the HAS 2021 criteria used here are for people aged 70 and over"));
    }
    if history.is_empty() {
        return Err(DomainError::MissingData { what: "weight history" });
    }
    if history.iter().any(|(_, kg)| !kg.is_finite() || *kg < 10.0 || *kg > 350.0) {
        return Err(DomainError::invalid("weight", "outside the plausible range"));
    }
    if let Some(h) = height_cm
        && (!h.is_finite() || !(40.0..=250.0).contains(&h))
    {
        return Err(DomainError::invalid("height", "outside the plausible range"));
    }
    let (latest_at, latest_kg) =
        history.iter().max_by_key(|(t, _)| *t).map(|(t, kg)| (t.as_second(), *kg)).unwrap_or((0, 0.0));
    let loss = |before: Option<f64>| before.map(|b| (b - latest_kg) / b * 100.0);
    let loss_1m_pct = loss(nearest(history, latest_at - MONTH_SECS, MONTH_TOLERANCE_SECS));
    let loss_6m_pct = loss(nearest(history, latest_at - SIX_MONTHS_SECS, SIX_MONTHS_TOLERANCE_SECS));
    // Rounded to 0.01 so a BMI of exactly 20 is not 19.999… in floating point.
    let bmi = height_cm.map(|h| (latest_kg / (h / 100.0).powi(2) * 100.0).round() / 100.0);

    let mut reasons = Vec::new();
    let mut severity = Severity::None;
    let mut check = |value: Option<f64>, reason, moderate: bool, severe: bool| {
        if value.is_some() && (moderate || severe) {
            reasons.push(reason);
            severity = severity.max(if severe { Severity::Severe } else { Severity::Moderate });
        }
    };
    check(
        loss_1m_pct,
        "loss_1m",
        loss_1m_pct.is_some_and(|l| l >= th.loss_1m_pct),
        loss_1m_pct.is_some_and(|l| l >= th.severe_loss_1m_pct),
    );
    check(
        loss_6m_pct,
        "loss_6m",
        loss_6m_pct.is_some_and(|l| l >= th.loss_6m_pct),
        loss_6m_pct.is_some_and(|l| l >= th.severe_loss_6m_pct),
    );
    check(bmi, "bmi", bmi.is_some_and(|b| b < th.bmi), bmi.is_some_and(|b| b < th.severe_bmi));
    Ok(Assessment { latest_kg, bmi, loss_1m_pct, loss_6m_pct, severity, reasons })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + d * 86_400).unwrap()
    }

    fn run(height: Option<f64>, history: &[(i64, f64)]) -> Assessment {
        let h: Vec<(Timestamp, f64)> = history.iter().map(|(d, kg)| (day(*d), *kg)).collect();
        assess(85, height, &h, &Thresholds::default()).unwrap()
    }

    #[test]
    fn one_month_loss_band_edges() {
        // 60 kg a month ago; 5 % = 57.0 kg; 10 % = 54.0 kg.
        let a = run(Some(150.0), &[(0, 60.0), (30, 57.1)]);
        assert_eq!(a.severity, Severity::None, "4.83 % and BMI 25.4");
        let a = run(Some(150.0), &[(0, 60.0), (30, 57.0)]);
        assert_eq!((a.severity, a.reasons.clone()), (Severity::Moderate, vec!["loss_1m"]));
        let a = run(Some(150.0), &[(0, 60.0), (30, 54.1)]);
        assert_eq!(a.severity, Severity::Moderate);
        let a = run(Some(150.0), &[(0, 60.0), (30, 54.0)]);
        assert_eq!(a.severity, Severity::Severe);
    }

    #[test]
    fn six_month_loss_band_edges() {
        // 70 kg six months ago; 10 % = 63.0; 15 % = 59.5. Height 160 keeps BMI ≥ 22 until 56.3 kg.
        assert_eq!(run(Some(160.0), &[(0, 70.0), (182, 63.1)]).severity, Severity::None);
        let a = run(Some(160.0), &[(0, 70.0), (182, 63.0)]);
        assert_eq!((a.severity, a.reasons.clone()), (Severity::Moderate, vec!["loss_6m"]));
        assert_eq!(run(Some(160.0), &[(0, 70.0), (182, 59.6)]).severity, Severity::Moderate);
        assert_eq!(run(Some(160.0), &[(0, 70.0), (182, 59.5)]).severity, Severity::Severe);
    }

    #[test]
    fn bmi_band_edges() {
        // 1.60 m: BMI 22 = 56.32 kg, BMI 20 = 51.2 kg.
        assert_eq!(run(Some(160.0), &[(0, 56.4)]).severity, Severity::None);
        assert_eq!(run(Some(160.0), &[(0, 56.3)]).severity, Severity::Moderate);
        assert_eq!(run(Some(160.0), &[(0, 51.2)]).severity, Severity::Moderate, "BMI exactly 20 is not severe");
        assert_eq!(run(Some(160.0), &[(0, 51.1)]).severity, Severity::Severe);
        // Without a height, BMI is not assessable rather than wrong.
        assert_eq!(run(None, &[(0, 40.0)]).bmi, None);
    }

    #[test]
    fn reference_weighings_must_be_near_the_interval() {
        // A weighing 50 days before is too far from "one month".
        let a = run(Some(150.0), &[(0, 60.0), (50, 55.0)]);
        assert_eq!(a.loss_1m_pct, None);
        // The nearest of several weighings is used.
        let a = run(Some(150.0), &[(0, 62.0), (22, 60.0), (52, 57.0)]);
        assert!((a.loss_1m_pct.unwrap() - 5.0).abs() < 1e-9);
    }

    #[test]
    fn bad_input_is_refused() {
        let th = Thresholds::default();
        assert!(matches!(assess(85, Some(160.0), &[], &th), Err(DomainError::MissingData { .. })));
        assert!(assess(65, Some(160.0), &[(day(0), 60.0)], &th).is_err());
        assert!(assess(85, Some(16.0), &[(day(0), 60.0)], &th).is_err());
        assert!(assess(85, Some(160.0), &[(day(0), f64::NAN)], &th).is_err());
    }
}
