#![forbid(unsafe_code)]
//! gouji's SQLite dataset: `DIR/gouji.sqlite`, derived from a finished batch's journal
//! (`reports.jsonl`) and `cross_findings.csv`, like the CSV files.
//!
//! The schema is documented in `docs/dataset.md`; [`SCHEMA`] is its source. The whole
//! database is written in one transaction into a temp file that is renamed into place,
//! so readers never see half a dataset. Records are streamed one at a time: memory does
//! not grow with the batch.

use std::collections::HashSet;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use gouji_model::{Record, Severity};
pub use rusqlite;
use rusqlite::{Connection, Transaction, params};

/// File name of the dataset in the batch directory.
pub const DATASET_FILE: &str = "gouji.sqlite";
/// The journal the dataset is derived from, and the cross-year findings file it loads:
/// the names and columns the batch writes them with.
pub use gouji_batch::REPORTS_JSONL;
pub use gouji_batch::cross::{CROSS_FINDINGS_CSV, CROSS_FINDINGS_HEADER};

/// The tables, views and indexes (documented in `docs/dataset.md`).
///
/// `cells.value`, `findings.expected/found` and `cross_findings.expected/found` are
/// declared without a type on purpose: a column without a declared type has no
/// affinity, so SQLite keeps what is stored (INTEGER for counts, REAL for amounts)
/// instead of converting.
pub const SCHEMA: &str = include_str!("schema.sql");

/// What went wrong writing the dataset.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// SQLite refused something.
    #[error("{path}: sqlite: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The dataset thread was stopped before its batch had finished ([`Background`]).
    #[error("the dataset was abandoned before the batch finished")]
    Abandoned,
    /// `cross_findings.csv` is not valid CSV.
    #[error("{path}: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
}

/// One label of a template, for the `labels` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Template id (`gk2021`).
    pub template: String,
    /// Table key (`requests`).
    pub table: String,
    /// `table` (the table's own title), `row`, `col`, `row_group` or `col_group`.
    pub axis: &'static str,
    /// Row, column or group key (the table key for `axis = table`).
    pub key: String,
    /// The Chinese label (the template's first, canonical one).
    pub label: String,
    /// Order in the template (0-based).
    pub position: i64,
    /// The group key the row or column belongs to, if any.
    pub group: Option<String>,
    /// For columns: `count`, `amount` or `signed`.
    pub value_kind: Option<String>,
}

