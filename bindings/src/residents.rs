//! Finding a resident and reading their file: search, the file (audited),
//! its timeline in pages, and a wound's follow-up.

use chevet_core::clinical::push::Trend;
use chevet_core::domain::words::number_fr;
use chevet_core::domain::{IdentityStatus, Wound, WoundKind};
use chevet_core::store::ResidentSummary;
use chevet_core::views::{ChartKind, LineKind, TimelineEntry, VitalChart, push_chart};

use crate::error::ChevetError;
use crate::ids::{PhotoId, PlannedActId, RecordId, ResidentId, StaffId, UnitId, WoundId};
use crate::store::{AlertInfo, ChevetStore, alert, ts};

crate::store::store_area!(
    /// Residents: search, file and timeline, charts, wound follow-up.
    /// Reached from the store: `store.residents()`.
    Residents,
    residents
);

type Result<T> = std::result::Result<T, ChevetError>;

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ResidentSummaryInfo {
    pub resident_id: ResidentId,
    pub unit_id: UnitId,
    pub display_name: String,
    pub room: String,
    /// PROV, VALI, RECUP or QUAL.
    pub identity_status: String,
}

impl From<ResidentSummary> for ResidentSummaryInfo {
    fn from(r: ResidentSummary) -> Self {
        ResidentSummaryInfo {
            resident_id: r.id.into(),
            unit_id: r.unit_id.into(),
            display_name: r.display_name,
            room: r.room,
            identity_status: r.identity_status.code().into(),
        }
    }
}

/// One line of a resident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TimelineItemInfo {
    pub record_id: RecordId,
    /// "act", "administration", "observation", "transmission"…
    pub kind: String,
    pub at_ms: i64,
    pub author_id: Option<StaffId>,
    /// What happened, in French.
    pub summary: String,
    /// Struck through: corrected as entered in error.
    pub entered_in_error: bool,
    /// The record could not be read (damaged or from another key): listed,
    /// not shown.
    pub unreadable: bool,
}

