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

/// Every legacy finding of one file, as (rule, expected, found).
fn legacy_findings(name: &str) -> Vec<(String, Option<f64>, Option<f64>)> {
    let rec = run(&real_corpus().join(name));
    let mut f: Vec<_> = rec
        .findings
        .iter()
        .filter(|f| f.rule.starts_with("L-"))
        .map(|f| (f.rule.clone(), f.expected, f.found))
        .collect();
    f.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    f
}

/// A finding as (rule, expected, found); NaN stands for "no value" (a finding over
/// digits run together states no number).
fn l(rule: &str, expected: f64, found: f64) -> (String, Option<f64>, Option<f64>) {
    let v = |x: f64| (!x.is_nan()).then_some(x);
    (rule.to_string(), v(expected), v(found))
}

/// The legacy text rules of templates/legacy.toml on the real reports: every finding the
/// corpus README lists that a text rule can see, and nothing else (exact lists).
/// L-SUM: a category list against the total it states at its head ("主动公开的425条政府
/// 信息中，…"), or (2014) the "主要类别有：" list against the year's total stated in
/// another section. L-PCT: a stated share against count / total. L-PARTS: "其中" parts
/// against the total they break down (2012: 1397 + 534 ≠ 1913; county: 2026 + 46 + 1854
/// ≠ 3978, and 县直2475 + 乡镇1503 = 3978 given as the parts of 主动公开 2026). L-NARR:
/// the text's count against the 统计表 (2013: 主动公开 4970 vs 72804, "收到1份…行政复议
/// 申请" vs 行政复议数 0). L-RATE: dishui-2013's "受理…117件，办结171件，办结率100%".
#[test]
fn legacy_text_rules_find_exactly_the_listed_inconsistencies() {
    let want = [
        ("pingtan-2011.txt", vec![l("L-SUM", 421.0, 425.0)]),
        (
            "pingtan-2012.txt",
            vec![
                l("L-NARR", 739.0, 1913.0),
                l("L-PARTS", 1931.0, 1913.0),
                l("L-PCT", 7.58, 8.05),
                l("L-SUM", 911.0, 1913.0),
            ],
        ),
        (
            "pingtan-2013.txt",
            vec![l("L-NARR", 0.0, 1.0), l("L-NARR", 72804.0, 4970.0)],
        ),
        ("pingtan-2014.txt", vec![l("L-SUM", 2641.0, 2543.0)]),
        ("pingtan-2015.txt", vec![]),
        ("pingtan-2016.txt", vec![]),
        ("pingtan-2017.txt", vec![]),
        ("pingtan-2018.txt", vec![]),
        (
            "pingtan-county-2012.txt",
            vec![
                l("L-PARTS", 3926.0, 3978.0),
                l("L-PARTS", 3978.0, 2026.0),
                l("L-SUB", f64::NAN, f64::NAN),
                l("L-SUB", f64::NAN, f64::NAN),
                l("L-SUM", 1175.0, 2026.0),
            ],
        ),
        ("pingtan-dishui-2013.txt", vec![l("L-RATE", 146.0, 100.0)]),
    ];
    for (name, want) in want {
        assert_eq!(legacy_findings(name), want, "{name}");
    }
}

/// L-SUB: pingtan-county-2012's 统计表 prints 主动公开信息数 `20263542` over 网站公开
/// `17953304` and 政府公报公开 `07`: the digits run together, but no reading of them adds
/// up (the corpus README: 1795 + 0 ≠ 2026, 3304 + 7 ≠ 3542), in either column.
#[test]
fn a_breakdown_that_adds_up_in_no_reading_is_a_finding() {
    let rec = run(&real_corpus().join("pingtan-county-2012.txt"));
    let f: Vec<_> = rec.findings.iter().filter(|f| f.rule == "L-SUB").collect();
    let cols: Vec<_> = f.iter().filter_map(|f| f.col.as_deref()).collect();
    assert_eq!(cols, ["本年", "历年累计"], "{f:?}");
    for f in &f {
        assert_eq!(f.row.as_deref(), Some("主动公开信息数"));
        assert_eq!(f.rows, ["网站公开", "政府公报公开"]);
        assert!(f.message.contains("every reading"), "{}", f.message);
    }
    // The rows run together are printed cells with no value and their digits as raw.
    let c = rec
        .cells
        .iter()
        .find(|c| c.row == "主动公开信息数" && c.col == "本年")
        .expect("cell");
    assert_eq!((c.value, c.raw.as_str()), (None, "20263542"));
    // Its other breakdowns (受理 2121 = 18 18 + 0 0 + 3 3 + …) add up in some reading.
    assert_eq!(f.len(), 2);
}

/// Regression: pingtan-2011 prints its last part without 条 ("…，其中主动公开政府信息425
/// 条，作为依申请公开信息数46条，不予公开信息数1402。" = 1873): an L-PARTS rule that read
/// only "N条" saw 425 + 46 = 471 ≠ 1873, a false alarm. Now every part is read, and a
/// list holding a number no part read is never reported short.
#[test]
fn a_part_printed_without_its_unit_is_still_a_part() {
    assert!(
        !legacy_findings("pingtan-2011.txt")
            .iter()
            .any(|(r, _, _)| r == "L-PARTS")
    );
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
    // 2017: 主动公开文件数 prints `212210037` (four readings): every one breaks the chain
    // from 2016's row (`346085376`, three readings), so the finding rests on no guess.
    assert!(has("pingtan-2017.txt", "主动公开文件数"), "{found:?}");
    // Nothing on the consistent years (2015 and 2018 chain in some reading).
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
        let f: Vec<_> = rec
            .findings
            .iter()
            .filter(|f| {
                f.rule == "L-NARR" && f.row.as_deref().is_some_and(|r| r.contains("主动公开"))
            })
            .collect();
        assert_eq!(f.len(), 1, "{name}: {:?}", rec.findings);
        assert_eq!(
            (f[0].expected, f[0].found),
            (Some(table), Some(text)),
            "{name}"
        );
    }
    // pingtan-2014 states 2543 and prints 2543: no L-NARR (checked above).
}
