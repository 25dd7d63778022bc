//! The reconciler: evaluates a template's rules on a mapped report.
//!
//! Every rule comes from the template data (`templates/rules.toml`) and is evaluated here
//! by its kind. The reconciler sees canonical cells and paragraph text only; it knows
//! nothing about the format a report came in.
//!
//! Blank cells count as 0 in sums, except total cells (targets of `sum` rules): a blank
//! total is never read as 0 — it is MISSING-TOTAL when its parts are not all blank or 0,
//! and every rule that needs it is skipped. A rule whose cells were not printed at all is
//! skipped too; the missing cells are reported once as MISSING-CELLS.

use crate::arith::close;
use crate::cells::MappedCell;
use crate::rules::{Check, Form, Identity, Instance, Narrative, Rule, SectionMentions, Share};
use crate::template::{LazyRegex, SectionDef, TableDef, Template, ValueKind};
use gouji_model::number::{Parsed, fold_width};
use gouji_model::{CellRef, Finding, Severity};
use std::collections::{HashMap, HashSet};

/// What the reconciler knows about the report beyond its cells.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// Running text of the report (paragraphs in order).
    pub text: &'a str,
    /// Reporting year.
    pub year: Option<i32>,
    /// Whether `text` is all the report's text. It is not when pages were read by OCR,
    /// which reads only the cells of ruled tables: a rule that fires on text being
    /// absent (S-SECTIONS) is then not evaluated, since the absence proves nothing.
    pub text_complete: bool,
}

/// The state of one canonical cell.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Val {
    /// Not printed.
    Missing,
    /// Printed blank or as a "not applicable" mark.
    Blank,
    /// A number.
    Num(f64),
    /// Text that is not a number.
    Bad,
}

struct Cells<'a> {
    by_key: HashMap<(&'a str, &'a str, &'a str), &'a MappedCell>,
}

impl<'a> Cells<'a> {
    fn new(m: &'a [MappedCell]) -> Self {
        Cells {
            by_key: m
                .iter()
                .map(|c| ((c.table.as_str(), c.row.as_str(), c.col.as_str()), c))
                .collect(),
        }
    }

    fn get(&self, t: &str, r: &str, c: &str) -> Val {
        match self.by_key.get(&(t, r, c)) {
            None => Val::Missing,
            Some(mc) => match &mc.parsed {
                Parsed::Blank | Parsed::NullMark => Val::Blank,
                Parsed::Number { value, .. } => Val::Num(*value),
                Parsed::Text => Val::Bad,
            },
        }
    }

    fn printed(&self, t: &str, r: &str, c: &str) -> bool {
        self.by_key.contains_key(&(t, r, c))
    }
}

/// Whether any cell of `table` was found.
fn has_table(m: &[MappedCell], table: &str) -> bool {
    m.iter().any(|c| c.table == table)
}

fn cref(t: &str, r: &str, c: &str) -> CellRef {
    (t.to_string(), r.to_string(), c.to_string())
}

fn finding(rule: &Rule, table: &str, row: &str, col: &str) -> Finding {
    Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        table: Some(table.to_string()),
        row: Some(row.to_string()),
        col: Some(col.to_string()),
        rows: Vec::new(),
        expected: None,
        found: None,
        cells: Vec::new(),
        message: rule.message.clone(),
        quote: None,
        at: None,
        expected_share_pct: None,
        found_share_pct: None,
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A sum rule instantiated on one column (per = col) or row (per = row).
struct SumInstance<'r> {
    rule: &'r Rule,
    table: &'r str,
    /// (row, col) of the target.
    target: (String, String),
    /// (row, col) of the parts.
    parts: Vec<(String, String)>,
}

/// What a text rule reads of the report: the rule, the cells, the sum instances (for
/// totals printed blank) and the squashed running text.
#[derive(Clone, Copy)]
struct Eval<'a> {
    rule: &'a Rule,
    cells: &'a Cells<'a>,
    sums: &'a [SumInstance<'a>],
    text: &'a str,
}

/// The reconciler for one template.
pub struct Reconciler<'t> {
    tpl: &'t Template,
}

impl<'t> Reconciler<'t> {
    /// A reconciler for `tpl`.
    pub fn new(tpl: &'t Template) -> Self {
        Reconciler { tpl }
    }

