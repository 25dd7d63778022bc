//! Cross-year rules end to end: two years of one agency given to `gouji extract`, and a
//! batch run writing cross_findings.csv.

mod common;

use common::repo;
use std::path::PathBuf;
use std::process::Command;

/// The seed report as year `year`: 自然人 `new` = `carried_out` = `out`, and
/// `carried_in` = `processed_total` = 予以公开 = `inn`, so every single-report rule holds.
fn seed_year(dir: &std::path::Path, year: i32, inn: u32, out: u32) -> PathBuf {
    let seed = std::fs::read_to_string(repo().join("../shared/seed/000_5f82d2a5beaa33e3.txt"))
        .expect("seed");
    let zeros = "\t0\t0\t0\t0\t0\t0\t0";
    let row = |label: &str, v: u32| format!("{label}\t\t{v}\t0\t0\t0\t0\t0\t{v}");
    let text = seed
        .replace(
            "2023 年政府信息公开工作年度报告",
            &format!("{year} 年政府信息公开工作年度报告"),
        )
        .replace(
            &format!("一、本年新收政府信息公开申请数量\t{zeros}"),
            &row("一、本年新收政府信息公开申请数量", out),
        )
        .replace(
            &format!("二、上年结转政府信息公开申请数量\t{zeros}"),
            &row("二、上年结转政府信息公开申请数量", inn),
        )
        .replace(
            &format!("(一) 予以公开{zeros}"),
            &format!("(一) 予以公开\t{inn}\t0\t0\t0\t0\t0\t{inn}"),
        )
        .replace(
            &format!("(七) 总计\t{zeros}"),
            &format!("(七) 总计\t\t{inn}\t0\t0\t0\t0\t0\t{inn}"),
        )
        .replace(
            &format!("四、结转下年度继续办理\t{zeros}"),
            &row("四、结转下年度继续办理", out),
        );
    let p = dir.join(format!("huiji-{year}.txt"));
    std::fs::write(&p, text).expect("write");
    p
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gouji-cross-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("tmp");
    d
}

#[test]
fn consecutive_years_must_chain() {
    let d = tmp("extract");
    // 2023 carries 2 requests into 2024, but the 2024 report says it carried in none.
    let y23 = seed_year(&d, 2023, 0, 2);
    let y24 = seed_year(&d, 2024, 0, 0);
    let out = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .args(["extract", "--json"])
        .arg(&y23)
        .arg(&y24)
        .output()
        .expect("run gouji");
    let recs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(recs.len(), 2);
    let rules = |r: &serde_json::Value| -> Vec<String> {
        r["findings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|f| f["severity"] != "info")
                    .map(|f| {
                        format!(
                            "{}@{}",
                            f["rule"].as_str().unwrap_or(""),
                            f["col"].as_str().unwrap_or("")
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(rules(&recs[0]).is_empty(), "{:?}", rules(&recs[0]));
    assert_eq!(
        rules(&recs[1]),
        vec!["X-CARRY@natural_person", "X-CARRY@total"]
    );
    let f = &recs[1]["findings"][0];
    assert_eq!(
        (f["expected"].as_f64(), f["found"].as_f64()),
        (Some(2.0), Some(0.0))
    );
    assert_eq!(out.status.code(), Some(1), "X-CARRY is an error");

    // Chained correctly: no cross-year finding.
    let y24ok = seed_year(&d, 2024, 2, 0);
    let out = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .args(["extract", "--json"])
        .arg(&y23)
        .arg(&y24ok)
        .output()
        .expect("run gouji");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("X-CARRY"));
    assert_eq!(out.status.code(), Some(0));
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn a_batch_writes_cross_findings() {
    let d = tmp("batch");
    let y23 = seed_year(&d, 2023, 0, 2);
    let y24 = seed_year(&d, 2024, 0, 0);
    let list = d.join("list.txt");
    std::fs::write(&list, format!("{}\n{}\n", y23.display(), y24.display())).expect("list");
    let out_dir = d.join("out");
    let st = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .args(["run", "--quiet"])
        .arg(&list)
        .arg("--out")
        .arg(&out_dir)
        .status()
        .expect("run gouji");
    assert!(st.success());
    let csv = std::fs::read_to_string(out_dir.join("cross_findings.csv")).expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "report_id,line,input,agency,year,prev_report_id,prev_line,prev_input,prev_year,\
             rule,severity,table,row,col,expected,found,message"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    for r in &rows {
        assert_eq!(r[0].len(), 64, "report id: {r:?}");
        assert_eq!(
            (r[1], r[4], r[6], r[8]),
            ("2", "2024", "1", "2023"),
            "{r:?}"
        );
        assert_eq!(r[5].len(), 64, "prev report id: {r:?}");
        assert_eq!(&r[9..13], ["X-CARRY", "error", "requests", "carried_in"]);
    }
    let _ = std::fs::remove_dir_all(d);
}
