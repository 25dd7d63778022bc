//! CMap parsing: `/ToUnicode` maps and embedded encoding CMaps.
//!
//! Hand-written because lopdf's ToUnicode parser is private (and its `extract_text` gives
//! up on a whole document when one font uses a predefined CMap). We only need the small
//! PostScript subset CMaps use: codespace ranges, `bfchar`/`bfrange` (both the
//! incrementing and the array form) and `cidchar`/`cidrange`. Anything else is skipped,
//! so a damaged CMap degrades to fewer mappings, never to an error.

use std::collections::HashMap;

/// Most entries an incrementing range is expanded into; bigger ranges stay as ranges so a
/// hostile `<0000> <FFFFFFFF>` costs nothing.
const EXPAND_LIMIT: u32 = 4096;
/// Most expanded entries per CMap, so many small ranges cannot add up to gigabytes.
const MAX_ENTRIES: usize = 1 << 20;

/// A code → Unicode (or code → CID) map with its codespace.
#[derive(Debug, Default, Clone)]
pub(crate) struct CMap {
    /// Codespace ranges as (byte length, low, high).
    pub codespace: Vec<(u8, u32, u32)>,
    /// Exact mappings keyed by (byte length, code).
    chars: HashMap<(u8, u32), String>,
    /// Large incrementing ranges kept unexpanded: (len, lo, hi, first destination units).
    ranges: Vec<(u8, u32, u32, Vec<u16>)>,
    /// code → CID (from `cidchar`/`cidrange`, for embedded encoding CMaps).
    cids: HashMap<(u8, u32), u32>,
    cid_ranges: Vec<(u8, u32, u32, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Hex(Vec<u8>),
    Int(i64),
    Kw(Vec<u8>),
    Open,
    Close,
    Other,
}

fn tokenize(src: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < src.len() {
        let b = src[i];
        match b {
            b'%' => {
                while i < src.len() && src[i] != b'\n' && src[i] != b'\r' {
                    i += 1;
                }
            }
            b'<' if src.get(i + 1) == Some(&b'<') => {
                out.push(Tok::Other);
                i += 2;
            }
            b'>' if src.get(i + 1) == Some(&b'>') => {
                out.push(Tok::Other);
                i += 2;
            }
            b'<' => {
                i += 1;
                let mut digits = Vec::new();
                while i < src.len() && src[i] != b'>' {
                    if let Some(d) = (src[i] as char).to_digit(16) {
                        digits.push(d as u8);
                    }
                    i += 1;
                }
                i += 1;
                if digits.len() % 2 == 1 {
                    digits.push(0);
                }
                out.push(Tok::Hex(
                    digits.chunks(2).map(|p| (p[0] << 4) | p[1]).collect(),
                ));
                continue;
            }
            b'[' => {
                out.push(Tok::Open);
                i += 1;
            }
            b']' => {
                out.push(Tok::Close);
                i += 1;
            }
            b'(' => {
                // Literal strings only appear in the CMap header; skip them with nesting.
                let mut depth = 0usize;
                while i < src.len() {
                    match src[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                out.push(Tok::Other);
                i += 1;
            }
            b if b.is_ascii_whitespace() || b == 0 => i += 1,
            _ => {
                let start = i;
                i += 1;
                while i < src.len()
                    && !src[i].is_ascii_whitespace()
                    && !b"<>[]()/%{}".contains(&src[i])
                {
                    i += 1;
                }
                let word = &src[start..i];
                if let Some(n) = std::str::from_utf8(word)
                    .ok()
                    .and_then(|s| s.parse::<i64>().ok())
                {
                    out.push(Tok::Int(n));
                } else if word.first() == Some(&b'/') {
                    out.push(Tok::Other);
                } else {
                    out.push(Tok::Kw(word.to_vec()));
                }
            }
        }
    }
    out
}

fn code_of(bytes: &[u8]) -> Option<(u8, u32)> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    let v = bytes.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    Some((bytes.len() as u8, v))
}

fn units(bytes: &[u8]) -> Vec<u16> {
    if bytes.len() == 1 {
        return vec![u16::from(bytes[0])];
    }
    bytes
        .chunks(2)
        .map(|p| (u16::from(p[0]) << 8) | u16::from(p.get(1).copied().unwrap_or(0)))
        .collect()
}

fn units_to_string(u: &[u16]) -> String {
    char::decode_utf16(u.iter().copied())
        .map(|r| r.unwrap_or('\u{fffd}'))
        .collect()
}

/// `units` with its last UTF-16 unit advanced by `delta` (the bfrange increment rule).
fn bumped(base: &[u16], delta: u32) -> Vec<u16> {
    let mut v = base.to_vec();
    if let Some(last) = v.last_mut() {
        *last = (u32::from(*last).wrapping_add(delta) & 0xffff) as u16;
    }
    v
}

impl CMap {
    /// Parses a CMap program. Never fails: unreadable parts are skipped.
    pub fn parse(src: &[u8]) -> CMap {
        let toks = tokenize(src);
        let mut m = CMap::default();
        let mut i = 0;
        while i < toks.len() {
            let Tok::Kw(kw) = &toks[i] else {
                i += 1;
                continue;
            };
            i += 1;
            match kw.as_slice() {
                b"begincodespacerange" => {
                    while let (Some(Tok::Hex(a)), Some(Tok::Hex(b))) =
                        (toks.get(i), toks.get(i + 1))
                    {
                        if let (Some((la, lo)), Some((_, hi))) = (code_of(a), code_of(b)) {
                            m.codespace.push((la, lo, hi));
                        }
                        i += 2;
                    }
                }
                b"beginbfchar" => {
                    while let (Some(Tok::Hex(a)), Some(dst)) = (toks.get(i), toks.get(i + 1)) {
                        if let (Some(key), Tok::Hex(d)) = (code_of(a), dst) {
                            m.chars.insert(key, units_to_string(&units(d)));
                        }
                        i += 2;
                    }
                }
                b"beginbfrange" => {
                    while let (Some(Tok::Hex(a)), Some(Tok::Hex(b))) =
                        (toks.get(i), toks.get(i + 1))
                    {
                        i += 2;
                        let range = code_of(a).zip(code_of(b)).filter(|(x, y)| x.1 <= y.1);
                        match toks.get(i) {
                            Some(Tok::Hex(d)) => {
                                i += 1;
                                if let Some(((len, lo), (_, hi))) = range {
                                    let base = units(d);
                                    if hi - lo < EXPAND_LIMIT && m.chars.len() < MAX_ENTRIES {
                                        for k in 0..=hi - lo {
                                            let s = units_to_string(&bumped(&base, k));
                                            m.chars.insert((len, lo + k), s);
                                        }
                                    } else if m.ranges.len() < 1024 {
                                        m.ranges.push((len, lo, hi, base));
                                    }
                                }
                            }
                            Some(Tok::Open) => {
                                i += 1;
                                let mut k = 0u32;
                                while let Some(Tok::Hex(d)) = toks.get(i) {
                                    if let Some(((len, lo), (_, hi))) = range
                                        && let Some(c) = lo.checked_add(k).filter(|c| *c <= hi)
                                    {
                                        m.chars.insert((len, c), units_to_string(&units(d)));
                                    }
                                    k = k.saturating_add(1);
                                    i += 1;
                                }
                                if toks.get(i) == Some(&Tok::Close) {
                                    i += 1;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                b"begincidchar" => {
                    while let (Some(Tok::Hex(a)), Some(Tok::Int(c))) =
                        (toks.get(i), toks.get(i + 1))
                    {
                        if let Some(key) = code_of(a) {
                            m.cids
                                .insert(key, (*c).clamp(0, i64::from(u32::MAX)) as u32);
                        }
                        i += 2;
                    }
                }
                b"begincidrange" => {
                    while let (Some(Tok::Hex(a)), Some(Tok::Hex(b)), Some(Tok::Int(c))) =
                        (toks.get(i), toks.get(i + 1), toks.get(i + 2))
                    {
                        if let (Some((len, lo)), Some((_, hi))) = (code_of(a), code_of(b))
                            && lo <= hi
                            && m.cid_ranges.len() < 65536
                        {
                            m.cid_ranges.push((
                                len,
                                lo,
                                hi,
                                (*c).clamp(0, i64::from(u32::MAX)) as u32,
                            ));
                        }
                        i += 3;
                    }
                }
                _ => {}
            }
        }
        m.ranges.sort_by_key(|r| (r.1, r.0));
        m.cid_ranges.sort_by_key(|r| (r.1, r.0));
        m
    }

    /// Whether the map holds any Unicode mapping.
    pub fn has_unicode(&self) -> bool {
        !self.chars.is_empty() || !self.ranges.is_empty()
    }

    /// Byte length of the code starting at `bytes[0]`, from the codespace ranges.
    pub fn code_len(&self, bytes: &[u8]) -> Option<usize> {
        for &(len, lo, hi) in &self.codespace {
            let l = len as usize;
            if bytes.len() >= l
                && let Some((_, v)) = code_of(&bytes[..l])
                && v >= lo
                && v <= hi
            {
                return Some(l);
            }
        }
        None
    }

    /// Unicode text of a code of `len` bytes.
    pub fn lookup(&self, len: u8, code: u32) -> Option<String> {
        if let Some(s) = self.chars.get(&(len, code)) {
            return Some(s.clone());
        }
        // Producers disagree with their own codespace now and then (1-byte keys for
        // 2-byte codes); a match at another length beats no text.
        for l in 1..=4u8 {
            if l != len
                && let Some(s) = self.chars.get(&(l, code))
            {
                return Some(s.clone());
            }
        }
        let idx = self.ranges.partition_point(|r| r.1 <= code);
        if idx > 0 {
            let (_, lo, hi, base) = &self.ranges[idx - 1];
            if code <= *hi {
                return Some(units_to_string(&bumped(base, code - lo)));
            }
        }
        None
    }

    /// CID of a code (embedded encoding CMaps).
    pub fn cid(&self, len: u8, code: u32) -> Option<u32> {
        if let Some(&c) = self.cids.get(&(len, code)) {
            return Some(c);
        }
        let idx = self.cid_ranges.partition_point(|r| r.1 <= code);
        if idx > 0 {
            let (_, lo, hi, first) = self.cid_ranges[idx - 1];
            if code <= hi {
                return Some(first.saturating_add(code - lo));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = br"/CIDInit /ProcSet findresource begin
12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
1 begincodespacerange <0000> <FFFF> endcodespacerange
3 beginbfchar
<0E85> <653F>
<0003> <0020>
<0100> <D835DC00>
endbfchar
2 beginbfrange
<0010> <0019> <0030>
<0020> <0022> [<4E00> <4E8C> <4E09>]
endbfrange
endcmap";

    #[test]
    fn bfchar_bfrange_and_arrays() {
        let m = CMap::parse(SAMPLE);
        assert_eq!(m.codespace, vec![(2, 0, 0xffff)]);
        assert_eq!(m.lookup(2, 0x0e85).as_deref(), Some("政"));
        assert_eq!(m.lookup(2, 0x0003).as_deref(), Some(" "));
        assert_eq!(m.lookup(2, 0x0013).as_deref(), Some("3"));
        assert_eq!(m.lookup(2, 0x0021).as_deref(), Some("二"));
        assert_eq!(m.lookup(2, 0x0022).as_deref(), Some("三"));
        assert_eq!(m.lookup(2, 0x0100).as_deref(), Some("\u{1d400}"));
        assert_eq!(m.lookup(2, 0x0023), None);
        assert_eq!(m.code_len(&[0x0e, 0x85]), Some(2));
    }

    #[test]
    fn one_byte_codespace_and_huge_range() {
        let m = CMap::parse(
            b"2 begincodespacerange <00> <80> <8140> <FEFE> endcodespacerange
             1 beginbfrange <00000000> <FFFFFFFF> <0041> endbfrange
             1 beginbfchar <41> <0061> endbfchar",
        );
        assert_eq!(m.code_len(&[0x41, 0x42]), Some(1));
        assert_eq!(m.code_len(&[0x81, 0x42]), Some(2));
        assert_eq!(m.code_len(&[0xff, 0x42]), None);
        assert_eq!(m.lookup(1, 0x41).as_deref(), Some("a"));
        assert_eq!(m.lookup(4, 2).as_deref(), Some("C"));
    }

    #[test]
    fn cid_ranges() {
        let m = CMap::parse(
            b"1 begincidrange <8140> <817E> 633 endcidrange 1 begincidchar <20> 1 endcidchar",
        );
        assert_eq!(m.cid(2, 0x8141), Some(634));
        assert_eq!(m.cid(1, 0x20), Some(1));
        assert_eq!(m.cid(2, 0x9000), None);
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            &b"beginbfrange <"[..],
            b"beginbfchar <00>",
            b"(((",
            b"<1> <2> [",
            b"beginbfrange <01> <00> <41>",
        ] {
            let _ = CMap::parse(s);
        }
    }
}
