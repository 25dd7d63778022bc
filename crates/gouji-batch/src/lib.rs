#![forbid(unsafe_code)]
//! gouji's batch runner: processes a list of URLs/paths concurrently into
//! `reports.jsonl`, `cells.csv` and `findings.csv`, and can be killed at any moment and
//! rerun to finish the job.
//!
//! # Outputs and the exactly-once argument
//!
//! `reports.jsonl` is the journal while the batch runs and the final output afterwards.
//!
//! 1. **Journal.** Each finished record is appended as one JSON line by a single writer
//!    thread with one `write_all` on an unbuffered file. Once `write_all` returns, the
//!    line is in the kernel's page cache, so a SIGKILL of this process cannot lose it.
//!    A kill *during* the write can only leave a final line without its `\n` (writes to
//!    one file descriptor land in order), which is how a torn line is recognised.
//! 2. **Restart.** A rerun cuts the file back to the end of its last complete line and
//!    collects the set of `source.line` numbers present (a bitset). Only list lines not
//!    in the set are processed. Because the only state is the journal itself, there is
//!    no window in which a record is written but not "marked done" or vice versa: a line
//!    is done exactly when its record line is complete. So every list line ends up with
//!    at least one record (lines are retried until done) and — with one run at a time,
//!    enforced by a lock file — at most one.
//! 3. **Finalisation.** When every line is done, the journal is rewritten in list
//!    order (streaming, through a temp file renamed over it; duplicates and unparsable
//!    lines, which the steps above never produce, would be dropped: first copy wins),
//!    and `cells.csv` / `findings.csv` are *derived* from the same pass. They are never
//!    written incrementally, so they can neither disagree with `reports.jsonl` nor
//!    duplicate rows. Every output file is replaced by an atomic rename; a kill during
//!    finalisation leaves the previous files, and the rerun finalises again (nothing is
//!    left to process, so this is cheap and idempotent).
//!
//! Memory stays flat in the length of the list: the list is streamed twice (a count for
//! the progress bar, then the work), channels are bounded, records are written as soon
//! as they are done, and finalisation streams records one at a time. What grows is one
//! bit per list line (done set) and 24 bytes per record (finalisation index): 24 MB for a
//! million inputs.
//!
//! # Example
//!
//! ```no_run
//! use gouji_batch::{BatchOptions, run_batch};
//! use gouji_model::{Record, Source, Stage};
//!
//! let process = |input: &str, _line: u64| {
//!     let source = Source { input: input.into(), format: "unknown".into(), ..Source::default() };
//!     Record::failed(source, Stage::Fetch, "not implemented")
//! };
//! let summary = run_batch(
//!     "urls.txt".as_ref(),
//!     "out".as_ref(),
//!     &process,
//!     &BatchOptions::default(),
//! )?;
//! assert_eq!(summary.records, summary.inputs);
//! # Ok::<(), gouji_batch::BatchError>(())
//! ```
//!
//! Records are matched to list lines by line number, so the list must not change
//! between a run and its rerun, except by appending lines (a way to extend a batch).
//! The output directory keeps a fingerprint of the list and refuses to resume with a
//! different one ([`BatchError::ListChanged`]); [`BatchOptions::restart`] discards
//! earlier results instead.
//!
//! # Shards
//!
//! [`BatchOptions::shard`] restricts a run to the lines of one [`Shard`] of the list
//! (by host, see [`shard_of`]); records keep their line in the whole list. The
//! directory records its shard and refuses to resume as another one
//! ([`BatchError::ShardChanged`]). When a run has derived all its outputs it marks
//! the directory finished; [`merge_dirs`] merges the finished directories of every
//! shard of one list into one directory, as a single run would have written it.

/// The cross-year pass over a finished batch (`cross_findings.csv`).
pub mod cross;
mod derive;
mod finalize;
mod journal;
mod list;
mod merge;
mod meta;
mod shard;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, IsTerminal, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gouji_model::{Record, Source, Stage, Status};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub use derive::Derive;
pub use finalize::{
    CELLS_HEADER, FINDINGS_HEADER, REPORTS_CSV, REPORTS_HEADER, involved, report_id,
};
pub use merge::{MergeError, MergeSummary, merge_dirs, merge_dirs_then};
pub use shard::{SHARD_INDEX_VARS, Shard, ShardError, fnv1a64, shard_key, shard_of};

