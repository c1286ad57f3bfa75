//! A resident's file and timeline. Opening a file is audited.

use jiff::Timestamp;
use uuid::Uuid;

use crate::domain::{Fact, PlannedAct, Resident, Wound};
use crate::error::Result;
use crate::store::AuditAction;
use crate::store::Store;
use crate::store::Unreadable;

#[derive(Debug, Clone, PartialEq)]
pub enum TimelineEntry {
    Fact { fact: Fact, entered_in_error: bool },
    Unreadable(Unreadable),
}

/// What the app shows when a resident's file is opened.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentFile {
    pub resident: Resident,
    pub version: u32,
    /// Today, in the establishment's time zone.
    pub age_years: u32,
    pub care_plan: Vec<(PlannedAct, u32)>,
    pub wounds: Vec<(Wound, u32)>,
    pub timeline: Vec<TimelineEntry>,
    pub latest_vitals: Vec<crate::clinical::alerts::LatestVital>,
    /// The same alerts as on the round, with why they fired.
    pub alerts: Vec<crate::clinical::alerts::Alert>,
    /// Weight over 6 months, temperature, pulse, SpO2 and blood pressure over 14 days.
    pub charts: Vec<super::trends::VitalChart>,
    pub unreadable: Vec<Unreadable>,
}

impl Store {
    /// A resident's facts, newest first, before `before` (for paging).
    /// Every transmission is listed, whoever it is addressed to: the whole team reads them.
    pub fn timeline(&self, resident_id: Uuid, before: Option<Timestamp>, limit: usize) -> Result<Vec<TimelineEntry>> {
        self.require(None)?;
        let before = before.map_or(i64::MAX, |t| t.as_millisecond());
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, entered_in_error, envelope FROM facts
                 WHERE resident_id = ?1 AND clinical_time < ?2 ORDER BY clinical_time DESC LIMIT ?3",
            )?;
            let mut rows = stmt.query(rusqlite::params![resident_id, before, limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                let voided: bool = r.get(1)?;
                match self.codec.open::<Fact>("facts", id, 1, r.get_ref(2)?.as_blob()?) {
                    Ok(fact) => out.push(TimelineEntry::Fact { fact, entered_in_error: voided }),
                    Err(e) => out.push(TimelineEntry::Unreadable(Unreadable::new("facts", id, &e))),
                }
            }
            Ok(out)
        })
    }

    /// Opens a resident's file: profile, care plan, wounds and the latest
    /// facts. Writes an audit entry naming who opened it.
    pub fn open_resident_file(&self, resident_id: Uuid, timeline_limit: usize) -> Result<ResidentFile> {
        let staff = self.require(None)?;
        let (resident, version) = self.resident(resident_id)?;
        self.write(Some(staff.id), |w| w.audit(AuditAction::OpenFile, "resident", resident_id))?;
        let establishment = self.establishment(self.unit(resident.unit_id)?.establishment_id)?;
        let tz = establishment.tz()?;
        let now = self.now();
        let settings = establishment.alert_settings.unwrap_or_default();
        let mut unreadable = Vec::new();
        let today = now.to_zoned_datetime(tz.clone()).date();
        let age = resident
            .identity
            .traits
            .birth_date
            .until((jiff::Unit::Year, today))
            .map_or(0, |s| s.get_years().max(0) as u32);
        let ctx = super::latest_vitals::UnitContext { tz, now, today, settings };
        let (latest_vitals, alerts, charts) = self.read(|c| {
            let mut q = self.vital_queries(c)?;
            let (latest, alerts) =
                self.vitals_and_alerts(&mut q, &resident, now, today, &ctx.settings, &mut unreadable)?;
            let charts = self.vital_charts(c, resident_id, age, &latest, &ctx, &mut unreadable)?;
            Ok((latest, alerts, charts))
        })?;
        let file = ResidentFile {
            resident,
            version,
            age_years: age,
            care_plan: self.care_plan(resident_id)?,
            wounds: self.wounds(resident_id)?,
            timeline: self.timeline(resident_id, None, timeline_limit)?,
            latest_vitals,
            alerts,
            charts,
            unreadable,
        };
        Ok(file)
    }
}
