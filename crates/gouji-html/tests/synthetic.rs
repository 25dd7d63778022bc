//! Synthetic pages: encodings, table models, page chrome, limits.

use gouji_doc::{Block, Document, Limits, Provenance, Table};
use gouji_html::{HtmlError, extract_html, sniff_meta_charset};
use std::time::{Duration, Instant};

const REPORT: &str =
    "政府信息公开工作年度报告：本年新收政府信息公开申请数量共计二百一十八件，予以公开七十一件。";

fn run(html: &str) -> Document {
    extract_html(html.as_bytes(), None, &Limits::default()).expect("extracts")
}

fn tables(doc: &Document) -> Vec<&Table> {
    doc.tables().collect()
}

/// Rows of a table as dense text (spans repeated), for compact assertions.
fn dense(t: &Table) -> Vec<Vec<String>> {
    t.grid()
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    c.map(|i| t.cells[i].text.clone())
                        .unwrap_or_else(|| "·".into())
                })
                .collect()
        })
        .collect()
}

fn page(body: &str) -> String {
    format!("<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>")
}

// ---------------------------------------------------------------- encodings

#[test]
fn gbk_page_with_meta_charset() {
    let html = format!(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\
         <title>年度报告</title></head><body><p>{REPORT}</p></body></html>"
    );
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    assert_eq!(sniff_meta_charset(&bytes).as_deref(), Some("GBK"));
    let doc = extract_html(&bytes, None, &Limits::default()).expect("extracts");
    assert_eq!(doc.meta.encoding.as_deref(), Some("GBK"));
    assert!(doc.text().contains(REPORT));
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
}

#[test]
fn gbk_page_without_declaration() {
    let html = page(&format!("<p>{REPORT}</p><p>{REPORT}</p>"));
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    let doc = extract_html(&bytes, None, &Limits::default()).expect("extracts");
    assert!(doc.text().contains(REPORT), "{}", doc.text());
    assert!(
        matches!(doc.meta.encoding.as_deref(), Some("GBK" | "gb18030")),
        "{:?}",
        doc.meta.encoding
    );
}

#[test]
fn big5_page() {
    let text = "政府資訊公開工作年度報告，本年新收政府資訊公開申請數量共計十件，予以公開六件。";
    for head in ["<meta charset=\"big5\">", ""] {
        let html = format!("<html><head>{head}</head><body><p>{text}</p></body></html>");
        let (bytes, _, _) = encoding_rs::BIG5.encode(&html);
        let doc = extract_html(&bytes, None, &Limits::default()).expect("extracts");
        assert_eq!(doc.meta.encoding.as_deref(), Some("Big5"), "head {head:?}");
        assert!(doc.text().contains(text));
    }
}

#[test]
fn utf8_with_bom_beats_declarations() {
    let html = format!("<meta charset=gbk><p>{REPORT}</p>");
    let mut bytes = vec![0xef, 0xbb, 0xbf];
    bytes.extend_from_slice(html.as_bytes());
    let doc = extract_html(&bytes, Some("gb2312"), &Limits::default()).expect("extracts");
    assert_eq!(doc.meta.encoding.as_deref(), Some("UTF-8"));
    assert!(doc.text().contains(REPORT));
}

#[test]
fn http_charset_beats_meta() {
    let html = format!("<meta charset=big5><p>{REPORT}</p>");
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    let doc = extract_html(&bytes, Some("GBK"), &Limits::default()).expect("extracts");
    assert_eq!(doc.meta.encoding.as_deref(), Some("GBK"));
    assert!(doc.text().contains(REPORT));
}

#[test]
fn latin1_http_default_does_not_make_mojibake() {
    let html = format!(
        "<meta http-equiv=Content-Type content='text/html; charset=gb2312'><p>{REPORT}</p>"
    );
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    let doc = extract_html(&bytes, Some("ISO-8859-1"), &Limits::default()).expect("extracts");
    assert_eq!(doc.meta.encoding.as_deref(), Some("GBK"));
    assert!(doc.text().contains(REPORT));
}

