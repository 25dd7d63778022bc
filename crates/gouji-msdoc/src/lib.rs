//! Word 97–2003 `.doc` (and WPS `.wps`, which WPS Office writes in the same binary format)
//! → the intermediate [`gouji_doc::Document`]: paragraphs, and table grids with row and
//! column spans and `t2r4c5` provenance, the same shape `gouji-docx` produces.
//!
//! Why a hand-written reader: no crate on crates.io reads the *table structure* of the
//! Word binary format (the ones that exist extract plain text only, losing cell and row
//! boundaries and merges, which is exactly what the statistical tables need). So this crate
//! reads it over the `cfb` container crate, following [MS-DOC]:
//! FIB → CLX piece table (8-bit CP1252 or UTF-16 pieces) → text by character position;
//! paragraph properties from the PAPX FKPs named by PlcBtePapx (in-table, table depth,
//! row-end mark); table row properties (TAP: `sprmTDefTable` cell boundaries and TC
//! merge flags, `sprmTVertMerge`) from the row-end paragraph. Cell columns come from the
//! union of all rows' cell boundaries, as a grid of column boundaries.
//!
//! Every count read from the file is checked against the stream it indexes before
//! anything is allocated for it.

mod fib;
mod props;
mod table;

use gouji_doc::{
    Block, Document, Limit, Limits, Meta, OverLimit, Paragraph, Provenance, normalize_ws,
};
use std::io::{Cursor, Read};

pub use fib::Fib;

/// Error reading a `.doc`/`.wps` file.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    /// The input, or one of its streams, is larger than [`Limits::max_input_bytes`].
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// Not an OLE2 compound file, or a damaged one.
    #[error("not a readable OLE2 compound file: {0}")]
    Container(std::io::Error),
    /// A stream the format needs is missing.
    #[error("stream {0} missing: not a Word 97-2003 document")]
    MissingStream(&'static str),
    /// A stream could not be read.
    #[error("stream {stream}: {source}")]
    Stream {
        /// Stream name.
        stream: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The document is password-protected.
    #[error("encrypted (password-protected) document: cannot be read")]
    Encrypted,
    /// A file of an older Word version (Word 6/95 and before) or of WPS's own format.
    #[error("unsupported Word version (nFib {0:#06x}); only Word 97-2003 files are read")]
    OldVersion(u16),
    /// The file has no usable piece table (e.g. a fast-saved file whose CLX is gone).
    #[error("no usable piece table (fast-saved or damaged file): {0}")]
    NoPieceTable(String),
    /// A structure points outside its stream or is malformed.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which structure.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
}

/// What an OLE2 compound file holds, judged by its streams (never by the file name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OleKind {
    /// A `WordDocument` stream: Word 97-2003 `.doc` or WPS `.wps`.
    Word,
    /// A `Workbook` or `Book` stream: Excel `.xls` or WPS `.et`.
    Workbook,
    /// A `PowerPoint Document` stream: PowerPoint `.ppt` or WPS `.dps`.
    Presentation,
    /// Some other compound file, or no compound file at all (no OLE2 signature).
    Other,
    /// A compound file whose header, FAT or directory cannot be read: its streams are
    /// unknown, so only the file name can say what it was meant to be.
    Unreadable,
}

/// Sniffs an OLE2 compound file by its root streams.
pub fn sniff_ole(bytes: &[u8]) -> OleKind {
    const MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if !bytes.starts_with(&MAGIC) {
        return OleKind::Other;
    }
    let Ok(cf) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return OleKind::Unreadable;
    };
    let has = |name: &str| cf.is_stream(format!("/{name}"));
    if has("WordDocument") {
        OleKind::Word
    } else if has("Workbook") || has("Book") {
        OleKind::Workbook
    } else if has("PowerPoint Document") {
        OleKind::Presentation
    } else {
        OleKind::Other
    }
}

/// Reads one stream whole, refusing one longer than `limit` bytes.
fn read_stream(
    cf: &mut cfb::CompoundFile<Cursor<&[u8]>>,
    name: &'static str,
    limit: u64,
) -> Result<Vec<u8>, DocError> {
    let path = format!("/{name}");
    if !cf.is_stream(&path) {
        return Err(DocError::MissingStream(name));
    }
    let mut s = cf.open_stream(&path).map_err(|source| DocError::Stream {
        stream: name,
        source,
    })?;
    let len = s.len();
    if len > limit {
        let what = format!("stream {name}");
        return Err(OverLimit::new(Limit::InputBytes, what, "bytes", Some(len), limit).into());
    }
    let mut buf = Vec::with_capacity(usize::try_from(len.min(64 << 20)).unwrap_or(0));
    s.by_ref()
        .take(limit)
        .read_to_end(&mut buf)
        .map_err(|source| DocError::Stream {
            stream: name,
            source,
        })?;
    Ok(buf)
}

