//! Administration: tenants, reference data (establishments, units, staff),
//! residents imported from CSV, enrolment codes, device revocation, and the
//! conflicts waiting for a coordinator. Every change to reference data or
//! residents goes into the pull log, so devices receive it.

use std::collections::BTreeSet;

use chevet_domain::pin::Argon2Cost;
use chevet_domain::pin::issue_first_pin_code;
use chevet_domain::{
    CollectionMethod, Establishment, Identity, IdentityStatus, IdentityTraits, Resident, Role, Sex, Staff, Unit,
};
use chevet_protocol::{Change, Entity};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::api::now_ms;
use crate::backend::{Backend, ConflictRecord, DeviceInfo, Scope, Tx};
use crate::error::{HubError, HubResult};
use crate::merge::changed_fields;
use crate::sync::{random_secret, secret_hash};

pub struct Admin<'b, B: Backend> {
    backend: &'b B,
}

/// Saves a hub-side document version and logs it for the devices.
fn put_document<T: Serialize>(
    tx: &mut dyn Tx,
    tenant: Uuid,
    entity: Entity,
    id: Uuid,
    unit: Option<Uuid>,
    value: &T,
) -> HubResult<u32> {
    if !tx.tenant_exists(tenant)? {
        return Err(HubError::NotFound(format!("tenant {tenant}")));
    }
    let state: Map<String, Value> = match serde_json::to_value(value) {
        Ok(Value::Object(m)) => m,
        _ => return Err(HubError::BadRequest("document is not an object".into())),
    };
    let (version, changed, previous_unit, previous_state) = match tx.document(tenant, id)? {
        Some(cur) if cur.entity != entity => {
            return Err(HubError::BadRequest(format!("{id} is another kind")));
        }
        Some(cur) if cur.state == state => return Ok(cur.version),
        Some(cur) => (cur.version + 1, changed_fields(&cur.state, &state), cur.unit_id, Some(cur.state)),
        None => (1, state.keys().cloned().collect::<BTreeSet<_>>(), None, None),
    };
    let now = now_ms();
    let audience = audience(entity, unit, previous_unit, previous_state.as_ref(), &state);
    tx.save_document(tenant, id, entity, unit, version, &state, None, &changed)?;
    let change =
        Change { entity, entity_id: id, version: Some(version), origin_device: None, payload: Value::Object(state) };
    for to in audience {
        tx.append_change(tenant, to, &change, now)?;
    }
    Ok(version)
}

/// The units whose tablets get a reference change (None: every tablet of the
/// tenant). A document goes to its unit, and to the unit it left, whose
/// tablets then drop it. A professional goes to the tablets of their units
/// only — never a whole group's staff directory, first-PIN verifiers
/// included, on every tablet — and to those of units they left, which then
/// stop offering them; one with no unit (a group-wide profile) to all.
fn audience(
    entity: Entity,
    unit: Option<Uuid>,
    previous_unit: Option<Uuid>,
    previous: Option<&Map<String, Value>>,
    state: &Map<String, Value>,
) -> Vec<Option<Uuid>> {
    let mut to: Vec<Option<Uuid>> = if entity == Entity::Staff {
        let units = |s: &Map<String, Value>| -> Vec<Uuid> {
            s.get("units").and_then(|u| serde_json::from_value::<Vec<Uuid>>(u.clone()).ok()).unwrap_or_default()
        };
        let now = units(state);
        let before = previous.map(units);
        if now.is_empty() || before.as_ref().is_some_and(Vec::is_empty) {
            vec![None]
        } else {
            now.into_iter().chain(before.unwrap_or_default()).map(Some).collect()
        }
    } else {
        vec![unit, previous_unit.filter(|p| Some(*p) != unit)].into_iter().flatten().map(Some).collect()
    };
    if to.is_empty() {
        to.push(unit);
    }
    to.sort();
    to.dedup();
    to
}

impl<'b, B: Backend> Admin<'b, B> {
    pub fn new(backend: &'b B) -> Self {
        Admin { backend }
    }

    pub fn create_tenant(&self, name: &str) -> HubResult<Uuid> {
        if name.trim().is_empty() {
            return Err(HubError::BadRequest("tenant name required".into()));
        }
        let id = Uuid::now_v7();
        self.backend.transaction(Scope::Admin, |tx| tx.insert_tenant(id, name.trim(), now_ms()))?;
        Ok(id)
    }

    pub fn put_establishment(&self, tenant: Uuid, e: &Establishment) -> HubResult<u32> {
        e.validate().map_err(|err| HubError::BadRequest(err.to_string()))?;
        self.backend.transaction(Scope::Admin, |tx| put_document(tx, tenant, Entity::Establishment, e.id, None, e))
    }

