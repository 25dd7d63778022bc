//! Fonts: how the bytes of a shown string split into codes, what text each code stands for,
//! and how wide its glyph is.

use crate::cmap::CMap;
use lopdf::{Dictionary, Document, Object};
use std::collections::HashMap;

/// One decoded character code of a shown string.
#[derive(Debug, Clone)]
pub(crate) struct Code {
    /// Unicode text, if the font tells us.
    pub text: Option<String>,
    /// Advance in text space units per unit of font size (glyph width / 1000 for most fonts).
    pub width: f32,
    /// Single-byte code 32, the only code word spacing (`Tw`) applies to.
    pub is_space: bool,
}

#[derive(Debug, Clone)]
enum Coding {
    /// Simple font: one byte per code, 256-entry table.
    Simple(Vec<Option<char>>),
    /// Composite font with Identity-H/V: two-byte codes equal to CIDs.
    Identity,
    /// Composite font with an embedded encoding CMap.
    Embedded(CMap),
    /// Composite font with a predefined CJK CMap, decoded as a legacy encoding.
    Predefined(Predef),
}

#[derive(Debug, Clone, Copy)]
enum Predef {
    /// GBK-EUC, GB-EUC, GBK2K…: one byte below 0x81, else two (four for GB18030 pairs).
    Gb(&'static encoding_rs::Encoding),
    /// Big5, Shift-JIS, EUC-KR: lead bytes above 0x80 take two bytes.
    Dbcs(&'static encoding_rs::Encoding),
    /// UniXX-UCS2 / UTF16: UTF-16BE units.
    Utf16,
}

/// A font as far as text extraction needs it.
#[derive(Debug, Clone)]
pub(crate) struct Font {
    coding: Coding,
    to_unicode: Option<CMap>,
    widths: HashMap<u32, f32>,
    width_ranges: Vec<(u32, u32, f32)>,
    default_width: f32,
    width_scale: f32,
    /// Vertical writing mode (`-V` CMaps): glyphs advance downward.
    pub vertical: bool,
    /// Whether any code of this font can be turned into text at all.
    pub decodable: bool,
    /// CID → text for composite fonts without `/ToUnicode`: from the embedded font's own
    /// cmap, or from Adobe's CID → Unicode table for a non-embedded Adobe-GB1 font.
    cid_text: Option<CidText>,
}

/// Where a composite font without `/ToUnicode` gets the text of a CID.
#[derive(Debug, Clone)]
enum CidText {
    /// Reversed cmap of the embedded TrueType/OpenType program, keyed by CID.
    Embedded(HashMap<u32, char>),
    /// Adobe-GB1 CIDs (STSong-Light and kin, not embedded).
    AdobeGb1,
}

/// Adobe-GB1 CID → BMP code point, one big-endian u16 per CID (0: none), converted by
/// `scripts/gen-adobe-gb1` from Adobe's Adobe-GB1-UCS2 CMap (licence in `data/`).
static ADOBE_GB1: &[u8] = include_bytes!("../data/adobe-gb1-ucs2.bin");

fn adobe_gb1(cid: u32) -> Option<char> {
    let i = usize::try_from(cid).ok()?.checked_mul(2)?;
    let b = ADOBE_GB1.get(i..i + 2)?;
    let u = u32::from(u16::from_be_bytes([b[0], b[1]]));
    (u != 0).then(|| char::from_u32(u)).flatten()
}

/// Largest CID → GID map read from a `/CIDToGIDMap` stream (64 Ki CIDs of 2 bytes).
const MAX_CID_TO_GID: usize = 2 * 65536;

/// Decompression budget charged for reversing one font's cmap, so that a file with
/// thousands of fonts without `/ToUnicode` cannot make us do thousands of reversals.
const REVERSE_CMAP_COST: u64 = 64 * 1024;

/// Reverses the Unicode cmap subtables of an embedded font program: glyph id → char.
fn reverse_cmap(program: &[u8]) -> Option<HashMap<u16, char>> {
    let face = ttf_parser::Face::parse(program, 0).ok()?;
    let rev = reverse_face(&face, |g| g.0);
    (!rev.is_empty()).then_some(rev)
}

/// Reverses the Unicode cmap subtables of `face`: `key(glyph)` (its id, or its CID) →
/// char. It looks up every BMP code point rather than walking the subtables' ranges,
/// which a hostile font can make billions long; the BMP holds every character these
/// reports print. A glyph reached from several code points gets the best by [`rank`].
pub(crate) fn reverse_face(
    face: &ttf_parser::Face,
    key: impl Fn(ttf_parser::GlyphId) -> u16,
) -> HashMap<u16, char> {
    let mut rev: HashMap<u16, char> = HashMap::new();
    let Some(cmap) = face.tables().cmap else {
        return rev;
    };
    for sub in cmap.subtables {
        if !sub.is_unicode() {
            continue;
        }
        for ch in ('\u{20}'..='\u{ffff}').filter(|c| !c.is_control()) {
            let Some(g) = sub.glyph_index(u32::from(ch)).filter(|g| g.0 != 0) else {
                continue;
            };
            let slot = rev.entry(key(g)).or_insert(ch);
            if rank(ch) < rank(*slot) {
                *slot = ch;
            }
        }
    }
    rev
}

/// Which of the code points that reach one glyph is its text (lowest first, then the
/// lowest code point): a unified ideograph rather than the Kangxi radical (⼝ U+2F1D for
/// 口) or compatibility ideograph drawn by the same glyph, and anything before private
/// use.
fn rank(c: char) -> u8 {
    match c {
        _ if is_garbage(c) => 3,
        '\u{2e80}'..='\u{2fdf}' | '\u{f900}'..='\u{faff}' => 2,
        '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' => 0,
        _ => 1,
    }
}

/// Private-use and replacement characters: what a font maps glyphs to when it does not
/// know their text. Shown as such, they would be garbage in a cell.
pub(crate) fn is_garbage(c: char) -> bool {
    matches!(c, '\u{e000}'..='\u{f8ff}' | '\u{f0000}'..='\u{10ffff}' | '\u{fffd}')
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
    .filter(|v| v.is_finite())
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn get<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    d.get(key).ok().map(|o| deref(doc, o))
}

fn stream_bytes(doc: &Document, o: &Object, budget: &mut u64) -> Option<Vec<u8>> {
    let s = deref(doc, o).as_stream().ok()?;
    let limit = usize::try_from(*budget).unwrap_or(usize::MAX);
    let data = s
        .decompressed_content_with_limit(limit)
        .ok()
        .or_else(|| (s.dict.get(b"Filter").is_err()).then(|| s.content.clone()))?;
    *budget = budget.saturating_sub(data.len() as u64);
    Some(data)
}

impl Font {
    /// A font that decodes bytes as Latin-1 with a fixed width, for a missing `Tf` font.
    pub fn fallback() -> Font {
        Font {
            coding: Coding::Simple(table_for(b"WinAnsiEncoding")),
            to_unicode: None,
            widths: HashMap::new(),
            width_ranges: Vec::new(),
            default_width: 500.0,
            width_scale: 0.001,
            vertical: false,
            decodable: true,
            cid_text: None,
        }
    }

    /// Reads a font dictionary. `budget` is the remaining decompression allowance.
    pub fn load(doc: &Document, dict: &Dictionary, budget: &mut u64) -> Font {
        let subtype = get(doc, dict, b"Subtype")
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"");
        let to_unicode = get(doc, dict, b"ToUnicode")
            .and_then(|o| stream_bytes(doc, o, budget))
            .map(|b| CMap::parse(&b))
            .filter(CMap::has_unicode);
        let mut font = Font {
            to_unicode,
            ..Font::fallback()
        };
        if subtype == b"Type0" {
            font.load_type0(doc, dict, budget);
        } else {
            font.load_simple(doc, dict, subtype == b"Type3", budget);
        }
        font.decodable = font.to_unicode.is_some()
            || font.cid_text.is_some()
            || matches!(font.coding, Coding::Simple(_) | Coding::Predefined(_));
        font
    }

    fn load_type0(&mut self, doc: &Document, dict: &Dictionary, budget: &mut u64) {
        self.default_width = 1000.0;
        match get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => {
                let name = n.as_slice();
                self.vertical = name.ends_with(b"-V");
                self.coding = predefined(name).map_or(Coding::Identity, Coding::Predefined);
            }
            Some(o @ Object::Stream(s)) => {
                self.vertical = s
                    .dict
                    .get(b"WMode")
                    .ok()
                    .and_then(num)
                    .is_some_and(|v| v == 1.0);
                let cmap = stream_bytes(doc, o, budget)
                    .map(|b| CMap::parse(&b))
                    .unwrap_or_default();
                self.coding = Coding::Embedded(cmap);
            }
            _ => self.coding = Coding::Identity,
        }
        let desc = get(doc, dict, b"DescendantFonts")
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok());
        let Some(desc) = desc else { return };
        if self.to_unicode.is_none() && !matches!(self.coding, Coding::Predefined(_)) {
            self.cid_text = cid_text(doc, desc, budget);
        }
        if let Some(dw) = get(doc, desc, b"DW").and_then(num) {
            self.default_width = dw;
        }
        let Some(w) = get(doc, desc, b"W").and_then(|o| o.as_array().ok()) else {
            return;
        };
        let mut i = 0;
        while i < w.len() {
            let Some(first) = num(deref(doc, &w[i])) else {
                i += 1;
                continue;
            };
            let first = first.max(0.0) as u32;
            match w.get(i + 1).map(|o| deref(doc, o)) {
                Some(Object::Array(ws)) => {
                    for (k, wo) in ws.iter().enumerate() {
                        if let Some(v) = num(deref(doc, wo)) {
                            self.widths.insert(first.saturating_add(k as u32), v);
                        }
                    }
                    i += 2;
                }
                Some(o) => {
                    let last = num(o).map_or(first, |l| l.max(0.0) as u32);
                    if let Some(v) = w.get(i + 2).and_then(|o| num(deref(doc, o)))
                        && last >= first
                    {
                        if last - first < 4096 {
                            for c in first..=last {
                                self.widths.insert(c, v);
                            }
                        } else if self.width_ranges.len() < 256 {
                            self.width_ranges.push((first, last, v));
                        }
                    }
                    i += 3;
                }
                None => break,
            }
        }
    }

    fn load_simple(&mut self, doc: &Document, dict: &Dictionary, type3: bool, budget: &mut u64) {
        let mut table = table_for(b"StandardEncoding");
        // Glyphs named by CID: LibreOffice's subsets of CID-keyed fonts.
        let mut cid_names: CidNames = Vec::new();
        let fd = get(doc, dict, b"FontDescriptor").and_then(|o| o.as_dict().ok());
        // An embedded Type 1 program without `/Encoding` in the dictionary uses its own
        // built-in encoding; reading it as StandardEncoding would map subset codes to
        // unrelated Latin letters.
        if dict.get(b"Encoding").is_err()
            && let Some(program) = fd
                .and_then(|fd| fd.get(b"FontFile").ok())
                .and_then(|o| stream_bytes(doc, o, budget))
            && let Some((builtin, cids)) = type1_builtin_encoding(&program)
        {
            table = builtin;
            cid_names = cids;
        }
        match get(doc, dict, b"Encoding") {
            Some(Object::Name(n)) => table = table_for(n),
            Some(Object::Dictionary(e)) => {
                if let Some(Object::Name(n)) = get(doc, e, b"BaseEncoding") {
                    table = table_for(n);
                }
                if let Some(diffs) = get(doc, e, b"Differences").and_then(|o| o.as_array().ok()) {
                    let mut code: usize = 0;
                    for d in diffs {
                        match deref(doc, d) {
                            Object::Integer(c) => code = (*c).clamp(0, 256) as usize,
                            Object::Name(n) => {
                                if let Some(slot) = table.get_mut(code) {
                                    *slot = glyph_char(n);
                                }
                                if let Some(cid) = cid_name(n) {
                                    cid_names.push((code, cid));
                                }
                                code += 1;
                            }
                            _ => {}
                        }
                    }
                }
            }
            _ => {}
        }
        fill_from_installed_font(doc, dict, &mut table, &cid_names);
        self.coding = Coding::Simple(table);
        if type3 {
            // Type 3 widths are in glyph space, scaled by the font matrix.
            self.width_scale = get(doc, dict, b"FontMatrix")
                .and_then(|o| o.as_array().ok())
                .and_then(|a| a.first())
                .and_then(num)
                .filter(|v| v.abs() < 1e3)
                .unwrap_or(0.001);
        }
        if let Some(fd) = get(doc, dict, b"FontDescriptor").and_then(|o| o.as_dict().ok())
            && let Some(mw) = get(doc, fd, b"MissingWidth").and_then(num)
            && mw > 0.0
        {
            self.default_width = mw;
        }
        let first = get(doc, dict, b"FirstChar").and_then(num).unwrap_or(0.0);
        if let Some(ws) = get(doc, dict, b"Widths").and_then(|o| o.as_array().ok()) {
            let first = first.clamp(0.0, 255.0) as u32;
            for (k, w) in ws.iter().take(256).enumerate() {
                if let Some(v) = num(deref(doc, w)) {
                    self.widths.insert(first + k as u32, v);
                }
            }
        }
    }

    fn width_of(&self, cid: u32) -> f32 {
        let w = self.widths.get(&cid).copied().or_else(|| {
            self.width_ranges
                .iter()
                .find(|r| cid >= r.0 && cid <= r.1)
                .map(|r| r.2)
        });
        w.unwrap_or(self.default_width) * self.width_scale
    }

    fn unicode(&self, len: u8, code: u32) -> Option<String> {
        self.to_unicode.as_ref().and_then(|m| m.lookup(len, code))
    }

    /// Text of a CID when the font has no `/ToUnicode`.
    fn text_of_cid(&self, cid: u32) -> Option<String> {
        let ch = match self.cid_text.as_ref()? {
            CidText::Embedded(m) => m.get(&cid).copied(),
            CidText::AdobeGb1 => adobe_gb1(cid),
        }?;
        Some(ch.to_string())
    }

    /// Splits a shown string into codes and decodes each.
    pub fn decode(&self, bytes: &[u8], out: &mut Vec<Code>) {
        let mut i = 0;
        while i < bytes.len() {
            let rest = &bytes[i..];
            let (len, code, text, width) = match &self.coding {
                Coding::Simple(table) => {
                    let b = rest[0];
                    let text = self
                        .unicode(1, u32::from(b))
                        .or_else(|| table.get(b as usize).copied().flatten().map(String::from));
                    (1, u32::from(b), text, self.width_of(u32::from(b)))
                }
                Coding::Identity => {
                    let code = if rest.len() >= 2 {
                        (u32::from(rest[0]) << 8) | u32::from(rest[1])
                    } else {
                        u32::from(rest[0])
                    };
                    let len = rest.len().min(2);
                    let text = self
                        .unicode(len as u8, code)
                        .or_else(|| self.text_of_cid(code));
                    (len, code, text, self.width_of(code))
                }
                Coding::Embedded(cmap) => {
                    let len = cmap
                        .code_len(rest)
                        .or_else(|| self.to_unicode.as_ref().and_then(|m| m.code_len(rest)))
                        .unwrap_or(1)
                        .min(rest.len());
                    let code = rest[..len]
                        .iter()
                        .fold(0u32, |a, &b| (a << 8) | u32::from(b));
                    let cid = cmap.cid(len as u8, code).unwrap_or(code);
                    let text = self
                        .unicode(len as u8, code)
                        .or_else(|| self.text_of_cid(cid));
                    (len, code, text, self.width_of(cid))
                }
                Coding::Predefined(p) => {
                    let len = predef_len(*p, rest);
                    let code = rest[..len]
                        .iter()
                        .fold(0u32, |a, &b| (a << 8) | u32::from(b));
                    let text = self
                        .unicode(len as u8, code)
                        .or_else(|| predef_text(*p, &rest[..len]));
                    // Adobe's CID widths are not shipped; half-width for one-byte ASCII
                    // codes, full-width otherwise is right for the CJK fonts in question.
                    let ascii = text.as_deref().is_some_and(|t| t.is_ascii());
                    let w = if ascii { 500.0 } else { 1000.0 };
                    (len, code, text, w * self.width_scale)
                }
            };
            out.push(Code {
                text,
                width,
                is_space: len == 1 && code == 32,
            });
            i += len.max(1);
        }
    }
}

