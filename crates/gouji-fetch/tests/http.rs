//! Offline tests of `HttpFetcher` against an HTTP server inside the test process
//! (127.0.0.1 only).

use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gouji_fetch::{Fetch, FetchError, FetchOptions, HttpFetcher, attachment_links, resolve_href};
use tiny_http::{Header, Response, Server, StatusCode};

/// GBK bytes of "政府信息公开" inside a minimal page.
const GBK_PAGE: &[u8] =
    b"<html><meta charset=gbk><p>\xd5\xfe\xb8\xae\xd0\xc5\xcf\xa2\xb9\xab\xbf\xaa</p></html>";
const PDF_BYTES: &[u8] =
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n\x00\xff\x00trailer\n%%EOF\n";

struct TestServer {
    base: String,
    /// (path, arrival time) of every request.
    log: Arc<Mutex<Vec<(String, Instant)>>>,
    server: Arc<Server>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

impl TestServer {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    fn hits(&self, path: &str) -> usize {
        self.log
            .lock()
            .map(|l| l.iter().filter(|(p, _)| p == path).count())
            .unwrap_or(0)
    }
    fn times(&self, path: &str) -> Vec<Instant> {
        self.log
            .lock()
            .map(|l| {
                l.iter()
                    .filter(|(p, _)| p == path)
                    .map(|(_, t)| *t)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
}

fn respond(req: tiny_http::Request, flaky: &AtomicUsize) {
    let path = req.url().to_string();
    let bytes = |status: u16, ct: &str, body: &[u8]| {
        Response::new(
            StatusCode(status),
            vec![header("Content-Type", ct)],
            Cursor::new(body.to_vec()),
            Some(body.len()),
            None,
        )
    };
    let redirect = |to: &str| {
        Response::new(
            StatusCode(302),
            vec![header("Location", to)],
            Cursor::new(Vec::new()),
            Some(0),
            None,
        )
    };
    let resp = match path.as_str() {
        "/ok.html" | "/counted.html" => bytes(200, "text/html; charset=utf-8", "<p>ok</p>".as_bytes()),
        "/gbk.html" => bytes(200, "text/html; charset=GBK", GBK_PAGE),
        "/report.pdf" => bytes(200, "text/html", PDF_BYTES),
        "/redirect" => redirect("/r2"),
        "/r2" => redirect("/ok.html"),
        "/loop" => redirect("/loop"),
        "/flaky" => {
            if flaky.fetch_add(1, Ordering::SeqCst) == 0 {
                bytes(500, "text/plain", b"oops")
            } else {
                bytes(200, "text/plain", b"recovered")
            }
        }
        "/always500" => bytes(503, "text/plain", b"down"),
        "/stall" => {
            std::thread::sleep(Duration::from_secs(5));
            bytes(200, "text/plain", b"late")
        }
        "/stall-body" => {
            let _ = req.respond(Response::new(
                StatusCode(200),
                vec![header("Content-Type", "application/pdf")],
                StallingBody { sent: false },
                Some(1000),
                None,
            ));
            return;
        }
        "/big" => bytes(200, "application/pdf", &vec![b'x'; 2 << 20]),
        "/big-chunked" => {
            // No Content-Length: the limit must be enforced while streaming.
            let _ = req.respond(Response::new(
                StatusCode(200),
                vec![header("Content-Type", "application/pdf")],
                std::io::Read::take(std::io::repeat(b'y'), 3 << 20),
                None,
                None,
            ));
            return;
        }
        "/landing.html" => bytes(
            200,
            "text/html; charset=utf-8",
            r#"<html><a href="/index.html">首页</a><a href="files/annex.pdf">附件：2023年报告</a></html>"#.as_bytes(),
        ),
        "/files/annex.pdf" => bytes(200, "application/pdf", PDF_BYTES),
        "/to-file" => redirect("file:///etc/passwd"),
        "/to-ftp" => redirect("ftp://127.0.0.1/report.pdf"),
        "/gzip.pdf" | "/deflate.pdf" | "/br.pdf" => {
            let enc = &path[1..path.len() - 4];
            let _ = req.respond(Response::new(
                StatusCode(200),
                vec![
                    header("Content-Type", "application/pdf"),
                    header("Content-Encoding", enc),
                ],
                Cursor::new(encode(enc, PDF_BYTES)),
                None,
                None,
            ));
            return;
        }
        "/gzip-bomb" => {
            let body = gzip_bomb().to_vec();
            let _ = req.respond(Response::new(
                StatusCode(200),
                vec![
                    header("Content-Type", "application/pdf"),
                    header("Content-Encoding", "gzip"),
                ],
                Cursor::new(body),
                None,
                None,
            ));
            return;
        }
        "/slow" => {
            std::thread::sleep(Duration::from_millis(700));
            bytes(503, "text/plain", b"slow and down")
        }
        // `/年报 2023.pdf` as the client must send it.
        "/%E5%B9%B4%E6%8A%A5%202023.pdf" => bytes(200, "application/pdf", PDF_BYTES),
        _ => bytes(404, "text/plain", b"not here"),
    };
    let _ = req.respond(resp);
}

/// `body` compressed with the `Content-Encoding` `enc` (gzip, deflate = zlib, br).
fn encode(enc: &str, body: &[u8]) -> Vec<u8> {
    use std::io::Write;
    match enc {
        "gzip" => {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).expect("gzip");
            e.finish().expect("gzip")
        }
        "deflate" => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(body).expect("deflate");
            e.finish().expect("deflate")
        }
        _ => {
            let mut out = Vec::new();
            {
                let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                w.write_all(body).expect("br");
            }
            out
        }
    }
}

/// Sends 100 bytes of a promised 1000, then stalls.
struct StallingBody {
    sent: bool,
}

impl std::io::Read for StallingBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.sent {
            std::thread::sleep(Duration::from_secs(5));
            return Ok(0);
        }
        self.sent = true;
        let n = buf.len().min(100);
        buf[..n].fill(b'%');
        Ok(n)
    }
}

