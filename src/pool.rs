//! Process isolation for batches: documents are parsed in a small pool of long-lived
//! worker processes (this same binary, hidden subcommand `__worker`), so that a document
//! that exhausts memory, overflows the stack, loops or otherwise kills its parser costs
//! one `failed` record, not the batch.
//!
//! # Design
//!
//! - **Who fetches.** The worker runs the whole pipeline for an input, but every fetch
//!   it needs (the input itself and any landing-page attachment) is asked of the
//!   supervisor over the pipe and made by the supervisor's own fetcher. So politeness
//!   (per-host limits and delays), retries and the download cache stay in one process
//!   and are shared by all workers, and the worker never opens a socket; while only
//!   the parsing (detect → extract → map → check) runs in the worker.
//! - **Wire.** Supervisor → worker: one JSON line per message, a fetched body follows
//!   its header line as `len` raw bytes. Worker → supervisor: one JSON line per message
//!   (a fetch request, or the finished record).
//! - **Budgets.** Each worker limits its own address space with `setrlimit(RLIMIT_AS)`
//!   at start-up (default 2048 MiB), so an allocation sized by a hostile document fails
//!   inside the worker (Rust aborts on allocation failure). The supervisor enforces the
//!   per-document wall clock (default 60 s) with a timed receive and kills the worker
//!   when it fires. Time spent fetching for the worker does not count.
//! - **Deaths.** A worker that dies (signal, abort, exit) or times out is reaped and its
//!   document gets one `failed` record with stage `worker` and a reason worked out from
//!   its exit status and the last lines it printed on stderr ("memory allocation of …
//!   failed", "has overflowed its stack"). The record is final: a document that killed
//!   its worker is not tried again. The next document gets a fresh worker.
//! - **Signals.** Workers run in their own process group, so a terminal's Ctrl-C reaches
//!   only the supervisor, which lets the documents in hand finish; a worker asks the
//!   kernel to kill it when the supervisor dies (`PR_SET_PDEATHSIG`), so a killed
//!   supervisor leaves no worker behind, even one stuck in a loop.

use crate::detect::detect;
use crate::pipeline::{Options, process_input};
use gouji_batch::{Processed, Processor};
use gouji_fetch::{Fetch, FetchError, Fetched};
use gouji_model::{Record, Source, Stage, Status};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Name of the hidden subcommand that runs a worker.
pub const WORKER_SUBCOMMAND: &str = "__worker";

/// Budgets of the worker processes.
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    /// Address-space limit of each worker, in MiB.
    pub max_memory_mib: u64,
    /// Wall clock allowed for one document.
    pub doc_timeout: Duration,
    /// The pipeline's per-input deadline (`--input-timeout`), passed to each worker.
    pub input_timeout: Option<Duration>,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            max_memory_mib: 2048,
            doc_timeout: Duration::from_secs(60),
            input_timeout: Options::default().input_timeout,
        }
    }
}

// Externally tagged (`{"job":{…}}`), not internally tagged: serde buffers an internally
// tagged message whole before reading it, which for a `Done` record of a few hundred
// cells was an eighth of the supervisor's time.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ToWorker {
    Job {
        input: String,
        line: u64,
    },
    Fetched {
        ok: Option<WireFetched>,
        err: Option<WireError>,
    },
}

#[derive(Serialize, Deserialize)]
struct WireFetched {
    input: String,
    final_url: Option<String>,
    content_type: Option<String>,
    charset: Option<String>,
    sha256: String,
    from_cache: bool,
    len: u64,
}

#[derive(Serialize, Deserialize)]
struct WireError {
    message: String,
    retryable: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FromWorker {
    Fetch {
        input: String,
        /// The input's deadline (`--input-timeout`) as time left and whole budget, in
        /// milliseconds, so the supervisor's fetch stops where the pipeline would.
        #[serde(default)]
        deadline_ms: Option<(u64, u64)>,
    },
    /// The finished record, serialized once by the worker: the supervisor writes it to
    /// the journal as it came, without parsing it into a `Record` and back.
    Done {
        status: Status,
        record: Box<RawValue>,
    },
}

// ---------------------------------------------------------------- worker side

/// A fetcher that asks the supervisor over stdin/stdout.
struct PipeFetcher<'a> {
    io: &'a Mutex<WorkerIo>,
}

type WorkerIo = (BufReader<std::io::Stdin>, std::io::Stdout);

