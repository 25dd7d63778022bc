//! The corpus workbook x01: whole report on one sheet, three tables as merged ranges.

use gouji_doc::{Block, Cell, Document, Limits, Provenance, Table};
use gouji_xlsx::extract_xlsx;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load() -> Document {
    let bytes = std::fs::read(root().join("corpus/x01-clean-xlsx.xlsx")).expect("fixture");
    extract_xlsx(&bytes, &Limits::default()).expect("extracts")
}

/// Sheet position (0-based row, col) of each expected (table, row, col) in x01, as laid out
/// in the workbook (checked by hand against the file).
fn position(table: &str, row: &str, col: &str) -> (u32, u32) {
    const REQUEST_ROWS: [&str; 25] = [
        "new",
        "carried_in",
        "granted",
        "partial",
        "denied_state_secret",
        "denied_law_forbidden",
        "denied_security",
        "denied_third_party",
        "denied_internal",
        "denied_process",
        "denied_enforcement_file",
        "denied_query",
        "unable_not_held",
        "unable_needs_creation",
        "unable_unclear",
        "refused_petition",
        "refused_duplicate",
        "refused_publication",
        "refused_excessive",
        "refused_confirmation",
        "other_no_correction",
        "other_no_fee",
        "other_misc",
        "processed_total",
        "carried_out",
    ];
    const REQUEST_COLS: [&str; 7] = [
        "natural_person",
        "business",
        "research",
        "nonprofit",
        "legal_service",
        "other_org",
        "total",
    ];
    const APPEAL_COLS: [&str; 5] = ["upheld", "corrected", "other", "pending", "total"];
    match table {
        "active" => {
            let r = match row {
                "rules" => 11,
                "normative_docs" => 12,
                "licensing" => 15,
                "penalty" => 18,
                "coercion" => 19,
                "fees" => 22,
                other => panic!("row {other}"),
            };
            let c = match col {
                "issued" | "decisions" | "amount_wan_yuan" => 1,
                "repealed" => 2,
                "in_force" => 3,
                other => panic!("col {other}"),
            };
            (r, c)
        }
        "requests" => {
            let r = REQUEST_ROWS.iter().position(|k| *k == row).expect("row");
            let c = REQUEST_COLS.iter().position(|k| *k == col).expect("col");
            (28 + r as u32, 3 + c as u32)
        }
        "appeals" => {
            let base = match row {
                "review" => 0,
                "suit_direct" => 5,
                "suit_after_review" => 10,
                other => panic!("row {other}"),
            };
            let c = APPEAL_COLS.iter().position(|k| *k == col).expect("col");
            (58, base + c as u32)
        }
        other => panic!("table {other}"),
    }
}

fn sheet_pos(c: &Cell) -> Option<(u32, u32)> {
    match &c.at {
        Provenance::Sheet { row, col, .. } => Some((*row, *col)),
        _ => None,
    }
}

fn find(doc: &Document, pos: (u32, u32)) -> Option<(&Table, &Cell)> {
    doc.tables()
        .flat_map(|t| t.cells.iter().map(move |c| (t, c)))
        .find(|(_, c)| sheet_pos(c) == Some(pos))
}

#[test]
fn every_expected_cell_is_in_its_table_row() {
    let doc = load();
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("corpus/expected/x01-clean-xlsx.json"))
            .expect("expected json"),
    )
    .expect("json");
    let cells = expected["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 200);
    for e in cells {
        let (t, r, c) = (
            e["table"].as_str().unwrap_or_default(),
            e["row"].as_str().unwrap_or_default(),
            e["col"].as_str().unwrap_or_default(),
        );
        let raw = e["raw"].as_str().unwrap_or_default();
        let pos = position(t, r, c);
        let (table, cell) =
            find(&doc, pos).unwrap_or_else(|| panic!("{t}/{r}/{c}: no cell at {pos:?}"));
        assert_eq!(cell.text, raw, "{t}/{r}/{c} at {}", cell.at);
        // The row label (first cell of the grid row) is in the same table and grid row.
        let label = table
            .cells
            .iter()
            .find(|l| l.row <= cell.row && cell.row < l.row + l.row_span && l.col == 0);
        assert!(label.is_some(), "{t}/{r}/{c}: no label cell in its row");
        assert_eq!(cell.row_span, 1);
    }
}

