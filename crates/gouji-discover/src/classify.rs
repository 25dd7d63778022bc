//! Sorting the links of one listing page: report links, pagination, sub-listings and
//! the rest (news, navigation, 解读, 工作要点…), which is dropped.

use std::sync::OnceLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use crate::Report;

/// The links of one listing page that matter.
#[derive(Debug, Default)]
pub struct Listing {
    /// Report links, in page order, without duplicates.
    pub reports: Vec<Report>,
    /// Other pages of the same listing (next page, numbered pages, the pages a
    /// `createPageHTML(…)` counter implies).
    pub pages: Vec<Url>,
    /// Links to other listings of reports (a 年报 column, another year's list).
    pub sub_listings: Vec<Url>,
}

/// Words of links that mention an annual report without being one: interpretations,
/// work plans, notices, columns, summaries.
const NOT_A_REPORT: [&str; 16] = [
    "解读",
    "图解",
    "要点",
    "专栏",
    "通知",
    "考核",
    "评议",
    "发布会",
    "问答",
    "培训",
    "会议",
    "目录",
    "列表",
    "汇总",
    "征集",
    "更多",
];

/// Words of links that mention annual reports without leading to a list of them.
const NOT_A_LISTING: [&str; 11] = [
    "解读",
    "图解",
    "要点",
    "通知",
    "考核",
    "评议",
    "发布会",
    "问答",
    "培训",
    "会议",
    "征集",
];

/// Texts of "next page" links.
const NEXT: [&str; 9] = [
    "下一页",
    "下页",
    "后页",
    "›",
    ">",
    "»",
    "next",
    "下一页>",
    "下一页»",
];

/// Query parameters that number the pages of a listing.
const PAGE_PARAMS: [&str; 8] = [
    "page",
    "pageindex",
    "pageno",
    "pagenum",
    "curpage",
    "currentpage",
    "p",
    "pn",
];

fn regex(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Option<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok()).as_ref()
}

/// The year of an annual report title, or `None` when `title` is not one: it must
/// name 年度报告 or 年报, 信息公开, and a year 2008–2099, and none of the words of
/// [`NOT_A_REPORT`].
pub fn report_title(title: &str) -> Option<u16> {
    let t: String = title.split_whitespace().collect();
    let is_report = (t.contains("年度报告") || t.contains("年报"))
        && t.contains("信息公开")
        && !NOT_A_REPORT.iter().any(|w| t.contains(w));
    if !is_report {
        return None;
    }
    static YEAR_NIAN: OnceLock<Option<Regex>> = OnceLock::new();
    static YEAR_ANY: OnceLock<Option<Regex>> = OnceLock::new();
    let in_range = |y: &str| y.parse::<u16>().ok().filter(|y| (2008..=2099).contains(y));
    // "2023年度", "2023 年": the year the report is about; a bare number second.
    let by_nian = regex(&YEAR_NIAN, r"(\d{4})年")
        .and_then(|re| re.captures_iter(&t).find_map(|c| in_range(&c[1])));
    by_nian.or_else(|| {
        regex(&YEAR_ANY, r"(?:^|\D)(\d{4})(?:\D|$)")
            .and_then(|re| re.captures_iter(&t).find_map(|c| in_range(&c[1])))
    })
}

/// Whether a link text was cut by the CMS ("2023年政府信息公开工作年…").
fn truncated(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with('…') || t.ends_with("...") || t.ends_with("..") || t.ends_with('⋯')
}

/// The title and year a link stands for: its text, or its `title` attribute when the
/// text is cut or says less.
fn link_report(text: &str, title_attr: Option<&str>) -> Option<(String, u16)> {
    let text = normalize(text);
    let attr = title_attr.map(normalize).filter(|a| !a.is_empty());
    if let Some(a) = &attr
        && (truncated(&text) || report_title(&text).is_none())
        && let Some(y) = report_title(a)
    {
        return Some((a.clone(), y));
    }
    if truncated(&text) {
        return None;
    }
    report_title(&text).map(|y| (text, y))
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `u` numbers another page of the listing at `base`: same directory and an
/// `index_N.html`-style name (TRS, WCM, most provincial CMSes), or the same path with
/// a page-number query parameter (`?page=2`, `&pageIndex=3`).
fn is_page_of(u: &Url, base: &Url) -> bool {
    static INDEX: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(index) = regex(
        &INDEX,
        r"(?i)^(index|list|default)(_\d+)?\.(s?html?|jsp|php|aspx?)$",
    ) else {
        return false;
    };
    let dir = |p: &str| p.rsplit_once('/').map(|(d, _)| d.to_string());
    let name = u.path().rsplit('/').next().unwrap_or_default();
    if dir(u.path()) == dir(base.path()) && index.is_match(name) && u.query().is_none() {
        return true;
    }
    u.path() == base.path()
        && u.query_pairs().any(|(k, v)| {
            PAGE_PARAMS.contains(&k.to_ascii_lowercase().as_str())
                && !v.is_empty()
                && v.chars().all(|c| c.is_ascii_digit())
        })
}

/// The pages a TRS `createPageHTML(count, current, "index", "html")` counter implies
/// (also the `createPageHTML('div', count, current, 'index', 'shtml', total)` form):
/// `index.html`, `index_1.html` … `index_{count-1}.html`, beside `base`.
fn page_counter(html: &str, base: &Url) -> Vec<Url> {
    static CALL: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(re) = regex(&CALL, r"createPageHTML\s*\(([^)]*)\)") else {
        return Vec::new();
    };
    let Some(args) = re.captures(html).map(|c| c[1].to_string()) else {
        return Vec::new();
    };
    let args: Vec<&str> = args
        .split(',')
        .map(|a| a.trim().trim_matches(|c| c == '"' || c == '\''))
        .collect();
    let count = args.iter().find_map(|a| a.parse::<usize>().ok());
    let words: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.is_empty() && a.parse::<f64>().is_err())
        .collect();
    let (Some(count), [.., name, ext]) = (count, words.as_slice()) else {
        return Vec::new();
    };
    // A listing of more than 1000 pages is a bad counter, not a listing; max_pages
    // bounds the crawl anyway.
    (0..count.min(1000))
        .filter_map(|i| {
            let file = if i == 0 {
                format!("{name}.{ext}")
            } else {
                format!("{name}_{i}.{ext}")
            };
            base.join(&file).ok()
        })
        .collect()
}

