//! Blob storage and resumable uploads over tus 1.0 (core protocol with the
//! creation, checksum and expiration extensions), so any tus client can
//! upload a photo, resume it after a cut at any byte, and a repeated upload
//! of the same content is harmless.
//!
//! Blobs are stored by content hash (BLAKE3, hex) per tenant. The hub never
//! sees plaintext: photos arrive already encrypted by the device.
//!
//! Uploads in progress live in the same object store as finished blobs, not
//! on a hub's disk, so that any hub process in front of the same storage can
//! continue an upload another one started (several nodes behind a load
//! balancer): `uploads/DEVICE/ID.json` describes an upload, and each chunk
//! received is its own object `uploads/DEVICE/ID/OFFSET` (object stores
//! cannot append). The bytes received so far are the chunks that follow one
//! another from 0. An upload is its device's alone (no other device can see,
//! resume or append to it), each device has a quota of uploads in progress,
//! and they expire after [`UPLOAD_TTL_MS`] (swept by [`BlobStore::sweep`],
//! which every node runs periodically; sweeping twice is harmless).
//! Who may *read* a finished blob is the sync rules' business (a photo of a
//! resident in the device's units refers to it), checked by the API.

use std::path::Path;
use std::sync::Arc;

use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{HubError, HubResult};

/// The tus version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Extensions supported.
pub const TUS_EXTENSIONS: &str = "creation,checksum,expiration";
/// Largest blob accepted (an encrypted 2048 px photo is well under this).
pub const MAX_BLOB_BYTES: u64 = chevet_protocol::MAX_BLOB_BYTES;
/// How long an unfinished upload is kept.
pub const UPLOAD_TTL_MS: i64 = 24 * 3600 * 1000;
/// Uploads one device may have in progress (the app sends one at a time).
pub const MAX_UPLOADS_PER_DEVICE: usize = 32;
/// Bytes one device may hold on the hub without a record naming them: its
/// uploads in progress and the blobs it published that no photo names yet.
pub const MAX_PENDING_BYTES_PER_DEVICE: u64 = 256 * 1024 * 1024;
/// How long a published blob no record names is kept before it is swept (a
/// tablet cut off between its photo's files and its records has a week).
pub const ORPHAN_GRACE_MS: i64 = 7 * 24 * 3600 * 1000;
/// Blobs published at once: each holds one part in memory, so the hub's
/// memory for publishing is bounded whatever the number of requests.
pub const MAX_CONCURRENT_PUBLISHES: usize = 4;
/// The part size streamed to the object store (S3 needs ≥ 5 MiB parts).
const PART_BYTES: usize = 8 * 1024 * 1024;
/// Where uploads in progress live in the object store. Finished blobs are
/// named by a tenant's id (32 hex digits), which never reads "uploads".
const UPLOADS: &str = "uploads";

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upload {
    pub id: Uuid,
    pub tenant: Uuid,
    pub device: Uuid,
    pub length: u64,
    /// BLAKE3 of the whole content, hex, declared at creation.
    pub hash: String,
    pub expires_ms: i64,
    /// The blob is stored under its name; the description stays until it
    /// expires, so that a client retrying its last chunk learns so.
    #[serde(default)]
    pub published: bool,
}

/// Where blobs and uploads live: an object store, a local folder by default,
/// S3-compatible storage when configured. The same code serves both.
pub struct BlobStore {
    objects: Arc<dyn ObjectStore>,
    publishing: tokio::sync::Semaphore,
}

fn valid_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn io(e: std::io::Error) -> HubError {
    HubError::Storage(format!("blob storage: {e}"))
}

fn object_err(e: object_store::Error) -> HubError {
    match e {
        object_store::Error::NotFound { .. } => HubError::NotFound("blob".into()),
        // Object-store messages name paths (tenant ids and hashes), never content.
        other => HubError::Storage(format!("object store: {other}")),
    }
}

fn key(tenant: Uuid, hash: &str) -> ObjectPath {
    ObjectPath::from(format!("{}/{hash}", tenant.simple()))
}

