//! Workbooks written in the test with rust_xlsxwriter.

use gouji_doc::{Block, Document, Limits, Table};
use gouji_xlsx::extract_xlsx;
use rust_xlsxwriter::{Format, Formula, Workbook};

fn extract(wb: &mut Workbook) -> Document {
    let bytes = wb.save_to_buffer().expect("write xlsx");
    extract_xlsx(&bytes, &Limits::default()).expect("extracts")
}

fn texts(t: &Table) -> Vec<Vec<String>> {
    t.grid()
        .iter()
        .map(|row| {
            row.iter()
                .map(|c| c.map(|i| t.cells[i].text.clone()).unwrap_or_default())
                .collect()
        })
        .collect()
}

#[test]
fn values_merges_and_two_tables() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("表").expect("name");
    let f = Format::new();
    ws.write_string(0, 0, "  某某县2024年政府信息公开工作年度报告 ")
        .expect("w");
    // Table 1 with a merged header and a vertical merge.
    ws.merge_range(1, 0, 2, 0, "信息内容", &f).expect("m");
    ws.merge_range(1, 1, 1, 2, "本年", &f).expect("m");
    ws.write_string(2, 1, "制发").expect("w");
    ws.write_string(2, 2, "废止").expect("w");
    ws.write_string(3, 0, "规章").expect("w");
    ws.write_number(3, 1, 5.0).expect("w");
    ws.write_number(3, 2, 96171.6).expect("w");
    ws.write_string(4, 0, "规范性文件").expect("w");
    ws.write_string(4, 1, " 12 ").expect("w"); // number stored as text
    ws.write_number(4, 2, 0.1 + 0.2).expect("w");
    ws.write_formula(5, 0, Formula::new("=B4+B5").set_result("17"))
        .expect("w");
    ws.write_boolean(5, 1, true).expect("w");
    ws.write_number(5, 2, -3.0).expect("w");
    // Empty row 6, then table 2.
    ws.write_string(7, 1, "甲").expect("w");
    ws.write_string(7, 2, "乙").expect("w");
    ws.write_number(8, 1, 1e15).expect("w");
    ws.write_number(8, 2, 2.5).expect("w");

    let doc = extract(&mut wb);
    let kinds: Vec<&str> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(_) => "P",
            Block::Table(_) => "T",
        })
        .collect();
    assert_eq!(kinds, ["P", "T", "T"], "{:#?}", doc.blocks);
    assert_eq!(
        doc.meta.title.as_deref(),
        Some("某某县2024年政府信息公开工作年度报告")
    );
    let tables: Vec<&Table> = doc.tables().collect();
    assert_eq!(
        texts(tables[0]),
        [
            ["信息内容", "本年", "本年"],
            ["信息内容", "制发", "废止"],
            ["规章", "5", "96171.6"],
            ["规范性文件", "12", "0.30000000000000004"],
            ["17", "TRUE", "-3"],
        ]
    );
    let head = &tables[0].cells[0];
    assert_eq!((head.row_span, head.col_span), (2, 1));
    assert_eq!(head.at.to_string(), "表!A2");
    assert_eq!(tables[0].cells[1].col_span, 2);
    // Table 2 starts in column B; its grid starts there too.
    assert_eq!(
        texts(tables[1]),
        [["甲", "乙"], ["1000000000000000", "2.5"]]
    );
    assert_eq!(tables[1].at.to_string(), "表!B8");
}

#[test]
fn blank_cells_inside_a_table_row_exist() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["项目", "甲", "乙", "丙"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("w");
    }
    ws.write_string(1, 0, "一").expect("w");
    ws.write_number(1, 3, 4.0).expect("w");
    ws.write_string(2, 0, "二").expect("w");
    ws.write_number(2, 1, 1.0).expect("w");
    ws.write_number(2, 2, 2.0).expect("w");
    let doc = extract(&mut wb);
    let t = doc.tables().next().expect("table");
    assert_eq!(
        texts(t),
        [
            ["项目", "甲", "乙", "丙"],
            ["一", "", "", "4"],
            ["二", "1", "2", ""],
        ]
    );
    assert_eq!(t.cells.len(), 12);
}

