//! Every request and response body the hub and the tablets parse, and the
//! enrolment link a tablet scans: hostile bytes give an error, never a
//! panic; what decodes encodes back to the same value.
#![no_main]

use chevet_protocol::{
    AuditPushRequest, AuditPushResponse, Change, EnrolRequest, EnrolResponse, ErrorBody, Operation, PullResponse,
    PushRequest, PushResponse, enrolment_link::EnrolmentLink,
};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let again = serde_json::to_vec(&value).expect("a decoded value encodes");
        let back: T = serde_json::from_slice(&again).expect("what was encoded decodes");
        // Floats from JSON may not survive (NaN cannot be in JSON; -0.0
        // prints as -0.0): compare the encodings, which is what travels.
        if back != value {
            assert_eq!(serde_json::to_vec(&back).unwrap(), again, "unstable encoding");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    round_trip::<PushRequest>(data);
    round_trip::<PushResponse>(data);
    round_trip::<PullResponse>(data);
    round_trip::<EnrolRequest>(data);
    round_trip::<EnrolResponse>(data);
    round_trip::<ErrorBody>(data);
    round_trip::<Operation>(data);
    round_trip::<Change>(data);
    round_trip::<AuditPushResponse>(data);
    if let Ok(req) = serde_json::from_slice::<AuditPushRequest>(data) {
        // The shape check never panics, and a push it passes has links that parse.
        if req.check().is_ok() {
            for e in &req.entries {
                assert!(chevet_protocol::audit::parse_link(&e.link).is_some());
            }
        }
    }
    round_trip::<AuditPushRequest>(data);
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(link) = EnrolmentLink::parse(text)
    {
        let again = EnrolmentLink::parse(&link.to_uri()).expect("a link read prints readable");
        assert_eq!(again, link);
    }
});