/// Extracts paragraphs and tables from the bytes of a Word 97-2003 `.doc` / `.wps` file.
///
/// Never panics on any input. Encrypted files, pre-Word 97 files and files without a
/// usable piece table fail with a clear [`DocError`]; worked-around problems (nested
/// tables flattened, clipped spans, rows whose cell count disagrees with their table
/// properties) are listed in `warnings`.
pub fn extract_doc(bytes: &[u8], limits: &Limits) -> Result<Document, DocError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_input_bytes {
        return Err(OverLimit::input("DOC/WPS", size, limits.max_input_bytes).into());
    }
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(DocError::Container)?;
    let word = read_stream(&mut cf, "WordDocument", limits.max_input_bytes)?;
    let fib = Fib::parse(&word)?;
    if fib.encrypted {
        return Err(DocError::Encrypted);
    }
    let table_name = if fib.table1 { "1Table" } else { "0Table" };
    let tbl = read_stream(
        &mut cf,
        table_name_static(table_name),
        limits.max_input_bytes,
    )?;
    let chars = props::read_text(&word, &tbl, &fib, limits)?;
    // The Data stream holds large paragraph properties (wide table rows); optional.
    let data = match read_stream(&mut cf, "Data", limits.max_input_bytes) {
        Ok(d) => d,
        Err(DocError::MissingStream(_)) => Vec::new(),
        Err(e) => return Err(e),
    };
    let paras = props::paragraphs(&word, &tbl, &data, &fib, &chars, limits)?;
    let mut doc = build(paras, limits);
    doc.meta = Meta {
        encoding: Some("utf-16/cp1252 (Word 97)".to_string()),
        ..Meta::default()
    };
    Ok(doc)
}

fn table_name_static(name: &str) -> &'static str {
    if name == "1Table" { "1Table" } else { "0Table" }
}

/// Turns the paragraph sequence into blocks: runs of in-table paragraphs become tables.
fn build(paras: Vec<props::Para>, limits: &Limits) -> Document {
    let mut blocks = Vec::new();
    let mut warnings = Vec::new();
    let mut tb: Option<table::TableReader> = None;
    let mut ntables = 0usize;
    let mut npara = 0usize;
    let mut over_blocks = false;
    let push = |blocks: &mut Vec<Block>, b: Block, over: &mut bool| {
        if blocks.len() < limits.max_blocks {
            blocks.push(b);
        } else {
            *over = true;
        }
    };
    for p in paras {
        if p.itap > 0 {
            let reader = tb.get_or_insert_with(|| {
                ntables += 1;
                table::TableReader::new(ntables)
            });
            reader.push(p, limits);
            continue;
        }
        if let Some(reader) = tb.take() {
            let (t, mut w) = reader.finish(limits.max_table_positions);
            warnings.append(&mut w);
            if let Some(t) = t {
                push(&mut blocks, Block::Table(t), &mut over_blocks);
            }
        }
        let text = normalize_ws(&p.text);
        if text.is_empty() {
            continue;
        }
        npara += 1;
        push(
            &mut blocks,
            Block::Paragraph(Paragraph {
                text,
                at: Provenance::Block { index: npara },
            }),
            &mut over_blocks,
        );
    }
    if let Some(reader) = tb.take() {
        let (t, mut w) = reader.finish(limits.max_table_positions);
        warnings.append(&mut w);
        if let Some(t) = t {
            push(&mut blocks, Block::Table(t), &mut over_blocks);
        }
    }
    if over_blocks {
        warnings.push(gouji_doc::Warning::new(
            gouji_doc::WarningCode::Truncated,
            format!(
                "more than {} blocks; the rest of the document was dropped",
                limits.max_blocks
            ),
        ));
    }
    Document {
        blocks,
        warnings,
        ..Document::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let l = Limits::default();
        assert!(extract_doc(b"", &l).is_err());
        assert!(extract_doc(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], &l).is_err());
        assert_eq!(sniff_ole(b"not ole"), OleKind::Other);
        // The signature with nothing readable behind it: damaged, judged by name.
        let mut damaged = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        damaged.resize(1024, 0xFF);
        assert_eq!(sniff_ole(&damaged), OleKind::Unreadable);
    }

    #[test]
    fn too_large_is_refused() {
        let l = Limits {
            max_input_bytes: 4,
            ..Limits::default()
        };
        assert!(matches!(
            extract_doc(b"0123456789", &l),
            Err(DocError::Limit(OverLimit {
                limit: Limit::InputBytes,
                ..
            }))
        ));
    }
}
