//! Pre-2019 (`legacy`) real reports: read, never `failed`; their 统计表 as `legacy` cells.

mod common;

use common::{real_corpus, run};
use gouji::model::Status;

const LEGACY: [&str; 10] = [
    "pingtan-2011.txt",
    "pingtan-2012.txt",
    "pingtan-2013.txt",
    "pingtan-2014.txt",
    "pingtan-2015.txt",
    "pingtan-2016.txt",
    "pingtan-2017.txt",
    "pingtan-2018.txt",
    "pingtan-county-2012.txt",
    "pingtan-dishui-2013.txt",
];

fn value(rec: &gouji::model::Record, row: &str, col: &str) -> Option<f64> {
    rec.cells
        .iter()
        .find(|c| c.table == "legacy" && c.row == row && c.col == col)
        .and_then(|c| c.value)
}

#[test]
fn legacy_reports_are_never_failed() {
    for name in LEGACY {
        let rec = run(&real_corpus().join(name));
        assert_eq!(rec.report.template, "legacy", "{name}");
        assert_ne!(rec.status, Status::Failed, "{name}: {:?}", rec.errors);
        let has_table = name != "pingtan-dishui-2013.txt";
        assert_eq!(!rec.cells.is_empty(), has_table, "{name}: cells");
        assert!(rec.cells.iter().all(|c| c.table == "legacy"), "{name}");
        if has_table {
            assert_eq!(rec.status, Status::Ok, "{name}");
        } else {
            assert_eq!(rec.status, Status::Partial, "{name}");
            assert!(
                rec.warnings.iter().any(|w| w.contains("no 统计表")),
                "{name}"
            );
        }
    }
}

/// Space-separated 统计表: every printed pair read with its own labels.
#[test]
fn space_separated_tables_keep_their_labels() {
    let rec = run(&real_corpus().join("pingtan-2014.txt"));
    assert_eq!(value(&rec, "主动公开文件数", "本年"), Some(2543.0));
    assert_eq!(value(&rec, "主动公开文件数", "历年累计"), Some(78967.0));
    assert_eq!(value(&rec, "信函、传真申请数", "本年"), Some(1.0));
    assert_eq!(
        value(&rec, "政府信息公开收费减免金额", "历年累计"),
        Some(0.0)
    );
    let rec = run(&real_corpus().join("pingtan-2013.txt"));
    assert_eq!(value(&rec, "主动公开信息数", "本年"), Some(72804.0));
    assert_eq!(value(&rec, "行政复议数", "本年"), Some(0.0));
    // `2、政府公报公开 条 0` prints one number for two columns: left out, said so.
    assert_eq!(value(&rec, "政府公报公开", "本年"), None);
    assert!(rec.warnings.iter().any(|w| w.contains("政府公报公开")));
}

/// Digit-concatenated rows: only unique splits are kept; the rest are warned about.
#[test]
fn concatenated_rows_are_split_only_when_unambiguous() {
    let rec = run(&real_corpus().join("pingtan-2015.txt"));
    assert_eq!(value(&rec, "主动公开文件数", "本年"), None);
    assert!(rec.warnings.iter().any(|w| w.contains("294981916")));
    // `条01`: 0 | 1 is the only split.
    assert_eq!(value(&rec, "受理依申请公开信息总数", "历年累计"), Some(1.0));
    assert_eq!(value(&rec, "受理依申请公开信息总数", "本年"), Some(0.0));
    // No finding on the consistent reports.
    for name in ["pingtan-2015.txt", "pingtan-2018.txt"] {
        let rec = run(&real_corpus().join(name));
        assert!(rec.findings.is_empty(), "{name}: {:?}", rec.findings);
    }
}

/// L-SUM (templates/legacy.toml): a category list against the total it states at its
/// head ("主动公开的425条政府信息中，…"). The real corpus README lists 2011 (421 vs 425)
/// and pingtan-county-2012 (1175 vs 2026); pingtan-2012's list (911 vs 1913) is found too.
#[test]
fn category_lists_are_checked_against_their_own_total() {
    for (name, sum, total) in [
        ("pingtan-2011.txt", 421.0, 425.0),
        ("pingtan-2012.txt", 911.0, 1913.0),
        ("pingtan-county-2012.txt", 1175.0, 2026.0),
    ] {
        let rec = run(&real_corpus().join(name));
        let f: Vec<_> = rec.findings.iter().filter(|f| f.rule == "L-SUM").collect();
        assert_eq!(f.len(), 1, "{name}: {:?}", rec.findings);
        assert_eq!(
            (f[0].expected, f[0].found),
            (Some(sum), Some(total)),
            "{name}"
        );
    }
    // pingtan-2014's list (2641) has no total of its own (2543 is stated in another
    // section): not checked rather than guessed.
    let rec = run(&real_corpus().join("pingtan-2014.txt"));
    assert!(rec.findings.is_empty(), "{:?}", rec.findings);
}

/// X-CUMULATIVE (templates/cross.toml): 历年累计(t) = 历年累计(t−1) + 本年(t), per row
/// printed under the same label in both years.
#[test]
fn cumulative_counts_chain_across_years() {
    use gouji::crossyear::{check, summarize};
    let years = [2011, 2012, 2013, 2014, 2015, 2016, 2017, 2018];
    let sums: Vec<_> = years
        .iter()
        .enumerate()
        .filter_map(|(i, y)| {
            let rec = run(&real_corpus().join(format!("pingtan-{y}.txt")));
            summarize(&rec, i as u64 + 1)
        })
        .collect();
    assert_eq!(sums.len(), years.len());
    let found: Vec<(String, String)> = check(&sums)
        .into_iter()
        .filter(|f| f.finding.rule == "X-CUMULATIVE")
        .map(|f| (f.input, f.finding.row.unwrap_or_default()))
        .collect();
    let has = |file: &str, row: &str| found.iter().any(|(i, r)| i.ends_with(file) && r == row);
    // 2012: 1516 + 739 ≠ 4359; 2013: 4359 + 72804 ≠ 76424.
    assert!(has("pingtan-2012.txt", "主动公开信息数"), "{found:?}");
    assert!(has("pingtan-2013.txt", "主动公开信息数"), "{found:?}");
    // 2016: 受理依申请 历年累计 0, although 2015's was 1.
    assert!(
        has("pingtan-2016.txt", "受理依申请公开信息总数"),
        "{found:?}"
    );
    // Nothing on the consistent years.
    for file in ["pingtan-2015.txt", "pingtan-2018.txt", "pingtan-2014.txt"] {
        assert!(
            !found.iter().any(|(i, _)| i.ends_with(file)),
            "{file}: {found:?}"
        );
    }
}

/// L-NARR: "2013年主动公开政府信息4970条" against the 统计表's 主动公开 本年 cell.
#[test]
fn narrative_count_is_checked_against_the_table() {
    for (name, table, text) in [
        ("pingtan-2012.txt", 739.0, 1913.0),
        ("pingtan-2013.txt", 72804.0, 4970.0),
    ] {
        let rec = run(&real_corpus().join(name));
        let f: Vec<_> = rec.findings.iter().filter(|f| f.rule == "L-NARR").collect();
        assert_eq!(f.len(), 1, "{name}: {:?}", rec.findings);
        assert_eq!(
            (f[0].expected, f[0].found),
            (Some(table), Some(text)),
            "{name}"
        );
    }
    // pingtan-2014 states 2543 and prints 2543: no finding (checked above, no finding at all).
}
