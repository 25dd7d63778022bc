//! One report's page: its tables drawn as the template's grid, the cells findings
//! involve highlighted, the findings with their quotes, and the cross-year findings.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};

use crate::{ReportRow, esc, shell};

/// A cell as the page shows it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub value: String,
    pub raw: String,
    pub unit: Option<String>,
    pub at: String,
    pub inferred: bool,
    pub ocr: bool,
}

/// `0` error, `1` warning, `2` info.
pub(crate) fn sev_index(s: &str) -> usize {
    match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    }
}

/// A number as text: integers as such, reals shortest.
pub(crate) fn value_text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        _ => String::new(),
    }
}

#[derive(Debug, Clone, Default)]
struct Axis {
    key: String,
    label: String,
    group: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Table {
    key: String,
    title: String,
    rows: Vec<Axis>,
    cols: Vec<Axis>,
    groups: HashMap<String, String>,
}

/// The templates' grids, from the `labels` table.
#[derive(Debug, Default)]
pub(crate) struct Labels {
    templates: BTreeMap<String, Vec<Table>>,
}

impl Labels {
    pub(crate) fn load(conn: &Connection) -> rusqlite::Result<Self> {
        let mut st = conn.prepare(
            "SELECT template, table_key, axis, key, label, group_key FROM labels
             ORDER BY template, axis = 'table' DESC, position",
        )?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut labels = Labels::default();
        for row in rows {
            let (tpl, table, axis, key, label, group) = row?;
            let tables = labels.templates.entry(tpl).or_default();
            if axis == "table" {
                tables.push(Table {
                    key: table,
                    title: label,
                    ..Table::default()
                });
                continue;
            }
            let Some(t) = tables.iter_mut().find(|t| t.key == table) else {
                continue;
            };
            let a = Axis { key, label, group };
            match axis.as_str() {
                "row" => t.rows.push(a),
                "col" => t.cols.push(a),
                _ => {
                    t.groups.insert(a.key, a.label);
                }
            }
        }
        Ok(labels)
    }

    /// The report's template, or gk2021's grids for a record with cells but no known
    /// template.
    fn tables(&self, template: &str) -> &[Table] {
        self.templates
            .get(template)
            .or_else(|| self.templates.get("gk2021"))
            .map_or(&[], Vec::as_slice)
    }

    fn label(&self, template: &str, key: &str) -> String {
        let mut parts = key.splitn(3, '.');
        let (Some(t), Some(r), Some(c)) = (parts.next(), parts.next(), parts.next()) else {
            return key.to_string();
        };
        let tables = self.tables(template);
        let Some((ti, tab)) = tables.iter().enumerate().find(|(_, x)| x.key == t) else {
            return key.to_string();
        };
        let rl = tab.rows.iter().find(|a| a.key == r).map_or(r, |a| &a.label);
        let cl = tab.cols.iter().find(|a| a.key == c).map_or(c, |a| &a.label);
        format!("{} · {rl} · {cl}", table_number(ti))
    }
}

fn table_number(i: usize) -> &'static str {
    ["表二", "表三", "表四", "表五"]
        .get(i)
        .copied()
        .unwrap_or("表")
}

struct FindingRow {
    id: i64,
    rule: String,
    severity: String,
    place: Option<String>,
    expected: String,
    found: String,
    message: String,
    quote: Option<String>,
    at: Option<String>,
    cells: Vec<String>,
}

