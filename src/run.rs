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

/// Header of `cross_findings.csv` (agreed with the dataset loader): both reports' ids,
/// lines, inputs and years, so a finding joins to `reports.csv` on either side.
pub const CROSS_FINDINGS_HEADER: [&str; 17] = [
    "report_id",
    "line",
    "input",
    "agency",
    "year",
    "prev_report_id",
    "prev_line",
    "prev_input",
    "prev_year",
    "rule",
    "severity",
    "table",
    "row",
    "col",
    "expected",
    "found",
    "message",
];

/// What the first pass keeps of a record: enough to pair years, nothing more.
#[derive(serde::Deserialize)]
struct Brief {
    #[serde(default)]
    report: BriefReport,
    #[serde(default)]
    cells: Vec<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize, Default)]
struct BriefReport {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    year: Option<i32>,
}

/// Where a record sits in `reports.jsonl`.
#[derive(Clone, Copy)]
struct Span {
    offset: u64,
    len: u32,
    index: u64,
}

/// Runs the cross-year rules over a finished batch's `reports.jsonl` and writes
/// `cross_findings.csv` beside it. Returns the number of findings.
///
/// Memory stays flat in the number of reports: a first pass keeps only (agency hash,
/// year) → position of the first report with cells (about 40 bytes per report); then
/// each pair of consecutive years is re-read from the file, two records at a time, in
/// file (line) order.
pub fn cross_check_batch(out_dir: &std::path::Path) -> std::io::Result<usize> {
    use std::collections::HashMap;
    use std::io::{BufRead, Read, Seek};
    let path = out_dir.join(gouji_batch::REPORTS_JSONL);
    let mut first: HashMap<(u64, i32), Span> = HashMap::new();
    {
        let mut r = std::io::BufReader::new(std::fs::File::open(&path)?);
        let mut buf = Vec::new();
        let (mut offset, mut index) = (0u64, 0u64);
        loop {
            buf.clear();
            let n = r.read_until(b'\n', &mut buf)?;
            if n == 0 {
                break;
            }
            index += 1;
            if let (Ok(b), Ok(len)) = (serde_json::from_slice::<Brief>(&buf), u32::try_from(n))
                && let (Some(agency), Some(year)) = (b.report.agency.as_deref(), b.report.year)
                && !agency.trim().is_empty()
                && !b.cells.is_empty()
            {
                let span = Span { offset, len, index };
                // Several reports for one agency and year: the first one counts.
                first.entry((agency_key(agency), year)).or_insert(span);
            }
            offset += n as u64;
        }
    }
    let mut pairs: Vec<(Span, Span)> = first
        .iter()
        .filter_map(|(&(a, y), &cur)| first.get(&(a, y - 1)).map(|&prev| (cur, prev)))
        .collect();
    drop(first);
    pairs.sort_by_key(|(cur, _)| cur.offset);

    let tmp = out_dir.join(format!("{CROSS_FINDINGS_CSV}.tmp"));
    let mut w = csv::Writer::from_path(&tmp).map_err(std::io::Error::other)?;
    w.write_record(CROSS_FINDINGS_HEADER)
        .map_err(std::io::Error::other)?;
    let mut file = std::fs::File::open(&path)?;
    let mut read_at = |s: Span| -> std::io::Result<Option<Record>> {
        file.seek(std::io::SeekFrom::Start(s.offset))?;
        let mut buf = vec![0u8; s.len as usize];
        file.read_exact(&mut buf)?;
        Ok(serde_json::from_slice::<Record>(&buf).ok())
    };
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut count = 0;
    for (cs, ps) in pairs {
        let (Some(cur), Some(prev)) = (read_at(cs)?, read_at(ps)?) else {
            continue;
        };
        let line = |r: &Record, s: Span| r.source.line.unwrap_or(s.index);
        let summaries: Vec<_> = [(&prev, ps), (&cur, cs)]
            .into_iter()
            .filter_map(|(r, s)| crate::crossyear::summarize(r, line(r, s)))
            .collect();
        for f in crate::crossyear::check(&summaries) {
            let g = &f.finding;
            let year = |r: &Record| r.report.year.map(|y| y.to_string()).unwrap_or_default();
            w.write_record([
                gouji_batch::report_id(&cur),
                line(&cur, cs).to_string(),
                cur.source.input.clone(),
                cur.report.agency.clone().unwrap_or_default(),
                year(&cur),
                gouji_batch::report_id(&prev),
                line(&prev, ps).to_string(),
                prev.source.input.clone(),
                year(&prev),
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
            count += 1;
        }
    }
    w.flush()?;
    drop(w);
    // Renamed into place so a killed run never leaves half a file.
    std::fs::rename(&tmp, out_dir.join(CROSS_FINDINGS_CSV))?;
    Ok(count)
}

/// The grouping key of an agency (as `crossyear` groups: trimmed name). Two agencies
/// whose keys collide are only paired if their names also match in `crossyear::check`,
/// so a collision can hide a finding but never make one.
fn agency_key(agency: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    agency.trim().hash(&mut h);
    h.finish()
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

/// The outputs a batch derives after its CSV files: the cross-year pass
/// (`cross_findings.csv`) and the SQLite dataset, which is built on its own thread from
/// the records as the batch finalizes them (see [`gouji_batch::Derive`]).
pub struct BatchOutputs {
    dir: std::path::PathBuf,
    labels: Vec<gouji_dataset::Label>,
    dataset: Option<gouji_dataset::Background>,
}

/// What [`BatchOutputs`] derived: the number of cross-year findings, and the dataset.
pub type Derived = (
    std::io::Result<usize>,
    Result<gouji_dataset::DatasetSummary, gouji_dataset::DatasetError>,
);

impl BatchOutputs {
    /// The outputs of the batch in `dir`, with the embedded templates' labels.
    pub fn new(dir: &std::path::Path) -> Self {
        BatchOutputs {
            dir: dir.to_path_buf(),
            labels: crate::dataset::template_labels(),
            dataset: None,
        }
    }
}

impl gouji_batch::Derive for BatchOutputs {
    type Output = Derived;

    fn record(&mut self, rec: Record) {
        // The thread starts with the first record, so a batch that stops before it
        // finalizes starts none.
        let (dir, labels) = (&self.dir, &self.labels);
        self.dataset
            .get_or_insert_with(|| gouji_dataset::Background::spawn(dir, labels.clone()))
            .record(rec);
    }

    fn records_end(&mut self) {
        // The dataset indexes its rows while the cross-year pass runs.
        if let Some(ds) = &mut self.dataset {
            ds.end_records();
        }
    }

    fn finish(self, out_dir: &std::path::Path) -> Derived {
        let cross = cross_check_batch(out_dir);
        // The dataset loads cross_findings.csv once its records end: after the pass.
        let dataset = match self.dataset {
            Some(ds) => ds.finish(),
            None => gouji_dataset::write_dataset(out_dir, &self.labels),
        };
        (cross, dataset)
    }
}
