//! Cross-year checks: the reports of one agency in consecutive years must chain
//! (this year's 上年结转 is last year's 结转下年度; 现行有效 follows from last year's).
//!
//! Rules are data (`templates/cross.toml`). Records are reduced to the few cells the
//! rules need plus a fingerprint of their tables, so a batch of any size is checked in
//! one streaming pass over its records with small memory per report.

use gouji_model::{CellRef, Finding, Record, Severity};
use serde::Deserialize;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Balance,
    Same,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Per {
    Col,
    Row,
}

/// One cross-year rule.
#[derive(Debug, Clone, Deserialize)]
struct CrossRule {
    id: String,
    kind: Kind,
    severity: Severity,
    message: String,
    #[serde(default)]
    table: Option<String>,
    #[serde(default)]
    templates: Option<Vec<String>>,
    #[serde(default)]
    per: Option<Per>,
    #[serde(default)]
    rows: Vec<String>,
    #[serde(default)]
    lhs: Vec<String>,
    #[serde(default)]
    rhs: Vec<String>,
    #[serde(default)]
    tables: Vec<String>,
    #[serde(default)]
    min_nonzero: usize,
}

#[derive(Debug, Deserialize)]
struct CrossFile {
    cross: Vec<CrossRule>,
}

fn rules() -> &'static [CrossRule] {
    static R: OnceLock<Vec<CrossRule>> = OnceLock::new();
    R.get_or_init(|| {
        // Embedded data, checked by the unit tests; a defect disables the checks.
        toml::from_str::<CrossFile>(include_str!("../templates/cross.toml"))
            .map(|f| f.cross)
            .unwrap_or_default()
    })
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
}

/// Reduces a record to what the cross-year rules need; `None` when the report has no
/// agency or year to group by.
pub fn summarize(r: &Record, line: u64) -> Option<YearSummary> {
    let agency = r.report.agency.as_deref()?.trim().to_string();
    let year = r.report.year?;
    if agency.is_empty() || r.cells.is_empty() {
        return None;
    }
    let mut cells = HashMap::new();
    let mut fingerprints = Vec::new();
    for rule in rules() {
        match rule.kind {
            Kind::Balance => {
                let Some(t) = &rule.table else { continue };
                for c in r.cells.iter().filter(|c| &c.table == t) {
                    if let Some(v) = c.value {
                        cells.insert((c.table.clone(), c.row.clone(), c.col.clone()), v);
                    }
                }
            }
            Kind::Same => {
                let mut h = DefaultHasher::new();
                let mut nonzero = 0;
                let mut n = 0;
                for c in r.cells.iter().filter(|c| rule.tables.contains(&c.table)) {
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

fn term(t: &str) -> (bool, bool, &str) {
    let (neg, t) = t.strip_prefix('-').map_or((false, t), |r| (true, r));
    let (prev, t) = t.strip_prefix("prev:").map_or((false, t), |r| (true, r));
    (neg, prev, t)
}

fn applies(rule: &CrossRule, s: &YearSummary) -> bool {
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
            match rule.kind {
                Kind::Balance => balance(rule, cur, prev, &mut out),
                Kind::Same => {
                    let idx = rules()[..k].iter().filter(|r| r.kind == Kind::Same).count();
                    let (a, b) = (cur.fingerprints.get(idx), prev.fingerprints.get(idx));
                    if let (Some(&(fa, nz)), Some(&(fb, _))) = (a, b)
                        && fa == fb
                        && nz >= rule.min_nonzero
                    {
                        out.push(CrossFinding {
                            line: cur.line,
                            input: cur.input.clone(),
                            prev_input: prev.input.clone(),
                            finding: new_finding(rule, None, None, None, cur, prev),
                        });
                    }
                }
            }
        }
    }
    out
}

fn new_finding(
    rule: &CrossRule,
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

fn balance(rule: &CrossRule, cur: &YearSummary, prev: &YearSummary, out: &mut Vec<CrossFinding>) {
    let Some(t) = rule.table.as_deref() else {
        return;
    };
    // Lines of the rule: the listed rows, or every column printed in this report.
    // Lines of the rule: the listed rows, or every row (per = "row" without `rows`, for
    // tables whose rows are the report's own labels) or column printed in this report.
    let printed = |pick: fn(&(String, String, String)) -> &String| {
        let mut v: Vec<String> = cur
            .cells
            .keys()
            .filter(|k| k.0 == t)
            .map(|k| pick(k).clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let lines: Vec<String> = match rule.per {
        Some(Per::Row) if rule.rows.is_empty() => printed(|k| &k.1),
        Some(Per::Row) => rule.rows.clone(),
        _ => printed(|k| &k.2),
    };
    'line: for line in &lines {
        let mut sides = [0.0f64; 2];
        let mut refs: Vec<CellRef> = Vec::new();
        for (side, terms) in [&rule.lhs, &rule.rhs].into_iter().enumerate() {
            for term_s in terms {
                let (neg, is_prev, key) = term(term_s);
                let (row, col) = match rule.per {
                    Some(Per::Row) => (line.as_str(), key),
                    _ => (key, line.as_str()),
                };
                let src = if is_prev { prev } else { cur };
                let Some(v) = src
                    .cells
                    .get(&(t.to_string(), row.to_string(), col.to_string()))
                else {
                    continue 'line;
                };
                sides[side] += if neg { -v } else { *v };
                if !is_prev {
                    refs.push((t.to_string(), row.to_string(), col.to_string()));
                }
            }
        }
        if (sides[0] - sides[1]).abs() > 1e-6 {
            let (row, col) = match rule.per {
                Some(Per::Row) => (line.as_str(), term(&rule.lhs[0]).2),
                _ => (term(&rule.lhs[0]).2, line.as_str()),
            };
            let mut f = new_finding(rule, Some(t), Some(row), Some(col), cur, prev);
            f.expected = Some(sides[1]);
            f.found = Some(sides[0]);
            f.cells = refs;
            out.push(CrossFinding {
                line: cur.line,
                input: cur.input.clone(),
                prev_input: prev.input.clone(),
                finding: f,
            });
        }
    }
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