/// File name of the per-report JSON lines output (and journal).
pub const REPORTS_JSONL: &str = "reports.jsonl";
/// File name of the long-format cell table.
pub const CELLS_CSV: &str = "cells.csv";
/// File name of the findings table.
pub const FINDINGS_CSV: &str = "findings.csv";
const LOCK_FILE: &str = ".gouji-batch.lock";
/// Notes of the inputs started by a run without isolation (see [`BatchOptions::isolated`]).
const STARTED_LOG: &str = "started.log";

/// Turns one input into its record. Implementations must not fail: every problem
/// becomes a `failed` record with `errors`. A panic is caught by the batch runner and
/// becomes a failed record too, but is a bug.
pub trait Processor: Send + Sync {
    /// Processes `input` (a URL or path as written in the list), which is on 1-based
    /// `line` of the list. The runner sets `source.line` on the result.
    fn process(&self, input: &str, line: u64) -> Record;

    /// As [`Processor::process`], but the record may come already serialized (see
    /// [`Processed::Encoded`]), so a processor that receives records as JSON (from a
    /// worker process) spares the runner a parse and a serialization per record.
    fn process_encoded(&self, input: &str, line: u64) -> Processed {
        Processed::Record(Box::new(self.process(input, line)))
    }
}

/// A record as a [`Processor`] hands it to the runner.
#[derive(Debug)]
pub enum Processed {
    /// A record; the runner sets its `source.line` (and an empty `source.input`).
    Record(Box<Record>),
    /// A record serialized as one compact JSON line, exactly as `serde_json::to_vec`
    /// writes it, followed by `\n`, with its `source.line` and `source.input` set;
    /// written to the journal as it is.
    Encoded {
        /// The record's JSON line, newline included.
        line: Vec<u8>,
        /// The record's status.
        status: Status,
    },
}

impl Processed {
    /// The record's status.
    pub fn status(&self) -> Status {
        match self {
            Processed::Record(r) => r.status,
            Processed::Encoded { status, .. } => *status,
        }
    }
}

/// Any `Fn(&str, u64) -> Record` closure is a processor.
impl<F> Processor for F
where
    F: Fn(&str, u64) -> Record + Send + Sync,
{
    fn process(&self, input: &str, line: u64) -> Record {
        self(input, line)
    }
}

/// Settings of [`run_batch`].
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Worker threads. Default: available parallelism, at least 1, at most 8. With a
    /// network fetcher, more jobs than cores is fine; the fetcher's per-host limits keep
    /// the load on each server polite.
    pub jobs: usize,
    /// Show a progress bar on stderr. It is hidden anyway when stderr is not a terminal.
    pub progress: bool,
    /// Print the summary on stderr at the end.
    pub print_summary: bool,
    /// Discard the results of earlier runs in the output directory instead of resuming.
    pub restart: bool,
    /// Which failed records of an earlier run are processed again on resume.
    pub retry: Retry,
    /// Also process again, on resume, the inputs an earlier run did not fetch because
    /// robots.txt disallowed them (set when robots.txt is now ignored).
    pub retry_disallowed: bool,
    /// When stderr is not a terminal (a batch job's log), print one progress line this
    /// often (when `progress` is on).
    pub progress_interval: Duration,
    /// Set (e.g. by a SIGINT/SIGTERM handler) to stop taking new inputs: the runner
    /// finishes the inputs in hand, flushes the journal and returns
    /// [`BatchError::Interrupted`]; a rerun resumes.
    pub stop: Option<Arc<AtomicBool>>,
    /// Whether the processor isolates documents itself (worker processes that turn a
    /// crash into a failed record). When false, the runner notes every input it starts
    /// in `started.log`, and on resume an input that was started twice without ever
    /// getting a record (it took the whole process down twice) gets a final failed
    /// record instead of a third try.
    pub isolated: bool,
    /// Process only the list lines of this shard (see [`Shard`]); records keep their
    /// line number in the whole list, so `gouji merge` can restore list order.
    pub shard: Option<Shard>,
}

/// Which failed records of an earlier run a resumed batch processes again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retry {
    /// Inputs whose fetch failed for a reason that may pass (timeout, reset or refused
    /// connection, HTTP 5xx or 429). 4xx answers and unreadable documents are kept.
    #[default]
    Transient,
    /// Every failed record.
    AllFailed,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            jobs: std::thread::available_parallelism()
                .map(|n| n.get().min(8))
                .unwrap_or(1),
            progress: true,
            print_summary: true,
            restart: false,
            retry: Retry::Transient,
            retry_disallowed: false,
            progress_interval: Duration::from_secs(10),
            stop: None,
            isolated: false,
            shard: None,
        }
    }
}

