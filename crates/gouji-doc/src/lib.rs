#![forbid(unsafe_code)]
//! The intermediate document every gouji format extractor produces.
//!
//! An extractor (text, HTML, PDF, DOCX, XLSX…) turns its bytes into a [`Document`]: the
//! report's content in reading order as [`Paragraph`]s and [`Table`] grids, each cell with
//! its row/column span, raw text and [`Provenance`]. Extractors know nothing about report
//! templates; mapping grids to the common model happens later, on this type alone.

pub mod decode;
mod grid;
mod limits;

pub use grid::{GridBuilder, GridError};
pub use limits::{Limit, Limits, OverLimit};

use serde::Serialize;
use std::fmt;

/// One extracted document: blocks in reading order plus whatever metadata the format carries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Document {
    /// Paragraphs and tables in reading order.
    pub blocks: Vec<Block>,
    /// Metadata the container itself declares (HTML `<title>`, PDF Info dictionary…).
    pub meta: Meta,
    /// Hyperlinks in document order (HTML `<a href>`, PDF link annotations), so a landing
    /// page's attachments can be followed. `href` is as written (maybe relative).
    pub links: Vec<Link>,
    /// Problems the extractor worked around (a clipped span, an undecodable font…).
    /// They never make the extraction fail; they are reported alongside the record.
    pub warnings: Vec<Warning>,
}

/// What kind of problem an extractor worked around: for code that acts on warnings
/// (never on their text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// Bytes that do not fit the declared or detected encoding.
    Encoding,
    /// Content dropped at a limit (blocks, rows, grid positions): the rest is missing.
    Truncated,
    /// Overlapping or oversized spans or merged regions clipped.
    Clipped,
    /// Nesting flattened (tables in cells, elements past the depth limit).
    Flattened,
    /// Glyphs without a usable character mapping, dropped.
    Undecodable,
    /// A part of the container that could not be read and was left out (metadata,
    /// relationships, merged-cell text).
    Ignored,
    /// Content laid out by an assumption (cells placed one per column, tables outside
    /// the article body included).
    Layout,
    /// A scanned page: deskewed, an OCR failure, or a reading in doubt.
    Ocr,
}

/// A problem an extractor worked around: its code, where in the document (when one
/// place is meant) and the text the record carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// What kind of problem.
    pub code: WarningCode,
    /// Where, when one place is meant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Provenance>,
    /// The record's text of the warning.
    pub message: String,
}

impl Warning {
    /// A warning of `code` with the record's text `message`.
    pub fn new(code: WarningCode, message: impl Into<String>) -> Self {
        Warning {
            code,
            at: None,
            message: message.into(),
        }
    }

    /// The same warning, located at `at`.
    pub fn at(mut self, at: Provenance) -> Self {
        self.at = Some(at);
        self
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Metadata declared by the container, not inferred from the text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Meta {
    /// Document title (HTML `<title>`, PDF `/Title`).
    pub title: Option<String>,
    /// Author or publishing body, when the container names one.
    pub author: Option<String>,
    /// Publication date as printed, when the container names one.
    pub date: Option<String>,
    /// Character encoding the bytes were decoded with, for text-based formats.
    pub encoding: Option<String>,
    /// Number of pages, for paged formats.
    pub pages: Option<u32>,
    /// Pages (1-based) whose text was read by OCR from a scanned image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ocr_pages: Vec<u32>,
    /// OCR cells whose reading is a guess (a number read below the confidence bar, or
    /// digits that do not form a number), by their cell position. Their text is kept,
    /// but consumers must not read a value from it: a guess never produces a finding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<Provenance>,
}

/// A hyperlink.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    /// Target as written in the document.
    pub href: String,
    /// Visible link text, whitespace-normalised.
    pub text: String,
}

/// A block of content.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Running text.
    Paragraph(Paragraph),
    /// A table grid.
    Table(Table),
}

/// A paragraph of running text (lines of one paragraph already joined).
#[derive(Debug, Clone, Serialize)]
pub struct Paragraph {
    /// Text after whitespace normalisation.
    pub text: String,
    /// Where the paragraph starts.
    pub at: Provenance,
}

/// A table grid. Cells are anchored at their top-left position and may span several rows
/// and columns; positions covered by a span hold no cell of their own.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// Number of grid rows.
    pub rows: usize,
    /// Number of grid columns.
    pub cols: usize,
    /// Anchored cells, sorted by (row, col). No two cells overlap.
    pub cells: Vec<Cell>,
    /// Where the table starts.
    pub at: Provenance,
}

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// Grid row of the top-left corner (0-based).
    pub row: usize,
    /// Grid column of the top-left corner (0-based).
    pub col: usize,
    /// Rows covered (at least 1).
    pub row_span: usize,
    /// Columns covered (at least 1).
    pub col_span: usize,
    /// Cell text, whitespace-normalised, with in-cell line breaks kept as `\n`.
    pub text: String,
    /// Where the cell came from.
    pub at: Provenance,
}

