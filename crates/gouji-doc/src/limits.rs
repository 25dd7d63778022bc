//! Resource limits shared by every parser, so one hostile or broken document cannot
//! exhaust memory or time in a batch.

use serde::Serialize;

/// Size, depth and work limits applied by every extractor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Largest input accepted, in bytes (before any decompression).
    pub max_input_bytes: u64,
    /// Largest total of decompressed data one document may produce (PDF streams, ZIP
    /// members), in bytes.
    pub max_decompressed_bytes: u64,
    /// Most objects a container may hold (PDF objects, ZIP entries).
    pub max_objects: usize,
    /// Most content-stream operators interpreted per PDF page.
    pub max_ops_per_page: usize,
    /// Most pages read from one document.
    pub max_pages: usize,
    /// Deepest nesting followed (HTML elements, form XObjects, nested tables).
    pub max_depth: usize,
    /// Most grid positions (rows × columns) in one table.
    pub max_table_positions: usize,
    /// Most blocks (paragraphs + tables) in one document.
    pub max_blocks: usize,
    /// Most pixels (width × height) of one decoded page image (scanned PDFs read by OCR).
    pub max_image_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 64 << 20,
            max_decompressed_bytes: 256 << 20,
            max_objects: 500_000,
            max_ops_per_page: 2_000_000,
            max_pages: 2_000,
            max_depth: 256,
            max_table_positions: 200_000,
            max_blocks: 200_000,
            max_image_pixels: 60_000_000,
        }
    }
}

/// Which of the [`Limits`] a document went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Limit {
    /// [`Limits::max_input_bytes`].
    InputBytes,
    /// [`Limits::max_decompressed_bytes`].
    DecompressedBytes,
    /// [`Limits::max_objects`] (PDF objects, ZIP entries, HTML elements, spreadsheet cells).
    Objects,
    /// [`Limits::max_ops_per_page`].
    OpsPerPage,
    /// [`Limits::max_pages`].
    Pages,
    /// [`Limits::max_depth`].
    Depth,
    /// [`Limits::max_table_positions`].
    TablePositions,
    /// [`Limits::max_blocks`].
    Blocks,
    /// [`Limits::max_image_pixels`].
    ImagePixels,
    /// A fixed cap of one extractor (`gouji_html::MAX_ELEMENTS`), named by the error.
    Fixed(&'static str),
}

impl Limit {
    /// The field of [`Limits`] that sets it.
    pub fn field(self) -> &'static str {
        match self {
            Limit::InputBytes => "max_input_bytes",
            Limit::DecompressedBytes => "max_decompressed_bytes",
            Limit::Objects => "max_objects",
            Limit::OpsPerPage => "max_ops_per_page",
            Limit::Pages => "max_pages",
            Limit::Depth => "max_depth",
            Limit::TablePositions => "max_table_positions",
            Limit::Blocks => "max_blocks",
            Limit::ImagePixels => "max_image_pixels",
            Limit::Fixed(name) => name,
        }
    }
}

/// A document over one of the parser [`Limits`]: the one "over the limit" error of every
/// extractor (each wraps it in its own error, which adds nothing but the format), so a
/// caller tells a refused document from a broken one by type, and every such message
/// reads the same way: `DOCX input: 70000000 bytes, over the limit of 67108864
/// (max_input_bytes)`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct OverLimit {
    /// The limit.
    pub limit: Limit,
    /// What went over, as the extractor names it: `DOCX input`, `page 3`,
    /// `XML in word/document.xml`.
    pub what: String,
    /// What is counted (`bytes`, `objects`, `entries`, `operators`, `levels`…).
    pub unit: &'static str,
    /// How much the document has, when known (`None`: reading stopped at the limit).
    pub found: Option<u64>,
    /// The limit's value.
    pub max: u64,
}

impl std::fmt::Display for OverLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let OverLimit {
            what,
            unit,
            max,
            limit,
            ..
        } = self;
        match self.found {
            Some(n) => write!(f, "{what}: {n} {unit}, over the limit of {max}")?,
            None => write!(f, "{what}: more than {max} {unit}")?,
        }
        write!(f, " ({})", limit.field())
    }
}

impl OverLimit {
    /// `what` is over `limit` (of value `max`, counted in `unit`), with `found` when
    /// known.
    pub fn new(
        limit: Limit,
        what: impl Into<String>,
        unit: &'static str,
        found: Option<u64>,
        max: u64,
    ) -> Self {
        OverLimit {
            limit,
            what: what.into(),
            unit,
            found,
            max,
        }
    }

    /// The input itself is larger than [`Limits::max_input_bytes`].
    pub fn input(format: &str, size: u64, max: u64) -> Self {
        OverLimit::new(
            Limit::InputBytes,
            format!("{format} input"),
            "bytes",
            Some(size),
            max,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_over_limit_message_names_its_limit() {
        let e = OverLimit::input("DOCX", 70, 64);
        assert_eq!(
            e.to_string(),
            "DOCX input: 70 bytes, over the limit of 64 (max_input_bytes)"
        );
        let e = OverLimit::new(Limit::OpsPerPage, "page 3", "operators", None, 10);
        assert_eq!(
            e.to_string(),
            "page 3: more than 10 operators (max_ops_per_page)"
        );
    }
}
