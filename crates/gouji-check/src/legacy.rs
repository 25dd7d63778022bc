//! Checks of pre-2019 (`legacy`) reports: `templates/legacy.toml` over the report's
//! paragraphs and the cells of its 统计表 (the contract's `legacy` table, read by
//! `gouji-map`), and the readings of digits run together that the checks and the
//! cross-year pass try.

use crate::template::{TemplateError, TemplateSet};
use gouji_doc::Document;
use gouji_model::{CellValue, Finding, Severity};
use regex::Regex;
use serde::Deserialize;
use std::sync::OnceLock;

/// Column keys: the year column (`2013年度`) is `本年`, then `历年累计`.
pub const COLS: [&str; 2] = ["本年", "历年累计"];

/// What was read from a legacy report's 统计表.
#[derive(Debug, Default)]
pub struct LegacyTable {
    /// Cells of table `legacy` (row = printed label, normalised; col = `本年`/`历年累计`).
    pub cells: Vec<CellValue>,
    /// Rows left out, and why.
    pub warnings: Vec<String>,
    /// A 统计表 header was found at all.
    pub found: bool,
    /// Each `其中：1.… 2.…` breakdown: the parent row and its item rows (normalised
    /// labels), `None` when one of them could not be read at all.
    pub groups: Vec<Option<Group>>,
}

/// A row of the 统计表 and the rows its `其中` lists as its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The row broken down.
    pub parent: String,
    /// Its parts, in printed order.
    pub parts: Vec<String>,
}

/// Every way a row's printed numbers can be read as (本年, 历年累计): the one pair of a
/// row read as printed, or each split of digits run together that has no leading zero
/// and 本年 ≤ 历年累计. Empty for anything else.
pub fn readings(raw: &str) -> Vec<(f64, f64)> {
    let d = raw.trim();
    split_points(d)
        .into_iter()
        .filter_map(|k| Some((d[..k].parse().ok()?, d[k..].parse().ok()?)))
        .collect()
}

/// Where a run of 2–24 digits can be cut into (本年, 历年累计): no leading zero on either
/// side and 本年 ≤ 历年累计 (the cumulative includes the year).
pub fn split_points(d: &str) -> Vec<usize> {
    if d.len() < 2 || d.len() > 24 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    (1..d.len())
        .filter(|&k| {
            let (a, b) = d.split_at(k);
            let lead = |x: &str| x.len() > 1 && x.starts_with('0');
            let le = a.parse::<u128>().ok() <= b.parse::<u128>().ok();
            !lead(a) && !lead(b) && le
        })
        .collect()
}

/// Most items summed in one category list.
const MAX_ITEMS: usize = 100;

/// One check of `templates/legacy.toml`.
#[derive(Debug, Clone, Deserialize)]
struct RuleDef {
    id: String,
    kind: String,
    severity: Severity,
    /// `list_sum`/`list_share`: the stated total; `narrative`: the stated number.
    #[serde(default)]
    total: String,
    /// `list_sum`/`list_share`: one category (capture 1 its count, optional capture 2
    /// the share it states in per cent).
    #[serde(default)]
    item: String,
    /// `list_sum`: where a list whose total is stated elsewhere in the report begins
    /// ("主动公开政府信息的主要类别有："); empty: the list follows its total.
    #[serde(default)]
    list: String,
    /// `list_sum`: `sentence` (the list ends at the first 。) or `sentences` (each
    /// following sentence holding an item continues it: "其中，A…N条。B…M条。").
    #[serde(default)]
    scope: String,
    /// `narrative`: the 统计表 rows (any printed label of them) the number must equal.
    #[serde(default)]
    rows: Vec<String>,
    /// `narrative`: the 统计表 column.
    #[serde(default)]
    col: String,
    message: String,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    rule: Vec<RuleDef>,
}

/// A rule with its regexes compiled.
#[derive(Debug)]
pub(crate) struct Rule {
    def: RuleDef,
    total: Regex,
    item: Regex,
    list: Option<Regex>,
}

/// The kinds of legacy check `check` evaluates.
const KINDS: &[&str] = &["list_sum", "list_share", "narrative", "rate", "breakdown"];

/// The legacy checks of a template set: checked when the set loads (kinds, regex syntax,
/// which is cheap) and compiled the first time a legacy report needs them, so that
/// loading the set costs a process that never meets one nothing (see `LazyRegex`).
#[derive(Debug, Default)]
pub(crate) struct Rules {
    defs: Vec<RuleDef>,
    compiled: OnceLock<Vec<Rule>>,
}

