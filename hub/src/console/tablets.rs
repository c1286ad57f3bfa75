//! Tablets for a coordinator: the list with each one's health (units, last
//! contact, operations waiting, client, clock), an alert for a tablet not
//! seen for 24 hours, enrolment of a new one by code and QR code, and
//! revocation of a lost one (its credential refused at once).

use std::collections::BTreeMap;

use chevet_protocol::Entity;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::accounts::ConsoleAccount;
use crate::backend::{AuditBreak, DeviceInfo, Tx};
use crate::error::{HubError, HubResult};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::chrome::*;
use super::session::*;
use crate::api::{AppState, now_ms};
use crate::backend::{Backend, Scope};

/// A tablet unseen this long is flagged.
pub const STALE_MS: i64 = 24 * 3600 * 1000;

/// A unit as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitView {
    pub id: Uuid,
    /// « EHPAD Les Tilleuls — Étage 1 ».
    pub name: String,
}

/// A tablet as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TabletView {
    pub id: Uuid,
    pub label: String,
    pub units: String,
    pub enrolled: String,
    /// « il y a 3 h », « jamais ».
    pub last_seen: String,
    /// Not seen for 24 h (or never, 24 h after enrolment).
    pub stale: bool,
    pub pending: String,
    pub client: String,
    pub clock: String,
    pub revoked: bool,
    /// Its last failed sync, as the tablet told it or as the hub refused
    /// it: « il y a 2 h : serveur injoignable (selon la tablette) », or « — ».
    pub failure: String,
    /// That failure came after its last successful sync.
    pub failing: bool,
    /// Its audit journal on the hub: « 124 entrées, vérifié » or where it broke.
    pub journal: String,
    pub journal_broken: bool,
}

/// The units the account may see, with their establishment's name.
pub fn units_in_scope(tx: &mut dyn Tx, account: &ConsoleAccount) -> HubResult<Vec<UnitView>> {
    let establishments: BTreeMap<Uuid, String> = tx
        .documents_of(account.tenant_id, Entity::Establishment)?
        .into_iter()
        .filter(|(id, _)| account.role.sees(Some(*id)))
        .map(|(id, d)| (id, d.state.get("name").and_then(Value::as_str).unwrap_or_default().to_owned()))
        .collect();
    let mut units: Vec<UnitView> = tx
        .documents_of(account.tenant_id, Entity::Unit)?
        .into_iter()
        .filter_map(|(id, d)| {
            let est = d.state.get("establishment_id").and_then(Value::as_str).and_then(|s| Uuid::try_parse(s).ok())?;
            let est_name = establishments.get(&est)?;
            let name = d.state.get("name").and_then(Value::as_str).unwrap_or_default();
            Some(UnitView { id, name: format!("{est_name} — {name}") })
        })
        .collect();
    units.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(units)
}

/// « il y a 3 h ».
pub fn ago_fr(ms: i64, now_ms: i64) -> String {
    let minutes = (now_ms - ms).max(0) / 60_000;
    match minutes {
        0 => "à l'instant".into(),
        1..=59 => format!("il y a {minutes} min"),
        60..=2879 => format!("il y a {} h", minutes / 60),
        _ => format!("il y a {} jours", minutes / 1440),
    }
}

fn clock_fr(skew_ms: Option<i64>) -> String {
    match skew_ms {
        None => "—".into(),
        Some(ms) if ms.abs() < 60_000 => "à l'heure".into(),
        Some(ms) => {
            let minutes = ms.abs() / 60_000;
            format!("{} de {minutes} min", if ms > 0 { "en avance" } else { "en retard" })
        }
    }
}

/// A failure in words: what the tablet said (failures that never reached
/// the hub) or what the hub refused.
fn failure_fr(kind: &str) -> &'static str {
    match kind {
        "unreachable" => "serveur injoignable (selon la tablette)",
        "certificate_refused" => "certificat du serveur refusé par la tablette",
        "credential_refused" => "tablette inconnue ou révoquée",
        "failed" => "échec (selon la tablette)",
        "bad_request" => "requête refusée par le hub",
        "conflict" => "envoi refusé par le hub (ordre des opérations)",
        "too_large" => "envoi trop gros refusé par le hub",
        "resnapshot" => "historique à reprendre depuis le début",
        "unsupported_protocol" => "version de l'application trop ancienne",
        "quota_exceeded" => "trop de photos en cours d'envoi",
        "unavailable" => "hub indisponible",
        _ => "échec",
    }
}

