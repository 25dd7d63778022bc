//! Sharding and merging end to end: the GNU parallel recipe of docs/sharding.md runs 4
//! shards of a list, `gouji merge` joins them, and the result must be the dataset of a
//! single run over the same list, byte for byte, cross-year findings between shards
//! included. Then the refusals of `gouji merge` and the errors of `--shard`.

mod common;

use common::repo;
use gouji_dataset::rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gouji() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gouji"));
    // The tests decide the shard themselves.
    c.env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID");
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The corpus list as absolute paths, without the two scanned PDFs (OCR costs ~10 s a
/// document in a debug build, and this test runs every document twice).
fn corpus_lines() -> Vec<String> {
    let list = std::fs::read_to_string(repo().join("corpus/list.txt")).expect("corpus list");
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("corpus/s0"))
        .map(|l| repo().join(l).display().to_string())
        .collect()
}

/// Corpus report t01 as year `year` of an agency no corpus document has. Both years
/// keep t01's tables, so 2024's 上年结转 (1) is not 2023's 结转下年度 (4): X-CARRY.
fn agency_year(path: &Path, year: i32) {
    let t01 = std::fs::read_to_string(repo().join("corpus/t01-clean-gk2021.txt")).expect("t01");
    let text = t01
        .replace("青禾市生态环境局", "测试市分片局")
        .replace(
            "2023 年政府信息公开工作年度报告",
            &format!("{year} 年政府信息公开工作年度报告"),
        )
        .replace("\n2023年，", &format!("\n{year}年，"))
        .replace("\n2024年，将", &format!("\n{}年，将", year + 1));
    std::fs::write(path, text).expect("write report");
}

/// Two consecutive years whose paths hash to different shards of `n`, found by trying
/// names (the temp dir differs from run to run, and so does the hash).
fn pair_in_different_shards(dir: &Path, n: u32) -> (PathBuf, PathBuf) {
    for i in 0..100 {
        let a = dir.join(format!("pair{i}-2023.txt"));
        let b = dir.join(format!("pair{i}-2024.txt"));
        let (sa, sb) = (
            gouji_batch::shard_of(&a.display().to_string(), n),
            gouji_batch::shard_of(&b.display().to_string(), n),
        );
        if sa != sb {
            agency_year(&a, 2023);
            agency_year(&b, 2024);
            return (a, b);
        }
    }
    panic!("no pair of names in different shards");
}

/// The GNU parallel recipe of docs/sharding.md, as the reader copies it.
fn parallel_recipe() -> String {
    let doc = std::fs::read_to_string(repo().join("docs/sharding.md")).expect("docs/sharding.md");
    let start = doc.find("<!-- parallel-local -->").expect("start marker");
    let end = doc.find("<!-- /parallel-local -->").expect("end marker");
    let block = &doc[start..end];
    let code: Vec<&str> = block
        .lines()
        .skip_while(|l| !l.starts_with("```sh"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(!code.is_empty(), "no sh block between the markers");
    code.join("\n")
}

fn require_gnu_parallel() {
    let v = Command::new("parallel").arg("--version").output();
    let gnu = v.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU parallel"));
    assert!(
        gnu,
        "GNU parallel is not installed (this test runs the recipe of docs/sharding.md): run `make deps-parallel`"
    );
}

fn row_counts(db: &Path) -> Vec<(String, i64)> {
    let conn = Connection::open(db).expect("open sqlite");
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("tables");
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    tables
        .into_iter()
        .map(|t| {
            let n: i64 = conn
                .query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0))
                .expect("count");
            (t, n)
        })
        .collect()
}

