//! The rule engine's model: every rule of a template set (`rules.toml`, a family's own
//! rules, `cross.toml`) parsed once into a typed [`Rule`] by its `kind`, and the
//! arithmetic rules compiled into [`Instance`]s — one per column or row — that every
//! evaluator reads: the reconciler for one report, the flattened-text splitter choosing
//! among readings of a digit run, and the cross-year pass, whose `prev:` terms read last
//! year's report as a second source of cells.
//!
//! A rule of an existing kind is a TOML edit; a new kind is one [`Check`] variant, its
//! parse in `Rule::from_def` and one evaluator.

use crate::template::{Category, LazyRegex, Per, RuleDef, RuleKind, TableDef, TemplateError};
use gouji_model::Severity;

/// A rule, parsed by its kind.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Rule id (public): `T3-BAL`…
    pub id: String,
    /// `error`, `warning`, `info`.
    pub severity: Severity,
    /// Explanation shown with findings.
    pub message: String,
    /// Families the rule applies to (all when absent).
    pub templates: Option<Vec<String>>,
    /// What it checks.
    pub check: Check,
}

/// What a rule checks, with what its kind needs (and nothing else).
#[derive(Debug, Clone)]
pub enum Check {
    /// `balance` (Σ lhs = Σ rhs) and `sum` (target = Σ parts).
    Identity(Identity),
    /// Cell values are valid for their column.
    Value,
    /// Blank targets of sum rules with non-blank parts.
    MissingTotal,
    /// Expected tables/rows/columns not found.
    MissingCells,
    /// Numbers in the text against readings of the table.
    Narrative(Narrative),
    /// "N件，占Y%" statements.
    Share(Share),
    /// A section must mention keywords when a cell is positive.
    SectionMentions(SectionMentions),
    /// Every section heading present.
    Sections,
    /// The family matches the report's year.
    TemplateYear,
    /// Cross-year: a report repeats last year's numbers.
    Same(Same),
}

/// Whether an identity was written as a sum (a total and its parts) or a balance (two
/// sides). Both are Σ lhs = Σ rhs; the reconciler treats a sum's target as a total cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `balance`.
    Balance,
    /// `sum`: `lhs` is the one target.
    Sum,
}

/// An arithmetic identity over one table: Σ lhs = Σ rhs on every line (column for
/// `per = "col"`, whose terms are row keys; row for `per = "row"`, whose terms are
/// column keys).
#[derive(Debug, Clone)]
pub struct Identity {
    /// How it was written.
    pub form: Form,
    /// The table.
    pub table: String,
    /// The line axis.
    pub per: Per,
    /// Left side (a sum's target).
    pub lhs: Vec<Term>,
    /// Right side (a sum's parts).
    pub rhs: Vec<Term>,
    /// The lines the rule is about (`rows` of a per-row cross-year rule); empty: every
    /// line.
    pub lines: Vec<String>,
}

/// One term of an identity: a key on the rule's axis (`group:KEY` allowed), negated
/// (`-repealed`) or read from last year's report (`prev:in_force`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Row key (per-column rules) or column key (per-row rules).
    pub key: String,
    /// Subtracted rather than added.
    pub neg: bool,
    /// Read from the previous year's report.
    pub prev: bool,
}

impl Term {
    /// Parses `[-][prev:]KEY`.
    fn parse(s: &str) -> Term {
        let (neg, s) = s.strip_prefix('-').map_or((false, s), |r| (true, r));
        let (prev, s) = s.strip_prefix("prev:").map_or((false, s), |r| (true, r));
        Term {
            key: s.to_string(),
            neg,
            prev,
        }
    }
}

/// One cell of an instance, borrowed from the rule, the template or the report (an
/// instance is built per report and line, so it allocates only its two term lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellTerm<'a> {
    /// Row key.
    pub row: &'a str,
    /// Column key.
    pub col: &'a str,
    /// Subtracted rather than added.
    pub neg: bool,
    /// Read from the previous year's report.
    pub prev: bool,
}