/// Where a piece of content came from in the source document.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Provenance {
    /// Unknown or not applicable.
    #[default]
    None,
    /// A PDF page (1-based) and a position in PDF points from the page's top-left corner.
    Page {
        /// 1-based page number.
        page: u32,
        /// Distance from the left edge, in points.
        x: f32,
        /// Distance from the top edge, in points.
        y: f32,
    },
    /// A markup table cell (HTML, DOCX): 1-based table, row and cell index in source order.
    Markup {
        /// 1-based index of the table element in the document.
        table: usize,
        /// 1-based row element index within the table.
        row: usize,
        /// 1-based cell element index within the row.
        cell: usize,
    },
    /// A markup block outside tables (HTML/DOCX paragraph), 1-based in source order.
    Block {
        /// 1-based block index.
        index: usize,
    },
    /// A spreadsheet cell (0-based row and column internally, shown as `Sheet1!D7`).
    Sheet {
        /// Sheet name.
        sheet: String,
        /// 0-based row.
        row: u32,
        /// 0-based column.
        col: u32,
    },
    /// A line of a text file (1-based), and optionally a 1-based tab-separated field.
    Line {
        /// 1-based line.
        line: usize,
        /// 1-based field on the line, for tab-separated tables.
        field: Option<usize>,
    },
}

impl Provenance {
    /// Page number for paged formats.
    pub fn page(&self) -> Option<u32> {
        match self {
            Provenance::Page { page, .. } => Some(*page),
            _ => None,
        }
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provenance::None => Ok(()),
            Provenance::Page { page, x, y } => write!(f, "p{page}@{x:.0},{y:.0}"),
            Provenance::Markup { table, row, cell } => write!(f, "t{table}r{row}c{cell}"),
            Provenance::Block { index } => write!(f, "b{index}"),
            Provenance::Sheet { sheet, row, col } => {
                write!(f, "{sheet}!{}{}", column_letters(*col), row + 1)
            }
            Provenance::Line { line, field: None } => write!(f, "L{line}"),
            Provenance::Line {
                line,
                field: Some(c),
            } => write!(f, "L{line}:{c}"),
        }
    }
}

/// Spreadsheet column name for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Table {
    /// Dense view of the grid: for each position, the index into [`Table::cells`] of the
    /// cell covering it (its anchor or a span), or `None` for a hole.
    pub fn grid(&self) -> Vec<Vec<Option<usize>>> {
        let mut g = vec![vec![None; self.cols]; self.rows];
        for (i, c) in self.cells.iter().enumerate() {
            for row in g.iter_mut().skip(c.row).take(c.row_span) {
                for slot in row.iter_mut().skip(c.col).take(c.col_span) {
                    *slot = Some(i);
                }
            }
        }
        g
    }

    /// The cell covering grid position `(row, col)`, if any.
    pub fn cell_at(&self, row: usize, col: usize) -> Option<&Cell> {
        self.cells.iter().find(|c| {
            row >= c.row && row < c.row + c.row_span && col >= c.col && col < c.col + c.col_span
        })
    }
}

impl Document {
    /// All paragraphs' text in order, joined by newlines (for narrative search).
    pub fn text(&self) -> String {
        let mut s = String::new();
        for p in self.paragraphs() {
            s.push_str(&p.text);
            s.push('\n');
        }
        s
    }

    /// The paragraphs in reading order.
    pub fn paragraphs(&self) -> impl Iterator<Item = &Paragraph> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Paragraph(p) => Some(p),
            Block::Table(_) => None,
        })
    }

    /// The tables in reading order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            Block::Paragraph(_) => None,
        })
    }
}

/// Normalises whitespace the way every extractor should: NBSP, ideographic and other
/// Unicode spaces become plain spaces, runs of spaces collapse, lines are trimmed, blank
/// lines dropped. Line breaks are kept (as `\n`) because wrapped labels matter downstream.
pub fn normalize_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.split(['\n', '\r']) {
        let mut prev_space = true;
        let mut buf = String::new();
        for ch in line.chars() {
            let ch = match ch {
                '\u{00a0}'
                | '\u{3000}'
                | '\t'
                | '\u{2000}'..='\u{200a}'
                | '\u{202f}'
                | '\u{205f}' => ' ',
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}' | '\u{00ad}' => continue,
                c => c,
            };
            if ch == ' ' {
                if !prev_space {
                    buf.push(' ');
                }
                prev_space = true;
            } else {
                buf.push(ch);
                prev_space = false;
            }
        }
        let t = buf.trim_end();
        if !t.is_empty() {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_roll_over() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(3), "D");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn provenance_display() {
        let s = Provenance::Sheet {
            sheet: "Sheet1".into(),
            row: 6,
            col: 3,
        };
        assert_eq!(s.to_string(), "Sheet1!D7");
        assert_eq!(
            Provenance::Line {
                line: 4,
                field: Some(2)
            }
            .to_string(),
            "L4:2"
        );
        assert_eq!(
            Provenance::Page {
                page: 3,
                x: 10.4,
                y: 99.6
            }
            .to_string(),
            "p3@10,100"
        );
    }

    #[test]
    fn normalize_ws_folds_spaces_keeps_lines() {
        assert_eq!(
            normalize_ws("  a\u{3000}\u{a0} b \n\n c\u{200b}d "),
            "a b\ncd"
        );
        assert_eq!(normalize_ws("\u{a0}"), "");
    }
}