#[test]
fn mislabelled_pages() {
    // Declared GB2312, actually UTF-8.
    let html = format!("<meta charset=gb2312><p>{REPORT}</p>");
    let doc = run(&html);
    assert_eq!(doc.meta.encoding.as_deref(), Some("UTF-8"));
    assert!(doc.text().contains(REPORT));
    // Declared UTF-8, actually GBK.
    let html = format!("<meta charset=utf-8><p>{REPORT}{REPORT}</p>");
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    let doc = extract_html(&bytes, None, &Limits::default()).expect("extracts");
    assert!(doc.text().contains(REPORT), "{}", doc.text());
    assert!(
        doc.warnings
            .iter()
            .any(|w| w.message.contains("does not fit"))
    );
}

// ---------------------------------------------------------------- tables

#[test]
fn rowspan_zero_runs_to_the_end_of_its_group() {
    let doc = run(&page(
        "<table><tbody><tr><td rowspan=0>A</td><td>1</td></tr><tr><td>2</td></tr><tr><td>3</td></tr></tbody>\
         <tbody><tr><td>x</td><td>y</td></tr></tbody></table>",
    ));
    let t = tables(&doc)[0];
    assert_eq!(dense(t), [["A", "1"], ["A", "2"], ["A", "3"], ["x", "y"]]);
}

#[test]
fn rowspan_past_the_end_is_clamped() {
    let doc = run(&page(
        "<table><tr><td rowspan=50>A</td><td>1</td></tr><tr><td>2</td></tr></table>",
    ));
    let t = tables(&doc)[0];
    assert_eq!((t.rows, t.cols), (2, 2));
    assert_eq!(t.cells[0].row_span, 2);
}

#[test]
fn ragged_rows_leave_holes() {
    let doc = run(&page(
        "<table><tr><td>a</td><td>b</td><td>c</td></tr><tr><td>d</td></tr><tr></tr><tr><td>e</td><td>f</td></tr></table>",
    ));
    let t = tables(&doc)[0];
    assert_eq!(
        dense(t),
        [
            ["a", "b", "c"],
            ["d", "·", "·"],
            ["·", "·", "·"],
            ["e", "f", "·"]
        ]
    );
}

#[test]
fn huge_and_bogus_spans_are_bounded() {
    let doc = run(&page(
        "<table><tr><td colspan=100000>wide</td></tr><tr><td colspan=abc rowspan=-3>x</td><td colspan=\"2px\">y</td></tr>\
         <tr><td rowspan=99999999999999999999999>z</td></tr></table>",
    ));
    let t = tables(&doc)[0];
    assert!(t.cols <= 1000 && t.rows == 3, "{}x{}", t.rows, t.cols);
    assert_eq!(t.cells[0].col_span, 1000);
    let y = t.cells.iter().find(|c| c.text == "y").expect("y");
    assert_eq!((y.col, y.col_span), (1, 2));
    let z = t.cells.iter().find(|c| c.text == "z").expect("z");
    assert_eq!(z.row_span, 1);
}

#[test]
fn table_too_large_is_cut_with_a_warning() {
    let limits = Limits {
        max_table_positions: 100,
        ..Limits::default()
    };
    let rows = "<tr><td>1</td><td>2</td><td>3</td><td>4</td></tr>".repeat(60);
    let html = page(&format!("<table>{rows}</table>"));
    let doc = extract_html(html.as_bytes(), None, &limits).expect("extracts");
    let t = tables(&doc)[0];
    assert!(t.rows * t.cols <= 100);
    assert!(doc.warnings.iter().any(|w| w.message.contains("too large")));
}

#[test]
fn sections_thead_tbody_tfoot() {
    let doc = run(&page(
        "<table><tfoot><tr><td>foot</td><td>9</td></tr></tfoot><thead><tr><th>h1</th><th>h2</th></tr></thead>\
         <tbody><tr><td>a</td><td>1</td></tr></tbody></table>",
    ));
    let t = tables(&doc)[0];
    assert_eq!(dense(t), [["h1", "h2"], ["a", "1"], ["foot", "9"]]);
    // Provenance counts rows in source order: the tfoot row is the first <tr>.
    let foot = t.cells.iter().find(|c| c.text == "foot").expect("foot");
    assert_eq!(
        foot.at,
        Provenance::Markup {
            table: 1,
            row: 1,
            cell: 1
        }
    );
}

