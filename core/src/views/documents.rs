//! Exports of a resident's record. Each export is audited.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::ResidentFile;
use super::TimelineEntry;
use crate::domain::{Fact, MedicationLine, Staff};
use crate::error::{CoreError, Result};
use crate::export::dlu::{self, DluSource};
use crate::export::fhir::{self, FhirOptions, FhirSource};
use crate::store::{AuditAction, PhotoRendition, Store};

struct DluParts {
    staff: Staff,
    transfer: crate::domain::EmergencyTransfer,
    file: ResidentFile,
    establishment: crate::domain::Establishment,
    author: Staff,
    treatments: Vec<MedicationLine>,
}

impl DluParts {
    fn source(&self) -> DluSource<'_> {
        DluSource {
            transfer: &self.transfer,
            resident: &self.file.resident,
            establishment: &self.establishment,
            author: &self.author,
            latest_vitals: &self.file.latest_vitals,
            treatments: &self.treatments,
            document_id: Uuid::now_v7(),
        }
    }
}

/// A transfer's sheet, its printable page, and its DLU-FLUDT document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferDocuments {
    pub sheet: dlu::TransferSheet,
    /// A self-contained HTML page to print.
    pub html: String,
    /// None while a vital the document requires is missing.
    pub fludt: Option<String>,
}

impl Store {
    /// What a DLU is built from: the transfer (not entered in error), the
    /// resident's file, establishment, author and active treatments.
    fn dlu_parts(&self, transfer_id: Uuid) -> Result<DluParts> {
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
        Ok(DluParts { staff, transfer, file, establishment, author, treatments })
    }

    /// The DLU-FLUDT document (CDA R2, UTF-8 XML) of a recorded emergency
    /// transfer. Needs the vitals of the last 24 hours and a weight
    /// ([`CoreError::MissingData`] otherwise). Audited.
    pub fn export_dlu_fludt(&self, transfer_id: Uuid) -> Result<String> {
        let p = self.dlu_parts(transfer_id)?;
        let xml = dlu::fludt(&p.source())?;
        self.write(Some(p.staff.id), |w| w.audit(AuditAction::Export, "emergency_transfer", transfer_id))?;
        log::info!("DLU-FLUDT of transfer {transfer_id} by staff {}", p.staff.id);
        Ok(xml)
    }

    /// Everything the transfer needs at once: the sheet to show, the page
    /// to print, and the DLU-FLUDT document when the vitals it requires are
    /// there (the sheet then says which are missing). Audited as an export.
    pub fn emergency_transfer_documents(&self, transfer_id: Uuid) -> Result<TransferDocuments> {
        let p = self.dlu_parts(transfer_id)?;
        let source = p.source();
        let sheet = dlu::sheet(&source)?;
        let fludt = if sheet.missing.is_empty() { Some(dlu::fludt(&source)?) } else { None };
        let html = dlu::sheet_html(&sheet);
        self.write(Some(p.staff.id), |w| w.audit(AuditAction::Export, "emergency_transfer", transfer_id))?;
        log::info!("transfer sheet {transfer_id} by staff {}", p.staff.id);
        Ok(TransferDocuments { sheet, html, fludt })
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
                    deactivated_at: None,
                    units: Vec::new(),
                })
            })
            .collect();
        let photo_data = |id: Uuid| {
            if options.include_photo_data { self.photo_image(id, PhotoRendition::Display).ok() } else { None }
        };
        let care_plan: Vec<_> = file.care_plan.iter().map(|(p, _)| p.clone()).collect();
        let wounds: Vec<_> = file.wounds.iter().map(|(w, _)| w.clone()).collect();
        let facts: Vec<(Fact, bool)> = file
            .timeline
            .iter()
            .filter_map(|e| match e {
                TimelineEntry::Fact { fact, entered_in_error } => Some((fact.clone(), *entered_in_error)),
                TimelineEntry::Unreadable(_) => None,
            })
            .collect();
        let source = FhirSource {
            resident: &file.resident,
            care_plan: &care_plan,
            wounds: &wounds,
            facts: &facts,
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
