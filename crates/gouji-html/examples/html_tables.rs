//! Prints what the HTML extractor finds in a page: tables with their cells, paragraph
//! count, metadata. Used by `scripts/bench-html` and for eyeballing real pages.
//!
//! Usage: `html_tables [--quiet] [--dump] [--json] [--repeat N] FILE...`
//!
//! `--json` prints each document as JSON (one line per file) instead of the summary.
//!
//! `--repeat N` extracts each file N more times and prints the mean in-process time per
//! extraction (the benchmark's in-process figure).

use gouji_doc::{Block, Limits};
use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let mut quiet = false;
    let mut dump = false;
    let mut json = false;
    let mut repeat = 0usize;
    let mut status = ExitCode::SUCCESS;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quiet" => quiet = true,
            "--dump" => dump = true,
            "--json" => json = true,
            "--repeat" => repeat = args.next().and_then(|n| n.parse().ok()).unwrap_or(100),
            path => {
                let bytes = match std::fs::read(path) {
                    Ok(b) => b,
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        status = ExitCode::FAILURE;
                        continue;
                    }
                };
                let doc = match gouji_html::extract_html(&bytes, None, &Limits::default()) {
                    Ok(d) => d,
                    Err(e) => {
                        eprintln!("{path}: {e}");
                        status = ExitCode::FAILURE;
                        continue;
                    }
                };
                if json {
                    match serde_json::to_string(&doc) {
                        Ok(j) => println!("{j}"),
                        Err(e) => {
                            eprintln!("{path}: {e}");
                            status = ExitCode::FAILURE;
                        }
                    }
                    continue;
                }
                let tables: Vec<_> = doc.tables().collect();
                let cells: usize = tables.iter().map(|t| t.cells.len()).sum();
                let positions: usize = tables.iter().map(|t| t.rows * t.cols).sum();
                let paras = doc.blocks.len() - tables.len();
                println!(
                    "{path}: {} tables, {cells} cells ({positions} grid positions), {paras} paragraphs, {} links, encoding {:?}, title {:?}, date {:?}, author {:?}",
                    tables.len(),
                    doc.links.len(),
                    doc.meta.encoding,
                    doc.meta.title,
                    doc.meta.date,
                    doc.meta.author
                );
                if repeat > 0 {
                    let t = Instant::now();
                    for _ in 0..repeat {
                        let d = gouji_html::extract_html(&bytes, None, &Limits::default());
                        std::hint::black_box(d.is_ok());
                    }
                    let per = t.elapsed().as_secs_f64() * 1000.0 / repeat as f64;
                    println!("  in-process: {per:.3} ms per extraction (mean of {repeat})");
                }
                for w in &doc.warnings {
                    println!("  warning: {w}");
                }
                if quiet {
                    continue;
                }
                for b in &doc.blocks {
                    match b {
                        Block::Paragraph(p) if dump => println!("  [{}] {}", p.at, p.text),
                        Block::Paragraph(_) => {}
                        Block::Table(t) => {
                            println!(
                                "  table {} ({}x{}, {} cells)",
                                t.at,
                                t.rows,
                                t.cols,
                                t.cells.len()
                            );
                            for c in &t.cells {
                                println!(
                                    "    r{} c{} {}x{} {} {:?}",
                                    c.row, c.col, c.row_span, c.col_span, c.at, c.text
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    status
}
