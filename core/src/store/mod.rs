//! The device's encrypted care-record store.
//!
//! SQLite in WAL mode with `synchronous=FULL` (an acknowledged write
//! survives power loss), one writer connection behind a mutex and one
//! reader connection, so a long query never blocks a bedside write for long.
//! Personal data lives only inside envelopes; plaintext columns route.
//! Every write appends, in its own transaction, the sync operation it
//! implies (outbox) and a hash-chained audit entry.

mod audit;
mod clock;
mod codec;
mod facts;
mod migrations;
mod outbox;
mod photos;
mod reference;
mod residents;
mod routes;
mod session;
mod sync_state;
mod unreadable;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::Timestamp;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use uuid::Uuid;

use crate::crypto::vault::Argon2Cost;
use crate::crypto::{BlindIndex, DataKey, Envelope, KeySet, KeyVault};
use crate::error::{CoreError, Result};

pub use audit::{AuditAction, AuditBatch, AuditEntry};
pub use clock::{Clock, ManualClock, SystemClock};
pub use migrations::SCHEMA_VERSION;
pub use outbox::{OutboxOp, hlc_physical_ms};
pub use photos::{AssessmentPoint, PUSH_TREND_MIN_CHANGE, PhotoCapture, PhotoRendition, PhotoSummary, WoundFollowUp};
pub use residents::ResidentSummary;
pub use routes::{RouteStop, RouteView};
pub use session::{MAX_PIN_ATTEMPTS, TABLET_MAX_PIN_ATTEMPTS, check_pin_strength};
pub use session::{SessionInfo, StaffAccount, issue_first_pin_code};
pub(crate) use sync_state::Outcome;
pub use sync_state::{Applied, SyncFailure, SyncIssue};
pub use unreadable::Unreadable;

pub(crate) use codec::Codec;
pub(crate) use facts::SCALE_TAG;

/// The key id of the device's first data key.
const KEY_ID: u16 = 1;
const META_DEVICE_ID: &str = "device_id";
const META_CANARY: &str = "canary";
const CANARY_PLAINTEXT: &[u8] = b"chevet store canary v1";
const CANARY_ID: Uuid = Uuid::from_u128(0x63686576_6574_4000_8000_63616e617279);

/// How late an act may be before the round shows it late, then « non
/// tracé » (the domain's figure, which the hub's console uses too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundPolicy {
    pub late_after_minutes: i64,
    pub missed_after_minutes: i64,
    /// How many days back the round keeps what nobody recorded
    /// ([`crate::domain::schedule::UNRECORDED_LOOKBACK_DAYS`]; 0 keeps only the
    /// window's, as the round did before — what the benchmark compares).
    pub unrecorded_lookback_days: i64,
}

impl Default for RoundPolicy {
    fn default() -> Self {
        RoundPolicy {
            late_after_minutes: 60,
            missed_after_minutes: crate::domain::schedule::UNRECORDED_AFTER_MINUTES,
            unrecorded_lookback_days: crate::domain::schedule::UNRECORDED_LOOKBACK_DAYS,
        }
    }
}

/// Settings chosen by the app when it opens its store.
pub struct StoreOptions {
    pub clock: Arc<dyn Clock>,
    /// A signed-in session locks after this long without activity.
    pub idle_lock_secs: i64,
    /// Cost of the Argon2id PIN verifier.
    pub pin_cost: Argon2Cost,
    pub round_policy: RoundPolicy,
    /// Replace envelopes by plain JSON. Only for measuring encryption's cost.
    #[cfg(feature = "bench-plaintext")]
    pub insecure_plaintext: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            clock: Arc::new(SystemClock),
            idle_lock_secs: 5 * 60,
            // OWASP's Argon2id recommendation: 19 MiB, 2 passes.
            pin_cost: Argon2Cost::PIN,
            round_policy: RoundPolicy::default(),
            #[cfg(feature = "bench-plaintext")]
            insecure_plaintext: false,
        }
    }
}

