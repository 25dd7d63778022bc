//! The SQLite dataset and reports.csv against the journal of a real batch over the
//! synthetic corpus: row counts per table, one row per list line, storage types, and
//! the example queries of docs/dataset.md with their documented output.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use gouji::model::Record;
use gouji_dataset::rusqlite::{Connection, types::ValueRef};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `gouji run corpus/list.txt` into a fresh directory.
fn demo_batch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .current_dir(repo())
        .args(["run", "corpus/list.txt", "--quiet", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn count(conn: &Connection, table: &str) -> u64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap() as u64
}

fn records(dir: &Path) -> Vec<Record> {
    std::fs::read_to_string(dir.join("reports.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn list_lines() -> u64 {
    std::fs::read_to_string(repo().join("corpus/list.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count() as u64
}

#[test]
fn sqlite_rows_equal_the_journal_and_types_are_as_documented() {
    let dir = demo_batch();
    let recs = records(dir.path());
    let conn = Connection::open(dir.path().join("gouji.sqlite")).unwrap();
    let cross = csv::Reader::from_path(dir.path().join("cross_findings.csv"))
        .unwrap()
        .records()
        .count() as u64;
    let sum = |f: &dyn Fn(&Record) -> usize| recs.iter().map(f).sum::<usize>() as u64;
    let expected = [
        ("reports", recs.len() as u64),
        ("cells", sum(&|r| r.cells.len())),
        ("findings", sum(&|r| r.findings.len())),
        (
            "finding_cells",
            sum(&|r| r.findings.iter().map(|f| f.cells.len()).sum()),
        ),
        ("errors", sum(&|r| r.errors.len())),
        ("warnings", sum(&|r| r.warnings.len())),
        ("cross_findings", cross),
        ("labels", gouji::dataset::template_labels().len() as u64),
    ];
    for (table, n) in expected {
        assert_eq!(count(&conn, table), n, "rows of {table}");
    }
    // One row per list line, and the line numbers are the list's.
    assert_eq!(count(&conn, "reports"), list_lines());
    assert!(count(&conn, "cells") > 1000);
    // reports.csv: one row per list line too.
    let csv_rows = csv::Reader::from_path(dir.path().join("reports.csv"))
        .unwrap()
        .records()
        .count() as u64;
    assert_eq!(csv_rows, list_lines());

    // Storage types as docs/dataset.md says.
    let types = |sql: &str| -> Vec<String> {
        let mut st = conn.prepare(sql).unwrap();
        st.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let one_of = |sql: &str, allowed: &[&str]| {
        for t in types(sql) {
            assert!(allowed.contains(&t.as_str()), "{sql}: {t}");
        }
    };
    one_of("SELECT DISTINCT typeof(line) FROM reports", &["integer"]);
    one_of(
        "SELECT DISTINCT typeof(year) FROM reports",
        &["integer", "null"],
    );
    one_of("SELECT DISTINCT typeof(status) FROM reports", &["text"]);
    one_of(
        "SELECT DISTINCT typeof(n_errors) FROM reports",
        &["integer"],
    );
    one_of("SELECT DISTINCT typeof(raw) FROM cells", &["text"]);
    one_of("SELECT DISTINCT typeof(inferred) FROM cells", &["integer"]);
    one_of(
        "SELECT DISTINCT typeof(expected) FROM findings",
        &["integer", "real", "null"],
    );
    // Counts are INTEGER, amounts REAL.
    one_of(
        "SELECT DISTINCT typeof(c.value) FROM cells c JOIN reports r USING (line)
         JOIN labels l ON l.template = r.template AND l.table_key = c.table_key
           AND l.axis = 'col' AND l.key = c.col_key
         WHERE l.value_kind = 'count' AND c.value = CAST(c.value AS INTEGER)",
        &["integer"],
    );
    one_of(
        "SELECT DISTINCT typeof(c.value) FROM cells c JOIN reports r USING (line)
         JOIN labels l ON l.template = r.template AND l.table_key = c.table_key
           AND l.axis = 'col' AND l.key = c.col_key
         WHERE l.value_kind = 'amount'",
        &["real", "null"],
    );
    assert!(types("SELECT DISTINCT typeof(value) FROM cells").contains(&"integer".to_string()));
    assert!(types("SELECT DISTINCT typeof(value) FROM cells").contains(&"real".to_string()));

    // Rebuilding gives the same counts.
    let st = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .arg("dataset")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    let conn = Connection::open(dir.path().join("gouji.sqlite")).unwrap();
    for (table, n) in expected {
        assert_eq!(
            count(&conn, table),
            n,
            "rows of {table} after `gouji dataset`"
        );
    }
}

fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(x) => x.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(_) => "<blob>".into(),
    }
}

/// Every ```sql block of docs/dataset.md, with the ```text block after it.
fn doc_queries() -> Vec<(String, String)> {
    let doc = std::fs::read_to_string(repo().join("docs/dataset.md")).unwrap();
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(i) = rest.find("```sql\n") {
        rest = &rest[i + 7..];
        let end = rest.find("```").unwrap();
        let sql = rest[..end].to_string();
        rest = &rest[end + 3..];
        let t = rest.find("```text\n").unwrap();
        rest = &rest[t + 8..];
        let end = rest.find("```").unwrap();
        out.push((sql, rest[..end].to_string()));
        rest = &rest[end + 3..];
    }
    out
}

#[test]
fn documented_queries_give_the_documented_output() {
    let dir = demo_batch();
    let conn = Connection::open(dir.path().join("gouji.sqlite")).unwrap();
    let queries = doc_queries();
    assert!(queries.len() >= 3);
    for (sql, want) in queries {
        let mut st = conn.prepare(&sql).unwrap();
        let n = st.column_count();
        let mut rows = st.query([]).unwrap();
        let mut got = String::new();
        while let Some(r) = rows.next().unwrap() {
            let cols: Vec<String> = (0..n).map(|i| text(r.get_ref(i).unwrap())).collect();
            got.push_str(&cols.join("|"));
            got.push('\n');
        }
        assert_eq!(got, want, "{sql}");
    }
}
