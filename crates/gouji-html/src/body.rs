//! Finding the article body among site chrome.

use crate::dom::{DomInfo, N, Stats, find_element, looks_like_chrome};
use crate::table::{Kind, classify, is_table, rows};
use ego_tree::NodeId;
use scraper::Node;
use std::collections::HashSet;

/// Article containers of the CMSs Chinese government sites run on (TRS WCM, UCAP, …), most
/// specific first. Matched case-insensitively against id (`#`), class (`.`) or tag.
const KNOWN: &[&str] = &[
    ".TRS_Editor",
    ".TRS_UEDITOR",
    "#UCAP-CONTENT",
    "#zoom",
    ".pages_content",
    "#fontzoom",
    ".article-content",
    ".article_content",
    "#article_content",
    ".art_con",
    ".xxgk_content",
    ".zw",
    "#zw",
    "article",
    ".article",
    "#article",
    ".detail",
    "#detail",
    "#content",
    ".content",
];

/// Known containers from `article` on are generic names that also wrap page chrome.
const FIRST_GENERIC: &str = "article";

/// How the body was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum How {
    /// A well-known article container.
    Known(&'static str),
    /// The element with the densest non-link text.
    Density,
    /// Nothing stood out: the whole `<body>`.
    Whole,
}

/// The chosen body and the data tables outside it that must be read too.
impl How {
    /// Whether the body may still contain site chrome to filter out by class/id: true
    /// unless it is a CMS's dedicated article-text container.
    pub(crate) fn may_hold_chrome(&self) -> bool {
        match self {
            How::Known(pat) => {
                let first_generic = KNOWN.iter().position(|p| *p == FIRST_GENERIC);
                let here = KNOWN.iter().position(|p| p == pat);
                matches!((here, first_generic), (Some(h), Some(g)) if h >= g)
            }
            How::Density | How::Whole => true,
        }
    }
}

pub(crate) struct Choice<'a> {
    pub body: N<'a>,
    pub how: How,
    pub outside_tables: Vec<N<'a>>,
}

fn score(s: &Stats) -> i64 {
    let nonlink = i64::try_from(s.nonlink()).unwrap_or(i64::MAX / 4);
    let link = i64::try_from(s.link_weight).unwrap_or(i64::MAX / 4);
    nonlink.saturating_sub(link.saturating_mul(2))
}

fn matches_known(el: &scraper::node::Element, pat: &str) -> bool {
    if let Some(id) = pat.strip_prefix('#') {
        el.id().is_some_and(|v| v.eq_ignore_ascii_case(id))
    } else if let Some(class) = pat.strip_prefix('.') {
        el.classes().any(|c| c.eq_ignore_ascii_case(class))
    } else {
        el.name() == pat
    }
}

/// Picks the article body: a known container if one holds a fair share of the text,
/// else the text-density winner, else the whole `<body>`.
pub(crate) fn choose<'a>(root: N<'a>, info: &DomInfo) -> Choice<'a> {
    let page = find_element(root, "body").unwrap_or(root);
    let (generic, generic_how) = densest(page, info);
    let generic_nonlink = info.get(generic.id()).map_or(0, Stats::nonlink);

    let mut chosen: Option<(N<'a>, How)> = None;
    'pats: for pat in KNOWN {
        let mut best: Option<(N<'a>, u64)> = None;
        for n in page.descendants() {
            let Node::Element(el) = n.value() else {
                continue;
            };
            if !matches_known(el, pat) {
                continue;
            }
            let Some(s) = info.get(n.id()) else { continue };
            // Enough text or a table, mostly not links, and not a side box next to a much
            // bigger article.
            let substantial = s.nonlink() >= 40 || s.tables > 0;
            let not_links = s.link_weight.saturating_mul(2) <= s.weight;
            let fair_share = s.nonlink().saturating_mul(10) >= generic_nonlink.saturating_mul(3);
            if substantial && not_links && fair_share && best.is_none_or(|(_, w)| s.nonlink() > w) {
                best = Some((n, s.nonlink()));
            }
        }
        if let Some((n, _)) = best {
            chosen = Some((n, How::Known(pat)));
            break 'pats;
        }
    }
    let (body, how) = chosen.unwrap_or((generic, generic_how));
    let outside_tables = outside_data_tables(root, body, info);
    if !outside_tables.is_empty()
        && let Some(wider) = widen(page, body, &outside_tables, info)
    {
        // The headings and notes between the tables matter too: read the smallest element
        // holding body and tables, filtering chrome, when that is not the whole page.
        return Choice {
            body: wider,
            how: How::Density,
            outside_tables: outside_data_tables(root, wider, info),
        };
    }
    Choice {
        body,
        how,
        outside_tables,
    }
}

/// The lowest common ancestor of the body and the outside tables, if it is smaller than
/// the page and not mostly links.
fn widen<'a>(page: N<'a>, body: N<'a>, tables: &[N<'a>], info: &DomInfo) -> Option<N<'a>> {
    let mut chain: Vec<N<'a>> = body.ancestors().collect();
    chain.reverse();
    chain.push(body);
    // `chain` runs from the root down to the body; cut it at the first element that is
    // not an ancestor of every table.
    let mut depth = chain.len();
    for t in tables {
        let ids: HashSet<NodeId> = t.ancestors().map(|a| a.id()).collect();
        let shared = chain.iter().take_while(|n| ids.contains(&n.id())).count();
        depth = depth.min(shared);
    }
    let lca = *chain.get(depth.checked_sub(1)?)?;
    if lca.id() == page.id() || page.ancestors().any(|a| a.id() == lca.id()) {
        return None;
    }
    let s = info.get(lca.id())?;
    (s.link_weight.saturating_mul(2) <= s.weight).then_some(lca)
}

