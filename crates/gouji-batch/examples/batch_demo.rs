//! A fake batch for trying the runner by hand and measuring it:
//!
//! ```text
//! cargo run -p gouji-batch --example batch_demo -- LIST OUT_DIR [--jobs N] [--delay-ms N]
//! ```
//!
//! Inputs containing `fail` produce failed records, inputs containing `panic` panic;
//! every other input yields an `ok` record with three cells and, for every third line,
//! a finding. At the end the peak RSS (VmHWM) is printed on stdout.

use std::path::PathBuf;
use std::time::Duration;

use gouji_batch::{BatchOptions, Processor, run_batch};
use gouji_model::{CellValue, Finding, Record, ReportInfo, Source, Status};

struct Demo {
    delay: Duration,
}

impl Processor for Demo {
    fn process(&self, input: &str, line: u64) -> Record {
        std::thread::sleep(self.delay);
        if input.contains("panic") {
            panic!("demo panic on {input}");
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
        let cells = ["new", "carried_in", "carried_out"]
            .iter()
            .enumerate()
            .map(|(i, row)| CellValue {
                table: "requests".into(),
                row: (*row).into(),
                col: "total".into(),
                value: Some((line * 10 + i as u64) as f64),
                raw: format!("{}", line * 10 + i as u64),
                unit: None,
                at: format!("t1r{i}c7"),
                ocr: false,
                inferred: false,
            })
            .collect();
        let findings = if line.is_multiple_of(3) {
            vec![finding(
                format!("demo finding on line {line}, with a \"quote\", and a comma"),
                1.0,
                2.0,
            )]
        } else {
            Vec::new()
        };
        Record {
            source: Source {
                sha256: Some(format!("{line:064x}")),
                ..source
            },
            report: ReportInfo {
                agency: Some("示例区人民政府".into()),
                year: Some(2023),
                template: "gk2021".into(),
                title: None,
            },
            status: Status::Ok,
            cells,
            findings,
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut options = BatchOptions::default();
    let mut delay = Duration::ZERO;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--jobs" => options.jobs = args.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            "--delay-ms" => {
                delay = Duration::from_millis(args.next().and_then(|v| v.parse().ok()).unwrap_or(0))
            }
            _ => positional.push(PathBuf::from(a)),
        }
    }
    let [list, out] = positional.as_slice() else {
        eprintln!("usage: batch_demo LIST OUT_DIR [--jobs N] [--delay-ms N]");
        std::process::exit(2);
    };
    match run_batch(list, out, &Demo { delay }, &options) {
        Ok(_) => {
            println!("peak_rss_kib={}", peak_rss_kib().unwrap_or(0));
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
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
