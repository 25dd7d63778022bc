#![forbid(unsafe_code)]
//! Spreadsheet extractor: XLSX and XLS workbooks into a [`gouji_doc::Document`].
//!
//! Every sheet is read in workbook order and split into blocks (see the `layout` module):
//! runs of rows whose cells form a table become one [`gouji_doc::Table`], with merged regions
//! as row/column spans on their anchor cell (covered positions hold no cell, blank
//! positions hold a blank cell); a row holding a single text cell and nothing else (a
//! title, a heading, a narrative paragraph typed into column A) becomes a
//! [`gouji_doc::Paragraph`]; rows without any value separate blocks. Provenance is
//! [`gouji_doc::Provenance::Sheet`] (0-based, shown as `Sheet1!D7`).
//!
//! Cell text: numbers as the shortest decimal that reads back exactly (`5.0` → `5`,
//! `96171.6` → `96171.6`), strings whitespace-normalised, booleans `TRUE`/`FALSE`, dates as
//! ISO text, errors as their code (`#DIV/0!`). Formulas give their cached value (none: blank).
//!
//! Nothing here knows what a report template means.
//!
//! Limits: the input size; for XLSX the ZIP is checked before calamine reads it (entry
//! count against [`Limits::max_objects`], every member actually inflated in a bounded
//! stream against [`Limits::max_decompressed_bytes`], so lying size headers do not help a
//! bomb); sheets are read cell by cell (a used range of `A1:XFD1048576` with few values costs
//! only its values); non-empty cells per workbook against [`Limits::max_objects`]; each
//! table against [`Limits::max_table_positions`] (extra rows dropped with a warning);
//! blocks against [`Limits::max_blocks`] (the rest dropped with a warning).

mod cfb;
mod layout;
mod value;

use calamine::{Data, Reader, Xls, Xlsx};
use gouji_doc::{Block, Document, Limit, Limits, OverLimit, Provenance};
use layout::{Merge, SheetCells};
use std::io::{Cursor, Read};

/// Why a workbook could not be extracted at all. Everything short of this is worked around
/// and reported in [`Document::warnings`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    /// The XLS compound-file structure is broken in a way that would make a reader
    /// loop or allocate without bound (a FAT chain that loops or leaves the file).
    #[error("not a readable XLS compound file: {0}")]
    Compound(String),
    /// Over one of the [`Limits`]: the input's size, the ZIP's entries or inflated
    /// members, or the workbook's non-empty cells ([`Limits::max_objects`]).
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// The XLSX container is not a readable ZIP archive.
    #[error("not a readable XLSX (ZIP) container{}: {reason}", member_ctx(.member))]
    Container {
        /// ZIP member being read, if any.
        member: Option<String>,
        /// What went wrong.
        reason: String,
    },
    /// calamine could not read the XLSX workbook or one of its sheets.
    #[error("XLSX{}: {source}", sheet_ctx(.sheet))]
    Xlsx {
        /// Sheet being read, if any.
        sheet: Option<String>,
        /// The underlying error.
        #[source]
        source: calamine::XlsxError,
    },
    /// calamine could not read the XLS workbook or one of its sheets.
    #[error("XLS{}: {source}", sheet_ctx(.sheet))]
    Xls {
        /// Sheet being read, if any.
        sheet: Option<String>,
        /// The underlying error.
        #[source]
        source: calamine::XlsError,
    },
}

fn sheet_ctx(sheet: &Option<String>) -> String {
    sheet
        .as_ref()
        .map(|s| format!(" sheet {s:?}"))
        .unwrap_or_default()
}

fn member_ctx(member: &Option<String>) -> String {
    member
        .as_ref()
        .map(|s| format!(" (member {s:?})"))
        .unwrap_or_default()
}

fn check_size(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_input_bytes {
        return Err(OverLimit::input("spreadsheet", size, limits.max_input_bytes).into());
    }
    Ok(())
}

