//! Whatever comes in, extraction never panics and produces consistent grids.

use gouji_doc::{Document, Limits};
use proptest::prelude::*;

fn check(doc: &Document) {
    for t in doc.tables() {
        let mut covered = vec![vec![false; t.cols]; t.rows];
        for c in &t.cells {
            assert!(c.row_span >= 1 && c.col_span >= 1);
            assert!(c.row + c.row_span <= t.rows && c.col + c.col_span <= t.cols);
            for row in covered.iter_mut().skip(c.row).take(c.row_span) {
                for slot in row.iter_mut().skip(c.col).take(c.col_span) {
                    assert!(!*slot);
                    *slot = true;
                }
            }
        }
    }
}

/// Fragments that exercise the tricky parts: tables, spans, nesting, encodings, chrome.
const PIECES: &[&str] = &[
    "<table>",
    "</table>",
    "<tr>",
    "</tr>",
    "<td>",
    "</td>",
    "<th>",
    "<tbody>",
    "<thead>",
    "<tfoot>",
    "<td rowspan=0>",
    "<td rowspan=3>",
    "<td colspan=2>",
    "<td colspan=99999>",
    "<td rowspan=-1 colspan=x>",
    "<caption>",
    "<p>",
    "</p>",
    "<br>",
    "<div>",
    "</div>",
    "<div class=TRS_Editor>",
    "<div id=zoom>",
    "<span>",
    "</span>",
    "<a href=a.pdf>",
    "</a>",
    "<script>",
    "</script>",
    "<style>",
    "<!--",
    "-->",
    "<meta charset=gbk>",
    "<svg>",
    "<math>",
    "<li>",
    "<ul>",
    "<h1>",
    "&nbsp;",
    "&#0;",
    "本年新收",
    "年度报告",
    "217",
    "\u{3000}",
    "\n",
    " ",
    "<title>",
    "发布日期：2020-01-31",
    "来源：办公厅",
    "<nav>",
    "<footer>",
    "<td style=display:none>",
    "<select>",
    "<option>",
    "<template>",
    "<frameset>",
    "<plaintext>",
    "<textarea>",
    "<b>",
    "<font>",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn byte_soup_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        if let Ok(doc) = gouji_html::extract_html(&bytes, None, &Limits::default()) {
            check(&doc);
        }
        let _ = gouji_html::sniff_meta_charset(&bytes);
    }

    #[test]
    fn tag_soup_never_panics(idx in proptest::collection::vec(0..PIECES.len(), 0..400),
                             charset in prop_oneof![Just(None), Just(Some("gbk")), Just(Some("utf-8")), Just(Some("x"))]) {
        let html: String = idx.iter().map(|&i| PIECES[i]).collect();
        let doc = gouji_html::extract_html(html.as_bytes(), charset, &Limits::default()).expect("within limits");
        check(&doc);
        let small = Limits { max_depth: 4, max_blocks: 3, max_table_positions: 10, ..Limits::default() };
        let doc = gouji_html::extract_html(html.as_bytes(), charset, &small).expect("within limits");
        check(&doc);
        prop_assert!(doc.blocks.len() <= 3);
    }
}
