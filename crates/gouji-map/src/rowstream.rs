//! Reading a table from its stream of data rows when the grids' headers cannot name the
//! columns: PDF→Markdown fragments (header words scattered over loose lines), OCR
//! Markdown with relabelled columns (数据1…数据6), Word "save as text" (merged header
//! cells printed once, so header fields do not line up with data fields).
//!
//! Within a table's section (from its printed title to the next table's title), every
//! grid row with numbers is one data row, in document order. Its row key comes from its
//! label (fuzzy, then the template's keywords) or, for label-less rows and labels too
//! garbled to name a row, from template order: unlabelled rows between two labelled ones
//! are placed only when their count is exactly the number of template rows between them.
//! Column keys come from count and template order: a row with exactly as many values as
//! the template has columns (a wide 表四 row: rows × columns). Every such cell is marked
//! `inferred` and the record's warnings say so.
//!
//! The result competes with the label-based grid reading ([`crate::mapping`]): where the
//! two disagree, the template's own identities (T3-BAL, T3-RES, T3-COL, T4-SUM) choose —
//! they never change a value, only pick a reading; when both readings are equally good,
//! the disputed cells are left out with an "ambiguous" warning.

use crate::mapping::{MapWarning, MappedCell, Mapping, WarningCode};
use gouji_check::reconcile::Reconciler;
use gouji_check::template::{TableDef, Template};
use gouji_doc::{Block, Document, Provenance};
use gouji_model::labels::{self, MATCH_THRESHOLD};
use gouji_model::number::{Parsed, parse_cell};
use std::collections::{HashMap, HashSet};

/// Most data rows read from one section (a bound against pathological input).
const MAX_ROWS: usize = 400;

/// A labelled row: (index in the data rows, index in the template sequence).
type Anchor = (usize, usize);

/// How data rows sit on a template sequence: rows placed, placement, the sequence.
type Placement<'s, 'k> = (usize, Vec<Option<usize>>, &'s Vec<&'k str>);

/// One data row of a section: label parts and value cells.
#[derive(Debug, Clone)]
struct DataRow {
    labels: Vec<String>,
    /// (raw, parsed, provenance) of each value cell, left to right.
    values: Vec<(String, Parsed, Provenance)>,
    /// Index of the grid the row came from, and the field index of its first value.
    grid: usize,
    start: usize,
}

/// Squashed text: whitespace and punctuation removed, width folded.
fn squash(s: &str) -> String {
    gouji_check::reconcile::squash(s)
}

/// Block ranges `[start, end)` of each table's section, by its printed title.
fn sections<'a>(doc: &Document, tpl: &'a Template) -> Vec<(&'a TableDef, usize, usize)> {
    let titles: Vec<(usize, String)> = tpl
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (i, labels::core(&t.title)))
        .collect();
    let mut starts: Vec<(usize, usize)> = Vec::new(); // (table idx, block idx)
    for (b, block) in doc.blocks.iter().enumerate() {
        let Block::Paragraph(p) = block else { continue };
        if p.text.chars().count() > 60 {
            continue;
        }
        let s = labels::core(&p.text);
        for (i, title) in &titles {
            // A heading: the title and little else (not a sentence that lists it).
            let heading = s.chars().count() <= title.chars().count() + 8;
            if heading && s.contains(title.as_str()) && !starts.iter().any(|(j, _)| j == i) {
                starts.push((*i, b));
            }
        }
    }
    starts.sort_by_key(|&(_, b)| b);
    let mut out = Vec::new();
    for (k, &(i, b)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(doc.blocks.len(), |&(_, e)| e);
        out.push((&tpl.tables[i], b, end));
    }
    out
}

