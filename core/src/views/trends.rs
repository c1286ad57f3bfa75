//! The trend charts of a resident's file, computed here so every shell draws
//! the same thing: the points, the reference lines (the establishment's
//! alert thresholds, and for the weight the undernutrition thresholds of
//! HAS 2021 turned into kilograms), the axis and its ticks. The shells only
//! map values to pixels.

use jiff::Timestamp;
use uuid::Uuid;

use super::latest_vitals::UnitContext;
use crate::clinical::alerts::AlertSettings;
use crate::clinical::alerts::LatestVital;
use crate::domain::words::{number_fr, unit_fr};
use crate::domain::{Fact, ObservationValue, VitalCode};
use crate::error::Result;
use crate::store::Store;
use crate::store::Unreadable;

const DAY_MS: i64 = 86_400_000;
/// The weight is read over six months (the undernutrition criteria's span).
pub const WEIGHT_WINDOW_DAYS: i64 = 183;
/// Temperature, pulse, SpO2 and blood pressure over the last two weeks.
pub const VITALS_WINDOW_DAYS: i64 = 14;
/// A chart keeps at most this many points (the latest ones): beyond it
/// a tablet's width has fewer pixels than points.
const MAX_POINTS: usize = 400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Weight,
    Temperature,
    HeartRate,
    OxygenSaturation,
    BloodPressure,
    /// A wound's PUSH total (0–17) over its follow-up.
    Push,
}

impl ChartKind {
    /// The resident file's vital charts, in order.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Weight,
        ChartKind::Temperature,
        ChartKind::HeartRate,
        ChartKind::OxygenSaturation,
        ChartKind::BloodPressure,
    ];

    /// The measure a vital chart draws (none for PUSH).
    pub fn code(self) -> Option<VitalCode> {
        match self {
            ChartKind::Weight => Some(VitalCode::Weight),
            ChartKind::Temperature => Some(VitalCode::Temperature),
            ChartKind::HeartRate => Some(VitalCode::HeartRate),
            ChartKind::OxygenSaturation => Some(VitalCode::OxygenSaturation),
            ChartKind::BloodPressure => Some(VitalCode::BloodPressure),
            ChartKind::Push => None,
        }
    }

    fn window_days(self) -> i64 {
        match self {
            ChartKind::Weight => WEIGHT_WINDOW_DAYS,
            _ => VITALS_WINDOW_DAYS,
        }
    }
}

/// One measure. For the blood pressure `value` is the systolic and `low` the diastolic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChartPoint {
    pub at: Timestamp,
    pub value: f64,
    pub low: Option<f64>,
    /// Beyond an alert threshold (for the blood pressure, the systolic's).
    pub alert: bool,
}

