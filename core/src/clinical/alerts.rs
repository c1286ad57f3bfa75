//! Alerts: what makes a resident stand out on the round before anyone reads
//! the notes, and why. Thresholds are the establishment's (its medical team
//! sets them); the defaults are common geriatric practice.

use serde::{Deserialize, Serialize};

use super::undernutrition::{self, Severity, Thresholds};
use crate::domain::{ObservationValue, VitalCode};
use crate::store::LatestVital;

/// How soon someone should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlertLevel {
    Watch,
    Act,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertKind {
    /// A vital outside its alert range.
    Vital(VitalCode),
    /// HAS 2021 phenotypic criteria of undernutrition.
    Undernutrition,
}

/// An alert and the figures that raised it, in French for the screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub level: AlertLevel,
    pub why: String,
}

/// Alert range of one vital: outside [low, high] raises an alert.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VitalRange {
    pub code: VitalCode,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// An establishment's alert settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSettings {
    pub vital_ranges: Vec<VitalRange>,
    /// Systolic / diastolic alert ranges (mm[Hg]).
    pub systolic: (f64, f64),
    pub undernutrition: Thresholds,
    /// Vitals older than this do not raise alerts any more.
    pub max_age_hours: i64,
}

impl Default for AlertSettings {
    fn default() -> Self {
        let r = |code, low, high| VitalRange { code, low, high };
        AlertSettings {
            vital_ranges: vec![
                r(VitalCode::Temperature, Some(35.5), Some(38.0)),
                r(VitalCode::OxygenSaturation, Some(92.0), None),
                r(VitalCode::HeartRate, Some(50.0), Some(120.0)),
                r(VitalCode::RespiratoryRate, Some(10.0), Some(24.0)),
                r(VitalCode::Glucose, Some(70.0), Some(300.0)),
                r(VitalCode::Pain, None, Some(3.0)),
            ],
            systolic: (90.0, 180.0),
            undernutrition: Thresholds::default(),
            max_age_hours: 72,
        }
    }
}

fn fmt(v: f64) -> String {
    let s = format!("{v:.1}");
    s.trim_end_matches(".0").replace('.', ",")
}

/// Alerts from the latest vitals (taken within `max_age_hours` of `now`).
pub fn vital_alerts(latest: &[LatestVital], now: jiff::Timestamp, s: &AlertSettings) -> Vec<Alert> {
    let mut out = Vec::new();
    for v in latest.iter().filter(|v| now.as_second() - v.at.as_second() <= s.max_age_hours * 3600) {
        let spec = v.code.spec();
        match v.value {
            ObservationValue::BloodPressure { systolic, diastolic } => {
                let (low, high) = s.systolic;
                if systolic < low || systolic > high {
                    out.push(Alert {
                        kind: AlertKind::Vital(v.code),
                        level: if systolic < low { AlertLevel::Act } else { AlertLevel::Watch },
                        why: format!(
                            "TA {}/{} mmHg (alerte hors {}–{})",
                            fmt(systolic),
                            fmt(diastolic),
                            fmt(low),
                            fmt(high)
                        ),
                    });
                }
            }
            ObservationValue::Quantity(q) => {
                let Some(range) = s.vital_ranges.iter().find(|r| r.code == v.code) else { continue };
                let below = range.low.is_some_and(|l| q < l);
                let above = range.high.is_some_and(|h| q > h);
                if below || above {
                    let bound = if below { range.low } else { range.high };
                    out.push(Alert {
                        kind: AlertKind::Vital(v.code),
                        level: if matches!(v.code, VitalCode::OxygenSaturation | VitalCode::Glucose) && below {
                            AlertLevel::Act
                        } else {
                            AlertLevel::Watch
                        },
                        why: format!(
                            "{} {} {} ({} {})",
                            spec.label_fr,
                            fmt(q),
                            spec.ucum.replace("Cel", "°C").replace("{score}", "/10"),
                            if below { "sous" } else { "au-dessus de" },
                            fmt(bound.unwrap_or(q))
                        ),
                    });
                }
            }
        }
    }
    out
}

