//! Recording at the bedside: vitals, acts, administrations, targeted
//! transmissions, scales, wound assessments, and corrections. Each call
//! validates, seals and queues one fact; refused input writes nothing.

use chevet_core::clinical::aggir::{AggirGrid, Modality};
use chevet_core::clinical::scales::{Braden, MnaSf, Norton, ScaleAnswers};
use chevet_core::domain::{
    ActOutcome, ActRecord, Acvpu, AdministrationOutcome, Correction, Exudate, Fact, MedicationAdministration,
    NotDoneReason, NpiapStage, Observation, ObservationValue, Role, ScaleAssessment, TissueType, Transmission,
    TransmissionText, VitalCode, WoundAssessment, WoundFindings,
};

use crate::error::ChevetError;
use crate::ids::{PlannedActId, RecordId, ResidentId, WoundId};
use crate::store::{ChevetStore, ts};

crate::store::store_area!(
    /// Recording at the bedside: vitals, acts, doses, transmissions, scales, wound assessments, corrections.
    /// Reached from the store: `store.records()`.
    Records,
    records
);

type Result<T> = std::result::Result<T, ChevetError>;

/// A measure of the vitals catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VitalKind {
    Weight,
    Height,
    Bmi,
    HeartRate,
    RespiratoryRate,
    Temperature,
    OxygenSaturation,
    Glucose,
    Pain,
    OxygenFlow,
}

