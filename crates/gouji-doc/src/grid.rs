//! Building table grids from cells with spans.
//!
//! Markup formats (HTML, DOCX, tab-separated text) give rows of cells with spans and leave
//! the placement to the reader: a cell goes to the first column of its row not already
//! covered by a row span from above. Geometric formats (PDF, spreadsheets) know each cell's
//! position. [`GridBuilder`] does both and guarantees the result is a consistent grid: no
//! overlaps, spans clipped to the table, bounded size.

use crate::{Cell, Limit, OverLimit, Provenance, Table};

/// Error from building a grid past its limits: the table would exceed
/// [`crate::Limits::max_table_positions`].
pub type GridError = OverLimit;

/// Incremental builder of a [`Table`].
#[derive(Debug, Clone)]
pub struct GridBuilder {
    cells: Vec<Cell>,
    /// For each row, which columns are already covered.
    occupied: Vec<Vec<bool>>,
    /// Current row for flow placement (`None` before the first `start_row`).
    cur_row: Option<usize>,
    cur_col: usize,
    /// Cells whose row span runs to the end of the table (`rowspan="0"`), fixed in `finish`.
    open_ended: Vec<usize>,
    max_positions: usize,
    max_span: usize,
    /// Widest row so far (kept so the size check is O(1) per cell).
    ncols: usize,
    at: Provenance,
    clipped: usize,
}

impl GridBuilder {
    /// A builder whose table starts at `at` and may hold at most `max_positions` grid
    /// positions (rows × columns).
    pub fn new(at: Provenance, max_positions: usize) -> Self {
        GridBuilder {
            cells: Vec::new(),
            occupied: Vec::new(),
            cur_row: None,
            cur_col: 0,
            open_ended: Vec::new(),
            max_positions: max_positions.max(1),
            // A single span larger than this is surely garbage (`colspan="100000"`).
            max_span: 1000,
            ncols: 0,
            at,
            clipped: 0,
        }
    }

    /// Starts a new row for flow placement with [`GridBuilder::push`].
    pub fn start_row(&mut self) {
        let r = self.cur_row.map_or(0, |r| r + 1);
        self.cur_row = Some(r);
        self.cur_col = 0;
        // Past the size limit the row is not allocated; pushing into it fails instead.
        if self.check_size(r + 1, 1).is_err() {
            return;
        }
        self.ensure_rows(r + 1);
        // A `rowspan="0"` cell covers its columns on every row started after it.
        for &i in &self.open_ended {
            let (c0, cs, r0, rs) = {
                let c = &self.cells[i];
                (c.col, c.col_span, c.row, c.row_span)
            };
            if r0 + rs != r || (c0..c0 + cs).any(|k| self.is_occupied(r, k)) {
                continue;
            }
            let occ = &mut self.occupied[r];
            if occ.len() < c0 + cs {
                occ.resize(c0 + cs, false);
            }
            for slot in &mut occ[c0..c0 + cs] {
                *slot = true;
            }
            self.ncols = self.ncols.max(c0 + cs);
            self.cells[i].row_span += 1;
        }
    }

    /// Number of rows started so far with [`GridBuilder::start_row`].
    pub fn flow_rows(&self) -> usize {
        self.cur_row.map_or(0, |r| r + 1)
    }

    /// Places a cell in the current row at the first free column (HTML table model).
    /// `row_span == 0` means "to the end of the table". Starts a row if none was started.
    pub fn push(
        &mut self,
        text: impl Into<String>,
        row_span: usize,
        col_span: usize,
        at: Provenance,
    ) -> Result<(), GridError> {
        if self.cur_row.is_none() {
            self.start_row();
        }
        let r = self.cur_row.unwrap_or(0);
        while self.is_occupied(r, self.cur_col) {
            self.cur_col += 1;
        }
        let c = self.cur_col;
        let open = row_span == 0;
        let rs = if open { 1 } else { row_span };
        let idx = self.place(r, c, rs, col_span, text, at)?;
        if let Some(idx) = idx {
            if open {
                self.open_ended.push(idx);
            }
            self.cur_col = c + self.cells[idx].col_span;
        } else {
            self.cur_col = c + 1;
        }
        Ok(())
    }