fn timeline_item(entry: TimelineEntry) -> TimelineItemInfo {
    match entry {
        TimelineEntry::Fact { fact, entered_in_error } => TimelineItemInfo {
            record_id: fact.id().into(),
            kind: fact.kind().as_str().into(),
            at_ms: fact.meta().clinical_time.as_millisecond(),
            author_id: Some(fact.meta().author.into()),
            summary: fact.summary_fr(),
            entered_in_error,
            unreadable: false,
        },
        TimelineEntry::Unreadable(u) => TimelineItemInfo {
            record_id: u.id.into(),
            kind: u.table.into(),
            at_ms: 0,
            author_id: None,
            summary: "Enregistrement illisible".into(),
            entered_in_error: false,
            unreadable: true,
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlannedActInfo {
    pub planned_act_id: PlannedActId,
    pub label: String,
    pub is_medication: bool,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WoundInfo {
    pub wound_id: WoundId,
    pub site: String,
    pub healed: bool,
    pub kind: WoundKind,
    /// "Escarre · stade 2", "Ulcère de jambe".
    pub kind_label: String,
    /// "12/11/2026".
    pub opened_on: String,
}

fn wound_info(w: &Wound) -> WoundInfo {
    let kind_label = match w.stage {
        Some(s) => format!("{} · {}", w.kind.label_fr(), chevet_core::domain::words::stage_fr(s)),
        None => w.kind.label_fr().into(),
    };
    WoundInfo {
        wound_id: w.id.into(),
        site: w.site.clone(),
        healed: w.healed_on.is_some(),
        kind: w.kind,
        kind_label,
        opened_on: w.opened_on.strftime("%d/%m/%Y").to_string(),
    }
}

/// A kind of wound as the "new wound" form offers it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WoundKindInfo {
    pub kind: WoundKind,
    pub label: String,
    /// Pressure injuries are staged (NPIAP).
    pub staged: bool,
}

/// The wound kinds, pressure injuries first.
#[uniffi::export]
pub fn wound_kinds() -> Vec<WoundKindInfo> {
    WoundKind::ALL.iter().map(|k| WoundKindInfo { kind: *k, label: k.label_fr().into(), staged: k.staged() }).collect()
}

/// The identity as the INS rules let a screen show it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct IdentityInfo {
    pub status: IdentityStatus,
    /// "Identité qualifiée"…
    pub status_label: String,
    pub birth_name: String,
    /// All birth given names, the first one first.
    pub birth_given_names: String,
    pub used_name: Option<String>,
    pub used_given_name: Option<String>,
    /// "Féminin", "Masculin", "Indéterminé".
    pub sex_label: String,
    /// "02/04/1938".
    pub birth_date: String,
    pub age_years: u32,
    /// INSEE code of the birth place.
    pub birth_place: Option<String>,
    /// Only for a qualified identity, with its type: "INS-NIR 2 38 04 75 056 012 34".
    pub ins: Option<String>,
    /// Traits from INSi: not to be edited on the tablet.
    pub traits_read_only: bool,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChartPointInfo {
    pub at_ms: i64,
    pub value: f64,
    /// The diastolic, on the blood-pressure chart.
    pub low: Option<f64>,
    /// Beyond an alert threshold: drawn in the alert colour.
    pub alert: bool,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChartLineInfo {
    pub value: f64,
    pub kind: LineKind,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChartTickInfo {
    /// A value on the vertical axis, or a time (ms) on the horizontal one.
    pub at: f64,
    pub label: String,
}

/// A trend chart as the core computed it: the shell maps values to pixels.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct VitalChartInfo {
    pub kind: ChartKind,
    pub title: String,
    pub unit: String,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Oldest first.
    pub points: Vec<ChartPointInfo>,
    pub lines: Vec<ChartLineInfo>,
    pub y_min: f64,
    pub y_max: f64,
    pub y_ticks: Vec<ChartTickInfo>,
    pub x_ticks: Vec<ChartTickInfo>,
    /// The latest value, or what is missing.
    pub caption: String,
}

fn chart(c: VitalChart) -> VitalChartInfo {
    VitalChartInfo {
        kind: c.kind,
        title: c.title,
        unit: c.unit.into(),
        from_ms: c.from.as_millisecond(),
        to_ms: c.to.as_millisecond(),
        points: c
            .points
            .iter()
            .map(|p| ChartPointInfo { at_ms: p.at.as_millisecond(), value: p.value, low: p.low, alert: p.alert })
            .collect(),
        lines: c.lines.into_iter().map(|l| ChartLineInfo { value: l.value, kind: l.kind, label: l.label }).collect(),
        y_min: c.y_min,
        y_max: c.y_max,
        y_ticks: c.y_ticks.iter().map(|v| ChartTickInfo { at: *v, label: number_fr(*v) }).collect(),
        x_ticks: c
            .x_ticks
            .into_iter()
            .map(|(t, label)| ChartTickInfo { at: t.as_millisecond() as f64, label })
            .collect(),
        caption: c.caption,
    }
}

/// What the resident's file screen shows first.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ResidentFileInfo {
    pub summary: ResidentSummaryInfo,
    pub identity: IdentityInfo,
    /// ISO date.
    pub birth_date: String,
    pub allergies: Vec<String>,
    pub advance_directives: Option<String>,
    /// Personne de confiance: name and relationship.
    pub trusted_person: Option<String>,
    pub care_plan: Vec<PlannedActInfo>,
    pub wounds: Vec<WoundInfo>,
    /// The latest of each measure, in French ("Température : 38,2 °C").
    pub latest_vitals: Vec<String>,
    pub alerts: Vec<AlertInfo>,
    /// Weight over 6 months; temperature, pulse, SpO2, blood pressure over 14 days.
    pub charts: Vec<VitalChartInfo>,
    /// Newest first; more with `timeline`.
    pub timeline: Vec<TimelineItemInfo>,
}

/// A wound's assessment over time.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AssessmentPointInfo {
    pub record_id: RecordId,
    pub at_ms: i64,
    pub area_cm2: f64,
    pub push_total: u8,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WoundPhotoInfo {
    pub photo_id: PhotoId,
    pub taken_at_ms: i64,
    pub body_site: String,
    /// Both files are here; otherwise the display image comes with `fetch_photo`.
    pub on_device: bool,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct WoundFollowUpInfo {
    pub wound_id: WoundId,
    pub site: String,
    pub wound: WoundInfo,
    /// The trend in words ("en voie de cicatrisation").
    pub trend_label: String,
    /// PUSH over the follow-up, drawn as the file's charts are.
    pub push_chart: VitalChartInfo,
    /// Oldest first.
    pub assessments: Vec<AssessmentPointInfo>,
    /// `Unknown` with fewer than two assessments.
    pub trend: Trend,
    /// Oldest first.
    pub photos: Vec<WoundPhotoInfo>,
    /// The photo to show as a ghost over the camera, to repeat its framing.
    pub previous_photo_id: Option<PhotoId>,
}

/// Timeline lines the file opens with.
const FILE_TIMELINE: usize = 50;

#[uniffi::export]
impl Residents {
    /// Residents by name (three letters or more, accents ignored) or by INS.
    pub fn search_residents(&self, query: String) -> Result<Vec<ResidentSummaryInfo>> {
        Ok(self.core()?.search_residents(&query)?.into_iter().map(ResidentSummaryInfo::from).collect())
    }

    /// Opens a resident's file (the opening is audited).
    pub fn resident_file(&self, resident_id: ResidentId) -> Result<ResidentFileInfo> {
        let file = self.core()?.open_resident_file(resident_id.0, FILE_TIMELINE)?;
        let r = &file.resident;
        let id = &r.identity;
        let t = &id.traits;
        Ok(ResidentFileInfo {
            summary: ResidentSummary::from(r).into(),
            identity: IdentityInfo {
                status: id.status,
                status_label: id.status.label_fr().into(),
                birth_name: t.birth_name.clone(),
                birth_given_names: t.birth_given_names.clone(),
                used_name: id.used_name.clone(),
                used_given_name: id.used_given_name.clone(),
                sex_label: t.sex.label_fr().into(),
                birth_date: t.birth_date.strftime("%d/%m/%Y").to_string(),
                age_years: file.age_years,
                birth_place: t.birth_place_insee.clone(),
                ins: id.ins_shown(),
                traits_read_only: id.status.traits_read_only(),
            },
            birth_date: r.identity.traits.birth_date.to_string(),
            allergies: r.allergies.clone(),
            advance_directives: r.advance_directives.clone(),
            trusted_person: r.trusted_person.as_ref().map(|c| format!("{} ({})", c.name, c.relationship)),
            care_plan: file
                .care_plan
                .iter()
                .map(|(a, _)| PlannedActInfo {
                    planned_act_id: a.id.into(),
                    label: a.label.clone(),
                    is_medication: a.medication.is_some(),
                    active: a.active,
                })
                .collect(),
            wounds: file.wounds.iter().map(|(w, _)| wound_info(w)).collect(),
            latest_vitals: file
                .latest_vitals
                .iter()
                .map(|v| chevet_core::domain::words::measure_fr(v.code, &v.value))
                .collect(),
            alerts: file.alerts.into_iter().map(alert).collect(),
            charts: file.charts.into_iter().map(chart).collect(),
            timeline: file.timeline.into_iter().map(timeline_item).collect(),
        })
    }

    /// The resident's timeline before `before_ms` (newest first), `limit` lines.
    pub fn timeline(
        &self,
        resident_id: ResidentId,
        before_ms: Option<i64>,
        limit: u32,
    ) -> Result<Vec<TimelineItemInfo>> {
        let entries = self.core()?.timeline(resident_id.0, before_ms.map(ts).transpose()?, limit.min(500) as usize)?;
        Ok(entries.into_iter().map(timeline_item).collect())
    }

    /// A wound's assessments, trend and photos.
    pub fn wound_follow_up(&self, wound_id: WoundId) -> Result<WoundFollowUpInfo> {
        let store = self.core()?;
        let f = store.wound_follow_up(wound_id.0)?;
        let (resident, _) = store.resident(f.wound.resident_id)?;
        let tz = store.unit_time_zone(resident.unit_id)?;
        Ok(WoundFollowUpInfo {
            wound_id: f.wound.id.into(),
            site: f.wound.site.clone(),
            wound: wound_info(&f.wound),
            trend_label: f.trend.label_fr().into(),
            push_chart: chart(push_chart(&f.assessments, f.trend, store.now(), &tz)),
            previous_photo_id: f.previous_photo().map(|p| p.id.into()),
            assessments: f
                .assessments
                .iter()
                .map(|p| AssessmentPointInfo {
                    record_id: p.assessment.id.into(),
                    at_ms: p.assessment.meta.clinical_time.as_millisecond(),
                    area_cm2: p.area_cm2,
                    push_total: p.push.total,
                    summary: chevet_core::domain::Fact::WoundAssessment(p.assessment.clone()).summary_fr(),
                })
                .collect(),
            trend: f.trend,
            photos: f
                .photos
                .iter()
                .map(|p| WoundPhotoInfo {
                    photo_id: p.id.into(),
                    taken_at_ms: p.taken_at.as_millisecond(),
                    body_site: p.body_site.clone(),
                    on_device: p.on_device,
                })
                .collect(),
        })
    }
}

/// Checks an INS matricule as typed or read from a carte Vitale (spaces
/// ignored, Corsica's 2A/2B accepted, key 97 − n mod 97) and returns its
/// 15 characters; the app calls it before searching or showing an INS.
#[uniffi::export]
pub fn normalise_ins(matricule: String) -> Result<String> {
    Ok(chevet_core::domain::Matricule::parse(&matricule)?.as_str().to_owned())
}