fn device_prefix(device: Uuid) -> ObjectPath {
    ObjectPath::from(format!("{UPLOADS}/{}", device.simple()))
}

fn description_key(device: Uuid, id: Uuid) -> ObjectPath {
    ObjectPath::from(format!("{UPLOADS}/{}/{}.json", device.simple(), id.simple()))
}

fn chunks_prefix(device: Uuid, id: Uuid) -> ObjectPath {
    ObjectPath::from(format!("{UPLOADS}/{}/{}", device.simple(), id.simple()))
}

/// Zero-padded so that names sort as offsets do.
fn chunk_key(device: Uuid, id: Uuid, offset: u64) -> ObjectPath {
    ObjectPath::from(format!("{UPLOADS}/{}/{}/{offset:020}", device.simple(), id.simple()))
}

/// A chunk stored: where it starts, how long it is, its name.
struct Chunk {
    offset: u64,
    size: u64,
    location: ObjectPath,
}

/// What appending a chunk led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// More bytes are expected; the new offset.
    Partial(u64),
    /// Every byte is there: publish the blob.
    Complete,
}

/// A finished blob being read: its size and its bytes as they come.
pub struct BlobStream {
    pub size: u64,
    pub bytes: BoxStream<'static, object_store::Result<bytes::Bytes>>,
}

impl BlobStore {
    /// The embedded default: uploads and blobs under `root`.
    pub fn open(root: &Path) -> HubResult<Self> {
        std::fs::create_dir_all(root.join("objects")).map_err(io)?;
        let objects = LocalFileSystem::new_with_prefix(root.join("objects")).map_err(object_err)?;
        Ok(Self::with_objects(Arc::new(objects)))
    }

    /// S3-compatible storage (`s3://bucket`, with the endpoint and
    /// credentials from the standard AWS_* variables).
    pub fn open_s3(url: &str) -> HubResult<Self> {
        // object_store's HTTP client needs a process-wide rustls provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(|e| HubError::Storage(format!("S3 configuration: {e}")))?;
        Ok(Self::with_objects(Arc::new(s3)))
    }