/// What a batch did. Counts of documents and findings cover the whole batch, including
/// records from earlier interrupted runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Input lines in the list.
    pub inputs: u64,
    /// Inputs processed by this run.
    pub processed: u64,
    /// Inputs already done by an earlier run (resume).
    pub resumed: u64,
    /// Records in `reports.jsonl`.
    pub records: u64,
    /// Records with status `ok`.
    pub ok: u64,
    /// Records with status `partial`.
    pub partial: u64,
    /// Records with status `failed`.
    pub failed: u64,
    /// Inputs whose processor panicked in this run (included in `failed`).
    pub panicked: u64,
    /// Failed records of an earlier run that were processed again (see [`Retry`]).
    pub retried: u64,
    /// Findings in all records.
    pub findings: u64,
    /// Findings per rule id.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// Wall time of this run.
    pub elapsed: Duration,
    /// The output directory.
    pub out_dir: PathBuf,
    /// The shard of the list this run processed, if any.
    pub shard: Option<Shard>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gouji batch{}: {} inputs, {} processed in {:.1} s",
            self.shard
                .map(|s| format!(" (shard {s})"))
                .unwrap_or_default(),
            self.inputs,
            self.processed,
            self.elapsed.as_secs_f64()
        )?;
        if self.resumed > 0 {
            write!(f, " ({} done by an earlier run)", self.resumed)?;
        }
        if self.retried > 0 {
            write!(
                f,
                " ({} failed inputs of an earlier run retried)",
                self.retried
            )?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "  documents: {} ok, {} partial, {} failed",
            self.ok, self.partial, self.failed
        )?;
        if self.panicked > 0 {
            writeln!(
                f,
                "  internal errors: {} inputs crashed the processor (recorded as failed)",
                self.panicked
            )?;
        }
        write!(f, "  findings: {}", self.findings)?;
        if !self.findings_by_rule.is_empty() {
            let parts: Vec<String> = self
                .findings_by_rule
                .iter()
                .map(|(rule, n)| format!("{rule} {n}"))
                .collect();
            write!(f, " ({})", parts.join(", "))?;
        }
        writeln!(f)?;
        write!(
            f,
            "  output: {}/{{{REPORTS_JSONL}, {CELLS_CSV}, {FINDINGS_CSV}}}",
            self.out_dir.display()
        )
    }
}

/// Why a batch could not run or finish. Problems with single inputs are never batch
/// errors: they are failed records.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The list could not be read.
    #[error("cannot read list {}: {source}", path.display())]
    List {
        /// List path.
        path: PathBuf,
        /// I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An output file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// File or directory.
        path: PathBuf,
        /// I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Another batch is running on the same output directory.
    #[error(
        "another gouji batch{} is already writing to {} (lock file {LOCK_FILE}); wait for it or use another output directory",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        dir.display()
    )]
    Locked {
        /// Output directory.
        dir: PathBuf,
        /// Process id of the holder, as written in the lock file.
        pid: Option<u32>,
    },
    /// The run was stopped (SIGINT/SIGTERM) before the list was done.
    #[error(
        "interrupted: {processed} inputs processed in this run, {remaining} left; rerun the same command to resume"
    )]
    Interrupted {
        /// Inputs processed by this run.
        processed: u64,
        /// Inputs still without a record.
        remaining: u64,
    },
    /// The output directory holds results of a different list.
    #[error(
        "{} holds results of a different list than {} (lines were changed, not just appended); use another output directory, or restart the batch to discard them",
        dir.display(),
        list.display()
    )]
    ListChanged {
        /// Output directory.
        dir: PathBuf,
        /// The list given now.
        list: PathBuf,
    },
    /// The output directory holds results of another shard of the list.
    #[error(
        "{} holds results of {} but this run is {}; use the directory of that shard, or restart the batch to discard them",
        dir.display(),
        was.map_or("the whole list".to_string(), |s| format!("shard {s}")),
        now.map_or("over the whole list".to_string(), |s| format!("shard {s}"))
    )]
    ShardChanged {
        /// Output directory.
        dir: PathBuf,
        /// The shard its results are of (`None`: the whole list).
        was: Option<Shard>,
        /// The shard asked for now.
        now: Option<Shard>,
    },
    /// A thread of the runner itself failed (a bug).
    #[error("internal error in the batch runner: {0}")]
    Internal(String),
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".to_string())
}

