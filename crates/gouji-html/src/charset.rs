//! Finding the encoding a page declares about itself (`<meta charset>`), and choosing
//! which declaration to hand to [`gouji_doc::decode::decode_bytes`].

use encoding_rs::Encoding;

/// How many bytes the prescan looks at. WHATWG says 1024; Chinese government CMS pages
/// often put kilobytes of comments and scripts before the `<meta>`, so look further.
const PRESCAN_BYTES: usize = 4096;

/// Prescans the first ~4 KB of `bytes` for an in-document encoding declaration:
/// `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">`.
///
/// Returns the WHATWG name of the declared encoding (`"GBK"`, `"UTF-8"`, `"Big5"`…), or
/// `None` when nothing recognisable is declared. As in browsers, a declared UTF-16 means
/// UTF-8 (a page that can be prescanned as ASCII is not UTF-16), and labels that map to the
/// "replacement" encoding are ignored.
pub fn sniff_meta_charset(bytes: &[u8]) -> Option<String> {
    let b = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    let n = b.len();
    let mut i = 0;
    while i < n {
        let Some(off) = b[i..].iter().position(|&c| c == b'<') else {
            break;
        };
        let lt = i + off;
        let rest = &b[lt..];
        if rest.starts_with(b"<!--") {
            i = find(b, lt + 4, b"-->").map_or(n, |p| p + 3);
            continue;
        }
        if starts_with_ci(rest, b"<meta") && rest.get(5).is_some_and(|&c| is_ws(c) || c == b'/') {
            let (attrs, end) = read_attributes(b, lt + 5);
            if let Some(enc) = meta_declaration(&attrs) {
                return Some(enc.name().to_string());
            }
            i = end;
            continue;
        }
        let tag_start = if rest.get(1) == Some(&b'/') { 2 } else { 1 };
        if rest.get(tag_start).is_some_and(u8::is_ascii_alphabetic) {
            // Skip the tag name, then its attributes, so a `>` inside a quoted value does
            // not end the tag early.
            let mut j = lt + tag_start;
            while j < n && !is_ws(b[j]) && b[j] != b'>' {
                j += 1;
            }
            let (_, end) = read_attributes(b, j);
            i = end;
            continue;
        }
        if matches!(rest.get(1), Some(b'!' | b'/' | b'?')) {
            i = b[lt..]
                .iter()
                .position(|&c| c == b'>')
                .map_or(n, |p| lt + p + 1);
            continue;
        }
        i = lt + 1;
    }
    None
}

/// Picks the declaration to trust: the transport's charset if it names a real encoding,
/// else the document's own `<meta>` declaration.
///
/// Exception: an HTTP charset that is a Western single-byte encoding (`ISO-8859-1` and its
/// aliases all mean windows-1252) on non-ASCII bytes is a server default, not a statement
/// about the page. Chinese sites send it for GBK pages routinely, and it would decode
/// without a single error into mojibake, so the page's own declaration (or detection)
/// decides instead.
pub(crate) fn declared_label(bytes: &[u8], http: Option<&str>) -> Option<String> {
    if let Some(label) = http
        && let Some(enc) = usable(label.trim().trim_matches(['"', '\'']).as_bytes())
    {
        let server_default = enc == encoding_rs::WINDOWS_1252 && !bytes.is_ascii();
        if !server_default {
            return Some(enc.name().to_string());
        }
    }
    sniff_meta_charset(bytes)
}

/// The encoding a label names, with the browser rules for declarations applied.
fn usable(label: &[u8]) -> Option<&'static Encoding> {
    let enc = Encoding::for_label(label)?;
    if enc == encoding_rs::REPLACEMENT {
        return None;
    }
    if enc == encoding_rs::UTF_16BE || enc == encoding_rs::UTF_16LE {
        return Some(encoding_rs::UTF_8);
    }
    if enc == encoding_rs::X_USER_DEFINED {
        return Some(encoding_rs::WINDOWS_1252);
    }
    Some(enc)
}

/// A lowercased attribute name and its raw value.
type Attr = (Vec<u8>, Vec<u8>);

fn meta_declaration(attrs: &[Attr]) -> Option<&'static Encoding> {
    let get = |name: &[u8]| attrs.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    if let Some(cs) = get(b"charset") {
        return usable(trim(cs));
    }
    let is_ct = get(b"http-equiv").is_some_and(|v| trim(v).eq_ignore_ascii_case(b"content-type"));
    if is_ct && let Some(content) = get(b"content") {
        return charset_from_content(content).and_then(usable);
    }
    None
}

