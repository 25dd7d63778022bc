//! Fuzz target for the whole pipeline on text-like input: format detection, the text
//! extractor (tab and pipe tables, encodings), label mapping and every rule of the
//! reconciler. Any bytes must give exactly one record, never a panic.
#![no_main]

use gouji::model::{Source, Status};
use gouji::pipeline::{Options, process_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = Source {
        input: "fuzz.txt".into(),
        format: "unknown".into(),
        ..Source::default()
    };
    let r = process_bytes(source, data, None, &Options::default());
    // A record without tables is failed; one with cells says which tables it found.
    assert!(r.status == Status::Failed || !r.cells.is_empty());
    for f in &r.findings {
        assert!(!f.rule.is_empty() && !f.message.is_empty());
    }
});
