//! Title, date and publisher the page itself states, and its links.

use crate::dom::{DomInfo, N, attr, block_text, find_element, is_ideograph};
use gouji_doc::{Link, Meta, normalize_ws};
use regex::Regex;
use scraper::Node;
use scraper::node::Element;
use std::sync::LazyLock;

static DATE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(发布日期|发布时间|发文日期|成文日期|公开日期|日期|时间)\s*[:：]\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)",
    )
    .ok()
});

static AUTHOR: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"(发布机构|发文机关|发布单位|信息来源|文章来源|来源)\s*[:：]\s*([^\s:：|｜]{2,60})")
        .ok()
});

/// Words that end a publisher name run together with the next header field.
const AUTHOR_STOP: &[&str] = &[
    "发布时间",
    "发布日期",
    "日期",
    "时间",
    "浏览",
    "点击",
    "字号",
    "作者",
    "【",
    "[",
    "（",
    "(",
];

/// Fills title, date and author from `<meta>` tags (the 政府网站 `ArticleTitle`,
/// `PubDate`, `ContentSource` convention), the `<title>`, headings and the page text.
pub(crate) fn fill(meta: &mut Meta, root: N<'_>, info: &DomInfo) {
    let named = |key: &str| -> Option<String> {
        root.descendants().find_map(|n| {
            let el = n.value().as_element()?;
            if el.name() != "meta" || !attr(el, "name")?.trim().eq_ignore_ascii_case(key) {
                return None;
            }
            let v = one_line(attr(el, "content")?);
            (!v.is_empty()).then_some(v)
        })
    };
    let meta_title = named("ArticleTitle");
    let meta_date = named("PubDate");
    let meta_source = named("ContentSource");

    meta.title = meta_title.or_else(|| title(root, info));
    let text = block_text(root);
    meta.date = meta_date.or_else(|| date(&text));
    meta.author = meta_source.or_else(|| author(&text));
}

fn one_line(s: &str) -> String {
    normalize_ws(s).replace('\n', " ")
}

fn title(root: N<'_>, info: &DomInfo) -> Option<String> {
    let doc_title = find_element(root, "title")
        .map(|t| {
            let raw: String = t
                .children()
                .filter_map(|c| c.value().as_text().map(|x| x.to_string()))
                .collect();
            one_line(&raw)
        })
        .filter(|s| !s.is_empty());
    if let Some(t) = doc_title.as_ref().filter(|t| t.contains("年度报告")) {
        return Some(t.clone());
    }
    let mut first_h1 = None;
    let mut centered = None;
    for n in root.descendants() {
        let Node::Element(el) = n.value() else {
            continue;
        };
        let name = el.name();
        let heading = matches!(name, "h1" | "h2" | "h3");
        if !(heading || matches!(name, "p" | "div" | "center" | "td")) {
            continue;
        }
        // Titles are short; skipping long elements keeps this linear on nested markup.
        if info
            .get(n.id())
            .is_none_or(|s| s.chars > 240 || s.elements > 200)
        {
            continue;
        }
        let t = one_line(&block_text(n));
        if t.is_empty() || t.chars().count() > 120 {
            continue;
        }
        if name == "h1" && first_h1.is_none() {
            first_h1 = Some(t.clone());
        }
        if !t.contains("年度报告") {
            continue;
        }
        if name == "h1" {
            return Some(t);
        }
        if centered.is_none() && (heading || (is_centered(el, n) && is_bold(el, n))) {
            centered = Some(t);
        }
    }
    centered.or(doc_title).or(first_h1)
}

fn style_has(el: &Element, prop: &str, values: &[&str]) -> bool {
    let Some(style) = attr(el, "style") else {
        return false;
    };
    let s: String = style
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    values.iter().any(|v| s.contains(&format!("{prop}:{v}")))
}

fn is_centered(el: &Element, n: N<'_>) -> bool {
    attr(el, "align").is_some_and(|a| a.trim().eq_ignore_ascii_case("center"))
        || style_has(el, "text-align", &["center"])
        || el.name() == "center"
        || n.parent()
            .and_then(|p| p.value().as_element().map(|e| e.name() == "center"))
            .unwrap_or(false)
}

fn is_bold(el: &Element, n: N<'_>) -> bool {
    const BOLD: &[&str] = &["bold", "700", "800", "900", "bolder"];
    style_has(el, "font-weight", BOLD)
        || n.descendants().any(|d| {
            d.value().as_element().is_some_and(|e| {
                matches!(e.name(), "b" | "strong") || style_has(e, "font-weight", BOLD)
            })
        })
}

fn date(text: &str) -> Option<String> {
    let re = DATE.as_ref()?;
    let mut best: Option<(u8, String)> = None;
    for c in re.captures_iter(text) {
        let key = c.get(1).map_or("", |m| m.as_str());
        let rank = if key.starts_with("发布") {
            0
        } else if key.len() > "日期".len() {
            1
        } else {
            2
        };
        let v: String = c
            .get(2)
            .map_or("", |m| m.as_str())
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, v));
        }
        if rank == 0 {
            break;
        }
    }
    best.map(|(_, v)| v)
}

fn author(text: &str) -> Option<String> {
    let re = AUTHOR.as_ref()?;
    let mut best: Option<(u8, String)> = None;
    for c in re.captures_iter(text) {
        let Some(k) = c.get(1) else { continue };
        let key = k.as_str();
        // "数据来源：" and the like are narrative, not the page header's publisher field.
        if key == "来源"
            && text[..k.start()]
                .chars()
                .next_back()
                .is_some_and(is_ideograph)
        {
            continue;
        }
        let rank = if key.starts_with("发") { 0 } else { 1 };
        let mut v = c.get(2).map_or("", |m| m.as_str());
        for stop in AUTHOR_STOP {
            if let Some(p) = v.find(stop) {
                v = &v[..p];
            }
        }
        let v = v.trim();
        if v.chars().count() < 2 {
            continue;
        }
        if best.as_ref().is_none_or(|(r, _)| rank < *r) {
            best = Some((rank, v.to_string()));
        }
        if rank == 0 {
            break;
        }
    }
    best.map(|(_, v)| v)
}

/// Every `<a href>` in document order with its visible text.
pub(crate) fn links(root: N<'_>) -> Vec<Link> {
    root.descendants()
        .filter_map(|n| {
            let el = n.value().as_element()?;
            if el.name() != "a" {
                return None;
            }
            let href = attr(el, "href")?.trim().to_string();
            Some(Link {
                href,
                text: block_text(n).replace('\n', " "),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_prefer_publication() {
        assert_eq!(
            date("日期：2019-01-02\n发布时间：2020-01-31 10:00").as_deref(),
            Some("2020-01-31")
        );
        assert_eq!(
            date("成文日期：2020年1月3日").as_deref(),
            Some("2020年1月3日")
        );
        assert_eq!(date("无日期"), None);
    }

    #[test]
    fn authors_stop_at_next_field() {
        assert_eq!(
            author("来源：平潭综合实验区管委会办公室发布时间：2025-03-10").as_deref(),
            Some("平潭综合实验区管委会办公室")
        );
        assert_eq!(
            author("信息来源：市政府办公厅 | 发布机构：上海市人民政府办公厅").as_deref(),
            Some("上海市人民政府办公厅")
        );
        assert_eq!(author("本报告数据来源：统计局"), None);
        assert_eq!(
            author("数据来源：统计局\n来源：区政府办").as_deref(),
            Some("区政府办")
        );
    }
}
