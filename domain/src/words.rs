//! The French words of the care record, in one place: one line per fact as
//! a resident's timeline lists them, the answers offered for an act not
//! done, numbers and units as French writes them. The apps, the documents
//! and the console show these as they are, so a word changed here changes
//! everywhere, and nowhere else has its own copy.

use crate::clinical::scales::ScaleAnswers;

use super::records::{ActOutcome, AdministrationOutcome, Fact, NotDoneReason, VisitEvent};
use super::vitals::{ObservationValue, VitalCode};
use super::wound::{Exudate, NpiapStage, TissueType};

/// Numbers as French writes them: a decimal comma, no trailing zeros.
pub fn number_fr(v: f64) -> String {
    let text = format!("{:.1}", v);
    text.strip_suffix(".0").unwrap_or(&text).replace('.', ",")
}

/// Why an act was not done, in lower case as it reads inside a sentence
/// (« Soin non fait (endormi) »).
pub fn reason_fr(r: &NotDoneReason) -> String {
    match r {
        NotDoneReason::Absent => "absent".into(),
        NotDoneReason::Asleep => "endormi".into(),
        NotDoneReason::ClinicalDecision => "décision clinique".into(),
        NotDoneReason::Workload => "charge de travail".into(),
        NotDoneReason::Cancelled => "annulé".into(),
        NotDoneReason::Other(text) => text.clone(),
    }
}

/// An answer as the button that records it says it (« Résident absent »).
pub fn outcome_choice_fr(o: &ActOutcome) -> String {
    match o {
        ActOutcome::Done => "Fait".into(),
        ActOutcome::PartlyDone => "Fait en partie".into(),
        ActOutcome::Refused => "Refusé par le résident".into(),
        ActOutcome::NotDone(NotDoneReason::Absent) => "Résident absent".into(),
        ActOutcome::NotDone(NotDoneReason::Asleep) => "Résident endormi".into(),
        ActOutcome::NotDone(NotDoneReason::ClinicalDecision) => "Décision clinique".into(),
        ActOutcome::NotDone(NotDoneReason::Workload) => "Pas eu le temps".into(),
        ActOutcome::NotDone(NotDoneReason::Cancelled) => "Annulé".into(),
        ActOutcome::NotDone(NotDoneReason::Other(text)) => text.clone(),
    }
}

/// A time as every screen says it: « 08 h 00 » today, « hier 08 h 00 »,
/// « lun. 16/11 08 h 00 » within the week or later (non-breaking spaces:
/// a time never wraps).
pub fn when_fr(at: jiff::Timestamp, now: jiff::Timestamp, tz: &jiff::tz::TimeZone) -> String {
    let (at, now) = (at.to_zoned_datetime(tz.clone()), now.to_zoned_datetime(tz.clone()));
    let clock = format!("{:02}\u{a0}h\u{a0}{:02}", at.hour(), at.minute());
    let days = (now.date() - at.date()).get_days();
    let day = match days {
        0 => return clock,
        1 => "hier".to_owned(),
        -1 => "demain".to_owned(),
        _ => {
            let weekday = match at.weekday() {
                jiff::civil::Weekday::Monday => "lun.",
                jiff::civil::Weekday::Tuesday => "mar.",
                jiff::civil::Weekday::Wednesday => "mer.",
                jiff::civil::Weekday::Thursday => "jeu.",
                jiff::civil::Weekday::Friday => "ven.",
                jiff::civil::Weekday::Saturday => "sam.",
                jiff::civil::Weekday::Sunday => "dim.",
            };
            format!("{weekday}\u{a0}{:02}/{:02}", at.day(), at.month())
        }
    };
    format!("{day} {clock}")
}

/// The first letter in upper case: a word that starts a label.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn exudate_fr(e: Exudate) -> &'static str {
    match e {
        Exudate::None => "sans exsudat",
        Exudate::Light => "exsudat faible",
        Exudate::Moderate => "exsudat modéré",
        Exudate::Heavy => "exsudat abondant",
    }
}