/// The data rows of blocks `[start, end)`.
fn data_rows(doc: &Document, start: usize, end: usize) -> Vec<DataRow> {
    let mut rows = Vec::new();
    for (gi, block) in doc.blocks[start..end].iter().enumerate() {
        let Block::Table(t) = block else { continue };
        for r in 0..t.rows {
            let fields: Vec<(String, Parsed, Provenance)> = t
                .cells
                .iter()
                .filter(|c| c.row == r)
                .map(|c| {
                    let raw = gouji_doc::normalize_ws(&c.text).replace('\n', "");
                    let p = parse_cell(&raw);
                    (raw, p, c.at.clone())
                })
                .collect();
            let is_val = |p: &Parsed| matches!(p, Parsed::Number { .. } | Parsed::NullMark);
            let Some(first) = fields.iter().position(|f| is_val(&f.1)) else {
                continue;
            };
            if !fields.iter().any(|f| matches!(f.1, Parsed::Number { .. })) {
                continue;
            }
            let last = fields.iter().rposition(|f| is_val(&f.1)).unwrap_or(first);
            let values = &fields[first..=last];
            if values.iter().any(|f| f.1 == Parsed::Text) {
                continue; // text between numbers: not a clean data row
            }
            let labels: Vec<String> = fields[..first]
                .iter()
                .filter(|f| f.1 == Parsed::Text)
                .map(|f| f.0.clone())
                .collect();
            rows.push(DataRow {
                labels,
                values: values.to_vec(),
                grid: start + gi,
                start: first,
            });
            if rows.len() >= MAX_ROWS {
                return rows;
            }
        }
    }
    rows
}

/// The template row a data row's label names: the best fuzzy match over its label parts
/// (and their concatenation), else a unique keyword; `None` when nothing or a tie.
fn label_row(t: &TableDef, seq: &[&str], labels_: &[String]) -> Option<usize> {
    if labels_.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = labels_.iter().map(|l| labels::core(l)).collect();
    parts.push(labels::core(&labels_.concat()));
    let mut best: Option<(usize, f64)> = None;
    let mut tie = false;
    for (i, key) in seq.iter().enumerate() {
        let Some(r) = t.row(key) else { continue };
        let s = parts
            .iter()
            .map(|p| labels::best_score(p, r.cores.iter().map(String::as_str)))
            .fold(0.0, f64::max);
        if s < MATCH_THRESHOLD {
            continue;
        }
        match best {
            Some((_, b)) if (s - b).abs() <= 1e-9 => tie = true,
            Some((_, b)) if s < b => {}
            _ => {
                best = Some((i, s));
                tie = false;
            }
        }
    }
    if let Some((i, _)) = best
        && !tie
    {
        return Some(i);
    }
    let joined = squash(&labels_.concat());
    let hits: Vec<usize> = seq
        .iter()
        .enumerate()
        .filter(|(_, key)| {
            t.row(key).is_some_and(|r| {
                r.keywords
                    .iter()
                    .any(|k| !k.is_empty() && joined.contains(&squash(k)))
            })
        })
        .map(|(i, _)| i)
        .collect();
    (hits.len() == 1).then(|| hits[0])
}

/// Places data rows on the template row sequence `seq`; `None` for rows not placed.
fn place(t: &TableDef, seq: &[&str], rows: &[DataRow]) -> Option<Vec<Option<usize>>> {
    let named: Vec<Option<usize>> = rows.iter().map(|r| label_row(t, seq, &r.labels)).collect();
    // Labelled rows must come in template order.
    let anchors: Vec<Anchor> = named
        .iter()
        .enumerate()
        .filter_map(|(k, n)| n.map(|i| (k, i)))
        .collect();
    if anchors.is_empty() || anchors.windows(2).any(|w| w[1].1 <= w[0].1) {
        return None;
    }
    let mut out = named.clone();
    // Gaps: before the first anchor, between anchors, after the last.
    let mut bounds: Vec<(Option<Anchor>, Option<Anchor>)> = Vec::new();
    bounds.push((None, anchors.first().copied()));
    for w in anchors.windows(2) {
        bounds.push((Some(w[0]), Some(w[1])));
    }
    bounds.push((anchors.last().copied(), None));
    for (lo, hi) in bounds {
        let (rk0, ti0) = lo.map_or((0, 0), |(k, i)| (k + 1, i + 1));
        let (rk1, ti1) = hi.unwrap_or((rows.len(), seq.len()));
        let unl: Vec<usize> = (rk0..rk1).filter(|&k| named[k].is_none()).collect();
        if !unl.is_empty() && ti1 >= ti0 && unl.len() == ti1 - ti0 {
            for (n, k) in unl.into_iter().enumerate() {
                out[k] = Some(ti0 + n);
            }
        }
    }
    Some(out)
}