#[test]
fn word_export_cells() {
    let doc = run(&page(
        "<table><tr><td><p class=MsoNormal><span lang=EN-US>商业</span></p><p><span>企业</span></p></td>\
         <td><p><span>&nbsp;</span></p></td><td>结果<br>维持</td><td>  12\n </td></tr>\
         <tr><td>a</td><td>b</td><td>c</td><td>d</td></tr></table>",
    ));
    let t = tables(&doc)[0];
    assert_eq!(dense(t)[0], ["商业\n企业", "", "结果\n维持", "12"]);
}

#[test]
fn nested_table_text_merges_into_its_cell() {
    let doc = run(&page(
        "<table><tr><td>项目</td><td>数量</td><td>备注</td></tr>\
         <tr><td>收费</td><td><table><tr><td>12</td><td>万元</td></tr></table></td><td>无</td></tr></table>",
    ));
    let ts = tables(&doc);
    assert_eq!(ts.len(), 1);
    assert_eq!(dense(ts[0])[1], ["收费", "12 万元", "无"]);
    // The inner table keeps its own source-order number (it is the 2nd <table>).
    assert_eq!(
        ts[0].at,
        Provenance::Markup {
            table: 1,
            row: 1,
            cell: 1
        }
    );
}

#[test]
fn layout_table_emits_its_inner_tables() {
    let grid = |v: &str| {
        format!(
            "<table><tr><td>信息内容</td><td>本年制发</td><td>现行有效</td></tr>\
             <tr><td>规章</td><td>{v}</td><td>0</td></tr><tr><td>规范性文件</td><td>62</td><td>440</td></tr></table>"
        )
    };
    let doc = run(&page(&format!(
        "<table width=100%><tr><td><p>一、总体情况</p><p>{REPORT}</p>{}<p>三、收到和处理</p>{}</td></tr></table>",
        grid("1"),
        grid("2")
    )));
    let ts = tables(&doc);
    assert_eq!(ts.len(), 2);
    assert_eq!(dense(ts[0])[1], ["规章", "1", "0"]);
    assert_eq!(dense(ts[1])[1], ["规章", "2", "0"]);
    assert_eq!(
        ts[0].at,
        Provenance::Markup {
            table: 2,
            row: 1,
            cell: 1
        }
    );
    // Paragraphs around and between them, in order.
    let kinds: Vec<String> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.text.chars().take(4).collect(),
            Block::Table(_) => "T".into(),
        })
        .collect();
    assert_eq!(kinds, ["一、总体", "政府信息", "T", "三、收到", "T"]);
}

#[test]
fn split_report_table_stays_several_tables_in_order() {
    let doc = run(&page(&format!(
        "<div class=TRS_Editor><p>{REPORT}</p><table><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr></table>\
         <p>（续表）</p><table><tr><td>c</td><td>3</td></tr><tr><td>d</td><td>4</td></tr></table></div>"
    )));
    let kinds: Vec<&str> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) if p.text == "（续表）" => "P",
            Block::Paragraph(_) => "p",
            Block::Table(_) => "T",
        })
        .collect();
    assert_eq!(kinds, ["p", "T", "P", "T"]);
}

// ---------------------------------------------------------------- page structure

const CHROME_TOP: &str = "<div class=header><a href=/>首页</a><a href=/xxgk>信息公开</a><a href=/zwfw>政务服务</a>\
    <a href=/hdjl>互动交流</a></div><ul class=nav><li><a href=/a>机构概况</a></li><li><a href=/b>政策文件</a></li>\
    <li><a href=/c>通知公告</a></li></ul>";
const CHROME_BOTTOM: &str = "<div class=footer><p>主办单位：某某市人民政府办公室　版权所有</p>\
    <p><a href=/map>网站地图</a><a href=/contact>联系我们</a><a href=/help>帮助</a></p></div>";