/// Checks the ZIP before calamine inflates members whole: entry count, then every member
/// inflated into a sink through a bounded reader, so the real (not declared) sizes count.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let container = |member: Option<String>, e: &dyn std::fmt::Display| SheetError::Container {
        member,
        reason: e.to_string(),
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| container(None, &e))?;
    if zip.len() > limits.max_objects {
        let (found, max) = (Some(zip.len() as u64), limits.max_objects as u64);
        return Err(OverLimit::new(Limit::Objects, "XLSX container", "entries", found, max).into());
    }
    let limit = limits.max_decompressed_bytes;
    let inflated = |member: &str| {
        let what = format!("XLSX members (at member {member})");
        SheetError::from(OverLimit::new(
            Limit::DecompressedBytes,
            what,
            "bytes inflated",
            None,
            limit,
        ))
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        // A member that cannot be opened (unsupported method, encryption) cannot be
        // inflated by calamine either; it fails there if it matters.
        let Ok(mut f) = zip.by_index(i) else { continue };
        let name = f.name().map(|n| n.to_string()).unwrap_or_default();
        let declared = f.size();
        if total.saturating_add(declared) > limit {
            return Err(inflated(&name));
        }
        let room = limit - total;
        let n = std::io::copy(
            &mut (&mut f).take(room.saturating_add(1)),
            &mut std::io::sink(),
        )
        .map_err(|e| container(Some(name.clone()), &e))?;
        if n > room {
            return Err(inflated(&name));
        }
        total += n;
    }
    Ok(())
}

/// A sheet's cell collector, with its merged regions. calamine offers merged regions
/// per reader type (not on its common trait), so both readers hand their result here;
/// unreadable regions only cost the spans, with a warning.
fn sheet_cells<E: std::fmt::Display>(
    name: &str,
    merges: Result<Vec<calamine::Dimensions>, E>,
    out: &mut Out,
) -> SheetCells {
    let merges = match merges {
        Ok(m) => m,
        Err(e) => {
            out.doc.warnings.push(gouji_doc::Warning::new(
                gouji_doc::WarningCode::Ignored,
                format!("sheet {name:?}: merged regions unreadable: {e}"),
            ));
            Vec::new()
        }
    };
    SheetCells {
        name: name.to_string(),
        merges: merges.iter().map(merge).collect(),
        ..SheetCells::default()
    }
}

/// Extracts every sheet of an XLSX workbook (Office Open XML spreadsheet) into paragraphs
/// and table grids.
///
/// `meta.title` is the workbook's `docProps/core.xml` title, or else the first paragraph.
/// Never panics on any input.
pub fn extract_xlsx(bytes: &[u8], limits: &Limits) -> Result<Document, SheetError> {
    check_size(bytes, limits)?;
    check_zip(bytes, limits)?;
    let xerr = |sheet: Option<&str>, source| SheetError::Xlsx {
        sheet: sheet.map(str::to_string),
        source,
    };
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| xerr(None, e))?;
    let title = wb.workbook_properties().ok().and_then(|p| p.title);
    let is_1904 = wb.has_1904_epoch();
    let mut out = Out::new(limits);
    for name in wb.sheet_names() {
        let mut sheet = sheet_cells(&name, wb.merge_cells_by_sheet_name(&name), &mut out);
        let mut reader = match wb.worksheet_cells_reader(&name) {
            Ok(r) => r,
            Err(e) => {
                // Chart sheets and dialog sheets have no cells.
                out.doc.warnings.push(gouji_doc::Warning::new(
                    gouji_doc::WarningCode::Ignored,
                    format!("sheet {name:?} skipped: {e}"),
                ));
                continue;
            }
        };
        while let Some(cell) = reader.next_cell().map_err(|e| xerr(Some(&name), e))? {
            let (r, c) = cell.get_position();
            match value::data_ref_text(cell.get_value(), is_1904) {
                Some(t) => out.value(&mut sheet, r, c, t)?,
                None => sheet.blank_record(r, c),
            }
        }
        drop(reader);
        out.sheet(&sheet);
    }
    Ok(out.finish(title))
}

