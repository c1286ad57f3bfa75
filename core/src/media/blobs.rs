//! The device's folder of encrypted photo files, named by the BLAKE3 of
//! their bytes (the same name the hub stores them under).
//!
//! A file is written under a temporary name, flushed to disk, then renamed
//! into place, so a name never points at half a file. Which files belong to
//! a photo is the store's business; [`BlobFolder::sweep`] removes the rest.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const TMP_DIR: &str = "tmp";

/// A BLAKE3 hex name: 64 lowercase hex digits, nothing that could walk out
/// of the folder.
pub fn is_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The BLAKE3 hex name of `bytes`.
pub fn blob_name(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[derive(Debug)]
pub struct BlobFolder {
    root: PathBuf,
}

impl BlobFolder {
    /// Opens (creating) the folder; clears temporary files left by a crash.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<BlobFolder> {
        let root = root.into();
        fs::create_dir_all(root.join(TMP_DIR))?;
        for entry in fs::read_dir(root.join(TMP_DIR))? {
            fs::remove_file(entry?.path())?;
        }
        Ok(BlobFolder { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file named `hash` lives. One flat folder: a tablet holds
    /// thousands of photos, not millions, and one folder means one
    /// directory sync for both files of an ingest.
    pub fn path_of(&self, hash: &str) -> io::Result<PathBuf> {
        if !is_blob_name(hash) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a blob name"));
        }
        Ok(self.root.join(hash))
    }

    /// Stores `bytes` durably and returns their name. Storing the same bytes
    /// again is harmless.
    pub fn put(&self, bytes: &[u8]) -> io::Result<String> {
        let hash = blob_name(bytes);
        self.put_named(&hash, bytes)?;
        Ok(hash)
    }

    /// Stores bytes already known (and checked) to hash to `hash`.
    pub fn put_named(&self, hash: &str, bytes: &[u8]) -> io::Result<()> {
        self.put_all(&[(hash, bytes)])
    }

    /// Stores several files durably: each flushed, renamed into place, then
    /// one sync of the folder makes the names durable.
    pub fn put_all(&self, files: &[(&str, &[u8])]) -> io::Result<()> {
        let mut renamed = false;
        for (hash, bytes) in files {
            let path = self.path_of(hash)?;
            if path.exists() {
                continue;
            }
            let tmp = self.root.join(TMP_DIR).join(format!("{hash}.{}", uuid::Uuid::now_v7()));
            let mut f = File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            fs::rename(&tmp, &path)?;
            renamed = true;
        }
        if renamed {
            sync_dir(&self.root)?;
        }
        Ok(())
    }

    pub fn open_file(&self, hash: &str) -> io::Result<File> {
        File::open(self.path_of(hash)?)
    }

    pub fn read(&self, hash: &str) -> io::Result<Vec<u8>> {
        fs::read(self.path_of(hash)?)
    }

    pub fn contains(&self, hash: &str) -> bool {
        self.path_of(hash).is_ok_and(|p| p.is_file())
    }

    pub fn remove(&self, hash: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(hash)?) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every stored file's name and age.
    pub fn list(&self) -> io::Result<Vec<(String, Duration)>> {
        let now = SystemTime::now();
        let mut out = Vec::new();
        for f in fs::read_dir(&self.root)? {
            let f = f?;
            let Some(hash) = f.file_name().to_str().map(str::to_owned) else { continue };
            if is_blob_name(&hash) && f.file_type()?.is_file() {
                let age = f.metadata()?.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
                out.push((hash, age));
            }
        }
        Ok(out)
    }

    /// Removes the files `keep` says no, returning how many went.
    pub fn sweep(&self, mut keep: impl FnMut(&str) -> bool) -> io::Result<usize> {
        let mut removed = 0;
        for (hash, _) in self.list()? {
            if !keep(&hash) {
                self.remove(&hash)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_content_and_refuses_names_that_walk_out() {
        let dir = tempfile::tempdir().unwrap();
        let folder = BlobFolder::open(dir.path().join("media")).unwrap();
        let h = folder.put(b"sealed bytes").unwrap();
        assert_eq!(h, blob_name(b"sealed bytes"));
        assert_eq!(folder.put(b"sealed bytes").unwrap(), h);
        assert_eq!(folder.read(&h).unwrap(), b"sealed bytes");
        assert_eq!(folder.list().unwrap().len(), 1);
        for bad in ["../../etc/passwd", "", &h.to_uppercase(), &h[..63]] {
            assert!(folder.path_of(bad).is_err(), "{bad}");
        }
        assert_eq!(folder.sweep(|_| false).unwrap(), 1);
        assert!(!folder.contains(&h));
    }

    #[test]
    fn leftover_temporary_files_are_cleared_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("media");
        BlobFolder::open(&root).unwrap();
        fs::write(root.join(TMP_DIR).join("half-written"), b"partial").unwrap();
        BlobFolder::open(&root).unwrap();
        assert_eq!(fs::read_dir(root.join(TMP_DIR)).unwrap().count(), 0);
    }
}