/// How a descendant CIDFont without `/ToUnicode` can still give text: through its embedded
/// TrueType/OpenType program's cmap (CID → GID by `/CIDToGIDMap`, GID → char reversed), or,
/// when not embedded and Adobe-GB1, through Adobe's table.
fn cid_text(doc: &Document, desc: &Dictionary, budget: &mut u64) -> Option<CidText> {
    let fd = get(doc, desc, b"FontDescriptor").and_then(|o| o.as_dict().ok());
    let program = fd.and_then(|fd| {
        [b"FontFile2".as_slice(), b"FontFile3"]
            .iter()
            .find_map(|k| fd.get(k).ok())
            .and_then(|o| stream_bytes(doc, o, budget))
    });
    if let Some(program) = program
        && let Some(map) = embedded_cid_text(doc, desc, &program, budget)
    {
        return Some(CidText::Embedded(map));
    }
    // A bare CFF program (no cmap) or none at all: Adobe-GB1 CIDs are still GB1 CIDs.
    let info = get(doc, desc, b"CIDSystemInfo").and_then(|o| o.as_dict().ok())?;
    let ordering = get(doc, info, b"Ordering").and_then(|o| o.as_str().ok())?;
    (ordering == b"GB1").then_some(CidText::AdobeGb1)
}

