//! The pipeline for one document: detect format → extract → map through the template →
//! reconcile → record. Every input yields exactly one [`Record`]; nothing here panics on
//! input or stops a batch.

use crate::detect::detect;
use crate::extract;
use gouji_check::reconcile::{Context, Reconciler};
use gouji_check::template::{RuleKind, Template, TemplateError, TemplateSet};
use gouji_doc::{Document, Limits};
use gouji_fetch::Fetch;
use gouji_map::map_report;
use gouji_map::mapping::Mapping;
use gouji_map::number::Parsed;
use gouji_map::report_info::report_info;
use gouji_model::{CellValue, Record, RecordError, ReportInfo, Source, Stage, Status};
use std::sync::Arc;

/// Options for processing documents.
#[derive(Debug, Clone)]
pub struct Options {
    /// Parser limits.
    pub limits: Limits,
    /// Time allowed for one whole input: its page, every attachment, every retry and
    /// backoff. `None`: only the per-attempt timeouts apply. Default
    /// [`DEFAULT_INPUT_TIMEOUT`].
    pub input_timeout: Option<std::time::Duration>,
    /// The template set documents are mapped and checked with. `None` (the default):
    /// the embedded set ([`TemplateSet::embedded`]).
    pub templates: Option<Arc<TemplateSet>>,
}

impl Options {
    /// The template set to use: the given one, else the embedded one.
    pub fn template_set(&self) -> Result<&TemplateSet, TemplateError> {
        match &self.templates {
            Some(t) => Ok(t),
            None => TemplateSet::embedded(),
        }
    }
}

/// Default per-input deadline: 300 s. One document at the default fetch settings
/// (3 attempts × 30 s + backoff) needs up to ~95 s, so this lets a landing page and two
/// attachments use all their retries, while 6 attachments × 3 attempts on a slow
/// server (~10 minutes) are cut at 5.
pub const DEFAULT_INPUT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            input_timeout: Some(DEFAULT_INPUT_TIMEOUT),
            templates: None,
        }
    }
}

pub use gouji_fetch::sha256_hex;

/// Processes one document's bytes into its record. `source.input` names it; `charset` is
/// an encoding declared by the transport (HTTP), if any.
pub fn process_bytes(
    source: Source,
    bytes: &[u8],
    charset: Option<&str>,
    opts: &Options,
) -> Record {
    process_document(source, bytes, charset, opts).0
}

/// As [`process_bytes`], also returning the extracted document (for attachment links).
fn process_document(
    mut source: Source,
    bytes: &[u8],
    charset: Option<&str>,
    opts: &Options,
) -> (Record, Option<Document>) {
    source.sha256 = Some(sha256_hex(bytes));
    let name = source.url.clone().unwrap_or_else(|| source.input.clone());
    let format = detect(bytes, &name);
    source.format = format.as_str().to_string();
    match extract::extract(bytes, format, charset, &opts.limits) {
        Ok(doc) => (analyze_with(source, &doc, opts), Some(doc)),
        Err(e) => (Record::failed(source, Stage::Extract, e.to_string()), None),
    }
}

/// Most attachments of one landing page that are tried.
const MAX_ATTACHMENTS: usize = 6;

