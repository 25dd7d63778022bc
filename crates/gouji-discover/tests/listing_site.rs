//! `discover` on a synthetic site of three CMS listing layouts (see `site/mod.rs`),
//! through the real fetcher: every report link is found, no other link is, pagination
//! is followed, robots.txt and the bounds hold.

mod site;

use std::time::Duration;

use gouji_discover::{DiscoverOptions, Discovery, discover};
use gouji_fetch::{FetchOptions, HttpFetcher};

fn fetcher() -> HttpFetcher {
    HttpFetcher::new(FetchOptions {
        per_host_delay: Duration::ZERO,
        per_host_concurrency: 4,
        retries: 0,
        use_env_proxy: false,
        ..FetchOptions::default()
    })
    .expect("client")
}

fn found(d: &Discovery, site: &site::Site) -> Vec<(String, String, u16)> {
    let mut v: Vec<_> = d
        .reports
        .iter()
        .map(|r| {
            let path = r.url.strip_prefix(&site.base).unwrap_or(&r.url).to_string();
            (path, r.title.clone(), r.year)
        })
        .collect();
    v.sort();
    v
}

fn expected(layout: char) -> Vec<(String, String, u16)> {
    let mut v: Vec<_> = site::expected(layout)
        .into_iter()
        .map(|(p, t, y)| (p.to_string(), t.to_string(), y))
        .collect();
    v.sort();
    v
}

#[test]
fn every_report_link_and_no_other_in_three_layouts() {
    let site = site::serve();
    let f = fetcher();
    for layout in ['a', 'b', 'c'] {
        let d = discover(
            &f,
            &site.url(site::start(layout)),
            DiscoverOptions::default(),
        )
        .unwrap_or_else(|e| panic!("layout {layout}: {e}"));
        assert_eq!(found(&d, &site), expected(layout), "layout {layout}");
        assert!(!d.truncated, "layout {layout}");
        let pages = match layout {
            'a' => 4, // index, index_1, index_2 (from createPageHTML), old/
            'b' => 3, // page=1, 2, 3 (下一页 and 尾页)
            _ => 2,   // the directory and index_1.html (›)
        };
        assert_eq!(d.pages, pages, "layout {layout}: {:?}", site.hits());
        if layout == 'a' {
            // The sub-listing robots.txt disallows is skipped, never requested.
            assert_eq!(d.skipped.len(), 1, "{:?}", d.skipped);
            assert!(
                d.skipped[0].1.starts_with("disallowed by robots.txt ("),
                "{:?}",
                d.skipped
            );
        } else {
            assert!(d.skipped.is_empty(), "layout {layout}: {:?}", d.skipped);
        }
    }
    let hits = site.hits();
    assert!(
        !hits.iter().any(|h| h.starts_with("/a/private/")),
        "{hits:?}"
    );
    // Report pages are listed, never fetched; robots.txt once for the host.
    assert!(
        !hits
            .iter()
            .any(|h| h.contains("detail.jsp") || h.contains("/t")),
        "{hits:?}"
    );
    assert_eq!(hits.iter().filter(|h| *h == "/robots.txt").count(), 1);
    assert!(hits.iter().all(|h| !h.is_empty()));
}

#[test]
fn bounds_hold() {
    let site = site::serve();
    let f = fetcher();
    let start = site.url(site::start('a'));
    let d = discover(
        &f,
        &start,
        DiscoverOptions {
            max_pages: 2,
            depth: 1,
        },
    )
    .expect("a");
    assert_eq!(d.pages, 2);
    assert!(d.truncated);
    // depth 0: pagination only, not the older years' sub-listing.
    let d = discover(
        &f,
        &start,
        DiscoverOptions {
            max_pages: 50,
            depth: 0,
        },
    )
    .expect("a");
    assert_eq!(d.pages, 3);
    assert!(!d.reports.iter().any(|r| r.year == 2010));
    // A start page that cannot be read is an error, not an empty result.
    assert!(discover(&f, &site.url("/nothing/"), DiscoverOptions::default()).is_err());
    assert!(discover(&f, "ftp://x/y", DiscoverOptions::default()).is_err());
}
