//! The sync rules, written once against [`Tx`]: enrolment, push (idempotent
//! per op_id, one answer per operation, quarantine of what is refused) and
//! pull (changes of the device's scope in hub order, after an opaque cursor).

use std::collections::BTreeSet;

use chevet_core::domain::{Fact, PlannedAct, Resident, Round, Wound};
use chevet_protocol::{
    Change, EnrolRequest, EnrolResponse, Entity, MAX_PULL_LIMIT, MAX_PUSH_OPS, OpOutcome, OpResult, Operation,
    PullResponse, PushRequest, PushResponse, RejectCode,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::backend::{ConflictRecord, DeviceAuth, Tx};
use crate::error::{HubError, HubResult};
use crate::merge;

/// Hash under which credentials and enrolment codes are stored.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    *blake3::hash(secret.as_bytes()).as_bytes()
}

/// A random secret, URL-safe: 32 bytes as hex.
pub fn random_secret(bytes: usize) -> HubResult<String> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|_| HubError::Storage("random source failed".into()))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

pub fn enrol(tx: &mut dyn Tx, req: &EnrolRequest, now_ms: i64) -> HubResult<EnrolResponse> {
    let label = req.label.trim();
    if label.is_empty() || label.len() > 200 {
        return Err(HubError::BadRequest("label must be 1 to 200 characters".into()));
    }
    let (tenant_id, units) = tx
        .take_enrolment_code(&secret_hash(req.code.trim()), now_ms)?
        .ok_or(HubError::Forbidden("enrolment code unknown, used or expired"))?;
    if tx.device_exists(req.device_id)? {
        return Err(HubError::Conflict("a device with this id is already enrolled"));
    }
    let credential = random_secret(32)?;
    let device = DeviceAuth { device_id: req.device_id, tenant_id, units: units.clone() };
    tx.insert_device(&device, label, &secret_hash(&credential), now_ms)?;
    log::info!("device {} enrolled in tenant {tenant_id}", device.device_id);
    Ok(EnrolResponse { device_id: device.device_id, credential, tenant_id, units })
}

/// Why an operation cannot apply; becomes a `Rejected` answer.
struct Reject(RejectCode, String);

fn malformed(what: &str) -> Reject {
    Reject(RejectCode::Malformed, what.to_owned())
}

pub fn push(tx: &mut dyn Tx, device: &DeviceAuth, req: PushRequest, now_ms: i64) -> HubResult<PushResponse> {
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(HubError::TooLarge);
    }
    let ids: Vec<Uuid> = req.ops.iter().map(|o| o.op_id).collect();
    let mut answered = tx.op_outcomes(&ids)?;
    let mut units = UnitCache::default();
    let mut results = Vec::with_capacity(req.ops.len());
    let mut fresh: Vec<(&Operation, OpOutcome)> = Vec::with_capacity(req.ops.len());
    let mut last_seq = 0;
    for op in &req.ops {
        last_seq = last_seq.max(op.device_seq);
        if let Some(outcome) = answered.get(&op.op_id) {
            results.push(OpResult { op_id: op.op_id, duplicate: true, outcome: outcome.clone() });
            continue;
        }
        let outcome = match apply(tx, device, op, &mut units, now_ms)? {
            Ok(outcome) => outcome,
            Err(Reject(code, reason)) => {
                log::warn!("op {} from device {} rejected: {:?}", op.op_id, device.device_id, code);
                tx.quarantine(device, op, code, &reason, now_ms)?;
                OpOutcome::Rejected { code, reason }
            }
        };
        // The same op_id twice in one batch: the second is a replay of the first.
        answered.insert(op.op_id, outcome.clone());
        fresh.push((op, outcome.clone()));
        results.push(OpResult { op_id: op.op_id, duplicate: false, outcome });
    }
    tx.save_op_outcomes(device, &fresh, now_ms)?;
    tx.note_device_seen(device.device_id, last_seq, now_ms)?;
    Ok(PushResponse { results, hub_time_ms: now_ms })
}

/// Residents' units looked up during one push (a batch is mostly a few residents).
#[derive(Default)]
struct UnitCache(std::collections::HashMap<Uuid, Uuid>);

