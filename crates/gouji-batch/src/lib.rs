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
//! use gouji_model::{Record, Source};
//!
//! let process = |input: &str, _line: u64| {
//!     let source = Source { input: input.into(), format: "unknown".into(), ..Source::default() };
//!     Record::failed(source, "fetch", "not implemented")
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

mod finalize;
mod journal;
mod list;
mod meta;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use gouji_model::{Record, Source, Status};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub use finalize::{
    CELLS_HEADER, FINDINGS_HEADER, REPORTS_CSV, REPORTS_HEADER, involved, report_id,
};

/// File name of the per-report JSON lines output (and journal).
pub const REPORTS_JSONL: &str = "reports.jsonl";
/// File name of the long-format cell table.
pub const CELLS_CSV: &str = "cells.csv";
/// File name of the findings table.
pub const FINDINGS_CSV: &str = "findings.csv";
const LOCK_FILE: &str = ".gouji-batch.lock";

/// Turns one input into its record. Implementations must not fail: every problem
/// becomes a `failed` record with `errors`. A panic is caught by the batch runner and
/// becomes a failed record too, but is a bug.
pub trait Processor: Send + Sync {
    /// Processes `input` (a URL or path as written in the list), which is on 1-based
    /// `line` of the list. The runner sets `source.line` on the result.
    fn process(&self, input: &str, line: u64) -> Record;
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
    /// Findings in all records.
    pub findings: u64,
    /// Findings per rule id.
    pub findings_by_rule: BTreeMap<String, u64>,
    /// Wall time of this run.
    pub elapsed: Duration,
    /// The output directory.
    pub out_dir: PathBuf,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gouji batch: {} inputs, {} processed in {:.1} s",
            self.inputs,
            self.processed,
            self.elapsed.as_secs_f64()
        )?;
        if self.resumed > 0 {
            write!(f, " ({} done by an earlier run)", self.resumed)?;
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
        "another gouji batch is already writing to {} (lock file {LOCK_FILE}); wait for it or use another output directory",
        dir.display()
    )]
    Locked {
        /// Output directory.
        dir: PathBuf,
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
fn process_one<P: Processor + ?Sized>(processor: &P, input: &str, line: u64) -> (Record, bool) {
    let (mut rec, panicked) =
        match catch_unwind(AssertUnwindSafe(|| processor.process(input, line))) {
            Ok(rec) => (rec, false),
            Err(payload) => (
                Record::failed(
                    Source {
                        input: input.to_string(),
                        format: "unknown".into(),
                        ..Source::default()
                    },
                    "internal",
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
    (rec, panicked)
}

fn open_list(path: &Path) -> Result<list::ListReader<BufReader<File>>, BatchError> {
    let f = File::open(path).map_err(|source| BatchError::List {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(list::ListReader::new(BufReader::new(f)))
}

fn progress_bar(enabled: bool, len: u64) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    // `stderr()` draws nothing when stderr is not a terminal (logs, pipes, CI).
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

/// Processes every input of the list at `list_path` with `processor` and writes
/// `reports.jsonl`, `cells.csv` and `findings.csv` into `out_dir` (created if needed).
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
    let started = Instant::now();
    let out_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BatchError::Output { path, source }
    };
    std::fs::create_dir_all(out_dir).map_err(out_err(out_dir))?;
    let lock_path = out_dir.join(LOCK_FILE);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(out_err(&lock_path))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(BatchError::Locked {
                dir: out_dir.to_path_buf(),
            });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(out_err(&lock_path)(e)),
    }

    let journal_path = out_dir.join(REPORTS_JSONL);
    if options.restart {
        for name in [REPORTS_JSONL, CELLS_CSV, FINDINGS_CSV, meta::META_FILE] {
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
    let mut inputs = 0u64;
    let mut max_line = 0u64;
    for item in reader.by_ref() {
        let (line, _) = item.map_err(list_err)?;
        inputs += 1;
        max_line = line;
    }
    let (list_bytes, list_sha256, list_ends_with_newline, prefix_sha) =
        reader.into_inner().into_inner().finish();
    let new_meta = meta::Meta {
        list: list_path.display().to_string(),
        list_bytes,
        list_sha256,
        list_ends_with_newline,
    };
    let has_results = std::fs::metadata(&journal_path).is_ok_and(|m| m.len() > 0);
    if let Some(old) = &old_meta
        && has_results
        && !meta::compatible(old, &new_meta, prefix_sha.as_deref())
    {
        return Err(BatchError::ListChanged {
            dir: out_dir.to_path_buf(),
            list: list_path.to_path_buf(),
        });
    }
    meta::write_meta(out_dir, &new_meta)?;

    let (mut journal, done, resumed) = journal::recover(&journal_path, max_line)?;
    let pending = inputs.saturating_sub(resumed);
    let pb = progress_bar(options.progress, pending);
    let jobs = options.jobs.max(1);
    let failed_now = AtomicU64::new(0);
    let panicked = AtomicU64::new(0);
    let mut processed = 0u64;

    let run: Result<(), BatchError> = std::thread::scope(|s| {
        let (job_tx, job_rx) = sync_channel::<(u64, String)>(jobs * 2);
        let (rec_tx, rec_rx) = sync_channel::<Record>(jobs * 2);
        let done = &done;
        let producer = s.spawn(move || -> Result<(), BatchError> {
            for item in open_list(list_path)? {
                let (line, input) = item.map_err(|source| BatchError::List {
                    path: list_path.to_path_buf(),
                    source,
                })?;
                if done.contains(line) {
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
        for _ in 0..jobs {
            let job_rx = Arc::clone(&job_rx);
            let rec_tx = rec_tx.clone();
            let panicked = &panicked;
            s.spawn(move || {
                loop {
                    let job = job_rx.lock().unwrap_or_else(PoisonError::into_inner).recv();
                    let Ok((line, input)) = job else { break };
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

        let mut result = Ok(());
        for rec in rec_rx {
            if let Err(e) = journal::append(&mut journal, &journal_path, &rec) {
                result = Err(e);
                break;
            }
            processed += 1;
            if rec.status == Status::Failed {
                let n = failed_now.fetch_add(1, Ordering::Relaxed) + 1;
                pb.set_message(format!("{n} failed"));
            }
            pb.inc(1);
        }
        let produced = producer
            .join()
            .unwrap_or_else(|p| Err(BatchError::Internal(panic_message(p.as_ref()))));
        result.and(produced)
    });
    pb.finish_and_clear();
    run?;
    journal.sync_all().map_err(out_err(&journal_path))?;
    drop(journal);

    let totals = finalize::finalize(out_dir)?;
    let summary = Summary {
        inputs,
        processed,
        resumed,
        records: totals.records,
        ok: totals.ok,
        partial: totals.partial,
        failed: totals.failed,
        panicked: panicked.load(Ordering::Relaxed),
        findings: totals.findings,
        findings_by_rule: totals.by_rule,
        elapsed: started.elapsed(),
        out_dir: out_dir.to_path_buf(),
    };
    if options.print_summary {
        eprintln!("{summary}");
    }
    drop(lock);
    Ok(summary)
}
