//! Word 97 / WPS / Excel-as-web-page inputs through the whole pipeline (issue 10): the
//! record's format, and a clear error for WPS presentations.

use gouji::model::Source;
use gouji::pipeline::{Options, process_bytes};
use std::io::{Cursor, Write};

fn record(bytes: &[u8], input: &str) -> gouji::model::Record {
    let source = Source {
        input: input.to_string(),
        format: "unknown".into(),
        ..Source::default()
    };
    process_bytes(source, bytes, None, &Options::default())
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/corpus/{name}", env!("CARGO_MANIFEST_DIR"))).expect("corpus file")
}

#[test]
fn formats_are_named_by_content() {
    for (file, format) in [
        ("m02-t3-bal-doc.doc", "doc"),
        ("m04-t4-sum-wps.wps", "doc"),
        ("m06-t3-res-xls.xls", "xls"),
        ("m08-missing-total-xlshtml.xls", "html"),
        ("m10-t3-col-xlsmht.xls", "mhtml"),
    ] {
        let rec = record(&corpus(file), file);
        assert_eq!(rec.source.format, format, "{file}");
        assert_eq!(rec.status.as_str(), "ok", "{file}: {:?}", rec.errors);
    }
}

#[test]
fn a_dps_presentation_is_a_clear_error() {
    let mut cf = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("create");
    cf.create_stream("/PowerPoint Document")
        .expect("stream")
        .write_all(b"slides")
        .expect("write");
    cf.flush().expect("flush");
    let rec = record(&cf.into_inner().into_inner(), "report.dps");
    assert_eq!(rec.status.as_str(), "failed");
    assert!(
        rec.errors
            .iter()
            .any(|e| e.message.contains("unsupported format: presentation")),
        "{:?}",
        rec.errors
    );
}
