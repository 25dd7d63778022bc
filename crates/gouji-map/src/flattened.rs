//! Recovering the statistical tables from flattened text, where every cell boundary is
//! lost: crawler plain text prints `一、本年新收政府信息公开申请数量21710000218`, which is
//! 217|1|0|0|0|0|218.
//!
//! Works on the document's paragraph text only, so it serves any extractor whose tables
//! came out as running text. Row labels are found in the text (label variants from the
//! template data), the digit run after each label is split into the row's cells, and the
//! splits are chosen jointly so that the template's own arithmetic (the `sum`/`balance`
//! rules in `rules.toml`: row totals, column balances, result sums) holds. When several
//! splits satisfy every identity, the cells that differ between them are not emitted: a
//! guessed value would be worse than a missing one, and the warning says why.
//!
//! Column keys come from the template's column order for the table — ONLY here, because
//! flattened text has no header grid left to read them from (the grid mapper in
//! [`crate::mapping`] never maps by position).

use crate::mapping::{MapWarning, MappedCell, Mapping, WarningCode};
use gouji_check::arith::close;
use gouji_check::rules::{CellTerm, Form, Rule};
use gouji_check::template::{Per, TableDef, Template, ValueKind};
use gouji_doc::{Document, Provenance};
use gouji_model::labels::{MATCH_THRESHOLD, similarity};
use gouji_model::number::{fold_width, parse_cell};
use std::collections::{HashMap, HashSet};

/// Longest number (in digits) one cell may hold; longer parts are not a reading.
const MAX_DIGITS: usize = 15;
/// Most candidate splits kept per row; a row with more is left unresolved.
const MAX_CANDIDATES: usize = 256;
/// Most search steps spent splitting one run.
const SPLIT_BUDGET: usize = 200_000;
/// Most search steps spent choosing splits jointly across rows.
const JOINT_BUDGET: usize = 200_000;
/// Most joint solutions collected before the table is called ambiguous.
const MAX_SOLUTIONS: usize = 64;
/// Longest digit run considered (characters); longer runs are not table rows.
const MAX_RUN: usize = 120;

/// A digit run with the position of its paragraph.
#[derive(Debug, Clone)]
struct Run {
    /// Run characters without whitespace: digits, `.`, `-`.
    chars: Vec<char>,
    /// `cut[i]`: a cell boundary is forced before `chars[i]` (whitespace was printed there).
    cut: Vec<bool>,
    /// Index of the paragraph the run starts in.
    para: usize,
}

/// A label segment followed by a digit run.
#[derive(Debug, Clone)]
struct Pair {
    /// Squashed text since the previous run (no whitespace, punctuation or brackets).
    label: String,
    run: Run,
    /// The run is followed by a unit of running text (`件`, `条`…): narrative, not a cell.
    narrative: bool,
}

/// Characters that end a number in running text, never in a table.
const NARRATIVE_UNITS: &[char] = &[
    '件', '条', '篇', '个', '%', '年', '月', '日', '次', '人', '家', '名', '期', '份', '天',
];

/// Removes whitespace, punctuation and bracketed notes (`（区分处理的…）`, `（一）`).
fn squash(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in fold_width(s).chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = depth.saturating_sub(1),
            _ if depth > 0 || c.is_whitespace() => {}
            _ if c.is_ascii_punctuation()
                || matches!(
                    c,
                    '、' | '，' | '。' | '；' | '：' | '“' | '”' | '‘' | '’' | '·'
                ) => {}
            _ => out.push(c),
        }
    }
    out
}