#[test]
fn four_shards_merged_equal_one_run() {
    require_gnu_parallel();
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let (y23, y24) = pair_in_different_shards(d, 4);
    let mut lines = corpus_lines();
    // A comment and a blank line: records keep their line in the whole list.
    lines.push("# two years of one agency, in different shards".into());
    lines.push(String::new());
    lines.push(y24.display().to_string());
    lines.push(y23.display().to_string());
    std::fs::write(d.join("list.txt"), lines.join("\n") + "\n").expect("list");

    let single = gouji()
        .current_dir(d)
        .args(["run", "list.txt", "--out", "single", "--quiet"])
        .output()
        .expect("run gouji");
    assert!(single.status.success(), "{}", stderr(&single));

    let bin_dir = Path::new(env!("CARGO_BIN_EXE_gouji"))
        .parent()
        .expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let recipe = parallel_recipe();
    let sharded = Command::new("bash")
        .args(["-c", &recipe])
        .current_dir(d)
        .env("PATH", path)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .expect("run the recipe");
    assert!(sharded.status.success(), "{recipe}\n{}", stderr(&sharded));

    for f in [
        "reports.jsonl",
        "cells.csv",
        "findings.csv",
        "reports.csv",
        "cross_findings.csv",
    ] {
        let a = std::fs::read(d.join("single").join(f)).expect("single output");
        let b = std::fs::read(d.join("merged").join(f)).expect("merged output");
        assert!(a == b, "{f} differs between the single run and the merge");
    }
    let counts = row_counts(&d.join("single/gouji.sqlite"));
    assert!(
        counts.iter().any(|(t, n)| t == "cells" && *n > 10_000),
        "{counts:?}"
    );
    assert_eq!(counts, row_counts(&d.join("merged/gouji.sqlite")));

    // The pair really sits in two shards, and its X-CARRY exists only after the merge.
    let holder = |p: &Path| -> Vec<usize> {
        (0..4)
            .filter(|k| {
                std::fs::read_to_string(d.join(format!("shards/{k}/reports.jsonl")))
                    .expect("shard journal")
                    .contains(&format!("\"input\":\"{}\"", p.display()))
            })
            .collect()
    };
    let (h23, h24) = (holder(&y23), holder(&y24));
    assert!(
        h23.len() == 1 && h24.len() == 1 && h23 != h24,
        "{h23:?} {h24:?}"
    );
    let n = lines.len();
    let cross = std::fs::read_to_string(d.join("merged/cross_findings.csv")).expect("cross");
    let carry: Vec<&str> = cross.lines().filter(|l| l.contains(",X-CARRY,")).collect();
    assert_eq!(carry.len(), 4, "{cross}");
    for l in &carry {
        let cols: Vec<&str> = l.split(',').collect();
        // 2024 is on line n-1, 2023 on line n.
        assert_eq!(
            (cols[1], cols[4], cols[6], cols[8]),
            (&*(n - 1).to_string(), "2024", &*n.to_string(), "2023"),
            "{l}"
        );
    }
    for k in 0..4 {
        let own = std::fs::read_to_string(d.join(format!("shards/{k}/cross_findings.csv")))
            .expect("shard cross");
        assert!(!own.contains("测试市分片局"), "shard {k}: {own}");
    }
    let out = stderr(&sharded);
    assert!(out.contains("gouji merge: 4 directories"), "{out}");
}

/// A small list in `d`: `n` corpus text reports.
fn small_list(d: &Path, name: &str, n: usize) -> PathBuf {
    let lines: Vec<String> = corpus_lines()
        .into_iter()
        .filter(|l| l.ends_with(".txt"))
        .take(n)
        .collect();
    let p = d.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").expect("list");
    p
}

fn run_shard(list: &Path, out: &Path, shard: &str) -> Output {
    gouji()
        .args(["run", "--quiet", "--in-process", "--shard", shard])
        .arg(list)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run gouji")
}

fn merge(out: &Path, dirs: &[&Path]) -> Output {
    gouji()
        .arg("merge")
        .arg(out)
        .args(dirs)
        .output()
        .expect("run gouji merge")
}

fn refused(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(
        stderr(o).contains(needle),
        "expected {needle:?} in:\n{}",
        stderr(o)
    );
}

