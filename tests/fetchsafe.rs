//! Fetch safety against a local test server, through the real binary: a remote page
//! never leads to local files, one deadline bounds a whole input, malformed and huge
//! inputs give short, clear messages (issue 13).

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tiny_http::{Header, Response, Server, StatusCode};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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

fn header(k: &str, v: &str) -> Header {
    Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("valid header")
}

/// Serves `pages` (path → (content type, body)); `/slow/*` answers 503 after 600 ms.
struct Site {
    base: String,
    server: Arc<Server>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn serve(pages: Vec<(String, &'static str, Vec<u8>)>) -> Site {
    let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
    let port = match server.server_addr().to_ip() {
        Some(SocketAddr::V4(a)) => a.port(),
        other => panic!("unexpected address {other:?}"),
    };
    let pages = Arc::new(pages);
    let srv = server.clone();
    std::thread::spawn(move || {
        for req in srv.incoming_requests() {
            let pages = pages.clone();
            std::thread::spawn(move || {
                let path = req.url().to_string();
                if path.starts_with("/slow/") {
                    std::thread::sleep(Duration::from_millis(600));
                }
                let (status, ct, body) = match pages.iter().find(|p| p.0 == path) {
                    Some((_, ct, b)) => (200, *ct, b.clone()),
                    None if path.starts_with("/slow/") => (503, "text/plain", b"busy".to_vec()),
                    None => (404, "text/plain", b"not here".to_vec()),
                };
                let _ = req.respond(Response::new(
                    StatusCode(status),
                    vec![header("Content-Type", ct)],
                    Cursor::new(body.clone()),
                    Some(body.len()),
                    None,
                ));
            });
        }
    });
    Site {
        base: format!("http://127.0.0.1:{port}"),
        server,
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gouji-fetchsafe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// `gouji run` over `inputs`; returns the records in line order.
fn run(name: &str, inputs: &[String], extra: &[&str]) -> (Vec<Value>, Duration) {
    let dir = scratch(name);
    let list = dir.join("list.txt");
    std::fs::write(&list, inputs.join("\n") + "\n").expect("list");
    let out = dir.join("out");
    let started = Instant::now();
    let o = gouji()
        .arg("run")
        .arg(&list)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--delay-ms", "0", "--per-host", "8"])
        .args(extra)
        .output()
        .expect("gouji runs");
    let took = started.elapsed();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("reports.jsonl")).expect("reports.jsonl");
    let recs = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (recs, took)
}

fn messages(rec: &Value) -> Vec<String> {
    ["errors", "warnings"]
        .iter()
        .filter_map(|k| rec[*k].as_array())
        .flatten()
        .map(|v| {
            v["message"]
                .as_str()
                .or(v.as_str())
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

fn real_pdf() -> PathBuf {
    repo().join("corpus/p01-clean-table-break.pdf")
}

#[test]
fn remote_page_cannot_lead_to_local_files() {
    let pdf = real_pdf();
    let page = format!(
        r#"<html><head><title>2023年政府信息公开工作年度报告</title></head><body>
        <a href="file://{}">附件1</a><a href="ftp://127.0.0.1/r.pdf">附件2</a></body></html>"#,
        pdf.display()
    );
    let site = serve(vec![(
        "/landing.html".into(),
        "text/html; charset=utf-8",
        page.into_bytes(),
    )]);
    let url = format!("{}/landing.html", site.base);
    let (recs, _) = run("local", std::slice::from_ref(&url), &[]);
    let rec = &recs[0];
    assert!(rec["source"]["tables_from"].is_null(), "{}", rec["source"]);
    assert_ne!(rec["status"], "ok", "the local file must not be read");
    let msgs = messages(rec);
    let refused = msgs
        .iter()
        .filter(|m| m.contains("refused: a page fetched over HTTP may only link to http(s)"))
        .count();
    assert_eq!(refused, 2, "{msgs:?}");

    // The same file on the user's own list line is read.
    let (recs, _) = run("own", &[format!("file://{}", pdf.display())], &[]);
    assert_eq!(recs[0]["status"], "ok", "{}", recs[0]);
}

#[test]
fn one_deadline_bounds_page_attachments_and_retries() {
    let links: String = (1..=6)
        .map(|i| format!(r#"<a href="/slow/a{i}.pdf">附件{i}</a>"#))
        .collect();
    let page = format!("<html><body><p>2023年度报告</p>{links}</body></html>");
    let site = serve(vec![(
        "/landing.html".into(),
        "text/html; charset=utf-8",
        page.into_bytes(),
    )]);
    let url = format!("{}/landing.html", site.base);
    // Without the deadline: 6 attachments × 3 attempts × 0.6 s + backoff ≈ 16 s.
    let (recs, took) = run(
        "deadline",
        &[url],
        &["--timeout", "5", "--retries", "2", "--input-timeout", "2"],
    );
    assert!(took < Duration::from_secs(6), "{took:?}");
    let msgs = messages(&recs[0]);
    assert!(
        msgs.iter()
            .any(|m| m.contains("input deadline of 2 s reached")),
        "{msgs:?}"
    );
}

fn extract_one(input: &str) -> Value {
    let o = gouji()
        .args(["extract", "--json", input])
        .output()
        .expect("gouji runs");
    serde_json::from_str(String::from_utf8_lossy(&o.stdout).trim()).expect("one record")
}

#[test]
fn malformed_urls_are_invalid_urls() {
    for input in ["http://127.0.0.1:99999/x", "http://"] {
        let rec = extract_one(input);
        let msgs = messages(&rec);
        assert!(
            msgs.iter().any(|m| m.starts_with("invalid URL")),
            "{input}: {msgs:?}"
        );
        assert!(!msgs.iter().any(|m| m.contains("cannot read")), "{msgs:?}");
    }
}

#[test]
fn long_inputs_are_cut_in_messages() {
    let site = serve(Vec::new());
    let long = format!("{}/{}", site.base, "x".repeat(200_000));
    let (recs, _) = run("long", std::slice::from_ref(&long), &["--retries", "0"]);
    let msgs = messages(&recs[0]);
    assert!(!msgs.is_empty(), "{}", recs[0]);
    for m in &msgs {
        assert!(m.len() < 600, "{} bytes", m.len());
    }
    assert!(
        msgs.iter()
            .any(|m| m.contains(&format!("… ({} bytes in all)", long.len()))),
        "{msgs:?}"
    );
    let path = Path::new("/nonexistent").join("y".repeat(300));
    let rec = extract_one(&path.display().to_string());
    assert!(messages(&rec).iter().all(|m| m.len() < 600));
}