/// An open device store.
pub struct Store {
    path: PathBuf,
    // Field order matters: the read-only connection must close first, so the
    // writer closes last and checkpoints the WAL into the main file.
    reader: Mutex<Connection>,
    writer: Mutex<Connection>,
    pub(crate) codec: Codec,
    name_index: BlindIndex,
    ins_index: BlindIndex,
    pub(crate) code_index: BlindIndex,
    audit_key: crate::crypto::SubKey,
    device_id: Uuid,
    pub(crate) options: StoreOptions,
    session: Mutex<Option<session::Session>>,
    hlc: Mutex<u64>,
    sync_running: std::sync::atomic::AtomicBool,
    /// Encrypted photo files, beside the database.
    media: crate::media::BlobFolder,
    /// Serialises photo ingest (files, then record) against the orphan sweep.
    media_lock: Mutex<()>,
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(CoreError::Database(format!("journal mode {mode} instead of WAL")));
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA cache_size = -16000;
         PRAGMA mmap_size = 268435456;",
    )?;
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave SQLite half-written (the
    // transaction rolls back on drop), so the data behind it is still sound.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    /// Opens the store at `path`, creating it (and its device key) if absent.
    ///
    /// The vault unwraps the device key; a key that does not open the
    /// store's canary gives [`CoreError::WrongKey`] and changes nothing.
    pub fn open(path: impl AsRef<Path>, vault: &dyn KeyVault, options: StoreOptions) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&writer)?;
        let found_version = migrations::migrate(&mut writer)?;

        let slot: Option<Vec<u8>> =
            writer.query_row("SELECT wrapped FROM key_slots WHERE key_id = ?1", [KEY_ID], |r| r.get(0)).optional()?;
        let (keys, device_id) = match slot {
            Some(wrapped) => {
                let raw = vault.unwrap(&wrapped).map_err(|e| CoreError::Vault(e.to_string()))?;
                let key = DataKey::from_bytes(&raw).map_err(|_| CoreError::WrongKey)?;
                let keys = KeySet::derive(&key);
                let canary: Vec<u8> =
                    writer.query_row("SELECT value FROM meta WHERE key = ?1", [META_CANARY], |r| r.get(0))?;
                let env = Envelope::new(KEY_ID, &keys);
                let binding = crate::crypto::RecordBinding { table: "meta", id: CANARY_ID, version: 1 };
                match env.open(&binding, &canary) {
                    Ok(p) if p.as_slice() == CANARY_PLAINTEXT => {}
                    _ => return Err(CoreError::WrongKey),
                }
                let device: Uuid =
                    writer.query_row("SELECT value FROM meta WHERE key = ?1", [META_DEVICE_ID], |r| r.get(0))?;
                (keys, device)
            }
            None => Self::initialise(&mut writer, vault, options.clock.now())?,
        };

        let reader =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        reader.busy_timeout(std::time::Duration::from_secs(5))?;
        reader.execute_batch("PRAGMA cache_size = -16000; PRAGMA mmap_size = 268435456;")?;
        let hlc: i64 = writer.query_row("SELECT hlc FROM device_state WHERE id = 1", [], |r| r.get(0))?;

        #[cfg(feature = "bench-plaintext")]
        let codec = if options.insecure_plaintext { Codec::Plain } else { Codec::Sealed(Envelope::new(KEY_ID, &keys)) };
        #[cfg(not(feature = "bench-plaintext"))]
        let codec = Codec::Sealed(Envelope::new(KEY_ID, &keys));

        let mut media_path = path.clone().into_os_string();
        media_path.push(".media");
        let media = crate::media::BlobFolder::open(media_path).map_err(|e| CoreError::MediaStorage(e.kind()))?;

        log::info!("store opened for device {device_id}");
        let store = Store {
            path,
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
            codec,
            name_index: BlindIndex::new(keys.name_index.clone()),
            ins_index: BlindIndex::new(keys.ins_index.clone()),
            code_index: BlindIndex::new(keys.code_index.clone()),
            audit_key: keys.audit.clone(),
            device_id,
            options,
            session: Mutex::new(None),
            hlc: Mutex::new(hlc as u64),
            sync_running: std::sync::atomic::AtomicBool::new(false),
            media,
            media_lock: Mutex::new(()),
        };
        // Left in clear by a store before v6 (or made clear by v1 just now).
        store.seal_metadata()?;
        if found_version < migrations::AUDIT_SEAL_VERSION {
            // New, or upgraded just now: the head is sealed once, here. Any
            // later store without a seal fails verification.
            store.seal_audit_head()?;
        }
        // Files of an ingest a crash cut before its record committed.
        store.sweep_orphan_media()?;
        Ok(store)
    }

    /// A new store: fresh device key wrapped by the vault, canary, device id.
    fn initialise(conn: &mut Connection, vault: &dyn KeyVault, now: Timestamp) -> Result<(KeySet, Uuid)> {
        let key = DataKey::generate().map_err(|e| CoreError::Vault(e.to_string()))?;
        let wrapped = vault.wrap(key.expose()).map_err(|e| CoreError::Vault(e.to_string()))?;
        let keys = KeySet::derive(&key);
        let env = Envelope::new(KEY_ID, &keys);
        let binding = crate::crypto::RecordBinding { table: "meta", id: CANARY_ID, version: 1 };
        let canary =
            env.seal(&binding, CANARY_PLAINTEXT).map_err(|_| CoreError::Vault("random source failed".into()))?;
        let device_id = Uuid::now_v7();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO key_slots (key_id, wrapped, created_at) VALUES (?1, ?2, ?3)",
            params![KEY_ID, wrapped, now.as_millisecond()],
        )?;
        tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![META_CANARY, canary])?;
        tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", params![META_DEVICE_ID, device_id])?;
        tx.commit()?;
        log::info!("new store created for device {device_id}");
        Ok((keys, device_id))
    }

    pub fn device_id(&self) -> Uuid {
        self.device_id
    }

    /// Set while a sync of this store runs (one at a time).
    pub(crate) fn sync_running(&self) -> &std::sync::atomic::AtomicBool {
        &self.sync_running
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The device clock the store runs on.
    pub fn now(&self) -> Timestamp {
        self.options.clock.now()
    }

    /// Runs SQLite's own integrity check over the whole file.
    pub fn check_integrity(&self) -> Result<()> {
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        if rows.len() == 1 && rows[0] == "ok" {
            Ok(())
        } else {
            Err(CoreError::DatabaseCorrupt(format!("{} integrity problems", rows.len())))
        }
    }

    /// Runs `f` in one write transaction with its outbox and audit helpers;
    /// commits durably or changes nothing.
    pub(crate) fn write<T>(&self, actor: Option<Uuid>, f: impl FnOnce(&mut WriteTx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut hlc = lock(&self.hlc);
        let mut w = WriteTx { tx, store: self, actor, hlc: *hlc, now: self.now() };
        let out = f(&mut w)?;
        let next_hlc = w.hlc;
        w.tx.commit()?;
        *hlc = next_hlc;
        Ok(out)
    }

    /// Runs `f` on the reader inside one read transaction: one snapshot and
    /// one shared lock for all its queries, instead of one per statement.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = lock(&self.reader);
        let tx = conn.unchecked_transaction()?;
        let out = f(&tx)?;
        tx.finish()?;
        Ok(out)
    }
}

/// One write transaction: the record, its outbox operation and audit entry.
pub(crate) struct WriteTx<'s> {
    pub(crate) tx: rusqlite::Transaction<'s>,
    pub(crate) store: &'s Store,
    pub(crate) actor: Option<Uuid>,
    pub(crate) hlc: u64,
    pub(crate) now: Timestamp,
}
