//! Shared-tablet sessions: personal PIN, quick switch, idle lock.
//!
//! The data key belongs to the device, so switching user costs one Argon2id
//! verification, not a re-encryption. Every write carries the signed-in
//! user as author. Wrong PINs are counted in the database (a restart does
//! not reset them); every fifth consecutive failure locks the account, for
//! 15 minutes and then twice as long each time, up to a day.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::audit::AuditAction;
use super::{Store, lock};
use crate::domain::{Permission, Role, Staff};
use crate::error::{CoreError, Result};

/// Consecutive failures allowed before a lock-out.
pub const MAX_PIN_ATTEMPTS: u32 = 5;
/// Wrong PINs and first-PIN codes a tablet takes, whoever they are tried
/// for, before it locks for everyone (15 minutes, doubling like a
/// professional's): a thief with a shared tablet of 30 profiles gets two
/// professionals' worth of guesses, not thirty. A right PIN starts it again.
pub const TABLET_MAX_PIN_ATTEMPTS: u32 = 10;
const LOCKOUT_BASE_SECS: i64 = 15 * 60;
const LOCKOUT_MAX_SECS: i64 = 24 * 3600;

/// Who is signed in, for the app's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub staff_id: Uuid,
    pub role: Role,
    pub display_name: String,
    pub started: Timestamp,
}

/// A professional as the sign-in screen lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub staff_id: Uuid,
    pub display_name: String,
    pub role: Role,
    /// A PIN is set on this device: sign in with it.
    pub pin_set: bool,
    /// No PIN here yet, and an unexpired first-PIN code was issued.
    pub first_pin_possible: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) staff: Staff,
    started: Timestamp,
    last_activity: Timestamp,
}

pub use chevet_domain::pin::{check_pin_strength, issue_first_pin_code};
use chevet_domain::pin::{make_verifier, normalise_code, verify};

/// Whether a tablet enrolled for `scope` serves a professional: they work in
/// one of its units (or in every unit). One who moved to other units is not
/// offered there, nor let in, though their record may linger.
fn serves(staff: &Staff, scope: Option<&[Uuid]>) -> bool {
    match scope {
        Some(units) => staff.units.is_empty() || staff.units.iter().any(|u| units.contains(u)),
        None => true,
    }
}

fn lockout_secs(failures: u32) -> i64 {
    lockout_after(failures / MAX_PIN_ATTEMPTS)
}

/// The lock-out after `rounds` (≥ 1) full budgets of failures: 15 minutes, doubling, a day at most.
fn lockout_after(rounds: u32) -> i64 {
    let factor = 1i64 << (rounds.saturating_sub(1)).min(10);
    (LOCKOUT_BASE_SECS * factor).min(LOCKOUT_MAX_SECS)
}

impl super::WriteTx<'_> {
    /// Stores a professional's new PIN verifier, sealed under the next PIN
    /// version, and clears their failures.
    pub(crate) fn set_pin_verifier(&mut self, staff_id: Uuid, verifier: &[u8]) -> Result<()> {
        let next: u32 = self
            .tx
            .prepare_cached("SELECT pin_version + 1 FROM staff WHERE id = ?1")?
            .query_row([staff_id], |r| r.get(0))
            .optional()?
            .ok_or(CoreError::NotFound { kind: "staff", id: staff_id })?;
        let sealed = self.store.codec.seal_bytes("staff_pin", staff_id, next, verifier)?;
        self.tx
            .prepare_cached(
                "UPDATE staff SET pin_verifier = ?2, pin_version = ?3, failed_pins = 0, locked_until = NULL
                 WHERE id = ?1",
            )?
            .execute(params![staff_id, sealed, next])?;
        self.tx.prepare_cached("UPDATE device_state SET failed_pins = 0 WHERE id = 1")?.execute([])?;
        Ok(())
    }
}

