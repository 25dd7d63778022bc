//! Format detection by content (magic bytes and markup sniffing), with the file name or
//! URL extension and the declared content type only as tie-breakers: a PDF served as
//! text/html is still a PDF.

use std::fmt;

/// A document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PDF.
    Pdf,
    /// HTML page.
    Html,
    /// Plain text or Markdown.
    Text,
    /// MHTML web archive (e.g. Excel's single-file web page saved as `.xls`/`.mht`).
    Mhtml,
    /// Word 2007+ (.docx).
    Docx,
    /// Excel 2007+ (.xlsx).
    Xlsx,
    /// Word 97–2003 (.doc) or WPS.
    Doc,
    /// Excel 97–2003 (.xls) or WPS spreadsheet (.et).
    Xls,
    /// PowerPoint 97–2003 (.ppt) or WPS presentation (.dps): recognised, not read.
    Presentation,
    /// OpenDocument (.odt/.ods).
    OpenDocument,
    /// Another ZIP archive.
    Zip,
    /// An image (a scanned report).
    Image,
    /// Unrecognised binary data.
    Unknown,
}

impl Format {
    /// The key used in records (`source.format`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Text => "text",
            Format::Mhtml => "mhtml",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Doc => "doc",
            Format::Xls => "xls",
            Format::Presentation => "presentation",
            Format::OpenDocument => "odf",
            Format::Zip => "zip",
            Format::Image => "image",
            Format::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn extension(name: &str) -> Option<String> {
    let path = name.split(['?', '#']).next().unwrap_or(name);
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    file.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
}

/// Detects the format of `bytes`; `name` (path or URL) breaks ties.
pub fn detect(bytes: &[u8], name: &str) -> Format {
    let head = &bytes[..bytes.len().min(2048)];
    let ext = extension(name);
    if contains(&head[..head.len().min(1024)], b"%PDF-") {
        return Format::Pdf;
    }
    if head.starts_with(b"PK\x03\x04") {
        // Member names sit in the local headers near the start and in the central directory.
        if contains(bytes, b"word/") {
            return Format::Docx;
        }
        if contains(bytes, b"xl/") {
            return Format::Xlsx;
        }
        if contains(head, b"mimetypeapplication/vnd.oasis.opendocument") {
            return Format::OpenDocument;
        }
        return Format::Zip;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // By the compound file's streams, never by the extension: a `.wps` is a Word
        // file, an `.et` an Excel workbook, a `.dps` a PowerPoint presentation.
        return match gouji_msdoc::sniff_ole(bytes) {
            gouji_msdoc::OleKind::Word => Format::Doc,
            gouji_msdoc::OleKind::Workbook => Format::Xls,
            gouji_msdoc::OleKind::Presentation => Format::Presentation,
            gouji_msdoc::OleKind::Other => Format::Unknown,
            // A damaged compound file: the name is the only evidence left, and handing
            // it to its reader gives the user that reader's precise error (e.g. "FAT
            // chain loops") instead of "unsupported format".
            gouji_msdoc::OleKind::Unreadable => match extension(name).as_deref() {
                Some("xls" | "et" | "xlt") => Format::Xls,
                Some("doc" | "wps" | "dot" | "wpt") => Format::Doc,
                _ => Format::Unknown,
            },
        };
    }
    if head.starts_with(b"\x89PNG")
        || head.starts_with(&[0xFF, 0xD8, 0xFF])
        || head.starts_with(b"GIF8")
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
    {
        return Format::Image;
    }
    if head.contains(&0) && !looks_utf16(head) {
        return Format::Unknown;
    }
    if crate::mhtml::looks_like_mhtml(head) {
        return Format::Mhtml;
    }
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let markup = [
        &b"<!doctype html"[..],
        b"<html",
        b"<body",
        b"<table",
        b"<div",
        b"<p>",
        b"<p ",
        b"<meta",
        b"<head",
    ];
    if markup.iter().any(|m| contains(&lower, m)) && ext.as_deref() != Some("md") {
        return Format::Html;
    }
    match ext.as_deref() {
        Some("htm" | "html" | "shtml" | "xhtml") if lower.contains(&b'<') => Format::Html,
        _ => Format::Text,
    }
}

fn looks_utf16(head: &[u8]) -> bool {
    head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a `.xls` whose FAT loops could not be opened by the sniffer and came
    /// out as "unsupported format: unknown"; it now reaches the xls reader, whose own
    /// chain check names the loop.
    #[test]
    fn damaged_compound_file_is_judged_by_its_name() {
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.resize(1024, 0xFF);
        assert_eq!(detect(&ole, "h07.xls"), Format::Xls);
        assert_eq!(detect(&ole, "report.wps"), Format::Doc);
        assert_eq!(detect(&ole, "blob"), Format::Unknown);
    }

    #[test]
    fn content_beats_name() {
        assert_eq!(detect(b"%PDF-1.7\n...", "page.html"), Format::Pdf);
        assert_eq!(detect(b"<!DOCTYPE html><html>", "report.pdf"), Format::Html);
        assert_eq!(detect("一、总体情况".as_bytes(), "x"), Format::Text);
        assert_eq!(detect(b"# title\n<p>x</p>", "a.md"), Format::Text);
        assert_eq!(detect(b"\x89PNG\r\n", "scan"), Format::Image);
        assert_eq!(
            detect(b"PK\x03\x04....word/document.xml", "a"),
            Format::Docx
        );
        assert_eq!(detect(b"PK\x03\x04....xl/workbook.xml", "a"), Format::Xlsx);
        assert_eq!(detect(&[0, 1, 2, 3, 0, 0], "a"), Format::Unknown);
    }

    #[test]
    fn office_binaries_and_web_page_spreadsheets_by_content() {
        let f = |n: &str| std::fs::read(format!("{}/../../corpus/{n}", env!("CARGO_MANIFEST_DIR")));
        let cases = [
            ("m01-clean-doc.doc", "x.xls", Format::Doc),
            ("m03-clean-wps.wps", "x.wps", Format::Doc),
            ("m05-clean-xls.xls", "x.doc", Format::Xls),
            ("m07-clean-xlshtml.xls", "x.xls", Format::Html),
            ("m09-clean-xlsmht.xls", "x.xls", Format::Mhtml),
            ("m10-t3-col-xlsmht.xls", "x.xls", Format::Mhtml),
        ];
        for (file, name, want) in cases {
            let bytes = f(file).expect("corpus file");
            assert_eq!(detect(&bytes, name), want, "{file}");
        }
        // A compound file whose streams cannot be read is judged by its name, so the
        // reader's own error says what is broken; see
        // `damaged_compound_file_is_judged_by_its_name`.
        let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        ole.resize(1024, 0);
        assert_eq!(detect(&ole, "a.doc"), Format::Doc);
        assert_eq!(detect(&ole, "a.bin"), Format::Unknown);
    }
}