    /// Places a cell at an explicit position. Positions already covered are never
    /// overwritten: the span is shrunk to the free rectangle, and a cell whose anchor is
    /// taken is dropped (counted in [`GridBuilder::clipped`]). Returns the new cell's index.
    pub fn place(
        &mut self,
        row: usize,
        col: usize,
        row_span: usize,
        col_span: usize,
        text: impl Into<String>,
        at: Provenance,
    ) -> Result<Option<usize>, GridError> {
        let mut rs = row_span.clamp(1, self.max_span);
        let mut cs = col_span.clamp(1, self.max_span);
        if rs != row_span.max(1) || cs != col_span.max(1) {
            self.clipped += 1;
        }
        self.check_size(row + 1, col + 1)?;
        if self.is_occupied(row, col) {
            self.clipped += 1;
            return Ok(None);
        }
        // Shrink the column span to the free run on the anchor row.
        if let Some(k) = (1..cs).find(|&k| self.is_occupied(row, col + k)) {
            cs = k;
            self.clipped += 1;
        }
        // Shrink the row span to rows whose whole column range is free.
        if let Some(dr) = (1..rs).find(|&dr| (0..cs).any(|k| self.is_occupied(row + dr, col + k))) {
            rs = dr;
            self.clipped += 1;
        }
        // Shrink spans that would make the table too large.
        while rs > 1 && self.check_size(row + rs, col + cs).is_err() {
            rs -= 1;
            self.clipped += 1;
        }
        while cs > 1 && self.check_size(row + rs, col + cs).is_err() {
            cs -= 1;
            self.clipped += 1;
        }
        self.ensure_rows(row + rs);
        self.ncols = self.ncols.max(col + cs);
        for r in row..row + rs {
            let occ = &mut self.occupied[r];
            if occ.len() < col + cs {
                occ.resize(col + cs, false);
            }
            for slot in &mut occ[col..col + cs] {
                *slot = true;
            }
        }
        self.cells.push(Cell {
            row,
            col,
            row_span: rs,
            col_span: cs,
            text: text.into(),
            at,
        });
        Ok(Some(self.cells.len() - 1))
    }

    /// How many spans were shrunk or cells dropped because they overlapped or overflowed.
    pub fn clipped(&self) -> usize {
        self.clipped
    }

    /// Finishes the table: rows and columns are counted, cells sorted by position.
    pub fn finish(mut self) -> Table {
        let rows = self.occupied.len();
        let cols = self.ncols;
        self.cells.sort_by_key(|c| (c.row, c.col));
        Table {
            rows,
            cols,
            cells: self.cells,
            at: self.at,
        }
    }

    fn is_occupied(&self, r: usize, c: usize) -> bool {
        self.occupied
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .unwrap_or(false)
    }

    fn ensure_rows(&mut self, n: usize) {
        if self.occupied.len() < n {
            self.occupied.resize(n, Vec::new());
        }
    }

