#![forbid(unsafe_code)]
//! HTML extractor: turns the bytes of a report page into a [`gouji_doc::Document`].
//!
//! The page is decoded (byte-order mark, then the HTTP charset, then `<meta charset>`, then
//! detection), parsed with html5ever (via `scraper`), and the article body is located among
//! the site chrome: a well-known CMS container (`.TRS_Editor`, `#zoom`, …) or else the
//! element with the densest non-link CJK text. Data tables outside the chosen body are read
//! too, so a report table is never lost to a wrong guess.
//!
//! Inside the body, block-level text becomes [`gouji_doc::Paragraph`]s and data tables become
//! [`gouji_doc::Table`] grids following the HTML table model (`rowspan`/`colspan`, including
//! `rowspan="0"`, row groups, ragged rows), with in-cell line breaks kept as `\n`. Layout
//! tables (a page laid out in table cells) are read as ordinary blocks. Nothing here knows
//! what a report template means: grids are rebuilt as written and mapped elsewhere.
//!
//! Provenance: a table cell is `Markup { table, row, cell }`, where `table` is the 1-based
//! index of the `<table>` element among all tables of the page in source order (layout,
//! nested and hidden ones included, so `document.querySelectorAll('table')[table - 1]`
//! finds it), `row` the 1-based `<tr>` within that table in source order (a `<tfoot>` written
//! first keeps its source number though its rows are placed last) and `cell` the 1-based
//! `<td>`/`<th>` within the row. A paragraph is `Block { index }`, its 1-based ordinal among
//! the paragraphs emitted.

mod body;
mod charset;
mod dom;
mod emit;
mod guard;
mod meta;
mod slim;
mod table;

pub use charset::sniff_meta_charset;

use gouji_doc::decode::{Decoded, decode_bytes};
use gouji_doc::{Document, Limit, Limits, OverLimit, Warning, WarningCode};
use scraper::Html;

/// Why an HTML page could not be extracted at all. Everything short of this is worked
/// around and reported in [`Document::warnings`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HtmlError {
    /// Over a limit: the input's size ([`Limits::max_input_bytes`]), or more elements
    /// than [`MAX_ELEMENTS`], whose tree would not fit a worker's memory budget.
    #[error(transparent)]
    Limit(#[from] OverLimit),
}

/// Most elements a page may have once scripts, styles and comments are dropped. The
/// tree costs up to ~470 bytes per element (measured: 1 990 000 `<span>`s peak at
/// 915 MiB), so this keeps one page under about 500 MiB, a quarter of a worker's 2 GiB
/// budget; a real report page has a few thousand.
pub const MAX_ELEMENTS: usize = 1_000_000;

/// Extracts paragraphs, tables, metadata and links from an HTML page.
///
/// `declared_charset` is the `charset` parameter of the HTTP `Content-Type`, if any. The
/// encoding used is recorded in `meta.encoding`. Never panics on any input; problems that
/// were worked around (clipped spans, undecodable bytes, flattened nesting) are listed in
/// `warnings`.
pub fn extract_html(
    bytes: &[u8],
    declared_charset: Option<&str>,
    limits: &Limits,
) -> Result<Document, HtmlError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limits.max_input_bytes {
        return Err(OverLimit::input("HTML", size, limits.max_input_bytes).into());
    }
    let mut warnings = Vec::new();
    let decoded = decode(bytes, declared_charset, &mut warnings);

    // Scripts, styles, comments and unread attributes go before the DOM is built: they
    // are most of a big page's tree memory (issue 13: 50 MB page, 954 MiB).
    let (slimmed, elements) = slim::slim(&decoded.text);
    if elements > MAX_ELEMENTS {
        let what = "HTML page (after dropping scripts, styles and comments)";
        let (found, max) = (Some(elements as u64), MAX_ELEMENTS as u64);
        let limit = Limit::Fixed("MAX_ELEMENTS");
        return Err(OverLimit::new(limit, what, "elements", found, max).into());
    }
    let (markup, flattened) = guard::cap_nesting(&slimmed, limits.max_depth.saturating_mul(2));
    if flattened > 0 {
        let depth = limits.max_depth.saturating_mul(2).max(16);
        warnings.push(Warning::new(
            WarningCode::Flattened,
            format!("{flattened} element(s) nested deeper than {depth} were flattened"),
        ));
    }
    let html = Html::parse_document(&markup);
    let root = html.tree.root();
    let info = dom::DomInfo::compute(root);
    let choice = body::choose(root, &info);

    let drop_chrome = choice.how.may_hold_chrome();
    let mut em = emit::Emitter::new(&info, limits, drop_chrome);
    // Body and outside tables in document order (none contains another).
    let outside: std::collections::HashSet<_> =
        choice.outside_tables.iter().map(|t| t.id()).collect();
    let targets: Vec<_> = root
        .descendants()
        .filter(|n| n.id() == choice.body.id() || outside.contains(&n.id()))
        .collect();
    for t in targets {
        if t.id() == choice.body.id() {
            em.walk_body(t);
        } else {
            em.table(t);
        }
    }
    em.finish();
    if !choice.outside_tables.is_empty() {
        warnings.push(Warning::new(
            WarningCode::Layout,
            format!(
                "{} table(s) outside the article body were included",
                choice.outside_tables.len()
            ),
        ));
    }
    warnings.append(&mut em.warnings);

    let mut doc = Document {
        blocks: std::mem::take(&mut em.blocks),
        links: meta::links(root),
        warnings,
        ..Document::default()
    };
    meta::fill(&mut doc.meta, root, &info);
    doc.meta.encoding = Some(decoded.encoding.to_string());
    Ok(doc)
}

/// Decodes with BOM → HTTP charset → `<meta>` → detection, and second-guesses a UTF-8
/// declaration that the bytes plainly contradict (GBK pages labelled UTF-8 exist).
fn decode(bytes: &[u8], http: Option<&str>, warnings: &mut Vec<Warning>) -> Decoded {
    let label = charset::declared_label(bytes, http);
    let d = decode_bytes(bytes, label.as_deref());
    if d.had_errors && d.encoding == "UTF-8" && label.is_some() {
        let bad = d.text.chars().filter(|&c| c == '\u{fffd}').count();
        let non_ascii = d.text.chars().filter(|c| !c.is_ascii()).count();
        // A few stray bytes are a damaged UTF-8 page; a legacy CJK page read as UTF-8
        // turns most of its non-ASCII text into U+FFFD.
        if bad >= 8 && bad * 4 >= non_ascii {
            let alt = decode_bytes(bytes, None);
            let alt_bad = alt.text.chars().filter(|&c| c == '\u{fffd}').count();
            if alt_bad * 4 < bad {
                warnings.push(Warning::new(
                    WarningCode::Encoding,
                    format!(
                        "declared UTF-8 does not fit the bytes; decoded as {}",
                        alt.encoding
                    ),
                ));
                return alt;
            }
        }
    }
    if d.had_errors {
        warnings.push(Warning::new(
            WarningCode::Encoding,
            format!(
                "malformed {} byte sequences replaced with U+FFFD",
                d.encoding
            ),
        ));
    }
    d
}
