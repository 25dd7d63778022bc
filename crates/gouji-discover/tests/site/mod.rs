//! A synthetic government site served on 127.0.0.1, with three CMS-style listing
//! layouts of 政府信息公开年报 mixing report links, non-report links and decoys:
//!
//! - `/a/…`: TRS-style `<ul class="list"><li><a>…</a><span>date</span>`, GBK-encoded,
//!   pages `index.html`, `index_1.html`, `index_2.html` known only from a JS
//!   `createPageHTML(3, 0, "index", "html")` counter; a sub-listing of older years; a
//!   sub-listing robots.txt disallows.
//! - `/b/…`: a `<table>` list with `?cat=ndbg&page=N` and 下一页 / 尾页 links, a PDF
//!   report, a 图解 decoy.
//! - `/c/…`: div cards with relative links, `title=` attributes and text cut with "…",
//!   `›` pagination, a 解读 decoy whose cut text looks like a report.
//!
//! Shared by the crate's test and the CLI test (`tests/discover_cli.rs`).

#![allow(dead_code)]

use std::io::Cursor;
use std::sync::{Arc, Mutex};

use tiny_http::{Header, Response, Server, StatusCode};

/// A running site; stops when dropped.
pub struct Site {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    hits: Arc<Mutex<Vec<String>>>,
    server: Arc<Server>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

impl Site {
    /// Requests seen (path and query), in order.
    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().map(|h| h.clone()).unwrap_or_default()
    }
    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

const ROBOTS: &str = "User-agent: *\nDisallow: /a/private/\n";

fn trs_page(items: &str, extra: &str, count: usize) -> String {
    format!(
        r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>政府信息公开年报</title></head><body>
<div class="nav"><a href="/a/index.html">首页</a> &gt; <a href="/a/zfxxgk/">政府信息公开</a> &gt;
<a href="./">政府信息公开年报</a></div>
<div class="side"><a href="/a/zfxxgk/zl/index.html">政府信息公开专栏</a>
<a href="/a/zfxxgk/gzyd/index.html">2024年政务公开工作要点</a>
<a href="http://www.gov.cn/">中国政府网</a></div>
<ul class="list">{items}</ul>{extra}
<div class="page"><script>createPageHTML({count}, 0, "index", "html");</script></div>
</body></html>"#
    )
}

fn li(href: &str, text: &str, date: &str) -> String {
    format!(r#"<li><a href="{href}" target="_blank">{text}</a><span>{date}</span></li>"#)
}

fn table_page(rows: &[(&str, &str)], next: Option<&str>) -> String {
    let rows: String = rows
        .iter()
        .map(|(h, t)| format!(r#"<tr><td><a href="{h}">{t}</a></td><td>2024-01-20</td></tr>"#))
        .collect();
    let next = next
        .map(|n| format!(r#"<a href="{n}">下一页</a>"#))
        .unwrap_or_default();
    format!(
        r#"<html><head><meta charset="utf-8"></head><body>
<a href="/b/">网站首页</a> <a href="/b/news.jsp?id=9">区政府召开2023年政务公开工作会议</a>
<table class="tab">{rows}</table>
<div class="pager"><a href="list.jsp?cat=ndbg&amp;page=1">首页</a> {next}
<a href="list.jsp?cat=ndbg&amp;page=3">尾页</a></div></body></html>"#
    )
}

fn card(href: &str, title: &str, text: &str) -> String {
    format!(
        r#"<div class="card"><a href="{href}" title="{title}"><h3>{text}</h3></a><p class="date">2024-02-01</p></div>"#
    )
}

fn card_page(cards: &str, next: Option<&str>) -> String {
    let next = next
        .map(|n| format!(r#"<a class="next" href="{n}">›</a>"#))
        .unwrap_or_default();
    format!(
        r#"<!doctype html><html><head><meta charset="utf-8"></head><body>
<header><a href="../../">某某县人民政府</a><a href="../../xw/">新闻中心</a></header>
<main><div class="cards">{cards}</div></main><nav class="pages">{next}</nav>
<footer><a href="mailto:web@example.gov.cn">联系我们</a><a href="javascript:void(0)">打印</a></footer>
</body></html>"#
    )
}

/// `(path, content type, body)` of every page.
fn pages() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let gbk = |s: String| encoding_rs::GBK.encode(&s).0.into_owned();
    let html = "text/html";
    let utf8 = "text/html; charset=utf-8";
    let a0 = trs_page(
        &[
            li(
                "./202401/t20240115_1.html",
                "某某市交通运输局2023年政府信息公开工作年度报告",
                "2024-01-15",
            ),
            li(
                "./202401/t20240116_2.html",
                "关于2023年政府信息公开工作年度报告的解读",
                "2024-01-16",
            ),
            li(
                "./202301/t20230110_3.html",
                "某某市交通运输局2022年度政府信息公开工作年度报告",
                "2023-01-10",
            ),
        ]
        .concat(),
        r#"<p><a href="old/index.html">2008-2012年年报</a> <a href="/a/private/index.html">内部年报</a></p>"#,
        3,
    );
    let a1 = trs_page(
        &[
            li(
                "./202201/t20220118_4.html",
                "某某市交通运输局2021年政府信息公开工作年度报告",
                "2022-01-18",
            ),
            li(
                "../../xxgk/tzgg/202201/t20220101_9.html",
                "关于报送2021年政府信息公开工作年度报告的通知",
                "2022-01-01",
            ),
            // The same report linked twice: printed once.
            li(
                "./202201/t20220118_4.html",
                "某某市交通运输局2021年政府信息公开工作年度报告",
                "2022-01-18",
            ),
        ]
        .concat(),
        "",
        3,
    );
    let a2 = trs_page(
        &li(
            "./201601/t20160120_5.html",
            "某某市交通运输局2015年政府信息公开年报",
            "2016-01-20",
        ),
        "",
        3,
    );
    let a_old = trs_page(
        &li(
            "./t20110301_6.html",
            "某某市交通运输局2010年政府信息公开工作年度报告",
            "2011-03-01",
        ),
        "",
        1,
    );
    let a_private = trs_page(
        &li(
            "./t1.html",
            "某某市交通运输局2019年政府信息公开工作年度报告",
            "2020-01-01",
        ),
        "",
        1,
    );
    let b1 = table_page(
        &[
            ("detail.jsp?id=101", "2023年度政府信息公开工作年度报告"),
            (
                "detail.jsp?id=102",
                "2021年政府信息公开工作年度报告（图解）",
            ),
        ],
        Some("list.jsp?cat=ndbg&amp;page=2"),
    );
    let b2 = table_page(
        &[
            ("detail.jsp?id=103", "2022 年 度 政府信息公开工作年度报告"),
            ("/b/files/2020nb.pdf", "2020年政府信息公开年报"),
        ],
        Some("list.jsp?cat=ndbg&amp;page=3"),
    );
    let b3 = table_page(
        &[("detail.jsp?id=104", "2019年政府信息公开工作年度报告")],
        None,
    );
    let c0 = card_page(
        &[
            card(
                "2024/t1.html",
                "某某县人民政府2024年政府信息公开工作年度报告",
                "某某县人民政府2024年政府信息公开工…",
            ),
            card(
                "2024/t2.html",
                "某某县2023年政府信息公开工作年度报告解读",
                "某某县2023年政府信息公开工作…",
            ),
            card(
                "../../xw/t3.html",
                "某某县召开政务公开培训会",
                "某某县召开政务公开培训会",
            ),
        ]
        .concat(),
        Some("index_1.html"),
    );
    let c1 = card_page(
        &card(
            "./2023/t4.html",
            "某某县人民政府2023年政府信息公开工作年度报告",
            "查看详情",
        ),
        None,
    );
    vec![
        ("/robots.txt", "text/plain", ROBOTS.as_bytes().to_vec()),
        ("/a/zfxxgk/ndbg/index.html", html, gbk(a0)),
        ("/a/zfxxgk/ndbg/index_1.html", html, gbk(a1)),
        ("/a/zfxxgk/ndbg/index_2.html", html, gbk(a2)),
        ("/a/zfxxgk/ndbg/old/index.html", html, gbk(a_old)),
        ("/a/private/index.html", html, gbk(a_private)),
        ("/b/list.jsp?cat=ndbg&page=1", utf8, b1.into_bytes()),
        ("/b/list.jsp?cat=ndbg&page=2", utf8, b2.into_bytes()),
        ("/b/list.jsp?cat=ndbg&page=3", utf8, b3.into_bytes()),
        ("/c/gk/nb/", utf8, c0.into_bytes()),
        ("/c/gk/nb/index_1.html", utf8, c1.into_bytes()),
    ]
}

/// The reports of each layout, `(path, title, year)`: exactly what discovery must find.
pub fn expected(layout: char) -> Vec<(&'static str, &'static str, u16)> {
    match layout {
        'a' => vec![
            (
                "/a/zfxxgk/ndbg/202401/t20240115_1.html",
                "某某市交通运输局2023年政府信息公开工作年度报告",
                2023,
            ),
            (
                "/a/zfxxgk/ndbg/202301/t20230110_3.html",
                "某某市交通运输局2022年度政府信息公开工作年度报告",
                2022,
            ),
            (
                "/a/zfxxgk/ndbg/202201/t20220118_4.html",
                "某某市交通运输局2021年政府信息公开工作年度报告",
                2021,
            ),
            (
                "/a/zfxxgk/ndbg/201601/t20160120_5.html",
                "某某市交通运输局2015年政府信息公开年报",
                2015,
            ),
            (
                "/a/zfxxgk/ndbg/old/t20110301_6.html",
                "某某市交通运输局2010年政府信息公开工作年度报告",
                2010,
            ),
        ],
        'b' => vec![
            (
                "/b/detail.jsp?id=101",
                "2023年度政府信息公开工作年度报告",
                2023,
            ),
            (
                "/b/detail.jsp?id=103",
                "2022 年 度 政府信息公开工作年度报告",
                2022,
            ),
            ("/b/files/2020nb.pdf", "2020年政府信息公开年报", 2020),
            (
                "/b/detail.jsp?id=104",
                "2019年政府信息公开工作年度报告",
                2019,
            ),
        ],
        _ => vec![
            (
                "/c/gk/nb/2024/t1.html",
                "某某县人民政府2024年政府信息公开工作年度报告",
                2024,
            ),
            (
                "/c/gk/nb/2023/t4.html",
                "某某县人民政府2023年政府信息公开工作年度报告",
                2023,
            ),
        ],
    }
}

/// Start page of each layout.
pub fn start(layout: char) -> &'static str {
    match layout {
        'a' => "/a/zfxxgk/ndbg/index.html",
        'b' => "/b/list.jsp?cat=ndbg&page=1",
        _ => "/c/gk/nb/",
    }
}

/// Serves the site on 127.0.0.1 (an ephemeral port); anything else is a 404.
pub fn serve() -> Site {
    let server = Arc::new(Server::http("127.0.0.1:0").expect("bind"));
    let port = server.server_addr().to_ip().expect("ip").port();
    let hits: Arc<Mutex<Vec<String>>> = Arc::default();
    let (srv, log) = (server.clone(), hits.clone());
    let pages = pages();
    std::thread::spawn(move || {
        for req in srv.incoming_requests() {
            let path = req.url().to_string();
            if let Ok(mut l) = log.lock() {
                l.push(path.clone());
            }
            let (status, ct, body) = match pages.iter().find(|(p, _, _)| *p == path) {
                Some((_, ct, body)) => (200, *ct, body.clone()),
                None => (404, "text/plain", b"not found".to_vec()),
            };
            let len = body.len();
            let headers: Vec<Header> = Header::from_bytes("Content-Type", ct)
                .ok()
                .into_iter()
                .collect();
            let _ = req.respond(Response::new(
                StatusCode(status),
                headers,
                Cursor::new(body),
                Some(len),
                None,
            ));
        }
    });
    Site {
        base: format!("http://127.0.0.1:{port}"),
        hits,
        server,
    }
}