    /// S3-compatible storage at an explicit endpoint (a MinIO, Garage or
    /// moto server), path-style.
    pub fn open_s3_endpoint(
        endpoint: &str,
        bucket: &str,
        access_key: &str,
        secret_key: &str,
        region: &str,
    ) -> HubResult<Self> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s3 = object_store::aws::AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_bucket_name(bucket)
            .with_access_key_id(access_key)
            .with_secret_access_key(secret_key)
            .with_region(region)
            .build()
            .map_err(|e| HubError::Storage(format!("S3 configuration: {e}")))?;
        Ok(Self::with_objects(Arc::new(s3)))
    }

    pub fn with_objects(objects: Arc<dyn ObjectStore>) -> Self {
        BlobStore { objects, publishing: tokio::sync::Semaphore::new(MAX_CONCURRENT_PUBLISHES) }
    }

    async fn describe(&self, upload: &Upload) -> HubResult<()> {
        let json = serde_json::to_vec(upload).map_err(|e| HubError::Storage(e.to_string()))?;
        self.objects
            .put(&description_key(upload.device, upload.id), PutPayload::from(json))
            .await
            .map_err(object_err)?;
        Ok(())
    }

    /// An upload's description, `None` if there is none (or it is unreadable:
    /// then it is as good as gone).
    async fn description(&self, location: &ObjectPath) -> HubResult<Option<Upload>> {
        match self.objects.get(location).await {
            Ok(got) => {
                let bytes = got.bytes().await.map_err(object_err)?;
                Ok(serde_json::from_slice(&bytes).ok())
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(object_err(e)),
        }
    }

    /// The upload's chunks in order of offset.
    async fn chunks(&self, device: Uuid, id: Uuid) -> HubResult<Vec<Chunk>> {
        let listed: Vec<_> =
            self.objects.list(Some(&chunks_prefix(device, id))).try_collect().await.map_err(object_err)?;
        let mut chunks: Vec<Chunk> = listed
            .into_iter()
            .filter_map(|meta| {
                let offset = meta.location.filename()?.parse().ok()?;
                Some(Chunk { offset, size: meta.size, location: meta.location })
            })
            .collect();
        chunks.sort_by_key(|c| c.offset);
        Ok(chunks)
    }

    /// The chunks that follow one another from byte 0, and where they end.
    /// A chunk elsewhere (two requests raced on one offset, one of them on
    /// another node) is not counted: the client resumes from the end.
    fn contiguous(chunks: Vec<Chunk>) -> (Vec<Chunk>, u64) {
        let mut end = 0;
        let mut kept = Vec::with_capacity(chunks.len());
        for c in chunks {
            if c.offset == end && c.size > 0 {
                end += c.size;
                kept.push(c);
            }
        }
        (kept, end)
    }

    async fn remove(&self, locations: impl IntoIterator<Item = ObjectPath>) -> HubResult<()> {
        for location in locations {
            match self.objects.delete(&location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(object_err(e)),
            }
        }
        Ok(())
    }

    async fn forget_chunks(&self, device: Uuid, id: Uuid) -> HubResult<()> {
        let chunks = self.chunks(device, id).await?;
        self.remove(chunks.into_iter().map(|c| c.location)).await
    }

    async fn forget(&self, upload: &Upload) -> HubResult<()> {
        self.forget_chunks(upload.device, upload.id).await?;
        self.remove([description_key(upload.device, upload.id)]).await
    }

    /// The device's uploads still in progress (bytes expected), after
    /// removing its expired ones.
    async fn in_progress(&self, device: Uuid, now_ms: i64) -> HubResult<Vec<Upload>> {
        let listed = self.objects.list_with_delimiter(Some(&device_prefix(device))).await.map_err(object_err)?;
        let mut out = Vec::new();
        for meta in listed.objects {
            if meta.location.extension() != Some("json") {
                continue;
            }
            let Some(upload) = self.description(&meta.location).await? else {
                continue;
            };
            if upload.expires_ms < now_ms {
                self.forget(&upload).await?;
            } else if !upload.published {
                out.push(upload);
            }
        }
        Ok(out)
    }

    /// Starts an upload, within the device's quota (`unclaimed`: the bytes
    /// of the blobs it published that no record names yet).
    pub async fn create(
        &self,
        tenant: Uuid,
        device: Uuid,
        length: u64,
        hash: &str,
        unclaimed: u64,
        now_ms: i64,
    ) -> HubResult<Upload> {
        if !valid_hash(hash) {
            return Err(HubError::BadRequest(
                "Upload-Metadata needs blake3, the content's hash in lower-case hex".into(),
            ));
        }
        if length > MAX_BLOB_BYTES {
            return Err(HubError::TooLarge);
        }
        let pending = self.in_progress(device, now_ms).await?;
        let pending_bytes: u64 = pending.iter().map(|u| u.length).sum();
        if pending.len() >= MAX_UPLOADS_PER_DEVICE || pending_bytes + unclaimed + length > MAX_PENDING_BYTES_PER_DEVICE
        {
            log::warn!("device {device} is over its upload quota ({} in progress)", pending.len());
            return Err(HubError::QuotaExceeded);
        }
        let upload = Upload {
            id: Uuid::now_v7(),
            tenant,
            device,
            length,
            hash: hash.to_owned(),
            expires_ms: now_ms + UPLOAD_TTL_MS,
            published: false,
        };
        self.describe(&upload).await?;
        Ok(upload)
    }

    /// The device's upload and the bytes received, if it exists and has not
    /// expired. A finished upload reports its whole length. Another
    /// device's upload does not exist, for this device.
    pub async fn find(&self, tenant: Uuid, device: Uuid, id: Uuid, now_ms: i64) -> HubResult<(Upload, u64)> {
        let not_found = || HubError::NotFound(format!("upload {id}"));
        let upload = self.description(&description_key(device, id)).await?.ok_or_else(not_found)?;
        if upload.tenant != tenant || upload.device != device || upload.id != id {
            return Err(not_found());
        }
        if upload.expires_ms < now_ms {
            self.forget(&upload).await?;
            return Err(HubError::Gone);
        }
        if upload.published {
            return Ok((upload.clone(), upload.length));
        }
        let (_, offset) = Self::contiguous(self.chunks(device, id).await?);
        Ok((upload, offset))
    }

    /// Whether every byte arrived but the blob is not published yet (a
    /// crash between the two, or the last chunk landed through another
    /// node that stopped): publishing again is harmless.
    pub fn needs_publishing(upload: &Upload, offset: u64) -> bool {
        !upload.published && offset == upload.length
    }

    /// Appends a chunk at `offset`. The chunk was already checked (its
    /// checksum) by the caller.
    pub async fn append(&self, upload: &Upload, offset: u64, chunk: &[u8]) -> HubResult<Appended> {
        let current = if upload.published {
            upload.length
        } else {
            Self::contiguous(self.chunks(upload.device, upload.id).await?).1
        };
        if current != offset {
            return Err(HubError::Conflict("Upload-Offset differs from the bytes received"));
        }
        if offset + chunk.len() as u64 > upload.length {
            return Err(HubError::BadRequest("more bytes than Upload-Length".into()));
        }
        if chunk.is_empty() {
            return Ok(if offset == upload.length { Appended::Complete } else { Appended::Partial(offset) });
        }
        // The object store's put is atomic: a chunk is all there or absent.
        self.objects
            .put(&chunk_key(upload.device, upload.id, offset), PutPayload::from(chunk.to_vec()))
            .await
            .map_err(object_err)?;
        let new_offset = offset + chunk.len() as u64;
        Ok(if new_offset == upload.length { Appended::Complete } else { Appended::Partial(new_offset) })
    }

    async fn chunk_bytes(&self, chunk: &Chunk) -> HubResult<bytes::Bytes> {
        self.objects.get(&chunk.location).await.map_err(object_err)?.bytes().await.map_err(object_err)
    }

    /// Checks the whole content against its declared hash and stores it
    /// under its name (at most [`MAX_CONCURRENT_PUBLISHES`] at once, a large
    /// blob streamed in parts); then forgets the upload's chunks.
    pub async fn publish(&self, upload: &Upload) -> HubResult<()> {
        let _permit = self.publishing.acquire().await.map_err(|_| HubError::Storage("blob store closed".into()))?;
        let (chunks, end) = Self::contiguous(self.chunks(upload.device, upload.id).await?);
        if end != upload.length {
            return Err(HubError::Conflict("the upload is not complete"));
        }
        let location = key(upload.tenant, &upload.hash);
        let small = upload.length <= PART_BYTES as u64;
        // Small (every photo): gathered once, hashed, stored. Large: hashed
        // in a first pass, then streamed, so memory stays about two parts.
        let mut whole = Vec::with_capacity(if small { upload.length as usize } else { 0 });
        let mut hasher = blake3::Hasher::new();
        for c in &chunks {
            let bytes = self.chunk_bytes(c).await?;
            hasher.update(&bytes);
            if small {
                whole.extend_from_slice(&bytes);
            }
        }
        if hasher.finalize().to_hex().as_str() != upload.hash {
            // Keep nothing: the device uploads again from zero.
            self.forget_chunks(upload.device, upload.id).await?;
            return Err(HubError::ChecksumMismatch);
        }
        // Same content, same name: a repeated upload rewrites identical bytes.
        if small {
            self.objects.put(&location, PutPayload::from(whole)).await.map_err(object_err)?;
        } else {
            let mut writer = WriteMultipart::new_with_chunk_size(
                self.objects.put_multipart(&location).await.map_err(object_err)?,
                PART_BYTES,
            );
            let streamed: HubResult<()> = async {
                for c in &chunks {
                    let bytes = self.chunk_bytes(c).await?;
                    // One part in flight at a time.
                    writer.wait_for_capacity(1).await.map_err(object_err)?;
                    writer.write(&bytes);
                }
                Ok(())
            }
            .await;
            match streamed {
                Ok(()) => {
                    writer.finish().await.map_err(object_err)?;
                }
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e);
                }
            }
        }
        // Published before its chunks go: a crash in between leaves chunks
        // the sweep removes, never a blob without its bytes.
        self.describe(&Upload { published: true, ..upload.clone() }).await?;
        self.forget_chunks(upload.device, upload.id).await?;
        log::info!("blob {} of tenant {} stored ({} bytes)", upload.hash, upload.tenant, upload.length);
        Ok(())
    }

    /// Removes every expired upload (chunks and description), the chunks of
    /// published uploads and chunks without a description (a crash, or an
    /// upload expired while a chunk arrived); returns how many uploads went.
    pub async fn sweep(&self, now_ms: i64) -> HubResult<usize> {
        let listed: Vec<_> =
            self.objects.list(Some(&ObjectPath::from(UPLOADS))).try_collect().await.map_err(object_err)?;
        let mut live = std::collections::HashSet::new();
        let mut removed = 0;
        for meta in listed.iter().filter(|m| m.location.extension() == Some("json")) {
            match self.description(&meta.location).await? {
                Some(upload) if upload.expires_ms >= now_ms => {
                    if !upload.published {
                        live.insert(chunks_prefix(upload.device, upload.id));
                    }
                }
                _ => {
                    self.remove([meta.location.clone()]).await?;
                    removed += 1;
                }
            }
        }
        for meta in &listed {
            if meta.location.extension() == Some("json") {
                continue;
            }
            let parts: Vec<_> = meta.location.parts().collect();
            let owner = (parts.len() == 4)
                .then(|| ObjectPath::from_iter(parts[..3].iter().cloned()))
                .filter(|prefix| live.contains(prefix));
            if owner.is_none() {
                self.remove([meta.location.clone()]).await?;
            }
        }
        if removed > 0 {
            log::info!("{removed} expired uploads removed");
        }
        Ok(removed)
    }

    /// Deletes a finished blob's file (one no record names, past its grace).
    pub async fn delete_blob(&self, tenant: Uuid, hash: &str) -> HubResult<()> {
        if !valid_hash(hash) {
            return Err(HubError::BadRequest("blob hash".into()));
        }
        self.remove([key(tenant, hash)]).await
    }

    /// A stored blob's bytes, streamed.
    pub async fn open_blob(&self, tenant: Uuid, hash: &str) -> HubResult<BlobStream> {
        if !valid_hash(hash) {
            return Err(HubError::BadRequest("not a content hash".into()));
        }
        let got = self.objects.get(&key(tenant, hash)).await.map_err(object_err)?;
        Ok(BlobStream { size: got.meta.size, bytes: got.into_stream() })
    }

    /// A stored blob's bytes, whole (tests and tools).
    pub async fn read(&self, tenant: Uuid, hash: &str) -> HubResult<Vec<u8>> {
        if !valid_hash(hash) {
            return Err(HubError::BadRequest("not a content hash".into()));
        }
        let got = self.objects.get(&key(tenant, hash)).await.map_err(object_err)?;
        Ok(got.bytes().await.map_err(object_err)?.to_vec())
    }

    /// Upload descriptions and chunks stored (tests: nothing left behind).
    pub async fn upload_objects(&self) -> HubResult<(usize, usize)> {
        let listed: Vec<_> =
            self.objects.list(Some(&ObjectPath::from(UPLOADS))).try_collect().await.map_err(object_err)?;
        let descriptions = listed.iter().filter(|m| m.location.extension() == Some("json")).count();
        Ok((descriptions, listed.len() - descriptions))
    }
}

