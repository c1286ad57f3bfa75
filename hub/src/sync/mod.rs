//! The sync rules, written once against [`Tx`]: enrolment, push (idempotent
//! per op_id, one answer per operation, quarantine of what is refused) and
//! pull (changes of the device's scope in hub order, after an opaque cursor).

use std::collections::BTreeSet;

use std::collections::HashMap;

use chevet_domain::error::DomainError;
use chevet_domain::rules::{self, DocumentKind, Origin, RecordLookup, TimeWindow};
use chevet_domain::{Fact, PlannedAct, Resident, Route, Staff, Wound};
use chevet_protocol::{
    Change, EnrolRequest, EnrolResponse, Entity, MAX_PUSH_OPS, OpOutcome, OpResult, Operation, PushRequest,
    PushResponse, RejectCode,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::backend::{ConflictRecord, DeviceAuth, Tx};
use crate::error::{HubError, HubResult};
use crate::merge;

mod pull;
pub use pull::pull;

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
        // Hex, so a code typed in capitals on a tablet's keyboard is the same code.
        .take_enrolment_code(&secret_hash(&req.code.trim().to_ascii_lowercase()), now_ms)?
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
pub(crate) struct Reject(pub(crate) RejectCode, pub(crate) String);

fn malformed(what: &str) -> Reject {
    Reject(RejectCode::Malformed, what.to_owned())
}

pub fn push(tx: &mut dyn Tx, device: &DeviceAuth, req: PushRequest, now_ms: i64) -> HubResult<PushResponse> {
    if req.ops.len() > MAX_PUSH_OPS {
        return Err(HubError::TooLarge);
    }
    let ids: Vec<Uuid> = req.ops.iter().map(|o| o.op_id).collect();
    let mut answered = tx.op_outcomes(device, &ids)?;
    let mut units = BatchCache::default();
    let mut results = Vec::with_capacity(req.ops.len());
    let mut fresh: Vec<(&Operation, OpOutcome)> = Vec::with_capacity(req.ops.len());
    let mut last_seq = 0;
    // A device numbers its operations without gaps as it makes them and
    // sends them in that order: a new one always comes after those the hub
    // has answered. A number taken again would slip a new record under a
    // bound set by that sequence (a deactivation it was served).
    let mut after = tx.device_last_seq(device.device_id)?;
    // Counted once, at the first refusal of the batch.
    let mut quarantine_room = None;
    for op in &req.ops {
        last_seq = last_seq.max(op.device_seq);
        if let Some(outcome) = answered.get(&op.op_id) {
            results.push(OpResult { op_id: op.op_id, duplicate: true, outcome: outcome.clone() });
            continue;
        }
        let applied = if op.device_seq <= after {
            Err(Reject(RejectCode::Malformed, format!("device_seq {} is not after {after}", op.device_seq)))
        } else {
            after = op.device_seq;
            apply(tx, device, op, &mut units, now_ms)?
        };
        let outcome = match applied {
            Ok(outcome) => outcome,
            Err(Reject(code, reason)) => {
                log::warn!("op {} from device {} rejected: {:?}", op.op_id, device.device_id, code);
                quarantine(tx, device, op, code, &reason, now_ms, &mut quarantine_room)?;
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

/// Refused operations kept per device at most, for review: past it, a
/// refusal is still answered (the tablet keeps the operation) but not kept
/// here, so a tablet sending refusals without end cannot fill the hub.
pub const QUARANTINE_MAX_PER_DEVICE: i64 = 1_000;
/// A refused operation larger than this is kept without its payload (its
/// ids, code and reason stay).
pub const QUARANTINE_MAX_OP_BYTES: usize = 16 * 1024;

fn quarantine(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    code: RejectCode,
    reason: &str,
    now_ms: i64,
    room: &mut Option<i64>,
) -> HubResult<()> {
    let left = match *room {
        Some(left) => left,
        None => QUARANTINE_MAX_PER_DEVICE - tx.quarantine_count(device)?,
    };
    if left <= 0 {
        if *room != Some(0) {
            log::warn!("device {}: quarantine full, refused operations are answered but not kept", device.device_id);
        }
        *room = Some(0);
        return Ok(());
    }
    *room = Some(left - 1);
    let size = serde_json::to_vec(&op.payload).map_or(usize::MAX, |b| b.len());
    if size > QUARANTINE_MAX_OP_BYTES {
        let kept = Operation { payload: serde_json::json!({ "dropped_payload_bytes": size }), ..op.clone() };
        return tx.quarantine(device, &kept, code, reason, now_ms);
    }
    tx.quarantine(device, op, code, reason, now_ms)
}

/// What one push looked up, kept for the rest of the batch (a batch is
/// mostly a few residents, their planned acts and one or two authors).
#[derive(Default)]
struct BatchCache {
    units: HashMap<Uuid, Uuid>,
    staff: HashMap<Uuid, Option<Staff>>,
    acts: HashMap<Uuid, Option<PlannedAct>>,
    /// Per professional, the device's sequence after which it knew them deactivated.
    known_deactivated: HashMap<Uuid, Option<i64>>,
}

/// How far above the sequence it last pushed a device may say its
/// operations went when it pulls (the few it makes while it syncs); what it
/// says beyond is not believed.
pub const OUTBOX_HEAD_SLACK: i64 = 32;

/// A deactivated professional's record that the device made after it was
/// served the deactivation (numbered above the bound then set) is refused,
/// whatever date it claims: back-dating gets no further than the device's
/// own sequence.
fn made_after_deactivation_known(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    cache: &mut BatchCache,
    op: &Operation,
    author: Uuid,
) -> HubResult<Result<(), Reject>> {
    let bound = match cache.known_deactivated.get(&author) {
        Some(b) => *b,
        None => {
            let b = tx.deactivation_served(device, author)?;
            cache.known_deactivated.insert(author, b);
            b
        }
    };
    Ok(match bound {
        Some(bound) if op.device_seq > bound => Err(Reject(
            RejectCode::Forbidden,
            format!("staff {author} was deactivated before this device made operation {}", op.device_seq),
        )),
        _ => Ok(()),
    })
}

/// What stopped a rule check: the rule's refusal, or the hub's storage
/// failing under a look-up (returned as itself, never as a refusal).
enum Checked {
    Refused(DomainError),
    Storage(HubError),
}

impl From<DomainError> for Checked {
    fn from(e: DomainError) -> Self {
        Checked::Refused(e)
    }
}

/// The outcome of a rule check: a refusal, or the storage error it met.
fn finish<T>(checked: Result<T, Checked>) -> HubResult<Result<T, Reject>> {
    match checked {
        Ok(v) => Ok(Ok(v)),
        Err(Checked::Refused(e)) => Ok(Err(refusal(&e))),
        Err(Checked::Storage(e)) => Err(e),
    }
}

/// The shared rules' look-ups (`chevet_domain::rules`), answered from
/// the hub's database within the tenant.
struct HubLookup<'a> {
    tx: &'a mut dyn Tx,
    tenant: Uuid,
    cache: &'a mut BatchCache,
}

impl HubLookup<'_> {
    /// A document read once per batch: a push of a hundred records by one
    /// author on one care plan reads the author and each act once.
    fn remembered<T: serde::de::DeserializeOwned + Clone>(
        &mut self,
        entity: Entity,
        id: Uuid,
        memo: fn(&mut BatchCache) -> &mut std::collections::HashMap<Uuid, Option<T>>,
    ) -> Result<Option<T>, Checked> {
        if let Some(known) = memo(self.cache).get(&id) {
            return Ok(known.clone());
        }
        let found: Option<T> = self.document(entity, id)?;
        memo(self.cache).insert(id, found.clone());
        Ok(found)
    }

    fn document<T: serde::de::DeserializeOwned>(&mut self, entity: Entity, id: Uuid) -> Result<Option<T>, Checked> {
        match self.tx.document(self.tenant, id).map_err(Checked::Storage)? {
            Some(doc) if doc.entity == entity => Ok(serde_json::from_value(Value::Object(doc.state)).ok()),
            _ => Ok(None),
        }
    }
}

impl RecordLookup for HubLookup<'_> {
    type Error = Checked;

    fn staff(&mut self, id: Uuid) -> Result<Option<Staff>, Checked> {
        self.remembered(Entity::Staff, id, |c| &mut c.staff)
    }

    fn planned_act(&mut self, id: Uuid) -> Result<Option<PlannedAct>, Checked> {
        self.remembered(Entity::PlannedAct, id, |c| &mut c.acts)
    }

    fn wound(&mut self, id: Uuid) -> Result<Option<Wound>, Checked> {
        self.document(Entity::Wound, id)
    }

    fn resident(&mut self, id: Uuid) -> Result<Option<chevet_domain::Resident>, Checked> {
        self.document(Entity::Resident, id)
    }

    fn fact(&mut self, id: Uuid) -> Result<Option<Fact>, Checked> {
        Ok(self.tx.fact(self.tenant, id).map_err(Checked::Storage)?.and_then(|v| serde_json::from_value(v).ok()))
    }
}

/// A domain rule's refusal as the device hears it. The domain's messages
/// name kinds and ids only, so they can travel as the reason.
fn refusal(e: &DomainError) -> Reject {
    let code = match e {
        DomainError::UnknownAuthor { .. }
        | DomainError::StaffDeactivated { .. }
        | DomainError::AuthorOutsideUnit { .. }
        | DomainError::ForeignDevice { .. }
        | DomainError::PermissionDenied { .. }
        | DomainError::IdentityLocked { .. }
        | DomainError::IdentityStatusFromInsi { .. } => RejectCode::Forbidden,
        _ => RejectCode::Invalid,
    };
    Reject(code, e.to_string())
}

fn in_scope(device: &DeviceAuth, unit: Uuid) -> Result<(), Reject> {
    if device.units.contains(&unit) {
        Ok(())
    } else {
        Err(Reject(RejectCode::OutOfScope, format!("unit {unit} is outside the device's scope")))
    }
}

/// The unit a resident belongs to on the hub.
fn resident_unit(tx: &mut dyn Tx, tenant: Uuid, resident: Uuid) -> HubResult<Result<Uuid, Reject>> {
    resident_unit_cached(tx, tenant, resident, &mut BatchCache::default())
}

fn resident_unit_cached(
    tx: &mut dyn Tx,
    tenant: Uuid,
    resident: Uuid,
    cache: &mut BatchCache,
) -> HubResult<Result<Uuid, Reject>> {
    if let Some(u) = cache.units.get(&resident) {
        return Ok(Ok(*u));
    }
    let found = resident_unit_uncached(tx, tenant, resident)?;
    if let Ok(u) = found {
        cache.units.insert(resident, u);
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
    cache: &mut BatchCache,
    now_ms: i64,
) -> HubResult<Result<OpOutcome, Reject>> {
    if op.entity.is_reference() {
        return Ok(Err(Reject(RejectCode::ReadOnly, "reference data is pull-only".into())));
    }
    if op.entity == Entity::Fact {
        return apply_fact(tx, device, op, cache, now_ms);
    }
    // A document change may move a resident or change a planned act:
    // forget what this batch knew of it.
    cache.units.remove(&op.entity_id);
    cache.acts.remove(&op.entity_id);
    apply_document(tx, device, op, cache, now_ms)
}

fn apply_fact(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    cache: &mut BatchCache,
    now_ms: i64,
) -> HubResult<Result<OpOutcome, Reject>> {
    let fact: Fact = match serde_json::from_value(op.payload.clone()) {
        Ok(f) => f,
        Err(_) => return Ok(Err(malformed("payload is not a fact"))),
    };
    if fact.id() != op.entity_id {
        return Ok(Err(malformed("fact id differs from entity_id")));
    }
    let unit = match resident_unit_cached(tx, device.tenant_id, fact.resident_id(), cache)? {
        Ok(u) => u,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) = in_scope(device, unit) {
        return Ok(Err(r));
    }
    // The tablet's own rules, run again here: content, signing device,
    // author's unit and role, what the fact points to, clinical time.
    let now = jiff::Timestamp::from_millisecond(now_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let origin = Origin { device: device.device_id, unit };
    let mut lookup = HubLookup { tx: &mut *tx, tenant: device.tenant_id, cache };
    let checked = rules::check_fact(&mut lookup, &fact, origin, now, TimeWindow::HUB);
    if let Err(r) = finish(checked)? {
        return Ok(Err(r));
    }
    if let Err(r) = made_after_deactivation_known(tx, device, cache, op, fact.meta().author)? {
        return Ok(Err(r));
    }
    // What the hub keeps is what the type says, nothing more: a field the
    // type does not know is dropped here, never stored nor sent on.
    let Ok(canonical) = serde_json::to_value(&fact) else { return Ok(Err(malformed("payload is not a fact"))) };
    let change = Change {
        entity: Entity::Fact,
        entity_id: fact.id(),
        version: None,
        origin_device: Some(device.device_id),
        payload: canonical.clone(),
    };
    // A photo's files are readable by the units of the records that carry
    // their key: the first photo naming a file binds it to its key, and a
    // photo naming a file with another key is refused (naming a hash seen
    // elsewhere does not open it).
    if let Fact::Photo(p) = &fact {
        let Ok(key) = serde_json::to_value(&p.content_key) else { return Ok(Err(malformed("photo key"))) };
        for blob in [&p.display, &p.thumbnail] {
            if tx.bind_blob_key(device.tenant_id, &blob.hash, &key)? != key {
                return Ok(Err(Reject(RejectCode::Forbidden, "a photo file belongs to another record".into())));
            }
        }
    }
    let inserted = tx.insert_fact_logged(device.tenant_id, unit, &change, now_ms)?;
    if inserted && let Fact::Photo(p) = &fact {
        for blob in [&p.display, &p.thumbnail] {
            tx.add_blob_ref(device.tenant_id, &blob.hash, unit)?;
        }
    }
    if !inserted {
        // Already there under another op (a device that re-sent its own
        // fact) is fine; a different record under a taken id is not. The
        // id's holder may be out of this device's sight (another unit):
        // the answer says no more than "taken".
        let same = tx.fact(device.tenant_id, fact.id())?.is_some_and(|stored| stored == canonical);
        if !same {
            return Ok(Err(Reject(RejectCode::Invalid, format!("fact id {} is already taken", fact.id()))));
        }
    }
    Ok(Ok(OpOutcome::Applied { version: None }))
}

/// A document state decoded and validated as its domain type.
struct Identified {
    id: Uuid,
    /// Its unit (Ok) or, for records that hang on a resident, the resident (Err).
    place: Result<Uuid, Uuid>,
    /// The state as its type writes it: a field the type does not know is
    /// not kept (a tablet cannot make the hub store and relay what it likes).
    canonical: Map<String, Value>,
}

fn identify(entity: Entity, state: &Value) -> Result<Identified, Reject> {
    fn check<T: serde::de::DeserializeOwned + serde::Serialize>(
        state: &Value,
        valid: impl Fn(&T) -> Result<(), DomainError>,
    ) -> Result<(T, Map<String, Value>), Reject> {
        let v: T =
            serde_json::from_value(state.clone()).map_err(|_| malformed("state is not the entity's structure"))?;
        valid(&v).map_err(|e| refusal(&e))?;
        match serde_json::to_value(&v) {
            Ok(Value::Object(canonical)) => Ok((v, canonical)),
            _ => Err(malformed("state is not the entity's structure")),
        }
    }
    let (id, place, canonical) = match entity {
        Entity::Resident => {
            let (r, c) = check::<Resident>(state, Resident::validate)?;
            (r.id, Ok(r.unit_id), c)
        }
        Entity::Route => {
            let (r, c) = check::<Route>(state, Route::validate)?;
            (r.id, Ok(r.unit_id), c)
        }
        Entity::PlannedAct => {
            let (p, c) = check::<PlannedAct>(state, PlannedAct::validate)?;
            (p.id, Err(p.resident_id), c)
        }
        Entity::Wound => {
            let (w, c) = check::<Wound>(state, Wound::validate)?;
            (w.id, Err(w.resident_id), c)
        }
        _ => return Err(malformed("not a document")),
    };
    Ok(Identified { id, place, canonical })
}

/// A document's unit and its state as its type writes it.
type Placed = (Uuid, Map<String, Value>);

/// Checks a document state against its domain type; returns the unit it
/// belongs to (for residents and rounds directly, else via the resident)
/// and the state as its type writes it.
fn document_unit(
    tx: &mut dyn Tx,
    tenant: Uuid,
    entity: Entity,
    id: Uuid,
    state: &Value,
) -> HubResult<Result<Placed, Reject>> {
    let found = match identify(entity, state) {
        Ok(found) => found,
        Err(e) => return Ok(Err(e)),
    };
    if found.id != id {
        return Ok(Err(malformed("document id differs from entity_id")));
    }
    let unit = match found.place {
        Ok(unit) => unit,
        Err(resident) => match resident_unit(tx, tenant, resident)? {
            Ok(unit) => unit,
            Err(r) => return Ok(Err(r)),
        },
    };
    Ok(Ok((unit, found.canonical)))
}

fn apply_document(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    cache: &mut BatchCache,
    now_ms: i64,
) -> HubResult<Result<OpOutcome, Reject>> {
    let (kind, value) = match (op.payload.get("op").and_then(Value::as_str), op.payload.get("value")) {
        (Some(k @ ("create" | "replace")), Some(v)) if v.is_object() => (k, v),
        _ => {
            return Ok(Err(malformed("document payload needs op create|replace and an object value")));
        }
    };
    let document_kind = match op.entity {
        Entity::Resident => DocumentKind::Resident,
        Entity::PlannedAct => DocumentKind::PlannedAct,
        Entity::Wound => DocumentKind::Wound,
        Entity::Route => DocumentKind::Route,
        _ => return Ok(Err(malformed("not a document"))),
    };
    let Some(author) = op.payload.get("author").and_then(Value::as_str).and_then(|a| Uuid::try_parse(a).ok()) else {
        return Ok(Err(Reject(RejectCode::Forbidden, "a document change names its author".into())));
    };
    let tenant = device.tenant_id;
    let (unit, device_state) = match document_unit(tx, tenant, op.entity, op.entity_id, value)? {
        Ok(found) => found,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) = in_scope(device, unit) {
        return Ok(Err(r));
    }
    let current = tx.document(tenant, op.entity_id)?;
    // The author works in the unit (both units, for a resident who moves)
    // with the role this document needs: the tablet's rule, run again.
    let units: Vec<Uuid> = [Some(unit), current.as_ref().and_then(|c| c.unit_id)].into_iter().flatten().collect();
    let mut lookup = HubLookup { tx: &mut *tx, tenant, cache };
    // When the change was made, by the device's clock: an edit made before
    // its author was deactivated, sent after, still counts.
    let made_at = jiff::Timestamp::from_millisecond(op.clinical_time_ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let checked = rules::check_document_author(&mut lookup, document_kind, author, &units, made_at);
    if let Err(r) = finish(checked)? {
        return Ok(Err(r));
    }
    if let Err(r) = made_after_deactivation_known(tx, device, cache, op, author)? {
        return Ok(Err(r));
    }
    let Some(current) = current else {
        if kind != "create" {
            return Ok(Err(Reject(RejectCode::UnknownBase, "replace of a document the hub does not have".into())));
        }
        if let Err(r) = identity_rule(op.entity, op.entity_id, None, &device_state) {
            return Ok(Err(r));
        }
        let changed: BTreeSet<String> = device_state.keys().cloned().collect();
        save(tx, device, op, (unit, None), 1, &device_state, &changed, now_ms)?;
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
    let base_state =
        if base == 0 { Map::new() } else { tx.document_state_at(tenant, op.entity_id, base)?.unwrap_or_default() };
    let changed_by_others: BTreeSet<String> = tx
        .versions_after(tenant, op.entity_id, base)?
        .into_iter()
        .filter(|v| v.origin != Some(device.device_id))
        .flat_map(|v| v.changed)
        .collect();
    let m = merge::merge(&base_state, &current.state, &device_state, &changed_by_others);
    if let Err(r) = identity_rule(op.entity, op.entity_id, Some(&current.state), &m.state) {
        return Ok(Err(r));
    }
    let proposal = op.entity == Entity::PlannedAct && !m.conflicts.is_empty();
    // The device's side of a conflict is checked before it is offered: what
    // « keep the other tablet's value » would make must pass the rules a push
    // passes (an identity qualified without INSi, a unit out of the device's
    // scope are refused here, not filed for a coordinator to apply).
    if !m.conflicts.is_empty() {
        let mut their_side = m.state.clone();
        for f in &m.conflicts {
            match device_state.get(f) {
                Some(v) => their_side.insert(f.clone(), v.clone()),
                None => their_side.remove(f),
            };
        }
        match check_new_state(tx, tenant, op.entity, op.entity_id, Some(&current.state), &their_side)? {
            Ok((their_unit, _)) => {
                if let Err(r) = in_scope(device, their_unit) {
                    return Ok(Err(r));
                }
            }
            Err(r) => return Ok(Err(r)),
        }
    }
    // The merged state must still be a valid document; if not, nothing applies.
    let merged_unit = document_unit(tx, tenant, op.entity, op.entity_id, &Value::Object(m.state.clone()))?;
    let merged_valid = merged_unit.is_ok();
    let mut version = current.version;
    if let Ok((new_unit, merged_state)) = merged_unit
        && !proposal
        && !m.applied.is_empty()
    {
        if let Err(r) = in_scope(device, new_unit) {
            return Ok(Err(r));
        }
        version += 1;
        let changed: BTreeSet<String> = m.applied.iter().cloned().collect();
        save(tx, device, op, (new_unit, current.unit_id), version, &merged_state, &changed, now_ms)?;
    }
    // A proposal applies nothing until approved: it carries every field it changes.
    let conflicts =
        if merged_valid && !proposal { m.conflicts } else { m.applied.iter().chain(&m.conflicts).cloned().collect() };
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
        author: Some(author),
        created_ms: now_ms,
        resolved_ms: None,
        resolution: None,
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

/// The rules every new state of a document passes, whoever writes it — a
/// tablet's push, the other side of a conflict before it is offered, a
/// coordinator's resolution: its type and validation, the unit it belongs
/// to (through its resident for the records that hang on one), and for a
/// resident the identity rule. Returns its unit and its state as its type
/// writes it.
pub(crate) fn check_new_state(
    tx: &mut dyn Tx,
    tenant: Uuid,
    entity: Entity,
    id: Uuid,
    before: Option<&Map<String, Value>>,
    after: &Map<String, Value>,
) -> HubResult<Result<Placed, Reject>> {
    let placed = match document_unit(tx, tenant, entity, id, &Value::Object(after.clone()))? {
        Ok(p) => p,
        Err(r) => return Ok(Err(r)),
    };
    if let Err(r) = identity_rule(entity, id, before, &placed.1) {
        return Ok(Err(r));
    }
    Ok(Ok(placed))
}

/// For a resident, what the change would make of the identity, checked by
/// the tablet's rule: an INSi identity's traits and status are the hub's.
fn identity_rule(
    entity: Entity,
    id: Uuid,
    before: Option<&Map<String, Value>>,
    after: &Map<String, Value>,
) -> Result<(), Reject> {
    if entity != Entity::Resident {
        return Ok(());
    }
    let identity = |state: &Map<String, Value>| {
        state.get("identity").cloned().and_then(|v| serde_json::from_value::<chevet_domain::Identity>(v).ok())
    };
    let after = identity(after).ok_or_else(|| malformed("resident without a readable identity"))?;
    let before = before.and_then(identity);
    rules::check_identity_change(id, before.as_ref(), &after).map_err(|e| refusal(&e))
}

#[allow(clippy::too_many_arguments)]
fn save(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    op: &Operation,
    (unit, previous_unit): (Uuid, Option<Uuid>),
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
    if let Some(previous) = previous_unit
        && previous != unit
    {
        // The devices of the unit it left learn it left (and drop it).
        tx.append_change(device.tenant_id, Some(previous), &change, now_ms)?;
    }
    Ok(())
}
