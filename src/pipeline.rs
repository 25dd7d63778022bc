//! The pipeline for one document: detect format → extract → map through the template →
//! reconcile → record. Every input yields exactly one [`Record`]; nothing here panics on
//! input or stops a batch.

use crate::detect::detect;
use crate::extract;
use crate::mapping::{Mapping, map_document};
use crate::number::Parsed;
use crate::reconcile::{Context, Reconciler};
use crate::report_info::{detect_template, report_info};
use crate::template::{Template, templates};
use gouji_doc::{Document, Limits};
use gouji_model::{CellValue, Record, RecordError, ReportInfo, Source, Status};
use sha2::{Digest, Sha256};

/// Options for processing documents.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Parser limits.
    pub limits: Limits,
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Processes one document's bytes into its record. `source.input` names it; `charset` is
/// an encoding declared by the transport (HTTP), if any.
pub fn process_bytes(
    mut source: Source,
    bytes: &[u8],
    charset: Option<&str>,
    opts: &Options,
) -> Record {
    source.sha256 = Some(sha256_hex(bytes));
    let name = source.url.clone().unwrap_or_else(|| source.input.clone());
    let format = detect(bytes, &name);
    source.format = format.as_str().to_string();
    match extract::extract(bytes, format, charset, &opts.limits) {
        Ok(doc) => analyze(source, &doc),
        Err(e) => Record::failed(source, "extract", e.to_string()),
    }
}

/// Maps and reconciles an extracted document.
pub fn analyze(source: Source, doc: &Document) -> Record {
    let info = report_info(doc);
    let tpls = match templates() {
        Ok(t) => t,
        Err(e) => return Record::failed(source, "map", format!("template data: {e}")),
    };
    let (tpl, mapping) = choose_template(doc, tpls);
    let mut record = Record {
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
        warnings: doc.warnings.clone(),
    };
    let Some(tpl) = tpl else {
        // Not one of the statistical templates: a pre-2019 report or not a report at all.
        let legacy = info.looks_like_report && info.year.is_some_and(|y| y < 2019);
        record.report.template = if legacy { "legacy" } else { "unknown" }.to_string();
        record.errors.push(RecordError {
            stage: "map".into(),
            message: if legacy {
                "legacy report (before 2019): no gk2019/gk2021 statistical tables to map".into()
            } else if info.looks_like_report {
                "no statistical table of a known template found".into()
            } else {
                "not recognised as a government information disclosure annual report".into()
            },
        });
        return record;
    };
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
            stage: "map".into(),
            message: format!(
                "template {} detected but none of its tables was found",
                tpl.id
            ),
        });
    }
    let text = doc.text();
    let ctx = Context {
        text: &text,
        year: info.year,
    };
    record.findings = Reconciler::new(tpl).run(&mapping, &ctx);
    record.warnings.extend(mapping.warnings.iter().cloned());
    record.cells = to_cells(tpl, &mapping);
    record
}

/// The template a document follows: by its printed features, else the one that maps the
/// most cells.
fn choose_template<'a>(doc: &Document, tpls: &'a [Template]) -> (Option<&'a Template>, Mapping) {
    if let Some(t) = detect_template(doc, tpls) {
        return (Some(t), map_document(doc, t));
    }
    let mut best: Option<(&Template, Mapping)> = None;
    for t in tpls {
        let m = map_document(doc, t);
        if !m.cells.is_empty()
            && best
                .as_ref()
                .is_none_or(|(_, b)| m.cells.len() > b.cells.len())
        {
            best = Some((t, m));
        }
    }
    match best {
        Some((t, m)) => (Some(t), m),
        None => (None, Mapping::default()),
    }
}

/// Cells in template order (table, row, column), as the contract's records.
fn to_cells(tpl: &Template, m: &Mapping) -> Vec<CellValue> {
    let mut out = Vec::with_capacity(m.cells.len());
    for t in &tpl.tables {
        for r in &t.rows {
            for c in &t.cols {
                let Some(mc) = m.get(&t.key, &r.key, &c.key) else {
                    continue;
                };
                let (value, unit) = match &mc.parsed {
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
                    at: mc.at.to_string(),
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
                "fetch",
                format!("cannot read {}: {e}", path.display()),
            );
        }
    };
    if meta.len() > opts.limits.max_input_bytes {
        return Record::failed(
            source,
            "fetch",
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
            "fetch",
            format!("cannot read {}: {e}", path.display()),
        ),
    }
}

/// Whether the record's failure is a reading failure (exit code 2) rather than a report
/// without recognisable tables.
pub fn unreadable(r: &Record) -> bool {
    r.errors
        .iter()
        .any(|e| e.stage == "fetch" || e.stage == "extract")
}
