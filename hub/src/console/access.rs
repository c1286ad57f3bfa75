//! The access log (journal des accès) for a coordinator: a resident's file,
//! who opened it and who wrote what in it, from the tablets' journals as
//! the hub received and checked them — on a page, and as a CSV file the
//! establishment hands over when a resident asks under the GDPR (art. 15).
//!
//! Times are the tablet's clock when the entry was written; an entry whose
//! chain did not verify on arrival is shown, marked as such, with the
//! break on its tablet.

use std::collections::{BTreeMap, HashMap};

use chevet_domain::{Identity, Role, Staff};
use chevet_protocol::{AuditAction, Entity};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::accounts::ConsoleAccount;
use super::conflicts::when_fr;
use super::tablets::units_in_scope;
use crate::backend::{AuditBreak, AuditRow, BreakKind, Tx};
use crate::error::{HubError, HubResult};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::chrome::*;
use super::session::*;
use crate::api::AppState;
use crate::backend::Backend;

/// A resident as the console lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResidentView {
    pub id: Uuid,
    pub name: String,
    pub room: String,
    pub unit: String,
}

/// One line of a resident's access log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessView {
    /// « 06/12/2026 14:32 », Europe/Paris.
    pub when: String,
    pub who: String,
    pub role: String,
    /// « a ouvert le dossier », « a enregistré une constante ».
    pub action: String,
    pub tablet: String,
    /// The entry's chain verified on arrival.
    pub verified: bool,
}

/// A resident's access log, and what the coordinator must know to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessLog {
    pub resident: ResidentView,
    pub entries: Vec<AccessView>,
    /// Tablets named in this log whose chain broke, in words.
    pub breaks: Vec<String>,
}

fn name_of(state: &serde_json::Map<String, Value>) -> String {
    state
        .get("identity")
        .and_then(|i| serde_json::from_value::<Identity>(i.clone()).ok())
        .map(|i| i.display_name())
        .unwrap_or_default()
}

/// The residents the account may see (by unit), sorted by name; `query`
/// keeps those whose name or room contains it (case and accents as typed).
pub fn residents(tx: &mut dyn Tx, account: &ConsoleAccount, query: &str) -> HubResult<Vec<ResidentView>> {
    let units: BTreeMap<Uuid, String> = units_in_scope(tx, account)?.into_iter().map(|u| (u.id, u.name)).collect();
    let query = query.trim().to_lowercase();
    let mut out: Vec<ResidentView> = tx
        .documents_of(account.tenant_id, Entity::Resident)?
        .into_iter()
        .filter_map(|(id, d)| {
            let unit = units.get(&d.unit_id?)?.clone();
            let room = d.state.get("room").and_then(Value::as_str).unwrap_or_default().to_owned();
            Some(ResidentView { id, name: name_of(&d.state), room, unit })
        })
        .filter(|r| query.is_empty() || r.name.to_lowercase().contains(&query) || r.room.to_lowercase() == query)
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// The resident, if the account may see them (another establishment's
/// resident does not exist for a coordinator).
pub fn resident(tx: &mut dyn Tx, account: &ConsoleAccount, id: Uuid) -> HubResult<ResidentView> {
    let not_found = || HubError::NotFound("resident".into());
    let doc = tx.document(account.tenant_id, id)?.filter(|d| d.entity == Entity::Resident).ok_or_else(not_found)?;
    let units: BTreeMap<Uuid, String> = units_in_scope(tx, account)?.into_iter().map(|u| (u.id, u.name)).collect();
    let unit = doc.unit_id.and_then(|u| units.get(&u).cloned()).ok_or_else(not_found)?;
    let room = doc.state.get("room").and_then(Value::as_str).unwrap_or_default().to_owned();
    Ok(ResidentView { id, name: name_of(&doc.state), room, unit })
}

/// What an entry's entity is, in French, with its article.
fn entity_fr(entity: &str) -> &'static str {
    match entity {
        "resident" => "le dossier",
        "planned_act" => "un soin prévu",
        "wound" => "une plaie",
        "act" => "un soin réalisé",
        "administration" => "une prise de médicament",
        "observation" => "une constante",
        "transmission" => "une transmission",
        "wound_assessment" => "une évaluation de plaie",
        "visit_stamp" => "un passage à domicile",
        "correction" => "une correction",
        "photo" => "une photo",
        "emergency_transfer" => "la fiche de transfert d'urgence (DLU)",
        "scale_assessment" => "une échelle d'évaluation",
        _ => "un enregistrement",
    }
}

