//! Batch runs with fake processors, offline.

mod common;

use std::collections::HashMap;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::FakeProcessor;
use gouji_batch::{BatchError, BatchOptions, CELLS_HEADER, FINDINGS_HEADER, Processor, run_batch};
use gouji_fetch::{Fetch, FetchOptions, HttpFetcher, sha256_hex};
use gouji_model::{CellValue, Record, ReportInfo, Source, Status};

fn opts(jobs: usize) -> BatchOptions {
    BatchOptions {
        jobs,
        progress: false,
        print_summary: false,
        ..BatchOptions::default()
    }
}

fn read_records(dir: &Path) -> Vec<Record> {
    std::fs::read_to_string(dir.join("reports.jsonl"))
        .expect("reports.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("valid record"))
        .collect()
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn mixed_inputs_yield_one_record_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        "# reports to check\nhttp://a/ok1\n\nhttp://a/fail1\nhttp://a/partial1\n  # indented comment\nhttp://a/panic1\nhttp://a/ok2\n",
    )
    .expect("list");
    let out = dir.path().join("out");
    let p = FakeProcessor::new(Duration::ZERO);
    let s = run_batch(&list, &out, &p, &opts(3)).expect("batch");
    assert_eq!((s.inputs, s.processed, s.resumed, s.records), (5, 5, 0, 5));
    assert_eq!((s.ok, s.partial, s.failed, s.panicked), (2, 1, 2, 1));

    let recs = read_records(&out);
    let got: Vec<(Option<u64>, &str, Status)> = recs
        .iter()
        .map(|r| (r.source.line, r.source.input.as_str(), r.status))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(2), "http://a/ok1", Status::Ok),
            (Some(4), "http://a/fail1", Status::Failed),
            (Some(5), "http://a/partial1", Status::Partial),
            (Some(7), "http://a/panic1", Status::Failed),
            (Some(8), "http://a/ok2", Status::Ok),
        ]
    );
    let panicked = &recs[3];
    assert_eq!(panicked.errors[0].stage.as_str(), "internal");
    assert!(panicked.errors[0].message.contains("fake processor panics"));

    let (header, cells) = read_csv(&out.join("cells.csv"));
    assert_eq!(header, CELLS_HEADER);
    // 3 cells for each of the 3 non-failed records.
    assert_eq!(cells.len(), 9);
    assert_eq!(cells[0][0], format!("{:064x}", 2));
    assert_eq!(cells[0][1], "2");
    assert_eq!(cells[0][4], "某市, \"人民政府\"");
    assert_eq!(cells[0][10], "2");
    assert_eq!((cells[1][10].as_str(), cells[1][11].as_str()), ("", ""));
    assert_eq!((cells[2][10].as_str(), cells[2][11].as_str()), ("", "/"));

    let (header, findings) = read_csv(&out.join("findings.csv"));
    assert_eq!(header, FINDINGS_HEADER);
    // Findings on even lines among non-failed records: 2 and 8.
    let lines: Vec<&str> = findings.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(lines, vec!["2", "8"]);
    assert_eq!(findings[0][5], "T3-BAL");
    assert_eq!(findings[0][10], "12");
    assert_eq!(findings[0][11], "11.5");
    assert!(findings[0][12].contains("\"line 2\""));
    assert_eq!(s.findings_by_rule.get("T3-BAL"), Some(&2));

    // A rerun of a finished batch processes nothing and rewrites identical outputs.
    let before: Vec<Vec<u8>> = ["reports.jsonl", "cells.csv", "findings.csv"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).expect("read"))
        .collect();
    let p2 = FakeProcessor::new(Duration::ZERO);
    let s2 = run_batch(&list, &out, &p2, &opts(2)).expect("rerun");
    assert_eq!((s2.processed, s2.resumed, s2.records), (0, 5, 5));
    assert_eq!(p2.calls(), 0);
    let after: Vec<Vec<u8>> = ["reports.jsonl", "cells.csv", "findings.csv"]
        .iter()
        .map(|f| std::fs::read(out.join(f)).expect("read"))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn torn_journal_is_repaired_and_only_missing_lines_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    let inputs: Vec<String> = (1..=6).map(|i| format!("http://a/doc{i}")).collect();
    std::fs::write(&list, inputs.join("\n")).expect("list");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    // Lines 5 and 2 done by a killed run (out of order), line 3 torn mid-write.
    let p = FakeProcessor::new(Duration::ZERO);
    let mut journal = String::new();
    for line in [5u64, 2] {
        let mut r = p.process(&inputs[line as usize - 1], line);
        r.source.line = Some(line);
        journal.push_str(&serde_json::to_string(&r).expect("json"));
        journal.push('\n');
    }
    let mut torn = p.process(&inputs[2], 3);
    torn.source.line = Some(3);
    let torn = serde_json::to_string(&torn).expect("json");
    journal.push_str(&torn[..torn.len() / 2]);
    std::fs::write(out.join("reports.jsonl"), journal).expect("journal");

    let p = FakeProcessor::new(Duration::ZERO);
    let s = run_batch(&list, &out, &p, &opts(2)).expect("batch");
    assert_eq!((s.resumed, s.processed, s.records), (2, 4, 6));
    assert_eq!(p.calls(), 4);
    let lines: Vec<Option<u64>> = read_records(&out).iter().map(|r| r.source.line).collect();
    assert_eq!(lines, (1..=6).map(Some).collect::<Vec<_>>());
}

