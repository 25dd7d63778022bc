#![forbid(unsafe_code)]
//! The `gouji` command line.

use clap::{Parser, Subcommand};
use gouji::model::{Record, Severity, Status};
use gouji::pipeline::{self, Options};
use gouji::run::{LazyFetcher, PipelineProcessor};
use gouji_batch::{BatchOptions, run_batch};
use gouji_fetch::{FetchOptions, HttpFetcher};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

const EXAMPLES: &str = "\
Examples:
  gouji extract report.pdf                 readable summary of one report
  gouji extract --json a.html b.txt        one JSON record per report, one per line
  gouji extract https://www.example.gov.cn/zfxxgk/nb/2024.htm
  gouji extract --json corpus/*.txt | jq -c '.findings[] | {rule, row, col, expected, found}'
  gouji run urls.txt --out results         batch: reports.jsonl, cells.csv, findings.csv
  gouji run urls.txt --out results         (again after a crash: resumes, no duplicates)

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
    /// Extra attempts after a 5xx answer, a timeout or a reset connection.
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
}

impl NetArgs {
    fn options(&self) -> FetchOptions {
        FetchOptions {
            timeout: Duration::from_secs(self.timeout.max(1)),
            retries: self.retries,
            per_host_concurrency: self.per_host.max(1),
            per_host_delay: Duration::from_millis(self.delay_ms),
            max_body_bytes: self.max_mib.max(1) << 20,
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
    },
    /// Process a list of URLs or paths (one per line, `#` comments) into an output directory.
    #[command(after_help = EXAMPLES)]
    Run {
        /// The list file.
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
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        net: NetArgs,
    },
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
        Command::Extract { files, json, net } => extract(&files, json, &net),
        Command::Run {
            list,
            out,
            jobs,
            offline,
            refresh,
            restart,
            quiet,
            net,
        } => {
            let mut fo = net.options();
            fo.cache_dir = Some(out.join("cache"));
            fo.offline = offline;
            fo.refresh = refresh;
            let fetcher = match HttpFetcher::new(fo) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("gouji: {e}");
                    return ExitCode::from(2);
                }
            };
            let processor = PipelineProcessor::new(fetcher, net.pipeline_options());
            let mut bo = BatchOptions {
                progress: !quiet,
                restart,
                ..BatchOptions::default()
            };
            if let Some(j) = jobs {
                bo.jobs = j.max(1);
            }
            match run_batch(&list, &out, &processor, &bo) {
                Ok(_) => {
                    match gouji::run::cross_check_batch(&out) {
                        Ok(n) => eprintln!(
                            "  cross-year: {n} findings in {}",
                            out.join(gouji::run::CROSS_FINDINGS_CSV).display()
                        ),
                        Err(e) => eprintln!("gouji: cross-year check: {e}"),
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("gouji: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn extract(files: &[PathBuf], json: bool, net: &NetArgs) -> ExitCode {
    let opts = net.pipeline_options();
    let fetcher = LazyFetcher::new(net.options());
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut code = 0u8;
    let mut records: Vec<_> = files
        .iter()
        .map(|f| pipeline::process_input(&f.to_string_lossy(), &fetcher, &opts))
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
                eprintln!("gouji: writing output: {e}");
            }
            return ExitCode::from(code.max(2));
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    ExitCode::from(code)
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
        let place = [f.table.as_deref(), f.row.as_deref(), f.col.as_deref()]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(".");
        writeln!(
            out,
            "  {:7} {:13} {:40} expected {:>8} found {:>8}{}",
            f.severity.as_str(),
            f.rule,
            place,
            fmt_opt(f.expected),
            fmt_opt(f.found),
            f.at.as_deref()
                .map(|a| format!("  @{a}"))
                .unwrap_or_default()
        )?;
        writeln!(out, "          {}", f.message)?;
    }
    writeln!(out)
}
