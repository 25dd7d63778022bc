//! End of a batch: rewrite the journal in list order and derive the CSV files from it.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use gouji_model::{Record, Status};

use crate::journal::probe_line;
use crate::{BatchError, CELLS_CSV, FINDINGS_CSV, REPORTS_JSONL};

/// Header of `cells.csv`.
pub const CELLS_HEADER: [&str; 14] = [
    "report_id",
    "line",
    "input",
    "url",
    "agency",
    "year",
    "template",
    "table",
    "row",
    "col",
    "value",
    "raw",
    "unit",
    "at",
];

/// File name of the per-report table: one row per input line, failed ones included.
pub const REPORTS_CSV: &str = "reports.csv";

/// Header of `reports.csv`. `line` identifies a row within a run; `report_id` (the
/// document's sha256) repeats when one document appears on two lines.
pub const REPORTS_HEADER: [&str; 19] = [
    "report_id",
    "line",
    "input",
    "url",
    "sha256",
    "format",
    "status",
    "agency",
    "year",
    "template",
    "title",
    "tables_from",
    "cells",
    "errors",
    "warnings",
    "info",
    "error_stage",
    "error_message",
    "findings",
];

/// Header of `findings.csv`. The first 13 columns are the historical ones; `at`,
/// `quote` and `cells` (involved cells as `table.row.col`, `;`-separated) were appended.
pub const FINDINGS_HEADER: [&str; 16] = [
    "report_id",
    "line",
    "input",
    "agency",
    "year",
    "rule",
    "severity",
    "table",
    "row",
    "col",
    "expected",
    "found",
    "message",
    "at",
    "quote",
    "cells",
];

/// Counts over all records of the finished batch.
#[derive(Debug, Default)]
pub(crate) struct Totals {
    pub records: u64,
    pub ok: u64,
    pub partial: u64,
    pub failed: u64,
    pub findings: u64,
    pub by_rule: BTreeMap<String, u64>,
    pub dropped: u64,
}

fn out_err(path: &Path) -> impl Fn(std::io::Error) -> BatchError + '_ {
    move |source| BatchError::Output {
        path: path.to_path_buf(),
        source,
    }
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> BatchError + '_ {
    move |e| BatchError::Output {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    }
}

/// `21` for whole numbers, shortest round-trip text otherwise, empty for none.
fn num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => format!("{x}"),
        None => String::new(),
    }
}

/// `source.sha256`, or the SHA-256 of the input when no document was read.
pub fn report_id(rec: &Record) -> String {
    rec.report_id()
}

struct TmpOut {
    tmp: PathBuf,
    dest: PathBuf,
}

