//! Every record of the synthetic corpus (and of the real reports beside the checkout)
//! validates against docs/record.schema.json, and whole numbers are JSON integers.

// Test helpers may unwrap: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use gouji::pipeline::{Options, process_path};
use regex::Regex;
use std::path::PathBuf;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn corpus_records_match_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/record.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // `84.0` would be a valid JSON Schema integer; the text must say `84`.
    let float_int = Regex::new(r#""(value|expected|found)":-?\d+\.0\b"#).unwrap();
    let mut dirs = vec![repo().join("corpus")];
    let real = repo().join("../shared/corpus/real");
    if real.is_dir() {
        dirs.push(real);
    }
    let mut n = 0;
    for dir in dirs {
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e != "md"))
            .collect();
        paths.sort();
        for p in paths {
            let rec = process_path(&p, &Options::default());
            let text = serde_json::to_string(&rec).unwrap();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{} at {}", e, e.instance_path))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", p.display());
            assert!(
                !float_int.is_match(&text),
                "{}: a whole number written as a float",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 50, "only {n} records");
}
