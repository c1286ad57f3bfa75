//! Staff and residents for a coordinator: the professionals of their units
//! (created with their role and units; a first-PIN code printed for one to
//! set their PIN on a tablet) and residents imported from a CSV file with a
//! preview — every line checked, nothing imported while a line is wrong
//! unless the coordinator says to leave the wrong ones out.

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
