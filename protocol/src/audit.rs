//! The access log as tablets send it: each device's audit journal, entry
//! by entry, in order (`POST /v1/sync/audit`).
//!
//! On the device every entry carries a MAC keyed with the device's own key,
//! which never leaves it, so the hub cannot check those. Entries therefore
//! travel chained by a public link: BLAKE3 over the previous link, the
//! device and the entry. The hub recomputes each link from the last one it
//! holds for that device, so an entry altered, left out, sent twice with
//! different content or sent by another device breaks the chain where it
//! happens, and the hub flags it. What the device's own keyed check found
//! (its journal altered on its disk) it says in `altered_from`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Most entries in one audit push.
pub const MAX_AUDIT_ENTRIES: usize = 500;
/// Longest entity name (`resident`, `vital_sign`, `emergency_transfer`…).
pub const MAX_AUDIT_ENTITY_LEN: usize = 40;

const LINK_DOMAIN: &[u8] = b"chevet.audit.link.v1";

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Create,
    Update,
    /// A fact marked entered-in-error.
    Correct,
    /// A resident's file was opened.
    OpenFile,
    SignIn,
    SignInFailed,
    LockOut,
    /// Reference data (staff, units, residents) loaded onto the device.
    Provision,
    PinChanged,
    FirstPinSet,
    /// A page of changes from the hub was applied.
    SyncPull,
    /// A photo was shown full size.
    ViewPhoto,
    /// A resident's record left the device in an export format.
    Export,
    /// The hub revoked this device: everything personal was erased.
    Erase,
}

impl AuditAction {
    pub const ALL: [AuditAction; 14] = [
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Correct,
        AuditAction::OpenFile,
        AuditAction::SignIn,
        AuditAction::SignInFailed,
        AuditAction::LockOut,
        AuditAction::Provision,
        AuditAction::PinChanged,
        AuditAction::FirstPinSet,
        AuditAction::SyncPull,
        AuditAction::ViewPhoto,
        AuditAction::Export,
        AuditAction::Erase,
    ];

    /// Its name on the wire and in the device's journal.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Correct => "correct",
            AuditAction::OpenFile => "open_file",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignInFailed => "sign_in_failed",
            AuditAction::LockOut => "lock_out",
            AuditAction::Provision => "provision",
            AuditAction::PinChanged => "pin_changed",
            AuditAction::FirstPinSet => "first_pin_set",
            AuditAction::SyncPull => "sync_pull",
            AuditAction::ViewPhoto => "view_photo",
            AuditAction::Export => "export",
            AuditAction::Erase => "erase",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// One journal entry as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Its place in the device's journal, from 1, without gaps.
    pub seq: i64,
    /// When, by the device's clock.
    pub at_ms: i64,
    /// The professional signed in, if any.
    pub actor: Option<Uuid>,
    pub action: AuditAction,
    /// What kind of thing it names (`resident`, a fact kind, `photo`…).
    pub entity: String,
    pub entity_id: Uuid,
    /// [`audit_link`] of this entry, hex.
    pub link: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPushRequest {
    /// Consecutive entries, oldest first.
    pub entries: Vec<AuditRecord>,
    /// The device's own keyed check found its journal altered from this
    /// entry on (the entries are sent all the same: they are the evidence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altered_from: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPushResponse {
    /// The last entry of this device's journal the hub now holds.
    pub head_seq: i64,
}

/// Why an audit push is malformed (the hub answers 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("more than {MAX_AUDIT_ENTRIES} audit entries")]
    TooMany,
    #[error("audit entry {0}: sequence numbers start at 1 and follow each other")]
    Sequence(i64),
    #[error("audit entry {0}: entity is 1 to {MAX_AUDIT_ENTITY_LEN} characters a-z or _")]
    Entity(i64),
    #[error("audit entry {0}: link is 64 hexadecimal characters")]
    Link(i64),
    #[error("audit entry {0}: time out of range")]
    Time(i64),
    #[error("altered_from must be a sequence number")]
    AlteredFrom,
}

/// The latest time an entry may carry (year 9999), so it can be shown.
const MAX_AT_MS: i64 = 253_402_300_799_999;

impl AuditPushRequest {
    /// Checks the shape: bounded, consecutive, names and links well formed.
    /// (Whether the chain follows is the hub's business: it knows the head.)
    pub fn check(&self) -> Result<(), AuditError> {
        if self.entries.len() > MAX_AUDIT_ENTRIES {
            return Err(AuditError::TooMany);
        }
        if self.altered_from.is_some_and(|s| s < 1) {
            return Err(AuditError::AlteredFrom);
        }
        let mut previous: Option<i64> = None;
        for e in &self.entries {
            if e.seq < 1 || previous.is_some_and(|p| p.checked_add(1) != Some(e.seq)) {
                return Err(AuditError::Sequence(e.seq));
            }
            previous = Some(e.seq);
            if e.entity.is_empty()
                || e.entity.len() > MAX_AUDIT_ENTITY_LEN
                || !e.entity.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
            {
                return Err(AuditError::Entity(e.seq));
            }
            if parse_link(&e.link).is_none() {
                return Err(AuditError::Link(e.seq));
            }
            if !(0..=MAX_AT_MS).contains(&e.at_ms) {
                return Err(AuditError::Time(e.seq));
            }
        }
        Ok(())
    }
}

