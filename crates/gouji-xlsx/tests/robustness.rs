//! Broken, hostile and random input: errors, never panics.

use gouji_doc::{Limit, Limits};
use gouji_xlsx::{SheetError, extract_xls, extract_xlsx};
use proptest::prelude::*;
use std::io::Write;
use std::path::PathBuf;

fn x01() -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../corpus/x01-clean-xlsx.xlsx");
    std::fs::read(p).expect("fixture")
}

#[test]
fn garbage_and_truncated_input_error() {
    let l = Limits::default();
    for bytes in [
        &b""[..],
        b"hello",
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"<html>not a sheet</html>",
    ] {
        assert!(extract_xlsx(bytes, &l).is_err());
        assert!(extract_xls(bytes, &l).is_err());
    }
    let full = x01();
    for cut in [10, 100, full.len() / 2, full.len() - 30] {
        assert!(extract_xlsx(&full[..cut], &l).is_err(), "cut at {cut}");
        assert!(extract_xls(&full[..cut], &l).is_err());
    }
    // An XLSX read as XLS is an error too.
    assert!(extract_xls(&full, &l).is_err());
}

#[test]
fn zip_with_no_workbook_is_an_error() {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .expect("start");
        z.write_all(b"hi").expect("write");
        z.finish().expect("finish");
    }
    let err = extract_xlsx(buf.get_ref(), &Limits::default()).expect_err("no workbook");
    assert!(matches!(err, SheetError::Xlsx { .. }), "{err}");
}

/// A valid workbook plus one member of zeros that inflates past the limit.
#[test]
fn zip_bomb_errors_before_calamine_reads_it() {
    let full = x01();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(&full)).expect("zip");
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        for i in 0..src.len() {
            let f = src.by_index(i).expect("member");
            z.raw_copy_file(f).expect("copy");
        }
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file("xl/media/bomb.bin", opts).expect("start");
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..8 {
            z.write_all(&zeros).expect("write");
        }
        z.finish().expect("finish");
    }
    let bytes = buf.into_inner();
    assert!(bytes.len() < 200_000, "{}", bytes.len());
    let limits = Limits {
        max_decompressed_bytes: 4 << 20,
        ..Limits::default()
    };
    let err = extract_xlsx(&bytes, &limits).expect_err("bomb");
    assert!(
        matches!(&err, SheetError::Limit(e) if e.limit == Limit::DecompressedBytes),
        "{err}"
    );
    assert!(err.to_string().contains("bomb.bin"), "{err}");
    // Under the default limits the same workbook reads fine.
    assert!(extract_xlsx(&bytes, &Limits::default()).is_ok());
    // Entry count.
    let few = Limits {
        max_objects: 3,
        ..Limits::default()
    };
    assert!(matches!(
        extract_xlsx(&bytes, &few),
        Err(SheetError::Limit(e)) if e.limit == Limit::Objects
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let l = Limits::default();
        let _ = extract_xlsx(&bytes, &l);
        let _ = extract_xls(&bytes, &l);
    }

    #[test]
    fn random_zip_like_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend_from_slice(&tail);
        bytes.extend_from_slice(b"PK\x05\x06");
        let _ = extract_xlsx(&bytes, &Limits::default());
        let mut ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".to_vec();
        ole.extend_from_slice(&tail);
        let _ = extract_xls(&ole, &Limits::default());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Damaged copies of a real workbook: a few bytes overwritten anywhere.
    #[test]
    fn damaged_workbook_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut bytes = x01();
        let n = bytes.len();
        for (at, b) in edits {
            bytes[at % n] = b;
        }
        if let Ok(doc) = extract_xlsx(&bytes, &Limits::default()) {
            for t in doc.tables() {
                for c in &t.cells {
                    prop_assert!(c.row + c.row_span <= t.rows && c.col + c.col_span <= t.cols);
                }
            }
        }
    }
}