impl VitalKind {
    fn code(self) -> VitalCode {
        match self {
            VitalKind::Weight => VitalCode::Weight,
            VitalKind::Height => VitalCode::Height,
            VitalKind::Bmi => VitalCode::Bmi,
            VitalKind::HeartRate => VitalCode::HeartRate,
            VitalKind::RespiratoryRate => VitalCode::RespiratoryRate,
            VitalKind::Temperature => VitalCode::Temperature,
            VitalKind::OxygenSaturation => VitalCode::OxygenSaturation,
            VitalKind::Glucose => VitalCode::Glucose,
            VitalKind::Pain => VitalCode::Pain,
            VitalKind::OxygenFlow => VitalCode::OxygenFlow,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ActResult {
    Done,
    PartlyDone,
    NotDoneAbsent,
    NotDoneAsleep,
    NotDoneClinicalDecision,
    NotDoneWorkload,
    Refused,
}

impl ActResult {
    const ALL: [ActResult; 7] = [
        ActResult::Done,
        ActResult::PartlyDone,
        ActResult::NotDoneAbsent,
        ActResult::NotDoneAsleep,
        ActResult::NotDoneClinicalDecision,
        ActResult::NotDoneWorkload,
        ActResult::Refused,
    ];

    pub(crate) fn outcome(self) -> ActOutcome {
        match self {
            ActResult::Done => ActOutcome::Done,
            ActResult::PartlyDone => ActOutcome::PartlyDone,
            ActResult::NotDoneAbsent => ActOutcome::NotDone(NotDoneReason::Absent),
            ActResult::NotDoneAsleep => ActOutcome::NotDone(NotDoneReason::Asleep),
            ActResult::NotDoneClinicalDecision => ActOutcome::NotDone(NotDoneReason::ClinicalDecision),
            ActResult::NotDoneWorkload => ActOutcome::NotDone(NotDoneReason::Workload),
            ActResult::Refused => ActOutcome::Refused,
        }
    }

    /// The answer a screen offers for `outcome` (none for a free-text reason).
    pub(crate) fn of(outcome: &ActOutcome) -> Option<ActResult> {
        ActResult::ALL.into_iter().find(|r| r.outcome() == *outcome)
    }
}

/// Level of consciousness (ACVPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ConsciousnessLevel {
    Alert,
    NewConfusion,
    Voice,
    Pain,
    Unresponsive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AdministrationResult {
    Given,
    Refused,
    /// Recraché.
    SpatOut,
    NotGivenAbsent,
    NotGivenAsleep,
    NotGivenClinicalDecision,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StaffRole {
    Nurse,
    CareAide,
    SocialCareAide,
    CoordinatingPhysician,
    HealthManager,
}

impl From<StaffRole> for Role {
    fn from(r: StaffRole) -> Role {
        match r {
            StaffRole::Nurse => Role::Nurse,
            StaffRole::CareAide => Role::CareAide,
            StaffRole::SocialCareAide => Role::SocialCareAide,
            StaffRole::CoordinatingPhysician => Role::CoordinatingPhysician,
            StaffRole::HealthManager => Role::HealthManager,
        }
    }
}

/// A targeted transmission (transmission ciblée): target, then data, actions
/// and results (DAR).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TransmissionEntry {
    pub resident_id: ResidentId,
    /// Cible: "Douleur", "Chute", "Alimentation".
    pub target: String,
    pub data: String,
    pub actions: String,
    pub results: String,
    /// Roles it is addressed to; empty for everyone.
    pub audience: Vec<StaffRole>,
}

/// A bedside scale's answers, item by item, in the order of the paper form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ScaleEntry {
    /// Each item 1–4 (friction and shear 1–3).
    Braden { sensory_perception: u8, moisture: u8, activity: u8, mobility: u8, nutrition: u8, friction_shear: u8 },
    /// Each item 1–4.
    Norton { physical_condition: u8, mental_condition: u8, activity: u8, mobility: u8, incontinence: u8 },
    /// The five yes/no items.
    Algoplus { items: Vec<bool> },
    /// The ten items, each 0–3.
    Doloplus { items: Vec<u8> },
    /// MNA short form: items A–E (0–2, 0–3, 0–2, 0 or 2, 0–2), then F1 (BMI
    /// class, 0–3) or, when the BMI cannot be had, F2 (calf, 0 or 3).
    MnaSf {
        food_intake_decline: u8,
        weight_loss: u8,
        mobility: u8,
        psychological_stress_or_acute_disease: u8,
        neuropsychological_problems: u8,
        bmi_item: Option<u8>,
        calf_circumference_item: Option<u8>,
    },
    /// AGGIR: the ten discriminant variables, each "A", "B" or "C", in the
    /// grid's order (coherence, orientation, toilette, habillage,
    /// alimentation, élimination, transferts, déplacements intérieurs,
    /// déplacements extérieurs, communication).
    Aggir { modalities: Vec<String> },
}

/// A recorded scale: its record and its result.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScaleOutcome {
    pub record_id: RecordId,
    pub total: u8,
    /// The result in French ("Braden 12 : risque élevé").
    pub summary: String,
    /// Past the scale's threshold (pain, risk).
    pub positive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WoundExudate {
    None,
    Light,
    Moderate,
    Heavy,
}

/// The worst tissue type present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WoundTissue {
    Closed,
    Epithelial,
    Granulation,
    Slough,
    Necrotic,
}

/// NPIAP stage of a pressure injury.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum WoundStage {
    Stage1,
    Stage2,
    Stage3,
    Stage4,
    Unstageable,
    DeepTissue,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WoundAssessmentEntry {
    pub resident_id: ResidentId,
    pub wound_id: WoundId,
    pub length_cm: f64,
    pub width_cm: f64,
    pub depth_cm: Option<f64>,
    pub exudate: WoundExudate,
    pub tissue: WoundTissue,
    pub stage: Option<WoundStage>,
    pub comment: Option<String>,
}

fn fixed<const N: usize, T: Copy>(field: &str, items: &[T]) -> Result<[T; N]> {
    items
        .try_into()
        .map_err(|_| ChevetError::InvalidInput { field: field.into(), reason: format!("{N} items expected") })
}

fn wound_assessment(entry: WoundAssessmentEntry, at_ms: i64) -> Result<WoundAssessment> {
    let resident_id = entry.resident_id.0;
    let wound_id = entry.wound_id.0;
    let findings = WoundFindings {
        length_cm: entry.length_cm,
        width_cm: entry.width_cm,
        depth_cm: entry.depth_cm,
        exudate: match entry.exudate {
            WoundExudate::None => Exudate::None,
            WoundExudate::Light => Exudate::Light,
            WoundExudate::Moderate => Exudate::Moderate,
            WoundExudate::Heavy => Exudate::Heavy,
        },
        tissue: match entry.tissue {
            WoundTissue::Closed => TissueType::Closed,
            WoundTissue::Epithelial => TissueType::Epithelial,
            WoundTissue::Granulation => TissueType::Granulation,
            WoundTissue::Slough => TissueType::Slough,
            WoundTissue::Necrotic => TissueType::Necrotic,
        },
        stage: entry.stage.map(|s| match s {
            WoundStage::Stage1 => NpiapStage::Stage1,
            WoundStage::Stage2 => NpiapStage::Stage2,
            WoundStage::Stage3 => NpiapStage::Stage3,
            WoundStage::Stage4 => NpiapStage::Stage4,
            WoundStage::Unstageable => NpiapStage::Unstageable,
            WoundStage::DeepTissue => NpiapStage::DeepTissue,
        }),
        comment: entry.comment,
    };
    Ok(WoundAssessment::new(resident_id, wound_id, findings, ts(at_ms)?))
}

/// A wound assessment scored before it is saved.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WoundPreviewInfo {
    pub area_cm2: f64,
    pub push_total: u8,
    /// "Surface 6 cm² · PUSH 11/17".
    pub summary: String,
}