/// What the entry says was done, in French.
pub fn action_fr(action: AuditAction, entity: &str) -> String {
    match action {
        AuditAction::OpenFile => "a ouvert le dossier".into(),
        AuditAction::Create => format!("a enregistré {}", entity_fr(entity)),
        AuditAction::Update => format!("a modifié {}", entity_fr(entity)),
        AuditAction::Correct => "a marqué une saisie comme erronée".into(),
        AuditAction::ViewPhoto => "a affiché une photo en grand".into(),
        AuditAction::Export if entity == "resident" => "a exporté le dossier".into(),
        AuditAction::Export => format!("a imprimé ou envoyé {}", entity_fr(entity)),
        AuditAction::Provision => "dossier chargé sur la tablette".into(),
        AuditAction::SignIn => "s'est connecté".into(),
        AuditAction::SignInFailed => "code PIN erroné".into(),
        AuditAction::LockOut => "tablette verrouillée après trop d'essais".into(),
        AuditAction::PinChanged => "a changé son code PIN".into(),
        AuditAction::FirstPinSet => "a choisi son premier code PIN".into(),
        AuditAction::SyncPull => "synchronisation".into(),
        AuditAction::Erase => "tablette effacée après révocation".into(),
    }
}

pub fn break_fr(kind: BreakKind) -> &'static str {
    match kind {
        BreakKind::Gap => "des entrées manquent",
        BreakKind::Mismatch => "une entrée ne suit pas la précédente",
        BreakKind::Rewritten => "une entrée déjà reçue est revenue modifiée",
        BreakKind::DeviceReported => "la tablette a trouvé son journal modifié",
        BreakKind::OutOfScope => "une entrée nomme un résident hors de ses unités",
        BreakKind::Actor => {
            "une entrée est au nom d'un professionnel qui n'est pas de ses unités ou n'était pas actif à cette date"
        }
        BreakKind::Time => "une entrée porte une heure impossible (hors de la vie de la tablette, ou en arrière)",
    }
}

/// A break in words: « Chariot 1 : à l'entrée 12, des entrées manquent (vu le 06/12/2026 à 14:32) ».
pub fn break_line(tablet: &str, b: &AuditBreak) -> String {
    format!("{tablet} : à l'entrée {}, {} (vu {})", b.seq, break_fr(b.kind), when_fr(b.detected_ms))
}

