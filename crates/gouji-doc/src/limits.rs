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
