//! Report templates as data.
//!
//! The files under `templates/` (embedded in the binary) describe each template's tables
//! — row and column keys with the labels and label variants reports print — and the
//! reconciler's rules. Code here only loads and indexes them; nothing about a particular
//! table, row or rule is written in Rust.

use crate::labels;
use regex::Regex;
use serde::Deserialize;
use std::sync::{Arc, OnceLock};

/// The embedded template sources, by file name.
const SOURCES: &[(&str, &str)] = &[
    ("gk2021.toml", include_str!("../templates/gk2021.toml")),
    ("gk2019.toml", include_str!("../templates/gk2019.toml")),
    (
        "tables/requests.toml",
        include_str!("../templates/tables/requests.toml"),
    ),
    (
        "tables/appeals.toml",
        include_str!("../templates/tables/appeals.toml"),
    ),
    (
        "tables/active-gk2021.toml",
        include_str!("../templates/tables/active-gk2021.toml"),
    ),
    (
        "tables/active-gk2019.toml",
        include_str!("../templates/tables/active-gk2019.toml"),
    ),
    ("rules.toml", include_str!("../templates/rules.toml")),
];

/// Error in the embedded template data (a build defect, caught by the unit tests).
#[derive(Debug, Clone, thiserror::Error)]
pub enum TemplateError {
    /// A file is not valid TOML or does not fit the schema.
    #[error("template file {file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A file names something that does not exist.
    #[error("template file {file}: {message}")]
    Reference {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
}

/// How a column's values are checked by the VALUE rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueKind {
    /// A non-negative whole number.
    #[default]
    Count,
    /// A non-negative amount, decimals allowed.
    Amount,
    /// A whole number that may be negative (本年增/减).
    Signed,
}

/// A group of rows or columns under a common printed label (（三）不予公开, 法人或其他组织).
#[derive(Debug, Clone, Deserialize)]
pub struct GroupDef {
    /// Group key.
    pub key: String,
    /// Printed labels.
    pub labels: Vec<String>,
    /// Key of the group's subtotal row/column, when reports print one.
    #[serde(default)]
    pub subtotal: Option<String>,
    /// Key of the row that stands for the whole group when no member row is printed.
    #[serde(default)]
    pub single: Option<String>,
    /// Label cores for matching.
    #[serde(skip)]
    pub cores: Vec<String>,
}

/// A row of a template table.
#[derive(Debug, Clone, Deserialize)]
pub struct RowDef {
    /// Row key (public).
    pub key: String,
    /// Printed labels and variants.
    pub labels: Vec<String>,
    /// Row group, if the row belongs to one.
    #[serde(default)]
    pub group: Option<String>,
    /// Short distinctive words for narrative matching.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Printed only by some reports (subtotals): never reported missing.
    #[serde(default)]
    pub optional: bool,
    /// Templates that have this row (all when absent).
    #[serde(default)]
    pub templates: Option<Vec<String>>,
    /// Columns this row has (all columns when absent).
    #[serde(default)]
    pub cols: Option<Vec<String>>,
    /// Label cores for matching.
    #[serde(skip)]
    pub cores: Vec<String>,
}

/// A column of a template table.
#[derive(Debug, Clone, Deserialize)]
pub struct ColDef {
    /// Column key (public).
    pub key: String,
    /// Printed labels and variants.
    pub labels: Vec<String>,
    /// Column group, if any.
    #[serde(default)]
    pub group: Option<String>,
    /// Printed only by some reports: never reported missing.
    #[serde(default)]
    pub optional: bool,
    /// How values are checked.
    #[serde(default)]
    pub value: ValueKind,
    /// Unit the column is printed in, when the header says so.
    #[serde(default)]
    pub unit: Option<String>,
    /// Words of an annotation printed beside a count (`（其中修订16件）`) that say the
    /// count belongs to this column.
    #[serde(default)]
    pub note_words: Vec<String>,
    /// Label cores for matching.
    #[serde(skip)]
    pub cores: Vec<String>,
}

/// One table of a template.
#[derive(Debug, Clone, Deserialize)]
pub struct TableDef {
    /// Table key (public): `requests`, `appeals`, `active`.
    pub key: String,
    /// Printed title.
    pub title: String,
    /// Words whose presence in a grid votes for this table.
    #[serde(default)]
    pub anchors: Vec<String>,
    /// Row groups.
    #[serde(default)]
    pub row_groups: Vec<GroupDef>,
    /// Rows.
    pub rows: Vec<RowDef>,
    /// Column groups.
    #[serde(default)]
    pub col_groups: Vec<GroupDef>,
    /// Columns.
    pub cols: Vec<ColDef>,
}

impl TableDef {
    /// The row with this key.
    pub fn row(&self, key: &str) -> Option<&RowDef> {
        self.rows.iter().find(|r| r.key == key)
    }