/// An identity on one line: the cells of each side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance<'a> {
    /// The column (per-column rules) or row (per-row rules).
    pub line: &'a str,
    /// Left side (a sum's target).
    pub lhs: Vec<CellTerm<'a>>,
    /// Right side (a sum's parts).
    pub rhs: Vec<CellTerm<'a>>,
}

impl Identity {
    /// The instance on `line`, each term's key expanded by `expand` into the keys it
    /// stands for (`group:KEY` into rows; a plain key into itself, or nothing when the
    /// table lacks it).
    pub fn on_line<'a>(
        &'a self,
        line: &'a str,
        mut expand: impl FnMut(&'a str, &mut Vec<&'a str>),
    ) -> Instance<'a> {
        let mut keys = Vec::new();
        let mut side = |terms: &'a [Term]| -> Vec<CellTerm<'a>> {
            let mut out = Vec::with_capacity(terms.len());
            for t in terms {
                keys.clear();
                expand(&t.key, &mut keys);
                for &key in &keys {
                    let (row, col) = match self.per {
                        Per::Col => (key, line),
                        Per::Row => (line, key),
                    };
                    out.push(CellTerm {
                        row,
                        col,
                        neg: t.neg,
                        prev: t.prev,
                    });
                }
            }
            out
        };
        let lhs = side(&self.lhs);
        let rhs = side(&self.rhs);
        Instance { line, lhs, rhs }
    }

    /// The instances on every line of a template table: `group:` terms of a per-column
    /// rule expand to the rows printed in that column ([`TableDef::expand_row`], with
    /// `printed(row, col)`). An identity naming a key the table lacks has none.
    pub fn instances<'a>(
        &'a self,
        t: &'a TableDef,
        printed: impl Fn(&str, &str) -> bool,
    ) -> Vec<Instance<'a>> {
        let lines: Vec<&str> = match self.per {
            Per::Col => t.cols.iter().map(|c| c.key.as_str()).collect(),
            Per::Row => t.rows.iter().map(|r| r.key.as_str()).collect(),
        };
        let on_axis = |k: &str| match self.per {
            Per::Col => t.row(k).is_some(),
            Per::Row => t.col(k).is_some(),
        };
        // A key the table lacks (the loader rejects them for the shipped families): the
        // identity cannot be evaluated, rather than summed without it.
        let known = |x: &Term| {
            on_axis(&x.key)
                || (self.per == Per::Col
                    && x.key
                        .strip_prefix("group:")
                        .is_some_and(|g| t.row_group(g).is_some()))
        };
        if !self.lhs.iter().chain(&self.rhs).all(known) {
            return Vec::new();
        }
        lines
            .into_iter()
            .map(|line| {
                self.on_line(line, |key, out| match self.per {
                    Per::Col => t.expand_row(key, |r| printed(r, line), out),
                    Per::Row => out.push(key),
                })
            })
            .collect()
    }

    /// Whether any term reads last year's report.
    pub fn crosses_years(&self) -> bool {
        self.lhs.iter().chain(&self.rhs).any(|t| t.prev)
    }
}

impl<'a> Instance<'a> {
    /// The cell a finding is anchored on: the first left-hand cell (a sum's target).
    pub fn anchor(&self) -> Option<&CellTerm<'a>> {
        self.lhs.first()
    }
}

/// `narrative`: a number the text states must equal one reading of the table.
#[derive(Debug, Clone)]
pub struct Narrative {
    /// The table.
    pub table: String,
    /// Alternative sums of `row.col` cells; the first is the one reported.
    pub readings: Vec<Vec<String>>,
    /// Patterns whose first group is the number.
    pub patterns: Vec<LazyRegex>,
    /// Clauses matching any of these are skipped.
    pub unless: Vec<LazyRegex>,
}

/// `share`: "N件，占Y%" statements against the category they name.
#[derive(Debug, Clone)]
pub struct Share {
    /// The table.
    pub table: String,
    /// Alternative sums of `row.col` cells the percentage may be of.
    pub denominators: Vec<Vec<String>>,
    /// The categories.
    pub categories: Vec<Category>,
    /// One capture group per category, then the count and the percentage.
    pub regex: LazyRegex,
}

