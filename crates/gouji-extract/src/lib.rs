#![forbid(unsafe_code)]
//! The extract stage: format detection by content ([`detect`]), and bytes of one format
//! into the intermediate [`gouji_doc::Document`] through that format's crate, or the
//! plain-text and MHTML readers here. Extractors know nothing about templates.

pub mod detect;
pub mod mhtml;
pub mod text;

use crate::detect::Format;
use gouji_doc::{Document, Limits};

/// Error from an extractor, with the format it came from.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// Plain-text reader error.
    #[error("text: {0}")]
    Text(#[from] text::TextError),
    /// HTML reader error.
    #[error("html: {0}")]
    Html(#[from] gouji_html::HtmlError),
    /// PDF reader error.
    #[error("pdf: {0}")]
    Pdf(#[from] gouji_pdf::PdfError),
    /// DOCX reader error.
    #[error("docx: {0}")]
    Docx(#[from] gouji_docx::DocxError),
    /// Spreadsheet (XLSX, XLS) reader error.
    #[error("spreadsheet: {0}")]
    Sheet(#[from] gouji_xlsx::SheetError),
    /// MHTML archive error.
    #[error("mhtml: {0}")]
    Mhtml(#[from] mhtml::MhtmlError),
    /// Word 97-2003 / WPS reader error.
    #[error("doc: {0}")]
    Doc(#[from] gouji_msdoc::DocError),
    /// A format gouji does not read (yet).
    #[error("unsupported format: {0}")]
    Unsupported(Format),
}

impl ExtractError {
    /// The parser limit the document went over, when that is why it was refused (rather
    /// than being unreadable): one type for every format.
    pub fn over_limit(&self) -> Option<&gouji_doc::OverLimit> {
        match self {
            ExtractError::Text(text::TextError::Limit(e))
            | ExtractError::Text(text::TextError::Grid { source: e, .. })
            | ExtractError::Html(gouji_html::HtmlError::Limit(e))
            | ExtractError::Pdf(gouji_pdf::PdfError::Limit(e))
            | ExtractError::Docx(gouji_docx::DocxError::Limit(e))
            | ExtractError::Sheet(gouji_xlsx::SheetError::Limit(e))
            | ExtractError::Doc(gouji_msdoc::DocError::Limit(e)) => Some(e),
            _ => None,
        }
    }
}

/// Extracts `bytes` of `format` into a document.
pub fn extract(
    bytes: &[u8],
    format: Format,
    charset: Option<&str>,
    limits: &Limits,
) -> Result<Document, ExtractError> {
    match format {
        Format::Text => Ok(text::extract_text(bytes, limits)?),
        Format::Html => Ok(gouji_html::extract_html(bytes, charset, limits)?),
        Format::Pdf => Ok(gouji_pdf::extract_pdf(bytes, limits)?),
        Format::Docx => Ok(gouji_docx::extract_docx(bytes, limits)?),
        Format::Xlsx => Ok(gouji_xlsx::extract_xlsx(bytes, limits)?),
        Format::Xls => Ok(gouji_xlsx::extract_xls(bytes, limits)?),
        Format::Mhtml => {
            let (html, part_charset) = mhtml::html_part(bytes)?;
            let cs = part_charset.as_deref().or(charset);
            Ok(gouji_html::extract_html(&html, cs, limits)?)
        }
        Format::Doc => Ok(gouji_msdoc::extract_doc(bytes, limits)?),
        other => Err(ExtractError::Unsupported(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gouji_doc::Limit;

    /// Every format refuses an oversized input with the one shared limit error.
    #[test]
    fn every_format_reports_its_limit_by_type() {
        let limits = Limits {
            max_input_bytes: 4,
            ..Limits::default()
        };
        let bytes = b"0123456789";
        for format in [
            Format::Text,
            Format::Html,
            Format::Pdf,
            Format::Docx,
            Format::Xlsx,
            Format::Xls,
            Format::Doc,
        ] {
            let e = extract(bytes, format, None, &limits).expect_err("over the limit");
            let over = e.over_limit().unwrap_or_else(|| panic!("{format:?}: {e}"));
            assert_eq!(
                (over.limit, over.found, over.max),
                (Limit::InputBytes, Some(10), 4)
            );
            assert!(e.to_string().contains("(max_input_bytes)"), "{e}");
        }
    }
}