/// Deletes the blobs published more than [`ORPHAN_GRACE_MS`] before `now_ms`
/// that no record names (a tablet's uploads whose photos never came, or
/// files pushed to fill the disk); returns how many went. Their rows go
/// first, in a transaction, then their files: a file whose row is gone and
/// whose deletion failed is only disk, never a dangling reference.
pub async fn sweep_orphans<B: crate::backend::Backend + Send + Sync + 'static>(
    backend: &Arc<B>,
    blobs: &BlobStore,
    now_ms: i64,
) -> HubResult<usize> {
    let mut removed = 0;
    loop {
        let b = backend.clone();
        let batch = tokio::task::spawn_blocking(move || {
            b.transaction(crate::backend::Scope::Admin, |tx| tx.take_orphan_blobs(now_ms - ORPHAN_GRACE_MS, 500))
        })
        .await
        .map_err(|_| HubError::Storage("worker thread failed".into()))??;
        if batch.is_empty() {
            break;
        }
        for (tenant, hash) in &batch {
            blobs.delete_blob(*tenant, hash).await?;
        }
        removed += batch.len();
    }
    if removed > 0 {
        log::info!("{removed} blobs no record names removed after their grace period");
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resumable_and_content_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let (tenant, device) = (Uuid::now_v7(), Uuid::now_v7());
        let data = vec![7u8; 1000];
        let hash = blake3::hash(&data).to_hex().to_string();
        let up = store.create(tenant, device, 1000, &hash, 0, 0).await.unwrap();
        assert_eq!(store.append(&up, 0, &data[..300]).await.unwrap(), Appended::Partial(300));
        assert!(matches!(store.append(&up, 100, &data[..10]).await, Err(HubError::Conflict(_))));
        assert_eq!(store.find(tenant, device, up.id, 1).await.unwrap().1, 300);
        assert!(store.find(Uuid::now_v7(), device, up.id, 1).await.is_err(), "another tenant cannot see it");
        assert!(
            matches!(store.find(tenant, Uuid::now_v7(), up.id, 1).await, Err(HubError::NotFound(_))),
            "nor another device of the same tenant"
        );
        assert!(matches!(store.publish(&up).await, Err(HubError::Conflict(_))), "not before every byte");
        assert_eq!(store.append(&up, 300, &data[300..]).await.unwrap(), Appended::Complete);
        let (up, offset) = store.find(tenant, device, up.id, 1).await.unwrap();
        assert!(BlobStore::needs_publishing(&up, offset));
        store.publish(&up).await.unwrap();
        let (up, offset) = store.find(tenant, device, up.id, 1).await.unwrap();
        assert!(!BlobStore::needs_publishing(&up, offset));
        assert_eq!(offset, 1000);
        assert_eq!(store.read(tenant, &hash).await.unwrap(), data);
        assert!(matches!(store.read(Uuid::now_v7(), &hash).await, Err(HubError::NotFound(_))));
        // A wrong declared hash keeps nothing.
        let up = store.create(tenant, device, 4, &blake3::hash(b"abcd").to_hex(), 0, 0).await.unwrap();
        assert_eq!(store.append(&up, 0, b"abce").await.unwrap(), Appended::Complete);
        assert!(matches!(store.publish(&up).await, Err(HubError::ChecksumMismatch)));
        assert_eq!(store.find(tenant, device, up.id, 1).await.unwrap().1, 0);
        // Expired uploads are gone.
        assert!(matches!(store.find(tenant, device, up.id, UPLOAD_TTL_MS + 10).await, Err(HubError::Gone)));
        assert!(store.create(tenant, device, 1, "not-a-hash", 0, 0).await.is_err());
    }

    #[tokio::test]
    async fn two_stores_on_one_storage_continue_each_others_uploads() {
        // Two hub processes in front of one storage: each opens its own
        // BlobStore; nothing of an upload stays in either.
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (BlobStore::open(dir.path()).unwrap(), BlobStore::open(dir.path()).unwrap());
        let (tenant, device) = (Uuid::now_v7(), Uuid::now_v7());
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 256) as u8).collect();
        let hash = blake3::hash(&data).to_hex().to_string();
        let up = a.create(tenant, device, data.len() as u64, &hash, 0, 0).await.unwrap();
        assert_eq!(b.find(tenant, device, up.id, 1).await.unwrap().1, 0);
        assert_eq!(b.append(&up, 0, &data[..4000]).await.unwrap(), Appended::Partial(4000));
        assert_eq!(a.find(tenant, device, up.id, 1).await.unwrap().1, 4000);
        assert!(matches!(a.append(&up, 0, &data[..4000]).await, Err(HubError::Conflict(_))));
        assert_eq!(a.append(&up, 4000, &data[4000..]).await.unwrap(), Appended::Complete);
        b.publish(&up).await.unwrap();
        assert_eq!(a.read(tenant, &hash).await.unwrap(), data);
        assert_eq!(a.find(tenant, device, up.id, 1).await.unwrap().1, data.len() as u64);
        // Only the description is left, until it expires.
        assert_eq!(a.upload_objects().await.unwrap(), (1, 0));
    }

    #[tokio::test]
    async fn a_device_has_a_quota_and_expired_uploads_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let (tenant, device, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let hash = blake3::hash(b"x").to_hex().to_string();
        for _ in 0..MAX_UPLOADS_PER_DEVICE {
            store.create(tenant, device, 1, &hash, 0, 0).await.unwrap();
        }
        assert!(matches!(store.create(tenant, device, 1, &hash, 0, 0).await, Err(HubError::QuotaExceeded)));
        // Another device is not held back by it.
        store.create(tenant, other, 1, &hash, 0, 0).await.unwrap();
        // Declared bytes count too: 1 + 3 × 64 MiB fit in 256 MiB, a fourth does not.
        for _ in 0..3 {
            store.create(tenant, other, MAX_BLOB_BYTES, &hash, 0, 0).await.unwrap();
        }
        assert!(matches!(store.create(tenant, other, MAX_BLOB_BYTES, &hash, 0, 0).await, Err(HubError::QuotaExceeded)));
        // A finished upload no longer counts; its description stays until it expires.
        let done = store.create(tenant, other, 1, &hash, 0, 0).await.unwrap();
        assert_eq!(store.append(&done, 0, b"x").await.unwrap(), Appended::Complete);
        store.publish(&done).await.unwrap();
        store.create(tenant, other, 1, &hash, 0, 0).await.unwrap();
        // A chunk without a description (an upload expired while it arrived).
        store.objects.put(&chunk_key(other, Uuid::now_v7(), 0), PutPayload::from(vec![1u8])).await.unwrap();
        // Once expired, the quota frees itself (the device's 32 go as it
        // creates again); the sweep takes the rest and leaves nothing.
        let later = UPLOAD_TTL_MS + 1;
        let fresh = store.create(tenant, device, 1, &hash, 0, later).await.unwrap();
        store.append(&fresh, 0, b"x").await.unwrap();
        assert_eq!(store.sweep(later).await.unwrap(), 1 + 3 + 1 + 1, "the other's expired uploads");
        assert_eq!(store.find(tenant, device, fresh.id, later).await.unwrap().1, 1, "a live upload keeps its bytes");
        let swept = store.sweep(2 * UPLOAD_TTL_MS + 2).await.unwrap();
        assert_eq!(swept, 1, "the device's new one");
        assert_eq!(store.upload_objects().await.unwrap(), (0, 0), "nothing left behind");
    }

    #[tokio::test]
    async fn a_large_blob_is_published_in_parts() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let (tenant, device) = (Uuid::now_v7(), Uuid::now_v7());
        let data: Vec<u8> = (0..(PART_BYTES * 2 + 12_345)).map(|i| (i % 251) as u8).collect();
        let hash = blake3::hash(&data).to_hex().to_string();
        let up = store.create(tenant, device, data.len() as u64, &hash, 0, 0).await.unwrap();
        let mut offset = 0;
        for piece in data.chunks(3 * 1024 * 1024) {
            store.append(&up, offset, piece).await.unwrap();
            offset += piece.len() as u64;
        }
        store.publish(&up).await.unwrap();
        assert_eq!(store.read(tenant, &hash).await.unwrap(), data);
        let blob = store.open_blob(tenant, &hash).await.unwrap();
        assert_eq!(blob.size, data.len() as u64);
    }
}
