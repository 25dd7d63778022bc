//! XLS: the x01 fixture converted by LibreOffice into a temporary directory (skipped when
//! `soffice` is not installed), read back and compared with the XLSX reading.

use gouji_doc::{Document, Limits};
use gouji_xlsx::{extract_xls, extract_xlsx};
use std::path::PathBuf;
use std::process::Command;

/// (row, col, row span, col span, text) of one cell.
type CellKey = (usize, usize, usize, usize, String);

fn grid_texts(doc: &Document) -> Vec<Vec<CellKey>> {
    doc.tables()
        .map(|t| {
            t.cells
                .iter()
                .map(|c| (c.row, c.col, c.row_span, c.col_span, c.text.clone()))
                .collect()
        })
        .collect()
}

#[test]
fn x01_as_xls_reads_like_the_xlsx() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let src = root.join("corpus/x01-clean-xlsx.xlsx");
    let dir = std::env::temp_dir().join(format!("gouji-xlsx-test-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    let status = Command::new("soffice")
        .args([
            profile.as_str(),
            "--headless",
            "--convert-to",
            "xls",
            "--outdir",
        ])
        .arg(&dir)
        .arg(&src)
        .output();
    let out = dir.join("x01-clean-xlsx.xls");
    let ok = matches!(&status, Ok(o) if o.status.success()) && out.exists();
    if !ok {
        eprintln!("soffice unavailable or conversion failed; skipping: {status:?}");
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let xls = std::fs::read(&out).expect("converted file");
    let _ = std::fs::remove_dir_all(&dir);
    let l = Limits::default();
    let a = extract_xlsx(&std::fs::read(&src).expect("fixture"), &l).expect("xlsx");
    let b = extract_xls(&xls, &l).expect("xls");
    assert_eq!(grid_texts(&a), grid_texts(&b));
    let pa: Vec<&str> = a.paragraphs().map(|p| p.text.as_str()).collect();
    let pb: Vec<&str> = b.paragraphs().map(|p| p.text.as_str()).collect();
    assert_eq!(pa, pb);
    // Truncated XLS errors cleanly.
    assert!(extract_xls(&xls[..xls.len() / 2], &l).is_err());
}
