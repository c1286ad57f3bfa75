//! A tablet applying what a hostile hub (or a man in the middle) sends as
//! a pull: any body is decoded or refused, and every change is applied,
//! deferred or skipped as invalid — never a panic, and the store keeps
//! working. `"@unit"`, `"@resident"`, `"@staff"` in the input stand for the
//! tablet's unit, a resident of it and a professional of it, so that
//! mutations reach past the scope checks (the seeds use them).
#![no_main]

use std::sync::LazyLock;

use chevet_core::crypto::KekVault;
use chevet_core::crypto::vault::Argon2Cost;
use chevet_core::{Store, StoreOptions};
use chevet_protocol::PullResponse;
use libfuzzer_sys::fuzz_target;
use uuid::Uuid;

const UNIT: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);
const RESIDENT: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002);
const STAFF: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0003);

struct Tablet {
    _dir: tempfile::TempDir,
    store: Store,
}

static TABLET: LazyLock<Tablet> = LazyLock::new(|| {
    // In memory when the machine has /dev/shm: fsyncs cost nothing there.
    let dir = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap();
    let options = StoreOptions { pin_cost: Argon2Cost::MINIMUM, ..StoreOptions::default() };
    let store = Store::open(dir.path().join("tablet.db"), &KekVault::new([3; 32]), options).unwrap();
    store.set_hub("https://hub.example", "credential", None).unwrap();
    store.set_scope(&[UNIT]).unwrap();
    Tablet { _dir: dir, store }
});

fn substitute(data: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(data);
    text.replace("\"@unit\"", &format!("\"{UNIT}\""))
        .replace("\"@resident\"", &format!("\"{RESIDENT}\""))
        .replace("\"@staff\"", &format!("\"{STAFF}\""))
        .into_bytes()
}

fuzz_target!(|data: &[u8]| {
    let Ok(pull) = serde_json::from_slice::<PullResponse>(&substitute(data)) else { return };
    let tablet = &*TABLET;
    // A change that fails validation is skipped; the pull as a whole fails
    // only on storage errors, which hostile content must not cause.
    if let Err(e) = tablet.store.apply_pulled(&pull.changes, &pull.cursor) {
        panic!("a hostile pull failed the store: {e}");
    }
});
