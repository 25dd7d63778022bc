//! Arbitrary input never panics.

use gouji_doc::Limits;
use proptest::prelude::*;

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = gouji_docx::extract_docx(&bytes, &Limits::default());
    }

    #[test]
    fn zip_like_bytes_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend_from_slice(&tail);
        bytes.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\x30\0\0\0\x10\0\0\0\0\0");
        let _ = gouji_docx::extract_docx(&bytes, &Limits::default());
    }

    /// Random WordprocessingML-ish markup in a valid container never panics.
    #[test]
    fn random_markup_never_panics(parts in proptest::collection::vec(0usize..14, 0..200)) {
        const TOKENS: [&str; 14] = [
            "<w:tbl>", "</w:tbl>", "<w:tr>", "</w:tr>", "<w:tc>", "</w:tc>", "<w:p>", "</w:p>",
            "<w:r><w:t>7</w:t></w:r>", "<w:tcPr><w:vMerge/></w:tcPr>",
            "<w:tcPr><w:vMerge w:val=\"restart\"/><w:gridSpan w:val=\"3\"/></w:tcPr>",
            "<w:trPr><w:gridBefore w:val=\"2\"/></w:trPr>", "<w:p/>", "<w:tc/>",
        ];
        let body: String = parts.iter().map(|&i| TOKENS[i]).collect();
        let xml = format!("<w:document xmlns:w=\"w\"><w:body>{body}</w:body></w:document>");
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let ok = z.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).is_ok()
            && std::io::Write::write_all(&mut z, xml.as_bytes()).is_ok();
        prop_assume!(ok);
        if let Ok(c) = z.finish() {
            let _ = gouji_docx::extract_docx(&c.into_inner(), &Limits::default());
        }
    }
}