/// Counts of what was written, and the failed inputs.
#[derive(Debug, Default, Clone)]
pub struct DatasetSummary {
    /// Rows per table, in [`TABLES`] order.
    pub rows: Vec<(&'static str, u64)>,
    /// Documents by status (`ok`, `partial`, `failed`).
    pub by_status: [u64; 3],
    /// Findings by severity (`error`, `warning`, `info`).
    pub by_severity: [u64; 3],
    /// Failed inputs that are documents gouji could not read (fetch, detect, extract).
    pub read_failures: u64,
    /// Failed inputs that were read but are not a report of a known template (legacy,
    /// not a report, no table found).
    pub not_a_report: u64,
    /// The first failed inputs: (line, input, stage, message).
    pub failed: Vec<(i64, String, String, String)>,
    /// Journal lines that could not be parsed (skipped).
    pub skipped: u64,
}

/// How many failed inputs [`DatasetSummary::failed`] keeps.
pub const FAILED_LISTED: usize = 20;

/// The tables of the dataset, in the order they are documented.
pub const TABLES: [&str; 8] = [
    "reports",
    "cells",
    "findings",
    "finding_cells",
    "errors",
    "warnings",
    "cross_findings",
    "labels",
];

/// `source.sha256`, or the SHA-256 of the input when no document was read (the same
/// `report_id` as the CSV files).
pub fn report_id(rec: &Record) -> String {
    rec.report_id()
}

/// Writes `dir/gouji.sqlite` from `dir/reports.jsonl` and `dir/cross_findings.csv`
/// (absent: no cross-year findings), with `labels` for the `labels` table.
pub fn write_dataset(dir: &Path, labels: &[Label]) -> Result<DatasetSummary, DatasetError> {
    let path = dir.join(REPORTS_JSONL);
    let file = std::fs::File::open(&path).map_err(|source| DatasetError::Io {
        path: path.clone(),
        source,
    })?;
    let lines = std::io::BufReader::new(file).lines().map(|line| {
        line.map(|l| serde_json::from_str::<Record>(&l).ok())
            .map_err(|source| DatasetError::Io {
                path: path.clone(),
                source,
            })
    });
    write_dataset_records(dir, labels, lines)
}

/// Writes `dir/gouji.sqlite` from `records`, the lines of `dir/reports.jsonl` in order
/// (`Ok(None)`: a line that is not a record, skipped), then `dir/cross_findings.csv`,
/// which is read only once `records` has ended. An `Err` item ends the write with that
/// error and leaves no dataset behind.
pub fn write_dataset_records(
    dir: &Path,
    labels: &[Label],
    records: impl IntoIterator<Item = Result<Option<Record>, DatasetError>>,
) -> Result<DatasetSummary, DatasetError> {
    write_dataset_when(dir, labels, records, || Ok(()))
}

/// As [`write_dataset_records`], but `cross_ready` is called once the records are in
/// and indexed, and `dir/cross_findings.csv` is read only after it returns: the indexes
/// are built while the caller is still writing that file.
fn write_dataset_when(
    dir: &Path,
    labels: &[Label],
    records: impl IntoIterator<Item = Result<Option<Record>, DatasetError>>,
    cross_ready: impl FnOnce() -> Result<(), DatasetError>,
) -> Result<DatasetSummary, DatasetError> {
    let dest = dir.join(DATASET_FILE);
    let tmp = dir.join(format!(".{DATASET_FILE}.tmp"));
    remove_tmp(&tmp)?;
    let result = write_tmp(dir, &tmp, labels, records, cross_ready);
    if result.is_err() {
        // Whatever went wrong, no half-written database is left to be mistaken for one.
        let _ = std::fs::remove_file(&tmp);
    }
    let summary = result?;
    std::fs::rename(&tmp, &dest).map_err(|source| DatasetError::Io { path: dest, source })?;
    Ok(summary)
}

fn remove_tmp(tmp: &Path) -> Result<(), DatasetError> {
    match std::fs::remove_file(tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(DatasetError::Io {
            path: tmp.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// The whole database in `tmp`, committed and closed.
fn write_tmp(
    dir: &Path,
    tmp: &Path,
    labels: &[Label],
    records: impl IntoIterator<Item = Result<Option<Record>, DatasetError>>,
    cross_ready: impl FnOnce() -> Result<(), DatasetError>,
) -> Result<DatasetSummary, DatasetError> {
    let sq = |source| DatasetError::Sqlite {
        path: tmp.to_path_buf(),
        source,
    };
    let mut conn = Connection::open(tmp).map_err(sq)?;
    // The temp file is renamed only after the commit: no journal needed for safety.
    // `threads`: the index build may sort its spilled runs on a second thread.
    conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA threads = 2;")
        .map_err(sq)?;
    let tx = conn.transaction().map_err(sq)?;
    // Tables first, indexes after the rows: building an index once over the rows is
    // cheaper than updating it on every insert (the insert was most of `gouji run`'s
    // serial tail). The finished schema is the same `SCHEMA`.
    let (tables, indexes) = split_schema();
    tx.execute_batch(tables).map_err(sq)?;
    let amounts = insert_labels(&tx, labels).map_err(sq)?;
    let mut summary = insert_records(&tx, records, &amounts, tmp)?;
    // The cross-year rows are few: their indexes are as cheap to keep up as to build,
    // and indexing before them lets the index build overlap the caller's cross-year
    // pass, which writes the file they come from.
    tx.execute_batch(indexes).map_err(sq)?;
    cross_ready()?;
    insert_cross(&tx, dir, tmp)?;
    for t in TABLES {
        let n: i64 = tx
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .map_err(sq)?;
        summary.rows.push((t, n.max(0) as u64));
    }
    tx.commit().map_err(sq)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL;")
        .map_err(sq)?;
    conn.close().map_err(|(_, e)| sq(e))?;
    Ok(summary)
}

/// A dataset written on its own thread from records handed to it as a batch finalizes
/// them, so the SQLite inserts run beside the CSV writing instead of after it (they
/// were most of `gouji run`'s serial tail).
///
/// [`Background::end_records`] says the records are all in (the thread then builds the
/// indexes); [`Background::finish`] says `cross_findings.csv` is written and waits for
/// the dataset. Dropped without `finish`, the thread stops and leaves no dataset.
pub struct Background {
    tx: Option<std::sync::mpsc::SyncSender<Message>>,
    records_ended: bool,
    thread: Option<std::thread::JoinHandle<Result<DatasetSummary, DatasetError>>>,
}

enum Message {
    Record(Box<Record>),
    /// No more records.
    End,
    /// `cross_findings.csv` is written.
    Cross,
}

/// Records in flight between the batch and the dataset thread: enough to keep both
/// busy, few enough that memory does not depend on the batch (a record is ~20 KB).
const IN_FLIGHT: usize = 64;

impl Background {
    /// Starts the thread writing `dir/gouji.sqlite`.
    pub fn spawn(dir: &Path, labels: Vec<Label>) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(IN_FLIGHT);
        let dir = dir.to_path_buf();
        let thread = std::thread::spawn(move || {
            // The sender went away without `End` or `Cross`: the batch did not finish.
            let records = rx.iter().map(Some).chain(std::iter::once(None));
            let records = records.map_while(|m| match m {
                Some(Message::Record(rec)) => Some(Ok(Some(*rec))),
                Some(Message::End) => None,
                Some(Message::Cross) | None => Some(Err(DatasetError::Abandoned)),
            });
            let cross_ready = || match rx.recv() {
                Ok(Message::Cross) => Ok(()),
                _ => Err(DatasetError::Abandoned),
            };
            write_dataset_when(&dir, &labels, records, cross_ready)
        });
        Background {
            tx: Some(tx),
            records_ended: false,
            thread: Some(thread),
        }
    }

    /// Hands over the next line's record. An error of the thread shows in `finish`.
    pub fn record(&mut self, rec: Record) {
        self.send(Message::Record(Box::new(rec)));
    }

    /// Ends the records: the thread indexes them while `cross_findings.csv` is written.
    pub fn end_records(&mut self) {
        if !self.records_ended {
            self.records_ended = true;
            self.send(Message::End);
        }
    }

    /// `cross_findings.csv` is written (or absent): ends the records if that was not
    /// done yet, and waits for the dataset.
    pub fn finish(mut self) -> Result<DatasetSummary, DatasetError> {
        self.end_records();
        self.send(Message::Cross);
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) | None => Err(DatasetError::Abandoned),
        }
    }

    fn send(&mut self, msg: Message) {
        if let Some(tx) = &self.tx
            && tx.send(msg).is_err()
        {
            // The thread stopped on an error; `finish` returns it.
            self.tx = None;
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Without `Cross` the thread sees the channel close, stops and removes its file.
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// [`SCHEMA`] as its `CREATE TABLE` part and its `CREATE INDEX` part.
fn split_schema() -> (&'static str, &'static str) {
    SCHEMA
        .find("CREATE INDEX")
        .map_or((SCHEMA, ""), |i| SCHEMA.split_at(i))
}

/// The `(table, col)` pairs whose values are amounts, looked up without building a key
/// (once per cell of the batch).
#[derive(Default)]
struct Amounts(std::collections::HashMap<String, HashSet<String>>);

impl Amounts {
    fn insert(&mut self, table: &str, col: &str) {
        self.0
            .entry(table.to_string())
            .or_default()
            .insert(col.to_string());
    }

    fn contains(&self, table: &str, col: &str) -> bool {
        self.0.get(table).is_some_and(|cols| cols.contains(col))
    }
}

/// Inserts the labels; returns the `(table, col)` pairs whose values are amounts.
fn insert_labels(tx: &Transaction, labels: &[Label]) -> rusqlite::Result<Amounts> {
    let mut st = tx.prepare(
        "INSERT INTO labels (template, table_key, axis, key, label, position, group_key, value_kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut amounts = Amounts::default();
    for l in labels {
        st.execute(params![
            l.template,
            l.table,
            l.axis,
            l.key,
            l.label,
            l.position,
            l.group,
            l.value_kind
        ])?;
        if l.axis == "col" && l.value_kind.as_deref() == Some("amount") {
            amounts.insert(&l.table, &l.key);
        }
    }
    Ok(amounts)
}

/// A number as SQLite should store it: INTEGER for whole counts, REAL for amounts and
/// fractions.
fn sql_num(v: Option<f64>, amount: bool) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match v {
        Some(x) if !amount && x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 => {
            Value::Integer(x as i64)
        }
        Some(x) => Value::Real(x),
        None => Value::Null,
    }
}

fn severity_index(s: Severity) -> usize {
    match s {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Info => 2,
    }
}

fn insert_records(
    tx: &Transaction,
    records: impl IntoIterator<Item = Result<Option<Record>, DatasetError>>,
    amounts: &Amounts,
    db: &Path,
) -> Result<DatasetSummary, DatasetError> {
    let sq = |source| DatasetError::Sqlite {
        path: db.to_path_buf(),
        source,
    };
    let mut ins = Inserts::prepare(tx).map_err(sq)?;
    let mut summary = DatasetSummary::default();
    let mut seen = HashSet::new();
    for (i, rec) in records.into_iter().enumerate() {
        let Some(rec) = rec? else {
            summary.skipped += 1;
            continue;
        };
        // `line` is the key within a run; a journal without it falls back to position.
        let n = rec.source.line.map_or(i as i64 + 1, |l| l as i64);
        if !seen.insert(n) {
            summary.skipped += 1;
            continue;
        }
        ins.record(&rec, n, amounts).map_err(sq)?;
        count(&mut summary, &rec, n);
    }
    Ok(summary)
}

fn count(summary: &mut DatasetSummary, rec: &Record, n: i64) {
    summary.by_status[match rec.status {
        gouji_model::Status::Ok => 0,
        gouji_model::Status::Partial => 1,
        gouji_model::Status::Failed => 2,
    }] += 1;
    for f in &rec.findings {
        summary.by_severity[severity_index(f.severity)] += 1;
    }
    if rec.status != gouji_model::Status::Failed {
        return;
    }
    let first = rec.errors.first();
    let stage = first.map_or("", |e| e.stage.as_str());
    // A failed record without an error counts as unreadable, as before stages were typed.
    if first.is_some_and(|e| !e.stage.is_read_failure()) {
        summary.not_a_report += 1;
    } else {
        summary.read_failures += 1;
    }
    if summary.failed.len() < FAILED_LISTED {
        summary.failed.push((
            n,
            rec.source.input.clone(),
            stage.to_string(),
            first.map_or(String::new(), |e| e.message.clone()),
        ));
    }
}

/// The prepared inserts for one record's rows.
struct Inserts<'t> {
    conn: &'t Connection,
    report: rusqlite::Statement<'t>,
    cell: rusqlite::Statement<'t>,
    finding: rusqlite::Statement<'t>,
    finding_cell: rusqlite::Statement<'t>,
    error: rusqlite::Statement<'t>,
    warning: rusqlite::Statement<'t>,
}

impl<'t> Inserts<'t> {
    fn prepare(tx: &'t Transaction) -> rusqlite::Result<Self> {
        Ok(Inserts {
            conn: tx,
            report: tx.prepare(
                "INSERT INTO reports (line, report_id, input, url, sha256, format, status,
                   agency, year, template, title, tables_from, error_stage, error_message,
                   n_cells, n_errors, n_warnings, n_info, n_findings)
                 VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
            )?,
            cell: tx.prepare(
                "INSERT INTO cells (line, table_key, row_key, col_key, value, raw, unit, at,
                   inferred, ocr) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
            )?,
            finding: tx.prepare(
                "INSERT INTO findings (line, position, rule, severity, table_key, row_key,
                   col_key, rows, expected, found, message, quote, at, expected_share_pct,
                   found_share_pct) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)",
            )?,
            finding_cell: tx.prepare(
                "INSERT INTO finding_cells (finding_id, line, position, table_key, row_key,
                   col_key) VALUES (?1,?2,?3,?4,?5,?6)",
            )?,
            error: tx.prepare(
                "INSERT INTO errors (line, position, stage, message) VALUES (?1,?2,?3,?4)",
            )?,
            warning: tx
                .prepare("INSERT INTO warnings (line, position, message) VALUES (?1,?2,?3)")?,
        })
    }

    fn record(&mut self, rec: &Record, n: i64, amounts: &Amounts) -> rusqlite::Result<()> {
        let sev = |s: Severity| rec.findings.iter().filter(|f| f.severity == s).count() as i64;
        let first = rec.errors.first();
        let src = &rec.source;
        self.report.execute(params![
            n,
            report_id(rec),
            src.input,
            src.url,
            src.sha256,
            src.format,
            rec.status.as_str(),
            rec.report.agency,
            rec.report.year,
            rec.report.template,
            rec.report.title,
            src.tables_from,
            first.map(|e| e.stage.as_str()),
            first.map(|e| e.message.as_str()),
            rec.cells.len() as i64,
            sev(Severity::Error),
            sev(Severity::Warning),
            sev(Severity::Info),
            rec.findings.len() as i64,
        ])?;
        for c in &rec.cells {
            let amount = amounts.contains(&c.table, &c.col);
            self.cell.execute(params![
                n,
                c.table,
                c.row,
                c.col,
                sql_num(c.value, amount),
                c.raw,
                c.unit,
                c.at,
                c.inferred,
                c.ocr,
            ])?;
        }
        for (i, f) in rec.findings.iter().enumerate() {
            let amount = match (&f.table, &f.col) {
                (Some(t), Some(c)) => amounts.contains(t, c),
                _ => false,
            };
            self.finding.execute(params![
                n,
                i as i64,
                f.rule,
                f.severity.as_str(),
                f.table,
                f.row,
                f.col,
                (!f.rows.is_empty()).then(|| f.rows.join(";")),
                sql_num(f.expected, amount),
                sql_num(f.found, amount),
                f.message,
                f.quote,
                f.at,
                f.expected_share_pct,
                f.found_share_pct,
            ])?;
            // Each finding is inserted right before its cells, on the one connection.
            let id = self.conn.last_insert_rowid();
            for (j, (t, r, c)) in f.cells.iter().enumerate() {
                self.finding_cell
                    .execute(params![id, n, j as i64, t, r, c])?;
            }
        }
        for (i, e) in rec.errors.iter().enumerate() {
            self.error
                .execute(params![n, i as i64, e.stage.as_str(), e.message])?;
        }
        for (i, w) in rec.warnings.iter().enumerate() {
            self.warning.execute(params![n, i as i64, w])?;
        }
        Ok(())
    }
}

