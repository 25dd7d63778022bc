#![forbid(unsafe_code)]
//! DOCX extractor: turns the bytes of a Word 2007+ document into a [`gouji_doc::Document`].
//!
//! The ZIP container is opened with every limit enforced before anything is inflated (input
//! size, number of entries, total decompressed bytes through a size-capped reader, so a zip
//! bomb is an error rather than an exhausted memory). The main part (found through
//! `_rels/.rels`, else `word/document.xml`) is read with quick-xml in one streaming pass:
//!
//! - `w:p` outside tables becomes a [`gouji_doc::Paragraph`]: its `w:t` text concatenated,
//!   `w:tab` as a space, `w:br`/`w:cr` as a line break; deleted text (`w:del`, `w:delText`,
//!   `w:moveFrom`), field codes and `mc:Fallback` copies are skipped, inserted text kept.
//! - `w:tbl` becomes a [`gouji_doc::Table`]: each `w:tr` one grid row, each `w:tc` one cell
//!   whose columns follow `w:gridBefore`, `w:gridSpan` and `w:gridAfter`; a vertical merge
//!   (`w:vMerge w:val="restart"` followed by `w:vMerge` continuations in the same grid
//!   column) becomes one cell with a row span. Cell text is its paragraphs joined with `\n`.
//!   A table nested in a cell is flattened into that cell's text (cells separated by a
//!   space, rows by `\n`). Rows deleted with tracked changes (`w:trPr/w:del`) are dropped.
//!
//! `docProps/core.xml` gives `dc:title` and `dc:creator` as `meta.title` / `meta.author`.
//! Nothing here knows what a report template means.
//!
//! Provenance: a table cell is `Markup { table, row, cell }`: the 1-based index of the
//! `w:tbl` among all tables of the document in source order (nested ones included), the
//! 1-based `w:tr` within it and the 1-based `w:tc` within the row. A paragraph is
//! `Block { index }`, its 1-based ordinal among the paragraphs emitted.

mod body;
mod table;

use gouji_doc::{Document, Limit, Limits, OverLimit, Warning, WarningCode};
use std::io::{Cursor, Read};

