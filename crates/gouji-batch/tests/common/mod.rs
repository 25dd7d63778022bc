//! Shared fakes for the batch tests.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gouji_batch::Processor;
use gouji_model::{CellValue, Finding, Record, ReportInfo, Source, Status};

/// Deterministic fake: the record depends only on (input, line), so two runs of the
/// same list produce byte-identical outputs.
/// Inputs containing `fail` fail, `partial` are partial, `panic` panic.
pub struct FakeProcessor {
    pub delay: Duration,
    pub calls: AtomicU64,
}

impl FakeProcessor {
    pub fn new(delay: Duration) -> Self {
        FakeProcessor {
            delay,
            calls: AtomicU64::new(0),
        }
    }
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

pub fn cell(row: &str, v: Option<f64>, raw: &str) -> CellValue {
    CellValue {
        table: "requests".into(),
        row: row.into(),
        col: "total".into(),
        value: v,
        raw: raw.into(),
        unit: None,
        at: format!("t1r{row}c7"),
        ocr: false,
        inferred: false,
    }
}

impl Processor for FakeProcessor {
    fn process(&self, input: &str, line: u64) -> Record {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        if input.contains("panic") {
            panic!("fake processor panics on {input}");
        }
        let source = Source {
            input: input.to_string(),
            format: "html".into(),
            ..Source::default()
        };
        if input.contains("fail") {
            return Record::failed(
                source,
                gouji_model::Stage::Fetch,
                format!("HTTP 404 Not Found for {input}"),
            );
        }
        let status = if input.contains("partial") {
            Status::Partial
        } else {
            Status::Ok
        };
        let findings = if line.is_multiple_of(2) {
            vec![finding(
                format!("新收 + 结转 ≠ 办结 + 结转下年, \"line {line}\""),
                12.0,
                11.5,
            )]
        } else {
            Vec::new()
        };
        Record {
            source: Source {
                sha256: Some(format!("{line:064x}")),
                url: Some(format!("http://127.0.0.1/{line}")),
                ..source
            },
            report: ReportInfo {
                agency: Some("某市, \"人民政府\"".into()),
                year: Some(2023),
                template: "gk2021".into(),
                title: None,
            },
            status,
            cells: vec![
                cell("new", Some(line as f64), &line.to_string()),
                cell("carried_in", None, ""),
                cell("carried_out", None, "/"),
            ],
            findings,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// Starts this test binary again running only `test_name`, with `env` set; the named
/// test acts as a child program when it sees the variable.
pub fn spawn_child(test_name: &str, env: &[(&str, String)]) -> Child {
    let exe = std::env::current_exe().expect("current exe");
    let mut cmd = Command::new(exe);
    cmd.args([test_name, "--exact", "--nocapture", "--test-threads", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn child")
}

pub fn count_lines(path: &Path) -> usize {
    std::fs::read(path)
        .map(|b| b.iter().filter(|&&c| c == b'\n').count())
        .unwrap_or(0)
}

pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Built from JSON so that fields added to the model later (all optional) need no
/// change here.
fn finding(message: String, expected: f64, found: f64) -> Finding {
    serde_json::from_value(serde_json::json!({
        "rule": "T3-BAL",
        "severity": "error",
        "table": "requests",
        "col": "total",
        "expected": expected,
        "found": found,
        "message": message,
    }))
    .expect("valid finding")
}