fn serve() -> TestServer {
    let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
    let port = match server.server_addr().to_ip() {
        Some(SocketAddr::V4(a)) => a.port(),
        other => panic!("unexpected address {other:?}"),
    };
    let log = Arc::new(Mutex::new(Vec::new()));
    let flaky = Arc::new(AtomicUsize::new(0));
    {
        let server = server.clone();
        let log = log.clone();
        std::thread::spawn(move || {
            for req in server.incoming_requests() {
                if let Ok(mut l) = log.lock() {
                    l.push((req.url().to_string(), Instant::now()));
                }
                let flaky = flaky.clone();
                std::thread::spawn(move || respond(req, &flaky));
            }
        });
    }
    TestServer {
        base: format!("http://127.0.0.1:{port}"),
        log,
        server,
    }
}

fn test_opts() -> FetchOptions {
    FetchOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(5),
        retries: 2,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(40),
        max_body_bytes: 1 << 20,
        per_host_concurrency: 8,
        per_host_delay: Duration::ZERO,
        use_env_proxy: false,
        ..FetchOptions::default()
    }
}

fn fetcher(opts: FetchOptions) -> HttpFetcher {
    HttpFetcher::new(opts).expect("client builds")
}

#[test]
fn follows_redirects_and_reports_final_url() {
    let s = serve();
    let f = fetcher(test_opts());
    let got = f.fetch(&s.url("/redirect")).expect("fetch");
    assert_eq!(got.bytes, b"<p>ok</p>");
    assert_eq!(got.final_url.as_deref(), Some(s.url("/ok.html").as_str()));
    assert_eq!(got.charset.as_deref(), Some("utf-8"));
    assert_eq!(got.input, s.url("/redirect"));
    assert!(!got.from_cache);
}

