//! Plain-text reports: UTF-8 or GBK/GB18030 (detected), tab-separated tables (as crawlers
//! and copy-paste from Word produce them, merged cells as empty fields) and Markdown pipe
//! tables (as PDF-to-Markdown converters produce them). Every other non-empty line is a
//! paragraph.

use gouji_doc::decode::decode_bytes;
use gouji_doc::{
    Block, Document, GridBuilder, Limits, OverLimit, Paragraph, Provenance, normalize_ws,
};

/// Error reading a text report.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The input exceeds [`Limits::max_input_bytes`].
    #[error(transparent)]
    Limit(#[from] OverLimit),
    /// A table exceeds the grid limit.
    #[error("table starting at line {line}: {source}")]
    Grid {
        /// First line of the table.
        line: usize,
        /// The grid error.
        source: gouji_doc::GridError,
    },
}

enum Row {
    Fields(Vec<String>),
    Separator,
}

/// Splits a line into table fields, if it is a table line.
fn table_row(line: &str) -> Option<Row> {
    let t = line.trim();
    if t.len() > 1 && t.starts_with('|') && t.ends_with('|') {
        let inner = &t[1..t.len() - 1];
        if inner
            .chars()
            .all(|c| matches!(c, '-' | ':' | '|' | ' ' | '\t'))
        {
            return Some(Row::Separator);
        }
        return Some(Row::Fields(
            inner.split('|').map(|f| f.trim().to_string()).collect(),
        ));
    }
    if line.contains('\t') {
        let fields: Vec<String> = line
            .trim_end_matches(['\r', '\n'])
            .split('\t')
            .map(|f| f.trim().to_string())
            .collect();
        if fields.iter().filter(|f| !f.is_empty()).count() >= 1 {
            return Some(Row::Fields(fields));
        }
    }
    None
}

/// Metadata lines crawlers put at the top of a saved page (`标题: …`).
fn header_field<'a>(line: &'a str, keys: &[&str]) -> Option<&'a str> {
    for k in keys {
        if let Some(rest) = line.trim().strip_prefix(k) {
            let rest = rest.trim_start_matches([':', '：', ' ']).trim();
            if !rest.is_empty() {
                return Some(rest);
            }
        }
    }
    None
}

