//! Conflicts for a coordinator: each one said in words (whose record, which
//! field, the hub's value and the other tablet's, who and when), and its
//! resolution — keep either value or enter a new one; approve or decline a
//! care-plan proposal. A resolution is a new version of the document that
//! every tablet gets by its normal pull; the conflict closes with who
//! resolved it, when and why. The list and the conflict's page are here too.

use std::collections::BTreeSet;

use chevet_domain::Identity;
use chevet_protocol::{Change, Entity};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::accounts::ConsoleAccount;
use crate::backend::{ConflictRecord, DocumentRow, Tx};
use crate::error::{HubError, HubResult};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::chrome::*;
use super::session::*;
use crate::api::{AppState, now_ms};
use crate::backend::Backend;

/// One field in conflict, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldView {
    pub name: String,
    pub label: String,
    pub hub: String,
    pub device: String,
    /// The hub's value as text to edit (empty when not plain text).
    pub current: String,
    /// A plain text or number: the coordinator may type another value.
    pub editable: bool,
}

/// A conflict as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConflictView {
    pub device: Uuid,
    pub op: Uuid,
    /// « Dossier du résident », « Plan de soins »…
    pub kind: String,
    /// Whose record: « DURAND Lucie, chambre 101 ».
    pub subject: String,
    pub proposal: bool,
    pub device_label: String,
    pub author: String,
    pub when: String,
    pub fields: Vec<FieldView>,
    /// « Résolu le … par … », once resolved.
    pub resolved: Option<String>,
}

/// What the coordinator decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Keep the value the hub has (decline, for a proposal).
    KeepHub,
    /// Take the other tablet's value (approve, for a proposal).
    KeepDevice,
    /// Another value for some fields (the others keep the hub's), as typed.
    NewValues { values: std::collections::BTreeMap<String, String> },
}

fn kind_fr(entity: Entity, proposal: bool) -> &'static str {
    match entity {
        Entity::Resident => "Dossier du résident",
        Entity::PlannedAct if proposal => "Proposition pour le plan de soins",
        Entity::PlannedAct => "Plan de soins",
        Entity::Wound => "Plaie",
        Entity::Route => "Tournée",
        _ => "Référentiel",
    }
}

fn field_fr(entity: Entity, field: &str) -> String {
    let label = match (entity, field) {
        (Entity::Resident, "room") => "Chambre",
        (Entity::Resident, "allergies") => "Allergies",
        (Entity::Resident, "advance_directives") => "Directives anticipées",
        (Entity::Resident, "trusted_person") => "Personne de confiance",
        (Entity::Resident, "contacts") => "Contacts",
        (Entity::Resident, "gir") => "GIR",
        (Entity::Resident, "hypercapnic") => "Insuffisance respiratoire (cible SpO₂ 88–92 %)",
        (Entity::Resident, "unit_id") => "Unité",
        (Entity::Resident, "identity") => "Identité",
        (Entity::Resident, "admitted_on") => "Entrée le",
        (Entity::Resident, "discharged_on") => "Sortie le",
        (Entity::Resident, "home_tags") => "Étiquettes du domicile",
        (Entity::PlannedAct, "label") => "Intitulé",
        (Entity::PlannedAct, "schedule") => "Horaires",
        (Entity::PlannedAct, "active") => "En cours",
        (Entity::PlannedAct, "medication") => "Prescription",
        (Entity::PlannedAct, "kind") => "Type de soin",
        (Entity::Wound, "site") => "Localisation",
        (Entity::Wound, "stage") => "Stade",
        (Entity::Wound, "kind") => "Type de plaie",
        (Entity::Wound, "healed_on") => "Cicatrisée le",
        (Entity::Route, "stops") => "Passages",
        (Entity::Route, "label") => "Intitulé",
        _ => return field.replace('_', " "),
    };
    label.to_owned()
}

/// A JSON value in words: no braces, no quotes.
pub fn words(value: &Value) -> String {
    match value {
        Value::Null => "(vide)".into(),
        Value::Bool(true) => "oui".into(),
        Value::Bool(false) => "non".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "(vide)".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "(aucun)".into(),
        Value::Array(items) => items.iter().map(words).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{} : {}", k.replace('_', " "), words(v)))
            .collect::<Vec<_>>()
            .join(" ; "),
    }
}

fn editable(value: &Value) -> bool {
    matches!(value, Value::Null | Value::String(_) | Value::Number(_))
}

fn resident_name(state: &Map<String, Value>) -> Option<String> {
    let identity: Identity = serde_json::from_value(state.get("identity")?.clone()).ok()?;
    let room = state.get("room").and_then(Value::as_str).unwrap_or_default();
    Some(if room.is_empty() { identity.display_name() } else { format!("{}, chambre {room}", identity.display_name()) })
}