/// Why a horizontal line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// An alert threshold of the establishment (the one the round uses).
    Alert,
    /// A criterion of undernutrition (HAS 2021), to confirm.
    Undernutrition,
    /// A criterion of severe undernutrition.
    SevereUndernutrition,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChartLine {
    pub value: f64,
    pub kind: LineKind,
    /// What the line means, in French ("IMC 20 : dénutrition sévère (52,5 kg)").
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VitalChart {
    pub kind: ChartKind,
    /// "Poids sur 6 mois".
    pub title: String,
    pub unit: &'static str,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Oldest first, entries in error left out.
    pub points: Vec<ChartPoint>,
    pub lines: Vec<ChartLine>,
    pub y_min: f64,
    pub y_max: f64,
    /// Round values between `y_min` and `y_max`, for the grid.
    pub y_ticks: Vec<f64>,
    /// Midnights in the establishment's time zone, labelled ("1 nov.", "12/11").
    pub x_ticks: Vec<(Timestamp, String)>,
    /// The latest value in French, or what is missing ("Aucune pesée depuis 6 mois").
    pub caption: String,
}

impl Store {
    /// The file's charts, read in the same transaction as the rest of the file.
    pub(crate) fn vital_charts(
        &self,
        c: &rusqlite::Connection,
        resident_id: Uuid,
        age_years: u32,
        latest: &[LatestVital],
        ctx: &UnitContext,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<Vec<VitalChart>> {
        let (now, tz, settings) = (ctx.now, &ctx.tz, &ctx.settings);
        let mut stmt = c.prepare_cached(
            "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND code_tag = ?2 AND entered_in_error = 0
             AND clinical_time BETWEEN ?3 AND ?4 ORDER BY clinical_time DESC LIMIT ?5",
        )?;
        let height = latest.iter().find(|v| v.code == VitalCode::Height).and_then(|v| match v.value {
            ObservationValue::Quantity(h) => Some(h),
            _ => None,
        });
        let mut charts = Vec::with_capacity(ChartKind::ALL.len());
        for kind in ChartKind::ALL {
            let Some(code) = kind.code() else { continue };
            let from = now.as_millisecond() - kind.window_days() * DAY_MS;
            let tag = self.code_index.term(code.loinc());
            let mut rows =
                stmt.query(rusqlite::params![resident_id, &tag[..], from, now.as_millisecond(), MAX_POINTS as i64])?;
            let mut points = Vec::new();
            while let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                    Ok(Fact::Observation(o)) if o.code == code => match o.value {
                        ObservationValue::Quantity(v) => {
                            points.push(ChartPoint { at: o.meta.clinical_time, value: v, low: None, alert: false })
                        }
                        ObservationValue::BloodPressure { systolic, diastolic } => points.push(ChartPoint {
                            at: o.meta.clinical_time,
                            value: systolic,
                            low: Some(diastolic),
                            alert: false,
                        }),
                        ObservationValue::Consciousness(_) => {}
                    },
                    Ok(_) => unreadable.push(Unreadable { table: "facts", id, error: "unexpected record kind".into() }),
                    Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
                }
            }
            points.reverse();
            let (low, high) = match kind {
                ChartKind::Weight => (None, None),
                ChartKind::BloodPressure => (Some(settings.systolic.0), Some(settings.systolic.1)),
                _ => settings.vital_ranges.iter().find(|r| r.code == code).map_or((None, None), |r| (r.low, r.high)),
            };
            for p in &mut points {
                p.alert = low.is_some_and(|l| p.value < l) || high.is_some_and(|h| p.value > h);
            }
            let lines = match kind {
                ChartKind::Weight => weight_lines(age_years, height, &points, settings),
                _ => alert_lines(code, low, high),
            };
            let from = Timestamp::from_millisecond(from).unwrap_or(Timestamp::MIN);
            let mut c = chart(kind, code, from, now, points, lines);
            c.x_ticks = x_ticks(kind, from, now, tz);
            charts.push(c);
        }
        Ok(charts)
    }
}

fn alert_lines(code: VitalCode, low: Option<f64>, high: Option<f64>) -> Vec<ChartLine> {
    let unit = unit_fr(code);
    let line = |v: f64| ChartLine {
        value: v,
        kind: LineKind::Alert,
        label: format!("Seuil d'alerte {}{}", number_fr(v), spaced(unit)),
    };
    low.into_iter().chain(high).map(line).collect()
}

fn spaced(unit: &str) -> String {
    if unit.is_empty() || unit == "%" { unit.into() } else { format!("\u{a0}{unit}") }
}

/// The undernutrition criteria (people aged 70 and over) as weights: the
/// BMI thresholds for the resident's height, and the losses over 6 months
/// from the first weighing of the window when it is about 6 months old.
fn weight_lines(
    age_years: u32,
    height_cm: Option<f64>,
    points: &[ChartPoint],
    settings: &AlertSettings,
) -> Vec<ChartLine> {
    if age_years < 70 {
        return Vec::new();
    }
    let th = &settings.undernutrition;
    let mut lines = Vec::new();
    if let Some(h) = height_cm {
        let m2 = (h / 100.0).powi(2);
        for (bmi, kind, what) in [
            (th.bmi, LineKind::Undernutrition, "dénutrition"),
            (th.severe_bmi, LineKind::SevereUndernutrition, "dénutrition sévère"),
        ] {
            let kg = (bmi * m2 * 10.0).round() / 10.0;
            lines.push(ChartLine {
                value: kg,
                kind,
                label: format!("IMC {} : {what} ({} kg)", number_fr(bmi), number_fr(kg)),
            });
        }
    }
    // A reference about 6 months before the latest weighing, as the alert takes it.
    if let (Some(first), Some(last)) = (points.first(), points.last())
        && last.at.as_millisecond() - first.at.as_millisecond() >= (WEIGHT_WINDOW_DAYS - 30) * DAY_MS
    {
        for (pct, kind, what) in [
            (th.loss_6m_pct, LineKind::Undernutrition, "dénutrition"),
            (th.severe_loss_6m_pct, LineKind::SevereUndernutrition, "dénutrition sévère"),
        ] {
            let kg = (first.value * (1.0 - pct / 100.0) * 10.0).round() / 10.0;
            lines.push(ChartLine {
                value: kg,
                kind,
                label: format!("−{} % en 6 mois : {what} ({} kg)", number_fr(pct), number_fr(kg)),
            });
        }
    }
    lines
}