/// Splits the paragraphs into (label, run) pairs.
fn tokenize(doc: &Document) -> (Vec<Pair>, Vec<Provenance>) {
    // One stream of (char, paragraph index); paragraphs are joined by a line break, which
    // counts as whitespace (a forced boundary) inside a run.
    let mut stream: Vec<(char, usize)> = Vec::new();
    let mut ats = Vec::new();
    for (pi, p) in doc.paragraphs().enumerate() {
        ats.push(p.at.clone());
        stream.extend(fold_width(&p.text).chars().map(|c| (c, pi)));
        stream.push(('\n', pi));
    }
    let n = stream.len();
    let ch = |i: usize| stream.get(i).map(|&(c, _)| c);
    let is_digit = |i: usize| ch(i).is_some_and(|c| c.is_ascii_digit());
    let mut pairs = Vec::new();
    let mut label = String::new();
    let mut i = 0;
    while i < n {
        let (c, pi) = stream[i];
        let starts = c.is_ascii_digit() || (c == '-' && is_digit(i + 1));
        // `（1）`, `第（3）项`: numbering inside brackets is label text.
        let bracketed = i > 0 && matches!(ch(i - 1), Some('(' | '（'));
        if !starts {
            label.push(c);
            i += 1;
            continue;
        }
        if bracketed {
            while i < n && (is_digit(i) || ch(i) == Some('-')) {
                label.push(stream[i].0);
                i += 1;
            }
            continue;
        }
        let mut chars = Vec::new();
        let mut cut = Vec::new();
        let mut pending_cut = false;
        let mut j = i;
        while j < n {
            let c = stream[j].0;
            if c.is_ascii_digit() {
                chars.push(c);
                cut.push(pending_cut);
                pending_cut = false;
            } else if (c == '.' && is_digit(j + 1) && !chars.is_empty())
                || (c == '-' && is_digit(j + 1))
            {
                // A sign may only start a cell: force a boundary before it.
                cut.push(pending_cut || (c == '-' && !chars.is_empty()));
                chars.push(c);
                pending_cut = false;
            } else if c.is_whitespace() {
                // Whitespace inside a run is a boundary only if more digits follow.
                let mut k = j;
                while k < n && stream[k].0.is_whitespace() {
                    k += 1;
                }
                if k < n && (is_digit(k) || (ch(k) == Some('-') && is_digit(k + 1))) {
                    pending_cut = true;
                    j = k;
                    continue;
                }
                break;
            } else {
                break;
            }
            j += 1;
        }
        // `…40000042.其他法律…`: the last digit before `.`/`、` + text numbers the next row.
        let next = ch(j);
        let numbered = matches!(next, Some('.' | '、')) && !is_digit(j + 1);
        let mut tail = String::new();
        if numbered && chars.last().is_some_and(|c| c.is_ascii_digit()) {
            if let Some(d) = chars.pop() {
                tail.push(d);
            }
            cut.pop();
        }
        let narrative = !numbered && next.is_some_and(|c| NARRATIVE_UNITS.contains(&c));
        if chars.iter().any(|c| c.is_ascii_digit()) {
            pairs.push(Pair {
                label: squash(&label),
                run: Run {
                    chars,
                    cut,
                    para: pi,
                },
                narrative,
            });
            label.clear();
        } else {
            label.extend(chars);
        }
        label.push_str(&tail);
        i = j;
    }
    (pairs, ats)
}

/// Squashed label variants of a row.
fn row_labels(t: &TableDef) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .map(|r| r.labels.iter().map(|l| squash(l)).collect())
        .collect()
}

/// The row (index) whose label ends the segment; the longest matching label wins.
fn match_row(labels: &[Vec<String>], seg: &str) -> Option<usize> {
    let seg: Vec<char> = seg.chars().collect();
    let mut best: Option<(usize, f64, usize)> = None;
    for (ri, ls) in labels.iter().enumerate() {
        for l in ls {
            let lc: Vec<char> = l.chars().collect();
            let n = lc.len();
            if n == 0 {
                continue;
            }
            let mut score = 0.0;
            if seg.ends_with(&lc) {
                score = 1.0;
            } else if n > 3 {
                // Typos (`其他法律行政止公开`): compare the segment's tail of similar length.
                for m in n.saturating_sub(1)..=n + 1 {
                    if m == 0 || m > seg.len() {
                        continue;
                    }
                    let tail: String = seg[seg.len() - m..].iter().collect();
                    let s = similarity(&tail, l);
                    if s >= MATCH_THRESHOLD && s > score {
                        score = s;
                    }
                }
            }
            if score > 0.0 && best.is_none_or(|(_, bs, bn)| (n, score) > (bn, bs)) {
                best = Some((ri, score, n));
            }
        }
    }
    best.map(|(ri, _, _)| ri)
}

/// The longest chain of consecutive pairs whose labels name rows of `t` in template
/// order: the table itself, not a narrative mention. Ties keep the first (the text may
/// repeat the table part).
fn find_chain(t: &TableDef, pairs: &[Pair]) -> Vec<(usize, usize)> {
    let labels = row_labels(t);
    let mut best: Vec<(usize, usize)> = Vec::new();
    let mut cur: Vec<(usize, usize)> = Vec::new();
    for (pi, p) in pairs.iter().enumerate() {
        let row = (!p.narrative && p.run.chars.len() <= MAX_RUN)
            .then(|| match_row(&labels, &p.label))
            .flatten();
        match row {
            Some(r) if cur.last().is_none_or(|&(_, last)| r > last) => cur.push((pi, r)),
            _ => {
                if cur.len() > best.len() {
                    best = std::mem::take(&mut cur);
                }
                cur.clear();
                if let Some(r) = row {
                    cur.push((pi, r));
                }
            }
        }
    }
    if cur.len() > best.len() {
        best = cur;
    }
    best
}

