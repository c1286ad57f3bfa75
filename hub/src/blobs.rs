//! Blob storage and resumable uploads over tus 1.0 (core protocol with the
//! creation, checksum and expiration extensions), so any tus client can
//! upload a photo, resume it after a cut at any byte, and a repeated upload
//! of the same content is harmless.
//!
//! Blobs are stored by content hash (BLAKE3, hex) per tenant. The hub never
//! sees plaintext: photos arrive already encrypted by the device.
//! Uploads in progress live in `uploads/DEVICE/` as the bytes received so
//! far plus a small JSON description: an upload is its device's alone (no
//! other device can see, resume or append to it), each device has a quota
//! of uploads in progress, and they expire after [`UPLOAD_TTL_MS`] (swept
//! by [`BlobStore::sweep`], which the server runs periodically).
//! Who may *read* a finished blob is the sync rules' business (a photo of a
//! resident in the device's units refers to it), checked by the API.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
/// Bytes one device may have declared for its uploads in progress.
pub const MAX_PENDING_BYTES_PER_DEVICE: u64 = 256 * 1024 * 1024;
/// Blobs published at once: each holds one part in memory, so the hub's
/// memory for publishing is bounded whatever the number of requests.
pub const MAX_CONCURRENT_PUBLISHES: usize = 4;
/// The part size streamed to the object store (S3 needs ≥ 5 MiB parts).
const PART_BYTES: usize = 8 * 1024 * 1024;

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
}

/// Where blobs and uploads live. Unfinished uploads are files on the hub's
/// disk (tus appends; object stores cannot); finished blobs go to an object
/// store, named `TENANT/HASH`: a local folder by default, S3-compatible
/// storage when configured. The same code serves both.
pub struct BlobStore {
    uploads: PathBuf,
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

fn worker() -> HubError {
    HubError::Storage("worker thread failed".into())
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
        Self::with_objects(&root.join("uploads"), Arc::new(objects))
    }

    /// S3-compatible storage for finished blobs (`s3://bucket`, with the
    /// endpoint and credentials from the standard AWS_* variables), uploads
    /// in progress under `uploads`.
    pub fn open_s3(url: &str, uploads: &Path) -> HubResult<Self> {
        // object_store's HTTP client needs a process-wide rustls provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()
            .map_err(|e| HubError::Storage(format!("S3 configuration: {e}")))?;
        Self::with_objects(uploads, Arc::new(s3))
    }

    /// S3-compatible storage at an explicit endpoint (a MinIO, Garage or
    /// moto server), path-style, for finished blobs.
    pub fn open_s3_endpoint(
        endpoint: &str,
        bucket: &str,
        access_key: &str,
        secret_key: &str,
        region: &str,
        uploads: &Path,
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
        Self::with_objects(uploads, Arc::new(s3))
    }

    pub fn with_objects(uploads: &Path, objects: Arc<dyn ObjectStore>) -> HubResult<Self> {
        std::fs::create_dir_all(uploads).map_err(io)?;
        Ok(BlobStore {
            uploads: uploads.to_owned(),
            objects,
            publishing: tokio::sync::Semaphore::new(MAX_CONCURRENT_PUBLISHES),
        })
    }

    fn device_dir(&self, device: Uuid) -> PathBuf {
        self.uploads.join(device.simple().to_string())
    }

    fn upload_paths(&self, device: Uuid, id: Uuid) -> (PathBuf, PathBuf) {
        let base = self.device_dir(device).join(id.simple().to_string());
        (base.with_extension("part"), base.with_extension("json"))
    }