#[test]
fn page_with_chrome_and_known_container() {
    let doc = run(&page(&format!(
        "{CHROME_TOP}<div class=main><div class=left><a href=/x>热点新闻一</a><a href=/y>热点新闻二</a><a href=/z>热点新闻三</a></div>\
         <div class=info>发布时间：2025-03-10　来源：某某市人民政府办公室</div>\
         <div id=zoom><p>{REPORT}</p><p>一、总体情况</p></div></div>{CHROME_BOTTOM}<script>var x='<p>脚本</p>';</script>"
    )));
    let text = doc.text();
    assert!(text.contains(REPORT));
    for chrome in [
        "首页",
        "机构概况",
        "网站地图",
        "热点新闻",
        "版权所有",
        "脚本",
    ] {
        assert!(!text.contains(chrome), "{chrome} leaked: {text}");
    }
    assert_eq!(doc.meta.date.as_deref(), Some("2025-03-10"));
    assert_eq!(doc.meta.author.as_deref(), Some("某某市人民政府办公室"));
}

#[test]
fn page_with_chrome_and_no_known_container() {
    let doc = run(&page(&format!(
        "{CHROME_TOP}<div class=wrap><div class=xyz><h1>某某市2024年政府信息公开工作年度报告</h1>\
         <p>{REPORT}</p><p>{REPORT}</p><table><tr><td>规章</td><td>3</td></tr><tr><td>规范性文件</td><td>5</td></tr></table>\
         </div><div class=right><p><a href=/r1>相关文章一</a></p><p><a href=/r2>相关文章二</a></p><p><a href=/r3>相关文章三</a></p></div></div>{CHROME_BOTTOM}"
    )));
    let text = doc.text();
    assert!(text.contains(REPORT));
    for chrome in ["首页", "机构概况", "网站地图", "相关文章", "版权所有"] {
        assert!(!text.contains(chrome), "{chrome} leaked: {text}");
    }
    assert_eq!(tables(&doc).len(), 1);
    assert_eq!(
        doc.meta.title.as_deref(),
        Some("某某市2024年政府信息公开工作年度报告")
    );
}

#[test]
fn tables_outside_the_container_are_kept() {
    let doc = run(&page(&format!(
        "{CHROME_TOP}<div class=TRS_Editor><p>{REPORT}</p><p>{REPORT}</p></div>\
         <div class=tables><table><tr><td>行政许可</td><td>4529</td></tr><tr><td>行政处罚</td><td>1100</td></tr></table></div>{CHROME_BOTTOM}"
    )));
    let ts = tables(&doc);
    assert_eq!(ts.len(), 1);
    assert_eq!(dense(ts[0])[1], ["行政处罚", "1100"]);
    assert!(matches!(doc.blocks.last(), Some(Block::Table(_))));
    assert!(doc.warnings.iter().any(|w| w.message.contains("outside")));
}

#[test]
fn centered_bold_title_and_meta_tags() {
    let doc = run(&format!(
        "<html><head><title>首页 - 某某区政府</title></head><body>\
         <p style=\"text-align: center\"><strong>某某区2023年政府信息公开工作年度报告</strong></p><p>{REPORT}</p></body></html>"
    ));
    assert_eq!(
        doc.meta.title.as_deref(),
        Some("某某区2023年政府信息公开工作年度报告")
    );
    let doc = run(&format!(
        "<html><head><meta name=ArticleTitle content=\"甲报告\"><meta name=PubDate content=\"2024-01-31 09:00\">\
         <meta name=ContentSource content=\"某某局\"></head><body><p>{REPORT}</p></body></html>"
    ));
    assert_eq!(doc.meta.title.as_deref(), Some("甲报告"));
    assert_eq!(doc.meta.date.as_deref(), Some("2024-01-31 09:00"));
    assert_eq!(doc.meta.author.as_deref(), Some("某某局"));
}