/// One cell of a candidate split: its text and value.
#[derive(Debug, Clone, PartialEq)]
struct Part {
    raw: String,
    value: f64,
}

/// Whether `s` is a valid printed number of this kind (no leading zeros but `0`).
fn part_value(s: &[char], kind: ValueKind) -> Option<f64> {
    let (neg, body) = match s.first() {
        Some('-') if kind == ValueKind::Signed => (true, &s[1..]),
        _ => (false, s),
    };
    let dot = body.iter().position(|&c| c == '.');
    let (int, frac) = match dot {
        Some(d) if kind == ValueKind::Amount => (&body[..d], &body[d + 1..]),
        Some(_) => return None,
        None => (body, &body[..0]),
    };
    if int.is_empty()
        || int.len() > MAX_DIGITS
        || !int.iter().all(char::is_ascii_digit)
        || !frac.iter().all(char::is_ascii_digit)
        || (dot.is_some() && frac.is_empty())
        || (int.len() > 1 && int[0] == '0')
        || (neg && int == ['0'] && frac.iter().all(|&c| c == '0'))
    {
        return None;
    }
    let text: String = body.iter().collect();
    let v: f64 = text.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// How one run is split: the kinds of its cells, and cell groups whose last cell is the
/// sum of the others (`sums`: index of the total and indexes of its parts).
struct Shape {
    kinds: Vec<ValueKind>,
    sums: Vec<(usize, Vec<usize>)>,
}

/// Every split of `run` into `shape.kinds.len()` valid cells satisfying its sums, or
/// `None` when there are more than [`MAX_CANDIDATES`] or the search budget runs out.
fn splits(run: &Run, shape: &Shape) -> Option<Vec<Vec<Part>>> {
    let k = shape.kinds.len();
    let n = run.chars.len();
    if k == 0 || n < k || n > k * (MAX_DIGITS + 2) {
        return (k > 0).then(Vec::new);
    }
    let mut out = Vec::new();
    let mut cur: Vec<Part> = Vec::with_capacity(k);
    let mut budget = SPLIT_BUDGET;
    let ok = dfs(run, shape, 0, &mut cur, &mut out, &mut budget);
    ok.then_some(out)
}

fn dfs(
    run: &Run,
    shape: &Shape,
    pos: usize,
    cur: &mut Vec<Part>,
    out: &mut Vec<Vec<Part>>,
    budget: &mut usize,
) -> bool {
    let k = shape.kinds.len();
    let n = run.chars.len();
    let idx = cur.len();
    if idx == k {
        if pos == n {
            if out.len() >= MAX_CANDIDATES {
                return false;
            }
            out.push(cur.clone());
        }
        return true;
    }
    let left = k - idx;
    // Each remaining cell needs one character at least and holds at most MAX_DIGITS+2.
    if n - pos < left || n - pos > left * (MAX_DIGITS + 2) {
        return true;
    }
    let Some(kind) = shape.kinds.get(idx).copied() else {
        return true;
    };
    let max_end = if idx + 1 == k { n } else { n - (left - 1) };
    for end in pos + 1..=max_end {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        // A printed boundary (whitespace, a sign) may not fall inside a cell.
        if run
            .cut
            .get(pos + 1..end)
            .is_some_and(|c| c.iter().any(|&b| b))
        {
            break;
        }
        if idx + 1 == k && end != n {
            continue;
        }
        let Some(v) = part_value(&run.chars[pos..end], kind) else {
            continue;
        };
        cur.push(Part {
            raw: run.chars[pos..end].iter().collect(),
            value: v,
        });
        let sums_ok = shape.sums.iter().all(|(t, parts)| {
            if *t != idx {
                return true;
            }
            let s: f64 = parts
                .iter()
                .filter_map(|&p| cur.get(p).map(|x| x.value))
                .sum();
            close(s, v)
        });
        let cont = !sums_ok || dfs(run, shape, end, cur, out, budget);
        cur.pop();
        if !cont {
            return false;
        }
    }
    true
}

/// The columns a row has in print order: the template's column order (see module docs).
fn row_cols(t: &TableDef, row: usize) -> Vec<&gouji_check::template::ColDef> {
    let Some(r) = t.rows.get(row) else {
        return Vec::new();
    };
    match &r.cols {
        Some(keys) => keys.iter().filter_map(|k| t.col(k)).collect(),
        None => t.required_cols().collect(),
    }
}

/// A row's shape from its columns and the template's per-row `sum` rules.
fn row_shape(tpl: &Template, t: &TableDef, cols: &[&gouji_check::template::ColDef]) -> Shape {
    let pos = |key: &str| cols.iter().position(|c| c.key == key);
    let mut sums = Vec::new();
    for i in tpl.rules.iter().filter_map(Rule::identity) {
        if i.form != Form::Sum || i.per != Per::Row || i.table != t.key {
            continue;
        }
        let Some(target) = i.lhs.first().and_then(|x| pos(&x.key)) else {
            continue;
        };
        let parts: Option<Vec<usize>> = i.rhs.iter().map(|p| pos(&p.key)).collect();
        // Only when the target comes after all its parts (as printed), so the check can
        // run when the target cell is placed.
        if let Some(parts) = parts.filter(|p| p.iter().all(|&x| x < target)) {
            sums.push((target, parts));
        }
    }
    Shape {
        kinds: cols.iter().map(|c| c.value).collect(),
        sums,
    }
}

/// A column identity across rows: sum of `lhs` rows = sum of `rhs` rows, per column.
struct ColRule {
    lhs: Vec<usize>,
    rhs: Vec<usize>,
}

/// The template's per-column `balance`/`sum` rules over rows that were found.
fn col_rules(tpl: &Template, t: &TableDef, found: &HashSet<usize>) -> Vec<ColRule> {
    let idx = |key: &str| t.rows.iter().position(|r| r.key == key);
    let present = |key: &str| idx(key).filter(|i| found.contains(i));
    // The rows the rule sums, as the reconciler expands them; every one must have been
    // found, or the rule constrains nothing here.
    let printed = |key: &str| present(key).is_some();
    let side = |cells: &[CellTerm]| -> Option<Vec<usize>> {
        cells.iter().map(|c| present(c.row)).collect()
    };
    let mut out = Vec::new();
    for i in tpl.rules.iter().filter_map(Rule::identity) {
        // Sums of rows, the same in every column: one instance stands for all of them.
        // (Subtracted terms and last year's cells are not sums of this year's rows.)
        let signed = i.lhs.iter().chain(&i.rhs).any(|x| x.neg || x.prev);
        if i.per != Per::Col || i.table != t.key || signed {
            continue;
        }
        let inst = i.on_line("", |k, out| t.expand_row(k, printed, out));
        // A rule over a row that was not found cannot constrain anything.
        if let (Some(lhs), Some(rhs)) = (side(&inst.lhs), side(&inst.rhs)) {
            out.push(ColRule { lhs, rhs });
        }
    }
    out
}

/// A row's resolved cells: (row index, run, cells common to every consistent split,
/// None when the run has no usable split).
type Resolved = (usize, Run, Option<Vec<Option<Part>>>);

/// Cells of one table resolved from `rows`: (row index, run, candidate splits).
type RowCands = (usize, Run, Option<Vec<Vec<Part>>>);

/// Picks the splits of all rows jointly; returns per row the cells that are the same in
/// every consistent choice (None where they differ), plus warnings.
fn resolve(rows: &[RowCands], rules: &[ColRule]) -> (Vec<Vec<Option<Part>>>, Vec<String>) {
    let mut warnings = Vec::new();
    // Position in `rows` of each template row.
    let at: HashMap<usize, usize> = rows.iter().enumerate().map(|(i, r)| (r.0, i)).collect();
    let cands: Vec<&[Vec<Part>]> = rows.iter().map(|r| r.2.as_deref().unwrap_or(&[])).collect();
    // Rules only over rows that have candidates (an unsplittable row constrains nothing).
    let usable: Vec<&ColRule> = rules
        .iter()
        .filter(|r| {
            r.lhs
                .iter()
                .chain(&r.rhs)
                .all(|x| at.get(x).is_some_and(|&i| !cands[i].is_empty()))
        })
        .collect();
    // Only rows some identity involves: the others are resolved on their own (searching
    // their product would find nothing but combinations).
    let constrained: HashSet<usize> = usable
        .iter()
        .flat_map(|r| r.lhs.iter().chain(&r.rhs))
        .filter_map(|x| at.get(x).copied())
        .collect();
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&i| !cands[i].is_empty() && constrained.contains(&i))
        .collect();
    // Rows with fewer candidates first, so fixed rows prune early.
    order.sort_by_key(|&i| cands[i].len());
    let mut search = Joint {
        order: &order,
        cands: &cands,
        at: &at,
        rules: &usable,
        choice: vec![0usize; rows.len()],
        solutions: Vec::new(),
        budget: JOINT_BUDGET,
    };
    let complete = search.search(0);
    let solutions = search.solutions;
    let per_row_only = !complete || solutions.is_empty();
    if !complete {
        warnings.push("flattened text: too many combinations of splits to check the column identities; kept only cells every split of their row agrees on".to_string());
    } else if solutions.is_empty() && !usable.is_empty() {
        warnings.push("flattened text: no choice of splits satisfies every column identity (the printed table is inconsistent); kept only cells every split of their row agrees on".to_string());
    }
    let mut out = Vec::new();
    for i in 0..rows.len() {
        let options: Vec<&Vec<Part>> = if per_row_only || !constrained.contains(&i) {
            cands[i].iter().collect()
        } else {
            let mut seen: Vec<usize> = solutions.iter().map(|s| s[i]).collect();
            seen.sort_unstable();
            seen.dedup();
            seen.iter().filter_map(|&c| cands[i].get(c)).collect()
        };
        out.push(common_cells(&options));
    }
    (out, warnings)
}

