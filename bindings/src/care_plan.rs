//! The care plan as nurses change it at the bedside: planning an act,
//! stopping one, and closing a healed wound. Medication lines come from the
//! prescriber's software, not from here.

use chevet_core::domain::{ActKind, PlannedAct, Recurrence, Schedule, new_record_id};
use jiff::civil::Weekday;

use crate::error::ChevetError;
use crate::ids::{PlannedActId, ResidentId, WoundId};
use crate::route::{date, time};
use crate::store::ChevetStore;

crate::store::store_area!(
    /// The care plan: acts planned and stopped, wounds closed.
    /// Reached from the store: `store.care_plan()`.
    CarePlan,
    care_plan
);

type Result<T> = std::result::Result<T, ChevetError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CareActKind {
    /// Toilette.
    Hygiene,
    /// Change, aide à l'élimination.
    Continence,
    /// Aide au repas, hydratation.
    MealAssistance,
    /// Pansement.
    WoundDressing,
    /// Prise de constantes.
    Vitals,
    /// Mobilisation, changes of position.
    Mobilisation,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Repeat {
    Daily,
    EveryNDays {
        n: u16,
    },
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    Weekdays {
        days: Vec<u8>,
    },
    /// Si besoin: recorded when needed, never due.
    AsNeeded,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlannedActEntry {
    pub resident_id: ResidentId,
    pub kind: CareActKind,
    /// "Toilette complète au lit", "Change", "Mobilisation toutes les 3 h".
    pub label: String,
    /// Local "HH:MM" times.
    pub times: Vec<String>,
    pub repeat: Repeat,
    /// "YYYY-MM-DD".
    pub start_day: String,
    pub end_day: Option<String>,
}

fn weekday(d: u8) -> Result<Weekday> {
    i8::try_from(d)
        .ok()
        .and_then(|d| Weekday::from_monday_one_offset(d).ok())
        .ok_or_else(|| ChevetError::InvalidInput { field: "repeat.days".into(), reason: "1 (Monday) to 7".into() })
}

#[uniffi::export]
impl CarePlan {
    /// Adds an act to a resident's care plan; returns its id.
    pub fn plan_act(&self, entry: PlannedActEntry) -> Result<PlannedActId> {
        let act = PlannedAct {
            id: new_record_id(),
            resident_id: entry.resident_id.0,
            kind: match entry.kind {
                CareActKind::Hygiene => ActKind::Hygiene,
                CareActKind::Continence => ActKind::Continence,
                CareActKind::MealAssistance => ActKind::MealAssistance,
                CareActKind::WoundDressing => ActKind::WoundDressing,
                CareActKind::Vitals => ActKind::Vitals,
                CareActKind::Mobilisation => ActKind::Mobilisation,
                CareActKind::Other => ActKind::Other,
            },
            label: entry.label,
            schedule: Schedule {
                times: entry.times.iter().map(|t| time("times", t)).collect::<Result<_>>()?,
                recurrence: match entry.repeat {
                    Repeat::Daily => Recurrence::Daily,
                    Repeat::EveryNDays { n } => Recurrence::EveryNDays(n),
                    Repeat::Weekdays { days } => {
                        Recurrence::Weekdays(days.into_iter().map(weekday).collect::<Result<_>>()?)
                    }
                    Repeat::AsNeeded => Recurrence::AsNeeded,
                },
                start: date("start_day", &entry.start_day)?,
                end: entry.end_day.map(|d| date("end_day", &d)).transpose()?,
            },
            medication: None,
            active: true,
        };
        self.core()?.create_planned_act(&act)?;
        Ok(act.id.into())
    }

    /// Stops a planned act: it stays in the record, no longer due.
    pub fn stop_planned_act(&self, resident_id: ResidentId, planned_act_id: PlannedActId) -> Result<()> {
        let store = self.core()?;
        let id = planned_act_id.0;
        let (act, version) = store
            .care_plan(resident_id.0)?
            .into_iter()
            .find(|(a, _)| a.id == id)
            .ok_or(ChevetError::NotFound { kind: "planned_act".into(), id: planned_act_id.to_string() })?;
        Ok(store.update_planned_act(&PlannedAct { active: false, ..act }, version)?)
    }

    /// Closes a wound as healed on `day` ("YYYY-MM-DD").
    pub fn close_wound(&self, resident_id: ResidentId, wound_id: WoundId, day: String) -> Result<()> {
        let store = self.core()?;
        let id = wound_id.0;
        let (wound, version) = store
            .wounds(resident_id.0)?
            .into_iter()
            .find(|(w, _)| w.id == id)
            .ok_or(ChevetError::NotFound { kind: "wound".into(), id: wound_id.to_string() })?;
        let healed = chevet_core::domain::Wound { healed_on: Some(date("day", &day)?), ..wound };
        store.save_wound(&healed, Some(version))?;
        Ok(())
    }
}
