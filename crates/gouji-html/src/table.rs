//! HTML tables: row groups, data-versus-layout classification and grid building.

use crate::dom::{DomInfo, N, attr, block_text, is_skipped};
use gouji_doc::{GridBuilder, Limits, Provenance, Table, Warning, WarningCode};
use scraper::Node;

/// HTML caps `colspan` at 1000 and `rowspan` at 65534; GridBuilder clamps further.
const MAX_COLSPAN: usize = 1000;
const MAX_ROWSPAN: usize = 65534;

/// Rows fed to one grid. GridBuilder's size check is linear in the row count, so a
/// one-column table with hundreds of thousands of rows would take quadratic time; no
/// report table comes near this.
const MAX_ROWS: usize = 10_000;

/// One `<tr>` with its 1-based source-order index within its table.
pub(crate) struct Row<'a> {
    pub node: N<'a>,
    pub index: usize,
}

/// The rows of a table in placement order, by row group (`rowspan` never crosses a group).
pub(crate) struct Rows<'a> {
    pub captions: Vec<N<'a>>,
    pub groups: Vec<Vec<Row<'a>>>,
}

impl Rows<'_> {
    fn len(&self) -> usize {
        self.groups.iter().map(Vec::len).sum()
    }
}

fn element_name<'a>(n: &N<'a>) -> Option<&'a str> {
    n.value().as_element().map(|e| e.name())
}

fn rendered(n: &N<'_>) -> bool {
    n.value().as_element().is_some_and(|e| !is_skipped(e))
}

/// Rows of `table` (its own, not nested tables'). `<tfoot>` groups go last, as in the HTML
/// table model; stray direct `<tr>` children form their own groups.
fn take<'a>(trs: &[N<'a>], index: &mut usize) -> Vec<Row<'a>> {
    let mut out = Vec::new();
    for tr in trs {
        *index += 1;
        if rendered(tr) {
            out.push(Row {
                node: *tr,
                index: *index,
            });
        }
    }
    out
}

pub(crate) fn rows(table: N<'_>) -> Rows<'_> {
    let mut captions = Vec::new();
    let mut groups = Vec::new();
    let mut feet = Vec::new();
    let mut loose: Vec<N<'_>> = Vec::new();
    let mut index = 0;
    for child in table.children() {
        match element_name(&child) {
            Some("tr") => loose.push(child),
            Some(g @ ("thead" | "tbody" | "tfoot")) => {
                if !loose.is_empty() {
                    groups.push(take(&loose, &mut index));
                    loose.clear();
                }
                let trs: Vec<N<'_>> = child
                    .children()
                    .filter(|c| element_name(c) == Some("tr"))
                    .collect();
                // Hidden groups still count for the source-order row numbers.
                let rows = take(&trs, &mut index);
                if !rendered(&child) {
                    continue;
                }
                if g == "tfoot" {
                    feet.push(rows);
                } else {
                    groups.push(rows);
                }
            }
            Some("caption") => captions.push(child),
            _ => {}
        }
    }
    if !loose.is_empty() {
        groups.push(take(&loose, &mut index));
    }
    groups.extend(feet);
    Rows { captions, groups }
}

/// The rendered `<td>`/`<th>` children of a row, each with its 1-based index among all the
/// row's cells (hidden ones included, so provenance matches the source).
pub(crate) fn cells<'a>(tr: N<'a>) -> impl Iterator<Item = (usize, N<'a>)> {
    tr.children()
        .filter(|c| matches!(element_name(c), Some("td" | "th")))
        .enumerate()
        .filter(|(_, c)| rendered(c))
        .map(|(i, c)| (i + 1, c))
}

/// HTML "rules for parsing non-negative integers": leading whitespace, optional `+`,
/// digits up to the first non-digit. Saturates instead of overflowing.
pub(crate) fn parse_span(v: Option<&str>) -> Option<usize> {
    let s = v?.trim_start_matches([' ', '\t', '\n', '\r', '\x0c']);
    let s = s.strip_prefix('+').unwrap_or(s);
    let digits: &str = &s[..s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len())];
    if digits.is_empty() {
        return None;
    }
    let mut n: usize = 0;
    for d in digits.bytes() {
        n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
    }
    Some(n)
}

/// Whether a table holds data (emit as a grid) or only lays out the page (read its cells
/// as ordinary blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Data,
    Layout,
}

/// Cells and widest row of a table's own rows.
fn shape(rows: &Rows<'_>) -> (usize, usize) {
    let mut cells = 0;
    let mut width = 0;
    for r in rows.groups.iter().flatten() {
        let mut w = 0usize;
        for c in cells_of(r.node) {
            cells += 1;
            let cs = parse_span(c.value().as_element().and_then(|e| attr(e, "colspan")))
                .unwrap_or(1)
                .clamp(1, MAX_COLSPAN);
            w = w.saturating_add(cs);
        }
        width = width.max(w);
    }
    (cells, width)
}