/// Scores an assessment as it is typed (area and PUSH); a size that is not
/// a measure is refused as recording would.
#[uniffi::export]
pub fn preview_wound_assessment(entry: WoundAssessmentEntry) -> Result<WoundPreviewInfo> {
    let a = wound_assessment(entry, 0)?;
    Fact::WoundAssessment(a.clone()).validate()?;
    let push = chevet_core::clinical::push::score(&a)?;
    let area_cm2 = (a.length_cm * a.width_cm * 100.0).round() / 100.0;
    Ok(WoundPreviewInfo {
        area_cm2,
        push_total: push.total,
        summary: format!(
            "Surface {}\u{a0}cm² · PUSH {}/17",
            chevet_core::domain::words::number_fr(area_cm2),
            push.total
        ),
    })
}

impl ScaleEntry {
    fn answers(&self) -> Result<ScaleAnswers> {
        Ok(match self {
            ScaleEntry::Braden { sensory_perception, moisture, activity, mobility, nutrition, friction_shear } => {
                ScaleAnswers::Braden(Braden {
                    sensory_perception: *sensory_perception,
                    moisture: *moisture,
                    activity: *activity,
                    mobility: *mobility,
                    nutrition: *nutrition,
                    friction_shear: *friction_shear,
                })
            }
            ScaleEntry::Norton { physical_condition, mental_condition, activity, mobility, incontinence } => {
                ScaleAnswers::Norton(Norton {
                    physical_condition: *physical_condition,
                    mental_condition: *mental_condition,
                    activity: *activity,
                    mobility: *mobility,
                    incontinence: *incontinence,
                })
            }
            ScaleEntry::Algoplus { items } => ScaleAnswers::Algoplus(fixed("algoplus", items)?),
            ScaleEntry::Doloplus { items } => ScaleAnswers::Doloplus(fixed("doloplus", items)?),
            ScaleEntry::MnaSf {
                food_intake_decline,
                weight_loss,
                mobility,
                psychological_stress_or_acute_disease,
                neuropsychological_problems,
                bmi_item,
                calf_circumference_item,
            } => ScaleAnswers::MnaSf(MnaSf {
                food_intake_decline: *food_intake_decline,
                weight_loss: *weight_loss,
                mobility: *mobility,
                psychological_stress_or_acute_disease: *psychological_stress_or_acute_disease,
                neuropsychological_problems: *neuropsychological_problems,
                bmi_item: *bmi_item,
                calf_circumference_item: *calf_circumference_item,
            }),
            ScaleEntry::Aggir { modalities } => {
                let m: [&String; 10] = fixed("aggir", &modalities.iter().collect::<Vec<_>>())?;
                let p = |i: usize| Modality::parse(m[i]);
                ScaleAnswers::Aggir(AggirGrid {
                    coherence: p(0)?,
                    orientation: p(1)?,
                    toilette: p(2)?,
                    habillage: p(3)?,
                    alimentation: p(4)?,
                    elimination: p(5)?,
                    transferts: p(6)?,
                    deplacement_interieur: p(7)?,
                    deplacement_exterieur: p(8)?,
                    communication: p(9)?,
                })
            }
        })
    }
}

#[uniffi::export]
impl Records {
    /// Records one measure as typed (a glycaemia in the establishment's
    /// entry unit, g/L by default: the core converts it); returns its id.
    pub fn record_vital(&self, resident_id: ResidentId, kind: VitalKind, value: f64, at_ms: i64) -> Result<RecordId> {
        let fact = self.core()?.record_typed_measure(resident_id.0, kind.code(), value, ts(at_ms)?)?;
        Ok(RecordId(fact.id()))
    }

    pub fn record_blood_pressure(
        &self,
        resident_id: ResidentId,
        systolic: f64,
        diastolic: f64,
        at_ms: i64,
    ) -> Result<RecordId> {
        self.record_observation(
            resident_id,
            VitalCode::BloodPressure,
            ObservationValue::BloodPressure { systolic, diastolic },
            at_ms,
        )
    }

    /// Records what happened to a planned act (or an unplanned one); returns its id.
    pub fn record_act(
        &self,
        resident_id: ResidentId,
        planned_act_id: Option<PlannedActId>,
        occurrence_ms: Option<i64>,
        result: ActResult,
        comment: Option<String>,
        at_ms: i64,
    ) -> Result<RecordId> {
        let outcome = result.outcome();
        self.record_fact(Fact::Act(ActRecord::new(
            resident_id.0,
            planned_act_id.map(|p| p.0),
            occurrence_ms.map(ts).transpose()?,
            outcome,
            comment,
            ts(at_ms)?,
        )))
    }