#[test]
fn merge_refuses_what_does_not_make_one_list() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let list = small_list(d, "list.txt", 8);
    let (s0, s1) = (d.join("s0"), d.join("s1"));
    for (dir, k) in [(&s0, "0/2"), (&s1, "1/2")] {
        let o = run_shard(&list, dir, k);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let ok = merge(&d.join("m"), &[&s1, &s0]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(
        std::fs::read_to_string(d.join("m/reports.jsonl"))
            .expect("merged")
            .lines()
            .count(),
        8
    );
    // Merging again into the same OUT replaces it.
    assert!(merge(&d.join("m"), &[&s0, &s1]).status.success());

    refused(&merge(&d.join("m2"), &[&s0]), "shard 1 of 2 missing");
    refused(&merge(&d.join("m2"), &[&s0, &s0]), "are both shard 0/2");
    refused(&merge(&s0, &[&s0, &s1]), "is also one of the directories");
    std::fs::create_dir_all(d.join("busy")).expect("dir");
    std::fs::write(d.join("busy/notes.txt"), "mine").expect("file");
    refused(&merge(&d.join("busy"), &[&s0, &s1]), "is not empty");
    refused(
        &merge(&d.join("m2"), &[&s0, d]),
        "is not a gouji output directory",
    );

    // Another list: shard 1 of a list with one more line.
    let other = small_list(d, "other.txt", 9);
    let o1 = d.join("o1");
    assert!(run_shard(&other, &o1, "1/2").status.success());
    refused(
        &merge(&d.join("m2"), &[&s0, &o1]),
        "were made from different lists",
    );

    // Another split.
    let t1 = d.join("t1");
    assert!(run_shard(&list, &t1, "1/3").status.success());
    refused(&merge(&d.join("m2"), &[&s0, &t1]), "is shard 0/2 but");

    // An unfinished shard: the meta as a run writes it when it starts (a run killed
    // before its end leaves it so).
    let meta_path = s1.join(".gouji-batch.json");
    let meta = std::fs::read_to_string(&meta_path).expect("meta");
    let mut v: serde_json::Value = serde_json::from_str(&meta).expect("json");
    v.as_object_mut().expect("object").remove("finished");
    std::fs::write(&meta_path, v.to_string()).expect("meta");
    refused(
        &merge(&d.join("m2"), &[&s0, &s1]),
        "holds an unfinished batch (shard 1/2)",
    );
    // Rerunning the shard finishes it again, and the merge goes through.
    assert!(run_shard(&list, &s1, "1/2").status.success());
    assert!(merge(&d.join("m2"), &[&s0, &s1]).status.success());
    assert!(!d.join("m2/.reports.jsonl.merge.tmp").exists());

    // A shard still being written: its run holds the lock from before it writes its
    // meta until after it has finished.
    // (The shard with more lines, so that it runs for a while: 400 ms a document.)
    let text = std::fs::read_to_string(&list).expect("list");
    let ones = text
        .lines()
        .filter(|l| gouji_batch::shard_of(l, 2) == 1)
        .count();
    let (busy, other) = if 2 * ones >= text.lines().count() {
        ("1/2", &s0)
    } else {
        ("0/2", &s1)
    };
    let b1 = d.join("b1");
    let mut child = gouji()
        .args(["run", "--quiet", "--jobs", "1", "--shard", busy, "--out"])
        .arg(&b1)
        .arg(&list)
        .env("GOUJI_WORKER_TEST_DELAY_MS", "400")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn gouji");
    let t = std::time::Instant::now();
    while !b1.join(".gouji-batch.json").exists() && t.elapsed().as_secs() < 20 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    refused(
        &merge(&d.join("m3"), &[other, &b1]),
        "is being written by a running gouji batch",
    );
    assert!(child.wait().expect("wait").success());
    assert!(merge(&d.join("m3"), &[other, &b1]).status.success());
}

#[test]
fn shard_arguments_and_environment() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    let list = small_list(d, "list.txt", 12);
    let run = |extra: &[&str], env: &[(&str, &str)], out: &str| {
        let mut c = gouji();
        c.args(["run", "--quiet", "--in-process"])
            .arg(&list)
            .arg("--out")
            .arg(d.join(out))
            .args(extra);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run gouji")
    };
    refused(
        &run(&["--shard", "4/4"], &[], "a"),
        "bad shard 4/4: shards are numbered from 0, so K must be below 4",
    );
    refused(&run(&["--shard", "x"], &[], "a"), "expected K/N");
    refused(&run(&["--shard", "0/0"], &[], "a"), "bad shard count 0");
    refused(
        &run(&["--shard-count", "4"], &[], "a"),
        "neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID",
    );
    refused(
        &run(
            &["--shard-count", "4"],
            &[("SLURM_ARRAY_TASK_ID", "4")],
            "a",
        ),
        "SLURM_ARRAY_TASK_ID=\"4\" is not a shard index for --shard-count 4",
    );
    refused(
        &run(&["--shard", "1/4", "--shard-count", "4"], &[], "a"),
        "cannot be used with",
    );

    // The index from a Kubernetes Indexed Job, then from a Slurm array task.
    let o = run(
        &["--shard-count", "3"],
        &[("JOB_COMPLETION_INDEX", "2")],
        "k",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gouji batch (shard 2/3)"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &["--shard-count", "3"],
        &[("SLURM_ARRAY_TASK_ID", "1")],
        "s",
    );
    assert!(
        stderr(&o).contains("gouji batch (shard 1/3)"),
        "{}",
        stderr(&o)
    );
    // Every line of the shard, and only those, with its line in the whole list.
    let lines: Vec<String> = std::fs::read_to_string(&list)
        .expect("list")
        .lines()
        .map(str::to_string)
        .collect();
    let want: Vec<u64> = (1..=lines.len() as u64)
        .filter(|&i| gouji_batch::shard_of(&lines[i as usize - 1], 3) == 1)
        .collect();
    let got: Vec<u64> = std::fs::read_to_string(d.join("s/reports.jsonl"))
        .expect("journal")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("record");
            v["source"]["line"].as_u64().expect("line")
        })
        .collect();
    assert_eq!(got, want);

    // A shard's directory resumes only as that shard.
    refused(
        &run(&["--shard", "0/3"], &[], "s"),
        "holds results of shard 1/3 but this run is shard 0/3",
    );
    refused(
        &run(&[], &[], "s"),
        "holds results of shard 1/3 but this run is over the whole list",
    );
    let again = run(&["--shard", "1/3"], &[], "s");
    assert!(again.status.success(), "{}", stderr(&again));
}