#[test]
fn redirect_loop_fails_clearly() {
    let s = serve();
    let f = fetcher(FetchOptions {
        max_redirects: 5,
        ..test_opts()
    });
    let err = f.fetch(&s.url("/loop")).expect_err("loop must fail");
    assert!(
        matches!(err, FetchError::TooManyRedirects { limit: 5, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("too many redirects"), "{err}");
    // Not retried: a loop does not heal itself.
    assert!(s.hits("/loop") <= 7, "{}", s.hits("/loop"));
}

#[test]
fn not_found_is_not_retried() {
    let s = serve();
    let f = fetcher(test_opts());
    let url = s.url("/missing");
    let err = f.fetch(&url).expect_err("404");
    assert_eq!(err.to_string(), format!("HTTP 404 Not Found for {url}"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(s.hits("/missing"), 1);
}

#[test]
fn server_error_then_success_is_retried() {
    let s = serve();
    let f = fetcher(test_opts());
    let got = f.fetch(&s.url("/flaky")).expect("second attempt succeeds");
    assert_eq!(got.bytes, b"recovered");
    assert_eq!(s.hits("/flaky"), 2);
}

#[test]
fn persistent_server_error_reports_attempts() {
    let s = serve();
    let f = fetcher(test_opts());
    let url = s.url("/always500");
    let err = f.fetch(&url).expect_err("503");
    assert_eq!(
        err.to_string(),
        format!("HTTP 503 Service Unavailable for {url} (3 attempts)")
    );
    assert_eq!(s.hits("/always500"), 3);
}

#[test]
fn stalled_server_times_out_fast() {
    let s = serve();
    let f = fetcher(FetchOptions {
        timeout: Duration::from_millis(300),
        retries: 1,
        ..test_opts()
    });
    let t0 = Instant::now();
    let err = f.fetch(&s.url("/stall")).expect_err("stall");
    let took = t0.elapsed();
    assert!(
        matches!(err, FetchError::Timeout { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("timed out after 0.3 s (2 attempts)"),
        "{err}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn body_over_limit_is_rejected() {
    let s = serve();
    let f = fetcher(test_opts());
    for path in ["/big", "/big-chunked"] {
        let err = f.fetch(&s.url(path)).expect_err("too large");
        assert!(
            matches!(err, FetchError::TooLarge { .. }),
            "{path}: {err:?}"
        );
        assert!(
            err.to_string().ends_with("larger than 1 MiB limit"),
            "{err}"
        );
    }
}

#[test]
fn gbk_bytes_come_through_untouched() {
    let s = serve();
    let f = fetcher(test_opts());
    let got = f.fetch(&s.url("/gbk.html")).expect("fetch");
    assert_eq!(got.bytes, GBK_PAGE);
    assert_eq!(got.charset.as_deref(), Some("gbk"));
    assert_eq!(got.content_type.as_deref(), Some("text/html; charset=GBK"));
    assert_eq!(got.sha256, gouji_fetch::sha256_hex(GBK_PAGE));
}

#[test]
fn pdf_served_as_html_is_intact() {
    let s = serve();
    let f = fetcher(test_opts());
    let got = f.fetch(&s.url("/report.pdf")).expect("fetch");
    assert_eq!(got.bytes, PDF_BYTES);
    assert_eq!(got.content_type.as_deref(), Some("text/html"));
    assert_eq!(got.charset, None);
}

#[test]
fn landing_page_attachment_is_followed() {
    let s = serve();
    let f = fetcher(test_opts());
    let page = f.fetch(&s.url("/landing.html")).expect("landing");
    let base = page.final_url.clone().expect("http has a final url");
    let links = attachment_links(&String::from_utf8_lossy(&page.bytes), &base);
    assert_eq!(links, vec![s.url("/files/annex.pdf")]);
    let annex = f.fetch(&links[0]).expect("annex");
    assert_eq!(annex.bytes, PDF_BYTES);
    assert_eq!(
        resolve_href(&base, "files/annex.pdf").expect("resolves"),
        s.url("/files/annex.pdf")
    );
}

#[test]
fn cache_is_reused_and_offline_mode_works() {
    let s = serve();
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = FetchOptions {
        cache_dir: Some(dir.path().join("cache")),
        ..test_opts()
    };
    let url = s.url("/counted.html");
    let first = fetcher(opts.clone()).fetch(&url).expect("first");
    assert!(!first.from_cache);
    // A new fetcher (a rerun) reads the same directory.
    let second = fetcher(opts.clone()).fetch(&url).expect("second");
    assert!(second.from_cache);
    assert_eq!(second.bytes, first.bytes);
    assert_eq!(second.sha256, first.sha256);
    assert_eq!(second.final_url, first.final_url);
    assert_eq!(second.charset.as_deref(), Some("utf-8"));
    assert_eq!(s.hits("/counted.html"), 1);

    let offline = fetcher(FetchOptions {
        offline: true,
        ..opts.clone()
    });
    assert!(offline.fetch(&url).expect("cached").from_cache);
    let err = offline.fetch(&s.url("/ok.html")).expect_err("not cached");
    assert!(matches!(err, FetchError::NotCached { .. }), "{err:?}");
    assert!(err.to_string().starts_with("offline mode: "), "{err}");
    assert_eq!(s.hits("/ok.html"), 0);

    // A damaged blob is a miss, never wrong bytes.
    let blob = dir
        .path()
        .join("cache/blobs")
        .join(&first.sha256[..2])
        .join(&first.sha256);
    std::fs::write(&blob, b"garbage").expect("overwrite blob");
    assert!(offline.fetch(&url).is_err());
    let refetched = fetcher(opts).fetch(&url).expect("refetch");
    assert!(!refetched.from_cache);
    assert_eq!(refetched.bytes, first.bytes);
    // No temp files left behind.
    let tmp: Vec<_> = std::fs::read_dir(dir.path().join("cache/tmp"))
        .expect("tmp dir")
        .collect();
    assert!(tmp.is_empty());
}

#[test]
fn per_host_delay_is_respected_across_threads() {
    let s = serve();
    let f = fetcher(FetchOptions {
        per_host_delay: Duration::from_millis(200),
        per_host_concurrency: 4,
        ..test_opts()
    });
    let url = s.url("/ok.html");
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(|| f.fetch(&url).expect("fetch"));
        }
    });
    let mut times = s.times("/ok.html");
    times.sort();
    assert_eq!(times.len(), 4);
    for w in times.windows(2) {
        let gap = w[1] - w[0];
        assert!(gap >= Duration::from_millis(180), "gap {gap:?}");
    }
}

#[test]
fn local_files_and_file_urls() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("r.pdf");
    std::fs::write(&p, PDF_BYTES).expect("write");
    let f = fetcher(test_opts());
    let got = f.fetch(&p.display().to_string()).expect("path");
    assert_eq!(got.bytes, PDF_BYTES);
    assert_eq!(got.final_url, None);
    let url = format!("file://{}", p.display());
    let got = f.fetch(&url).expect("file url");
    assert_eq!(got.bytes, PDF_BYTES);
    assert_eq!(got.final_url.as_deref(), Some(url.as_str()));
    let err = f
        .fetch(&dir.path().join("missing.pdf").display().to_string())
        .expect_err("missing");
    assert!(err.to_string().starts_with("cannot read "), "{err}");
    let small = fetcher(FetchOptions {
        max_body_bytes: 10,
        ..test_opts()
    });
    assert!(matches!(
        small.fetch(&p.display().to_string()),
        Err(FetchError::TooLarge { .. })
    ));
}

#[test]
fn refused_connection_is_a_network_error() {
    // Port 1 (tcpmux): nothing listens there. A port bound and dropped here was taken
    // by another test's server in the meantime once (a 404 instead of a refusal).
    let port = 1;
    let f = fetcher(test_opts());
    let err = f
        .fetch(&format!("http://127.0.0.1:{port}/x"))
        .expect_err("refused");
    assert!(
        matches!(err, FetchError::Network { attempts: 3, .. }),
        "{err:?}"
    );
}

#[test]
fn body_stalling_midway_times_out_fast() {
    let s = serve();
    let f = fetcher(FetchOptions {
        timeout: Duration::from_millis(300),
        retries: 0,
        ..test_opts()
    });
    let t0 = Instant::now();
    let err = f.fetch(&s.url("/stall-body")).expect_err("stall");
    assert!(
        matches!(err, FetchError::Timeout { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(
        t0.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t0.elapsed()
    );
}

#[test]
fn dropped_connection_is_retried() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    {
        let accepted = accepted.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let n = accepted.fetch_add(1, Ordering::SeqCst);
                let mut reader = BufReader::new(conn);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|k| k > 2) {
                    line.clear();
                }
                let mut conn = reader.into_inner();
                if n == 0 {
                    // Hang up without an answer, as an overloaded server does.
                    continue;
                }
                let _ = conn.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                );
            }
        });
    }
    // The server drops the first connection, whichever it is: robots.txt is not this
    // test's subject.
    let f = fetcher(FetchOptions {
        robots: false,
        ..test_opts()
    });
    let got = f
        .fetch(&format!("http://127.0.0.1:{port}/x"))
        .expect("second attempt succeeds");
    assert_eq!(got.bytes, b"ok");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
}

