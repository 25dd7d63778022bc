//! A streaming pre-pass that makes the DOM smaller before html5ever builds it: the
//! contents of `<script>`/`<style>` elements and comments are dropped, and start tags keep
//! only the attributes the extractor reads. On a 50 MB page of site chrome this is most
//! of the tree's memory (inline scripts, Word's `mso-` style attributes), at no cost to
//! what is extracted: nothing dropped here ever reaches a paragraph or a grid.
//!
//! Hand-written on purpose: html5ever's tokenizer would allocate the very tokens this
//! pass exists to avoid; this is one linear scan over the decoded text with no
//! allocation beyond the output.

use std::borrow::Cow;

/// Attributes some part of the extractor reads (body choice, chrome and hidden checks,
/// table spans, metadata, links). Everything else is dropped.
const KEPT: &[&str] = &[
    "class",
    "id",
    "name",
    "content",
    "style",
    "align",
    "href",
    "colspan",
    "rowspan",
    "hidden",
    "charset",
    "http-equiv",
];

/// Elements whose contents are never text of the page.
const EMPTIED: &[&str] = &["script", "style"];

/// Returns `src` with script/style contents and comments removed and start tags reduced
/// to [`KEPT`] attributes (a `style` only when it hides or aligns), and how many start
/// tags it has (the size of the tree to come).
pub(crate) fn slim(src: &str) -> (Cow<'_, str>, usize) {
    let b = src.as_bytes();
    let n = b.len();
    let mut out = String::new();
    let mut copied_to = 0;
    let mut changed = false;
    let mut elements = 0usize;
    let mut i = 0;
    while i < n {
        let Some(off) = b[i..].iter().position(|&c| c == b'<') else {
            break;
        };
        let lt = i + off;
        let rest = &b[lt..];
        if rest.starts_with(b"<!--") {
            let end = find(b, lt + 4, b"-->").map_or(n, |p| p + 3);
            out.push_str(&src[copied_to..lt]);
            copied_to = end;
            changed = true;
            i = end;
            continue;
        }
        let name_start = lt + 1;
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            i = lt + 1;
            continue;
        }
        let mut j = name_start;
        while j < n && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
            j += 1;
        }
        let name = src[name_start..j].to_ascii_lowercase();
        elements += 1;
        let Some((end, tag)) = rewrite_tag(src, lt, j) else {
            // Unterminated tag: leave the rest to html5ever as it is.
            break;
        };
        if let Some(t) = tag {
            out.push_str(&src[copied_to..lt]);
            out.push_str(&t);
            copied_to = end;
            changed = true;
        }
        i = end;
        if EMPTIED.contains(&name.as_str()) {
            if let Some(close) = find_end_tag(b, end, name.as_bytes()) {
                if close > end {
                    out.push_str(&src[copied_to..end]);
                    copied_to = close;
                    changed = true;
                }
                i = close;
            } else {
                break;
            }
        } else if matches!(name.as_str(), "textarea" | "title" | "xmp" | "plaintext") {
            // Raw or escapable raw text: its `<` are not tags.
            match find_end_tag(b, end, name.as_bytes()) {
                Some(close) => i = close,
                None => break,
            }
        }
    }
    if !changed {
        return (Cow::Borrowed(src), elements);
    }
    out.push_str(&src[copied_to..]);
    (Cow::Owned(out), elements)
}

/// Parses the start tag at `lt` (name ends at `name_end`). Returns the index after its
/// `>` and, when some attribute is dropped, the tag rewritten with the kept ones.
fn rewrite_tag(src: &str, lt: usize, name_end: usize) -> Option<(usize, Option<String>)> {
    let b = src.as_bytes();
    let n = b.len();
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c');
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut dropped = false;
    let mut k = name_end;
    loop {
        while k < n && (ws(b[k]) || b[k] == b'/') {
            k += 1;
        }
        if k >= n {
            return None;
        }
        if b[k] == b'>' {
            break;
        }
        let a_start = k;
        while k < n && !ws(b[k]) && !matches!(b[k], b'/' | b'>' | b'=') {
            k += 1;
        }
        // An attribute name may begin with `=`/`/`-free bytes only; guard progress.
        if k == a_start {
            k += 1;
        }
        let a_name = src[a_start..k].to_ascii_lowercase();
        let mut v = k;
        while v < n && ws(b[v]) {
            v += 1;
        }
        let mut value: Option<(usize, usize)> = None;
        if v < n && b[v] == b'=' {
            v += 1;
            while v < n && ws(b[v]) {
                v += 1;
            }
            match b.get(v) {
                Some(&q @ (b'"' | b'\'')) => {
                    let close = b[v + 1..].iter().position(|&c| c == q)? + v + 1;
                    value = Some((v + 1, close));
                    k = close + 1;
                }
                _ => {
                    let s = v;
                    while v < n && !ws(b[v]) && b[v] != b'>' {
                        v += 1;
                    }
                    value = Some((s, v));
                    k = v;
                }
            }
        }
        let keep = KEPT.contains(&a_name.as_str())
            && (a_name != "style" || value.is_some_and(|(s, e)| style_matters(&src[s..e])));
        if keep {
            kept.push((a_start, k));
        } else {
            dropped = true;
        }
    }
    let end = k + 1;
    if !dropped {
        return Some((end, None));
    }
    let mut t = String::with_capacity(end - lt);
    t.push_str(&src[lt..name_end]);
    for (s, e) in kept {
        t.push(' ');
        t.push_str(&src[s..e]);
    }
    if b[k - 1] == b'/' && k > name_end {
        t.push_str(" /");
    }
    t.push('>');
    Some((end, Some(t)))
}

/// Whether a `style` value says something the extractor reads (hidden, centred).
fn style_matters(style: &str) -> bool {
    let s = style.to_ascii_lowercase();
    s.contains("display") || s.contains("visibility") || s.contains("text-align")
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
    fn plain_pages_are_untouched() {
        let s = r#"<table><tr><td rowspan="2" class=x>1</td></tr></table>"#;
        assert!(matches!(slim(s).0, Cow::Borrowed(_)));
    }

    #[test]
    fn scripts_comments_and_unread_attributes_go() {
        let s = "<p style='mso-x:1' lang=zh-CN class=\"MsoNormal\">a<!-- c --></p>\
                 <script type=x>var a = '<p>';</script><td colspan=2 width=80>b</td>\
                 <div style=\"display: none\">h</div><br/>";
        let (o, elements) = slim(s);
        assert_eq!(
            o,
            "<p class=\"MsoNormal\">a</p><script></script><td colspan=2>b</td>\
             <div style=\"display: none\">h</div><br/>"
        );
        assert_eq!(elements, 5);
    }

    #[test]
    fn title_text_with_angle_brackets_is_kept() {
        let s = "<title>a <b x=1> c</title><p x=1>d</p>";
        assert_eq!(slim(s).0, "<title>a <b x=1> c</title><p>d</p>");
    }

    #[test]
    fn unterminated_input_is_left_alone() {
        for s in ["<p a='x", "<script>never closed", "<!-- open", "<", "<a"] {
            let (o, _) = slim(s);
            assert!(o.len() <= s.len(), "{s}");
        }
    }
}
