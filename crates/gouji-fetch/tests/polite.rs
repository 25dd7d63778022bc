//! Politeness of `HttpFetcher` against servers inside the test process (127.0.0.1
//! only): robots.txt, the User-Agent, and `Retry-After`.

use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use gouji_fetch::{DEFAULT_USER_AGENT, Fetch, FetchError, FetchOptions, HttpFetcher};
use tiny_http::{Header, Response, Server, StatusCode};

/// One canned answer: status, extra headers, body.
type Answer = (u16, Vec<(&'static str, String)>, Vec<u8>);
/// What the server answers to a path, given how many times it was asked before.
type Handler = dyn Fn(&str, usize) -> Answer + Send + Sync;

/// A request as the server saw it: path, User-Agent, arrival time.
type Seen = (String, String, Instant);

struct Site {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<Server>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

impl Site {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
    fn hits(&self, path: &str) -> usize {
        self.seen().iter().filter(|(p, _, _)| p == path).count()
    }
    fn first(&self, path: &str) -> Option<Instant> {
        self.seen()
            .iter()
            .find(|(p, _, _)| p == path)
            .map(|(_, _, t)| *t)
    }
}

fn serve(handler: Box<Handler>) -> Site {
    let server = Arc::new(Server::http("127.0.0.1:0").expect("bind"));
    let port = server.server_addr().to_ip().expect("ip").port();
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let handler: Arc<Handler> = Arc::from(handler);
    for _ in 0..4 {
        let (server, seen, handler) = (server.clone(), seen.clone(), handler.clone());
        std::thread::spawn(move || {
            for req in server.incoming_requests() {
                let path = req.url().to_string();
                let ua = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("User-Agent"))
                    .map(|h| h.value.to_string())
                    .unwrap_or_default();
                let n = {
                    let mut all = seen.lock().expect("log");
                    let n = all.iter().filter(|(p, _, _)| *p == path).count();
                    all.push((path.clone(), ua, Instant::now()));
                    n
                };
                let (status, headers, body) = handler(&path, n);
                let mut headers: Vec<Header> = headers
                    .iter()
                    .filter_map(|(k, v)| Header::from_bytes(k.as_bytes(), v.as_bytes()).ok())
                    .collect();
                headers.extend(Header::from_bytes("Content-Type", "text/plain").ok());
                let len = body.len();
                let _ = req.respond(Response::new(
                    StatusCode(status),
                    headers,
                    Cursor::new(body),
                    Some(len),
                    None,
                ));
            }
        });
    }
    Site {
        base: format!("http://127.0.0.1:{port}"),
        seen,
        server,
    }
}

fn ok(body: &str) -> Answer {
    (200, Vec::new(), body.as_bytes().to_vec())
}

fn opts() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retries: 2,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        per_host_concurrency: 8,
        per_host_delay: Duration::ZERO,
        use_env_proxy: false,
        ..FetchOptions::default()
    }
}

fn fetcher(opts: FetchOptions) -> HttpFetcher {
    HttpFetcher::new(opts).expect("client builds")
}

const ROBOTS: &str = "User-agent: *\nDisallow: /\n\n\
                      User-agent: gouji\nDisallow: /private/\nAllow: /private/nb/\n\
                      Disallow: /*.xls$\n";

fn robots_site(robots: &'static str) -> Site {
    serve(Box::new(move |path, _| match path {
        "/robots.txt" => ok(robots),
        _ => ok("page"),
    }))
}

