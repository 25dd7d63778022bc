//! Batch runs over lists of URLs or paths: the pipeline plugged into the batch runner.

use crate::pipeline::{Options, process_input};
use gouji_batch::Processor;
use gouji_fetch::Fetch;
use gouji_model::Record;

/// The full pipeline (fetch → detect → extract → map → reconcile) as a batch processor.
pub struct PipelineProcessor<F: Fetch> {
    fetcher: F,
    opts: Options,
}

impl<F: Fetch> PipelineProcessor<F> {
    /// A processor fetching through `fetcher`.
    pub fn new(fetcher: F, opts: Options) -> Self {
        PipelineProcessor { fetcher, opts }
    }
}

impl<F: Fetch> Processor for PipelineProcessor<F> {
    fn process(&self, input: &str, line: u64) -> Record {
        let mut r = process_input(input, &self.fetcher, &self.opts);
        r.source.line = Some(line);
        r
    }
}

/// A fetcher that builds its HTTP client only when an input needs the network: local
/// files are read directly, so `gouji extract FILE` pays no TLS setup.
pub struct LazyFetcher {
    options: gouji_fetch::FetchOptions,
    client: std::sync::OnceLock<Result<gouji_fetch::HttpFetcher, String>>,
}

impl LazyFetcher {
    /// A fetcher with these options.
    pub fn new(options: gouji_fetch::FetchOptions) -> Self {
        LazyFetcher {
            options,
            client: std::sync::OnceLock::new(),
        }
    }
}

impl Fetch for LazyFetcher {
    fn fetch(&self, input: &str) -> Result<gouji_fetch::Fetched, gouji_fetch::FetchError> {
        self.fetch_by(input, None)
    }

    fn fetch_by(
        &self,
        input: &str,
        deadline: Option<gouji_fetch::Deadline>,
    ) -> Result<gouji_fetch::Fetched, gouji_fetch::FetchError> {
        let lower = input.trim_start().to_ascii_lowercase();
        // Anything written as `scheme://` other than file:// goes to the HTTP fetcher,
        // which says why it is not a usable URL (`http://`, a bad port, `ftp://`).
        let remote = gouji_fetch::looks_like_url(input) && !lower.starts_with("file://");
        if !remote && self.options.cache_dir.is_none() {
            return read_local(input, self.options.max_body_bytes);
        }
        let client = self.client.get_or_init(|| {
            gouji_fetch::HttpFetcher::new(self.options.clone()).map_err(|e| e.to_string())
        });
        match client {
            Ok(c) => c.fetch_by(input, deadline),
            Err(e) => Err(gouji_fetch::FetchError::Client(e.clone())),
        }
    }
}

/// Reads a local path or `file://` URL, within the size limit.
fn read_local(input: &str, limit: u64) -> Result<gouji_fetch::Fetched, gouji_fetch::FetchError> {
    let path = input.strip_prefix("file://").unwrap_or(input);
    let io = |e: std::io::Error| gouji_fetch::FetchError::Io {
        path: std::path::PathBuf::from(path),
        source: e,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > limit {
        return Err(gouji_fetch::FetchError::TooLarge {
            url: input.to_string(),
            limit,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    Ok(gouji_fetch::Fetched {
        input: input.to_string(),
        final_url: None,
        sha256: gouji_fetch::sha256_hex(&bytes),
        bytes,
        content_type: None,
        charset: None,
        from_cache: false,
    })
}

/// File name of the cross-year findings written after a batch.
pub const CROSS_FINDINGS_CSV: &str = "cross_findings.csv";

/// Runs the cross-year rules over a finished batch's `reports.jsonl` (streamed: only a
/// small summary per report is kept) and writes `cross_findings.csv` beside it.
/// Returns the number of findings.
pub fn cross_check_batch(out_dir: &std::path::Path) -> std::io::Result<usize> {
    use std::io::BufRead;
    let file = std::fs::File::open(out_dir.join(gouji_batch::REPORTS_JSONL))?;
    let mut summaries = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        let Ok(rec) = serde_json::from_str::<Record>(&line) else {
            continue;
        };
        let n = rec.source.line.unwrap_or(i as u64 + 1);
        if let Some(s) = crate::crossyear::summarize(&rec, n) {
            summaries.push(s);
        }
    }
    let findings = crate::crossyear::check(&summaries);
    let tmp = out_dir.join(format!("{CROSS_FINDINGS_CSV}.tmp"));
    let mut w = csv::Writer::from_path(&tmp).map_err(std::io::Error::other)?;
    w.write_record([
        "line",
        "input",
        "prev_input",
        "rule",
        "severity",
        "table",
        "row",
        "col",
        "expected",
        "found",
        "message",
    ])
    .map_err(std::io::Error::other)?;
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for f in &findings {
        let g = &f.finding;
        w.write_record([
            f.line.to_string(),
            f.input.clone(),
            f.prev_input.clone(),
            g.rule.clone(),
            g.severity.as_str().to_string(),
            g.table.clone().unwrap_or_default(),
            g.row.clone().unwrap_or_default(),
            g.col.clone().unwrap_or_default(),
            num(g.expected),
            num(g.found),
            g.message.clone(),
        ])
        .map_err(std::io::Error::other)?;
    }
    w.flush()?;
    drop(w);
    // Renamed into place so a killed run never leaves half a file.
    std::fs::rename(&tmp, out_dir.join(CROSS_FINDINGS_CSV))?;
    Ok(findings.len())
}

/// Adds cross-year findings to records processed together (e.g. `gouji extract` of
/// several years of one agency): each finding goes to the later year's record.
pub fn cross_check_records(records: &mut [Record]) {
    let summaries: Vec<_> = records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| crate::crossyear::summarize(r, i as u64))
        .collect();
    for f in crate::crossyear::check(&summaries) {
        if let Some(r) = records.get_mut(f.line as usize) {
            r.findings.push(f.finding);
        }
    }
}