impl Rules {
    /// The rules, compiled on first use. A regex that parses but exceeds the regex size
    /// limit would be left out here: `rules_load` keeps that from happening to the
    /// shipped ones.
    pub(crate) fn get(&self) -> &[Rule] {
        self.compiled
            .get_or_init(|| self.defs.iter().filter_map(compile_rule).collect())
    }
}

/// Parses a legacy rule file (`templates/legacy.toml`) of a template set. An unknown kind
/// or a bad regex is an error, not a check left out.
pub(crate) fn parse_rules(file: &str, src: &str) -> Result<Rules, TemplateError> {
    let f: RuleFile = crate::template::parse(file, src)?;
    for def in &f.rule {
        check_rule(file, def)?;
    }
    Ok(Rules {
        defs: f.rule,
        compiled: OnceLock::new(),
    })
}

fn check_rule(file: &str, def: &RuleDef) -> Result<(), TemplateError> {
    if !KINDS.contains(&def.kind.as_str()) {
        return Err(TemplateError::parse(
            file,
            format!("rule {}: unknown kind {:?}", def.id, def.kind),
        ));
    }
    for src in [&def.total, &def.item, &def.list] {
        regex_syntax::Parser::new()
            .parse(src)
            .map_err(|e| TemplateError::parse(file, format!("rule {}: bad regex: {e}", def.id)))?;
    }
    Ok(())
}

fn compile_rule(def: &RuleDef) -> Option<Rule> {
    let list = match def.list.as_str() {
        "" => None,
        l => Some(Regex::new(l).ok()?),
    };
    Some(Rule {
        total: Regex::new(&def.total).ok()?,
        item: Regex::new(&def.item).ok()?,
        list,
        def: def.clone(),
    })
}

/// The embedded set's legacy rules. A defect in the set is reported by every record
/// (`pipeline::analyze` fails them with the [`TemplateError`]), so none here.
fn rules() -> &'static [Rule] {
    TemplateSet::embedded().map_or(&[], |s| s.legacy().get())
}

/// The legacy checks (`templates/legacy.toml`) over the document's paragraphs and the
/// 统计表 cells read from it.
pub fn check(doc: &Document, table: &LegacyTable) -> Vec<Finding> {
    check_rules(rules(), doc, table)
}

/// As [`check`], with the legacy checks of a given template set.
pub fn check_with(set: &TemplateSet, doc: &Document, table: &LegacyTable) -> Vec<Finding> {
    check_rules(set.legacy().get(), doc, table)
}

fn check_rules(rules: &[Rule], doc: &Document, table: &LegacyTable) -> Vec<Finding> {
    let cells = table.cells.as_slice();
    let mut out = Vec::new();
    for r in rules.iter().filter(|r| r.def.kind == "breakdown") {
        for g in table.groups.iter().flatten() {
            breakdown(r, g, cells, &mut out);
        }
    }
    let paragraphs: Vec<_> = doc.paragraphs().collect();
    // For a list whose total is stated elsewhere: the report's first statement of it.
    let stated: Vec<Option<(f64, String)>> = rules
        .iter()
        .map(|r| {
            r.list.as_ref()?;
            paragraphs.iter().find_map(|q| {
                let c = r.total.captures(&q.text)?;
                let t = c.get(1)?.as_str().parse::<f64>().ok()?;
                Some((t, c.get(0)?.as_str().to_string()))
            })
        })
        .collect();
    for p in &paragraphs {
        let at = p.at.to_string();
        for (r, stated) in rules.iter().zip(&stated) {
            match (r.def.kind.as_str(), &r.list, stated) {
                ("narrative", _, _) => narrative(r, &p.text, &at, cells, &mut out),
                ("rate", _, _) => rate(r, &p.text, &at, &mut out),
                ("breakdown", _, _) => {}
                (_, Some(list), Some((total, stated))) => {
                    for m in list.find_iter(&p.text) {
                        let items = list_text(&p.text[m.end()..], &r.item, &r.def.scope);
                        let quote = format!("{stated} … {}{items}", m.as_str());
                        let ctx = ListCtx {
                            r,
                            total: *total,
                            quote: &quote,
                            at: &at,
                        };
                        evaluate_list(&ctx, items, &mut out);
                    }
                }
                (_, Some(_), None) => {}
                _ => list_after_total(r, &p.text, &at, &mut out),
            }
        }
    }
    out
}