fn when_short(ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned_datetime(tz).strftime("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// A resident's access log, newest first.
pub fn access_log(tx: &mut dyn Tx, account: &ConsoleAccount, resident_id: Uuid) -> HubResult<AccessLog> {
    let resident = resident(tx, account, resident_id)?;
    let tenant = account.tenant_id;
    let rows: Vec<AuditRow> = tx.resident_audit(tenant, resident_id)?;
    let staff: HashMap<Uuid, (String, Role)> = tx
        .documents_of(tenant, Entity::Staff)?
        .into_iter()
        .filter_map(|(_, d)| serde_json::from_value::<Staff>(Value::Object(d.state)).ok())
        .map(|s| (s.id, (s.display_name, s.role)))
        .collect();
    let tablets: HashMap<Uuid, String> = tx.devices(tenant)?.into_iter().map(|d| (d.device_id, d.label)).collect();
    let tablet = |id: &Uuid| tablets.get(id).cloned().unwrap_or_else(|| "tablette inconnue".into());
    let entries: Vec<AccessView> = rows
        .iter()
        .rev()
        .map(|r| {
            let (who, role) = match r.actor.and_then(|a| staff.get(&a)) {
                Some((name, role)) => (name.clone(), role.label_fr().to_owned()),
                None if r.actor.is_some() => ("professionnel inconnu du hub".into(), String::new()),
                None => ("aucun professionnel connecté".into(), String::new()),
            };
            AccessView {
                when: when_short(r.at_ms),
                who,
                role,
                action: action_fr(r.action, &r.entity),
                tablet: tablet(&r.device_id),
                verified: r.verified,
            }
        })
        .collect();
    let named: std::collections::HashSet<Uuid> = rows.iter().map(|r| r.device_id).collect();
    let breaks = tx
        .audit_breaks(tenant)?
        .iter()
        .filter(|b| named.contains(&b.device_id))
        .map(|b| break_line(&tablet(&b.device_id), b))
        .collect();
    Ok(AccessLog { resident, entries, breaks })
}

/// A CSV field: quoted when it holds a separator, a quote or a line break;
/// a leading =, +, - or @ is neutralised so a spreadsheet never runs it.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([';', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The log as a CSV file for a spreadsheet set to French: UTF-8 with its
/// byte-order mark, `;` between fields, CRLF line ends.
pub fn access_csv(log: &AccessLog) -> String {
    let mut out = String::from("\u{feff}");
    let header = [
        "Date et heure (tablette)",
        "Professionnel",
        "Fonction",
        "Action",
        "Tablette",
        "Contrôlée (chaîne, professionnel, heure)",
    ];
    out.push_str(&header.join(";"));
    out.push_str("\r\n");
    for e in &log.entries {
        let fields: [&str; 6] =
            [&e.when, &e.who, &e.role, &e.action, &e.tablet, if e.verified { "oui" } else { "non" }];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(";"));
        out.push_str("\r\n");
    }
    out
}

/// The file's name: the resident's id, never their name (it ends up in
/// download folders and mail attachments).
pub fn csv_name(log: &AccessLog) -> String {
    format!("journal-des-acces-{}.csv", log.resident.id)
}

// --- the page ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/residents.html")]
pub(super) struct ResidentsPage {
    frame: Frame,
    residents: Vec<ResidentView>,
    query: String,
}

#[derive(Template)]
#[template(path = "console/access.html")]
pub(super) struct AccessPage {
    frame: Frame,
    log: AccessLog,
    unverified: usize,
}

#[derive(Deserialize)]
pub(super) struct ResidentsQuery {
    #[serde(default)]
    q: String,
}

pub(super) async fn residents_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedIn { session, account }: SignedIn,
    query: Result<axum::extract::Query<ResidentsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query: String = query.map(|q| q.0.q).unwrap_or_default().chars().take(100).collect();
    let q = query.clone();
    match console_tx(&state, move |tx| residents(tx, &account, &q)).await {
        Ok(residents) => {
            let f = Frame::of(&session);
            html(StatusCode::OK, ResidentsPage { frame: f, residents, query }, None)
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

pub(super) fn resident_id(raw: &str) -> HubResult<Uuid> {
    Uuid::try_parse(raw).map_err(|_| HubError::NotFound("resident".into()))
}

/// A resident's access log for the signed-in account (another
/// establishment's resident does not exist for a coordinator); reading it
/// is written in the hub's log, ids only (`how`: « read », « exported »).
pub(super) async fn read_access_log<B: Backend>(
    state: &Arc<AppState<B>>,
    headers: &HeaderMap,
    resident: &str,
    how: &str,
) -> Result<(Session, AccessLog), Response> {
    let (session, account) = signed_in(state, headers).await?;
    let who = account.id;
    let read = match resident_id(resident) {
        Ok(id) => console_tx(state, move |tx| access_log(tx, &account, id)).await,
        Err(e) => Err(e),
    };
    match read {
        Ok(log) => {
            log::info!("console account {who} {how} the access log of resident {}", log.resident.id);
            Ok((session, log))
        }
        Err(e) => Err(page_error(e, Frame::of(&session))),
    }
}

pub(super) async fn access_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(resident): Path<String>,
    headers: HeaderMap,
) -> Response {
    match read_access_log(&state, &headers, &resident, "read").await {
        Ok((session, log)) => {
            let unverified = log.entries.iter().filter(|e| !e.verified).count();
            html(StatusCode::OK, AccessPage { frame: Frame::of(&session), log, unverified }, None)
        }
        Err(r) => r,
    }
}

pub(super) async fn access_csv_download<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(resident): Path<String>,
    headers: HeaderMap,
) -> Response {
    match read_access_log(&state, &headers, &resident, "exported").await {
        Ok((_, log)) => {
            let disposition = format!("attachment; filename=\"{}\"", csv_name(&log));
            let mut resp = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], access_csv(&log)).into_response();
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            resp
        }
        Err(r) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_and_break_has_words() {
        for a in AuditAction::ALL {
            assert!(!action_fr(a, "observation").is_empty());
        }
        assert_eq!(action_fr(AuditAction::Create, "observation"), "a enregistré une constante");
        assert_eq!(action_fr(AuditAction::OpenFile, "resident"), "a ouvert le dossier");
        for k in BreakKind::ALL {
            assert!(!break_fr(k).is_empty());
        }
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("Marie Dupont"), "Marie Dupont");
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("dit \"non\""), "\"dit \"\"non\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-2"), "'-2");
    }
}
