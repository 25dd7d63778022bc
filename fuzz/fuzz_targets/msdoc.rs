//! Fuzz target for the Word 97-2003 (.doc/.wps) extractor and the OLE2 sniffer: any bytes
//! give a document or an error, never a panic, and every grid is consistent.
//! Seeds: fuzz/seeds/msdoc (LibreOffice Word 97 output from scripts/gen-corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = gouji_doc::Limits {
        max_input_bytes: 4 << 20,
        ..gouji_doc::Limits::default()
    };
    let _ = gouji_msdoc::sniff_ole(data);
    if let Ok(doc) = gouji_msdoc::extract_doc(data, &limits) {
        for t in doc.tables() {
            for c in &t.cells {
                assert!(c.row + c.row_span <= t.rows && c.col + c.col_span <= t.cols);
            }
        }
    }
});