    pub fn put_unit(&self, tenant: Uuid, u: &Unit) -> HubResult<u32> {
        self.backend.transaction(Scope::Admin, |tx| {
            match tx.document(tenant, u.establishment_id)? {
                Some(d) if d.entity == Entity::Establishment => {}
                _ => {
                    return Err(HubError::NotFound(format!("establishment {}", u.establishment_id)));
                }
            }
            // A unit is its own tablets' to know: a tablet gets the units it serves, not the group's.
            put_document(tx, tenant, Entity::Unit, u.id, Some(u.id), u)
        })
    }

    /// A new professional of `units` (at least one, all of the tenant):
    /// their record reaches the tablets of those units only.
    pub fn create_staff(&self, tenant: Uuid, name: &str, role: Role, units: &[Uuid]) -> HubResult<Staff> {
        if units.is_empty() {
            return Err(HubError::BadRequest("a professional works in at least one unit (--unit)".into()));
        }
        self.backend.transaction(Scope::Admin, |tx| {
            for u in units {
                match tx.document(tenant, *u)? {
                    Some(d) if d.entity == Entity::Unit => {}
                    _ => return Err(HubError::NotFound(format!("unit {u}"))),
                }
            }
            Ok(())
        })?;
        let s = Staff {
            id: Uuid::now_v7(),
            display_name: name.trim().to_owned(),
            role,
            rpps: None,
            first_pin_code: None,
            deactivated_at: None,
            units: units.to_vec(),
        };
        self.put_staff(tenant, &s)?;
        Ok(s)
    }

    pub fn put_staff(&self, tenant: Uuid, s: &Staff) -> HubResult<u32> {
        if s.display_name.trim().is_empty() {
            return Err(HubError::BadRequest("staff name required".into()));
        }
        self.backend.transaction(Scope::Admin, |tx| put_document(tx, tenant, Entity::Staff, s.id, None, s))
    }

    /// Creates a console account (the coordinator's console, not a tablet
    /// profile): `role` says which establishments it sees. The second
    /// factor is enrolled at its first sign-in.
    pub fn create_console_account(
        &self,
        tenant: Uuid,
        login: &str,
        display_name: &str,
        role: crate::console::accounts::ConsoleRole,
        password: &str,
    ) -> HubResult<(crate::console::accounts::ConsoleAccount, String)> {
        self.backend.transaction(Scope::Admin, |tx| {
            crate::console::accounts::create(tx, tenant, login, display_name, role, password, now_ms())
        })
    }

    /// A new one-time activation code for a console account's second factor
    /// (a lost phone, a code that ran out): the authenticator in place stops
    /// working, and the next sign-in sets one up with the code. Sessions of
    /// the account end.
    pub fn reset_console_second_factor(&self, tenant: Uuid, login: &str) -> HubResult<String> {
        let login = login.trim().to_lowercase();
        let now = now_ms();
        let (id, code) = self.backend.transaction(Scope::Admin, |tx| {
            let account = tx
                .console_account_by_login(&login)?
                .map(crate::console::accounts::ConsoleAccount::from_row)
                .transpose()?
                .filter(|a| a.tenant_id == tenant);
            let Some(mut account) = account else { return Err(HubError::NotFound("console account".into())) };
            let code = account.issue_activation(now)?;
            account.save(tx)?;
            tx.delete_console_sessions_of(account.id)?;
            Ok((account.id, code))
        })?;
        log::info!("console account {id}: second factor reset, activation code issued");
        Ok(code)
    }

    /// Issues a first-PIN code for a professional, valid `valid_hours`: the
    /// code to hand them, and its verifier in their staff record, which
    /// reaches the tablets of their units at the next sync. A new code
    /// replaces the previous one.
    pub fn first_pin_code(&self, tenant: Uuid, staff_id: Uuid, valid_hours: i64) -> HubResult<String> {
        let expires = now_ms() + valid_hours.clamp(1, 24 * 30) * 3_600_000;
        let expires = jiff::Timestamp::from_millisecond(expires).map_err(|e| HubError::Storage(e.to_string()))?;
        let (code, issued) = issue_first_pin_code(Argon2Cost::PIN, expires)
            .map_err(|e| HubError::Storage(format!("first-PIN code: {e}")))?;
        self.backend.transaction(Scope::Admin, |tx| {
            let doc = match tx.document(tenant, staff_id)? {
                Some(d) if d.entity == Entity::Staff => d,
                _ => return Err(HubError::NotFound(format!("staff {staff_id}"))),
            };
            let mut staff: Staff = serde_json::from_value(Value::Object(doc.state))
                .map_err(|e| HubError::Storage(format!("staff {staff_id} unreadable: {e}")))?;
            staff.first_pin_code = Some(issued.clone());
            put_document(tx, tenant, Entity::Staff, staff_id, None, &staff)
        })?;
        log::info!("first-PIN code issued for staff {staff_id}");
        Ok(code)
    }