    /// Evaluates every rule of the template.
    pub fn run(&self, m: &[MappedCell], ctx: &Context<'_>) -> Vec<Finding> {
        let cells = Cells::new(m);
        let sums = self.sum_instances(&cells);
        let totals: HashSet<(&str, String, String)> = sums
            .iter()
            .map(|s| (s.table, s.target.0.clone(), s.target.1.clone()))
            .collect();
        let mut out = Vec::new();
        let mut missing_total_done: HashSet<(String, String, String)> = HashSet::new();
        let text = squash(ctx.text);
        let eval = |rule| Eval {
            rule,
            cells: &cells,
            sums: &sums,
            text: &text,
        };
        for rule in &self.tpl.rules {
            match &rule.check {
                Check::Identity(i) if i.form == Form::Sum => {
                    for s in sums.iter().filter(|s| std::ptr::eq(s.rule, rule)) {
                        self.eval_sum(s, &cells, &totals, &mut out, &mut missing_total_done);
                    }
                }
                Check::Identity(i) => self.eval_balance(rule, i, &cells, &totals, &mut out),
                Check::Value => self.eval_value(rule, m, &mut out),
                Check::MissingTotal | Check::Same(_) => {}
                Check::MissingCells => self.eval_missing_cells(rule, &cells, m, &mut out),
                Check::Narrative(n) => self.eval_narrative(&eval(rule), n, &mut out),
                Check::Share(sh) => self.eval_share(&eval(rule), sh, &mut out),
                Check::SectionMentions(sm) => self.eval_section_mentions(&eval(rule), sm, &mut out),
                Check::Sections if ctx.text_complete => {
                    self.eval_sections(rule, m, &text, &mut out)
                }
                Check::Sections => {}
                Check::TemplateYear => self.eval_template_year(rule, ctx.year, &mut out),
            }
        }
        // MISSING-TOTAL findings come from sum rules; keep them only if the template has the rule.
        let mt = self
            .tpl
            .rules
            .iter()
            .find(|r| matches!(r.check, Check::MissingTotal));
        out.retain(|f| f.rule != "MISSING-TOTAL" || mt.is_some());
        if let Some(mt) = mt {
            for f in out.iter_mut().filter(|f| f.rule == "MISSING-TOTAL") {
                f.severity = mt.severity;
            }
        }
        out
    }

    /// TEMPLATE-YEAR: the family is not meant for the report's year.
    fn eval_template_year(&self, rule: &Rule, year: Option<i32>, out: &mut Vec<Finding>) {
        if let Some(y) = year
            && (y < self.tpl.years[0] || y > self.tpl.years[1])
        {
            let mut f = Finding {
                table: None,
                row: None,
                col: None,
                ..finding(rule, "", "", "")
            };
            f.message = format!(
                "{} (template {} is for {}–{}, report year {y})",
                rule.message,
                self.tpl.id,
                self.tpl.years[0],
                if self.tpl.years[1] >= 9999 {
                    "".to_string()
                } else {
                    self.tpl.years[1].to_string()
                }
            );
            out.push(f);
        }
    }

    /// How many instances of the template's arithmetic identities (sum and balance
    /// rules) hold and how many fail over `m`, counting only instances whose cells are all
    /// printed numbers. Used to rank two readings of a table, never to change a value.
    pub fn identity_tally(&self, m: &[MappedCell]) -> (usize, usize) {
        let cells = Cells::new(m);
        let (mut holds, mut fails) = (0, 0);
        for (t, inst) in self.identity_instances(&cells) {
            let side = |terms: &[crate::rules::CellTerm]| -> Option<f64> {
                terms
                    .iter()
                    .map(|c| match cells.get(t, c.row, c.col) {
                        Val::Num(v) if c.neg => Some(-v),
                        Val::Num(v) => Some(v),
                        _ => None,
                    })
                    .sum()
            };
            if inst.rhs.is_empty() {
                continue;
            }
            if let (Some(a), Some(b)) = (side(&inst.lhs), side(&inst.rhs)) {
                if close(a, b) {
                    holds += 1;
                } else {
                    fails += 1;
                }
            }
        }
        (holds, fails)
    }

