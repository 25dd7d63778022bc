//! `gouji merge OUT DIR…`: the output directories of the shards of one list
//! (`gouji run LIST --shard K/N`) merged into one output directory, as if one run had
//! processed the whole list.
//!
//! Every shard's `reports.jsonl` is in list order already (finalisation sorts it), and
//! records carry their line in the *whole* list, so the journals are merged by line
//! number, streaming, one record per shard in memory. The merged journal then goes
//! through the same finalisation as a run's ([`crate::finalize`]), which derives
//! `cells.csv`, `findings.csv` and `reports.csv`; outputs that need all records at once
//! (the cross-year pass, the SQLite dataset) are left to the caller's `after`.
//!
//! Before anything is written the inputs are checked: each must be a finished batch
//! (its `.gouji-batch.json` carries the mark a run writes after finalisation), not being
//! written by a running batch, made from the same list (same SHA-256), and together
//! they must be every shard of one split exactly once, with as many records as the
//! list has inputs.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::journal::probe_line;
use crate::meta::{self, Finished, Meta};
use crate::shard::Shard;
use crate::{BatchError, LOCK_FILE, REPORTS_JSONL, finalize};

/// Why shard directories could not be merged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MergeError {
    /// No directory to merge.
    #[error("nothing to merge: give the output directories of the shards after OUT")]
    NoInputs,
    /// A directory is not the output of `gouji run`.
    #[error(
        "{} is not a gouji output directory (no readable {}); give the --out directories of `gouji run --shard K/N`",
        dir.display(),
        meta::META_FILE
    )]
    NotABatch {
        /// The directory.
        dir: PathBuf,
    },
    /// A directory's batch has not finished.
    #[error(
        "{} holds an unfinished batch{}: rerun its `gouji run` command until it completes, then merge",
        dir.display(),
        shard.map(|s| format!(" (shard {s})")).unwrap_or_default()
    )]
    Unfinished {
        /// The directory.
        dir: PathBuf,
        /// Its shard.
        shard: Option<Shard>,
    },
    /// A batch is running on a directory.
    #[error(
        "{} is being written by a running gouji batch{}; wait for it to finish, then merge",
        dir.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy {
        /// The directory.
        dir: PathBuf,
        /// The holder's pid, as its lock file says.
        pid: Option<u32>,
    },
    /// Two directories were made from different lists.
    #[error(
        "{} and {} were made from different lists (sha256 {} vs {}); merge only the shards of one list",
        first.display(),
        other.display(),
        short(first_sha),
        short(other_sha)
    )]
    DifferentLists {
        /// The first directory.
        first: PathBuf,
        /// Its list's SHA-256.
        first_sha: String,
        /// A directory with another list.
        other: PathBuf,
        /// That list's SHA-256.
        other_sha: String,
    },
    /// Directories of different splits (`--shard K/4` and `--shard K/8`).
    #[error(
        "{} is {} but {} is {}; merge the shards of one split",
        first.display(),
        describe(*first_shard),
        other.display(),
        describe(*other_shard)
    )]
    DifferentSplits {
        /// The first directory.
        first: PathBuf,
        /// Its shard.
        first_shard: Option<Shard>,
        /// A directory of another split.
        other: PathBuf,
        /// Its shard.
        other_shard: Option<Shard>,
    },
    /// One shard given twice.
    #[error("{} and {} are both shard {shard}; give each shard once", first.display(), other.display())]
    DuplicateShard {
        /// The shard.
        shard: Shard,
        /// One directory.
        first: PathBuf,
        /// The other.
        other: PathBuf,
    },
    /// Some shards of the split are missing (the first [`MAX_LISTED_MISSING`] listed).
    #[error(
        "shard{} {}{} of {count} missing: the merge would lack their inputs; give every shard's directory",
        if missing.len() == 1 { "" } else { "s" },
        missing.iter().map(u32::to_string).collect::<Vec<_>>().join(", "),
        if missing.len() >= MAX_LISTED_MISSING { ", …" } else { "" }
    )]
    MissingShards {
        /// The indexes not given.
        missing: Vec<u32>,
        /// The split's shard count.
        count: u32,
    },
    /// The shards' records do not add up to the list (a journal changed after its run).
    #[error(
        "the shards hold {records} records but their list has {inputs} inputs; rerun the shards' `gouji run` commands, then merge"
    )]
    Incomplete {
        /// Records in all shards.
        records: u64,
        /// Inputs in the list.
        inputs: u64,
    },
    /// A journal does not agree with its directory's finish mark or order.
    #[error(
        "{}: {what}; was it edited after its run? Rerun its `gouji run` command, then merge",
        path.display()
    )]
    Inconsistent {
        /// The journal.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// One list line has a record in two directories.
    #[error(
        "list line {line} has a record in both {} and {}: they are not shards of one split",
        first.display(),
        other.display()
    )]
    DuplicateLine {
        /// The list line.
        line: u64,
        /// One directory.
        first: PathBuf,
        /// The other.
        other: PathBuf,
    },
    /// OUT is one of the inputs.
    #[error("the merge output {} is also one of the directories to merge; choose a new directory", dir.display())]
    OutIsInput {
        /// The directory.
        dir: PathBuf,
    },
    /// OUT holds something other than an earlier merge.
    #[error(
        "{} is not empty and not the output of an earlier `gouji merge`; choose a new or empty directory",
        dir.display()
    )]
    OutInUse {
        /// The directory.
        dir: PathBuf,
    },
    /// An input could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An output could not be written (or OUT's lock taken).
    #[error(transparent)]
    Output(#[from] BatchError),
}

