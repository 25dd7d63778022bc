//! DOCX files built in the test: spans, merges, nesting, metadata, and hostile containers.

use gouji_doc::{Document, Limit, Limits, OverLimit, Provenance, Table};
use gouji_docx::{DocxError, extract_docx};
use std::io::Write;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        z.start_file(*name, opts).expect("start entry");
        z.write_all(data).expect("write entry");
    }
    z.finish().expect("finish zip").into_inner()
}

fn docx(body: &str) -> Vec<u8> {
    let doc = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>{body}<w:sectPr/></w:body></w:document>"#
    );
    let core = r#"<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>某某县2023年政府信息公开工作年度报告</dc:title><dc:creator>某某县人民政府办公室</dc:creator></cp:coreProperties>"#;
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("_rels/.rels", RELS.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
        ("docProps/core.xml", core.as_bytes()),
    ])
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// A cell: `props` inside `w:tcPr`, then paragraphs.
fn tc(props: &str, paras: &[&str]) -> String {
    let body: String = paras.iter().map(|t| p(t)).collect();
    let body = if body.is_empty() {
        "<w:p/>".to_string()
    } else {
        body
    };
    format!("<w:tc><w:tcPr><w:tcW w:w=\"100\" w:type=\"dxa\"/>{props}</w:tcPr>{body}</w:tc>")
}

fn extract(bytes: &[u8]) -> Document {
    match extract_docx(bytes, &Limits::default()) {
        Ok(d) => d,
        Err(e) => panic!("extraction failed: {e}"),
    }
}

fn first_table(d: &Document) -> &Table {
    match d.tables().next() {
        Some(t) => t,
        None => panic!("no table in {d:?}"),
    }
}

fn text_at(t: &Table, r: usize, c: usize) -> Option<&str> {
    t.cell_at(r, c).map(|c| c.text.as_str())
}

#[test]
fn spans_merges_and_grid_before() {
    // | 三、结果 (vMerge 3 rows) | 自然人      | 法人 (span 2) |
    // |                          | 1           | 2   | 3       |
    // |                          | (gridBefore 1, continue) 4 | 5 | 6 |
    // | (gridBefore 1) x | y (gridSpan 2)                             |
    let body = format!(
        "{}<w:tbl><w:tblPr/><w:tblGrid><w:gridCol w:w=\"1\"/></w:tblGrid>\
         <w:tr>{}{}{}</w:tr>\
         <w:tr>{}{}{}{}</w:tr>\
         <w:tr>{}{}{}{}</w:tr>\
         <w:tr><w:trPr><w:gridBefore w:val=\"1\"/><w:gridAfter w:val=\"1\"/></w:trPr>{}{}</w:tr>\
         </w:tbl>{}",
        p("前言"),
        tc(
            "<w:vMerge w:val=\"restart\"/><w:textDirection w:val=\"tbRl\"/>",
            &["三、本年度", "办理结果"]
        ),
        tc("", &["自然人"]),
        tc("<w:gridSpan w:val=\"2\"/>", &["法人"]),
        tc("<w:vMerge/>", &[]),
        tc("", &["1"]),
        tc("", &["2"]),
        tc("", &["3"]),
        tc("<w:vMerge w:val=\"continue\"/>", &[]),
        tc("", &["4"]),
        tc("", &["5"]),
        tc("", &["6"]),
        tc("", &["x"]),
        tc("<w:gridSpan w:val=\"2\"/>", &["y"]),
        p("后记"),
    );
    let d = extract(&docx(&body));
    assert_eq!(d.blocks.len(), 3);
    assert_eq!(
        d.meta.title.as_deref(),
        Some("某某县2023年政府信息公开工作年度报告")
    );
    assert_eq!(d.meta.author.as_deref(), Some("某某县人民政府办公室"));
    let t = first_table(&d);
    assert_eq!((t.rows, t.cols), (4, 4));
    let label = &t.cells[0];
    assert_eq!(label.text, "三、本年度\n办理结果");
    assert_eq!((label.row_span, label.col_span), (3, 1));
    assert_eq!(
        t.cells
            .iter()
            .filter(|c| c.text.contains("办理结果"))
            .count(),
        1
    );
    assert_eq!(text_at(t, 0, 2), Some("法人"));
    assert_eq!(text_at(t, 0, 3), Some("法人"));
    assert_eq!(text_at(t, 1, 1), Some("1"));
    assert_eq!(text_at(t, 2, 3), Some("6"));
    // gridBefore leaves the first column empty; y spans two columns.
    assert_eq!(text_at(t, 3, 0), None);
    assert_eq!(text_at(t, 3, 1), Some("x"));
    assert_eq!(text_at(t, 3, 3), Some("y"));
    // No empty cells from the continuations.
    assert!(t.cells.iter().all(|c| !c.text.is_empty()), "{:?}", t.cells);
    let six = t.cell_at(2, 3).map(|c| c.at.clone());
    assert_eq!(
        six,
        Some(Provenance::Markup {
            table: 1,
            row: 3,
            cell: 4
        })
    );
    let paras: Vec<_> = d
        .paragraphs()
        .map(|p| (p.text.clone(), p.at.clone()))
        .collect();
    assert_eq!(
        paras,
        vec![
            ("前言".to_string(), Provenance::Block { index: 1 }),
            ("后记".to_string(), Provenance::Block { index: 2 })
        ]
    );
}

