//! « Non tracés » for a coordinator: per unit and day, every planned dose
//! and act that nobody answered — what the tablets' rounds keep in view for
//! a week, here for any day, so a forgotten dose is found the next morning
//! and not at the next inspection. Computed by the tablets' own rule (the
//! domain's schedule and [`UNRECORDED_AFTER_MINUTES`]) from the hub's copy
//! of the care plans and the answers' index: a fact answering an
//! occurrence, not voided by a correction, closes it, whichever tablet
//! recorded it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chevet_domain::schedule::UNRECORDED_AFTER_MINUTES;
use chevet_domain::{ActKind, Establishment, PlannedAct, Resident, Unit};
use chevet_protocol::Entity;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::accounts::ConsoleAccount;
use super::chrome::*;
use super::session::*;
use super::tablets::{UnitView, units_in_scope};
use crate::api::{AppState, now_ms};
use crate::backend::{Backend, Tx};
use crate::error::{HubError, HubResult};

/// One occurrence nobody answered, as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnrecordedLine {
    pub room: String,
    pub resident: String,
    pub label: String,
    /// « 08:00 », the unit's local time.
    pub due: String,
    pub medication: bool,
}

/// A unit's day: what nobody recorded, in room then time order, and how
/// far the day could be judged (a dose is « non tracé » four hours after
/// it was due; later ones are not counted yet).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnrecordedDay {
    pub lines: Vec<UnrecordedLine>,
    /// « 14:05 » when the day is not over enough to be judged whole.
    pub judged_until: Option<String>,
}

fn doc<T: serde::de::DeserializeOwned>(state: serde_json::Map<String, Value>) -> Option<T> {
    serde_json::from_value(Value::Object(state)).ok()
}

/// What nobody recorded on `unit` on `day` (the unit's local day), as of `now`.
pub fn unrecorded(
    tx: &mut dyn Tx,
    account: &ConsoleAccount,
    unit_id: Uuid,
    day: Date,
    now: Timestamp,
) -> HubResult<UnrecordedDay> {
    let not_yours = || HubError::NotFound("unit".into());
    if !units_in_scope(tx, account)?.iter().any(|u| u.id == unit_id) {
        return Err(not_yours());
    }
    let tenant = account.tenant_id;
    let unit: Unit = tx.document(tenant, unit_id)?.and_then(|d| doc(d.state)).ok_or_else(not_yours)?;
    let establishment: Establishment =
        tx.document(tenant, unit.establishment_id)?.and_then(|d| doc(d.state)).ok_or_else(not_yours)?;
    let tz = establishment.tz().map_err(|_| HubError::Storage("establishment time zone".into()))?;
    let bad_day = || HubError::BadRequest("Ce jour n'existe pas.".into());
    let from = day.to_zoned_datetime(tz.clone()).map_err(|_| bad_day())?.timestamp();
    let to = day
        .checked_add(1.day())
        .map_err(|_| bad_day())?
        .to_zoned_datetime(tz.clone())
        .map_err(|_| bad_day())?
        .timestamp();

    // The unit's residents present that day, by id.
    let residents: BTreeMap<Uuid, Resident> = tx
        .documents_of(tenant, Entity::Resident)?
        .into_iter()
        .filter(|(_, d)| d.unit_id == Some(unit_id))
        .filter_map(|(_, d)| doc::<Resident>(d.state))
        .filter(|r| r.admitted_on <= day && r.discharged_on.is_none_or(|out| out >= day))
        .map(|r| (r.id, r))
        .collect();
    let acts: Vec<PlannedAct> = tx
        .documents_of(tenant, Entity::PlannedAct)?
        .into_iter()
        .filter_map(|(_, d)| doc::<PlannedAct>(d.state))
        .filter(|a| a.active && residents.contains_key(&a.resident_id))
        .collect();

    let mut found: Vec<((u32, String), Timestamp, UnrecordedLine)> = Vec::new();
    for act in acts {
        if act.schedule.occurrences(&tz, from, to).is_empty() {
            continue;
        }
        let answered: HashSet<i64> =
            tx.answered_occurrences(tenant, act.id, from.as_millisecond(), to.as_millisecond())?.into_iter().collect();
        let resident = &residents[&act.resident_id];
        for due in act.schedule.unrecorded(&tz, from, to, now, &answered) {
            found.push((
                resident.room_sort_key(),
                due,
                UnrecordedLine {
                    room: resident.room.clone(),
                    resident: resident.identity.display_name(),
                    label: act.label.clone(),
                    due: due.to_zoned_datetime(tz.clone()).strftime("%H:%M").to_string(),
                    medication: act.kind == ActKind::Medication,
                },
            ));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.label.cmp(&b.2.label)));
    let judged = now.as_second() - UNRECORDED_AFTER_MINUTES * 60;
    let judged_until = (judged < to.as_second()).then(|| {
        let at = Timestamp::from_second(judged.max(from.as_second())).unwrap_or(from);
        at.to_zoned_datetime(tz.clone()).strftime("%H:%M").to_string()
    });
    Ok(UnrecordedDay { lines: found.into_iter().map(|(_, _, l)| l).collect(), judged_until })
}

#[derive(Debug, Deserialize)]
pub(super) struct UnrecordedQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    day: String,
}

#[derive(Template)]
#[template(path = "console/unrecorded.html")]
pub(super) struct UnrecordedPage {
    frame: Frame,
    units: Vec<UnitView>,
    unit: Option<Uuid>,
    day: String,
    shown: Option<UnrecordedDay>,
}

/// The page: a unit and a day chosen (today by default), then the list.
pub(super) async fn unrecorded_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedIn { session, account }: SignedIn,
    query: Result<axum::extract::Query<UnrecordedQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = query.map(|q| q.0).unwrap_or(UnrecordedQuery { unit: String::new(), day: String::new() });
    let now = Timestamp::from_millisecond(now_ms()).unwrap_or_else(|_| Timestamp::now());
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    let day: Option<Date> =
        if q.day.is_empty() { Some(now.to_zoned_datetime(paris).date()) } else { q.day.parse().ok() };
    let unit = Uuid::try_parse(q.unit.trim()).ok();
    let bad = (!q.unit.is_empty() && unit.is_none()) || day.is_none();
    let day_text = day.map(|d| d.to_string()).unwrap_or_else(|| q.day.chars().take(10).collect());
    let result = console_tx(&state, move |tx| {
        let units = units_in_scope(tx, &account)?;
        let unit = unit.or_else(|| (units.len() == 1).then(|| units[0].id));
        let shown = match (unit, day) {
            (Some(u), Some(d)) if !bad => Some(unrecorded(tx, &account, u, d, now)?),
            _ => None,
        };
        Ok((units, unit, shown))
    })
    .await;
    let frame = Frame::of(&session);
    if bad {
        return page_error(HubError::BadRequest("Choisissez une unité et un jour (AAAA-MM-JJ).".into()), frame);
    }
    match result {
        Ok((units, unit, shown)) => {
            html(StatusCode::OK, UnrecordedPage { frame, units, unit, day: day_text, shown }, None)
        }
        Err(e) => page_error(e, frame),
    }
}
