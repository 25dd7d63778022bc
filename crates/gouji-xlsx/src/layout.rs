//! Splitting one sheet's used cells into paragraphs and tables.
//!
//! Rows are classified without knowing any template:
//! - a row with two or more *items* (non-empty cells, plus merged regions reaching down into
//!   it from a row above) is a table row;
//! - a row with one non-empty cell and nothing else is a paragraph (a title, a heading, a
//!   narrative paragraph typed into column A), unless it sits inside a table: directly
//!   between two table rows (a section row `第二十条第（一）项` merged across the table), or
//!   next to a table row while it also has blank cell records outside its own merged region
//!   (a label-only data row whose values are left blank);
//! - any other row (no value) separates blocks.
//!
//! Consecutive table rows make one [`Table`]; its columns run from the leftmost to the
//! rightmost value or merged region of its rows, every position not covered by a merge gets
//! a cell (blank cells included) and merged regions become spans on their anchor cell.

use gouji_doc::{Block, GridBuilder, Paragraph, Provenance};
use std::collections::BTreeMap;

/// A merged region, inclusive, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    /// First row.
    pub r0: u32,
    /// First column.
    pub c0: u32,
    /// Last row.
    pub r1: u32,
    /// Last column.
    pub c1: u32,
}

/// The used cells of one sheet, as read (sparse).
#[derive(Debug, Default)]
pub struct SheetCells {
    /// Sheet name.
    pub name: String,
    /// Non-empty cells by (row, col), text already normalised.
    pub values: BTreeMap<(u32, u32), String>,
    /// For rows holding cell records without a value: (leftmost, rightmost) such column.
    pub blank_records: BTreeMap<u32, (u32, u32)>,
    /// Merged regions.
    pub merges: Vec<Merge>,
}

