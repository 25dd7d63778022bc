//! Template sets found from data (issue 8, item 3): a third family added from a fixture
//! directory with no Rust change maps and checks a document of its own; a rule added to a
//! copy of the embedded set by a one-line TOML edit fires.

// Helpers outside #[test] functions unwrap too: a fixture that cannot be written is a
// broken test setup.
#![allow(clippy::unwrap_used)]

use gouji::model::{Record, Source, Status};
use gouji::pipeline::{Options, process_bytes, process_path};
use gouji::template::TemplateSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes the embedded set's files under `dir`, then `overlay`'s files over them.
fn write_set(dir: &Path, edit: impl Fn(&str, &str) -> String, overlay: Option<&Path>) {
    for (name, text) in TemplateSet::embedded_files() {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, edit(name, text)).unwrap();
    }
    if let Some(src) = overlay {
        copy_toml(src, dir);
    }
}

fn copy_toml(src: &Path, dst: &Path) {
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let to = dst.join(path.file_name().unwrap());
        if path.is_dir() {
            std::fs::create_dir_all(&to).unwrap();
            copy_toml(&path, &to);
        } else if path.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&path, &to).unwrap();
        }
    }
}

fn options(set: TemplateSet) -> Options {
    Options {
        templates: Some(Arc::new(set)),
        ..Options::default()
    }
}

fn value(rec: &Record, table: &str, row: &str, col: &str) -> Option<f64> {
    rec.cells
        .iter()
        .find(|c| c.table == table && c.row == row && c.col == col)
        .and_then(|c| c.value)
}

fn fired<'a>(rec: &'a Record, rule: &str) -> Vec<&'a gouji::model::Finding> {
    rec.findings.iter().filter(|f| f.rule == rule).collect()
}

#[test]
fn a_third_family_from_a_fixture_directory_maps_and_checks_its_document() {
    let fixture = repo().join("tests/fixtures/gk2031");
    let dir = tempfile::tempdir().unwrap();
    write_set(dir.path(), |_, t| t.to_string(), Some(&fixture));
    let set = TemplateSet::from_dir(dir.path()).unwrap();
    let ids: Vec<&str> = set.templates().iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["gk2021", "gk2019", "gk2031"]);
    // The earliest family still starts in 2019: the legacy cut-off is unchanged.
    assert_eq!(set.legacy_before(), Some(2019));
    let opts = options(set);

    let html = std::fs::read(fixture.join("ledger-2031.html")).unwrap();
    let source = Source {
        input: "ledger-2031.html".into(),
        format: "unknown".into(),
        ..Source::default()
    };
    let rec = process_bytes(source, &html, None, &opts);
    assert_eq!(rec.report.template, "gk2031", "{:?}", rec.errors);
    assert_eq!(rec.report.year, Some(2031));
    assert_eq!(rec.status, Status::Ok, "{:?}", rec.errors);
    let cells: Vec<(&str, &str, Option<f64>)> = rec
        .cells
        .iter()
        .map(|c| (c.row.as_str(), c.col.as_str(), c.value))
        .collect();
    assert_eq!(cells.len(), 9, "{cells:?}");
    assert!(rec.cells.iter().all(|c| c.table == "ledger"));
    assert_eq!(value(&rec, "ledger", "received", "online"), Some(12.0));
    assert_eq!(value(&rec, "ledger", "received", "total"), Some(15.0));
    assert_eq!(value(&rec, "ledger", "answered", "in_person"), Some(3.0));
    assert_eq!(value(&rec, "ledger", "carried", "online"), Some(2.0));
    // The planted inconsistency: 办结 10 + 3 printed as 14.
    let sums = fired(&rec, "L31-SUM");
    assert_eq!(sums.len(), 1, "{:?}", rec.findings);
    assert_eq!(sums[0].expected, Some(13.0), "{:?}", sums[0]);
    assert_eq!(sums[0].found, Some(14.0), "{:?}", sums[0]);
    assert_eq!(sums[0].row.as_deref(), Some("answered"), "{:?}", sums[0]);
    // No rule about the other families' tables is applied to it.
    assert!(
        rec.findings.iter().all(|f| !f.rule.starts_with("T3")),
        "{:?}",
        rec.findings
    );

    // A report of the shipped families reads the same with the third family in the set.
    let h01 = repo().join("corpus/h01-clean-pingtan-like.html");
    let with_third = serde_json::to_string(&process_path(&h01, &opts)).unwrap();
    let embedded = serde_json::to_string(&process_path(&h01, &Options::default())).unwrap();
    assert_eq!(with_third, embedded);
}

#[test]
fn a_one_line_toml_edit_adds_a_rule_that_fires() {
    // One line in gk2021.toml: a rule of an existing kind (balance) that a clean report
    // breaks (its new requests are not its carried-over ones).
    const LINE: &str = r#"rule = [{ id = "T3-NEW-OUT", kind = "balance", severity = "warning", table = "requests", per = "col", lhs = ["new"], rhs = ["carried_out"], message = "test rule" }]"#;
    let dir = tempfile::tempdir().unwrap();
    write_set(
        dir.path(),
        |name, text| {
            if name != "gk2021.toml" {
                return text.to_string();
            }
            let mut lines: Vec<&str> = text.lines().collect();
            let at = lines
                .iter()
                .position(|l| l.starts_with("tables ="))
                .unwrap();
            lines.insert(at + 1, LINE);
            lines.join("\n") + "\n"
        },
        None,
    );
    let opts = options(TemplateSet::from_dir(dir.path()).unwrap());
    let h01 = repo().join("corpus/h01-clean-pingtan-like.html");
    let before = process_path(&h01, &Options::default());
    assert_eq!(before.report.template, "gk2021");
    assert!(fired(&before, "T3-NEW-OUT").is_empty());
    let after = process_path(&h01, &opts);
    let new = fired(&after, "T3-NEW-OUT");
    assert!(!new.is_empty(), "{:?}", after.findings);
    assert!(
        new.iter().all(|f| f.message.contains("test rule")),
        "{new:?}"
    );
    // Everything else is as before.
    let others = |r: &Record| -> Vec<String> {
        r.findings
            .iter()
            .filter(|f| f.rule != "T3-NEW-OUT")
            .map(|f| format!("{f:?}"))
            .collect()
    };
    assert_eq!(others(&after), others(&before));
    assert_eq!(after.cells.len(), before.cells.len());
}
