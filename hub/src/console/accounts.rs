//! Console accounts and their sessions: who may sign in to the console,
//! with what role, and the rules of signing in (Argon2id passwords, a TOTP
//! second factor, lock-out after repeated failures, sessions that expire).
//! Console accounts are not tablet staff: they never sign in on a tablet.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::backend::{ConsoleRow, SignInCounter, Tx};
use crate::error::{HubError, HubResult};

/// Failed attempts (password or code) before the account locks.
pub const MAX_FAILED_ATTEMPTS: u32 = 5;
/// How long a lock-out lasts.
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// A session unused this long ends.
pub const SESSION_IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, used or not.
pub const SESSION_MAX_MS: i64 = 12 * 3600 * 1000;
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What an account may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsoleRole {
    /// The group's IT administrator: every establishment of the group.
    GroupAdmin,
    /// A coordinator (IDEC, head of care): one establishment.
    Coordinator { establishment: Uuid },
}

impl ConsoleRole {
    pub fn label_fr(&self) -> &'static str {
        match self {
            ConsoleRole::GroupAdmin => "Administrateur du groupe",
            ConsoleRole::Coordinator { .. } => "Coordination de l'établissement",
        }
    }

    /// Whether this role sees an establishment's data.
    pub fn sees(&self, establishment: Option<Uuid>) -> bool {
        match self {
            ConsoleRole::GroupAdmin => true,
            ConsoleRole::Coordinator { establishment: mine } => establishment == Some(*mine),
        }
    }
}

/// A console account as stored (the record of its row).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleAccount {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub login: String,
    pub display_name: String,
    pub role: ConsoleRole,
    /// Argon2id, PHC string.
    pub password_hash: String,
    /// The TOTP secret (base32) once the second factor is enrolled.
    pub totp_secret: Option<String>,
    /// A secret shown for enrolment, not confirmed yet.
    pub totp_pending: Option<String>,
    /// The last TOTP step accepted (a code works once).
    pub totp_last_step: i64,
    pub disabled: bool,
    /// The administrator's one-time code that lets the second factor be
    /// set up (at creation, or after a reset): the printed password alone
    /// does not let whoever reads it first enrol their own authenticator.
    #[serde(default)]
    pub totp_activation: Option<Activation>,
}

/// How long an activation code works.
pub const ACTIVATION_VALID_MS: i64 = 7 * 24 * 3600 * 1000;

/// A one-time activation code as kept: its hash, and when it stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// BLAKE3 of the code as typed (upper-cased, without dashes or spaces), hex.
    pub hash: String,
    pub expires_ms: i64,
}

/// The letters of an activation code: no 0/O, 1/I/L, so that it reads and types back.
const ACTIVATION_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn activation_hash(code: &str) -> String {
    let typed: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_uppercase).collect();
    blake3::Hasher::new_derive_key("chevet console second-factor activation v1")
        .update(typed.as_bytes())
        .finalize()
        .to_hex()
        .to_string()
}