impl SheetCells {
    /// Records a blank cell record (a cell element with no value).
    pub fn blank_record(&mut self, row: u32, col: u32) {
        let e = self.blank_records.entry(row).or_insert((col, col));
        e.0 = e.0.min(col);
        e.1 = e.1.max(col);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Single,
    Table,
}

/// Output of laying out one sheet.
pub struct Laid {
    /// Blocks in reading order.
    pub blocks: Vec<Block>,
    /// Problems worked around.
    pub warnings: Vec<gouji_doc::Warning>,
}

/// Splits a sheet into blocks. `max_positions` bounds each table's grid; `max_blocks` the
/// number of blocks returned.
pub fn lay_out(sheet: &SheetCells, max_positions: usize, max_blocks: usize) -> Laid {
    let warnings = Vec::new();
    let merges: Vec<Merge> = sheet
        .merges
        .iter()
        .copied()
        .filter(|m| m.r0 <= m.r1 && m.c0 <= m.c1 && (m.r0 < m.r1 || m.c0 < m.c1))
        .collect();
    // Per-row facts for candidate rows (rows with values or blank records).
    let mut rows: BTreeMap<u32, RowFacts> = BTreeMap::new();
    for &(r, c) in sheet.values.keys() {
        let f = rows.entry(r).or_default();
        f.values += 1;
        f.first_col = Some(f.first_col.map_or(c, |x: u32| x.min(c)));
    }
    for (&r, &span) in &sheet.blank_records {
        rows.entry(r).or_default().blank = Some(span);
    }
    // Merges reaching into a row from above count as items of that row. Candidate rows
    // only: a huge vertical merge costs nothing per empty row.
    let mut vertical: Vec<&Merge> = merges.iter().filter(|m| m.r1 > m.r0).collect();
    vertical.sort_by_key(|m| m.r0);
    for (&r, f) in rows.iter_mut() {
        f.from_above = vertical
            .iter()
            .take_while(|m| m.r0 < r)
            .filter(|m| m.r1 >= r)
            .count();
    }
    let mut kinds: BTreeMap<u32, Kind> = rows
        .iter()
        .map(|(&r, f)| {
            let items = f.values + f.from_above;
            let k = if items >= 2 {
                Kind::Table
            } else if f.values == 1 {
                Kind::Single
            } else {
                Kind::Blank
            };
            (r, k)
        })
        .collect();
    // Single rows inside tables.
    let strong = kinds.clone();
    let is = |map: &BTreeMap<u32, Kind>, r: Option<u32>| {
        r.and_then(|r| map.get(&r)).copied() == Some(Kind::Table)
    };
    let singles: Vec<u32> = kinds
        .iter()
        .filter(|(_, k)| **k == Kind::Single)
        .map(|(&r, _)| r)
        .collect();
    for &r in &singles {
        if is(&strong, r.checked_sub(1)) && is(&strong, r.checked_add(1)) {
            kinds.insert(r, Kind::Table);
        }
    }
    // Label-only rows with blank records beside them, next to a table (both directions,
    // so runs of them attach).
    let outside: Vec<u32> = singles
        .iter()
        .copied()
        .filter(|&r| has_blank_outside(&merges, r, rows.get(&r)))
        .collect();
    for order in [false, true] {
        let it: Box<dyn Iterator<Item = &u32>> = if order {
            Box::new(outside.iter().rev())
        } else {
            Box::new(outside.iter())
        };
        for &r in it {
            if is(&kinds, r.checked_sub(1)) || is(&kinds, r.checked_add(1)) {
                kinds.insert(r, Kind::Table);
            }
        }
    }

    // Blocks.
    let mut em = Emit {
        blocks: Vec::new(),
        warnings,
        full: false,
        max_blocks,
        sheet: &sheet.name,
    };
    let mut run: Option<(u32, u32)> = None;
    let flush = |run: &mut Option<(u32, u32)>, em: &mut Emit| {
        if let Some((a, b)) = run.take()
            && let Some(t) = table(sheet, &merges, a, b, max_positions, &mut em.warnings)
        {
            em.push(Block::Table(t));
        }
    };
    for (&r, &k) in &kinds {
        match k {
            Kind::Table => match run {
                Some((a, b)) if b.checked_add(1) == Some(r) => run = Some((a, r)),
                _ => {
                    flush(&mut run, &mut em);
                    run = Some((r, r));
                }
            },
            Kind::Single => {
                flush(&mut run, &mut em);
                if let Some(((_, c), text)) = sheet.values.range((r, 0)..=(r, u32::MAX)).next() {
                    em.push(Block::Paragraph(Paragraph {
                        text: text.clone(),
                        at: Provenance::Sheet {
                            sheet: sheet.name.clone(),
                            row: r,
                            col: *c,
                        },
                    }));
                }
            }
            Kind::Blank => flush(&mut run, &mut em),
        }
    }
    flush(&mut run, &mut em);
    Laid {
        blocks: em.blocks,
        warnings: em.warnings,
    }
}

/// Blocks of one sheet under the block budget.
struct Emit<'a> {
    blocks: Vec<Block>,
    warnings: Vec<gouji_doc::Warning>,
    full: bool,
    max_blocks: usize,
    sheet: &'a str,
}

impl Emit<'_> {
    fn push(&mut self, b: Block) {
        if self.full {
            return;
        }
        if self.blocks.len() >= self.max_blocks {
            self.full = true;
            self.warnings.push(gouji_doc::Warning::new(
                gouji_doc::WarningCode::Truncated,
                format!(
                    "sheet {}: more than {} blocks; the rest was dropped",
                    self.sheet, self.max_blocks
                ),
            ));
            return;
        }
        self.blocks.push(b);
    }
}

#[derive(Debug, Default)]
struct RowFacts {
    values: usize,
    first_col: Option<u32>,
    from_above: usize,
    blank: Option<(u32, u32)>,
}

/// Whether single row `r` has blank cell records outside the merged region of its value.
fn has_blank_outside(merges: &[Merge], r: u32, f: Option<&RowFacts>) -> bool {
    let Some(f) = f else { return false };
    let (Some((b0, b1)), Some(c)) = (f.blank, f.first_col) else {
        return false;
    };
    let own = merges
        .iter()
        .find(|m| m.r0 == r && m.c0 == c)
        .map_or((c, c), |m| (m.c0, m.c1));
    b0 < own.0 || b1 > own.1
}

