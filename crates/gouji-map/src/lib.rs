#![forbid(unsafe_code)]
//! The map stage of gouji: an extracted document ([`gouji_doc::Document`], whatever its
//! format) mapped to a template's canonical cells — by printed labels, order and the
//! template's structure, never by fixed positions.
//!
//! - [`report_info`]: title, year, agency and the template a report prints features of.
//! - [`mapping`]: grids mapped by their header and row labels.
//! - [`flattened`]: tables whose cell boundaries were lost (crawler text), recovered
//!   from the template's arithmetic.
//! - [`rowstream`]: grids whose headers cannot name the columns, read as a stream of
//!   data rows.
//! - [`legacy`]: the 统计表 of pre-template reports.
//!
//! [`map_report`] ties them together: which template, and which strategy fills which
//! table.

pub mod flattened;
pub mod legacy;
pub mod mapping;
pub mod report_info;
pub mod rowstream;

pub use gouji_model::{labels, number};

use gouji_check::template::Template;
use gouji_doc::Document;
use mapping::{Mapping, map_document};
use report_info::detect_template;

/// Maps a document through the set's families: the family it follows (by its printed
/// features, else the one that maps the most cells) and its cells. Every strategy is
/// tried here, in order: the grids by their labels; then, for tables no grid gave, the
/// text whose cell boundaries were lost (crawler text), recovered from the template's
/// arithmetic; then grids whose headers cannot name the columns, as a stream of data
/// rows. `None`: no family maps any cell (a legacy report, or not a report).
pub fn map_report<'t>(
    doc: &Document,
    templates: &'t [Template],
    year: Option<i32>,
) -> (Option<&'t Template>, Mapping) {
    let (tpl, mut mapping) = choose_template(doc, templates, year);
    if let Some(t) = tpl {
        flattened::merge_missing(doc, t, &mut mapping);
        rowstream::merge(doc, t, &mut mapping);
        rowstream::merge_annotated(doc, t, &mut mapping);
    }
    (tpl, mapping)
}

/// The template a document follows: by its printed features, else the one that maps the
/// most cells.
fn choose_template<'a>(
    doc: &Document,
    tpls: &'a [Template],
    year: Option<i32>,
) -> (Option<&'a Template>, Mapping) {
    if let Some(t) = detect_template(doc, tpls) {
        return (Some(t), map_document(doc, t));
    }
    // No printed feature (e.g. only 表三, which both templates share): the template that
    // maps more cells, and on a tie the one meant for the report's year.
    let fits = |t: &Template| year.is_some_and(|y| y >= t.years[0] && y <= t.years[1]);
    let mut best: Option<(&Template, Mapping)> = None;
    for t in tpls {
        let m = map_document(doc, t);
        let better = best.as_ref().is_none_or(|(bt, b)| {
            m.cells.len() > b.cells.len()
                || (m.cells.len() == b.cells.len() && fits(t) && !fits(bt))
        });
        if !m.cells.is_empty() && better {
            best = Some((t, m));
        }
    }
    match best {
        Some((t, m)) => (Some(t), m),
        None => (None, Mapping::default()),
    }
}
