//! PUSH 3.0 (Pressure Ulcer Scale for Healing, NPIAP): area (length ×
//! width, cm²) scored 0–10, exudate 0–3, tissue type 0–4; total 0–17,
//! 0 meaning healed. Plotted over time it tells whether a wound heals.

use serde::Serialize;

use crate::error::{DomainError, Result};
use crate::{Exudate, TissueType, WoundAssessment};

/// Upper bounds (cm², inclusive) of area sub-scores 1 to 9; above the last is 10.
const AREA_BANDS: [f64; 9] = [0.3, 0.6, 1.0, 2.0, 3.0, 4.0, 8.0, 12.0, 24.0];

pub fn area_score(length_cm: f64, width_cm: f64) -> Result<u8> {
    if !length_cm.is_finite() || !width_cm.is_finite() || length_cm < 0.0 || width_cm < 0.0 {
        return Err(DomainError::invalid("wound size", "length and width are positive centimetres"));
    }
    let area = (length_cm * width_cm * 100.0).round() / 100.0;
    if area == 0.0 {
        return Ok(0);
    }
    // Below 0.3 cm² scores 1; each band's upper bound is inclusive from 0.6 on.
    if area < AREA_BANDS[0] {
        return Ok(1);
    }
    Ok(AREA_BANDS[1..].iter().position(|b| area <= *b).map_or(10, |i| i as u8 + 2))
}

pub fn exudate_score(e: Exudate) -> u8 {
    match e {
        Exudate::None => 0,
        Exudate::Light => 1,
        Exudate::Moderate => 2,
        Exudate::Heavy => 3,
    }
}

pub fn tissue_score(t: TissueType) -> u8 {
    match t {
        TissueType::Closed => 0,
        TissueType::Epithelial => 1,
        TissueType::Granulation => 2,
        TissueType::Slough => 3,
        TissueType::Necrotic => 4,
    }
}

/// PUSH of one assessment, with its three sub-scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Push {
    pub area: u8,
    pub exudate: u8,
    pub tissue: u8,
    pub total: u8,
}

pub fn score(a: &WoundAssessment) -> Result<Push> {
    let area = area_score(a.length_cm, a.width_cm)?;
    let (exudate, tissue) = (exudate_score(a.exudate), tissue_score(a.tissue));
    Ok(Push { area, exudate, tissue, total: area + exudate + tissue })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Trend {
    Healing,
    Stable,
    Worsening,
    /// Fewer than two assessments.
    Unknown,
}

impl Trend {
    pub fn label_fr(self) -> &'static str {
        match self {
            Trend::Healing => "en voie de cicatrisation",
            Trend::Stable => "stable",
            Trend::Worsening => "s'aggrave",
            Trend::Unknown => "une seule mesure : tendance à venir",
        }
    }
}

/// The trend of a wound's PUSH totals in time order: the latest against the
/// one before, a change of `min_change` or more counting as a trend.
pub fn trend(totals: &[u8], min_change: u8) -> Trend {
    match totals {
        [.., before, latest] if latest + min_change <= *before => Trend::Healing,
        [.., before, latest] if *latest >= before + min_change => Trend::Worsening,
        [_, _, ..] => Trend::Stable,
        _ => Trend::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_band_edges() {
        let cases = [
            (0.0, 0.0, 0),
            (0.5, 0.5, 1),  // 0.25
            (0.3, 1.0, 2),  // 0.3
            (0.6, 1.0, 2),  // 0.6
            (0.7, 1.0, 3),  // 0.7
            (1.0, 1.0, 3),  // 1.0
            (1.1, 1.0, 4),  // 1.1
            (2.0, 1.0, 4),  // 2.0
            (3.0, 1.0, 5),  // 3.0
            (4.0, 1.0, 6),  // 4.0
            (4.1, 1.0, 7),  // 4.1
            (8.0, 1.0, 7),  // 8.0
            (12.0, 1.0, 8), // 12.0
            (24.0, 1.0, 9), // 24.0
            (24.1, 1.0, 10),
        ];
        for (l, w, s) in cases {
            assert_eq!(area_score(l, w).unwrap(), s, "{l} × {w}");
        }
        assert!(area_score(-1.0, 2.0).is_err());
        assert!(area_score(f64::NAN, 2.0).is_err());
    }

    #[test]
    fn totals_and_trend() {
        // 3.2 × 2.1 = 6.72 cm² → 7; light exudate 1; granulation 2 → 10.
        assert_eq!(
            area_score(3.2, 2.1).unwrap() + exudate_score(Exudate::Light) + tissue_score(TissueType::Granulation),
            10
        );
        assert_eq!(
            area_score(30.0, 1.0).unwrap() + exudate_score(Exudate::Heavy) + tissue_score(TissueType::Necrotic),
            17
        );
        assert_eq!(trend(&[12, 10], 1), Trend::Healing);
        assert_eq!(trend(&[10, 10], 1), Trend::Stable);
        assert_eq!(trend(&[10, 12], 1), Trend::Worsening);
        assert_eq!(trend(&[10, 11], 2), Trend::Stable);
        assert_eq!(trend(&[10], 1), Trend::Unknown);
    }
}
