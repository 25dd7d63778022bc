//! Content-addressed download cache.
//!
//! Layout under the cache directory:
//!
//! - `blobs/<aa>/<sha256>`: the bytes, named by their SHA-256 (so identical documents
//!   served under several URLs are stored once);
//! - `index/<sha256 of the URL>.json`: `{url, sha256, content_type, final_url, size,
//!   fetched_at}`;
//! - `tmp/`: files being written.
//!
//! Every file is written to `tmp/` first, synced, then renamed into place. A rename is
//! atomic, so a SIGKILL or crash at any moment leaves either the old entry, the new entry
//! or no entry — never half a file under its final name. The blob is renamed before the
//! index entry that points at it, so an index entry never points at a missing blob.
//! Reads verify the blob's hash anyway, so a blob damaged behind our back is a miss, not
//! wrong data.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::{FetchError, sha256_hex};

/// One cached response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct IndexEntry {
    pub url: String,
    pub sha256: String,
    pub content_type: Option<String>,
    pub final_url: Option<String>,
    pub size: u64,
    /// Seconds since the Unix epoch.
    pub fetched_at: u64,
}

pub(crate) struct Cache {
    root: PathBuf,
}

static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn cache_err(path: &Path, e: impl std::fmt::Display) -> FetchError {
    FetchError::Cache {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

impl Cache {
    pub(crate) fn open(root: &Path) -> Result<Self, FetchError> {
        for sub in ["blobs", "index", "tmp"] {
            let p = root.join(sub);
            fs::create_dir_all(&p).map_err(|e| cache_err(&p, e))?;
        }
        let cache = Cache {
            root: root.to_path_buf(),
        };
        cache.sweep_stale_tmp();
        Ok(cache)
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Temp files of killed runs are garbage; only old ones are removed because another
    /// process may be writing a fresh one right now.
    fn sweep_stale_tmp(&self) {
        let Ok(rd) = fs::read_dir(self.root.join("tmp")) else {
            return;
        };
        let cutoff = SystemTime::now() - Duration::from_secs(3600);
        for entry in rd.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff);
            if old {
                let _ = fs::remove_file(entry.path());
            }
        }
    }

    fn index_path(&self, url: &str) -> PathBuf {
        self.root
            .join("index")
            .join(format!("{}.json", sha256_hex(url.as_bytes())))
    }

    fn blob_path(&self, sha: &str) -> PathBuf {
        let shard = sha.get(..2).unwrap_or("00");
        self.root.join("blobs").join(shard).join(sha)
    }

    /// The cached entry and bytes for `url`, if present and intact.
    pub(crate) fn get(&self, url: &str) -> Option<(IndexEntry, Vec<u8>)> {
        let text = fs::read(self.index_path(url)).ok()?;
        let entry: IndexEntry = serde_json::from_slice(&text).ok()?;
        if entry.url != url {
            return None;
        }
        let bytes = fs::read(self.blob_path(&entry.sha256)).ok()?;
        if sha256_hex(&bytes) != entry.sha256 {
            return None;
        }
        Some((entry, bytes))
    }

    /// Stores `bytes` (whose hash is `entry.sha256`) and the index entry.
    pub(crate) fn put(&self, entry: &IndexEntry, bytes: &[u8]) -> Result<(), FetchError> {
        let blob = self.blob_path(&entry.sha256);
        if !blob.exists() {
            if let Some(dir) = blob.parent() {
                fs::create_dir_all(dir).map_err(|e| cache_err(dir, e))?;
            }
            self.write_atomic(&blob, bytes)?;
        }
        let json = serde_json::to_vec(entry).map_err(|e| cache_err(&blob, e))?;
        self.write_atomic(&self.index_path(&entry.url), &json)
    }

    fn write_atomic(&self, dest: &Path, bytes: &[u8]) -> Result<(), FetchError> {
        let n = TMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = self.root.join("tmp").join(format!(
            "{}-{n}-{:08x}",
            std::process::id(),
            fastrand::u32(..)
        ));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            // Without the sync a power loss could leave a renamed but empty file.
            f.sync_all()?;
            fs::rename(&tmp, dest)
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            cache_err(dest, e)
        })
    }
}