/// The latest failure a device's report holds: (when, kind).
pub fn last_failure(report: &Value) -> Option<(i64, String)> {
    let tablet = report.get("tablet_failure").and_then(|f| Some((f.get("at_ms")?.as_i64()?, f.get("kind")?.as_str()?)));
    let hub = report.get("hub_refusal").and_then(|f| Some((f.get("at_ms")?.as_i64()?, f.get("code")?.as_str()?)));
    [tablet, hub].into_iter().flatten().max_by_key(|(at, _)| *at).map(|(at, k)| (at, k.to_owned()))
}

fn view(d: &DeviceInfo, units: &BTreeMap<Uuid, String>, breaks: &[&AuditBreak], now_ms: i64) -> TabletView {
    let failure = d.report.as_ref().and_then(last_failure);
    let report = d.report.clone().unwrap_or(Value::Null);
    let since = d.last_seen_ms.unwrap_or(d.enrolled_ms);
    TabletView {
        id: d.device_id,
        label: d.label.clone(),
        units: d
            .units
            .iter()
            .map(|u| units.get(u).cloned().unwrap_or_else(|| "unité retirée".into()))
            .collect::<Vec<_>>()
            .join(", "),
        enrolled: super::conflicts::when_fr(d.enrolled_ms),
        last_seen: d.last_seen_ms.map_or_else(|| "jamais".into(), |ms| ago_fr(ms, now_ms)),
        stale: !d.revoked && now_ms - since > STALE_MS,
        pending: report.get("pending_ops").and_then(Value::as_u64).map_or_else(|| "—".into(), |n| n.to_string()),
        client: report.get("client").and_then(Value::as_str).unwrap_or("—").to_owned(),
        clock: clock_fr(report.get("skew_ms").and_then(Value::as_i64)),
        revoked: d.revoked,
        failing: failure.as_ref().is_some_and(|(at, _)| d.last_seen_ms.is_none_or(|seen| *at > seen)),
        failure: failure
            .map_or_else(|| "—".into(), |(at, kind)| format!("{} : {}", ago_fr(at, now_ms), failure_fr(&kind))),
        journal: match breaks.last() {
            None if d.audit_seq == 0 => "rien reçu".into(),
            None => format!("{} entrée{}, vérifié", d.audit_seq, if d.audit_seq == 1 { "" } else { "s" }),
            Some(b) => format!(
                "rompu à l'entrée {} : {}{}",
                b.seq,
                super::access::break_fr(b.kind),
                if breaks.len() > 1 { format!(" (et {} autre(s))", breaks.len() - 1) } else { String::new() }
            ),
        },
        journal_broken: !breaks.is_empty(),
    }
}

/// The tablets the account may see: those with a unit in its scope.
pub fn tablets(tx: &mut dyn Tx, account: &ConsoleAccount, now_ms: i64) -> HubResult<Vec<TabletView>> {
    let units: BTreeMap<Uuid, String> = units_in_scope(tx, account)?.into_iter().map(|u| (u.id, u.name)).collect();
    let all_breaks = tx.audit_breaks(account.tenant_id)?;
    let mut breaks: BTreeMap<Uuid, Vec<&AuditBreak>> = BTreeMap::new();
    for b in &all_breaks {
        breaks.entry(b.device_id).or_default().push(b);
    }
    Ok(tx
        .devices(account.tenant_id)?
        .iter()
        .filter(|d| d.units.iter().any(|u| units.contains_key(u)))
        .map(|d| view(d, &units, breaks.get(&d.device_id).map_or(&[][..], Vec::as_slice), now_ms))
        .collect())
}

/// A unit's sync health: its tablets, when one last synced, how many wait
/// to send, how many are unseen for a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitHealth {
    pub unit: String,
    pub tablets: usize,
    pub last_sync: String,
    pub pending: u64,
    pub stale: usize,
    /// Tablets with a failed sync in the last 24 hours.
    pub failures: usize,
}