/// `section_mentions`: when a cell is positive, a section must mention a keyword.
#[derive(Debug, Clone)]
pub struct SectionMentions {
    /// The table.
    pub table: String,
    /// The condition cell, `row.col`.
    pub when: String,
    /// The section key.
    pub section: String,
    /// Words one of which the section must contain.
    pub keywords: Vec<String>,
}

/// `same` (cross-year): the numbers of some tables repeat last year's.
#[derive(Debug, Clone)]
pub struct Same {
    /// The tables compared.
    pub tables: Vec<String>,
    /// Fewest non-zero numbers for a repeat to count (all-zero tables repeat honestly).
    pub min_nonzero: usize,
}

impl Rule {
    /// The kind the rule was written as.
    pub fn kind(&self) -> RuleKind {
        match &self.check {
            Check::Identity(i) if i.form == Form::Sum => RuleKind::Sum,
            Check::Identity(_) => RuleKind::Balance,
            Check::Value => RuleKind::Value,
            Check::MissingTotal => RuleKind::MissingTotal,
            Check::MissingCells => RuleKind::MissingCells,
            Check::Narrative(_) => RuleKind::Narrative,
            Check::Share(_) => RuleKind::Share,
            Check::SectionMentions(_) => RuleKind::SectionMentions,
            Check::Sections => RuleKind::Sections,
            Check::TemplateYear => RuleKind::TemplateYear,
            Check::Same(_) => RuleKind::Same,
        }
    }

    /// The identity, for `balance` and `sum` rules.
    pub fn identity(&self) -> Option<&Identity> {
        match &self.check {
            Check::Identity(i) => Some(i),
            _ => None,
        }
    }

    /// The rule's regexes (a narrative's patterns and exceptions, a share's statement).
    pub fn regexes(&self) -> Vec<&LazyRegex> {
        match &self.check {
            Check::Narrative(n) => n.patterns.iter().chain(&n.unless).collect(),
            Check::Share(s) => vec![&s.regex],
            _ => Vec::new(),
        }
    }

