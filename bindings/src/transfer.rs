//! The emergency transfer sheet (DLU-FLUDT): filled in when a resident
//! leaves for the emergency department, exported as the CDA document the
//! hospital reads.

use chevet_core::domain::{Consciousness, EmergencyTransfer, Fact, PersonalItem, TransferStatement};

use crate::error::ChevetError;
use crate::ids::{RecordId, ResidentId};
use crate::store::{ChevetStore, ts};

crate::store::store_area!(
    /// The emergency transfer sheet and its documents.
    /// Reached from the store: `store.transfers()`.
    Transfers,
    transfers
);

type Result<T> = std::result::Result<T, ChevetError>;

/// State of consciousness at departure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsciousnessAtDeparture {
    /// Conscient et éveillé.
    AwakeAndAlert,
    /// Éveillable.
    Arousable,
    /// Non éveillable.
    NotArousable,
}

/// A prosthesis or personal object that goes with the resident.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum PersonalItemInfo {
    Glasses,
    DentalProsthesis,
    HearingAid,
    Other { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferEntry {
    pub resident_id: ResidentId,
    /// Motif du transfert.
    pub reason: String,
    pub destination: Option<String>,
    pub consciousness: ConsciousnessAtDeparture,
    pub recent_pain: bool,
    /// 0–10, when taken.
    pub pain_score: Option<u8>,
    pub last_meal_at_ms: i64,
    pub items: Vec<PersonalItemInfo>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SheetSectionInfo {
    pub title: String,
    pub lines: Vec<String>,
}

/// A recorded transfer, ready to show, print and send.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransferDocumentsInfo {
    pub title: String,
    pub sections: Vec<SheetSectionInfo>,
    /// Vitals to take before leaving (the document waits for them), in French.
    pub missing: Vec<String>,
    /// The sheet as a self-contained page to print.
    pub html: String,
    /// The DLU-FLUDT document (CDA R2 XML), once nothing is missing.
    pub fludt: Option<String>,
}

#[uniffi::export]
impl Transfers {
    /// The transfer's sheet, printable page and DLU-FLUDT document at once
    /// (audited as an export).
    pub fn emergency_transfer_documents(&self, transfer_id: RecordId) -> Result<TransferDocumentsInfo> {
        let d = self.core()?.emergency_transfer_documents(transfer_id.0)?;
        Ok(TransferDocumentsInfo {
            title: d.sheet.title,
            sections: d
                .sheet
                .sections
                .into_iter()
                .map(|s| SheetSectionInfo { title: s.title.into(), lines: s.lines })
                .collect(),
            missing: d.sheet.missing,
            html: d.html,
            fludt: d.fludt,
        })
    }

    /// Records the emergency transfer sheet; returns its id.
    pub fn record_emergency_transfer(&self, entry: TransferEntry, at_ms: i64) -> Result<RecordId> {
        let resident_id = entry.resident_id.0;
        let statement = TransferStatement {
            reason: entry.reason,
            destination: entry.destination,
            consciousness: match entry.consciousness {
                ConsciousnessAtDeparture::AwakeAndAlert => Consciousness::AwakeAndAlert,
                ConsciousnessAtDeparture::Arousable => Consciousness::Arousable,
                ConsciousnessAtDeparture::NotArousable => Consciousness::NotArousable,
            },
            recent_pain: entry.recent_pain,
            pain_score: entry.pain_score,
            last_meal_at: ts(entry.last_meal_at_ms)?,
            items: entry
                .items
                .into_iter()
                .map(|i| match i {
                    PersonalItemInfo::Glasses => PersonalItem::Glasses,
                    PersonalItemInfo::DentalProsthesis => PersonalItem::DentalProsthesis,
                    PersonalItemInfo::HearingAid => PersonalItem::HearingAid,
                    PersonalItemInfo::Other { name } => PersonalItem::Other(name),
                })
                .collect(),
            comment: entry.comment,
        };
        let fact = Fact::EmergencyTransfer(Box::new(EmergencyTransfer::new(resident_id, statement, ts(at_ms)?)));
        Ok(self.core()?.record(fact)?.id().into())
    }

    /// The transfer sheet as a DLU-FLUDT CDA R2 document (XML), for the
    /// hospital; needs the vitals of the last 24 hours and a weight. The
    /// export is audited.
    pub fn export_dlu(&self, transfer_id: RecordId) -> Result<String> {
        Ok(self.core()?.export_dlu_fludt(transfer_id.0)?)
    }
}
