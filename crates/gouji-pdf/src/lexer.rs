//! Content-stream tokenizer.
//!
//! lopdf's nom-based content parser took ~1.5 ms per page on the WPS reports (three
//! quarters of the whole extraction); this hand-written one is a single pass over the
//! bytes. It is lenient the way viewers are: a malformed token is skipped, never fatal.

use lopdf::{Dictionary, Object, StringFormat};

/// Deepest array/dictionary nesting kept; deeper input is flattened away.
const MAX_NESTING: usize = 32;
/// Most operands kept before an operator; a longer run is garbage and gets dropped.
const MAX_OPERANDS: usize = 4096;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_ws(b) && !is_delim(b)
}

/// Calls `f(operator, operands)` for every operation in `src`, in order, stopping at the
/// first error `f` returns.
pub(crate) fn for_each_op<E>(
    src: &[u8],
    mut f: impl FnMut(&str, &[Object]) -> Result<(), E>,
) -> Result<(), E> {
    let mut lx = Lexer { src, pos: 0 };
    let mut operands: Vec<Object> = Vec::new();
    // Open arrays/dictionaries being filled.
    let mut stack: Vec<(bool, Vec<Object>)> = Vec::new();
    while let Some(tok) = lx.next() {
        let obj = match tok {
            Tok::Obj(o) => o,
            Tok::Open(is_dict) => {
                if stack.len() < MAX_NESTING {
                    stack.push((is_dict, Vec::new()));
                }
                continue;
            }
            Tok::Close(is_dict) => {
                let Some((d, items)) = stack.pop() else {
                    continue;
                };
                if d != is_dict {
                    continue;
                }
                if d {
                    let mut dict = Dictionary::new();
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        if let Object::Name(k) = k {
                            dict.set(k, v);
                        }
                    }
                    Object::Dictionary(dict)
                } else {
                    Object::Array(items)
                }
            }
            Tok::Op(op) => {
                if !stack.is_empty() {
                    // An operator inside an array is malformed; drop the open containers.
                    stack.clear();
                }
                let op = std::str::from_utf8(op).unwrap_or("");
                if op == "BI" {
                    lx.skip_inline_image();
                }
                f(op, &operands)?;
                operands.clear();
                continue;
            }
        };
        match stack.last_mut() {
            Some((_, items)) => {
                if items.len() < MAX_OPERANDS {
                    items.push(obj);
                }
            }
            None => {
                if operands.len() >= MAX_OPERANDS {
                    operands.clear();
                }
                operands.push(obj);
            }
        }
    }
    Ok(())
}

enum Tok<'a> {
    Obj(Object),
    Open(bool),
    Close(bool),
    Op(&'a [u8]),
}

struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_ws(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn next(&mut self) -> Option<Tok<'a>> {
        loop {
            self.skip_ws();
            let b = self.peek()?;
            match b {
                b'(' => {
                    self.pos += 1;
                    return Some(Tok::Obj(Object::String(
                        self.literal(),
                        StringFormat::Literal,
                    )));
                }
                b'<' if self.src.get(self.pos + 1) == Some(&b'<') => {
                    self.pos += 2;
                    return Some(Tok::Open(true));
                }
                b'>' if self.src.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    return Some(Tok::Close(true));
                }
                b'<' => {
                    self.pos += 1;
                    return Some(Tok::Obj(Object::String(
                        self.hex(),
                        StringFormat::Hexadecimal,
                    )));
                }
                b'[' => {
                    self.pos += 1;
                    return Some(Tok::Open(false));
                }
                b']' => {
                    self.pos += 1;
                    return Some(Tok::Close(false));
                }
                b'/' => {
                    self.pos += 1;
                    return Some(Tok::Obj(Object::Name(self.name())));
                }
                b')' | b'>' | b'{' | b'}' => {
                    self.pos += 1;
                    continue;
                }
                _ => {
                    let start = self.pos;
                    while self.peek().is_some_and(is_regular) {
                        self.pos += 1;
                    }
                    let word = &self.src[start..self.pos];
                    if let Some(n) = number(word) {
                        return Some(Tok::Obj(n));
                    }
                    return Some(match word {
                        b"true" => Tok::Obj(Object::Boolean(true)),
                        b"false" => Tok::Obj(Object::Boolean(false)),
                        b"null" => Tok::Obj(Object::Null),
                        _ => Tok::Op(word),
                    });
                }
            }
        }
    }

    fn literal(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut depth = 1usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
        out
    }

    fn hex(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut hi: Option<u8> = None;
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            let Some(d) = (b as char).to_digit(16) else {
                continue;
            };
            let d = d as u8;
            match hi.take() {
                Some(h) => out.push((h << 4) | d),
                None => hi = Some(d),
            }
        }
        if let Some(h) = hi {
            out.push(h << 4);
        }
        out
    }

    fn name(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            if !is_regular(b) {
                break;
            }
            self.pos += 1;
            if b == b'#' {
                let h = self.src.get(self.pos..self.pos + 2);
                if let Some(v) = h
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    out.push(v);
                    self.pos += 2;
                    continue;
                }
            }
            out.push(b);
        }
        out
    }

    /// After `BI`: skips the image dictionary, `ID`, the data and `EI`.
    fn skip_inline_image(&mut self) {
        // Find the `ID` operator token.
        while let Some(tok) = self.next() {
            if let Tok::Op(b"ID") = tok {
                break;
            }
        }
        // One white-space byte separates `ID` from the data.
        self.pos += 1;
        // The data ends at `EI` between white space (or at the end).
        let s = self.src;
        let mut i = self.pos;
        while i + 1 < s.len() {
            if s[i] == b'E'
                && s[i + 1] == b'I'
                && (i == 0 || is_ws(s[i - 1]))
                && s.get(i + 2).is_none_or(|&c| is_ws(c) || is_delim(c))
            {
                self.pos = i + 2;
                return;
            }
            i += 1;
        }
        self.pos = s.len();
    }
}