/// Template row sequences to try: with the （六） sub-rows, and with the single row.
fn sequences(t: &TableDef) -> Vec<Vec<&str>> {
    let singles: Vec<(&str, &str)> = t
        .row_groups
        .iter()
        .filter_map(|g| g.single.as_deref().map(|s| (s, g.key.as_str())))
        .collect();
    let base = |use_single: bool| -> Vec<&str> {
        t.rows
            .iter()
            .filter(|r| !r.optional)
            .filter(|r| {
                let is_single = singles.iter().any(|(s, _)| *s == r.key);
                let in_single_group = singles
                    .iter()
                    .any(|(s, g)| r.group.as_deref() == Some(*g) && *s != r.key);
                if use_single {
                    !in_single_group
                } else {
                    !is_single
                }
            })
            .map(|r| r.key.as_str())
            .collect()
    };
    let mut v = vec![base(false)];
    if !singles.is_empty() {
        v.push(base(true));
    }
    v
}

/// The stream reading of one table's section.
fn read_section(t: &TableDef, rows: &[DataRow]) -> (Vec<MappedCell>, Vec<MapWarning>) {
    let cols: Vec<&str> = t.required_cols().map(|c| c.key.as_str()).collect();
    let n = cols.len();
    let mut cells = Vec::new();
    let mut notes = Vec::new();
    if n == 0 {
        return (cells, notes);
    }
    let seqs = sequences(t);
    // A wide row: rows × columns values and no label (表四 printed as one line).
    let nrows = seqs[0].len();
    for r in rows {
        if r.labels.is_empty() && r.values.len() == n * nrows && nrows > 1 {
            for (k, v) in r.values.iter().enumerate() {
                cells.push(cell(t, seqs[0][k / n], cols[k % n], v));
            }
            notes.push(MapWarning::new(
                WarningCode::Inferred,
                &t.key,
                format!(
                    "{}: one row of {} values read as {} rows × {} columns in template order (inferred)",
                    t.key,
                    n * nrows,
                    nrows,
                    n
                ),
            ));
            return (cells, notes);
        }
    }
    // Rows with exactly n values, or fewer when aligned with such a row of the same grid.
    let full: HashSet<(usize, usize)> = rows
        .iter()
        .filter(|r| r.values.len() == n)
        .map(|r| (r.grid, r.start))
        .collect();
    let usable: Vec<&DataRow> = rows
        .iter()
        .filter(|r| {
            r.values.len() == n || (r.values.len() < n && full.contains(&(r.grid, r.start)))
        })
        .collect();
    if usable.len() < 2 {
        return (cells, notes);
    }
    let owned: Vec<DataRow> = usable.iter().map(|r| (*r).clone()).collect();
    let mut best: Option<Placement> = None;
    for seq in &seqs {
        if let Some(p) = place(t, seq, &owned) {
            let placed = p.iter().filter(|x| x.is_some()).count();
            if best.as_ref().is_none_or(|(b, _, _)| placed > *b) {
                best = Some((placed, p, seq));
            }
        }
    }
    let Some((_, placement, seq)) = best else {
        return (cells, notes);
    };
    let mut seen: HashSet<usize> = HashSet::new();
    let mut unplaced = 0;
    let mut by_order = 0;
    for (r, p) in owned.iter().zip(&placement) {
        let Some(i) = *p else {
            unplaced += 1;
            continue;
        };
        if !seen.insert(i) {
            continue;
        }
        if label_row(t, seq, &r.labels).is_none() {
            by_order += 1;
        }
        for (k, v) in r.values.iter().enumerate() {
            if k < n && t.row_has_col(seq[i], cols[k]) {
                cells.push(cell(t, seq[i], cols[k], v));
            }
        }
    }
    notes.push(MapWarning::new(
        WarningCode::Inferred,
        &t.key,
        format!(
            "{}: columns inferred from count and template order ({} rows of {} values); {} row(s) placed by template order, not by label",
            t.key,
            seen.len(),
            n,
            by_order
        ),
    ));
    if unplaced > 0 {
        notes.push(MapWarning::new(
            WarningCode::Ambiguous,
            &t.key,
            format!(
                "{}: {unplaced} data row(s) left out: ambiguous placement (the number of unlabelled rows does not fit the template rows between their neighbours)",
                t.key
            ),
        ));
    }
    (cells, notes)
}

fn cell(t: &TableDef, row: &str, col: &str, v: &(String, Parsed, Provenance)) -> MappedCell {
    MappedCell {
        table: t.key.clone(),
        row: row.to_string(),
        col: col.to_string(),
        raw: v.0.clone(),
        parsed: v.1.clone(),
        at: v.2.clone(),
        inferred: true,
    }
}