    fn check_size(&self, rows: usize, cols: usize) -> Result<(), GridError> {
        let r = rows.max(self.occupied.len());
        let c = cols.max(self.ncols);
        if r.saturating_mul(c) > self.max_positions {
            Err(OverLimit::new(
                Limit::TablePositions,
                "table too large",
                "grid positions",
                None,
                self.max_positions as u64,
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(t: &Table) -> Vec<Vec<String>> {
        let g = t.grid();
        g.iter()
            .map(|row| {
                row.iter()
                    .map(|c| c.map(|i| t.cells[i].text.clone()).unwrap_or_default())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn html_flow_with_rowspan_and_colspan() {
        // | A (rs2) | B (cs2)   |
        // |         | C  | D    |
        let mut b = GridBuilder::new(Provenance::None, 1000);
        b.start_row();
        b.push("A", 2, 1, Provenance::None).unwrap();
        b.push("B", 1, 2, Provenance::None).unwrap();
        b.start_row();
        b.push("C", 1, 1, Provenance::None).unwrap();
        b.push("D", 1, 1, Provenance::None).unwrap();
        let t = b.finish();
        assert_eq!((t.rows, t.cols), (2, 3));
        assert_eq!(texts(&t), vec![vec!["A", "B", "B"], vec!["A", "C", "D"]]);
    }

    #[test]
    fn rowspan_zero_runs_to_the_end() {
        let mut b = GridBuilder::new(Provenance::None, 1000);
        b.start_row();
        b.push("A", 0, 1, Provenance::None).unwrap();
        b.push("x", 1, 1, Provenance::None).unwrap();
        for _ in 0..3 {
            b.start_row();
            b.push("y", 1, 1, Provenance::None).unwrap();
        }
        let t = b.finish();
        assert_eq!(t.cells[0].row_span, 4);
        assert_eq!(texts(&t)[3], vec!["A", "y"]);
    }

    #[test]
    fn overlapping_spans_are_clipped_not_overwritten() {
        let mut b = GridBuilder::new(Provenance::None, 1000);
        b.place(0, 0, 3, 1, "A", Provenance::None).unwrap();
        // Anchor free but its span runs into A's column on row 1.
        b.place(1, 1, 1, 1, "B", Provenance::None).unwrap();
        b.place(0, 1, 2, 2, "C", Provenance::None).unwrap();
        assert!(b.clipped() > 0);
        let t = b.finish();
        assert_eq!(texts(&t)[1][1], "B");
        assert_eq!(texts(&t)[0][1], "C");
    }

    #[test]
    fn huge_spans_are_bounded() {
        let mut b = GridBuilder::new(Provenance::None, 10_000);
        b.push("A", 1, 1_000_000, Provenance::None).unwrap();
        b.push("B", 1_000_000, 1, Provenance::None).unwrap();
        let t = b.finish();
        assert!(t.rows * t.cols <= 10_000);
    }

    #[test]
    fn rows_past_the_limit_are_not_allocated() {
        let mut b = GridBuilder::new(Provenance::None, 100);
        for _ in 0..1000 {
            b.start_row();
            let _ = b.push("x", 1, 1, Provenance::None);
        }
        let t = b.finish();
        assert!(
            t.rows <= 100 && t.rows * t.cols <= 100,
            "{}x{}",
            t.rows,
            t.cols
        );
    }

    #[test]
    fn long_tables_build_in_linear_time() {
        let start = std::time::Instant::now();
        let mut b = GridBuilder::new(Provenance::None, 10_000_000);
        for _ in 0..200_000 {
            b.start_row();
            b.push("x", 1, 1, Provenance::None).unwrap();
        }
        assert_eq!(b.finish().rows, 200_000);
        // Quadratic work took seconds here; linear takes milliseconds even in debug.
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    #[test]
    fn too_large_anchor_is_an_error() {
        let mut b = GridBuilder::new(Provenance::None, 100);
        assert!(b.place(0, 200, 1, 1, "x", Provenance::None).is_err());
    }

    proptest! {
        /// Whatever rows of spans come in, the grid has no overlaps, every cell lies inside
        /// it, and every pushed cell with a free anchor is kept.
        #[test]
        fn grid_is_consistent(rows in proptest::collection::vec(
            proptest::collection::vec((0usize..4, 1usize..4), 0..6), 0..8)) {
            let mut b = GridBuilder::new(Provenance::None, 100_000);
            let mut pushed = 0;
            for row in &rows {
                b.start_row();
                for &(rs, cs) in row {
                    b.push("x", rs, cs, Provenance::None).unwrap();
                    pushed += 1;
                }
            }
            let t = b.finish();
            prop_assert_eq!(t.cells.len(), pushed);
            let mut seen = vec![vec![0u8; t.cols]; t.rows];
            for c in &t.cells {
                prop_assert!(c.row_span >= 1 && c.col_span >= 1);
                prop_assert!(c.row + c.row_span <= t.rows);
                prop_assert!(c.col + c.col_span <= t.cols);
                for row in seen.iter_mut().skip(c.row).take(c.row_span) {
                    for n in row.iter_mut().skip(c.col).take(c.col_span) {
                        *n += 1;
                    }
                }
            }
            for row in &seen {
                for &n in row {
                    prop_assert!(n <= 1);
                }
            }
        }

        #[test]
        fn explicit_placement_never_overlaps(cells in proptest::collection::vec(
            (0usize..10, 0usize..10, 1usize..5, 1usize..5), 0..30)) {
            let mut b = GridBuilder::new(Provenance::None, 100_000);
            for &(r, c, rs, cs) in &cells {
                b.place(r, c, rs, cs, "x", Provenance::None).unwrap();
            }
            let t = b.finish();
            let g = t.grid();
            let mut count = 0;
            for c in &t.cells {
                count += c.row_span * c.col_span;
            }
            let covered = g.iter().flatten().filter(|x| x.is_some()).count();
            prop_assert_eq!(count, covered);
        }
    }
}
