//! The repository's generated DOCX documents: every printed number of the expected record
//! appears, in order, in one row of the right table; merged cells come out as one cell.

use gouji_doc::{Document, Limits, Table};
use std::path::PathBuf;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(name)
}

fn load(name: &str) -> Option<(Document, serde_json::Value)> {
    let path = corpus(&format!("{name}.docx"));
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipping: {} not present", path.display());
        return None;
    };
    let doc = match gouji_docx::extract_docx(&bytes, &Limits::default()) {
        Ok(d) => d,
        Err(e) => panic!("{name}: {e}"),
    };
    let json = std::fs::read_to_string(corpus(&format!("expected/{name}.json")))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null);
    Some((doc, json))
}

/// Texts of the cells anchored on each grid row, in column order.
fn rows(t: &Table) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new(); t.rows];
    for c in &t.cells {
        if let Some(r) = out.get_mut(c.row) {
            r.push(c.text.clone());
        }
    }
    out
}

/// The grid row whose first cell (label) contains `label`.
fn row_with<'a>(rows: &'a [Vec<String>], label: &str) -> Option<&'a Vec<String>> {
    rows.iter().find(|r| r.iter().any(|c| c.contains(label)))
}

/// Table of the document holding the expected table `key` (by a label it must contain).
fn table_for<'a>(doc: &'a Document, key: &str) -> &'a Table {
    let needle = match key {
        "active" => "规章",
        "requests" => "本年新收",
        "appeals" => "行政复议",
        _ => "",
    };
    let found = doc
        .tables()
        .find(|t| t.cells.iter().any(|c| c.text.contains(needle)));
    match found {
        Some(t) => t,
        None => panic!("no table for {key}"),
    }
}

fn check_expected(name: &str) {
    let Some((doc, json)) = load(name) else {
        return;
    };
    assert_eq!(doc.tables().count(), 3, "{name}: {:?}", doc.warnings);
    assert!(doc.text().contains("政府信息公开工作年度报告"));
    // Group expected raws by (table, row) keeping order.
    let mut groups: Vec<((String, String), Vec<String>)> = Vec::new();
    for c in json["cells"].as_array().into_iter().flatten() {
        let key = (
            c["table"].as_str().unwrap_or_default().to_string(),
            c["row"].as_str().unwrap_or_default().to_string(),
        );
        let raw = c["raw"].as_str().unwrap_or_default().to_string();
        match groups.last_mut() {
            Some((k, v)) if *k == key => v.push(raw),
            _ => groups.push((key, vec![raw])),
        }
    }
    assert!(groups.len() > 30, "{name}: expected cells not read");
    let mut checked = 0;
    let mut last: Option<(String, usize)> = None;
    for ((table, row), raws) in &groups {
        let t = table_for(&doc, table);
        let grid_rows = rows(t);
        // The numbers must be a contiguous run of cells of one grid row, and the rows of
        // one table must come in the expected order.
        let from = match &last {
            Some((lt, r)) if lt == table => *r,
            _ => 0,
        };
        let hit = (from..grid_rows.len()).find(|&r| {
            grid_rows[r]
                .windows(raws.len())
                .any(|w| w.iter().zip(raws).all(|(a, b)| a == b))
        });
        match hit {
            Some(r) => last = Some((table.clone(), r)),
            None => {
                panic!("{name}: {table}/{row} {raws:?} not found in rows {from}..: {grid_rows:#?}")
            }
        }
        checked += raws.len();
    }
    assert_eq!(checked, json["cells"].as_array().map_or(0, Vec::len));
}

#[test]
fn d01_every_expected_cell_in_its_row() {
    check_expected("d01-clean-docx");
}

#[test]
fn d02_every_expected_cell_in_its_row() {
    check_expected("d02-t3-sub-docx");
}

#[test]
fn d01_new_row_and_vertical_merged_label() {
    let Some((doc, _)) = load("d01-clean-docx") else {
        return;
    };
    let t = table_for(&doc, "requests");
    let rows = rows(t);
    let new = row_with(&rows, "一、本年新收");
    assert_eq!(
        new.map(|r| r[1..].to_vec()),
        Some(
            ["67", "9", "0", "1", "1", "0", "78"]
                .map(String::from)
                .to_vec()
        )
    );
    let merged: Vec<_> = t
        .cells
        .iter()
        .filter(|c| c.text.contains("三、本年度办理结果"))
        .collect();
    assert_eq!(merged.len(), 1, "{merged:?}");
    assert!(merged[0].row_span > 10, "{:?}", merged[0]);
    assert_eq!(merged[0].col, 0);
    // Every grid position of the statistics table is covered by exactly one cell.
    let grid = t.grid();
    assert!(
        grid.iter().flatten().all(Option::is_some),
        "holes in {grid:?}"
    );
    assert_eq!(doc.meta.title, None);
    assert!(matches!(
        t.cells[0].at,
        gouji_doc::Provenance::Markup {
            row: 1,
            cell: 1,
            ..
        }
    ));
}