impl TmpOut {
    fn new(dir: &Path, name: &str) -> Self {
        TmpOut {
            tmp: dir.join(format!(".{name}.tmp")),
            dest: dir.join(name),
        }
    }
    fn create(&self) -> Result<BufWriter<File>, BatchError> {
        Ok(BufWriter::with_capacity(
            256 * 1024,
            File::create(&self.tmp).map_err(out_err(&self.tmp))?,
        ))
    }
    fn commit(&self, w: BufWriter<File>) -> Result<(), BatchError> {
        let f = w.into_inner().map_err(|e| BatchError::Output {
            path: self.tmp.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        f.sync_all().map_err(out_err(&self.tmp))?;
        std::fs::rename(&self.tmp, &self.dest).map_err(out_err(&self.dest))
    }
}

/// Rewrites `reports.jsonl` in line order (one record per line number, first copy wins)
/// and writes `cells.csv` and `findings.csv` from it, all through temp files renamed
/// into place. Memory: 24 bytes per record for the (line, offset, length) index; the
/// records themselves are streamed one at a time. Each record written is then handed to
/// `sink`, in the order of the new `reports.jsonl`.
pub(crate) fn finalize(dir: &Path, sink: &mut dyn FnMut(Record)) -> Result<Totals, BatchError> {
    let result = finalize_inner(dir, sink);
    if result.is_err() {
        // A failed finalisation (full disk) leaves the previous outputs and no temp
        // files; the journal is untouched, so a rerun finalises again.
        for name in [REPORTS_JSONL, CELLS_CSV, FINDINGS_CSV] {
            let _ = std::fs::remove_file(TmpOut::new(dir, name).tmp);
        }
    }
    result
}

fn finalize_inner(dir: &Path, sink: &mut dyn FnMut(Record)) -> Result<Totals, BatchError> {
    let journal_path = dir.join(REPORTS_JSONL);
    let mut journal = File::open(&journal_path).map_err(out_err(&journal_path))?;
    let mut totals = Totals::default();

    let mut index: Vec<(u64, u64, u32)> = Vec::new();
    {
        let mut reader = BufReader::with_capacity(256 * 1024, &journal);
        let mut buf = Vec::new();
        let mut offset = 0u64;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(out_err(&journal_path))?;
            if n == 0 {
                break;
            }
            let complete = buf.last() == Some(&b'\n');
            match (complete, probe_line(&buf), u32::try_from(n)) {
                (true, Some(line), Ok(len)) => index.push((line, offset, len)),
                _ => totals.dropped += 1,
            }
            offset += n as u64;
        }
    }
    // Stable sort keeps journal order among duplicates, so the first copy wins.
    index.sort_by_key(|&(line, _, _)| line);
    let before = index.len();
    index.dedup_by_key(|e| e.0);
    totals.dropped += (before - index.len()) as u64;

    let reports = TmpOut::new(dir, REPORTS_JSONL);
    let cells = TmpOut::new(dir, CELLS_CSV);
    let findings = TmpOut::new(dir, FINDINGS_CSV);
    let table = TmpOut::new(dir, REPORTS_CSV);
    let mut table_w = csv::Writer::from_writer(table.create()?);
    table_w
        .write_record(REPORTS_HEADER)
        .map_err(csv_err(&table.tmp))?;
    let mut reports_w = reports.create()?;
    let mut cells_w = csv::Writer::from_writer(cells.create()?);
    let mut findings_w = csv::Writer::from_writer(findings.create()?);
    cells_w
        .write_record(CELLS_HEADER)
        .map_err(csv_err(&cells.tmp))?;
    findings_w
        .write_record(FINDINGS_HEADER)
        .map_err(csv_err(&findings.tmp))?;

    let mut buf = Vec::new();
    let mut last_end = None;
    for &(_, offset, len) in &index {
        // Seek only when the journal is out of order: after a single uninterrupted run
        // it is nearly sorted already and this reads sequentially.
        if last_end != Some(offset) {
            journal
                .seek(SeekFrom::Start(offset))
                .map_err(out_err(&journal_path))?;
        }
        buf.resize(len as usize, 0);
        journal
            .read_exact(&mut buf)
            .map_err(out_err(&journal_path))?;
        last_end = Some(offset + u64::from(len));
        let Ok(rec) = serde_json::from_slice::<Record>(&buf) else {
            totals.dropped += 1;
            continue;
        };
        reports_w.write_all(&buf).map_err(out_err(&reports.tmp))?;
        write_rows(&rec, &mut cells_w, &mut findings_w).map_err(|e| csv_err(&cells.tmp)(e))?;
        write_report_row(&rec, &mut table_w).map_err(|e| csv_err(&table.tmp)(e))?;
        totals.records += 1;
        match rec.status {
            Status::Ok => totals.ok += 1,
            Status::Partial => totals.partial += 1,
            Status::Failed => totals.failed += 1,
        }
        for f in &rec.findings {
            totals.findings += 1;
            *totals.by_rule.entry(f.rule.clone()).or_default() += 1;
        }
        sink(rec);
    }
    let cells_inner = cells_w.into_inner().map_err(|e| BatchError::Output {
        path: cells.tmp.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let findings_inner = findings_w.into_inner().map_err(|e| BatchError::Output {
        path: findings.tmp.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let table_inner = table_w.into_inner().map_err(|e| BatchError::Output {
        path: table.tmp.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    // The CSVs first, the journal last: until the journal is replaced a crash here just
    // means the next run finalizes again from the same journal.
    table.commit(table_inner)?;
    cells.commit(cells_inner)?;
    findings.commit(findings_inner)?;
    reports.commit(reports_w)?;
    Ok(totals)
}

fn write_rows<W: Write>(
    rec: &Record,
    cells: &mut csv::Writer<W>,
    findings: &mut csv::Writer<W>,
) -> Result<(), csv::Error> {
    let id = report_id(rec);
    let line = rec.source.line.map(|l| l.to_string()).unwrap_or_default();
    let input = rec.source.input.as_str();
    let url = rec.source.url.as_deref().unwrap_or("");
    let agency = rec.report.agency.as_deref().unwrap_or("");
    let year = rec.report.year.map(|y| y.to_string()).unwrap_or_default();
    let template = rec.report.template.as_str();
    for c in &rec.cells {
        cells.write_record([
            id.as_str(),
            &line,
            input,
            url,
            agency,
            &year,
            template,
            &c.table,
            &c.row,
            &c.col,
            &num(c.value),
            &c.raw,
            c.unit.as_deref().unwrap_or(""),
            &c.at,
        ])?;
    }
    for f in &rec.findings {
        findings.write_record([
            id.as_str(),
            &line,
            input,
            agency,
            &year,
            &f.rule,
            f.severity.as_str(),
            f.table.as_deref().unwrap_or(""),
            f.row.as_deref().unwrap_or(""),
            f.col.as_deref().unwrap_or(""),
            &num(f.expected),
            &num(f.found),
            &f.message,
            f.at.as_deref().unwrap_or(""),
            f.quote.as_deref().unwrap_or(""),
            &involved(f),
        ])?;
    }
    Ok(())
}

/// A finding's involved cells as `table.row.col`, `;`-separated.
pub fn involved(f: &gouji_model::Finding) -> String {
    f.cells
        .iter()
        .map(|(t, r, c)| format!("{t}.{r}.{c}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// One `reports.csv` row: what the record says about the report, its first error and
/// its findings counted by severity.
fn write_report_row<W: Write>(rec: &Record, w: &mut csv::Writer<W>) -> Result<(), csv::Error> {
    use gouji_model::Severity;
    let count = |s: Severity| {
        rec.findings
            .iter()
            .filter(|f| f.severity == s)
            .count()
            .to_string()
    };
    let first = rec.errors.first();
    let src = &rec.source;
    w.write_record([
        report_id(rec).as_str(),
        &src.line.map(|l| l.to_string()).unwrap_or_default(),
        &src.input,
        src.url.as_deref().unwrap_or(""),
        src.sha256.as_deref().unwrap_or(""),
        &src.format,
        rec.status.as_str(),
        rec.report.agency.as_deref().unwrap_or(""),
        &rec.report.year.map(|y| y.to_string()).unwrap_or_default(),
        &rec.report.template,
        rec.report.title.as_deref().unwrap_or(""),
        src.tables_from.as_deref().unwrap_or(""),
        &rec.cells.len().to_string(),
        &count(Severity::Error),
        &count(Severity::Warning),
        &count(Severity::Info),
        first.map_or("", |e| e.stage.as_str()),
        first.map_or("", |e| e.message.as_str()),
        &rec.findings.len().to_string(),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(num(Some(21.0)), "21");
        assert_eq!(num(Some(-3.0)), "-3");
        assert_eq!(num(Some(7730.28)), "7730.28");
        assert_eq!(num(None), "");
    }
}