fn in_scope(device: &DeviceAuth, unit: Uuid) -> Result<(), Reject> {
    if device.units.contains(&unit) {
        Ok(())
    } else {
        Err(Reject(RejectCode::OutOfScope, format!("unit {unit} is outside the device's scope")))
    }
}

/// The unit a resident belongs to on the hub.
fn resident_unit(tx: &mut dyn Tx, tenant: Uuid, resident: Uuid) -> HubResult<Result<Uuid, Reject>> {
    resident_unit_cached(tx, tenant, resident, &mut UnitCache::default())
}

fn resident_unit_cached(
    tx: &mut dyn Tx,
    tenant: Uuid,
    resident: Uuid,
    cache: &mut UnitCache,
) -> HubResult<Result<Uuid, Reject>> {
    if let Some(u) = cache.0.get(&resident) {
        return Ok(Ok(*u));
    }
    let found = resident_unit_uncached(tx, tenant, resident)?;
    if let Ok(u) = found {
        cache.0.insert(resident, u);
    }
    Ok(found)
}

fn resident_unit_uncached(tx: &mut dyn Tx, tenant: Uuid, resident: Uuid) -> HubResult<Result<Uuid, Reject>> {
    Ok(match tx.document(tenant, resident)? {
        Some(doc) if doc.entity == Entity::Resident => doc.unit_id.ok_or_else(|| malformed("resident without a unit")),
        // Unknown and invisible look the same (on PostgreSQL, row-level
        // security hides other units' residents from the device's transaction).
        _ => {
            Err(Reject(RejectCode::OutOfScope, format!("resident {resident} is unknown or outside the device's scope")))
        }
    })
}

fn apply(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    units: &mut UnitCache,
    now_ms: i64,
) -> HubResult<Result<OpOutcome, Reject>> {
    if op.entity.is_reference() {
        return Ok(Err(Reject(RejectCode::ReadOnly, "reference data is pull-only".into())));
    }
    if op.entity == Entity::Fact {
        return apply_fact(tx, device, op, units, now_ms);
    }
    // A document change may move a resident: forget what this batch knew.
    units.0.remove(&op.entity_id);
    apply_document(tx, device, op, now_ms)
}

fn apply_fact(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    units: &mut UnitCache,
    now_ms: i64,
) -> HubResult<Result<OpOutcome, Reject>> {
    let fact: Fact = match serde_json::from_value(op.payload.clone()) {
        Ok(f) => f,
        Err(_) => return Ok(Err(malformed("payload is not a fact"))),
    };
    if fact.id() != op.entity_id {
        return Ok(Err(malformed("fact id differs from entity_id")));
    }
    if fact.validate().is_err() {
        return Ok(Err(malformed("fact fails validation")));
    }
    let unit = match resident_unit_cached(tx, device.tenant_id, fact.resident_id(), units)? {
        Ok(u) => u,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) = in_scope(device, unit) {
        return Ok(Err(r));
    }
    let change = Change {
        entity: Entity::Fact,
        entity_id: fact.id(),
        version: None,
        origin_device: Some(device.device_id),
        payload: op.payload.clone(),
    };
    tx.insert_fact_logged(device.tenant_id, unit, &change, now_ms)?;
    Ok(Ok(OpOutcome::Applied { version: None }))
}

/// A document state decoded and validated as its domain type: its id, and
/// its unit (Ok) or, for records that hang on a resident, the resident (Err).
fn identify(entity: Entity, state: &Value) -> Result<(Uuid, Result<Uuid, Uuid>), Reject> {
    fn check<T: serde::de::DeserializeOwned>(state: &Value, valid: impl Fn(&T) -> bool) -> Result<T, Reject> {
        let v: T =
            serde_json::from_value(state.clone()).map_err(|_| malformed("state is not the entity's structure"))?;
        if valid(&v) { Ok(v) } else { Err(malformed("state fails validation")) }
    }
    Ok(match entity {
        Entity::Resident => {
            let r = check::<Resident>(state, |r| r.validate().is_ok())?;
            (r.id, Ok(r.unit_id))
        }
        Entity::Round => {
            let r = check::<Round>(state, |r| r.validate().is_ok())?;
            (r.id, Ok(r.unit_id))
        }
        Entity::PlannedAct => {
            let p = check::<PlannedAct>(state, |p| p.validate().is_ok())?;
            (p.id, Err(p.resident_id))
        }
        Entity::Wound => {
            let w = check::<Wound>(state, |w| w.validate().is_ok())?;
            (w.id, Err(w.resident_id))
        }
        _ => return Err(malformed("not a document")),
    })
}

