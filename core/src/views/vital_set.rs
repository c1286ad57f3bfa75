//! The vitals a professional enters together at the bedside: checked as a
//! whole before anything is kept (a decimal point in the wrong place is
//! offered its likely reading, an impossible value is named with the
//! catalogue's range), scored with NEWS2 once complete, and kept in one
//! transaction — all of the set or none of it.

use jiff::Timestamp;
use uuid::Uuid;

use crate::clinical::news2::{self, Consciousness, News2, News2Input};
use crate::clinical::units::{GlucoseUnit, glucose_in_the_other_unit, typo_hint};
use crate::domain::{Acvpu, Fact, Observation, ObservationValue, VitalCode};
use crate::error::Result;
use crate::store::Store;

/// What was typed; every measure is optional.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct VitalSet {
    pub temperature: Option<f64>,
    pub pulse: Option<f64>,
    pub respiratory_rate: Option<f64>,
    pub oxygen_saturation: Option<f64>,
    /// Systolic and diastolic, entered together.
    pub blood_pressure: Option<(f64, f64)>,
    pub consciousness: Option<Acvpu>,
    /// Supplemental oxygen in L/min; 0 is room air, None is not said.
    pub oxygen_flow: Option<f64>,
    pub pain: Option<f64>,
    pub weight: Option<f64>,
    /// As typed, in the establishment's entry unit (g/L by default); the
    /// record keeps mg/dL.
    pub glucose: Option<f64>,
}

/// A value to look at before saving.
#[derive(Debug, Clone, PartialEq)]
pub enum VitalProblem {
    /// Outside what a living person can show, with its likely reading when
    /// the decimal point moved ("375" → 37.5), or for glucose when it was
    /// typed in the other unit (never a power of ten without the units).
    /// A glycaemia's figures are in the unit it is entered in (`glucose`).
    Implausible { code: VitalCode, typed: f64, min: f64, max: f64, likely: Option<f64>, glucose: Option<GlucoseUnit> },
}

impl VitalProblem {
    /// In French, for the screen: "Température : 375 est impossible (entre
    /// 25 et 45 °C). 37,5 ?"
    pub fn message_fr(&self) -> String {
        use crate::domain::words::{number_fr, unit_fr};
        let VitalProblem::Implausible { code, typed, min, max, likely, glucose } = self;
        let unit = glucose.map_or_else(|| unit_fr(*code), |g| g.label_fr());
        let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
        let hint = match (self.likely_label_fr(), likely) {
            (Some(units), Some(_)) if glucose.is_some() => format!(" {units} ?"),
            (_, Some(l)) => format!(" {} ?", number_fr(*l)),
            (_, None) => String::new(),
        };
        format!(
            "{} : {} est impossible (entre {} et {}{unit}).{hint}",
            code.spec().label_fr,
            number_fr(*typed),
            number_fr(*min),
            number_fr(*max)
        )
    }
}

