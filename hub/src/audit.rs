//! The access log: tablets' audit journals, received with their sync
//! (`POST /v1/sync/audit`), checked entry by entry and kept per resident.
//!
//! Each entry is checked on arrival, and marked verified only if it passes
//! everything the hub can check:
//! - its chain: it follows the last entry held for that device, its public
//!   link recomputed from the one before (`chevet_protocol::audit`), and the
//!   device's chain never broke before it (after a break nothing the device
//!   sends is vouched for: a store restored from an old copy, a rewritten
//!   history, a second version of the journal stay unverified, and the head
//!   never moves back to follow them);
//! - its professional: one of the device's units, active at the entry's
//!   time (an entry in the name of another establishment's professional,
//!   an unknown one or one deactivated then is kept and flagged);
//! - its time: within the device's life (from its enrolment, a day's clock
//!   error allowed) and the hub's clock window, not going back along the
//!   chain by more than a clock correction.
//!
//! What fails is kept all the same — it is evidence — marked unverified,
//! and the break recorded where it happened. Verified means these checks
//! passed, no more: it does not prove who stood at the tablet.
//!
//! Which resident an entry is about, the hub finds in its own records (the
//! fact or document the entry names), never in the device's word; a
//! resident outside the device's scope gets nothing from it, and the
//! attempt is recorded as a break.

use std::collections::HashMap;

use chevet_protocol::audit::parse_link;
use chevet_protocol::{AuditAction, AuditPushRequest, AuditPushResponse, AuditRecord, Entity};
use serde_json::Value;
use uuid::Uuid;

use chevet_domain::Staff;
use chevet_domain::rules::TimeWindow;

use crate::backend::{AuditBreak, AuditRow, BreakKind, DeviceAuth, Tx};
use crate::error::{HubError, HubResult};

/// A device's clock may be this far behind the hub's at its enrolment.
const CLOCK_ERROR_MS: i64 = 24 * 3600 * 1000;
/// How far back an entry may go from the one before (a clock corrected by NTP).
const CLOCK_CORRECTION_MS: i64 = 10 * 60 * 1000;

/// Entities that are never about a resident.
const NOT_ABOUT_RESIDENTS: [&str; 6] = ["staff", "unit", "establishment", "device", "sync", "round"];

fn uuid_at(v: &Value, pointer: &str) -> Option<Uuid> {
    v.pointer(pointer).and_then(Value::as_str).and_then(|s| Uuid::try_parse(s).ok())
}

/// What the hub knows of the residents a push names.
struct Residents<'d> {
    device: &'d DeviceAuth,
    /// Entity id → the resident it belongs to (None: not found in scope).
    of_entity: HashMap<Uuid, Option<Uuid>>,
    /// Resident → whether it is in the device's scope.
    in_scope: HashMap<Uuid, bool>,
}

impl Residents<'_> {
    fn resident_in_scope(&mut self, tx: &mut dyn Tx, resident: Uuid) -> HubResult<bool> {
        if let Some(known) = self.in_scope.get(&resident) {
            return Ok(*known);
        }
        let ok = match tx.document(self.device.tenant_id, resident)? {
            Some(d) if d.entity == Entity::Resident => d.unit_id.is_some_and(|u| self.device.units.contains(&u)),
            _ => false,
        };
        self.in_scope.insert(resident, ok);
        Ok(ok)
    }

    /// The resident a record (fact or document) belongs to, from the hub's copy.
    fn resident_of_record(&mut self, tx: &mut dyn Tx, id: Uuid) -> HubResult<Option<Uuid>> {
        if let Some(known) = self.of_entity.get(&id) {
            return Ok(*known);
        }
        let tenant = self.device.tenant_id;
        let resident = match tx.fact(tenant, id)? {
            Some(payload) => uuid_at(&payload, "/fact/resident_id"),
            None => match tx.document(tenant, id)? {
                Some(d) if d.entity == Entity::Resident => Some(id),
                Some(d) => d.state.get("resident_id").and_then(Value::as_str).and_then(|s| Uuid::try_parse(s).ok()),
                None => None,
            },
        };
        let resident = match resident {
            Some(r) if self.resident_in_scope(tx, r)? => Some(r),
            _ => None,
        };
        self.of_entity.insert(id, resident);
        Ok(resident)
    }

    /// The resident an entry is about: `Ok(None)` when about none (or a
    /// record the hub does not hold, such as one it refused), `Err(())`
    /// when it names a resident outside the device's scope.
    fn of(&mut self, tx: &mut dyn Tx, e: &AuditRecord) -> HubResult<Result<Option<Uuid>, ()>> {
        if matches!(
            e.action,
            AuditAction::SignIn
                | AuditAction::SignInFailed
                | AuditAction::LockOut
                | AuditAction::PinChanged
                | AuditAction::FirstPinSet
                | AuditAction::SyncPull
                | AuditAction::Erase
        ) || NOT_ABOUT_RESIDENTS.contains(&e.entity.as_str())
        {
            return Ok(Ok(None));
        }
        if e.entity == "resident" {
            // Named directly: it must be one the device may see.
            return Ok(if self.resident_in_scope(tx, e.entity_id)? { Ok(Some(e.entity_id)) } else { Err(()) });
        }
        Ok(Ok(self.resident_of_record(tx, e.entity_id)?))
    }
}