fn number(w: &[u8]) -> Option<Object> {
    let first = *w.first()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    // Producers write `--5` or `5-` now and then; keep the digits' sign from the front.
    let neg = w
        .iter()
        .take_while(|&&c| c == b'-' || c == b'+')
        .any(|&c| c == b'-');
    let body: Vec<u8> = w
        .iter()
        .copied()
        .skip_while(|&c| c == b'-' || c == b'+')
        .take_while(|&c| c.is_ascii_digit() || c == b'.')
        .collect();
    if body.is_empty() || !body.iter().any(u8::is_ascii_digit) {
        return None;
    }
    if body.contains(&b'.') {
        let s = std::str::from_utf8(&body).ok()?;
        // More than one dot: read up to the second.
        let s = match s.match_indices('.').nth(1) {
            Some((i, _)) => &s[..i],
            None => s,
        };
        let v: f64 = s.parse().ok().or_else(|| format!("{s}0").parse().ok())?;
        let v = if neg { -v } else { v };
        Some(Object::Real(v as f32))
    } else {
        let mut v: i64 = 0;
        for &d in &body {
            v = v.saturating_mul(10).saturating_add(i64::from(d - b'0'));
        }
        Some(Object::Integer(if neg { -v } else { v }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(src: &[u8]) -> Vec<(String, Vec<Object>)> {
        let mut out = Vec::new();
        let _ = for_each_op::<()>(src, |op, args| {
            out.push((op.to_string(), args.to_vec()));
            Ok(())
        });
        out
    }

    #[test]
    fn tokens_of_a_wps_stream() {
        let o = ops(
            b"q\r1 0 0 -1 0 842 cm\rBT\r/FT8 259 Tf 0.05 0 0 -0.05 496.919 802.49 Tm<0010>Tj\nET Q",
        );
        let names: Vec<&str> = o.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, ["q", "cm", "BT", "Tf", "Tm", "Tj", "ET", "Q"]);
        assert_eq!(o[1].1.len(), 6);
        assert_eq!(o[1].1[3], Object::Integer(-1));
        assert_eq!(
            o[5].1[0],
            Object::String(vec![0, 0x10], StringFormat::Hexadecimal)
        );
        assert_eq!(o[3].1[0], Object::Name(b"FT8".to_vec()));
    }

    #[test]
    fn strings_arrays_and_inline_images() {
        let o = ops(b"[(a\\(b\\)\\101\\\nc) -250 <41 4>] TJ /P <</MCID 0>> BDC BI /W 1 /H 1 ID \x00EI\xff EI Q");
        assert_eq!(o[0].0, "TJ");
        let Object::Array(items) = &o[0].1[0] else {
            panic!("array")
        };
        assert_eq!(
            items[0],
            Object::String(b"a(b)Ac".to_vec(), StringFormat::Literal)
        );
        assert_eq!(items[1], Object::Integer(-250));
        assert_eq!(
            items[2],
            Object::String(vec![0x41, 0x40], StringFormat::Hexadecimal)
        );
        assert_eq!(o[1].0, "BDC");
        assert_eq!(o[2].0, "BI");
        assert_eq!(o[3].0, "Q");
    }

    #[test]
    fn numbers() {
        assert_eq!(number(b"-.5"), Some(Object::Real(-0.5)));
        assert_eq!(number(b"3."), Some(Object::Real(3.0)));
        assert_eq!(number(b"--7"), Some(Object::Integer(-7)));
        assert_eq!(
            number(b"99999999999999999999999"),
            Some(Object::Integer(i64::MAX))
        );
        assert_eq!(number(b"T*"), None);
        assert_eq!(number(b"."), None);
    }

    #[test]
    fn garbage_never_panics() {
        for s in [
            &b"((("[..],
            b"<<<<",
            b"]]]>>",
            b"/#zz",
            b"BI",
            b"BI ID",
            b"\\",
            b"<a",
            b"(\\",
        ] {
            let _ = ops(s);
        }
        let deep = vec![b'['; 100_000];
        let _ = ops(&deep);
    }
}
