//! In-process timing of the whole pipeline (detect → extract → map → reconcile), after
//! start-up, for comparison with in-process timings of other tools.
//! Usage: cargo run --release --example inprocess -- FILE [REPEAT]
use gouji::model::Source;
use gouji::pipeline::{Options, process_bytes};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(path), repeat) = (args.next(), args.next()) else {
        eprintln!("usage: inprocess FILE [REPEAT]");
        std::process::exit(2);
    };
    let repeat: u32 = repeat.and_then(|r| r.parse().ok()).unwrap_or(100).max(1);
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("cannot read {path}");
        std::process::exit(2);
    };
    let opts = Options::default();
    let source = || Source {
        input: path.clone(),
        format: "unknown".into(),
        ..Source::default()
    };
    // The first run also loads the templates; it is not timed.
    let first = process_bytes(source(), &bytes, None, &opts);
    let start = Instant::now();
    for _ in 0..repeat {
        std::hint::black_box(process_bytes(source(), &bytes, None, &opts));
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / f64::from(repeat);
    println!(
        "{path}: {ms:.3} ms per report in process ({} cells, {} findings, status {})",
        first.cells.len(),
        first.findings.len(),
        first.status.as_str()
    );
}
