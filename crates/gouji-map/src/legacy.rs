//! Pre-2019 (`legacy`) reports: the provincial 政府信息公开情况统计表, read as cells of the
//! contract's `legacy` table with the report's own labels.
//!
//! The table is printed as `指标名称 计量单位 2013年度 历年累计` followed by rows
//! `label unit number number`. Crawler text keeps it either space-separated (each number
//! its own token) or with the digits of a row concatenated (`条294981916`). Hand-written
//! scanner rather than a grammar crate: the whole table is one short run of text and the
//! only structure is "label, unit, numbers".
//!
//! Format-agnostic: it reads the intermediate document's paragraphs (and each grid row
//! joined with spaces), never a source format.

use gouji_check::legacy::split_points;
pub use gouji_check::legacy::{COLS, Group, LegacyTable, readings};
use gouji_doc::{Block, Document};
use gouji_model::CellValue;

/// Longest printed row label accepted; a longer "label" means the table has ended.
const MAX_LABEL_CHARS: usize = 40;
/// Most rows read from one table (the printed tables have about twenty).
const MAX_ROWS: usize = 200;
/// Units the 统计表 prints in its 计量单位 column.
const UNITS: [char; 4] = ['条', '件', '元', '次'];
/// Reads the 统计表 of a legacy report, if it prints one.
pub fn read(doc: &Document) -> LegacyTable {
    let mut out = LegacyTable::default();
    for (text, at) in texts(doc) {
        if let Some(body) = table_body(&text) {
            out.found = true;
            read_rows(body, &at, &mut out);
            break;
        }
    }
    out
}

/// Paragraph texts, and grid rows joined with spaces, with where they start.
fn texts(doc: &Document) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for b in &doc.blocks {
        match b {
            Block::Paragraph(p) => v.push((p.text.clone(), p.at.to_string())),
            Block::Table(t) => {
                // Cells are sorted by (row, col): reading order.
                let mut s = String::new();
                for c in &t.cells {
                    s.push_str(&c.text);
                    s.push(' ');
                }
                v.push((s, t.at.to_string()));
            }
        }
    }
    v
}

/// The text after the header `统计表 指标名称 计量单位 YYYY年度 历年累计`, if present.
fn table_body(text: &str) -> Option<&str> {
    let start = text.rfind("统计表")?;
    let rest = &text[start..];
    let name = rest.find("指标名称")?;
    // The header must follow the title closely (not a later mention of 统计表).
    if rest[..name].chars().filter(|c| !c.is_whitespace()).count() > 3 {
        return None;
    }
    let cum = rest.find("历年累计")?;
    let header: String = rest[name..cum]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !header.contains("计量单位") || !header.contains("年度") || header.chars().count() > 20
    {
        return None;
    }
    Some(&rest[cum + "历年累计".len()..])
}

/// Reads `label unit numbers` rows until the text stops looking like the table.
fn read_rows(body: &str, at: &str, out: &mut LegacyTable) {
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    let mut rows = 0;
    let mut groups = GroupScan::default();
    while i < chars.len() && rows < MAX_ROWS {
        let Some((label, unit_at)) = next_label(&chars, i) else {
            break;
        };
        let (nums, end) = number_run(&chars, unit_at + 1);
        i = end;
        rows += 1;
        let row = normalise_label(&label);
        let read = !row.is_empty() && read_row(&row, &nums, chars[unit_at], at, out);
        groups.push(&label, &row, read);
    }
    out.groups = groups.finish();
}

/// One row's numbers as cells; false when they could not be read at all.
fn read_row(row: &str, nums: &str, unit: char, at: &str, out: &mut LegacyTable) -> bool {
    match split_numbers(nums) {
        Split::Pair(a, b) => {
            for (col, raw) in COLS.iter().zip([a, b]) {
                out.cells.push(cell(row, col, &raw, unit, at));
            }
            true
        }
        Split::Ambiguous(raw) => {
            // Both cells are printed but their values are unknown: value null, raw the
            // digits of the two columns as printed. Checks consider every reading.
            for col in COLS {
                let mut c = cell(row, col, &raw, unit, at);
                c.value = None;
                out.cells.push(c);
            }
            out.warnings.push(format!(
                "legacy 统计表 row {row:?}: digits {raw:?} run together and can be split \
                 into 本年/历年累计 in more than one way; its values are left out"
            ));
            true
        }
        Split::Other(raw) => {
            out.warnings.push(format!(
                "legacy 统计表 row {row:?}: {raw:?} is not one number per column; row left out"
            ));
            false
        }
    }
}