fn title(kind: ChartKind, code: VitalCode) -> String {
    let what = code.spec().label_fr;
    match kind {
        ChartKind::Weight => format!("{what} sur 6 mois"),
        _ => format!("{what} sur {VITALS_WINDOW_DAYS} jours"),
    }
}

fn chart(
    kind: ChartKind,
    code: VitalCode,
    from: Timestamp,
    to: Timestamp,
    points: Vec<ChartPoint>,
    lines: Vec<ChartLine>,
) -> VitalChart {
    let unit = unit_fr(code);
    let caption = match points.last() {
        Some(p) => {
            let value = match p.low {
                Some(d) => format!("{}/{}", number_fr(p.value), number_fr(d)),
                None => number_fr(p.value),
            };
            format!("Dernière valeur : {value}{}", spaced(unit))
        }
        None if kind == ChartKind::Weight => "Aucune pesée depuis 6 mois".into(),
        None => format!("Aucune mesure depuis {VITALS_WINDOW_DAYS} jours"),
    };
    let values = points.iter().flat_map(|p| std::iter::once(p.value).chain(p.low)).chain(lines.iter().map(|l| l.value));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { default_range(code) };
    let (y_min, y_max, y_ticks) = axis(lo, hi);
    VitalChart {
        kind,
        title: title(kind, code),
        unit,
        from,
        to,
        points,
        lines,
        y_min,
        y_max,
        y_ticks,
        x_ticks: Vec::new(),
        caption,
    }
}

/// A wound's PUSH totals from its first assessment to now, on the fixed
/// 0–17 scale (0 is healed), with the trend in words.
pub fn push_chart(
    assessments: &[crate::store::AssessmentPoint],
    trend: crate::clinical::push::Trend,
    now: Timestamp,
    tz: &jiff::tz::TimeZone,
) -> VitalChart {
    let points: Vec<ChartPoint> = assessments
        .iter()
        .map(|a| ChartPoint {
            at: a.assessment.meta.clinical_time,
            value: f64::from(a.push.total),
            low: None,
            alert: false,
        })
        .collect();
    // At least two weeks wide, so a first assessment is not a dot on the edge.
    let two_weeks_ago = now - jiff::SignedDuration::from_hours(VITALS_WINDOW_DAYS * 24);
    let from = points.first().map(|p| p.at).unwrap_or(now).min(two_weeks_ago);
    let days = (now.as_second() - from.as_second()) / 86_400;
    let x_kind = if days > 90 { ChartKind::Weight } else { ChartKind::Temperature };
    let caption = match assessments.last() {
        Some(a) => format!("Dernier score : {}/17 — {}", a.push.total, trend.label_fr()),
        None => "Aucune évaluation".into(),
    };
    VitalChart {
        kind: ChartKind::Push,
        title: "PUSH (0 : cicatrisée, 17 : la plus grave)".into(),
        unit: "",
        from,
        to: now,
        points,
        lines: Vec::new(),
        y_min: 0.0,
        y_max: 17.0,
        y_ticks: vec![0.0, 5.0, 10.0, 15.0],
        x_ticks: x_ticks_every(x_kind, from, now, tz, (days / 7).max(1)),
        caption,
    }
}

const MONTHS_FR: [&str; 12] =
    ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];

/// The weight's months (their first day), or every other day over two weeks.
fn x_ticks(kind: ChartKind, from: Timestamp, to: Timestamp, tz: &jiff::tz::TimeZone) -> Vec<(Timestamp, String)> {
    x_ticks_every(kind, from, to, tz, 2)
}

/// Month starts (`Weight`), or midnights every `step` days counted back from the last.
fn x_ticks_every(
    kind: ChartKind,
    from: Timestamp,
    to: Timestamp,
    tz: &jiff::tz::TimeZone,
    step: i64,
) -> Vec<(Timestamp, String)> {
    let mut out = Vec::new();
    let Ok(mut day) = from.to_zoned_datetime(tz.clone()).date().tomorrow() else { return out };
    let last = to.to_zoned_datetime(tz.clone()).date();
    while day <= last {
        let wanted = match kind {
            ChartKind::Weight => day.day() == 1,
            _ => i64::from((last - day).get_days()) % step == 0,
        };
        if wanted && let Ok(at) = day.to_zoned_datetime(tz.clone()) {
            let label = match kind {
                ChartKind::Weight => format!("1 {}", MONTHS_FR[day.month() as usize - 1]),
                _ => format!("{:02}/{:02}", day.day(), day.month()),
            };
            out.push((at.timestamp(), label));
        }
        let Ok(next) = day.tomorrow() else { break };
        day = next;
    }
    out
}