impl ConsoleAccount {
    /// Issues a new one-time activation code (returned, to hand over once;
    /// only its hash is kept) and drops the second factor in place: the
    /// authenticator is set up again with that code.
    pub fn issue_activation(&mut self, now_ms: i64) -> HubResult<String> {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).map_err(|_| HubError::Storage("random source failed".into()))?;
        // 12 letters of 31: about 59 bits, against five tries before the lock-out.
        let letters: String = bytes.iter().map(|b| ACTIVATION_ALPHABET[usize::from(b % 31)] as char).collect();
        let code = format!("{}-{}-{}", &letters[0..4], &letters[4..8], &letters[8..12]);
        self.totp_activation =
            Some(Activation { hash: activation_hash(&code), expires_ms: now_ms + ACTIVATION_VALID_MS });
        self.totp_secret = None;
        self.totp_pending = None;
        Ok(code)
    }

    /// Whether `code` is this account's activation code, still valid.
    pub fn activation_matches(&self, code: &str, now_ms: i64) -> bool {
        self.totp_activation.as_ref().is_some_and(|a| {
            a.expires_ms > now_ms && constant_time_eq(a.hash.as_bytes(), activation_hash(code).as_bytes())
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn storage(e: serde_json::Error) -> HubError {
    HubError::Storage(format!("console record: {e}"))
}

impl ConsoleAccount {
    pub fn from_row(row: ConsoleRow) -> HubResult<Self> {
        let account: ConsoleAccount = serde_json::from_value(row.record).map_err(storage)?;
        // The keys of the row are the truth; a record edited by hand cannot
        // move an account to another tenant.
        if account.id != row.id || account.tenant_id != row.tenant_id || account.login != row.login {
            return Err(HubError::Storage(format!("console account {} does not match its row", row.id)));
        }
        Ok(account)
    }

    pub fn to_row(&self) -> HubResult<ConsoleRow> {
        Ok(ConsoleRow {
            id: self.id,
            tenant_id: self.tenant_id,
            login: self.login.clone(),
            record: serde_json::to_value(self).map_err(storage)?,
        })
    }

    pub fn save(&self, tx: &mut dyn Tx) -> HubResult<()> {
        tx.put_console_account(&self.to_row()?)
    }
}

/// What counts a login's failures: a hash of the login as typed (trimmed,
/// lower-cased), whether an account has it or not, so that an unknown login
/// behaves exactly as a known one (the login itself is not stored).
pub fn attempt_key(login: &str) -> [u8; 32] {
    let login = login.trim().to_lowercase();
    *blake3::Hasher::new_derive_key("chevet console sign-in failures v1").update(login.as_bytes()).finalize().as_bytes()
}

/// Whether an attempt may be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check it: this is the `n`th attempt in a row not yet answered right.
    Check(u32),
    /// The login is locked out: refused without being checked.
    Locked,
}

/// Counts an attempt before it is checked, in the transaction that holds the
/// login's counter: of any number of simultaneous attempts, only the first
/// [`MAX_FAILED_ATTEMPTS`] are ever checked (the next ones find the count
/// already taken), so concurrency cannot buy more guesses.
pub fn begin_attempt(tx: &mut dyn Tx, key: &[u8; 32], now_ms: i64) -> HubResult<Gate> {
    let mut counter = tx.sign_in_counter(key)?;
    if counter.locked_until_ms > now_ms {
        return Ok(Gate::Locked);
    }
    if counter.locked_until_ms != 0 {
        // A lock-out that has run out: a fresh budget.
        counter = SignInCounter::default();
    }
    counter.failures += 1;
    if counter.failures > MAX_FAILED_ATTEMPTS {
        lock(tx, key, now_ms)?;
        return Ok(Gate::Locked);
    }
    tx.put_sign_in_counter(key, counter, now_ms)?;
    Ok(Gate::Check(counter.failures))
}

/// After attempt `n` was answered wrong: at the limit the login locks.
/// Returns whether it is locked now.
pub fn attempt_failed(tx: &mut dyn Tx, key: &[u8; 32], n: u32, now_ms: i64) -> HubResult<bool> {
    if n < MAX_FAILED_ATTEMPTS {
        return Ok(false);
    }
    if tx.sign_in_counter(key)?.locked_until_ms <= now_ms {
        lock(tx, key, now_ms)?;
    }
    Ok(true)
}

/// A right answer: the count starts again.
pub fn attempt_succeeded(tx: &mut dyn Tx, key: &[u8; 32], now_ms: i64) -> HubResult<()> {
    tx.put_sign_in_counter(key, SignInCounter::default(), now_ms)
}

fn lock(tx: &mut dyn Tx, key: &[u8; 32], now_ms: i64) -> HubResult<()> {
    // Neither the login nor an account id: the lock-out must not tell whether an account exists.
    log::warn!(
        "console sign-in locked for {} minutes after {MAX_FAILED_ATTEMPTS} failed attempts",
        LOCKOUT_MS / 60_000
    );
    tx.put_sign_in_counter(key, SignInCounter { failures: 0, locked_until_ms: now_ms + LOCKOUT_MS }, now_ms)
}

/// Argon2id with OWASP's parameters (19 MiB, 2 passes): about 30 ms here.
fn hasher() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

pub fn hash_password(password: &str) -> HubResult<String> {
    use argon2::PasswordHasher;
    hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|_| HubError::Storage("password hashing failed".into()))
}

pub fn password_matches(hash: &str, password: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::PasswordHash::new(hash).is_ok_and(|h| hasher().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash to verify against when the login is unknown, so that a wrong
/// login takes as long as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("chevet-decoy-password").unwrap_or_default());
    &DECOY
}

/// Why a password is refused, in French for the person choosing it.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some("Le mot de passe doit compter au moins 12 caractères.");
    }
    if password.chars().count() > 256 {
        return Some("Le mot de passe est trop long.");
    }
    None
}

