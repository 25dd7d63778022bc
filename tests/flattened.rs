//! Flattened crawler text (`pingtan-*.txt`: every table cell concatenated, e.g.
//! `21710000218` = 217|1|0|0|0|0|218) is split back into cells by the template's
//! arithmetic. The shared corpus is read in place (never copied into the repository).

use gouji::model::{Record, Severity};
use gouji::pipeline::{Options, process_path};
use serde_json::Value;
use std::path::PathBuf;

fn real(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/real")
        .join(name)
}

fn run(name: &str) -> Record {
    process_path(&real(name), &Options::default())
}

fn value(rec: &Record, table: &str, row: &str, col: &str) -> Option<f64> {
    rec.cells
        .iter()
        .find(|c| c.table == table && c.row == row && c.col == col)
        .and_then(|c| c.value)
}

fn errors(rec: &Record) -> Vec<String> {
    rec.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} {:?}/{:?}: {}", f.rule, f.row, f.col, f.message))
        .collect()
}

/// The crawler text of the page `pingtan-2024.html` was read from gives the truth file's
/// values for every cell it recovers, and recovers all but the one row the arithmetic
/// cannot decide (表二 行政规范性文件 `6233440`: 62|33|440, 6|23|3440, 623|3|440… all fit).
#[test]
fn pingtan_2024_text_matches_the_html_truth() {
    let rec = run("pingtan-2024.txt");
    assert_eq!(rec.report.template, "gk2021");
    assert_eq!(rec.status.as_str(), "ok");
    let text = std::fs::read_to_string(real("truth/pingtan-2024.json")).expect("truth file");
    let truth: Value = serde_json::from_str(&text).expect("truth json");
    let cells = truth["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 200);
    let mut recovered = 0;
    let mut missing = Vec::new();
    for c in cells {
        let (t, r, k) = (
            c["table"].as_str().unwrap_or_default(),
            c["row"].as_str().unwrap_or_default(),
            c["col"].as_str().unwrap_or_default(),
        );
        let Some(got) = rec
            .cells
            .iter()
            .find(|x| x.table == t && x.row == r && x.col == k)
        else {
            missing.push(format!("{t}.{r}.{k}"));
            continue;
        };
        assert_eq!(got.value, c["value"].as_f64(), "{t}.{r}.{k}");
        assert_eq!(
            got.raw,
            c["raw"].as_str().unwrap_or_default(),
            "{t}.{r}.{k}"
        );
        recovered += 1;
    }
    assert_eq!(recovered, 197, "missing: {missing:?}");
    assert!(
        missing
            .iter()
            .all(|m| m.starts_with("active.normative_docs.")),
        "{missing:?}"
    );
    // Nothing the truth file lacks.
    assert_eq!(rec.cells.len(), recovered);
    assert!(errors(&rec).is_empty(), "{:?}", errors(&rec));
    assert!(
        rec.warnings
            .iter()
            .any(|w| w.contains("normative_docs") && w.contains("6233440")),
        "{:?}",
        rec.warnings
    );
}

/// The totals the corpus README states for each year's 表三, and no T3 error.
#[test]
fn pingtan_requests_totals_balance() {
    // (file, new, carried_in, processed_total, carried_out)
    let years = [
        ("pingtan-2025.txt", 154.0, 0.0, 148.0, 6.0),
        ("pingtan-2023.txt", 81.0, 0.0, 81.0, 0.0),
        ("pingtan-2022.txt", 74.0, 1.0, 75.0, 0.0),
        ("pingtan-2021.txt", 70.0, 0.0, 69.0, 1.0),
    ];
    for (file, new, cin, done, cout) in years {
        let rec = run(file);
        assert_eq!(rec.report.template, "gk2021", "{file}");
        let got = |row| value(&rec, "requests", row, "total");
        assert_eq!(got("new"), Some(new), "{file}");
        assert_eq!(got("carried_in"), Some(cin), "{file}");
        assert_eq!(got("processed_total"), Some(done), "{file}");
        assert_eq!(got("carried_out"), Some(cout), "{file}");
        let t3: Vec<String> = errors(&rec)
            .into_iter()
            .filter(|e| e.starts_with("T3-"))
            .collect();
        assert!(t3.is_empty(), "{file}: {t3:?}");
        // Every row of 表三 (25 gk2021 rows × 7 columns) is recovered.
        let n = rec.cells.iter().filter(|c| c.table == "requests").count();
        assert_eq!(n, 25 * 7, "{file}");
    }
}

/// `270020130` and `220000325` (2021) split several ways by their row sums alone; the
/// column identities decide them.
#[test]
fn pingtan_2021_ambiguous_rows_resolved_by_columns() {
    let rec = run("pingtan-2021.txt");
    let row = |r: &str| -> Vec<String> {
        rec.cells
            .iter()
            .filter(|c| c.table == "requests" && c.row == r)
            .map(|c| c.raw.clone())
            .collect()
    };
    assert_eq!(row("granted"), ["27", "0", "0", "2", "0", "1", "30"]);
    assert_eq!(
        row("unable_not_held"),
        ["22", "0", "0", "0", "0", "3", "25"]
    );
}

/// 表四 printed wide (15 numbers in one run) in 2025: 复议 36, 诉讼 6 + 3.
#[test]
fn pingtan_2025_appeals_from_one_run() {
    let rec = run("pingtan-2025.txt");
    assert_eq!(value(&rec, "appeals", "review", "total"), Some(36.0));
    assert_eq!(value(&rec, "appeals", "suit_direct", "total"), Some(6.0));
    assert_eq!(
        value(&rec, "appeals", "suit_after_review", "total"),
        Some(3.0)
    );
    assert!(errors(&rec).is_empty(), "{:?}", errors(&rec));
}
