//! Exports of a resident's record. Each export is audited.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::audit::AuditAction;
use super::{PhotoRendition, Store};
use crate::domain::{Fact, MedicationLine, Staff};
use crate::error::{CoreError, Result};
use crate::export::dlu::{self, DluSource};
use crate::export::fhir::{self, FhirOptions, FhirSource};
use crate::store::TimelineEntry;

impl Store {
    /// The DLU-FLUDT document (CDA R2, UTF-8 XML) of a recorded emergency
    /// transfer. Needs the vitals of the last 24 hours and a weight
    /// ([`CoreError::MissingData`] otherwise). Audited.
    pub fn export_dlu_fludt(&self, transfer_id: Uuid) -> Result<String> {
        let staff = self.require(None)?;
        let transfer = match self.fact(transfer_id) {
            Ok((Fact::EmergencyTransfer(t), false)) => *t,
            Ok((Fact::EmergencyTransfer(_), true)) => {
                return Err(CoreError::invalid("transfer", "this transfer sheet was entered in error"));
            }
            Ok(_) | Err(CoreError::NotFound { .. }) => {
                return Err(CoreError::NotFound { kind: "emergency_transfer", id: transfer_id });
            }
            Err(e) => return Err(e),
        };
        let file = self.open_resident_file(transfer.resident_id, 0)?;
        let establishment = self.establishment(self.unit(file.resident.unit_id)?.establishment_id)?;
        let author = self.staff(transfer.meta.author).unwrap_or_else(|_| staff.clone());
        let treatments: Vec<MedicationLine> =
            file.care_plan.iter().filter(|(p, _)| p.active).filter_map(|(p, _)| p.medication.clone()).collect();
        let source = DluSource {
            transfer: &transfer,
            resident: &file.resident,
            establishment: &establishment,
            author: &author,
            latest_vitals: &file.latest_vitals,
            treatments: &treatments,
            document_id: Uuid::now_v7(),
        };
        let xml = dlu::fludt(&source)?;
        self.write(Some(staff.id), |w| w.audit(AuditAction::Export, "emergency_transfer", transfer_id))?;
        log::info!("DLU-FLUDT of transfer {transfer_id} by staff {}", staff.id);
        Ok(xml)
    }

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
                    first_pin_code: None,
                    units: Vec::new(),
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