/// Why a DOCX document could not be extracted at all. Everything short of this is worked
/// around and reported in [`Document::warnings`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DocxError {
    /// Over one of the [`Limits`]: the input's size, the archive's entries
    /// ([`Limits::max_objects`]), the decompressed data (zip bomb or huge file) or the
    /// XML's nesting ([`Limits::max_depth`]).
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// The bytes are not a readable ZIP archive (garbage, truncated, unsupported).
    #[error("not a readable ZIP archive: {0}")]
    Zip(#[source] zip::result::ZipError),
    /// The archive has no main document part.
    #[error("no main document part (word/document.xml) in the archive")]
    NoDocument,
    /// A part could not be read or inflated.
    #[error("cannot read ZIP entry {part}: {source}")]
    Entry {
        /// Name of the entry.
        part: String,
        /// Underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The main document part is not well-formed XML.
    #[error("malformed XML in {part} at byte {position}: {message}")]
    Xml {
        /// Name of the part.
        part: String,
        /// Byte offset in the decoded part where parsing failed.
        position: u64,
        /// Parser message.
        message: String,
    },
}

/// Extracts paragraphs, tables and metadata from the bytes of a DOCX file.
///
/// Never panics on any input. Fails on inputs that are not DOCX at all or break a limit
/// (see [`DocxError`]); problems that were worked around (a table larger than
/// [`Limits::max_table_positions`] truncated, clipped spans, flattened nested tables, more
/// than [`Limits::max_blocks`] blocks, an unreadable `docProps/core.xml`) are listed in
/// `warnings`.
pub fn extract_docx(bytes: &[u8], limits: &Limits) -> Result<Document, DocxError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_input_bytes {
        return Err(OverLimit::input("DOCX", size, limits.max_input_bytes).into());
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(DocxError::Zip)?;
    if archive.len() > limits.max_objects {
        let count = Some(archive.len() as u64);
        let max = limits.max_objects as u64;
        return Err(OverLimit::new(Limit::Objects, "ZIP archive", "entries", count, max).into());
    }
    let mut budget = Budget {
        left: limits.max_decompressed_bytes,
        limit: limits.max_decompressed_bytes,
    };
    let mut warnings = Vec::new();

    let main = main_part_name(&mut archive, &mut budget, &mut warnings)?;
    let xml = read_part(&mut archive, &main, &mut budget)?.ok_or(DocxError::NoDocument)?;
    let text = decode_xml(&xml);
    drop(xml);
    let mut doc = body::parse(&text, &main, limits)?;

    match read_part(&mut archive, "docProps/core.xml", &mut budget) {
        Ok(Some(core)) => {
            if let Err(e) = body::core_props(&decode_xml(&core), &mut doc.meta) {
                warnings.push(Warning::new(
                    WarningCode::Ignored,
                    format!("docProps/core.xml ignored: {e}"),
                ));
            }
        }
        Ok(None) => {}
        Err(e @ DocxError::Limit(_)) => return Err(e),
        Err(e) => warnings.push(Warning::new(
            WarningCode::Ignored,
            format!("docProps/core.xml ignored: {e}"),
        )),
    }
    warnings.append(&mut doc.warnings);
    doc.warnings = warnings;
    Ok(doc)
}

/// What is left of the decompression allowance.
struct Budget {
    left: u64,
    limit: u64,
}

/// Reads one entry through a reader capped at the remaining budget. `Ok(None)` if the
/// archive has no such entry.
fn read_part(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, DocxError> {
    let Some(index) = archive.index_for_name(name) else {
        return Ok(None);
    };
    let entry_err = |e: std::io::Error| DocxError::Entry {
        part: name.to_string(),
        source: e,
    };
    let file = archive
        .by_index(index)
        .map_err(|e| entry_err(std::io::Error::other(e)))?;
    let too_big = || {
        let what = format!("decompressed data (while reading {name})");
        DocxError::from(OverLimit::new(
            Limit::DecompressedBytes,
            what,
            "bytes",
            None,
            budget.limit,
        ))
    };
    // The declared size is only a hint (it can lie), but an honest large one fails early.
    if file.size() > budget.left {
        return Err(too_big());
    }
    let cap = budget.left.saturating_add(1);
    let mut buf = Vec::with_capacity(usize::try_from(file.size().min(1 << 20)).unwrap_or(0));
    file.take(cap).read_to_end(&mut buf).map_err(entry_err)?;
    let got = u64::try_from(buf.len()).unwrap_or(u64::MAX);
    if got > budget.left {
        return Err(too_big());
    }
    budget.left -= got;
    Ok(Some(buf))
}

/// The main document part named by the package relationships, else `word/document.xml`.
fn main_part_name(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    budget: &mut Budget,
    warnings: &mut Vec<Warning>,
) -> Result<String, DocxError> {
    const DEFAULT: &str = "word/document.xml";
    let rels = match read_part(archive, "_rels/.rels", budget) {
        Ok(Some(r)) => r,
        Ok(None) => return Ok(DEFAULT.to_string()),
        Err(e @ DocxError::Limit(_)) => return Err(e),
        Err(e) => {
            warnings.push(Warning::new(
                WarningCode::Ignored,
                format!("_rels/.rels ignored: {e}"),
            ));
            return Ok(DEFAULT.to_string());
        }
    };
    match body::office_document_target(&decode_xml(&rels)) {
        Some(t) if archive.index_for_name(&t).is_some() => Ok(t),
        Some(t) => {
            warnings.push(Warning::new(
                WarningCode::Ignored,
                format!("main part {t} named in _rels/.rels is missing; using {DEFAULT}"),
            ));
            Ok(DEFAULT.to_string())
        }
        None => Ok(DEFAULT.to_string()),
    }
}

/// XML parts are UTF-8 or UTF-16 with a byte-order mark.
fn decode_xml(bytes: &[u8]) -> String {
    gouji_doc::decode::decode_bytes(bytes, Some("utf-8")).text
}
