//! Opening envelopes (records at rest): arbitrary bytes and altered
//! envelopes are refused with an error, never a panic, and never open to
//! anything but what was sealed.
#![no_main]

use std::sync::LazyLock;

use chevet_core::crypto::{DataKey, Envelope, KeySet, RecordBinding};
use libfuzzer_sys::fuzz_target;

const PLAINTEXT: &[u8] = b"{\"note\":\"Mme Exemple, chambre 12\"}";
/// What the committed seed seals (tests/src/bin/chevet-fuzz-seeds.rs).
const SEED_PLAINTEXT: &[u8] = b"{\"note\":\"x\"}";

struct Fixture {
    envelope: Envelope,
    binding: RecordBinding,
    sealed: Vec<u8>,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let keys = KeySet::derive(&DataKey::from_bytes(&[9; 32]).unwrap());
    let envelope = Envelope::new(1, &keys);
    let binding = RecordBinding { table: "facts", id: uuid::Uuid::from_u128(7), version: 3 };
    let sealed = envelope.seal(&binding, PLAINTEXT).unwrap();
    Fixture { envelope, binding, sealed }
});

fuzz_target!(|data: &[u8]| {
    let f = &*FIXTURE;
    // Arbitrary bytes: an error, unless they are a genuine envelope (the
    // seed is one); forging a tag is out of reach, so what opens is only
    // ever what was sealed.
    if let Ok(plain) = f.envelope.open(&f.binding, data) {
        assert!(
            &plain[..] == PLAINTEXT || &plain[..] == SEED_PLAINTEXT,
            "an envelope opened to something never sealed"
        );
    }
    // A genuine envelope altered by the input (XOR at an offset, or cut):
    // opens only if unchanged.
    if let Some((&op, rest)) = data.split_first() {
        let mut altered = f.sealed.clone();
        if op & 1 == 0 {
            for (i, b) in rest.iter().enumerate() {
                let at = (usize::from(op) + i) % altered.len();
                altered[at] ^= b;
            }
        } else {
            altered.truncate(usize::from(op) % (altered.len() + 1));
            altered.extend_from_slice(rest);
        }
        match f.envelope.open(&f.binding, &altered) {
            // Unchanged, or rebuilt into the seed's genuine envelope.
            Ok(plain) => assert!(
                (altered == f.sealed && &plain[..] == PLAINTEXT) || &plain[..] == SEED_PLAINTEXT,
                "an altered envelope opened"
            ),
            Err(_) => assert_ne!(altered, f.sealed, "a genuine envelope refused"),
        }
        // Another row's binding never opens it.
        let other = RecordBinding { version: f.binding.version + 1, ..f.binding };
        assert!(f.envelope.open(&other, &altered).is_err());
    }
});
