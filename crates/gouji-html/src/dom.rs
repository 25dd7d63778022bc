//! Element categories, per-element text statistics and whitespace-faithful text collection.

use ego_tree::{NodeId, NodeRef, iter::Edge};
use scraper::Node;
use scraper::node::Element;
use std::collections::HashMap;

pub(crate) type N<'a> = NodeRef<'a, Node>;

/// Elements whose content is never report text.
const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "title", "meta", "link", "iframe", "object",
    "embed", "svg", "math", "canvas", "select", "option", "button", "input", "textarea", "map",
    "audio", "video", "source", "frameset", "frame", "noembed", "noframes",
];

/// Elements that start and end a block of text.
const BLOCK: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
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
    "html",
    "legend",
    "li",
    "listing",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
    "xmp",
];

pub(crate) fn is_block(name: &str) -> bool {
    BLOCK.contains(&name)
}

/// An attribute's value. `Element::attr` interns the name on every call, which showed up
/// at the top of profiles; elements have few attributes, so a scan is cheaper.
pub(crate) fn attr<'e>(el: &'e Element, name: &str) -> Option<&'e str> {
    el.attrs().find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// Whether an element and its subtree are not rendered text: scripts, styles, form
/// controls, and elements hidden with `hidden` or an inline `display:none`.
pub(crate) fn is_skipped(el: &Element) -> bool {
    if SKIPPED.contains(&el.name()) || attr(el, "hidden").is_some() {
        return true;
    }
    attr(el, "style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

/// Site chrome by tag: navigation and side boxes never belong to an article.
pub(crate) fn is_chrome_tag(name: &str) -> bool {
    matches!(name, "nav" | "aside")
}

/// Site chrome by tag or by a class/id naming it, used when no article container was found
/// and the whole page body is read.
pub(crate) fn looks_like_chrome(el: &Element) -> bool {
    if matches!(el.name(), "nav" | "aside" | "header" | "footer") {
        return true;
    }
    let names = el.id().into_iter().chain(el.classes());
    for raw in names {
        let s = raw.to_ascii_lowercase();
        const LONG: &[&str] = &[
            "footer",
            "header",
            "sidebar",
            "breadcrumb",
            "crumb",
            "copyright",
            "navbar",
            "navigation",
            "menu",
            "topbar",
            "toolbar",
            "banner",
        ];
        if LONG.iter().any(|w| s.contains(w)) {
            return true;
        }
        const SHORT: &[&str] = &[
            "nav", "foot", "head", "top", "side", "share", "login", "search",
        ];
        if s.split(['-', '_']).any(|t| SHORT.contains(&t)) {
            return true;
        }
    }
    false
}

/// CJK ideographs (what report text is made of).
pub(crate) fn is_ideograph(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'
        | '\u{20000}'..='\u{3134f}')
}

/// Characters between which a source line break is not a space (CSS Text segment-break
/// rule for East Asian wide characters).
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{2e80}'..='\u{303f}' | '\u{3040}'..='\u{9fff}' | '\u{f900}'..='\u{faff}'
        | '\u{ff00}'..='\u{ffef}' | '\u{20000}'..='\u{3134f}')
}

/// Text statistics of an element's rendered subtree.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Stats {
    /// Text weight: 2 per CJK ideograph, 1 per ASCII digit.
    pub weight: u64,
    /// Part of `weight` inside `<a>` elements.
    pub link_weight: u64,
    /// `<a href>` elements.
    pub links: u64,
    /// `<table>` elements.
    pub tables: u64,
    /// Non-whitespace characters of any script.
    pub chars: u64,
    /// Elements in the subtree, itself included.
    pub elements: u64,
}

impl Stats {
    pub(crate) fn nonlink(&self) -> u64 {
        self.weight.saturating_sub(self.link_weight)
    }

