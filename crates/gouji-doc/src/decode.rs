//! Turning bytes of unknown encoding into text.
//!
//! Order of evidence: a byte-order mark, then an encoding declared by the transport or the
//! document (HTTP `charset`, `<meta charset>`), then statistical detection (chardetng).
//! Chinese government pages still use GBK/GB2312/GB18030 often, Big5 sometimes.

use encoding_rs::Encoding;

/// Decoded text and how it was decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The text (BOM removed).
    pub text: String,
    /// WHATWG name of the encoding used (`UTF-8`, `GBK`, `gb18030`, `Big5`…).
    pub encoding: &'static str,
    /// How the encoding was chosen.
    pub source: EncodingSource,
    /// Whether malformed sequences were replaced with U+FFFD.
    pub had_errors: bool,
}

/// How the encoding of a text was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingSource {
    /// Byte-order mark.
    Bom,
    /// Declared by the caller (HTTP header or in-document declaration).
    Declared,
    /// Detected from the bytes.
    Detected,
}

/// Decodes `bytes`, trusting a BOM first, then `declared` (an encoding label such as
/// `"gb2312"` or `"utf-8"`; unknown labels are ignored), then detection.
///
/// A declared encoding is overridden when the bytes are valid UTF-8 containing non-ASCII
/// and the declaration is a legacy CJK one: mislabelled UTF-8 pages are common, while
/// GBK text that happens to be valid UTF-8 is vanishingly rare.
pub fn decode_bytes(bytes: &[u8], declared: Option<&str>) -> Decoded {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            encoding: enc.name(),
            source: EncodingSource::Bom,
            had_errors,
        };
    }
    let utf8_ok = std::str::from_utf8(bytes).is_ok();
    if let Some(enc) = declared.and_then(|l| Encoding::for_label(l.trim().as_bytes())) {
        let legacy = enc != encoding_rs::UTF_8;
        let override_to_utf8 = legacy && utf8_ok && !bytes.is_ascii();
        if !override_to_utf8 {
            let (text, had_errors) = enc.decode_without_bom_handling(bytes);
            return Decoded {
                text: text.into_owned(),
                encoding: enc.name(),
                source: EncodingSource::Declared,
                had_errors,
            };
        }
    }
    if utf8_ok {
        return Decoded {
            text: String::from_utf8_lossy(bytes).into_owned(),
            encoding: encoding_rs::UTF_8.name(),
            source: EncodingSource::Detected,
            had_errors: false,
        };
    }
    let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    det.feed(bytes, true);
    let enc = det.guess(None, chardetng::Utf8Detection::Allow);
    // GBK and GB2312 labels decode as GBK; GB18030 is a superset that never hurts.
    let enc = if enc == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        enc
    };
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: enc.name(),
        source: EncodingSource::Detected,
        had_errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "政府信息公开工作年度报告：本年新收政府信息公开申请数量";

    #[test]
    fn utf8_plain() {
        let d = decode_bytes(SAMPLE.as_bytes(), None);
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn utf8_bom_is_stripped() {
        let mut b = vec![0xef, 0xbb, 0xbf];
        b.extend_from_slice(SAMPLE.as_bytes());
        let d = decode_bytes(&b, Some("gbk"));
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.source, EncodingSource::Bom);
    }

    #[test]
    fn gbk_detected() {
        let (b, _, _) = encoding_rs::GBK.encode(SAMPLE);
        let d = decode_bytes(&b, None);
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.source, EncodingSource::Detected);
    }

    #[test]
    fn gbk_declared() {
        let (b, _, _) = encoding_rs::GBK.encode(SAMPLE);
        let d = decode_bytes(&b, Some("GB2312"));
        assert_eq!(d.text, SAMPLE);
        assert_eq!(d.source, EncodingSource::Declared);
    }

    #[test]
    fn big5_detected() {
        let s = "政府資訊公開工作年度報告，本年新收政府資訊公開申請數量共計十件";
        let (b, _, _) = encoding_rs::BIG5.encode(s);
        let d = decode_bytes(&b, None);
        assert_eq!(d.text, s);
    }

    #[test]
    fn mislabelled_utf8_is_read_as_utf8() {
        let d = decode_bytes(SAMPLE.as_bytes(), Some("gb2312"));
        assert_eq!(d.text, SAMPLE);
    }
}
