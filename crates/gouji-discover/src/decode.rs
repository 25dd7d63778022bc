//! Listing pages to text: Chinese government sites still serve GBK.

use encoding_rs::Encoding;

/// Decodes a listing page: BOM, then the HTTP `charset`, then `<meta charset>`, then
/// UTF-8 if the bytes are valid UTF-8, else GB18030 (a superset of GBK), the usual
/// encoding of pages that declare nothing. Malformed bytes become U+FFFD.
pub fn decode_page(bytes: &[u8], http_charset: Option<&str>) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return enc
            .decode_without_bom_handling(&bytes[bom_len..])
            .0
            .into_owned();
    }
    let declared = http_charset
        .map(str::to_string)
        .or_else(|| gouji_html::sniff_meta_charset(bytes))
        .and_then(|label| Encoding::for_label(label.trim().as_bytes()));
    let enc = match declared {
        Some(enc) => enc,
        None if std::str::from_utf8(bytes).is_ok() => encoding_rs::UTF_8,
        None => encoding_rs::GB18030,
    };
    enc.decode_without_bom_handling(bytes).0.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_and_utf8() {
        let (gbk, _, _) = encoding_rs::GBK.encode("<a>年度报告</a>");
        assert_eq!(decode_page(&gbk, None), "<a>年度报告</a>");
        assert_eq!(decode_page(&gbk, Some("gbk")), "<a>年度报告</a>");
        assert_eq!(decode_page("年报".as_bytes(), None), "年报");
    }
}
