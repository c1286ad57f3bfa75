//! The bedside scales as guided forms: the form's wording, the score as the
//! answers come, the form recorded. The core holds every word and rule.

use chevet_core::clinical::scale_forms::{self, FormKind, ItemStyle};

use crate::error::ChevetError;
use crate::ids::{RecordId, ResidentId};
use crate::store::{ChevetStore, ts};

crate::store::store_area!(
    /// The bedside scales as guided forms.
    /// Reached from the store: `store.scales()`.
    Scales,
    scales
);

type Result<T> = std::result::Result<T, ChevetError>;

/// Which guided form.
#[uniffi::remote(Enum)]
pub enum FormKind {
    Braden,
    Norton,
    Algoplus,
    Doloplus,
    SelfReportedPain,
    MnaSf,
    Aggir,
}

/// How an item is answered: one option (its index), or AGGIR's four
/// adverbs ticked (a mask: bit 0 S, 1 T, 2 C, 3 H).
#[uniffi::remote(Enum)]
pub enum ItemStyle {
    Choice,
    Adverbs,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormOptionInfo {
    pub label: String,
    pub points: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormItemInfo {
    pub label: String,
    pub help: Option<String>,
    pub style: ItemStyle,
    pub options: Vec<FormOptionInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScaleFormInfo {
    pub kind: FormKind,
    pub name: String,
    pub purpose: String,
    pub guidance: String,
    pub items: Vec<FormItemInfo>,
    /// Whoever is signed in may record it (the others are shown, not offered).
    pub may_record: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScaleFormPreviewInfo {
    pub answered: u32,
    pub items: u32,
    pub points_so_far: u32,
    /// What each answer reads as where it is not its label (AGGIR's A, B, C).
    pub readings: Vec<Option<String>>,
    /// The result and its band once complete, or what is left.
    pub summary: String,
    pub complete: bool,
    pub positive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScaleFormOutcome {
    pub record_id: RecordId,
    pub summary: String,
    pub positive: bool,
}

/// A form's wording, item by item, in the order of the paper form.
fn scale_form(kind: FormKind, may_record: bool) -> ScaleFormInfo {
    let f = scale_forms::form(kind);
    ScaleFormInfo {
        kind: f.kind,
        name: f.name.into(),
        purpose: f.purpose.into(),
        guidance: f.guidance.into(),
        items: f
            .items
            .into_iter()
            .map(|i| FormItemInfo {
                label: i.label.into(),
                help: i.help.map(Into::into),
                style: i.style,
                options: i
                    .options
                    .into_iter()
                    .map(|o| FormOptionInfo { label: o.label.into(), points: o.points })
                    .collect(),
            })
            .collect(),
        may_record,
    }
}

#[uniffi::export]
impl Scales {
    /// The forms in the order the app offers them (pain first), with
    /// whether the signed-in professional may record each.
    pub fn scale_forms_offered(&self) -> Result<Vec<ScaleFormInfo>> {
        let core = self.core()?;
        FormKind::ALL.iter().map(|k| Ok(scale_form(*k, core.may_record_form(*k)?))).collect()
    }

    /// Where a form being filled stands, at the resident's establishment's thresholds.
    pub fn preview_scale_form(
        &self,
        resident_id: ResidentId,
        kind: FormKind,
        answers: Vec<Option<u8>>,
    ) -> Result<ScaleFormPreviewInfo> {
        let p = self.core()?.preview_scale_form(resident_id.0, kind, &answers)?;
        Ok(ScaleFormPreviewInfo {
            answered: p.answered as u32,
            items: p.items as u32,
            points_so_far: p.points_so_far,
            readings: p.readings.into_iter().map(|r| r.map(Into::into)).collect(),
            summary: p.summary,
            complete: p.complete,
            positive: p.positive,
        })
    }

    /// Records a complete form; an unanswered item is refused by name and nothing is written.
    pub fn record_scale_form(
        &self,
        resident_id: ResidentId,
        kind: FormKind,
        answers: Vec<Option<u8>>,
        at_ms: i64,
    ) -> Result<ScaleFormOutcome> {
        let o = self.core()?.record_scale_form(resident_id.0, kind, &answers, ts(at_ms)?)?;
        Ok(ScaleFormOutcome { record_id: o.record_id.into(), summary: o.summary, positive: o.positive })
    }
}
