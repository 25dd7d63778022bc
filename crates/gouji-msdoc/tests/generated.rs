//! The extractor on the LibreOffice-generated Word 97 files of `corpus/` (scripts/gen-corpus),
//! and on copies of them altered to be encrypted or to lose their piece table.

use gouji_doc::{Block, Limits, Provenance};
use gouji_msdoc::{DocError, OleKind, extract_doc, sniff_ole};
use std::io::{Cursor, Read, Seek, SeekFrom, Write};

fn corpus(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rewrites `len` bytes at `off` of the WordDocument stream.
fn patch_word(bytes: &[u8], off: u64, new: &[u8]) -> Vec<u8> {
    let mut cf = cfb::CompoundFile::open(Cursor::new(bytes.to_vec())).expect("cfb");
    {
        let mut s = cf.open_stream("/WordDocument").expect("stream");
        s.seek(SeekFrom::Start(off)).expect("seek");
        s.write_all(new).expect("write");
    }
    cf.flush().expect("flush");
    cf.into_inner().into_inner()
}

#[test]
fn doc_tables_have_spans_and_provenance() {
    let doc = extract_doc(&corpus("m01-clean-doc.doc"), &Limits::default()).expect("doc");
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    let tables: Vec<_> = doc.tables().collect();
    assert_eq!(tables.len(), 3);
    // 表三: header cells merged across columns and rows.
    let t = tables[1];
    assert!(t.cols >= 8, "{} cols", t.cols);
    let head = t.cell_at(0, 0).expect("corner");
    assert!(head.row_span >= 2 && head.col_span >= 2, "{head:?}");
    let applicant = t
        .cells
        .iter()
        .find(|c| c.text == "申请人情况")
        .expect("申请人情况");
    assert!(applicant.col_span >= 7, "{applicant:?}");
    assert!(t.cells.iter().any(|c| c.text == "商业企业"));
    assert!(t.cells.iter().any(|c| matches!(
        c.at,
        Provenance::Markup {
            table: 2,
            row: 4,
            ..
        }
    )));
    assert!(doc.paragraphs().any(|p| p.text.contains("一、总体情况")));
    assert!(matches!(doc.blocks.first(), Some(Block::Paragraph(_))));
}

#[test]
fn wps_name_is_a_word_file_and_xls_a_workbook() {
    assert_eq!(sniff_ole(&corpus("m03-clean-wps.wps")), OleKind::Word);
    assert_eq!(sniff_ole(&corpus("m05-clean-xls.xls")), OleKind::Workbook);
    let doc = extract_doc(&corpus("m03-clean-wps.wps"), &Limits::default()).expect("wps");
    assert_eq!(doc.tables().count(), 3);
}

#[test]
fn presentations_and_et_books_are_sniffed_by_stream() {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
    cf.create_stream("/PowerPoint Document")
        .expect("s")
        .write_all(b"x")
        .expect("w");
    cf.flush().expect("flush");
    assert_eq!(
        sniff_ole(&cf.into_inner().into_inner()),
        OleKind::Presentation
    );
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
    cf.create_stream("/Book")
        .expect("s")
        .write_all(b"x")
        .expect("w");
    cf.flush().expect("flush");
    let et = cf.into_inner().into_inner();
    assert_eq!(sniff_ole(&et), OleKind::Workbook);
    assert!(matches!(
        extract_doc(&et, &Limits::default()),
        Err(DocError::MissingStream(_))
    ));
}

#[test]
fn encrypted_file_is_a_clear_error() {
    let b = corpus("m01-clean-doc.doc");
    let mut cf = cfb::CompoundFile::open(Cursor::new(&b[..])).expect("cfb");
    let mut head = [0u8; 12];
    cf.open_stream("/WordDocument")
        .expect("s")
        .read_exact(&mut head)
        .expect("r");
    let flags = u16::from_le_bytes([head[10], head[11]]) | 0x0100;
    let enc = patch_word(&b, 10, &flags.to_le_bytes());
    let e = extract_doc(&enc, &Limits::default()).expect_err("encrypted");
    assert!(matches!(e, DocError::Encrypted), "{e}");
    assert!(e.to_string().contains("encrypted"));
}

#[test]
fn missing_piece_table_is_a_clear_error() {
    let b = corpus("m01-clean-doc.doc");
    // lcbClx of a Word 97 FIB (csw 14, cslw 22) sits at 0x01A6.
    let broken = patch_word(&b, 0x01A6, &0u32.to_le_bytes());
    let e = extract_doc(&broken, &Limits::default()).expect_err("no clx");
    assert!(matches!(e, DocError::NoPieceTable(_)), "{e}");
}

#[test]
fn every_truncation_and_byte_flip_is_an_error_or_a_document() {
    let b = corpus("m02-t3-bal-doc.doc");
    let l = Limits::default();
    for cut in (0..b.len()).step_by(b.len() / 64 + 1) {
        let _ = extract_doc(&b[..cut], &l);
    }
    // Flip bytes of the WordDocument stream's FIB and FKP pages.
    for off in (0u64..2048).step_by(37) {
        let _ = extract_doc(&patch_word(&b, off, &[0xFF, 0x7F]), &l);
    }
}
