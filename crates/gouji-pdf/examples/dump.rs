//! Prints what `extract_pdf` makes of a PDF, and how long it took.
use gouji_doc::Block;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump FILE.pdf [runs]");
        return;
    };
    let runs: u32 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return;
        }
    };
    let limits = gouji_doc::Limits::default();
    let t = std::time::Instant::now();
    let mut res = gouji_pdf::extract_pdf(&bytes, &limits);
    for _ in 1..runs {
        res = gouji_pdf::extract_pdf(&bytes, &limits);
    }
    let per = t.elapsed() / runs.max(1);
    let doc = match res {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return;
        }
    };
    if runs > 1 {
        println!("{per:?} per extraction ({runs} runs)");
        return;
    }
    println!(
        "meta: {:?}\nwarnings: {:?}\nlinks: {:?}",
        doc.meta, doc.warnings, doc.links
    );
    for b in &doc.blocks {
        match b {
            Block::Paragraph(p) => println!("P [{}] {}", p.at, p.text),
            Block::Table(t) => {
                println!("T [{}] {}x{}", t.at, t.rows, t.cols);
                for c in &t.cells {
                    println!(
                        "  ({},{}) {}x{} [{}] {:?}",
                        c.row, c.col, c.row_span, c.col_span, c.at, c.text
                    );
                }
            }
        }
    }
}