/// CID → char through an embedded TrueType/OpenType program's cmap and `/CIDToGIDMap`.
fn embedded_cid_text(
    doc: &Document,
    desc: &Dictionary,
    program: &[u8],
    budget: &mut u64,
) -> Option<HashMap<u32, char>> {
    *budget = budget.checked_sub(REVERSE_CMAP_COST)?;
    let rev = reverse_cmap(program)?;
    let to_gid = match get(doc, desc, b"CIDToGIDMap") {
        Some(o @ Object::Stream(_)) => stream_bytes(doc, o, budget),
        _ => None,
    };
    let mut map = HashMap::with_capacity(rev.len());
    match to_gid {
        Some(bytes) => {
            for (cid, pair) in bytes.chunks_exact(2).take(MAX_CID_TO_GID / 2).enumerate() {
                let gid = u16::from_be_bytes([pair[0], pair[1]]);
                if let Some(&ch) = rev.get(&gid)
                    && gid != 0
                {
                    map.insert(cid as u32, ch);
                }
            }
        }
        None => map.extend(rev.into_iter().map(|(g, c)| (u32::from(g), c))),
    }
    (!map.is_empty()).then_some(map)
}

fn predefined(name: &[u8]) -> Option<Predef> {
    let n = std::str::from_utf8(name).ok()?;
    let base = n.trim_end_matches("-H").trim_end_matches("-V");
    if base.starts_with("Uni") && (base.contains("UCS2") || base.contains("UTF16")) {
        return Some(Predef::Utf16);
    }
    if base.starts_with("GBK2K") {
        return Some(Predef::Gb(encoding_rs::GB18030));
    }
    if base.starts_with("GB") {
        return Some(Predef::Gb(encoding_rs::GBK));
    }
    if base.contains("B5") || base.starts_with("CNS") {
        return Some(Predef::Dbcs(encoding_rs::BIG5));
    }
    if base.contains("RKSJ") {
        return Some(Predef::Dbcs(encoding_rs::SHIFT_JIS));
    }
    if base.starts_with("KSC") || base.starts_with("KSCms") {
        return Some(Predef::Dbcs(encoding_rs::EUC_KR));
    }
    if base.starts_with("EUC") || base == "H" || base == "V" {
        return Some(Predef::Dbcs(encoding_rs::EUC_JP));
    }
    None
}

