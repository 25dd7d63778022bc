//! Peak memory does not grow with the list: a 20 000-line batch peaks within a few MB
//! of a 2 000-line one. Each batch runs in its own process (this test binary in child
//! mode) so VmHWM measures that batch alone.

mod common;

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use common::{FakeProcessor, peak_rss_kib, spawn_child};
use gouji_batch::{BatchOptions, run_batch};

const CHILD_ENV: &str = "GOUJI_BATCH_MEMORY_CHILD";

#[test]
fn child_memory() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (list, out) = spec.split_once('\t').expect("LIST\\tOUT");
    let p = FakeProcessor::new(Duration::ZERO);
    let opts = BatchOptions {
        jobs: 2,
        progress: false,
        print_summary: false,
        ..BatchOptions::default()
    };
    let s = run_batch(Path::new(list), Path::new(out), &p, &opts).expect("batch");
    println!(
        "MEASURE records={} peak_rss_kib={} secs={:.2}",
        s.records,
        peak_rss_kib().unwrap_or(0),
        s.elapsed.as_secs_f64()
    );
}

fn measure(dir: &Path, n: usize) -> (u64, u64) {
    let list = dir.join(format!("list{n}.txt"));
    let text: String = (1..=n)
        .map(|i| format!("http://127.0.0.1/report/{i}.pdf\n"))
        .collect();
    std::fs::write(&list, text).expect("list");
    let out = dir.join(format!("out{n}"));
    let mut c = spawn_child(
        "child_memory",
        &[(CHILD_ENV, format!("{}\t{}", list.display(), out.display()))],
    );
    let mut stdout = String::new();
    c.stdout
        .take()
        .expect("piped")
        .read_to_string(&mut stdout)
        .expect("read");
    assert!(c.wait().expect("wait").success());
    let line = stdout
        .lines()
        .find_map(|l| l.find("MEASURE").map(|i| &l[i..]))
        .expect("measurement line");
    eprintln!("{n} inputs: {line}");
    let field = |k: &str| -> u64 {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(k))
            .and_then(|v| v.parse().ok())
            .expect("field")
    };
    (field("records="), field("peak_rss_kib="))
}

#[test]
fn peak_memory_is_flat_in_list_length() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (r_small, small) = measure(dir.path(), 2_000);
    let (r_big, big) = measure(dir.path(), 20_000);
    assert_eq!((r_small, r_big), (2_000, 20_000));
    assert!(big > 0 && small > 0, "VmHWM not available");
    // 18 000 more records (~10 MB more JSON) may cost at most 6 MB more peak RSS.
    assert!(
        big < small + 6 * 1024,
        "peak RSS grew from {small} KiB to {big} KiB"
    );
}