#[test]
fn robots_txt_is_honoured_with_groups_and_longest_match() {
    let site = robots_site(ROBOTS);
    let f = fetcher(opts());
    let refused = f
        .fetch(&site.url("/private/x.html"))
        .expect_err("disallowed");
    assert!(
        matches!(refused, FetchError::Disallowed { .. }),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        format!("disallowed by robots.txt ({})", site.url("/robots.txt"))
    );
    assert!(!refused.is_retryable());
    // The longer Allow wins; gouji's own group applies, not `*`'s `Disallow: /`.
    assert!(f.fetch(&site.url("/private/nb/2024.html")).is_ok());
    assert!(f.fetch(&site.url("/zfxxgk/nb.html")).is_ok());
    assert!(f.fetch(&site.url("/files/t.xls")).is_err());
    assert!(f.fetch(&site.url("/files/t.xls?v=1")).is_ok());
    assert_eq!(site.hits("/private/x.html"), 0, "never requested");
    assert_eq!(site.hits("/files/t.xls"), 0);
    assert_eq!(site.hits("/robots.txt"), 1, "fetched once per host");
    // The User-Agent names gouji, its version and a contact, on robots.txt too.
    let seen = site.seen();
    assert!(
        seen.iter().all(|(_, ua, _)| ua == DEFAULT_USER_AGENT),
        "{seen:?}"
    );
    assert!(DEFAULT_USER_AGENT.starts_with("gouji/0.1"));
    assert!(DEFAULT_USER_AGENT.contains("mailto:"));
}

#[test]
fn robots_is_fetched_once_by_many_threads_and_kept_in_the_cache() {
    let site = robots_site(ROBOTS);
    let dir = tempfile::tempdir().expect("tempdir");
    let o = FetchOptions {
        cache_dir: Some(dir.path().join("cache")),
        ..opts()
    };
    let f = fetcher(o.clone());
    std::thread::scope(|s| {
        for i in 0..6 {
            let (f, site) = (&f, &site);
            s.spawn(move || f.fetch(&site.url(&format!("/a{i}.html"))).is_ok());
        }
    });
    assert_eq!(site.hits("/robots.txt"), 1);
    // A rerun (new fetcher, same cache) does not ask again, and still obeys it.
    let again = fetcher(o);
    assert!(matches!(
        again.fetch(&site.url("/private/y.html")),
        Err(FetchError::Disallowed { .. })
    ));
    assert_eq!(site.hits("/robots.txt"), 1);
}

#[test]
fn user_agent_override_is_sent_and_matched() {
    let site = robots_site(ROBOTS);
    let f = fetcher(FetchOptions {
        user_agent: "LabCrawler/2.0 (mailto:someone@example.net)".into(),
        ..opts()
    });
    // Not named in robots.txt: the `*` group (`Disallow: /`) applies.
    assert!(matches!(
        f.fetch(&site.url("/zfxxgk/nb.html")),
        Err(FetchError::Disallowed { .. })
    ));
    let seen = site.seen();
    assert_eq!(
        seen.first().map(|(p, ua, _)| (p.as_str(), ua.as_str())),
        Some(("/robots.txt", "LabCrawler/2.0 (mailto:someone@example.net)"))
    );
}

#[test]
fn ignoring_robots_never_asks_for_it() {
    let site = robots_site("User-agent: *\nDisallow: /\n");
    let f = fetcher(FetchOptions {
        robots: false,
        ..opts()
    });
    assert!(f.fetch(&site.url("/x.html")).is_ok());
    assert_eq!(site.hits("/robots.txt"), 0);
}

#[test]
fn missing_robots_allows_and_broken_robots_disallows() {
    let missing = serve(Box::new(|path, _| match path {
        "/robots.txt" => (404, Vec::new(), b"no".to_vec()),
        _ => ok("page"),
    }));
    let f = fetcher(opts());
    assert!(f.fetch(&missing.url("/a.html")).is_ok());
    assert!(f.fetch(&missing.url("/b.html")).is_ok());
    assert_eq!(missing.hits("/robots.txt"), 1);

    let broken = serve(Box::new(|path, _| match path {
        "/robots.txt" => (503, Vec::new(), b"down".to_vec()),
        _ => ok("page"),
    }));
    let err = f.fetch(&broken.url("/a.html")).expect_err("unreachable");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "robots.txt unreachable ({}), so {} is not fetched in this run: HTTP 503",
            broken.url("/robots.txt"),
            broken.url("/a.html")
        )),
        "{msg}"
    );
    assert!(f.fetch(&broken.url("/b.html")).is_err());
    // Three attempts (retries 2) for robots.txt, then never again in this run.
    assert_eq!(broken.hits("/robots.txt"), 3);
    assert_eq!(broken.hits("/a.html") + broken.hits("/b.html"), 0);
}

