#![forbid(unsafe_code)]
//! gouji's common model: the per-report record of `CONTRACT.md`, and the reading of what
//! reports print that every stage shares: cell values ([`number`]) and label
//! normalisation ([`labels`], by which the template loader indexes its labels and the
//! mapper matches printed ones).
//!
//! These types are the public interface datasets rely on: field names and key strings
//! never change meaning. Code may add fields, never rename or drop them.

use serde::{Deserialize, Serialize};

pub mod labels;
pub mod number;

/// Where a report came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// The input as given (a path or URL from the command line or list).
    pub input: String,
    /// The URL the document was fetched from (after redirects), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// SHA-256 of the bytes the tables were read from, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Detected format: `text`, `html`, `pdf`, `docx`, `doc`, `xlsx`, `xls`, `unknown`…
    pub format: String,
    /// When the tables came from another document than the input (an attachment of a
    /// landing page), that document's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables_from: Option<String>,
    /// 1-based line of the input in a batch list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// What the report says about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInfo {
    /// Publishing agency.
    pub agency: Option<String>,
    /// Reporting year (the year the statistics cover).
    pub year: Option<i32>,
    /// Template id: `gk2021`, `gk2019`, `legacy` or `unknown`.
    pub template: String,
    /// Report title.
    pub title: Option<String>,
}

/// Outcome of processing one input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// All three tables found.
    Ok,
    /// Some tables found.
    Partial,
    /// None found, or the document could not be read.
    Failed,
}

impl Status {
    /// The lowercase key used in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Partial => "partial",
            Status::Failed => "failed",
        }
    }
}

/// One table cell in canonical keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellValue {
    /// Table key (`requests`, `appeals`, `active`, `legacy`).
    pub table: String,
    /// Row key.
    pub row: String,
    /// Column key.
    pub col: String,
    /// Numeric value, or `None` for blank or non-numeric cells. Whole numbers are
    /// written as JSON integers (`84`), others as decimals (`7730.28`).
    #[serde(serialize_with = "int_or_float")]
    pub value: Option<f64>,
    /// Cell text as extracted (after whitespace normalisation).
    pub raw: String,
    /// Unit printed inside the cell (`元`, `万元`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Where the cell came from (`p3@120,340`, `t2r4c5`, `Sheet1!D7`, `L12:3`).
    pub at: String,
    /// The cell's text was read by OCR from a page image (not from a text layer).
    #[serde(default, skip_serializing_if = "is_false")]
    pub ocr: bool,
    /// The cell's row or column key was inferred (from template order or count, not
    /// from a printed label); the record's warnings say what was inferred.
    #[serde(default, skip_serializing_if = "is_false")]
    pub inferred: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Largest magnitude below which every whole `f64` is exactly an integer (2^53).
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// `Some(x)` as an integer when `x` is whole (so counts read `84`, not `84.0`), as a
/// decimal otherwise; `None` as null.
fn int_or_float<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match *v {
        Some(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < EXACT_INT => {
            s.serialize_i64(x as i64)
        }
        Some(x) => s.serialize_f64(x),
        None => s.serialize_none(),
    }
}

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Probable problem.
    Warning,
    /// Arithmetic the template itself implies is broken.
    Error,
}

impl Severity {
    /// The lowercase key used in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A cell address `(table, row, col)`.
pub type CellRef = (String, String, String);

/// One broken expectation, with the cells that prove it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id (`T3-BAL`, `N-NEW`…).
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Table the finding is anchored on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Row it is anchored on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    /// Column it is anchored on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub col: Option<String>,
    /// All rows a narrative finding covers, when it covers several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<String>,
    /// The value the rule expects (e.g. the sum of the parts, or the table value for
    /// narrative rules).
    #[serde(default, serialize_with = "int_or_float")]
    pub expected: Option<f64>,
    /// The value found (the printed total, or the number stated in the text).
    #[serde(default, serialize_with = "int_or_float")]
    pub found: Option<f64>,
    /// The cells involved.
    #[serde(default)]
    pub cells: Vec<CellRef>,
    /// A sentence a person understands.
    pub message: String,
    /// The text the finding quotes (narrative rules), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
    /// Where in the document the finding points (cell or paragraph provenance).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// N-SHARE: the share the table gives, in percent (rounded as printed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_share_pct: Option<f64>,
    /// N-SHARE: the share stated in the text, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_share_pct: Option<f64>,
}

