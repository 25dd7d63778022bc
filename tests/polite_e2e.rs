//! `gouji run` is polite by default (issue 12, item 3), with the real binary against a
//! server inside the test process (127.0.0.1 only): a URL robots.txt disallows gets a
//! failed record at stage `fetch` and is never requested; a resumed run keeps that
//! record; `--ignore-robots` fetches it on resume; `--user-agent` is what the server
//! sees and what robots.txt is matched against.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tiny_http::{Response, Server, StatusCode};

/// Requests seen: (path, User-Agent).
type Seen = Arc<Mutex<Vec<(String, String)>>>;

struct Site {
    base: String,
    seen: Seen,
    server: Arc<Server>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

impl Site {
    fn hits(&self, path: &str) -> usize {
        let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        seen.iter().filter(|(p, _)| p == path).count()
    }
    fn agents(&self) -> Vec<String> {
        let seen = self.seen.lock().map(|s| s.clone()).unwrap_or_default();
        seen.into_iter().map(|(_, ua)| ua).collect()
    }
}

const ROBOTS: &str = "User-agent: *\nDisallow: /private/\n\nUser-agent: labbot\nDisallow: /\n";

fn serve(page: Vec<u8>) -> Site {
    let server = Arc::new(Server::http("127.0.0.1:0").expect("bind"));
    let port = server.server_addr().to_ip().expect("ip").port();
    let seen: Seen = Arc::default();
    let (srv, log) = (server.clone(), seen.clone());
    std::thread::spawn(move || {
        for req in srv.incoming_requests() {
            let path = req.url().to_string();
            let ua = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("User-Agent"))
                .map(|h| h.value.to_string())
                .unwrap_or_default();
            if let Ok(mut l) = log.lock() {
                l.push((path.clone(), ua));
            }
            let body = if path == "/robots.txt" {
                ROBOTS.as_bytes().to_vec()
            } else {
                page.clone()
            };
            let len = body.len();
            let _ = req.respond(Response::new(
                StatusCode(200),
                Vec::new(),
                Cursor::new(body),
                Some(len),
                None,
            ));
        }
    });
    Site {
        base: format!("http://127.0.0.1:{port}"),
        seen,
        server,
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("polite_e2e")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn run(list: &Path, out: &Path, extra: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .arg("run")
        .arg(list)
        .arg("--out")
        .arg(out)
        .args([
            "--quiet",
            "--delay-ms",
            "0",
            "--retries",
            "0",
            "--jobs",
            "2",
        ])
        .args(extra)
        .output()
        .expect("run gouji");
    assert!(
        output.status.success(),
        "gouji run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn records(out: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(out.join("reports.jsonl")).expect("reports.jsonl");
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn first_error(rec: &Value) -> (String, String) {
    let e = &rec["errors"][0];
    (
        e["stage"].as_str().unwrap_or_default().to_string(),
        e["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn run_honours_robots_and_ignore_robots_retries_on_resume() {
    let page = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/h01-clean-pingtan-like.html"),
    )
    .expect("h01");
    let site = serve(page);
    let dir = scratch("robots");
    let list = dir.join("list.txt");
    let out = dir.join("out");
    std::fs::write(
        &list,
        format!("{0}/gk/nb2023.html\n{0}/private/nb2023.html\n", site.base),
    )
    .expect("list");

    run(&list, &out, &[]);
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["status"], "ok", "{}", recs[0]);
    assert_eq!(recs[1]["status"], "failed");
    assert_eq!(
        first_error(&recs[1]),
        (
            "fetch".to_string(),
            format!("disallowed by robots.txt ({}/robots.txt)", site.base)
        )
    );
    assert_eq!(site.hits("/private/nb2023.html"), 0);
    assert_eq!(site.hits("/robots.txt"), 1);
    let ua = site.agents();
    assert!(ua.iter().all(|a| a.starts_with("gouji/0.1")), "{ua:?}");

    // Resumed as is: the refusal is final, nothing is asked (robots.txt from the cache).
    run(&list, &out, &[]);
    assert_eq!(records(&out)[1]["status"], "failed");
    assert_eq!(site.hits("/private/nb2023.html"), 0);
    assert_eq!(site.hits("/robots.txt"), 1);

    // Resumed with --ignore-robots: the refused input is fetched, the ok one kept.
    run(&list, &out, &["--ignore-robots"]);
    let recs = records(&out);
    assert_eq!(recs[1]["status"], "ok", "{}", recs[1]);
    assert_eq!(site.hits("/private/nb2023.html"), 1);
    assert_eq!(site.hits("/gk/nb2023.html"), 1);
}

#[test]
fn user_agent_flag_is_sent_and_matched_against_robots() {
    let site = serve(b"<p>x</p>".to_vec());
    let dir = scratch("agent");
    let list = dir.join("list.txt");
    std::fs::write(&list, format!("{}/gk/nb2023.html\n", site.base)).expect("list");
    let out = dir.join("out");
    run(
        &list,
        &out,
        &["--user-agent", "LabBot/1.0 (mailto:lab@example.net)"],
    );
    let recs = records(&out);
    assert_eq!(
        first_error(&recs[0]).1,
        format!("disallowed by robots.txt ({}/robots.txt)", site.base)
    );
    assert_eq!(
        site.agents(),
        vec!["LabBot/1.0 (mailto:lab@example.net)".to_string()]
    );
}