#[test]
fn robots_goes_through_the_host_delay() {
    let site = robots_site("");
    let f = fetcher(FetchOptions {
        per_host_delay: Duration::from_millis(300),
        ..opts()
    });
    assert!(f.fetch(&site.url("/a.html")).is_ok());
    let (Some(r), Some(a)) = (site.first("/robots.txt"), site.first("/a.html")) else {
        panic!("both requested: {:?}", site.seen());
    };
    assert!(a - r >= Duration::from_millis(280), "{:?}", a - r);
}

#[test]
fn retry_after_seconds_pauses_the_whole_host() {
    let site = serve(Box::new(|path, n| match (path, n) {
        ("/busy", 0) => (
            429,
            vec![("Retry-After", "1".into())],
            b"slow down".to_vec(),
        ),
        _ => ok("page"),
    }));
    let f = fetcher(FetchOptions {
        robots: false,
        ..opts()
    });
    let t0 = Instant::now();
    std::thread::scope(|s| {
        let busy = s.spawn(|| f.fetch(&site.url("/busy")).map(|r| r.bytes));
        // Starts while /busy waits out its Retry-After: must wait too.
        std::thread::sleep(Duration::from_millis(300));
        let other = s.spawn(|| f.fetch(&site.url("/other")).is_ok());
        assert_eq!(
            busy.join().ok().and_then(Result::ok),
            Some(b"page".to_vec())
        );
        assert_eq!(other.join().ok(), Some(true));
    });
    let (Some(first), Some(other)) = (site.first("/busy"), site.first("/other")) else {
        panic!("{:?}", site.seen());
    };
    assert!(
        other - first >= Duration::from_millis(950),
        "{:?}",
        other - first
    );
    assert_eq!(site.hits("/busy"), 2);
    assert!(t0.elapsed() < Duration::from_secs(3));
}

#[test]
fn retry_after_http_date_on_503_is_waited_for() {
    let site = serve(Box::new(|path, n| match (path, n) {
        ("/down", 0) => {
            let at = SystemTime::now() + Duration::from_secs(2);
            let date = httpdate_fmt(at);
            (503, vec![("Retry-After", date)], b"maintenance".to_vec())
        }
        _ => ok("back"),
    }));
    let f = fetcher(FetchOptions {
        robots: false,
        ..opts()
    });
    let t0 = Instant::now();
    let got = f.fetch(&site.url("/down")).expect("after the pause");
    assert_eq!(got.bytes, b"back");
    // HTTP-dates have whole seconds: the wait is between 1 and 2 s.
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[test]
fn retry_after_beyond_the_cap_fails_at_once_with_the_reason() {
    let site = serve(Box::new(|path, _| match path {
        "/later" => (
            429,
            vec![("Retry-After", "3600".into())],
            b"tomorrow".to_vec(),
        ),
        _ => ok("page"),
    }));
    let f = fetcher(FetchOptions {
        robots: false,
        max_retry_after: Duration::from_secs(300),
        ..opts()
    });
    let t0 = Instant::now();
    let err = f.fetch(&site.url("/later")).expect_err("too long");
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(
        err.to_string(),
        format!(
            "HTTP 429 Too Many Requests for {}: Retry-After of 3600 s is longer than the 300 s gouji waits",
            site.url("/later")
        )
    );
    assert_eq!(site.hits("/later"), 1);
}

#[test]
fn plain_429_is_still_not_retried() {
    let site = serve(Box::new(|path, _| match path {
        "/limited" => (429, Vec::new(), b"no".to_vec()),
        _ => ok("page"),
    }));
    let f = fetcher(FetchOptions {
        robots: false,
        ..opts()
    });
    assert!(matches!(
        f.fetch(&site.url("/limited")),
        Err(FetchError::Http { status: 429, .. })
    ));
    assert_eq!(site.hits("/limited"), 1);
}

/// IMF-fixdate of `t` (`Sun, 06 Nov 1994 08:49:37 GMT`), written here so the test does
/// not depend on the crate's own parser.
fn httpdate_fmt(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mon = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!("{weekday}, {d:02} {mon} {year} {h:02}:{m:02}:{s:02} GMT")
}