    /// Parses a rule of `file` (its regexes already checked) by its kind: a field the
    /// kind needs and lacks, or a `prev:` term outside a cross-year file (`cross`), is an
    /// error naming the file and the rule.
    pub(crate) fn from_def(file: &str, def: RuleDef, cross: bool) -> Result<Rule, TemplateError> {
        let err = |m: &str| TemplateError::parse(file, format!("rule {}: {m}", def.id));
        let table = || def.table.clone().ok_or_else(|| err("needs `table`"));
        let terms = |v: &[String]| v.iter().map(|s| Term::parse(s)).collect::<Vec<_>>();
        let check = match def.kind {
            RuleKind::Balance | RuleKind::Sum => {
                let (form, lhs, rhs) = if def.kind == RuleKind::Sum {
                    let target = def.target.as_deref().ok_or_else(|| err("needs `target`"))?;
                    (Form::Sum, vec![Term::parse(target)], terms(&def.parts))
                } else {
                    (Form::Balance, terms(&def.lhs), terms(&def.rhs))
                };
                if lhs.is_empty() || rhs.is_empty() {
                    return Err(err("needs both sides (lhs and rhs, or target and parts)"));
                }
                let identity = Identity {
                    form,
                    table: table()?,
                    per: def.per.unwrap_or(Per::Col),
                    lhs,
                    rhs,
                    lines: def.rows.clone(),
                };
                if identity.crosses_years() != cross {
                    return Err(err(if cross {
                        "a cross-year rule needs a prev: term"
                    } else {
                        "prev: terms belong in the cross-year rules"
                    }));
                }
                Check::Identity(identity)
            }
            RuleKind::Value => Check::Value,
            RuleKind::MissingTotal => Check::MissingTotal,
            RuleKind::MissingCells => Check::MissingCells,
            RuleKind::Narrative => Check::Narrative(Narrative {
                table: table()?,
                readings: def.readings.clone(),
                patterns: def.compiled.clone(),
                unless: def.compiled_unless.clone(),
            }),
            RuleKind::Share => Check::Share(Share {
                table: table()?,
                denominators: def.denominators.clone(),
                categories: def.categories.clone(),
                regex: def
                    .compiled_share
                    .clone()
                    .ok_or_else(|| err("share regex not built"))?,
            }),
            RuleKind::SectionMentions => Check::SectionMentions(SectionMentions {
                table: table()?,
                when: def.when.clone().ok_or_else(|| err("needs `when`"))?,
                section: def.section.clone().ok_or_else(|| err("needs `section`"))?,
                keywords: def.keywords.clone(),
            }),
            RuleKind::Sections => Check::Sections,
            RuleKind::TemplateYear => Check::TemplateYear,
            RuleKind::Same => Check::Same(Same {
                tables: def.tables.clone(),
                min_nonzero: def.min_nonzero,
            }),
        };
        let cross_kind = matches!(check, Check::Same(_) | Check::Identity(_));
        if cross && !cross_kind {
            return Err(err("cross-year rules are `balance` or `same`"));
        }
        if !cross && matches!(check, Check::Same(_)) {
            return Err(err("`same` is a cross-year kind (cross.toml)"));
        }
        Ok(Rule {
            id: def.id,
            severity: def.severity,
            message: def.message,
            templates: def.templates,
            check,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(per: Per, lhs: &[&str], rhs: &[&str]) -> Identity {
        let terms = |v: &[&str]| v.iter().map(|s| Term::parse(s)).collect();
        Identity {
            form: Form::Balance,
            table: "t".into(),
            per,
            lhs: terms(lhs),
            rhs: terms(rhs),
            lines: Vec::new(),
        }
    }

    #[test]
    fn terms_carry_sign_and_year() {
        assert_eq!(
            Term::parse("-prev:in_force"),
            Term {
                key: "in_force".into(),
                neg: true,
                prev: true
            }
        );
        assert!(!Term::parse("issued").neg);
    }

    #[test]
    fn an_instance_puts_keys_on_the_rule_axis() {
        let by_row = identity(Per::Row, &["in_force"], &["prev:in_force", "-repealed"]);
        let i = by_row.on_line("rules", |k, out| out.push(k));
        assert_eq!((i.lhs[0].row, i.lhs[0].col), ("rules", "in_force"));
        assert!(i.rhs[0].prev && i.rhs[1].neg);
        let by_col = identity(Per::Col, &["a"], &["b", "c"]);
        let i = by_col.on_line("total", |k, out| out.push(k));
        assert_eq!((i.rhs[1].row, i.rhs[1].col), ("c", "total"));
        assert_eq!(i.anchor().map(|c| c.row), Some("a"));
    }

    fn parse(src: &str, cross: bool) -> Result<Rule, TemplateError> {
        let def: RuleDef = toml::from_str(src).expect("rule toml");
        Rule::from_def("r.toml", def, cross)
    }

    #[test]
    fn a_rule_is_checked_for_what_its_kind_needs() {
        let head = "id = \"X\"\nseverity = \"error\"\nmessage = \"m\"\n";
        let bal = format!("{head}kind = \"balance\"\ntable = \"t\"\nlhs = [\"a\"]\n");
        let e = parse(&bal, false).unwrap_err().to_string();
        assert!(
            e.contains("r.toml") && e.contains("rule X") && e.contains("sides"),
            "{e}"
        );
        let prev = format!("{bal}rhs = [\"prev:a\"]\n");
        assert!(parse(&prev, true).is_ok());
        let e = parse(&prev, false).unwrap_err().to_string();
        assert!(e.contains("cross-year"), "{e}");
        let this_year = format!("{bal}rhs = [\"b\"]\n");
        assert!(parse(&this_year, false).is_ok());
        assert!(parse(&this_year, true).is_err());
        let sum = format!("{head}kind = \"sum\"\ntable = \"t\"\nparts = [\"a\"]\n");
        assert!(
            parse(&sum, false)
                .unwrap_err()
                .to_string()
                .contains("target")
        );
        let same = format!("{head}kind = \"same\"\ntables = [\"t\"]\n");
        assert!(parse(&same, true).is_ok() && parse(&same, false).is_err());
    }
}
