//! Bounding element nesting before html5ever sees the markup.
//!
//! html5ever's tree builder scans the stack of open elements for many start and end tags
//! ("close a p element in button scope", "has an element in scope"). With a stack tens of
//! thousands deep (`<div>` × 100 000, an unclosed `<span>` per paragraph) parsing becomes
//! quadratic: 100 000 nested `<div>`s take ~30 s. This pass tracks an approximate stack of
//! open elements with the most common implied-end-tag rules and drops start tags (and their
//! matching end tags) that would nest deeper than the cap. Text is never dropped; only
//! structure beyond the cap is flattened, which real pages never reach.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
];

/// Elements whose content is not markup: skip to their end tag.
const RAW: &[&str] = &[
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript",
];

/// Start tags that close an open `<p>` (HTML "close a p element in button scope").
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "dd",
    "dt",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "ul",
    "xmp",
];

const P_SCOPE: &[&str] = &[
    "button", "table", "td", "th", "caption", "html", "object", "marquee", "applet", "template",
];

/// HTML start tags that end foreign (SVG/MathML) content.
const BREAKOUT: &[&str] = &[
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "center",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "hr",
    "i",
    "img",
    "li",
    "listing",
    "menu",
    "meta",
    "nobr",
    "ol",
    "p",
    "pre",
    "ruby",
    "s",
    "small",
    "span",
    "strong",
    "strike",
    "sub",
    "sup",
    "table",
    "tt",
    "u",
    "ul",
    "var",
    "font",
];

/// Returns `src` with start tags nested deeper than `cap` removed (with their end tags),
/// and how many start tags were removed.
pub(crate) fn cap_nesting(src: &str, cap: usize) -> (Cow<'_, str>, usize) {
    let b = src.as_bytes();
    let n = b.len();
    let cap = cap.max(16);
    let mut out: Option<String> = None;
    let mut copied_to = 0;
    let mut names = Names::new();
    let mut stack: Vec<u32> = Vec::new();
    let mut foreign_at: Option<usize> = None;
    let mut dropped: HashMap<u32, usize> = HashMap::new();
    let mut dropped_total = 0usize;
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
        if matches!(rest.get(1), Some(b'!' | b'?')) {
            i = find(b, lt + 1, b">").map_or(n, |p| p + 1);
            continue;
        }
        let is_end = rest.get(1) == Some(&b'/');
        let name_start = lt + if is_end { 2 } else { 1 };
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            i = if is_end {
                // `</3>` and the like are bogus comments up to `>`.
                find(b, lt + 1, b">").map_or(n, |p| p + 1)
            } else {
                lt + 1
            };
            continue;
        }
        let mut j = name_start;
        while j < n && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
            j += 1;
        }
        let name = String::from_utf8_lossy(&b[name_start..j]).to_ascii_lowercase();
        let (end, self_closing) = tag_end(b, j);
        let id = names.id(&name);
        let mut keep = true;
        if is_end {
            if let Some(d) = dropped.get_mut(&id)
                && *d > 0
            {
                *d -= 1;
                keep = false;
            } else if let Some(pos) = stack.iter().rposition(|&s| s == id) {
                stack.truncate(pos);
            }
        } else if !matches!(name.as_str(), "html" | "head" | "body" | "frameset")
            && !VOID.contains(&name.as_str())
        {
            if let Some(f) = foreign_at
                && BREAKOUT.contains(&name.as_str())
            {
                stack.truncate(f);
            }
            if foreign_at.is_some_and(|f| f >= stack.len()) {
                foreign_at = None;
            }
            let foreign_self_closing =
                self_closing && (foreign_at.is_some() || matches!(name.as_str(), "svg" | "math"));
            if foreign_at.is_none() {
                implied_ends(&mut stack, &name);
            }
            if !foreign_self_closing {
                if stack.len() >= cap {
                    *dropped.entry(id).or_default() += 1;
                    dropped_total += 1;
                    keep = false;
                } else {
                    if foreign_at.is_none() && matches!(name.as_str(), "svg" | "math") {
                        foreign_at = Some(stack.len());
                    }
                    stack.push(id);
                }
            }
        }
        if foreign_at.is_some_and(|f| f >= stack.len()) {
            foreign_at = None;
        }
        if !keep {
            let o = out.get_or_insert_with(|| String::with_capacity(src.len()));
            o.push_str(&src[copied_to..lt]);
            copied_to = end;
        }
        i = end;
        if !is_end && keep && RAW.contains(&name.as_str()) {
            i = find_end_tag(b, end, name.as_bytes()).unwrap_or(n);
        } else if !is_end && keep && name == "plaintext" {
            break;
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&src[copied_to..]);
            (Cow::Owned(o), dropped_total)
        }
        None => (Cow::Borrowed(src), 0),
    }
}