/// How many missing shard numbers an error lists.
const MAX_LISTED_MISSING: usize = 20;

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

fn describe(s: Option<Shard>) -> String {
    s.map_or("a run over the whole list".into(), |s| format!("shard {s}"))
}

/// What a merge wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeSummary {
    /// Directories merged.
    pub dirs: usize,
    /// Records in the merged `reports.jsonl`.
    pub records: u64,
    /// Records with status `ok`.
    pub ok: u64,
    /// Records with status `partial`.
    pub partial: u64,
    /// Records with status `failed`.
    pub failed: u64,
    /// Findings in all records.
    pub findings: u64,
    /// Wall time of the merge.
    pub elapsed: Duration,
    /// The output directory.
    pub out_dir: PathBuf,
}

impl std::fmt::Display for MergeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "gouji merge: {} directories, {} records in {:.1} s",
            self.dirs,
            self.records,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  documents: {} ok, {} partial, {} failed",
            self.ok, self.partial, self.failed
        )?;
        writeln!(f, "  findings: {}", self.findings)?;
        write!(f, "  output: {}", self.out_dir.display())
    }
}

/// One directory to merge, its lock held (shared) while it is read.
struct Part {
    dir: PathBuf,
    meta: Meta,
    finished: Finished,
    _lock: Option<File>,
}

/// Takes a shared lock on a shard directory so that no batch starts writing it while it
/// is merged (and a running one is reported). Opened read-only, so shard directories
/// on a read-only mount still merge; a directory without a lock file has no run.
fn lock_shared(dir: &Path) -> Result<Option<File>, MergeError> {
    let path = dir.join(LOCK_FILE);
    let mut f = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(MergeError::Read { path, source }),
    };
    match f.try_lock_shared() {
        Ok(()) => Ok(Some(f)),
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = f.read_to_string(&mut text);
            Err(MergeError::Busy {
                dir: dir.to_path_buf(),
                pid: text.trim().parse().ok(),
            })
        }
        Err(std::fs::TryLockError::Error(source)) => Err(MergeError::Read { path, source }),
    }
}

fn open_part(dir: &Path) -> Result<Part, MergeError> {
    let lock = lock_shared(dir)?;
    let meta = meta::read_meta(dir).ok_or_else(|| MergeError::NotABatch {
        dir: dir.to_path_buf(),
    })?;
    let finished = meta.finished.ok_or_else(|| MergeError::Unfinished {
        dir: dir.to_path_buf(),
        shard: meta.shard,
    })?;
    Ok(Part {
        dir: dir.to_path_buf(),
        meta,
        finished,
        _lock: lock,
    })
}

