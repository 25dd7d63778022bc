//! Prints what the HTML extractor finds in a page: tables with their cells, paragraph
//! count, metadata. Used by `scripts/bench-html` and for eyeballing real pages.
//!
//! Usage: `html_tables [--quiet] [--dump] FILE...`

use gouji_doc::{Block, Limits};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut quiet = false;
    let mut dump = false;
    let mut status = ExitCode::SUCCESS;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--quiet" => quiet = true,
            "--dump" => dump = true,
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
                let tables: Vec<_> = doc.tables().collect();
                let cells: usize = tables.iter().map(|t| t.cells.len()).sum();
                let paras = doc.blocks.len() - tables.len();
                println!(
                    "{path}: {} tables, {cells} cells, {paras} paragraphs, {} links, encoding {:?}, title {:?}, date {:?}, author {:?}",
                    tables.len(),
                    doc.links.len(),
                    doc.meta.encoding,
                    doc.meta.title,
                    doc.meta.date,
                    doc.meta.author
                );
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