impl Fetch for PipeFetcher<'_> {
    fn fetch(&self, input: &str) -> Result<Fetched, FetchError> {
        self.fetch_by(input, None)
    }

    fn fetch_by(
        &self,
        input: &str,
        deadline: Option<gouji_fetch::Deadline>,
    ) -> Result<Fetched, FetchError> {
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let deadline_ms = deadline.map(|d| (ms(d.remaining()), ms(d.total)));
        let mut io = self.io.lock().unwrap_or_else(PoisonError::into_inner);
        let (r, w) = &mut *io;
        let (r, w): (&mut dyn BufRead, &mut dyn Write) = (r, w);
        let broken = |e: std::io::Error| FetchError::Relayed {
            message: format!("worker lost its supervisor: {e}"),
            retryable: true,
        };
        send_line(
            w,
            &FromWorker::Fetch {
                input: input.to_string(),
                deadline_ms,
            },
        )
        .map_err(broken)?;
        let msg: ToWorker = read_msg(r).map_err(broken)?;
        match msg {
            ToWorker::Fetched { ok: Some(f), .. } => {
                let len = usize::try_from(f.len).map_err(|e| broken(std::io::Error::other(e)))?;
                let mut bytes = vec![0u8; len];
                r.read_exact(&mut bytes).map_err(broken)?;
                Ok(Fetched {
                    input: f.input,
                    final_url: f.final_url,
                    bytes,
                    content_type: f.content_type,
                    charset: f.charset,
                    sha256: f.sha256,
                    from_cache: f.from_cache,
                })
            }
            ToWorker::Fetched { err, .. } => {
                let e = err.unwrap_or(WireError {
                    message: "fetch failed".into(),
                    retryable: false,
                });
                Err(FetchError::Relayed {
                    message: e.message,
                    retryable: e.retryable,
                })
            }
            ToWorker::Job { .. } => Err(broken(std::io::Error::other("unexpected job"))),
        }
    }
}

fn send_line<T: Serialize>(w: &mut dyn Write, msg: &T) -> std::io::Result<()> {
    let mut buf = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
    buf.push(b'\n');
    w.write_all(&buf)?;
    w.flush()
}

fn read_msg<T: for<'de> Deserialize<'de>>(r: &mut dyn BufRead) -> std::io::Result<T> {
    let mut line = Vec::new();
    if r.read_until(b'\n', &mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    serde_json::from_slice(&line).map_err(std::io::Error::other)
}

/// Applies the worker's own limits: the address-space budget (never above a limit the
/// supervisor already runs under) and death with the supervisor.
fn limit_self(max_memory_mib: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let want = max_memory_mib.saturating_mul(1 << 20);
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_AS) {
        let _ = setrlimit(Resource::RLIMIT_AS, want.min(hard), hard);
    }
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
}

/// The worker's main loop: one job at a time from stdin until stdin closes. Returns the
/// process exit code.
pub fn worker_main(opts: &Options, max_memory_mib: u64) -> u8 {
    limit_self(max_memory_mib);
    // A test hook: a delay before each document, to kill or time out a worker in
    // mid-document deterministically.
    let delay = std::env::var("GOUJI_WORKER_TEST_DELAY_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let io: Mutex<WorkerIo> = Mutex::new((BufReader::new(std::io::stdin()), std::io::stdout()));
    let lock = || io.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let msg: ToWorker = match read_msg(&mut lock().0) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return 0,
            Err(_) => return 3,
        };
        let ToWorker::Job { input, line } = msg else {
            return 3;
        };
        if let Some(d) = delay {
            std::thread::sleep(d);
        }
        let record = {
            let fetcher = PipeFetcher { io: &io };
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                process_input(&input, &fetcher, opts)
            }));
            let mut rec = run.unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic payload".to_string());
                Record::failed(
                    unknown_source(&input),
                    Stage::Internal,
                    format!("internal error: processing crashed ({msg}); please report this input"),
                )
            });
            rec.source.line = Some(line);
            rec
        };
        let Ok(raw) = serde_json::value::to_raw_value(&record) else {
            return 0;
        };
        let done = FromWorker::Done {
            status: record.status,
            record: raw,
        };
        if send_line(&mut lock().1, &done).is_err() {
            return 0;
        }
    }
}

fn unknown_source(input: &str) -> Source {
    Source {
        input: input.to_string(),
        format: "unknown".into(),
        ..Source::default()
    }
}

// ---------------------------------------------------------------- supervisor side

/// Lines of a worker's stderr kept to explain its death.
const STDERR_TAIL: usize = 8;

struct Worker {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<std::io::Result<FromWorker>>,
    tail: Arc<Mutex<VecDeque<String>>>,
    stderr_thread: Option<std::thread::JoinHandle<()>>,
}

