//! Damage at rest gets its own clear error, and what can still be read is.

mod common;

use std::sync::Arc;

use chevet_core::crypto::{KekVault, KeyVault, VaultError};
use chevet_core::domain::{Fact, Observation, ObservationValue, RecordMeta, VitalCode};
use chevet_core::store::ManualClock;
use chevet_core::views::TimelineEntry;
use chevet_core::{CoreError, Store};
use common::*;
use uuid::Uuid;
use zeroize::Zeroizing;

/// A platform vault that hands back some other 32-byte key.
struct ForgetfulVault;

impl KeyVault for ForgetfulVault {
    fn wrap(&self, _key: &[u8]) -> Result<Vec<u8>, VaultError> {
        Err(VaultError::new("not used"))
    }
    fn unwrap(&self, _wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        Ok(Zeroizing::new(vec![7u8; 32]))
    }
}

fn open(path: &std::path::Path, vault: &dyn KeyVault) -> Result<Store, CoreError> {
    let clock = Arc::new(ManualClock::new(monday_10h()));
    Store::open(path, vault, options(&clock))
}

fn temperature(resident_id: Uuid, v: f64) -> Fact {
    Fact::Observation(Observation {
        id: Uuid::now_v7(),
        resident_id,
        code: VitalCode::Temperature,
        value: ObservationValue::Quantity(v),
        method: None,
        meta: RecordMeta::at(monday_10h()),
    })
}

#[test]
fn wrong_key_and_failing_vault_are_told_apart_and_change_nothing() {
    let (f, _) = seeded(1, 1);
    let (_dir, path) = f.close();
    let digest = |p: &std::path::Path| blake3::hash(&std::fs::read(p).unwrap());
    let before = digest(&path);
    assert!(matches!(open(&path, &ForgetfulVault), Err(CoreError::WrongKey)));
    assert!(matches!(open(&path, &KekVault::new([9; 32])), Err(CoreError::Vault(_))));
    assert_eq!(digest(&path), before, "a refused key changed the file");
    open(&path, &vault()).unwrap();
}

#[test]
fn corrupt_and_misplaced_ciphertexts_have_their_own_errors_and_the_rest_stays_readable() {
    let (f, d) = seeded(2, 0);
    let r = &d.residents[0];
    let a = f.store.record(temperature(r.id, 37.1)).unwrap();
    let b = f.store.record(temperature(r.id, 37.2)).unwrap();
    let c = f.store.record(temperature(r.id, 37.3)).unwrap();
    let raw = rusqlite::Connection::open(f.path()).unwrap();
    // Flip one ciphertext byte of `a`.
    let mut env: Vec<u8> = raw.query_row("SELECT envelope FROM facts WHERE id = ?1", [a.id()], |r| r.get(0)).unwrap();
    let mid = env.len() / 2;
    env[mid] ^= 0x20;
    raw.execute("UPDATE facts SET envelope = ?2 WHERE id = ?1", rusqlite::params![a.id(), env]).unwrap();
    // Copy `c`'s ciphertext onto `b`.
    raw.execute(
        "UPDATE facts SET envelope = (SELECT envelope FROM facts WHERE id = ?2) WHERE id = ?1",
        [b.id(), c.id()],
    )
    .unwrap();

    assert!(matches!(f.store.fact(a.id()), Err(CoreError::CorruptRecord { table: "facts", id }) if id == a.id()));
    assert!(matches!(f.store.fact(b.id()), Err(CoreError::MisplacedRecord { table: "facts", id }) if id == b.id()));
    assert_eq!(f.store.fact(c.id()).unwrap().0, c);

    let timeline = f.store.timeline(r.id, None, 100).unwrap();
    let unreadable: Vec<Uuid> = timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEntry::Unreadable(u) => Some(u.id),
            _ => None,
        })
        .collect();
    assert_eq!(unreadable.len(), 2);
    assert!(unreadable.contains(&a.id()) && unreadable.contains(&b.id()));
    assert!(timeline.iter().any(|e| matches!(e, TimelineEntry::Fact { fact, .. } if fact.id() == c.id())));

    // A damaged resident profile shows as unreadable in the round; others show.
    let other = &d.residents[1];
    raw.execute(
        "UPDATE residents SET envelope = (SELECT envelope FROM residents WHERE id = ?2) WHERE id = ?1",
        [r.id, other.id],
    )
    .unwrap();
    let now = monday_10h();
    let view =
        f.store.round_view(r.unit_id, now, jiff::Timestamp::from_second(now.as_second() + 3600).unwrap()).unwrap();
    assert_eq!(view.unreadable.len(), 1);
    assert_eq!(view.unreadable[0].id, r.id);
    assert!(view.unreadable[0].error.contains("misplaced"));
    assert!(view.residents.iter().any(|x| x.resident_id == other.id));
    assert!(matches!(f.store.resident(r.id), Err(CoreError::MisplacedRecord { .. })));
}

#[test]
fn truncated_database_file_is_reported_as_damaged() {
    let (f, _) = seeded(4, 20);
    let (_dir, path) = f.close();
    let len = std::fs::metadata(&path).unwrap().len();
    assert!(len > 200_000, "the store should span many pages ({len} bytes)");
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(len / 3).unwrap();
    drop(file);
    // Depending on which pages survive, opening or reading fails; either way
    // the error says the file is damaged.
    let result = open(&path, &vault()).and_then(|s| {
        s.check_integrity()?;
        Ok(s)
    });
    match result {
        Err(CoreError::DatabaseCorrupt(_)) => {}
        Err(other) => panic!("expected DatabaseCorrupt, got {other:?}"),
        Ok(_) => panic!("a truncated store opened and passed its integrity check"),
    }
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chevet.db");
    std::fs::write(&path, vec![0x5Au8; 8192]).unwrap();
    assert!(matches!(open(&path, &vault()), Err(CoreError::DatabaseCorrupt(_))));
}