#[test]
fn attachment_links() {
    let doc = run(&page(&format!(
        "<div class=TRS_Editor><p>{REPORT}</p><p>附件：<a href=\"./P020250310.pdf\">2024年度报告.pdf</a></p>\
         <p><a href='/u/report.docx'> 报告 \n 全文 </a> <a href=\"x.xls\">表</a><a href=\"y.xlsx\">表2</a><a href=\"z.wps\">WPS</a>\
         <a href=\"old.doc\">doc</a></p></div><a href=\"javascript:void(0)\">打印</a>"
    )));
    let hrefs: Vec<&str> = doc.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(
        hrefs,
        [
            "./P020250310.pdf",
            "/u/report.docx",
            "x.xls",
            "y.xlsx",
            "z.wps",
            "old.doc",
            "javascript:void(0)"
        ]
    );
    // A source line break between ideographs is not a space.
    assert_eq!(doc.links[1].text, "报告全文");
    assert!(doc.text().contains("附件：2024年度报告.pdf"));
}

#[test]
fn br_lines_and_headings_are_paragraphs() {
    let doc = run(&page(
        "<div id=zoom><h2>一、总体情况</h2>第一行<br>第二行<br/><br>第三行<ul><li>甲</li><li>乙</li></ul>尾巴</div>",
    ));
    let paras: Vec<&str> = doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.text.as_str()),
            Block::Table(_) => None,
        })
        .collect();
    assert_eq!(
        paras,
        [
            "一、总体情况",
            "第一行",
            "第二行",
            "第三行",
            "甲",
            "乙",
            "尾巴"
        ]
    );
    let idx: Vec<Provenance> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.at.clone(),
            Block::Table(t) => t.at.clone(),
        })
        .collect();
    assert_eq!(idx[0], Provenance::Block { index: 1 });
    assert_eq!(idx[6], Provenance::Block { index: 7 });
}

// ---------------------------------------------------------------- limits

#[test]
fn deep_nesting_does_not_overflow_or_crawl() {
    let n = 100_000;
    let html = format!(
        "{}<p>深处{REPORT}</p>{}",
        "<div>".repeat(n),
        "</div>".repeat(n)
    );
    let t = Instant::now();
    let doc = run(&html);
    assert!(doc.text().contains(REPORT));
    assert!(doc.warnings.iter().any(|w| w.message.contains("flattened")));
    // Unbounded, html5ever needs ~30 s for this in release (quadratic scope checks); with
    // the nesting cap it is well under a second. Only release timing means anything on a
    // shared machine, so debug builds just print it.
    eprintln!("100k nested divs: {:?}", t.elapsed());
    if !cfg!(debug_assertions) {
        assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    }

    // Other nestings html5ever keeps deep.
    for (open, close) in [
        ("<span>", "</span>"),
        ("<table><tr><td>", "</td></tr></table>"),
        ("<font>", ""),
    ] {
        let html = format!("{}{REPORT}{}", open.repeat(20_000), close.repeat(20_000));
        let doc = run(&html);
        assert!(
            doc.text().contains(REPORT)
                || doc
                    .tables()
                    .any(|t| t.cells.iter().any(|c| c.text.contains(REPORT))),
            "{open}"
        );
    }
}

#[test]
fn input_size_limit() {
    let limits = Limits {
        max_input_bytes: 10,
        ..Limits::default()
    };
    let err = extract_html(b"<p>0123456789</p>", None, &limits).expect_err("too large");
    assert!(matches!(
        err,
        HtmlError::Limit(gouji_doc::OverLimit {
            limit: gouji_doc::Limit::InputBytes,
            found: Some(17),
            max: 10,
            ..
        })
    ));
    assert!(err.to_string().contains("17"));
}

#[test]
fn block_limit() {
    let limits = Limits {
        max_blocks: 5,
        ..Limits::default()
    };
    let html = page(&"<p>段落文字</p>".repeat(50));
    let doc = extract_html(html.as_bytes(), None, &limits).expect("extracts");
    assert_eq!(doc.blocks.len(), 5);
    assert!(doc.warnings.iter().any(|w| w.message.contains("blocks")));
}

