#![forbid(unsafe_code)]
//! gouji's audit report: `DIR/report/index.html` and one page per report
//! (`DIR/report/r/LINE.html`), read from the SQLite dataset `DIR/gouji.sqlite`.
//!
//! The site is self-contained: CSS, JavaScript and SVG charts are inline, nothing is
//! loaded from the network. Pages are built by plain string building (the markup is
//! small and fixed; a template engine would add a dependency for no gain), with every
//! text from a document escaped by [`esc`].
//!
//! Cells carry `data-key="table.row.col"`; cells a finding involves also carry
//! `data-rule` (space-separated rule ids) and `data-findings` (finding ids), and a class
//! by the highest severity, so tests and scripts can query the page.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, params};

mod charts;
mod page;

/// What went wrong writing the report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The dataset could not be read.
    #[error("{path}: sqlite: {source}")]
    Sqlite {
        /// The database.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct ReportSummary {
    /// `DIR/report/index.html`.
    pub index: PathBuf,
    /// Report pages written.
    pub pages: u64,
}

/// HTML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// The shared stylesheet, inlined in every page.
pub(crate) const CSS: &str = include_str!("style.css");
/// The shared script (sorting, filtering, finding details), inlined in every page.
pub(crate) const JS: &str = include_str!("script.js");

/// One row of `reports`, as the pages show it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReportRow {
    pub line: i64,
    pub report_id: String,
    pub input: String,
    pub url: Option<String>,
    pub sha256: Option<String>,
    pub format: String,
    pub status: String,
    pub agency: Option<String>,
    pub year: Option<i64>,
    pub template: String,
    pub title: Option<String>,
    pub tables_from: Option<String>,
    pub error_stage: Option<String>,
    pub error_message: Option<String>,
    pub n_cells: i64,
    pub n_errors: i64,
    pub n_warnings: i64,
    pub n_info: i64,
}

/// Writes the site from `dir/gouji.sqlite`.
pub fn write_report(dir: &Path) -> Result<ReportSummary, ReportError> {
    let db = dir.join(gouji_dataset::DATASET_FILE);
    let sq = |source| ReportError::Sqlite {
        path: db.clone(),
        source,
    };
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(sq)?;
    let out = dir.join("report");
    let pages_dir = out.join("r");
    std::fs::create_dir_all(&pages_dir).map_err(|source| ReportError::Io {
        path: pages_dir.clone(),
        source,
    })?;
    let reports = load_reports(&conn).map_err(sq)?;
    let labels = page::Labels::load(&conn).map_err(sq)?;
    let mut pages = 0;
    for r in &reports {
        let html = page::report_page(&conn, dir, r, &labels).map_err(sq)?;
        write(&pages_dir.join(format!("{}.html", r.line)), &html)?;
        pages += 1;
    }
    let index = out.join("index.html");
    let html = index_page(&conn, &reports).map_err(sq)?;
    write(&index, &html)?;
    Ok(ReportSummary { index, pages })
}

/// Writes through a temp file renamed into place, so a reader never sees half a page.
fn write(path: &Path, html: &str) -> Result<(), ReportError> {
    let io = |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let tmp = path.with_extension("html.tmp");
    std::fs::write(&tmp, html).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn load_reports(conn: &Connection) -> rusqlite::Result<Vec<ReportRow>> {
    let mut st = conn.prepare(
        "SELECT line, report_id, input, url, sha256, format, status, agency, year, template,
                title, tables_from, error_stage, error_message, n_cells, n_errors, n_warnings,
                n_info
         FROM reports ORDER BY line",
    )?;
    let rows = st.query_map([], |r| {
        Ok(ReportRow {
            line: r.get(0)?,
            report_id: r.get(1)?,
            input: r.get(2)?,
            url: r.get(3)?,
            sha256: r.get(4)?,
            format: r.get(5)?,
            status: r.get(6)?,
            agency: r.get(7)?,
            year: r.get(8)?,
            template: r.get(9)?,
            title: r.get(10)?,
            tables_from: r.get(11)?,
            error_stage: r.get(12)?,
            error_message: r.get(13)?,
            n_cells: r.get(14)?,
            n_errors: r.get(15)?,
            n_warnings: r.get(16)?,
            n_info: r.get(17)?,
        })
    })?;
    rows.collect()
}

/// The page skeleton: title, inline CSS and JS.
pub(crate) fn shell(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body>{body}<script>{JS}</script></body></html>\n",
        esc(title)
    )
}

fn count_by(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut st = conn.prepare(sql)?;
    let rows = st.query_map([], |r| {
        let k: Option<String> = r.get(0)?;
        Ok((k.unwrap_or_else(|| "(unknown)".into()), r.get(1)?))
    })?;
    rows.collect()
}