/// The joint search over the rows' split candidates: every choice of one candidate per
/// constrained row under which all column identities hold, within a step budget.
struct Joint<'a> {
    /// The rows to assign, in search order.
    order: &'a [usize],
    cands: &'a [&'a [Vec<Part>]],
    /// Row key index → row.
    at: &'a HashMap<usize, usize>,
    rules: &'a [&'a ColRule],
    /// The candidate chosen per row so far.
    choice: Vec<usize>,
    solutions: Vec<Vec<usize>>,
    budget: usize,
}

impl Joint<'_> {
    /// Assigns `order[depth..]`; false when the budget or the solution cap ran out (the
    /// search is incomplete).
    fn search(&mut self, depth: usize) -> bool {
        let Some(&row) = self.order.get(depth) else {
            if self.solutions.len() >= MAX_SOLUTIONS {
                return false;
            }
            self.solutions.push(self.choice.clone());
            return true;
        };
        let assigned: HashSet<usize> = self.order[..=depth].iter().copied().collect();
        for c in 0..self.cands[row].len() {
            if self.budget == 0 {
                return false;
            }
            self.budget -= 1;
            self.choice[row] = c;
            if self.holds(row, c, &assigned) && !self.search(depth + 1) {
                return false;
            }
        }
        true
    }

    /// Whether the rules whose rows are all assigned now, and that involve `row`, hold
    /// in every column of candidate `c`.
    fn holds(&self, row: usize, c: usize, assigned: &HashSet<usize>) -> bool {
        self.rules.iter().all(|r| {
            let rows: Vec<usize> = r
                .lhs
                .iter()
                .chain(&r.rhs)
                .filter_map(|x| self.at.get(x).copied())
                .collect();
            if !rows.contains(&row) || !rows.iter().all(|x| assigned.contains(x)) {
                return true;
            }
            let width = self.cands[row][c].len();
            (0..width).all(|col| {
                let side = |keys: &[usize]| -> f64 {
                    keys.iter()
                        .filter_map(|x| self.at.get(x))
                        .filter_map(|&i| self.cands[i].get(self.choice[i]).and_then(|p| p.get(col)))
                        .map(|p| p.value)
                        .sum()
                };
                close(side(&r.lhs), side(&r.rhs))
            })
        })
    }
}

