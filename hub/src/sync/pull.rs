//! Pull: the changes of a device's scope after its cursor — from the log,
//! or, for a device starting on a hub whose log was compacted, a snapshot
//! first — with the professionals it must know (those of its units, the
//! authors of what it holds) and what serving them binds (a deactivation).

use std::collections::BTreeSet;

use chevet_protocol::{Change, Entity, MAX_PULL_LIMIT, PullResponse};
use serde_json::Value;
use uuid::Uuid;

use super::OUTBOX_HEAD_SLACK;
use crate::backend::{DeviceAuth, Tx};
use crate::error::{HubError, HubResult};

/// Snapshot cursors: `s1.PHASE.LAST_ID.LOG_HEAD`, the log head being
/// where the pull continues once the snapshot is served.
fn encode_snapshot(phase: u8, last: Uuid, head: &str) -> String {
    format!("s1.{phase}.{}.{head}", last.simple())
}

fn decode_snapshot(cursor: &str) -> HubResult<(u8, Uuid, String)> {
    let bad = || HubError::BadRequest("cursor is not one this hub issued".into());
    let rest = cursor.strip_prefix("s1.").ok_or_else(bad)?;
    let mut parts = rest.splitn(3, '.');
    let phase: u8 = parts.next().and_then(|p| p.parse().ok()).filter(|p| *p <= 1).ok_or_else(bad)?;
    let last: Uuid = parts.next().and_then(|p| Uuid::try_parse(p).ok()).ok_or_else(bad)?;
    let head = parts.next().filter(|h| !h.is_empty()).ok_or_else(bad)?.to_owned();
    Ok((phase, last, head))
}

/// A page of changes. A device starting from scratch on a hub whose log
/// was compacted first receives a snapshot of the current state, then the
/// log from where the snapshot began (changes in between may arrive twice;
/// applying them again changes nothing).
///
/// `outbox_head` is the highest sequence the device says it has given an
/// operation: a professional served deactivated binds the operations
/// numbered after it ([`super::made_after_deactivation_known`]).
pub fn pull(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    cursor: &str,
    limit: u32,
    outbox_head: Option<i64>,
) -> HubResult<PullResponse> {
    let limit = limit.clamp(1, MAX_PULL_LIMIT);
    let (phase, last, head) = if cursor.starts_with("s1.") {
        decode_snapshot(cursor)?
    } else if cursor.is_empty() && tx.log_compacted()? {
        (0, Uuid::nil(), tx.log_head()?)
    } else {
        let (mut changes, cursor, more) = tx.pull_page(device.tenant_id, &device.units, cursor, limit)?;
        add_authors(tx, device, &mut changes)?;
        note_staff_served(tx, device, &changes, outbox_head)?;
        return Ok(PullResponse { changes, cursor, more });
    };
    let (mut changes, next) = tx.snapshot_page(device.tenant_id, &device.units, (phase, last), limit)?;
    // Professionals are kept without a unit of their own: a tablet gets
    // those of its units (and group-wide ones), as the log sends them.
    changes.retain(|c| c.entity != Entity::Staff || staff_serves(&c.payload, &device.units));
    add_authors(tx, device, &mut changes)?;
    note_staff_served(tx, device, &changes, outbox_head)?;
    Ok(match next {
        Some((phase, last)) => PullResponse { changes, cursor: encode_snapshot(phase, last, &head), more: true },
        // The snapshot is served: continue with the log after its head.
        None => PullResponse { changes, cursor: head, more: true },
    })
}

/// The authors of the facts a page serves who are not of the device's
/// units (they moved away, or the tablet is new and holds what they wrote
/// before): their record joins the page so the tablet can name them and
/// export them with their role, without any first-PIN code — the tablet
/// never offers them to sign in (the core's `serves()`).
fn add_authors(tx: &mut dyn Tx, device: &DeviceAuth, changes: &mut Vec<Change>) -> HubResult<()> {
    let served: BTreeSet<Uuid> = changes.iter().filter(|c| c.entity == Entity::Staff).map(|c| c.entity_id).collect();
    let authors: BTreeSet<Uuid> = changes
        .iter()
        .filter(|c| c.entity == Entity::Fact)
        .filter_map(|c| c.payload.get("fact")?.get("meta")?.get("author")?.as_str()?.parse().ok())
        .filter(|a| !served.contains(a))
        .collect();
    for author in authors {
        let Some(doc) = tx.document(device.tenant_id, author)? else { continue };
        if doc.entity != Entity::Staff {
            continue;
        }
        let mut state = doc.state;
        if staff_serves(&Value::Object(state.clone()), &device.units) {
            // Sent as a professional of its units, by the log or the snapshot.
            continue;
        }
        state.insert("first_pin_code".into(), Value::Null);
        changes.push(Change {
            entity: Entity::Staff,
            entity_id: author,
            version: Some(doc.version),
            origin_device: None,
            payload: Value::Object(state),
        });
    }
    Ok(())
}

/// Records, for each professional a page serves, whether the device now
/// knows them deactivated (and from which of its operations) or active. By
/// their state now, not the version served: a pull from the start serves
/// their older, active versions too, and must not lift the bound.
fn note_staff_served(
    tx: &mut dyn Tx,
    device: &DeviceAuth,
    changes: &[Change],
    outbox_head: Option<i64>,
) -> HubResult<()> {
    let served: BTreeSet<Uuid> = changes.iter().filter(|c| c.entity == Entity::Staff).map(|c| c.entity_id).collect();
    for staff in served {
        let deactivated = tx
            .document(device.tenant_id, staff)?
            .is_some_and(|d| d.state.get("deactivated_at").is_some_and(|at| !at.is_null()));
        if deactivated {
            tx.note_deactivation_served(device, staff, outbox_head, OUTBOX_HEAD_SLACK)?;
        } else {
            tx.note_reactivation_served(device, staff)?;
        }
    }
    Ok(())
}

/// Whether a professional's record (as stored) works in one of `units`,
/// or in every unit (no unit named).
fn staff_serves(state: &Value, units: &[Uuid]) -> bool {
    match state.get("units").map(|u| serde_json::from_value::<Vec<Uuid>>(u.clone())) {
        None => true,
        Some(Ok(theirs)) => theirs.is_empty() || theirs.iter().any(|u| units.contains(u)),
        Some(Err(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot_cursors_round_trip() {
        let id = Uuid::now_v7();
        let c = encode_snapshot(1, id, "p1.a.ff");
        assert_eq!(decode_snapshot(&c).unwrap(), (1, id, "p1.a.ff".to_owned()));
        for bad in [
            "s1.",
            "s1.2.x.y",
            "s1.0.nothex.c1.0",
            "s2.0.00000000000000000000000000000000.c1.0",
            "s1.0.00000000000000000000000000000000.",
        ] {
            assert!(decode_snapshot(bad).is_err(), "{bad}");
        }
    }
}
