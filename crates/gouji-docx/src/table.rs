//! WordprocessingML table model → grid: columns from `gridBefore`/`gridSpan`, vertical
//! merges (`vMerge`) turned into row spans on the cell that restarts them.

use gouji_doc::{GridBuilder, Provenance, Table, Warning, WarningCode, normalize_ws};
use std::collections::HashMap;

/// Vertical merge state of a `w:tc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum VMerge {
    /// Not merged.
    #[default]
    None,
    /// `w:vMerge w:val="restart"`: first cell of a merge.
    Restart,
    /// `w:vMerge` without value or `continue`: covered by the cell above.
    Continue,
}

/// A `w:tc` as read.
#[derive(Debug, Default)]
pub(crate) struct RawCell {
    /// 1-based `w:tc` index within its row.
    pub index: usize,
    pub paras: Vec<String>,
    pub span: usize,
    pub vmerge: VMerge,
    /// Legacy `w:hMerge` continuation: widens the previous cell.
    pub hmerge_continue: bool,
}

impl RawCell {
    pub fn new(index: usize) -> Self {
        RawCell {
            index,
            span: 1,
            ..RawCell::default()
        }
    }

    fn text(&self) -> String {
        normalize_ws(&self.paras.join("\n"))
    }
}

/// A `w:tr` as read.
#[derive(Debug, Default)]
pub(crate) struct RawRow {
    /// 1-based `w:tr` index within its table.
    pub index: usize,
    pub tc_seen: usize,
    pub cells: Vec<RawCell>,
    pub before: usize,
    pub after: usize,
    /// A tracked deletion of the whole row (`w:trPr/w:del`).
    pub deleted: bool,
}

impl RawRow {
    pub fn new(index: usize) -> Self {
        RawRow {
            index,
            ..RawRow::default()
        }
    }
}

/// A `w:tbl` as read.
#[derive(Debug, Default)]
pub(crate) struct RawTable {
    /// 1-based index among all tables of the document.
    pub index: usize,
    pub tr_seen: usize,
    rows: Vec<RawRow>,
    cells: usize,
    truncated: bool,
}

impl RawTable {
    pub fn new(index: usize) -> Self {
        RawTable {
            index,
            ..RawTable::default()
        }
    }

    /// Keeps a row unless the table already holds more cells or rows than it may have grid
    /// positions (every cell and every row takes at least one).
    pub fn push_row(&mut self, row: RawRow, max_positions: usize) {
        if self.truncated || row.deleted {
            return;
        }
        let cells = self.cells.saturating_add(row.cells.len());
        if cells > max_positions || self.rows.len() >= max_positions {
            self.truncated = true;
            return;
        }
        self.cells = cells;
        self.rows.push(row);
    }

    /// Text of the whole table: cells separated by a space, rows by a line break.
    pub fn flat_text(&self) -> String {
        let mut out = Vec::new();
        for r in &self.rows {
            let cells: Vec<String> = r
                .cells
                .iter()
                .map(RawCell::text)
                .filter(|t| !t.is_empty())
                .collect();
            if !cells.is_empty() {
                out.push(cells.join(" "));
            }
        }
        out.join("\n")
    }

