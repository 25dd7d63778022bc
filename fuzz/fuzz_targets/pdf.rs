//! Fuzz target for the PDF extractor: any bytes must give a document or an error, never a
//! panic, a hang or unbounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Tight limits keep each run fast; the limits themselves are under test too.
    let limits = gouji_doc::Limits {
        max_input_bytes: 4 << 20,
        max_decompressed_bytes: 16 << 20,
        max_objects: 50_000,
        max_ops_per_page: 200_000,
        max_pages: 50,
        max_depth: 16,
        max_table_positions: 20_000,
        max_blocks: 10_000,
    };
    if let Ok(doc) = gouji_pdf::extract_pdf(data, &limits) {
        for t in doc.tables() {
            let mut covered = vec![false; t.rows * t.cols];
            for c in &t.cells {
                assert!(c.row_span >= 1 && c.col_span >= 1);
                assert!(c.row + c.row_span <= t.rows && c.col + c.col_span <= t.cols);
                for r in c.row..c.row + c.row_span {
                    for k in c.col..c.col + c.col_span {
                        let slot = &mut covered[r * t.cols + k];
                        assert!(!*slot, "overlapping cells");
                        *slot = true;
                    }
                }
            }
        }
    }
});
