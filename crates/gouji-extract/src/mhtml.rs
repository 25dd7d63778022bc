//! MHTML (`multipart/related` web archives, as Excel's and Word's "save as single-file web
//! page" write them, often with an `.xls` name): the first `text/html` part, decoded from
//! quoted-printable or base64, with its charset, for the HTML extractor.
//!
//! Hand-written because it needs only the MIME subset those writers use (one boundary,
//! part headers, two transfer encodings); the base64 crate does the decoding.

use base64::Engine;

/// Error reading an MHTML archive.
#[derive(Debug, thiserror::Error)]
pub enum MhtmlError {
    /// No `boundary=` in the top-level Content-Type.
    #[error("MHTML without a multipart boundary")]
    NoBoundary,
    /// No `text/html` part.
    #[error("MHTML without a text/html part")]
    NoHtml,
    /// The HTML part's base64 is broken.
    #[error("MHTML html part: bad base64: {0}")]
    Base64(#[from] base64::DecodeError),
}

/// True when `head` starts like a MIME message with a multipart/related body.
pub fn looks_like_mhtml(head: &[u8]) -> bool {
    let lower: Vec<u8> = head.iter().take(2048).map(u8::to_ascii_lowercase).collect();
    let s = String::from_utf8_lossy(&lower);
    let s = s.trim_start();
    (s.starts_with("mime-version:") || s.starts_with("from:") || s.starts_with("content-type:"))
        && s.contains("multipart/related")
}

/// Splits a header block and a body at the first blank line.
fn split_headers(s: &str) -> (&str, &str) {
    for sep in ["\r\n\r\n", "\n\n"] {
        if let Some(i) = s.find(sep) {
            return (&s[..i], &s[i + sep.len()..]);
        }
    }
    (s, "")
}

/// The value of `param=` (quoted or not) in a header block, case-insensitively.
fn param(headers: &str, name: &str) -> Option<String> {
    let lower = headers.to_ascii_lowercase();
    let key = format!("{name}=");
    let i = lower.find(&key)? + key.len();
    let rest = &headers[i..];
    let v = if let Some(q) = rest.strip_prefix('"') {
        q.split('"').next()?
    } else {
        rest.split([';', '\r', '\n', ' ']).next()?
    };
    Some(v.trim().to_string())
}

/// The first `text/html` part: decoded bytes and the part's charset.
pub fn html_part(bytes: &[u8]) -> Result<(Vec<u8>, Option<String>), MhtmlError> {
    // MIME headers and transfer-encoded bodies are ASCII; an 8bit body is kept byte-exact
    // through the lossless Latin-1 view below.
    let s: String = bytes.iter().map(|&b| char::from(b)).collect();
    let (top, body) = split_headers(&s);
    let boundary = param(top, "boundary").ok_or(MhtmlError::NoBoundary)?;
    let delim = format!("--{boundary}");
    for part in body.split(delim.as_str()).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let (h, b) = split_headers(part.trim_start_matches(['\r', '\n']));
        let hl = h.to_ascii_lowercase();
        if !hl.contains("text/html") {
            continue;
        }
        let charset = param(h, "charset");
        let data: Vec<u8> = b
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect();
        let out = if hl.contains("quoted-printable") {
            quoted_printable(&data)
        } else if hl.contains("base64") {
            let clean: Vec<u8> = data
                .into_iter()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            base64::engine::general_purpose::STANDARD.decode(clean)?
        } else {
            data
        };
        return Ok((out, charset));
    }
    Err(MhtmlError::NoHtml)
}

/// Decodes quoted-printable: `=XX` bytes and `=` soft line breaks.
fn quoted_printable(b: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            match (b.get(i + 1), b.get(i + 2)) {
                (Some(b'\r'), Some(b'\n')) => i += 3,
                (Some(b'\n'), _) => i += 2,
                (Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                    out.push(hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0));
                    i += 3;
                }
                _ => {
                    out.push(b'=');
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const QP: &str = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=\"----=_NextPart_01\"\r\n\r\n\
        ------=_NextPart_01\r\nContent-Location: file:///C:/x.htm\r\nContent-Transfer-Encoding: quoted-printable\r\n\
        Content-Type: text/html; charset=\"utf-8\"\r\n\r\n<td x:num=3D\"12\">1=\r\n2</td>\r\n------=_NextPart_01--\r\n";

    #[test]
    fn quoted_printable_part() {
        assert!(looks_like_mhtml(QP.as_bytes()));
        let (html, cs) = html_part(QP.as_bytes()).expect("part");
        assert_eq!(
            String::from_utf8_lossy(&html).trim(),
            "<td x:num=\"12\">12</td>"
        );
        assert_eq!(cs.as_deref(), Some("utf-8"));
    }

    #[test]
    fn base64_part_and_errors() {
        let m = "MIME-Version: 1.0\nContent-Type: multipart/related; boundary=B\n\n--B\n\
                 Content-Type: text/html; charset=gbk\nContent-Transfer-Encoding: base64\n\nPHA+\neDwvcD4=\n--B--\n";
        let (html, cs) = html_part(m.as_bytes()).expect("part");
        assert_eq!(html, b"<p>x</p>");
        assert_eq!(cs.as_deref(), Some("gbk"));
        assert!(html_part(b"MIME-Version: 1.0\n\nx").is_err());
        assert!(!looks_like_mhtml(b"<html>"));
    }
}
