//! The `gouji` binary: output modes and exit codes.

mod common;

use common::repo;
use std::process::Command;

fn gouji() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gouji"))
}

#[test]
fn json_lines_one_record_per_input() {
    let out = gouji()
        .args(["extract", "--json"])
        .arg(repo().join("corpus/t01-clean-gk2021.txt"))
        .arg(repo().join("corpus/t08-t3-bal.txt"))
        .output()
        .expect("run gouji");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).expect("json line");
        assert!(v["cells"].as_array().is_some_and(|c| c.len() == 200));
    }
    assert_eq!(out.status.code(), Some(1), "T3-BAL is an error");
}

#[test]
fn exit_zero_without_errors_and_summary_on_stdout() {
    let out = gouji()
        .arg("extract")
        .arg(repo().join("corpus/t01-clean-gk2021.txt"))
        .output()
        .expect("run gouji");
    assert_eq!(out.status.code(), Some(0));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("template gk2021"), "{s}");
    assert!(s.contains("requests (175 cells)"), "{s}");
}

#[test]
fn unreadable_input_exits_two_and_still_yields_a_record() {
    let out = gouji()
        .args(["extract", "--json", "/nonexistent/report.pdf"])
        .output()
        .expect("run gouji");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("record");
    assert_eq!(v["status"], "failed");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot read"))
    );
}

#[test]
fn help_has_examples() {
    let out = gouji()
        .args(["extract", "--help"])
        .output()
        .expect("run gouji");
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("Examples:") && s.contains("--json"), "{s}");
}