/// The link of an entry: BLAKE3 over the previous link (zeros before the
/// first), the device and every field but the link itself.
pub fn audit_link(prev: &[u8; 32], device: Uuid, r: &AuditRecord) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(LINK_DOMAIN).update(prev).update(device.as_bytes());
    h.update(&r.seq.to_be_bytes()).update(&r.at_ms.to_be_bytes());
    match r.actor {
        Some(a) => h.update(&[1]).update(a.as_bytes()),
        None => h.update(&[0]),
    };
    for s in [r.action.as_str(), r.entity.as_str()] {
        h.update(&(s.len() as u32).to_be_bytes()).update(s.as_bytes());
    }
    h.update(r.entity_id.as_bytes());
    *h.finalize().as_bytes()
}

impl AuditRecord {
    /// This entry's link, recomputed after `prev` (its own `link` aside).
    pub fn expected_link(&self, prev: &[u8; 32], device: Uuid) -> [u8; 32] {
        audit_link(prev, device, self)
    }
}

pub fn link_hex(link: &[u8; 32]) -> String {
    blake3::Hash::from_bytes(*link).to_hex().to_string()
}

/// A link from its hex form (lower or upper case).
pub fn parse_link(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 {
        return None;
    }
    blake3::Hash::from_hex(hex).ok().map(|h| *h.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: i64, prev: &[u8; 32], device: Uuid) -> AuditRecord {
        let mut r = AuditRecord {
            seq,
            at_ms: 1_765_000_000_000 + seq,
            actor: Some(Uuid::from_u128(7)),
            action: AuditAction::OpenFile,
            entity: "resident".into(),
            entity_id: Uuid::from_u128(9),
            link: String::new(),
        };
        r.link = link_hex(&r.expected_link(prev, device));
        r
    }

    #[test]
    fn actions_round_trip_by_name_and_on_the_wire() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), serde_json::Value::String(a.as_str().into()));
        }
        assert_eq!(AuditAction::parse("delete_everything"), None);
    }

    #[test]
    fn every_field_and_the_device_are_in_the_link() {
        let device = Uuid::from_u128(1);
        let r = record(1, &[0; 32], device);
        let base = r.expected_link(&[0; 32], device);
        let variants = [
            AuditRecord { seq: 2, ..r.clone() },
            AuditRecord { at_ms: r.at_ms + 1, ..r.clone() },
            AuditRecord { actor: None, ..r.clone() },
            AuditRecord { action: AuditAction::Export, ..r.clone() },
            AuditRecord { entity: "photo".into(), ..r.clone() },
            AuditRecord { entity_id: Uuid::from_u128(10), ..r.clone() },
        ];
        for v in variants {
            assert_ne!(v.expected_link(&[0; 32], device), base, "{v:?}");
        }
        assert_ne!(r.expected_link(&[1; 32], device), base);
        assert_ne!(r.expected_link(&[0; 32], Uuid::from_u128(2)), base);
        assert_eq!(parse_link(&r.link), Some(base));
        assert_eq!(parse_link(&r.link.to_uppercase()), Some(base));
    }

    #[test]
    fn malformed_pushes_are_named() {
        let device = Uuid::from_u128(1);
        let a = record(4, &[0; 32], device);
        let b = record(5, &parse_link(&a.link).unwrap(), device);
        let ok = AuditPushRequest { entries: vec![a.clone(), b.clone()], altered_from: None };
        assert_eq!(ok.check(), Ok(()));
        let bad = |entries: Vec<AuditRecord>| AuditPushRequest { entries, altered_from: None }.check();
        assert_eq!(bad(vec![b.clone(), a.clone()]), Err(AuditError::Sequence(4)));
        assert_eq!(bad(vec![a.clone(), AuditRecord { seq: 6, ..b.clone() }]), Err(AuditError::Sequence(6)));
        assert_eq!(bad(vec![AuditRecord { seq: 0, ..a.clone() }]), Err(AuditError::Sequence(0)));
        assert_eq!(bad(vec![AuditRecord { seq: i64::MAX, ..a.clone() }, a.clone()]), Err(AuditError::Sequence(4)));
        for entity in ["", "Resident", "résident", "a b", &"x".repeat(41)] {
            assert_eq!(bad(vec![AuditRecord { entity: entity.into(), ..a.clone() }]), Err(AuditError::Entity(4)));
        }
        for link in ["", "zz", &"0".repeat(63), &"g".repeat(64)] {
            assert_eq!(bad(vec![AuditRecord { link: link.into(), ..a.clone() }]), Err(AuditError::Link(4)));
        }
        assert_eq!(bad(vec![AuditRecord { at_ms: -1, ..a.clone() }]), Err(AuditError::Time(4)));
        assert_eq!(bad(vec![a.clone(); MAX_AUDIT_ENTRIES + 1]), Err(AuditError::TooMany));
        assert_eq!(AuditPushRequest { entries: vec![], altered_from: Some(0) }.check(), Err(AuditError::AlteredFrom));
        // An unknown action does not even parse.
        let mut v = serde_json::to_value(&a).unwrap();
        v["action"] = "delete_everything".into();
        assert!(serde_json::from_value::<AuditRecord>(v).is_err());
    }
}
