//! Sync with the hub: push the outbox in bounded batches, then pull and
//! apply the changes of the device's scope.
//!
//! One sync at a time per store. Every step is safe to cut anywhere: the
//! hub answers replays of an op_id with its original answer, answers are
//! recorded in one transaction, and the pull cursor moves in the same
//! transaction as the changes it covers. So a sync that fails or is
//! cancelled is simply run again.

pub mod client;
pub mod status;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chevet_protocol::{EnrolRequest, MAX_PUSH_BYTES, MAX_PUSH_OPS, OpOutcome, PushRequest};
use tokio::sync::Notify;

pub use chevet_protocol::{EnrolmentLink, LinkError};
pub use client::{HubClient, RetryPolicy};
pub use status::{SyncFailure, SyncHealth, SyncStatus};

use crate::error::{CoreError, Result};
use crate::store::{PhotoRendition, Store};

/// A device clock further than this from the hub's is flagged.
pub const CLOCK_SKEW_WARNING_MS: i64 = 2 * 60 * 1000;

/// Where a sync stands, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPhase {
    Pushing,
    Pulling,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Operations answered by the hub so far.
    pub pushed: usize,
    /// Operations that were waiting when the sync started.
    pub to_push: usize,
    /// Changes pulled so far.
    pub pulled: usize,
}

/// Receives progress; called on the sync's task, keep it quick.
pub trait SyncObserver: Send + Sync {
    fn on_progress(&self, progress: SyncProgress);
}

/// Cancels a running sync from another task or thread.
#[derive(Clone, Default)]
pub struct CancelHandle(Arc<(AtomicBool, Notify)>);

impl CancelHandle {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.0.store(true, Ordering::SeqCst);
        self.0.1.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.0.load(Ordering::SeqCst)
    }

    /// Runs `fut` unless cancelled first.
    async fn run<T>(&self, fut: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        if self.is_cancelled() {
            return Err(CoreError::SyncCancelled);
        }
        let notified = self.0.1.notified();
        tokio::select! {
            r = fut => r,
            _ = notified => Err(CoreError::SyncCancelled),
        }
    }
}

/// What one sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub pushed: usize,
    pub conflicts: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub deferred: usize,
    pub skipped: usize,
    /// Device clock minus hub clock, when it exceeds [`CLOCK_SKEW_WARNING_MS`].
    pub clock_skew_ms: Option<i64>,
    /// The hub no longer had the cursor's history: everything was pulled again.
    pub resnapshot: bool,
    /// HTTP requests made (retries included) and the slowest one, in ms.
    pub requests: usize,
    pub slowest_request_ms: u64,
    /// Photo files sent to the hub, and thumbnails of pulled photos fetched.
    pub blobs_uploaded: usize,
    pub blobs_fetched: usize,
    /// Audit journal entries sent to the hub.
    pub audit_sent: usize,
}

impl SyncReport {
    fn timed(&mut self, started: std::time::Instant) {
        self.requests += 1;
        self.slowest_request_ms = self.slowest_request_ms.max(started.elapsed().as_millis() as u64);
    }
}

/// Batch sizes (the protocol's maxima by default).
#[derive(Debug, Clone, Copy)]
pub struct SyncOptions {
    pub batch_ops: usize,
    pub batch_bytes: usize,
    pub pull_limit: u32,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { batch_ops: MAX_PUSH_OPS, batch_bytes: MAX_PUSH_BYTES, pull_limit: 500 }
    }
}

/// Enrols the store's device with a hub using a one-time code.
pub async fn enrol(store: &Store, client: &HubClient, code: &str, label: &str) -> Result<Vec<uuid::Uuid>> {
    // Invented residents must never reach a real establishment's hub.
    if store.is_demo()? {
        return Err(CoreError::invalid("store", "a demo store cannot enrol with a hub"));
    }
    let resp = client
        .enrol(&EnrolRequest { code: code.to_owned(), device_id: store.device_id(), label: label.to_owned() })
        .await?;
    store.set_hub(client.base_url(), &resp.credential, client.extra_ca_pem())?;
    store.set_scope(&resp.units)?;
    log::info!("device {} enrolled with tenant {}", store.device_id(), resp.tenant_id);
    Ok(resp.units)
}

/// The client for the hub this store enrolled with.
pub fn client_for(store: &Store) -> Result<HubClient> {
    let (url, credential) = store.hub()?.ok_or(CoreError::NotEnrolled)?;
    let ca = store.hub_ca()?;
    Ok(HubClient::new(&url, ca.as_deref())?.with_credential(credential))
}