/// Tag names the implied-end rules look at, with fixed ids below 64 so that a rule's
/// target and boundary sets are bit masks: the stack scans stay cheap even when a hostile
/// page keeps the stack at the cap for every one of its tags.
const SCOPED: &[&str] = &[
    "td", "th", "table", "tr", "tbody", "thead", "tfoot", "caption", "colgroup", "option",
    "select", "a", "nobr", "li", "ul", "ol", "dd", "dt", "dl", "p", "button", "html", "object",
    "marquee", "applet", "template", "h1", "h2", "h3", "h4", "h5", "h6",
];

/// Interns tag names as small integers.
struct Names {
    ids: HashMap<String, u32>,
}

impl Names {
    fn new() -> Self {
        let ids = SCOPED
            .iter()
            .zip(0u32..)
            .map(|(n, i)| ((*n).to_string(), i))
            .collect();
        Names { ids }
    }

    fn id(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.to_string(), i);
        i
    }
}

fn mask(names: &[&str]) -> u64 {
    names
        .iter()
        .filter_map(|n| SCOPED.iter().position(|s| s == n))
        .fold(0, |m, i| m | (1u64 << i))
}

fn in_mask(id: u32, m: u64) -> bool {
    id < 64 && m & (1u64 << id) != 0
}

/// Pops through the nearest element in `targets`, unless an element in `bounds` comes first.
fn close_through(stack: &mut Vec<u32>, targets: u64, bounds: u64) {
    for k in (0..stack.len()).rev() {
        let s = stack[k];
        if in_mask(s, targets) {
            stack.truncate(k);
            return;
        }
        if in_mask(s, bounds) {
            return;
        }
    }
}

/// The masks the implied-end rules use, computed once.
struct Masks {
    table: u64,
    cell_scope: u64,
    cells: u64,
    tr: u64,
    sections: u64,
    caption: u64,
    option: u64,
    select: u64,
    a: u64,
    nobr: u64,
    li: u64,
    list_scope: u64,
    dd_dt: u64,
    dl_scope: u64,
    p: u64,
    p_scope: u64,
    headings: u64,
}

static MASKS: LazyLock<Masks> = LazyLock::new(|| Masks {
    table: mask(&["table"]),
    cell_scope: mask(&["table", "td", "th"]),
    cells: mask(&["td", "th"]),
    tr: mask(&["tr"]),
    sections: mask(&["tbody", "thead", "tfoot"]),
    caption: mask(&["caption", "colgroup"]),
    option: mask(&["option"]),
    select: mask(&["select"]),
    a: mask(&["a"]),
    nobr: mask(&["nobr"]),
    li: mask(&["li"]),
    list_scope: mask(&["ul", "ol", "table", "td", "th"]),
    dd_dt: mask(&["dd", "dt"]),
    dl_scope: mask(&["dl", "table", "td", "th"]),
    p: mask(&["p"]),
    p_scope: mask(P_SCOPE),
    headings: mask(&["h1", "h2", "h3", "h4", "h5", "h6"]),
});

