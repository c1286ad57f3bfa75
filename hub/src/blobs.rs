//! Blob storage and resumable uploads over tus 1.0 (core protocol with the
//! creation, checksum and expiration extensions), so any tus client can
//! upload a photo, resume it after a cut at any byte, and a repeated upload
//! of the same content is harmless.
//!
//! Blobs are stored by content hash (BLAKE3, hex) per tenant. The hub never
//! sees plaintext: photos arrive already encrypted by the device.
//! Uploads in progress live in `uploads/` as the bytes received so far plus
//! a small JSON description; they expire after [`UPLOAD_TTL_MS`].

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{HubError, HubResult};

/// The tus version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Extensions supported.
pub const TUS_EXTENSIONS: &str = "creation,checksum,expiration";
/// Largest blob accepted (an encrypted 2048 px photo is well under this).
pub const MAX_BLOB_BYTES: u64 = 64 * 1024 * 1024;
/// How long an unfinished upload is kept.
pub const UPLOAD_TTL_MS: i64 = 24 * 3600 * 1000;

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

/// What appending a chunk led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// More bytes are expected; the new offset.
    Partial(u64),
    /// Every byte is there: publish the blob.
    Complete,
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
        Ok(BlobStore { uploads: uploads.to_owned(), objects })
    }

    fn upload_paths(&self, id: Uuid) -> (PathBuf, PathBuf) {
        let base = self.uploads.join(id.simple().to_string());
        (base.with_extension("part"), base.with_extension("json"))
    }

    /// Starts an upload.
    pub fn create(&self, tenant: Uuid, device: Uuid, length: u64, hash: &str, now_ms: i64) -> HubResult<Upload> {
        if !valid_hash(hash) {
            return Err(HubError::BadRequest(
                "Upload-Metadata needs blake3, the content's hash in lower-case hex".into(),
            ));
        }
        if length > MAX_BLOB_BYTES {
            return Err(HubError::TooLarge);
        }
        let upload = Upload {
            id: Uuid::now_v7(),
            tenant,
            device,
            length,
            hash: hash.to_owned(),
            expires_ms: now_ms + UPLOAD_TTL_MS,
        };
        let (part, meta) = self.upload_paths(upload.id);
        std::fs::File::create(&part).map_err(io)?;
        std::fs::write(&meta, serde_json::to_vec(&upload).map_err(|e| HubError::Storage(e.to_string()))?)
            .map_err(io)?;
        Ok(upload)
    }

    /// The upload and the bytes received, if it exists for `tenant` and has
    /// not expired. A finished upload reports its whole length.
    pub fn find(&self, tenant: Uuid, id: Uuid, now_ms: i64) -> HubResult<(Upload, u64)> {
        let (part, meta) = self.upload_paths(id);
        let not_found = || HubError::NotFound(format!("upload {id}"));
        let upload: Upload = match std::fs::read(&meta) {
            Ok(b) => serde_json::from_slice(&b).map_err(|_| HubError::Storage(format!("upload {id} unreadable")))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(not_found()),
            Err(e) => return Err(io(e)),
        };
        if upload.tenant != tenant {
            return Err(not_found());
        }
        let offset = match std::fs::metadata(&part) {
            Ok(m) => m.len(),
            // Published: the part is gone.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((upload.clone(), upload.length)),
            Err(e) => return Err(io(e)),
        };
        if upload.expires_ms < now_ms {
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&meta);
            return Err(HubError::Gone);
        }
        Ok((upload, offset))
    }

    /// Whether every byte arrived but the blob is not published yet (a
    /// crash between the two): publishing again is harmless.
    pub fn needs_publishing(&self, upload: &Upload) -> bool {
        let (part, _) = self.upload_paths(upload.id);
        std::fs::metadata(part).is_ok_and(|m| m.len() == upload.length)
    }

    /// Appends a chunk at `offset`. The chunk was already checked (its
    /// checksum) by the caller.
    pub fn append(&self, upload: &Upload, offset: u64, chunk: &[u8]) -> HubResult<Appended> {
        let (part, _) = self.upload_paths(upload.id);
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
    /// under its name; then forgets the upload's bytes.
    pub async fn publish(&self, upload: &Upload) -> HubResult<()> {
        let (part, _) = self.upload_paths(upload.id);
        let read = part.clone();
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(read))
            .await
            .map_err(|_| HubError::Storage("worker thread failed".into()))?
            .map_err(io)?;
        if blake3::hash(&bytes).to_hex().as_str() != upload.hash {
            // Keep nothing: the device uploads again from zero.
            std::fs::File::create(&part).map_err(io)?;
            return Err(HubError::ChecksumMismatch);
        }
        // Same content, same name: a repeated upload rewrites identical bytes.
        self.objects.put(&key(upload.tenant, &upload.hash), PutPayload::from(bytes)).await.map_err(object_err)?;
        std::fs::remove_file(&part).map_err(io)?;
        log::info!("blob {} of tenant {} stored ({} bytes)", upload.hash, upload.tenant, upload.length);
        Ok(())
    }

    /// A stored blob's bytes.
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
        assert_eq!(store.find(tenant, up.id, 1).unwrap().1, 300);
        assert!(store.find(Uuid::now_v7(), up.id, 1).is_err(), "another tenant cannot see it");
        assert_eq!(store.append(&up, 300, &data[300..]).unwrap(), Appended::Complete);
        assert!(store.needs_publishing(&up));
        store.publish(&up).await.unwrap();
        assert!(!store.needs_publishing(&up));
        assert_eq!(store.find(tenant, up.id, 1).unwrap().1, 1000);
        assert_eq!(store.read(tenant, &hash).await.unwrap(), data);
        assert!(matches!(store.read(Uuid::now_v7(), &hash).await, Err(HubError::NotFound(_))));
        // A wrong declared hash keeps nothing.
        let up = store.create(tenant, device, 4, &blake3::hash(b"abcd").to_hex(), 0).unwrap();
        assert_eq!(store.append(&up, 0, b"abce").unwrap(), Appended::Complete);
        assert!(matches!(store.publish(&up).await, Err(HubError::ChecksumMismatch)));
        assert_eq!(store.find(tenant, up.id, 1).unwrap().1, 0);
        // Expired uploads are gone.
        assert!(matches!(store.find(tenant, up.id, UPLOAD_TTL_MS + 10), Err(HubError::Gone)));
        assert!(store.create(tenant, device, 1, "not-a-hash", 0).is_err());
    }
}