#[test]
fn formula_without_cached_value_and_errors() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "a").expect("w");
    ws.write_string(0, 1, "b").expect("w");
    ws.write_formula(1, 0, Formula::new("=1/0").set_result("#DIV/0!"))
        .expect("w");
    ws.write_formula(1, 1, "=A1").expect("w");
    let doc = extract(&mut wb);
    let t = doc.tables().next().expect("table");
    let row = &texts(t)[1];
    assert_eq!(row[0], "#DIV/0!");
    // No cached value: blank or rust_xlsxwriter's default result 0, never an error.
    assert!(row[1].is_empty() || row[1] == "0", "{row:?}");
}

#[test]
fn sheets_in_workbook_order_and_dates() {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.set_name("Z first").expect("name");
    ws.write_string(0, 0, "第一页").expect("w");
    let ws = wb.add_worksheet();
    ws.set_name("A second").expect("name");
    ws.write_string(0, 0, "日期").expect("w");
    ws.write_number_with_format(0, 1, 45_352.0, &date)
        .expect("w");
    let doc = extract(&mut wb);
    assert_eq!(doc.blocks.len(), 2);
    let Block::Paragraph(p) = &doc.blocks[0] else {
        panic!("{:?}", doc.blocks)
    };
    assert_eq!(p.at.to_string(), "Z first!A1");
    let t = doc.tables().next().expect("table");
    assert_eq!(texts(t), [["日期", "2024-03-01"]]);
    assert_eq!(t.at.to_string(), "A second!A1");
}

#[test]
fn huge_used_range_costs_only_its_values() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "top").expect("w");
    ws.write_string(1_048_575, 16_383, "bottom").expect("w");
    ws.write_string(500_000, 0, "x").expect("w");
    ws.write_string(500_000, 16_383, "y").expect("w");
    let start = std::time::Instant::now();
    let doc = extract(&mut wb);
    assert!(start.elapsed().as_secs() < 10);
    let paras: Vec<String> = doc.paragraphs().map(|p| p.at.to_string()).collect();
    assert_eq!(paras, ["Sheet1!A1", "Sheet1!XFD1048576"]);
    // A 1 x 16384 row does not fit the default 200 000 positions? It does; check it.
    let t = doc.tables().next().expect("wide row");
    assert_eq!((t.rows, t.cols), (1, 16_384));
    // With a tight limit it is dropped with a warning, not an error.
    let bytes = wb.save_to_buffer().expect("write");
    let limits = Limits {
        max_table_positions: 1000,
        ..Limits::default()
    };
    let doc = extract_xlsx(&bytes, &limits).expect("extracts");
    assert_eq!(doc.tables().count(), 0);
    assert!(!doc.warnings.is_empty());
}

#[test]
fn label_only_rows_and_empty_row_split() {
    // A label-only last row with bordered blank cells stays in the table; an empty row
    // splits two tables.
    let mut wb = Workbook::new();
    let border = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
    let ws = wb.add_worksheet();
    ws.write_string_with_format(0, 0, "项目", &border)
        .expect("w");
    ws.write_string_with_format(0, 1, "数", &border).expect("w");
    ws.write_string_with_format(1, 0, "结转", &border)
        .expect("w");
    ws.write_blank(1, 1, &border).expect("w");
    ws.write_string(3, 0, "甲").expect("w");
    ws.write_string(3, 1, "乙").expect("w");
    let doc = extract(&mut wb);
    let tables: Vec<&Table> = doc.tables().collect();
    assert_eq!(tables.len(), 2);
    assert_eq!(texts(tables[0]), [["项目", "数"], ["结转", ""]]);
}

#[test]
fn limits_on_cells_and_blocks() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for r in 0..20u32 {
        ws.write_string(r * 2, 0, format!("段落{r}")).expect("w");
    }
    let bytes = wb.save_to_buffer().expect("write");
    let tight = Limits {
        max_blocks: 5,
        ..Limits::default()
    };
    let doc = extract_xlsx(&bytes, &tight).expect("extracts");
    assert_eq!(doc.blocks.len(), 5);
    assert!(!doc.warnings.is_empty());
    let tight = Limits {
        max_objects: 10,
        ..Limits::default()
    };
    let err = extract_xlsx(&bytes, &tight).expect_err("too many cells");
    assert!(err.to_string().contains("Sheet1!A"), "{err}");
}
