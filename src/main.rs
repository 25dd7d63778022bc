#![forbid(unsafe_code)]
//! The `gouji` command line.

use clap::{Parser, Subcommand};
use gouji::model::{Record, Severity, Status};
use gouji::pipeline::{self, Options};
use gouji::pool::Pool;
use gouji::run::{BatchOutputs, PipelineProcessor};
use gouji_batch::{BatchError, BatchOptions, Processor, Retry, log_line, run_batch_then};
use gouji_fetch::LazyFetcher;
use gouji_fetch::{FetchOptions, HttpFetcher};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  gouji extract report.pdf                 readable summary of one report
  gouji extract --json a.html b.txt        one JSON record per report, one per line
  gouji extract https://www.example.gov.cn/zfxxgk/nb/2024.htm
  gouji extract --json corpus/*.txt | jq -c '.findings[] | {rule, row, col, expected, found}'
  gouji run urls.txt --out results         batch: reports.jsonl, cells.csv, findings.csv
  gouji run urls.txt --out results         (again after a crash: resumes, no duplicates)
  gouji run urls.txt --shard 1/4 --out s1  one shard of four (by host); then:
  gouji merge results s0 s1 s2 s3          the shards merged as one run of the list
  gouji discover https://www.example.gov.cn/zfxxgk/ndbg/ > urls.txt   report URLs of a listing

Exit status: 0 no finding of severity error, 1 some finding of severity error,
2 an input could not be read.";

/// gouji (勾稽): rebuild the statistical tables of 政府信息公开工作年度报告 and flag
/// reports whose numbers do not add up.
#[derive(Parser, Debug)]
#[command(name = "gouji", version, about, after_help = EXAMPLES)]
struct Cli {
    /// Log more on stderr (-v: per-document timings, -vv: everything). `RUST_LOG`
    /// (e.g. `RUST_LOG=gouji=debug`) takes precedence.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// Network settings shared by the commands that fetch.
#[derive(clap::Args, Debug, Clone)]
struct NetArgs {
    /// Seconds allowed for one download attempt.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Extra attempts after a 5xx answer, a timeout, a reset connection, or a 429 that
    /// says when to come back (`Retry-After`, waited for by the whole host, up to 5 min).
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// Requests in flight to one host at a time.
    #[arg(long, default_value_t = 2)]
    per_host: usize,
    /// Milliseconds between two requests to the same host.
    #[arg(long, default_value_t = 1000)]
    delay_ms: u64,
    /// Largest download accepted, in MiB.
    #[arg(long, default_value_t = 64)]
    max_mib: u64,
    /// Seconds allowed for one whole input: its page, every attachment, every retry
    /// (0: no overall limit, only --timeout per attempt).
    #[arg(long, default_value_t = 300)]
    input_timeout: u64,
    /// User-Agent sent with every request; its leading word is also the name matched
    /// in robots.txt. Put your own contact in it for large crawls.
    #[arg(long, default_value = gouji_fetch::DEFAULT_USER_AGENT)]
    user_agent: String,
    /// Fetch what robots.txt disallows (on resume, inputs refused by robots.txt are
    /// tried again).
    #[arg(long)]
    ignore_robots: bool,
}

impl NetArgs {
    fn options(&self) -> FetchOptions {
        FetchOptions {
            timeout: Duration::from_secs(self.timeout.max(1)),
            retries: self.retries,
            per_host_concurrency: self.per_host.max(1),
            per_host_delay: Duration::from_millis(self.delay_ms),
            max_body_bytes: self.max_mib.max(1) << 20,
            user_agent: self.user_agent.clone(),
            robots: !self.ignore_robots,
            ..FetchOptions::default()
        }
    }

    fn pipeline_options(&self) -> Options {
        Options {
            input_timeout: (self.input_timeout > 0)
                .then(|| Duration::from_secs(self.input_timeout)),
            ..Options::default()
        }
    }
}

/// Worker isolation settings shared by `run` and `extract`.
#[derive(clap::Args, Debug, Clone)]
struct IsolationArgs {
    /// Parse in this process instead of in worker processes (for debugging: a document
    /// that crashes the parser then ends the whole command).
    #[arg(long)]
    in_process: bool,
    /// Address-space budget of each worker process, in MiB.
    #[arg(long, default_value_t = 2048)]
    max_memory_mib: u64,
    /// Seconds one document may take in a worker before it is stopped.
    #[arg(long, default_value_t = 60.0)]
    doc_timeout: f64,
}

impl IsolationArgs {
    fn budgets(&self, net: &NetArgs) -> gouji::pool::Budgets {
        gouji::pool::Budgets {
            max_memory_mib: self.max_memory_mib.max(64),
            doc_timeout: Duration::from_secs_f64(self.doc_timeout.clamp(0.01, 1e6)),
            input_timeout: net.pipeline_options().input_timeout,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Extract and reconcile local report files (text, HTML, PDF…).
    #[command(after_help = EXAMPLES)]
    Extract {
        /// Report files or URLs.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON record per report per line (JSON Lines) instead of a summary.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        iso: IsolationArgs,
    },
    /// Process a list of URLs or paths (one per line, `#` comments) into an output directory.
    #[command(after_help = EXAMPLES)]
    Run {
        /// The list file; `-` reads it from stdin (pipes, FIFOs and `<(…)` work too: such
        /// lists are copied to OUT/list.txt).
        list: PathBuf,
        /// Output directory: reports.jsonl, cells.csv, findings.csv and the download cache.
        #[arg(long)]
        out: PathBuf,
        /// Worker threads (default: number of cores, at most 8).
        #[arg(long, short)]
        jobs: Option<usize>,
        /// Use only the download cache in the output directory; never touch the network.
        #[arg(long)]
        offline: bool,
        /// Download again even what is cached.
        #[arg(long)]
        refresh: bool,
        /// Discard earlier results in the output directory instead of resuming.
        #[arg(long)]
        restart: bool,
        /// No progress bar, and no progress lines when stderr is a log.
        #[arg(long)]
        quiet: bool,
        /// On resume, retry every failed input (by default only fetches that failed for a
        /// passing reason: timeouts, resets, HTTP 5xx and 429).
        #[arg(long)]
        retry_failed: bool,
        /// Process only shard K of N (0-based): the lines whose host (local paths: the
        /// path) hashes to K, so all requests to one server come from one shard. Records
        /// keep their line in the whole list; `gouji merge` joins the shards.
        #[arg(long, value_name = "K/N")]
        shard: Option<gouji_batch::Shard>,
        /// Split into N shards, taking K from JOB_COMPLETION_INDEX (Kubernetes Indexed
        /// Job) or SLURM_ARRAY_TASK_ID (Slurm array).
        #[arg(long, value_name = "N", conflicts_with = "shard")]
        shard_count: Option<u32>,
        #[command(flatten)]
        net: NetArgs,
        #[command(flatten)]
        iso: IsolationArgs,
    },
    /// Merge the output directories of the shards of one list (`gouji run --shard K/N`)
    /// into OUT: reports.jsonl in list order, the CSVs, the cross-year pass over all
    /// records and gouji.sqlite, as one run over the whole list would write them.
    Merge {
        /// The merged output directory (new, empty, or an earlier merge's).
        out: PathBuf,
        /// The shards' output directories, one per shard, in any order.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Find the report URLs on agency listing pages (政府信息公开年报 lists), following
    /// their pagination; prints a list `gouji run` takes.
    Discover {
        /// Listing pages to start from.
        #[arg(required = true)]
        urls: Vec<String>,
        /// Print JSON Lines {"url","title","year"} instead of a list with `# title` comments.
        #[arg(long)]
        json: bool,
        /// Listing pages fetched at most per start URL, pagination included.
        #[arg(long, default_value_t = 50)]
        max_pages: usize,
        /// Hops through sub-listing links (a 年报 column, another year's list) beyond the
        /// start page; pagination does not count.
        #[arg(long, default_value_t = 1)]
        depth: usize,
        #[command(flatten)]
        net: NetArgs,
    },
    /// Rebuild DIR/gouji.sqlite from a finished batch's reports.jsonl and cross_findings.csv.
    Dataset {
        /// The output directory of `gouji run`.
        dir: PathBuf,
    },
    /// Write the HTML audit report DIR/report/index.html (builds DIR/gouji.sqlite first).
    Report {
        /// The output directory of `gouji run`.
        dir: PathBuf,
    },
    /// Internal: a worker process of `run`/`extract` (reads jobs on stdin).
    #[command(name = "__worker", hide = true)]
    Worker {
        /// Address-space budget, in MiB.
        #[arg(long, default_value_t = 2048)]
        max_memory_mib: u64,
        /// Per-input deadline in seconds (0: none), as `--input-timeout` of `run`.
        #[arg(long, default_value_t = 0)]
        input_timeout: u64,
    },
}

/// Seconds between progress lines when stderr is not a terminal (`GOUJI_PROGRESS_SECS`
/// overrides the 10 s default; tests use it).
fn progress_interval() -> Duration {
    std::env::var("GOUJI_PROGRESS_SECS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .map_or(Duration::from_secs(10), Duration::from_secs_f64)
}

/// SIGINT and SIGTERM set flags instead of killing the process: the batch stops taking
/// inputs, flushes its journal and exits 130/143. Returns (stop, got SIGTERM).
fn stop_flags() -> (Arc<AtomicBool>, Arc<AtomicBool>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let stop = Arc::new(AtomicBool::new(false));
    let term = Arc::new(AtomicBool::new(false));
    for sig in [SIGINT, SIGTERM] {
        let _ = signal_hook::flag::register(sig, Arc::clone(&stop));
    }
    let _ = signal_hook::flag::register(SIGTERM, Arc::clone(&term));
    (stop, term)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default = match cli.verbose {
        0 => "warn",
        1 => "gouji=debug,info",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // Logs go to stderr: stdout carries only data.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
    match cli.command {
        Command::Dataset { dir } => match write_dataset(&dir) {
            Ok(_) => ExitCode::SUCCESS,
            Err(()) => ExitCode::from(2),
        },
        Command::Report { dir } => match write_dataset(&dir).and_then(|_| write_report(&dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(()) => ExitCode::from(2),
        },
        Command::Merge { out, dirs } => merge(&out, &dirs),
        Command::Worker {
            max_memory_mib,
            input_timeout,
        } => ExitCode::from(gouji::pool::worker_main(
            &Options {
                input_timeout: (input_timeout > 0).then(|| Duration::from_secs(input_timeout)),
                ..Options::default()
            },
            max_memory_mib,
        )),
        Command::Extract {
            files,
            json,
            net,
            iso,
        } => extract(&files, json, &net, &iso),
        Command::Discover {
            urls,
            json,
            max_pages,
            depth,
            net,
        } => discover(
            &urls,
            json,
            gouji_discover::DiscoverOptions { max_pages, depth },
            &net,
        ),
        Command::Run {
            list,
            out,
            jobs,
            offline,
            refresh,
            restart,
            quiet,
            retry_failed,
            shard,
            shard_count,
            net,
            iso,
        } => {
            let shard = match (shard, shard_count) {
                (Some(s), _) => Some(s),
                (None, Some(n)) => match gouji_batch::Shard::from_env(n, |k| std::env::var(k).ok())
                {
                    Ok(s) => Some(s),
                    Err(e) => {
                        log_line(format_args!("gouji: {e}"));
                        return ExitCode::from(2);
                    }
                },
                (None, None) => None,
            };
            let mut fo = net.options();
            fo.cache_dir = Some(out.join("cache"));
            fo.offline = offline;
            fo.refresh = refresh;
            let fetcher = match HttpFetcher::new(fo) {
                Ok(f) => f,
                Err(e) => {
                    log_line(format_args!("gouji: {e}"));
                    return ExitCode::from(2);
                }
            };
            let (stop, term) = stop_flags();
            let mut bo = BatchOptions {
                progress: !quiet,
                restart,
                retry: if retry_failed {
                    Retry::AllFailed
                } else {
                    Retry::Transient
                },
                progress_interval: progress_interval(),
                retry_disallowed: net.ignore_robots,
                stop: Some(stop),
                isolated: !iso.in_process,
                shard,
                ..BatchOptions::default()
            };
            if let Some(j) = jobs {
                bo.jobs = j.max(1);
            }
            let derive = BatchOutputs::new(&out);
            let result = if iso.in_process {
                let processor = PipelineProcessor::new(fetcher, net.pipeline_options());
                run_batch_then(&list, &out, &processor, &bo, derive)
            } else {
                match Pool::new(fetcher, iso.budgets(&net)) {
                    Ok(pool) => run_batch_then(&list, &out, &pool, &bo, derive),
                    Err(e) => {
                        log_line(format_args!("gouji: cannot start worker processes: {e}"));
                        return ExitCode::from(2);
                    }
                }
            };
            match result {
                Ok((_, (cross, dataset))) => {
                    match cross {
                        Ok(n) => log_line(format_args!(
                            "  cross-year: {n} findings in {}",
                            out.join(gouji::run::CROSS_FINDINGS_CSV).display()
                        )),
                        Err(e) => log_line(format_args!("gouji: cross-year check: {e}")),
                    }
                    // Derived from the finalized records and the cross pass, like the CSVs.
                    match report_dataset(&out, dataset) {
                        Ok(s) => print_run_summary(&s),
                        Err(()) => return ExitCode::from(2),
                    }
                    ExitCode::SUCCESS
                }
                Err(e @ BatchError::Interrupted { .. }) => {
                    log_line(format_args!("gouji: {e}"));
                    ExitCode::from(if term.load(Ordering::Relaxed) {
                        143
                    } else {
                        130
                    })
                }
                Err(e) => {
                    log_line(format_args!("gouji: {e}"));
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// `gouji merge OUT DIR…`: the merge, then the cross-year pass over all merged records
/// (an agency's two years may sit in different shards) and the dataset.
fn merge(out: &std::path::Path, dirs: &[PathBuf]) -> ExitCode {
    match gouji_batch::merge_dirs_then(out, dirs, BatchOutputs::new(out)) {
        Ok((summary, (cross, dataset))) => {
            log_line(format_args!("{summary}"));
            match cross {
                Ok(n) => log_line(format_args!(
                    "  cross-year: {n} findings in {}",
                    out.join(gouji::run::CROSS_FINDINGS_CSV).display()
                )),
                Err(e) => {
                    log_line(format_args!("gouji: cross-year check: {e}"));
                    return ExitCode::from(2);
                }
            }
            match report_dataset(out, dataset) {
                Ok(s) => print_run_summary(&s),
                Err(()) => return ExitCode::from(2),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            log_line(format_args!("gouji: {e}"));
            ExitCode::from(2)
        }
    }
}

/// Writes DIR/gouji.sqlite; errors are printed.
fn write_dataset(dir: &std::path::Path) -> Result<gouji_dataset::DatasetSummary, ()> {
    report_dataset(
        dir,
        gouji_dataset::write_dataset(dir, &gouji::dataset::template_labels()),
    )
}

/// Logs where DIR/gouji.sqlite was written and its row counts, or the error.
fn report_dataset(
    dir: &std::path::Path,
    result: Result<gouji_dataset::DatasetSummary, gouji_dataset::DatasetError>,
) -> Result<gouji_dataset::DatasetSummary, ()> {
    match result {
        Ok(s) => {
            let rows: Vec<String> = s.rows.iter().map(|(t, n)| format!("{t} {n}")).collect();
            log_line(format_args!(
                "  dataset: {} ({})",
                dir.join(gouji_dataset::DATASET_FILE).display(),
                rows.join(", ")
            ));
            Ok(s)
        }
        Err(e) => {
            log_line(format_args!("gouji: dataset: {e}"));
            Err(())
        }
    }
}

/// Writes DIR/report/; errors are printed.
fn write_report(dir: &std::path::Path) -> Result<(), ()> {
    match gouji_report::write_report(dir) {
        Ok(s) => {
            log_line(format_args!(
                "  report: {} ({} report pages)",
                s.index.display(),
                s.pages
            ));
            Ok(())
        }
        Err(e) => {
            log_line(format_args!("gouji: report: {e}"));
            Err(())
        }
    }
}

/// The batch summary an auditor reads: findings by severity, failures split into
/// unreadable inputs and documents that are not a report of a known template, and the
/// first failed inputs with their reasons.
fn print_run_summary(s: &gouji_dataset::DatasetSummary) {
    let [e, w, i] = s.by_severity;
    log_line(format_args!(
        "  findings by severity: {e} error, {w} warning, {i} info"
    ));
    log_line(format_args!(
        "  failed: {} could not be read, {} not a report / legacy / no known table",
        s.read_failures, s.not_a_report
    ));
    let total = s.read_failures + s.not_a_report;
    for (line, input, stage, msg) in &s.failed {
        log_line(format_args!("    line {line}: {input} [{stage}] {msg}"));
    }
    if total > s.failed.len() as u64 {
        log_line(format_args!(
            "    … and {} more (see reports.csv, status = failed)",
            total - s.failed.len() as u64
        ));
    }
}

fn extract(files: &[PathBuf], json: bool, net: &NetArgs, iso: &IsolationArgs) -> ExitCode {
    let opts = net.pipeline_options();
    let fetcher = LazyFetcher::new(net.options());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut code = 0u8;
    // One file is read in this process (nothing else to protect); several go through a
    // worker process so one bad document cannot take the others down.
    let pool = if iso.in_process || files.len() < 2 {
        None
    } else {
        Pool::new(&fetcher, iso.budgets(net)).ok()
    };
    let mut records: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let input = f.to_string_lossy();
            match &pool {
                Some(p) => {
                    let mut r = p.process(&input, i as u64 + 1);
                    r.source.line = None;
                    r
                }
                None => pipeline::process_input(&input, &fetcher, &opts),
            }
        })
        .collect();
    // Several years of one agency given together are checked against each other.
    gouji::run::cross_check_records(&mut records);
    for rec in records {
        if pipeline::unreadable(&rec) {
            code = 2;
        } else if rec.max_severity() == Some(Severity::Error) && code == 0 {
            code = 1;
        }
        let written = if json {
            serde_json::to_writer(&mut out, &rec)
                .map_err(std::io::Error::other)
                .and_then(|()| out.write_all(b"\n"))
        } else {
            write_summary(&mut out, &rec)
        };
        if let Err(e) = written {
            // A closed pipe (`| head`) ends the run quietly.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                log_line(format_args!("gouji: writing output: {e}"));
            }
            return ExitCode::from(code.max(2));
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(code)
}

/// `gouji discover`: report URLs on stdout (deduplicated across start pages), one
/// line of counts per start page on stderr. Exit 2 when a start page could not be read.
fn discover(
    urls: &[String],
    json: bool,
    opts: gouji_discover::DiscoverOptions,
    net: &NetArgs,
) -> ExitCode {
    let fetcher = match HttpFetcher::new(net.options()) {
        Ok(f) => f,
        Err(e) => {
            log_line(format_args!("gouji: {e}"));
            return ExitCode::from(2);
        }
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut printed = std::collections::HashSet::new();
    let mut code = 0u8;
    for start in urls {
        let found = match gouji_discover::discover(&fetcher, start, opts) {
            Ok(f) => f,
            Err(e) => {
                log_line(format_args!("gouji: discover: {e}"));
                code = 2;
                continue;
            }
        };
        for (page, why) in &found.skipped {
            log_line(format_args!(
                "gouji: discover: skipped {}: {why}",
                gouji_fetch::short(page)
            ));
        }
        log_line(format_args!(
            "gouji: discover: {}: {} report links on {} pages{}",
            gouji_fetch::short(start),
            found.reports.len(),
            found.pages,
            if found.truncated {
                format!(" (stopped at --max-pages {})", opts.max_pages)
            } else {
                String::new()
            }
        ));
        let new = found
            .reports
            .iter()
            .filter(|r| printed.insert(r.url.clone()));
        if let Err(e) = write_reports(&mut out, new, json) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                log_line(format_args!("gouji: writing output: {e}"));
            }
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(code)
}

/// Reports as a `gouji run` list (`# title (year)` comment, then the URL) or as JSON
/// Lines. Titles are kept on one line: a newline in one would end the comment.
fn write_reports<'a>(
    out: &mut impl Write,
    reports: impl Iterator<Item = &'a gouji_discover::Report>,
    json: bool,
) -> std::io::Result<()> {
    for r in reports {
        if json {
            serde_json::to_writer(&mut *out, r).map_err(std::io::Error::other)?;
            writeln!(out)?;
        } else {
            let title: String = r.title.split_whitespace().collect::<Vec<_>>().join(" ");
            writeln!(out, "# {title} ({})\n{}", r.year, r.url)?;
        }
    }
    Ok(())
}

fn fmt_opt(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(x) if x.fract() == 0.0 => format!("{}", x as i64),
        Some(x) => format!("{x}"),
    }
}

fn write_summary(out: &mut impl Write, r: &Record) -> std::io::Result<()> {
    let status = match r.status {
        Status::Ok => "ok",
        Status::Partial => "partial",
        Status::Failed => "FAILED",
    };
    writeln!(out, "{} [{}]", r.source.input, r.source.format)?;
    writeln!(
        out,
        "  {} · {} · template {} · {status}",
        r.report.agency.as_deref().unwrap_or("(agency unknown)"),
        r.report
            .year
            .map_or("(year unknown)".into(), |y| y.to_string()),
        r.report.template,
    )?;
    let mut tables: Vec<(&str, usize)> = Vec::new();
    for c in &r.cells {
        match tables.iter_mut().find(|(t, _)| *t == c.table) {
            Some((_, n)) => *n += 1,
            None => tables.push((&c.table, 1)),
        }
    }
    let list: Vec<String> = tables
        .iter()
        .map(|(t, n)| format!("{t} ({n} cells)"))
        .collect();
    writeln!(
        out,
        "  tables: {}",
        if list.is_empty() {
            "none".into()
        } else {
            list.join(", ")
        }
    )?;
    for e in &r.errors {
        writeln!(out, "  error [{}]: {}", e.stage, e.message)?;
    }
    if r.findings.is_empty() {
        writeln!(out, "  no findings")?;
    }
    for f in &r.findings {
        // As an auditor reads the table: 表三 · 本年新收… · 自然人.
        let place = match (f.table.as_deref(), f.row.as_deref(), f.col.as_deref()) {
            (Some(t), Some(row), Some(c)) => {
                gouji::dataset::cell_label(&r.report.template, t, row, c)
            }
            _ => [f.table.as_deref(), f.row.as_deref(), f.col.as_deref()]
                .iter()
                .flatten()
                .copied()
                .collect::<Vec<_>>()
                .join("."),
        };
        writeln!(
            out,
            "  {:7} {:13} {}  expected {} found {}{}",
            f.severity.as_str(),
            f.rule,
            place,
            fmt_opt(f.expected),
            fmt_opt(f.found),
            f.at.as_deref()
                .map(|a| format!("  @{a}"))
                .unwrap_or_default()
        )?;
        if let Some(sides) = gouji::dataset::sum_sides(r, f) {
            writeln!(out, "          {sides}")?;
        }
        writeln!(out, "          {}", f.message)?;
    }
    writeln!(out)
}
