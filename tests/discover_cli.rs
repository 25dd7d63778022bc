//! `gouji discover` with the real binary on the synthetic site of
//! crates/gouji-discover/tests/site (127.0.0.1 only): the list output is what
//! `gouji run` reads (`# title (year)` comments, one URL per line), `--json` gives
//! {"url","title","year"} lines, duplicates across start pages are printed once.

#[path = "../crates/gouji-discover/tests/site/mod.rs"]
mod site;

use std::process::{Command, Output};

fn discover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gouji"))
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .arg("discover")
        .args(["--delay-ms", "0", "--retries", "0"])
        .args(args)
        .output()
        .expect("run gouji discover")
}

#[test]
fn list_and_json_outputs() {
    let site = site::serve();
    let (a, b, c) = (
        site.url(site::start('a')),
        site.url(site::start('b')),
        site.url(site::start('c')),
    );
    // `a` twice: its reports are printed once.
    let out = discover(&[&a, &b, &c, &a]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let urls: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    let mut want: Vec<String> = ['a', 'b', 'c']
        .iter()
        .flat_map(|l| site::expected(*l))
        .map(|(p, _, _)| site.url(p))
        .collect();
    let mut got: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want, "{text}");
    assert!(
        text.contains("# 某某市交通运输局2023年政府信息公开工作年度报告 (2023)\n"),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("5 report links on 4 pages"), "{stderr}");

    // `gouji run` takes the list as it is: one record per URL (they 404 here).
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("discover_cli");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch");
    std::fs::write(dir.join("list.txt"), &text).expect("list");
    let run = Command::new(env!("CARGO_BIN_EXE_gouji"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .arg("run")
        .arg(dir.join("list.txt"))
        .arg("--out")
        .arg(dir.join("out"))
        .args([
            "--quiet",
            "--delay-ms",
            "0",
            "--retries",
            "0",
            "--in-process",
        ])
        .output()
        .expect("run gouji run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let journal = std::fs::read_to_string(dir.join("out/reports.jsonl")).expect("journal");
    assert_eq!(journal.lines().count(), want.len());

    let out = discover(&["--json", &b]);
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        serde_json::json!({"url": site.url("/b/detail.jsp?id=101"),
                           "title": "2023年度政府信息公开工作年度报告", "year": 2023})
    );

    // An unreadable start page: exit 2, the others still printed.
    let out = discover(&[&site.url("/missing/"), &c]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
}