    /// The device's uploads still in progress (bytes expected), after
    /// removing its expired ones.
    fn in_progress(&self, device: Uuid, now_ms: i64) -> HubResult<Vec<Upload>> {
        let dir = self.device_dir(device);
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io(e)),
        };
        for entry in entries {
            let path = entry.map_err(io)?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Some(upload) = std::fs::read(&path).ok().and_then(|b| serde_json::from_slice::<Upload>(&b).ok()) else {
                continue;
            };
            let part = path.with_extension("part");
            if upload.expires_ms < now_ms {
                let _ = std::fs::remove_file(&part);
                let _ = std::fs::remove_file(&path);
            } else if part.exists() {
                out.push(upload);
            }
        }
        Ok(out)
    }

    /// Starts an upload, within the device's quota.
    pub fn create(&self, tenant: Uuid, device: Uuid, length: u64, hash: &str, now_ms: i64) -> HubResult<Upload> {
        if !valid_hash(hash) {
            return Err(HubError::BadRequest(
                "Upload-Metadata needs blake3, the content's hash in lower-case hex".into(),
            ));
        }
        if length > MAX_BLOB_BYTES {
            return Err(HubError::TooLarge);
        }
        let pending = self.in_progress(device, now_ms)?;
        let pending_bytes: u64 = pending.iter().map(|u| u.length).sum();
        if pending.len() >= MAX_UPLOADS_PER_DEVICE || pending_bytes + length > MAX_PENDING_BYTES_PER_DEVICE {
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
        };
        std::fs::create_dir_all(self.device_dir(device)).map_err(io)?;
        let (part, meta) = self.upload_paths(device, upload.id);
        std::fs::File::create(&part).map_err(io)?;
        std::fs::write(&meta, serde_json::to_vec(&upload).map_err(|e| HubError::Storage(e.to_string()))?)
            .map_err(io)?;
        Ok(upload)
    }

    /// The device's upload and the bytes received, if it exists and has not
    /// expired. A finished upload reports its whole length. Another
    /// device's upload does not exist, for this device.
    pub fn find(&self, tenant: Uuid, device: Uuid, id: Uuid, now_ms: i64) -> HubResult<(Upload, u64)> {
        let (part, meta) = self.upload_paths(device, id);
        let not_found = || HubError::NotFound(format!("upload {id}"));
        let upload: Upload = match std::fs::read(&meta) {
            Ok(b) => serde_json::from_slice(&b).map_err(|_| HubError::Storage(format!("upload {id} unreadable")))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
            Err(e) => return Err(io(e)),
        };
        if upload.tenant != tenant || upload.device != device {
            return Err(not_found());
        }
        if upload.expires_ms < now_ms {
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&meta);
            return Err(HubError::Gone);
        }
        let offset = match std::fs::metadata(&part) {
            Ok(m) => m.len(),
            // Published: the part is gone (the description stays until it
            // expires, so that a client retrying its last chunk learns so).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((upload.clone(), upload.length)),
            Err(e) => return Err(io(e)),
        };
        Ok((upload, offset))
    }

    /// Whether every byte arrived but the blob is not published yet (a
    /// crash between the two): publishing again is harmless.
    pub fn needs_publishing(&self, upload: &Upload) -> bool {
        let (part, _) = self.upload_paths(upload.device, upload.id);
        std::fs::metadata(part).is_ok_and(|m| m.len() == upload.length)
    }

    /// Appends a chunk at `offset`. The chunk was already checked (its
    /// checksum) by the caller.
    pub fn append(&self, upload: &Upload, offset: u64, chunk: &[u8]) -> HubResult<Appended> {
        let (part, _) = self.upload_paths(upload.device, upload.id);
        let current = match std::fs::metadata(&part) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => upload.length,
            Err(e) => return Err(io(e)),
        };
        if current != offset {
            return Err(HubError::Conflict("Upload-Offset differs from the bytes received"));
        }
        if offset + chunk.len() as u64 > upload.length {
            return Err(HubError::BadRequest("more bytes than Upload-Length".into()));
        }
        let mut f = std::fs::OpenOptions::new().append(true).open(&part).map_err(io)?;
        f.write_all(chunk).map_err(io)?;
        f.sync_data().map_err(io)?;
        let new_offset = offset + chunk.len() as u64;
        Ok(if new_offset == upload.length { Appended::Complete } else { Appended::Partial(new_offset) })
    }

    /// Checks the whole content against its declared hash and stores it
    /// under its name, streaming it in parts (at most
    /// [`MAX_CONCURRENT_PUBLISHES`] at once); then forgets the upload's bytes.
    pub async fn publish(&self, upload: &Upload) -> HubResult<()> {
        let _permit = self.publishing.acquire().await.map_err(|_| HubError::Storage("blob store closed".into()))?;
        let (part, _) = self.upload_paths(upload.device, upload.id);
        let read = part.clone();
        let hash = tokio::task::spawn_blocking(move || -> std::io::Result<String> {
            let mut f = std::fs::File::open(read)?;
            let mut h = blake3::Hasher::new();
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    return Ok(h.finalize().to_hex().to_string());
                }
                h.update(&buf[..n]);
            }
        })
        .await
        .map_err(|_| worker())?
        .map_err(io)?;
        if hash != upload.hash {
            // Keep nothing: the device uploads again from zero.
            std::fs::File::create(&part).map_err(io)?;
            return Err(HubError::ChecksumMismatch);
        }
        // Same content, same name: a repeated upload rewrites identical bytes.
        let location = key(upload.tenant, &upload.hash);
        if upload.length <= PART_BYTES as u64 {
            let bytes = tokio::fs::read(&part).await.map_err(io)?;
            self.objects.put(&location, PutPayload::from(bytes)).await.map_err(object_err)?;
        } else {
            use tokio::io::AsyncReadExt;
            let mut writer = WriteMultipart::new_with_chunk_size(
                self.objects.put_multipart(&location).await.map_err(object_err)?,
                PART_BYTES,
            );
            let mut f = tokio::fs::File::open(&part).await.map_err(io)?;
            let mut buf = vec![0u8; 1024 * 1024];
            let streamed: HubResult<()> = async {
                loop {
                    let n = f.read(&mut buf).await.map_err(io)?;
                    if n == 0 {
                        return Ok(());
                    }
                    // One part in flight at a time: memory stays ~2 parts.
                    writer.wait_for_capacity(1).await.map_err(object_err)?;
                    writer.write(&buf[..n]);
                }
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
        std::fs::remove_file(&part).map_err(io)?;
        log::info!("blob {} of tenant {} stored ({} bytes)", upload.hash, upload.tenant, upload.length);
        Ok(())
    }

    /// Removes every expired upload (bytes and description) and the empty
    /// folders of devices; returns how many uploads went.
    pub fn sweep(&self, now_ms: i64) -> HubResult<usize> {
        let mut removed = 0;
        for entry in std::fs::read_dir(&self.uploads).map_err(io)? {
            let dir = entry.map_err(io)?.path();
            if !dir.is_dir() {
                continue;
            }
            for file in std::fs::read_dir(&dir).map_err(io)? {
                let path = file.map_err(io)?.path();
                if path.extension().is_none_or(|e| e != "json") {
                    continue;
                }
                let expired = std::fs::read(&path)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Upload>(&b).ok())
                    .is_none_or(|u| u.expires_ms < now_ms);
                if expired {
                    let _ = std::fs::remove_file(path.with_extension("part"));
                    let _ = std::fs::remove_file(&path);
                    removed += 1;
                }
            }
            // Parts without a description are leftovers of a crash in create.
            for file in std::fs::read_dir(&dir).map_err(io)? {
                let path = file.map_err(io)?.path();
                if path.extension().is_some_and(|e| e == "part") && !path.with_extension("json").exists() {
                    let _ = std::fs::remove_file(&path);
                }
            }
            let _ = std::fs::remove_dir(&dir); // only if empty
        }
        if removed > 0 {
            log::info!("{removed} expired uploads removed");
        }
        Ok(removed)
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
        let up = store.create(tenant, device, 1000, &hash, 0).unwrap();
        assert_eq!(store.append(&up, 0, &data[..300]).unwrap(), Appended::Partial(300));
        assert!(matches!(store.append(&up, 100, &data[..10]), Err(HubError::Conflict(_))));
        assert_eq!(store.find(tenant, device, up.id, 1).unwrap().1, 300);
        assert!(store.find(Uuid::now_v7(), device, up.id, 1).is_err(), "another tenant cannot see it");
        assert!(
            matches!(store.find(tenant, Uuid::now_v7(), up.id, 1), Err(HubError::NotFound(_))),
            "nor another device of the same tenant"
        );
        assert_eq!(store.append(&up, 300, &data[300..]).unwrap(), Appended::Complete);
        assert!(store.needs_publishing(&up));
        store.publish(&up).await.unwrap();
        assert!(!store.needs_publishing(&up));
        assert_eq!(store.find(tenant, device, up.id, 1).unwrap().1, 1000);
        assert_eq!(store.read(tenant, &hash).await.unwrap(), data);
        assert!(matches!(store.read(Uuid::now_v7(), &hash).await, Err(HubError::NotFound(_))));
        // A wrong declared hash keeps nothing.
        let up = store.create(tenant, device, 4, &blake3::hash(b"abcd").to_hex(), 0).unwrap();
        assert_eq!(store.append(&up, 0, b"abce").unwrap(), Appended::Complete);
        assert!(matches!(store.publish(&up).await, Err(HubError::ChecksumMismatch)));
        assert_eq!(store.find(tenant, device, up.id, 1).unwrap().1, 0);
        // Expired uploads are gone.
        assert!(matches!(store.find(tenant, device, up.id, UPLOAD_TTL_MS + 10), Err(HubError::Gone)));
        assert!(store.create(tenant, device, 1, "not-a-hash", 0).is_err());
    }

    #[tokio::test]
    async fn a_device_has_a_quota_and_expired_uploads_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let (tenant, device, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let hash = blake3::hash(b"x").to_hex().to_string();
        for _ in 0..MAX_UPLOADS_PER_DEVICE {
            store.create(tenant, device, 1, &hash, 0).unwrap();
        }
        assert!(matches!(store.create(tenant, device, 1, &hash, 0), Err(HubError::QuotaExceeded)));
        // Another device is not held back by it.
        store.create(tenant, other, 1, &hash, 0).unwrap();
        // Declared bytes count too: 1 + 3 × 64 MiB fit in 256 MiB, a fourth does not.
        for _ in 0..3 {
            store.create(tenant, other, MAX_BLOB_BYTES, &hash, 0).unwrap();
        }
        assert!(matches!(store.create(tenant, other, MAX_BLOB_BYTES, &hash, 0), Err(HubError::QuotaExceeded)));
        // A finished upload no longer counts; its description stays until it expires.
        let done = store.create(tenant, other, 1, &hash, 0).unwrap();
        assert_eq!(store.append(&done, 0, b"x").unwrap(), Appended::Complete);
        store.publish(&done).await.unwrap();
        // Once expired, the quota frees itself (the device's 32 go as it
        // creates again); the sweep takes the rest and leaves nothing.
        let later = UPLOAD_TTL_MS + 1;
        store.create(tenant, device, 1, &hash, later).unwrap();
        let swept = store.sweep(2 * UPLOAD_TTL_MS + 2).unwrap();
        assert_eq!(
            swept,
            1 + (1 + 3 + 1),
            "the device's new one; the other's small one, three large ones and the finished one"
        );
        assert_eq!(std::fs::read_dir(dir.path().join("uploads")).unwrap().count(), 0, "nothing left behind");
    }

    #[tokio::test]
    async fn a_large_blob_is_published_in_parts() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let (tenant, device) = (Uuid::now_v7(), Uuid::now_v7());
        let data: Vec<u8> = (0..(PART_BYTES * 2 + 12_345)).map(|i| (i % 251) as u8).collect();
        let hash = blake3::hash(&data).to_hex().to_string();
        let up = store.create(tenant, device, data.len() as u64, &hash, 0).unwrap();
        assert_eq!(store.append(&up, 0, &data).unwrap(), Appended::Complete);
        store.publish(&up).await.unwrap();
        assert_eq!(store.read(tenant, &hash).await.unwrap(), data);
        let blob = store.open_blob(tenant, &hash).await.unwrap();
        assert_eq!(blob.size, data.len() as u64);
    }
}
