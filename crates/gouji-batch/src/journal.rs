//! The journal (`reports.jsonl` while a batch runs): recovery after a kill, and appends.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use serde::Deserialize;

use crate::{BatchError, Processed};

/// Just enough of a record to know which list line it answers.
#[derive(Deserialize)]
pub(crate) struct Probe {
    pub source: ProbeSource,
}

#[derive(Deserialize)]
pub(crate) struct ProbeSource {
    #[serde(default)]
    pub line: Option<u64>,
}

/// The line number a journal line answers, if it is a well-formed record line.
pub(crate) fn probe_line(json: &[u8]) -> Option<u64> {
    serde_json::from_slice::<Probe>(json).ok()?.source.line
}

/// A set of list line numbers as a bitset: 1 bit per list line, so a million-line list
/// costs 125 KB however many records are done.
pub(crate) struct LineSet {
    words: Vec<u64>,
    max: u64,
}

impl LineSet {
    pub(crate) fn new(max: u64) -> Self {
        let n = usize::try_from(max / 64 + 1).unwrap_or(usize::MAX);
        LineSet {
            words: vec![0; n],
            max,
        }
    }

    /// Inserts `line`; false if it was already present or out of range.
    pub(crate) fn insert(&mut self, line: u64) -> bool {
        if line == 0 || line > self.max {
            return false;
        }
        let (w, b) = ((line / 64) as usize, line % 64);
        let Some(word) = self.words.get_mut(w) else {
            return false;
        };
        let fresh = *word & (1 << b) == 0;
        *word |= 1 << b;
        fresh
    }

    pub(crate) fn contains(&self, line: u64) -> bool {
        let (w, b) = ((line / 64) as usize, line % 64);
        self.words.get(w).is_some_and(|word| word & (1 << b) != 0)
    }
}

/// Opens the journal, cutting off a torn last line (a write interrupted by a kill), and
/// returns it ready for appending with the set of lines already answered, their count,
/// and how many records `retry` asked to process again. Those records are removed from
/// the journal (through a temp file renamed over it), so their new record is the only one.
pub(crate) fn recover(
    path: &Path,
    max_line: u64,
    retry: &dyn Fn(&[u8]) -> bool,
) -> Result<(File, LineSet, u64, u64), BatchError> {
    let out_err = |source| BatchError::Output {
        path: path.to_path_buf(),
        source,
    };
    let mut done = LineSet::new(max_line);
    let mut count = 0u64;
    let mut retried = 0u64;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(out_err)?;
    let mut reader = BufReader::new(&file);
    let mut buf = Vec::new();
    let mut good_end = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(out_err)?;
        if n == 0 {
            break;
        }
        if buf.last() != Some(&b'\n') {
            // Torn tail: everything before it is complete.
            break;
        }
        good_end += n as u64;
        let Some(line) = probe_line(&buf) else {
            continue;
        };
        if done.contains(line) {
            continue;
        }
        if retry(&buf) {
            retried += 1;
        } else {
            done.insert(line);
            count += 1;
        }
    }
    drop(reader);
    if file.metadata().map_err(out_err)?.len() > good_end {
        file.set_len(good_end).map_err(out_err)?;
        file.sync_all().map_err(out_err)?;
    }
    drop(file);
    if retried > 0 {
        drop_retried(path, &done)?;
    }
    let append = OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(out_err)?;
    Ok((append, done, count, retried))
}

/// Rewrites the journal keeping only the lines whose list line is in `done` (streamed,
/// through a temp file renamed over it: a kill leaves the old journal, whose retried
/// records are simply retried again).
fn drop_retried(path: &Path, done: &LineSet) -> Result<(), BatchError> {
    let tmp = path.with_extension("jsonl.retry.tmp");
    let rewrite = || -> std::io::Result<()> {
        let mut reader = BufReader::new(File::open(path)?);
        let mut w = std::io::BufWriter::new(File::create(&tmp)?);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            if reader.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            if probe_line(&buf).is_some_and(|l| done.contains(l)) {
                w.write_all(&buf)?;
            }
        }
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    rewrite().map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        BatchError::Output {
            path: path.to_path_buf(),
            source,
        }
    })
}