/// Extensions of linked documents that may hold a report's tables.
const ATTACHMENT_EXTS: &[&str] = &["pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "ofd"];

fn rank(r: &Record) -> (u8, usize) {
    let s = match r.status {
        Status::Ok => 2,
        Status::Partial => 1,
        Status::Failed => 0,
    };
    (s, r.cells.len())
}

/// Fetches an input (URL or path) and processes it. A landing page whose tables are not
/// all there has its report attachments (附件 .pdf/.doc/.xls…) fetched and processed too;
/// the record then comes from the best attachment, says so in `source.tables_from`, and
/// keeps the page's title, agency and year where the attachment lacks them.
pub fn process_input(input: &str, fetcher: &dyn Fetch, opts: &Options) -> Record {
    let started = std::time::Instant::now();
    let rec = process_input_inner(input, fetcher, opts);
    tracing::debug!(
        input,
        format = %rec.source.format,
        status = rec.status.as_str(),
        template = %rec.report.template,
        cells = rec.cells.len(),
        findings = rec.findings.len(),
        ms = format!("{:.1}", started.elapsed().as_secs_f64() * 1e3),
        "processed"
    );
    for e in &rec.errors {
        // The record carries the error; the log line is for following a run live.
        tracing::info!(input, stage = %e.stage, "{}", e.message);
    }
    rec
}

fn process_input_inner(input: &str, fetcher: &dyn Fetch, opts: &Options) -> Record {
    let source = Source {
        input: input.to_string(),
        format: "unknown".into(),
        ..Source::default()
    };
    let deadline = opts.input_timeout.map(gouji_fetch::Deadline::after);
    let fetched = match fetcher.fetch_by(input, deadline) {
        Ok(f) => f,
        Err(e) => return Record::failed(source, Stage::Fetch, e.to_string()),
    };
    let mut source = source;
    source.url = fetched
        .final_url
        .clone()
        .or_else(|| is_url(input).then(|| input.to_string()));
    let (page, doc) = process_document(source, &fetched.bytes, fetched.charset.as_deref(), opts);
    if page.status == Status::Ok || page.source.format != "html" {
        return page;
    }
    let Some(doc) = doc else { return page };
    let base = page.source.url.clone().unwrap_or_else(|| file_url(input));
    // A page that came over the network may only lead to network documents: `file://`
    // and paths are for the user's own list lines, never for what a server sends.
    let remote = gouji_fetch::is_http_url(&base);
    let mut links: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    for l in &doc.links {
        let Ok(abs) = gouji_fetch::resolve_href(&base, &l.href) else {
            continue;
        };
        let path = abs
            .split(['?', '#'])
            .next()
            .unwrap_or(&abs)
            .to_ascii_lowercase();
        let is_doc = path
            .rsplit_once('.')
            .is_some_and(|(_, ext)| ATTACHMENT_EXTS.contains(&ext));
        if !is_doc || links.contains(&abs) {
            continue;
        }
        if remote && !gouji_fetch::is_http_url(&abs) {
            notes.push(format!(
                "attachment link {} refused: a page fetched over HTTP may only link to http(s) documents",
                gouji_fetch::short(&abs)
            ));
            continue;
        }
        links.push(abs);
    }
    let mut best: Option<Record> = None;
    let total = links.len().min(MAX_ATTACHMENTS);
    for (i, url) in links.into_iter().take(MAX_ATTACHMENTS).enumerate() {
        if let (Some(d), Some(limit)) = (deadline, opts.input_timeout)
            && d.passed()
        {
            notes.push(format!(
                "input deadline of {} reached: {} of {total} attachments not tried",
                gouji_fetch::human_duration(limit),
                total - i
            ));
            break;
        }
        let mut rec = match fetcher.fetch_by(&url, deadline) {
            Ok(f) => {
                let src = Source {
                    input: input.to_string(),
                    url: f.final_url.clone().or(Some(url.clone())),
                    format: "unknown".into(),
                    ..Source::default()
                };
                process_bytes(src, &f.bytes, f.charset.as_deref(), opts)
            }
            Err(e) => {
                notes.push(format!("attachment {}: {e}", gouji_fetch::short(&url)));
                continue;
            }
        };
        for e in &rec.errors {
            notes.push(format!(
                "attachment {}: {}",
                gouji_fetch::short(&url),
                e.message
            ));
        }
        rec.source.tables_from = Some(url.clone());
        if best.as_ref().is_none_or(|b| rank(&rec) > rank(b)) {
            best = Some(rec);
        }
    }
    match best {
        Some(mut rec) if rank(&rec) > rank(&page) => {
            rec.source.url = page.source.url.clone();
            if rec.report.agency.is_none() {
                rec.report.agency = page.report.agency.clone();
            }
            if rec.report.year.is_none() {
                rec.report.year = page.report.year;
            }
            if rec.report.title.is_none() {
                rec.report.title = page.report.title.clone();
            }
            rec
        }
        _ => {
            let mut page = page;
            page.warnings.extend(notes);
            page
        }
    }
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("file://")
}

/// A `file://` URL for a local path, so relative links on a saved page resolve.
fn file_url(path: &str) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| std::path::PathBuf::from(path));
    format!("file://{}", abs.display())
}

/// Maps and reconciles an extracted document with the embedded template set.
pub fn analyze(source: Source, doc: &Document) -> Record {
    analyze_with(source, doc, &Options::default())
}

/// Maps and reconciles an extracted document with the options' template set.
pub fn analyze_with(source: Source, doc: &Document, opts: &Options) -> Record {
    let info = report_info(doc);
    let set = match opts.template_set() {
        Ok(t) => t,
        Err(e) => return Record::failed(source, Stage::Map, format!("template data: {e}")),
    };
    let tpls = set.templates();
    let (tpl, mapping) = map_report(doc, tpls, info.year);
    let record = Record {
        source,
        report: ReportInfo {
            agency: info.agency.clone(),
            year: info.year,
            template: String::new(),
            title: info.title.clone(),
        },
        status: Status::Failed,
        cells: Vec::new(),
        findings: Vec::new(),
        errors: Vec::new(),
        // The record carries each warning's text (CONTRACT.md); code and place stay typed here.
        warnings: doc.warnings.iter().map(|w| w.message.clone()).collect(),
    };
    match tpl {
        Some(tpl) => check_report(record, doc, tpl, mapping, info.year),
        None => without_template(record, doc, set, &info),
    }
}