/// The template's identities over a reading: holding minus failing instances (higher is
/// better; an identity the reading cannot evaluate counts neither way).
fn score(tpl: &Template, cells: &[MappedCell]) -> i64 {
    let m = Mapping {
        cells: cells.to_vec(),
        warnings: Vec::new(),
    };
    let (holds, fails) = Reconciler::new(tpl).identity_tally(&m.cells);
    holds as i64 - fails as i64
}

/// Adds the stream reading of every table whose grids left cells out or disagree with
/// it; see the module docs.
pub fn merge(doc: &Document, tpl: &Template, m: &mut Mapping) {
    for (t, start, end) in sections(doc, tpl) {
        if !t.rows.iter().all(|r| r.cols.is_none()) {
            continue; // tables whose rows have their own columns (表二) have no stream form
        }
        if complete_by_labels(t, m) {
            continue; // nothing the stream could add, and labels win any dispute
        }
        let rows = data_rows(doc, start, end);
        let (stream, notes) = read_section(t, &rows);
        if stream.is_empty() {
            continue;
        }
        merge_table(tpl, t, m, stream, notes);
    }
}

/// Every cell of one of the table's row sequences is printed, with labelled columns.
fn complete_by_labels(t: &TableDef, m: &Mapping) -> bool {
    let have: HashSet<(&str, &str)> = m
        .cells
        .iter()
        .filter(|c| c.table == t.key && !c.inferred)
        .map(|c| (c.row.as_str(), c.col.as_str()))
        .collect();
    sequences(t).iter().any(|seq| {
        seq.iter().all(|r| {
            t.cols
                .iter()
                .filter(|c| !c.optional && t.row_has_col(r, &c.key))
                .all(|c| have.contains(&(*r, c.key.as_str())))
        })
    })
}

fn merge_table(
    tpl: &Template,
    t: &TableDef,
    m: &mut Mapping,
    stream: Vec<MappedCell>,
    notes: Vec<MapWarning>,
) {
    let grid: HashMap<(String, String), usize> = m
        .cells
        .iter()
        .enumerate()
        .filter(|(_, c)| c.table == t.key)
        .map(|(i, c)| ((c.row.clone(), c.col.clone()), i))
        .collect();
    let same = |a: &MappedCell, b: &MappedCell| a.raw == b.raw && a.parsed == b.parsed;
    let conflicts: Vec<&MappedCell> = stream
        .iter()
        .filter(|s| {
            grid.get(&(s.row.clone(), s.col.clone()))
                .is_some_and(|&i| !same(&m.cells[i], s))
        })
        .collect();
    let additions: Vec<MappedCell> = stream
        .iter()
        .filter(|s| !grid.contains_key(&(s.row.clone(), s.col.clone())))
        .cloned()
        .collect();
    // A grid reading whose header named every column is the labels' reading: count and
    // order are evidence only where labels are missing.
    let labelled_cols: HashSet<&str> = m
        .cells
        .iter()
        .filter(|c| c.table == t.key && !c.inferred)
        .map(|c| c.col.as_str())
        .collect();
    let complete = t
        .required_cols()
        .all(|c| labelled_cols.contains(c.key.as_str()));
    if complete && !conflicts.is_empty() {
        return;
    }
    if conflicts.is_empty() {
        if !additions.is_empty() {
            m.cells.extend(additions);
            m.warnings.extend(notes);
        }
        return;
    }
    // Two readings: the grid's (labels) and the stream's (count and order).
    let grid_reading: Vec<MappedCell> = m.cells.clone();
    let mut stream_reading: Vec<MappedCell> = m
        .cells
        .iter()
        .filter(|c| c.table != t.key)
        .cloned()
        .collect();
    stream_reading.extend(stream.iter().cloned());
    let (sg, ss) = (score(tpl, &grid_reading), score(tpl, &stream_reading));
    tracing::debug!(table = %t.key, sg, ss, conflicts = conflicts.len(), "two readings");
    if ss > sg {
        m.cells = stream_reading;
        m.warnings.extend(notes);
        m.warnings.push(MapWarning::new(
            WarningCode::Inferred,
            &t.key,
            format!(
                "{}: header labels disagree with the data rows' count; the reading by count and template order was chosen by the template's identities (score {ss} vs {sg}: identities holding minus failing)",
                t.key
            ),
        ));
    } else if sg > ss {
        // The grid reading holds better: keep it as it is.
    } else {
        let disputed: HashSet<(String, String)> = conflicts
            .iter()
            .map(|c| (c.row.clone(), c.col.clone()))
            .collect();
        m.cells
            .retain(|c| !(c.table == t.key && disputed.contains(&(c.row.clone(), c.col.clone()))));
        m.warnings.push(MapWarning::new(
            WarningCode::Ambiguous,
            &t.key,
            format!(
                "{}: ambiguous: the header labels and the data rows' count give two readings that the template's identities cannot choose between; {} cell(s) left out",
                t.key,
                disputed.len()
            ),
        ));
    }
}