/// Creates an account (the bootstrap command and the console's own form);
/// returns it with its one-time activation code, to hand over with the
/// password.
pub fn create(
    tx: &mut dyn Tx,
    tenant: Uuid,
    login: &str,
    display_name: &str,
    role: ConsoleRole,
    password: &str,
    now_ms: i64,
) -> HubResult<(ConsoleAccount, String)> {
    let login = login.trim().to_lowercase();
    if login.is_empty() || login.len() > 100 || login.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(HubError::BadRequest("a login is one word, without spaces".into()));
    }
    if let Some(problem) = password_problem(password) {
        return Err(HubError::BadRequest(problem.into()));
    }
    if !tx.tenant_exists(tenant)? {
        return Err(HubError::NotFound(format!("tenant {tenant}")));
    }
    if let ConsoleRole::Coordinator { establishment } = role {
        match tx.document(tenant, establishment)? {
            Some(d) if d.entity == chevet_protocol::Entity::Establishment => {}
            _ => return Err(HubError::NotFound(format!("establishment {establishment}"))),
        }
    }
    let mut account = ConsoleAccount {
        id: Uuid::now_v7(),
        tenant_id: tenant,
        login,
        display_name: display_name.trim().to_owned(),
        role,
        password_hash: hash_password(password)?,
        totp_secret: None,
        totp_pending: None,
        totp_last_step: 0,
        disabled: false,
        totp_activation: None,
    };
    let activation = account.issue_activation(now_ms)?;
    account.save(tx)?;
    Ok((account, activation))
}

/// Where a session stands in signing in. Before the password there is no
/// session: nothing is stored for a visitor who has proved nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The password was right: the second factor (or, not set up yet, the
    /// administrator's activation code) is next.
    Password,
    /// The password and the activation code were right: the authenticator
    /// is enrolled next, by its first code.
    Activated,
    /// Signed in.
    Full,
}

/// A session's record (its row is keyed by its token's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub stage: Stage,
    /// The synchronizer token every form and API call carries.
    pub csrf: String,
    pub started_ms: i64,
    pub expires_ms: i64,
}

impl SessionRecord {
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// Session tokens and CSRF tokens: 32 random bytes, hex.
pub fn random_token() -> HubResult<String> {
    crate::sync::random_secret(32)
}

/// When a session used at `now_ms` ends: idle time, capped by its age.
pub fn expiry(started_ms: i64, now_ms: i64) -> i64 {
    (now_ms + SESSION_IDLE_MS).min(started_ms + SESSION_MAX_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_roles() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(password_matches(&h, "correct horse battery"));
        assert!(!password_matches(&h, "correct horse batterY"));
        assert!(!password_matches("not a hash", "x"));
        assert!(password_problem("court").is_some());
        let est = Uuid::now_v7();
        assert!(ConsoleRole::Coordinator { establishment: est }.sees(Some(est)));
        assert!(!ConsoleRole::Coordinator { establishment: est }.sees(Some(Uuid::now_v7())));
        assert!(!ConsoleRole::Coordinator { establishment: est }.sees(None));
        assert!(ConsoleRole::GroupAdmin.sees(None));
        assert_eq!(expiry(0, 1000), 1000 + SESSION_IDLE_MS);
        assert_eq!(expiry(0, SESSION_MAX_MS - 10), SESSION_MAX_MS);
    }

    #[test]
    fn activation_codes_work_as_typed_until_they_expire() {
        let mut a = ConsoleAccount {
            id: Uuid::now_v7(),
            tenant_id: Uuid::now_v7(),
            login: "idec".into(),
            display_name: "IDEC".into(),
            role: ConsoleRole::GroupAdmin,
            password_hash: String::new(),
            totp_secret: Some("SECRET".into()),
            totp_pending: None,
            totp_last_step: 0,
            disabled: false,
            totp_activation: None,
        };
        let code = a.issue_activation(1_000).unwrap();
        assert_eq!(code.len(), 14);
        assert!(code.chars().all(|c| c == '-' || ACTIVATION_ALPHABET.contains(&(c as u8))), "{code}");
        assert_eq!(a.totp_secret, None, "the old authenticator stops");
        assert!(a.activation_matches(&code, 1_000));
        assert!(a.activation_matches(&code.to_lowercase().replace('-', " "), 1_000), "as typed");
        assert!(!a.activation_matches("AAAA-AAAA-AAAA", 1_000));
        assert!(!a.activation_matches(&code, 1_000 + ACTIVATION_VALID_MS), "expired");
        let again = a.issue_activation(2_000).unwrap();
        assert!(!a.activation_matches(&code, 2_000) && a.activation_matches(&again, 2_000), "a new code replaces it");
    }
}
