//! The demo EHPAD, for the apps' demo builds and the Kotlin tests only: this
//! file is compiled with the `demo` feature, which the shipped library does
//! not have, so neither invented residents nor the demo PIN are in it.

use crate::error::ChevetError;
use crate::store::ChevetStore;

type Result<T> = std::result::Result<T, ChevetError>;

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DemoInfo {
    pub unit_ids: Vec<String>,
    pub nurse_id: String,
    pub care_aide_id: String,
    pub resident_ids: Vec<String>,
    pub pin: String,
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
            unit_ids: d.units.iter().map(|u| u.id.to_string()).collect(),
            nurse_id: d.nurse.id.to_string(),
            care_aide_id: d.care_aide.id.to_string(),
            resident_ids: d.residents.iter().map(|r| r.id.to_string()).collect(),
            pin: chevet_core::demo::DEMO_PIN.to_owned(),
        })
    }
}
