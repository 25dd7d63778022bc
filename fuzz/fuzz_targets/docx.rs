//! Fuzz target for the DOCX extractor: any bytes give a document or an error, never a
//! panic, and every grid is consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = gouji_doc::Limits {
        max_input_bytes: 4 << 20,
        max_decompressed_bytes: 16 << 20,
        ..gouji_doc::Limits::default()
    };
    if let Ok(doc) = gouji_docx::extract_docx(data, &limits) {
        for t in doc.tables() {
            for c in &t.cells {
                assert!(c.row + c.row_span <= t.rows && c.col + c.col_span <= t.cols);
            }
        }
    }
});
