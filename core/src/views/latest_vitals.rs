//! What every screen shares: a unit's context (its time zone, today, its
//! alert settings), its current residents, and a resident's latest vitals
//! with the alerts they raise. The round, the resident's file and the
//! charts read them the same way, so they say the same thing.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use uuid::Uuid;

use crate::clinical::alerts::{self, Alert, LatestVital};
use crate::domain::{Fact, ObservationValue, Resident, VitalCode};
use crate::error::Result;
use crate::store::{Store, Unreadable};

/// The unit's establishment time zone, the current time and day there,
/// and its alert settings.
pub(crate) struct UnitContext {
    pub(crate) tz: TimeZone,
    pub(crate) now: Timestamp,
    pub(crate) today: jiff::civil::Date,
    pub(crate) settings: alerts::AlertSettings,
}

impl Store {
    /// The unit's establishment time zone, the current time and day there,
    /// and its alert settings.
    pub(crate) fn unit_context(&self, unit_id: Uuid) -> Result<UnitContext> {
        let unit = self.unit(unit_id)?;
        let establishment = self.establishment(unit.establishment_id)?;
        let tz = establishment.tz()?;
        let now = self.now();
        let today = now.to_zoned_datetime(tz.clone()).date();
        Ok(UnitContext { tz, now, today, settings: establishment.alert_settings.unwrap_or_default() })
    }

    /// The unit's residents not discharged before `today`, in room order;
    /// unreadable ones are listed, not fatal.
    pub(crate) fn current_residents(
        &self,
        c: &rusqlite::Connection,
        unit_id: Uuid,
        today: jiff::civil::Date,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<Vec<Resident>> {
        let mut residents = Vec::new();
        let mut stmt = c.prepare_cached("SELECT id, version, envelope FROM residents WHERE unit_id = ?1")?;
        let mut rows = stmt.query([unit_id])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            match self.codec.open::<Resident>("residents", id, r.get(1)?, r.get_ref(2)?.as_blob()?) {
                Ok(res) if res.discharged_on.is_none_or(|d| d >= today) => residents.push(res),
                Ok(_) => {}
                Err(e) => unreadable.push(Unreadable::new("residents", id, &e)),
            }
        }
        residents.sort_by_key(|r| r.room_sort_key());
        Ok(residents)
    }
}

/// The statements and blind-index terms a read needs to find vitals,
/// prepared once per read rather than once per resident.
pub(crate) struct VitalQueries<'c> {
    latest: rusqlite::CachedStatement<'c>,
    weight_near: rusqlite::CachedStatement<'c>,
    tags: Vec<(VitalCode, [u8; 16])>,
    scales: rusqlite::CachedStatement<'c>,
    scale_tag: [u8; 16],
}