/// Extracts every sheet of a legacy XLS workbook (BIFF8) into paragraphs and table grids.
///
/// `meta.title` is the workbook's summary-information title, or else the first paragraph.
/// Never panics on any input. calamine reads the whole workbook when opening it (BIFF8
/// bounds a sheet to 65 536 × 256 cells).
pub fn extract_xls(bytes: &[u8], limits: &Limits) -> Result<Document, SheetError> {
    check_size(bytes, limits)?;
    let xerr = |sheet: Option<&str>, source| SheetError::Xls {
        sheet: sheet.map(str::to_string),
        source,
    };
    cfb::check(bytes).map_err(SheetError::Compound)?;
    let mut wb: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| xerr(None, e))?;
    let title = wb.workbook_properties().ok().and_then(|p| p.title);
    let is_1904 = wb.has_1904_epoch();
    let mut out = Out::new(limits);
    for name in wb.sheet_names() {
        let mut sheet = sheet_cells(&name, wb.merge_cells_by_sheet_name(&name), &mut out);
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| xerr(Some(&name), e))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (r, c, v) in range.used_cells() {
            let r = r0.saturating_add(u32::try_from(r).unwrap_or(u32::MAX));
            let c = c0.saturating_add(u32::try_from(c).unwrap_or(u32::MAX));
            if let Some(t) = value::data_text(v, is_1904) {
                out.value(&mut sheet, r, c, t)?;
            } else if !matches!(v, Data::Empty) {
                sheet.blank_record(r, c);
            }
        }
        out.sheet(&sheet);
    }
    Ok(out.finish(title))
}

fn merge(d: &calamine::Dimensions) -> Merge {
    Merge {
        r0: d.start.0,
        c0: d.start.1,
        r1: d.end.0,
        c1: d.end.1,
    }
}

/// The document being assembled, with the workbook-wide budgets.
struct Out<'l> {
    doc: Document,
    limits: &'l Limits,
    values: usize,
}

impl<'l> Out<'l> {
    fn new(limits: &'l Limits) -> Self {
        Out {
            doc: Document::default(),
            limits,
            values: 0,
        }
    }

    fn value(
        &mut self,
        sheet: &mut SheetCells,
        r: u32,
        c: u32,
        text: String,
    ) -> Result<(), SheetError> {
        if sheet.values.insert((r, c), text).is_none() {
            self.values += 1;
            if self.values > self.limits.max_objects {
                let cell = Provenance::Sheet {
                    sheet: sheet.name.clone(),
                    row: r,
                    col: c,
                };
                let what = format!("workbook (limit reached at {cell})");
                let max = self.limits.max_objects as u64;
                let e = OverLimit::new(Limit::Objects, what, "non-empty cells", None, max);
                return Err(e.into());
            }
        }
        Ok(())
    }

    fn sheet(&mut self, sheet: &SheetCells) {
        let room = self.limits.max_blocks.saturating_sub(self.doc.blocks.len());
        if room == 0 {
            if !sheet.values.is_empty() {
                self.doc.warnings.push(gouji_doc::Warning::new(
                    gouji_doc::WarningCode::Truncated,
                    format!(
                        "sheet {:?} dropped: more than {} blocks",
                        sheet.name, self.limits.max_blocks
                    ),
                ));
            }
            return;
        }
        let mut laid = layout::lay_out(sheet, self.limits.max_table_positions, room);
        self.doc.blocks.append(&mut laid.blocks);
        self.doc.warnings.append(&mut laid.warnings);
    }

    fn finish(mut self, title: Option<String>) -> Document {
        let title = title
            .map(|t| gouji_doc::normalize_ws(&t))
            .filter(|t| !t.is_empty())
            .or_else(|| {
                self.doc.blocks.iter().find_map(|b| match b {
                    Block::Paragraph(p) => Some(p.text.clone()),
                    Block::Table(_) => None,
                })
            });
        self.doc.meta.title = title;
        self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error() {
        let l = Limits::default();
        assert!(extract_xlsx(b"not a workbook", &l).is_err());
        assert!(extract_xls(b"not a workbook", &l).is_err());
        assert!(extract_xlsx(b"", &l).is_err());
        assert!(extract_xls(b"", &l).is_err());
    }

    #[test]
    fn input_size_is_checked() {
        let l = Limits {
            max_input_bytes: 4,
            ..Limits::default()
        };
        assert!(matches!(
            extract_xlsx(b"PK\x03\x04xxxx", &l),
            Err(SheetError::Limit(OverLimit {
                limit: Limit::InputBytes,
                ..
            }))
        ));
    }
}
