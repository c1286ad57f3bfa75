//! Exports of a resident's record. Each export is audited.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::audit::AuditAction;
use super::{PhotoRendition, Store};
use crate::domain::{Fact, Staff};
use crate::error::Result;
use crate::export::fhir::{self, FhirOptions, FhirSource};
use crate::store::TimelineEntry;

impl Store {
    /// The resident's record as a FHIR R4 Bundle (JSON text). Needs a
    /// session; writes an `export` audit entry naming the resident.
    pub fn export_fhir(&self, resident_id: Uuid, options: FhirOptions) -> Result<String> {
        let staff = self.require(None)?;
        let file = self.open_resident_file(resident_id, usize::MAX)?;
        let establishment = self.establishment(self.unit(file.resident.unit_id)?.establishment_id)?;
        let authors: BTreeSet<Uuid> = file
            .timeline
            .iter()
            .filter_map(|e| match e {
                TimelineEntry::Fact { fact, .. } if !matches!(fact, Fact::Correction(_)) => Some(fact.meta().author),
                _ => None,
            })
            .collect();
        // An author not in this device's staff list (left, or another
        // establishment) is exported by id alone, so references resolve.
        let staff_list: Vec<Staff> = authors
            .into_iter()
            .map(|id| {
                self.staff(id).unwrap_or(Staff {
                    id,
                    display_name: format!("Professionnel {id}"),
                    role: crate::domain::Role::CareAide,
                    rpps: None,
                })
            })
            .collect();
        let photo_data = |id: Uuid| {
            if options.include_photo_data { self.photo_image(id, PhotoRendition::Display).ok() } else { None }
        };
        let source = FhirSource {
            file: &file,
            establishment: &establishment,
            staff: &staff_list,
            photo_data: &photo_data,
            now: self.now(),
        };
        let bundle = fhir::bundle(&source);
        self.write(Some(staff.id), |w| w.audit(AuditAction::Export, "resident", resident_id))?;
        log::info!("FHIR export of resident {resident_id} by staff {}", staff.id);
        serde_json::to_string_pretty(&bundle)
            .map_err(|_| crate::error::CoreError::invalid("export", "not serialisable"))
    }
}
