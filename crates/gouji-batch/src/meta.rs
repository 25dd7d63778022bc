//! Which list an output directory belongs to.
//!
//! Records are matched to list lines by line number, so resuming with an edited list
//! would silently attach old records to the wrong inputs. The directory keeps a
//! fingerprint of the list (`.gouji-batch.json`); a rerun accepts the same list or the
//! same list with lines appended (a common way to extend a batch) and refuses anything
//! else.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::BatchError;
use crate::shard::Shard;

pub(crate) const META_FILE: &str = ".gouji-batch.json";

/// Fingerprint of a list as recorded in the output directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Meta {
    pub list: String,
    pub list_bytes: u64,
    pub list_sha256: String,
    pub list_ends_with_newline: bool,
    /// The shard of the list this directory holds (`gouji run --shard K/N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
    /// Set when the batch finished: every input of the list (or shard) has its record
    /// and the outputs were derived from the journal. Cleared when a run starts on the
    /// directory again, so `gouji merge` can refuse an unfinished directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<Finished>,
    /// Number of directories merged, for the output of `gouji merge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged: Option<u32>,
}

/// What a finished batch wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Finished {
    /// Records in `reports.jsonl`.
    pub records: u64,
    /// Inputs in the whole list (all shards), so a merge can tell whether its shards
    /// cover it.
    pub list_inputs: u64,
}

/// A reader that hashes what passes through it, and remembers the hash of the first
/// `snapshot_at` bytes (to recognise an appended-to list).
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    pos: u64,
    snapshot_at: Option<u64>,
    snapshot: Option<String>,
    last_byte: Option<u8>,
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R, snapshot_at: Option<u64>) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            pos: 0,
            snapshot_at,
            snapshot: None,
            last_byte: None,
        }
    }

    fn take_snapshot_if_due(&mut self) {
        if self.snapshot.is_none() && self.snapshot_at == Some(self.pos) {
            self.snapshot = Some(hex(&self.hasher.clone().finalize()));
        }
    }

    /// `(bytes, sha256, ends with newline, sha256 of the first snapshot_at bytes)`.
    pub(crate) fn finish(mut self) -> (u64, String, bool, Option<String>) {
        self.take_snapshot_if_due();
        (
            self.pos,
            hex(&self.hasher.finalize()),
            self.last_byte == Some(b'\n'),
            self.snapshot,
        )
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut chunk = &buf[..n];
        self.take_snapshot_if_due();
        if let Some(at) = self.snapshot_at
            && self.snapshot.is_none()
            && at > self.pos
            && at < self.pos + n as u64
        {
            let (head, tail) = chunk.split_at((at - self.pos) as usize);
            self.hasher.update(head);
            self.pos += head.len() as u64;
            self.take_snapshot_if_due();
            chunk = tail;
        }
        self.hasher.update(chunk);
        self.pos += chunk.len() as u64;
        if let Some(&b) = chunk.last() {
            self.last_byte = Some(b);
        }
        self.take_snapshot_if_due();
        Ok(n)
    }
}

pub(crate) fn read_meta(dir: &Path) -> Option<Meta> {
    let mut text = String::new();
    File::open(dir.join(META_FILE))
        .ok()?
        .read_to_string(&mut text)
        .ok()?;
    serde_json::from_str(&text).ok()
}

pub(crate) fn write_meta(dir: &Path, meta: &Meta) -> Result<(), BatchError> {
    let path = dir.join(META_FILE);
    let tmp = dir.join(format!("{META_FILE}.tmp"));
    let err = |source| BatchError::Output {
        path: path.clone(),
        source,
    };
    let json = serde_json::to_vec_pretty(meta).map_err(|e| err(std::io::Error::other(e)))?;
    std::fs::write(&tmp, json)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            err(e)
        })
}

/// Whether a directory made for `old` may be resumed with the list now fingerprinted
/// as `new` (with `prefix_sha` the hash of its first `old.list_bytes` bytes).
pub(crate) fn compatible(old: &Meta, new: &Meta, prefix_sha: Option<&str>) -> bool {
    if old.list_sha256 == new.list_sha256 {
        return true;
    }
    // Appended lines are fine only if the old last line was complete; otherwise the
    // first appended text would have changed it.
    old.list_ends_with_newline
        && new.list_bytes > old.list_bytes
        && prefix_sha == Some(old.list_sha256.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(bytes: &[u8], at: Option<u64>) -> (Meta, Option<String>) {
        let mut r = HashingReader::new(bytes, at);
        let mut sink = Vec::new();
        // Small reads so the snapshot point falls inside a chunk.
        let mut buf = [0u8; 3];
        loop {
            let n = r.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            sink.extend_from_slice(&buf[..n]);
        }
        let (n, sha, nl, prefix) = r.finish();
        (
            Meta {
                list: "l".into(),
                list_bytes: n,
                list_sha256: sha,
                list_ends_with_newline: nl,
                shard: None,
                finished: None,
                merged: None,
            },
            prefix,
        )
    }

    #[test]
    fn appended_lists_are_compatible_edited_ones_not() {
        let (old, _) = fingerprint(b"a\nbb\n", None);
        let (same, p) = fingerprint(b"a\nbb\n", Some(old.list_bytes));
        assert!(compatible(&old, &same, p.as_deref()));
        let (appended, p) = fingerprint(b"a\nbb\ncc\n", Some(old.list_bytes));
        assert!(compatible(&old, &appended, p.as_deref()));
        let (edited, p) = fingerprint(b"a\nbx\ncc\n", Some(old.list_bytes));
        assert!(!compatible(&old, &edited, p.as_deref()));
        let (shorter, p) = fingerprint(b"a\n", Some(old.list_bytes));
        assert!(!compatible(&old, &shorter, p.as_deref()));
        let (no_nl, _) = fingerprint(b"a\nbb", None);
        let (continued, p) = fingerprint(b"a\nbbcc\n", Some(no_nl.list_bytes));
        assert!(!compatible(&no_nl, &continued, p.as_deref()));
    }
}