struct Running<'a>(&'a AtomicBool);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Pushes every pending operation, then pulls until the hub has no more;
/// the outcome is kept for the status bar ([`status::status`]).
pub async fn sync(
    store: &Store,
    client: &HubClient,
    options: SyncOptions,
    observer: Option<&dyn SyncObserver>,
    cancel: &CancelHandle,
) -> Result<SyncReport> {
    let result = run(store, client, options, observer, cancel).await;
    if matches!(result, Err(CoreError::DeviceRevoked)) {
        // A lost or stolen tablet: nothing personal stays on it.
        store.erase_after_revocation()?;
        return result;
    }
    status::note(store, &result);
    result
}

async fn run(
    store: &Store,
    client: &HubClient,
    options: SyncOptions,
    observer: Option<&dyn SyncObserver>,
    cancel: &CancelHandle,
) -> Result<SyncReport> {
    if store.sync_running().swap(true, Ordering::SeqCst) {
        return Err(CoreError::SyncInProgress);
    }
    let _running = Running(store.sync_running());
    let mut report = SyncReport::default();
    let to_push = store.pending_count()? as usize;
    client.report_pending(to_push as u64);
    client.report_last_failure(status::failure_to_report(store)?);
    let notify = |phase, r: &SyncReport| {
        if let Some(o) = observer {
            o.on_progress(SyncProgress { phase, pushed: r.pushed, to_push, pulled: r.pulled });
        }
    };
    notify(SyncPhase::Pushing, &report);

    // Photo files first, so a device that pulls a photo record can fetch its files.
    for (hash, photo_id, rendition) in store.blobs_to_upload()? {
        let bytes = store.media().read(&hash).map_err(|e| CoreError::MediaStorage(e.kind()))?;
        if crate::media::blobs::blob_name(&bytes) != hash {
            // Altered on this device's disk: sending it would spread the damage.
            return Err(CoreError::PhotoFileCorrupt {
                photo_id,
                rendition: rendition.as_str(),
                reason: crate::crypto::stream::StreamError::Corrupt { chunk: 0 },
            });
        }
        upload_blob(store, client, &bytes, cancel).await?;
        store.mark_blob_synced(&hash)?;
        report.blobs_uploaded += 1;
    }

    loop {
        let batch = store.outbox_batch(options.batch_ops, options.batch_bytes)?;
        if batch.is_empty() {
            break;
        }
        let device_time_ms = store.now().as_millisecond();
        let n = batch.len();
        let started = std::time::Instant::now();
        let resp = cancel.run(client.push(&PushRequest { ops: batch, device_time_ms })).await;
        report.timed(started);
        let resp = resp?;
        if resp.results.len() != n {
            return Err(CoreError::HubRefused { status: 200, code: "push answer count differs".into() });
        }
        let skew = device_time_ms - resp.hub_time_ms;
        if skew.abs() > CLOCK_SKEW_WARNING_MS {
            report.clock_skew_ms = Some(skew);
            log::warn!("device clock is {} s off the hub's", skew / 1000);
        }
        for r in &resp.results {
            match r.outcome {
                OpOutcome::Applied { .. } => {}
                OpOutcome::Conflict { .. } => report.conflicts += 1,
                OpOutcome::Rejected { .. } => report.rejected += 1,
            }
        }
        store.apply_push_results(&resp.results)?;
        report.pushed += n;
        client.report_pending(to_push.saturating_sub(report.pushed) as u64);
        notify(SyncPhase::Pushing, &report);
    }

    // The journal after the records it names, so the hub can tell whose
    // file each entry is about.
    report.audit_sent = push_audit(store, client, cancel).await?;

    notify(SyncPhase::Pulling, &report);
    let mut cursor = store.pull_cursor()?;
    loop {
        // Read before the page is asked for: what it teaches binds every
        // operation numbered after this.
        client.report_outbox_head(store.outbox_head()?);
        let started = std::time::Instant::now();
        let page = cancel.run(client.pull(&cursor, options.pull_limit)).await;
        report.timed(started);
        let page = match page {
            Err(CoreError::HubRefused { status: 410, .. }) if !report.resnapshot => {
                log::warn!("hub asked for a re-snapshot; pulling everything again");
                store.reset_pull_cursor()?;
                report.resnapshot = true;
                cursor.clear();
                continue;
            }
            other => other?,
        };
        let applied = store.apply_pulled(&page.changes, &page.cursor)?;
        report.pulled += page.changes.len();
        report.deferred += applied.deferred;
        report.skipped += applied.skipped;
        cursor = page.cursor;
        notify(SyncPhase::Pulling, &report);
        if !page.more {
            break;
        }
    }
    // Thumbnails of pulled photos come with the sync (a few kB each);
    // display images are fetched when opened ([`fetch_photo`]).
    for hash in store.blobs_on_hub(Some(PhotoRendition::Thumbnail))? {
        match fetch_blob(store, client, &hash, cancel).await {
            Ok(()) => report.blobs_fetched += 1,
            // Its device has not uploaded it yet: next sync.
            Err(CoreError::HubRefused { status: 404, .. }) => log::info!("photo file not on the hub yet"),
            Err(e) => return Err(e),
        }
    }
    notify(SyncPhase::Done, &report);
    log::info!(
        "sync of device {}: pushed {}, pulled {}, {} conflicts, {} rejected",
        store.device_id(),
        report.pushed,
        report.pulled,
        report.conflicts,
        report.rejected
    );
    Ok(report)
}