/// How often each input still without a record was started by earlier runs, from the
/// notes in `started.log` (one line number per line). Only inputs not in `done` are
/// counted, so the map holds at most a few entries per interrupted run.
pub(crate) fn read_started(path: &Path, done: &LineSet) -> HashMap<u64, u32> {
    let mut counts = HashMap::new();
    let Ok(f) = File::open(path) else {
        return counts;
    };
    for line in BufReader::new(f).lines() {
        let Ok(line) = line else { break };
        if let Ok(n) = line.trim().parse::<u64>()
            && !done.contains(n)
        {
            *counts.entry(n).or_insert(0) += 1;
        }
    }
    counts
}

/// Appends one record as one line with a single `write_all` on an unbuffered file, so
/// the line is in the kernel (and survives a SIGKILL of this process) before the next
/// record is taken; a kill mid-write leaves a torn line that [`recover`] cuts off.
pub(crate) fn append(file: &mut File, path: &Path, rec: &Processed) -> Result<(), BatchError> {
    let encoded;
    let line: &[u8] = match rec {
        Processed::Record(rec) => {
            let mut buf = serde_json::to_vec(rec).map_err(|e| BatchError::Output {
                path: path.to_path_buf(),
                source: std::io::Error::other(e),
            })?;
            buf.push(b'\n');
            encoded = buf;
            &encoded
        }
        Processed::Encoded { line, .. } => line,
    };
    file.write_all(line).map_err(|source| BatchError::Output {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoded_record_is_the_same_line_as_a_serialized_one() {
        let rec = gouji_model::Record::failed(
            gouji_model::Source {
                input: "a.pdf".into(),
                format: "pdf".into(),
                line: Some(3),
                ..Default::default()
            },
            gouji_model::Stage::Fetch,
            "gone",
        );
        let mut line = serde_json::to_vec(&rec).unwrap();
        line.push(b'\n');
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, p: &Processed| {
            let path = dir.path().join(name);
            let mut f = File::create(&path).unwrap();
            append(&mut f, &path, p).unwrap();
            std::fs::read(&path).unwrap()
        };
        let a = write("a", &Processed::Record(Box::new(rec)));
        let b = write(
            "b",
            &Processed::Encoded {
                line,
                status: gouji_model::Status::Failed,
            },
        );
        assert_eq!(a, b);
    }

    #[test]
    fn retried_records_leave_the_journal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("j.jsonl");
        std::fs::write(
            &p,
            "{\"source\":{\"line\":1}}\n{\"source\":{\"line\":2},\"x\":1}\n",
        )
        .expect("write");
        let (_, done, n, retried) =
            recover(&p, 10, &|json| json.windows(3).any(|w| w == b"\"x\"")).expect("recover");
        assert_eq!((n, retried), (1, 1));
        assert!(done.contains(1) && !done.contains(2));
        assert_eq!(
            std::fs::read_to_string(&p).expect("read"),
            "{\"source\":{\"line\":1}}\n"
        );
    }

    #[test]
    fn lineset_bounds() {
        let mut s = LineSet::new(130);
        assert!(s.insert(1));
        assert!(!s.insert(1));
        assert!(s.insert(130));
        assert!(!s.insert(131));
        assert!(!s.insert(0));
        assert!(s.contains(130) && s.contains(1) && !s.contains(2) && !s.contains(10_000));
    }

    #[test]
    fn torn_tail_is_cut() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("j.jsonl");
        std::fs::write(
            &p,
            "{\"source\":{\"line\":2}}\nnot json\n{\"source\":{\"line\":5}}\n{\"source\":{\"li",
        )
        .expect("write");
        let (_, done, n, _) = recover(&p, 10, &|_| false).expect("recover");
        assert_eq!(n, 2);
        assert!(done.contains(2) && done.contains(5) && !done.contains(3));
        let text = std::fs::read_to_string(&p).expect("read");
        assert!(text.ends_with("{\"source\":{\"line\":5}}\n"), "{text}");
    }
}