/// Builds the `其中` groups while rows are read: a row whose printed label starts with
/// 其中 opens a group under the row before it; item-numbered rows (`2、…`) continue it.
#[derive(Default)]
struct GroupScan {
    prev: Option<(String, bool)>,
    open: Option<(Group, bool)>,
    done: Vec<Option<Group>>,
}

impl GroupScan {
    fn push(&mut self, label: &str, row: &str, read: bool) {
        let label: String = label.chars().filter(|c| !c.is_whitespace()).collect();
        let numbered = label.chars().next().is_some_and(|c| c.is_ascii_digit());
        if label.starts_with("其中") {
            self.close();
            if let Some((parent, ok)) = self.prev.take() {
                let g = Group {
                    parent,
                    parts: vec![row.to_string()],
                };
                self.open = Some((g, ok && read));
            }
        } else if numbered && let Some((g, ok)) = &mut self.open {
            g.parts.push(row.to_string());
            *ok &= read;
        } else {
            self.close();
        }
        self.prev = Some((row.to_string(), read));
    }

    fn close(&mut self) {
        if let Some((g, ok)) = self.open.take() {
            self.done.push(ok.then_some(g));
        }
    }

    fn finish(mut self) -> Vec<Option<Group>> {
        self.close();
        self.done
    }
}

/// The next row label: text from `i` up to a unit character that a number follows.
/// Returns the label and the unit's index.
fn next_label(chars: &[char], i: usize) -> Option<(String, usize)> {
    let mut j = i;
    while j < chars.len() && j - i <= MAX_LABEL_CHARS {
        if UNITS.contains(&chars[j]) && j > i {
            let next = chars[j + 1..].iter().find(|c| !c.is_whitespace());
            if next.is_some_and(char::is_ascii_digit) {
                return Some((chars[i..j].iter().collect(), j));
            }
        }
        j += 1;
    }
    None
}

/// The digits and spaces after a unit, without the next row's item number (`2、`, `2.`).
fn number_run(chars: &[char], i: usize) -> (String, usize) {
    let mut j = i;
    while j < chars.len() && (chars[j].is_ascii_digit() || chars[j].is_whitespace()) {
        j += 1;
    }
    let mut run: String = chars[i..j].iter().collect();
    let mut end = j;
    // `… 4359 2、政府公报公开` / `…819162、政府公报公开数`: the digit before 、 or . numbers
    // the next row (the printed lists have fewer than ten items per group).
    if chars.get(j).is_some_and(|c| matches!(c, '、' | '.' | '．'))
        && let Some(pos) = run.trim_end().char_indices().last().map(|(p, _)| p)
    {
        run.truncate(pos);
        end = i + run.chars().count();
    }
    (run.trim().to_string(), end)
}

/// How a row's number text divides into the two columns.
#[derive(Debug, PartialEq)]
enum Split {
    /// One number per column.
    Pair(String, String),
    /// Digits run together with more than one possible split.
    Ambiguous(String),
    /// Anything else (one number in a spaced table, three numbers…).
    Other(String),
}

/// Divides a row's numbers: space-separated pairs as printed; a run of digits only when
/// exactly one split has no leading zero and 本年 ≤ 历年累计 (the cumulative includes
/// the year). Anything else is left out rather than guessed.
fn split_numbers(s: &str) -> Split {
    let toks: Vec<&str> = s.split_whitespace().collect();
    match toks.as_slice() {
        [a, b] => Split::Pair(a.to_string(), b.to_string()),
        [d] => match split_points(d).as_slice() {
            [k] => Split::Pair(d[..*k].to_string(), d[*k..].to_string()),
            [] => Split::Other(s.to_string()),
            _ => Split::Ambiguous(d.to_string()),
        },
        _ => Split::Other(s.to_string()),
    }
}

/// The printed label without spaces, the `其中：` lead-in and its item number.
pub fn normalise_label(label: &str) -> String {
    let s: String = label.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s
        .strip_prefix("其中：")
        .or_else(|| s.strip_prefix("其中:"))
        .unwrap_or(&s);
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    let after: String = s.chars().skip(digits).collect();
    if digits > 0 {
        after
            .strip_prefix(['、', '.', '．'])
            .map(str::to_string)
            .unwrap_or(after.clone())
    } else {
        after
    }
}