#[test]
fn nested_table_goes_into_cell_text() {
    let inner = format!(
        "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>",
        tc("", &["a"]),
        tc("", &["b"]),
        tc("", &["c"]),
        tc("", &["d"])
    );
    let body = format!(
        "<w:tbl><w:tr>{}<w:tc><w:p><w:r><w:t>before</w:t></w:r></w:p>{inner}<w:p><w:r><w:t>after</w:t></w:r></w:p></w:tc></w:tr>\
         <w:tr>{}{}</w:tr></w:tbl><w:tbl><w:tr>{}</w:tr></w:tbl>",
        tc("", &["L"]),
        tc("", &["1"]),
        tc("", &["2"]),
        tc("", &["z"]),
    );
    let d = extract(&docx(&body));
    assert_eq!(d.tables().count(), 2);
    let t = first_table(&d);
    assert_eq!((t.rows, t.cols), (2, 2));
    assert_eq!(text_at(t, 0, 1), Some("before\na b\nc d\nafter"));
    assert_eq!(text_at(t, 1, 1), Some("2"));
    // The nested table counts in the numbering of tables.
    let second = d.tables().nth(1).map(|t| t.cells[0].at.clone());
    assert_eq!(
        second,
        Some(Provenance::Markup {
            table: 3,
            row: 1,
            cell: 1
        })
    );
    assert!(d.warnings.iter().any(|w| w.message.contains("nested")));
}

#[test]
fn zip_bomb_is_an_error() {
    let body = format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", " ".repeat(8 << 20));
    let bytes = docx(&body);
    assert!(bytes.len() < 200_000, "compressed {}", bytes.len());
    let limits = Limits {
        max_decompressed_bytes: 1 << 20,
        ..Limits::default()
    };
    let r = extract_docx(&bytes, &limits);
    assert!(
        matches!(&r, Err(DocxError::Limit(e)) if e.limit == Limit::DecompressedBytes),
        "{r:?}"
    );
    // Within the default limits it is just a (blank) document.
    assert!(extract_docx(&bytes, &Limits::default()).is_ok());
}

#[test]
fn garbage_and_truncated_are_errors() {
    let r = extract_docx(b"this is not a zip file at all", &Limits::default());
    assert!(matches!(r, Err(DocxError::Zip(_))), "{r:?}");
    assert!(extract_docx(&[], &Limits::default()).is_err());
    let bytes = docx(&p("hello"));
    for cut in [bytes.len() / 2, bytes.len() - 10, 30] {
        let r = extract_docx(&bytes[..cut], &Limits::default());
        assert!(r.is_err(), "cut at {cut}: {r:?}");
    }
    // A corrupted deflate stream inside a valid directory.
    let mut bad = bytes.clone();
    if let Some(pos) = bad.windows(17).position(|w| w == b"word/document.xml") {
        for b in bad.iter_mut().skip(pos + 17).take(40) {
            *b ^= 0x5a;
        }
    }
    let _ = extract_docx(&bad, &Limits::default());
}

#[test]
fn limits_on_input_entries_and_depth() {
    let bytes = docx(&p("x"));
    let small = Limits {
        max_input_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        extract_docx(&bytes, &small),
        Err(DocxError::Limit(OverLimit {
            limit: Limit::InputBytes,
            ..
        }))
    ));
    let few = Limits {
        max_objects: 2,
        ..Limits::default()
    };
    assert!(matches!(
        extract_docx(&bytes, &few),
        Err(DocxError::Limit(OverLimit {
            limit: Limit::Objects,
            found: Some(4),
            max: 2,
            ..
        }))
    ));
    let deep =
        "<w:sdt><w:sdtContent>".repeat(200) + &p("x") + &"</w:sdtContent></w:sdt>".repeat(200);
    let r = extract_docx(&docx(&deep), &Limits::default());
    assert!(
        matches!(&r, Err(DocxError::Limit(e)) if e.limit == Limit::Depth),
        "{r:?}"
    );
}

#[test]
fn huge_table_is_truncated_not_fatal() {
    let row = format!("<w:tr>{}</w:tr>", tc("", &["1"]).repeat(20));
    let body = format!("<w:tbl>{}</w:tbl>{}", row.repeat(100), p("tail"));
    let limits = Limits {
        max_table_positions: 500,
        ..Limits::default()
    };
    let d = extract_docx(&docx(&body), &limits).unwrap_or_default();
    let t = first_table(&d);
    assert!(t.rows * t.cols <= 500);
    assert!(t.rows >= 20);
    assert!(
        d.warnings
            .iter()
            .any(|w| w.message.contains("grid positions"))
    );
    assert_eq!(d.text(), "tail\n");
    // A gridSpan of absurd size is clipped, not allocated.
    let body = format!(
        "<w:tbl><w:tr>{}</w:tr></w:tbl>",
        tc("<w:gridSpan w:val=\"99999999999\"/>", &["x"])
    );
    let d = extract(&docx(&body));
    assert!(first_table(&d).cols <= 1000);
}

#[test]
fn missing_main_part_and_custom_main_part() {
    let bytes = zip_of(&[("word/other.xml", b"<x/>")]);
    assert!(matches!(
        extract_docx(&bytes, &Limits::default()),
        Err(DocxError::NoDocument)
    ));
    let rels = RELS.replace("word/document.xml", "/word/document2.xml");
    let doc = format!(
        "<w:document xmlns:w=\"{W}\"><w:body>{}</w:body></w:document>",
        p("main")
    );
    let bytes = zip_of(&[
        ("_rels/.rels", rels.as_bytes()),
        ("word/document2.xml", doc.as_bytes()),
    ]);
    assert_eq!(extract(&bytes).text(), "main\n");
}

#[test]
fn malformed_xml_is_an_error() {
    let bytes = zip_of(&[("word/document.xml", b"<w:document><w:body><w:p></w:tbl>")]);
    let r = extract_docx(&bytes, &Limits::default());
    assert!(matches!(r, Err(DocxError::Xml { .. })), "{r:?}");
}