/// Sync health per unit of the account's scope, from what its tablets said.
pub fn unit_health(tx: &mut dyn Tx, account: &ConsoleAccount, now_ms: i64) -> HubResult<Vec<UnitHealth>> {
    let units = units_in_scope(tx, account)?;
    let devices: Vec<DeviceInfo> = tx.devices(account.tenant_id)?.into_iter().filter(|d| !d.revoked).collect();
    Ok(units
        .into_iter()
        .map(|u| {
            let mine: Vec<&DeviceInfo> = devices.iter().filter(|d| d.units.contains(&u.id)).collect();
            let last = mine.iter().filter_map(|d| d.last_seen_ms).max();
            UnitHealth {
                unit: u.name,
                tablets: mine.len(),
                last_sync: last.map_or_else(|| "jamais".into(), |ms| ago_fr(ms, now_ms)),
                pending: mine.iter().filter_map(|d| d.report.as_ref()?.get("pending_ops")?.as_u64()).sum(),
                stale: mine.iter().filter(|d| now_ms - d.last_seen_ms.unwrap_or(d.enrolled_ms) > STALE_MS).count(),
                failures: mine
                    .iter()
                    .filter(|d| d.report.as_ref().and_then(last_failure).is_some_and(|(at, _)| now_ms - at <= STALE_MS))
                    .count(),
            }
        })
        .collect())
}

/// Checks that every unit is the account's to enrol a tablet for.
pub fn check_units(tx: &mut dyn Tx, account: &ConsoleAccount, units: &[Uuid]) -> HubResult<()> {
    if units.is_empty() {
        return Err(HubError::BadRequest("Choisissez au moins une unité.".into()));
    }
    let mine: Vec<Uuid> = units_in_scope(tx, account)?.into_iter().map(|u| u.id).collect();
    if units.iter().any(|u| !mine.contains(u)) {
        return Err(HubError::NotFound("unit".into()));
    }
    Ok(())
}

/// Revokes a tablet the account may see: its credential is refused from
/// its next request on.
pub fn revoke(tx: &mut dyn Tx, account: &ConsoleAccount, device: Uuid, now_ms: i64) -> HubResult<()> {
    let visible = tablets(tx, account, now_ms)?.into_iter().any(|t| t.id == device && !t.revoked);
    if !visible || !tx.revoke_device(device, now_ms)? {
        return Err(HubError::NotFound("tablet".into()));
    }
    log::info!("device {device} revoked by console account {}", account.id);
    Ok(())
}

// --- the page ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/tablets.html")]
pub(super) struct TabletsPage {
    frame: Frame,
    tablets: Vec<TabletView>,
    units: Vec<UnitView>,
    stale: usize,
    health: Vec<UnitHealth>,
}

#[derive(Template)]
#[template(path = "console/enrolment.html")]
pub(super) struct EnrolmentPage {
    frame: Frame,
    qr_svg: String,
    code: String,
    hub_url: String,
    hours: i64,
    units: String,
    /// What the QR code says, for a tablet without a camera.
    link: String,
    /// The link carries the establishment's CA.
    with_ca: bool,
}

pub(super) async fn tablets_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedIn { session, account }: SignedIn,
) -> Response {
    render_tablets(&state, &session, account, None).await
}

pub(super) async fn render_tablets<B: Backend>(
    state: &Arc<AppState<B>>,
    session: &Session,
    account: ConsoleAccount,
    notice: Option<String>,
) -> Response {
    let now = now_ms();
    let listed = console_tx(state, move |tx| {
        Ok((tablets(tx, &account, now)?, units_in_scope(tx, &account)?, unit_health(tx, &account, now)?))
    })
    .await;
    match listed {
        Ok((list, units, health)) => {
            let f = Frame::of(session);
            let stale = list.iter().filter(|t| t.stale).count();
            html(
                StatusCode::OK,
                TabletsPage { frame: Frame { notice, ..f }, tablets: list, units, stale, health },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(session)),
    }
}

/// The hub's address as the browser reached it: what a tablet of the same
/// network reaches too (the enrolment link).
pub(super) fn hub_url<B: Backend>(state: &AppState<B>, headers: &HeaderMap) -> HubResult<String> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .ok_or(HubError::BadRequest("Adresse du hub illisible.".into()))?;
    let forwarded_https = headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes() == b"https");
    Ok(format!("{}://{host}", if state.https || forwarded_https { "https" } else { "http" }))
}