#[test]
fn empty_and_odd_inputs() {
    for input in [
        &b""[..],
        b"\xff\xfe",
        b"\xef\xbb\xbf",
        b"<",
        b"<table><tr><td rowspan=0 colspan=0></td></tr></table>",
        "<table><caption>表一</caption></table>".as_bytes(),
        b"\0\0\0<html>",
    ] {
        let doc = extract_html(input, None, &Limits::default()).expect("extracts");
        assert!(doc.blocks.len() <= 1);
    }
}

/// A page shaped like a TRS WCM article page (header menus, search forms, breadcrumb, title
/// block, source line, article body with report tables, related links, footer), in GBK.
#[test]
fn trs_style_page_in_gbk() {
    let html = format!(
        r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<meta name="SiteName" content="某某区人民政府"><meta name="ArticleTitle" content="某某区2024年度政府信息公开工作年度报告">
<meta name="PubDate" content="2025-01-20 10:30"><meta name="ContentSource" content="某某区人民政府办公室">
<title>某某区2024年度政府信息公开工作年度报告_年报_某某区人民政府</title>
<script>var s = "<table><tr><td>脚本表格</td></tr></table>";</script><style>.x{{color:red}}</style></head>
<body><div class="warp"><div class="header menu_hov"><div class="logo"><a href="/"><img src=logo.png></a></div>
<ul class="clearflx" role="navigation"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul>
<form action="/search"><input type="text" placeholder="请输入搜索内容"><button>搜索</button></form></div>
<div class="main"><div class="content"><div class="breadcrumb"><span>当前位置：</span><ul><li><a href="../../">首页</a></li>
<li><a href="../">政务公开</a></li><li><a href="./">政府信息公开年报</a></li></ul></div>
<div class="article_title text_align_center">某某区2024年度政府信息公开工作年度报告</div>
<div class="article_extend"><span class="article_source">来源：某某区人民政府办公室</span>
<span>发布时间：2025-01-20 10:30</span><span>浏览次数：<font id="hits">123</font></span></div>
<div class="TRS_Editor"><style>.TRS_Editor P{{line-height:2}}</style>
<p>一、总体情况</p><p>{REPORT}</p><p>二、主动公开政府信息情况</p>
<table class="MsoNormalTable" border="1"><tbody>
<tr><td colspan="4"><p align=center><span>第二十条第（一）项</span></p></td></tr>
<tr><td><p><span>信息内容</span></p></td><td><p><span>本年制发件数</span></p></td><td><p><span>本年废止件数</span></p></td><td><p><span>现行有效件数</span></p></td></tr>
<tr><td><p><span>规章</span></p></td><td><p><span>0</span></p></td><td><p><span>0</span></p></td><td><p><span>0</span></p></td></tr>
<tr><td><p><span>行政规范性文件</span></p></td><td><p><span>12</span></p></td><td><p><span>3</span></p></td><td><p><span>&nbsp;</span></p></td></tr>
</tbody></table>
<p>附件：<a href="/attach/P0202501.pdf">某某区2024年度报告.pdf</a></p></div>
<div class="xgwz"><h3>相关文章</h3><ul><li><a href="/a1.htm">某某区2023年度报告</a></li><li><a href="/a2.htm">某某区2022年度报告</a></li><li><a href="/a3.htm">某某区2021年度报告</a></li></ul></div>
</div></div><div class="footer"><p>主办：某某区人民政府办公室 地址：某某路1号</p><p><a href="/map">网站地图</a> <a href="/lx">联系我们</a></p></div></div></body></html>"#
    );
    let (bytes, _, _) = encoding_rs::GBK.encode(&html);
    let doc = extract_html(&bytes, None, &Limits::default()).expect("extracts");
    assert_eq!(doc.meta.encoding.as_deref(), Some("GBK"));
    assert_eq!(
        doc.meta.title.as_deref(),
        Some("某某区2024年度政府信息公开工作年度报告")
    );
    assert_eq!(doc.meta.date.as_deref(), Some("2025-01-20 10:30"));
    assert_eq!(doc.meta.author.as_deref(), Some("某某区人民政府办公室"));
    let text = doc.text();
    assert!(text.starts_with("一、总体情况\n"), "{text}");
    for chrome in [
        "首页",
        "当前位置",
        "浏览次数",
        "相关文章",
        "网站地图",
        "主办",
        "脚本",
        "color",
    ] {
        assert!(!text.contains(chrome), "{chrome} leaked: {text}");
    }
    let ts = tables(&doc);
    assert_eq!(ts.len(), 1);
    assert_eq!(dense(ts[0])[3], ["行政规范性文件", "12", "3", ""]);
    assert!(
        doc.links
            .iter()
            .any(|l| l.href.ends_with(".pdf") && l.text.contains("年度报告"))
    );
}

