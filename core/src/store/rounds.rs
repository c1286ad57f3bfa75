//! SSIAD rounds: saving a day's route and showing it with each visit's
//! start and end stamps.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use rusqlite::params;
use serde_json::json;
use uuid::Uuid;

use super::Store;
use super::audit::AuditAction;
use super::residents::ResidentSummary;
use super::timeline::Unreadable;
use crate::domain::{Fact, Permission, Round, VisitEvent};
use crate::error::{CoreError, Result};

/// One stop of a route as the nurse sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteStop {
    pub resident: ResidentSummary,
    pub planned_at: Option<Time>,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteView {
    pub round: Round,
    pub version: u32,
    pub stops: Vec<RouteStop>,
    pub unreadable: Vec<Unreadable>,
}

fn day_number(d: Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

impl Store {
    /// Creates a round (`base_version` None) or changes it against a version.
    pub fn save_round(&self, round: &Round, base_version: Option<u32>) -> Result<u32> {
        let staff = self.require(Some(Permission::EditCarePlan))?;
        round.validate()?;
        self.staff(round.staff_id)?;
        self.write(Some(staff.id), |w| {
            for stop in &round.stops {
                w.require_resident(stop.resident_id)?;
            }
            let version = w.next_version("rounds", "round", round.id, base_version)?;
            let env = self.codec.seal("rounds", round.id, version, round)?;
            w.tx.prepare_cached(
                "INSERT INTO rounds (id, unit_id, day, version, envelope) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, day = excluded.day,
                 version = excluded.version, envelope = excluded.envelope",
            )?
            .execute(params![round.id, round.unit_id, day_number(round.date), version, env])?;
            let now = w.now;
            let op = if version == 1 { "create" } else { "replace" };
            w.append_outbox("round", round.id, Some(version - 1), now, Some(&json!({ "op": op, "value": round })))?;
            w.audit(if version == 1 { AuditAction::Create } else { AuditAction::Update }, "round", round.id)?;
            Ok(version)
        })
    }

    /// The rounds of a sector on a day.
    pub fn rounds(&self, unit_id: Uuid, date: Date) -> Result<Vec<(Round, u32)>> {
        self.require(None)?;
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, version, envelope FROM rounds WHERE unit_id = ?1 AND day = ?2",
            )?;
            let rows = stmt
                .query_map(params![unit_id, day_number(date)], |r| {
                    Ok((
                        r.get::<_, Uuid>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.iter()
                .map(|(id, v, env)| Ok((self.codec.open::<Round>("rounds", *id, *v, env)?, *v)))
                .collect()
        })
    }

    /// A round in visiting order with the start and end stamps recorded that day.
    pub fn route(&self, round_id: Uuid) -> Result<RouteView> {
        self.require(None)?;
        let (round, version): (Round, u32) = self.read(|c| {
            let (v, env): (u32, Vec<u8>) = c
                .prepare_cached("SELECT version, envelope FROM rounds WHERE id = ?1")?
                .query_row([round_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => CoreError::NotFound {
                        kind: "round",
                        id: round_id,
                    },
                    other => other.into(),
                })?;
            Ok((self.codec.open("rounds", round_id, v, &env)?, v))
        })?;
        let unit = self.unit(round.unit_id)?;
        let tz = jiff::tz::TimeZone::get(&self.establishment(unit.establishment_id)?.time_zone)
            .map_err(|_| CoreError::invalid("establishment.time_zone", "unknown IANA time zone"))?;
        let start = round
            .date
            .to_zoned_datetime(tz.clone())
            .map_err(|_| CoreError::invalid("round.date", "out of range"))?;
        let end = start
            .checked_add(jiff::Span::new().days(1))
            .map_err(|_| CoreError::invalid("round.date", "out of range"))?;
        let mut unreadable = Vec::new();
        let mut stops = Vec::with_capacity(round.stops.len());
        for stop in &round.stops {
            let resident = match self.resident(stop.resident_id) {
                Ok((r, _)) => ResidentSummary::from(&r),
                Err(e) => {
                    unreadable.push(Unreadable::new("residents", stop.resident_id, &e));
                    continue;
                }
            };
            let stamps: Vec<Fact> = self.read(|c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND kind = 'visit_stamp'
                     AND clinical_time >= ?2 AND clinical_time < ?3 AND entered_in_error = 0 ORDER BY clinical_time",
                )?;
                let mut rows = stmt.query(params![
                    stop.resident_id,
                    start.timestamp().as_millisecond(),
                    end.timestamp().as_millisecond()
                ])?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    let id: Uuid = r.get(0)?;
                    match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                        Ok(f) => out.push(f),
                        Err(e) => unreadable.push(Unreadable::new("facts", id, &e)),
                    }
                }
                Ok(out)
            })?;
            let (mut started, mut ended) = (None, None);
            for f in stamps {
                if let Fact::VisitStamp(v) = f
                    && v.round_id.is_none_or(|r| r == round.id)
                {
                    match v.event {
                        VisitEvent::Start => started = started.or(Some(v.meta.clinical_time)),
                        VisitEvent::Stop => ended = Some(v.meta.clinical_time),
                    }
                }
            }
            stops.push(RouteStop {
                resident,
                planned_at: stop.planned_at,
                started,
                ended,
            });
        }
        Ok(RouteView {
            round,
            version,
            stops,
            unreadable,
        })
    }
}