fn cell(row: &str, col: &str, raw: &str, unit: char, at: &str) -> CellValue {
    CellValue {
        table: "legacy".into(),
        row: row.into(),
        col: col.into(),
        value: raw.parse::<f64>().ok(),
        raw: raw.into(),
        unit: Some(unit.to_string()),
        at: at.into(),
        ocr: false,
        inferred: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gouji_check::legacy::check;

    #[test]
    fn splits_only_unambiguous_runs() {
        assert_eq!(split_numbers("00"), Split::Pair("0".into(), "0".into()));
        assert_eq!(split_numbers("01"), Split::Pair("0".into(), "1".into()));
        assert_eq!(
            split_numbers("739 4359"),
            Split::Pair("739".into(), "4359".into())
        );
        assert!(matches!(split_numbers("294981916"), Split::Ambiguous(_)));
        assert!(matches!(split_numbers("0"), Split::Other(_)));
    }

    #[test]
    fn readings_are_the_splits_the_table_allows() {
        assert_eq!(
            readings("346085376"),
            [(3.0, 46085376.0), (34.0, 6085376.0), (3460.0, 85376.0)]
        );
        assert_eq!(readings("07"), [(0.0, 7.0)]);
        assert!(readings("10").is_empty());
        assert!(readings("1 2").is_empty());
    }

    fn read_table(body: &str) -> LegacyTable {
        let mut doc = Document::default();
        let text = format!("统计表 指标名称 计量单位 2012年度 历年累计 {body}");
        doc.blocks.push(Block::Paragraph(gouji_doc::Paragraph {
            text,
            at: gouji_doc::Provenance::default(),
        }));
        read(&doc)
    }

    #[test]
    fn groups_follow_the_printed_breakdown() {
        let t = read_table(
            "主动公开信息数 条 10 20 其中：1.网站公开 条 8 18 2.政府公报公开 条 2 2 \
             受理申请数 条 3 4 行政复议数 条 0 0",
        );
        let g = Group {
            parent: "主动公开信息数".into(),
            parts: vec!["网站公开".into(), "政府公报公开".into()],
        };
        assert_eq!(t.groups, vec![Some(g)]);
        assert!(check(&Document::default(), &t).is_empty());
        // One part short in 本年 only: one finding, with the printed numbers.
        let t =
            read_table("主动公开信息数 条 10 20 其中：1.网站公开 条 7 18 2.政府公报公开 条 2 2");
        let f = check(&Document::default(), &t);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(
            (f[0].col.as_deref(), f[0].expected, f[0].found),
            (Some("本年"), Some(9.0), Some(10.0))
        );
        // A part printed one number for two columns: the breakdown is not checked.
        let t = read_table("主动公开信息数 条 10 20 其中：1.网站公开 条 7 2.政府公报公开 条 2 2");
        assert_eq!(t.groups, vec![None]);
        assert!(check(&Document::default(), &t).is_empty());
    }

    #[test]
    fn digits_run_together_are_tried_in_every_reading() {
        // 2121 = 2|121 or 21|21; 1818 = 1|818 or 18|18; 33 = 3|3: the reading
        // 21|21 = 18|18 + 3|3 adds up, so nothing fires.
        let t = read_table("受理数 条2121其中：1.当面数 条1818 2.电子邮件数 条33");
        assert!(check(&Document::default(), &t).is_empty());
        // 20263542 over 17953304 + 07: no reading adds up, in either column.
        let t =
            read_table("主动公开信息数 条20263542其中：1.网站公开 条179533042.政府公报公开 条07");
        let f = check(&Document::default(), &t);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|f| f.expected.is_none() && f.found.is_none()));
    }

    #[test]
    fn normalises_labels() {
        assert_eq!(normalise_label("其中：1、网站公开 "), "网站公开");
        assert_eq!(normalise_label("2.政府公报公开"), "政府公报公开");
        assert_eq!(normalise_label("行政复议数"), "行政复议数");
    }

    #[test]
    fn number_run_drops_next_item_number() {
        let c: Vec<char> = " 739 4359 2、政府".chars().collect();
        assert_eq!(number_run(&c, 0).0, "739 4359");
        let c: Vec<char> = "2949819162、政府".chars().collect();
        assert_eq!(number_run(&c, 0).0, "294981916");
    }
}