fn predef_len(p: Predef, rest: &[u8]) -> usize {
    let want = match p {
        Predef::Utf16 => {
            let hi = rest.first().copied().unwrap_or(0);
            if (0xd8..0xdc).contains(&hi) { 4 } else { 2 }
        }
        Predef::Gb(enc) => match rest {
            [a, b, ..] if *a >= 0x81 => {
                if enc == encoding_rs::GB18030 && (0x30..=0x39).contains(b) {
                    4
                } else {
                    2
                }
            }
            _ => 1,
        },
        Predef::Dbcs(enc) => {
            let a = rest.first().copied().unwrap_or(0);
            let single_kana = enc == encoding_rs::SHIFT_JIS && (0xa1..=0xdf).contains(&a);
            if a >= 0x81 && !single_kana { 2 } else { 1 }
        }
    };
    want.min(rest.len()).max(1)
}

fn predef_text(p: Predef, bytes: &[u8]) -> Option<String> {
    let (enc, b) = match p {
        Predef::Utf16 => (encoding_rs::UTF_16BE, bytes),
        Predef::Gb(e) | Predef::Dbcs(e) => (e, bytes),
    };
    let (s, had_errors) = enc.decode_without_bom_handling(b);
    (!had_errors).then(|| s.into_owned())
}

