//! The report the project started from (`../shared/seed/`, tab-separated text).

mod common;

use common::*;
use gouji::model::Severity;

fn seed() -> std::path::PathBuf {
    repo().join("../shared/seed/000_5f82d2a5beaa33e3.txt")
}

#[test]
fn seed_gives_two_hundred_zero_cells_and_no_findings() {
    let rec = run(&seed());
    assert_eq!(rec.report.template, "gk2021");
    assert_eq!(rec.report.year, Some(2023));
    assert_eq!(rec.report.agency.as_deref(), Some("惠济区财政局"));
    assert_eq!(rec.cells.len(), 200);
    assert!(
        rec.cells.iter().all(|c| c.value == Some(0.0)),
        "a non-zero cell"
    );
    for (t, n) in [("active", 10), ("requests", 175), ("appeals", 15)] {
        assert_eq!(rec.cells.iter().filter(|c| c.table == t).count(), n, "{t}");
    }
    let serious: Vec<_> = rec
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect();
    assert!(serious.is_empty(), "{serious:#?}");
}

#[test]
fn seed_with_three_new_requests_breaks_the_balance_in_two_columns() {
    let text = std::fs::read_to_string(seed()).expect("seed");
    let old = "一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0";
    assert!(text.contains(old));
    let changed = text.replace(
        old,
        "一、本年新收政府信息公开申请数量\t\t3\t0\t0\t0\t0\t0\t3",
    );
    let dir = std::env::temp_dir().join(format!("gouji-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let path = dir.join("seed3.txt");
    std::fs::write(&path, changed).expect("write");
    let rec = run(&path);
    let errors: Vec<(String, Option<String>)> = rec
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.rule.clone(), f.col.clone()))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("T3-BAL".to_string(), Some("natural_person".to_string())),
            ("T3-BAL".to_string(), Some("total".to_string())),
        ]
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// A report printing only 表三 (which both templates share) follows the template of its
/// year.
#[test]
fn only_the_request_table_follows_the_year() {
    let seed = std::fs::read_to_string(seed()).expect("seed");
    let (Some(i), Some(j)) = (
        seed.find("三、收到和处理政府信息公开申请情况"),
        seed.find("四、政府信息公开行政复议"),
    ) else {
        panic!("seed sections");
    };
    let dir = std::env::temp_dir().join(format!("gouji-t3only-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    // The single （六）其他处理 row, which both templates allow (the three gk2021
    // sub-rows would themselves identify gk2021).
    let mut t3 = String::new();
    for line in seed[i..j].lines() {
        if line.contains("申请人逾期未按收费通知") || line.starts_with("3. 其他") {
            continue;
        }
        if line.contains("(六) 其他处理") {
            t3.push_str("\t(六) 其他处理\t0\t0\t0\t0\t0\t0\t0\n");
            continue;
        }
        t3.push_str(line);
        t3.push('\n');
    }
    for (year, template) in [(2019, "gk2019"), (2023, "gk2021")] {
        let text = format!("某局 {year} 年政府信息公开工作年度报告\n\n{t3}");
        let path = dir.join(format!("t3-{year}.txt"));
        std::fs::write(&path, text).expect("write");
        let rec = run(&path);
        assert_eq!(rec.report.template, template, "{year}");
        assert_eq!(rec.cells.len(), 175 - 3 * 7 + 7, "{year}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