/// The implied end tags html5ever applies for a start tag, approximately.
fn implied_ends(stack: &mut Vec<u32>, name: &str) {
    let m = &*MASKS;
    match name {
        "td" | "th" => close_through(stack, m.cells, m.table),
        "tr" => close_through(stack, m.tr, m.table),
        "tbody" | "thead" | "tfoot" => close_through(stack, m.sections, m.table),
        "caption" | "colgroup" => close_through(stack, m.caption, m.table),
        "option" | "optgroup" => close_through(stack, m.option, m.select),
        "a" => close_through(stack, m.a, m.cell_scope),
        "nobr" => close_through(stack, m.nobr, m.cell_scope),
        "li" => close_through(stack, m.li, m.list_scope),
        "dd" | "dt" => close_through(stack, m.dd_dt, m.dl_scope),
        _ => {}
    }
    if CLOSES_P.contains(&name) {
        close_through(stack, m.p, m.p_scope);
    }
    if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
        && in_mask(stack_top(stack), m.headings)
    {
        stack.pop();
    }
}

fn stack_top(stack: &[u32]) -> u32 {
    stack.last().copied().unwrap_or(u32::MAX)
}

/// Index after the tag's `>` (quoted attribute values may contain `>`), and whether the tag
/// ends with `/>`.
fn tag_end(b: &[u8], mut k: usize) -> (usize, bool) {
    let n = b.len();
    let mut last_slash = false;
    while k < n {
        match b[k] {
            b'>' => return (k + 1, last_slash),
            b'=' => {
                last_slash = false;
                k += 1;
                while k < n && matches!(b[k], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                    k += 1;
                }
                if let Some(&q @ (b'"' | b'\'')) = b.get(k) {
                    k = b[k + 1..]
                        .iter()
                        .position(|&c| c == q)
                        .map_or(n, |p| k + 1 + p + 1);
                }
            }
            b'/' => {
                last_slash = true;
                k += 1;
            }
            c => {
                if !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                    last_slash = false;
                }
                k += 1;
            }
        }
    }
    (n, false)
}

/// Start of the `</name` that ends a raw-text element's content.
fn find_end_tag(b: &[u8], from: usize, name: &[u8]) -> Option<usize> {
    let mut i = from;
    while i + 2 + name.len() <= b.len() {
        let off = b[i..].windows(2).position(|w| w == b"</")?;
        let p = i + off;
        let after = p + 2 + name.len();
        if after <= b.len()
            && b[p + 2..after].eq_ignore_ascii_case(name)
            && b.get(after)
                .is_none_or(|&c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'))
        {
            return Some(p);
        }
        i = p + 2;
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_pages_are_untouched() {
        let s = "<html><body><div><p>a<p>b<table><tr><td>1<td>2<tr><td>3</table>\
                 <ul><li>x<li>y</ul><svg><path/><path/></svg></div></body></html>";
        let (out, n) = cap_nesting(s, 16);
        assert_eq!(n, 0);
        assert!(matches!(out, Cow::Borrowed(_)));
    }

    #[test]
    fn deep_divs_are_flattened_text_kept() {
        let s = format!("{}深{}", "<div>".repeat(1000), "</div>".repeat(1000));
        let (out, n) = cap_nesting(&s, 100);
        assert_eq!(n, 900);
        assert_eq!(out.matches("<div>").count(), 100);
        assert_eq!(out.matches("</div>").count(), 100);
        assert!(out.contains('深'));
    }

    #[test]
    fn implied_ends_do_not_accumulate() {
        // Unclosed spans in cells are closed by the next cell; thousands of them must not
        // push later content past the cap.
        let cells = "<td><span>x".repeat(5000);
        let s = format!("<table><tr>{cells}</table><div><div>end</div></div>");
        let (out, n) = cap_nesting(&s, 64);
        assert_eq!(n, 0, "{}", &out[out.len() - 60..]);
    }

    #[test]
    fn raw_text_is_skipped() {
        let s = format!(
            "<script>{}</script><style>{}</style>",
            "<div>".repeat(500),
            "<b>".repeat(500)
        );
        let (_, n) = cap_nesting(&s, 16);
        assert_eq!(n, 0);
    }
}
