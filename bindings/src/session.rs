//! Who may sign in on this tablet, PIN sessions (sign in, quick switch,
//! lock) and the first PIN set with the establishment's code.

use chevet_core::store::SessionInfo;

use crate::error::ChevetError;
use crate::ids::StaffId;
use crate::store::ChevetStore;

crate::store::store_area!(
    /// Who uses the tablet: staff accounts, sign-in, first PIN, PIN change, lock.
    /// Reached from the store: `store.sessions()`.
    Sessions,
    sessions
);

type Result<T> = std::result::Result<T, ChevetError>;

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Session {
    pub staff_id: StaffId,
    pub display_name: String,
    /// The role's French label ("IDE", "AS"…).
    pub role: String,
}

impl From<SessionInfo> for Session {
    fn from(s: SessionInfo) -> Self {
        Session { staff_id: s.staff_id.into(), display_name: s.display_name, role: s.role.label_fr().into() }
    }
}

/// A professional as the sign-in screen lists them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StaffAccountInfo {
    pub staff_id: StaffId,
    pub display_name: String,
    pub role: String,
    /// A PIN is set on this tablet: ask for it.
    pub pin_set: bool,
    /// No PIN here yet, and the establishment issued a code to set one.
    pub first_pin_possible: bool,
}

#[uniffi::export]
impl Sessions {
    /// Everyone who may sign in on this tablet, by name.
    pub fn staff_accounts(&self) -> Result<Vec<StaffAccountInfo>> {
        Ok(self
            .core()?
            .staff_accounts()?
            .into_iter()
            .map(|a| StaffAccountInfo {
                staff_id: a.staff_id.into(),
                display_name: a.display_name,
                role: a.role.label_fr().into(),
                pin_set: a.pin_set,
                first_pin_possible: a.first_pin_possible,
            })
            .collect())
    }

    /// Signs in with a PIN, replacing whoever was signed in (quick switch).
    pub fn sign_in(&self, staff_id: StaffId, pin: String) -> Result<Session> {
        Ok(self.core()?.sign_in(staff_id.0, &pin)?.into())
    }

    /// Sets a professional's first PIN on this tablet with the code the
    /// establishment gave them, and signs them in.
    pub fn set_first_pin(&self, staff_id: StaffId, code: String, new_pin: String) -> Result<Session> {
        Ok(self.core()?.set_first_pin(staff_id.0, &code, &new_pin)?.into())
    }

    /// Changes the signed-in professional's PIN.
    pub fn change_pin(&self, current_pin: String, new_pin: String) -> Result<()> {
        Ok(self.core()?.change_pin(&current_pin, &new_pin)?)
    }

    /// Who is signed in, if anyone (none once the session idled out).
    pub fn current_session(&self) -> Result<Option<Session>> {
        Ok(self.core()?.session().map(Session::from))
    }

    /// Locks the tablet: the next read or write needs a PIN.
    pub fn lock(&self) -> Result<()> {
        self.core()?.lock();
        Ok(())
    }
}
