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
    // Its creation and this edit both wait for the hub.
    let mine: Vec<_> =
        f.store.pending_operations(10_000).unwrap().into_iter().filter(|o| o.entity_id == r.id).collect();
    assert_eq!(mine.len(), 2);

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
    assert_eq!(f.store.apply_push_results(&[answer(&mine[0])]).unwrap(), 0, "one edit still waits");
    assert_eq!(f.store.resident(r.id).unwrap().0.room, "local");
    assert_eq!(f.store.apply_push_results(&[answer(&mine[1])]).unwrap(), 1);
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
    let good = Change {
        entity: Entity::Fact,
        entity_id: uuid::Uuid::now_v7(),
        version: None,
        origin_device: None,
        payload: serde_json::to_value(chevet_core::domain::Fact::Observation(chevet_core::domain::Observation {
            id: uuid::Uuid::now_v7(),
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
