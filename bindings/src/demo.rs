//! The demo EHPAD, for the apps' demo builds and the Kotlin tests only: this
//! file is compiled with the `demo` feature, which the shipped library does
//! not have, so neither invented residents nor the demo PIN are in it.

use crate::error::ChevetError;
use crate::ids::{PlannedActId, ResidentId, StaffId, UnitId};
use crate::store::ChevetStore;

type Result<T> = std::result::Result<T, ChevetError>;

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DemoInfo {
    pub unit_ids: Vec<UnitId>,
    pub nurse_id: StaffId,
    pub care_aide_id: StaffId,
    pub resident_ids: Vec<ResidentId>,
    pub pin: String,
    /// A professional with no PIN yet, and the first-PIN code printed for her.
    pub newcomer_id: StaffId,
    pub newcomer_first_pin_code: String,
}

#[uniffi::export]
impl ChevetStore {
    /// Fills a new store with the demo EHPAD and marks it a demo store: it
    /// is refused on a store that is enrolled or holds residents, and a demo
    /// store can never enrol with a hub.
    pub fn seed_demo(&self, units: u32, residents_per_unit: u32, history_days: u32) -> Result<DemoInfo> {
        let store = self.core()?;
        let d = chevet_core::demo::seed(&store, units as usize, residents_per_unit as usize, history_days)?;
        Ok(DemoInfo {
            unit_ids: d.units.iter().map(|u| u.id.into()).collect(),
            nurse_id: d.nurse.id.into(),
            care_aide_id: d.care_aide.id.into(),
            resident_ids: d.residents.iter().map(|r| r.id.into()).collect(),
            pin: chevet_core::demo::DEMO_PIN.to_owned(),
            newcomer_id: d.newcomer.id.into(),
            newcomer_first_pin_code: d.newcomer_code,
        })
    }
}

#[uniffi::export]
impl ChevetStore {
    /// Prescribes the demo's paracetamol to a resident once a day at `time`
    /// ("HH:MM") from `day` ("YYYY-MM-DD"), its box the demo CIP13: what the
    /// prescriber's software would send, for tests that need a dose due at a
    /// known time. Needs a signed-in nurse, like any care-plan change.
    pub fn plan_demo_medication(
        &self,
        resident_id: ResidentId,
        time: String,
        day: String,
        intake_assistance_allowed: bool,
    ) -> Result<PlannedActId> {
        use chevet_core::domain::{ActKind, MedicationLine, PlannedAct, Recurrence, Schedule};
        let invalid = |field: &str| ChevetError::InvalidInput { field: field.into(), reason: "unreadable".into() };
        let act = PlannedAct {
            id: chevet_core::domain::new_record_id(),
            resident_id: resident_id.0,
            kind: ActKind::Medication,
            label: "Paracétamol 1 g".into(),
            schedule: Schedule {
                times: vec![time.parse().map_err(|_| invalid("time"))?],
                recurrence: Recurrence::Daily,
                start: day.parse().map_err(|_| invalid("day"))?,
                end: None,
            },
            medication: Some(MedicationLine {
                drug: "Paracétamol".into(),
                dose: "1 g".into(),
                route: "orale".into(),
                intake_assistance_allowed,
                expected_barcode: Some(chevet_core::demo::DEMO_PARACETAMOL_CIP13.into()),
            }),
            active: true,
        };
        self.core()?.create_planned_act(&act)?;
        Ok(act.id.into())
    }
}