/// Maps the template's tables from the document's flattened paragraph text.
///
/// Finds each table's row labels in the text (the longest run of labelled digit runs in
/// template order; a repeated table part keeps its first occurrence), splits every run
/// into its row's cells under the template's arithmetic, and emits the cells that follow
/// from it. Cells with several consistent readings are left out and named in
/// `warnings`. Provenance is the paragraph's.
pub fn map_flattened(doc: &Document, tpl: &Template) -> Mapping {
    let mut out = Mapping::default();
    let (pairs, ats) = tokenize(doc);
    for t in &tpl.tables {
        let rows = chain_rows(t, &pairs);
        // Per row: (row index, run, cells common to every consistent split or None).
        let mut resolved: Vec<Resolved> = Vec::new();
        if !rows.is_empty() {
            let cands: Vec<RowCands> = rows
                .into_iter()
                .map(|(ri, run)| {
                    let shape = row_shape(tpl, t, &row_cols(t, ri));
                    let c = splits(&run, &shape);
                    (ri, run, c)
                })
                .collect();
            let found: HashSet<usize> = cands.iter().map(|c| c.0).collect();
            let rules = col_rules(tpl, t, &found);
            let (cells, warns) = resolve(&cands, &rules);
            for w in warns {
                let message = format!("{}: {w}", t.key);
                out.warnings
                    .push(MapWarning::new(WarningCode::Unsplit, &t.key, message));
            }
            for ((ri, run, cand), cells) in cands.into_iter().zip(cells) {
                let ok = cand.is_some_and(|c| !c.is_empty());
                resolved.push((ri, run, ok.then_some(cells)));
            }
        } else if let Some(run) = wide_run(t, &pairs) {
            // All rows side by side in one run: split it as one long row whose shape is
            // the rows' shapes one after the other.
            let mut shape = Shape {
                kinds: Vec::new(),
                sums: Vec::new(),
            };
            let mut spans = Vec::new();
            for ri in 0..t.rows.len() {
                let cols = row_cols(t, ri);
                if t.rows.get(ri).is_some_and(|r| r.optional) || cols.is_empty() {
                    continue;
                }
                let s = row_shape(tpl, t, &cols);
                let off = shape.kinds.len();
                shape.sums.extend(
                    s.sums
                        .into_iter()
                        .map(|(tg, ps)| (tg + off, ps.into_iter().map(|p| p + off).collect())),
                );
                shape.kinds.extend(s.kinds);
                spans.push((ri, off, cols.len()));
            }
            let cands = splits(&run, &shape);
            let common: Option<Vec<Option<Part>>> = cands
                .as_ref()
                .filter(|c| !c.is_empty())
                .map(|c| common_cells(&c.iter().collect::<Vec<_>>()));
            for (ri, off, len) in spans {
                let cells = common.as_ref().map(|c| {
                    (off..off + len)
                        .map(|i| c.get(i).cloned().flatten())
                        .collect()
                });
                resolved.push((ri, run.clone(), cells));
            }
        }
        for (ri, run, cells) in resolved {
            emit(&mut out, t, ri, &run, cells, &ats);
        }
    }
    out
}