#[test]
fn https_against_plain_http_fails_cleanly() {
    // Proves the TLS stack (ring provider) is wired up: a handshake is attempted and
    // fails with an error, not a panic about a missing crypto provider.
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let f = fetcher(FetchOptions {
        retries: 0,
        ..test_opts()
    });
    let err = f
        .fetch(&format!("https://127.0.0.1:{port}/x"))
        .expect_err("not TLS");
    assert!(matches!(err, FetchError::Network { .. }), "{err:?}");
    eprintln!("{err}");
}

#[test]
fn connect_timeout_is_named_as_such() {
    // A listener that never accepts still completes TCP handshakes (backlog), so use a
    // TLS handshake that never gets an answer instead.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let f = fetcher(FetchOptions {
        connect_timeout: Duration::from_millis(200),
        retries: 0,
        ..test_opts()
    });
    let err = f
        .fetch(&format!("https://127.0.0.1:{port}/x"))
        .expect_err("silent server");
    drop(listener);
    assert!(
        err.to_string()
            .starts_with("timed out connecting after 0.2 s"),
        "{err}"
    );
}

#[test]
fn damaged_cache_entries_are_misses() {
    let s = serve();
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let opts = FetchOptions {
        cache_dir: Some(cache.clone()),
        ..test_opts()
    };
    let url = s.url("/counted.html");
    let first = fetcher(opts.clone()).fetch(&url).expect("first");
    // What a kill could leave at worst: stray temp files, and (from another cause) an
    // index entry whose blob is gone or an index entry cut short.
    std::fs::write(cache.join("tmp/123-0-deadbeef"), b"half a blob").expect("tmp");
    let blob = cache
        .join("blobs")
        .join(&first.sha256[..2])
        .join(&first.sha256);
    std::fs::remove_file(&blob).expect("remove blob");
    let offline = fetcher(FetchOptions {
        offline: true,
        ..opts.clone()
    });
    assert!(matches!(
        offline.fetch(&url),
        Err(FetchError::NotCached { .. })
    ));
    let again = fetcher(opts.clone()).fetch(&url).expect("refetch");
    assert!(!again.from_cache);
    for entry in std::fs::read_dir(cache.join("index")).expect("index") {
        let path = entry.expect("entry").path();
        std::fs::write(&path, b"{\"url\": \"http").expect("truncate index");
    }
    assert!(offline.fetch(&url).is_err());
    assert!(!fetcher(opts).fetch(&url).expect("refetch").from_cache);
}