/// Loads `cross_findings.csv`, reading columns by header name so both the old header
/// (`line,input,prev_input,…`) and the new one (with report ids, agency and years) load.
/// Columns the file lacks are filled from `reports` (by `line`, and `prev_input` →
/// the earliest line with that input).
fn insert_cross(tx: &Transaction, dir: &Path, db: &Path) -> Result<(), DatasetError> {
    let path = dir.join(CROSS_FINDINGS_CSV);
    let sq = |source| DatasetError::Sqlite {
        path: db.to_path_buf(),
        source,
    };
    let cv = |source| DatasetError::Csv {
        path: path.clone(),
        source,
    };
    let mut rd = match csv::Reader::from_path(&path) {
        Ok(r) => r,
        Err(e) => match e.kind() {
            csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            _ => return Err(cv(e)),
        },
    };
    let header = rd.headers().map_err(cv)?.clone();
    let idx: Vec<Option<usize>> = CROSS_FINDINGS_HEADER
        .iter()
        .map(|c| header.iter().position(|h| h == *c))
        .collect();
    let mut st = tx
        .prepare(
            "INSERT INTO cross_findings (report_id, line, input, agency, year, prev_report_id,
               prev_line, prev_input, prev_year, rule, severity, table_key, row_key, col_key,
               expected, found, message)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
        )
        .map_err(sq)?;
    for row in rd.records() {
        let row = row.map_err(cv)?;
        let get = |k: usize| -> Option<&str> {
            idx[k].and_then(|i| row.get(i)).filter(|s| !s.is_empty())
        };
        let int = |k: usize| get(k).and_then(|s| s.parse::<i64>().ok());
        let num = |k: usize| sql_num(get(k).and_then(|s| s.parse::<f64>().ok()), false);
        st.execute(params![
            get(0),
            int(1),
            get(2),
            get(3),
            int(4),
            get(5),
            int(6),
            get(7),
            int(8),
            get(9),
            get(10),
            get(11),
            get(12),
            get(13),
            num(14),
            num(15),
            get(16),
        ])
        .map_err(sq)?;
    }
    tx.execute_batch(
        "UPDATE cross_findings SET
           report_id = coalesce(report_id, (SELECT r.report_id FROM reports r WHERE r.line = cross_findings.line)),
           agency = coalesce(agency, (SELECT r.agency FROM reports r WHERE r.line = cross_findings.line)),
           year = coalesce(year, (SELECT r.year FROM reports r WHERE r.line = cross_findings.line)),
           prev_line = coalesce(prev_line, (SELECT min(r.line) FROM reports r WHERE r.input = cross_findings.prev_input));
         UPDATE cross_findings SET
           prev_report_id = coalesce(prev_report_id, (SELECT r.report_id FROM reports r WHERE r.line = cross_findings.prev_line)),
           prev_year = coalesce(prev_year, (SELECT r.year FROM reports r WHERE r.line = cross_findings.prev_line));",
    )
    .map_err(sq)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_integers_amounts_real() {
        use rusqlite::types::Value;
        assert_eq!(sql_num(Some(84.0), false), Value::Integer(84));
        assert_eq!(sql_num(Some(84.0), true), Value::Real(84.0));
        assert_eq!(sql_num(Some(0.5), false), Value::Real(0.5));
        assert_eq!(sql_num(None, false), Value::Null);
    }

    #[test]
    fn schema_is_valid_sql() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(SCHEMA).unwrap();
    }

    fn record(line: u64) -> Record {
        let mut rec = Record::failed(
            gouji_model::Source {
                input: format!("doc{line}.pdf"),
                format: "pdf".into(),
                line: Some(line),
                ..Default::default()
            },
            gouji_model::Stage::Extract,
            "broken",
        );
        rec.warnings.push(format!("note {line}"));
        rec
    }

    fn write_journal(dir: &Path, n: u64) {
        let lines: Vec<String> = (1..=n)
            .map(|l| serde_json::to_string(&record(l)).unwrap())
            .collect();
        std::fs::write(dir.join(REPORTS_JSONL), lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn background_writes_the_same_file_as_reading_the_journal() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        write_journal(a.path(), 300);
        let mut bg = Background::spawn(b.path(), Vec::new());
        for l in 1..=300 {
            bg.record(record(l));
        }
        // As `gouji run` does: records end, then the cross-year file is written, then
        // `finish`. The file written after `end_records` is in the dataset.
        bg.end_records();
        write_cross(b.path());
        write_cross(a.path());
        let read = write_dataset(a.path(), &[]).unwrap();
        let streamed = bg.finish().unwrap();
        assert_eq!(read.rows, streamed.rows);
        assert!(streamed.rows.contains(&("cross_findings", 1)));
        assert_eq!(read.by_status, [0, 0, 300]);
        let bytes = |d: &Path| std::fs::read(d.join(DATASET_FILE)).unwrap();
        assert_eq!(bytes(a.path()), bytes(b.path()));
    }

    #[test]
    fn background_dropped_before_finish_leaves_no_dataset() {
        for end_records in [false, true] {
            let d = tempfile::tempdir().unwrap();
            let mut bg = Background::spawn(d.path(), Vec::new());
            bg.record(record(1));
            if end_records {
                // Stopped while the cross-year pass runs: still no dataset.
                bg.end_records();
            }
            drop(bg);
            assert!(!d.path().join(DATASET_FILE).exists());
            assert!(!d.path().join(format!(".{DATASET_FILE}.tmp")).exists());
        }
    }

    /// A `cross_findings.csv` with one finding, as the cross-year pass writes it.
    fn write_cross(dir: &Path) {
        std::fs::write(
            dir.join(CROSS_FINDINGS_CSV),
            "report_id,line,input,agency,year,prev_report_id,prev_line,prev_input,prev_year,\
             rule,severity,table,row,col,expected,found,message\n\
             x,2,b.txt,某局,2024,y,1,a.txt,2023,X-CARRY,error,requests,carried_over,total,1,2,m\n",
        )
        .unwrap();
    }
}