/// The cells that are equal in every option (None where options differ).
fn common_cells(options: &[&Vec<Part>]) -> Vec<Option<Part>> {
    let width = options.first().map_or(0, |o| o.len());
    (0..width)
        .map(|c| {
            let first = options.first().and_then(|o| o.get(c))?;
            options
                .iter()
                .all(|o| o.get(c) == Some(first))
                .then(|| first.clone())
        })
        .collect()
}

/// Pushes one row's resolved cells, with a warning for what could not be resolved.
fn emit(
    out: &mut Mapping,
    t: &TableDef,
    ri: usize,
    run: &Run,
    cells: Option<Vec<Option<Part>>>,
    ats: &[Provenance],
) {
    let Some(row) = t.rows.get(ri) else { return };
    let text: String = run.chars.iter().collect();
    let at = ats.get(run.para).cloned().unwrap_or_default();
    let cols = row_cols(t, ri);
    let Some(cells) = cells else {
        let message = format!(
            "{}: row {} ({at}): flattened run “{text}” has no unique split into its {} cells (none valid, or too many); not mapped",
            t.key,
            row.key,
            cols.len()
        );
        out.warnings
            .push(MapWarning::new(WarningCode::Unsplit, &t.key, message).at(&at));
        return;
    };
    let mut missing = Vec::new();
    for (col, cell) in cols.iter().zip(cells) {
        match cell {
            Some(p) => {
                let parsed = parse_cell(&p.raw);
                out.cells.push(MappedCell {
                    table: t.key.clone(),
                    row: row.key.clone(),
                    col: col.key.clone(),
                    raw: p.raw,
                    parsed,
                    at: at.clone(),
                    inferred: true,
                });
            }
            None => missing.push(col.key.as_str()),
        }
    }
    if !missing.is_empty() {
        let message = format!(
            "{}: row {} ({at}): flattened run “{text}” splits several ways that satisfy every identity; ambiguous cells not mapped: {}",
            t.key,
            row.key,
            missing.join(", ")
        );
        out.warnings
            .push(MapWarning::new(WarningCode::Ambiguous, &t.key, message).at(&at));
    }
}

/// Rows of `t` found as labelled runs: (row index, run).
fn chain_rows(t: &TableDef, pairs: &[Pair]) -> Vec<(usize, Run)> {
    let chain = find_chain(t, pairs);
    // One labelled run alone is as likely a sentence as a table.
    if chain.len() < 2 {
        return Vec::new();
    }
    chain
        .into_iter()
        .filter_map(|(pi, ri)| pairs.get(pi).map(|p| (ri, p.run.clone())))
        .collect()
}

/// A wide table printed as one header then one run for all rows (表四: 行政复议 and the
/// two 行政诉讼 groups side by side): the first run after a segment naming three column
/// labels or more.
fn wide_run(t: &TableDef, pairs: &[Pair]) -> Option<Run> {
    let col_labels: Vec<String> = t
        .cols
        .iter()
        .flat_map(|c| c.labels.iter().map(|l| squash(l)))
        .filter(|l| l.chars().count() > 3)
        .collect();
    pairs
        .iter()
        .find(|p| {
            !p.narrative
                && p.run.chars.len() <= MAX_RUN
                && col_labels
                    .iter()
                    .filter(|l| p.label.contains(l.as_str()))
                    .count()
                    >= 3
        })
        .map(|p| p.run.clone())
}