impl Store {
    /// Until when the whole tablet refuses PINs (its budget spent), if it does.
    fn tablet_locked_until(&self) -> Result<Option<i64>> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT pins_locked_until FROM device_state WHERE id = 1")?
                .query_row([], |r| r.get(0))?)
        })
    }

    fn staff_row(&self, staff_id: Uuid) -> Result<(Staff, Option<Vec<u8>>, Option<i64>)> {
        self.read(|c| {
            type StaffRow = (u32, Vec<u8>, Option<Vec<u8>>, u32, Option<i64>);
            let row: Option<StaffRow> = c
                .prepare_cached(
                    "SELECT version, envelope, pin_verifier, pin_version, locked_until FROM staff WHERE id = ?1",
                )?
                .query_row([staff_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
                .optional()?;
            let (version, env, pin, pin_version, locked_until) =
                row.ok_or(CoreError::NotFound { kind: "staff", id: staff_id })?;
            let staff: Staff = self.codec.open("staff", staff_id, version, &env)?;
            // Bound to its version: an earlier verifier copied back (an old
            // PIN) does not open.
            let pin = match pin {
                Some(p) => Some(self.codec.open_bytes("staff_pin", staff_id, pin_version, &p)?.to_vec()),
                None => None,
            };
            Ok((staff, pin, locked_until))
        })
    }

    /// Signs a professional in with their PIN, replacing any current session
    /// (quick user switch). Wrong PINs count towards a lock-out.
    pub fn sign_in(&self, staff_id: Uuid, pin: &str) -> Result<SessionInfo> {
        let now = self.now();
        let (staff, verifier, locked_until) = self.staff_row(staff_id)?;
        if !staff.active_at(now) {
            return Err(CoreError::StaffDeactivated { staff_id });
        }
        if !serves(&staff, self.scope_units()?.as_deref()) {
            return Err(CoreError::NotFound { kind: "staff", id: staff_id });
        }
        // The professional's lock-out, or the tablet's, whichever ends later.
        if let Some(until) = locked_until.max(self.tablet_locked_until()?)
            && until > now.as_millisecond()
        {
            return Err(CoreError::LockedOut { staff_id, until_ms: until });
        }
        let verifier = verifier.ok_or(CoreError::invalid("pin", "no PIN set for this professional"))?;
        // The slow hash runs outside the write lock: other users keep recording.
        if verify(&verifier, pin)? {
            self.write(Some(staff_id), |w| {
                w.tx.prepare_cached("UPDATE staff SET failed_pins = 0, locked_until = NULL WHERE id = ?1")?
                    .execute([staff_id])?;
                w.tx.prepare_cached("UPDATE device_state SET failed_pins = 0 WHERE id = 1")?.execute([])?;
                w.audit(AuditAction::SignIn, "staff", staff_id)
            })?;
            return Ok(self.open_session(staff, now));
        }
        let failure = self.count_failure(staff_id, now)?;
        log::warn!("failed PIN for staff {staff_id} on device {}", self.device_id);
        Err(match failure {
            Ok(attempts_left) => CoreError::WrongPin { staff_id, attempts_left },
            Err(locked_out) => locked_out,
        })
    }

    /// Everyone who may sign in on this device, by name, with whether they
    /// have a PIN here or may set one.
    pub fn staff_accounts(&self) -> Result<Vec<StaffAccount>> {
        let now = self.now().as_millisecond();
        let with_pin: std::collections::HashSet<Uuid> = self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT id FROM staff WHERE pin_verifier IS NOT NULL")?;
            let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
            Ok(ids)
        })?;
        let at = self.now();
        let scope = self.scope_units()?;
        Ok(self
            .staff_list()?
            .into_iter()
            // A deactivated professional is not offered on the who-am-I screen,
            // nor one of other units.
            .filter(|s| s.active_at(at) && serves(s, scope.as_deref()))
            .map(|s| {
                let pin_set = with_pin.contains(&s.id);
                StaffAccount {
                    staff_id: s.id,
                    pin_set,
                    first_pin_possible: !pin_set && s.first_pin_code.as_ref().is_some_and(|c| c.expires_at_ms > now),
                    display_name: s.display_name,
                    role: s.role,
                }
            })
            .collect())
    }

    /// Sets the first PIN on this device of a professional who has none
    /// here, with the code the establishment gave them, and signs them in.
    /// Wrong codes count towards the same lock-out as wrong PINs; a weak PIN
    /// is refused before the code is checked (and costs no attempt).
    pub fn set_first_pin(&self, staff_id: Uuid, code: &str, new_pin: &str) -> Result<SessionInfo> {
        use base64::Engine;
        let now = self.now();
        let (staff, verifier, locked_until) = self.staff_row(staff_id)?;
        if !staff.active_at(now) {
            return Err(CoreError::StaffDeactivated { staff_id });
        }
        if !serves(&staff, self.scope_units()?.as_deref()) {
            return Err(CoreError::NotFound { kind: "staff", id: staff_id });
        }
        // The professional's lock-out, or the tablet's, whichever ends later.
        if let Some(until) = locked_until.max(self.tablet_locked_until()?)
            && until > now.as_millisecond()
        {
            return Err(CoreError::LockedOut { staff_id, until_ms: until });
        }
        let unavailable = |reason| CoreError::FirstPinUnavailable { staff_id, reason };
        if verifier.is_some() {
            return Err(unavailable("a PIN is already set on this device; change it once signed in"));
        }
        let issued = staff.first_pin_code.as_ref().ok_or(unavailable("no code was issued; ask the establishment"))?;
        if issued.expires_at_ms <= now.as_millisecond() {
            return Err(unavailable("the code has expired; ask the establishment for a new one"));
        }
        check_pin_strength(new_pin)?;
        let code_verifier = base64::engine::general_purpose::STANDARD
            .decode(&issued.verifier)
            .map_err(|_| CoreError::invalid("first_pin_code", "unreadable verifier"))?;
        if !verify(&code_verifier, &normalise_code(code))? {
            let failure = self.count_failure(staff_id, now)?;
            log::warn!("wrong first-PIN code for staff {staff_id} on device {}", self.device_id);
            return Err(match failure {
                Ok(attempts_left) => CoreError::WrongFirstPinCode { staff_id, attempts_left },
                Err(locked_out) => locked_out,
            });
        }
        let verifier = make_verifier(self.options.pin_cost, new_pin)?;
        self.write(Some(staff_id), |w| {
            w.set_pin_verifier(staff_id, &verifier)?;
            w.audit(AuditAction::FirstPinSet, "staff", staff_id)
        })?;
        log::info!("first PIN set for staff {staff_id} on device {}", self.device_id);
        Ok(self.open_session(staff, now))
    }

    fn open_session(&self, staff: Staff, now: Timestamp) -> SessionInfo {
        let info = SessionInfo {
            staff_id: staff.id,
            role: staff.role,
            display_name: staff.display_name.clone(),
            started: now,
        };
        *lock(&self.session) = Some(Session { staff, started: now, last_activity: now });
        log::info!("staff {} signed in on device {}", info.staff_id, self.device_id);
        info
    }

    /// Counts a failed PIN or code: the attempts left, or the lock-out it
    /// triggered.
    fn count_failure(&self, staff_id: Uuid, now: Timestamp) -> Result<std::result::Result<u32, CoreError>> {
        let device_id = self.device_id;
        self.write(None, |w| {
            let failures: u32 = w
                .tx
                .prepare_cached("UPDATE staff SET failed_pins = failed_pins + 1 WHERE id = ?1 RETURNING failed_pins")?
                .query_row([staff_id], |r| r.get(0))?;
            w.audit(AuditAction::SignInFailed, "staff", staff_id)?;
            // The tablet's own budget, whoever the guess was for.
            let on_tablet: u32 =
                w.tx.prepare_cached(
                    "UPDATE device_state SET failed_pins = failed_pins + 1 WHERE id = 1 RETURNING failed_pins",
                )?
                .query_row([], |r| r.get(0))?;
            if on_tablet.is_multiple_of(TABLET_MAX_PIN_ATTEMPTS) {
                let until = now.as_millisecond() + lockout_after(on_tablet / TABLET_MAX_PIN_ATTEMPTS) * 1000;
                w.tx.prepare_cached("UPDATE device_state SET pins_locked_until = ?1 WHERE id = 1")?.execute([until])?;
                w.audit(AuditAction::LockOut, "device", device_id)?;
                log::warn!("device {device_id} locked after {on_tablet} wrong PINs");
                return Ok(Err(CoreError::LockedOut { staff_id, until_ms: until }));
            }
            if failures.is_multiple_of(MAX_PIN_ATTEMPTS) {
                let until = now.as_millisecond() + lockout_secs(failures) * 1000;
                w.tx.prepare_cached("UPDATE staff SET locked_until = ?2 WHERE id = ?1")?
                    .execute(params![staff_id, until])?;
                w.audit(AuditAction::LockOut, "staff", staff_id)?;
                return Ok(Err(CoreError::LockedOut { staff_id, until_ms: until }));
            }
            Ok(Ok(MAX_PIN_ATTEMPTS - failures % MAX_PIN_ATTEMPTS))
        })
    }

    /// Locks the tablet: the next write or read needs a PIN.
    pub fn lock(&self) {
        if let Some(s) = lock(&self.session).take() {
            log::info!("session of staff {} locked", s.staff.id);
        }
    }

    /// The current session, if one is open and has not idled out.
    pub fn session(&self) -> Option<SessionInfo> {
        let now = self.now();
        let mut guard = lock(&self.session);
        let s = guard.as_ref()?;
        if now.as_millisecond() - s.last_activity.as_millisecond() > self.options.idle_lock_secs * 1000 {
            *guard = None;
            return None;
        }
        Some(SessionInfo {
            staff_id: s.staff.id,
            role: s.staff.role,
            display_name: s.staff.display_name.clone(),
            started: s.started,
        })
    }

    /// The signed-in professional, after the idle check; refreshes activity
    /// and checks `permission` when given.
    pub(crate) fn require(&self, permission: Option<Permission>) -> Result<Staff> {
        let now = self.now();
        let mut guard = lock(&self.session);
        let s = guard.as_mut().ok_or(CoreError::NoSession)?;
        if now.as_millisecond() - s.last_activity.as_millisecond() > self.options.idle_lock_secs * 1000 {
            log::info!("session of staff {} locked after idling", s.staff.id);
            *guard = None;
            return Err(CoreError::NoSession);
        }
        s.last_activity = now.max(s.last_activity);
        if let Some(p) = permission
            && !s.staff.role.has(p)
        {
            return Err(CoreError::PermissionDenied { staff_id: s.staff.id, permission: p.name() });
        }
        Ok(s.staff.clone())
    }

    /// Changes the signed-in professional's PIN.
    pub fn change_pin(&self, current: &str, new: &str) -> Result<()> {
        let staff = self.require(None)?;
        let (_, verifier, _) = self.staff_row(staff.id)?;
        let verifier = verifier.ok_or(CoreError::invalid("pin", "no PIN set for this professional"))?;
        // Someone who picked up an open session must not get unlimited
        // guesses at its owner's PIN here: wrong ones count like at sign-in.
        if !verify(&verifier, current)? {
            let failure = self.count_failure(staff.id, self.now())?;
            log::warn!("wrong current PIN in a PIN change for staff {} on device {}", staff.id, self.device_id);
            return Err(match failure {
                Ok(attempts_left) => CoreError::WrongPin { staff_id: staff.id, attempts_left },
                Err(locked_out) => {
                    self.lock();
                    locked_out
                }
            });
        }
        let verifier = make_verifier(self.options.pin_cost, new)?;
        self.write(Some(staff.id), |w| {
            w.set_pin_verifier(staff.id, &verifier)?;
            w.audit(AuditAction::PinChanged, "staff", staff.id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_and_cap() {
        assert_eq!(lockout_secs(5), 15 * 60);
        assert_eq!(lockout_secs(10), 30 * 60);
        assert_eq!(lockout_secs(15), 60 * 60);
        assert_eq!(lockout_secs(500), 24 * 3600);
    }
}
