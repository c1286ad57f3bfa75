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

/// Where blobs and uploads live: a folder (the embedded default).
pub struct BlobStore {
    root: PathBuf,
}

fn valid_hash(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn io(e: std::io::Error) -> HubError {
    HubError::Storage(format!("blob storage: {e}"))
}

impl BlobStore {
    pub fn open(root: &Path) -> HubResult<Self> {
        std::fs::create_dir_all(root.join("uploads")).map_err(io)?;
        Ok(BlobStore { root: root.to_owned() })
    }

    fn blob_path(&self, tenant: Uuid, hash: &str) -> PathBuf {
        self.root.join(tenant.simple().to_string()).join(hash)
    }

    fn upload_paths(&self, id: Uuid) -> (PathBuf, PathBuf) {
        let base = self.root.join("uploads").join(id.simple().to_string());
        (base.with_extension("part"), base.with_extension("json"))
    }

    /// Starts an upload, or says the blob is already complete.
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

    /// The upload and its offset, if it exists, belongs to `tenant` and has not expired.
    pub fn find(&self, tenant: Uuid, id: Uuid, now_ms: i64) -> HubResult<(Upload, u64)> {
        let (part, meta) = self.upload_paths(id);
        let not_found = || HubError::NotFound(format!("upload {id}"));
        let upload: Upload = match std::fs::read(&meta) {
            Ok(b) => serde_json::from_slice(&b).map_err(|_| HubError::Storage(format!("upload {id} unreadable")))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(not_found());
            }
            Err(e) => return Err(io(e)),
        };
        if upload.tenant != tenant {
            return Err(not_found());
        }
        if upload.expires_ms < now_ms {
            let _ = std::fs::remove_file(&part);
            let _ = std::fs::remove_file(&meta);
            return Err(HubError::Gone);
        }
        let offset = match std::fs::metadata(&part) {
            Ok(m) => m.len(),
            // Finished: the part was moved into place.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => upload.length,
            Err(e) => return Err(io(e)),
        };
        Ok((upload, offset))
    }

    /// Appends a chunk at `offset`; returns the new offset. The chunk was
    /// already checked (length, checksum) by the caller.
    pub fn append(&self, upload: &Upload, offset: u64, chunk: &[u8]) -> HubResult<u64> {
        let (part, _) = self.upload_paths(upload.id);
        let current = std::fs::metadata(&part).map_err(io)?.len();
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
        if new_offset == upload.length {
            self.finish(upload)?;
        }
        Ok(new_offset)
    }

    /// Checks the whole content against its declared hash and moves it into place.
    fn finish(&self, upload: &Upload) -> HubResult<()> {
        let (part, _) = self.upload_paths(upload.id);
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(std::fs::File::open(&part).map_err(io)?).map_err(io)?;
        if hasher.finalize().to_hex().as_str() != upload.hash {
            // Keep nothing: the device uploads again from zero.
            std::fs::File::create(&part).map_err(io)?;
            return Err(HubError::ChecksumMismatch);
        }
        let dest = self.blob_path(upload.tenant, &upload.hash);
        std::fs::create_dir_all(dest.parent().unwrap_or(&self.root)).map_err(io)?;
        // Same content, same name: a repeated upload replaces a blob by itself.
        std::fs::rename(&part, &dest).map_err(io)?;
        if let Some(dir) = dest.parent() {
            std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
        log::info!("blob {} of tenant {} stored ({} bytes)", upload.hash, upload.tenant, upload.length);
        Ok(())
    }

    /// Whether a blob with this hash is stored for the tenant.
    pub fn exists(&self, tenant: Uuid, hash: &str) -> bool {
        valid_hash(hash) && self.blob_path(tenant, hash).is_file()
    }

    /// A stored blob's bytes.
    pub fn read(&self, tenant: Uuid, hash: &str) -> HubResult<Vec<u8>> {
        if !valid_hash(hash) {
            return Err(HubError::BadRequest("not a content hash".into()));
        }
        std::fs::read(self.blob_path(tenant, hash)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => HubError::NotFound(format!("blob {hash}")),
            _ => io(e),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumable_and_content_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let (tenant, device) = (Uuid::now_v7(), Uuid::now_v7());
        let data = vec![7u8; 1000];
        let hash = blake3::hash(&data).to_hex().to_string();
        let up = store.create(tenant, device, 1000, &hash, 0).unwrap();
        assert_eq!(store.append(&up, 0, &data[..300]).unwrap(), 300);
        assert!(matches!(store.append(&up, 100, &data[..10]), Err(HubError::Conflict(_))));
        assert_eq!(store.find(tenant, up.id, 1).unwrap().1, 300);
        assert!(store.find(Uuid::now_v7(), up.id, 1).is_err(), "another tenant cannot see it");
        assert_eq!(store.append(&up, 300, &data[300..]).unwrap(), 1000);
        assert_eq!(store.read(tenant, &hash).unwrap(), data);
        // A wrong declared hash keeps nothing.
        let up = store.create(tenant, device, 4, &blake3::hash(b"abcd").to_hex(), 0).unwrap();
        assert!(matches!(store.append(&up, 0, b"abce"), Err(HubError::ChecksumMismatch)));
        assert_eq!(store.find(tenant, up.id, 1).unwrap().1, 0);
        // Expired uploads are gone.
        assert!(matches!(store.find(tenant, up.id, UPLOAD_TTL_MS + 10), Err(HubError::Gone)));
        assert!(store.create(tenant, device, 1, "not-a-hash", 0).is_err());
    }
}
