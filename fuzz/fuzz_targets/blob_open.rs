//! Opening hostile encrypted photo files: an error, never a panic.
#![no_main]

use chevet_core::crypto::stream::{BlobBinding, BlobKey, open};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = BlobKey::from_bytes([7; 32]);
    let binding = BlobBinding { photo_id: uuid::Uuid::nil(), role: 1 };
    let _ = open(&key, &binding, data);
});