/// Checks that the parts are every shard of one split of one list, exactly once.
fn check_parts(parts: &[Part]) -> Result<(), MergeError> {
    let Some(first) = parts.first() else {
        return Err(MergeError::NoInputs);
    };
    let count = first.meta.shard.map_or(1, |s| s.count);
    // Keyed by index, not a vector of `count` slots: `count` comes from a file.
    let mut seen: HashMap<u32, &Path> = HashMap::new();
    for p in parts {
        if p.meta.list_sha256 != first.meta.list_sha256 {
            return Err(MergeError::DifferentLists {
                first: first.dir.clone(),
                first_sha: first.meta.list_sha256.clone(),
                other: p.dir.clone(),
                other_sha: p.meta.list_sha256.clone(),
            });
        }
        if p.meta.shard.map_or(1, |s| s.count) != count {
            return Err(MergeError::DifferentSplits {
                first: first.dir.clone(),
                first_shard: first.meta.shard,
                other: p.dir.clone(),
                other_shard: p.meta.shard,
            });
        }
        let shard = p.meta.shard.unwrap_or(Shard { index: 0, count: 1 });
        if shard.index >= count {
            // Not a meta gouji wrote.
            return Err(MergeError::NotABatch { dir: p.dir.clone() });
        }
        if let Some(other) = seen.insert(shard.index, &p.dir) {
            return Err(MergeError::DuplicateShard {
                shard,
                first: other.to_path_buf(),
                other: p.dir.clone(),
            });
        }
    }
    // The first few are enough to act on.
    let missing: Vec<u32> = (0..count)
        .filter(|i| !seen.contains_key(i))
        .take(MAX_LISTED_MISSING)
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::MissingShards { missing, count });
    }
    let records: u64 = parts.iter().map(|p| p.finished.records).sum();
    let inputs = first.finished.list_inputs;
    if records != inputs {
        return Err(MergeError::Incomplete { records, inputs });
    }
    Ok(())
}

