//! Acceptance test of issue 3 (batch runs over URL lists) with the real `gouji` binary.
//!
//! An HTTP server inside the test process (127.0.0.1, ephemeral port, one thread per
//! request) serves the real reports of `../shared/corpus/real` and synthetic documents
//! of `corpus/`, read at test time, plus every kind of trouble a batch meets on the web:
//! GBK pages, a PDF sent as `text/html`, a landing page whose tables are in an attached
//! PDF, redirects and a redirect loop, 404, a 500 that recovers, a stalled server, and
//! bodies over the size limit. Then:
//!
//! 1. `gouji run` over a list of all of them: one record per input line in list order,
//!    the right status and a readable error per input, the good documents fully
//!    extracted (cells and findings checked against the truth files and against
//!    `gouji extract --json` of the same local file), CSV files consistent with the
//!    records; then an `--offline` rerun from the cache, with the server stopped, yields
//!    the same records.
//! 2. A slowed-down batch is SIGKILLed mid-run and rerun; its outputs are byte-for-byte
//!    those of an uninterrupted run.

use std::collections::{BTreeMap, HashMap};
use std::io::{Cursor, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;
use tiny_http::{Header, Request, Response, StatusCode};

// ---------------------------------------------------------------------------------------
// Fixtures

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus/real`, beside the checkout.
fn real() -> PathBuf {
    let p = repo().join("../shared/corpus/real");
    assert!(
        p.is_dir(),
        "{} not found: the real corpus (shared/) must sit beside the checkout",
        p.display()
    );
    p
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load_json(path: &Path) -> Value {
    serde_json::from_slice(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("batch_e2e")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    d
}

const H01: &str = "corpus/h01-clean-pingtan-like.html";
const UTF8_META: &str = r#"<meta charset="utf-8">"#;

/// h01 in GBK: `(with <meta charset="gbk">, without any meta charset)`.
fn gbk_pages() -> (Vec<u8>, Vec<u8>) {
    let html = String::from_utf8(read(&repo().join(H01))).expect("h01 is UTF-8");
    assert!(html.contains(UTF8_META), "h01 declares its charset");
    let encode = |s: &str| {
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(s);
        assert!(!unmappable, "h01 is representable in GBK");
        let bytes = bytes.into_owned();
        assert!(
            std::str::from_utf8(&bytes).is_err(),
            "GBK bytes are not UTF-8"
        );
        bytes
    };
    (
        encode(&html.replacen(UTF8_META, r#"<meta charset="gbk">"#, 1)),
        encode(&html.replacen(UTF8_META, "", 1)),
    )
}

const LANDING: &str = r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>淮安市人民政府2024年政府信息公开工作年度报告</title></head>
<body><h1>淮安市人民政府2024年政府信息公开工作年度报告</h1>
<p>现将本机关2024年政府信息公开工作年度报告公布如下，详见附件。</p>
<p><a href="/">返回首页</a></p>
<p><a href="files/report.pdf">附件：年度报告.pdf</a></p>
</body></html>
"#;

/// How long `/stall` waits before answering: well over `--timeout 2`, yet bounded.
const STALL: Duration = Duration::from_secs(6);
const MIB: usize = 1 << 20;

const HTML: &str = "text/html; charset=utf-8";

/// Everything the server can answer.
struct Site {
    /// Path → (body, Content-Type).
    docs: HashMap<String, (Vec<u8>, String)>,
    /// Sleep before every answer.
    delay: Duration,
    /// Requests seen per `/flaky` path.
    flaky: Mutex<HashMap<String, usize>>,
}

impl Site {
    fn new(delay: Duration) -> Self {
        let real = real();
        let (gbk_meta, gbk_bare) = gbk_pages();
        let mut docs = HashMap::new();
        let mut add = |path: &str, body: Vec<u8>, ct: &str| {
            docs.insert(path.to_string(), (body, ct.to_string()));
        };
        add("/pingtan.html", read(&real.join("pingtan-2024.html")), HTML);
        add(
            "/shanghai.html",
            read(&real.join("shanghai-office-2019.html")),
            HTML,
        );
        add("/gbk.html", gbk_meta, "text/html");
        add("/gbk-header.html", gbk_bare, "text/html; charset=GBK");
        add(
            "/wrong-type.pdf-as-html",
            read(&real.join("huaian-city-2024.pdf")),
            "text/html",
        );
        add("/landing.html", LANDING.as_bytes().to_vec(), HTML);
        add(
            "/files/report.pdf",
            read(&real.join("huaian-hongze-2024.pdf")),
            "application/pdf",
        );
        add("/h01.html", read(&repo().join(H01)), HTML);
        add(
            "/t08.txt",
            read(&repo().join("corpus/t08-t3-bal.txt")),
            "text/plain; charset=utf-8",
        );
        Site {
            docs,
            delay,
            flaky: Mutex::new(HashMap::new()),
        }
    }

    fn respond(&self, req: Request) {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        let full = req.url().split(['?', '#']).next().unwrap_or("").to_string();
        // `/n/<i>/x` is `/x` under another URL (distinct inputs, distinct cache keys).
        let (prefix, path) = split_prefix(&full);
        type Body = Box<dyn Read + Send>;
        let header = |k: &str, v: &str| Header::from_bytes(k, v).expect("valid header");
        let answer = |status: u16, ct: &str, body: Body, len: Option<usize>| {
            Response::new(
                StatusCode(status),
                vec![header("Content-Type", ct)],
                body,
                len,
                None,
            )
        };
        let bytes = |status: u16, ct: &str, b: Vec<u8>| {
            let len = b.len();
            answer(status, ct, Box::new(Cursor::new(b)), Some(len))
        };
        let redirect = |to: String| {
            Response::new(
                StatusCode(302),
                vec![header("Location", &to)],
                Box::new(Cursor::new(Vec::new())) as Body,
                Some(0),
                None,
            )
        };
        let resp = match path {
            "/redirect" => redirect(format!("{prefix}/pingtan.html")),
            "/loop" => redirect(full.clone()),
            "/flaky" => {
                let n = {
                    let mut seen = self.flaky.lock().unwrap_or_else(PoisonError::into_inner);
                    let n = seen.entry(full.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                if n == 1 {
                    bytes(500, "text/plain", b"internal error".to_vec())
                } else {
                    let (b, ct) = &self.docs["/shanghai.html"];
                    bytes(200, ct, b.clone())
                }
            }
            "/stall" => {
                std::thread::sleep(STALL);
                bytes(200, "text/plain", b"too late".to_vec())
            }
            "/huge" => bytes(200, "application/pdf", vec![b'%'; 2 * MIB]),
            // No Content-Length: the limit must hold while streaming.
            "/huge-chunked" => answer(
                200,
                "application/pdf",
                Box::new(std::io::repeat(b'%').take(3 * MIB as u64)),
                None,
            ),
            p => match self.docs.get(p) {
                Some((b, ct)) => bytes(200, ct, b.clone()),
                None => bytes(404, "text/plain", b"not found".to_vec()),
            },
        };
        // The client may be gone (timeouts, size limit): nothing to do about it.
        let _ = req.respond(resp);
    }
}

/// `("/n/3", "/pingtan.html")` for `/n/3/pingtan.html`; `("", p)` otherwise.
fn split_prefix(full: &str) -> (&str, &str) {
    if let Some(rest) = full.strip_prefix("/n/")
        && let Some(slash) = rest.find('/')
        && rest[..slash].bytes().all(|b| b.is_ascii_digit())
    {
        let cut = 3 + slash;
        return (&full[..cut], &full[cut..]);
    }
    ("", full)
}

struct TestServer {
    base: String,
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    acceptor: Option<JoinHandle<()>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl TestServer {
    fn start(site: Site) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let addr = match server.server_addr().to_ip() {
            Some(a @ SocketAddr::V4(_)) => a,
            other => panic!("unexpected address {other:?}"),
        };
        let site = Arc::new(site);
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let acceptor = {
            let server = Arc::clone(&server);
            let hits = Arc::clone(&hits);
            std::thread::spawn(move || {
                for req in server.incoming_requests() {
                    *hits
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .entry(req.url().to_string())
                        .or_insert(0) += 1;
                    let site = Arc::clone(&site);
                    std::thread::spawn(move || site.respond(req));
                }
            })
        };
        TestServer {
            base: format!("http://{addr}"),
            addr,
            server,
            acceptor: Some(acceptor),
            hits,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Stops accepting and closes the listening socket; returns its address.
    fn stop(mut self) -> SocketAddr {
        self.shutdown();
        self.addr
    }

    fn shutdown(&mut self) {
        self.server.unblock();
        if let Some(h) = self.acceptor.take() {
            let _ = h.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

// ---------------------------------------------------------------------------------------
// Running gouji

fn gouji() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gouji"));
    for v in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    c.env("NO_PROXY", "127.0.0.1,localhost");
    c
}

/// Network flags of every run: fast, but with a 2 s timeout, one retry and 1 MiB limit.
const NET: &[&str] = &[
    "--quiet",
    "--delay-ms",
    "0",
    "--per-host",
    "4",
    "--timeout",
    "2",
    "--retries",
    "1",
    "--max-mib",
    "1",
];

fn run_cmd(list: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = gouji();
    c.arg("run")
        .arg(list)
        .arg("--out")
        .arg(out)
        .args(NET)
        .args(extra);
    c
}

/// Starts `cmd` with stdout/stderr into files beside `out`.
fn spawn(mut cmd: Command, logs: &Path, tag: &str) -> Child {
    let file = |ext: &str| {
        let p = logs.join(format!("{tag}.{ext}"));
        std::fs::File::create(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    cmd.stdin(Stdio::null())
        .stdout(file("stdout"))
        .stderr(file("stderr"))
        .spawn()
        .expect("start gouji")
}

/// Waits for `child` at most `bound` (then kills it and fails): exit status, wall time,
/// stderr.
fn wait_bounded(
    mut child: Child,
    started: Instant,
    bound: Duration,
    logs: &Path,
    tag: &str,
) -> (ExitStatus, Duration, String) {
    loop {
        if let Some(status) = child.try_wait().expect("wait for gouji") {
            let stderr =
                std::fs::read_to_string(logs.join(format!("{tag}.stderr"))).unwrap_or_default();
            return (status, started.elapsed(), stderr);
        }
        if started.elapsed() > bound {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gouji run ({tag}) did not finish within {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_bounded(cmd: Command, logs: &Path, tag: &str, bound: Duration) -> (Duration, String) {
    let started = Instant::now();
    let child = spawn(cmd, logs, tag);
    let (status, took, stderr) = wait_bounded(child, started, bound, logs, tag);
    assert!(
        status.success(),
        "gouji run ({tag}) failed: {status}\n{stderr}"
    );
    (took, stderr)
}

fn records(out: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(out.join("reports.jsonl")).expect("reports.jsonl");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// `gouji extract --json` of local files: the reference analysis of each.
fn extract_reference(files: &[PathBuf]) -> HashMap<PathBuf, Value> {
    let out = gouji()
        .args(["extract", "--json"])
        .args(files)
        .output()
        .expect("run gouji extract");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let recs: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("extract JSON line"))
        .collect();
    assert_eq!(recs.len(), files.len(), "gouji extract: {stdout}");
    files.iter().cloned().zip(recs).collect()
}

// ---------------------------------------------------------------------------------------
// Checks

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = v;
    for k in path {
        v = v.get(*k)?;
    }
    v.as_str()
}

fn cell_key(c: &Value) -> (String, String, String) {
    let k = |f: &str| c.get(f).and_then(Value::as_str).unwrap_or("").to_string();
    (k("table"), k("row"), k("col"))
}

/// Differences between a record and an expectation (truth or `corpus/expected`): report
/// info, every cell value and raw text, the cell count, the expected findings (with
/// their values) and no finding of a `must_not` rule.
fn check_truth(name: &str, rec: &Value, exp: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    for (field, want) in [
        ("template", exp.get("template")),
        ("agency", exp.get("agency")),
        ("year", exp.get("year")),
    ] {
        if let Some(want) = want
            && rec["report"].get(field) != Some(want)
        {
            diffs.push(format!(
                "{name}: report.{field} {:?} ≠ {want}",
                rec["report"].get(field)
            ));
        }
    }
    let empty = Vec::new();
    let got_cells = rec["cells"].as_array().unwrap_or(&empty);
    let got: HashMap<_, _> = got_cells.iter().map(|c| (cell_key(c), c)).collect();
    let want_cells = exp["cells"].as_array().unwrap_or(&empty);
    for c in want_cells {
        let key = cell_key(c);
        match got.get(&key) {
            None => diffs.push(format!("{name}: cell {key:?} missing")),
            Some(g) => {
                let (gv, wv) = (g["value"].as_f64(), c["value"].as_f64());
                if gv != wv {
                    diffs.push(format!(
                        "{name}: cell {key:?} = {gv:?} (raw {}), want {wv:?}",
                        g["raw"]
                    ));
                }
                if let Some(raw) = c.get("raw")
                    && g.get("raw") != Some(raw)
                {
                    diffs.push(format!("{name}: cell {key:?} raw {} ≠ {raw}", g["raw"]));
                }
            }
        }
    }
    if got_cells.len() != want_cells.len() {
        diffs.push(format!(
            "{name}: {} cells, want {}",
            got_cells.len(),
            want_cells.len()
        ));
    }
    let findings = rec["findings"].as_array().unwrap_or(&empty);
    for w in exp["findings"].as_array().unwrap_or(&empty) {
        let found = findings.iter().find(|f| {
            f["rule"] == w["rule"] && f.get("row") == w.get("row") && f.get("col") == w.get("col")
        });
        match found {
            None => diffs.push(format!(
                "{name}: finding {} at {}.{} not raised",
                w["rule"], w["row"], w["col"]
            )),
            Some(f) => {
                for field in ["expected", "found"] {
                    if let Some(want) = w.get(field)
                        && f[field].as_f64() != want.as_f64()
                    {
                        diffs.push(format!(
                            "{name}: {} {field} {} ≠ {want}",
                            w["rule"], f[field]
                        ));
                    }
                }
            }
        }
    }
    for rule in exp["must_not"].as_array().unwrap_or(&empty) {
        for f in findings.iter().filter(|f| f["rule"] == *rule) {
            diffs.push(format!(
                "{name}: {rule} raised but in must_not: {}",
                f["message"]
            ));
        }
    }
    diffs
}

/// Differences between the batch's record and `gouji extract` of the same document:
/// the analysis (cells, findings, report) must not depend on how the bytes arrived.
fn check_same_analysis(
    name: &str,
    rec: &Value,
    reference: &Value,
    with_title: bool,
) -> Vec<String> {
    let mut diffs = Vec::new();
    let mut fields = vec!["cells", "findings"];
    if with_title {
        fields.push("report");
    }
    for f in fields {
        if rec[f] != reference[f] {
            diffs.push(format!(
                "{name}: {f} differ from `gouji extract` of the same document:\n  batch:   {}\n  extract: {}",
                truncate(&rec[f].to_string()),
                truncate(&reference[f].to_string())
            ));
        }
    }
    diffs
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 600 {
        format!("{}…", s.chars().take(600).collect::<String>())
    } else {
        s.to_string()
    }
}

/// RFC 4180 reader (quoted fields may hold commas, quotes and newlines).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// `cells.csv` / `findings.csv`: header, then exactly the records' cells / findings in
/// record order, each row naming its record's list line.
fn check_csv(out: &Path, recs: &[Value]) {
    for (file, header, items, keys) in [
        (
            "cells.csv",
            &gouji_batch::CELLS_HEADER[..],
            "cells",
            &["table", "row", "col", "raw"][..],
        ),
        (
            "findings.csv",
            &gouji_batch::FINDINGS_HEADER[..],
            "findings",
            &["rule", "severity", "table", "row", "col"][..],
        ),
    ] {
        let text =
            std::fs::read_to_string(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let rows = parse_csv(&text);
        assert!(!rows.is_empty(), "{file} is empty");
        assert_eq!(rows[0], header, "{file} header");
        let col = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .unwrap_or_else(|| panic!("{file} has no column {name}"))
        };
        let expected: Vec<(u64, &Value)> = recs
            .iter()
            .flat_map(|r| {
                let line = r["source"]["line"].as_u64().expect("source.line");
                r[items]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(move |it| (line, it))
            })
            .collect();
        assert_eq!(
            rows.len() - 1,
            expected.len(),
            "{file}: data rows vs {items} in reports.jsonl"
        );
        for (i, (row, (line, it))) in rows[1..].iter().zip(&expected).enumerate() {
            assert_eq!(row.len(), header.len(), "{file} row {}: {row:?}", i + 2);
            assert_eq!(row[col("line")], line.to_string(), "{file} row {}", i + 2);
            for k in keys {
                let want = it.get(*k).and_then(Value::as_str).unwrap_or("");
                assert_eq!(row[col(k)], want, "{file} row {} column {k}", i + 2);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Test 1: every kind of input, then offline from the cache

enum Want {
    /// Fully extracted from `local` (the same bytes, or the same document re-encoded),
    /// matching the expectation file `exp`, in `format`.
    Good {
        local: PathBuf,
        exp: PathBuf,
        format: &'static str,
    },
    /// Failed at fetch, the error message containing this.
    Failed(&'static str),
}

struct Case {
    input: String,
    want: Want,
}

#[test]
fn batch_over_a_url_list_then_offline_from_cache() {
    let dir = scratch("mixed");
    let real = real();
    let server = TestServer::start(Site::new(Duration::ZERO));
    let truth = |n: &str| real.join("truth").join(format!("{n}.json"));
    let synthetic = |n: &str| repo().join("corpus/expected").join(format!("{n}.json"));
    let good = |local: PathBuf, exp: PathBuf, format| Want::Good { local, exp, format };
    let pingtan = || {
        good(
            real.join("pingtan-2024.html"),
            truth("pingtan-2024"),
            "html",
        )
    };
    let shanghai = || {
        good(
            real.join("shanghai-office-2019.html"),
            truth("shanghai-office-2019"),
            "html",
        )
    };
    let h01 = || {
        good(
            repo().join(H01),
            synthetic("h01-clean-pingtan-like"),
            "html",
        )
    };
    let t08 = repo().join("corpus/t08-t3-bal.txt");
    let h01_url = format!("file://{}", repo().join(H01).display());
    let cases = vec![
        Case {
            input: server.url("/pingtan.html"),
            want: pingtan(),
        },
        Case {
            input: server.url("/shanghai.html"),
            want: shanghai(),
        },
        Case {
            input: server.url("/gbk.html"),
            want: h01(),
        },
        Case {
            input: server.url("/gbk-header.html"),
            want: h01(),
        },
        Case {
            input: server.url("/wrong-type.pdf-as-html"),
            want: good(
                real.join("huaian-city-2024.pdf"),
                truth("huaian-city-2024"),
                "pdf",
            ),
        },
        Case {
            input: server.url("/landing.html"),
            want: good(
                real.join("huaian-hongze-2024.pdf"),
                truth("huaian-hongze-2024"),
                "pdf",
            ),
        },
        Case {
            input: server.url("/redirect"),
            want: pingtan(),
        },
        Case {
            input: server.url("/loop"),
            want: Want::Failed("redirect"),
        },
        Case {
            input: server.url("/missing"),
            want: Want::Failed("HTTP 404"),
        },
        Case {
            input: server.url("/flaky"),
            want: shanghai(),
        },
        Case {
            input: server.url("/stall"),
            want: Want::Failed("timed out"),
        },
        Case {
            input: server.url("/huge"),
            want: Want::Failed("larger than"),
        },
        Case {
            input: server.url("/huge-chunked"),
            want: Want::Failed("larger than"),
        },
        Case {
            input: t08.display().to_string(),
            want: good(t08.clone(), synthetic("t08-t3-bal"), "text"),
        },
        Case {
            input: h01_url,
            want: h01(),
        },
    ];
    // The list: a comment, inputs, a blank line in the middle, CRLF on one line.
    let mut list = String::from("# gouji e2e: every kind of input\n");
    let mut lines = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        if i == 6 {
            list.push('\n');
        }
        if i == 3 {
            list.push_str(&format!("  {}\r\n", c.input));
        } else {
            list.push_str(&format!("{}\n", c.input));
        }
        lines.push(list.lines().count() as u64);
    }
    list.push_str("# end\n");
    let list_path = dir.join("list.txt");
    std::fs::write(&list_path, &list).expect("write list");
    let out = dir.join("out");

    let (took, stderr) = run_bounded(
        run_cmd(&list_path, &out, &[]),
        &dir,
        "online",
        Duration::from_secs(60),
    );
    eprintln!(
        "batch_e2e: online run of {} inputs took {took:.2?}",
        cases.len()
    );
    assert!(took < Duration::from_secs(60), "run took {took:?}");
    assert!(stderr.contains("15 inputs"), "summary on stderr: {stderr}");

    let recs = records(&out);
    assert_eq!(recs.len(), cases.len(), "one record per input line");
    let locals: Vec<PathBuf> = {
        let mut v: Vec<PathBuf> = cases
            .iter()
            .filter_map(|c| match &c.want {
                Want::Good { local, .. } => Some(local.clone()),
                Want::Failed(_) => None,
            })
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let reference = extract_reference(&locals);
    let mut diffs = Vec::new();
    for ((case, rec), line) in cases.iter().zip(&recs).zip(&lines) {
        let name = case.input.as_str();
        assert_eq!(
            s(rec, &["source", "input"]),
            Some(name),
            "records in list order"
        );
        assert_eq!(
            rec["source"]["line"].as_u64(),
            Some(*line),
            "{name}: source.line"
        );
        match &case.want {
            Want::Good { local, exp, format } => {
                if rec["status"] != "ok" {
                    diffs.push(format!(
                        "{name}: status {} (errors {}), want ok",
                        rec["status"], rec["errors"]
                    ));
                }
                if s(rec, &["source", "format"]) != Some(format) {
                    diffs.push(format!(
                        "{name}: format {}, want {format}",
                        rec["source"]["format"]
                    ));
                }
                diffs.extend(check_truth(name, rec, &load_json(exp)));
                let is_landing = name.ends_with("/landing.html");
                let reencoded = name.contains("/gbk");
                diffs.extend(check_same_analysis(
                    name,
                    rec,
                    &reference[local],
                    !is_landing,
                ));
                if !reencoded {
                    let want = reference[local]["source"]["sha256"].as_str();
                    if s(rec, &["source", "sha256"]) != want {
                        diffs.push(format!("{name}: sha256 is not that of the served bytes"));
                    }
                }
            }
            Want::Failed(needle) => {
                let errs = rec["errors"].as_array().cloned().unwrap_or_default();
                let msg = errs
                    .iter()
                    .filter_map(|e| e["message"].as_str())
                    .collect::<Vec<_>>()
                    .join(" | ");
                eprintln!("batch_e2e: {name} -> {msg}");
                if rec["status"] != "failed"
                    || s(&errs.first().cloned().unwrap_or_default(), &["stage"]) != Some("fetch")
                    || !msg.contains(needle)
                    || !msg.contains(name)
                {
                    diffs.push(format!(
                        "{name}: status {} errors {}; want failed at fetch, naming the URL and {needle:?}",
                        rec["status"], rec["errors"]
                    ));
                }
            }
        }
    }
    let by_input = |suffix: &str| {
        recs.iter()
            .find(|r| s(r, &["source", "input"]).is_some_and(|i| i.ends_with(suffix)))
            .expect("record")
    };
    let landing = by_input("/landing.html");
    assert!(
        s(landing, &["source", "tables_from"]).is_some_and(|t| t.ends_with("files/report.pdf")),
        "landing page: source.tables_from {}",
        landing["source"]
    );
    assert_eq!(
        s(landing, &["source", "url"]),
        Some(server.url("/landing.html").as_str()),
        "landing page: source.url stays the page"
    );
    let redirected = by_input("/redirect");
    assert_eq!(
        s(redirected, &["source", "url"]),
        Some(server.url("/pingtan.html").as_str()),
        "redirect: source.url is the final URL"
    );
    assert_eq!(
        server.hits("/flaky"),
        2,
        "flaky: one 500, then success on retry"
    );
    assert_eq!(
        server.hits("/stall"),
        2,
        "stall: --retries 1 means two attempts"
    );
    assert_eq!(
        server.hits("/files/report.pdf"),
        1,
        "attachment fetched once"
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
    check_csv(&out, &recs);

    // --- Offline, from the cache of that directory, with the server gone.
    let cells_csv = read(&out.join("cells.csv"));
    let findings_csv = read(&out.join("findings.csv"));
    let addr = server.stop();
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
        assert!(
            Instant::now() < deadline,
            "server at {addr} still accepts connections"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (took, _) = run_bounded(
        run_cmd(&list_path, &out, &["--offline", "--restart"]),
        &dir,
        "offline",
        Duration::from_secs(60),
    );
    eprintln!("batch_e2e: offline rerun took {took:.2?}");
    let offline = records(&out);
    assert_eq!(
        offline.len(),
        recs.len(),
        "offline: one record per input line"
    );
    for (case, (online, off)) in cases.iter().zip(recs.iter().zip(&offline)) {
        match case.want {
            Want::Good { .. } => assert_eq!(
                off, online,
                "{}: offline record differs from the online one",
                case.input
            ),
            Want::Failed(_) => {
                assert_eq!(off["status"], "failed", "{}", case.input);
                assert_eq!(off["source"]["line"], online["source"]["line"]);
                assert!(
                    off["errors"][0]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("offline") && m.contains("not in the cache")),
                    "{}: offline error {}",
                    case.input,
                    off["errors"]
                );
            }
        }
    }
    // Failed records carry no cells or findings, so the CSV files are unchanged.
    assert!(
        read(&out.join("cells.csv")) == cells_csv,
        "offline cells.csv differs"
    );
    assert!(
        read(&out.join("findings.csv")) == findings_csv,
        "offline findings.csv differs"
    );
    check_csv(&out, &offline);
}

// ---------------------------------------------------------------------------------------
// Test 2: SIGKILL and resume

/// Complete lines in `reports.jsonl` (0 when it does not exist yet).
fn journal_lines(out: &Path) -> usize {
    std::fs::read(out.join("reports.jsonl"))
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

#[test]
fn sigkill_then_rerun_equals_an_uninterrupted_run() {
    let dir = scratch("resume");
    // Every answer takes 150 ms: with 2 jobs the batch takes a few seconds.
    let server = TestServer::start(Site::new(Duration::from_millis(150)));
    const KINDS: &[&str] = &[
        "pingtan.html",
        "shanghai.html",
        "h01.html",
        "t08.txt",
        "missing",
        "gbk.html",
        "redirect",
        "landing.html",
    ];
    const N: usize = 40;
    let mut list = String::from("# resume test\n");
    let mut lines = Vec::new();
    for i in 0..N {
        if i == 20 {
            list.push_str("\n# second half\n");
        }
        list.push_str(&server.url(&format!("/n/{i}/{}\n", KINDS[i % KINDS.len()])));
        lines.push(list.lines().count() as u64);
    }
    let list_path = dir.join("list.txt");
    std::fs::write(&list_path, &list).expect("write list");
    let jobs = ["--jobs", "2"];

    // Uninterrupted reference run.
    let whole = dir.join("whole");
    let (took, _) = run_bounded(
        run_cmd(&list_path, &whole, &jobs),
        &dir,
        "whole",
        Duration::from_secs(120),
    );
    eprintln!("batch_e2e: uninterrupted slowed run of {N} inputs took {took:.2?}");

    // Killed run: SIGKILL once it has written a few records (and at least 1 s in).
    let killed = dir.join("killed");
    let started = Instant::now();
    let mut child = spawn(run_cmd(&list_path, &killed, &jobs), &dir, "killed");
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("gouji finished ({status}) before it could be killed; slow the server down");
        }
        if started.elapsed() >= Duration::from_secs(1) && journal_lines(&killed) >= 2 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no records after 60 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("SIGKILL gouji");
    let status = child.wait().expect("reap gouji");
    assert!(!status.success(), "gouji was killed: {status}");
    let at_kill = journal_lines(&killed);
    eprintln!(
        "batch_e2e: killed after {:.2?} with {at_kill} of {N} records written",
        started.elapsed()
    );
    assert!(
        at_kill < N,
        "the kill came too late ({at_kill} of {N} records): nothing left to resume"
    );
    assert!(
        !killed.join("cells.csv").exists(),
        "no derived outputs before the batch is complete"
    );

    // Rerun to completion.
    let (took, stderr) = run_bounded(
        run_cmd(&list_path, &killed, &jobs),
        &dir,
        "resumed",
        Duration::from_secs(120),
    );
    eprintln!("batch_e2e: resumed run took {took:.2?}");
    assert!(
        stderr.contains("done by an earlier run"),
        "the rerun resumed: {stderr}"
    );

    let recs = records(&killed);
    let mut seen: BTreeMap<u64, usize> = BTreeMap::new();
    for r in &recs {
        *seen
            .entry(r["source"]["line"].as_u64().expect("source.line"))
            .or_insert(0) += 1;
    }
    let dupes: Vec<_> = seen.iter().filter(|(_, n)| **n != 1).collect();
    assert!(dupes.is_empty(), "lines recorded more than once: {dupes:?}");
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        lines,
        "every input line exactly once, in list order"
    );
    let got_lines: Vec<u64> = recs
        .iter()
        .filter_map(|r| r["source"]["line"].as_u64())
        .collect();
    assert_eq!(got_lines, lines, "records in list order");
    // Sanity: the documents were really processed (not all failures).
    let ok = recs.iter().filter(|r| r["status"] == "ok").count();
    assert_eq!(ok, N - N / KINDS.len(), "all but the 404s ok");

    // Records carry no timestamps or cache flags: the outputs are identical.
    for f in ["reports.jsonl", "cells.csv", "findings.csv"] {
        let (a, b) = (read(&killed.join(f)), read(&whole.join(f)));
        if a != b {
            let (a, b) = (String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
            let first = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(a.lines().count().min(b.lines().count()));
            panic!(
                "{f} after kill + rerun differs from the uninterrupted run (first at line {}):\n  resumed: {}\n  whole:   {}",
                first + 1,
                truncate(a.lines().nth(first).unwrap_or("<none>")),
                truncate(b.lines().nth(first).unwrap_or("<none>")),
            );
        }
    }
    check_csv(&killed, &recs);

    // A third run has nothing to do and rewrites the same files.
    let before: Vec<Vec<u8>> = ["reports.jsonl", "cells.csv", "findings.csv"]
        .iter()
        .map(|f| read(&killed.join(f)))
        .collect();
    run_bounded(
        run_cmd(&list_path, &killed, &jobs),
        &dir,
        "again",
        Duration::from_secs(60),
    );
    for (f, b) in ["reports.jsonl", "cells.csv", "findings.csv"]
        .iter()
        .zip(before)
    {
        assert!(read(&killed.join(f)) == b, "{f} changed on a no-op rerun");
    }
}