#[test]
fn second_concurrent_run_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "x\n").expect("list");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("mkdir");
    let lock = std::fs::File::create(out.join(".gouji-batch.lock")).expect("lock file");
    lock.try_lock().expect("test takes the lock");
    let err =
        run_batch(&list, &out, &FakeProcessor::new(Duration::ZERO), &opts(1)).expect_err("locked");
    assert!(matches!(err, BatchError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("already writing"), "{err}");
}

#[test]
fn missing_list_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = run_batch(
        &dir.path().join("nope.txt"),
        &dir.path().join("out"),
        &FakeProcessor::new(Duration::ZERO),
        &opts(1),
    )
    .expect_err("no list");
    assert!(err.to_string().starts_with("cannot read list "), "{err}");
}

/// A processor like the real pipeline's first stage: fetch, then a record carrying the
/// document's hash and a format guessed from the content type.
struct FetchingProcessor<F> {
    fetcher: F,
}

impl<F: Fetch> Processor for FetchingProcessor<F> {
    fn process(&self, input: &str, _line: u64) -> Record {
        let source = Source {
            input: input.to_string(),
            format: "unknown".into(),
            ..Source::default()
        };
        match self.fetcher.fetch(input) {
            Err(e) => Record::failed(source, gouji_model::Stage::Fetch, e.to_string()),
            Ok(f) => {
                let format = match f.content_type.as_deref() {
                    Some(ct) if ct.starts_with("application/pdf") => "pdf",
                    Some(ct) if ct.starts_with("text/html") => "html",
                    _ => "unknown",
                };
                Record {
                    source: Source {
                        url: f.final_url.clone(),
                        sha256: Some(f.sha256.clone()),
                        format: format.into(),
                        ..source
                    },
                    report: ReportInfo {
                        template: "gk2021".into(),
                        ..ReportInfo::default()
                    },
                    status: Status::Ok,
                    cells: vec![CellValue {
                        table: "requests".into(),
                        row: "new".into(),
                        col: "total".into(),
                        value: Some(f.bytes.len() as f64),
                        raw: f.bytes.len().to_string(),
                        unit: None,
                        at: "L1:1".into(),
                        ocr: false,
                        inferred: false,
                    }],
                    findings: Vec::new(),
                    errors: Vec::new(),
                    warnings: Vec::new(),
                }
            }
        }
    }
}

