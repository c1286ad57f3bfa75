//! One conformance suite, run against every storage backend: SQLite (the
//! embedded default) and PostgreSQL (a real server: `scripts/test-all`
//! starts one and sets CHEVET_TEST_PG_OWNER / CHEVET_TEST_PG_APP).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chevet_domain::*;
use chevet_hub::Admin;
use chevet_hub::SqliteBackend;
use chevet_hub::backend::postgres::PostgresBackend;
use chevet_hub::backend::{Backend, DeviceAuth, Scope};
use chevet_hub::error::HubError;
use chevet_hub::sync;
use chevet_protocol::*;
use jiff::civil::date;
use serde_json::{Value, json};
use uuid::Uuid;

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A fresh PostgreSQL schema for one test, dropped afterwards.
struct PgSchema {
    owner: String,
    app: String,
    name: String,
}

/// PostgreSQL tests run one at a time: pulls are served below the oldest
/// transaction running on the whole server, so one test's deliberately slow
/// transaction would hold back another test's pulls.
static PG_SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl PgSchema {
    fn new() -> PgSchema {
        let owner = std::env::var("CHEVET_TEST_PG_OWNER")
            .expect("CHEVET_TEST_PG_OWNER is not set: run the tests with scripts/test-all (it starts PostgreSQL)");
        let app = std::env::var("CHEVET_TEST_PG_APP").expect("CHEVET_TEST_PG_APP is not set: run scripts/test-all");
        PgSchema { owner, app, name: format!("t_{}", Uuid::now_v7().simple()) }
    }

    fn open(&self) -> PostgresBackend {
        PostgresBackend::open(&self.owner, &self.app, &self.name).expect("PostgreSQL backend")
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.owner, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

fn sqlite() -> (tempfile::TempDir, SqliteBackend) {
    let dir = tempfile::tempdir().unwrap();
    let b = SqliteBackend::open(&dir.path().join("hub.db")).unwrap();
    (dir, b)
}

/// A tenant with an establishment, two units, one resident in each.
struct World {
    tenant: Uuid,
    /// A nurse of every unit: the author of the tests' records.
    nurse: Uuid,
    units: [Uuid; 2],
    residents: [Resident; 2],
}

fn world<B: Backend>(b: &B, name: &str) -> World {
    let admin = Admin::new(b);
    let tenant = admin.create_tenant(name).unwrap();
    let est = Establishment {
        id: Uuid::now_v7(),
        name: format!("EHPAD {name}"),
        finess: "690000001".into(),
        kind: EstablishmentKind::Ehpad,
        time_zone: "Europe/Paris".into(),
        alert_settings: None,
        glucose_entry_unit: Default::default(),
    };
    admin.put_establishment(tenant, &est).unwrap();
    let nurse = Staff {
        id: Uuid::now_v7(),
        display_name: "IDE".into(),
        role: Role::Nurse,
        rpps: None,
        first_pin_code: None,
        deactivated_at: None,
        units: Vec::new(),
    };
    admin.put_staff(tenant, &nurse).unwrap();
    let mut units = [Uuid::nil(); 2];
    let mut residents = Vec::new();
    for (i, u) in units.iter_mut().enumerate() {
        let unit = Unit { id: Uuid::now_v7(), establishment_id: est.id, name: format!("Étage {i}") };
        admin.put_unit(tenant, &unit).unwrap();
        *u = unit.id;
        let csv = format!(
            "birth_name;given_names;sex;birth_date;birth_place_insee;room\nDurand;Lucie;F;1940-02-03;75056;{i}01\n"
        );
        let id = admin.import_residents_csv(tenant, unit.id, &csv, date(2026, 1, 1)).unwrap()[0];
        let doc = b.transaction(Scope::Admin, |tx| tx.document(tenant, id)).unwrap().unwrap();
        residents.push(serde_json::from_value(serde_json::Value::Object(doc.state)).unwrap());
    }
    World { tenant, nurse: nurse.id, units, residents: residents.try_into().unwrap() }
}

fn enrol<B: Backend>(b: &B, w: &World, units: &[Uuid]) -> DeviceAuth {
    let code = Admin::new(b).enrolment_code(w.tenant, units, 1).unwrap();
    let req = EnrolRequest { code, device_id: Uuid::now_v7(), label: "tablette".into() };
    let resp = b.transaction(Scope::Hub, |tx| sync::enrol(tx, &req, now())).unwrap();
    let hash = sync::secret_hash(&resp.credential);
    b.transaction(Scope::Hub, |tx| tx.device_by_credential(&hash)).unwrap().expect("credential works")
}

/// A pulse taken now by `author` on device `d`.
fn fact_op(d: &DeviceAuth, author: Uuid, resident: Uuid, seq: i64) -> Operation {
    let fact = Fact::Observation(Observation {
        id: Uuid::now_v7(),
        resident_id: resident,
        code: VitalCode::HeartRate,
        value: ObservationValue::Quantity(72.0),
        method: None,
        meta: RecordMeta {
            author,
            device: d.device_id,
            clinical_time: jiff::Timestamp::now(),
            recorded_at: jiff::Timestamp::now(),
        },
    });
    Operation {
        op_id: Uuid::now_v7(),
        device_seq: seq,
        entity: Entity::Fact,
        entity_id: fact.id(),
        base_version: None,
        hlc: 0,
        clinical_time_ms: now(),
        payload: serde_json::to_value(&fact).unwrap(),
    }
}

fn push<B: Backend>(b: &B, d: &DeviceAuth, ops: Vec<Operation>) -> PushResponse {
    b.transaction(Scope::Device(d), |tx| sync::push(tx, d, PushRequest { ops, device_time_ms: now() }, now())).unwrap()
}

fn pull_all<B: Backend>(b: &B, d: &DeviceAuth, limit: u32) -> Vec<Change> {
    pull_all_saying(b, d, limit, None)
}

/// Pulls everything, the device saying its operations went up to `outbox_head`.
fn pull_all_saying<B: Backend>(b: &B, d: &DeviceAuth, limit: u32, outbox_head: Option<i64>) -> Vec<Change> {
    let mut cursor = String::new();
    let mut out = Vec::new();
    loop {
        let page = b.transaction(Scope::Device(d), |tx| sync::pull(tx, d, &cursor, limit, outbox_head)).unwrap();
        out.extend(page.changes);
        cursor = page.cursor;
        if !page.more {
            return out;
        }
    }
}

/// An act's answer and a correction, as payloads the hub stores.
fn answer_payloads(resident: Uuid, planned: Uuid, at: jiff::Timestamp) -> (Uuid, Value, Uuid, Value) {
    let answer = Fact::Act(ActRecord::new(resident, Some(planned), Some(at), ActOutcome::Done, None, at));
    let correction = Fact::Correction(Correction::new(resident, answer.id(), "doublon".into(), at));
    (answer.id(), serde_json::to_value(&answer).unwrap(), correction.id(), serde_json::to_value(&correction).unwrap())
}

/// The answers' index: an occurrence a fact answers is found by its
/// planned act and time, within the tenant, until a correction voids it.
fn answers_index<B: Backend>(b: &B) {
    // Tenants of their own: facts put in without the pull log's changes.
    let (w, other) = (world(b, "Index"), world(b, "Index voisin"));
    let planned = Uuid::now_v7();
    let at = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let (answer_id, answer, correction_id, correction) = answer_payloads(w.residents[0].id, planned, at);
    let ms = at.as_millisecond();
    let found =
        |tenant| b.transaction(Scope::Admin, |tx| tx.answered_occurrences(tenant, planned, ms - 1, ms + 1)).unwrap();
    b.transaction(Scope::Admin, |tx| tx.insert_fact(w.tenant, answer_id, w.units[0], &answer, now())).unwrap();
    assert_eq!(found(w.tenant), [ms]);
    assert!(found(other.tenant).is_empty(), "another tenant's answer is not this one's");
    let later =
        b.transaction(Scope::Admin, |tx| tx.answered_occurrences(w.tenant, planned, ms + 1, ms + 60_000)).unwrap();
    assert!(later.is_empty(), "the window is [from, to)");
    b.transaction(Scope::Admin, |tx| tx.insert_fact(w.tenant, correction_id, w.units[0], &correction, now())).unwrap();
    assert!(found(w.tenant).is_empty(), "a voided answer answers nothing");
}

fn suite<B: Backend>(b: &B) {
    let w = world(b, "Les Tilleuls");
    let other = world(b, "Les Glycines");
    answers_index(b);
    let d1 = enrol(b, &w, &[w.units[0]]);
    let d2 = enrol(b, &w, &[w.units[0]]);

    // Enrolment codes work once.
    let code = Admin::new(b).enrolment_code(w.tenant, &[w.units[0]], 1).unwrap();
    let req = EnrolRequest { code: code.clone(), device_id: Uuid::now_v7(), label: "x".into() };
    b.transaction(Scope::Hub, |tx| sync::enrol(tx, &req, now())).unwrap();
    let again = EnrolRequest { code, device_id: Uuid::now_v7(), label: "y".into() };
    assert!(matches!(b.transaction(Scope::Hub, |tx| sync::enrol(tx, &again, now())), Err(HubError::Forbidden(_))));
    assert!(b.transaction(Scope::Hub, |tx| tx.device_by_credential(&[0; 32])).unwrap().is_none());

    // A fact applies once; its replay answers the same, marked duplicate.
    let op = fact_op(&d1, w.nurse, w.residents[0].id, 1);
    let first = push(b, &d1, vec![op.clone()]);
    assert_eq!(first.results[0].outcome, OpOutcome::Applied { version: None });
    let replay = push(b, &d1, vec![op.clone()]);
    assert!(replay.results[0].duplicate);
    assert_eq!(replay.results[0].outcome, first.results[0].outcome);

    // Out of scope, malformed and read-only operations are rejected one by one.
    let mut bad = fact_op(&d1, w.nurse, w.residents[1].id, 2);
    let resp = push(b, &d1, vec![bad.clone(), fact_op(&d1, w.nurse, w.residents[0].id, 3)]);
    assert!(matches!(resp.results[0].outcome, OpOutcome::Rejected { code: RejectCode::OutOfScope, .. }));
    assert!(matches!(resp.results[1].outcome, OpOutcome::Applied { .. }));
    bad.op_id = Uuid::now_v7();
    bad.device_seq = 4;
    bad.payload = json!({"kind": "observation", "fact": {"nope": 1}});
    assert!(matches!(
        push(b, &d1, vec![bad.clone()]).results[0].outcome,
        OpOutcome::Rejected { code: RejectCode::Malformed, .. }
    ));
    bad.op_id = Uuid::now_v7();
    bad.device_seq = 5;
    bad.entity = Entity::Staff;
    assert!(matches!(
        push(b, &d1, vec![bad]).results[0].outcome,
        OpOutcome::Rejected { code: RejectCode::ReadOnly, .. }
    ));

    // Documents: a same-field edit from two devices is a conflict; other fields merge.
    let r = &w.residents[0];
    let edit = |d: &DeviceAuth, f: &dyn Fn(&mut Resident)| {
        let mut next = r.clone();
        f(&mut next);
        let op = Operation {
            op_id: Uuid::now_v7(),
            device_seq: 10,
            entity: Entity::Resident,
            entity_id: r.id,
            base_version: Some(1),
            hlc: 0,
            clinical_time_ms: now(),
            payload: json!({"op": "replace", "value": next, "author": w.nurse}),
        };
        push(b, d, vec![op]).results.remove(0).outcome
    };
    assert_eq!(edit(&d1, &|x| x.room = "A".into()), OpOutcome::Applied { version: Some(2) });
    match edit(&d2, &|x| {
        x.room = "B".into();
        x.gir = Some(1);
    }) {
        OpOutcome::Conflict { version: 3, conflicts, proposal: false } => assert_eq!(conflicts, ["room"]),
        other => panic!("expected a merged conflict, got {other:?}"),
    }
    let doc = b.transaction(Scope::Device(&d1), |tx| tx.document(w.tenant, r.id)).unwrap().unwrap();
    assert_eq!((doc.state["room"].clone(), doc.state["gir"].clone()), (json!("A"), json!(1)));
    let conflicts = Admin::new(b).conflicts(w.tenant).unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].device_values, json!({"room": "B"}));

    // Pull: paged, in order, scoped to the device's units and tenant.
    for i in 0..7 {
        push(b, &d2, vec![fact_op(&d2, w.nurse, w.residents[0].id, 20 + i)]);
    }
    let all = pull_all(b, &d1, 1000);
    let paged = pull_all(b, &d1, 3);
    assert_eq!(all, paged, "paging changes nothing");
    assert!(all.iter().all(|c| c.entity_id != w.residents[1].id), "unit 2's resident is out of scope");
    assert!(all.iter().any(|c| c.entity == Entity::Staff || c.entity == Entity::Unit), "reference data is pulled");
    assert_eq!(all.iter().filter(|c| c.entity == Entity::Fact).count(), 9);
    let outsider = enrol(b, &other, &[other.units[0]]);
    let theirs = pull_all(b, &outsider, 1000);
    assert!(theirs.iter().all(|c| c.entity_id != r.id && c.entity != Entity::Fact));
    let bad_cursor = b.transaction(Scope::Device(&d1), |tx| sync::pull(tx, &d1, "zz", 10, None));
    assert!(matches!(bad_cursor, Err(HubError::BadRequest(_))));

    // Compaction: an old cursor must re-snapshot, and the snapshot equals
    // the state the full log led to.
    let latest = |changes: Vec<Change>| -> std::collections::BTreeMap<Uuid, Change> {
        changes.into_iter().map(|c| (c.entity_id, Change { origin_device: None, ..c })).collect()
    };
    let old_cursor = b.transaction(Scope::Device(&d1), |tx| sync::pull(tx, &d1, "", 2, None)).unwrap().cursor;
    let before = latest(pull_all(b, &d1, 1000));
    std::thread::sleep(Duration::from_millis(5));
    assert!(Admin::new(b).compact_log(0).unwrap() > 0);
    let stale = b.transaction(Scope::Device(&d1), |tx| sync::pull(tx, &d1, &old_cursor, 10, None));
    assert!(matches!(stale, Err(HubError::Resnapshot)), "{stale:?}");
    assert_eq!(latest(pull_all(b, &d1, 3)), before, "the snapshot is the state");
    // Changes after the compaction still arrive, after the snapshot.
    push(b, &d1, vec![fact_op(&d1, w.nurse, w.residents[0].id, 99)]);
    assert_eq!(pull_all(b, &d1, 1000).len(), before.len() + 1);

    // A first-PIN code reaches the devices inside the staff record, as a
    // verifier with an expiry; never as the code.
    let admin = Admin::new(b);
    let nurse = Staff {
        id: Uuid::now_v7(),
        display_name: "IDE".into(),
        role: Role::Nurse,
        rpps: None,
        first_pin_code: None,
        deactivated_at: None,
        units: Vec::new(),
    };
    admin.put_staff(w.tenant, &nurse).unwrap();
    let pin_code = admin.first_pin_code(w.tenant, nurse.id, 72).unwrap();
    let doc = b.transaction(Scope::Admin, |tx| tx.document(w.tenant, nurse.id)).unwrap().unwrap();
    assert_eq!(doc.version, 2);
    let text = serde_json::to_string(&doc.state).unwrap();
    assert!(!text.contains(&pin_code) && !text.contains(&pin_code.replace('-', "")));
    let staff: Staff = serde_json::from_value(serde_json::Value::Object(doc.state)).unwrap();
    assert!(staff.first_pin_code.unwrap().expires_at_ms > now() + 71 * 3_600_000);
    assert!(pull_all(b, &d1, 1000).iter().any(|c| c.entity_id == nurse.id && c.version == Some(2)));
    assert!(matches!(admin.first_pin_code(other.tenant, nurse.id, 1), Err(HubError::NotFound(_))));
    assert!(matches!(admin.first_pin_code(w.tenant, w.units[0], 1), Err(HubError::NotFound(_))));

    // Ids are keyed within the tenant (and operations within the device):
    // another group's tablet choosing the same ids gets its own rows and its
    // own answers, and changes nothing here.
    let theirs_dev = enrol(b, &other, &[other.units[0]]);
    let mine = fact_op(&d1, w.nurse, w.residents[0].id, 200);
    assert!(matches!(push(b, &d1, vec![mine.clone()]).results[0].outcome, OpOutcome::Applied { .. }));
    let mut copycat = fact_op(&theirs_dev, other.nurse, other.residents[0].id, 1);
    let fact_id = mine.entity_id;
    copycat.op_id = mine.op_id;
    copycat.entity_id = fact_id;
    copycat.payload["fact"]["id"] = json!(fact_id);
    let answer = push(b, &theirs_dev, vec![copycat.clone()]).results.remove(0);
    assert_eq!((answer.duplicate, answer.outcome), (false, OpOutcome::Applied { version: None }));
    let stored = |b: &B, tenant: Uuid| b.transaction(Scope::Admin, |tx| tx.fact(tenant, fact_id)).unwrap().unwrap();
    assert_eq!(stored(b, w.tenant), mine.payload);
    assert_eq!(stored(b, other.tenant), copycat.payload);
    let mut twin = w.residents[0].clone();
    twin.unit_id = other.units[0];
    twin.room = "999".into();
    let create = Operation {
        op_id: Uuid::now_v7(),
        device_seq: 2,
        entity: Entity::Resident,
        entity_id: twin.id,
        base_version: Some(0),
        hlc: 0,
        clinical_time_ms: now(),
        payload: json!({"op": "create", "value": twin, "author": other.nurse}),
    };
    assert_eq!(push(b, &theirs_dev, vec![create]).results[0].outcome, OpOutcome::Applied { version: Some(1) });
    let ours = b.transaction(Scope::Admin, |tx| tx.document(w.tenant, twin.id)).unwrap().unwrap();
    assert_eq!((ours.unit_id, ours.state["room"].clone()), (Some(w.units[0]), json!("A")));
    // Within a tenant, a taken fact id with other content is refused; the
    // same fact sent again under a new op is the same fact.
    let mut taken = fact_op(&d2, w.nurse, w.residents[0].id, 300);
    taken.entity_id = fact_id;
    taken.payload["fact"]["id"] = json!(fact_id);
    match push(b, &d2, vec![taken]).results.remove(0).outcome {
        OpOutcome::Rejected { code: RejectCode::Invalid, reason } => {
            assert!(reason.contains("already taken"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(stored(b, w.tenant), mine.payload);
    let again = Operation { op_id: Uuid::now_v7(), device_seq: 301, ..mine.clone() };
    assert_eq!(push(b, &d1, vec![again]).results[0].outcome, OpOutcome::Applied { version: None });

    // A deactivated professional: what they recorded before still applies
    // (a tablet that was offline), what they sign after is refused, and
    // reactivated they sign again. A document edit follows the same rule.
    let d3 = enrol(b, &w, &[w.units[0]]);
    let before = fact_op(&d3, w.nurse, w.residents[0].id, 1);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let admin = Admin::new(b);
    assert!(admin.set_staff_active(w.tenant, w.nurse, false).unwrap());
    assert!(!admin.set_staff_active(w.tenant, w.nurse, false).unwrap(), "already deactivated");
    let after = fact_op(&d3, w.nurse, w.residents[0].id, 2);
    let mut moved = w.residents[0].clone();
    moved.room = "999".into();
    let edit = Operation {
        op_id: Uuid::now_v7(),
        device_seq: 3,
        entity: Entity::Resident,
        entity_id: moved.id,
        base_version: Some(b.transaction(Scope::Admin, |tx| tx.document(w.tenant, moved.id)).unwrap().unwrap().version),
        hlc: 0,
        clinical_time_ms: now(),
        payload: json!({"op": "replace", "value": moved, "author": w.nurse}),
    };
    let resp = push(b, &d3, vec![before, after, edit]);
    assert_eq!(resp.results[0].outcome, OpOutcome::Applied { version: None });
    for r in &resp.results[1..] {
        match &r.outcome {
            OpOutcome::Rejected { code: RejectCode::Forbidden, reason } => {
                assert!(reason.contains("deactivated"), "{reason}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert!(admin.set_staff_active(w.tenant, w.nurse, true).unwrap());
    let back = fact_op(&d3, w.nurse, w.residents[0].id, 4);
    assert_eq!(push(b, &d3, vec![back]).results[0].outcome, OpOutcome::Applied { version: None });
    deactivation_binds_by_sequence(b, &w);

    // Revocation.
    assert!(Admin::new(b).revoke_device(d2.device_id).unwrap());
    let devices = Admin::new(b).devices(w.tenant).unwrap();
    assert!(devices.iter().any(|d| d.device_id == d2.device_id && d.revoked));
}

/// Back-dating gets no further than the device's own sequence (issue 29,
/// item 8): once a device was served a professional deactivated, the
/// records it numbers after that in their name are refused, whatever date
/// they claim; those it made before (offline) still apply; a number taken
/// again and an outbox head said too high gain nothing; served active
/// again, they sign again.
fn deactivation_binds_by_sequence<B: Backend>(b: &B, w: &World) {
    let back_dated = |d: &DeviceAuth, seq: i64, days: i64| {
        let mut op = fact_op(d, w.nurse, w.residents[0].id, seq);
        let at = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days);
        op.payload["fact"]["meta"]["clinical_time"] = json!(at);
        op.payload["fact"]["meta"]["recorded_at"] = json!(at);
        op.clinical_time_ms = at.as_millisecond();
        op
    };
    let refused = |outcome: &OpOutcome, code: RejectCode, says: &str| match outcome {
        OpOutcome::Rejected { code: c, reason } if *c == code && reason.contains(says) => {}
        other => panic!("expected {code:?} saying {says:?}, got {other:?}"),
    };
    let admin = Admin::new(b);
    let tablet = enrol(b, w, &[w.units[0]]);
    let liar = enrol(b, w, &[w.units[0]]);
    let silent = enrol(b, w, &[w.units[0]]);
    for d in [&tablet, &liar, &silent] {
        assert!(matches!(
            push(b, d, vec![fact_op(d, w.nurse, w.residents[0].id, 1)]).results[0].outcome,
            OpOutcome::Applied { .. }
        ));
    }
    assert!(admin.set_staff_active(w.tenant, w.nurse, false).unwrap());
    // The tablet had made its operation 2 offline when it learnt of it.
    pull_all_saying(b, &tablet, 1000, Some(2));
    pull_all_saying(b, &liar, 1000, Some(1_000_000));
    pull_all_saying(b, &silent, 1000, None);
    let resp = push(b, &tablet, vec![back_dated(&tablet, 2, 1), back_dated(&tablet, 3, 300)]);
    assert_eq!(resp.results[0].outcome, OpOutcome::Applied { version: None }, "made before it knew");
    refused(&resp.results[1].outcome, RejectCode::Forbidden, "deactivated before this device made");
    let reused = back_dated(&tablet, 2, 300);
    refused(&push(b, &tablet, vec![reused]).results[0].outcome, RejectCode::Malformed, "is not after");
    // Said too high, the head is believed up to the slack only.
    let beyond = 1 + sync::OUTBOX_HEAD_SLACK + 1;
    refused(
        &push(b, &liar, vec![back_dated(&liar, beyond, 300)]).results[0].outcome,
        RejectCode::Forbidden,
        "deactivated",
    );
    refused(
        &push(b, &silent, vec![back_dated(&silent, 2, 300)]).results[0].outcome,
        RejectCode::Forbidden,
        "deactivated",
    );
    // Served again, the first bound stays.
    pull_all_saying(b, &tablet, 1000, Some(50));
    refused(
        &push(b, &tablet, vec![back_dated(&tablet, 40, 300)]).results[0].outcome,
        RejectCode::Forbidden,
        "deactivated",
    );
    // Back in service and served so, she signs again.
    assert!(admin.set_staff_active(w.tenant, w.nurse, true).unwrap());
    pull_all_saying(b, &tablet, 1000, Some(40));
    let today = fact_op(&tablet, w.nurse, w.residents[0].id, 41);
    assert_eq!(push(b, &tablet, vec![today]).results[0].outcome, OpOutcome::Applied { version: None });
}

/// Pushes from several devices at once, one transaction deliberately slow,
/// while a device pulls continuously: the pulled set equals the committed set.
fn pull_never_skips<B: Backend>(b: Arc<B>) {
    let w = world(&*b, "Les Tilleuls");
    let writers: Vec<DeviceAuth> = (0..4).map(|_| enrol(&*b, &w, &[w.units[0]])).collect();
    let reader = enrol(&*b, &w, &[w.units[0]]);
    let done = Arc::new(AtomicBool::new(false));
    let (resident, nurse) = (w.residents[0].id, w.nurse);

    let slow = {
        let (b, d) = (b.clone(), writers[0].clone());
        std::thread::spawn(move || {
            b.transaction(Scope::Device(&d), |tx| {
                sync::push(
                    tx,
                    &d,
                    PushRequest { ops: vec![fact_op(&d, nurse, resident, 1)], device_time_ms: now() },
                    now(),
                )?;
                std::thread::sleep(Duration::from_millis(1500));
                Ok(())
            })
            .unwrap();
        })
    };
    let fast: Vec<_> = writers[1..]
        .iter()
        .cloned()
        .map(|d| {
            let b = b.clone();
            std::thread::spawn(move || {
                for i in 0..40 {
                    push(&*b, &d, vec![fact_op(&d, nurse, resident, i + 1)]);
                }
            })
        })
        .collect();
    let puller = {
        let (b, d, done) = (b.clone(), reader.clone(), done.clone());
        std::thread::spawn(move || {
            let mut cursor = String::new();
            let mut seen = BTreeSet::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = b.transaction(Scope::Device(&d), |tx| sync::pull(tx, &d, &cursor, 7, None)).unwrap();
                for c in page.changes.iter().filter(|c| c.entity == Entity::Fact) {
                    assert!(seen.insert(c.entity_id), "a change was served twice");
                }
                cursor = page.cursor;
                if finished && !page.more {
                    return seen;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    slow.join().unwrap();
    for t in fast {
        t.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = puller.join().unwrap();
    let committed: BTreeSet<Uuid> =
        pull_all(&*b, &reader, 1000).into_iter().filter(|c| c.entity == Entity::Fact).map(|c| c.entity_id).collect();
    assert_eq!(committed.len(), 1 + 3 * 40);
    assert_eq!(seen, committed, "the continuous puller missed committed changes");
}

#[test]
fn sqlite_conforms() {
    let (_dir, b) = sqlite();
    suite(&b);
}

#[test]
fn postgres_conforms() {
    let _serial = PG_SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let schema = PgSchema::new();
    suite(&schema.open());
}

#[test]
fn sqlite_pull_never_skips_a_committed_change() {
    let (_dir, b) = sqlite();
    pull_never_skips(Arc::new(b));
}

#[test]
fn postgres_pull_never_skips_a_change_committed_late() {
    let _serial = PG_SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let schema = PgSchema::new();
    pull_never_skips(Arc::new(schema.open()));
}

/// The application role cannot step outside the tenant and units set for
/// its transaction, even with hand-written SQL.
#[test]
fn postgres_row_level_security_confines_the_application_role() {
    let _serial = PG_SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let schema = PgSchema::new();
    let b = schema.open();
    let a = world(&b, "Les Tilleuls");
    let other = world(&b, "Les Glycines");
    let d = enrol(&b, &a, &[a.units[0]]);
    push(&b, &d, vec![fact_op(&d, a.nurse, a.residents[0].id, 1)]);
    let dz = enrol(&b, &other, &[other.units[0]]);
    push(&b, &dz, vec![fact_op(&dz, other.nurse, other.residents[0].id, 1)]);

    let mut app = postgres::Client::connect(&schema.app, postgres::NoTls).unwrap();
    app.batch_execute(&format!("SET search_path TO {}", schema.name)).unwrap();
    let count = |c: &mut postgres::Client, sql: &str| -> i64 { c.query_one(sql, &[]).unwrap().get(0) };
    // No tenant set: nothing visible.
    assert_eq!(count(&mut app, "SELECT count(*) FROM documents"), 0);
    assert_eq!(count(&mut app, "SELECT count(*) FROM facts"), 0);
    assert_eq!(count(&mut app, "SELECT count(*) FROM devices"), 0);
    assert!(app.query("SELECT count(*) FROM enrolment_codes", &[]).is_err(), "no access to enrolment codes");
    // Device of tenant A, unit 1: only that.
    let mut tx = app.transaction().unwrap();
    tx.execute("SELECT set_config('chevet.tenant', $1, true)", &[&a.tenant.to_string()]).unwrap();
    tx.execute("SELECT set_config('chevet.units', $1, true)", &[&format!("{{{}}}", a.units[0])]).unwrap();
    let facts: i64 = tx.query_one("SELECT count(*) FROM facts", &[]).unwrap().get(0);
    assert_eq!(facts, 1);
    let foreign: i64 =
        tx.query_one("SELECT count(*) FROM documents WHERE tenant_id = $1", &[&other.tenant]).unwrap().get(0);
    assert_eq!(foreign, 0);
    let other_unit: i64 =
        tx.query_one("SELECT count(*) FROM documents WHERE unit_id = $1", &[&a.units[1]]).unwrap().get(0);
    assert_eq!(other_unit, 0);
    // Writing into another tenant is refused by the policy.
    let write = tx.execute(
        "INSERT INTO facts (id, tenant_id, unit_id, payload, received_ms) VALUES ($1, $2, $3, '{}', 0)",
        &[&Uuid::now_v7(), &other.tenant, &other.units[0]],
    );
    let err = write.expect_err("RLS must refuse a write into another tenant");
    assert!(err.to_string().contains("row-level security") || err.as_db_error().is_some());
    drop(tx);
    // And the role really is unprivileged.
    let row = app.query_one("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user", &[]).unwrap();
    assert!(!row.get::<_, bool>(0) && !row.get::<_, bool>(1));
}

/// After an upgrade from schema v1 (ids unique hub-wide): rows written
/// before still answer (documents, facts, op replays), and another tenant
/// may use the same ids.
fn after_the_upgrade_ids_are_tenant_scoped<B: Backend>(b: &B) {
    let w = world(b, "Les Tilleuls");
    let d = enrol(b, &w, &[w.units[0]]);
    let op = fact_op(&d, w.nurse, w.residents[0].id, 1);
    assert!(matches!(push(b, &d, vec![op.clone()]).results[0].outcome, OpOutcome::Applied { .. }));
    let doc = b.transaction(Scope::Admin, |tx| tx.document(w.tenant, w.residents[0].id)).unwrap().unwrap();
    let fact = b.transaction(Scope::Admin, |tx| tx.fact(w.tenant, op.entity_id)).unwrap().unwrap();
    assert_eq!(fact, op.payload);
    assert_eq!(doc.version, 1);
    let replay = push(b, &d, vec![op.clone()]).results.remove(0);
    assert!(replay.duplicate, "the op's answer survived the upgrade");
    let other = world(b, "Les Glycines");
    let od = enrol(b, &other, &[other.units[0]]);
    let mut same_id = fact_op(&od, other.nurse, other.residents[0].id, 1);
    same_id.entity_id = op.entity_id;
    same_id.payload["fact"]["id"] = json!(op.entity_id);
    assert!(matches!(push(b, &od, vec![same_id]).results[0].outcome, OpOutcome::Applied { .. }));
}

#[test]
fn sqlite_hub_schema_v1_upgrades_to_tenant_scoped_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(include_str!("fixtures/sqlite_schema_v1.sql")).unwrap();
        c.pragma_update(None, "user_version", 1).unwrap();
    }
    // Rows a v1 hub wrote: put through v1's tables before the upgrade.
    let (tenant, doc_id) = (Uuid::now_v7(), Uuid::now_v7());
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute("INSERT INTO tenants VALUES (?1, 'v1', 0)", [tenant]).unwrap();
        c.execute(
            "INSERT INTO documents (id, tenant_id, entity, unit_id, version, state) VALUES (?1, ?2, 'unit', NULL, 1, '{}')",
            [doc_id, tenant],
        )
        .unwrap();
        c.execute(
            "INSERT INTO document_versions (id, version, origin, changed, state) VALUES (?1, 1, NULL, '[]', '{}')",
            [doc_id],
        )
        .unwrap();
    }
    let b = SqliteBackend::open(&path).unwrap();
    let kept = b.transaction(Scope::Admin, |tx| tx.document_state_at(tenant, doc_id, 1)).unwrap();
    assert_eq!(kept, Some(serde_json::Map::new()));
    let version: i64 =
        rusqlite::Connection::open(&path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 7);
    after_the_upgrade_ids_are_tenant_scoped(&b);
}

#[test]
fn postgres_hub_schema_v1_upgrades_to_tenant_scoped_keys() {
    let _serial = PG_SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let schema = PgSchema::new();
    let b = schema.open();
    let w = world(&b, "Avant");
    drop(b);
    // Back to v1's keys, as a v1 hub left them.
    let mut owner = postgres::Client::connect(&schema.owner, postgres::NoTls).unwrap();
    let s = &schema.name;
    owner
        .batch_execute(&format!(
            "ALTER TABLE {s}.documents DROP CONSTRAINT documents_pkey, ADD PRIMARY KEY (id);
             ALTER TABLE {s}.document_versions DROP CONSTRAINT document_versions_pkey, ADD PRIMARY KEY (id, version);
             ALTER TABLE {s}.facts DROP CONSTRAINT facts_pkey, ADD PRIMARY KEY (id);
             ALTER TABLE {s}.ops DROP CONSTRAINT ops_pkey, ADD PRIMARY KEY (op_id);
             ALTER TABLE {s}.quarantine DROP CONSTRAINT quarantine_pkey, ADD PRIMARY KEY (op_id);
             ALTER TABLE {s}.conflicts DROP CONSTRAINT conflicts_pkey, ADD PRIMARY KEY (op_id);
             DROP TABLE {s}.blob_refs;
             DROP TABLE {s}.console_accounts, {s}.console_sessions;
             ALTER TABLE {s}.conflicts DROP COLUMN author, DROP COLUMN resolution;
             ALTER TABLE {s}.devices DROP COLUMN report;
             DROP FUNCTION {s}.credential_revoked(bytea);
             DROP TABLE {s}.audit_entries, {s}.audit_breaks;
             ALTER TABLE {s}.devices DROP COLUMN audit_seq, DROP COLUMN audit_link;
             DROP TABLE {s}.console_sign_in_failures, {s}.blob_keys, {s}.stored_blobs;
             DROP TABLE {s}.deactivations_served;
             DROP INDEX {s}.facts_answers, {s}.facts_corrections;
             ALTER TABLE {s}.facts DROP COLUMN planned_act_id, DROP COLUMN occurrence_ms, DROP COLUMN corrects;
             UPDATE {s}.meta SET value = 1 WHERE key = 'schema_version';"
        ))
        .unwrap();
    let b = schema.open();
    let v: i64 =
        owner.query_one(&format!("SELECT value FROM {s}.meta WHERE key = 'schema_version'"), &[]).unwrap().get(0);
    assert_eq!(v, 7);
    assert!(b.transaction(Scope::Admin, |tx| tx.document(w.tenant, w.residents[0].id)).unwrap().is_some());
    after_the_upgrade_ids_are_tenant_scoped(&b);
}

/// Facts a v6 hub stored (no answers' index) are indexed by the upgrade
/// to v7, from their payloads: the answer found, the correction voiding it.
fn after_v7_old_answers_are_indexed<B: Backend>(b: &B, tenant: Uuid, planned: Uuid, at: jiff::Timestamp) {
    let ms = at.as_millisecond();
    let found = b.transaction(Scope::Admin, |tx| tx.answered_occurrences(tenant, planned, ms, ms + 1)).unwrap();
    assert!(found.is_empty(), "the old correction voids the old answer");
}

#[test]
fn sqlite_hub_schema_v6_facts_are_indexed_by_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    let b = SqliteBackend::open(&path).unwrap();
    let w = world(&b, "Avant");
    drop(b);
    let planned = Uuid::now_v7();
    let at = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let (answer_id, answer, correction_id, correction) = answer_payloads(w.residents[0].id, planned, at);
    let (other_id, other, _, _) = answer_payloads(w.residents[0].id, planned, at + jiff::SignedDuration::from_hours(4));
    {
        // Back to v6, then rows a v6 hub wrote.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "DROP INDEX facts_answers; DROP INDEX facts_corrections;
             ALTER TABLE facts DROP COLUMN planned_act_id; ALTER TABLE facts DROP COLUMN occurrence_ms;
             ALTER TABLE facts DROP COLUMN corrects; PRAGMA user_version = 6;",
        )
        .unwrap();
        for (id, payload) in [(answer_id, &answer), (correction_id, &correction), (other_id, &other)] {
            c.execute(
                "INSERT INTO facts (tenant_id, id, unit_id, payload, received_ms) VALUES (?1, ?2, ?3, ?4, 0)",
                rusqlite::params![w.tenant, id, w.units[0], payload.to_string()],
            )
            .unwrap();
        }
    }
    let b = SqliteBackend::open(&path).unwrap();
    after_v7_old_answers_are_indexed(&b, w.tenant, planned, at);
    let later = at.as_millisecond() + 4 * 3_600_000;
    let found = b.transaction(Scope::Admin, |tx| tx.answered_occurrences(w.tenant, planned, later, later + 1)).unwrap();
    assert_eq!(found, [later], "the old answer is found at its occurrence, to the millisecond");
}

#[test]
fn postgres_hub_schema_v6_facts_are_indexed_by_the_upgrade() {
    let _serial = PG_SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let schema = PgSchema::new();
    let b = schema.open();
    let w = world(&b, "Avant");
    drop(b);
    let planned = Uuid::now_v7();
    let at = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let (answer_id, answer, correction_id, correction) = answer_payloads(w.residents[0].id, planned, at);
    let (other_id, other, _, _) = answer_payloads(w.residents[0].id, planned, at + jiff::SignedDuration::from_hours(4));
    let mut owner = postgres::Client::connect(&schema.owner, postgres::NoTls).unwrap();
    let s = &schema.name;
    owner
        .batch_execute(&format!(
            "DROP INDEX {s}.facts_answers, {s}.facts_corrections;
             ALTER TABLE {s}.facts DROP COLUMN planned_act_id, DROP COLUMN occurrence_ms, DROP COLUMN corrects;
             UPDATE {s}.meta SET value = 6 WHERE key = 'schema_version';"
        ))
        .unwrap();
    for (id, payload) in [(answer_id, &answer), (correction_id, &correction), (other_id, &other)] {
        owner
            .execute(
                &format!(
                    "INSERT INTO {s}.facts (tenant_id, id, unit_id, payload, received_ms) VALUES ($1, $2, $3, $4, 0)"
                ),
                &[&w.tenant, &id, &w.units[0], payload],
            )
            .unwrap();
    }
    let b = schema.open();
    after_v7_old_answers_are_indexed(&b, w.tenant, planned, at);
    let later = at.as_millisecond() + 4 * 3_600_000;
    let found = b.transaction(Scope::Admin, |tx| tx.answered_occurrences(w.tenant, planned, later, later + 1)).unwrap();
    assert_eq!(found, [later], "the old answer is found at its occurrence, to the millisecond");
}