/// The pipeline stage a reading error happened at (`errors[].stage` in the record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Getting the bytes: network, cache, local file, robots.txt.
    Fetch,
    /// Telling the format from the bytes.
    Detect,
    /// Reading the document into paragraphs and grids.
    Extract,
    /// Finding the template's tables in the document (also: not a report, legacy).
    Map,
    /// The worker process reading the input died or ran over a limit.
    Worker,
    /// gouji itself failed (a caught panic).
    Internal,
}

impl Stage {
    /// The stage as the record writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Fetch => "fetch",
            Stage::Detect => "detect",
            Stage::Extract => "extract",
            Stage::Map => "map",
            Stage::Worker => "worker",
            Stage::Internal => "internal",
        }
    }

    /// Whether an input failing here could not be read at all (rather than read and
    /// found not to be a report of a known template).
    pub fn is_read_failure(self) -> bool {
        self != Stage::Map
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem with reading an input (not a finding about its numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordError {
    /// Pipeline stage.
    pub stage: Stage,
    /// What went wrong, with context.
    pub message: String,
}

/// The per-report record: one JSON object per input, one per line in batch output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Where it came from.
    pub source: Source,
    /// What the report says about itself.
    pub report: ReportInfo,
    /// ok / partial / failed.
    pub status: Status,
    /// Every printed cell of the three tables.
    pub cells: Vec<CellValue>,
    /// Broken expectations.
    pub findings: Vec<Finding>,
    /// Reading problems.
    pub errors: Vec<RecordError>,
    /// Non-fatal notes from extraction and mapping (unmapped labels, clipped spans…).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Record {
    /// A failed record for an input that could not be read at `stage`.
    pub fn failed(source: Source, stage: Stage, message: impl Into<String>) -> Self {
        Record {
            source,
            report: ReportInfo {
                template: "unknown".into(),
                ..ReportInfo::default()
            },
            status: Status::Failed,
            cells: Vec::new(),
            findings: Vec::new(),
            errors: vec![RecordError {
                stage,
                message: message.into(),
            }],
            warnings: Vec::new(),
        }
    }

    /// The cell at `(table, row, col)`, if the report printed it.
    pub fn cell(&self, table: &str, row: &str, col: &str) -> Option<&CellValue> {
        self.cells
            .iter()
            .find(|c| c.table == table && c.row == row && c.col == col)
    }

    /// The id that joins this record's rows across the output files: `source.sha256`, or
    /// the SHA-256 of the input when no document was read. It repeats when one document
    /// appears on several list lines (join on `line` within a run).
    pub fn report_id(&self) -> String {
        use sha2::{Digest, Sha256};
        match &self.source.sha256 {
            Some(s) if !s.is_empty() => s.clone(),
            _ => Sha256::digest(self.source.input.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        }
    }

    /// The highest severity among the findings.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_through_json() {
        let mut r = Record::failed(
            Source {
                input: "x.pdf".into(),
                format: "pdf".into(),
                ..Source::default()
            },
            Stage::Extract,
            "image-only PDF: no text layer",
        );
        r.cells.push(CellValue {
            table: "requests".into(),
            row: "new".into(),
            col: "total".into(),
            value: Some(21.0),
            raw: "21".into(),
            unit: None,
            at: "p3@1,2".into(),
            ocr: false,
            inferred: false,
        });
        r.cells.push(CellValue {
            value: Some(7730.28),
            raw: "7730.28".into(),
            col: "fee".into(),
            ..r.cells[0].clone()
        });
        let s = serde_json::to_string(&r).unwrap();
        assert!(s.contains(r#""status":"failed""#));
        assert!(s.contains(r#""value":21,"#), "{s}");
        assert!(s.contains(r#""value":7730.28,"#), "{s}");
        let back: Record = serde_json::from_str(&s).unwrap();
        assert_eq!(back, r);
    }
}