pub(super) async fn enrol_tablet<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    headers: HeaderMap,
    SignedForm { session, account, form }: SignedForm,
) -> Response {
    let units: Result<Vec<Uuid>, _> =
        form.iter().filter(|(k, _)| k == "unit").map(|(_, v)| Uuid::try_parse(v)).collect();
    let hours: i64 =
        form.iter().find(|(k, _)| k == "hours").and_then(|(_, v)| v.parse().ok()).unwrap_or(24).clamp(1, 72);
    let Ok(units) = units else {
        return page_error(HubError::NotFound("unit".into()), Frame::of(&session));
    };
    let hub = match hub_url(&state, &headers) {
        Ok(u) => u,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    let (a, chosen) = (account.clone(), units.clone());
    let issued = with_backend(&state, move |backend| {
        let names = backend.transaction(Scope::Admin, |tx| {
            check_units(tx, &a, &chosen)?;
            Ok(units_in_scope(tx, &a)?
                .into_iter()
                .filter(|u| chosen.contains(&u.id))
                .map(|u| u.name)
                .collect::<Vec<_>>()
                .join(", "))
        })?;
        let code = crate::Admin::new(backend).enrolment_code(a.tenant_id, &chosen, hours)?;
        Ok::<_, HubError>((code, names))
    })
    .await;
    let (code, names) = match issued {
        Ok(i) => i,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    log::info!("enrolment code issued by console account {} for {} units", account.id, units.len());
    let link = chevet_protocol::EnrolmentLink {
        hub_url: hub.clone(),
        code: code.clone(),
        ca_der: state.enrolment_ca_der.clone(),
    };
    let with_ca = link.ca_der.is_some();
    let link_text = link.to_uri();
    match qr_svg(&link_text) {
        Ok(qr_svg) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                EnrolmentPage { frame: f, qr_svg, code, hub_url: hub, hours, units: names, link: link_text, with_ca },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

pub(super) async fn revoke_tablet<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(device): Path<String>,
    SignedForm { session, account, form }: SignedForm,
) -> Response {
    if !form.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        return page_error(
            HubError::BadRequest("Cochez « Perdue ou volée » pour confirmer.".into()),
            Frame::of(&session),
        );
    }
    let Ok(device) = Uuid::try_parse(&device) else {
        return page_error(HubError::NotFound("tablet".into()), Frame::of(&session));
    };
    let now = now_ms();
    let a = account.clone();
    match console_tx(&state, move |tx| revoke(tx, &a, device, now)).await {
        Ok(()) => {
            render_tablets(
                &state,
                &session,
                account,
                Some("Tablette révoquée : le hub refuse désormais ses demandes.".into()),
            )
            .await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_clocks_in_words() {
        let now = 1_796_000_000_000;
        assert_eq!(ago_fr(now - 30_000, now), "à l'instant");
        assert_eq!(ago_fr(now - 5 * 60_000, now), "il y a 5 min");
        assert_eq!(ago_fr(now - 3 * 3_600_000, now), "il y a 3 h");
        assert_eq!(ago_fr(now - 3 * 86_400_000, now), "il y a 3 jours");
        assert_eq!(clock_fr(Some(20_000)), "à l'heure");
        assert_eq!(clock_fr(Some(-5 * 60_000)), "en retard de 5 min");
        assert_eq!(clock_fr(None), "—");
    }

    #[test]
    fn a_tablet_unseen_for_a_day_is_flagged() {
        let now = 1_796_000_000_000;
        let unit = Uuid::now_v7();
        let units = BTreeMap::from([(unit, "EHPAD — Étage 1".to_owned())]);
        let mut d = DeviceInfo {
            device_id: Uuid::now_v7(),
            tenant_id: Uuid::now_v7(),
            label: "Tablette".into(),
            revoked: false,
            last_seq: 0,
            units: vec![unit],
            enrolled_ms: now - 3 * STALE_MS,
            last_seen_ms: Some(now - STALE_MS - 1),
            report: Some(serde_json::json!({"client": "chevet-core/0.1.0", "pending_ops": 12, "skew_ms": -180000})),
            audit_seq: 0,
        };
        let v = view(&d, &units, &[], now);
        assert!(v.stale);
        assert_eq!(
            (v.pending.as_str(), v.clock.as_str(), v.units.as_str()),
            ("12", "en retard de 3 min", "EHPAD — Étage 1")
        );
        d.last_seen_ms = Some(now - 3_600_000);
        assert!(!view(&d, &units, &[], now).stale);
        d.last_seen_ms = None;
        assert!(view(&d, &units, &[], now).stale, "enrolled three days ago, never synced");
        d.revoked = true;
        assert!(!view(&d, &units, &[], now).stale, "a revoked tablet is not awaited");
    }
}
