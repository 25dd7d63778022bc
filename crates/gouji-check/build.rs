//! Embeds every file under `templates/` (the families, their tables and rule files, as
//! `templates/index.toml` lists them) so that adding a family or a table is a data edit:
//! no Rust list of file names to keep in step with the directory.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

fn main() {
    // The set lives at the repository root (`templates/`), beside the corpus and docs that
    // describe it.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
    // A directory makes cargo rerun this script when any file under it changes.
    println!("cargo:rerun-if-changed=../../templates");
    let mut files = Vec::new();
    if let Err(e) = collect(&root, &mut files) {
        panic!("reading {}: {e}", root.display());
    }
    // Sorted so that the generated table (and the binary) does not depend on readdir order.
    files.sort();
    let mut out = String::from("/// The embedded template files, by path under `templates/`.\n");
    out.push_str("pub(crate) const EMBEDDED: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = match f.strip_prefix(&root) {
            Ok(r) => r.to_string_lossy().replace('\\', "/"),
            Err(_) => continue,
        };
        out.push_str(&format!(
            "    ({rel:?}, include_str!({:?})),\n",
            f.to_string_lossy()
        ));
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("templates.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        panic!("writing {}: {e}", dest.display());
    }
}

/// Every `.toml` file under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}