fn tissue_fr(t: TissueType) -> &'static str {
    match t {
        TissueType::Closed => "fermée",
        TissueType::Epithelial => "épithélialisation",
        TissueType::Granulation => "bourgeonnement",
        TissueType::Slough => "fibrine",
        TissueType::Necrotic => "nécrose",
    }
}

pub fn stage_fr(s: NpiapStage) -> &'static str {
    match s {
        NpiapStage::Stage1 => "stade 1",
        NpiapStage::Stage2 => "stade 2",
        NpiapStage::Stage3 => "stade 3",
        NpiapStage::Stage4 => "stade 4",
        NpiapStage::Unstageable => "non classable",
        NpiapStage::DeepTissue => "lésion des tissus profonds",
    }
}

/// A measure's unit as the screens write it ("°C", "mmHg"; none for a score).
pub fn unit_fr(code: VitalCode) -> &'static str {
    match code.spec().ucum {
        "Cel" => "°C",
        "mm[Hg]" => "mmHg",
        "{score}" | "{ACVPU}" => "",
        other => other,
    }
}

/// A measure as the screens show it ("Température : 38,2 °C").
pub fn measure_fr(code: VitalCode, value: &ObservationValue) -> String {
    let spec = code.spec();
    let unit = unit_fr(code);
    let value = match value {
        ObservationValue::Quantity(v) => number_fr(*v),
        ObservationValue::BloodPressure { systolic, diastolic } => {
            format!("{}/{}", number_fr(*systolic), number_fr(*diastolic))
        }
        ObservationValue::Consciousness(level) => level.label_fr().into(),
    };
    format!("{} : {value}{}{unit}", spec.label_fr, if unit.is_empty() { "" } else { " " })
}

