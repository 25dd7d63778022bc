//! Every run-time-sized allocation in the non-test source is listed, with its bound, in
//! docs/allocation-audit.md (issue 7): a new one fails here until it has been looked at.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `with_capacity(`, `vec![x; n]`, `.resize(`, `.repeat(`, `.reserve(` outside comments
/// and before the file's `#[cfg(test)]` module.
fn sites() -> Vec<(String, String)> {
    let alloc = regex::Regex::new(
        r"with_capacity\(|vec!\[[^\]]*;\s*[^\]]+\]|\.resize\(|\.repeat\(|\.reserve\(",
    )
    .expect("regex");
    let root = repo();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let crates = std::fs::read_dir(root.join("crates")).expect("crates/");
    for c in crates.flatten() {
        rust_files(&c.path().join("src"), &mut files);
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("source");
        let rel = f
            .strip_prefix(&root)
            .expect("in repo")
            .to_string_lossy()
            .replace('\\', "/");
        for line in text.lines().map(str::trim) {
            if line == "#[cfg(test)]" {
                break;
            }
            if !line.starts_with("//") && alloc.is_match(line) {
                out.push((rel.clone(), line.to_string()));
            }
        }
    }
    out
}

#[test]
fn every_allocation_site_is_audited() {
    let doc = std::fs::read_to_string(repo().join("docs/allocation-audit.md")).expect("doc");
    // Table rows: | file | `code` | kind | bound | (a `|` inside code is escaped).
    let rows: Vec<(String, String)> = doc
        .lines()
        .filter_map(|l| {
            let l = l.replace("\\|", "\u{1}");
            let cols: Vec<&str> = l.split('|').map(str::trim).collect();
            let code = cols.get(2)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((cols.get(1)?.to_string(), code.replace('\u{1}', "|")))
        })
        .collect();
    let found = sites();
    assert!(
        found.len() > 20,
        "the scan finds the known sites: {found:?}"
    );
    let missing: Vec<_> = found.iter().filter(|s| !rows.contains(s)).collect();
    assert!(
        missing.is_empty(),
        "allocations not in docs/allocation-audit.md (add each with what bounds it): {missing:#?}"
    );
    let stale: Vec<_> = rows.iter().filter(|r| !found.contains(r)).collect();
    assert!(
        stale.is_empty(),
        "audit rows whose code is gone: {stale:#?}"
    );
}
