//! Enrolment and sync with the establishment's hub, as async calls (Kotlin
//! `suspend`, Swift `async`) run on a tokio runtime; a progress observer
//! and a handle that cancels a running sync.

use std::sync::Arc;

use chevet_core::sync::{self, CancelHandle, SyncFailure, SyncHealth, SyncOptions, SyncPhase, SyncProgress};

use crate::error::ChevetError;
use crate::ids::PhotoId;
use crate::store::ChevetStore;

crate::store::store_area!(
    /// The establishment's hub: enrolment, sync, its status, photos fetched.
    /// Reached from the store: `store.hub()`.
    Hub,
    hub
);

/// Progress of a running sync; called on the sync's thread.
#[uniffi::export(foreign)]
pub trait SyncObserver: Send + Sync {
    fn on_progress(&self, phase: SyncPhase, pushed: u32, to_push: u32, pulled: u32);
}

/// Cancels a sync from another thread; what was done before stays done.
#[derive(uniffi::Object, Default)]
pub struct SyncCancel(CancelHandle);

#[uniffi::export]
impl SyncCancel {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(SyncCancel::default())
    }

    pub fn cancel(&self) {
        self.0.cancel();
    }
}

#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncResult {
    pub pushed: u32,
    pub pulled: u32,
    pub conflicts: u32,
    pub rejected: u32,
    /// Encrypted photo files sent (a display image and a thumbnail per photo).
    pub photo_files_uploaded: u32,
    /// Device clock minus hub clock, when far enough to matter.
    pub clock_skew_ms: Option<i64>,
}

/// Where this tablet stands with its hub, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatusInfo {
    pub health: SyncHealth,
    /// Records made here that the hub has not answered yet.
    pub pending: u64,
    /// Edits the hub kept as conflicts, waiting for a coordinator.
    pub conflicts: u64,
    /// Records the hub refused (kept, never lost).
    pub rejected: u64,
    pub last_success_ms: Option<i64>,
    /// The last failed attempt, when it came after the last success.
    pub last_failure_ms: Option<i64>,
    pub last_failure: Option<SyncFailure>,
    /// Device clock minus hub clock at the last sync, when far enough to matter.
    pub clock_skew_ms: Option<i64>,
}

/// What a scanned enrolment QR code holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnrolmentLinkInfo {
    pub hub_url: String,
    pub code: String,
    pub establishment_ca_pem: Option<String>,
}

/// Reads the text of a scanned enrolment QR code (`chevet://enrol?…`);
/// anything else is `InvalidInput` with what is wrong, nothing echoed.
#[uniffi::export]
pub fn parse_enrolment_link(text: String) -> Result<EnrolmentLinkInfo, ChevetError> {
    let link = sync::EnrolmentLink::parse(&text)
        .map_err(|e| ChevetError::InvalidInput { field: "enrolment_link".into(), reason: e.to_string() })?;
    Ok(EnrolmentLinkInfo { establishment_ca_pem: link.ca_pem(), hub_url: link.hub_url, code: link.code })
}

struct Observer(Arc<dyn SyncObserver>);

impl sync::SyncObserver for Observer {
    fn on_progress(&self, p: SyncProgress) {
        self.0.on_progress(p.phase, p.pushed as u32, p.to_push as u32, p.pulled as u32);
    }
}

#[uniffi::export]
impl Hub {
    /// Where this tablet stands with its hub (no network call).
    pub fn sync_status(&self) -> Result<SyncStatusInfo, ChevetError> {
        let s = sync::status::status(&*self.core()?)?;
        Ok(SyncStatusInfo {
            health: s.health,
            pending: s.pending,
            conflicts: s.conflicts,
            rejected: s.rejected,
            last_success_ms: s.last_success.map(|t| t.as_millisecond()),
            last_failure_ms: s.last_failure.map(|(t, _)| t.as_millisecond()),
            last_failure: s.last_failure.map(|(_, f)| f),
            clock_skew_ms: s.clock_skew_ms,
        })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Hub {
    /// Enrols this device with a hub using a one-time code from its admin.
    /// `establishment_ca_pem` is the establishment's CA certificate (PEM),
    /// when its hub's certificate is not from a public authority; it is
    /// kept, sealed, for every later sync.
    pub async fn enrol(
        &self,
        hub_url: String,
        code: String,
        label: String,
        establishment_ca_pem: Option<String>,
    ) -> Result<Vec<String>, ChevetError> {
        let store = self.core()?;
        let client = sync::client::HubClient::new(&hub_url, establishment_ca_pem.as_deref().map(str::as_bytes))?;
        let units = sync::enrol(&store, &client, &code, &label).await?;
        Ok(units.iter().map(|u| u.to_string()).collect())
    }

    /// Pushes what this device recorded, then pulls the others' changes.
    pub async fn sync(
        &self,
        observer: Option<Arc<dyn SyncObserver>>,
        cancel: Arc<SyncCancel>,
    ) -> Result<SyncResult, ChevetError> {
        let store = self.core()?;
        let client = sync::client_for(&store)?;
        let observer = observer.map(Observer);
        let report = sync::sync(
            &store,
            &client,
            SyncOptions::default(),
            observer.as_ref().map(|o| o as &dyn sync::SyncObserver),
            &cancel.0,
        )
        .await?;
        Ok(SyncResult {
            pushed: report.pushed as u32,
            pulled: report.pulled as u32,
            conflicts: report.conflicts as u32,
            rejected: report.rejected as u32,
            photo_files_uploaded: report.blobs_uploaded as u32,
            clock_skew_ms: report.clock_skew_ms,
        })
    }

    /// Brings a pulled photo's display image from the hub (the thumbnail
    /// comes with the sync); the bytes are checked against their name.
    pub async fn fetch_photo(&self, photo_id: PhotoId, cancel: Arc<SyncCancel>) -> Result<(), ChevetError> {
        let store = self.core()?;
        let client = sync::client_for(&store)?;
        Ok(sync::fetch_photo(&store, &client, photo_id.0, &cancel.0).await?)
    }
}