#[test]
fn layout_of_the_sheet() {
    let doc = load();
    let tables: Vec<&Table> = doc.tables().collect();
    assert_eq!(tables.len(), 3, "{:#?}", doc.blocks);
    // 主动公开: rows 11..23 (1-based) as one grid, section rows kept as spanning cells.
    assert_eq!((tables[0].rows, tables[0].cols), (13, 4));
    let sec = tables[0]
        .cells
        .iter()
        .find(|c| c.text == "第二十条第（五）项")
        .expect("section row");
    assert_eq!(sec.col_span, 4);
    // 申请 table: 28 rows x 10 columns.
    assert_eq!((tables[1].rows, tables[1].cols), (28, 10));
    // 复议诉讼 table: 4 rows x 15 columns.
    assert_eq!((tables[2].rows, tables[2].cols), (4, 15));
    // The title and the narrative are paragraphs, in order.
    let paras: Vec<&str> = doc.paragraphs().map(|p| p.text.as_str()).collect();
    assert_eq!(paras[0], "桐澧县人民政府2024年政府信息公开工作年度报告");
    assert!(paras.contains(&"三、收到和处理政府信息公开申请情况"));
    assert!(paras.contains(&"本年度无其他需要报告的事项。"));
    assert_eq!(
        doc.meta.title.as_deref(),
        Some("桐澧县人民政府2024年政府信息公开工作年度报告")
    );
    // Reading order: the requests table comes after its heading.
    let idx = |pred: &dyn Fn(&Block) -> bool| doc.blocks.iter().position(pred);
    let heading = idx(&|b| matches!(b, Block::Paragraph(p) if p.text.starts_with("三、收到")));
    let table = idx(&|b| matches!(b, Block::Table(t) if t.cols == 10));
    assert!(heading < table);
}

#[test]
fn merged_headers_are_one_cell_with_spans() {
    let doc = load();
    let cell = |text: &str| {
        doc.tables()
            .flat_map(|t| t.cells.iter())
            .find(|c| c.text == text)
            .unwrap_or_else(|| panic!("{text}"))
            .clone()
    };
    let spans = |c: &Cell| (c.row_span, c.col_span);
    assert_eq!(spans(&cell("申请人情况")), (1, 7));
    assert_eq!(spans(&cell("法人或其他组织")), (1, 5));
    assert_eq!(spans(&cell("自然人")), (2, 1));
    assert_eq!(spans(&cell("三、本年度办理结果")), (22, 1));
    assert_eq!(spans(&cell("（三）不予公开")), (8, 1));
    assert_eq!(spans(&cell("行政诉讼")), (1, 10));
    assert_eq!(spans(&cell("未经复议直接起诉")), (1, 5));
    let corner = doc
        .tables()
        .nth(1)
        .and_then(|t| t.cell_at(0, 0))
        .expect("corner");
    assert_eq!(spans(corner), (3, 3));
    assert_eq!(corner.at.to_string(), "Sheet1!A26");
    // Each merged header text occurs once: covered positions hold no cell.
    let n = doc
        .tables()
        .flat_map(|t| t.cells.iter())
        .filter(|c| c.text == "申请人情况")
        .count();
    assert_eq!(n, 1);
    // Grids are consistent: no overlaps, every position of the requests grid covered.
    for t in doc.tables() {
        let mut area = 0;
        for c in &t.cells {
            assert!(c.row + c.row_span <= t.rows && c.col + c.col_span <= t.cols);
            area += c.row_span * c.col_span;
        }
        let covered = t.grid().iter().flatten().filter(|x| x.is_some()).count();
        assert_eq!(area, covered);
    }
    let req = doc.tables().nth(1).expect("requests");
    assert!(req.grid().iter().flatten().all(Option::is_some));
}