/// Most combinations of readings tried for one check (here and in the cross-year pass).
pub(crate) const MAX_COMBINATIONS: usize = 10_000;

/// A row's possible (本年, 历年累计): the cells' values, or every reading of digits run
/// together; `None` when a cell is missing or unreadable.
fn row_readings(cells: &[CellValue], row: &str) -> Option<Vec<(f64, f64)>> {
    let get = |col: &str| cells.iter().find(|c| c.row == row && c.col == col);
    let (a, b) = (get(COLS[0])?, get(COLS[1])?);
    match (a.value, b.value) {
        (Some(x), Some(y)) => Some(vec![(x, y)]),
        _ => {
            let r = readings(&a.raw);
            (!r.is_empty()).then_some(r)
        }
    }
}

/// Every choice of one option per slot, given how many options each slot has, as
/// option indices in odometer order; `None` when a slot has none or there are more
/// than [`MAX_COMBINATIONS`].
pub(crate) fn choices(lens: &[usize]) -> Option<Vec<Vec<usize>>> {
    let n = lens.iter().try_fold(1usize, |acc, &l| acc.checked_mul(l))?;
    if n == 0 || n > MAX_COMBINATIONS {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; lens.len()];
    for _ in 0..n {
        out.push(idx.clone());
        for (i, &len) in idx.iter_mut().zip(lens) {
            *i += 1;
            if *i < len {
                break;
            }
            *i = 0;
        }
    }
    Some(out)
}

/// Every choice of one reading per row, or `None` past the cap.
fn combinations(options: &[Vec<(f64, f64)>]) -> Option<Vec<Vec<(f64, f64)>>> {
    let lens: Vec<usize> = options.iter().map(Vec::len).collect();
    let picks = choices(&lens)?;
    Some(
        picks
            .iter()
            .map(|p| p.iter().zip(options).map(|(&i, o)| o[i]).collect())
            .collect(),
    )
}

/// `breakdown`: a 统计表 row against its `其中` parts, per column. Rows whose digits run
/// together are tried in every reading: the finding stands only when no reading adds up,
/// so it never rests on a guessed split.
fn breakdown(r: &Rule, g: &Group, cells: &[CellValue], out: &mut Vec<Finding>) {
    let rows: Vec<&str> = std::iter::once(g.parent.as_str())
        .chain(g.parts.iter().map(String::as_str))
        .collect();
    let Some(options) = rows
        .iter()
        .map(|row| row_readings(cells, row))
        .collect::<Option<Vec<_>>>()
    else {
        return;
    };
    let exact = options.iter().all(|o| o.len() == 1);
    let Some(combos) = combinations(&options) else {
        return;
    };
    let side = |c: &[(f64, f64)], j: usize| {
        let pick = |p: &(f64, f64)| if j == 0 { p.0 } else { p.1 };
        (pick(&c[0]), c[1..].iter().map(pick).sum::<f64>())
    };
    let adds_up = |c: &[(f64, f64)], j: usize| {
        let (total, sum) = side(c, j);
        crate::arith::close(total, sum)
    };
    for (j, col) in COLS.iter().enumerate() {
        if combos.iter().any(|c| adds_up(c, j)) {
            continue;
        }
        let (found, expected) = side(&combos[0], j);
        let message = if exact {
            format!(
                "{}: {} = {expected}, printed {found}",
                r.def.message,
                g.parts.join(" + ")
            )
        } else {
            let runs: Vec<String> = rows
                .iter()
                .zip(&options)
                .filter(|(_, o)| o.len() > 1)
                .filter_map(|(row, _)| {
                    let c = cells.iter().find(|c| c.row == *row)?;
                    Some(format!(
                        "{row} {} ({} readings)",
                        c.raw,
                        readings(&c.raw).len()
                    ))
                })
                .collect();
            format!(
                "{}: {} ≠ {} in every reading of the digits run together ({})",
                r.def.message,
                g.parts.join(" + "),
                g.parent,
                runs.join("; ")
            )
        };
        out.push(Finding {
            table: Some("legacy".into()),
            row: Some(g.parent.clone()),
            col: Some(col.to_string()),
            rows: g.parts.clone(),
            expected: exact.then_some(expected),
            found: exact.then_some(found),
            cells: rows
                .iter()
                .map(|row| ("legacy".to_string(), row.to_string(), col.to_string()))
                .collect(),
            at: cells
                .iter()
                .find(|c| c.row == g.parent)
                .map(|c| c.at.clone()),
            ..finding(r, message)
        });
    }
}