/// Builds the table of rows `a..=b`.
fn table(
    sheet: &SheetCells,
    merges: &[Merge],
    a: u32,
    b: u32,
    max_positions: usize,
    warnings: &mut Vec<gouji_doc::Warning>,
) -> Option<gouji_doc::Table> {
    let here: Vec<Merge> = merges
        .iter()
        .filter(|m| m.r0 <= b && m.r1 >= a)
        .copied()
        .collect();
    let mut c_lo = u32::MAX;
    let mut c_hi = 0u32;
    for (&(_, c), _) in sheet.values.range((a, 0)..=(b, u32::MAX)) {
        c_lo = c_lo.min(c);
        c_hi = c_hi.max(c);
    }
    for m in here.iter().filter(|m| m.r0 >= a) {
        c_lo = c_lo.min(m.c0);
        c_hi = c_hi.max(m.c1);
    }
    if c_lo > c_hi {
        return None;
    }
    let ncols = usize::try_from(c_hi - c_lo)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut nrows = usize::try_from(b - a)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let limit = max_positions.max(1);
    let at = |r: u32, c: u32| Provenance::Sheet {
        sheet: sheet.name.clone(),
        row: r,
        col: c,
    };
    if ncols > limit {
        warnings.push(
            gouji_doc::Warning::new(
                gouji_doc::WarningCode::Truncated,
                format!(
                    "{}: table of {ncols} columns exceeds {limit} grid positions; dropped",
                    at(a, c_lo)
                ),
            )
            .at(at(a, c_lo)),
        );
        return None;
    }
    if nrows.saturating_mul(ncols) > limit {
        let keep = limit / ncols;
        warnings.push(gouji_doc::Warning::new(gouji_doc::WarningCode::Truncated, format!(
            "{}: table of {nrows}x{ncols} exceeds {limit} grid positions; only the first {keep} rows kept",
            at(a, c_lo)
        )).at(at(a, c_lo)));
        nrows = keep;
    }
    let b = a.saturating_add(u32::try_from(nrows).unwrap_or(u32::MAX).saturating_sub(1));
    // Positions covered by a merge whose anchor is elsewhere.
    let mut covered = vec![false; nrows * ncols];
    for m in &here {
        let r0 = m.r0.max(a);
        let r1 = m.r1.min(b);
        let c0 = m.c0.max(c_lo);
        let c1 = m.c1.min(c_hi);
        if r0 > r1 || c0 > c1 {
            continue;
        }
        for r in r0..=r1 {
            for c in c0..=c1 {
                if (r, c) != (m.r0, m.c0) {
                    let i = (r - a) as usize * ncols + (c - c_lo) as usize;
                    if let Some(slot) = covered.get_mut(i) {
                        *slot = true;
                    }
                }
            }
        }
    }
    let mut g = GridBuilder::new(at(a, c_lo), limit);
    for r in a..=b {
        for c in c_lo..=c_hi {
            let (gr, gc) = ((r - a) as usize, (c - c_lo) as usize);
            if covered.get(gr * ncols + gc).copied().unwrap_or(true) {
                continue;
            }
            let (rs, cs) = here
                .iter()
                .find(|m| m.r0 == r && m.c0 == c)
                .map_or((1, 1), |m| {
                    (
                        (m.r1.min(b) - r) as usize + 1,
                        (m.c1.min(c_hi) - c) as usize + 1,
                    )
                });
            let text = sheet.values.get(&(r, c)).cloned().unwrap_or_default();
            if g.place(gr, gc, rs, cs, text, at(r, c)).is_err() {
                break;
            }
        }
    }
    if g.clipped() > 0 {
        warnings.push(
            gouji_doc::Warning::new(
                gouji_doc::WarningCode::Clipped,
                format!(
                    "{}: {} overlapping merged region(s) clipped",
                    at(a, c_lo),
                    g.clipped()
                ),
            )
            .at(at(a, c_lo)),
        );
    }
    Some(g.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]], merges: &[(u32, u32, u32, u32)]) -> SheetCells {
        let mut s = SheetCells {
            name: "S".into(),
            ..SheetCells::default()
        };
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u32);
                if *v == "_" {
                    s.blank_record(r, c);
                } else if !v.is_empty() {
                    s.values.insert((r, c), (*v).to_string());
                }
            }
        }
        s.merges = merges
            .iter()
            .map(|&(r0, c0, r1, c1)| Merge { r0, c0, r1, c1 })
            .collect();
        s
    }

    fn kinds(l: &Laid) -> Vec<String> {
        l.blocks
            .iter()
            .map(|b| match b {
                Block::Paragraph(p) => format!("P:{}", p.text),
                Block::Table(t) => format!("T{}x{}", t.rows, t.cols),
            })
            .collect()
    }

    #[test]
    fn paragraphs_tables_and_separators() {
        let s = sheet(
            &[
                &["Title"],
                &["a", "b", "c"],
                &["1", "", "3"],
                &[],
                &["x", "y"],
                &["text"],
            ],
            &[],
        );
        let l = lay_out(&s, 1000, 100);
        assert_eq!(kinds(&l), ["P:Title", "T2x3", "T1x2", "P:text"]);
        let Block::Table(t) = &l.blocks[1] else {
            panic!()
        };
        // The blank cell exists.
        assert_eq!(t.cells.len(), 6);
        assert_eq!(t.cells[4].text, "");
        assert_eq!(t.cells[4].at.to_string(), "S!B3");
    }

    #[test]
    fn section_rows_between_table_rows_stay_in_the_table() {
        let s = sheet(
            &[
                &["Heading"],
                &["sec1", "_", "_"],
                &["a", "b", "c"],
                &["sec2", "_", "_"],
                &["d", "e", "f"],
            ],
            &[(1, 0, 1, 2), (3, 0, 3, 2)],
        );
        let l = lay_out(&s, 1000, 100);
        assert_eq!(kinds(&l), ["P:Heading", "P:sec1", "T3x3"]);
        let Block::Table(t) = &l.blocks[2] else {
            panic!()
        };
        assert_eq!(t.cells[3].text, "sec2");
        assert_eq!(t.cells[3].col_span, 3);
        assert_eq!(t.cells.len(), 7);
    }

    #[test]
    fn label_only_rows_with_blank_records_attach() {
        let s = sheet(
            &[
                &["a", "b"],
                &["1", "2"],
                &["only", "_"],
                &["again", "_"],
                &[],
                &["after"],
            ],
            &[],
        );
        let l = lay_out(&s, 1000, 100);
        assert_eq!(kinds(&l), ["T4x2", "P:after"]);
    }

    #[test]
    fn vertical_merges_make_table_rows_and_spans() {
        let s = sheet(
            &[&["g", "x", "1"], &["", "y"], &["", "z", "3"]],
            &[(0, 0, 2, 0)],
        );
        let l = lay_out(&s, 1000, 100);
        assert_eq!(kinds(&l), ["T3x3"]);
        let Block::Table(t) = &l.blocks[0] else {
            panic!()
        };
        assert_eq!((t.cells[0].row_span, t.cells[0].col_span), (3, 1));
        assert_eq!(t.cells.len(), 7);
        assert!(t.cell_at(1, 0).is_some_and(|c| c.text == "g"));
    }

    #[test]
    fn limits_truncate_with_warnings() {
        let rows: Vec<Vec<&str>> = (0..50).map(|_| vec!["a", "b"]).collect();
        let refs: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        let l = lay_out(&sheet(&refs, &[]), 20, 100);
        assert_eq!(kinds(&l), ["T10x2"]);
        assert_eq!(l.warnings.len(), 1);
        let rows: Vec<Vec<&str>> = (0..50).map(|_| vec!["p"]).collect();
        let refs: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        let l = lay_out(&sheet(&refs, &[]), 20, 5);
        assert_eq!(l.blocks.len(), 5);
        assert_eq!(l.warnings.len(), 1);
    }

    #[test]
    fn merges_are_clipped_to_the_table() {
        // A merge running past the table's last row into a paragraph row.
        let s = sheet(&[&["a", "b"], &["c", "d"], &[], &["p"]], &[(0, 0, 2, 0)]);
        let l = lay_out(&s, 1000, 100);
        let Block::Table(t) = &l.blocks[0] else {
            panic!()
        };
        assert_eq!(t.rows, 2);
        assert_eq!(t.cells[0].row_span, 2);
    }
}
