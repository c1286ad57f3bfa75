//! Alerts: what makes a resident stand out on the round before anyone reads
//! the notes, and why. Thresholds are the establishment's (its medical team
//! sets them); the defaults are common geriatric practice.

use serde::{Deserialize, Serialize};

use super::news2::{self, News2Input, News2Risk};
use super::scales::{ScaleAnswers, ScaleKind};
use super::undernutrition::{self, Severity, Thresholds};
use crate::{Acvpu, ObservationValue, VitalCode};

/// A resident's latest value of one vital, as the alerts read it.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestVital {
    pub code: VitalCode,
    pub value: ObservationValue,
    pub at: jiff::Timestamp,
    pub observation_id: uuid::Uuid,
}

/// How soon someone should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlertLevel {
    Watch,
    Act,
}

impl AlertLevel {
    /// The level in a word, before the alert's reason.
    pub fn label_fr(self) -> &'static str {
        match self {
            AlertLevel::Watch => "À surveiller",
            AlertLevel::Act => "Urgent",
        }
    }
}

/// What to do about an alert: one line per rule, said the same on the
/// round, the file and the relève. The wording follows the escalation an
/// EHPAD night runs on: the aide re-checks or calls the nurse, the nurse
/// calls the doctor, and the doctor or the SAMU (15) for what cannot wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AlertAction {
    /// Take it again within the hour; tell the nurse if it stays.
    RecheckWithinHour,
    /// Tell the nurse now.
    TellNurse,
    /// The nurse calls the doctor (avis médical urgent).
    CallDoctor,
    /// The doctor at once, or the 15 (SAMU).
    CallDoctorOr15,
}

