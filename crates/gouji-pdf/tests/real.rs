//! The two real WPS-exported reports: every printed table value must come out in the
//! right row and order, split tables joined, vertical labels read, narrative kept.

use gouji_doc::{Block, Document, Limits, Table};
use std::path::PathBuf;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/real")
        .join(name)
}

fn extract(name: &str) -> Option<Document> {
    let path = corpus(name);
    let Ok(bytes) = std::fs::read(&path) else {
        // CI keeps /work/shared beside the checkout; elsewhere the corpus may be absent.
        eprintln!("skipping: {} not found", path.display());
        return None;
    };
    match gouji_pdf::extract_pdf(&bytes, &Limits::default()) {
        Ok(d) => Some(d),
        Err(e) => panic!("{name}: {e}"),
    }
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Each grid row as (texts of its anchored cells in column order).
fn rows(t: &Table) -> Vec<Vec<&str>> {
    let mut out = vec![Vec::new(); t.rows];
    for c in &t.cells {
        out[c.row].push(c.text.as_str());
    }
    out
}

fn numbers(row: &[&str]) -> Vec<String> {
    row.iter()
        .filter(|s| is_number(s))
        .map(|s| s.to_string())
        .collect()
}

fn find_row<'a>(doc: &'a Document, label: &str) -> Option<(&'a Table, Vec<&'a str>)> {
    doc.tables().find_map(|t| {
        rows(t)
            .into_iter()
            .find(|r| r.iter().any(|c| c.contains(label)))
            .map(|r| (t, r))
    })
}

/// Every (table, row) group of the truth file is a contiguous run of the numbers of one
/// grid row, in truth order.
fn check_truth(doc: &Document, truth_name: &str) {
    check_expected(doc, &corpus(&format!("truth/{truth_name}")));
}

fn check_expected(doc: &Document, path: &std::path::Path) {
    let truth_name = path.display();
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let truth: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut groups: Vec<((String, String), Vec<String>)> = Vec::new();
    for c in truth["cells"].as_array().into_iter().flatten() {
        let key = (
            c["table"].as_str().unwrap_or_default().to_string(),
            c["row"].as_str().unwrap_or_default().to_string(),
        );
        // A blank printed cell (planted MISSING-TOTAL) has no text to find.
        let Some(raw) = c["raw"]
            .as_str()
            .filter(|r| !r.is_empty())
            .map(str::to_string)
        else {
            continue;
        };
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(raw),
            None => groups.push((key, vec![raw])),
        }
    }
    assert!(groups.len() > 20, "truth file has too few rows");
    // Non-empty cell texts of each row: values like "682000元" are raw text, not numbers.
    let all_rows: Vec<Vec<String>> = doc
        .tables()
        .flat_map(|t| {
            rows(t).into_iter().map(|r| {
                r.iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_string())
                    .collect()
            })
        })
        .collect();
    for (key, want) in &groups {
        let found = all_rows
            .iter()
            .any(|r| r.windows(want.len()).any(|w| w == want.as_slice()));
        assert!(found, "{truth_name}: {key:?} {want:?} not found in any row");
    }
}

fn common_checks(doc: &Document) {
    // Split 表三: first and last rows (pages apart) live in one table.
    let (t_new, _) = find_row(doc, "本年新收").expect("本年新收 row");
    let (t_out, _) = find_row(doc, "结转下年度").expect("结转下年度 row");
    let (t_total, _) = find_row(doc, "（七）总计").expect("（七）总计 row");
    assert!(
        std::ptr::eq(t_new, t_out) && std::ptr::eq(t_new, t_total),
        "表三 not joined"
    );
    // The vertical label, read top to bottom, in one cell spanning the result rows.
    let label = t_new
        .cells
        .iter()
        .find(|c| c.text.split_whitespace().collect::<String>() == "三、本年度办理结果")
        .expect("vertical label cell");
    assert!(label.row_span >= 20, "label spans {} rows", label.row_span);
    // The merged 无法提供 cell cut by the page break is whole again.
    let cut = t_new
        .cells
        .iter()
        .find(|c| c.text == "（四）无法提供")
        .expect("（四）无法提供");
    assert_eq!(cut.row_span, 3);
    // Repeated headers: 申请人情况 appears once.
    assert_eq!(
        t_new
            .cells
            .iter()
            .filter(|c| c.text == "申请人情况")
            .count(),
        1
    );
    // No page numbers among paragraphs.
    for b in &doc.blocks {
        if let Block::Paragraph(p) = b {
            let t = p
                .text
                .trim_matches(|c: char| c == '-' || c == '—' || c.is_whitespace());
            assert!(
                !t.chars().all(|c| c.is_ascii_digit()),
                "page number kept: {:?}",
                p.text
            );
        }
    }
}