impl Worker {
    fn spawn(exe: &PathBuf, budgets: &Budgets) -> std::io::Result<Worker> {
        let mut child = Command::new(exe)
            .arg(WORKER_SUBCOMMAND)
            .arg("--max-memory-mib")
            .arg(budgets.max_memory_mib.to_string())
            .arg("--input-timeout")
            .arg(budgets.input_timeout.map_or(0, |d| d.as_secs()).to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()?;
        let missing = || std::io::Error::other("worker pipe missing");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        let stderr = child.stderr.take().ok_or_else(missing)?;
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let msg = read_msg::<FromWorker>(&mut r);
                let end = msg.is_err();
                if tx.send(msg).is_err() || end {
                    break;
                }
            }
        });
        let tail = Arc::new(Mutex::new(VecDeque::new()));
        let t = Arc::clone(&tail);
        let stderr_thread = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                // Worker logs go on to the batch's stderr.
                gouji_batch::log_line(format_args!("{line}"));
                let mut t = t.lock().unwrap_or_else(PoisonError::into_inner);
                if t.len() == STDERR_TAIL {
                    t.pop_front();
                }
                t.push_back(line);
            }
        });
        Ok(Worker {
            child,
            stdin,
            rx,
            tail,
            stderr_thread: Some(stderr_thread),
        })
    }

    /// Kills (if still alive) and reaps the worker; its exit status and last stderr lines.
    fn reap(mut self, kill: bool) -> (Option<ExitStatus>, Vec<String>) {
        if kill {
            let _ = self.child.kill();
        }
        let status = self.child.wait().ok();
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        let tail = self
            .tail
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        (status, tail)
    }
}

/// Why a worker died, for a person.
fn death_reason(
    status: Option<ExitStatus>,
    tail: &[String],
    format: &str,
    budgets: &Budgets,
) -> String {
    let reading = if format == "unknown" {
        String::new()
    } else {
        format!(" reading {}", format.to_uppercase())
    };
    let said = |s: &str| tail.iter().any(|l| l.contains(s));
    if said("memory allocation of") {
        return format!(
            "parser ran out of its {} MiB memory budget{reading}",
            budgets.max_memory_mib
        );
    }
    if said("has overflowed its stack") {
        return format!("parser overflowed its stack (recursion too deep){reading}");
    }
    match status {
        Some(s) if s.signal().is_some() => {
            let sig = s.signal().unwrap_or_default();
            let name = nix::sys::signal::Signal::try_from(sig)
                .map(|s| format!(" ({})", s.as_str()))
                .unwrap_or_default();
            format!("worker killed by signal {sig}{name}{reading}")
        }
        Some(s) => format!(
            "worker exited unexpectedly (status {}){reading}",
            s.code().unwrap_or(-1)
        ),
        None => format!("worker vanished{reading}"),
    }
}

/// A pool of worker processes behind the [`Processor`] interface: each call takes an
/// idle worker (or starts one), runs one input in it and gives the worker back.
pub struct Pool<F: Fetch> {
    fetcher: F,
    budgets: Budgets,
    idle: Mutex<Vec<Worker>>,
    /// Requests to the thread that starts workers. Workers die with the thread that
    /// started them (`PR_SET_PDEATHSIG` is per thread), so they are all started by one
    /// thread that lives as long as the pool, not by the batch's short-lived threads.
    spawner: Mutex<Option<Sender<SyncSender<std::io::Result<Worker>>>>>,
    spawner_thread: Option<std::thread::JoinHandle<()>>,
}

impl<F: Fetch> Pool<F> {
    /// A pool running this executable's `__worker` subcommand, fetching through `fetcher`.
    pub fn new(fetcher: F, budgets: Budgets) -> std::io::Result<Self> {
        let exe = std::env::current_exe()?;
        let (tx, rx) = channel::<SyncSender<std::io::Result<Worker>>>();
        let spawner_thread = std::thread::spawn(move || {
            for reply in rx {
                let _ = reply.send(Worker::spawn(&exe, &budgets));
            }
        });
        Ok(Pool {
            fetcher,
            budgets,
            idle: Mutex::new(Vec::new()),
            spawner: Mutex::new(Some(tx)),
            spawner_thread: Some(spawner_thread),
        })
    }