impl AlertAction {
    /// The action line under the alert.
    pub fn label_fr(self) -> &'static str {
        match self {
            AlertAction::RecheckWithinHour => "Recontrôler dans 1 h, prévenir l'IDE si cela persiste",
            AlertAction::TellNurse => "Prévenir l'IDE",
            AlertAction::CallDoctor => "Prévenir l'IDE, qui appelle le médecin",
            AlertAction::CallDoctorOr15 => "Prévenir le médecin ou le 15",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AlertKind {
    /// A vital outside its alert range.
    Vital(VitalCode),
    /// HAS 2021 phenotypic criteria of undernutrition.
    Undernutrition,
    /// NEWS2 at a single 3 or an aggregate of 5 or more.
    News2,
    /// A recorded scale past its threshold (pain, pressure risk, undernutrition, GIR 1–2).
    Scale(ScaleKind),
}

/// An alert and the figures that raised it, in French for the screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub level: AlertLevel,
    pub why: String,
    /// What to do, by the rule that raised it.
    pub action: AlertAction,
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
    /// Compute NEWS2 from complete sets of observations. It is decision
    /// support, not validated in nursing homes: the medical team may turn it off.
    #[serde(default = "enabled")]
    pub news2: bool,
    /// Norton total at or below which a resident is at risk (14 or 13 by team).
    #[serde(default = "norton_default")]
    pub norton_threshold: u8,
}

pub fn norton_default() -> u8 {
    14
}

/// Risk and nutrition scales (not pain) keep raising alerts this long.
pub const SCALE_MAX_AGE_DAYS: i64 = 90;

fn enabled() -> bool {
    true
}

/// The parameters of one NEWS2 set must have been taken within this span.
pub const NEWS2_SET_WINDOW_HOURS: i64 = 4;

impl Default for AlertSettings {
    /// The vitals catalogue's alert ranges (common geriatric practice).
    fn default() -> Self {
        let bp = VitalCode::BloodPressure.spec();
        AlertSettings {
            vital_ranges: VitalCode::ALL
                .iter()
                .map(|c| c.spec())
                .filter(|s| !matches!(s.code, VitalCode::BloodPressure | VitalCode::Consciousness))
                .filter(|s| s.alert_low.is_some() || s.alert_high.is_some())
                .map(|s| VitalRange { code: s.code, low: s.alert_low, high: s.alert_high })
                .collect(),
            systolic: (bp.alert_low.unwrap_or(90.0), bp.alert_high.unwrap_or(180.0)),
            undernutrition: Thresholds::default(),
            max_age_hours: 72,
            news2: true,
            norton_threshold: norton_default(),
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
                        action: if systolic < low { AlertAction::TellNurse } else { AlertAction::RecheckWithinHour },
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
            ObservationValue::Consciousness(level) => {
                if level != Acvpu::Alert {
                    out.push(Alert {
                        kind: AlertKind::Vital(v.code),
                        level: AlertLevel::Act,
                        // Responding to pain only, or not at all: no time for the nurse's round.
                        action: if matches!(level, Acvpu::Pain | Acvpu::Unresponsive) {
                            AlertAction::CallDoctorOr15
                        } else {
                            AlertAction::CallDoctor
                        },
                        why: format!("Conscience : {}", level.label_fr()),
                    });
                }
            }
            ObservationValue::Quantity(q) => {
                let Some(range) = s.vital_ranges.iter().find(|r| r.code == v.code) else { continue };
                let below = range.low.is_some_and(|l| q < l);
                let above = range.high.is_some_and(|h| q > h);
                if below || above {
                    let bound = if below { range.low } else { range.high };
                    let act = matches!(v.code, VitalCode::OxygenSaturation | VitalCode::Glucose) && below;
                    out.push(Alert {
                        kind: AlertKind::Vital(v.code),
                        level: if act { AlertLevel::Act } else { AlertLevel::Watch },
                        action: if act { AlertAction::TellNurse } else { AlertAction::RecheckWithinHour },
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

/// The NEWS2 alert from the latest complete set of observations: the six
/// measured parameters taken within [`NEWS2_SET_WINDOW_HOURS`] of each
/// other, the newest within `max_age_hours`; oxygen counts when a flow
/// above 0 was recorded in that span. Raised at a single 3 (urgent review)
/// or an aggregate of 5 or more.
pub fn news2_alert(
    latest: &[LatestVital],
    hypercapnic: bool,
    now: jiff::Timestamp,
    s: &AlertSettings,
) -> Option<Alert> {
    if !s.news2 {
        return None;
    }
    let get = |code| latest.iter().find(|v| v.code == code);
    let q = |code| match get(code)?.value {
        ObservationValue::Quantity(x) => Some(x),
        _ => None,
    };
    let set = [
        VitalCode::RespiratoryRate,
        VitalCode::OxygenSaturation,
        VitalCode::BloodPressure,
        VitalCode::HeartRate,
        VitalCode::Temperature,
        VitalCode::Consciousness,
    ];
    let times: Vec<i64> = set.iter().map(|c| get(*c).map(|v| v.at.as_second())).collect::<Option<_>>()?;
    let (oldest, newest) = (*times.iter().min()?, *times.iter().max()?);
    if newest - oldest > NEWS2_SET_WINDOW_HOURS * 3600 || now.as_second() - newest > s.max_age_hours * 3600 {
        return None;
    }
    let systolic = match get(VitalCode::BloodPressure)?.value {
        ObservationValue::BloodPressure { systolic, .. } => systolic,
        _ => return None,
    };
    let consciousness = match get(VitalCode::Consciousness)?.value {
        ObservationValue::Consciousness(Acvpu::Alert) => news2::Consciousness::Alert,
        ObservationValue::Consciousness(_) => news2::Consciousness::ConfusedOrReduced,
        _ => return None,
    };
    let on_oxygen = get(VitalCode::OxygenFlow).is_some_and(|o| {
        o.at.as_second() >= oldest - NEWS2_SET_WINDOW_HOURS * 3600
            && matches!(o.value, ObservationValue::Quantity(f) if f > 0.0)
    });
    let score = news2::score(&News2Input {
        respiratory_rate: q(VitalCode::RespiratoryRate)?,
        spo2: q(VitalCode::OxygenSaturation)?,
        on_oxygen,
        hypercapnic,
        systolic_bp: systolic,
        pulse: q(VitalCode::HeartRate)?,
        consciousness,
        temperature: q(VitalCode::Temperature)?,
    })
    .ok()?;
    let (level, label, action) = match score.risk {
        News2Risk::Low => return None,
        News2Risk::LowMedium => (AlertLevel::Watch, "un paramètre à 3, avis rapide", AlertAction::TellNurse),
        News2Risk::Medium => (AlertLevel::Act, "risque moyen, avis urgent", AlertAction::CallDoctor),
        News2Risk::High => (AlertLevel::Act, "risque élevé, avis en urgence", AlertAction::CallDoctorOr15),
    };
    let parts: Vec<String> = score
        .parts
        .iter()
        .filter(|(_, points)| *points > 0)
        .map(|(name, points)| format!("{} +{points}", super::news2::parameter_fr(name)))
        .collect();
    Some(Alert {
        kind: AlertKind::News2,
        level,
        action,
        why: format!("NEWS2 {} ({label}) : {}", score.total, parts.join(", ")),
    })
}

/// The alert a recorded scale raises when past its threshold: pain scales
/// (Algoplus ≥ 2, Doloplus ≥ 5) as long as vitals count, to act on; risk
/// and nutrition scales for [`SCALE_MAX_AGE_DAYS`], to watch.
pub fn scale_alert(
    answers: &ScaleAnswers,
    at: jiff::Timestamp,
    now: jiff::Timestamp,
    s: &AlertSettings,
) -> Option<Alert> {
    let age = now.as_second() - at.as_second();
    let pain = answers.is_pain_scale();
    if age > if pain { s.max_age_hours * 3600 } else { SCALE_MAX_AGE_DAYS * 86_400 } {
        return None;
    }
    let result = answers.evaluate(s.norton_threshold).ok()?;
    result.positive.then(|| Alert {
        kind: AlertKind::Scale(answers.kind()),
        level: if pain { AlertLevel::Act } else { AlertLevel::Watch },
        // Pain calls for the nurse's treatment; a risk score for her prevention plan.
        action: AlertAction::TellNurse,
        why: result.summary_fr,
    })
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
        action: if a.severity == Severity::Severe { AlertAction::CallDoctor } else { AlertAction::TellNurse },
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

    fn set(rr: f64, spo2: f64, systolic: f64, pulse: f64, temp: f64, level: Acvpu, hours_ago: i64) -> Vec<LatestVital> {
        vec![
            latest(VitalCode::RespiratoryRate, ObservationValue::Quantity(rr), hours_ago),
            latest(VitalCode::OxygenSaturation, ObservationValue::Quantity(spo2), hours_ago),
            latest(VitalCode::BloodPressure, ObservationValue::BloodPressure { systolic, diastolic: 60.0 }, hours_ago),
            latest(VitalCode::HeartRate, ObservationValue::Quantity(pulse), hours_ago),
            latest(VitalCode::Temperature, ObservationValue::Quantity(temp), hours_ago),
            latest(VitalCode::Consciousness, ObservationValue::Consciousness(level), hours_ago),
        ]
    }

    #[test]
    fn every_alert_says_what_to_do_by_its_rule() {
        let now = jiff::Timestamp::from_second(1_790_000_000).unwrap();
        let s = AlertSettings::default();
        let alerts = vital_alerts(
            &[
                latest(VitalCode::Temperature, ObservationValue::Quantity(38.6), 1),
                latest(VitalCode::OxygenSaturation, ObservationValue::Quantity(88.0), 1),
                latest(VitalCode::Consciousness, ObservationValue::Consciousness(Acvpu::Unresponsive), 1),
            ],
            now,
            &s,
        );
        let actions: Vec<(AlertLevel, AlertAction)> = alerts.iter().map(|a| (a.level, a.action)).collect();
        assert!(actions.contains(&(AlertLevel::Watch, AlertAction::RecheckWithinHour)), "{actions:?}");
        assert!(actions.contains(&(AlertLevel::Act, AlertAction::TellNurse)), "{actions:?}");
        assert!(actions.contains(&(AlertLevel::Act, AlertAction::CallDoctorOr15)), "{actions:?}");
        assert_eq!(AlertAction::CallDoctorOr15.label_fr(), "Prévenir le médecin ou le 15");
        assert_eq!((AlertLevel::Act.label_fr(), AlertLevel::Watch.label_fr()), ("Urgent", "À surveiller"));
    }

    #[test]
    fn news2_alerts_from_a_complete_recent_set_with_its_points() {
        let now = jiff::Timestamp::from_second(1_790_000_000).unwrap();
        let s = AlertSettings::default();
        // All normal: score 0, no alert.
        assert_eq!(news2_alert(&set(16.0, 97.0, 130.0, 70.0, 37.0, Acvpu::Alert, 1), false, now, &s), None);
        // A single 3 (RR 25): urgent ward review, on watch.
        let a = news2_alert(&set(25.0, 97.0, 130.0, 70.0, 37.0, Acvpu::Alert, 1), false, now, &s).unwrap();
        assert_eq!((a.kind, a.level), (AlertKind::News2, AlertLevel::Watch));
        assert_eq!(a.why, "NEWS2 3 (un paramètre à 3, avis rapide) : FR +3");
        // 4 with no single 3: low, no alert (RR 22 = 2, SpO2 93 = 2).
        assert_eq!(news2_alert(&set(22.0, 93.0, 130.0, 70.0, 37.0, Acvpu::Alert, 1), false, now, &s), None);
        // 6: medium (RR 22 = 2, SpO2 93 = 2, pulse 95 = 1, 38.5 °C = 1).
        let a = news2_alert(&set(22.0, 93.0, 130.0, 95.0, 38.5, Acvpu::Alert, 1), false, now, &s).unwrap();
        assert_eq!(a.level, AlertLevel::Act);
        assert!(a.why.starts_with("NEWS2 6 (risque moyen"), "{}", a.why);
        // Oxygen recorded in the same span adds 2: 4 becomes 6.
        let mut with_o2 = set(22.0, 93.0, 130.0, 70.0, 37.0, Acvpu::Alert, 1);
        with_o2.push(latest(VitalCode::OxygenFlow, ObservationValue::Quantity(2.0), 1));
        assert!(news2_alert(&with_o2, false, now, &s).unwrap().why.contains("O2 +2"));
        // New confusion scores 3; with RR 25 too: 6.
        let a = news2_alert(&set(25.0, 97.0, 130.0, 70.0, 37.0, Acvpu::NewConfusion, 1), false, now, &s).unwrap();
        assert!(a.why.starts_with("NEWS2 6"), "{}", a.why);
        // Hypercapnic residents on scale 2: SpO2 90 % on air scores 0 (scale 1 would give 3).
        assert_eq!(news2_alert(&set(16.0, 90.0, 130.0, 70.0, 37.0, Acvpu::Alert, 1), true, now, &s), None);
        assert!(news2_alert(&set(16.0, 90.0, 130.0, 70.0, 37.0, Acvpu::Alert, 1), false, now, &s).is_some());
    }

    #[test]
    fn news2_needs_a_complete_recent_set_and_can_be_turned_off() {
        let now = jiff::Timestamp::from_second(1_790_000_000).unwrap();
        let s = AlertSettings::default();
        let bad = set(25.0, 88.0, 85.0, 135.0, 39.5, Acvpu::Voice, 1);
        assert_eq!(news2_alert(&bad, false, now, &s).unwrap().level, AlertLevel::Act);
        // A parameter missing.
        assert_eq!(news2_alert(&bad[..5], false, now, &s), None);
        // Parameters taken more than 4 h apart.
        let mut spread = bad.clone();
        spread[0] = latest(VitalCode::RespiratoryRate, ObservationValue::Quantity(25.0), 6);
        assert_eq!(news2_alert(&spread, false, now, &s), None);
        // Too old.
        assert_eq!(news2_alert(&set(25.0, 88.0, 85.0, 135.0, 39.5, Acvpu::Voice, 100), false, now, &s), None);
        // Turned off by the establishment.
        assert_eq!(news2_alert(&bad, false, now, &AlertSettings { news2: false, ..s.clone() }), None);
        // A reduced level of consciousness alone is an alert too.
        let alone = [latest(VitalCode::Consciousness, ObservationValue::Consciousness(Acvpu::NewConfusion), 1)];
        assert_eq!(vital_alerts(&alone, now, &s)[0].why, "Conscience : confusion nouvelle");
    }

    #[test]
    fn default_ranges_come_from_the_vitals_catalogue() {
        let s = AlertSettings::default();
        let t = s.vital_ranges.iter().find(|r| r.code == VitalCode::Temperature).unwrap();
        assert_eq!((t.low, t.high), (Some(35.5), Some(38.0)));
        assert_eq!(s.systolic, (90.0, 180.0));
        assert!(s.vital_ranges.iter().all(|r| r.code != VitalCode::Weight));
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