/// `rate`: a stated rate against the two counts it is the ratio of ("受理117件，办结171
/// 件，办结率100%": 171 / 117 is 146 %), allowing one unit of the rate's last printed
/// decimal.
fn rate(r: &Rule, text: &str, at: &str, out: &mut Vec<Finding>) {
    for caps in r.total.captures_iter(text) {
        let num = |i: usize| caps.get(i)?.as_str().parse::<f64>().ok();
        let (Some(whole), Some(base), Some(part), Some(pct)) =
            (caps.get(0), num(1), num(2), num(3))
        else {
            continue;
        };
        let d = caps.get(3).map_or(0, |m| decimals(m.as_str()));
        if base <= 0.0 {
            continue;
        }
        let Some(shown) = rounding_mismatch(part / base * 100.0, pct, d) else {
            continue;
        };
        let message = format!(
            "{}: {part} of {base} is {shown}%, stated {pct}%",
            r.def.message
        );
        out.push(Finding {
            expected: Some(shown),
            found: Some(pct),
            quote: Some(whole.as_str().chars().take(300).collect()),
            at: Some(at.to_string()),
            ..finding(r, message)
        });
    }
}

/// `narrative`: a number the text states against the 统计表 cell its labels name; no
/// cell (not printed, or left out as ambiguous), no check.
fn narrative(r: &Rule, text: &str, at: &str, cells: &[CellValue], out: &mut Vec<Finding>) {
    let Some(cell) = cells
        .iter()
        .find(|c| c.col == r.def.col && r.def.rows.contains(&c.row))
    else {
        return;
    };
    let Some(table) = cell.value else { return };
    for caps in r.total.captures_iter(text) {
        let (Some(whole), Some(n)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let Ok(stated) = n.as_str().parse::<f64>() else {
            continue;
        };
        if stated == table {
            continue;
        }
        let message = format!("{}: text {stated}, 统计表 {table}", r.def.message);
        out.push(Finding {
            table: Some("legacy".into()),
            row: Some(cell.row.clone()),
            col: Some(cell.col.clone()),
            expected: Some(table),
            found: Some(stated),
            cells: vec![(cell.table.clone(), cell.row.clone(), cell.col.clone())],
            quote: Some(whole.as_str().to_string()),
            at: Some(at.to_string()),
            ..finding(r, message)
        });
    }
}

/// The text of a list that starts at the beginning of `rest`: up to the first 。, or
/// (scope `sentences`) over each following sentence that holds an item.
fn list_text<'a>(rest: &'a str, item: &Regex, scope: &str) -> &'a str {
    let first = rest.find('。').map_or(rest.len(), |i| i + '。'.len_utf8());
    if scope != "sentences" {
        return rest[..first].trim_end_matches('。');
    }
    let mut end = 0;
    for sentence in rest.split_inclusive('。') {
        if !item.is_match(sentence) {
            break;
        }
        end += sentence.len();
    }
    &rest[..end]
}

