//! Shared fixtures for the store's whole-store tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chevet_core::crypto::KekVault;
use chevet_core::crypto::vault::Argon2Cost;
use chevet_core::demo::{self, Demo};
use chevet_core::store::ManualClock;
use chevet_core::{Store, StoreOptions};
use jiff::Timestamp;

/// Monday 23 November 2026, 10:00 in Paris (09:00 UTC).
pub fn monday_10h() -> Timestamp {
    "2026-11-23T09:00:00Z".parse().unwrap()
}

pub fn vault() -> KekVault {
    KekVault::new([0x42; 32])
}

pub fn options(clock: &Arc<ManualClock>) -> StoreOptions {
    StoreOptions { clock: clock.clone(), idle_lock_secs: 300, pin_cost: Argon2Cost::MINIMUM, ..StoreOptions::default() }
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub store: Store,
}

impl Fixture {
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("chevet.db")
    }

    /// Closes the store, keeping its folder; returns the folder and the file.
    pub fn close(self) -> (tempfile::TempDir, PathBuf) {
        let path = self.path();
        drop(self.store);
        (self.dir, path)
    }

    /// Closes and reopens the store with the same clock and vault.
    pub fn reopen(self) -> Fixture {
        let Fixture { dir, clock, store } = self;
        drop(store);
        let store = Store::open(dir.path().join("chevet.db"), &vault(), options(&clock)).unwrap();
        Fixture { dir, clock, store }
    }
}

pub fn empty_store() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(monday_10h()));
    let store = Store::open(dir.path().join("chevet.db"), &vault(), options(&clock)).unwrap();
    Fixture { dir, clock, store }
}

/// A store with a demo establishment: 2 units × `per_unit` residents and
/// `days` days of history; the nurse is signed in.
pub fn seeded(per_unit: usize, days: u32) -> (Fixture, Demo) {
    let f = empty_store();
    let d = demo::seed(&f.store, 2, per_unit, days).unwrap();
    (f, d)
}

/// Every file of the store: main, -wal, -shm.
pub fn store_files(path: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", path.display())))
        .filter(|p| p.exists())
        .collect()
}

/// Counts rows in a table through a separate raw connection.
pub fn count(path: &Path, table: &str) -> i64 {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}
