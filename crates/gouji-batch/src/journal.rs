//! The journal (`reports.jsonl` while a batch runs): recovery after a kill, and appends.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use gouji_model::Record;
use serde::Deserialize;

use crate::BatchError;

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
/// returns it ready for appending with the set of lines already answered.
pub(crate) fn recover(path: &Path, max_line: u64) -> Result<(File, LineSet, u64), BatchError> {
    let out_err = |source| BatchError::Output {
        path: path.to_path_buf(),
        source,
    };
    let mut done = LineSet::new(max_line);
    let mut count = 0u64;
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
        if let Some(line) = probe_line(&buf)
            && done.insert(line)
        {
            count += 1;
        }
    }
    drop(reader);
    if file.metadata().map_err(out_err)?.len() > good_end {
        file.set_len(good_end).map_err(out_err)?;
        file.sync_all().map_err(out_err)?;
    }
    drop(file);
    let append = OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(out_err)?;
    Ok((append, done, count))
}

/// Appends one record as one line with a single `write_all` on an unbuffered file, so
/// the line is in the kernel (and survives a SIGKILL of this process) before the next
/// record is taken; a kill mid-write leaves a torn line that [`recover`] cuts off.
pub(crate) fn append(file: &mut File, path: &Path, rec: &Record) -> Result<(), BatchError> {
    let mut buf = serde_json::to_vec(rec).map_err(|e| BatchError::Output {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    buf.push(b'\n');
    file.write_all(&buf).map_err(|source| BatchError::Output {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let (_, done, n) = recover(&p, 10).expect("recover");
        assert_eq!(n, 2);
        assert!(done.contains(2) && done.contains(5) && !done.contains(3));
        let text = std::fs::read_to_string(&p).expect("read");
        assert!(text.ends_with("{\"source\":{\"line\":5}}\n"), "{text}");
    }
}