/// Sends the audit journal's new entries; returns how many.
async fn push_audit(store: &Store, client: &HubClient, cancel: &CancelHandle) -> Result<usize> {
    let mut sent = 0;
    while let Some(batch) = store.audit_to_send(chevet_protocol::audit::MAX_AUDIT_ENTRIES)? {
        if let Some(seq) = batch.request.altered_from {
            log::error!("device {}: audit journal altered on this device from entry {seq}", store.device_id());
        }
        let last_seq = batch.request.entries.last().map(|e| e.seq);
        let resp = cancel.run(client.push_audit(&batch.request)).await?;
        let Some(last_seq) = last_seq else {
            // Only the alteration to report: said, and nothing more to send.
            break;
        };
        store.mark_audit_sent(last_seq, &batch.last_link, resp.head_seq)?;
        sent += batch.request.entries.len();
        if resp.head_seq < last_seq {
            // The hub holds less than was sent: next sync sends the rest.
            break;
        }
    }
    Ok(sent)
}

/// Fetches a pulled photo's files from the hub (display and thumbnail).
pub async fn fetch_photo(store: &Store, client: &HubClient, photo_id: uuid::Uuid, cancel: &CancelHandle) -> Result<()> {
    for hash in store.photo_blobs_on_hub(photo_id)? {
        fetch_blob(store, client, &hash, cancel).await?;
    }
    Ok(())
}

/// Downloads one encrypted file, checks it is the one named, stores it.
async fn fetch_blob(store: &Store, client: &HubClient, hash: &str, cancel: &CancelHandle) -> Result<()> {
    let bytes = cancel.run(client.blob_get(hash)).await?;
    if crate::media::blobs::blob_name(&bytes) != hash {
        return Err(CoreError::HubRefused { status: 200, code: "blob content does not match its name".into() });
    }
    store.media().put_named(hash, &bytes).map_err(|e| CoreError::MediaStorage(e.kind()))?;
    store.mark_blob_synced(hash)
}

/// Size of one upload chunk: small enough to resend cheaply after a cut.
pub const BLOB_CHUNK: usize = 256 * 1024;

/// Uploads a blob (an encrypted photo) with tus, resuming where the hub
/// stopped receiving, even across restarts of the app: the upload's URL is
/// kept in the store until the hub has the whole blob. Returns its BLAKE3.
pub async fn upload_blob(store: &Store, client: &HubClient, bytes: &[u8], cancel: &CancelHandle) -> Result<String> {
    let hash = blake3::hash(bytes).to_hex().to_string();
    let retry = client.retry_policy();
    let mut failures = 0;
    loop {
        match cancel.run(upload_attempt(store, client, bytes, &hash)).await {
            Ok(()) => {
                store.set_blob_upload(&hash, None)?;
                return Ok(hash);
            }
            Err(CoreError::HubUnreachable(why)) => {
                failures += 1;
                if failures >= retry.attempts {
                    return Err(CoreError::HubUnreachable(why));
                }
                let delay = retry.delay(failures);
                log::info!("blob upload interrupted ({failures}), resuming in {} ms", delay.as_millis());
                tokio::time::sleep(delay).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn upload_attempt(store: &Store, client: &HubClient, bytes: &[u8], hash: &str) -> Result<()> {
    let length = bytes.len() as u64;
    let known = store.blob_upload(hash)?;
    let (url, mut offset) = match known {
        Some(url) => match client.blob_offset(&url).await? {
            Some(offset) => (url, offset),
            None => (String::new(), 0),
        },
        None => (String::new(), 0),
    };
    let url = if url.is_empty() {
        let url = client.blob_create(length, hash).await?;
        store.set_blob_upload(hash, Some(&url))?;
        url
    } else {
        url
    };
    while offset < length {
        let end = (offset as usize + BLOB_CHUNK).min(bytes.len());
        let next = client.blob_append(&url, offset, &bytes[offset as usize..end]).await?;
        // The hub must take what it was sent, and never more than there is:
        // anything else would loop for ever or skip bytes.
        if next <= offset || next > end as u64 {
            return Err(CoreError::HubRefused {
                status: 204,
                code: format!("blob append: offset {next} after {offset}"),
            });
        }
        offset = next;
    }
    Ok(())
}