/// Largest cleartext part of a Type 1 program searched for its encoding.
const MAX_TYPE1_HEADER: usize = 256 * 1024;

/// The built-in encoding of a Type 1 font program (`/Encoding 256 array … dup 65 /A put …`
/// in the cleartext part before `eexec`), as code → char through the glyph names. `None`
/// when the program says `StandardEncoding` or has no encoding array. Hand-written: the
/// cleartext header is a few lines of PostScript and no font crate reads Type 1.
fn type1_builtin_encoding(program: &[u8]) -> Option<(Vec<Option<char>>, CidNames)> {
    let head = &program[..program.len().min(MAX_TYPE1_HEADER)];
    let end = find(head, b"eexec").unwrap_or(head.len());
    let head = &head[..end];
    let start = find(head, b"/Encoding")?;
    let rest = &head[start + b"/Encoding".len()..];
    let first = rest
        .split(|b| b.is_ascii_whitespace())
        .find(|t| !t.is_empty())?;
    if first == b"StandardEncoding" {
        return None;
    }
    let mut table = vec![None; 256];
    let mut cids = Vec::new();
    let toks: Vec<&[u8]> = rest
        .split(|b| b.is_ascii_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    for w in toks.windows(4) {
        if w[0] == b"dup"
            && w[3] == b"put"
            && let Some(name) = w[2].strip_prefix(b"/")
            && let Some(code) = std::str::from_utf8(w[1])
                .ok()
                .and_then(|c| c.parse::<usize>().ok())
            && let Some(slot) = table.get_mut(code)
        {
            *slot = glyph_char(name);
            if let Some(cid) = cid_name(name) {
                cids.push((code, cid));
            }
        }
    }
    Some((table, cids))
}

/// Codes whose glyph is named `cidNNNNN`, with the CID.
type CidNames = Vec<(usize, u16)>;

/// The CID of a glyph named `cidNNNNN`.
fn cid_name(name: &[u8]) -> Option<u16> {
    let digits = name.strip_prefix(b"cid")?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Fills the codes of `table` whose glyphs are named by CID (`cid_names`) and have no
/// text yet from the installed font the PDF names ([`crate::sysfont`]).
fn fill_from_installed_font(
    doc: &Document,
    dict: &Dictionary,
    table: &mut [Option<char>],
    cid_names: &[(usize, u16)],
) {
    // A `/ToUnicode` map gives the text already: reading a system font (a 30 MB file)
    // for nothing would cost every LibreOffice PDF a fifth of a second.
    if dict.has(b"ToUnicode")
        || cid_names
            .iter()
            .all(|&(c, _)| table.get(c).is_some_and(Option::is_some))
    {
        return;
    }
    let Some(Object::Name(base)) = get(doc, dict, b"BaseFont") else {
        return;
    };
    let text = crate::sysfont::cid_text(&String::from_utf8_lossy(base));
    let Some(text) = text else {
        return;
    };
    for &(code, cid) in cid_names {
        if let Some(slot) = table.get_mut(code)
            && slot.is_none()
        {
            *slot = text.get(&cid).copied();
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Code → char table of a named simple encoding.
fn table_for(name: &[u8]) -> Vec<Option<char>> {
    let mut t: Vec<Option<char>> = (0u32..256)
        .map(|c| {
            if (32..127).contains(&c) || (0xa0..=0xff).contains(&c) {
                char::from_u32(c)
            } else {
                None
            }
        })
        .collect();
    match name {
        b"WinAnsiEncoding" => {
            const HIGH: &str =
                "€\u{fffd}‚ƒ„…†‡ˆ‰Š‹Œ\u{fffd}Ž\u{fffd}\u{fffd}‘’“”•–—˜™š›œ\u{fffd}žŸ";
            for (k, ch) in HIGH.chars().enumerate() {
                t[0x80 + k] = (ch != '\u{fffd}').then_some(ch);
            }
        }
        b"StandardEncoding" => {
            t[0x27] = Some('’');
            t[0x60] = Some('‘');
            for slot in t.iter_mut().skip(0xa0) {
                *slot = None;
            }
        }
        _ => {}
    }
    t
}

/// Unicode for an Adobe glyph name (the common Latin subset, `uniXXXX`, `uXXXX`).
fn glyph_char(name: &[u8]) -> Option<char> {
    let n = std::str::from_utf8(name).ok()?;
    if n.chars().count() == 1 {
        return n.chars().next();
    }
    if let Some(hex) = n.strip_prefix("uni").or_else(|| n.strip_prefix('u'))
        && (4..=6).contains(&hex.len())
        && let Ok(v) = u32::from_str_radix(&hex[..hex.len().min(6)], 16)
    {
        return char::from_u32(v);
    }
    const NAMES: &[(&str, char)] = &[
        ("space", ' '),
        ("exclam", '!'),
        ("quotedbl", '"'),
        ("numbersign", '#'),
        ("dollar", '$'),
        ("percent", '%'),
        ("ampersand", '&'),
        ("quotesingle", '\''),
        ("quoteright", '’'),
        ("parenleft", '('),
        ("parenright", ')'),
        ("asterisk", '*'),
        ("plus", '+'),
        ("comma", ','),
        ("hyphen", '-'),
        ("period", '.'),
        ("slash", '/'),
        ("zero", '0'),
        ("one", '1'),
        ("two", '2'),
        ("three", '3'),
        ("four", '4'),
        ("five", '5'),
        ("six", '6'),
        ("seven", '7'),
        ("eight", '8'),
        ("nine", '9'),
        ("colon", ':'),
        ("semicolon", ';'),
        ("less", '<'),
        ("equal", '='),
        ("greater", '>'),
        ("question", '?'),
        ("at", '@'),
        ("bracketleft", '['),
        ("backslash", '\\'),
        ("bracketright", ']'),
        ("asciicircum", '^'),
        ("underscore", '_'),
        ("grave", '`'),
        ("quoteleft", '‘'),
        ("braceleft", '{'),
        ("bar", '|'),
        ("braceright", '}'),
        ("asciitilde", '~'),
        ("bullet", '•'),
        ("endash", '–'),
        ("emdash", '—'),
        ("quotedblleft", '“'),
        ("quotedblright", '”'),
        ("ellipsis", '…'),
        ("minus", '−'),
        ("periodcentered", '·'),
        ("degree", '°'),
        ("multiply", '×'),
        ("divide", '÷'),
        ("fi", 'ﬁ'),
        ("fl", 'ﬂ'),
        ("nbspace", '\u{a0}'),
        ("sfthyphen", '\u{ad}'),
    ];
    NAMES.iter().find(|(k, _)| *k == n).map(|(_, c)| *c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn font_with(coding: Coding) -> Font {
        Font {
            coding,
            ..Font::fallback()
        }
    }

    #[test]
    fn gbk_predefined_splits_and_decodes() {
        let f = font_with(Coding::Predefined(Predef::Gb(encoding_rs::GBK)));
        let (bytes, _, _) = encoding_rs::GBK.encode("本年新收12");
        let mut out = Vec::new();
        f.decode(&bytes, &mut out);
        let text: String = out.iter().filter_map(|c| c.text.clone()).collect();
        assert_eq!(text, "本年新收12");
        assert_eq!(out.len(), 6);
    }

    #[test]
    fn ucs2_predefined() {
        assert!(matches!(predefined(b"UniGB-UCS2-H"), Some(Predef::Utf16)));
        assert!(matches!(predefined(b"GBK-EUC-H"), Some(Predef::Gb(_))));
        let f = font_with(Coding::Predefined(Predef::Utf16));
        let mut out = Vec::new();
        f.decode(&[0x65, 0x3f, 0x00, 0x31], &mut out);
        let text: String = out.iter().filter_map(|c| c.text.clone()).collect();
        assert_eq!(text, "政1");
    }

    #[test]
    fn adobe_gb1_table() {
        assert_eq!(adobe_gb1(17), Some('0'));
        assert_eq!(adobe_gb1(4000), Some('姓'));
        assert_eq!(adobe_gb1(0), None);
        assert_eq!(adobe_gb1(u32::MAX), None);
        let f = Font {
            coding: Coding::Identity,
            cid_text: Some(CidText::AdobeGb1),
            ..Font::fallback()
        };
        let mut out = Vec::new();
        f.decode(&[0x00, 0x11, 0x0f, 0xa0], &mut out);
        let text: String = out.iter().filter_map(|c| c.text.clone()).collect();
        assert_eq!(text, "0姓");
    }

    #[test]
    fn type1_builtin() {
        let prog = b"%!FontType1\n/Encoding 256 array\n0 1 255 {1 index exch /.notdef put} for\n\
dup 1 /cid019 put\ndup 2 /uni653F put\ndup 65 /A put\nreadonly def\ncurrentfile eexec garbage";
        let (t, _) = type1_builtin_encoding(prog).unwrap_or_default();
        assert_eq!(t.len(), 256);
        assert_eq!(t[1], None);
        assert_eq!(t[2], Some('政'));
        assert_eq!(t[65], Some('A'));
        assert_eq!(t[66], None);
        assert!(type1_builtin_encoding(b"/Encoding StandardEncoding def eexec").is_none());
    }

    #[test]
    fn garbage_chars() {
        assert!(is_garbage('\u{e123}'));
        assert!(is_garbage('\u{fffd}'));
        assert!(!is_garbage('政'));
    }

    #[test]
    fn differences_names() {
        assert_eq!(glyph_char(b"uni653F"), Some('政'));
        assert_eq!(glyph_char(b"three"), Some('3'));
        assert_eq!(glyph_char(b"A"), Some('A'));
        assert_eq!(glyph_char(b"g123"), None);
    }
}
