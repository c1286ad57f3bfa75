//! Where this tablet stands with its hub, for the status bar every screen
//! shows: what waits to be sent, when the last sync went through, what the
//! last failed attempt ran into, and conflicts or refusals waiting for a
//! coordinator. The core decides the health; the shells only word it.
//!
//! Outcomes are kept in `meta` (times and kinds: routing data, nothing
//! personal), so the bar says the same thing after the app restarts.

use jiff::Timestamp;

use crate::error::{CoreError, Result};
use crate::store::{Outcome, Store};

use super::SyncReport;

pub use crate::store::SyncFailure;

/// What the status bar shows, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncHealth {
    /// A demo store: it never syncs.
    Demo,
    /// Not enrolled with a hub yet.
    NotEnrolled,
    /// The last attempt could not reach the hub (records wait safely here).
    Offline,
    /// The last attempt failed for a reason retrying will not fix.
    Failing,
    /// Enrolled, never synced yet.
    NeverSynced,
    /// Records wait to be sent.
    Pending,
    /// Everything recorded here has reached the hub.
    UpToDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    pub health: SyncHealth,
    /// Operations recorded here and not yet answered by the hub.
    pub pending: u64,
    /// Operations the hub answered with a conflict: a coordinator decides.
    pub conflicts: u64,
    /// Operations the hub refused (kept here and on the hub, never lost).
    pub rejected: u64,
    pub last_success: Option<Timestamp>,
    /// The last failed attempt, if it came after the last success.
    pub last_failure: Option<(Timestamp, SyncFailure)>,
    /// Device clock minus hub clock at the last success, when it mattered.
    pub clock_skew_ms: Option<i64>,
}

impl SyncFailure {
    /// The kind of failure an error is, or None for what says nothing of
    /// the hub (cancelled, another sync running, not enrolled).
    fn of(e: &CoreError) -> Option<SyncFailure> {
        Some(match e {
            CoreError::SyncCancelled | CoreError::SyncInProgress | CoreError::NotEnrolled => return None,
            CoreError::HubUnreachable(_) => SyncFailure::Unreachable,
            CoreError::HubCertificate(_) => SyncFailure::CertificateRefused,
            CoreError::HubUnauthorized | CoreError::DeviceRevoked => SyncFailure::CredentialRefused,
            _ => SyncFailure::Failed,
        })
    }
}

impl From<SyncFailure> for chevet_protocol::TabletFailure {
    fn from(f: SyncFailure) -> Self {
        match f {
            SyncFailure::Unreachable => chevet_protocol::TabletFailure::Unreachable,
            SyncFailure::CertificateRefused => chevet_protocol::TabletFailure::CertificateRefused,
            SyncFailure::CredentialRefused => chevet_protocol::TabletFailure::CredentialRefused,
            SyncFailure::Failed => chevet_protocol::TabletFailure::Failed,
        }
    }
}

/// The last failed attempt if it came after the last success: what the
/// tablet tells the hub with its next requests.
pub(crate) fn failure_to_report(store: &Store) -> Result<Option<(chevet_protocol::TabletFailure, i64)>> {
    let (success, failure) = store.sync_outcomes()?;
    Ok(failure
        .filter(|(at, _)| success.is_none_or(|(ok, _)| *at > ok))
        .map(|(at, kind)| (kind.into(), at.as_millisecond())))
}

/// Keeps the outcome of one sync for the status bar. A failure to keep it
/// is logged, never put in place of the sync's own result.
pub(crate) fn note(store: &Store, result: &Result<SyncReport>) {
    let at_ms = store.now().as_millisecond();
    let outcome = match result {
        Ok(report) => Outcome::Success { at_ms, clock_skew_ms: report.clock_skew_ms },
        Err(e) => match SyncFailure::of(e) {
            Some(failure) => Outcome::Failure { at_ms, failure },
            None => return,
        },
    };
    if let Err(e) = store.set_sync_outcome(outcome) {
        log::warn!("sync outcome not kept: {e}");
    }
}

/// Where this tablet stands with its hub.
pub fn status(store: &Store) -> Result<SyncStatus> {
    let (success, failure) = store.sync_outcomes()?;
    let (conflicts, rejected) = store.sync_issue_counts()?;
    let pending = store.pending_count()?;
    let last_success = success.map(|(at, _)| at);
    // A failure before the last success is history, not news.
    let last_failure = failure.filter(|(at, _)| last_success.is_none_or(|ok| *at > ok));
    let health = if store.is_demo()? {
        SyncHealth::Demo
    } else if store.hub()?.is_none() {
        SyncHealth::NotEnrolled
    } else {
        match last_failure {
            Some((_, SyncFailure::Unreachable)) => SyncHealth::Offline,
            Some(_) => SyncHealth::Failing,
            None if last_success.is_none() => SyncHealth::NeverSynced,
            None if pending > 0 => SyncHealth::Pending,
            None => SyncHealth::UpToDate,
        }
    };
    Ok(SyncStatus {
        health,
        pending,
        conflicts,
        rejected,
        last_success,
        last_failure,
        clock_skew_ms: success.and_then(|(_, skew)| skew),
    })
}