/// An empty chart still shows a sensible scale.
fn default_range(code: VitalCode) -> (f64, f64) {
    match code {
        VitalCode::Weight => (40.0, 90.0),
        VitalCode::Temperature => (35.0, 39.0),
        VitalCode::HeartRate => (50.0, 120.0),
        VitalCode::OxygenSaturation => (88.0, 100.0),
        VitalCode::BloodPressure => (60.0, 180.0),
        _ => (0.0, 100.0),
    }
}

/// A padded range on round ticks (steps of 1, 2 or 5 × 10ⁿ, three to seven
/// ticks: enough to read a value, few enough to read at arm's length).
fn axis(lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
    let span = (hi - lo).max(1.0);
    let (lo, hi) = (lo - span * 0.08, hi + span * 0.08);
    let raw = (hi - lo) / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    let y_min = (lo / step).floor() * step;
    let y_max = (hi / step).ceil() * step;
    let n = ((y_max - y_min) / step).round() as usize;
    // Rounded so 36.6 is not 36.599999999.
    let ticks = (0..=n).map(|i| ((y_min + i as f64 * step) * 1000.0).round() / 1000.0).collect();
    (y_min, y_max, ticks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_is_round_and_covers() {
        let (lo, hi, ticks) = axis(36.4, 38.6);
        assert!(lo <= 36.4 && hi >= 38.6);
        assert!((3..=7).contains(&ticks.len()), "{ticks:?}");
        assert_eq!(ticks.first().copied(), Some(lo));
        assert_eq!(ticks.last().copied(), Some(hi));
        assert!(ticks.iter().all(|t| (t * 2.0).fract().abs() < 1e-9), "{ticks:?}");
        let (_, _, flat) = axis(72.0, 72.0);
        assert!(flat.len() >= 2);
        for (lo, hi) in [(50.0, 62.0), (60.0, 180.0), (35.5, 38.6), (88.0, 100.0), (0.0, 1000.0), (54.9, 55.3)] {
            let (a, b, t) = axis(lo, hi);
            assert!((3..=7).contains(&t.len()) && a <= lo && b >= hi, "{lo}..{hi}: {t:?}");
        }
    }

    #[test]
    fn x_ticks_fall_on_midnights() {
        let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        let to: Timestamp = "2026-12-05T21:00:00Z".parse().unwrap();
        let from = to - jiff::SignedDuration::from_hours(14 * 24);
        let days = x_ticks(ChartKind::Temperature, from, to, &tz);
        assert_eq!(days.len(), 7);
        assert_eq!(days.last().map(|d| d.1.as_str()), Some("05/12"));
        assert!(days.iter().all(|(t, _)| t.to_zoned_datetime(tz.clone()).hour() == 0));
        let from = to - jiff::SignedDuration::from_hours(183 * 24);
        let months: Vec<String> = x_ticks(ChartKind::Weight, from, to, &tz).into_iter().map(|d| d.1).collect();
        assert_eq!(months, ["1 juil.", "1 août", "1 sept.", "1 oct.", "1 nov.", "1 déc."]);
    }

    #[test]
    fn weight_lines_need_age_and_height() {
        let s = AlertSettings::default();
        let at = |d: i64| Timestamp::from_second(d * 86_400).unwrap();
        let points = [
            ChartPoint { at: at(0), value: 60.0, low: None, alert: false },
            ChartPoint { at: at(180), value: 55.0, low: None, alert: false },
        ];
        assert!(weight_lines(65, Some(160.0), &points, &s).is_empty());
        let lines = weight_lines(85, Some(160.0), &points, &s);
        let values: Vec<f64> = lines.iter().map(|l| l.value).collect();
        // 22 × 1.6² = 56.3; 20 × 1.6² = 51.2; 60 − 10 % = 54; 60 − 15 % = 51.
        assert_eq!(values, vec![56.3, 51.2, 54.0, 51.0]);
        assert_eq!(lines[1].label, "IMC 20 : dénutrition sévère (51,2 kg)");
        assert_eq!(lines[2].label, "−10 % en 6 mois : dénutrition (54 kg)");
        // A month of history gives no 6-month reference.
        assert_eq!(weight_lines(85, None, &points[1..], &s), vec![]);
    }
}