/// Sorts the links of the listing page `html` (whose URL is `base`).
pub fn parse_listing(html: &str, base: &Url) -> Listing {
    let doc = Html::parse_document(html);
    let (Ok(a_sel), Ok(base_sel)) = (Selector::parse("a[href]"), Selector::parse("base[href]"))
    else {
        return Listing::default();
    };
    // `<base href>` changes what relative links resolve against.
    let base = doc
        .select(&base_sel)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|h| base.join(h.trim()).ok())
        .unwrap_or_else(|| base.clone());
    let mut out = Listing::default();
    let push_unique = |list: &mut Vec<Url>, u: Url| {
        if !list.contains(&u) {
            list.push(u);
        }
    };
    for a in doc.select(&a_sel) {
        let Some(href) = a.value().attr("href").map(str::trim) else {
            continue;
        };
        let lower = href.to_ascii_lowercase();
        if href.is_empty() || href.starts_with('#') || lower.starts_with("javascript:") {
            continue;
        }
        let Ok(mut u) = base.join(href) else { continue };
        if !matches!(u.scheme(), "http" | "https") {
            continue;
        }
        u.set_fragment(None);
        let text: String = a.text().collect();
        if let Some((title, year)) = link_report(&text, a.value().attr("title")) {
            if !out.reports.iter().any(|r| r.url == u.as_str()) {
                out.reports.push(Report {
                    url: u.to_string(),
                    title,
                    year,
                });
            }
            continue;
        }
        let t = normalize(&text);
        if NEXT.iter().any(|n| t.eq_ignore_ascii_case(n)) || is_page_of(&u, &base) {
            push_unique(&mut out.pages, u);
        } else if (t.contains("年报") || t.contains("年度报告"))
            && !NOT_A_LISTING.iter().any(|w| t.contains(w))
        {
            push_unique(&mut out.sub_listings, u);
        }
    }
    for u in page_counter(html, &base) {
        push_unique(&mut out.pages, u);
    }
    out.pages.retain(|u| u != &base);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(
            report_title("平潭综合实验区2023年政府信息公开工作年度报告"),
            Some(2023)
        );
        assert_eq!(report_title("2019年度 政府信息公开 年报"), Some(2019));
        assert_eq!(
            report_title("关于2023年政府信息公开工作年度报告的解读"),
            None
        );
        assert_eq!(report_title("2024年政务公开工作要点"), None);
        assert_eq!(report_title("政府信息公开年报"), None);
        assert_eq!(report_title("2007年政府信息公开工作年度报告"), None);
        assert_eq!(report_title("2023年年报"), None);
    }

    #[test]
    fn cut_text_uses_the_title_attribute() {
        assert_eq!(
            link_report(
                "某某区2023年政府信息公开工…",
                Some("某某区2023年政府信息公开工作年度报告")
            ),
            Some(("某某区2023年政府信息公开工作年度报告".to_string(), 2023))
        );
        assert_eq!(link_report("某某区2023年政府信息公开工…", None), None);
        assert_eq!(
            link_report("详情", Some("2022年度政府信息公开工作年度报告")).map(|r| r.1),
            Some(2022)
        );
    }

    #[test]
    fn pages_and_counters() {
        let base = Url::parse("http://a.gov.cn/zfxxgk/nb/index.html").ok();
        let Some(base) = base else { return };
        let html = r#"<a href="index_1.html">2</a><a href="../index.html">home</a>
            <script>createPageHTML(3, 0, "index", "html");</script>"#;
        let l = parse_listing(html, &base);
        let pages: Vec<String> = l.pages.iter().map(|u| u.to_string()).collect();
        assert_eq!(
            pages,
            [
                "http://a.gov.cn/zfxxgk/nb/index_1.html",
                "http://a.gov.cn/zfxxgk/nb/index_2.html"
            ]
        );
        let q = Url::parse("http://a.gov.cn/list.jsp?cat=7&page=1").ok();
        let Some(q) = q else { return };
        let l = parse_listing(
            r#"<a href="list.jsp?cat=7&amp;page=2">2</a><a href="news.jsp?id=2">x</a>"#,
            &q,
        );
        assert_eq!(l.pages.len(), 1);
    }
}
