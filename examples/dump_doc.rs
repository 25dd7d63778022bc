//! Prints the intermediate document gouji extracts from a file (for debugging extractors).
//! Usage: cargo run --example dump_doc -- FILE [--json]

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: dump_doc FILE [--json]");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(2);
        }
    };
    let format = gouji::detect::detect(&bytes, path);
    match gouji::extract::extract(&bytes, format, None, &gouji::doc::Limits::default()) {
        Ok(doc) if args.iter().any(|a| a == "--json") => {
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
        Ok(doc) => {
            println!("meta: {:?}", doc.meta);
            for b in &doc.blocks {
                match b {
                    gouji::doc::Block::Paragraph(p) => println!("P {} | {}", p.at, p.text),
                    gouji::doc::Block::Table(t) => {
                        println!("T {} {}x{}", t.at, t.rows, t.cols);
                        for c in &t.cells {
                            println!(
                                "   ({},{}) {}x{} {:?}",
                                c.row, c.col, c.row_span, c.col_span, c.text
                            );
                        }
                    }
                }
            }
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
    }
}
