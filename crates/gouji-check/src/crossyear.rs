//! Cross-year checks: the reports of one agency in consecutive years must chain
//! (this year's 上年结转 is last year's 结转下年度; 现行有效 follows from last year's).
//!
//! Rules are data (`templates/cross.toml`). Records are reduced to the few cells the
//! rules need plus a fingerprint of their tables, so a batch of any size is checked in
//! one streaming pass over its records with small memory per report.

use crate::rules::{Check, Identity, Instance, Rule, Same};
use crate::template::{Per, RuleDef, TemplateError, TemplateSet};
use gouji_model::{CellRef, Finding, Record};
use serde::Deserialize;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CrossFile {
    cross: Vec<RuleDef>,
}

/// Parses a cross-year rule file (`templates/cross.toml`) of a template set: each rule a
/// `balance` with `prev:` terms or a `same`, parsed like every other rule.
pub(crate) fn parse_rules(file: &str, src: &str) -> Result<Vec<Rule>, TemplateError> {
    crate::template::parse::<CrossFile>(file, src)?
        .cross
        .into_iter()
        .map(|d| Rule::from_def(file, d, true))
        .collect()
}

/// The embedded set's cross-year rules. A defect in the set is reported by every record
/// (`pipeline::analyze` fails them with the [`TemplateError`]), so none here.
fn rules() -> &'static [Rule] {
    TemplateSet::embedded().map_or(&[], TemplateSet::cross)
}

/// What the cross-year rules need of one report.
#[derive(Debug, Clone, PartialEq)]
pub struct YearSummary {
    /// Batch line or position of the report.
    pub line: u64,
    /// The input it came from.
    pub input: String,
    /// Agency (the grouping key).
    pub agency: String,
    /// Report year.
    pub year: i32,
    /// Template id.
    pub template: String,
    /// Cells the balance rules name, by (table, row, col).
    pub cells: HashMap<(String, String, String), f64>,
    /// Per `same` rule: fingerprint of its tables' numbers and how many are non-zero.
    pub fingerprints: Vec<(u64, usize)>,
    /// Rows whose numbers can be read several ways (a legacy 统计表 row whose digits run
    /// together), by (table, row): each reading gives the row's cells by column.
    pub alternatives: HashMap<(String, String), Vec<Reading>>,
}

/// One way to read a row: its cells' values by column.
pub type Reading = Vec<(String, f64)>;

/// Reduces a record to what the cross-year rules need; `None` when the report has no
/// agency or year to group by.
pub fn summarize(r: &Record, line: u64) -> Option<YearSummary> {
    let agency = r.report.agency.as_deref()?.trim().to_string();
    let year = r.report.year?;
    if agency.is_empty() || r.cells.is_empty() {
        return None;
    }
    let mut cells = HashMap::new();
    let mut alternatives = HashMap::new();
    let mut fingerprints = Vec::new();
    for rule in rules() {
        match &rule.check {
            Check::Identity(identity) => {
                let t = &identity.table;
                for c in r.cells.iter().filter(|c| &c.table == t) {
                    if let Some(v) = c.value {
                        cells.insert((c.table.clone(), c.row.clone(), c.col.clone()), v);
                    } else if c.table == "legacy" && c.col == crate::legacy::COLS[0] {
                        let alt: Vec<Reading> = crate::legacy::readings(&c.raw)
                            .into_iter()
                            .map(|(a, b)| {
                                let [ca, cb] = crate::legacy::COLS;
                                vec![(ca.to_string(), a), (cb.to_string(), b)]
                            })
                            .collect();
                        if alt.len() > 1 {
                            alternatives.insert((c.table.clone(), c.row.clone()), alt);
                        }
                    }
                }
            }
            Check::Same(same) => {
                let mut h = DefaultHasher::new();
                let mut nonzero = 0;
                let mut n = 0;
                for c in r.cells.iter().filter(|c| same.tables.contains(&c.table)) {
                    (&c.table, &c.row, &c.col).hash(&mut h);
                    c.value.map(f64::to_bits).hash(&mut h);
                    nonzero += usize::from(c.value.is_some_and(|v| v != 0.0));
                    n += 1;
                }
                fingerprints.push(if n == 0 {
                    (0, 0)
                } else {
                    (h.finish(), nonzero)
                });
            }
            _ => {}
        }
    }
    Some(YearSummary {
        line,
        input: r.source.input.clone(),
        agency,
        year,
        template: r.report.template.clone(),
        cells,
        fingerprints,
        alternatives,
    })
}