/// A stated total with the list that follows it (`list_sum` without `list`, and
/// `list_share`).
fn list_after_total(r: &Rule, text: &str, at: &str, out: &mut Vec<Finding>) {
    for caps in r.total.captures_iter(text) {
        let (Some(whole), Some(t)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let Ok(total) = t.as_str().parse::<f64>() else {
            continue;
        };
        let list = list_text(&text[whole.end()..], &r.item, &r.def.scope);
        let quote = format!("{}{list}", whole.as_str());
        let ctx = ListCtx {
            r,
            total,
            quote: &quote,
            at,
        };
        evaluate_list(&ctx, list, out);
    }
}

/// One category of a list.
#[derive(Debug, PartialEq)]
struct Item {
    count: f64,
    /// The share the text states, in per cent.
    pct: Option<f64>,
    /// Decimals of that share as printed (its rounding).
    pct_decimals: usize,
    /// A catch-all category (其他…): its presence says the list means to be complete.
    catch_all: bool,
}

fn items(item: &Regex, list: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let mut from = 0;
    for c in item.captures_iter(list).take(MAX_ITEMS) {
        let (Some(whole), Some(n)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let Ok(count) = n.as_str().parse() else {
            continue;
        };
        let pct_raw = c.get(2).map(|m| m.as_str());
        let label = list.get(from..whole.start()).unwrap_or("");
        from = whole.end();
        out.push(Item {
            count,
            pct: pct_raw.and_then(|p| p.parse().ok()),
            pct_decimals: pct_raw.map_or(0, decimals),
            catch_all: label.contains("其他") || label.contains("其它"),
        });
    }
    out
}

/// How many numbers `text` prints (runs of digits, a decimal point inside one).
fn numbers(text: &str) -> usize {
    static NUM: OnceLock<Regex> = OnceLock::new();
    NUM.get_or_init(|| Regex::new(r"\d+(?:\.\d+)?").expect("valid regex"))
        .find_iter(text)
        .count()
}

/// Where a list's finding comes from.
struct ListCtx<'a> {
    r: &'a Rule,
    total: f64,
    quote: &'a str,
    at: &'a str,
}

/// `list_sum`: the items against the total. A list that states its own total ("在…的2026
/// 条政府信息中，A…，B…") or breaks one down ("其中，A…N条。B…M条。") is read as
/// complete, as the reports mean it: any difference fires. A list whose total is stated
/// elsewhere ("主要类别有：…", the *main* categories) may leave some out, so a sum
/// below the total fires only when the list says it is complete (a catch-all 其他
/// category, or stated shares adding up to at least 95 %); a sum above it always does.
/// `list_share`: each stated share against count / total, allowing one unit of its
/// last printed decimal.
fn evaluate_list(ctx: &ListCtx, list: &str, out: &mut Vec<Finding>) {
    let items = items(&ctx.r.item, list);
    if items.len() < 2 {
        return;
    }
    let total = ctx.total;
    if ctx.r.def.kind == "list_share" {
        for it in &items {
            let Some(pct) = it.pct else { continue };
            let exact = it.count / total * 100.0;
            if total > 0.0
                && let Some(shown) = rounding_mismatch(exact, pct, it.pct_decimals)
            {
                let msg = format!(
                    "{}: {} of {total} is {shown}%, stated {pct}%",
                    ctx.r.def.message, it.count
                );
                out.push(list_finding(ctx, Some(shown), Some(pct), msg));
            }
        }
        return;
    }
    let sum: f64 = items.iter().map(|i| i.count).sum();
    let shares: Option<f64> = items.iter().map(|i| i.pct).sum();
    let complete = ctx.r.list.is_none()
        || items.iter().any(|i| i.catch_all)
        || shares.is_some_and(|s| s >= 95.0);
    // A number of the list that no item read may be a category printed another way
    // ("不予公开信息数1402。" without 条): a sum below the total is then a guess.
    let read = items.len() + items.iter().filter(|i| i.pct.is_some()).count();
    let all_read = numbers(list) <= read;
    if sum > total || (sum < total && complete && all_read) {
        let msg = format!(
            "{}: {} items sum to {sum}, stated {total}",
            ctx.r.def.message,
            items.len()
        );
        out.push(list_finding(ctx, Some(sum), Some(total), msg));
    }
}

fn list_finding(
    ctx: &ListCtx,
    expected: Option<f64>,
    found: Option<f64>,
    message: String,
) -> Finding {
    Finding {
        expected,
        found,
        quote: Some(ctx.quote.chars().take(300).collect()),
        at: Some(ctx.at.to_string()),
        ..finding(ctx.r, message)
    }
}

/// A finding of rule `r` with its message and nothing else filled in.
fn finding(r: &Rule, message: String) -> Finding {
    Finding {
        rule: r.def.id.clone(),
        severity: r.def.severity,
        table: None,
        row: None,
        col: None,
        rows: Vec::new(),
        expected: None,
        found: None,
        cells: Vec::new(),
        message,
        quote: None,
        at: None,
        expected_share_pct: None,
        found_share_pct: None,
    }
}

/// Decimals of a number as printed (`8.05` → 2): the rounding the text applied.
fn decimals(printed: &str) -> usize {
    printed.split_once('.').map_or(0, |(_, d)| d.len())
}

/// `exact` as printed with `decimals` decimals, when `stated` is off from it by more
/// than one unit of its last printed decimal (so `33%` and `33.3%` are right for 1/3,
/// `35%` is not); `None` when `stated` is right.
fn rounding_mismatch(exact: f64, stated: f64, decimals: usize) -> Option<f64> {
    let scale = 10f64.powi(i32::try_from(decimals).unwrap_or(0));
    ((exact - stated).abs() > 1.0 / scale).then(|| (exact * scale).round() / scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rules_load() {
        // Every rule of templates/legacy.toml compiles (a bad regex would drop it).
        assert_eq!(rules().len(), 10);
    }

    fn rule(id: &str, kind: &str) -> &'static Rule {
        rules()
            .iter()
            .find(|r| r.def.id == id && r.def.kind == kind)
            .expect("rule in templates/legacy.toml")
    }

    #[test]
    fn a_list_ends_at_its_sentence_or_runs_over_item_sentences() {
        let item = Regex::new(r"(\d+)条").expect("regex");
        let rest = "A 3条，B 4条。C 5条。结束了。";
        assert_eq!(list_text(rest, &item, "sentence"), "A 3条，B 4条");
        assert_eq!(list_text(rest, &item, "sentences"), "A 3条，B 4条。C 5条。");
        assert_eq!(list_text("无句号 1条", &item, "sentence"), "无句号 1条");
    }

    #[test]
    fn items_read_count_share_and_catch_all() {
        let r = rule("L-SUM", "list_sum");
        let got = items(&r.item, "甲类信息12条，占0.63%；其他信息3条");
        assert_eq!(
            got,
            vec![
                Item {
                    count: 12.0,
                    pct: Some(0.63),
                    pct_decimals: 2,
                    catch_all: false
                },
                Item {
                    count: 3.0,
                    pct: None,
                    pct_decimals: 0,
                    catch_all: true
                },
            ]
        );
    }

    fn findings(text: &str) -> Vec<(String, Option<f64>, Option<f64>)> {
        let mut doc = Document::default();
        doc.blocks
            .push(gouji_doc::Block::Paragraph(gouji_doc::Paragraph {
                text: text.to_string(),
                at: gouji_doc::Provenance::default(),
            }));
        check(&doc, &LegacyTable::default())
            .into_iter()
            .map(|f| (f.rule, f.expected, f.found))
            .collect()
    }

    #[test]
    fn a_main_category_list_short_of_the_total_is_not_a_finding() {
        // "主要类别" may leave categories out: short without a catch-all is no finding.
        let t = "2014年主动公开政府信息100条。主动公开政府信息的主要类别有：甲类信息30条，乙类信息20条。";
        assert!(findings(t).is_empty());
        // With 其他 it claims to be complete; above the total it is always wrong.
        let t = "2014年主动公开政府信息100条。主动公开政府信息的主要类别有：甲类信息30条，其他信息20条。";
        assert_eq!(findings(t), vec![("L-SUM".into(), Some(50.0), Some(100.0))]);
        let t = "2014年主动公开政府信息100条。主动公开政府信息的主要类别有：甲类信息80条，乙类信息40条。";
        assert_eq!(
            findings(t),
            vec![("L-SUM".into(), Some(120.0), Some(100.0))]
        );
    }

    #[test]
    fn shares_allow_their_printed_rounding() {
        // 1/3 = 33.33…%: "33.3%" and "33%" are right, "34%" is not.
        let ok = "在网站主动公开的3条政府信息中，甲类信息1条，占33.3%；乙类信息2条，占66.7%。";
        assert!(findings(ok).is_empty());
        let bad = "在网站主动公开的3条政府信息中，甲类信息1条，占35%；乙类信息2条，占66%。";
        assert_eq!(
            findings(bad),
            vec![("L-PCT".into(), Some(33.0), Some(35.0))]
        );
    }

    #[test]
    fn a_rate_allows_its_printed_rounding() {
        assert!(findings("共受理申请3件，办结2件，办结率66.7%。").is_empty());
        assert!(findings("共受理申请3件，办结2件，办结率67%。").is_empty());
        assert_eq!(
            findings("共受理审批事项117件，办结171件，办结率100%。"),
            vec![("L-RATE".into(), Some(146.0), Some(100.0))]
        );
        // No base, no rate.
        assert!(findings("受理申请0件，办结0件，办结率100%。").is_empty());
    }

    #[test]
    fn a_list_with_an_unread_number_is_never_reported_short() {
        let t = "信息总数100条，其中主动公开政府信息50条，不予公开信息数50。";
        assert!(findings(t).is_empty());
        let t = "信息总数100条，其中主动公开政府信息50条，依申请公开信息数40条。";
        assert_eq!(
            findings(t),
            vec![("L-PARTS".into(), Some(90.0), Some(100.0))]
        );
    }
}