#[test]
fn non_ascii_urls_are_percent_encoded() {
    let s = serve();
    let f = fetcher(test_opts());
    let got = f.fetch(&s.url("/年报 2023.pdf")).expect("fetch");
    assert_eq!(got.bytes, PDF_BYTES);
    assert_eq!(got.input, s.url("/年报 2023.pdf"));
}

#[test]
fn redirect_to_non_http_scheme_is_refused() {
    let s = serve();
    let f = fetcher(test_opts());
    for path in ["/to-file", "/to-ftp"] {
        let err = f.fetch(&s.url(path)).expect_err("must be refused");
        assert!(matches!(err, FetchError::RedirectScheme { .. }), "{err:?}");
        let m = err.to_string();
        assert!(
            m.starts_with("redirect to a non-HTTP scheme refused"),
            "{m}"
        );
        assert!(!m.contains("302") && !m.contains("invalid URL"), "{m}");
        assert_eq!(s.hits(path), 1, "not retried");
    }
}

#[test]
fn content_encodings_are_decoded() {
    let s = serve();
    let f = fetcher(test_opts());
    for path in ["/gzip.pdf", "/deflate.pdf", "/br.pdf"] {
        let got = f.fetch(&s.url(path)).expect(path);
        assert_eq!(got.bytes, PDF_BYTES, "{path}");
        assert_eq!(got.sha256, gouji_fetch::sha256_hex(PDF_BYTES));
    }
}

