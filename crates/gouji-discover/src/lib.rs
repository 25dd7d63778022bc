#![forbid(unsafe_code)]
//! URL discovery: reads an agency's 政府信息公开年报 listing page, follows its
//! pagination, and returns the links that are annual reports, with title and year.
//!
//! - [`parse_listing`] is pure: one page's HTML in, its report links, pagination
//!   links and sub-listing links out (unit-tested on CMS layouts).
//! - [`discover`] crawls from one start URL through a [`Fetch`] (gouji's fetcher, so
//!   robots.txt, the per-host delay and the User-Agent apply), same host only, bounded
//!   by [`DiscoverOptions::max_pages`] and [`DiscoverOptions::depth`].
//!
//! What counts as a report link is deliberately narrow (see [`report_title`]): the
//! output feeds `gouji run`, and a news item or a 解读 in the list costs a fetch and a
//! failed record, while a missed report is visible on the listing page itself.

mod classify;
mod decode;

use std::collections::{HashSet, VecDeque};

use gouji_fetch::{Fetch, FetchError};
use serde::Serialize;
use url::Url;

pub use classify::{Listing, parse_listing, report_title};
pub use decode::decode_page;

/// One report link found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Absolute URL of the report (as linked; not fetched).
    pub url: String,
    /// Its title: the link text, or the `title` attribute when the text is cut ("…").
    pub title: String,
    /// The report's year (2008–2099), from the title.
    pub year: u16,
}

/// Bounds of one crawl.
#[derive(Debug, Clone, Copy)]
pub struct DiscoverOptions {
    /// Listing pages fetched at most, pagination included. Default 50.
    pub max_pages: usize,
    /// Hops through sub-listing links (a 年报 column, another year's listing) beyond
    /// the start page; pagination of a listing does not count as a hop. Default 1.
    pub depth: usize,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            max_pages: 50,
            depth: 1,
        }
    }
}

/// What one crawl found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// Report links, deduplicated by URL, in the order met.
    pub reports: Vec<Report>,
    /// Listing pages read.
    pub pages: usize,
    /// Listing pages that could not be read after the start page, with why (they are
    /// skipped; the crawl goes on).
    pub skipped: Vec<(String, String)>,
    /// Whether `max_pages` stopped the crawl with pages still queued.
    pub truncated: bool,
}

/// Why discovery could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// The start URL is not an http(s) URL.
    #[error("not an http(s) URL: {}", gouji_fetch::short(.0))]
    NotHttp(String),
    /// The start page could not be fetched.
    #[error("cannot read listing page {}: {source}", gouji_fetch::short(url))]
    Start {
        /// The start URL.
        url: String,
        /// The fetch error.
        #[source]
        source: FetchError,
    },
}

/// Crawls the listing at `start` and returns the report links found.
///
/// Only pages on the start page's host are fetched (report links may point anywhere
/// and are not fetched). A page that fails after the start page is recorded in
/// [`Discovery::skipped`].
pub fn discover(
    fetcher: &dyn Fetch,
    start: &str,
    opts: DiscoverOptions,
) -> Result<Discovery, DiscoverError> {
    let start_url = Url::parse(start.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| DiscoverError::NotHttp(start.to_string()))?;
    let mut out = Discovery::default();
    let mut seen_reports: HashSet<String> = HashSet::new();
    let mut queued: HashSet<String> = HashSet::from([page_key(&start_url)]);
    let mut queue: VecDeque<(Url, usize)> = VecDeque::from([(start_url.clone(), 0)]);
    while let Some((page, depth)) = queue.pop_front() {
        if out.pages >= opts.max_pages.max(1) {
            out.truncated = true;
            break;
        }
        let fetched = match fetcher.fetch(page.as_str()) {
            Ok(f) => f,
            Err(source) if out.pages == 0 => {
                return Err(DiscoverError::Start {
                    url: page.to_string(),
                    source,
                });
            }
            Err(e) => {
                out.skipped.push((page.to_string(), e.to_string()));
                continue;
            }
        };
        out.pages += 1;
        let base = fetched
            .final_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .unwrap_or_else(|| page.clone());
        let html = decode_page(&fetched.bytes, fetched.charset.as_deref());
        let listing = parse_listing(&html, &base);
        for r in listing.reports {
            if seen_reports.insert(r.url.clone()) {
                out.reports.push(r);
            }
        }
        let mut follow = |u: Url, d: usize, queue: &mut VecDeque<(Url, usize)>| {
            if same_host(&u, &start_url) && queued.insert(page_key(&u)) {
                queue.push_back((u, d));
            }
        };
        for next in listing.pages {
            follow(next, depth, &mut queue);
        }
        if depth < opts.depth {
            for sub in listing.sub_listings {
                follow(sub, depth + 1, &mut queue);
            }
        }
    }
    Ok(out)
}

/// A page's identity for the visited set: its URL without the fragment, and a
/// directory's `index.html` (`.htm`, `.shtml`) the same as the directory, since
/// servers serve one as the other.
fn page_key(u: &Url) -> String {
    let mut u = u.clone();
    u.set_fragment(None);
    let path = u.path().to_string();
    for index in ["/index.html", "/index.htm", "/index.shtml"] {
        if let Some(dir) = path.strip_suffix(index) {
            u.set_path(&format!("{dir}/"));
            break;
        }
    }
    u.to_string()
}

fn same_host(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}
