//! Streaming reader of a batch list: one URL or path per line, `#` comments and blank
//! lines allowed. Never holds more than one line in memory.

use std::io::BufRead;

/// Yields `(1-based line number, input)` for every input line.
pub(crate) struct ListReader<R> {
    reader: R,
    line: u64,
    buf: Vec<u8>,
}

impl<R: BufRead> ListReader<R> {
    pub(crate) fn new(reader: R) -> Self {
        ListReader {
            reader,
            line: 0,
            buf: Vec::new(),
        }
    }
}

impl<R> ListReader<R> {
    pub(crate) fn into_inner(self) -> R {
        self.reader
    }
}

/// The input on a list line, or `None` for blank and comment lines.
pub(crate) fn parse_line(raw: &[u8], line: u64) -> Option<String> {
    // Lists are often saved by Windows editors: UTF-8 BOM, CRLF. Non-UTF-8 bytes are
    // replaced rather than rejected so one odd line cannot stop a batch; its fetch will
    // fail with a readable message instead.
    let raw = if line == 1 {
        raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw)
    } else {
        raw
    };
    let text = String::from_utf8_lossy(raw);
    let t = text.trim();
    if t.is_empty() || t.starts_with('#') {
        None
    } else {
        Some(t.to_string())
    }
}

impl<R: BufRead> Iterator for ListReader<R> {
    type Item = std::io::Result<(u64, String)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {
                    self.line += 1;
                    if let Some(input) = parse_line(&self.buf, self.line) {
                        return Some(Ok((self.line, input)));
                    }
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_comments_and_blanks_keeping_line_numbers() {
        let text = b"\xef\xbb\xbfhttp://a/1\r\n# comment\n\n   \n  http://a/2  \nx.pdf";
        let items: Vec<(u64, String)> = ListReader::new(&text[..]).filter_map(Result::ok).collect();
        assert_eq!(
            items,
            vec![
                (1, "http://a/1".to_string()),
                (5, "http://a/2".to_string()),
                (6, "x.pdf".to_string())
            ]
        );
    }
}