    /// Every instance of the template's identities (sum and balance rules) on this
    /// report, with its table: `group:` terms expanded by what the report printed.
    fn identity_instances<'c>(
        &'c self,
        cells: &'c Cells,
    ) -> impl Iterator<Item = (&'t str, Instance<'t>)> + 'c {
        self.tpl
            .rules
            .iter()
            .filter_map(Rule::identity)
            .flat_map(move |i| {
                let t = self.table(&i.table);
                let insts = t.map_or_else(Vec::new, |t| {
                    i.instances(t, |r, c| cells.printed(&t.key, r, c))
                });
                let key: Option<&'t str> = t.map(|t| t.key.as_str());
                insts.into_iter().filter_map(move |inst| Some((key?, inst)))
            })
    }

    fn table(&self, key: &str) -> Option<&'t TableDef> {
        self.tpl.table(key)
    }

    fn sum_instances(&self, cells: &Cells) -> Vec<SumInstance<'t>> {
        let mut out = Vec::new();
        for rule in &self.tpl.rules {
            let Some(i) = rule.identity().filter(|i| i.form == Form::Sum) else {
                continue;
            };
            let Some(t) = self.table(&i.table) else {
                continue;
            };
            for inst in i.instances(t, |r, c| cells.printed(&t.key, r, c)) {
                let Some(target) = inst.anchor() else {
                    continue;
                };
                out.push(SumInstance {
                    rule,
                    table: &t.key,
                    target: (target.row.to_string(), target.col.to_string()),
                    parts: inst
                        .rhs
                        .iter()
                        .map(|c| (c.row.to_string(), c.col.to_string()))
                        .collect(),
                });
            }
        }
        out
    }

    fn eval_sum(
        &self,
        s: &SumInstance,
        cells: &Cells,
        totals: &HashSet<(&str, String, String)>,
        out: &mut Vec<Finding>,
        mt_done: &mut HashSet<(String, String, String)>,
    ) {
        let (tr, tc) = (&s.target.0, &s.target.1);
        let target = cells.get(s.table, tr, tc);
        if target == Val::Missing || s.parts.is_empty() {
            return;
        }
        let mut sum = 0.0;
        let mut any_nonzero = false;
        for (r, c) in &s.parts {
            match cells.get(s.table, r, c) {
                Val::Missing | Val::Bad => return,
                Val::Blank if totals.contains(&(s.table, r.clone(), c.clone())) => return,
                Val::Blank => {}
                Val::Num(v) => {
                    sum += v;
                    any_nonzero |= v != 0.0;
                }
            }
        }
        let refs: Vec<CellRef> = s
            .parts
            .iter()
            .map(|(r, c)| cref(s.table, r, c))
            .chain(std::iter::once(cref(s.table, tr, tc)))
            .collect();
        match target {
            Val::Blank if any_nonzero && mt_done.insert(cref(s.table, tr, tc)) => {
                let mut f = finding(s.rule, s.table, tr, tc);
                f.rule = "MISSING-TOTAL".into();
                f.severity = Severity::Warning;
                f.expected = Some(sum);
                f.found = None;
                f.cells = refs;
                f.message = format!(
                    "合计单元格空白，分项之和为 {} (total cell {}.{}.{} is blank; its parts sum to {})",
                    fmt_num(sum),
                    s.table,
                    tr,
                    tc,
                    fmt_num(sum)
                );
                f.at = self.at(cells, s.table, tr, tc);
                out.push(f);
            }
            Val::Num(v) if !close(v, sum) => {
                let mut f = finding(s.rule, s.table, tr, tc);
                f.expected = Some(sum);
                f.found = Some(v);
                f.cells = refs;
                f.message = format!(
                    "{}: {}.{} 印为 {}，分项之和为 {}",
                    s.rule.message,
                    tr,
                    tc,
                    fmt_num(v),
                    fmt_num(sum)
                );
                f.at = self.at(cells, s.table, tr, tc);
                out.push(f);
            }
            _ => {}
        }
    }

    fn at(&self, cells: &Cells, t: &str, r: &str, c: &str) -> Option<String> {
        cells
            .by_key
            .get(&(t, r, c))
            .map(|mc| mc.at.to_string())
            .filter(|s| !s.is_empty())
    }

    fn eval_balance(
        &self,
        rule: &Rule,
        identity: &Identity,
        cells: &Cells,
        totals: &HashSet<(&str, String, String)>,
        out: &mut Vec<Finding>,
    ) {
        let Some(t) = self.table(&identity.table) else {
            return;
        };
        let tk = t.key.as_str();
        'line: for inst in identity.instances(t, |r, c| cells.printed(tk, r, c)) {
            let mut sides = [0.0f64; 2];
            let mut refs = Vec::new();
            for (side, terms) in [&inst.lhs, &inst.rhs].into_iter().enumerate() {
                for c in terms {
                    let (r, col) = (c.row, c.col);
                    match cells.get(tk, r, col) {
                        Val::Missing | Val::Bad => continue 'line,
                        Val::Blank if totals.contains(&(tk, r.to_string(), col.to_string())) => {
                            continue 'line;
                        }
                        Val::Blank => {}
                        Val::Num(v) => sides[side] += if c.neg { -v } else { v },
                    }
                    refs.push(cref(tk, r, col));
                }
            }
            let Some(anchor_cell) = inst.anchor() else {
                continue;
            };
            if !close(sides[0], sides[1]) {
                // Anchored on the first left-hand cell: what it would have to be for the
                // balance to hold, against what is printed.
                let (ar, ac) = (&anchor_cell.row, &anchor_cell.col);
                let anchor = match cells.get(tk, ar, ac) {
                    Val::Num(v) => v,
                    _ => 0.0,
                };
                let mut f = finding(rule, tk, ar, ac);
                f.expected = Some(sides[1] - (sides[0] - anchor));
                f.found = Some(anchor);
                f.cells = refs;
                f.message = format!(
                    "{}: {} 列 {} ≠ {}",
                    rule.message,
                    inst.line,
                    fmt_num(sides[0]),
                    fmt_num(sides[1])
                );
                f.at = self.at(cells, tk, ar, ac);
                out.push(f);
            }
        }
    }

    fn eval_value(&self, rule: &Rule, m: &[MappedCell], out: &mut Vec<Finding>) {
        for mc in m {
            let kind = self
                .table(&mc.table)
                .and_then(|t| t.col(&mc.col))
                .map(|c| c.value)
                .unwrap_or_default();
            let problem = match (&mc.parsed, kind) {
                (Parsed::Text, _) => Some("不是数字 (not a number)"),
                (Parsed::Number { value, .. }, ValueKind::Count) if *value < 0.0 => {
                    Some("负数 (negative count)")
                }
                (Parsed::Number { value, .. }, ValueKind::Count | ValueKind::Signed)
                    if value.fract() != 0.0 =>
                {
                    Some("非整数 (fractional count)")
                }
                (Parsed::Number { value, .. }, ValueKind::Amount) if *value < 0.0 => {
                    Some("负数 (negative amount)")
                }
                _ => None,
            };
            if let Some(p) = problem {
                let mut f = finding(rule, &mc.table, &mc.row, &mc.col);
                f.found = mc.parsed.value();
                f.cells = vec![cref(&mc.table, &mc.row, &mc.col)];
                f.message = format!("{}: “{}” {p}", rule.message, mc.raw);
                f.at = Some(mc.at.to_string()).filter(|s| !s.is_empty());
                out.push(f);
            }
        }
    }

    fn eval_missing_cells(
        &self,
        rule: &Rule,
        cells: &Cells,
        m: &[MappedCell],
        out: &mut Vec<Finding>,
    ) {
        let mut missing = Missing::default();
        for t in &self.tpl.tables {
            if has_table(m, &t.key) {
                missing.scan_table(t, cells);
            } else {
                missing.tables.push(t.key.clone());
            }
        }
        out.extend(missing.into_finding(rule));
    }

    /// The value a narrative statement is compared with: the printed cell, or for a blank
    /// total, the sum of its parts.
    fn derived(
        &self,
        cells: &Cells,
        sums: &[SumInstance],
        t: &str,
        r: &str,
        c: &str,
    ) -> Option<f64> {
        match cells.get(t, r, c) {
            Val::Num(v) => Some(v),
            Val::Missing | Val::Bad => None,
            Val::Blank => {
                let inst = sums
                    .iter()
                    .find(|s| s.table == t && s.target.0 == r && s.target.1 == c);
                match inst {
                    None => Some(0.0),
                    Some(s) => {
                        let mut sum = 0.0;
                        for (pr, pc) in &s.parts {
                            match cells.get(t, pr, pc) {
                                Val::Num(v) => sum += v,
                                Val::Blank => {}
                                _ => return None,
                            }
                        }
                        Some(sum)
                    }
                }
            }
        }
    }

    /// Sum of "row.col" references (rows may be `group:KEY`), or None if any is missing.
    fn reading(
        &self,
        cells: &Cells,
        sums: &[SumInstance],
        t: &TableDef,
        refs: &[String],
    ) -> Option<(f64, Vec<(String, String)>)> {
        let mut total = 0.0;
        let mut used = Vec::new();
        for rf in refs {
            let (r, c) = rf.split_once('.').unwrap_or((rf.as_str(), "total"));
            let mut rows = Vec::new();
            t.expand_row(r, |row| cells.printed(&t.key, row, c), &mut rows);
            for row in rows {
                total += self.derived(cells, sums, &t.key, row, c)?;
                used.push((row.to_string(), c.to_string()));
            }
        }
        (!used.is_empty()).then_some((total, used))
    }

    fn eval_narrative(&self, e: &Eval, n: &Narrative, out: &mut Vec<Finding>) {
        let Eval {
            rule,
            cells,
            sums,
            text,
        } = *e;
        let Some(t) = self.table(&n.table) else {
            return;
        };
        let readings: Vec<(f64, Vec<(String, String)>)> = n
            .readings
            .iter()
            .filter_map(|r| self.reading(cells, sums, t, r))
            .collect();
        let Some(primary) = readings.first() else {
            return;
        };
        let mut seen = HashSet::new();
        for re in n.patterns.iter().filter_map(LazyRegex::get) {
            for caps in re.captures_iter(text) {
                let (Some(whole), Some(num)) = (caps.get(0), caps.get(1)) else {
                    continue;
                };
                let clause = clause_around(text, whole.start(), whole.end());
                if n.unless
                    .iter()
                    .filter_map(LazyRegex::get)
                    .any(|u| u.is_match(clause))
                {
                    continue;
                }
                let Ok(stated) = num.as_str().replace(',', "").parse::<f64>() else {
                    continue;
                };
                if readings.iter().any(|(v, _)| close(*v, stated)) || !seen.insert(stated as i64) {
                    continue;
                }
                let (r0, c0) = &primary.1[0];
                let mut f = finding(rule, &t.key, r0, c0);
                f.expected = Some(primary.0);
                f.found = Some(stated);
                f.cells = primary.1.iter().map(|(r, c)| cref(&t.key, r, c)).collect();
                let rows: Vec<String> = dedup(primary.1.iter().map(|(r, _)| r.clone()));
                if rows.len() > 1 {
                    f.rows = rows;
                }
                f.quote = Some(clause.to_string());
                f.message = format!(
                    "{}: 正文“{}”为 {}，表格为 {}",
                    rule.message,
                    clause,
                    fmt_num(stated),
                    fmt_num(primary.0)
                );
                f.at = self.at(cells, &t.key, r0, c0);
                out.push(f);
            }
        }
    }

    fn eval_share(&self, e: &Eval, sh: &Share, out: &mut Vec<Finding>) {
        let Eval {
            rule,
            cells,
            sums,
            text,
        } = *e;
        let (Some(t), Some(re)) = (self.table(&sh.table), sh.regex.get()) else {
            return;
        };
        let denoms: Vec<f64> = sh
            .denominators
            .iter()
            .filter_map(|d| self.reading(cells, sums, t, d).map(|x| x.0))
            .filter(|d| *d > 0.0)
            .collect();
        let ncat = sh.categories.len();
        for caps in re.captures_iter(text) {
            let Some(k) = (1..=ncat).find(|&i| caps.get(i).is_some()) else {
                continue;
            };
            let (Some(whole), Some(cnt), Some(pct)) =
                (caps.get(0), caps.get(ncat + 1), caps.get(ncat + 2))
            else {
                continue;
            };
            let (Ok(stated), Ok(stated_pct)) = (
                cnt.as_str().replace(',', "").parse::<f64>(),
                pct.as_str().parse::<f64>(),
            ) else {
                continue;
            };
            let cat = &sh.categories[k - 1];
            let Some((sum, used)) = self.reading(
                cells,
                sums,
                t,
                &cat.rows
                    .iter()
                    .map(|r| format!("{r}.total"))
                    .collect::<Vec<_>>(),
            ) else {
                continue;
            };
            // The clause before the category may name one of its rows (“因本机关不掌握等原因
            // 无法提供265件”): that row alone is then a valid reading too.
            let clause = clause_around(text, whole.start(), whole.end());
            let mut readings = vec![sum];
            for (r, _) in &used {
                if let Some(def) = t.row(r)
                    && def.keywords.iter().any(|kw| clause.contains(kw.as_str()))
                    && let Some(v) = self.derived(cells, sums, &t.key, r, "total")
                {
                    readings.push(v);
                }
            }
            let count_ok = readings.iter().any(|v| close(*v, stated));
            let decimals = pct.as_str().split('.').nth(1).map_or(0, str::len) as i32;
            let tol = 10f64.powi(-decimals).max(0.1) + 1e-9;
            let pct_ok = denoms
                .iter()
                .any(|d| (stated / d * 100.0 - stated_pct).abs() <= tol);
            if count_ok && (pct_ok || denoms.is_empty()) {
                continue;
            }
            let (r0, c0) = &used[0];
            let mut f = finding(rule, &t.key, r0, c0);
            f.expected = Some(sum);
            f.found = Some(stated);
            f.cells = used.iter().map(|(r, c)| cref(&t.key, r, c)).collect();
            let rows: Vec<String> = dedup(used.iter().map(|(r, _)| r.clone()));
            if rows.len() > 1 {
                f.rows = rows;
            }
            if let Some(d) = denoms.first() {
                let scale = 10f64.powi(decimals.max(1));
                f.expected_share_pct = Some((sum / d * 100.0 * scale).round() / scale);
            }
            f.found_share_pct = Some(stated_pct);
            f.quote = Some(clause.to_string());
            f.message = format!(
                "{}: 正文“{}”，表格为 {} 件{}",
                rule.message,
                clause,
                fmt_num(sum),
                f.expected_share_pct
                    .map(|p| format!("，占 {p}%"))
                    .unwrap_or_default()
            );
            f.at = self.at(cells, &t.key, r0, c0);
            out.push(f);
        }
    }

    fn eval_section_mentions(&self, e: &Eval, sm: &SectionMentions, out: &mut Vec<Finding>) {
        let Eval {
            rule,
            cells,
            sums,
            text,
        } = *e;
        let Some(t) = self.table(&sm.table) else {
            return;
        };
        let (when, sec) = (&sm.when, &sm.section);
        let Some((v, used)) = self.reading(cells, sums, t, std::slice::from_ref(when)) else {
            return;
        };
        if v <= 0.0 {
            return;
        }
        let Some(def) = self.tpl.sections.iter().find(|s| &s.key == sec) else {
            return;
        };
        let Some(start) = section_start(text, def) else {
            return;
        };
        let body = &text[start..];
        if sm.keywords.iter().any(|k| body.contains(k.as_str())) {
            return;
        }
        let (r0, c0) = &used[0];
        let mut f = finding(rule, &t.key, r0, c0);
        f.expected = Some(v);
        f.cells = vec![cref(&t.key, r0, c0)];
        f.at = self.at(cells, &t.key, r0, c0);
        out.push(f);
    }

    fn eval_sections(&self, rule: &Rule, m: &[MappedCell], text: &str, out: &mut Vec<Finding>) {
        let mut absent = Vec::new();
        for s in &self.tpl.sections {
            let by_table = s.table.as_deref().is_some_and(|t| has_table(m, t));
            if !by_table && section_start(text, s).is_none() {
                absent.push(s.labels[0].clone());
            }
        }
        if absent.is_empty() {
            return;
        }
        let mut f = finding(rule, "", "", "");
        f.table = None;
        f.row = None;
        f.col = None;
        f.message = format!("{}: {}", rule.message, absent.join("、"));
        out.push(f);
    }
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in it {
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

/// Removes whitespace (PDF line breaks inside words, spaces around numbers) and folds
/// full-width digits, so patterns need not care.
pub fn squash(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = fold_width(text).chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == '\n' {
            out.push('\n');
            continue;
        }
        if c.is_whitespace() {
            // Keep a space only between two ASCII alphanumerics (English words, "3 4").
            let prev = out.chars().last();
            let next = chars.get(i + 1).copied();
            if prev.is_some_and(|p| p.is_ascii_alphabetic())
                && next.is_some_and(|n| n.is_ascii_alphabetic())
            {
                out.push(' ');
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The clause around a match: from the previous clause delimiter to the next one.
fn clause_around(text: &str, start: usize, end: usize) -> &str {
    let is_delim = |c: char| matches!(c, '，' | '。' | '；' | ';' | '\n' | '！' | '？' | ',');
    let s = text[..start]
        .char_indices()
        .rev()
        .find(|&(_, c)| is_delim(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let e = text[end..]
        .char_indices()
        .find(|&(_, c)| is_delim(c))
        .map_or(text.len(), |(i, _)| end + i);
    &text[s..e]
}

/// Byte offset of the last heading of `section` in squashed text (`六、其他需要报告的
/// 事项`): a label preceded closely by a Chinese or Arabic numeral with 、 . or ：, with no
/// clause break in between. No line start is required: flattened crawler text runs
/// headings into table digits. Hand-written because a regex per section cost more to
/// compile than a whole report takes to check.
pub fn section_start(text: &str, section: &SectionDef) -> Option<usize> {
    section
        .labels
        .iter()
        .flat_map(|l| text.match_indices(l.as_str()))
        .filter_map(|(pos, _)| heading_before(text, pos))
        .max()
}

/// If a heading number (`六、`, `第六部分：`, `6.`) stands within 14 characters before
/// `pos`, the byte offset where it starts.
fn heading_before(text: &str, pos: usize) -> Option<usize> {
    let is_cn = |c: char| "一二三四五六七八九十".contains(c);
    let before: Vec<(usize, char)> = text[..pos].char_indices().rev().take(24).collect();
    // before[0] is the character just before the label.
    for (k, &(_, c)) in before.iter().enumerate() {
        if k > 14 || matches!(c, '。' | '，' | '；' | ',' | ';' | '\n') {
            return None;
        }
        // （一）主要问题: a bracketed number stands for its own separator.
        if matches!(c, '）' | ')') {
            let mut j = k + 1;
            while before
                .get(j)
                .is_some_and(|x| is_cn(x.1) || x.1.is_ascii_digit())
                && j - k <= 2
            {
                j += 1;
            }
            if j > k + 1 && before.get(j).is_some_and(|x| matches!(x.1, '（' | '(')) {
                return Some(before[j].0);
            }
            continue;
        }
        if !matches!(c, '、' | '.' | '．' | ':' | '：') {
            continue;
        }
        // 3.5 is a decimal, not "3." followed by text.
        if c == '.' && k > 0 && before[k - 1].1.is_ascii_digit() {
            continue;
        }
        let mut rest = &before[k + 1..];
        // Optional 部分 between the number and the separator (第六部分：).
        if rest.len() >= 2 && rest[0].1 == '分' && rest[1].1 == '部' {
            rest = &rest[2..];
        }
        let cn = rest.iter().take(2).take_while(|x| is_cn(x.1)).count();
        if cn > 0 {
            return Some(rest[cn - 1].0);
        }
        let digits = rest
            .iter()
            .take(2)
            .take_while(|x| x.1.is_ascii_digit())
            .count();
        // 6. is a heading; 18651.06 is not.
        let part_of_number = rest
            .get(digits)
            .is_some_and(|x| x.1.is_ascii_digit() || x.1 == '.');
        if digits > 0 && !part_of_number {
            return Some(rest[digits - 1].0);
        }
    }
    None
}

/// What `MISSING-CELLS` collects over a report's tables.
#[derive(Debug, Default)]
struct Missing {
    /// Tables not found at all.
    tables: Vec<String>,
    /// Every expected cell not printed.
    cells: Vec<CellRef>,
    /// `table.row` of expected rows none of whose cells is printed.
    rows: Vec<String>,
    /// `table.col` of expected columns none of whose cells is printed.
    cols: Vec<String>,
}

impl Missing {
    /// The expected cells of a found table that were not printed.
    fn scan_table(&mut self, t: &TableDef, cells: &Cells) {
        let rows: Vec<&str> = t
            .rows
            .iter()
            .filter(|r| !r.optional && row_expected(t, &r.key, cells))
            .map(|r| r.key.as_str())
            .collect();
        let cols: Vec<&str> = t.required_cols().map(|c| c.key.as_str()).collect();
        for r in &rows {
            let here: Vec<&str> = cols
                .iter()
                .copied()
                .filter(|c| t.row_has_col(r, c))
                .collect();
            let absent: Vec<&str> = here
                .iter()
                .copied()
                .filter(|c| !cells.printed(&t.key, r, c))
                .collect();
            if !absent.is_empty() && absent.len() == here.len() {
                self.rows.push(format!("{}.{}", t.key, r));
            }
            self.cells.extend(absent.iter().map(|c| cref(&t.key, r, c)));
        }
        for c in &cols {
            let under: Vec<&&str> = rows.iter().filter(|r| t.row_has_col(r, c)).collect();
            if !under.is_empty() && under.iter().all(|r| !cells.printed(&t.key, r, c)) {
                self.cols.push(format!("{}.{}", t.key, c));
            }
        }
    }

    /// The one finding naming everything missing, anchored on the row (or column) every
    /// missing cell shares; none when nothing is missing.
    fn into_finding(self, rule: &Rule) -> Option<Finding> {
        if self.tables.is_empty() && self.cells.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        if !self.tables.is_empty() {
            parts.push(format!("tables not found: {}", self.tables.join(", ")));
        }
        if !self.rows.is_empty() {
            parts.push(format!("rows not found: {}", self.rows.join(", ")));
        }
        if !self.cols.is_empty() {
            parts.push(format!("columns not found: {}", self.cols.join(", ")));
        }
        if !self.cells.is_empty() {
            parts.push(format!("{} cells not found", self.cells.len()));
        }
        let mut f = finding(rule, "", "", "");
        f.table = self
            .tables
            .first()
            .cloned()
            .or_else(|| self.cells.first().map(|c| c.0.clone()));
        let same = |k: fn(&CellRef) -> &String| {
            self.tables.is_empty()
                && self
                    .cells
                    .first()
                    .is_some_and(|m0| self.cells.iter().all(|m| k(m) == k(m0)))
        };
        f.row = same(|c| &c.1).then(|| self.cells[0].1.clone());
        f.col = same(|c| &c.2).then(|| self.cells[0].2.clone());
        f.cells = self.cells;
        f.message = format!("{}: {}", rule.message, parts.join("; "));
        Some(f)
    }
}

/// Whether row `r` of `t` is expected in this report: a row standing in for a group
/// (（六）其他处理) replaces the group's members when it is printed, and is not expected
/// when they are (or when the group has members at all).
fn row_expected(t: &TableDef, r: &str, cells: &Cells) -> bool {
    let printed = |row: &str| t.cols.iter().any(|c| cells.printed(&t.key, row, &c.key));
    let Some(def) = t.row(r) else {
        return false;
    };
    let group = def.group.as_deref().and_then(|g| t.row_group(g));
    if let Some(single) = group.and_then(|g| g.single.as_deref())
        && printed(single)
    {
        return false;
    }
    let Some(g) = t.row_groups.iter().find(|g| g.single.as_deref() == Some(r)) else {
        return true;
    };
    let members = || {
        t.rows
            .iter()
            .filter(|x| x.group.as_deref() == Some(g.key.as_str()))
    };
    let members_printed = members().any(|x| printed(&x.key));
    let has_members = members().any(|x| x.key != r);
    !(members_printed || has_members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(cells: &[(&str, &str, &str)]) -> Vec<MappedCell> {
        cells
            .iter()
            .map(|&(t, r, c)| MappedCell {
                table: t.into(),
                row: r.into(),
                col: c.into(),
                raw: "1".into(),
                parsed: Parsed::Number {
                    value: 1.0,
                    unit: None,
                    note: None,
                },
                at: gouji_doc::Provenance::None,
                inferred: false,
            })
            .collect()
    }

    fn requests() -> &'static TableDef {
        let tpl = &crate::template::templates().unwrap()[0];
        tpl.tables.iter().find(|t| t.key == "requests").unwrap()
    }

    /// Regression (every scanned report): S-SECTIONS fired because OCR reads no headings.
    #[test]
    fn sections_are_not_checked_on_incomplete_text() {
        let tpl = &crate::template::templates().unwrap()[0];
        let m = mapped(&[("requests", "new", "total")]);
        let fires = |text_complete| {
            let ctx = Context {
                text: "一、总体情况",
                year: Some(2024),
                text_complete,
            };
            Reconciler::new(tpl)
                .run(&m, &ctx)
                .iter()
                .any(|f| f.rule == "S-SECTIONS")
        };
        assert!(fires(true));
        assert!(!fires(false));
    }

    #[test]
    fn the_single_other_row_stands_in_for_its_group() {
        let t = requests();
        // Only the single （六） row printed: its members are not expected, nor is the
        // row itself once members exist in the template.
        let m = mapped(&[("requests", "other", "total")]);
        let cells = Cells::new(&m);
        assert!(!row_expected(t, "other_misc", &cells));
        assert!(!row_expected(t, "other", &cells));
        // Nothing of （六） printed: the member rows are expected.
        let m = mapped(&[("requests", "new", "total")]);
        assert!(row_expected(t, "other_misc", &Cells::new(&m)));
    }

    #[test]
    fn missing_names_rows_columns_and_anchors_on_a_shared_row() {
        let t = requests();
        let all: Vec<(&str, &str, &str)> = t
            .rows
            .iter()
            .filter(|r| !r.optional && r.key != "new")
            .flat_map(|r| {
                t.cols
                    .iter()
                    .map(move |c| ("requests", r.key.as_str(), c.key.as_str()))
            })
            .collect();
        let m = mapped(&all);
        let mut missing = Missing::default();
        missing.scan_table(t, &Cells::new(&m));
        assert_eq!(missing.rows, vec!["requests.new"]);
        assert!(missing.cols.is_empty());
        let rule = crate::template::templates().unwrap()[0]
            .rules
            .iter()
            .find(|r| r.id == "MISSING-CELLS")
            .unwrap()
            .clone();
        let f = missing.into_finding(&rule).unwrap();
        assert_eq!(f.row.as_deref(), Some("new"));
        assert_eq!(f.col, None);
        assert!(
            f.message.contains("rows not found: requests.new"),
            "{}",
            f.message
        );
        assert!(Missing::default().into_finding(&rule).is_none());
    }

    #[test]
    fn squash_removes_layout_whitespace() {
        assert_eq!(squash("受理 3119 件，答\n复"), "受理3119件,答\n复");
        assert_eq!(squash("ab cd"), "ab cd");
        assert_eq!(squash("１２件"), "12件");
    }

    #[test]
    fn clauses() {
        let t = "甲，共受理申请859件，申请数量较去年回落12.3%；答复805件。";
        let s = t.find("共").unwrap();
        assert_eq!(clause_around(t, s, s + 3), "共受理申请859件");
    }

    #[test]
    fn section_headings() {
        let sec = SectionDef {
            key: "other".into(),
            labels: vec!["其他需要报告的事项".to_string()],
            table: None,
        };
        assert!(section_start("五、问题\n六、其他需要报告的事项\n无。", &sec).is_some());
        assert!(section_start("本报告包括总体情况、其他需要报告的事项。", &sec).is_none());
        assert!(section_start("行政事业性收费18651.06六、其他需要报告的事项", &sec).is_some());
        assert!(section_start("第六部分：其他需要报告的事项", &sec).is_some());
        assert!(section_start("六、政府信息公开工作其他需要报告的事项", &sec).is_some());
        assert!(section_start("共3.5其他需要报告的事项", &sec).is_none());
        assert!(section_start("（六）其他需要报告的事项", &sec).is_some());
        assert!(section_start("(6)其他需要报告的事项", &sec).is_some());
        assert!(section_start("说明）其他需要报告的事项", &sec).is_none());
    }
}