#[test]
fn huaian_city() {
    let Some(doc) = extract("huaian-city-2024.pdf") else {
        return;
    };
    assert_eq!(doc.meta.pages, Some(6));
    assert_eq!(doc.meta.title.as_deref(), Some("政府信息公开工作年度报告"));
    let (_, row) = find_row(&doc, "本年新收").expect("本年新收");
    assert_eq!(numbers(&row), ["3001", "53", "0", "0", "61", "4", "3119"]);
    let appeals = doc
        .tables()
        .flat_map(rows)
        .map(|r| numbers(&r))
        .find(|n| n.windows(5).any(|w| w == ["72", "64", "178", "37", "351"]));
    assert!(appeals.is_some(), "appeals row");
    let (_, fee) = find_row(&doc, "行政事业性收费").expect("fees row");
    assert_eq!(numbers(&fee), ["96171.6"]);
    common_checks(&doc);
    check_truth(&doc, "huaian-city-2024.json");
    let text = doc.text();
    assert!(text.contains("全市共受理政府信息公开申请3119件，答复3050件"));
    // A paragraph running over the page break (p5 → p6) is one paragraph.
    assert!(
        text.contains("对照上级新要求和公众新期待，还有一些需要加强和改进的地方。主要表现在：")
    );
    assert!(text.contains("全年收取政府信息公开信息处理费3940元。"));
}

#[test]
fn huaian_hongze() {
    let Some(doc) = extract("huaian-hongze-2024.pdf") else {
        return;
    };
    assert_eq!(doc.meta.pages, Some(5));
    let (_, row) = find_row(&doc, "本年新收").expect("本年新收");
    assert_eq!(numbers(&row), ["95", "0", "0", "0", "0", "0", "95"]);
    // 表二 runs over pp.2–3 and is one table.
    let (t1, _) = find_row(&doc, "行政规范性文件").expect("表二 first part");
    let (t2, _) = find_row(&doc, "行政事业性收费").expect("表二 second part");
    assert!(std::ptr::eq(t1, t2), "表二 not joined");
    let (_, label) = find_row(&doc, "其他法律行政").expect("typo row");
    assert!(label.iter().any(|c| c.contains("2.其他法律行政止公开")));
    common_checks(&doc);
    check_truth(&doc, "huaian-hongze-2024.json");
    assert!(doc.text().contains("受理政府信息公开申请17件"));
}

#[test]
fn truncated_and_garbage_inputs_fail_cleanly() {
    let limits = Limits::default();
    assert!(gouji_pdf::extract_pdf(b"", &limits).is_err());
    assert!(gouji_pdf::extract_pdf(b"not a pdf at all \x00\xff\x13", &limits).is_err());
    assert!(gouji_pdf::extract_pdf(b"%PDF-1.7\n1 0 obj << /Type /Catalog", &limits).is_err());
    let Ok(bytes) = std::fs::read(corpus("huaian-city-2024.pdf")) else {
        return;
    };
    // Cut at many points: an error or a partial document, never a panic.
    for frac in [1, 5, 10, 33, 50, 90, 99] {
        let cut = &bytes[..bytes.len() * frac / 100];
        let _ = gouji_pdf::extract_pdf(cut, &limits);
    }
    assert!(gouji_pdf::extract_pdf(&bytes[..300], &limits).is_err());
    // Flipped bytes in the middle.
    let mut bad = bytes.clone();
    for i in (1000..bad.len()).step_by(997) {
        bad[i] ^= 0x5a;
    }
    let _ = gouji_pdf::extract_pdf(&bad, &limits);
}

#[test]
fn limits_are_enforced() {
    let Ok(bytes) = std::fs::read(corpus("huaian-city-2024.pdf")) else {
        return;
    };
    let tight = |f: fn(&mut Limits)| {
        let mut l = Limits::default();
        f(&mut l);
        gouji_pdf::extract_pdf(&bytes, &l)
    };
    let e = tight(|l| l.max_pages = 2).expect_err("pages");
    // The bounded page-tree walk stops one page past the limit.
    assert!(
        e.to_string()
            .contains("3 pages or more, over the limit of 2"),
        "{e}"
    );
    let e = tight(|l| l.max_ops_per_page = 100).expect_err("ops");
    assert!(e.to_string().contains("page 1"), "{e}");
    assert!(tight(|l| l.max_decompressed_bytes = 10_000).is_err());
    assert!(tight(|l| l.max_objects = 10).is_err());
    assert!(tight(|l| l.max_input_bytes = 1000).is_err());
}