    /// Deactivates a professional (they left, their badge was lost) or
    /// brings them back. Deactivated, they cannot sign in on any tablet once
    /// it has synced (a signed-in session ends at that sync), their pending
    /// first-PIN code is void, and records they sign after this are refused;
    /// what they recorded before stays. Returns whether anything changed.
    pub fn set_staff_active(&self, tenant: Uuid, staff_id: Uuid, active: bool) -> HubResult<bool> {
        let now = jiff::Timestamp::from_millisecond(now_ms()).map_err(|e| HubError::Storage(e.to_string()))?;
        let changed = self.backend.transaction(Scope::Admin, |tx| {
            let doc = match tx.document(tenant, staff_id)? {
                Some(d) if d.entity == Entity::Staff => d,
                _ => return Err(HubError::NotFound(format!("staff {staff_id}"))),
            };
            let mut staff: Staff = serde_json::from_value(Value::Object(doc.state))
                .map_err(|e| HubError::Storage(format!("staff {staff_id} unreadable: {e}")))?;
            if staff.deactivated_at.is_none() == active {
                return Ok(false);
            }
            staff.deactivated_at = if active { None } else { Some(now) };
            if !active {
                staff.first_pin_code = None;
            }
            put_document(tx, tenant, Entity::Staff, staff_id, None, &staff)?;
            Ok(true)
        })?;
        if changed {
            log::info!("staff {staff_id} {}", if active { "reactivated" } else { "deactivated" });
        }
        Ok(changed)
    }

    pub fn put_resident(&self, tenant: Uuid, r: &Resident) -> HubResult<u32> {
        r.validate().map_err(|err| HubError::BadRequest(err.to_string()))?;
        self.backend.transaction(Scope::Admin, |tx| {
            match tx.document(tenant, r.unit_id)? {
                Some(d) if d.entity == Entity::Unit => {}
                _ => return Err(HubError::NotFound(format!("unit {}", r.unit_id))),
            }
            put_document(tx, tenant, Entity::Resident, r.id, Some(r.unit_id), r)
        })
    }

    /// A one-time enrolment code for a device scoped to `units`.
    pub fn enrolment_code(&self, tenant: Uuid, units: &[Uuid], valid_hours: i64) -> HubResult<String> {
        if units.is_empty() {
            return Err(HubError::BadRequest("a device needs at least one unit".into()));
        }
        let code = random_secret(10)?;
        let expires = now_ms() + valid_hours.clamp(1, 24 * 30) * 3_600_000;
        self.backend.transaction(Scope::Admin, |tx| {
            if !tx.tenant_exists(tenant)? {
                return Err(HubError::NotFound(format!("tenant {tenant}")));
            }
            for u in units {
                match tx.document(tenant, *u)? {
                    Some(d) if d.entity == Entity::Unit => {}
                    _ => return Err(HubError::NotFound(format!("unit {u}"))),
                }
            }
            tx.insert_enrolment_code(&secret_hash(&code), tenant, units, expires)
        })?;
        Ok(code)
    }

    /// Drops the pull log's changes older than `days`; devices whose cursor
    /// points there re-snapshot. The records themselves are kept.
    pub fn compact_log(&self, days: i64) -> HubResult<u64> {
        let before = now_ms() - days.max(0) * 86_400_000;
        let n = self.backend.transaction(Scope::Admin, |tx| tx.compact_log(before))?;
        log::info!("pull log compacted: {n} changes older than {days} days dropped");
        Ok(n)
    }

    pub fn revoke_device(&self, device_id: Uuid) -> HubResult<bool> {
        let done = self.backend.transaction(Scope::Admin, |tx| tx.revoke_device(device_id, now_ms()))?;
        if done {
            log::info!("device {device_id} revoked");
        }
        Ok(done)
    }

    pub fn devices(&self, tenant: Uuid) -> HubResult<Vec<DeviceInfo>> {
        self.backend.transaction(Scope::Admin, |tx| tx.devices(tenant))
    }

    pub fn conflicts(&self, tenant: Uuid) -> HubResult<Vec<ConflictRecord>> {
        self.backend.transaction(Scope::Admin, |tx| tx.conflicts(tenant))
    }