/// A count printed outside its table row together with its annotation, on two lines:
/// `22` then `（其中修订 16 件）` (PDF→Markdown converters lose a two-line cell this way).
fn orphan_counts(doc: &Document, start: usize, end: usize) -> Vec<(String, Parsed, Provenance)> {
    let mut out = Vec::new();
    let paras: Vec<(usize, &gouji_doc::Paragraph)> = doc.blocks[start..end]
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            Block::Paragraph(p) => Some((i, p)),
            Block::Table(_) => None,
        })
        .collect();
    for w in paras.windows(2) {
        let ((i, a), (j, b)) = (w[0], w[1]);
        if j != i + 1 {
            continue;
        }
        let (ta, tb) = (a.text.trim(), b.text.trim());
        let bracketed = (tb.starts_with('（') && tb.ends_with('）'))
            || (tb.starts_with('(') && tb.ends_with(')'));
        let plain = matches!(
            parse_cell(ta),
            Parsed::Number {
                unit: None,
                note: None,
                ..
            }
        );
        if !(bracketed && plain) {
            continue;
        }
        let raw = format!("{ta}{tb}");
        let parsed = match parse_cell(&raw) {
            p @ Parsed::Number { .. } => p,
            _ => parse_cell(ta),
        };
        out.push((raw, parsed, a.at.clone()));
    }
    out
}

/// Table rows of per-row columns (表二 第二十条第（一）项) that print one value fewer than
/// their columns, when as many annotated counts float outside the rows: the i-th such
/// count belongs to the i-th short row, in the column its annotation names (the
/// template's `note_words`); the row's own values fill its other columns in order.
pub fn merge_annotated(doc: &Document, tpl: &Template, m: &mut Mapping) {
    for (t, start, end) in sections(doc, tpl) {
        if t.rows.iter().all(|r| r.cols.is_none()) {
            continue;
        }
        let seq: Vec<&str> = t.rows.iter().map(|r| r.key.as_str()).collect();
        let short: Vec<(&str, DataRow)> = data_rows(doc, start, end)
            .into_iter()
            .filter_map(|r| {
                let key = seq[label_row(t, &seq, &r.labels)?];
                let ncols = t.row(key)?.cols.as_ref()?.len();
                let unprinted = !m.cells.iter().any(|c| c.table == t.key && c.row == key);
                (ncols >= 2 && r.values.len() + 1 == ncols && unprinted).then_some((key, r))
            })
            .collect();
        let orphans = orphan_counts(doc, start, end);
        if short.is_empty() || short.len() != orphans.len() {
            continue;
        }
        for ((key, row), orphan) in short.iter().zip(orphans) {
            let Some(cols) = t.row(key).and_then(|r| r.cols.as_ref()) else {
                continue;
            };
            let note = squash(&orphan.0);
            let hits: Vec<&String> = cols
                .iter()
                .filter(|c| {
                    t.col(c)
                        .is_some_and(|d| d.note_words.iter().any(|w| note.contains(w.as_str())))
                })
                .collect();
            let [col] = hits.as_slice() else {
                m.warnings.push(MapWarning::new(
                    WarningCode::Ambiguous,
                    &t.key,
                    format!(
                        "{}: row {key}: annotated count {:?} outside the row names no single column; left out (ambiguous)",
                        t.key, orphan.0
                    ),
                ));
                continue;
            };
            let rest = cols.iter().filter(|c| c != col);
            for (c, v) in rest.zip(&row.values) {
                m.cells.push(cell(t, key, c, v));
            }
            m.cells.push(cell(t, key, col, &orphan));
            m.warnings.push(MapWarning::new(
                WarningCode::Inferred,
                &t.key,
                format!(
                    "{}: row {key}: {} printed one value short; the annotated count {:?} above the table read as {col} (its annotation), the row's values in order (inferred)",
                    t.key,
                    row.labels.concat(),
                    orphan.0
                ),
            ));
        }
    }
}
