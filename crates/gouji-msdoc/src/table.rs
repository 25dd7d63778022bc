//! Runs of in-table paragraphs → a grid. Columns are the union of every row's cell
//! boundaries (`rgdxaCenter`), so a cell covering several boundaries spans several
//! columns; vertical merges become row spans on the cell that starts them.

use crate::props::{Para, Tap};
use gouji_doc::{GridBuilder, Limits, Provenance, Table, normalize_ws};
use std::collections::HashMap;

/// Boundaries closer than this (twips, 1/20 pt) are one column edge.
const SNAP_TWIPS: i32 = 20;

struct Row {
    cells: Vec<String>,
    tap: Option<Tap>,
}

/// Collects the rows of one top-level table.
pub(crate) struct TableReader {
    index: usize,
    rows: Vec<Row>,
    cells: Vec<String>,
    paras: Vec<String>,
    nested: bool,
    truncated: bool,
    positions: usize,
}

impl TableReader {
    pub fn new(index: usize) -> Self {
        TableReader {
            index,
            rows: Vec::new(),
            cells: Vec::new(),
            paras: Vec::new(),
            nested: false,
            truncated: false,
            positions: 0,
        }
    }

    /// Takes the next in-table paragraph. Nested tables (depth ≥ 2) are flattened into
    /// the text of the enclosing cell.
    pub fn push(&mut self, p: Para, limits: &Limits) {
        if self.truncated {
            return;
        }
        if p.itap >= 2 {
            self.nested = true;
            if !p.ttp && !p.text.is_empty() {
                self.paras.push(p.text);
            }
            return;
        }
        if p.ttp {
            let cells = std::mem::take(&mut self.cells);
            self.paras.clear();
            if cells.is_empty() {
                return;
            }
            self.positions = self.positions.saturating_add(cells.len());
            if self.positions > limits.max_table_positions {
                self.truncated = true;
                return;
            }
            self.rows.push(Row { cells, tap: p.tap });
        } else if p.mark == '\u{7}' {
            self.paras.push(p.text);
            let text = normalize_ws(&std::mem::take(&mut self.paras).join("\n"));
            if self.cells.len() < 64 {
                self.cells.push(text);
            }
        } else {
            self.paras.push(p.text);
        }
    }

    /// Builds the grid; `None` for a table without any row.
    pub fn finish(mut self, max_positions: usize) -> (Option<Table>, Vec<gouji_doc::Warning>) {
        let mut warnings = Vec::new();
        if !self.cells.is_empty() {
            // A last row without its row-end mark.
            let cells = std::mem::take(&mut self.cells);
            self.rows.push(Row { cells, tap: None });
        }
        if self.nested {
            warnings.push(gouji_doc::Warning::new(
                gouji_doc::WarningCode::Flattened,
                format!(
                    "table {}: nested table(s) flattened into their cell's text",
                    self.index
                ),
            ));
        }
        if self.truncated {
            warnings.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Truncated, format!(
                "table {}: more than {max_positions} grid positions; the rest of the table was dropped",
                self.index
            )));
        }
        if self.rows.is_empty() {
            return (None, warnings);
        }
        let edges = column_edges(&self.rows);
        let at = Provenance::Markup {
            table: self.index,
            row: 1,
            cell: 1,
        };
        let mut gb = GridBuilder::new(at, max_positions);
        struct Pending {
            row: usize,
            col: usize,
            rs: usize,
            cs: usize,
            text: String,
            at: Provenance,
        }
        let mut pending: Vec<Pending> = Vec::new();
        let mut open: HashMap<usize, usize> = HashMap::new();
        let mut mismatched = 0usize;
        for (r, row) in self.rows.iter().enumerate() {
            let spans = row_spans(row, &edges);
            if spans.is_none() {
                mismatched += 1;
            }
            let mut next_open = HashMap::new();
            let mut last: Option<usize> = None;
            let mut seq = 0usize;
            for (i, text) in row.cells.iter().enumerate() {
                let (col, cs) = match &spans {
                    Some(s) => s.get(i).copied().unwrap_or((seq, 1)),
                    None => (seq, 1),
                };
                seq = col + cs;
                let (hm, vm) = row
                    .tap
                    .as_ref()
                    .and_then(|t| t.merges.get(i).copied())
                    .unwrap_or((0, 0));
                if hm >= 2
                    && let Some(p) = last.and_then(|k| pending.get_mut(k))
                {
                    p.cs = (col + cs).saturating_sub(p.col).max(p.cs);
                    if !text.is_empty() && p.text.is_empty() {
                        p.text.clone_from(text);
                    }
                    continue;
                }
                if (vm == 1 || vm == 2)
                    && let Some(&pi) = open.get(&col)
                {
                    if let Some(p) = pending.get_mut(pi) {
                        p.rs = r.saturating_sub(p.row) + 1;
                    }
                    next_open.insert(col, pi);
                    continue;
                }
                pending.push(Pending {
                    row: r,
                    col,
                    rs: 1,
                    cs,
                    text: text.clone(),
                    at: Provenance::Markup {
                        table: self.index,
                        row: r + 1,
                        cell: i + 1,
                    },
                });
                let idx = pending.len() - 1;
                last = Some(idx);
                if vm != 0 {
                    next_open.insert(col, idx);
                }
            }
            open = next_open;
        }
        for p in pending {
            if gb.place(p.row, p.col, p.rs, p.cs, p.text, p.at).is_err() {
                warnings.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Truncated, format!(
                    "table {}: more than {max_positions} grid positions; the rest of the table was dropped",
                    self.index
                )));
                break;
            }
        }
        if mismatched > 0 {
            warnings.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Layout, format!(
                "table {}: {mismatched} row(s) without matching cell boundaries laid out one cell per column",
                self.index
            )));
        }
        if gb.clipped() > 0 {
            warnings.push(gouji_doc::Warning::new(
                gouji_doc::WarningCode::Clipped,
                format!(
                    "table {}: {} overlapping span(s) clipped",
                    self.index,
                    gb.clipped()
                ),
            ));
        }
        (Some(gb.finish()), warnings)
    }
}

