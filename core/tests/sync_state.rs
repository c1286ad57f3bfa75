//! The store's side of sync: a pulled change never overwrites a local edit
//! the hub has not answered yet; answers and pulls are recorded durably.

mod common;

use chevet_core::domain::ResidentChanges;
use chevet_protocol::{Change, Entity, OpOutcome, OpResult};
use common::*;

#[test]
fn a_pulled_change_waits_for_the_local_edit_of_the_same_record() {
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let (_, v) = f.store.resident(r.id).unwrap();
    f.store.update_resident(r.id, v, &ResidentChanges { room: Some("local".into()), ..Default::default() }).unwrap();
    // The demo resident came as if pulled; this edit waits for the hub.
    let mine: Vec<_> =
        f.store.pending_operations(10_000).unwrap().into_iter().filter(|o| o.entity_id == r.id).collect();
    assert_eq!(mine.len(), 1);

    // The hub's merged state arrives before the answer to our edit.
    let mut hub_state = r.clone();
    hub_state.room = "hub".into();
    let change = Change {
        entity: Entity::Resident,
        entity_id: r.id,
        version: Some(5),
        origin_device: None,
        payload: serde_json::to_value(&hub_state).unwrap(),
    };
    let applied = f.store.apply_pulled(&[change], "c1.9").unwrap();
    assert_eq!((applied.applied, applied.deferred), (0, 1));
    assert_eq!(f.store.resident(r.id).unwrap().0.room, "local", "the local edit is not overwritten");
    assert_eq!(f.store.pull_cursor().unwrap(), "c1.9");

    // Once the hub answered our edit, the waiting change applies.
    let answer = |op: &chevet_core::store::OutboxOp| OpResult {
        op_id: op.op_id,
        duplicate: false,
        outcome: OpOutcome::Applied { version: Some(4) },
    };
    assert_eq!(f.store.apply_push_results(&[answer(&mine[0])]).unwrap(), 1);
    assert_eq!(f.store.resident(r.id).unwrap().0.room, "hub");
    assert!(f.store.pending_operations(10_000).unwrap().iter().all(|o| o.entity_id != r.id));

    // An older hub version than the one applied is ignored.
    let mut stale = r.clone();
    stale.room = "stale".into();
    let old = Change {
        entity: Entity::Resident,
        entity_id: r.id,
        version: Some(3),
        origin_device: None,
        payload: serde_json::to_value(&stale).unwrap(),
    };
    f.store.apply_pulled(&[old], "c1.10").unwrap();
    assert_eq!(f.store.resident(r.id).unwrap().0.room, "hub");
    // And the state survives a restart, with the cursor.
    let f = f.reopen();
    assert_eq!(f.store.resident(r.id).unwrap().0.room, "hub");
    assert_eq!(f.store.pull_cursor().unwrap(), "c1.10");
}

#[test]
fn pulled_records_this_build_cannot_read_are_skipped_not_fatal() {
    let (f, d) = seeded(1, 0);
    let bad = Change {
        entity: Entity::Fact,
        entity_id: uuid::Uuid::now_v7(),
        version: None,
        origin_device: None,
        payload: serde_json::json!({"kind": "teleportation", "fact": {}}),
    };
    let good_id = uuid::Uuid::now_v7();
    let good = Change {
        entity: Entity::Fact,
        entity_id: good_id,
        version: None,
        origin_device: None,
        payload: serde_json::to_value(chevet_core::domain::Fact::Observation(chevet_core::domain::Observation {
            id: good_id,
            resident_id: d.residents[0].id,
            code: chevet_core::domain::VitalCode::HeartRate,
            value: chevet_core::domain::ObservationValue::Quantity(71.0),
            method: None,
            meta: chevet_core::domain::RecordMeta::at(monday_10h()),
        }))
        .unwrap(),
    };
    let applied = f.store.apply_pulled(&[bad, good], "c1.2").unwrap();
    assert_eq!((applied.applied, applied.skipped), (1, 1));
}

/// A hostile or buggy hub cannot make the tablet keep what its own rules
/// refuse: each bad record is skipped (counted), the good ones apply, and
/// the round view still opens.
#[test]
fn pulled_records_that_break_the_rules_are_skipped_and_never_panic() {
    use chevet_core::domain::*;
    use jiff::civil::{date, time};
    let (f, d) = seeded(1, 0);
    let r = &d.residents[0];
    let fever = |id: uuid::Uuid, value: f64| {
        Fact::Observation(Observation {
            id,
            resident_id: r.id,
            code: VitalCode::Temperature,
            value: ObservationValue::Quantity(value),
            method: None,
            meta: RecordMeta::at(monday_10h()),
        })
    };
    let fact = |entity_id, fact: &Fact| Change {
        entity: Entity::Fact,
        entity_id,
        version: None,
        origin_device: None,
        payload: serde_json::to_value(fact).unwrap(),
    };
    let (implausible, renamed, fine) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let zero_days = PlannedAct {
        id: uuid::Uuid::now_v7(),
        resident_id: r.id,
        kind: ActKind::WoundDressing,
        label: "Pansement".into(),
        schedule: Schedule {
            times: vec![time(9, 0, 0, 0)],
            recurrence: Recurrence::EveryNDays(0),
            start: date(2026, 1, 5),
            end: None,
        },
        medication: None,
        active: true,
    };
    let mut nameless = r.clone();
    nameless.id = uuid::Uuid::now_v7();
    nameless.identity.traits.birth_name = String::new();
    let changes = vec![
        fact(implausible, &fever(implausible, 99.0)),
        // The envelope says one id, the record another.
        fact(renamed, &fever(uuid::Uuid::now_v7(), 37.2)),
        Change {
            entity: Entity::PlannedAct,
            entity_id: zero_days.id,
            version: Some(1),
            origin_device: None,
            payload: serde_json::to_value(&zero_days).unwrap(),
        },
        Change {
            entity: Entity::Resident,
            entity_id: nameless.id,
            version: Some(1),
            origin_device: None,
            payload: serde_json::to_value(&nameless).unwrap(),
        },
        // A document without its hub version (found by fuzzing: it used to
        // fail the whole pull, every time, stalling the tablet).
        Change {
            entity: Entity::Resident,
            entity_id: r.id,
            version: None,
            origin_device: None,
            payload: serde_json::to_value(r).unwrap(),
        },
        fact(fine, &fever(fine, 37.9)),
    ];
    let before = count(&f.path(), "facts");
    let applied = f.store.apply_pulled(&changes, "c1.3").unwrap();
    assert_eq!((applied.applied, applied.skipped), (1, 5));
    assert_eq!(count(&f.path(), "facts"), before + 1);
    assert!(f.store.resident(nameless.id).is_err());
    let from = monday_10h();
    let to = jiff::Timestamp::from_second(from.as_second() + 86_400).unwrap();
    let view = f.store.round_view(r.unit_id, from, to).unwrap();
    assert!(view.residents.iter().all(|row| row.resident_id != nameless.id));
}
