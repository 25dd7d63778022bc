//! Grids whose headers cannot name the columns, read as a stream of data rows
//! (`gouji_map::rowstream`), through the whole pipeline.

// Tests unwrap: a missing cell is the failure being reported.
#![allow(clippy::unwrap_used)]

use gouji::model::Record;
use gouji::pipeline::{Options, process_bytes};

fn run(text: &str) -> Record {
    let source = gouji::model::Source {
        input: "t.txt".into(),
        ..gouji::model::Source::default()
    };
    process_bytes(source, text.as_bytes(), None, &Options::default())
}

const ROWS: &[(&str, [u32; 7])] = &[
    ("一、本年新收政府信息公开申请数量", [12, 4, 0, 0, 0, 1, 17]),
    ("二、上年结转政府信息公开申请数量", [2, 0, 0, 0, 0, 0, 2]),
    ("三、本年度办理结果\t（一）予以公开", [8, 2, 0, 0, 0, 1, 11]),
    ("（二）部分公开", [1, 0, 0, 0, 0, 0, 1]),
    ("（三）不予公开\t1.属于国家秘密", [0; 7]),
    ("2.其他法律行政法规禁止公开", [0; 7]),
    ("3.危及“三安全一稳定”", [0; 7]),
    ("4.保护第三方合法权益", [0; 7]),
    ("5.属于三类内部事务信息", [0; 7]),
    ("6.属于四类过程性信息", [0; 7]),
    ("7.属于行政执法案卷", [0; 7]),
    ("8.属于行政查询事项", [0; 7]),
    (
        "（四）无法提供\t1.本机关不掌握相关政府信息",
        [3, 1, 0, 0, 0, 0, 4],
    ),
    ("2.没有现成信息需要另行制作", [0; 7]),
    ("3.补正后申请内容仍不明确", [0; 7]),
    ("（五）不予处理\t1.信访举报投诉类申请", [0; 7]),
    ("2.重复申请", [0; 7]),
    ("3.要求提供公开出版物", [0; 7]),
    ("4.无正当理由大量反复申请", [0; 7]),
    ("5.要求行政机关确认或重新出具已获取信息", [0; 7]),
    (
        "（六）其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        [0; 7],
    ),
    (
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        [0; 7],
    ),
    ("3.其他", [0; 7]),
    ("（七）总计", [12, 3, 0, 0, 0, 1, 16]),
    ("四、结转下年度继续办理", [2, 1, 0, 0, 0, 0, 3]),
];

fn report(header: &str, skip_label: Option<usize>) -> String {
    let mut s = String::from(
        "某市统计局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n",
    );
    s.push_str(header);
    for (i, (label, v)) in ROWS.iter().enumerate() {
        let vals: Vec<String> = v.iter().map(u32::to_string).collect();
        let label = if Some(i) == skip_label { "" } else { label };
        s.push_str(&format!("{label}\t{}\n", vals.join("\t")));
    }
    s.push_str("四、政府信息公开行政复议、行政诉讼情况\n");
    s
}

/// Regression (issue 9): Word "save as text" prints merged header cells once; the 总计
/// column was lost and four false T3-BAL errors were raised.
#[test]
fn word_text_header_with_fewer_fields_than_the_data() {
    let rec = run(&report(
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t自然人\t法人或其他组织\t总 计\n商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\n",
        None,
    ));
    let c = rec.cell("requests", "new", "total").unwrap();
    assert_eq!(c.value, Some(17.0));
    assert!(c.inferred);
    assert_eq!(
        rec.cell("requests", "new", "other_org").unwrap().value,
        Some(1.0)
    );
    assert_eq!(
        rec.cells.iter().filter(|c| c.table == "requests").count(),
        175
    );
    assert!(
        rec.findings.iter().all(|f| !f.rule.starts_with("T3")),
        "{:?}",
        rec.findings
    );
    assert!(rec.warnings.iter().any(|w| w.contains("inferred")));
}

/// A label-less row between two labelled ones is placed by template order.
#[test]
fn label_less_row_fills_its_gap() {
    let rec = run(&report(
        "\t数据1\t数据2\t数据3\t数据4\t数据5\t数据6\t总计\n",
        Some(3),
    ));
    assert_eq!(
        rec.cell("requests", "partial", "total").unwrap().value,
        Some(1.0)
    );
    assert!(rec.findings.iter().all(|f| !f.rule.starts_with("T3")));
}