/// Extracts the label from a `content="text/html; charset=gb2312"` value.
fn charset_from_content(v: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while i + 7 <= v.len() {
        if v[i..i + 7].eq_ignore_ascii_case(b"charset") {
            let mut j = i + 7;
            while j < v.len() && is_ws(v[j]) {
                j += 1;
            }
            if v.get(j) != Some(&b'=') {
                i += 7;
                continue;
            }
            j += 1;
            while j < v.len() && is_ws(v[j]) {
                j += 1;
            }
            return match v.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    let start = j + 1;
                    let end = v[start..].iter().position(|&c| c == q)? + start;
                    Some(&v[start..end])
                }
                Some(_) => {
                    let end = v[j..]
                        .iter()
                        .position(|&c| is_ws(c) || c == b';')
                        .map_or(v.len(), |p| j + p);
                    Some(&v[j..end])
                }
                None => None,
            };
        }
        i += 1;
    }
    None
}

/// Reads attributes from `i` up to the end of the tag (WHATWG "get an attribute",
/// simplified). Names are lowercased. Returns the attributes and the index after `>`.
fn read_attributes(b: &[u8], mut i: usize) -> (Vec<Attr>, usize) {
    let n = b.len();
    let mut attrs = Vec::new();
    loop {
        while i < n && (is_ws(b[i]) || b[i] == b'/') {
            i += 1;
        }
        if i >= n {
            return (attrs, n);
        }
        if b[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < n && !is_ws(b[i]) && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        // A name may begin with `=` (WHATWG); take one byte so the loop always advances.
        if i == start {
            i += 1;
        }
        let name = b[start..i].to_ascii_lowercase();
        while i < n && is_ws(b[i]) {
            i += 1;
        }
        let mut value = Vec::new();
        if i < n && b[i] == b'=' {
            i += 1;
            while i < n && is_ws(b[i]) {
                i += 1;
            }
            match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let vs = i + 1;
                    let ve = b[vs..].iter().position(|&c| c == q).map_or(n, |p| vs + p);
                    value = b[vs..ve].to_vec();
                    i = (ve + 1).min(n);
                }
                Some(_) => {
                    let vs = i;
                    while i < n && !is_ws(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                    value = b[vs..i].to_vec();
                }
                None => {}
            }
        }
        if attrs.len() < 64 {
            attrs.push((name, value));
        }
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn starts_with_ci(hay: &[u8], prefix: &[u8]) -> bool {
    hay.len() >= prefix.len() && hay[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn trim(v: &[u8]) -> &[u8] {
    v.trim_ascii()
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(s: &str) -> Option<String> {
        sniff_meta_charset(s.as_bytes())
    }

    #[test]
    fn meta_charset_forms() {
        assert_eq!(sniff(r#"<meta charset="gb2312">"#).as_deref(), Some("GBK"));
        assert_eq!(sniff("<META CHARSET=utf-8>").as_deref(), Some("UTF-8"));
        assert_eq!(sniff("<meta charset='big5'/>").as_deref(), Some("Big5"));
        assert_eq!(
            sniff(r#"<meta http-equiv="Content-Type" content="text/html; charset=GB18030">"#)
                .as_deref(),
            Some("gb18030")
        );
        assert_eq!(
            sniff(r#"<meta content='text/html;charset="gbk"' http-equiv=content-type>"#).as_deref(),
            Some("GBK")
        );
    }

    #[test]
    fn declarations_that_do_not_count() {
        assert_eq!(sniff("<!-- <meta charset=gbk> --><p>x</p>"), None);
        assert_eq!(sniff(r#"<div title="<meta charset=gbk>">"#), None);
        assert_eq!(sniff(r#"<meta content="text/html; charset=gbk">"#), None);
        assert_eq!(sniff("<meta charset=klingon>"), None);
        assert_eq!(sniff("<meta charset=utf-16le>").as_deref(), Some("UTF-8"));
        assert_eq!(sniff(""), None);
        assert_eq!(sniff("<meta"), None);
        assert_eq!(sniff("<meta charset="), None);
    }

    #[test]
    fn only_the_first_kilobytes_are_read() {
        let far = format!("{}<meta charset=gbk>", " ".repeat(PRESCAN_BYTES));
        assert_eq!(sniff(&far), None);
        let near = format!("<script>{}</script><meta charset=gbk>", "x".repeat(3000));
        assert_eq!(sniff(&near).as_deref(), Some("GBK"));
    }

    #[test]
    fn http_label_wins_when_valid() {
        let page = b"<meta charset=big5>";
        assert_eq!(declared_label(page, Some("gbk")).as_deref(), Some("GBK"));
        assert_eq!(
            declared_label(page, Some("nonsense")).as_deref(),
            Some("Big5")
        );
        assert_eq!(declared_label(page, None).as_deref(), Some("Big5"));
    }

    #[test]
    fn latin1_server_default_defers_to_the_page() {
        let page = "<meta charset=gbk>年".as_bytes();
        assert_eq!(
            declared_label(page, Some("iso-8859-1")).as_deref(),
            Some("GBK")
        );
        let ascii = b"<meta charset=gbk>";
        assert_eq!(
            declared_label(ascii, Some("iso-8859-1")).as_deref(),
            Some("windows-1252")
        );
    }
}
