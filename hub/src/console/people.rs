//! The staff page (« Professionnels ») for a coordinator: the professionals
//! of their units (created with their role and units; a first-PIN code
//! printed for one to set their PIN on a tablet; deactivated when they
//! leave), and the preview lines of a residents' CSV import (`import.rs`
//! shows them) — every line checked, nothing imported while a line is
//! wrong unless the coordinator says to leave the wrong ones out.

use chevet_domain::{Role, Staff};
use chevet_protocol::Entity;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::accounts::ConsoleAccount;
use super::tablets::units_in_scope;
use crate::admin::CsvLine;
use crate::backend::Tx;
use crate::error::{HubError, HubResult};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::chrome::*;
use super::session::*;
use super::tablets;
use super::tablets::UnitView;
use crate::api::AppState;
use crate::backend::{Backend, Scope};

/// Roles a coordinator gives, with their French names.
pub const ROLES: [(Role, &str); 5] = [
    (Role::Nurse, "nurse"),
    (Role::CareAide, "care_aide"),
    (Role::SocialCareAide, "social_care_aide"),
    (Role::CoordinatingPhysician, "physician"),
    (Role::HealthManager, "manager"),
];

pub fn role_from_form(value: &str) -> Option<Role> {
    ROLES.iter().find(|(_, key)| *key == value).map(|(r, _)| *r)
}

/// A professional as the console lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffView {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub units: String,
    /// A first-PIN code waits to be used.
    pub code_pending: bool,
    /// « le 06/12/2026 à 14:32 » when deactivated.
    pub deactivated: Option<String>,
}

/// The staff the account may see: those working in one of its units, and
/// those of the whole group (no unit).
pub fn staff(tx: &mut dyn Tx, account: &ConsoleAccount) -> HubResult<Vec<StaffView>> {
    let units: std::collections::BTreeMap<Uuid, String> =
        units_in_scope(tx, account)?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut out: Vec<StaffView> = tx
        .documents_of(account.tenant_id, Entity::Staff)?
        .into_iter()
        .filter_map(|(_, d)| serde_json::from_value::<Staff>(Value::Object(d.state)).ok())
        .filter(|s| s.units.is_empty() || s.units.iter().any(|u| units.contains_key(u)))
        .map(|s| StaffView {
            id: s.id,
            name: s.display_name.clone(),
            role: s.role.label_fr().to_owned(),
            units: if s.units.is_empty() {
                "toutes les unités du groupe".into()
            } else {
                s.units.iter().filter_map(|u| units.get(u).cloned()).collect::<Vec<_>>().join(", ")
            },
            code_pending: s.first_pin_code.is_some(),
            deactivated: s.deactivated_at.map(|t| super::conflicts::when_fr(t.as_millisecond())),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Whether the account may act for this professional (issue a first-PIN
/// code, deactivate, reactivate): every unit they work in is within the
/// account's scope. A professional shared with another establishment, or
/// one of the whole group (no unit), is the group administrator's to act
/// on; a coordinator may see them, not change them.
pub fn check_staff(tx: &mut dyn Tx, account: &ConsoleAccount, id: Uuid) -> HubResult<()> {
    let not_yours = || HubError::NotFound("staff".into());
    let found = match tx.document(account.tenant_id, id)? {
        Some(d) if d.entity == Entity::Staff => serde_json::from_value::<Staff>(Value::Object(d.state)).ok(),
        _ => None,
    };
    let s = found.ok_or_else(not_yours)?;
    if account.role == super::accounts::ConsoleRole::GroupAdmin {
        return Ok(());
    }
    let mine: Vec<Uuid> = units_in_scope(tx, account)?.into_iter().map(|u| u.id).collect();
    if s.units.is_empty() || s.units.iter().any(|u| !mine.contains(u)) {
        return Err(not_yours());
    }
    Ok(())
}

/// A new professional for some of the account's units: at least one, a
/// group administrator's included (a professional belongs to units; whoever
/// acts on them later needs scope over those).
pub fn new_staff(
    tx: &mut dyn Tx,
    account: &ConsoleAccount,
    name: &str,
    role: Role,
    units: &[Uuid],
) -> HubResult<Staff> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(HubError::BadRequest("Le nom est obligatoire (200 caractères au plus).".into()));
    }
    super::tablets::check_units(tx, account, units)?;
    Ok(Staff {
        id: Uuid::now_v7(),
        display_name: name.to_owned(),
        role,
        rpps: None,
        first_pin_code: None,
        deactivated_at: None,
        units: units.to_vec(),
    })
}

/// One line of the import preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewLine {
    pub line: usize,
    pub name: String,
    pub birth_date: String,
    pub room: String,
    /// Why the line cannot be imported.
    pub error: Option<String>,
}

pub fn preview(lines: &[CsvLine]) -> Vec<PreviewLine> {
    lines
        .iter()
        .map(|l| match &l.resident {
            Ok(r) => PreviewLine {
                line: l.line,
                name: r.identity.display_name(),
                birth_date: r.identity.traits.birth_date.strftime("%d/%m/%Y").to_string(),
                room: r.room.clone(),
                error: None,
            },
            Err(why) => PreviewLine {
                line: l.line,
                // The names as written, so the line can be found and fixed.
                name: l.text.split(';').take(2).map(str::trim).collect::<Vec<_>>().join(" "),
                birth_date: String::new(),
                room: String::new(),
                error: Some(why.clone()),
            },
        })
        .collect()
}

// --- the page ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/staff.html")]
pub(super) struct StaffPage {
    frame: Frame,
    staff: Vec<StaffView>,
    units: Vec<UnitView>,
    /// A first-PIN code just issued: whose, and the code.
    first_pin: Option<(String, String)>,
}

pub(super) async fn render_staff<B: Backend>(
    state: &Arc<AppState<B>>,
    session: &Session,
    account: ConsoleAccount,
    notice: Option<String>,
    first_pin: Option<(String, String)>,
) -> Response {
    let listed =
        console_tx(state, move |tx| Ok((self::staff(tx, &account)?, tablets::units_in_scope(tx, &account)?))).await;
    match listed {
        Ok((staff, units)) => {
            let f = Frame::of(session);
            html(StatusCode::OK, StaffPage { frame: Frame { notice, ..f }, staff, units, first_pin }, None)
        }
        Err(e) => page_error(e, Frame::of(session)),
    }
}

pub(super) async fn staff_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedIn { session, account }: SignedIn,
) -> Response {
    render_staff(&state, &session, account, None, None).await
}

