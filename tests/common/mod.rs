//! Shared helpers for the integration tests: locating the corpora and comparing a record
//! with an expectation file (the synthetic `corpus/expected/*.json` and the real
//! `../shared/corpus/real/truth/*.json` share one format).

#![allow(dead_code)]

use gouji::model::Record;
use gouji::pipeline::{Options, process_path};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus/real`, which CI places beside the checkout.
pub fn real_corpus() -> PathBuf {
    let p = repo().join("../shared/corpus/real");
    assert!(
        p.is_dir(),
        "{} not found: the real corpus (shared/) must sit beside the checkout",
        p.display()
    );
    p
}

pub fn run(path: &Path) -> Record {
    process_path(path, &Options::default())
}

pub fn load_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn key(v: &Value, k: &str) -> String {
    v.get(k).and_then(Value::as_str).unwrap_or("").to_string()
}

/// Compares a record with an expectation; returns the list of differences.
pub fn compare(rec: &Record, exp: &Value, check_values: bool) -> Vec<String> {
    let mut diffs = Vec::new();
    let name = key(exp, "file");
    if rec.report.template != key(exp, "template") {
        diffs.push(format!(
            "{name}: template {} ≠ {}",
            rec.report.template,
            key(exp, "template")
        ));
    }
    if let Some(y) = exp.get("year").and_then(Value::as_i64)
        && rec.report.year != Some(y as i32)
    {
        diffs.push(format!("{name}: year {:?} ≠ {y}", rec.report.year));
    }
    if let Some(a) = exp.get("agency").and_then(Value::as_str)
        && rec.report.agency.as_deref() != Some(a)
    {
        diffs.push(format!("{name}: agency {:?} ≠ {a}", rec.report.agency));
    }
    let cells = exp
        .get("cells")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for c in &cells {
        let (t, r, k) = (key(c, "table"), key(c, "row"), key(c, "col"));
        match rec.cell(&t, &r, &k) {
            None => diffs.push(format!("{name}: cell {t}.{r}.{k} missing")),
            Some(got) => {
                let want = c.get("value").and_then(Value::as_f64);
                if got.value != want {
                    diffs.push(format!(
                        "{name}: cell {t}.{r}.{k} = {:?} (raw {:?}), want {want:?}",
                        got.value, got.raw
                    ));
                }
                if let Some(raw) = c.get("raw").and_then(Value::as_str)
                    && got.raw != raw
                {
                    diffs.push(format!(
                        "{name}: cell {t}.{r}.{k} raw {:?} ≠ {raw:?}",
                        got.raw
                    ));
                }
            }
        }
    }
    if rec.cells.len() != cells.len() {
        diffs.push(format!(
            "{name}: {} cells, want {}",
            rec.cells.len(),
            cells.len()
        ));
    }
    let fkey = |rule: &str, row: Option<&str>, col: Option<&str>| {
        format!("{rule}@{}.{}", row.unwrap_or(""), col.unwrap_or(""))
    };
    // may_fire: rules a correct run may or may not report (the truth file says why).
    let may_fire: Vec<&str> = exp
        .get("may_fire")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut got: Vec<String> = rec
        .findings
        .iter()
        .filter(|f| !may_fire.contains(&f.rule.as_str()))
        .map(|f| fkey(&f.rule, f.row.as_deref(), f.col.as_deref()))
        .collect();
    let wanted = exp
        .get("findings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut want: Vec<String> = wanted
        .iter()
        .map(|f| {
            fkey(
                &key(f, "rule"),
                f.get("row").and_then(Value::as_str),
                f.get("col").and_then(Value::as_str),
            )
        })
        .collect();
    got.sort();
    want.sort();
    if got != want {
        diffs.push(format!("{name}: findings {got:?}, want {want:?}"));
    }
    if check_values {
        for w in &wanted {
            let rule = key(w, "rule");
            let f = rec.findings.iter().find(|f| {
                f.rule == rule
                    && f.row.as_deref() == w.get("row").and_then(Value::as_str)
                    && f.col.as_deref() == w.get("col").and_then(Value::as_str)
            });
            if let Some(f) = f {
                for (field, got) in [("expected", f.expected), ("found", f.found)] {
                    let want = w.get(field).and_then(Value::as_f64);
                    if w.get(field).is_some() && got != want {
                        diffs.push(format!("{name}: {rule} {field} {got:?} ≠ {want:?}"));
                    }
                }
            }
        }
    }
    let must_not: Vec<String> = exp
        .get("must_not")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    for f in &rec.findings {
        if must_not.contains(&f.rule) {
            diffs.push(format!(
                "{name}: {} raised but in must_not: {}",
                f.rule, f.message
            ));
        }
    }
    diffs
}