impl VitalProblem {
    /// The button that takes the likely reading, in French, with the units
    /// said when the reading is a unit's and not a decimal point's:
    /// « Corriger en 37,5 », « 1,2 g/L = 120 mg/dL ».
    pub fn likely_label_fr(&self) -> Option<String> {
        use crate::domain::words::number_fr;
        let VitalProblem::Implausible { typed, likely, glucose, .. } = self;
        let l = (*likely)?;
        Some(match glucose.and_then(|entry| Some((entry, glucose_in_the_other_unit(entry, *typed)?.0))) {
            Some((entry, other)) => {
                format!("{} {} = {} {}", number_fr(*typed), other.label_fr(), number_fr(l), entry.label_fr())
            }
            None => format!("Corriger en {}", number_fr(l)),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VitalSetPreview {
    pub problems: Vec<VitalProblem>,
    /// NEWS2 when the set is complete (the six parameters and whether on oxygen).
    pub news2: Option<News2>,
}

impl VitalSet {
    /// The scalar measures as (code, value), in the chart's order.
    fn scalars(&self) -> Vec<(VitalCode, f64)> {
        [
            (VitalCode::RespiratoryRate, self.respiratory_rate),
            (VitalCode::OxygenSaturation, self.oxygen_saturation),
            (VitalCode::OxygenFlow, self.oxygen_flow),
            (VitalCode::HeartRate, self.pulse),
            (VitalCode::Temperature, self.temperature),
            (VitalCode::Pain, self.pain),
            (VitalCode::Weight, self.weight),
            (VitalCode::Glucose, self.glucose),
        ]
        .into_iter()
        .filter_map(|(c, v)| v.map(|v| (c, v)))
        .collect()
    }

    /// What to look at before saving, glycaemia read in `glucose_unit`;
    /// empty when every value is plausible.
    pub fn problems(&self, glucose_unit: GlucoseUnit) -> Vec<VitalProblem> {
        let mut out: Vec<VitalProblem> = self
            .scalars()
            .into_iter()
            .filter_map(|(code, typed)| {
                let spec = code.spec();
                if code == VitalCode::Glucose {
                    let mg_dl = glucose_unit.to_mg_dl(typed);
                    let plausible = mg_dl.is_finite() && mg_dl >= spec.plausible_min && mg_dl <= spec.plausible_max;
                    let round = |v: f64| (v * 100.0).round() / 100.0;
                    return (!plausible).then(|| VitalProblem::Implausible {
                        code,
                        typed,
                        min: round(glucose_unit.of_mg_dl(spec.plausible_min)),
                        max: round(glucose_unit.of_mg_dl(spec.plausible_max)),
                        likely: glucose_in_the_other_unit(glucose_unit, typed).map(|(_, v)| v),
                        glucose: Some(glucose_unit),
                    });
                }
                let plausible = typed.is_finite() && typed >= spec.plausible_min && typed <= spec.plausible_max;
                (!plausible).then(|| VitalProblem::Implausible {
                    code,
                    typed,
                    min: spec.plausible_min,
                    max: spec.plausible_max,
                    likely: typo_hint(code, typed),
                    glucose: None,
                })
            })
            .collect();
        if let Some((systolic, diastolic)) = self.blood_pressure
            && crate::domain::vitals::validate(
                VitalCode::BloodPressure,
                &ObservationValue::BloodPressure { systolic, diastolic },
            )
            .is_err()
        {
            let spec = VitalCode::BloodPressure.spec();
            out.push(VitalProblem::Implausible {
                code: VitalCode::BloodPressure,
                typed: systolic,
                min: spec.plausible_min,
                max: spec.plausible_max,
                likely: None,
                glucose: None,
            });
        }
        out
    }

    /// NEWS2 of the set, when it is complete and plausible.
    pub fn news2(&self, hypercapnic: bool, glucose_unit: GlucoseUnit) -> Option<News2> {
        let input = News2Input {
            respiratory_rate: self.respiratory_rate?,
            spo2: self.oxygen_saturation?,
            on_oxygen: self.oxygen_flow? > 0.0,
            hypercapnic,
            systolic_bp: self.blood_pressure?.0,
            pulse: self.pulse?,
            consciousness: match self.consciousness? {
                Acvpu::Alert => Consciousness::Alert,
                _ => Consciousness::ConfusedOrReduced,
            },
            temperature: self.temperature?,
        };
        if !self.problems(glucose_unit).is_empty() {
            return None;
        }
        news2::score(&input).ok()
    }

    /// The observations to record, one fact per measure, glycaemia
    /// converted from `glucose_unit` to the record's mg/dL.
    fn facts(&self, resident_id: Uuid, at: Timestamp, glucose_unit: GlucoseUnit) -> Vec<Fact> {
        let observation = |code, value| Fact::Observation(Observation::new(resident_id, code, value, at));
        let in_record_unit = |c: VitalCode, v: f64| {
            if c == VitalCode::Glucose { (glucose_unit.to_mg_dl(v) * 100.0).round() / 100.0 } else { v }
        };
        let mut facts: Vec<Fact> = self
            .scalars()
            .into_iter()
            .map(|(c, v)| observation(c, ObservationValue::Quantity(in_record_unit(c, v))))
            .collect();
        if let Some((systolic, diastolic)) = self.blood_pressure {
            facts.push(observation(VitalCode::BloodPressure, ObservationValue::BloodPressure { systolic, diastolic }));
        }
        if let Some(level) = self.consciousness {
            facts.push(observation(VitalCode::Consciousness, ObservationValue::Consciousness(level)));
        }
        facts
    }
}

impl Store {
    /// What the screen shows before saving: problems to look at, and NEWS2
    /// with the resident's SpO2 scale when the set is complete.
    pub fn preview_vital_set(&self, resident_id: Uuid, set: &VitalSet) -> Result<VitalSetPreview> {
        self.require(None)?;
        let (resident, _) = self.resident(resident_id)?;
        let unit = self.glucose_entry_unit(resident.unit_id)?;
        Ok(VitalSetPreview { problems: set.problems(unit), news2: set.news2(resident.hypercapnic, unit) })
    }

    /// The unit glycaemia is typed in on `unit_id`: its establishment's.
    pub fn glucose_entry_unit(&self, unit_id: Uuid) -> Result<GlucoseUnit> {
        let unit = self.unit(unit_id)?;
        Ok(self.establishment(unit.establishment_id)?.glucose_entry_unit)
    }

    /// The unit glycaemia is typed in for this resident (their unit's
    /// establishment's), for the field to say it.
    pub fn glucose_entry_unit_of(&self, resident_id: Uuid) -> Result<GlucoseUnit> {
        self.require(None)?;
        let (resident, _) = self.resident(resident_id)?;
        self.glucose_entry_unit(resident.unit_id)
    }

    /// One measure as typed at the bedside (glycaemia in the entry unit),
    /// kept in the record's unit.
    pub fn record_typed_measure(&self, resident_id: Uuid, code: VitalCode, typed: f64, at: Timestamp) -> Result<Fact> {
        let value = if code == VitalCode::Glucose {
            (self.glucose_entry_unit_of(resident_id)?.to_mg_dl(typed) * 100.0).round() / 100.0
        } else {
            typed
        };
        self.record(Fact::Observation(Observation::new(resident_id, code, ObservationValue::Quantity(value), at)))
    }

    /// Keeps the whole set in one transaction, or nothing: a value refused
    /// refuses the set. Returns the facts kept.
    pub fn record_vital_set(&self, resident_id: Uuid, set: &VitalSet, at: Timestamp) -> Result<Vec<Fact>> {
        self.require(None)?;
        let (resident, _) = self.resident(resident_id)?;
        let facts = set.facts(resident_id, at, self.glucose_entry_unit(resident.unit_id)?);
        if facts.is_empty() {
            return Err(crate::error::CoreError::invalid("vital set", "no value entered"));
        }
        self.record_batch(facts)
    }
}
