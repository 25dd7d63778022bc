//! The HTML report in a real browser: Debian's `chromium`, headless, loads a report
//! page after its script ran (`--dump-dom`), and every cell of every finding of that
//! report must be on the page and highlighted with the finding's rule.
//!
//! Skipped (with a message) only when chromium is absent and `CI` is not set; in CI it
//! must run (`make test` installs chromium through `make deps-chromium`).

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use gouji_dataset::rusqlite::{Connection, params};
use regex::Regex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        let out = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()?;
        if out.status.success() {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !p.is_empty() {
                return Some(PathBuf::from(p));
            }
        }
    }
    None
}

/// The page's DOM after its scripts ran.
fn dump_dom(chromium: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `data-key` → (`data-rule`, class) of every table cell of the DOM.
fn cells_of(dom: &str) -> HashMap<String, (String, String)> {
    let td = Regex::new(r"<td\b[^>]*>").unwrap();
    let attr = |tag: &str, name: &str| {
        Regex::new(&format!(r#"\b{name}="([^"]*)""#))
            .unwrap()
            .captures(tag)
            .map(|c| c[1].to_string())
            .unwrap_or_default()
    };
    td.find_iter(dom)
        .filter_map(|m| {
            let tag = m.as_str();
            let key = attr(tag, "data-key");
            (!key.is_empty()).then(|| (key, (attr(tag, "data-rule"), attr(tag, "class"))))
        })
        .collect()
}

#[test]
fn every_finding_has_its_cells_highlighted_in_chromium() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is required in CI (make deps-chromium)"
        );
        eprintln!("SKIPPED: chromium not installed (run `make deps-chromium`)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .current_dir(repo())
        .args(["run", "corpus/list.txt", "--quiet", "--out"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(run.success());
    let rep = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .arg("report")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(rep.success());

    let index = dump_dom(&chromium, &dir.path().join("report/index.html"));
    assert!(
        index.contains("data-ready=\"1\""),
        "index script did not run"
    );
    assert!(index.contains("<svg"), "index has no chart");

    // One report per kind of finding: sums, balances, appeals, narrative, missing cells.
    let conn = Connection::open(dir.path().join("gouji.sqlite")).unwrap();
    let mut lines: Vec<i64> = Vec::new();
    for rule in [
        "T3-BAL",
        "T3-SUB",
        "T4-SUM",
        "N-NEW",
        "MISSING-CELLS",
        "MISSING-TOTAL",
    ] {
        let l: Option<i64> = conn
            .query_row(
                "SELECT min(line) FROM findings WHERE rule = ?1",
                params![rule],
                |r| r.get(0),
            )
            .unwrap();
        if let Some(l) = l.filter(|l| !lines.contains(l)) {
            lines.push(l);
        }
    }
    assert!(lines.len() >= 4, "{lines:?}");
    let mut checked = 0;
    for line in lines {
        let page = dir.path().join(format!("report/r/{line}.html"));
        let dom = dump_dom(&chromium, &page);
        assert!(
            dom.contains("data-ready=\"1\""),
            "line {line}: script did not run"
        );
        let cells = cells_of(&dom);
        let mut st = conn
            .prepare(
                "SELECT f.rule, f.severity, fc.table_key || '.' || fc.row_key || '.' || fc.col_key
                 FROM findings f JOIN finding_cells fc USING (finding_id) WHERE f.line = ?1",
            )
            .unwrap();
        let rows: Vec<(String, String, String)> = st
            .query_map(params![line], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for (rule, _sev, key) in rows {
            let (rules, class) = cells
                .get(&key)
                .unwrap_or_else(|| panic!("line {line}: {rule}: cell {key} not on the page"));
            assert!(
                rules.split(' ').any(|r| r == rule),
                "line {line}: cell {key} lacks data-rule {rule}: {rules:?}"
            );
            assert!(class.contains("hl-"), "line {line}: {key} not highlighted");
            checked += 1;
        }
        // Narrative findings show their quoted sentence.
        let quotes: Vec<String> = conn
            .prepare("SELECT quote FROM findings WHERE line = ?1 AND quote IS NOT NULL")
            .unwrap()
            .query_map(params![line], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for q in quotes {
            let esc = q
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            assert!(dom.contains(&esc), "line {line}: quote {q:?} not shown");
        }
    }
    assert!(checked > 20, "only {checked} highlighted cells checked");
}
