//! Times each pipeline stage on one file (to find where a report's milliseconds go).
//! Usage: cargo run --release --example stage_times -- FILE
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: stage_times FILE");
        std::process::exit(2);
    };
    let t = Instant::now();
    let tpls = gouji::template::templates();
    println!(
        "templates load     {:>8.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let Ok(tpls) = tpls else { return };
    let t = Instant::now();
    let f = gouji_fetch::HttpFetcher::new(gouji_fetch::FetchOptions::default());
    println!(
        "http client        {:>8.2} ms ({})",
        t.elapsed().as_secs_f64() * 1e3,
        f.is_ok()
    );
    let Ok(bytes) = std::fs::read(&path) else {
        return;
    };
    let t = Instant::now();
    let fmt = gouji::detect::detect(&bytes, &path);
    let Ok(doc) = gouji::extract::extract(&bytes, fmt, None, &gouji::doc::Limits::default()) else {
        return;
    };
    println!(
        "extract ({fmt})     {:>8.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let info = gouji::report_info::report_info(&doc);
    let tpl = gouji::report_info::detect_template(&doc, tpls);
    println!(
        "info + detect      {:>8.2} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let Some(tpl) = tpl else { return };
    let t = Instant::now();
    let m = gouji::mapping::map_document(&doc, tpl);
    println!(
        "map                {:>8.2} ms ({} cells)",
        t.elapsed().as_secs_f64() * 1e3,
        m.cells.len()
    );
    let t = Instant::now();
    let text = doc.text();
    let ctx = gouji::reconcile::Context {
        text: &text,
        year: info.year,
        text_complete: doc.meta.ocr_pages.is_empty(),
    };
    let f = gouji::reconcile::Reconciler::new(tpl).run(&m.cells, &ctx);
    println!(
        "reconcile          {:>8.2} ms ({} findings)",
        t.elapsed().as_secs_f64() * 1e3,
        f.len()
    );
}