    /// The column with this key.
    pub fn col(&self, key: &str) -> Option<&ColDef> {
        self.cols.iter().find(|c| c.key == key)
    }

    /// The row group with this key.
    pub fn row_group(&self, key: &str) -> Option<&GroupDef> {
        self.row_groups.iter().find(|g| g.key == key)
    }

    /// Whether `row` has column `col`.
    pub fn row_has_col(&self, row: &str, col: &str) -> bool {
        match self.row(row).and_then(|r| r.cols.as_ref()) {
            Some(cols) => cols.iter().any(|c| c == col),
            None => true,
        }
    }
}

/// A printed feature that identifies a template.
#[derive(Debug, Clone, Deserialize)]
pub struct Feature {
    /// Text to look for.
    pub text: String,
    /// Its weight.
    pub weight: u32,
}

/// A category of a share rule: a phrase in the text and the rows it sums.
#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    /// Regex alternatives naming the category.
    pub phrase: String,
    /// Rows it sums ("group:KEY" allowed).
    pub rows: Vec<String>,
}

/// Rule evaluation kinds (see `templates/rules.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// sum(lhs) = sum(rhs).
    Balance,
    /// target = sum(parts).
    Sum,
    /// Cell values are valid for their column.
    Value,
    /// Blank targets of sum rules with non-blank parts.
    MissingTotal,
    /// Expected tables/rows/columns not found.
    MissingCells,
    /// Numbers in the text against readings of the table.
    Narrative,
    /// "N件，占Y%" statements.
    Share,
    /// A section must mention keywords when a cell is positive.
    SectionMentions,
    /// Every section heading present.
    Sections,
    /// Template matches the year.
    TemplateYear,
}

/// Axis along which a per-column or per-row rule is instantiated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    /// One instance per column; lhs/rhs/target/parts are row keys.
    Col,
    /// One instance per row; lhs/rhs/target/parts are column keys.
    Row,
}

/// A rule of the reconciler.
#[derive(Debug, Clone, Deserialize)]
pub struct RuleDef {
    /// Rule id (public): `T3-BAL`…
    pub id: String,
    /// How it is evaluated.
    pub kind: RuleKind,
    /// `error`, `warning`, `info`.
    pub severity: gouji_model::Severity,
    /// Explanation shown with findings.
    pub message: String,
    /// Templates the rule applies to (all when absent).
    #[serde(default)]
    pub templates: Option<Vec<String>>,
    /// Table the rule is about.
    #[serde(default)]
    pub table: Option<String>,
    /// Instantiation axis for balance/sum.
    #[serde(default)]
    pub per: Option<Per>,
    /// Left side of a balance.
    #[serde(default)]
    pub lhs: Vec<String>,
    /// Right side of a balance.
    #[serde(default)]
    pub rhs: Vec<String>,
    /// Target of a sum.
    #[serde(default)]
    pub target: Option<String>,
    /// Parts of a sum.
    #[serde(default)]
    pub parts: Vec<String>,
    /// Narrative readings: alternative sums of "row.col" cells.
    #[serde(default)]
    pub readings: Vec<Vec<String>>,
    /// Narrative patterns (regex, first group = the number).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Sentences matching any of these are skipped.
    #[serde(default)]
    pub unless: Vec<String>,
    /// Share denominators: alternative sums of "row.col" cells.
    #[serde(default)]
    pub denominators: Vec<Vec<String>>,
    /// Share categories.
    #[serde(default)]
    pub categories: Vec<Category>,
    /// Section-mentions condition cell "row.col".
    #[serde(default)]
    pub when: Option<String>,
    /// Section key for section-mentions.
    #[serde(default)]
    pub section: Option<String>,
    /// Keywords for section-mentions.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Compiled `patterns`.
    #[serde(skip)]
    pub compiled: Vec<LazyRegex>,
    /// Compiled `unless`.
    #[serde(skip)]
    pub compiled_unless: Vec<LazyRegex>,
    /// Compiled share regex: one capture group per category, then count and percent.
    #[serde(skip)]
    pub compiled_share: Option<LazyRegex>,
}

/// A rule's regex, checked when the templates load (syntax only, which is cheap) and
/// compiled the first time a document needs it. Building every rule's automata up front
/// was most of `gouji extract`'s start-up (17 of 22 million instructions for a one-line
/// file); a report whose text never reaches a rule never pays for it. Clones share the
/// compiled regex.
#[derive(Debug, Clone)]
pub struct LazyRegex {
    src: Arc<str>,
    compiled: Arc<OnceLock<Option<Regex>>>,
}

impl LazyRegex {
    fn new(file: &str, rule: &str, src: &str) -> Result<Self, TemplateError> {
        regex_syntax::Parser::new()
            .parse(src)
            .map_err(|e| TemplateError::Parse {
                file: file.into(),
                message: format!("rule {rule}: bad regex: {e}"),
            })?;
        Ok(LazyRegex {
            src: src.into(),
            compiled: Arc::default(),
        })
    }

