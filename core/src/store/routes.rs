//! SSIAD routes (tournées): saving a day's route and showing it with each visit's
//! start and end stamps.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use rusqlite::params;
use uuid::Uuid;

use super::Store;
use super::Unreadable;
use super::residents::ResidentSummary;
use crate::domain::{Fact, Permission, Route, VisitEvent};
use crate::error::{CoreError, Result};

/// One stop of a route as the nurse sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteStop {
    pub resident: ResidentSummary,
    pub planned_at: Option<Time>,
    pub started: Option<Timestamp>,
    pub ended: Option<Timestamp>,
    /// The tags registered at the home (QR sticker, NFC tag).
    pub home_tags: Vec<crate::domain::StampMethod>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RouteView {
    pub route: Route,
    pub version: u32,
    pub stops: Vec<RouteStop>,
    pub unreadable: Vec<Unreadable>,
}

pub(crate) fn day_number(d: Date) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

impl Store {
    /// Creates a route (`base_version` None) or changes it against a version.
    pub fn save_route(&self, route: &Route, base_version: Option<u32>) -> Result<u32> {
        let staff = self.require(Some(Permission::EditCarePlan))?;
        route.validate()?;
        self.unit(route.unit_id)?;
        self.staff(route.staff_id)?;
        // Its table and audit name stay `rounds` / `round`, its first name:
        // envelopes are bound to them.
        self.write(Some(staff.id), |w| {
            for stop in &route.stops {
                w.require_resident(stop.resident_id)?;
            }
            let version = w.next_version("rounds", "round", route.id, base_version)?;
            let env = self.codec.seal("rounds", route.id, version, route)?;
            w.tx.prepare_cached(
                "INSERT INTO rounds (id, unit_id, day, version, envelope) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET unit_id = excluded.unit_id, day = excluded.day,
                 version = excluded.version, envelope = excluded.envelope",
            )?
            .execute(params![route.id, route.unit_id, day_number(route.date), version, env])?;
            w.log_document_saved("round", route.id, version, route)?;
            Ok(version)
        })
    }

    /// The routes of a sector on a day.
    pub fn routes(&self, unit_id: Uuid, date: Date) -> Result<Vec<(Route, u32)>> {
        self.require(None)?;
        self.list_documents(
            "rounds",
            "SELECT id, version, envelope FROM rounds WHERE unit_id = ?1 AND day = ?2",
            params![unit_id, day_number(date)],
        )
    }

    /// The signed-in professional's routes on a day (their route of the day).
    pub fn my_routes(&self, unit_id: Uuid, date: Date) -> Result<Vec<(Route, u32)>> {
        let staff = self.require(None)?;
        Ok(self.routes(unit_id, date)?.into_iter().filter(|(r, _)| r.staff_id == staff.id).collect())
    }

    /// A route in visiting order with the start and end stamps recorded that day.
    pub fn route(&self, route_id: Uuid) -> Result<RouteView> {
        self.require(None)?;
        let (route, version): (Route, u32) = self.read_versioned("rounds", "round", route_id)?;
        let tz = self.unit_time_zone(route.unit_id)?;
        let start =
            route.date.to_zoned_datetime(tz.clone()).map_err(|_| CoreError::invalid("route.date", "out of range"))?;
        let end = start
            .checked_add(jiff::Span::new().days(1))
            .map_err(|_| CoreError::invalid("route.date", "out of range"))?;
        let mut unreadable = Vec::new();
        let mut stops = Vec::with_capacity(route.stops.len());
        for stop in &route.stops {
            let (resident, home_tags) = match self.resident(stop.resident_id) {
                Ok((r, _)) => (
                    ResidentSummary::from(&r),
                    r.home_tags
                        .iter()
                        .map(|t| {
                            if t.starts_with("nfc:") {
                                crate::domain::StampMethod::Nfc
                            } else {
                                crate::domain::StampMethod::QrCode
                            }
                        })
                        .collect(),
                ),
                Err(e) => {
                    unreadable.push(Unreadable::new("residents", stop.resident_id, &e));
                    continue;
                }
            };
            let stamps: Vec<Fact> = self.read(|c| {
                let mut stmt = c.prepare_cached(
                    "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND kind_tag = ?4
                     AND clinical_time >= ?2 AND clinical_time < ?3 AND entered_in_error = 0 ORDER BY clinical_time",
                )?;
                let mut rows = stmt.query(params![
                    stop.resident_id,
                    start.timestamp().as_millisecond(),
                    end.timestamp().as_millisecond(),
                    self.kind_tag(crate::domain::FactKind::VisitStamp)
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
                    && v.route_id.is_none_or(|r| r == route.id)
                {
                    match v.event {
                        VisitEvent::Start => started = started.or(Some(v.meta.clinical_time)),
                        VisitEvent::Stop => ended = Some(v.meta.clinical_time),
                    }
                }
            }
            stops.push(RouteStop { resident, planned_at: stop.planned_at, started, ended, home_tags });
        }
        Ok(RouteView { route, version, stops, unreadable })
    }
}