    /// Resolves spans and builds the grid; returns it with warnings.
    pub fn build(self, max_positions: usize) -> (Table, Vec<Warning>) {
        let mut warnings = Vec::new();
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
        // Grid column → pending cell whose vertical merge is still open.
        let mut open: HashMap<usize, usize> = HashMap::new();
        let mut dropped_text = 0usize;
        for (r, row) in self.rows.iter().enumerate() {
            let mut next_open = HashMap::new();
            let mut col = row.before;
            let mut last_in_row: Option<usize> = None;
            for cell in &row.cells {
                let span = cell.span.max(1);
                if cell.hmerge_continue
                    && let Some(p) = last_in_row.and_then(|i| pending.get_mut(i))
                {
                    p.cs = p.cs.saturating_add(span);
                    col = col.saturating_add(span);
                    continue;
                }
                let text = cell.text();
                if cell.vmerge == VMerge::Continue
                    && let Some(&pi) = open.get(&col)
                {
                    if let Some(p) = pending.get_mut(pi) {
                        p.rs = r.saturating_sub(p.row) + 1;
                    }
                    next_open.insert(col, pi);
                    if !text.is_empty() {
                        dropped_text += 1;
                    }
                    col = col.saturating_add(span);
                    continue;
                }
                pending.push(Pending {
                    row: r,
                    col,
                    rs: 1,
                    cs: span,
                    text,
                    at: Provenance::Markup {
                        table: self.index,
                        row: row.index,
                        cell: cell.index,
                    },
                });
                let idx = pending.len() - 1;
                last_in_row = Some(idx);
                // An orphan continuation (nothing above to continue) starts a merge too.
                if cell.vmerge != VMerge::None {
                    next_open.insert(col, idx);
                }
                col = col.saturating_add(span);
            }
            open = next_open;
        }
        for p in pending {
            if gb.place(p.row, p.col, p.rs, p.cs, p.text, p.at).is_err() {
                warnings.push(Warning::new(
                    WarningCode::Truncated,
                    format!(
                        "more than {max_positions} grid positions; the rest of the table was dropped"
                    ),
                ));
                break;
            }
        }
        if self.truncated && warnings.is_empty() {
            warnings.push(Warning::new(
                WarningCode::Truncated,
                format!(
                    "more than {max_positions} grid positions; the rest of the table was dropped"
                ),
            ));
        }
        if gb.clipped() > 0 {
            warnings.push(Warning::new(
                WarningCode::Clipped,
                format!("{} overlapping or oversized span(s) clipped", gb.clipped()),
            ));
        }
        if dropped_text > 0 {
            warnings.push(Warning::new(
                WarningCode::Ignored,
                format!("text of {dropped_text} vertically merged continuation cell(s) ignored"),
            ));
        }
        (gb.finish(), warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str, span: usize, vmerge: VMerge) -> RawCell {
        RawCell {
            index: 0,
            paras: vec![text.to_string()],
            span,
            vmerge,
            hmerge_continue: false,
        }
    }

    fn table(rows: Vec<(usize, Vec<RawCell>)>) -> Table {
        let mut t = RawTable::new(1);
        for (i, (before, mut cells)) in rows.into_iter().enumerate() {
            for (k, c) in cells.iter_mut().enumerate() {
                c.index = k + 1;
            }
            t.push_row(
                RawRow {
                    index: i + 1,
                    tc_seen: cells.len(),
                    cells,
                    before,
                    after: 0,
                    deleted: false,
                },
                1000,
            );
        }
        t.build(1000).0
    }

    #[test]
    fn vmerge_becomes_row_span() {
        use VMerge::*;
        let t = table(vec![
            (0, vec![cell("A", 1, Restart), cell("x", 2, None)]),
            (
                0,
                vec![
                    cell("", 1, Continue),
                    cell("y", 1, None),
                    cell("z", 1, None),
                ],
            ),
            (
                0,
                vec![
                    cell("", 1, Continue),
                    cell("u", 1, None),
                    cell("v", 1, None),
                ],
            ),
            (
                0,
                vec![cell("B", 1, None), cell("w", 1, None), cell("q", 1, None)],
            ),
        ]);
        assert_eq!((t.rows, t.cols), (4, 3));
        assert_eq!(t.cells.len(), 9);
        let a = &t.cells[0];
        assert_eq!((a.text.as_str(), a.row_span, a.col_span), ("A", 3, 1));
        assert_eq!(t.cell_at(1, 1).map(|c| c.text.as_str()), Some("y"));
        assert_eq!(
            t.cell_at(1, 2).map(|c| c.at.clone()),
            Some(Provenance::Markup {
                table: 1,
                row: 2,
                cell: 3
            })
        );
        assert_eq!(t.cell_at(3, 0).map(|c| c.text.as_str()), Some("B"));
    }

    #[test]
    fn grid_before_shifts_and_orphan_continue_starts() {
        use VMerge::*;
        let t = table(vec![
            (0, vec![cell("h1", 1, None), cell("h2", 1, None)]),
            (1, vec![cell("c", 1, Continue)]),
            (1, vec![cell("", 1, Continue)]),
        ]);
        let c = t.cell_at(1, 1).cloned().unwrap_or_else(cell_dummy);
        assert_eq!((c.text.as_str(), c.row, c.row_span), ("c", 1, 2));
        assert!(t.cell_at(1, 0).is_none());
    }

    fn cell_dummy() -> gouji_doc::Cell {
        gouji_doc::Cell {
            row: 99,
            col: 99,
            row_span: 0,
            col_span: 0,
            text: String::new(),
            at: Provenance::None,
        }
    }

    #[test]
    fn hmerge_widens_previous_cell() {
        let mut c2 = cell("", 1, VMerge::None);
        c2.hmerge_continue = true;
        let t = table(vec![(
            0,
            vec![cell("A", 1, VMerge::None), c2, cell("B", 1, VMerge::None)],
        )]);
        assert_eq!(t.cells[0].col_span, 2);
        assert_eq!(t.cells[1].col, 2);
    }

    #[test]
    fn too_many_cells_truncates_with_warning() {
        let mut t = RawTable::new(1);
        for i in 0..50 {
            let cells = (0..10).map(|_| cell("x", 1, VMerge::None)).collect();
            t.push_row(
                RawRow {
                    index: i + 1,
                    tc_seen: 10,
                    cells,
                    before: 0,
                    after: 0,
                    deleted: false,
                },
                100,
            );
        }
        let (table, w) = t.build(100);
        assert!(table.rows * table.cols <= 100);
        assert_eq!(w.len(), 1);
    }
}