    /// The compiled regex; `None` only if it parses but exceeds the regex size limit
    /// (`every_rule_regex_compiles` keeps that from happening to the shipped rules).
    pub fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| Regex::new(&self.src).ok())
            .as_ref()
    }
}

/// One of the six sections of a report.
#[derive(Debug, Clone, Deserialize)]
pub struct SectionDef {
    /// Section key.
    pub key: String,
    /// Heading labels.
    pub labels: Vec<String>,
    /// Table whose presence also proves the section.
    #[serde(default)]
    pub table: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TemplateFile {
    id: String,
    name: String,
    years: [i32; 2],
    tables: Vec<String>,
    #[serde(default)]
    features: Vec<Feature>,
}

#[derive(Debug, Deserialize)]
struct RulesFile {
    rule: Vec<RuleDef>,
    section: Vec<SectionDef>,
}

/// A complete template: its tables, rules and sections.
#[derive(Debug, Clone)]
pub struct Template {
    /// Template id (public): `gk2021`, `gk2019`.
    pub id: String,
    /// Full name.
    pub name: String,
    /// First and last report year the template is meant for.
    pub years: [i32; 2],
    /// Tables, in the order reports print them.
    pub tables: Vec<TableDef>,
    /// Identifying features.
    pub features: Vec<Feature>,
    /// Rules that apply to this template.
    pub rules: Vec<RuleDef>,
    /// The report's sections.
    pub sections: Vec<SectionDef>,
}

impl Template {
    /// The table with this key.
    pub fn table(&self, key: &str) -> Option<&TableDef> {
        self.tables.iter().find(|t| t.key == key)
    }
}

fn parse<T: serde::de::DeserializeOwned>(file: &str, src: &str) -> Result<T, TemplateError> {
    toml::from_str(src).map_err(|e| TemplateError::Parse {
        file: file.into(),
        message: e.to_string(),
    })
}

fn cores(labels: &[String]) -> Vec<String> {
    labels.iter().map(|l| labels::core(l)).collect()
}

fn applies(templates: &Option<Vec<String>>, id: &str) -> bool {
    templates.as_ref().is_none_or(|t| t.iter().any(|x| x == id))
}

fn compile(file: &str, rule: &str, re: &str) -> Result<LazyRegex, TemplateError> {
    LazyRegex::new(file, rule, re)
}

/// The share regex: `(cat0)|(cat1)|…` followed by the count and the percentage.
fn share_regex(file: &str, rule: &RuleDef) -> Result<LazyRegex, TemplateError> {
    let cats: Vec<String> = rule
        .categories
        .iter()
        .map(|c| format!("({})", c.phrase))
        .collect();
    let re = format!(
        r"(?:{})(?:的|类)?(?:申请)?(?:共计|共|为)?([0-9][0-9,]*)件[,、(]?(?:占|约占)(?:比|总数的?|全部申请的?|总量的?)?([0-9]+(?:\.[0-9]+)?)%",
        cats.join("|")
    );
    compile(file, &rule.id, &re)
}

fn load() -> Result<Vec<Template>, TemplateError> {
    let src = |name: &str| -> Result<&'static str, TemplateError> {
        SOURCES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| *s)
            .ok_or_else(|| TemplateError::Reference {
                file: name.into(),
                message: "no such embedded file".into(),
            })
    };
    let mut rules_file: RulesFile = parse("rules.toml", src("rules.toml")?)?;
    // Checked once and shared by the templates (compiled on first use, see LazyRegex).
    for r in &mut rules_file.rule {
        r.compiled = r
            .patterns
            .iter()
            .map(|p| compile("rules.toml", &r.id, p))
            .collect::<Result<_, _>>()?;
        r.compiled_unless = r
            .unless
            .iter()
            .map(|p| compile("rules.toml", &r.id, p))
            .collect::<Result<_, _>>()?;
        if r.kind == RuleKind::Share {
            r.compiled_share = Some(share_regex("rules.toml", r)?);
        }
    }
    let mut out = Vec::new();
    for file in ["gk2021.toml", "gk2019.toml"] {
        let tf: TemplateFile = parse(file, src(file)?)?;
        let mut tables = Vec::new();
        for t in &tf.tables {
            let name = format!("tables/{t}.toml");
            let mut table: TableDef = parse(&name, src(&name)?)?;
            table.rows.retain(|r| applies(&r.templates, &tf.id));
            for r in &mut table.rows {
                r.cores = cores(&r.labels);
            }
            for c in &mut table.cols {
                c.cores = cores(&c.labels);
            }
            for g in table
                .row_groups
                .iter_mut()
                .chain(table.col_groups.iter_mut())
            {
                g.cores = cores(&g.labels);
            }
            tables.push(table);
        }
        let rules: Vec<RuleDef> = rules_file
            .rule
            .iter()
            .filter(|r| applies(&r.templates, &tf.id))
            .cloned()
            .collect();
        let t = Template {
            id: tf.id,
            name: tf.name,
            years: tf.years,
            tables,
            features: tf.features,
            rules,
            sections: rules_file.section.clone(),
        };
        validate(&t)?;
        out.push(t);
    }
    Ok(out)
}