/// Adds [`map_flattened`] cells for the tables `mapping` has no cell of (grids always
/// win: text recovery only fills tables no grid gave), with their warnings.
pub fn merge_missing(doc: &Document, tpl: &Template, mapping: &mut Mapping) {
    let missing: Vec<&str> = tpl
        .tables
        .iter()
        .map(|t| t.key.as_str())
        .filter(|k| !mapping.has_table(k))
        .collect();
    // Rows of a found table that no grid gave at all (表二 printed partly as text lines:
    // "行政许可 97").
    let missing_rows: HashSet<(String, String)> = tpl
        .tables
        .iter()
        .filter(|t| mapping.has_table(&t.key))
        .flat_map(|t| {
            // Tables whose rows have their own columns (表二); optional rows never count.
            t.rows
                .iter()
                .filter(|r| r.cols.is_some() && !r.optional)
                .map(move |r| (t.key.clone(), r.key.clone()))
        })
        .filter(|(t, r)| !mapping.cells.iter().any(|c| &c.table == t && &c.row == r))
        .collect();
    if missing.is_empty() && missing_rows.is_empty() {
        return;
    }
    let flat = map_flattened(doc, tpl);
    mapping.cells.extend(flat.cells.into_iter().filter(|c| {
        missing.contains(&c.table.as_str())
            || missing_rows.contains(&(c.table.clone(), c.row.clone()))
    }));
    mapping.warnings.extend(
        flat.warnings
            .into_iter()
            .filter(|w| missing.contains(&w.table.as_str())),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use gouji_check::template::templates;
    use gouji_doc::{Block, Paragraph};

    fn run(s: &str) -> Run {
        let mut chars = Vec::new();
        let mut cut = Vec::new();
        let mut pending = false;
        for c in s.chars() {
            if c == ' ' {
                pending = true;
                continue;
            }
            cut.push(pending || (c == '-' && !chars.is_empty()));
            chars.push(c);
            pending = false;
        }
        Run {
            chars,
            cut,
            para: 0,
        }
    }

    /// Seven counts, the last the sum of the others (表三's T3-COL).
    fn requests_row() -> Shape {
        Shape {
            kinds: vec![ValueKind::Count; 7],
            sums: vec![(6, (0..6).collect())],
        }
    }

    fn raws(c: &[Part]) -> Vec<&str> {
        c.iter().map(|p| p.raw.as_str()).collect()
    }

    fn doc(text: &str) -> Document {
        Document {
            blocks: vec![Block::Paragraph(Paragraph {
                text: text.into(),
                at: Provenance::Line {
                    line: 3,
                    field: None,
                },
            })],
            ..Document::default()
        }
    }

    #[test]
    fn row_sum_gives_the_one_split() {
        let c = splits(&run("21710000218"), &requests_row()).unwrap();
        assert_eq!(c.len(), 1, "{c:?}");
        let v: Vec<f64> = c[0].iter().map(|p| p.value).collect();
        assert_eq!(v, [217.0, 1.0, 0.0, 0.0, 0.0, 0.0, 218.0]);
    }

    #[test]
    fn all_zero_row() {
        let c = splits(&run("0000000"), &requests_row()).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(raws(&c[0]), ["0"; 7]);
    }

    #[test]
    fn leading_zeros_are_pruned() {
        assert_eq!(part_value(&['0', '1'], ValueKind::Count), None);
        assert_eq!(part_value(&['0'], ValueKind::Count), Some(0.0));
        assert_eq!(part_value(&['-', '0'], ValueKind::Signed), None);
        assert_eq!(part_value(&['-', '1', '5'], ValueKind::Signed), Some(-15.0));
        assert_eq!(part_value(&['-', '1'], ValueKind::Count), None);
        let two = Shape {
            kinds: vec![ValueKind::Count; 2],
            sums: Vec::new(),
        };
        let c = splits(&run("1010"), &two).unwrap();
        let all: Vec<Vec<&str>> = c.iter().map(|x| raws(x)).collect();
        // 1|010 would need a leading zero.
        assert_eq!(all, [vec!["10", "10"], vec!["101", "0"]]);
        // A printed space is a boundary: `20 0 00 0 121` has only one reading.
        let c = splits(&run("20 0 00 0 121"), &requests_row()).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(raws(&c[0]), ["20", "0", "0", "0", "0", "1", "21"]);
    }

    #[test]
    fn signed_cells_start_at_the_sign() {
        let shape = Shape {
            kinds: vec![ValueKind::Count, ValueKind::Signed],
            sums: Vec::new(),
        };
        let c = splits(&run("35-15"), &shape).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(raws(&c[0]), ["35", "-15"]);
    }

    #[test]
    fn ambiguous_run_stays_unresolved() {
        let tpl = &templates().unwrap()[0];
        let d = doc(
            "二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件6233440第二十条第（五）项信息内容本年处理决定数量行政许可4529",
        );
        let m = map_flattened(&d, tpl);
        assert!(m.get("active", "normative_docs", "issued").is_none());
        assert!(m.get("active", "normative_docs", "in_force").is_none());
        assert!(
            m.warnings.iter().any(|w| w.message.contains("6233440")),
            "{:?}",
            m.warnings
        );
        // The unambiguous rows around it are kept, with the paragraph's provenance.
        let lic = m.get("active", "licensing", "decisions").unwrap();
        assert_eq!(lic.raw, "4529");
        assert_eq!(
            lic.at,
            Provenance::Line {
                line: 3,
                field: None
            }
        );
        assert_eq!(m.get("active", "rules", "in_force").unwrap().raw, "0");
    }

    #[test]
    fn column_identities_decide_a_row_and_numbering_is_not_a_digit() {
        let tpl = &templates().unwrap()[0];
        // 表三 of a real report (2021) as a crawler flattened it. granted `270020130` splits
        // several ways by its row sum alone; the columns (new + carried_in =
        // processed_total + carried_out, processed_total = Σ results) keep one.
        let text = "一、本年新收政府信息公开申请数量640020470二、上年结转政府信息公开申请数量0000000三、本年度办理结果（一）予以公开270020130（二）部分公开（区分处理的，只计这一情形，不计其他情形）500000 5（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开00000003.危及“三安全一稳定”00000004.保护第三方合法权益00000005.属于三类内部事务信息10000016.属于四类过程性信息00000007.属于行政执法案卷60000068.属于行政查询事项1000001（四）无法提供1.本机关不掌握相关政府信息2200003252.没有现成信息需要另行制作00000003.补正后申请内容仍不明确0000000（五）不予处理1.信访举报投诉类申请00000002.重复申请00000003.要求提供公开出版物00000004.无正当理由大量反复申请00000005.要求行政机关确认或重新出具已获取信息0000000（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请00000002.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请00000003.其他1000001（七）总计630020469四、结转下年度继续办理1000001";
        let c = splits(&run("270020130"), &requests_row()).unwrap();
        assert!(c.len() > 1, "{c:?}");
        let m = map_flattened(&doc(text), tpl);
        let row = |r: &str| -> Vec<String> {
            m.cells
                .iter()
                .filter(|c| c.table == "requests" && c.row == r)
                .map(|c| c.raw.clone())
                .collect()
        };
        assert_eq!(row("granted"), ["27", "0", "0", "2", "0", "1", "30"]);
        // `…00000002.其他法律…`: the 2 numbers the next row.
        assert_eq!(row("denied_state_secret"), ["0"; 7]);
        assert_eq!(
            row("unable_not_held"),
            ["22", "0", "0", "0", "0", "3", "25"]
        );
        assert_eq!(row("partial"), ["5", "0", "0", "0", "0", "0", "5"]);
        assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    }

    #[test]
    fn long_runs_are_bounded() {
        let long: String = "1234567890".repeat(20);
        let started = std::time::Instant::now();
        let c = splits(&run(&long), &requests_row());
        assert!(c.is_none_or(|c| c.is_empty()));
        // A long run that could split (many zeros, 7 cells up to 17 chars each).
        let zeros = format!("1{}", "0".repeat(100));
        let c = splits(&run(&zeros), &requests_row());
        assert!(c.is_none_or(|c| c.is_empty()));
        let text =
            format!("一、本年新收政府信息公开申请数量{long}二、上年结转政府信息公开申请数量{long}");
        let tpl = &templates().unwrap()[0];
        let m = map_flattened(&doc(&text), tpl);
        assert!(m.cells.is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn narrative_numbers_are_not_rows() {
        let tpl = &templates().unwrap()[0];
        let m = map_flattened(
            &doc("全年本年新收政府信息公开申请数量21件，上年结转政府信息公开申请数量0件。"),
            tpl,
        );
        assert!(m.cells.is_empty(), "{:?}", m.cells);
    }

    #[test]
    fn bracketed_numbering_is_label_text() {
        let (pairs, _) = tokenize(&doc("第二十条第（12）项规章000"));
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].run.chars.iter().collect::<String>(), "000");
        assert!(pairs[0].label.ends_with("规章"));
    }

    #[test]
    fn no_panic_on_odd_text() {
        let tpl = &templates().unwrap()[0];
        for t in [
            "",
            "（12）规章（3）",
            "1",
            "-",
            "规章-",
            "规章1.",
            "行政许可9999999999999999999999规章0.5",
            "（1）",
            "一、本年新收政府信息公开申请数量\n1\n2",
        ] {
            let _ = map_flattened(&doc(t), tpl);
        }
    }
}