/// A cross-year finding with the report it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossFinding {
    /// Line (or position) of the later report.
    pub line: u64,
    /// Input of the later report.
    pub input: String,
    /// Input of the earlier report.
    pub prev_input: String,
    /// The finding, anchored on the later report's cells.
    pub finding: Finding,
}

fn applies(rule: &Rule, s: &YearSummary) -> bool {
    rule.templates
        .as_ref()
        .is_none_or(|t| t.iter().any(|x| x == &s.template))
}

/// Checks every pair of consecutive years of each agency.
pub fn check(reports: &[YearSummary]) -> Vec<CrossFinding> {
    let mut by_agency: BTreeMap<(&str, i32), &YearSummary> = BTreeMap::new();
    for s in reports {
        // Several reports for one agency and year: the first one counts.
        by_agency.entry((s.agency.as_str(), s.year)).or_insert(s);
    }
    let mut out = Vec::new();
    for (&(agency, year), cur) in &by_agency {
        let Some(prev) = by_agency.get(&(agency, year - 1)) else {
            continue;
        };
        for (k, rule) in rules().iter().enumerate() {
            if !applies(rule, cur) || !applies(rule, prev) {
                continue;
            }
            match &rule.check {
                Check::Identity(identity) => balance(rule, identity, cur, prev, &mut out),
                Check::Same(Same { min_nonzero, .. }) => {
                    let is_same = |r: &Rule| matches!(r.check, Check::Same(_));
                    let idx = rules()[..k].iter().filter(|r| is_same(r)).count();
                    let (a, b) = (cur.fingerprints.get(idx), prev.fingerprints.get(idx));
                    if let (Some(&(fa, nz)), Some(&(fb, _))) = (a, b)
                        && fa == fb
                        && nz >= *min_nonzero
                    {
                        out.push(CrossFinding {
                            line: cur.line,
                            input: cur.input.clone(),
                            prev_input: prev.input.clone(),
                            finding: new_finding(rule, None, None, None, cur, prev),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn new_finding(
    rule: &Rule,
    table: Option<&str>,
    row: Option<&str>,
    col: Option<&str>,
    cur: &YearSummary,
    prev: &YearSummary,
) -> Finding {
    Finding {
        rule: rule.id.clone(),
        severity: rule.severity,
        table: table.map(String::from),
        row: row.map(String::from),
        col: col.map(String::from),
        rows: Vec::new(),
        expected: None,
        found: None,
        cells: Vec::new(),
        message: format!(
            "{} ({} {} vs {} {})",
            rule.message, cur.year, cur.input, prev.year, prev.input
        ),
        quote: None,
        at: None,
        expected_share_pct: None,
        found_share_pct: None,
    }
}

/// One term of a rule instance: a known cell, or a column of a row read several ways.
enum Operand {
    Known(f64),
    /// Index into the instance's ambiguous rows, and the column.
    Alt(usize, String),
}

fn balance(
    rule: &Rule,
    identity: &Identity,
    cur: &YearSummary,
    prev: &YearSummary,
    out: &mut Vec<CrossFinding>,
) {
    let t = identity.table.as_str();
    // Lines of the rule: the listed rows, or every row (per = "row" without `rows`, for
    // tables whose rows are the report's own labels) or column printed in this report.
    let printed = |pick: fn(&(String, String, String)) -> &String| {
        let mut v: Vec<String> = cur
            .cells
            .keys()
            .filter(|k| k.0 == t)
            .map(|k| pick(k).clone())
            .collect();
        if identity.per == Per::Row {
            v.extend(
                cur.alternatives
                    .keys()
                    .filter(|k| k.0 == t)
                    .map(|k| k.1.clone()),
            );
        }
        v.sort();
        v.dedup();
        v
    };
    let lines: Vec<String> = match identity.per {
        Per::Row if identity.lines.is_empty() => printed(|k| &k.1),
        Per::Row => identity.lines.clone(),
        Per::Col => printed(|k| &k.2),
    };
    for line in &lines {
        // The report's own keys: no template table to expand them against.
        let inst = identity.on_line(line, |k, out| out.push(k));
        if let Some(f) = balance_line(rule, t, &inst, cur, prev) {
            out.push(CrossFinding {
                line: cur.line,
                input: cur.input.clone(),
                prev_input: prev.input.clone(),
                finding: f,
            });
        }
    }
}

/// One instance of a balance rule over this year's and last year's cells. Rows read
/// several ways are tried in every reading (one reading per row and year): the finding
/// stands only when none balances.
fn balance_line(
    rule: &Rule,
    t: &str,
    inst: &Instance,
    cur: &YearSummary,
    prev: &YearSummary,
) -> Option<Finding> {
    let mut terms: Vec<Vec<(bool, Operand)>> = Vec::new();
    let mut alts: Vec<(bool, String)> = Vec::new();
    let mut refs: Vec<CellRef> = Vec::new();
    for cells in [&inst.lhs, &inst.rhs] {
        let mut side = Vec::new();
        for c in cells {
            let src = if c.prev { prev } else { cur };
            let cell = (t.to_string(), c.row.to_string(), c.col.to_string());
            let op = if let Some(v) = src.cells.get(&cell) {
                Operand::Known(*v)
            } else if src
                .alternatives
                .contains_key(&(t.to_string(), c.row.to_string()))
            {
                let k = (c.prev, c.row.to_string());
                let i = alts.iter().position(|a| *a == k).unwrap_or_else(|| {
                    alts.push(k);
                    alts.len() - 1
                });
                Operand::Alt(i, c.col.to_string())
            } else {
                return None;
            };
            side.push((c.neg, op));
            if !c.prev {
                refs.push(cell);
            }
        }
        terms.push(side);
    }
    let options: Vec<&Vec<Reading>> = alts
        .iter()
        .map(|(is_prev, row)| {
            let src = if *is_prev { prev } else { cur };
            src.alternatives.get(&(t.to_string(), row.clone()))
        })
        .collect::<Option<_>>()?;
    let lens: Vec<usize> = options.iter().map(|o| o.len()).collect();
    // With no row read several ways this is the one empty choice.
    let picks = crate::legacy::choices(&lens)?;
    let n = picks.len();
    let value = |op: &Operand, pick: &[usize]| -> Option<f64> {
        match op {
            Operand::Known(v) => Some(*v),
            Operand::Alt(i, col) => options[*i][pick[*i]]
                .iter()
                .find(|(c, _)| c == col)
                .map(|(_, v)| *v),
        }
    };
    let sides = |pick: &[usize]| -> Option<[f64; 2]> {
        let mut s = [0.0f64; 2];
        for (k, side) in terms.iter().enumerate() {
            for (neg, op) in side {
                let v = value(op, pick)?;
                s[k] += if *neg { -v } else { v };
            }
        }
        Some(s)
    };
    let mut first = None;
    for pick in &picks {
        let s = sides(pick)?;
        if crate::arith::close(s[0], s[1]) {
            return None;
        }
        first.get_or_insert(s);
    }
    let s = first?;
    let anchor = inst.anchor()?;
    let mut f = new_finding(rule, Some(t), Some(anchor.row), Some(anchor.col), cur, prev);
    if alts.is_empty() {
        f.expected = Some(s[1]);
        f.found = Some(s[0]);
    } else {
        f.message = format!(
            "{} in every reading of the digits run together ({n} tried)",
            f.message
        );
    }
    f.cells = refs;
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gouji_model::{CellValue, ReportInfo, Source, Status};

    fn rec(year: i32, cells: &[(&str, &str, &str, f64)]) -> Record {
        Record {
            source: Source {
                input: format!("r{year}.txt"),
                format: "text".into(),
                ..Source::default()
            },
            report: ReportInfo {
                agency: Some("某局".into()),
                year: Some(year),
                template: "gk2021".into(),
                title: None,
            },
            status: Status::Ok,
            cells: cells
                .iter()
                .map(|&(t, r, c, v)| CellValue {
                    table: t.into(),
                    row: r.into(),
                    col: c.into(),
                    value: Some(v),
                    raw: v.to_string(),
                    unit: None,
                    at: String::new(),
                    ocr: false,
                    inferred: false,
                })
                .collect(),
            findings: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// A legacy report whose 统计表 row `主动公开` prints `raw` (digits run together, or
    /// two numbers).
    fn legacy(year: i32, raw: &str) -> Record {
        let mut r = rec(year, &[]);
        r.report.template = "legacy".into();
        let split: Vec<&str> = raw.split(' ').collect();
        for (i, col) in crate::legacy::COLS.iter().enumerate() {
            let (value, raw) = match split.as_slice() {
                [a, b] => (
                    Some([a, b][i].parse().unwrap_or(0.0)),
                    [a, b][i].to_string(),
                ),
                _ => (None, raw.to_string()),
            };
            r.cells.push(CellValue {
                table: "legacy".into(),
                row: "主动公开".into(),
                col: col.to_string(),
                value,
                raw,
                unit: None,
                at: String::new(),
                ocr: false,
                inferred: false,
            });
        }
        r
    }

    fn cumulative(a: &Record, b: &Record) -> usize {
        let sums = [summarize(a, 1), summarize(b, 2)].map(|s| s.expect("summary"));
        check(&sums)
            .iter()
            .filter(|f| f.finding.rule == "X-CUMULATIVE")
            .count()
    }

    #[test]
    fn digits_run_together_chain_if_some_reading_does() {
        // 2949|81916 (one of four readings) + 3460 = 85376: chains, no finding.
        assert_eq!(
            cumulative(&legacy(2015, "294981916"), &legacy(2016, "3460 85376")),
            0
        );
        // Both years run together: 81916 + 3460 = 85376 in one pair of readings.
        assert_eq!(
            cumulative(&legacy(2015, "294981916"), &legacy(2016, "346085376")),
            0
        );
        // 85376 + 2122 ≠ 10037, and no other reading of 212210037 chains either.
        assert_eq!(
            cumulative(&legacy(2016, "3460 85376"), &legacy(2017, "212210037")),
            1
        );
        // A row with one reading only is a value, not an alternative.
        let s = summarize(&legacy(2016, "346085376"), 1).expect("summary");
        assert_eq!(
            s.alternatives.values().map(Vec::len).collect::<Vec<_>>(),
            [3]
        );
    }

    #[test]
    fn rules_load() {
        assert_eq!(rules().len(), 4);
    }

    #[test]
    fn carry_and_in_force_chain_or_not() {
        let y1 = rec(
            2022,
            &[
                ("requests", "carried_out", "total", 3.0),
                ("requests", "carried_out", "natural_person", 3.0),
                ("active", "normative_docs", "in_force", 698.0),
            ],
        );
        let y2 = rec(
            2023,
            &[
                ("requests", "carried_in", "total", 3.0),
                ("requests", "carried_in", "natural_person", 2.0),
                ("active", "normative_docs", "issued", 77.0),
                ("active", "normative_docs", "repealed", 132.0),
                ("active", "normative_docs", "in_force", 470.0),
            ],
        );
        let s: Vec<YearSummary> = [&y1, &y2]
            .iter()
            .enumerate()
            .filter_map(|(i, r)| summarize(r, i as u64 + 1))
            .collect();
        let f = check(&s);
        let ids: Vec<(&str, Option<&str>)> = f
            .iter()
            .map(|x| (x.finding.rule.as_str(), x.finding.col.as_deref()))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("X-CARRY", Some("natural_person")),
                ("X-IN-FORCE", Some("in_force"))
            ]
        );
        let inf = &f[1].finding;
        assert_eq!((inf.expected, inf.found), (Some(643.0), Some(470.0)));
        assert_eq!(f[0].line, 2);
    }

    #[test]
    fn gaps_and_other_agencies_do_not_chain() {
        let y1 = rec(2020, &[("requests", "carried_out", "total", 5.0)]);
        let y2 = rec(2022, &[("requests", "carried_in", "total", 1.0)]);
        let mut y3 = rec(2021, &[("requests", "carried_in", "total", 9.0)]);
        y3.report.agency = Some("另一局".into());
        let s: Vec<YearSummary> = [&y1, &y2, &y3]
            .iter()
            .filter_map(|r| summarize(r, 1))
            .collect();
        assert!(check(&s).is_empty());
    }

    #[test]
    fn identical_tables_are_x_same_when_not_trivial() {
        let cells: Vec<(&str, &str, &str, f64)> = (0..6)
            .map(|i| {
                (
                    "requests",
                    [
                        "new",
                        "granted",
                        "partial",
                        "carried_in",
                        "other",
                        "denied_query",
                    ][i],
                    "total",
                    (i + 1) as f64,
                )
            })
            .collect();
        let a = rec(2022, &cells);
        let b = rec(2023, &cells);
        let s: Vec<YearSummary> = [&a, &b].iter().filter_map(|r| summarize(r, 1)).collect();
        assert!(check(&s).iter().any(|f| f.finding.rule == "X-SAME"));
        let zeros: Vec<(&str, &str, &str, f64)> =
            cells.iter().map(|c| (c.0, c.1, c.2, 0.0)).collect();
        let (a, b) = (rec(2022, &zeros), rec(2023, &zeros));
        let s: Vec<YearSummary> = [&a, &b].iter().filter_map(|r| summarize(r, 1)).collect();
        assert!(check(&s).iter().all(|f| f.finding.rule != "X-SAME"));
    }
}