/// A report no family of the set maps: a report older than every family (pre-2019 for
/// the embedded set), whose 统计表 is read and checked as a legacy report, or not a
/// report at all.
fn without_template(
    mut record: Record,
    doc: &Document,
    set: &TemplateSet,
    info: &gouji_map::report_info::ReportInfo,
) -> Record {
    let cutoff = set.legacy_before();
    let legacy =
        info.looks_like_report && info.year.zip(cutoff).is_some_and(|(y, first)| y < first);
    record.report.template = if legacy { "legacy" } else { "unknown" }.to_string();
    if !legacy {
        record.errors.push(RecordError {
            stage: Stage::Map,
            message: if info.looks_like_report {
                "no statistical table of a known template found".into()
            } else {
                "not recognised as a government information disclosure annual report".into()
            },
        });
        return record;
    }
    // A legacy report that was read is never `failed`: its 统计表 (if any) as cells of
    // table `legacy` with its own labels.
    let before = cutoff.unwrap_or_default();
    let t = gouji_map::legacy::read(doc);
    record.warnings.extend(t.warnings.iter().cloned());
    record.status = if t.cells.is_empty() {
        record.warnings.push(if t.found {
            format!("legacy report (before {before}): 统计表 found but no row could be read")
        } else {
            format!("legacy report (before {before}): no 统计表 printed; narrative only")
        });
        Status::Partial
    } else {
        Status::Ok
    };
    record.findings = gouji_check::legacy::check_with(set, doc, &t);
    record.cells = t.cells;
    record
}

/// A report mapped through family `tpl`: its status by the tables found, its findings,
/// its cells.
fn check_report(
    mut record: Record,
    doc: &Document,
    tpl: &Template,
    mut mapping: Mapping,
    year: Option<i32>,
) -> Record {
    record.report.template = tpl.id.clone();
    let found = tpl
        .tables
        .iter()
        .filter(|t| mapping.has_table(&t.key))
        .count();
    record.status = match found {
        0 => Status::Failed,
        n if n == tpl.tables.len() => Status::Ok,
        _ => Status::Partial,
    };
    if found == 0 {
        record.errors.push(RecordError {
            stage: Stage::Map,
            message: format!(
                "template {} detected but none of its tables was found",
                tpl.id
            ),
        });
    }
    let text = doc.text();
    let ctx = Context {
        text: &text,
        year,
        text_complete: doc.meta.ocr_pages.is_empty(),
    };
    mapping.drop_ocr_guesses(&doc.meta);
    record.findings = Reconciler::new(tpl).run(&mapping.cells, &ctx);
    if !ctx.text_complete && tpl.rules.iter().any(|r| r.kind() == RuleKind::Sections) {
        record.warnings.push(
            "sections not checked: OCR reads only the tables of scanned pages, not their headings"
                .into(),
        );
    }
    record
        .warnings
        .extend(mapping.warnings.iter().map(|w| w.message.clone()));
    record.cells = to_cells(tpl, &mapping, &doc.meta);
    record
}

/// Builds the record's cells. An OCR cell whose reading is a guess
/// (`Meta::uncertain`) keeps its raw text but gets no value, so no rule reads it.
fn to_cells(tpl: &Template, m: &Mapping, meta: &gouji_doc::Meta) -> Vec<CellValue> {
    let uncertain: Vec<String> = meta.uncertain.iter().map(|p| p.to_string()).collect();
    let mut out = Vec::with_capacity(m.cells.len());
    for t in &tpl.tables {
        for r in &t.rows {
            for c in &t.cols {
                let Some(mc) = m.get(&t.key, &r.key, &c.key) else {
                    continue;
                };
                let at = mc.at.to_string();
                let (value, unit) = match &mc.parsed {
                    _ if uncertain.contains(&at) => (None, None),
                    Parsed::Number { value, unit, .. } => (Some(*value), unit.clone()),
                    _ => (None, None),
                };
                out.push(CellValue {
                    table: mc.table.clone(),
                    row: mc.row.clone(),
                    col: mc.col.clone(),
                    value,
                    raw: mc.raw.clone(),
                    unit,
                    at,
                    ocr: mc.at.page().is_some_and(|p| meta.ocr_pages.contains(&p)),
                    inferred: mc.inferred,
                });
            }
        }
    }
    out
}

/// Reads a local file and processes it.
pub fn process_path(path: &std::path::Path, opts: &Options) -> Record {
    let source = Source {
        input: path.display().to_string(),
        format: "unknown".into(),
        ..Source::default()
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return Record::failed(
                source,
                Stage::Fetch,
                format!("cannot read {}: {e}", path.display()),
            );
        }
    };
    if meta.len() > opts.limits.max_input_bytes {
        return Record::failed(
            source,
            Stage::Fetch,
            format!(
                "{} is {} bytes, over the {}-byte input limit",
                path.display(),
                meta.len(),
                opts.limits.max_input_bytes
            ),
        );
    }
    match std::fs::read(path) {
        Ok(bytes) => process_bytes(source, &bytes, None, opts),
        Err(e) => Record::failed(
            source,
            Stage::Fetch,
            format!("cannot read {}: {e}", path.display()),
        ),
    }
}

/// Whether the record's failure is a reading failure (exit code 2) rather than a report
/// without recognisable tables.
pub fn unreadable(r: &Record) -> bool {
    r.errors
        .iter()
        .any(|e| e.stage == Stage::Fetch || e.stage == Stage::Extract)
}
