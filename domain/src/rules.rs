//! The record's rules that look beyond one record: who may record a fact or
//! change a document, on which resident, from which device.
//!
//! One implementation, run twice: by the tablet before it writes (its
//! store answers the look-ups) and by the hub before it accepts a device's
//! operation (its database answers them), so a tablet that skips its own
//! checks gains nothing. A record's own content is checked by its
//! `validate()`, called from here too.

use jiff::Timestamp;
use uuid::Uuid;

use super::care_plan::ActKind;
use super::ins::Identity;
use super::records::{Fact, RecordMeta};
use super::staff::{Permission, Staff};
use super::{PlannedAct, Wound};
use crate::error::{DomainError, Result};

/// The other records a rule needs, from wherever the checker keeps them.
/// `None` is "not known here" (unknown and out of scope look alike).
pub trait RecordLookup {
    /// The look-up's own failure (its storage): passed through the rules as
    /// itself, beside their refusals (which it is made from).
    type Error: From<DomainError>;
    fn staff(&mut self, id: Uuid) -> Result<Option<Staff>, Self::Error>;
    fn planned_act(&mut self, id: Uuid) -> Result<Option<PlannedAct>, Self::Error>;
    fn wound(&mut self, id: Uuid) -> Result<Option<Wound>, Self::Error>;
    fn fact(&mut self, id: Uuid) -> Result<Option<Fact>, Self::Error>;
    fn resident(&mut self, id: Uuid) -> Result<Option<super::Resident>, Self::Error>;
}

/// Where a record is being written: the device that signs it and the unit
/// of the resident it is about.
#[derive(Debug, Clone, Copy)]
pub struct Origin {
    pub device: Uuid,
    pub unit: Uuid,
}

/// How far from the checker's clock a fact's clinical time may be.
#[derive(Debug, Clone, Copy)]
pub struct TimeWindow {
    /// Ahead of the clock (clock drift).
    pub max_future_secs: i64,
    /// Behind it (late entry).
    pub max_past_days: i64,
}

impl TimeWindow {
    /// The tablet, against its own clock.
    pub const DEVICE: TimeWindow = TimeWindow { max_future_secs: 10 * 60, max_past_days: 400 };
    /// The hub, against its clock: a device whose clock runs ahead is
    /// flagged, not refused, unless it is a day ahead.
    pub const HUB: TimeWindow = TimeWindow { max_future_secs: 24 * 3600, max_past_days: 400 };

    pub fn check(self, clinical: Timestamp, now: Timestamp) -> Result<()> {
        if clinical.as_second() > now.as_second().saturating_add(self.max_future_secs) {
            return Err(DomainError::invalid("clinical_time", "in the future"));
        }
        if clinical.as_second() < now.as_second().saturating_sub(self.max_past_days * 86_400) {
            return Err(DomainError::invalid("clinical_time", "too far in the past"));
        }
        Ok(())
    }
}

/// The signing author, checked to be staff known here who works in `unit`.
pub fn author_in_unit<E: From<DomainError>>(
    lookup: &mut dyn RecordLookup<Error = E>,
    author: Uuid,
    unit: Uuid,
) -> Result<Staff, E> {
    let staff = lookup.staff(author)?.ok_or(DomainError::UnknownAuthor { staff_id: author })?;
    if !staff.works_in(unit) {
        return Err(DomainError::AuthorOutsideUnit { staff_id: author, unit_id: unit }.into());
    }
    Ok(staff)
}