/// Checks a document state against its domain type; returns the unit it
/// belongs to (for residents and rounds directly, else via the resident).
fn document_unit(
    tx: &mut dyn Tx,
    tenant: Uuid,
    entity: Entity,
    id: Uuid,
    state: &Value,
) -> HubResult<Result<Uuid, Reject>> {
    let (doc_id, unit_or_resident) = match identify(entity, state) {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    if doc_id != id {
        return Ok(Err(malformed("document id differs from entity_id")));
    }
    match unit_or_resident {
        Ok(unit) => Ok(Ok(unit)),
        Err(resident) => resident_unit(tx, tenant, resident),
    }
}

fn apply_document(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    now_ms: i64,
) -> HubResult<Result<OpOutcome, Reject>> {
    let (kind, value) = match (op.payload.get("op").and_then(Value::as_str), op.payload.get("value")) {
        (Some(k @ ("create" | "replace")), Some(v)) if v.is_object() => (k, v),
        _ => {
            return Ok(Err(malformed("document payload needs op create|replace and an object value")));
        }
    };
    let tenant = device.tenant_id;
    let unit = match document_unit(tx, tenant, op.entity, op.entity_id, value)? {
        Ok(u) => u,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) = in_scope(device, unit) {
        return Ok(Err(r));
    }
    let device_state = value.as_object().cloned().unwrap_or_default();
    let Some(current) = tx.document(tenant, op.entity_id)? else {
        if kind != "create" {
            return Ok(Err(Reject(RejectCode::UnknownBase, "replace of a document the hub does not have".into())));
        }
        let changed: BTreeSet<String> = device_state.keys().cloned().collect();
        save(tx, device, op, unit, 1, &device_state, &changed, now_ms)?;
        return Ok(Ok(OpOutcome::Applied { version: Some(1) }));
    };
    if current.entity != op.entity {
        return Ok(Err(malformed("entity kind differs from the hub's")));
    }
    // Residents may move unit only within the device's scope.
    if let Some(old) = current.unit_id
        && let Err(r) = in_scope(device, old)
    {
        return Ok(Err(r));
    }
    let base = op.base_version.unwrap_or(0);
    if base > current.version {
        return Ok(Err(Reject(
            RejectCode::UnknownBase,
            format!("base {base} is ahead of the hub's {}", current.version),
        )));
    }
    let base_state = if base == 0 { Map::new() } else { tx.document_state_at(op.entity_id, base)?.unwrap_or_default() };
    let changed_by_others: BTreeSet<String> = tx
        .versions_after(op.entity_id, base)?
        .into_iter()
        .filter(|v| v.origin != Some(device.device_id))
        .flat_map(|v| v.changed)
        .collect();
    let m = merge::merge(&base_state, &current.state, &device_state, &changed_by_others);
    let proposal = op.entity == Entity::PlannedAct && !m.conflicts.is_empty();
    // The merged state must still be a valid document; if not, nothing applies.
    // The merged state must still be a valid document; if not, nothing applies.
    let merged_unit = document_unit(tx, tenant, op.entity, op.entity_id, &Value::Object(m.state.clone()))?;
    let merged_valid = merged_unit.is_ok();
    let mut version = current.version;
    if let Ok(new_unit) = merged_unit
        && !proposal
        && !m.applied.is_empty()
    {
        if let Err(r) = in_scope(device, new_unit) {
            return Ok(Err(r));
        }
        version += 1;
        let changed: BTreeSet<String> = m.applied.iter().cloned().collect();
        save(tx, device, op, new_unit, version, &m.state, &changed, now_ms)?;
    }
    let conflicts = if merged_valid { m.conflicts } else { m.applied.iter().chain(&m.conflicts).cloned().collect() };
    if conflicts.is_empty() {
        return Ok(Ok(OpOutcome::Applied { version: Some(version) }));
    }
    let pick = |state: &Map<String, Value>| -> Value {
        Value::Object(conflicts.iter().map(|f| (f.clone(), state.get(f).cloned().unwrap_or(Value::Null))).collect())
    };
    let record = ConflictRecord {
        entity: op.entity,
        entity_id: op.entity_id,
        op_id: op.op_id,
        device_id: device.device_id,
        fields: conflicts.clone(),
        device_values: pick(&device_state),
        hub_values: pick(&current.state),
        proposal: proposal || !merged_valid,
    };
    tx.file_conflict(tenant, &record, now_ms)?;
    log::info!(
        "conflict on {:?} {} from device {} ({} fields)",
        op.entity,
        op.entity_id,
        device.device_id,
        conflicts.len()
    );
    Ok(Ok(OpOutcome::Conflict { version, conflicts, proposal: record.proposal }))
}

#[allow(clippy::too_many_arguments)]
fn save(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    unit: Uuid,
    version: u32,
    state: &Map<String, Value>,
    changed: &BTreeSet<String>,
    now_ms: i64,
) -> HubResult<()> {
    tx.save_document(
        device.tenant_id,
        op.entity_id,
        op.entity,
        Some(unit),
        version,
        state,
        Some(device.device_id),
        changed,
    )?;
    let change = Change {
        entity: op.entity,
        entity_id: op.entity_id,
        version: Some(version),
        origin_device: Some(device.device_id),
        payload: Value::Object(state.clone()),
    };
    tx.append_change(device.tenant_id, Some(unit), &change, now_ms)?;
    Ok(())
}

/// Snapshot cursors: `s1.PHASE.LAST_ID.LOG_HEAD`, the log head being
/// where the pull continues once the snapshot is served.
fn encode_snapshot(phase: u8, last: Uuid, head: &str) -> String {
    format!("s1.{phase}.{}.{head}", last.simple())
}

fn decode_snapshot(cursor: &str) -> HubResult<(u8, Uuid, String)> {
    let bad = || HubError::BadRequest("cursor is not one this hub issued".into());
    let rest = cursor.strip_prefix("s1.").ok_or_else(bad)?;
    let mut parts = rest.splitn(3, '.');
    let phase: u8 = parts.next().and_then(|p| p.parse().ok()).filter(|p| *p <= 1).ok_or_else(bad)?;
    let last: Uuid = parts.next().and_then(|p| Uuid::try_parse(p).ok()).ok_or_else(bad)?;
    let head = parts.next().filter(|h| !h.is_empty()).ok_or_else(bad)?.to_owned();
    Ok((phase, last, head))
}

/// A page of changes. A device starting from scratch on a hub whose log
/// was compacted first receives a snapshot of the current state, then the
/// log from where the snapshot began (changes in between may arrive twice;
/// applying them again changes nothing).
pub fn pull(tx: &mut dyn Tx, device: &DeviceAuth, cursor: &str, limit: u32) -> HubResult<PullResponse> {
    let limit = limit.clamp(1, MAX_PULL_LIMIT);
    let (phase, last, head) = if cursor.starts_with("s1.") {
        decode_snapshot(cursor)?
    } else if cursor.is_empty() && tx.log_compacted()? {
        (0, Uuid::nil(), tx.log_head()?)
    } else {
        let (changes, cursor, more) = tx.pull_page(device.tenant_id, &device.units, cursor, limit)?;
        return Ok(PullResponse { changes, cursor, more });
    };
    let (changes, next) = tx.snapshot_page(device.tenant_id, &device.units, (phase, last), limit)?;
    Ok(match next {
        Some((phase, last)) => PullResponse { changes, cursor: encode_snapshot(phase, last, &head), more: true },
        // The snapshot is served: continue with the log after its head.
        None => PullResponse { changes, cursor: head, more: true },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_cursors_round_trip() {
        let id = Uuid::now_v7();
        let c = encode_snapshot(1, id, "p1.a.ff");
        assert_eq!(decode_snapshot(&c).unwrap(), (1, id, "p1.a.ff".to_owned()));
        for bad in [
            "s1.",
            "s1.2.x.y",
            "s1.0.nothex.c1.0",
            "s2.0.00000000000000000000000000000000.c1.0",
            "s1.0.00000000000000000000000000000000.",
        ] {
            assert!(decode_snapshot(bad).is_err(), "{bad}");
        }
    }
}
