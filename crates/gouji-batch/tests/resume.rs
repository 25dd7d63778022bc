//! Kill a batch with SIGKILL at several moments, rerun it, and compare with an
//! uninterrupted run. The batch runs in a separate process: this test binary started
//! again in "child" mode (see `child_batch`).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{FakeProcessor, count_lines, spawn_child};
use gouji_batch::{BatchOptions, run_batch};

const CHILD_ENV: &str = "GOUJI_BATCH_TEST_CHILD";

/// Child mode: runs one batch described by `CHILD_ENV` (`LIST\tOUT`) and exits.
/// Without the variable this is an empty test.
#[test]
fn child_batch() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (list, out) = spec.split_once('\t').expect("LIST\\tOUT");
    let p = FakeProcessor::new(Duration::from_millis(15));
    let opts = BatchOptions {
        jobs: 3,
        progress: false,
        print_summary: false,
        // These kills hit the runner, not a document: without isolation, an input in
        // flight at two kills would count as a document that crashed the process twice
        // and get a final failed record, which is not what this test is about.
        isolated: true,
        ..BatchOptions::default()
    };
    run_batch(Path::new(list), Path::new(out), &p, &opts).expect("child batch");
}

fn child(list: &Path, out: &Path) -> std::process::Child {
    spawn_child(
        "child_batch",
        &[(CHILD_ENV, format!("{}\t{}", list.display(), out.display()))],
    )
}

fn run_to_end(list: &Path, out: &Path) {
    let status = child(list, out).wait().expect("wait");
    assert!(status.success(), "child failed: {status:?}");
}

/// Starts a run and SIGKILLs it once the journal has `after_records` lines (0: right
/// after start). Returns the journal length seen at the kill.
fn run_and_kill(list: &Path, out: &Path, after_records: usize) -> usize {
    let mut c = child(list, out);
    let journal = out.join("reports.jsonl");
    let t0 = Instant::now();
    while count_lines(&journal) < after_records && t0.elapsed() < Duration::from_secs(20) {
        if c.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = c.kill();
    let _ = c.wait();
    count_lines(&journal)
}

/// Line numbers of the complete records in the journal.
fn journal_lines(out: &Path) -> Vec<u64> {
    let text = std::fs::read(out.join("reports.jsonl")).unwrap_or_default();
    let complete = match text.iter().rposition(|&b| b == b'\n') {
        Some(i) => &text[..=i],
        None => &text[..0],
    };
    String::from_utf8_lossy(complete)
        .lines()
        .map(|l| {
            serde_json::from_str::<gouji_model::Record>(l)
                .expect("complete journal lines are records")
                .source
                .line
                .expect("line")
        })
        .collect()
}

fn outputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    ["reports.jsonl", "cells.csv", "findings.csv"]
        .iter()
        .map(|f| {
            (
                PathBuf::from(f),
                std::fs::read(dir.join(f)).expect("output"),
            )
        })
        .collect()
}

#[test]
fn killed_runs_resume_to_the_same_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    let mut text = String::from("# resume test\n");
    for i in 1..=90u64 {
        let kind = match i % 17 {
            0 => "fail",
            5 => "partial",
            11 => "panic",
            _ => "doc",
        };
        text.push_str(&format!("http://127.0.0.1/{kind}/{i}\n"));
        if i.is_multiple_of(10) {
            text.push('\n');
        }
    }
    std::fs::write(&list, text).expect("list");

    let reference = dir.path().join("reference");
    run_to_end(&list, &reference);

    let resumed = dir.path().join("resumed");
    let mut seen = Vec::new();
    for after in [0, 7, 30, 31, 60, 90] {
        seen.push(run_and_kill(&list, &resumed, after));
    }
    run_to_end(&list, &resumed);
    eprintln!("journal lines at each kill: {seen:?}");
    // The kills must actually have interrupted work for the test to mean anything.
    assert!(seen.iter().any(|&n| n > 0 && n < 90), "{seen:?}");

    let a = outputs(&reference);
    let b = outputs(&resumed);
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{} differs after resume", name.display());
    }
    // Every input line exactly once, in list order.
    let lines: Vec<u64> = String::from_utf8_lossy(&b[0].1)
        .lines()
        .map(|l| {
            serde_json::from_str::<gouji_model::Record>(l)
                .expect("record")
                .source
                .line
                .expect("line")
        })
        .collect();
    let mut expected = Vec::new();
    let mut n = 1u64;
    for i in 1..=90u64 {
        n += 1;
        expected.push(n);
        if i.is_multiple_of(10) {
            n += 1;
        }
    }
    assert_eq!(lines, expected);
}

#[test]
fn kills_at_arbitrary_moments_never_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("list.txt");
    let text: String = (1..=60)
        .map(|i| format!("http://127.0.0.1/doc/{i}\n"))
        .collect();
    std::fs::write(&list, text).expect("list");
    let out = dir.path().join("out");
    // Fixed delays spread over a whole run (about 60 × 15 ms / 3 jobs ≈ 300 ms plus
    // process start), so kills land before, during and after the work and the
    // finalisation.
    let mut at_kill = Vec::new();
    for delay_ms in [3u64, 25, 60, 90, 130, 170, 220, 280, 350, 450] {
        let mut c = child(&list, &out);
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = c.kill();
        let _ = c.wait();
        let mut lines = journal_lines(&out);
        at_kill.push(lines.len());
        let n = lines.len();
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(
            lines.len(),
            n,
            "duplicate record after a kill at {delay_ms} ms"
        );
    }
    eprintln!("records after each kill: {at_kill:?}");
    run_to_end(&list, &out);
    assert_eq!(journal_lines(&out), (1..=60).collect::<Vec<u64>>());
    let cells = std::fs::read_to_string(out.join("cells.csv")).expect("cells");
    assert_eq!(cells.lines().count(), 1 + 60 * 3);
}