/// Checks that every key a rule names exists in its table.
fn validate(t: &Template) -> Result<(), TemplateError> {
    let err = |m: String| TemplateError::Reference {
        file: "rules.toml".into(),
        message: format!("template {}: {m}", t.id),
    };
    for r in &t.rules {
        let Some(tk) = &r.table else { continue };
        let table = t
            .table(tk)
            .ok_or_else(|| err(format!("rule {} names unknown table {tk}", r.id)))?;
        let is_row = |k: &str| {
            table.row(k).is_some()
                || k.strip_prefix("group:")
                    .is_some_and(|g| table.row_group(g).is_some())
        };
        let is_col = |k: &str| table.col(k).is_some();
        // lhs/rhs/target/parts name rows for per-column rules and columns for per-row ones.
        let on_axis = |k: &str| match r.per {
            Some(Per::Row) => is_col(k),
            _ => is_row(k),
        };
        let keys = r
            .lhs
            .iter()
            .chain(&r.rhs)
            .chain(&r.parts)
            .chain(r.target.iter());
        let category_rows = r.categories.iter().flat_map(|c| c.rows.iter());
        for k in keys {
            if !on_axis(k) {
                return Err(err(format!("rule {} names unknown key {k}", r.id)));
            }
        }
        for k in category_rows {
            if !is_row(k) {
                return Err(err(format!("rule {} names unknown row {k}", r.id)));
            }
        }
        for cell in r
            .readings
            .iter()
            .flatten()
            .chain(r.denominators.iter().flatten())
            .chain(r.when.iter())
        {
            let (row, col) = cell.split_once('.').unwrap_or((cell, ""));
            if !is_row(row) || !is_col(col) {
                return Err(err(format!("rule {} names unknown cell {cell}", r.id)));
            }
        }
    }
    Ok(())
}

/// All templates, loaded once.
pub fn templates() -> Result<&'static [Template], TemplateError> {
    static CELL: OnceLock<Result<Vec<Template>, TemplateError>> = OnceLock::new();
    match CELL.get_or_init(load) {
        Ok(v) => Ok(v.as_slice()),
        Err(e) => Err(e.clone()),
    }
}

/// The template with this id.
pub fn template(id: &str) -> Result<Option<&'static Template>, TemplateError> {
    Ok(templates()?.iter().find(|t| t.id == id))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rule regexes are compiled lazily: every shipped one must compile (a regex that
    /// parses but is over the size limit would silently never match).
    #[test]
    fn every_rule_regex_compiles() {
        let mut n = 0;
        for t in templates().unwrap() {
            for r in &t.rules {
                let all = r.compiled.iter().chain(&r.compiled_unless);
                for re in all.chain(r.compiled_share.as_ref()) {
                    assert!(re.get().is_some(), "{}: {}", r.id, re.src);
                    n += 1;
                }
            }
        }
        assert!(n > 20, "{n} regexes");
    }

    #[test]
    fn a_bad_rule_regex_is_an_error_at_load() {
        let e = LazyRegex::new("rules.toml", "N-NEW", "(unclosed").unwrap_err();
        assert!(e.to_string().contains("N-NEW"), "{e}");
    }

    #[test]
    fn embedded_templates_load_and_validate() {
        let ts = templates().unwrap();
        let ids: Vec<&str> = ts.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["gk2021", "gk2019"]);
        let gk2021 = &ts[0];
        assert_eq!(gk2021.table("requests").unwrap().rows.len(), 30);
        assert!(ts[1].rules.iter().all(|r| r.id != "F-FEE"));
        assert!(gk2021.rules.iter().any(|r| r.id == "F-FEE"));
    }

    #[test]
    fn seed_counts_two_hundred_cells() {
        // Non-optional rows × their columns in gk2021, with the single （六） row left out
        // because the three sub-rows stand for it: the 200 cells of a complete report.
        let t = &templates().unwrap()[0];
        let mut n = 0;
        for table in &t.tables {
            for r in &table.rows {
                if r.optional || r.key == "other" {
                    continue;
                }
                n += table
                    .cols
                    .iter()
                    .filter(|c| !c.optional && table.row_has_col(&r.key, &c.key))
                    .count();
            }
        }
        assert_eq!(n, 200);
    }
}
