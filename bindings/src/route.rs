//! Home-care routes (SSIAD tournées): the day's routes, a route with its
//! visits, and the stamps that start and end a visit at the door.

use chevet_core::domain::{Fact, PlannedStop, Route, StampMethod, VisitEvent, VisitStamp, new_record_id};

use crate::error::ChevetError;
use crate::ids::{RecordId, ResidentId, RouteId, StaffId, UnitId};
use crate::residents::ResidentSummaryInfo;
use crate::store::{ChevetStore, ts};

crate::store::store_area!(
    /// Home care (SSIAD): routes, home tags, visit stamps.
    /// Reached from the store: `store.home_care()`.
    HomeCare,
    home_care
);

type Result<T> = std::result::Result<T, ChevetError>;

pub(crate) fn date(field: &str, iso: &str) -> Result<jiff::civil::Date> {
    iso.parse().map_err(|_| ChevetError::InvalidInput { field: field.into(), reason: "not a YYYY-MM-DD date".into() })
}

pub(crate) fn time(field: &str, hh_mm: &str) -> Result<jiff::civil::Time> {
    hh_mm.parse().map_err(|_| ChevetError::InvalidInput { field: field.into(), reason: "not an HH:MM time".into() })
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteStopEntry {
    pub resident_id: ResidentId,
    /// Expected arrival, local "HH:MM".
    pub planned_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteLineInfo {
    pub route_id: RouteId,
    pub label: String,
    pub staff_id: StaffId,
    pub stops: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteStopInfo {
    pub resident: ResidentSummaryInfo,
    pub planned_at: Option<String>,
    pub started_at_ms: Option<i64>,
    pub ended_at_ms: Option<i64>,
    /// How a visit here can be stamped besides by hand (the tags registered at the home).
    pub tags: Vec<StampBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RouteInfo {
    pub route_id: RouteId,
    pub label: String,
    /// In route order.
    pub stops: Vec<RouteStopInfo>,
    pub unreadable: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VisitMoment {
    Start,
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StampBy {
    Manual,
    QrCode,
    Nfc,
}

fn route_line(r: Route) -> RouteLineInfo {
    RouteLineInfo { route_id: r.id.into(), label: r.label, staff_id: r.staff_id.into(), stops: r.stops.len() as u32 }
}

fn stamp_by(m: StampMethod) -> StampBy {
    match m {
        StampMethod::Manual => StampBy::Manual,
        StampMethod::QrCode => StampBy::QrCode,
        StampMethod::Nfc => StampBy::Nfc,
    }
}

#[uniffi::export]
impl HomeCare {
    /// Plans a day's route for a professional (coordinating nurse);
    /// `day` is "YYYY-MM-DD". Returns the route's id.
    pub fn plan_route(
        &self,
        unit_id: UnitId,
        day: String,
        staff_id: StaffId,
        label: String,
        stops: Vec<RouteStopEntry>,
    ) -> Result<RouteId> {
        let route = Route {
            id: new_record_id(),
            unit_id: unit_id.0,
            date: date("day", &day)?,
            staff_id: staff_id.0,
            label,
            stops: stops
                .into_iter()
                .map(|s| {
                    Ok(PlannedStop {
                        resident_id: s.resident_id.0,
                        planned_at: s.planned_at.map(|t| time("planned_at", &t)).transpose()?,
                    })
                })
                .collect::<Result<_>>()?,
        };
        self.core()?.save_route(&route, None)?;
        Ok(route.id.into())
    }

    /// The signed-in professional's routes on a day ("YYYY-MM-DD").
    pub fn my_routes(&self, unit_id: UnitId, day: String) -> Result<Vec<RouteLineInfo>> {
        let routes = self.core()?.my_routes(unit_id.0, date("day", &day)?)?;
        Ok(routes.into_iter().map(|(r, _)| route_line(r)).collect())
    }

    /// Registers the QR sticker or NFC tag placed at a patient's home (a new
    /// one of the same kind replaces the old); visits stamped by tag must
    /// then read it.
    pub fn register_home_tag(&self, resident_id: ResidentId, by: StampBy, payload: String) -> Result<()> {
        let method = match by {
            StampBy::Manual => {
                return Err(ChevetError::InvalidInput {
                    field: "by".into(),
                    reason: "a tag is a QR code or NFC".into(),
                });
            }
            StampBy::QrCode => StampMethod::QrCode,
            StampBy::Nfc => StampMethod::Nfc,
        };
        self.core()?.register_home_tag(resident_id.0, method, &payload)?;
        Ok(())
    }

    /// The routes of a unit on a day ("YYYY-MM-DD").
    pub fn routes(&self, unit_id: UnitId, day: String) -> Result<Vec<RouteLineInfo>> {
        let routes = self.core()?.routes(unit_id.0, date("day", &day)?)?;
        Ok(routes.into_iter().map(|(r, _)| route_line(r)).collect())
    }

    /// A route with each visit's planned time and its stamps.
    pub fn route(&self, route_id: RouteId) -> Result<RouteInfo> {
        let view = self.core()?.route(route_id.0)?;
        Ok(RouteInfo {
            route_id: view.route.id.into(),
            label: view.route.label.clone(),
            unreadable: view.unreadable.len() as u32,
            stops: view
                .stops
                .into_iter()
                .map(|s| RouteStopInfo {
                    resident: s.resident.into(),
                    planned_at: s.planned_at.map(|t| t.strftime("%H:%M").to_string()),
                    started_at_ms: s.started.map(|t| t.as_millisecond()),
                    ended_at_ms: s.ended.map(|t| t.as_millisecond()),
                    tags: s.home_tags.into_iter().map(stamp_by).collect(),
                })
                .collect(),
        })
    }

    /// Stamps the start or end of a visit (by hand, or with the QR code or
    /// NFC tag at the patient's home, whose payload is `tag`); returns the
    /// stamp's id.
    pub fn stamp_visit(
        &self,
        resident_id: ResidentId,
        route_id: Option<RouteId>,
        moment: VisitMoment,
        by: StampBy,
        tag: Option<String>,
        at_ms: i64,
    ) -> Result<RecordId> {
        let event = match moment {
            VisitMoment::Start => VisitEvent::Start,
            VisitMoment::Stop => VisitEvent::Stop,
        };
        let method = match by {
            StampBy::Manual => StampMethod::Manual,
            StampBy::QrCode => StampMethod::QrCode,
            StampBy::Nfc => StampMethod::Nfc,
        };
        let fact =
            Fact::VisitStamp(VisitStamp::new(resident_id.0, route_id.map(|r| r.0), event, method, tag, ts(at_ms)?));
        Ok(self.core()?.record(fact)?.id().into())
    }
}