/// The project's generated LibreOffice PDFs (repo `corpus/`): ruled tables split across
/// pages with differing column sets, a vertical label, and borderless tables.
#[test]
fn generated_libreoffice_pdfs() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    for stem in [
        "p01-clean-table-break",
        "p02-vertical-t3-bal",
        "p03-unruled-clean",
        "p04-gk2019-t4-sum",
        "p05-single-other-missing-total",
    ] {
        let Ok(bytes) = std::fs::read(dir.join(format!("{stem}.pdf"))) else {
            eprintln!("skipping {stem}: not found");
            continue;
        };
        let doc = gouji_pdf::extract_pdf(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        check_expected(&doc, &dir.join(format!("expected/{stem}.json")));
        if stem != "p03-unruled-clean" {
            let (t_new, _) = find_row(&doc, "本年新收").expect("本年新收 row");
            let (t_out, _) = find_row(&doc, "结转下年度").expect("结转下年度 row");
            assert!(std::ptr::eq(t_new, t_out), "{stem}: 表三 not joined");
        }
    }
}

/// reportlab PDFs in STSong-Light without ToUnicode: UniGB-UCS2-H strings (r01, r02) and
/// the same rewritten to raw Adobe-GB1 CIDs under Identity-H (r03, r04).
#[test]
fn generated_pdfs_without_tounicode() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    for stem in [
        "r01-stsong-clean",
        "r02-stsong-t3-bal",
        "r03-gb1-cid-t3-res",
        "r04-gb1-cid-clean",
    ] {
        let bytes = std::fs::read(dir.join(format!("{stem}.pdf")))
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let doc = gouji_pdf::extract_pdf(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        check_expected(&doc, &dir.join(format!("expected/{stem}.json")));
        assert!(doc.warnings.is_empty(), "{stem}: {:?}", doc.warnings);
    }
}

/// `corpus/p01` with its ToUnicode maps removed, and its fonts renamed `rename` when given.
fn p01_without_tounicode(rename: Option<&str>) -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/p01-clean-table-break.pdf");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut doc = lopdf::Document::load_mem(&bytes).expect("corpus PDF loads");
    let mut removed = 0;
    for obj in doc.objects.values_mut() {
        if let Ok(d) = obj.as_dict_mut() {
            if d.remove(b"ToUnicode").is_some() {
                removed += 1;
            }
            if let (Some(name), true) = (rename, d.has(b"BaseFont")) {
                d.set("BaseFont", lopdf::Object::Name(name.as_bytes().to_vec()));
            }
        }
    }
    assert!(removed > 0);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write PDF");
    out
}

/// A LibreOffice PDF with its ToUnicode maps removed: the Type 1 subsets' glyphs are named
/// `cidNNNNN`, and their text comes from the installed font the PDF names (Noto Serif CJK,
/// Debian's fonts-noto-cjk, which `make test` installs): every cell as with the maps.
#[test]
fn libreoffice_pdf_without_tounicode_reads_through_the_installed_font() {
    let doc = gouji_pdf::extract_pdf(&p01_without_tounicode(None), &Limits::default())
        .unwrap_or_else(|e| panic!("p01 without ToUnicode: {e} (is fonts-noto-cjk installed?)"));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    check_expected(&doc, &dir.join("expected/p01-clean-table-break.json"));
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
}

/// Without that font nothing can be decoded. That is a clear error, not Latin letters read
/// through StandardEncoding (regression: it was read as garbage text).
#[test]
fn libreoffice_pdf_without_tounicode_or_its_font_is_undecodable() {
    let out = p01_without_tounicode(Some("ABCDEF+NoSuchFont-Regular"));
    match gouji_pdf::extract_pdf(&out, &Limits::default()) {
        Err(gouji_pdf::PdfError::Undecodable { glyphs }) => assert!(glyphs > 1000),
        Err(e) => panic!("unexpected error {e}"),
        Ok(d) => panic!("decoded garbage: {:?}", d.blocks.first()),
    }
}