/// The professionals entries name, as the hub knows them.
struct Actors<'d> {
    device: &'d DeviceAuth,
    known: HashMap<Uuid, Option<Staff>>,
}

impl Actors<'_> {
    /// Whether `actor` is a professional of the device's units, active at `at_ms`.
    fn active_in_units(&mut self, tx: &mut dyn Tx, actor: Uuid, at_ms: i64) -> HubResult<bool> {
        if !self.known.contains_key(&actor) {
            let staff = match tx.document(self.device.tenant_id, actor)? {
                Some(d) if d.entity == Entity::Staff => serde_json::from_value::<Staff>(Value::Object(d.state)).ok(),
                _ => None,
            };
            self.known.insert(actor, staff);
        }
        let Some(Some(staff)) = self.known.get(&actor) else { return Ok(false) };
        let Ok(at) = jiff::Timestamp::from_millisecond(at_ms) else { return Ok(false) };
        Ok(self.device.units.iter().any(|u| staff.works_in(*u)) && staff.active_at(at))
    }
}

/// Receives a device's journal entries: checks the chain, finds each
/// entry's resident, keeps them; answers the last entry held.
pub fn push_audit(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    req: AuditPushRequest,
    now_ms: i64,
) -> HubResult<AuditPushResponse> {
    req.check().map_err(|e| HubError::BadRequest(e.to_string()))?;
    let (tenant, device_id) = (device.tenant_id, device.device_id);
    let (mut head_seq, mut head_link) = tx.audit_head(tenant, device_id)?;
    let context = tx.audit_context(tenant, device_id)?;
    let mut intact = !context.broken && req.altered_from.is_none();
    let mut last_at = context.head_at_ms;
    let latest = now_ms + TimeWindow::HUB.max_future_secs * 1000;
    let mut actors = Actors { device, known: HashMap::new() };
    let mut breaks = Vec::new();
    let mut flag = |seq: i64, kind: BreakKind| breaks.push(AuditBreak { device_id, seq, kind, detected_ms: now_ms });
    if let Some(seq) = req.altered_from {
        flag(seq, BreakKind::DeviceReported);
    }
    let mut residents = Residents { device, of_entity: HashMap::new(), in_scope: HashMap::new() };
    let mut rows = Vec::with_capacity(req.entries.len());
    for e in req.entries {
        let link = parse_link(&e.link).ok_or_else(|| HubError::BadRequest("audit link".into()))?;
        let rewritten = e.seq <= head_seq;
        let follows = if rewritten {
            if tx.audit_entry_held(tenant, device_id, e.seq, &link)? {
                // Sent again after a lost answer.
                continue;
            }
            flag(e.seq, BreakKind::Rewritten);
            false
        } else if e.seq == head_seq + 1 {
            let linked = e.expected_link(&head_link, device_id) == link;
            if !linked {
                flag(e.seq, BreakKind::Mismatch);
            }
            linked
        } else {
            flag(head_seq + 1, BreakKind::Gap);
            false
        };
        intact &= follows;
        let (resident_id, in_scope) = match residents.of(tx, &e)? {
            Ok(r) => (r, true),
            Err(()) => {
                flag(e.seq, BreakKind::OutOfScope);
                (None, false)
            }
        };
        let actor_ok = match e.actor {
            Some(actor) => actors.active_in_units(tx, actor, e.at_ms)?,
            None => true,
        };
        if !actor_ok {
            flag(e.seq, BreakKind::Actor);
        }
        let time_ok = e.at_ms >= context.enrolled_ms - CLOCK_ERROR_MS
            && e.at_ms <= latest
            && last_at.is_none_or(|before| e.at_ms >= before - CLOCK_CORRECTION_MS);
        if !time_ok {
            flag(e.seq, BreakKind::Time);
        }
        let verified = intact && in_scope && actor_ok && time_ok;
        // The head follows the chain forward only: a rewritten entry is kept,
        // the chain does not go back to it.
        if !rewritten {
            head_seq = e.seq;
            head_link = link;
            if time_ok {
                last_at = Some(last_at.map_or(e.at_ms, |before| before.max(e.at_ms)));
            }
        }
        rows.push(AuditRow {
            device_id,
            seq: e.seq,
            link,
            at_ms: e.at_ms,
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            resident_id,
            verified,
            received_ms: now_ms,
        });
    }
    for b in &breaks {
        log::warn!("device {device_id}: audit chain broken at entry {} ({})", b.seq, b.kind.as_str());
        tx.note_audit_break(tenant, b)?;
    }
    if !rows.is_empty() {
        tx.insert_audit_entries(tenant, &rows)?;
        tx.set_audit_head(tenant, device_id, head_seq, &head_link)?;
    }
    Ok(AuditPushResponse { head_seq })
}