    fn add(&mut self, o: &Stats) {
        self.weight = self.weight.saturating_add(o.weight);
        self.link_weight = self.link_weight.saturating_add(o.link_weight);
        self.links = self.links.saturating_add(o.links);
        self.tables = self.tables.saturating_add(o.tables);
        self.chars = self.chars.saturating_add(o.chars);
        self.elements = self.elements.saturating_add(o.elements);
    }
}

/// Facts about the parsed tree computed in one pass.
#[derive(Debug, Default)]
pub(crate) struct DomInfo {
    /// Statistics of every rendered element (skipped subtrees have no entry).
    pub stats: HashMap<NodeId, Stats>,
    /// 1-based source-order index of every `<table>` element.
    pub table_index: HashMap<NodeId, usize>,
    /// Deepest element nesting seen.
    pub max_depth: usize,
}

impl DomInfo {
    /// One iterative pass over the tree (no recursion, whatever the depth).
    pub(crate) fn compute(root: N<'_>) -> DomInfo {
        let mut info = DomInfo::default();
        let mut skip: Option<NodeId> = None;
        let mut link_depth = 0usize;
        let mut depth = 0usize;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    let Node::Element(el) = node.value() else {
                        if skip.is_none()
                            && let Node::Text(t) = node.value()
                            && let Some(p) = node.parent()
                        {
                            let (w, chars) = text_weight(t);
                            if chars > 0
                                && let Some(ps) = info.stats.get_mut(&p.id())
                            {
                                ps.chars = ps.chars.saturating_add(chars);
                                ps.weight = ps.weight.saturating_add(w);
                                if link_depth > 0 {
                                    ps.link_weight = ps.link_weight.saturating_add(w);
                                }
                            }
                        }
                        continue;
                    };
                    depth += 1;
                    info.max_depth = info.max_depth.max(depth);
                    if el.name() == "table" {
                        let k = info.table_index.len() + 1;
                        info.table_index.insert(node.id(), k);
                    }
                    if skip.is_some() {
                        continue;
                    }
                    if is_skipped(el) {
                        skip = Some(node.id());
                        continue;
                    }
                    let mut s = Stats {
                        elements: 1,
                        ..Stats::default()
                    };
                    if el.name() == "a" {
                        link_depth += 1;
                        if attr(el, "href").is_some() {
                            s.links = 1;
                        }
                    }
                    if el.name() == "table" {
                        s.tables = 1;
                    }
                    info.stats.insert(node.id(), s);
                }
                Edge::Close(node) => {
                    let Node::Element(el) = node.value() else {
                        continue;
                    };
                    depth = depth.saturating_sub(1);
                    if skip == Some(node.id()) {
                        skip = None;
                        continue;
                    }
                    if skip.is_some() {
                        continue;
                    }
                    if el.name() == "a" {
                        link_depth = link_depth.saturating_sub(1);
                    }
                    if let Some(s) = info.stats.get(&node.id()).copied()
                        && let Some(p) = node.parent()
                        && let Some(ps) = info.stats.get_mut(&p.id())
                    {
                        ps.add(&s);
                    }
                }
            }
        }
        info
    }

    pub(crate) fn get(&self, id: NodeId) -> Option<&Stats> {
        self.stats.get(&id)
    }
}