impl Fact {
    /// What happened, in one line of French ("Soin fait", "Température :
    /// 38,2 °C"). Free text a professional wrote (transmission data, comments)
    /// is left to the detail screen, except a transmission's target.
    pub fn summary_fr(&self) -> String {
        match self {
            Fact::Act(a) => match &a.outcome {
                ActOutcome::Done if a.recorded_elsewhere => "Soin fait hors tablette".into(),
                ActOutcome::Done => "Soin fait".into(),
                ActOutcome::PartlyDone => "Soin fait en partie".into(),
                ActOutcome::NotDone(r) => format!("Soin non fait ({})", reason_fr(r)),
                ActOutcome::Refused => "Soin refusé".into(),
            },
            Fact::Administration(a) => match &a.outcome {
                AdministrationOutcome::Given if a.recorded_elsewhere => "Médicament donné hors tablette".into(),
                AdministrationOutcome::Given => "Médicament donné".into(),
                AdministrationOutcome::Refused => "Médicament refusé".into(),
                AdministrationOutcome::SpatOut => "Médicament recraché".into(),
                AdministrationOutcome::NotGiven(r) => format!("Médicament non donné ({})", reason_fr(r)),
            },
            Fact::Observation(o) => measure_fr(o.code, &o.value),
            Fact::Transmission(t) => format!("Transmission ciblée : {}", t.target),
            Fact::WoundAssessment(w) => {
                let stage = w.stage.map(|s| format!(", {}", stage_fr(s))).unwrap_or_default();
                format!(
                    "Plaie évaluée : {} × {} cm, {}, {}{stage}",
                    number_fr(w.length_cm),
                    number_fr(w.width_cm),
                    tissue_fr(w.tissue),
                    exudate_fr(w.exudate)
                )
            }
            Fact::VisitStamp(v) => match v.event {
                VisitEvent::Start => "Début de passage".into(),
                VisitEvent::Stop => "Fin de passage".into(),
            },
            Fact::Correction(c) => format!("Saisie annulée : {}", c.reason),
            Fact::Photo(p) => format!("Photo de plaie ({})", p.body_site),
            Fact::EmergencyTransfer(_) => "Fiche de liaison d'urgence".into(),
            Fact::ScaleAssessment(s) => {
                match (&s.answers, s.answers.evaluate(crate::clinical::alerts::norton_default())) {
                    // Whether a Norton total is "at risk" depends on the team's
                    // threshold, which the alerts apply; the line gives the total.
                    (ScaleAnswers::Norton(_), Ok(result)) => format!("Norton {}/20", result.total),
                    (_, Ok(result)) => result.summary_fr,
                    (_, Err(_)) => format!("{} : réponses illisibles", s.answers.name()),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use uuid::Uuid;

    use super::*;
    use crate::records::{ActRecord, Observation, RecordMeta};
    use crate::vitals::Acvpu;

    fn meta() -> RecordMeta {
        RecordMeta::at(Timestamp::UNIX_EPOCH)
    }

    fn observation(code: VitalCode, value: ObservationValue) -> Fact {
        Fact::Observation(Observation {
            id: Uuid::nil(),
            resident_id: Uuid::nil(),
            code,
            value,
            method: None,
            meta: meta(),
        })
    }

    #[test]
    fn times_say_the_day_when_it_is_not_today() {
        let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
        let at = |d: i8, h: i8, m: i8| {
            jiff::civil::date(2026, 11, d).at(h, m, 0, 0).to_zoned_datetime(tz.clone()).unwrap().timestamp()
        };
        let now = at(23, 14, 1);
        assert_eq!(when_fr(at(23, 8, 0), now, &tz), "08\u{a0}h\u{a0}00");
        assert_eq!(when_fr(at(22, 20, 5), now, &tz), "hier 20\u{a0}h\u{a0}05");
        assert_eq!(when_fr(at(24, 0, 30), now, &tz), "demain 00\u{a0}h\u{a0}30");
        assert_eq!(when_fr(at(16, 8, 0), now, &tz), "lun.\u{a0}16/11 08\u{a0}h\u{a0}00");
    }

    #[test]
    fn measures_read_as_french_writes_them() {
        assert_eq!(
            observation(VitalCode::Temperature, ObservationValue::Quantity(38.2)).summary_fr(),
            "Température : 38,2 °C"
        );
        assert_eq!(
            observation(VitalCode::BloodPressure, ObservationValue::BloodPressure { systolic: 142.0, diastolic: 81.0 })
                .summary_fr(),
            "Tension artérielle : 142/81 mmHg"
        );
        assert_eq!(
            observation(VitalCode::Consciousness, ObservationValue::Consciousness(Acvpu::NewConfusion)).summary_fr(),
            "Conscience (ACVPU) : confusion nouvelle"
        );
    }

    #[test]
    fn acts_say_what_happened_and_why_not() {
        let act = |outcome| {
            Fact::Act(ActRecord {
                id: Uuid::nil(),
                resident_id: Uuid::nil(),
                planned_act_id: None,
                occurrence: None,
                outcome,
                recorded_elsewhere: false,
                comment: Some("texte libre".into()),
                meta: meta(),
            })
        };
        assert_eq!(act(ActOutcome::Done).summary_fr(), "Soin fait");
        assert_eq!(act(ActOutcome::NotDone(NotDoneReason::Asleep)).summary_fr(), "Soin non fait (endormi)");
        assert!(!act(ActOutcome::Refused).summary_fr().contains("texte libre"));
    }

    #[test]
    fn scales_read_once_and_norton_without_a_threshold() {
        use crate::clinical::scales::{Braden, Norton};
        let scale = |answers| {
            Fact::ScaleAssessment(crate::ScaleAssessment {
                id: Uuid::nil(),
                resident_id: Uuid::nil(),
                answers,
                meta: meta(),
            })
            .summary_fr()
        };
        let braden =
            Braden { sensory_perception: 2, moisture: 2, activity: 2, mobility: 2, nutrition: 2, friction_shear: 2 };
        let line = scale(ScaleAnswers::Braden(braden));
        assert!(line.starts_with("Braden 12/23") && line.matches("Braden").count() == 1, "{line}");
        let norton = Norton { physical_condition: 3, mental_condition: 3, activity: 3, mobility: 3, incontinence: 2 };
        assert_eq!(scale(ScaleAnswers::Norton(norton)), "Norton 14/20");
    }
}
