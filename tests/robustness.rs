//! Bad input never panics: arbitrary bytes, and random tables made of real template
//! labels, odd numbers and blanks, all go through the whole pipeline to one record.

use gouji::model::{Source, Status};
use gouji::pipeline::{Options, process_bytes};
use proptest::prelude::*;

fn src(format_hint: &str) -> Source {
    Source {
        input: format!("fuzz.{format_hint}"),
        format: "unknown".into(),
        ..Source::default()
    }
}

const LABELS: &[&str] = &[
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "三、本年度办理结果",
    "（一）予以公开",
    "（三）不予公开",
    "1.属于国家秘密",
    "（六）其他处理",
    "3.其他",
    "小计",
    "（七）总计",
    "四、结转下年度继续办理",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "其他",
    "总计",
    "行政复议",
    "行政诉讼",
    "未经复议直接起诉",
    "复议后起诉",
    "结果维持",
    "尚未审结",
    "信息内容",
    "本年制发件数",
    "现行有效件数",
    "规章",
    "行政许可",
    "本年收费金额（单位：万元）",
    "本年增/减",
    "政府集中采购",
    "采购总金额",
];
const VALUES: &[&str] = &[
    "0",
    "3",
    "-2",
    "1.5",
    "",
    "/",
    "—",
    "abc",
    "１２",
    "1,234",
    "251000元",
    "99999999999999999999",
];

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(LABELS).prop_map(String::from),
        proptest::sample::select(VALUES).prop_map(String::from),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_yield_one_record(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let r = process_bytes(src("bin"), &bytes, None, &Options::default());
        prop_assert!(!r.report.template.is_empty());
    }

    #[test]
    fn random_label_grids_yield_one_record(
        rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..12), 0..40),
        narrative in "[一二三四五六、总体情况其他需要报告的事项受理申请件占%0-9，。]{0,80}",
    ) {
        let mut text = String::from("某局2023年政府信息公开工作年度报告\n");
        text.push_str(&narrative);
        text.push('\n');
        for r in &rows {
            text.push_str(&r.join("\t"));
            text.push('\n');
        }
        let r = process_bytes(src("txt"), text.as_bytes(), None, &Options::default());
        prop_assert!(r.status == Status::Failed || !r.cells.is_empty());
        for f in &r.findings {
            prop_assert!(!f.rule.is_empty() && !f.message.is_empty());
        }
    }

    #[test]
    fn random_html_tables_yield_one_record(rows in proptest::collection::vec(
        proptest::collection::vec((cell(), 0usize..4, 0usize..4), 0..10), 0..30)) {
        let mut html = String::from("<html><body><p>2024年政府信息公开工作年度报告</p><table>");
        for r in &rows {
            html.push_str("<tr>");
            for (c, rs, cs) in r {
                html.push_str(&format!("<td rowspan=\"{rs}\" colspan=\"{cs}\">{c}</td>"));
            }
            html.push_str("</tr>");
        }
        html.push_str("</table></body></html>");
        let r = process_bytes(src("html"), html.as_bytes(), None, &Options::default());
        prop_assert_eq!(r.source.format.as_str(), "html");
    }
}