fn resident_of(tx: &mut dyn Tx, tenant: Uuid, state: &Map<String, Value>) -> HubResult<String> {
    let Some(id) = state.get("resident_id").and_then(Value::as_str).and_then(|s| Uuid::try_parse(s).ok()) else {
        return Ok(String::new());
    };
    Ok(tx.document(tenant, id)?.and_then(|d| resident_name(&d.state)).unwrap_or_default())
}

fn subject(tx: &mut dyn Tx, tenant: Uuid, doc: &DocumentRow) -> HubResult<String> {
    let s = &doc.state;
    let text = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    Ok(match doc.entity {
        Entity::Resident => resident_name(s).unwrap_or_default(),
        Entity::PlannedAct => format!("{} — {}", text("label"), resident_of(tx, tenant, s)?),
        Entity::Wound => format!("Plaie ({}) — {}", text("site"), resident_of(tx, tenant, s)?),
        Entity::Route => format!("{} du {}", text("label"), text("date")),
        _ => String::new(),
    })
}

/// The establishment a document belongs to (through its unit).
pub fn establishment_of(tx: &mut dyn Tx, tenant: Uuid, doc: &DocumentRow) -> HubResult<Option<Uuid>> {
    let Some(unit) = doc.unit_id else { return Ok(None) };
    Ok(tx
        .document(tenant, unit)?
        .and_then(|u| u.state.get("establishment_id").and_then(Value::as_str).and_then(|s| Uuid::try_parse(s).ok())))
}

/// « le 06/12/2026 à 14:32 », in the establishments' time zone.
pub fn when_fr(ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.to_zoned_datetime(tz).strftime("le %d/%m/%Y à %H:%M").to_string(),
        Err(_) => String::new(),
    }
}

fn staff_name(tx: &mut dyn Tx, tenant: Uuid, id: Option<Uuid>) -> HubResult<String> {
    let Some(id) = id else { return Ok("inconnu".into()) };
    Ok(tx
        .document(tenant, id)?
        .and_then(|d| d.state.get("display_name").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| "inconnu".into()))
}

/// The conflict and its document, if the account may see them. Another
/// establishment's conflict does not exist, for a coordinator.
fn visible(
    tx: &mut dyn Tx,
    account: &ConsoleAccount,
    device: Uuid,
    op: Uuid,
) -> HubResult<(ConflictRecord, Option<DocumentRow>)> {
    let not_found = || HubError::NotFound("conflict".into());
    let conflict = tx.conflict(account.tenant_id, device, op)?.ok_or_else(not_found)?;
    let doc = tx.document(account.tenant_id, conflict.entity_id)?;
    let establishment = match &doc {
        Some(d) => establishment_of(tx, account.tenant_id, d)?,
        None => None,
    };
    if !account.role.sees(establishment) {
        return Err(not_found());
    }
    Ok((conflict, doc))
}

fn view(
    tx: &mut dyn Tx,
    account: &ConsoleAccount,
    c: &ConflictRecord,
    doc: Option<&DocumentRow>,
) -> HubResult<ConflictView> {
    let tenant = account.tenant_id;
    let value = |values: &Value, f: &str| values.get(f).cloned().unwrap_or(Value::Null);
    let fields = c
        .fields
        .iter()
        .map(|f| {
            let (hub, device) = (value(&c.hub_values, f), value(&c.device_values, f));
            FieldView {
                name: f.clone(),
                label: field_fr(c.entity, f),
                editable: !c.proposal && editable(&hub) && editable(&device),
                current: match &hub {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                },
                hub: words(&hub),
                device: words(&device),
            }
        })
        .collect();
    let resolved = match (&c.resolved_ms, &c.resolution) {
        (Some(ms), Some(r)) => Some(format!(
            "Résolu {} par {}{}",
            when_fr(*ms),
            r.get("by_name").and_then(Value::as_str).unwrap_or("?"),
            r.get("note").and_then(Value::as_str).map(|n| format!(" : « {n} »")).unwrap_or_default()
        )),
        _ => None,
    };
    Ok(ConflictView {
        device: c.device_id,
        op: c.op_id,
        kind: kind_fr(c.entity, c.proposal).into(),
        subject: match doc {
            Some(d) => subject(tx, tenant, d)?,
            None => String::new(),
        },
        proposal: c.proposal,
        device_label: tx.device_label(tenant, c.device_id)?.unwrap_or_else(|| "tablette inconnue".into()),
        author: staff_name(tx, tenant, c.author)?,
        when: when_fr(c.created_ms),
        fields,
        resolved,
    })
}