    /// Imports residents from a `;`-separated CSV with the header
    /// `birth_name;given_names;sex;birth_date;birth_place_insee;room`
    /// (sex F/M/U, date YYYY-MM-DD). Identities arrive provisional (PROV):
    /// only INSi makes them more. All rows or none.
    /// Imports residents into `unit` from a `;`-separated CSV
    /// (`birth_name;given_names;sex;birth_date;birth_place_insee;room`):
    /// all of them, or none if a line is wrong (its number says which).
    pub fn import_residents_csv(
        &self,
        tenant: Uuid,
        unit: Uuid,
        csv: &str,
        admitted_on: jiff::civil::Date,
    ) -> HubResult<Vec<Uuid>> {
        let mut residents = Vec::new();
        for line in parse_residents_csv(csv, unit, admitted_on)? {
            match line.resident {
                Ok(r) => residents.push(r),
                Err(why) => return Err(HubError::BadRequest(format!("line {}: {why}", line.line))),
            }
        }
        self.import_residents(tenant, unit, &residents)
    }

    /// Stores residents already read (and checked) into `unit`, in one
    /// transaction: all or none.
    pub fn import_residents(&self, tenant: Uuid, unit: Uuid, residents: &[Resident]) -> HubResult<Vec<Uuid>> {
        self.backend.transaction(Scope::Admin, |tx| {
            match tx.document(tenant, unit)? {
                Some(d) if d.entity == Entity::Unit => {}
                _ => return Err(HubError::NotFound(format!("unit {unit}"))),
            }
            for r in residents {
                put_document(tx, tenant, Entity::Resident, r.id, Some(unit), r)?;
            }
            Ok(())
        })?;
        log::info!("imported {} residents into unit {unit}", residents.len());
        Ok(residents.iter().map(|r| r.id).collect())
    }
}

/// One line of a residents CSV: the resident it describes, or why not.
#[derive(Debug, Clone)]
pub struct CsvLine {
    /// The line's number in the file (the header is line 1).
    pub line: usize,
    /// The line as written (to show which one is wrong).
    pub text: String,
    pub resident: Result<Resident, String>,
}

/// Reads a residents CSV (`birth_name;given_names;sex;birth_date;birth_place_insee;room`)
/// for `unit`: every line, each with its resident or its error, so that a
/// preview can show them all. Fails only on a wrong header.
pub fn parse_residents_csv(csv: &str, unit: Uuid, admitted_on: jiff::civil::Date) -> HubResult<Vec<CsvLine>> {
    let mut lines = csv.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let header =
        lines.next().map(|(_, l)| l.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).unwrap_or_default();
    if header != "birth_name;given_names;sex;birth_date;birth_place_insee;room" {
        return Err(HubError::BadRequest(
            "CSV header must be birth_name;given_names;sex;birth_date;birth_place_insee;room".into(),
        ));
    }
    Ok(lines
        .map(|(n, line)| CsvLine {
            line: n + 1,
            text: line.to_owned(),
            resident: resident_from_line(line, unit, admitted_on),
        })
        .collect())
}

fn resident_from_line(line: &str, unit: Uuid, admitted_on: jiff::civil::Date) -> Result<Resident, String> {
    let cols: Vec<&str> = line.split(';').map(str::trim).collect();
    if cols.len() != 6 {
        return Err("6 colonnes attendues".into());
    }
    let sex = match cols[2] {
        "F" | "f" => Sex::Female,
        "M" | "m" => Sex::Male,
        "U" | "u" | "" => Sex::Unknown,
        _ => return Err("sexe : F, M ou U".into()),
    };
    let birth_date: jiff::civil::Date = cols[3].parse().map_err(|_| "date de naissance : AAAA-MM-JJ".to_owned())?;
    let first = cols[1].split_whitespace().next().ok_or_else(|| "prénoms manquants".to_owned())?;
    let r = Resident {
        id: Uuid::now_v7(),
        unit_id: unit,
        identity: Identity {
            traits: IdentityTraits {
                birth_name: cols[0].to_owned(),
                first_birth_given_name: first.to_owned(),
                birth_given_names: cols[1].to_owned(),
                sex,
                birth_date,
                birth_place_insee: (!cols[4].is_empty()).then(|| cols[4].to_owned()),
            },
            matricule: None,
            system: None,
            status: IdentityStatus::Provisional,
            collection: CollectionMethod::Manual,
            used_name: None,
            used_given_name: None,
        },
        room: cols[5].to_owned(),
        allergies: vec![],
        trusted_person: None,
        contacts: vec![],
        advance_directives: None,
        gir: None,
        hypercapnic: false,
        admitted_on,
        discharged_on: None,
        home_tags: Vec::new(),
    };
    r.validate().map_err(|e| e.to_string())?;
    Ok(r)
}