/// The element with the best text-density score, narrowed to a child that keeps 90 % of
/// the score and all the tables.
fn densest<'a>(page: N<'a>, info: &DomInfo) -> (N<'a>, How) {
    let mut best: Option<(N<'a>, i64)> = None;
    for n in page.descendants() {
        if !matches!(n.value(), Node::Element(_)) {
            continue;
        }
        let Some(s) = info.get(n.id()) else { continue };
        let sc = score(s);
        if best.is_none_or(|(_, b)| sc > b) {
            best = Some((n, sc));
        }
    }
    let Some((mut cur, cur_score)) = best.filter(|&(_, sc)| sc > 0) else {
        return (page, How::Whole);
    };
    let mut cur_score = cur_score;
    loop {
        let cur_tables = info.get(cur.id()).map_or(0, |s| s.tables);
        let next = cur
            .children()
            .filter_map(|c| info.get(c.id()).map(|s| (c, score(s), s.tables)))
            .filter(|&(_, sc, t)| {
                sc.saturating_mul(10) >= cur_score.saturating_mul(9) && t == cur_tables
            })
            .max_by_key(|&(_, sc, _)| sc);
        match next {
            Some((c, sc, _)) => {
                cur = c;
                cur_score = sc;
            }
            None => break,
        }
    }
    let how = if cur.id() == page.id() {
        How::Whole
    } else {
        How::Density
    };
    (cur, how)
}

fn is_inside(n: N<'_>, ancestor: NodeId) -> bool {
    n.ancestors().any(|a| a.id() == ancestor)
}

/// Data tables outside the body (not containing it, not in chrome, not nested in another
/// such table), in document order: report tables must never be lost to a wrong body.
fn outside_data_tables<'a>(root: N<'a>, body: N<'a>, info: &DomInfo) -> Vec<N<'a>> {
    let mut tables: Vec<(usize, N<'a>)> = root
        .descendants()
        .filter(is_table)
        .filter_map(|t| info.table_index.get(&t.id()).map(|&i| (i, t)))
        .collect();
    tables.sort_by_key(|&(i, _)| i);
    let mut out: Vec<N<'a>> = Vec::new();
    let mut accepted: HashSet<NodeId> = HashSet::new();
    for (_, t) in tables {
        if t.id() == body.id() || is_inside(t, body.id()) || is_inside(body, t.id()) {
            continue;
        }
        let Some(s) = info.get(t.id()) else { continue };
        if t.ancestors().any(|a| accepted.contains(&a.id())) {
            continue;
        }
        let in_chrome = t.ancestors().any(|a| {
            a.value()
                .as_element()
                .is_some_and(|e| looks_like_chrome(e) && a.id() != body.id())
        });
        if in_chrome || s.weight < 4 || s.link_weight.saturating_mul(2) > s.weight {
            continue;
        }
        if rows(t).groups.iter().map(Vec::len).sum::<usize>() < 2 {
            continue;
        }
        if classify(t, info) == Kind::Data {
            accepted.insert(t.id());
            out.push(t);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    const TEXT: &str =
        "本年度报告根据政府信息公开条例要求编制，全文包括总体情况、主动公开政府信息情况等内容。";

    fn chosen(html: &str) -> (String, How) {
        let h = Html::parse_document(html);
        let info = DomInfo::compute(h.tree.root());
        let c = choose(h.tree.root(), &info);
        let el = c.body.value().as_element().map(|e| {
            let id = e.id().unwrap_or("");
            let class = e.attr("class").unwrap_or("");
            format!("{}#{id}.{class}", e.name())
        });
        (el.unwrap_or_default(), c.how)
    }

    #[test]
    fn specific_container_wins_over_generic_one() {
        let html = format!(
            "<body><div class=content><div class=TRS_Editor><p>{TEXT}</p></div><p>{TEXT}</p></div></body>"
        );
        let (el, how) = chosen(&html);
        assert_eq!(el, "div#.TRS_Editor");
        assert!(!how.may_hold_chrome());
    }

    #[test]
    fn small_known_box_does_not_beat_a_big_article() {
        let long = TEXT.repeat(10);
        let html = format!(
            "<body><div class=content><p>联系我们：电话号码</p></div><div class=xyz><p>{long}</p></div></body>"
        );
        let (el, how) = chosen(&html);
        assert_eq!((el.as_str(), how), ("p#.", How::Density));
    }

    #[test]
    fn generic_container_may_hold_chrome() {
        let html = format!("<body><div class=content><p>{TEXT}</p></div></body>");
        let (_, how) = chosen(&html);
        assert_eq!(how, How::Known(".content"));
        assert!(how.may_hold_chrome());
    }

    #[test]
    fn nothing_to_choose() {
        let (el, how) = chosen("<body><a href=x>x</a></body>");
        assert_eq!((el.as_str(), how), ("body#.", How::Whole));
    }

    #[test]
    fn breadcrumb_inside_generic_container_is_dropped() {
        let html = format!(
            "<body><div class=content><div class=breadcrumb>当前位置：<a href=/>首页</a>&gt;<a href=/a>政务公开</a></div>\
             <div class=article-head>无关标题栏目</div><p>{TEXT}</p></div></body>"
        );
        let doc = crate::extract_html(html.as_bytes(), None, &gouji_doc::Limits::default())
            .expect("extracts");
        assert_eq!(doc.text().trim(), TEXT);
    }
}
