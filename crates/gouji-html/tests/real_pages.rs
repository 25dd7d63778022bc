//! The extractor on real report pages from the shared corpus, checked against the truth
//! files. The corpus lives beside the checkout (`/work/shared`); it is never copied here.

use gouji_doc::{Cell, Document, Limits, Provenance, Table};
use std::collections::HashMap;

fn corpus(name: &str) -> String {
    format!(
        "{}/../../../shared/corpus/real/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn extract(name: &str) -> Document {
    let path = corpus(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    gouji_html::extract_html(&bytes, None, &Limits::default()).expect("extracts")
}

fn truth(name: &str) -> serde_json::Value {
    let path = corpus(&format!("truth/{name}"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("truth is JSON")
}

/// The cell whose text starts with `label`.
fn find<'t>(t: &'t Table, label: &str) -> &'t Cell {
    t.cells
        .iter()
        .find(|c| c.text.starts_with(label))
        .unwrap_or_else(|| panic!("no cell starting with {label}"))
}

/// Texts of the cells anchored on `cell`'s row to its right, left to right.
fn right_of<'t>(t: &'t Table, cell: &Cell) -> Vec<&'t str> {
    let mut v: Vec<&Cell> = t
        .cells
        .iter()
        .filter(|c| c.row == cell.row && c.col >= cell.col + cell.col_span)
        .collect();
    v.sort_by_key(|c| c.col);
    v.iter().map(|c| c.text.as_str()).collect()
}

/// Every raw value the truth file lists for a table must be among that table's cells
/// (as a multiset): nothing lost, nothing merged, blanks kept as "".
fn check_against_truth(doc: &Document, truth_name: &str) {
    let truth = truth(truth_name);
    let tables: Vec<&Table> = doc.tables().collect();
    let order = ["active", "requests", "appeals"];
    for (k, name) in order.iter().enumerate() {
        let mut have: HashMap<&str, usize> = HashMap::new();
        for c in &tables[k].cells {
            *have.entry(c.text.as_str()).or_default() += 1;
        }
        let cells = truth["cells"].as_array().expect("cells");
        let mut want = 0;
        for cell in cells.iter().filter(|c| c["table"] == *name) {
            let raw = cell["raw"].as_str().expect("raw");
            want += 1;
            let n = have
                .get_mut(raw)
                .unwrap_or_else(|| panic!("{name}: missing {raw:?}"));
            assert!(*n > 0, "{name}: {raw:?} occurs more often in the truth");
            *n -= 1;
        }
        assert!(want > 0);
    }
}

/// Grid invariants every table must satisfy.
fn check_grid(t: &Table) {
    let mut seen = vec![vec![false; t.cols]; t.rows];
    for c in &t.cells {
        assert!(c.row + c.row_span <= t.rows && c.col + c.col_span <= t.cols);
        for row in seen.iter_mut().skip(c.row).take(c.row_span) {
            for slot in row.iter_mut().skip(c.col).take(c.col_span) {
                assert!(!*slot, "overlap at {c:?}");
                *slot = true;
            }
        }
    }
}

#[test]
fn pingtan_2024() {
    let doc = extract("pingtan-2024.html");
    assert_eq!(doc.meta.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(
        doc.meta.title.as_deref(),
        Some("平潭综合实验区2024年度政府信息公开工作年度报告")
    );
    let tables: Vec<&Table> = doc.tables().collect();
    assert_eq!(tables.len(), 3);
    tables.iter().for_each(|t| check_grid(t));
    assert_eq!((tables[0].rows, tables[0].cols), (14, 4));
    assert_eq!((tables[1].rows, tables[1].cols), (28, 10));
    assert_eq!((tables[2].rows, tables[2].cols), (4, 15));

    let req = tables[1];
    let new = find(req, "一、本年新收");
    assert_eq!(right_of(req, new), ["217", "1", "0", "0", "0", "0", "218"]);
    assert_eq!(
        new.at,
        Provenance::Markup {
            table: 2,
            row: 4,
            cell: 1
        }
    );
    // Word-style <p> runs inside a header cell are kept as line breaks.
    assert_eq!(find(req, "社会").text, "社会\n公益\n组织");
    let results = find(req, "三、本");
    assert_eq!((results.row_span, results.col), (22, 0));
    let total = find(req, "（七）总计");
    assert_eq!(
        right_of(req, total),
        ["217", "1", "0", "0", "0", "0", "218"]
    );
    // <br> inside a cell.
    assert!(tables[2].cells.iter().any(|c| c.text == "结果\n纠正"));

    check_against_truth(&doc, "pingtan-2024.json");

    // Reading order: the heading paragraph sits right before its table.
    let pos = |needle: &str| {
        doc.blocks
            .iter()
            .position(|b| matches!(b, gouji_doc::Block::Paragraph(p) if p.text == needle))
            .unwrap_or_else(|| panic!("no paragraph {needle}"))
    };
    let t2 = pos("三、收到和处理政府信息公开申请情况");
    assert!(matches!(doc.blocks[t2 + 1], gouji_doc::Block::Table(_)));
    assert!(doc.text().contains("全年办理政府信息公开申请218件"));
}

#[test]
fn shanghai_office_2019() {
    let doc = extract("shanghai-office-2019.html");
    assert_eq!(
        doc.meta.title.as_deref(),
        Some("2019年上海市人民政府办公厅政府信息公开工作年度报告")
    );
    assert_eq!(doc.meta.date.as_deref(), Some("2020-01-31"));
    let tables: Vec<&Table> = doc.tables().collect();
    assert_eq!(tables.len(), 3);
    tables.iter().for_each(|t| check_grid(t));
    let active = tables[0];
    assert_eq!(active.cols, 5);

    // 采购总金额 keeps its unit.
    let buy = find(active, "政府集中采购");
    assert_eq!(right_of(active, buy), ["6", "251000元"]);

    // Mixed spans in 表二 (五)(六): header 1 | 2 | 1, data rows 2 | 1 | 1, as written.
    let header = active
        .cells
        .iter()
        .find(|c| c.text == "上一年项目数量" && c.col_span == 1)
        .expect("header");
    let row_cells = |r: usize| {
        let mut v: Vec<(usize, usize, String)> = active
            .cells
            .iter()
            .filter(|c| c.row == r && c.col > 0)
            .map(|c| (c.col, c.col_span, c.text.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        row_cells(header.row),
        [
            (1, 1, "上一年项目数量".to_string()),
            (2, 2, "本年增/减".to_string()),
            (4, 1, "处理决定数量".to_string())
        ]
    );
    let licensing = find(active, "行政许可");
    assert_eq!(licensing.row, header.row + 1);
    assert_eq!(
        row_cells(licensing.row),
        [
            (1, 2, "0".to_string()),
            (3, 1, "0".to_string()),
            (4, 1, "0".to_string())
        ]
    );

    // &nbsp; cells are blank, not missing: every row of the request table is full width.
    let req = tables[1];
    let new = find(req, "一、本年新收");
    assert_eq!(right_of(req, new), ["821", "35", "", "", "2", "1", "859"]);
    let granted = find(req, "（一）予以公开");
    assert_eq!(right_of(req, granted), ["258", "12", "", "", "1", "1", ""]);
    let grid = req.grid();
    for row in grid.iter().skip(3) {
        assert!(row.iter().all(Option::is_some), "hole in a data row");
    }

    check_against_truth(&doc, "shanghai-office-2019.json");
    assert!(doc.text().contains("无。"));
}