/// Weight (2 per ideograph, 1 per digit) and non-whitespace character count.
fn text_weight(s: &str) -> (u64, u64) {
    let mut w = 0u64;
    let mut n = 0u64;
    for c in s.chars() {
        if c.is_whitespace() {
            continue;
        }
        n += 1;
        if is_ideograph(c) {
            w += 2;
        } else if c.is_ascii_digit() {
            w += 1;
        }
    }
    (w, n)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Pending {
    #[default]
    None,
    Space,
    /// A whitespace run containing a line break: dropped between wide characters.
    Break,
}

/// Collects text the way a browser lays it out: whitespace runs collapse to one space,
/// hard breaks (`<br>`, block boundaries) become `\n`.
#[derive(Debug, Default)]
pub(crate) struct TextBuf {
    buf: String,
    pending: Pending,
}

impl TextBuf {
    pub(crate) fn push_text(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '\n' | '\r' => self.pending = Pending::Break,
                ' ' | '\t' | '\x0c' => {
                    if self.pending == Pending::None {
                        self.pending = Pending::Space;
                    }
                }
                _ => {
                    self.resolve(c);
                    self.buf.push(c);
                }
            }
        }
    }

    fn resolve(&mut self, next: char) {
        let at_start = self.buf.is_empty() || self.buf.ends_with('\n');
        let space = match self.pending {
            Pending::None => false,
            Pending::Space => !at_start,
            Pending::Break => {
                let joined = self.buf.chars().next_back().is_some_and(is_wide) && is_wide(next);
                !(at_start || joined)
            }
        };
        if space {
            self.buf.push(' ');
        }
        self.pending = Pending::None;
    }

    /// A separator that renders as a space (between cells of a nested table).
    pub(crate) fn space(&mut self) {
        if self.pending == Pending::None {
            self.pending = Pending::Space;
        }
    }

    pub(crate) fn line_break(&mut self) {
        self.pending = Pending::None;
        if !self.buf.is_empty() && !self.buf.ends_with('\n') {
            self.buf.push('\n');
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub(crate) fn take(&mut self) -> String {
        self.pending = Pending::None;
        std::mem::take(&mut self.buf)
    }
}

enum Step<'a> {
    Enter(N<'a>),
    Break,
    Space,
}

/// Text of a subtree with line breaks at blocks and `<br>`, nested table cells separated by
/// spaces and rows by line breaks; whitespace-normalised. Iterative.
pub(crate) fn block_text(node: N<'_>) -> String {
    let mut tb = TextBuf::default();
    let mut stack = vec![Step::Enter(node)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Break => tb.line_break(),
            Step::Space => tb.space(),
            Step::Enter(n) => match n.value() {
                Node::Text(t) => tb.push_text(t),
                Node::Element(el) => {
                    if is_skipped(el) {
                        continue;
                    }
                    let name = el.name();
                    if name == "br" {
                        tb.line_break();
                        continue;
                    }
                    let sep = if matches!(name, "td" | "th") {
                        Some(Step::Space)
                    } else if is_block(name) {
                        Some(Step::Break)
                    } else {
                        None
                    };
                    if let Some(sep) = sep {
                        match sep {
                            Step::Space => {
                                tb.space();
                                stack.push(Step::Space);
                            }
                            _ => {
                                tb.line_break();
                                stack.push(Step::Break);
                            }
                        }
                    }
                    for c in n.children().rev() {
                        stack.push(Step::Enter(c));
                    }
                }
                Node::Document | Node::Fragment => {
                    for c in n.children().rev() {
                        stack.push(Step::Enter(c));
                    }
                }
                _ => {}
            },
        }
    }
    gouji_doc::normalize_ws(&tb.take())
}

/// First element with this tag name in document order.
pub(crate) fn find_element<'a>(root: N<'a>, name: &str) -> Option<N<'a>> {
    root.descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(parts: &[&str]) -> String {
        let mut tb = TextBuf::default();
        for p in parts {
            tb.push_text(p);
        }
        tb.take()
    }

    #[test]
    fn whitespace_collapses_and_cjk_line_breaks_vanish() {
        assert_eq!(collect(&["  a \n  b  "]), "a b");
        assert_eq!(collect(&["本年新收\n  政府信息"]), "本年新收政府信息");
        assert_eq!(collect(&["本年 新收"]), "本年 新收");
        assert_eq!(collect(&["abc\ndef"]), "abc def");
        assert_eq!(collect(&["本年", "\n", "新收"]), "本年新收");
    }

    #[test]
    fn block_text_of_word_cell() {
        let h = scraper::Html::parse_fragment(
            "<td><p><span>商业</span></p><p>企业</p><br>x&nbsp;<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table></td>",
        );
        let t = block_text(h.tree.root());
        assert_eq!(t, "商业\n企业\nx\n1 2\n3");
    }
}
