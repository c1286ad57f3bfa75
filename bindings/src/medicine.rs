//! A medicine box's code read at the bedside (GS1 Data Matrix, or a bare
//! GTIN / CIP13), for the screen to show the product, lot and expiry before
//! the administration is recorded (which checks it again).

use chevet_core::domain::gs1::{MedicineBox, as_gtin14};

use crate::error::ChevetError;

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
    Ok(MedicineBoxInfo {
        cip13: b.cip13().map(str::to_owned),
        expiry_day: b.expiry.map(|d| d.to_string()),
        gtin: b.gtin,
        lot: b.lot,
        serial: b.serial,
    })
}
