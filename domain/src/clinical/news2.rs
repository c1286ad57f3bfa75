//! NEWS2, the National Early Warning Score 2 (Royal College of Physicians,
//! 2017): seven parameters scored 0–3, summed; a single parameter at 3 or
//! an aggregate of 5 or more calls for a clinical review.
//!
//! NEWS2 was built for acute care and is not validated in nursing homes:
//! Chevet shows it as decision support, next to the values it came from.
//! Residents with known hypercapnic respiratory failure are scored on SpO2
//! scale 2 (target 88–92 %).

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};

/// Level of consciousness (ACVPU): new confusion counts like V, P or U.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Consciousness {
    Alert,
    /// New confusion, or responds to voice, to pain, or unresponsive.
    ConfusedOrReduced,
}

/// One set of observations taken together.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct News2Input {
    pub respiratory_rate: f64,
    pub spo2: f64,
    pub on_oxygen: bool,
    /// Use SpO2 scale 2 (hypercapnic respiratory failure, prescribed target 88–92 %).
    pub hypercapnic: bool,
    pub systolic_bp: f64,
    pub pulse: f64,
    pub consciousness: Consciousness,
    pub temperature: f64,
}

/// The clinical response the score calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum News2Risk {
    /// 0–4 with no single 3: ward-based response.
    Low,
    /// A single parameter at 3: urgent ward-based review.
    LowMedium,
    /// 5–6: urgent response.
    Medium,
    /// 7 or more: emergency response.
    High,
}

/// The score and, per parameter, the points it contributed (why it fired).
/// Computed, never read back: serialisable for display and export only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct News2 {
    pub total: u8,
    pub risk: News2Risk,
    /// (parameter, points) for each parameter, in chart order.
    pub parts: Vec<(&'static str, u8)>,
}

fn finite(name: &'static str, v: f64, min: f64, max: f64) -> Result<f64> {
    if v.is_finite() && (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(DomainError::invalid(name, "outside what NEWS2 can score"))
    }
}

fn respiratory_rate(rr: f64) -> u8 {
    match rr {
        r if r <= 8.0 => 3,
        r if r <= 11.0 => 1,
        r if r <= 20.0 => 0,
        r if r <= 24.0 => 2,
        _ => 3,
    }
}

fn spo2_scale1(s: f64) -> u8 {
    match s {
        s if s <= 91.0 => 3,
        s if s <= 93.0 => 2,
        s if s <= 95.0 => 1,
        _ => 0,
    }
}

fn spo2_scale2(s: f64, on_oxygen: bool) -> u8 {
    match s {
        s if s <= 83.0 => 3,
        s if s <= 85.0 => 2,
        s if s <= 87.0 => 1,
        s if s <= 92.0 => 0,
        _ if !on_oxygen => 0,
        s if s <= 94.0 => 1,
        s if s <= 96.0 => 2,
        _ => 3,
    }
}

fn systolic(bp: f64) -> u8 {
    match bp {
        b if b <= 90.0 => 3,
        b if b <= 100.0 => 2,
        b if b <= 110.0 => 1,
        b if b <= 219.0 => 0,
        _ => 3,
    }
}

fn pulse(p: f64) -> u8 {
    match p {
        p if p <= 40.0 => 3,
        p if p <= 50.0 => 1,
        p if p <= 90.0 => 0,
        p if p <= 110.0 => 1,
        p if p <= 130.0 => 2,
        _ => 3,
    }
}

fn temperature(t: f64) -> u8 {
    match t {
        t if t <= 35.0 => 3,
        t if t <= 36.0 => 1,
        t if t <= 38.0 => 0,
        t if t <= 39.0 => 1,
        _ => 2,
    }
}

/// A parameter's short French name, as the chart and the alerts say it.
pub fn parameter_fr(name: &str) -> &str {
    match name {
        "respiratory_rate" => "FR",
        "spo2" => "SpO2",
        "air_or_oxygen" => "O2",
        "systolic_bp" => "TA systolique",
        "pulse" => "pouls",
        "consciousness" => "conscience",
        "temperature" => "température",
        other => other,
    }
}

