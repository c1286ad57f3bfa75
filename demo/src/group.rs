//! The fictional group on a hub: what the demo and the whole-system tests
//! start from. Not part of what ships.

use chevet_core::demo::{DemoReference, demo_reference};
use chevet_core::domain::{Establishment, Staff, Unit};
use chevet_hub::Admin;
use uuid::Uuid;

/// A demo group on a hub: a tenant, an EHPAD with `units` floors, a nurse
/// and a care aide. Shared by the demo and the whole-system tests.
pub struct DemoGroup {
    pub tenant: Uuid,
    pub establishment: Establishment,
    pub units: Vec<Unit>,
    pub nurse: Staff,
    pub care_aide: Staff,
}

pub fn create_group<B: chevet_hub::backend::Backend>(
    admin: &Admin<'_, B>,
    units: usize,
) -> chevet_hub::error::HubResult<DemoGroup> {
    let tenant = admin.create_tenant("Groupe Les Tilleuls")?;
    let DemoReference { establishment, units, nurse, care_aide } = demo_reference(units);
    admin.put_establishment(tenant, &establishment)?;
    for u in &units {
        admin.put_unit(tenant, u)?;
    }
    admin.put_staff(tenant, &nurse)?;
    admin.put_staff(tenant, &care_aide)?;
    Ok(DemoGroup { tenant, establishment, units, nurse, care_aide })
}