/// Checks a fact whose author and device are already set: its content, that
/// the device signing it is `origin.device`, that its author is staff of
/// the resident's unit with the role the fact needs, that what it points to
/// (planned act, wound, corrected fact) is this resident's, and that the
/// clinical time is plausible. Returns the author.
pub fn check_fact<E: From<DomainError>>(
    lookup: &mut dyn RecordLookup<Error = E>,
    fact: &Fact,
    origin: Origin,
    now: Timestamp,
    window: TimeWindow,
) -> Result<Staff, E> {
    fact.validate()?;
    let RecordMeta { author, device, clinical_time, .. } = *fact.meta();
    if device != origin.device {
        return Err(DomainError::ForeignDevice { device_id: device }.into());
    }
    let staff = author_in_unit(lookup, author, origin.unit)?;
    if !staff.active_at(fact.meta().recorded_at) {
        return Err(DomainError::StaffDeactivated { staff_id: author }.into());
    }
    let permission = fact_permission(lookup, &staff, fact)?;
    let closing = fact.closes_unrecorded().then_some(Permission::CloseUnrecorded);
    for permission in std::iter::once(permission).chain(closing) {
        if !staff.role.has(permission) {
            return Err(DomainError::PermissionDenied { staff_id: staff.id, permission: permission.name() }.into());
        }
    }
    window.check(clinical_time, now)?;
    Ok(staff)
}

/// The permission recording `fact` needs, after checking what it points to.
fn fact_permission<E: From<DomainError>>(
    lookup: &mut dyn RecordLookup<Error = E>,
    author: &Staff,
    fact: &Fact,
) -> Result<Permission, E> {
    let plan = |lookup: &mut dyn RecordLookup<Error = E>, id: Uuid, resident: Uuid| -> Result<PlannedAct, E> {
        let act = lookup.planned_act(id)?.ok_or(DomainError::NotFound { kind: "planned_act", id })?;
        if act.resident_id != resident {
            return Err(DomainError::invalid("planned_act_id", "belongs to another resident").into());
        }
        Ok(act)
    };
    let wound = |lookup: &mut dyn RecordLookup<Error = E>, id: Uuid, resident: Uuid| -> Result<(), E> {
        let w = lookup.wound(id)?.ok_or(DomainError::NotFound { kind: "wound", id })?;
        if w.resident_id != resident {
            return Err(DomainError::invalid("wound_id", "belongs to another resident").into());
        }
        Ok(())
    };
    Ok(match fact {
        Fact::Act(a) => match a.planned_act_id {
            Some(p) => plan(lookup, p, a.resident_id)?.required_permission(),
            None => Permission::RecordCareAct,
        },
        Fact::Administration(a) => {
            let act = plan(lookup, a.planned_act_id, a.resident_id)?;
            if act.kind != ActKind::Medication {
                return Err(DomainError::invalid("planned_act_id", "not a medication").into());
            }
            if let Some(scanned) = &a.scanned_barcode {
                check_scanned_box(
                    act.medication.as_ref().and_then(|m| m.expected_barcode.as_deref()),
                    scanned,
                    a.meta.clinical_time,
                )?;
            }
            act.required_permission()
        }
        Fact::Observation(_) => Permission::RecordVitals,
        Fact::Transmission(_) | Fact::EmergencyTransfer(_) => Permission::WriteTransmission,
        Fact::WoundAssessment(wa) => {
            wound(lookup, wa.wound_id, wa.resident_id)?;
            Permission::RecordWoundCare
        }
        Fact::Photo(p) => {
            wound(lookup, p.wound_id, p.resident_id)?;
            Permission::RecordWoundCare
        }
        Fact::VisitStamp(v) => {
            if v.method != super::records::StampMethod::Manual {
                let read = super::visit::home_tag(v.method, v.tag.as_deref().unwrap_or(""))?;
                let resident = lookup
                    .resident(v.resident_id)?
                    .ok_or(DomainError::NotFound { kind: "resident", id: v.resident_id })?;
                if !resident.home_tags.contains(&read) {
                    return Err(DomainError::WrongHomeTag {
                        resident_id: v.resident_id,
                        registered: !resident.home_tags.is_empty(),
                    }
                    .into());
                }
            }
            Permission::RecordVisit
        }
        Fact::ScaleAssessment(_) => Permission::ScoreAssessment,
        Fact::Correction(c) => {
            let original = lookup.fact(c.target_id)?.ok_or(DomainError::NotFound { kind: "fact", id: c.target_id })?;
            if original.resident_id() != c.resident_id {
                return Err(DomainError::invalid("correction.target_id", "belongs to another resident").into());
            }
            if matches!(original, Fact::Correction(_)) {
                return Err(DomainError::invalid("correction.target_id", "a correction cannot be corrected").into());
            }
            if original.meta().author == author.id { recorded_with(&original) } else { Permission::CorrectOthersRecord }
        }
    })
}