impl Store {
    pub(crate) fn vital_queries<'c>(&self, c: &'c rusqlite::Connection) -> Result<VitalQueries<'c>> {
        Ok(VitalQueries {
            latest: c.prepare_cached(
                "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND code_tag = ?2 AND entered_in_error = 0
                 ORDER BY clinical_time DESC LIMIT 1",
            )?,
            // Chosen on the index alone (rowid and time), then one row read;
            // if that weighing was entered in error, the criterion is left unassessed.
            weight_near: c.prepare_cached(
                "SELECT f.id, f.envelope FROM facts f WHERE f.rowid = (
                    SELECT rowid FROM facts WHERE resident_id = ?1 AND code_tag = ?2
                    AND clinical_time BETWEEN ?3 AND ?4 ORDER BY abs(clinical_time - ?5) LIMIT 1)
                 AND f.entered_in_error = 0",
            )?,
            tags: VitalCode::ALL.iter().map(|&v| (v, self.code_index.term(v.loinc()))).collect(),
            scales: c.prepare_cached(
                "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND code_tag = ?2 AND entered_in_error = 0
                 ORDER BY clinical_time DESC LIMIT 10",
            )?,
            scale_tag: self.code_index.term(crate::store::SCALE_TAG),
        })
    }

    /// A resident's latest value of each vital, and the alerts they and the
    /// weight history raise under `settings`.
    pub(crate) fn vitals_and_alerts(
        &self,
        q: &mut VitalQueries<'_>,
        res: &Resident,
        now: Timestamp,
        today: jiff::civil::Date,
        settings: &alerts::AlertSettings,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<(Vec<LatestVital>, Vec<Alert>)> {
        let mut latest_vitals = Vec::new();
        for (code, tag) in &q.tags {
            let code = *code;
            let mut rows = q.latest.query(rusqlite::params![res.id, &tag[..]])?;
            if let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                    Ok(Fact::Observation(o)) if o.code == code => latest_vitals.push(LatestVital {
                        code: o.code,
                        value: o.value,
                        at: o.meta.clinical_time,
                        observation_id: id,
                    }),
                    Ok(_) => unreadable.push(Unreadable { table: "facts", id, error: "unexpected record kind".into() }),
                    Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
                }
            }
        }
        let mut found = alerts::vital_alerts(&latest_vitals, now, settings);
        found.extend(alerts::news2_alert(&latest_vitals, res.hypercapnic, now, settings));
        // The latest of each scale among the resident's ten latest assessments.
        let mut seen = Vec::new();
        let scale_tag = q.scale_tag;
        let mut rows = q.scales.query(rusqlite::params![res.id, &scale_tag[..]])?;
        while let Some(r) = rows.next()? {
            let id: Uuid = r.get(0)?;
            match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                Ok(Fact::ScaleAssessment(s)) if !seen.contains(&s.answers.kind()) => {
                    seen.push(s.answers.kind());
                    found.extend(alerts::scale_alert(&s.answers, s.meta.clinical_time, now, settings));
                }
                Ok(_) => {}
                Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
            }
        }
        drop(rows);
        let age =
            res.identity.traits.birth_date.until((jiff::Unit::Year, today)).map_or(0, |s| s.get_years().max(0) as u32);
        if let (true, Some(w)) = (age >= 70, latest_vitals.iter().find(|v| v.code == VitalCode::Weight)) {
            let height = latest_vitals.iter().find(|v| v.code == VitalCode::Height).and_then(|v| match v.value {
                ObservationValue::Quantity(h) => Some(h),
                _ => None,
            });
            let weights = self.reference_weights(q, res.id, w, unreadable)?;
            found.extend(alerts::undernutrition_alert(age, height, &weights, settings));
        }
        Ok((latest_vitals, found))
    }

    /// The latest weighing and those nearest 1 and 6 months before it: what
    /// the undernutrition criteria compare.
    fn reference_weights(
        &self,
        q: &mut VitalQueries<'_>,
        resident: Uuid,
        latest: &LatestVital,
        unreadable: &mut Vec<Unreadable>,
    ) -> Result<Vec<(Timestamp, f64)>> {
        let Some((_, tag)) = q.tags.iter().find(|(c, _)| *c == VitalCode::Weight) else { return Ok(Vec::new()) };
        let tag = *tag;
        let mut out = Vec::new();
        if let ObservationValue::Quantity(kg) = latest.value {
            out.push((latest.at, kg));
        }
        let at = latest.at.as_millisecond();
        const DAY: i64 = 86_400_000;
        for (back, tolerance) in [(30 * DAY, 10 * DAY), (182 * DAY, 30 * DAY)] {
            let target = at - back;
            let mut rows = q.weight_near.query(rusqlite::params![
                resident,
                &tag[..],
                target - tolerance,
                target + tolerance,
                target
            ])?;
            if let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                    Ok(Fact::Observation(o)) => {
                        if let ObservationValue::Quantity(kg) = o.value {
                            out.push((o.meta.clinical_time, kg));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
                }
            }
        }
        Ok(out)
    }
}
