//! The templates as rows of labels, for the SQLite dataset (`labels` table), the HTML
//! report (grids drawn from the template) and readable summaries
//! (`表三 · 本年新收政府信息公开申请数量 · 自然人`).

use crate::template::{RuleKind, ValueKind, templates};
use gouji_dataset::Label;
use gouji_model::{Finding, Record};

/// Chinese ordinal of a table as the report prints it: 表二 is the first statistical
/// table (section 二), 表三 the second, 表四 the third.
pub fn table_number(position: usize) -> &'static str {
    ["表二", "表三", "表四", "表五"]
        .get(position)
        .copied()
        .unwrap_or("表")
}

/// Every template's tables, rows, columns and groups with their canonical Chinese
/// label (the first one the template lists). Template data that fails to load yields
/// no labels (the pipeline reports that error on every record).
pub fn template_labels() -> Vec<Label> {
    let mut out = Vec::new();
    let Ok(tpls) = templates() else {
        return out;
    };
    for tpl in tpls {
        for (ti, t) in tpl.tables.iter().enumerate() {
            let label =
                |axis, key: &str, label: &str, position: usize, group: Option<&String>| Label {
                    template: tpl.id.clone(),
                    table: t.key.clone(),
                    axis,
                    key: key.to_string(),
                    label: label.to_string(),
                    position: position as i64,
                    group: group.cloned(),
                    value_kind: None,
                };
            out.push(label("table", &t.key, &t.title, ti, None));
            for (i, g) in t.row_groups.iter().enumerate() {
                out.push(label("row_group", &g.key, first(&g.labels), i, None));
            }
            for (i, g) in t.col_groups.iter().enumerate() {
                out.push(label("col_group", &g.key, first(&g.labels), i, None));
            }
            for (i, r) in t.rows.iter().enumerate() {
                if r.templates.as_ref().is_some_and(|ts| !ts.contains(&tpl.id)) {
                    continue;
                }
                out.push(label("row", &r.key, first(&r.labels), i, r.group.as_ref()));
            }
            for (i, c) in t.cols.iter().enumerate() {
                let mut l = label("col", &c.key, first(&c.labels), i, c.group.as_ref());
                l.value_kind = Some(
                    match c.value {
                        ValueKind::Count => "count",
                        ValueKind::Amount => "amount",
                        ValueKind::Signed => "signed",
                    }
                    .to_string(),
                );
                out.push(l);
            }
        }
    }
    out
}

fn first(labels: &[String]) -> &str {
    labels.first().map_or("", String::as_str)
}

/// A cell as an auditor reads it: `表三 · 本年新收政府信息公开申请数量 · 自然人`, from the
/// template's labels; falls back to the keys for what the template does not name.
pub fn cell_label(template: &str, table: &str, row: &str, col: &str) -> String {
    let tpl = templates().ok().and_then(|ts| {
        ts.iter()
            .find(|t| t.id == template)
            .or_else(|| ts.iter().find(|t| t.table(table).is_some()))
    });
    let Some(tpl) = tpl else {
        return format!("{table}.{row}.{col}");
    };
    let Some((ti, t)) = tpl.tables.iter().enumerate().find(|(_, t)| t.key == table) else {
        return format!("{table}.{row}.{col}");
    };
    let r = t.row(row).map_or(row, |r| first(&r.labels));
    let c = t.col(col).map_or(col, |c| first(&c.labels));
    // A column under a group (法人或其他组织 › 商业企业) is named with its group.
    let c = match t
        .col(col)
        .and_then(|d| d.group.as_ref())
        .and_then(|g| t.col_groups.iter().find(|x| &x.key == g))
    {
        Some(g) => format!("{} › {c}", first(&g.labels)),
        None => c.to_string(),
    };
    format!("{} · {r} · {c}", table_number(ti))
}

/// For a sum or balance finding, the numbers on both sides as the rule adds them, e.g.
/// `80 + 0 ≠ 77 + 0` (T3-BAL: new + carried_in ≠ processed_total + carried_out) or
/// `18 + 9 + … ≠ 84` (parts ≠ total). Blank parts count as 0, as the rules read them.
/// `None` for other rules, or when the record lacks the rule's cells.
pub fn sum_sides(rec: &Record, f: &Finding) -> Option<String> {
    let tpl = templates()
        .ok()?
        .iter()
        .find(|t| t.id == rec.report.template)?;
    let rule = tpl.rules.iter().find(|r| r.id == f.rule)?;
    let value = |(t, r, c): &gouji_model::CellRef| -> Option<String> {
        let cell = rec.cell(t, r, c)?;
        Some(match cell.value {
            Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", v as i64),
            Some(v) => format!("{v}"),
            None => "0".into(),
        })
    };
    let side = |cells: &[gouji_model::CellRef]| -> Option<String> {
        let vs: Option<Vec<String>> = cells.iter().map(value).collect();
        Some(vs?.join(" + "))
    };
    let split = match rule.kind() {
        RuleKind::Balance => rule.identity()?.lhs.len(),
        // The parts come first and the total last (see reconcile::eval_sum).
        RuleKind::Sum if f.found.is_some() => f.cells.len().checked_sub(1)?,
        _ => return None,
    };
    if split == 0 || split >= f.cells.len() {
        return None;
    }
    let (a, b) = f.cells.split_at(split);
    Some(format!("{} ≠ {}", side(a)?, side(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_cover_the_requests_table() {
        let ls = template_labels();
        assert!(ls.iter().any(|l| l.template == "gk2021"
            && l.table == "requests"
            && l.axis == "col"
            && l.key == "natural_person"
            && l.label == "自然人"));
    }

    #[test]
    fn cells_read_as_printed() {
        assert_eq!(
            cell_label("gk2021", "requests", "new", "natural_person"),
            "表三 · 本年新收政府信息公开申请数量 · 自然人"
        );
        assert_eq!(cell_label("x", "nope", "a", "b"), "nope.a.b");
    }

    #[test]
    fn balance_shows_both_sides() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/t08-t3-bal.txt");
        let rec = crate::pipeline::process_path(&path, &crate::pipeline::Options::default());
        let f = rec
            .findings
            .iter()
            .find(|f| f.rule == "T3-BAL" && f.col.as_deref() == Some("natural_person"))
            .expect("t08 plants a T3-BAL on natural_person");
        let sides = sum_sides(&rec, f).expect("sides");
        assert!(sides.contains(" + ") && sides.contains(" ≠ "), "{sides}");
    }
}