    /// Records the level of consciousness (ACVPU); returns the observation's id.
    pub fn record_consciousness(
        &self,
        resident_id: ResidentId,
        level: ConsciousnessLevel,
        at_ms: i64,
    ) -> Result<RecordId> {
        let level = match level {
            ConsciousnessLevel::Alert => Acvpu::Alert,
            ConsciousnessLevel::NewConfusion => Acvpu::NewConfusion,
            ConsciousnessLevel::Voice => Acvpu::Voice,
            ConsciousnessLevel::Pain => Acvpu::Pain,
            ConsciousnessLevel::Unresponsive => Acvpu::Unresponsive,
        };
        self.record_observation(resident_id, VitalCode::Consciousness, ObservationValue::Consciousness(level), at_ms)
    }

    /// Records what happened to a planned medication; a scanned box must be
    /// the prescribed product. Returns the record's id.
    pub fn record_administration(
        &self,
        resident_id: ResidentId,
        planned_act_id: PlannedActId,
        occurrence_ms: Option<i64>,
        result: AdministrationResult,
        scanned_barcode: Option<String>,
        at_ms: i64,
    ) -> Result<RecordId> {
        let outcome = match result {
            AdministrationResult::Given => AdministrationOutcome::Given,
            AdministrationResult::Refused => AdministrationOutcome::Refused,
            AdministrationResult::SpatOut => AdministrationOutcome::SpatOut,
            AdministrationResult::NotGivenAbsent => AdministrationOutcome::NotGiven(NotDoneReason::Absent),
            AdministrationResult::NotGivenAsleep => AdministrationOutcome::NotGiven(NotDoneReason::Asleep),
            AdministrationResult::NotGivenClinicalDecision => {
                AdministrationOutcome::NotGiven(NotDoneReason::ClinicalDecision)
            }
        };
        self.record_fact(Fact::Administration(MedicationAdministration::new(
            resident_id.0,
            planned_act_id.0,
            occurrence_ms.map(ts).transpose()?,
            outcome,
            scanned_barcode,
            ts(at_ms)?,
        )))
    }

    /// Records a targeted transmission; returns its id.
    pub fn record_transmission(&self, entry: TransmissionEntry, at_ms: i64) -> Result<RecordId> {
        let resident_id = entry.resident_id.0;
        let text =
            TransmissionText { target: entry.target, data: entry.data, actions: entry.actions, results: entry.results };
        let audience = entry.audience.into_iter().map(Role::from).collect();
        self.record_fact(Fact::Transmission(Transmission::new(resident_id, text, audience, ts(at_ms)?)))
    }

    /// Records a scale; an answer out of its item's range is refused with
    /// the item named, and nothing is stored.
    pub fn record_scale(&self, resident_id: ResidentId, entry: ScaleEntry, at_ms: i64) -> Result<ScaleOutcome> {
        let assessment = ScaleAssessment::new(resident_id.0, entry.answers()?, ts(at_ms)?);
        let record_id = RecordId(assessment.id);
        let result = self.core()?.record_scale(assessment)?;
        Ok(ScaleOutcome { record_id, total: result.total, summary: result.summary_fr, positive: result.positive })
    }

    /// Records a wound assessment (size, exudate, tissue, stage); returns its id.
    pub fn record_wound_assessment(&self, entry: WoundAssessmentEntry, at_ms: i64) -> Result<RecordId> {
        self.record_fact(Fact::WoundAssessment(wound_assessment(entry, at_ms)?))
    }

    /// Marks a record entered-in-error (it stays, struck through, with the
    /// reason); correcting someone else's record needs the permission.
    /// Returns the correction's id.
    pub fn correct_record(&self, record_id: RecordId, reason: String) -> Result<RecordId> {
        let store = self.core()?;
        let target_id = record_id.0;
        let (target, _) = store.fact(target_id)?;
        let now = store.now();
        let fact = Fact::Correction(Correction::new(target.resident_id(), target_id, reason, now));
        Ok(store.record(fact)?.id().into())
    }

    /// Records waiting to go to the hub.
    pub fn pending_sync_count(&self) -> Result<u64> {
        Ok(self.core()?.pending_count()?)
    }
}

impl Records {
    fn record_observation(
        &self,
        resident_id: ResidentId,
        code: VitalCode,
        value: ObservationValue,
        at_ms: i64,
    ) -> Result<RecordId> {
        self.record_fact(Fact::Observation(Observation::new(resident_id.0, code, value, ts(at_ms)?)))
    }

    fn record_fact(&self, fact: Fact) -> Result<RecordId> {
        Ok(self.core()?.record(fact)?.id().into())
    }
}