/// The sorted, snapped union of every row's cell boundaries.
fn column_edges(rows: &[Row]) -> Vec<i32> {
    let mut all: Vec<i32> = rows
        .iter()
        .filter_map(|r| r.tap.as_ref())
        .filter(|t| t.bounds.len() >= 2)
        .flat_map(|t| t.bounds.iter().map(|&b| i32::from(b)))
        .collect();
    all.sort_unstable();
    let mut edges: Vec<i32> = Vec::new();
    for b in all {
        match edges.last() {
            Some(&l) if b - l < SNAP_TWIPS => {}
            _ => edges.push(b),
        }
    }
    edges
}

/// Grid column and span of each cell of `row`, or `None` when its boundaries do not
/// match its cells.
fn row_spans(row: &Row, edges: &[i32]) -> Option<Vec<(usize, usize)>> {
    let tap = row.tap.as_ref()?;
    if tap.bounds.len() != row.cells.len() + 1 {
        return None;
    }
    let col_of = |b: i16| -> usize {
        let b = i32::from(b);
        // The last edge not after b + SNAP (edges are snapped to their first member).
        edges
            .partition_point(|&e| e <= b + SNAP_TWIPS / 2)
            .saturating_sub(1)
    };
    Some(
        tap.bounds
            .windows(2)
            .map(|w| {
                let c0 = col_of(w[0]);
                let c1 = col_of(w[1]);
                (c0, c1.saturating_sub(c0).max(1))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn para(text: &str, mark: char, ttp: bool, tap: Option<Tap>) -> Para {
        Para {
            text: text.to_string(),
            mark,
            itap: 1,
            ttp,
            tap,
        }
    }

    fn row(t: &mut TableReader, cells: &[&str], bounds: &[i16], merges: &[(u8, u8)]) {
        let l = Limits::default();
        for c in cells {
            t.push(para(c, '\u{7}', false, None), &l);
        }
        let tap = Tap {
            bounds: bounds.to_vec(),
            merges: merges.to_vec(),
        };
        t.push(para("", '\u{7}', true, Some(tap)), &l);
    }

    #[test]
    fn boundaries_give_col_spans_and_vertmerge_row_spans() {
        let mut t = TableReader::new(2);
        row(&mut t, &["A", "B"], &[0, 1000, 3000], &[(0, 3), (0, 0)]);
        row(
            &mut t,
            &["", "x", "y"],
            &[0, 1000, 2000, 3000],
            &[(0, 1), (0, 0), (0, 0)],
        );
        let (t, w) = t.finish(1000);
        let t = t.expect("table");
        assert!(w.is_empty(), "{w:?}");
        assert_eq!((t.rows, t.cols), (2, 3));
        let a = t.cell_at(0, 0).expect("A");
        assert_eq!((a.text.as_str(), a.row_span, a.col_span), ("A", 2, 1));
        let b = t.cell_at(0, 1).expect("B");
        assert_eq!((b.text.as_str(), b.col_span), ("B", 2));
        assert_eq!(
            t.cell_at(1, 2).expect("y").at,
            Provenance::Markup {
                table: 2,
                row: 2,
                cell: 3
            }
        );
    }

    #[test]
    fn horizontal_merge_flags_widen_the_first_cell() {
        let mut t = TableReader::new(1);
        row(&mut t, &["H", ""], &[0, 1000, 2000], &[(1, 0), (2, 0)]);
        row(&mut t, &["a", "b"], &[0, 1000, 2000], &[(0, 0), (0, 0)]);
        let t = t.finish(1000).0.expect("table");
        assert_eq!(t.cell_at(0, 0).expect("H").col_span, 2);
        assert_eq!(t.cell_at(1, 1).expect("b").text, "b");
    }
}