/// Checks that OUT may receive the merge: not an input, and empty or an earlier merge.
fn check_out(out: &Path, parts: &[Part]) -> Result<(), MergeError> {
    if let Ok(o) = out.canonicalize() {
        for p in parts {
            if p.dir.canonicalize().is_ok_and(|d| d == o) {
                return Err(MergeError::OutIsInput { dir: p.dir.clone() });
            }
        }
    }
    if let Some(m) = meta::read_meta(out) {
        return if m.merged.is_some() {
            Ok(())
        } else {
            Err(MergeError::OutInUse {
                dir: out.to_path_buf(),
            })
        };
    }
    let entries = std::fs::read_dir(out).map_err(|source| MergeError::Read {
        path: out.to_path_buf(),
        source,
    })?;
    for e in entries {
        let e = e.map_err(|source| MergeError::Read {
            path: out.to_path_buf(),
            source,
        })?;
        if e.file_name() != LOCK_FILE {
            return Err(MergeError::OutInUse {
                dir: out.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Reads a finished journal one record line at a time, checking that its list lines
/// strictly increase.
struct JournalReader {
    path: PathBuf,
    reader: BufReader<File>,
    last: u64,
    count: u64,
}

impl JournalReader {
    fn open(dir: &Path) -> Result<Self, MergeError> {
        let path = dir.join(REPORTS_JSONL);
        let f = File::open(&path).map_err(|source| MergeError::Read {
            path: path.clone(),
            source,
        })?;
        Ok(JournalReader {
            path,
            reader: BufReader::with_capacity(256 * 1024, f),
            last: 0,
            count: 0,
        })
    }

    /// The next `(line, record line with its newline)`.
    fn next_record(&mut self) -> Result<Option<(u64, Vec<u8>)>, MergeError> {
        let mut buf = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut buf)
            .map_err(|source| MergeError::Read {
                path: self.path.clone(),
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        let inconsistent = |what: String| MergeError::Inconsistent {
            path: self.path.clone(),
            what,
        };
        if buf.last() != Some(&b'\n') {
            return Err(inconsistent("its last record line is cut off".into()));
        }
        let Some(line) = probe_line(&buf) else {
            return Err(inconsistent(format!(
                "record {} is not a record with source.line",
                self.count + 1
            )));
        };
        if line <= self.last {
            return Err(inconsistent(format!(
                "list line {line} comes after line {}: not in list order",
                self.last
            )));
        }
        self.last = line;
        self.count += 1;
        Ok(Some((line, buf)))
    }
}

/// Merges the journals of `parts` by list line into `dest` (through a temp file).
fn merge_journals(parts: &[Part], out: &Path) -> Result<(), MergeError> {
    let dest = out.join(REPORTS_JSONL);
    let tmp = out.join(format!(".{REPORTS_JSONL}.merge.tmp"));
    let result = (|| {
        let out_err = |source| {
            MergeError::Output(BatchError::Output {
                path: tmp.clone(),
                source,
            })
        };
        let mut w = BufWriter::with_capacity(256 * 1024, File::create(&tmp).map_err(out_err)?);
        let mut readers = parts
            .iter()
            .map(|p| JournalReader::open(&p.dir))
            .collect::<Result<Vec<_>, _>>()?;
        let mut heads: Vec<Option<Vec<u8>>> = vec![None; readers.len()];
        let mut heap = BinaryHeap::new();
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some((line, rec)) = r.next_record()? {
                heads[i] = Some(rec);
                heap.push(Reverse((line, i)));
            }
        }
        let mut previous: Option<(u64, usize)> = None;
        while let Some(Reverse((line, i))) = heap.pop() {
            if let Some((pl, pi)) = previous
                && pl == line
            {
                return Err(MergeError::DuplicateLine {
                    line,
                    first: parts[pi].dir.clone(),
                    other: parts[i].dir.clone(),
                });
            }
            previous = Some((line, i));
            if let Some(rec) = heads[i].take() {
                w.write_all(&rec).map_err(out_err)?;
            }
            if let Some((next, rec)) = readers[i].next_record()? {
                heads[i] = Some(rec);
                heap.push(Reverse((next, i)));
            }
        }
        for (r, p) in readers.iter().zip(parts) {
            if r.count != p.finished.records {
                return Err(MergeError::Inconsistent {
                    path: r.path.clone(),
                    what: format!(
                        "it holds {} records but its batch finished with {}",
                        r.count, p.finished.records
                    ),
                });
            }
        }
        let f = w.into_inner().map_err(|e| out_err(e.into_error()))?;
        f.sync_all().map_err(out_err)?;
        std::fs::rename(&tmp, &dest).map_err(|source| {
            MergeError::Output(BatchError::Output {
                path: dest.clone(),
                source,
            })
        })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Merges the output directories `dirs` of the shards of one list into `out`; see
/// [`merge_dirs_then`].
pub fn merge_dirs(out: &Path, dirs: &[PathBuf]) -> Result<MergeSummary, MergeError> {
    merge_dirs_then(out, dirs, |_: &Path| ()).map(|(s, ())| s)
}

/// Merges the output directories `dirs` of the shards of one list into `out`
/// (created if needed; it must be new, empty or an earlier merge's): `reports.jsonl` in
/// list order, and `cells.csv`, `findings.csv`, `reports.csv` derived from it as a run
/// derives them. Then runs `after` on `out` while its lock and the shards' are held
/// (for outputs over all records: the cross-year pass), and returns its result too.
///
/// `out` is then an ordinary finished output directory of the whole list.
pub fn merge_dirs_then<D: crate::Derive>(
    out: &Path,
    dirs: &[PathBuf],
    mut after: D,
) -> Result<(MergeSummary, D::Output), MergeError> {
    let started = Instant::now();
    let parts = dirs
        .iter()
        .map(|d| open_part(d))
        .collect::<Result<Vec<_>, _>>()?;
    check_parts(&parts)?;
    let Some(first) = parts.first() else {
        return Err(MergeError::NoInputs);
    };
    check_out(out, &parts).or_else(|e| match e {
        // OUT does not exist yet: it is created below.
        MergeError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => Ok(()),
        e => Err(e),
    })?;
    std::fs::create_dir_all(out).map_err(|source| BatchError::Output {
        path: out.to_path_buf(),
        source,
    })?;
    let lock = crate::take_lock(out)?;
    // Checked again under the lock: another merge may have written OUT meanwhile.
    check_out(out, &parts)?;

    let merged_meta = Meta {
        list: first.meta.list.clone(),
        list_bytes: first.meta.list_bytes,
        list_sha256: first.meta.list_sha256.clone(),
        list_ends_with_newline: first.meta.list_ends_with_newline,
        shard: None,
        finished: None,
        merged: Some(u32::try_from(parts.len()).unwrap_or(u32::MAX)),
    };
    // Unfinished until the end, so an interrupted merge is never merged further.
    meta::write_meta(out, &merged_meta)?;
    merge_journals(&parts, out)?;
    let totals = finalize::finalize(out, &mut |rec| after.record(rec))?;
    after.records_end();
    meta::write_meta(
        out,
        &Meta {
            finished: Some(Finished {
                records: totals.records,
                list_inputs: first.finished.list_inputs,
            }),
            ..merged_meta
        },
    )?;
    let summary = MergeSummary {
        dirs: parts.len(),
        records: totals.records,
        ok: totals.ok,
        partial: totals.partial,
        failed: totals.failed,
        findings: totals.findings,
        elapsed: started.elapsed(),
        out_dir: out.to_path_buf(),
    };
    let post = after.finish(out);
    drop(lock);
    drop(parts);
    Ok((summary, post))
}