#[test]
fn fetching_processor_over_loopback_server() {
    let docs: Arc<HashMap<&str, (&str, &[u8])>> = Arc::new(HashMap::from([
        ("/a.pdf", ("application/pdf", &b"%PDF-1.7 a"[..])),
        (
            "/b.html",
            ("text/html; charset=gbk", &b"<p>\xd5\xfe</p>"[..]),
        ),
        ("/c.pdf", ("application/pdf", &b"%PDF-1.4 c"[..])),
    ]));
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
    let port = match server.server_addr().to_ip() {
        Some(SocketAddr::V4(a)) => a.port(),
        other => panic!("unexpected address {other:?}"),
    };
    {
        let server = server.clone();
        let docs = docs.clone();
        std::thread::spawn(move || {
            for req in server.incoming_requests() {
                let (status, ct, body) = match docs.get(req.url()) {
                    Some((ct, body)) => (200, *ct, body.to_vec()),
                    None => (404, "text/plain", b"no".to_vec()),
                };
                let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], ct.as_bytes())
                    .expect("header");
                let len = body.len();
                let _ = req.respond(tiny_http::Response::new(
                    tiny_http::StatusCode(status),
                    vec![header],
                    Cursor::new(body),
                    Some(len),
                    None,
                ));
            }
        });
    }
    let base = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        format!("{base}/a.pdf\n{base}/missing.pdf\n{base}/b.html\n{base}/c.pdf\n"),
    )
    .expect("list");
    let fetcher = HttpFetcher::new(FetchOptions {
        per_host_delay: Duration::ZERO,
        per_host_concurrency: 4,
        use_env_proxy: false,
        retries: 0,
        ..FetchOptions::default()
    })
    .expect("fetcher");
    let out = dir.path().join("out");
    let s = run_batch(&list, &out, &FetchingProcessor { fetcher }, &opts(3)).expect("batch");
    server.unblock();
    assert_eq!((s.ok, s.failed), (3, 1));

    let recs = read_records(&out);
    assert_eq!(recs.len(), 4);
    assert_eq!(
        recs[0].source.sha256.as_deref(),
        Some(sha256_hex(b"%PDF-1.7 a").as_str())
    );
    assert_eq!(recs[0].source.format, "pdf");
    assert_eq!(recs[2].source.format, "html");
    let missing = format!("{base}/missing.pdf");
    assert_eq!(recs[1].status, Status::Failed);
    assert_eq!(
        recs[1].errors[0].message,
        format!("HTTP 404 Not Found for {missing}")
    );

    let (_, cells) = read_csv(&out.join("cells.csv"));
    let ids: Vec<&str> = cells.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        ids,
        vec![
            sha256_hex(b"%PDF-1.7 a").as_str(),
            sha256_hex(b"<p>\xd5\xfe</p>").as_str(),
            sha256_hex(b"%PDF-1.4 c").as_str()
        ]
    );
    // A failed record's id is the hash of its input.
    assert_eq!(
        gouji_batch::report_id(&recs[1]),
        sha256_hex(missing.as_bytes())
    );
}

#[test]
fn appended_list_resumes_edited_list_is_refused_restart_discards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    let out = dir.path().join("out");
    std::fs::write(&list, "http://a/1\nhttp://a/2\n").expect("list");
    run_batch(&list, &out, &FakeProcessor::new(Duration::ZERO), &opts(2)).expect("first");

    // Appending lines extends the batch: only the new line runs.
    std::fs::write(&list, "http://a/1\nhttp://a/2\nhttp://a/3\n").expect("append");
    let p = FakeProcessor::new(Duration::ZERO);
    let s = run_batch(&list, &out, &p, &opts(2)).expect("appended");
    assert_eq!((s.resumed, s.processed, s.records, p.calls()), (2, 1, 3, 1));

    // Editing a line would attach old records to the wrong inputs: refused.
    std::fs::write(&list, "http://a/1\nhttp://b/2\nhttp://a/3\n").expect("edit");
    let err = run_batch(&list, &out, &FakeProcessor::new(Duration::ZERO), &opts(2))
        .expect_err("edited list");
    assert!(matches!(err, BatchError::ListChanged { .. }), "{err:?}");
    assert!(err.to_string().contains("different list"), "{err}");

    let p = FakeProcessor::new(Duration::ZERO);
    let restart = BatchOptions {
        restart: true,
        ..opts(2)
    };
    let s = run_batch(&list, &out, &p, &restart).expect("restart");
    assert_eq!((s.resumed, s.processed, s.records, p.calls()), (0, 3, 3, 3));
    let inputs: Vec<String> = read_records(&out)
        .into_iter()
        .map(|r| r.source.input)
        .collect();
    assert_eq!(inputs, vec!["http://a/1", "http://b/2", "http://a/3"]);
}

#[test]
fn closures_are_processors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "a\nb\n").expect("list");
    let process = |input: &str, _line: u64| {
        Record::failed(
            Source {
                input: input.into(),
                format: "unknown".into(),
                ..Source::default()
            },
            gouji_model::Stage::Fetch,
            "offline",
        )
    };
    let s = run_batch(&list, &dir.path().join("out"), &process, &opts(1)).expect("batch");
    assert_eq!((s.records, s.failed), (2, 2));
}