fn load_findings(conn: &Connection, line: i64) -> rusqlite::Result<Vec<FindingRow>> {
    let mut st = conn.prepare(
        "SELECT finding_id, rule, severity, table_key, row_key, col_key, expected, found,
                message, quote, at
         FROM findings WHERE line = ?1 ORDER BY position",
    )?;
    let mut cst = conn.prepare(
        "SELECT table_key || '.' || row_key || '.' || col_key FROM finding_cells
         WHERE finding_id = ?1 ORDER BY position",
    )?;
    let rows: Vec<FindingRow> = st
        .query_map(params![line], |r| {
            let t: Option<String> = r.get(3)?;
            let rw: Option<String> = r.get(4)?;
            let c: Option<String> = r.get(5)?;
            let place = match (t, rw, c) {
                (Some(t), Some(r), Some(c)) => Some(format!("{t}.{r}.{c}")),
                _ => None,
            };
            Ok(FindingRow {
                id: r.get(0)?,
                rule: r.get(1)?,
                severity: r.get(2)?,
                place,
                expected: value_text(r.get_ref(6)?),
                found: value_text(r.get_ref(7)?),
                message: r.get(8)?,
                quote: r.get(9)?,
                at: r.get(10)?,
                cells: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for mut f in rows {
        f.cells = cst
            .query_map(params![f.id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        out.push(f);
    }
    Ok(out)
}

/// The page of one report.
pub(crate) fn report_page(
    conn: &Connection,
    dir: &Path,
    r: &ReportRow,
    labels: &Labels,
) -> rusqlite::Result<String> {
    let cells = crate::report_cells(conn, r.line)?;
    let findings = load_findings(conn, r.line)?;
    // Highest severity and rules per involved cell.
    let mut marks: HashMap<&str, (usize, Vec<&str>, Vec<i64>)> = HashMap::new();
    for f in &findings {
        for k in f.cells.iter().chain(f.place.iter()) {
            let m = marks.entry(k).or_insert((3, Vec::new(), Vec::new()));
            m.0 = m.0.min(sev_index(&f.severity));
            if !m.1.contains(&f.rule.as_str()) {
                m.1.push(&f.rule);
            }
            if !m.2.contains(&f.id) {
                m.2.push(f.id);
            }
        }
    }
    let mut b = String::new();
    header(&mut b, dir, r);
    let tables = if r.n_cells > 0 {
        labels.tables(&r.template)
    } else {
        &[]
    };
    let mut drawn = std::collections::HashSet::new();
    for (ti, t) in tables.iter().enumerate() {
        if !cells.keys().any(|k| k.starts_with(&format!("{}.", t.key))) {
            continue;
        }
        grid(&mut b, ti, t, &cells, &marks, &mut drawn);
    }
    // Cells outside the template's grid, and involved cells the report did not print
    // (MISSING-CELLS), so that every involved cell is on the page.
    let mut rest: Vec<&str> = cells
        .keys()
        .map(String::as_str)
        .filter(|k| !drawn.contains(*k))
        .collect();
    let mut missing: Vec<&str> = marks
        .keys()
        .copied()
        .filter(|k| !drawn.contains(*k) && !cells.contains_key(*k))
        .collect();
    missing.sort_unstable();
    rest.extend(missing);
    if !rest.is_empty() {
        b.push_str("<h2>Other cells</h2><p>Outside the template's grid, or not printed.</p><table class=\"grid\"><tbody>");
        for k in rest {
            let _ = write!(b, "<tr><th>{}</th>", esc(&labels.label(&r.template, k)));
            cell_td(&mut b, k, cells.get(k), marks.get(k));
            b.push_str("</tr>");
        }
        b.push_str("</tbody></table>");
    }
    findings_section(&mut b, r, &findings, &cells, labels);
    cross_section(conn, &mut b, r.line)?;
    b.push_str("<div id=\"detail\" role=\"status\"></div></main>");
    let title = format!(
        "{} {} · gouji",
        r.agency.as_deref().unwrap_or(&r.input),
        r.year.map(|y| y.to_string()).unwrap_or_default()
    );
    Ok(shell(&title, &b))
}

fn header(b: &mut String, dir: &Path, r: &ReportRow) {
    let _ = write!(
        b,
        "<header><p><a href=\"../index.html\">← all reports</a></p><h1>{} {}</h1><p>{}</p></header>",
        esc(r.agency.as_deref().unwrap_or("(agency unknown)")),
        r.year.map(|y| y.to_string()).unwrap_or_default(),
        esc(r.title.as_deref().unwrap_or(""))
    );
    b.push_str("<main><dl class=\"meta\">");
    let mut item = |k: &str, v: String| {
        let _ = write!(b, "<dt>{k}</dt><dd>{v}</dd>");
    };
    item("line", r.line.to_string());
    item(
        "status",
        format!("<span class=\"badge st-{0}\">{0}</span>", esc(&r.status)),
    );
    item("template", esc(&r.template));
    item("format", esc(&r.format));
    let src = r.url.as_deref().unwrap_or(&r.input);
    let href = if src.contains("://") {
        src.to_string()
    } else {
        // A local input: link it by absolute path when it exists.
        std::fs::canonicalize(src)
            .map(|p| format!("file://{}", p.display()))
            .unwrap_or_else(|_| src.to_string())
    };
    item(
        "source",
        format!("<a href=\"{}\">{}</a>", esc(&href), esc(src)),
    );
    if let Some(t) = &r.tables_from {
        item("tables from", format!("<a href=\"{0}\">{0}</a>", esc(t)));
    }
    if let Some(sha) = &r.sha256 {
        let shard = sha.get(..2).unwrap_or("00");
        let cached = dir.join("cache").join("blobs").join(shard).join(sha);
        let v = if cached.is_file() {
            format!(
                "<a href=\"../../cache/blobs/{}/{}\">cached document</a> (sha256 {})",
                esc(shard),
                esc(sha),
                esc(sha)
            )
        } else {
            format!("sha256 {}", esc(sha))
        };
        item("document", v);
    }
    item("report_id", esc(&r.report_id));
    if let Some(m) = &r.error_message {
        item(
            "error",
            format!(
                "[{}] {}",
                esc(r.error_stage.as_deref().unwrap_or("")),
                esc(m)
            ),
        );
    }
    item(
        "findings",
        format!(
            "{} errors · {} warnings · {} info · {} cells",
            r.n_errors, r.n_warnings, r.n_info, r.n_cells
        ),
    );
    b.push_str("</dl>");
}

type Marks<'a> = HashMap<&'a str, (usize, Vec<&'a str>, Vec<i64>)>;

fn cell_td(
    b: &mut String,
    key: &str,
    c: Option<&Cell>,
    mark: Option<&(usize, Vec<&str>, Vec<i64>)>,
) {
    let mut class = Vec::new();
    let mut attrs = format!(" data-key=\"{}\"", esc(key));
    if c.is_none() {
        class.push("absent".to_string());
    }
    if let Some((sev, rules, ids)) = mark {
        let sev = ["error", "warning", "info"]
            .get(*sev)
            .copied()
            .unwrap_or("info");
        class.push(format!("hl hl-{sev}"));
        let _ = write!(
            attrs,
            " data-rule=\"{}\" data-severity=\"{sev}\" data-findings=\"{}\"",
            esc(&rules.join(" ")),
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
        );
    }
    let mut title = key.to_string();
    let text = match c {
        Some(c) => {
            let _ = write!(title, " · raw “{}” · at {}", c.raw, c.at);
            if let Some(u) = &c.unit {
                let _ = write!(title, " · unit {u}");
            }
            if c.ocr {
                title.push_str(" · OCR");
            }
            if c.inferred {
                title.push_str(" · key inferred");
            }
            if c.value.is_empty() {
                c.raw.clone()
            } else {
                c.value.clone()
            }
        }
        None => String::new(),
    };
    if let Some((_, rules, _)) = mark {
        let _ = write!(title, " · {}", rules.join(", "));
    }
    let _ = write!(
        b,
        "<td class=\"{}\"{attrs} title=\"{}\">{}</td>",
        class.join(" "),
        esc(&title),
        esc(&text)
    );
}

fn grid(
    b: &mut String,
    ti: usize,
    t: &Table,
    cells: &BTreeMap<String, Cell>,
    marks: &Marks,
    drawn: &mut std::collections::HashSet<String>,
) {
    let _ = write!(
        b,
        "<h2>{} {}</h2><table class=\"grid\" data-table=\"{}\"><thead>",
        table_number(ti),
        esc(&t.title),
        esc(&t.key)
    );
    // Only rows and columns the report printed, or that the template groups with them,
    // are drawn: 表二's rows are not 表三's.
    let has_groups = t.cols.iter().any(|c| c.group.is_some());
    let span = if has_groups { 2 } else { 1 };
    let _ = write!(b, "<tr><th rowspan=\"{span}\" colspan=\"2\"></th>");
    let mut i = 0;
    while i < t.cols.len() {
        let c = &t.cols[i];
        match &c.group {
            Some(g) => {
                let n = t.cols[i..]
                    .iter()
                    .take_while(|x| x.group.as_ref() == Some(g))
                    .count();
                let _ = write!(
                    b,
                    "<th colspan=\"{n}\">{}</th>",
                    esc(t.groups.get(g).map_or(g, |s| s))
                );
                i += n;
            }
            None => {
                let _ = write!(b, "<th rowspan=\"{span}\">{}</th>", esc(&c.label));
                i += 1;
            }
        }
    }
    b.push_str("</tr>");
    if has_groups {
        b.push_str("<tr>");
        for c in t.cols.iter().filter(|c| c.group.is_some()) {
            let _ = write!(b, "<th>{}</th>", esc(&c.label));
        }
        b.push_str("</tr>");
    }
    b.push_str("</thead><tbody>");
    let printed = |r: &Axis| {
        t.cols
            .iter()
            .any(|c| cells.contains_key(&format!("{}.{}.{}", t.key, r.key, c.key)))
    };
    let rows: Vec<&Axis> = t.rows.iter().filter(|r| printed(r)).collect();
    let mut i = 0;
    while i < rows.len() {
        let r = rows[i];
        b.push_str("<tr>");
        match &r.group {
            Some(g) => {
                // The group label spans the consecutive rows of the group, once.
                if i == 0 || rows[i - 1].group.as_ref() != Some(g) {
                    let n = rows[i..]
                        .iter()
                        .take_while(|x| x.group.as_ref() == Some(g))
                        .count();
                    let _ = write!(
                        b,
                        "<th rowspan=\"{n}\">{}</th>",
                        esc(t.groups.get(g).map_or(g, |s| s))
                    );
                }
                let _ = write!(b, "<th>{}</th>", esc(&r.label));
            }
            None => {
                let _ = write!(b, "<th colspan=\"2\">{}</th>", esc(&r.label));
            }
        }
        for c in &t.cols {
            let key = format!("{}.{}.{}", t.key, r.key, c.key);
            cell_td(b, &key, cells.get(&key), marks.get(key.as_str()));
            drawn.insert(key);
        }
        b.push_str("</tr>");
        i += 1;
    }
    b.push_str("</tbody></table>");
}

fn findings_section(
    b: &mut String,
    r: &ReportRow,
    findings: &[FindingRow],
    cells: &BTreeMap<String, Cell>,
    labels: &Labels,
) {
    let _ = write!(b, "<h2>Findings ({})</h2>", findings.len());
    if findings.is_empty() {
        b.push_str("<p class=\"empty\">no findings</p>");
    }
    let mut json = serde_json::Map::new();
    for f in findings {
        let parts: Vec<String> = f
            .cells
            .iter()
            .map(|k| {
                let v = cells.get(k).map_or("—".to_string(), |c| {
                    if c.value.is_empty() {
                        "blank".into()
                    } else {
                        c.value.clone()
                    }
                });
                format!("{} = {v}", labels.label(&r.template, k))
            })
            .collect();
        let _ = write!(
            b,
            "<div class=\"finding sev-{sev}\" id=\"f{id}\" data-id=\"{id}\" data-rule=\"{rule}\" data-cells=\"{cells}\">\
             <span class=\"badge sev-{sev}\">{sev}</span> <b>{rule}</b> {place} · expected <b>{e}</b> · found <b>{fo}</b>{at}\
             <div>{msg}</div>",
            sev = esc(&f.severity),
            id = f.id,
            rule = esc(&f.rule),
            cells = esc(&f.cells.join(" ")),
            place = esc(&f
                .place
                .as_deref()
                .map(|p| labels.label(&r.template, p))
                .unwrap_or_default()),
            e = esc(if f.expected.is_empty() {
                "—"
            } else {
                &f.expected
            }),
            fo = esc(if f.found.is_empty() { "—" } else { &f.found }),
            at =
                f.at.as_deref()
                    .map(|a| format!(" · at <code>{}</code>", esc(a)))
                    .unwrap_or_default(),
            msg = esc(&f.message),
        );
        if !parts.is_empty() {
            let _ = write!(b, "<div class=\"parts\">{}</div>", esc(&parts.join(" · ")));
        }
        if let Some(q) = &f.quote {
            let _ = write!(b, "<blockquote>{}</blockquote>", esc(q));
        }
        b.push_str("</div>");
        // Escaped here because the script inserts it as HTML.
        json.insert(
            f.id.to_string(),
            serde_json::json!({
                "rule": esc(&f.rule),
                "severity": esc(&f.severity),
                "expected": esc(&f.expected),
                "found": esc(&f.found),
                "parts": esc(&parts.join(" · ")),
                "message": esc(&f.message),
                "cells": f.cells.iter().map(|k| esc(k)).collect::<Vec<_>>(),
            }),
        );
    }
    let _ = write!(
        b,
        "<script type=\"application/json\" id=\"findings-data\">{}</script>",
        serde_json::Value::Object(json)
            .to_string()
            .replace("</", "<\\/")
    );
}

fn cross_section(conn: &Connection, b: &mut String, line: i64) -> rusqlite::Result<()> {
    let mut st = conn.prepare(
        "SELECT rule, severity, table_key, row_key, col_key, expected, found, message,
                prev_line, prev_input, prev_year
         FROM cross_findings WHERE line = ?1 ORDER BY cross_id",
    )?;
    let mut rows = st.query(params![line])?;
    let mut any = false;
    while let Some(x) = rows.next()? {
        if !any {
            b.push_str("<h2>Cross-year findings</h2>");
            any = true;
        }
        let prev_line: Option<i64> = x.get(8)?;
        let prev_input: Option<String> = x.get(9)?;
        let prev_year: Option<i64> = x.get(10)?;
        let prev = match prev_line {
            Some(l) => format!(
                "<a class=\"prev\" href=\"{l}.html\">{} {}</a>",
                esc(prev_input.as_deref().unwrap_or("")),
                prev_year.map(|y| y.to_string()).unwrap_or_default()
            ),
            None => esc(prev_input.as_deref().unwrap_or("")),
        };
        let sev: String = x.get(1)?;
        let _ = write!(
            b,
            "<div class=\"finding sev-{s}\" data-rule=\"{r}\"><span class=\"badge sev-{s}\">{s}</span> <b>{r}</b> {t}.{rw}.{c} · expected <b>{e}</b> · found <b>{f}</b> · last year: {prev}<div>{m}</div></div>",
            s = esc(&sev),
            r = esc(&x.get::<_, String>(0)?),
            t = esc(&x.get::<_, Option<String>>(2)?.unwrap_or_default()),
            rw = esc(&x.get::<_, Option<String>>(3)?.unwrap_or_default()),
            c = esc(&x.get::<_, Option<String>>(4)?.unwrap_or_default()),
            e = esc(&value_text(x.get_ref(5)?)),
            f = esc(&value_text(x.get_ref(6)?)),
            m = esc(&x.get::<_, Option<String>>(7)?.unwrap_or_default()),
        );
    }
    Ok(())
}