/// Runs the processor on one input, turning a panic into a failed record.
fn process_one<P: Processor + ?Sized>(processor: &P, input: &str, line: u64) -> (Processed, bool) {
    let (mut rec, panicked) =
        match catch_unwind(AssertUnwindSafe(|| processor.process_encoded(input, line))) {
            Ok(Processed::Record(rec)) => (*rec, false),
            Ok(encoded) => return (encoded, false),
            Err(payload) => (
                Record::failed(
                    Source {
                        input: input.to_string(),
                        format: "unknown".into(),
                        ..Source::default()
                    },
                    Stage::Internal,
                    format!(
                        "internal error: processing crashed ({}); please report this input",
                        panic_message(payload.as_ref())
                    ),
                ),
                true,
            ),
        };
    rec.source.line = Some(line);
    if rec.source.input.is_empty() {
        rec.source.input = input.to_string();
    }
    (Processed::Record(Box::new(rec)), panicked)
}

fn open_list(path: &Path) -> Result<list::ListReader<BufReader<File>>, BatchError> {
    let f = File::open(path).map_err(|source| BatchError::List {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(list::ListReader::new(BufReader::new(f)))
}

fn progress_bar(enabled: bool, len: u64) -> ProgressBar {
    if !enabled || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{elapsed_precise} [{bar:30}] {pos}/{len} {msg} {rate} ETA {eta}",
    ) {
        // indicatif's {per_sec} prints three decimals; whole documents per second read better.
        let style = style.with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        );
        pb.set_style(style.progress_chars("=> "));
    }
    pb.set_message("0 failed");
    pb
}

/// Writes one line to stderr, ignoring failure: a closed stderr (`2>&1 | true`) must
/// never stop or crash a batch, and there is nowhere else to report it.
pub fn log_line(args: fmt::Arguments<'_>) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_fmt(args);
    let _ = e.write_all(b"\n");
}

/// Counters shared by the writer and the progress reporter.
#[derive(Default)]
struct Counts {
    done: AtomicU64,
    ok: AtomicU64,
    partial: AtomicU64,
    failed: AtomicU64,
}