/// Scores one set of observations.
pub fn score(i: &News2Input) -> Result<News2> {
    let rr = finite("respiratory_rate", i.respiratory_rate, 0.0, 100.0)?;
    let spo2 = finite("spo2", i.spo2, 0.0, 100.0)?;
    let bp = finite("systolic_bp", i.systolic_bp, 0.0, 350.0)?;
    let hr = finite("pulse", i.pulse, 0.0, 350.0)?;
    let t = finite("temperature", i.temperature, 20.0, 45.0)?;
    let parts = vec![
        ("respiratory_rate", respiratory_rate(rr)),
        ("spo2", if i.hypercapnic { spo2_scale2(spo2, i.on_oxygen) } else { spo2_scale1(spo2) }),
        ("air_or_oxygen", if i.on_oxygen { 2 } else { 0 }),
        ("systolic_bp", systolic(bp)),
        ("pulse", pulse(hr)),
        ("consciousness", if i.consciousness == Consciousness::Alert { 0 } else { 3 }),
        ("temperature", temperature(t)),
    ];
    let total: u8 = parts.iter().map(|(_, p)| p).sum();
    let risk = if total >= 7 {
        News2Risk::High
    } else if total >= 5 {
        News2Risk::Medium
    } else if parts.iter().any(|(_, p)| *p == 3) {
        News2Risk::LowMedium
    } else {
        News2Risk::Low
    };
    Ok(News2 { total, risk, parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normal() -> News2Input {
        News2Input {
            respiratory_rate: 16.0,
            spo2: 97.0,
            on_oxygen: false,
            hypercapnic: false,
            systolic_bp: 130.0,
            pulse: 72.0,
            consciousness: Consciousness::Alert,
            temperature: 37.0,
        }
    }

    #[test]
    fn every_band_edge_of_the_chart() {
        let rr = [(8.0, 3), (9.0, 1), (11.0, 1), (12.0, 0), (20.0, 0), (21.0, 2), (24.0, 2), (25.0, 3)];
        for (v, p) in rr {
            assert_eq!(respiratory_rate(v), p, "RR {v}");
        }
        for (v, p) in [(91.0, 3), (92.0, 2), (93.0, 2), (94.0, 1), (95.0, 1), (96.0, 0)] {
            assert_eq!(spo2_scale1(v), p, "SpO2 {v}");
        }
        let bp = [(90.0, 3), (91.0, 2), (100.0, 2), (101.0, 1), (110.0, 1), (111.0, 0), (219.0, 0), (220.0, 3)];
        for (v, p) in bp {
            assert_eq!(systolic(v), p, "BP {v}");
        }
        let hr = [
            (40.0, 3),
            (41.0, 1),
            (50.0, 1),
            (51.0, 0),
            (90.0, 0),
            (91.0, 1),
            (110.0, 1),
            (111.0, 2),
            (130.0, 2),
            (131.0, 3),
        ];
        for (v, p) in hr {
            assert_eq!(pulse(v), p, "pulse {v}");
        }
        let t = [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1), (39.1, 2)];
        for (v, p) in t {
            assert_eq!(temperature(v), p, "temperature {v}");
        }
    }

    #[test]
    fn spo2_scale_2_for_hypercapnic_residents() {
        let on_air =
            [(83.0, 3), (84.0, 2), (85.0, 2), (86.0, 1), (87.0, 1), (88.0, 0), (92.0, 0), (93.0, 0), (99.0, 0)];
        for (v, p) in on_air {
            assert_eq!(spo2_scale2(v, false), p, "scale 2 on air {v}");
        }
        for (v, p) in [(92.0, 0), (93.0, 1), (94.0, 1), (95.0, 2), (96.0, 2), (97.0, 3)] {
            assert_eq!(spo2_scale2(v, true), p, "scale 2 on oxygen {v}");
        }
        // 89 % scores 3 on scale 1 but 0 on scale 2.
        let r = score(&News2Input { spo2: 89.0, hypercapnic: true, ..normal() }).unwrap();
        assert_eq!(r.total, 0);
        let r = score(&News2Input { spo2: 89.0, ..normal() }).unwrap();
        assert_eq!((r.total, r.risk), (3, News2Risk::LowMedium));
    }

    #[test]
    fn aggregate_and_triggers() {
        let r = score(&normal()).unwrap();
        assert_eq!((r.total, r.risk), (0, News2Risk::Low));
        // New confusion alone is a single 3: urgent review.
        let r = score(&News2Input { consciousness: Consciousness::ConfusedOrReduced, ..normal() }).unwrap();
        assert_eq!((r.total, r.risk), (3, News2Risk::LowMedium));
        // 4 without a 3 stays low: RR 22 (2) + oxygen (2).
        let r = score(&News2Input { respiratory_rate: 22.0, on_oxygen: true, ..normal() }).unwrap();
        assert_eq!((r.total, r.risk), (4, News2Risk::Low));
        // 5: RR 22 (2) + oxygen (2) + pulse 95 (1).
        let r = score(&News2Input { respiratory_rate: 22.0, on_oxygen: true, pulse: 95.0, ..normal() }).unwrap();
        assert_eq!((r.total, r.risk), (5, News2Risk::Medium));
        // A febrile, tachycardic, hypoxic resident: RR 24 (2) + SpO2 93 (2) + pulse 115 (2) + 38.6 °C (1) = 7.
        let r = score(&News2Input { respiratory_rate: 24.0, spo2: 93.0, pulse: 115.0, temperature: 38.6, ..normal() })
            .unwrap();
        assert_eq!((r.total, r.risk), (7, News2Risk::High));
        assert_eq!(r.parts.iter().filter(|(_, p)| *p > 0).count(), 4);
    }

    #[test]
    fn unscorable_values_are_refused() {
        assert!(score(&News2Input { temperature: f64::NAN, ..normal() }).is_err());
        assert!(score(&News2Input { spo2: 130.0, ..normal() }).is_err());
    }
}
