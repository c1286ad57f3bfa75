//! The guided scale forms against the store: previewed and recorded at the
//! thresholds of the resident's establishment.

use jiff::Timestamp;
use uuid::Uuid;

use crate::clinical::scale_forms::{self, FormKind, FormPreview, FormRecord};
use crate::domain::{Fact, Observation, ObservationValue, Permission, ScaleAssessment, VitalCode};
use crate::error::Result;
use crate::store::Store;

/// A form recorded: its record, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormOutcome {
    pub record_id: Uuid,
    pub summary: String,
    pub positive: bool,
}

impl Store {
    fn norton_threshold(&self, resident_id: Uuid) -> Result<u8> {
        let (resident, _) = self.resident(resident_id)?;
        let establishment = self.establishment(self.unit(resident.unit_id)?.establishment_id)?;
        Ok(establishment.alert_settings.unwrap_or_default().norton_threshold)
    }

    /// Whether whoever is signed in may record `kind` (a self-reported
    /// pain score is a measure; the other scales are assessments).
    pub fn may_record_form(&self, kind: FormKind) -> Result<bool> {
        let staff = self.require(None)?;
        Ok(staff.role.has(match kind {
            FormKind::SelfReportedPain => Permission::RecordVitals,
            _ => Permission::ScoreAssessment,
        }))
    }

    /// Where a form being filled for `resident_id` stands.
    pub fn preview_scale_form(&self, resident_id: Uuid, kind: FormKind, answers: &[Option<u8>]) -> Result<FormPreview> {
        Ok(scale_forms::preview(kind, answers, self.norton_threshold(resident_id)?)?)
    }

    /// Records a complete form: a scale assessment, or a self-reported pain
    /// score as an observation with its tool. Nothing is written when an
    /// item is unanswered or out of range.
    pub fn record_scale_form(
        &self,
        resident_id: Uuid,
        kind: FormKind,
        answers: &[Option<u8>],
        at: Timestamp,
    ) -> Result<FormOutcome> {
        let preview = self.preview_scale_form(resident_id, kind, answers)?;
        let fact = match scale_forms::to_record(kind, answers)? {
            FormRecord::Scale(answers) => Fact::ScaleAssessment(ScaleAssessment::new(resident_id, answers, at)),
            FormRecord::Pain { score, tool } => Fact::Observation(Observation {
                method: Some(tool.into()),
                ..Observation::new(resident_id, VitalCode::Pain, ObservationValue::Quantity(score), at)
            }),
        };
        let record_id = self.record(fact)?.id();
        Ok(FormOutcome { record_id, summary: preview.summary, positive: preview.positive })
    }
}