fn index_page(conn: &Connection, reports: &[ReportRow]) -> rusqlite::Result<String> {
    let status = count_by(
        conn,
        "SELECT status, count(*) FROM reports GROUP BY status
         ORDER BY CASE status WHEN 'ok' THEN 0 WHEN 'partial' THEN 1 ELSE 2 END",
    )?;
    let severity = count_by(
        conn,
        "SELECT severity, count(*) FROM findings GROUP BY severity
         ORDER BY CASE severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END",
    )?;
    let mut by_rule: BTreeMap<String, [i64; 3]> = BTreeMap::new();
    {
        let mut st = conn.prepare("SELECT rule, severity, count(*) FROM findings GROUP BY 1, 2")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (rule, sev, n) = row?;
            by_rule.entry(rule).or_default()[page::sev_index(&sev)] += n;
        }
    }
    let by_year = count_by(
        conn,
        "SELECT CAST(r.year AS TEXT), count(*) FROM findings f JOIN reports r ON r.line = f.line
         GROUP BY r.year ORDER BY r.year",
    )?;
    let by_agency = count_by(
        conn,
        "SELECT r.agency, count(*) FROM findings f JOIN reports r ON r.line = f.line
         GROUP BY r.agency ORDER BY count(*) DESC, r.agency LIMIT 25",
    )?;
    let cross: i64 = conn.query_row("SELECT count(*) FROM cross_findings", [], |r| r.get(0))?;

    let mut b = String::new();
    let total_findings: i64 = severity.iter().map(|(_, n)| n).sum();
    let _ = write!(
        b,
        "<header><h1>gouji 勾稽 · 审计报告</h1><p>{} documents · {} findings · {} cross-year findings</p></header><main>",
        reports.len(),
        total_findings,
        cross
    );
    b.push_str("<section class=\"charts\">");
    let _ = write!(
        b,
        "<figure id=\"chart-status\"><figcaption>Documents by status</figcaption>{}</figure>",
        charts::bars(&status, |k| format!("st-{k}"))
    );
    let _ = write!(
        b,
        "<figure id=\"chart-rule\"><figcaption>Findings by rule and severity</figcaption>{}</figure>",
        charts::stacked(&by_rule)
    );
    let _ = write!(
        b,
        "<figure id=\"chart-year\"><figcaption>Findings by report year</figcaption>{}</figure>",
        charts::bars(&by_year, |_| "bar".into())
    );
    let _ = write!(
        b,
        "<figure id=\"chart-agency\"><figcaption>Findings by agency (top 25)</figcaption>{}</figure>",
        charts::bars(&by_agency, |_| "bar".into())
    );
    b.push_str("</section>");
    b.push_str(
        "<section><h2>Reports</h2><input id=\"filter\" type=\"search\" placeholder=\"filter: agency, year, status, input…\" aria-label=\"filter\">\
         <table id=\"reports\" class=\"list sortable\"><thead><tr>\
         <th data-type=\"num\">line</th><th>status</th><th>agency</th><th data-type=\"num\">year</th>\
         <th>template</th><th data-type=\"num\">errors</th><th data-type=\"num\">warnings</th>\
         <th data-type=\"num\">info</th><th>input</th><th>reading error</th></tr></thead><tbody>",
    );
    for r in reports {
        let _ = write!(
            b,
            "<tr class=\"st-{st}\"><td>{line}</td><td><span class=\"badge st-{st}\">{st}</span></td>\
             <td>{agency}</td><td>{year}</td><td>{tpl}</td><td class=\"{ec}\">{e}</td><td class=\"{wc}\">{w}</td><td>{i}</td>\
             <td><a href=\"r/{line}.html\">{input}</a></td><td>{err}</td></tr>",
            st = esc(&r.status),
            line = r.line,
            agency = esc(r.agency.as_deref().unwrap_or("")),
            year = r.year.map(|y| y.to_string()).unwrap_or_default(),
            tpl = esc(&r.template),
            e = r.n_errors,
            ec = if r.n_errors > 0 { "sev-error" } else { "" },
            w = r.n_warnings,
            wc = if r.n_warnings > 0 { "sev-warning" } else { "" },
            i = r.n_info,
            input = esc(&r.input),
            err = esc(r.error_message.as_deref().unwrap_or("")),
        );
    }
    b.push_str("</tbody></table></section></main>");
    Ok(shell("gouji · 审计报告", &b))
}

/// `(line, value)` of every cell of a report, by key, for the pages.
pub(crate) fn report_cells(
    conn: &Connection,
    line: i64,
) -> rusqlite::Result<BTreeMap<String, page::Cell>> {
    let mut st = conn.prepare(
        "SELECT table_key, row_key, col_key, value, raw, unit, at, inferred, ocr
         FROM cells WHERE line = ?1",
    )?;
    let rows = st.query_map(params![line], |r| {
        let key = format!(
            "{}.{}.{}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?
        );
        Ok((
            key,
            page::Cell {
                value: page::value_text(r.get_ref(3)?),
                raw: r.get(4)?,
                unit: r.get(5)?,
                at: r.get(6)?,
                inferred: r.get(7)?,
                ocr: r.get(8)?,
            },
        ))
    })?;
    rows.collect()
}