impl Counts {
    fn add(&self, status: Status) {
        let c = match status {
            Status::Ok => &self.ok,
            Status::Partial => &self.partial,
            Status::Failed => &self.failed,
        };
        c.fetch_add(1, Ordering::Relaxed);
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

/// The one-line progress report of a batch job whose stderr is a log, not a terminal.
fn progress_line(c: &Counts, resumed: u64, total: u64, elapsed: Duration) -> String {
    let done = c.done.load(Ordering::Relaxed);
    let rate = done as f64 / elapsed.as_secs_f64().max(1e-3);
    format!(
        "gouji: {}/{total} done ({} ok, {} partial, {} failed), {rate:.1} docs/s",
        done + resumed,
        c.ok.load(Ordering::Relaxed),
        c.partial.load(Ordering::Relaxed),
        c.failed.load(Ordering::Relaxed),
    )
}

/// Takes the output directory's lock: an exclusive `flock` on the lock file, which the
/// kernel releases when its holder dies, so the lock of a killed run (even SIGKILL) is
/// stale by construction and simply taken over. The holder's pid is written into the
/// file so a refused second run can say who holds it.
fn take_lock(out_dir: &Path) -> Result<File, BatchError> {
    let lock_path = out_dir.join(LOCK_FILE);
    let out_err = |source| BatchError::Output {
        path: lock_path.clone(),
        source,
    };
    let mut lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock_path)
        .map_err(out_err)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = lock.read_to_string(&mut text);
            return Err(BatchError::Locked {
                dir: out_dir.to_path_buf(),
                pid: text.trim().parse().ok(),
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(out_err(e)),
    }
    // Best effort: the pid is information only; a full disk must not stop a rerun here.
    let _ = lock.set_len(0);
    let _ = lock.write_all(format!("{}\n", std::process::id()).as_bytes());
    Ok(lock)
}

/// File the list is copied to when it is not a regular file (stdin, a pipe, a FIFO,
/// process substitution): the batch reads its list twice, and a rerun needs it again.
pub const LIST_COPY: &str = "list.txt";

/// Where to read the list from. A regular file is read in place; `-` (stdin) and
/// anything else that can only be read once are first copied into `DIR/list.txt`
/// (through a temp file, so a failed copy never replaces a good one).
fn resolve_list(list_path: &Path, out_dir: &Path) -> Result<PathBuf, BatchError> {
    let is_stdin = list_path.as_os_str() == "-";
    if !is_stdin && std::fs::metadata(list_path).is_ok_and(|m| m.is_file()) {
        return Ok(list_path.to_path_buf());
    }
    let list_err = |source| BatchError::List {
        path: list_path.to_path_buf(),
        source,
    };
    let dest = out_dir.join(LIST_COPY);
    let tmp = out_dir.join(format!(".{LIST_COPY}.tmp"));
    let copy = || -> Result<(), BatchError> {
        let mut w = File::create(&tmp).map_err(|source| BatchError::Output {
            path: tmp.clone(),
            source,
        })?;
        let copied = if is_stdin {
            std::io::copy(&mut std::io::stdin().lock(), &mut w)
        } else {
            let mut r = File::open(list_path).map_err(list_err)?;
            std::io::copy(&mut r, &mut w)
        };
        copied.map_err(|source| BatchError::Output {
            path: tmp.clone(),
            source,
        })?;
        w.sync_all().map_err(|source| BatchError::Output {
            path: tmp.clone(),
            source,
        })?;
        std::fs::rename(&tmp, &dest).map_err(|source| BatchError::Output {
            path: dest.clone(),
            source,
        })
    };
    copy().inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(dest)
}

/// Whether a failed fetch may succeed on another try: timeouts, network errors, HTTP
/// 5xx and 429, a robots.txt that could not be fetched (as worded by gouji-fetch).
pub fn transient_fetch_failure(message: &str) -> bool {
    if message.starts_with("timed out ")
        || message.starts_with("network error ")
        || message.starts_with("robots.txt unreachable ")
    {
        return true;
    }
    message
        .strip_prefix("HTTP ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .is_some_and(|code| code == 429 || (500..=599).contains(&code))
}

/// Whether a fetch failed because robots.txt disallowed it (as worded by gouji-fetch).
pub fn robots_refusal(message: &str) -> bool {
    message.starts_with("disallowed by robots.txt ")
}

/// Whether a journal line is a failed record that `retry` wants processed again
/// (`disallowed`: also those robots.txt refused).
fn wants_retry(retry: Retry, disallowed: bool, json: &[u8]) -> bool {
    let Ok(rec) = serde_json::from_slice::<Record>(json) else {
        return false;
    };
    if rec.status != Status::Failed {
        return false;
    }
    if disallowed
        && rec
            .errors
            .first()
            .is_some_and(|e| e.stage == Stage::Fetch && robots_refusal(&e.message))
    {
        return true;
    }
    match retry {
        Retry::AllFailed => true,
        Retry::Transient => rec
            .errors
            .first()
            .is_some_and(|e| e.stage == Stage::Fetch && transient_fetch_failure(&e.message)),
    }
}

/// Processes every input of the list at `list_path` with `processor` and writes
/// `reports.jsonl`, `cells.csv` and `findings.csv` into `out_dir` (created if needed).
///
/// `list_path` may be `-` (stdin), a pipe, a FIFO or `/dev/stdin`: such lists are copied
/// into `out_dir/list.txt` first.
///
/// Rerunning with the same list and directory after an interruption (even SIGKILL)
/// processes only the inputs without a record and then rewrites all outputs; see the
/// crate documentation for why each input ends up exactly once. Running it again after
/// a complete run processes nothing and rewrites identical outputs.
pub fn run_batch<P: Processor + ?Sized>(
    list_path: &Path,
    out_dir: &Path,
    processor: &P,
    options: &BatchOptions,
) -> Result<Summary, BatchError> {
    run_batch_then(list_path, out_dir, processor, options, |_: &Path| ()).map(|(s, ())| s)
}

/// As [`run_batch`], then derives the caller's outputs with `after` while the
/// directory's lock is still held (see [`Derive`]: each finalized record as it is
/// written, then the finished directory), and returns its result too.
pub fn run_batch_then<P: Processor + ?Sized, D: Derive>(
    list_path: &Path,
    out_dir: &Path,
    processor: &P,
    options: &BatchOptions,
    mut after: D,
) -> Result<(Summary, D::Output), BatchError> {
    let started = Instant::now();
    let out_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BatchError::Output { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(out_err(out_dir))?;
    let lock = take_lock(out_dir)?;
    let list_path = &resolve_list(list_path, out_dir)?;

    let journal_path = out_dir.join(REPORTS_JSONL);
    let started_path = out_dir.join(STARTED_LOG);
    if options.restart {
        for name in [
            REPORTS_JSONL,
            CELLS_CSV,
            FINDINGS_CSV,
            meta::META_FILE,
            STARTED_LOG,
        ] {
            match std::fs::remove_file(out_dir.join(name)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(out_err(&out_dir.join(name))(e));
                }
                _ => {}
            }
        }
    }
    let old_meta = meta::read_meta(out_dir);

    // First pass: how many inputs, the highest line number (bounds the done set), and
    // the list's fingerprint.
    let list_err = |source| BatchError::List {
        path: list_path.to_path_buf(),
        source,
    };
    let file = File::open(list_path).map_err(list_err)?;
    let hashing = meta::HashingReader::new(file, old_meta.as_ref().map(|m| m.list_bytes));
    let mut reader = list::ListReader::new(BufReader::new(hashing));
    // One shard of one is the whole list: such a directory is an ordinary one.
    let shard = options.shard.filter(|s| s.count > 1);
    let mut inputs = 0u64;
    let mut list_inputs = 0u64;
    let mut max_line = 0u64;
    for item in reader.by_ref() {
        let (line, input) = item.map_err(list_err)?;
        list_inputs += 1;
        inputs += u64::from(shard.is_none_or(|s| s.owns(&input)));
        max_line = line;
    }
    let (list_bytes, list_sha256, list_ends_with_newline, prefix_sha) =
        reader.into_inner().into_inner().finish();
    let new_meta = meta::Meta {
        list: list_path.display().to_string(),
        list_bytes,
        list_sha256,
        list_ends_with_newline,
        shard,
        finished: None,
        merged: None,
    };
    let has_results = std::fs::metadata(&journal_path).is_ok_and(|m| m.len() > 0);
    if let Some(old) = &old_meta
        && has_results
    {
        if !meta::compatible(old, &new_meta, prefix_sha.as_deref()) {
            return Err(BatchError::ListChanged {
                dir: out_dir.to_path_buf(),
                list: list_path.to_path_buf(),
            });
        }
        if old.shard != shard {
            return Err(BatchError::ShardChanged {
                dir: out_dir.to_path_buf(),
                was: old.shard,
                now: shard,
            });
        }
    }
    // Only when it changed: a rerun on a still-full disk must not fail here, before
    // doing anything useful.
    if old_meta.as_ref() != Some(&new_meta) {
        meta::write_meta(out_dir, &new_meta)?;
    }

    let retry = options.retry;
    let retry_disallowed = options.retry_disallowed;
    let (mut journal, done, resumed, retried) =
        journal::recover(&journal_path, max_line, &|json| {
            wants_retry(retry, retry_disallowed, json)
        })?;
    let crashed_before = if options.isolated {
        std::collections::HashMap::new()
    } else {
        journal::read_started(&started_path, &done)
    };
    let mut started_log = if options.isolated {
        None
    } else {
        Some(Mutex::new(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(&started_path)
                .map_err(out_err(&started_path))?,
        ))
    };
    let pending = inputs.saturating_sub(resumed);
    let pb = progress_bar(options.progress, pending);
    let jobs = options.jobs.max(1);
    let counts = Counts::default();
    let panicked = AtomicU64::new(0);
    let mut processed = 0u64;
    let stopping = || {
        options
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    };
    let finished = AtomicBool::new(false);

    let run: Result<(), BatchError> = std::thread::scope(|s| {
        let (job_tx, job_rx) = sync_channel::<(u64, String)>(jobs * 2);
        let (rec_tx, rec_rx) = sync_channel::<Processed>(jobs * 2);
        let done = &done;
        let crashed_before = &crashed_before;
        let early_tx = rec_tx.clone();
        let producer = s.spawn(move || -> Result<(), BatchError> {
            for item in open_list(list_path)? {
                let (line, input) = item.map_err(|source| BatchError::List {
                    path: list_path.to_path_buf(),
                    source,
                })?;
                if done.contains(line) || shard.is_some_and(|s| !s.owns(&input)) {
                    continue;
                }
                if stopping() {
                    break;
                }
                if crashed_before.get(&line).is_some_and(|&n| n >= 2) {
                    let mut rec = Record::failed(
                        Source {
                            input: input.clone(),
                            format: "unknown".into(),
                            ..Source::default()
                        },
                        Stage::Worker,
                        "gouji stopped twice while reading this input (it may crash the parser); not tried again",
                    );
                    rec.source.line = Some(line);
                    if early_tx.send(Processed::Record(Box::new(rec))).is_err() {
                        break;
                    }
                    continue;
                }
                if job_tx.send((line, input)).is_err() {
                    // The writer stopped (output error); it reports why.
                    break;
                }
            }
            Ok(())
        });
        // Each worker owns a handle to the job receiver so that it is dropped when the
        // last worker exits, which unblocks the producer if the writer gave up early.
        let job_rx: Arc<Mutex<Receiver<(u64, String)>>> = Arc::new(Mutex::new(job_rx));
        let started_log = &started_log;
        for _ in 0..jobs {
            let job_rx = Arc::clone(&job_rx);
            let rec_tx = rec_tx.clone();
            let panicked = &panicked;
            s.spawn(move || {
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((line, input)) = job else { break };
                    if stopping() {
                        continue;
                    }
                    if let Some(log) = started_log {
                        let mut f = log.lock().unwrap_or_else(PoisonError::into_inner);
                        // Best effort: losing a note only costs one extra try later.
                        let _ = f.write_all(format!("{line}\n").as_bytes());
                    }
                    let (rec, crashed) = process_one(processor, &input, line);
                    if crashed {
                        panicked.fetch_add(1, Ordering::Relaxed);
                    }
                    if rec_tx.send(rec).is_err() {
                        break;
                    }
                }
            });
        }
        drop(job_rx);
        drop(rec_tx);

        let counts = &counts;
        let finished = &finished;
        if options.progress && !std::io::stderr().is_terminal() {
            let interval = options.progress_interval.max(Duration::from_millis(10));
            s.spawn(move || {
                let mut next = started + interval;
                while !finished.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20).min(interval));
                    if Instant::now() >= next {
                        next += interval;
                        log_line(format_args!(
                            "{}",
                            progress_line(counts, resumed, inputs, started.elapsed())
                        ));
                    }
                }
            });
        }

        let mut result = Ok(());
        for rec in rec_rx {
            if let Err(e) = journal::append(&mut journal, &journal_path, &rec) {
                result = Err(e);
                break;
            }
            processed += 1;
            counts.add(rec.status());
            if rec.status() == Status::Failed {
                pb.set_message(format!("{} failed", counts.failed.load(Ordering::Relaxed)));
            }
            pb.inc(1);
        }
        finished.store(true, Ordering::Relaxed);
        let produced = producer
            .join()
            .unwrap_or_else(|p| Err(BatchError::Internal(panic_message(p.as_ref()))));
        result.and(produced)
    });
    pb.finish_and_clear();
    run?;
    journal.sync_all().map_err(out_err(&journal_path))?;
    drop(journal);
    if processed < pending {
        // Stopped by a signal before the list was done: the journal has everything
        // finished so far; no outputs are derived from a partial batch.
        return Err(BatchError::Interrupted {
            processed,
            remaining: pending - processed,
        });
    }

    let totals = finalize::finalize(out_dir, &mut |rec| after.record(rec))?;
    after.records_end();
    // The mark `gouji merge` looks for; written only now that every output is derived.
    meta::write_meta(
        out_dir,
        &meta::Meta {
            finished: Some(meta::Finished {
                records: totals.records,
                list_inputs,
            }),
            ..new_meta
        },
    )?;
    if let Some(log) = started_log.take() {
        // Every input has its record now; the notes are no longer needed.
        drop(log);
        let _ = std::fs::remove_file(&started_path);
    }
    let summary = Summary {
        inputs,
        processed,
        resumed,
        retried,
        records: totals.records,
        ok: totals.ok,
        partial: totals.partial,
        failed: totals.failed,
        panicked: panicked.load(Ordering::Relaxed),
        findings: totals.findings,
        findings_by_rule: totals.by_rule,
        elapsed: started.elapsed(),
        out_dir: out_dir.to_path_buf(),
        shard,
    };
    if options.print_summary {
        log_line(format_args!("{summary}"));
    }
    let post = after.finish(out_dir);
    drop(lock);
    Ok((summary, post))
}