/// The open conflicts the account may see, oldest first.
pub fn open_conflicts(tx: &mut dyn Tx, account: &ConsoleAccount) -> HubResult<Vec<ConflictView>> {
    let mut out = Vec::new();
    for c in tx.conflicts(account.tenant_id)? {
        let doc = tx.document(account.tenant_id, c.entity_id)?;
        let establishment = match &doc {
            Some(d) => establishment_of(tx, account.tenant_id, d)?,
            None => None,
        };
        if account.role.sees(establishment) {
            out.push(view(tx, account, &c, doc.as_ref())?);
        }
    }
    Ok(out)
}

/// One conflict, open or resolved.
pub fn conflict(tx: &mut dyn Tx, account: &ConsoleAccount, device: Uuid, op: Uuid) -> HubResult<ConflictView> {
    let (c, doc) = visible(tx, account, device, op)?;
    view(tx, account, &c, doc.as_ref())
}

/// The typed text as the value it replaces: a number stays a number.
fn typed_value(before: &Value, typed: &str) -> HubResult<Value> {
    let typed = typed.trim();
    if typed.chars().count() > 4000 {
        return Err(HubError::BadRequest("La valeur saisie est trop longue.".into()));
    }
    Ok(match before {
        Value::Number(_) => {
            let n: f64 =
                typed.replace(',', ".").parse().map_err(|_| HubError::BadRequest("Un nombre est attendu.".into()))?;
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or(HubError::BadRequest("Un nombre est attendu.".into()))?
        }
        _ if typed.is_empty() => Value::Null,
        _ => Value::String(typed.to_owned()),
    })
}

/// What a resolution did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// The document's new version, when the resolution changed it.
    pub version: Option<u32>,
}

/// Resolves a conflict the account may see: the document takes the chosen
/// values (a new version, logged for the tablets' pulls) and the conflict
/// closes with who, when and why.
pub fn resolve(
    tx: &mut dyn Tx,
    account: &ConsoleAccount,
    device: Uuid,
    op: Uuid,
    decision: &Decision,
    note: Option<&str>,
    now_ms: i64,
) -> HubResult<Resolved> {
    let (c, doc) = visible(tx, account, device, op)?;
    if c.resolved_ms.is_some() {
        return Err(HubError::Conflict("this conflict is already resolved"));
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 1000) {
        return Err(HubError::BadRequest("La note est trop longue.".into()));
    }
    let Some(doc) = doc else {
        return Err(HubError::NotFound("document".into()));
    };
    let mut state = doc.state.clone();
    match decision {
        Decision::KeepHub => {}
        Decision::KeepDevice => {
            for f in &c.fields {
                state.insert(f.clone(), c.device_values.get(f).cloned().unwrap_or(Value::Null));
            }
        }
        Decision::NewValues { values } => {
            if c.proposal {
                return Err(HubError::BadRequest("Une proposition s'approuve ou se refuse.".into()));
            }
            for (field, typed) in values {
                if !c.fields.contains(field) {
                    return Err(HubError::BadRequest("Ce champ n'est pas en conflit.".into()));
                }
                let before = state.get(field).cloned().unwrap_or(Value::Null);
                if !editable(&before) {
                    return Err(HubError::BadRequest("Ce champ se règle en gardant l'une des deux valeurs.".into()));
                }
                state.insert(field.clone(), typed_value(&before, typed)?);
            }
        }
    }
    let mut version = None;
    if crate::merge::changed_fields(&doc.state, &state).is_empty() {
        // Kept as it is: nothing to check, nothing new.
    } else {
        // The rules a tablet's push passes, on the state the resolution makes
        // (either side, or a typed value), and the account's own scope.
        let tenant = account.tenant_id;
        let (unit, canonical) =
            match crate::sync::check_new_state(tx, tenant, doc.entity, c.entity_id, Some(&doc.state), &state)? {
                Ok(placed) => placed,
                Err(crate::sync::Reject(_, why)) => {
                    return Err(HubError::BadRequest(format!("La valeur choisie n'est pas valable : {why}")));
                }
            };
        if !super::tablets::units_in_scope(tx, account)?.iter().any(|u| u.id == unit) {
            return Err(HubError::BadRequest("Cette unité n'est pas de votre établissement.".into()));
        }
        state = canonical;
        let changed: BTreeSet<String> = crate::merge::changed_fields(&doc.state, &state);
        let unit = Some(unit);
        let v = doc.version + 1;
        tx.save_document(account.tenant_id, c.entity_id, doc.entity, unit, v, &state, None, &changed)?;
        let change = Change {
            entity: doc.entity,
            entity_id: c.entity_id,
            version: Some(v),
            origin_device: None,
            payload: Value::Object(state.clone()),
        };
        tx.append_change(account.tenant_id, unit, &change, now_ms)?;
        if let (Some(before), Some(after)) = (doc.unit_id, unit)
            && before != after
        {
            tx.append_change(account.tenant_id, Some(before), &change, now_ms)?;
        }
        version = Some(v);
    }
    let record = json!({
        "decision": decision,
        "by": account.id,
        "by_name": account.display_name,
        "note": note,
        "version": version,
    });
    if !tx.resolve_conflict(account.tenant_id, device, op, &record, now_ms)? {
        return Err(HubError::Conflict("this conflict is already resolved"));
    }
    log::info!("conflict {op} of device {device} resolved by console account {}", account.id);
    Ok(Resolved { version })
}