/// 16 MiB of zeros in ~16 KiB of gzip: decoded, it is over the 1 MiB limit. Built once,
/// before the request: compressing it inside the handler (debug build, busy machine)
/// once took longer than the client's 5 s timeout.
fn gzip_bomb() -> &'static [u8] {
    static BOMB: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BOMB.get_or_init(|| encode("gzip", &vec![0u8; 16 << 20]))
}

#[test]
fn gzip_bomb_is_capped_while_decoding() {
    gzip_bomb();
    let s = serve();
    let f = fetcher(test_opts());
    let err = f.fetch(&s.url("/gzip-bomb")).expect_err("over the limit");
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("larger than 1 MiB limit"), "{err}");
}

#[test]
fn input_deadline_bounds_retries() {
    let s = serve();
    let f = fetcher(FetchOptions {
        retries: 5,
        backoff_base: Duration::from_millis(300),
        backoff_max: Duration::from_millis(300),
        ..test_opts()
    });
    let started = Instant::now();
    let deadline = gouji_fetch::Deadline::after(Duration::from_millis(1500));
    let err = f
        .fetch_by(&s.url("/slow"), Some(deadline))
        .expect_err("deadline");
    let took = started.elapsed();
    // Without the deadline: 6 attempts × 0.7 s + 5 × ~0.3 s backoff ≈ 5.7 s.
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(matches!(err, FetchError::Deadline { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("input deadline of 1.5 s reached"),
        "{err}"
    );
    assert!(s.hits("/slow") < 6, "{}", s.hits("/slow"));
}

#[test]
fn malformed_urls_are_invalid_urls_not_paths() {
    let f = fetcher(test_opts());
    for bad in ["http://127.0.0.1:99999/x", "http://"] {
        let err = f.fetch(bad).expect_err(bad);
        assert!(
            matches!(err, FetchError::InvalidUrl { .. }),
            "{bad}: {err:?}"
        );
        assert!(err.to_string().starts_with("invalid URL"), "{err}");
    }
}

#[test]
fn long_urls_are_cut_in_messages() {
    let s = serve();
    let f = fetcher(test_opts());
    let long = s.url(&format!("/{}", "a".repeat(200_000)));
    let err = f.fetch(&long).expect_err("no such page");
    let m = err.to_string();
    assert!(m.len() < 500, "{} bytes: {}", m.len(), &m[..300]);
    assert!(
        m.contains(&format!("… ({} bytes in all)", long.len())),
        "{m}"
    );
}