/// Reads a plain-text report.
pub fn extract_text(bytes: &[u8], limits: &Limits) -> Result<Document, TextError> {
    if bytes.len() as u64 > limits.max_input_bytes {
        let size = bytes.len() as u64;
        return Err(OverLimit::input("text", size, limits.max_input_bytes).into());
    }
    let decoded = decode_bytes(bytes, None);
    let mut doc = Document::default();
    doc.meta.encoding = Some(decoded.encoding.to_string());
    if decoded.had_errors {
        doc.warnings.push(gouji_doc::Warning::new(
            gouji_doc::WarningCode::Encoding,
            format!("malformed {} sequences replaced", decoded.encoding),
        ));
    }
    let mut grid: Option<(usize, GridBuilder)> = None;
    let flush = |doc: &mut Document, grid: &mut Option<(usize, GridBuilder)>| {
        if let Some((_, b)) = grid.take() {
            let t = b.finish();
            if t.rows > 0 {
                doc.blocks.push(Block::Table(t));
            }
        }
    };
    for (i, line) in decoded.text.lines().enumerate() {
        let n = i + 1;
        if doc.blocks.len() >= limits.max_blocks {
            doc.warnings.push(
                gouji_doc::Warning::new(
                    gouji_doc::WarningCode::Truncated,
                    format!(
                        "stopped at line {n}: more than {} blocks",
                        limits.max_blocks
                    ),
                )
                .at(Provenance::Line {
                    line: n,
                    field: None,
                }),
            );
            break;
        }
        if n <= 12 {
            if let Some(v) = header_field(line, &["标题"]) {
                doc.meta.title.get_or_insert_with(|| v.to_string());
                continue;
            }
            if let Some(v) = header_field(line, &["发布机构", "信息来源", "来源"]) {
                doc.meta.author.get_or_insert_with(|| v.to_string());
                continue;
            }
            if let Some(v) = header_field(line, &["发布时间", "发布日期"]) {
                doc.meta.date.get_or_insert_with(|| v.to_string());
                continue;
            }
        }
        match table_row(line) {
            Some(Row::Separator) => {}
            Some(Row::Fields(fields)) => {
                if grid.is_none() {
                    let at = Provenance::Line {
                        line: n,
                        field: None,
                    };
                    grid = Some((n, GridBuilder::new(at, limits.max_table_positions)));
                }
                if let Some((start, b)) = grid.as_mut() {
                    b.start_row();
                    for (k, f) in fields.into_iter().enumerate() {
                        let at = Provenance::Line {
                            line: n,
                            field: Some(k + 1),
                        };
                        b.push(f, 1, 1, at).map_err(|source| TextError::Grid {
                            line: *start,
                            source,
                        })?;
                    }
                }
            }
            None => {
                flush(&mut doc, &mut grid);
                let text = normalize_ws(line);
                if !text.is_empty() {
                    doc.blocks.push(Block::Paragraph(Paragraph {
                        text,
                        at: Provenance::Line {
                            line: n,
                            field: None,
                        },
                    }));
                }
            }
        }
    }
    flush(&mut doc, &mut grid);
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A warning carries its code and where it applies, not just its text.
    #[test]
    fn a_truncated_text_says_where_it_stopped() {
        let limits = Limits {
            max_blocks: 2,
            ..Limits::default()
        };
        let doc = extract_text("一\n二\n三\n四\n".as_bytes(), &limits).expect("text");
        let w = &doc.warnings[0];
        assert_eq!(w.code, gouji_doc::WarningCode::Truncated);
        assert_eq!(
            w.at,
            Some(Provenance::Line {
                line: 3,
                field: None
            })
        );
        assert!(w.message.contains("stopped at line 3"), "{w}");
    }

    #[test]
    fn tabs_make_tables_and_lines_make_paragraphs() {
        let src = "标题: 某局2023年政府信息公开工作年度报告\n一、总体情况\n正文。\n信息内容\t本年制发件数\n规章\t0\n\n二、主动公开\n";
        let d = extract_text(src.as_bytes(), &Limits::default()).unwrap();
        assert_eq!(
            d.meta.title.as_deref(),
            Some("某局2023年政府信息公开工作年度报告")
        );
        let tables: Vec<_> = d.tables().collect();
        assert_eq!(tables.len(), 1);
        assert_eq!((tables[0].rows, tables[0].cols), (2, 2));
        assert_eq!(tables[0].cells[3].text, "0");
        assert_eq!(tables[0].cells[3].at.to_string(), "L5:2");
        assert!(d.text().contains("二、主动公开"));
    }

    #[test]
    fn gbk_text_is_detected() {
        let (b, _, _) = encoding_rs::GBK
            .encode("一、本年新收政府信息公开申请数量\t3\t3\n政府信息公开工作年度报告");
        let d = extract_text(&b, &Limits::default()).unwrap();
        assert_eq!(
            d.tables().next().unwrap().cells[0].text,
            "一、本年新收政府信息公开申请数量"
        );
    }

    #[test]
    fn markdown_pipe_tables() {
        let src = "| 信息内容 | 本年制发件数 |\n|---|---|\n| 规章 | 1 |\n";
        let d = extract_text(src.as_bytes(), &Limits::default()).unwrap();
        let t = d.tables().next().unwrap();
        assert_eq!((t.rows, t.cols), (2, 2));
    }

    #[test]
    fn size_limit() {
        let limits = Limits {
            max_input_bytes: 3,
            ..Limits::default()
        };
        assert!(extract_text(b"abcd", &limits).is_err());
    }
}