fn cells_of(tr: N<'_>) -> impl Iterator<Item = N<'_>> {
    cells(tr).map(|(_, c)| c)
}

/// Tables directly nested in `cell` (not inside another nested table). Iterative.
fn nested_tables<'a>(cell: N<'a>, info: &DomInfo) -> Vec<N<'a>> {
    let mut out = Vec::new();
    if info.get(cell.id()).is_none_or(|s| s.tables == 0) {
        return out;
    }
    let mut stack: Vec<N<'a>> = cell.children().collect();
    stack.reverse();
    while let Some(n) = stack.pop() {
        match element_name(&n) {
            Some("table") => out.push(n),
            Some(_) if info.get(n.id()).is_some_and(|s| s.tables > 0) => {
                let before = stack.len();
                stack.extend(n.children());
                stack[before..].reverse();
            }
            _ => {}
        }
    }
    out
}

/// Classifies a table. Layout wrappers: a single cell; two columns at most with a long
/// text cell; or nested tables that are real grids, sit in long text, or in a table of
/// two columns at most. A small table nested in a data cell stays part of that cell.
pub(crate) fn classify(table: N<'_>, info: &DomInfo) -> Kind {
    let rows = rows(table);
    let (ncells, width) = shape(&rows);
    if ncells <= 1 {
        return Kind::Layout;
    }
    // 300 ideographs: no label or value cell of a report table is that long.
    let long_cell = |c: N<'_>| info.get(c.id()).is_some_and(|s| s.nonlink() > 600);
    let mut has_nested = false;
    for r in rows.groups.iter().flatten() {
        for c in cells_of(r.node) {
            let nested = nested_tables(c, info);
            if nested.is_empty() {
                if width <= 2 && long_cell(c) {
                    return Kind::Layout;
                }
                continue;
            }
            has_nested = true;
            if long_cell(c) {
                return Kind::Layout;
            }
            for t in nested {
                let inner = self::rows(t);
                let (_, iw) = shape(&inner);
                if inner.len() >= 3 && iw >= 3 {
                    return Kind::Layout;
                }
            }
        }
    }
    if has_nested && width <= 2 {
        return Kind::Layout;
    }
    Kind::Data
}

/// A grid and what had to be worked around building it.
pub(crate) struct Built {
    pub table: Option<Table>,
    pub captions: Vec<String>,
    pub warnings: Vec<Warning>,
}

/// Builds the grid of a data table. `index` is the table's 1-based source-order index.
pub(crate) fn build(table: N<'_>, index: usize, limits: &Limits) -> Built {
    let rows = rows(table);
    let captions = rows
        .captions
        .iter()
        .map(|c| block_text(*c))
        .filter(|s| !s.is_empty())
        .collect();
    let mut warnings = Vec::new();
    let at = Provenance::Markup {
        table: index,
        row: 1,
        cell: 1,
    };
    let mut gb = GridBuilder::new(at, limits.max_table_positions);
    let mut fed = 0usize;
    let mut ncells = 0usize;
    let mut cut = false;
    'groups: for group in &rows.groups {
        let glen = group.len();
        for (gi, row) in group.iter().enumerate() {
            if fed >= MAX_ROWS {
                warnings.push(Warning::new(
                    WarningCode::Truncated,
                    format!("table {index}: more than {MAX_ROWS} rows, the rest was dropped"),
                ));
                break 'groups;
            }
            fed += 1;
            gb.start_row();
            let remaining = glen - gi;
            for (ci, cell) in cells(row.node) {
                let el = cell.value().as_element();
                let rs = match parse_span(el.and_then(|e| attr(e, "rowspan"))) {
                    // rowspan="0": to the end of the row group.
                    Some(0) => remaining,
                    Some(n) => n.min(MAX_ROWSPAN).min(remaining),
                    None => 1,
                };
                let cs = match parse_span(el.and_then(|e| attr(e, "colspan"))) {
                    Some(0) | None => 1,
                    Some(n) => n.min(MAX_COLSPAN),
                };
                let text = block_text(cell);
                let at = Provenance::Markup {
                    table: index,
                    row: row.index,
                    cell: ci,
                };
                if let Err(e) = gb.push(text, rs, cs, at) {
                    warnings.push(Warning::new(
                        WarningCode::Truncated,
                        format!("table {index}: {e}; the rest was dropped"),
                    ));
                    cut = true;
                    break 'groups;
                }
                ncells += 1;
            }
        }
    }
    if gb.clipped() > 0 {
        warnings.push(Warning::new(
            WarningCode::Clipped,
            format!(
                "table {index}: {} span(s) clipped (overlapping or oversized)",
                gb.clipped()
            ),
        ));
    }
    let table = (ncells > 0).then(|| {
        let mut t = gb.finish();
        if cut {
            // The row that did not fit was already started; keep only rows with cells.
            t.rows = t
                .cells
                .iter()
                .map(|c| c.row + c.row_span)
                .max()
                .unwrap_or(0);
        }
        t
    });
    Built {
        table,
        captions,
        warnings,
    }
}

/// Whether `n` is a `<table>` element.
pub(crate) fn is_table(n: &N<'_>) -> bool {
    matches!(n.value(), Node::Element(e) if e.name() == "table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_parsing_follows_html() {
        assert_eq!(parse_span(Some("3")), Some(3));
        assert_eq!(parse_span(Some(" +2px")), Some(2));
        assert_eq!(parse_span(Some("-1")), None);
        assert_eq!(parse_span(Some("")), None);
        assert_eq!(parse_span(Some("0")), Some(0));
        assert_eq!(
            parse_span(Some("99999999999999999999999999")),
            Some(usize::MAX)
        );
        assert_eq!(parse_span(None), None);
    }
}