/// A scanned box must be the prescribed product and in date on the day it
/// was given. A bare GTIN or CIP13 (a 1D code) carries no expiry; a Data
/// Matrix element string is read whole. The day is the UTC date of the
/// clinical time: within a few hours of midnight, a box is let through on
/// its last day rather than refused on the day before it.
pub fn check_scanned_box(
    expected: Option<&str>,
    scanned: &str,
    at: jiff::Timestamp,
) -> Result<super::gs1::MedicineBox> {
    let day = at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let scanned_box = match super::gs1::as_gtin14(scanned) {
        Some(gtin) => super::gs1::MedicineBox { gtin, lot: None, expiry: None, serial: None },
        None => super::gs1::MedicineBox::parse(scanned, day)?,
    };
    scanned_box.check(expected, day)?;
    Ok(scanned_box)
}

/// Correcting one's own record needs the permission that recorded it.
fn recorded_with(f: &Fact) -> Permission {
    match f {
        Fact::Act(_) => Permission::RecordCareAct,
        Fact::Administration(_) => Permission::AssistMedicationIntake,
        Fact::Observation(_) => Permission::RecordVitals,
        Fact::Transmission(_) | Fact::EmergencyTransfer(_) => Permission::WriteTransmission,
        Fact::WoundAssessment(_) | Fact::Photo(_) => Permission::RecordWoundCare,
        Fact::ScaleAssessment(_) => Permission::ScoreAssessment,
        Fact::VisitStamp(_) | Fact::Correction(_) => Permission::RecordVisit,
    }
}

/// The documents a device may change, and what changing each needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Resident,
    PlannedAct,
    Wound,
    Route,
}

impl DocumentKind {
    pub fn required_permission(self) -> Permission {
        match self {
            DocumentKind::Resident => Permission::EditResident,
            DocumentKind::PlannedAct | DocumentKind::Route => Permission::EditCarePlan,
            DocumentKind::Wound => Permission::RecordWoundCare,
        }
    }
}

/// Checks that `author` may change a document of `kind` in each of `units`
/// (a resident moved between units needs both) and was active at `at`
/// (when the change was made, by the device's clock).
pub fn check_document_author<E: From<DomainError>>(
    lookup: &mut dyn RecordLookup<Error = E>,
    kind: DocumentKind,
    author: Uuid,
    units: &[Uuid],
    at: Timestamp,
) -> Result<Staff, E> {
    let mut staff = None;
    for unit in units {
        staff = Some(author_in_unit(lookup, author, *unit)?);
    }
    let staff = match staff {
        Some(s) => s,
        None => lookup.staff(author)?.ok_or(DomainError::UnknownAuthor { staff_id: author })?,
    };
    if !staff.active_at(at) {
        return Err(DomainError::StaffDeactivated { staff_id: author }.into());
    }
    let permission = kind.required_permission();
    if !staff.role.has(permission) {
        return Err(DomainError::PermissionDenied { staff_id: staff.id, permission: permission.name() }.into());
    }
    Ok(staff)
}

/// What a device may do to a resident's identity. The traits, matricule,
/// system, status and collection method of a RECUP or QUAL identity came
/// from INSi and are the hub's; a device never sets either status itself.
/// `before` is None for a new resident.
pub fn check_identity_change(resident_id: Uuid, before: Option<&Identity>, after: &Identity) -> Result<()> {
    match before {
        Some(b) if b.status.traits_read_only() => {
            let same = after.traits == b.traits
                && after.matricule == b.matricule
                && after.system == b.system
                && after.status == b.status
                && after.collection == b.collection;
            if !same {
                return Err(DomainError::IdentityLocked { resident_id });
            }
        }
        _ => {
            if after.status.traits_read_only() {
                return Err(DomainError::IdentityStatusFromInsi { resident_id });
            }
        }
    }
    Ok(())
}