#[test]
fn hidden_cells_keep_source_numbering() {
    let doc = run(&page(
        "<table><tr><td>a</td><td style=\"display: none\">hidden</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
    ));
    let t = tables(&doc)[0];
    assert_eq!(dense(t), [["a", "b"], ["c", "d"]]);
    let b = t.cells.iter().find(|c| c.text == "b").expect("b");
    assert_eq!(
        b.at,
        Provenance::Markup {
            table: 1,
            row: 1,
            cell: 3
        }
    );
}

#[test]
fn tables_beside_the_container_bring_their_headings() {
    let doc = run(&page(&format!(
        "{CHROME_TOP}<div class=main><div class=TRS_Editor><p>{REPORT}</p><p>{REPORT}</p></div>\
         <div class=tables><p>二、主动公开政府信息情况</p><table><tr><td>行政许可</td><td>4529</td></tr><tr><td>行政处罚</td><td>1100</td></tr></table>\
         <p>三、收到和处理政府信息公开申请情况</p><table><tr><td>新收</td><td>218</td></tr><tr><td>结转</td><td>0</td></tr></table></div>\
         <div class=share><a href=/wx>微信</a><a href=/wb>微博</a><a href=/qq>QQ空间</a></div></div>{CHROME_BOTTOM}"
    )));
    let kinds: Vec<String> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(p) => p.text.chars().take(2).collect(),
            Block::Table(_) => "T".into(),
        })
        .collect();
    assert_eq!(kinds, ["政府", "政府", "二、", "T", "三、", "T"]);
    assert!(!doc.text().contains("微信"));
}

#[test]
fn too_many_elements_is_a_clear_error_not_a_huge_tree() {
    let page = "<i>".repeat(gouji_html::MAX_ELEMENTS + 1);
    let err = gouji_html::extract_html(page.as_bytes(), None, &gouji_doc::Limits::default())
        .expect_err("over the element cap");
    assert!(
        matches!(&err, gouji_html::HtmlError::Limit(e) if e.limit == gouji_doc::Limit::Fixed("MAX_ELEMENTS")),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("1000001 elements, over the limit of 1000000"),
        "{err}"
    );
}

#[test]
fn scripts_styles_and_word_attributes_do_not_change_the_tables() {
    let table = r#"<table border=1><tr><td rowspan="2">一</td><td colspan=2>二</td></tr>
        <tr><td>3</td><td>4</td></tr></table>"#;
    let noisy = format!(
        "<html><head><style>td{{color:red}}</style><script>var t='<table>';</script></head>\
         <body><!-- <table><tr><td>x</td></tr></table> -->\
         <p class=MsoNormal style='mso-bidi-font-family:宋体' lang=ZH-CN>正文</p>{}</body></html>",
        table.replace("<td", "<td width=80 style='mso-border-alt:solid'")
    );
    let clean = format!("<html><body><p class=MsoNormal>正文</p>{table}</body></html>");
    let l = gouji_doc::Limits::default();
    let a = gouji_html::extract_html(noisy.as_bytes(), None, &l).expect("noisy");
    let b = gouji_html::extract_html(clean.as_bytes(), None, &l).expect("clean");
    assert_eq!(a.tables().count(), 1);
    assert_eq!(
        format!("{:?}", a.tables().collect::<Vec<_>>()),
        format!("{:?}", b.tables().collect::<Vec<_>>())
    );
}
