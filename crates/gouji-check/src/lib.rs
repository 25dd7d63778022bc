#![forbid(unsafe_code)]
//! The check stage of gouji: report templates as data and the rules evaluated on a
//! mapped report.
//!
//! - [`template`]: the template set (families, tables, rules, sections, cross-year and
//!   legacy rules, agency data), embedded from `templates/` or read from a directory.
//! - [`rules`]: every rule parsed by its kind; the arithmetic ones compiled into
//!   per-line instances that all evaluators share.
//! - [`reconcile`]: a family's rules over one report's canonical [`MappedCell`]s and
//!   text.
//! - [`legacy`]: the checks of pre-template reports over their 统计表 and paragraphs.
//! - [`crossyear`]: rules across an agency's consecutive reports.
//!
//! Every evaluator compares sums by one policy ([`arith::close`]) and expands a rule's
//! `group:KEY` rows by one function ([`template::TableDef::expand_row`]).
//!
//! Nothing here knows about document formats: the input is canonical cells (from
//! `gouji-map`) and paragraph text.

pub mod arith;
pub mod cells;
pub mod crossyear;
pub mod legacy;
pub mod reconcile;
pub mod rules;
pub mod template;

pub use cells::MappedCell;