pub(super) async fn staff_create<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedForm { session, account, form }: SignedForm,
) -> Response {
    let Some(role) = field(&form, "role").and_then(role_from_form) else {
        return page_error(HubError::BadRequest("Choisissez une fonction.".into()), Frame::of(&session));
    };
    let units: Result<Vec<Uuid>, _> =
        form.iter().filter(|(k, _)| k == "unit").map(|(_, v)| Uuid::try_parse(v)).collect();
    let Ok(units) = units else {
        return page_error(HubError::NotFound("unit".into()), Frame::of(&session));
    };
    let name = field(&form, "name").unwrap_or_default().to_owned();
    let a = account.clone();
    let created = with_backend(&state, move |backend| {
        let staff = backend.transaction(Scope::Admin, |tx| new_staff(tx, &a, &name, role, &units))?;
        crate::Admin::new(backend).put_staff(a.tenant_id, &staff)?;
        Ok::<_, HubError>(staff)
    })
    .await;
    match created {
        Ok(s) => {
            log::info!("staff {} created by console account {}", s.id, account.id);
            let notice = format!(
                "{} ajouté·e : les tablettes de ses unités le sauront à leur prochaine synchronisation.",
                s.display_name
            );
            render_staff(&state, &session, account, Some(notice), None).await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

/// The name of a professional the account may act on (scope over every
/// unit they work in), for the page's notice.
fn staff_name(tx: &mut dyn Tx, account: &ConsoleAccount, id: Uuid) -> HubResult<String> {
    check_staff(tx, account, id)?;
    Ok(staff(tx, account)?.into_iter().find(|s| s.id == id).map(|s| s.name).unwrap_or_default())
}

pub(super) async fn staff_first_pin<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(staff): Path<String>,
    SignedForm { session, account, .. }: SignedForm,
) -> Response {
    let Ok(staff) = Uuid::try_parse(&staff) else {
        return page_error(HubError::NotFound("staff".into()), Frame::of(&session));
    };
    let a = account.clone();
    let issued = with_backend(&state, move |backend| {
        let name = backend.transaction(Scope::Admin, |tx| staff_name(tx, &a, staff))?;
        let code = crate::Admin::new(backend).first_pin_code(a.tenant_id, staff, 72)?;
        Ok::<_, HubError>((name, code))
    })
    .await;
    match issued {
        Ok((name, code)) => {
            log::info!("first-PIN code for staff {staff} issued by console account {}", account.id);
            render_staff(&state, &session, account, None, Some((name, code))).await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

pub(super) async fn staff_deactivate<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(staff): Path<String>,
    signed: SignedForm,
) -> Response {
    staff_active(state, staff, signed, false).await
}

pub(super) async fn staff_reactivate<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path(staff): Path<String>,
    signed: SignedForm,
) -> Response {
    staff_active(state, staff, signed, true).await
}

/// Deactivates (after the box saying they left is ticked) or reactivates a
/// professional of the account's units.
async fn staff_active<B: Backend>(
    state: Arc<AppState<B>>,
    staff: String,
    SignedForm { session, account, form }: SignedForm,
    active: bool,
) -> Response {
    let Ok(staff) = Uuid::try_parse(&staff) else {
        return page_error(HubError::NotFound("staff".into()), Frame::of(&session));
    };
    if !active && field(&form, "confirm") != Some("yes") {
        let mut f = Frame::of(&session);
        f.error = Some("Cochez la case pour confirmer la désactivation.".into());
        return message(StatusCode::BAD_REQUEST, f, "À confirmer", "Rien n'a été changé.", "/console/staff");
    }
    let a = account.clone();
    let done = with_backend(&state, move |backend| {
        let name = backend.transaction(Scope::Admin, |tx| staff_name(tx, &a, staff))?;
        crate::Admin::new(backend).set_staff_active(a.tenant_id, staff, active)?;
        Ok::<_, HubError>(name)
    })
    .await;
    match done {
        Ok(name) => {
            log::info!(
                "staff {staff} {} by console account {}",
                if active { "reactivated" } else { "deactivated" },
                account.id
            );
            let notice = if active {
                format!("{name} est de nouveau actif·ve.")
            } else {
                format!(
                    "{name} est désactivé·e : plus de connexion sur les tablettes dès leur prochaine synchronisation."
                )
            };
            render_staff(&state, &session, account, Some(notice), None).await
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}