/// The undernutrition alert from a weight history, if its criteria are met.
pub fn undernutrition_alert(
    age_years: u32,
    height_cm: Option<f64>,
    weights: &[(jiff::Timestamp, f64)],
    s: &AlertSettings,
) -> Option<Alert> {
    let a = undernutrition::assess(age_years, height_cm, weights, &s.undernutrition).ok()?;
    if a.severity == Severity::None {
        return None;
    }
    let mut why = Vec::new();
    if let Some(l) = a.loss_1m_pct.filter(|_| a.reasons.contains(&"loss_1m")) {
        why.push(format!("perte de {} % en 1 mois", fmt(l)));
    }
    if let Some(l) = a.loss_6m_pct.filter(|_| a.reasons.contains(&"loss_6m")) {
        why.push(format!("perte de {} % en 6 mois", fmt(l)));
    }
    if let Some(b) = a.bmi.filter(|_| a.reasons.contains(&"bmi")) {
        why.push(format!("IMC {}", fmt(b)));
    }
    Some(Alert {
        kind: AlertKind::Undernutrition,
        level: if a.severity == Severity::Severe { AlertLevel::Act } else { AlertLevel::Watch },
        why: format!(
            "Dénutrition {} à confirmer : {}",
            if a.severity == Severity::Severe { "sévère" } else { "modérée" },
            why.join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn latest(code: VitalCode, value: ObservationValue, hours_ago: i64) -> LatestVital {
        let now = jiff::Timestamp::from_second(1_790_000_000).unwrap();
        LatestVital {
            code,
            value,
            at: jiff::Timestamp::from_second(now.as_second() - hours_ago * 3600).unwrap(),
            observation_id: Uuid::nil(),
        }
    }

    #[test]
    fn vitals_outside_their_ranges_alert_with_the_reason() {
        let now = jiff::Timestamp::from_second(1_790_000_000).unwrap();
        let s = AlertSettings::default();
        let vitals = [
            latest(VitalCode::Temperature, ObservationValue::Quantity(38.4), 2),
            latest(VitalCode::OxygenSaturation, ObservationValue::Quantity(91.0), 2),
            latest(VitalCode::HeartRate, ObservationValue::Quantity(120.0), 2), // at the bound: no alert
            latest(VitalCode::BloodPressure, ObservationValue::BloodPressure { systolic: 85.0, diastolic: 50.0 }, 2),
            latest(VitalCode::Pain, ObservationValue::Quantity(6.0), 200), // too old
        ];
        let alerts = vital_alerts(&vitals, now, &s);
        let kinds: Vec<AlertKind> = alerts.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [
                AlertKind::Vital(VitalCode::Temperature),
                AlertKind::Vital(VitalCode::OxygenSaturation),
                AlertKind::Vital(VitalCode::BloodPressure)
            ]
        );
        assert_eq!(alerts[0].why, "Température 38,4 °C (au-dessus de 38)");
        assert_eq!(alerts[1].level, AlertLevel::Act);
        assert_eq!(alerts[2].why, "TA 85/50 mmHg (alerte hors 90–180)");
        // The establishment may set its own ranges.
        let strict = AlertSettings {
            vital_ranges: vec![VitalRange { code: VitalCode::HeartRate, low: None, high: Some(100.0) }],
            ..AlertSettings::default()
        };
        assert_eq!(
            vital_alerts(&vitals, now, &strict).len(),
            2,
            "heart rate 120 now alerts; temperature no longer does"
        );
    }

    #[test]
    fn undernutrition_alert_says_why() {
        let s = AlertSettings::default();
        let day = |d: i64| jiff::Timestamp::from_second(1_790_000_000 + d * 86_400).unwrap();
        let a = undernutrition_alert(88, Some(160.0), &[(day(0), 60.0), (day(30), 56.0)], &s).unwrap();
        assert_eq!(a.level, AlertLevel::Watch);
        assert_eq!(a.why, "Dénutrition modérée à confirmer : perte de 6,7 % en 1 mois, IMC 21,9");
        assert!(undernutrition_alert(88, Some(160.0), &[(day(0), 60.0), (day(30), 59.5)], &s).is_none());
        assert!(undernutrition_alert(88, Some(160.0), &[], &s).is_none(), "no weighing, no alert");
    }
}