// --- the page ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "console/conflicts.html")]
pub(super) struct ConflictsPage {
    frame: Frame,
    conflicts: Vec<ConflictView>,
}

#[derive(Template)]
#[template(path = "console/conflict.html")]
pub(super) struct ConflictPage {
    frame: Frame,
    c: ConflictView,
    editable: bool,
}

pub(super) async fn conflicts_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    SignedIn { session, account }: SignedIn,
) -> Response {
    match console_tx(&state, move |tx| open_conflicts(tx, &account)).await {
        Ok(list) => {
            let f = Frame::of(&session);
            html(StatusCode::OK, ConflictsPage { frame: f, conflicts: list }, None)
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

pub(super) fn ids(device: &str, op: &str) -> HubResult<(Uuid, Uuid)> {
    let parse = |s: &str| Uuid::try_parse(s).map_err(|_| HubError::NotFound("conflict".into()));
    Ok((parse(device)?, parse(op)?))
}

pub(super) async fn conflict_page<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path((device, op)): Path<(String, String)>,
    SignedIn { session, account }: SignedIn,
) -> Response {
    let (device, op) = match ids(&device, &op) {
        Ok(i) => i,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    match console_tx(&state, move |tx| conflict(tx, &account, device, op)).await {
        Ok(c) => {
            let f = Frame::of(&session);
            let editable = c.fields.iter().any(|f| f.editable);
            html(StatusCode::OK, ConflictPage { frame: f, c, editable }, None)
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

/// The decision form: `decision`, `value:FIELD` for new values, `note`.
pub(super) fn decision_from_form(form: &[(String, String)]) -> HubResult<(Decision, Option<String>)> {
    let get = |k: &str| form.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str());
    let decision = match get("decision") {
        Some("keep_hub") => Decision::KeepHub,
        Some("keep_device") => Decision::KeepDevice,
        Some("new_values") => Decision::NewValues {
            values: form
                .iter()
                .filter_map(|(k, v)| k.strip_prefix("value:").map(|f| (f.to_owned(), v.clone())))
                .collect(),
        },
        _ => return Err(HubError::BadRequest("Choisissez une décision.".into())),
    };
    Ok((decision, get("note").map(str::to_owned)))
}

pub(super) async fn conflict_submit<B: Backend>(
    State(state): State<Arc<AppState<B>>>,
    Path((device, op)): Path<(String, String)>,
    SignedForm { session, account, form }: SignedForm,
) -> Response {
    let parsed = ids(&device, &op).and_then(|i| decision_from_form(&form).map(|d| (i, d)));
    let ((device, op), (decision, note)) = match parsed {
        Ok(p) => p,
        Err(e) => return page_error(e, Frame::of(&session)),
    };
    let now = now_ms();
    let a = account.clone();
    let done = console_tx(&state, move |tx| {
        resolve(tx, &a, device, op, &decision, note.as_deref(), now)?;
        conflict(tx, &a, device, op)
    })
    .await;
    match done {
        Ok(c) => {
            let f = Frame::of(&session);
            html(
                StatusCode::OK,
                ConflictPage {
                    frame: Frame {
                        notice: Some(
                            "Décision enregistrée : les tablettes la recevront à leur prochaine synchronisation."
                                .into(),
                        ),
                        ..f
                    },
                    c,
                    editable: false,
                },
                None,
            )
        }
        Err(e) => page_error(e, Frame::of(&session)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_words() {
        assert_eq!(words(&json!(null)), "(vide)");
        assert_eq!(words(&json!(true)), "oui");
        assert_eq!(words(&json!(["Pénicilline", "Iode"])), "Pénicilline, Iode");
        assert_eq!(words(&json!([])), "(aucun)");
        assert_eq!(words(&json!({"name": "Marie", "phone": null})), "name : Marie");
        assert_eq!(field_fr(Entity::Resident, "room"), "Chambre");
        assert_eq!(field_fr(Entity::Resident, "something_new"), "something new");
        assert_eq!(typed_value(&json!(3), "4,5").unwrap(), json!(4.5));
        assert!(typed_value(&json!(3), "quatre").is_err());
        assert_eq!(typed_value(&json!("101"), " 204 ").unwrap(), json!("204"));
        assert_eq!(typed_value(&json!("101"), "").unwrap(), Value::Null);
        assert!(when_fr(1_796_000_000_000).starts_with("le "));
    }
}
