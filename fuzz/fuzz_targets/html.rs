#![no_main]
//! Fuzzes the HTML extractor: any bytes, with and without a declared charset, must give a
//! document or an error, never a panic, and every table must be a consistent grid.

use gouji_doc::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the declared charset so the decoding paths are all reached.
    let (declared, bytes) = match data.split_first() {
        Some((b, rest)) => {
            let label = match b % 5 {
                0 => None,
                1 => Some("gbk"),
                2 => Some("utf-8"),
                3 => Some("big5"),
                _ => Some("bogus"),
            };
            (label, rest)
        }
        None => (None, data),
    };
    let limits = Limits {
        max_depth: 64,
        max_table_positions: 20_000,
        ..Limits::default()
    };
    let _ = gouji_html::sniff_meta_charset(bytes);
    if let Ok(doc) = gouji_html::extract_html(bytes, declared, &limits) {
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