    fn take_worker(&self) -> std::io::Result<Worker> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(w) = idle {
            return Ok(w);
        }
        let gone = || std::io::Error::other("worker spawner stopped");
        let (tx, rx) = sync_channel(1);
        self.spawner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .ok_or_else(gone)?
            .send(tx)
            .map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())?
    }

    /// Serves one fetch request of the worker; returns the detected format of the body.
    fn serve_fetch(
        &self,
        w: &mut Worker,
        input: &str,
        deadline_ms: Option<(u64, u64)>,
    ) -> std::io::Result<Option<Fetched>> {
        let deadline = deadline_ms.map(|(left, total)| gouji_fetch::Deadline {
            at: Instant::now() + Duration::from_millis(left),
            total: Duration::from_millis(total),
        });
        match self.fetcher.fetch_by(input, deadline) {
            Ok(f) => {
                let header = ToWorker::Fetched {
                    ok: Some(WireFetched {
                        input: f.input.clone(),
                        final_url: f.final_url.clone(),
                        content_type: f.content_type.clone(),
                        charset: f.charset.clone(),
                        sha256: f.sha256.clone(),
                        from_cache: f.from_cache,
                        len: f.bytes.len() as u64,
                    }),
                    err: None,
                };
                send_line(&mut w.stdin, &header)?;
                w.stdin.write_all(&f.bytes)?;
                w.stdin.flush()?;
                Ok(Some(f))
            }
            Err(e) => {
                let header = ToWorker::Fetched {
                    ok: None,
                    err: Some(WireError {
                        message: e.to_string(),
                        retryable: e.is_retryable(),
                    }),
                };
                send_line(&mut w.stdin, &header)?;
                Ok(None)
            }
        }
    }

    fn run_job(&self, input: &str, line: u64) -> Processed {
        let mut w = match self.take_worker() {
            Ok(w) => w,
            Err(e) => {
                return Processed::Record(Box::new(Record::failed(
                    unknown_source(input),
                    Stage::Worker,
                    format!("cannot start a worker process: {e}"),
                )));
            }
        };
        let mut source = unknown_source(input);
        let timeout = self.budgets.doc_timeout;
        let mut deadline = Instant::now() + timeout;
        let job = ToWorker::Job {
            input: input.to_string(),
            line,
        };
        let mut alive = send_line(&mut w.stdin, &job).is_ok();
        let mut timed_out = false;
        while alive {
            let left = deadline.saturating_duration_since(Instant::now());
            match w.rx.recv_timeout(left) {
                Ok(Ok(FromWorker::Done { status, record })) => {
                    self.idle
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(w);
                    let mut line = Box::<str>::from(record).into_boxed_bytes().into_vec();
                    line.push(b'\n');
                    return Processed::Encoded { line, status };
                }
                Ok(Ok(FromWorker::Fetch {
                    input: wanted,
                    deadline_ms,
                })) => {
                    match self.serve_fetch(&mut w, &wanted, deadline_ms) {
                        Ok(Some(f)) => {
                            let name = f.final_url.as_deref().unwrap_or(&f.input);
                            source.format = detect(&f.bytes, name).as_str().to_string();
                            if source.sha256.is_none() {
                                source.sha256 = Some(f.sha256.clone());
                            }
                        }
                        Ok(None) => {}
                        Err(_) => alive = false,
                    }
                    // Fetching is the supervisor's time, not the parser's.
                    deadline = Instant::now() + timeout;
                }
                Ok(Err(e)) => {
                    tracing::debug!(input, "worker pipe: {e}");
                    alive = false;
                }
                Err(RecvTimeoutError::Disconnected) => alive = false,
                Err(RecvTimeoutError::Timeout) => {
                    timed_out = true;
                    alive = false;
                }
            }
        }
        let (status, tail) = w.reap(true);
        let reason = if timed_out {
            let reading = if source.format == "unknown" {
                String::new()
            } else {
                format!(" reading {}", source.format.to_uppercase())
            };
            format!(
                "parser timed out after {} s{reading}",
                timeout.as_secs_f64()
            )
        } else {
            death_reason(status, &tail, &source.format, &self.budgets)
        };
        tracing::warn!(input, "{reason}");
        Processed::Record(Box::new(Record::failed(source, Stage::Worker, reason)))
    }
}

impl<F: Fetch> Processor for Pool<F> {
    fn process(&self, input: &str, line: u64) -> Record {
        match self.run_job(input, line) {
            Processed::Record(rec) => *rec,
            Processed::Encoded { line, .. } => serde_json::from_slice(&line).unwrap_or_else(|e| {
                Record::failed(
                    unknown_source(input),
                    Stage::Worker,
                    format!("the worker's record is not valid: {e}"),
                )
            }),
        }
    }

    fn process_encoded(&self, input: &str, line: u64) -> Processed {
        self.run_job(input, line)
    }
}

impl<F: Fetch> Drop for Pool<F> {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for w in idle {
            // Closing stdin ends the worker's loop; it exits on its own.
            let Worker {
                mut child,
                stdin,
                stderr_thread,
                ..
            } = w;
            drop(stdin);
            let _ = child.wait();
            if let Some(t) = stderr_thread {
                let _ = t.join();
            }
        }
        self.spawner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(t) = self.spawner_thread.take() {
            let _ = t.join();
        }
    }
}
