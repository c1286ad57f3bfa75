//! A medicine box's code read at the bedside (GS1 Data Matrix, or a bare
//! GTIN / CIP13), for the screen to show the product, lot and expiry before
//! the administration is recorded (which checks it again).

use chevet_core::domain::gs1::{MedicineBox, as_gtin14};

use crate::error::ChevetError;
use crate::ids::{PlannedActId, ResidentId, UnitId};
use crate::store::{ChevetStore, ts};

crate::store::store_area!(
    /// The medication round: doses due, boxes checked.
    /// Reached from the store: `store.medication()`.
    Medication,
    medication
);

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MedicineBoxInfo {
    /// GTIN-14, check digit verified.
    pub gtin: String,
    /// The CIP13 of a French medicine.
    pub cip13: Option<String>,
    pub lot: Option<String>,
    /// The last day of use, "YYYY-MM-DD".
    pub expiry_day: Option<String>,
    pub serial: Option<String>,
}

/// Reads the text a scanner gave for a medicine box; `today` ("YYYY-MM-DD",
/// the establishment's day) places the expiry's two-digit year.
#[uniffi::export]
pub fn read_medicine_box(scan: String, today: String) -> Result<MedicineBoxInfo, ChevetError> {
    let today: jiff::civil::Date =
        today.parse().map_err(|_| ChevetError::InvalidInput { field: "today".into(), reason: "not a date".into() })?;
    let b = match as_gtin14(&scan) {
        Some(gtin) => MedicineBox { gtin, lot: None, expiry: None, serial: None },
        None => MedicineBox::parse(&scan, today)?,
    };
    Ok((&b).into())
}

/// A resident's medication due on the round, with its prescription line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MedicationDueInfo {
    pub planned_act_id: PlannedActId,
    pub label: String,
    pub drug: String,
    pub dose: String,
    pub route: String,
    pub due_at_ms: i64,
    pub status: chevet_core::views::RoundStatus,
    /// The status as the screen says it, in French.
    pub status_label: String,
    /// Still to give: due, late or not recorded.
    pub open: bool,
    /// Late or not recorded (drawn in the alert colour).
    pub late: bool,
    /// The signed-in professional may give it (a care aide only with aide à la prise).
    pub may_record: bool,
    /// A nurse may close it (« donné hors tablette », « annulé »).
    pub may_close: bool,
    /// The prescriber allowed aide à la prise by a care aide.
    pub intake_assistance_allowed: bool,
    /// The product the box must be, when the prescription names one.
    pub expected_product: Option<String>,
}

impl From<&MedicineBox> for MedicineBoxInfo {
    fn from(b: &MedicineBox) -> Self {
        MedicineBoxInfo {
            gtin: b.gtin.clone(),
            cip13: b.cip13().map(str::to_owned),
            lot: b.lot.clone(),
            expiry_day: b.expiry.map(|d| d.to_string()),
            serial: b.serial.clone(),
        }
    }
}

#[uniffi::export]
impl Medication {
    /// The medication of one resident on the unit's round between two times,
    /// by time, with each line's prescription and status.
    pub fn medication_due(
        &self,
        unit_id: UnitId,
        resident_id: ResidentId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<MedicationDueInfo>, ChevetError> {
        let card = self.core()?.round_view_resident(unit_id.0, resident_id.0, ts(from_ms)?, ts(to_ms)?)?;
        Ok(card
            .into_iter()
            .flat_map(|c| c.items)
            .filter_map(|i| {
                let line = i.medication?;
                Some(MedicationDueInfo {
                    planned_act_id: i.planned_act_id.into(),
                    label: i.label,
                    drug: line.drug,
                    dose: line.dose,
                    route: line.route,
                    due_at_ms: i.due_at.as_millisecond(),
                    status_label: i.status.label_fr().to_owned(),
                    open: i.status.is_open(),
                    late: i.status.is_late(),
                    status: i.status,
                    may_record: i.may_record,
                    may_close: i.may_close,
                    intake_assistance_allowed: line.intake_assistance_allowed,
                    expected_product: line.expected_barcode,
                })
            })
            .collect())
    }

    /// Checks a scanned box against the medication act before the dose is
    /// given, as recording it will: the prescribed product, in date.
    pub fn check_medicine_box(
        &self,
        resident_id: ResidentId,
        planned_act_id: PlannedActId,
        scan: String,
        at_ms: i64,
    ) -> Result<MedicineBoxInfo, ChevetError> {
        let b = self.core()?.check_scanned_box(resident_id.0, planned_act_id.0, &scan, ts(at_ms)?)?;
        Ok((&b).into())
    }
}
