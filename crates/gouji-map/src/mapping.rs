//! Mapping extracted table grids to the template's canonical cells, by labels.
//!
//! Works on the intermediate document only, whatever format it came from. For each grid:
//! header rows (rows whose cells name template columns) give every grid column a path of
//! header labels (`申请人情况 › 法人或其他组织 › 商业企业`); data rows give a path of row
//! labels (`三、本年度办理结果 › （三）不予公开 › 1.属于国家秘密`), with the current row
//! group remembered across rows for formats that print merged cells only once. A data
//! cell's row and column keys come from those paths — never from fixed positions — so
//! reordered or missing columns, extra subtotals, wrapped or misspelt labels and tables
//! split over several grids all map. When a row's cells are shifted against its header
//! (text formats lose merged cells), its value cells are matched to the header columns
//! in order.

pub use gouji_check::MappedCell;
use gouji_check::template::{GroupDef, TableDef, Template};
use gouji_doc::{Block, Document, Table};
use gouji_model::labels::{self, MATCH_THRESHOLD};
use gouji_model::number::{Parsed, parse_cell};
use std::collections::{HashMap, HashSet};

/// The result of mapping a document through a template.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    /// Mapped cells in document order.
    pub cells: Vec<MappedCell>,
    /// Notes on what could not be mapped, or was inferred.
    pub warnings: Vec<MapWarning>,
}

/// What a mapping warning is about, for code that acts on warnings (never their text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningCode {
    /// A cell printed again; the first value is kept.
    Duplicate,
    /// A data row whose label names no row of the template; its numbers are not mapped.
    UnmappedRow,
    /// Several readings agree equally well; the disputed cells are left out.
    Ambiguous,
    /// Cells placed by count, template order or an annotation rather than by label.
    Inferred,
    /// Flattened text whose digit runs could not be split into cells.
    Unsplit,
    /// An OCR reading too uncertain to use; the cell is reported missing.
    OcrUncertain,
    /// A column header that names no column of the template; its numbers are not mapped.
    UnmappedCol,
}

/// A note of the mapping stage: its code, the template table it concerns and where in
/// the document, and the text the record carries.
#[derive(Debug, Clone, PartialEq)]
pub struct MapWarning {
    /// What kind of note.
    pub code: WarningCode,
    /// The template table (`requests`).
    pub table: String,
    /// Where in the document (provenance, `p3@120,88`), when one place is meant.
    pub at: Option<String>,
    /// The record's text of the warning.
    pub message: String,
}

impl MapWarning {
    /// A warning about `table`.
    pub fn new(code: WarningCode, table: &str, message: String) -> Self {
        MapWarning {
            code,
            table: table.to_string(),
            at: None,
            message,
        }
    }

    /// The same warning, placed at `at`.
    pub fn at(mut self, at: impl ToString) -> Self {
        self.at = Some(at.to_string());
        self
    }
}

impl std::fmt::Display for MapWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Mapping {
    /// A guess never produces a finding: an OCR cell whose reading is uncertain
    /// (`Meta::uncertain`: low confidence or digits that do not parse), or whose text is not
    /// a number, is dropped from the mapping, so every rule (arithmetic, VALUE, narrative)
    /// sees it as missing; a warning names it with its raw text.
    pub fn drop_ocr_guesses(&mut self, meta: &gouji_doc::Meta) {
        let uncertain: Vec<String> = meta.uncertain.iter().map(|p| p.to_string()).collect();
        let mut warns = Vec::new();
        self.cells.retain(|mc| {
            let ocr = mc.at.page().is_some_and(|p| meta.ocr_pages.contains(&p));
            let at = mc.at.to_string();
            let guess = uncertain.contains(&at) || (ocr && matches!(mc.parsed, Parsed::Text));
            if guess {
                let message = format!(
                    "{}.{}.{}: OCR cell at {at} reads {:?}, uncertain: reported missing",
                    mc.table, mc.row, mc.col, mc.raw
                );
                warns.push(MapWarning::new(WarningCode::OcrUncertain, &mc.table, message).at(&at));
            }
            !guess
        });
        self.warnings.extend(warns);
    }

    /// Whether any cell of `table` was found.
    pub fn has_table(&self, table: &str) -> bool {
        self.cells.iter().any(|c| c.table == table)
    }

    /// The cell at `(table, row, col)`.
    pub fn get(&self, table: &str, row: &str, col: &str) -> Option<&MappedCell> {
        self.cells
            .iter()
            .find(|c| c.table == table && c.row == row && c.col == col)
    }
}

/// Header context carried from one grid to the next (a table split over grids).
#[derive(Debug, Clone, Default)]
struct State {
    header: Option<Header>,
    group: Option<String>,
    /// Data rows whose label named no row of the table (reported as warnings).
    unmapped: Vec<MapWarning>,
    /// The row named by the grid's caption, for grids that name no row themselves.
    caption_row: Option<String>,
}

/// The row a table caption names, innermost bracketed part first:
/// `行政诉讼（未经复议直接起诉）` → `suit_direct`. Markdown heading marks are dropped.
fn caption_row(t: &TableDef, caption: &str) -> Option<String> {
    let parts: Vec<String> = gouji_model::number::fold_width(caption)
        .split(['(', ')', '[', ']', '【', '】', '、', ',', '，', ' '])
        .map(labels::core)
        .filter(|p| !p.is_empty())
        .collect();
    // Every part must be a row or row-group label: a caption that is really a garbled
    // header ("未经复议直接起诉 复议后起诉结果维 …") names nothing.
    let all_labels = parts
        .iter()
        .all(|p| match_row(t, p, None).is_some() || match_row_group(t, p).is_some());
    if !all_labels {
        return None;
    }
    parts
        .iter()
        .rev()
        .find_map(|p| match_row(t, p, None).map(|(k, _)| k.to_string()))
}

#[derive(Debug, Clone)]
struct HeaderCol {
    grid_col: usize,
    col_key: String,
    /// A row key named by the column header (wide tables such as 表四).
    row_key: Option<String>,
    /// The key was not read from the header cell but placed by elimination among its
    /// column group's members (see [`place_orphans`]).
    inferred: bool,
}

#[derive(Debug, Clone)]
struct Header {
    cols: Vec<HeaderCol>,
    /// What the header could not name, or named by elimination (reported as warnings).
    notes: Vec<MapWarning>,
}

/// Per-cell facts computed once per grid.
struct CellInfo {
    core: String,
    parsed: Parsed,
    raw: String,
}

fn is_value_like(p: &Parsed) -> bool {
    matches!(p, Parsed::Number { .. } | Parsed::Blank | Parsed::NullMark)
}

/// Best-matching key among `items` for a label core, with its score.
fn best_match<'a, I>(core: &str, items: I) -> Option<(&'a str, f64)>
where
    I: IntoIterator<Item = (&'a str, &'a [String])>,
{
    let mut best: Option<(&str, f64)> = None;
    for (key, cores) in items {
        let s = labels::best_score(core, cores.iter().map(String::as_str));
        if s >= MATCH_THRESHOLD && best.is_none_or(|(_, b)| s > b) {
            best = Some((key, s));
        }
    }
    best
}

fn match_col<'a>(t: &'a TableDef, core: &str) -> Option<(&'a str, f64)> {
    best_match(
        core,
        t.cols.iter().map(|c| (c.key.as_str(), c.cores.as_slice())),
    )
}

fn match_col_group<'a>(t: &'a TableDef, core: &str) -> Option<&'a GroupDef> {
    t.col_groups
        .iter()
        .find(|g| labels::best_score(core, g.cores.iter().map(String::as_str)) >= MATCH_THRESHOLD)
}

fn match_row_group<'a>(t: &'a TableDef, core: &str) -> Option<&'a GroupDef> {
    t.row_groups
        .iter()
        .filter_map(|g| {
            let s = labels::best_score(core, g.cores.iter().map(String::as_str));
            (s >= MATCH_THRESHOLD).then_some((g, s))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(g, _)| g)
}

/// The row a label core names, preferring rows of the current group on ties.
fn match_row<'a>(t: &'a TableDef, core: &str, group: Option<&str>) -> Option<(&'a str, f64)> {
    let mut best: Option<(&str, f64, bool)> = None;
    for r in &t.rows {
        let s = labels::best_score(core, r.cores.iter().map(String::as_str));
        if s < MATCH_THRESHOLD {
            continue;
        }
        let in_group = group.is_some() && r.group.as_deref() == group;
        let better = match best {
            None => true,
            Some((_, b, g)) => s > b + 1e-9 || ((s - b).abs() <= 1e-9 && in_group && !g),
        };
        if better {
            best = Some((r.key.as_str(), s, in_group));
        }
    }
    best.map(|(k, s, _)| (k, s))
}

fn is_subtotal_word(core: &str) -> bool {
    core == "小计"
}

/// One template table's reading of a grid: the table, its carried state, and the mapped
/// cells with the index of the grid cell each came from.
type GridResult<'t> = (&'t TableDef, State, Vec<(usize, MappedCell)>);

/// Maps every grid of `doc` through `tpl`.
pub fn map_document(doc: &Document, tpl: &Template) -> Mapping {
    let mut out = Mapping::default();
    let mut states: HashMap<&str, State> = HashMap::new();
    let mut seen: HashSet<(String, String, String)> = HashSet::new();
    let mut caption: Option<&str> = None;
    let mut ti = 0;
    for block in &doc.blocks {
        let table = match block {
            Block::Paragraph(p) => {
                // A short paragraph right above a table names it (`### 行政复议`).
                caption = (p.text.chars().count() <= 40).then_some(p.text.as_str());
                continue;
            }
            Block::Table(t) => t,
        };
        ti += 1;
        let table_caption = caption.take();
        let info = cell_infos(table);
        // Map the grid through every template table; a grid cell goes to the table that
        // claims the most cells of this grid.
        let mut results: Vec<GridResult> = Vec::new();
        for tdef in &tpl.tables {
            let mut st = states.get(tdef.key.as_str()).cloned().unwrap_or_default();
            st.caption_row = table_caption.and_then(|c| caption_row(tdef, c));
            let cells = map_grid(table, &info, tdef, &mut st);
            if !cells.is_empty() {
                results.push((tdef, st, cells));
            }
        }
        results.sort_by_key(|r| std::cmp::Reverse(r.2.len()));
        let mut claimed: HashSet<usize> = HashSet::new();
        for (tdef, st, cells) in results {
            let mut used = 0;
            for (idx, mc) in cells {
                if claimed.contains(&idx) {
                    continue;
                }
                let key = (mc.table.clone(), mc.row.clone(), mc.col.clone());
                if !seen.insert(key) {
                    let message = format!(
                        "table {} row {} col {}: printed again at {} (first value kept)",
                        mc.table, mc.row, mc.col, mc.at
                    );
                    out.warnings.push(
                        MapWarning::new(WarningCode::Duplicate, &mc.table, message).at(&mc.at),
                    );
                    continue;
                }
                claimed.insert(idx);
                out.cells.push(mc);
                used += 1;
            }
            if used > 0 {
                let mut st = st;
                out.warnings.append(&mut st.unmapped);
                states.insert(tdef.key.as_str(), st);
            } else {
                tracing::debug!(grid = ti, table = %tdef.key, "grid cells all claimed elsewhere");
            }
        }
    }
    resolve_single_rows(tpl, &mut out);
    out
}

/// A group printed as one row (（六）其他处理) is its `single` row when none of its member
/// rows is printed, and its subtotal when they are.
fn resolve_single_rows(tpl: &Template, m: &mut Mapping) {
    for t in &tpl.tables {
        for g in &t.row_groups {
            let (Some(single), Some(sub)) = (&g.single, &g.subtotal) else {
                continue;
            };
            let members_printed = m.cells.iter().any(|c| {
                c.table == t.key
                    && &c.row != single
                    && t.row(&c.row).and_then(|r| r.group.as_deref()) == Some(g.key.as_str())
            });
            if members_printed {
                for c in m.cells.iter_mut() {
                    if c.table == t.key && &c.row == single {
                        c.row = sub.clone();
                    }
                }
            }
        }
    }
}

fn cell_infos(table: &Table) -> Vec<CellInfo> {
    table
        .cells
        .iter()
        .map(|c| {
            let raw = gouji_doc::normalize_ws(&c.text).replace('\n', "");
            CellInfo {
                core: labels::core(&c.text),
                parsed: parse_cell(&raw),
                raw,
            }
        })
        .collect()
}

/// Cells of grid row `r`, each once, left to right, as (first grid column, cell index).
fn row_cells(grid: &[Vec<Option<usize>>], r: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    if let Some(row) = grid.get(r) {
        for (c, idx) in row.iter().enumerate() {
            if let Some(i) = idx
                && out.last().is_none_or(|(_, j)| j != i)
                && !out.iter().any(|(_, j)| j == i)
            {
                out.push((c, *i));
            }
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum RowKind {
    Header,
    Other,
}

/// What mapping one grid through one template table reads: the grid, its cells' facts
/// and the table definition. Every step below takes it instead of four arguments.
struct GridCtx<'a> {
    table: &'a Table,
    grid: Vec<Vec<Option<usize>>>,
    info: &'a [CellInfo],
    t: &'a TableDef,
}

impl GridCtx<'_> {
    /// Cells of grid row `r`, each once, left to right, as (first grid column, index).
    fn row(&self, r: usize) -> Vec<(usize, usize)> {
        row_cells(&self.grid, r)
    }

    /// Whether cell `i` starts on grid row `r` (rather than spanning into it).
    fn anchored(&self, i: usize, r: usize) -> bool {
        self.table.cells[i].row == r
    }

    /// Whether cell `i`, starting at grid column `c`, covers one of `cols`.
    fn covers(&self, c: usize, i: usize, cols: &HashSet<usize>) -> bool {
        (c..c + self.table.cells[i].col_span).any(|k| cols.contains(&k))
    }

    fn names_row(&self, core: &str) -> bool {
        match_row(self.t, core, None).is_some() || match_row_group(self.t, core).is_some()
    }

    fn names_col(&self, i: usize) -> bool {
        let core = &self.info[i].core;
        matches!(self.info[i].parsed, Parsed::Text)
            && (match_col(self.t, core).is_some() || match_col_group(self.t, core).is_some())
    }
}

fn map_grid(
    table: &Table,
    info: &[CellInfo],
    t: &TableDef,
    st: &mut State,
) -> Vec<(usize, MappedCell)> {
    let ctx = GridCtx {
        table,
        grid: table.grid(),
        info,
        t,
    };
    let kinds = classify_rows(&ctx);
    let mut out = Vec::new();
    let mut mapped_here: HashSet<(String, String)> = HashSet::new();
    let mut block: Vec<usize> = Vec::new();
    for (r, kind) in kinds.iter().enumerate() {
        if *kind == RowKind::Header {
            block.push(r);
            continue;
        }
        if !block.is_empty() {
            let header = build_header(table, &ctx.grid, info, t, &block);
            st.unmapped.extend(header.notes.iter().cloned());
            st.header = Some(header);
            block.clear();
        }
        if let Some(header) = st.header.clone() {
            for (i, cell) in map_row(&ctx, &header, st, r) {
                if mapped_here.insert((cell.row.clone(), cell.col.clone())) {
                    out.push((i, cell));
                }
            }
        }
    }
    out
}

/// Header rows and the others: a row without numbers that names a column is a header
/// row, and so is a text-only row right above one (the 行政复议 | 行政诉讼 row above 表四's
/// result columns) unless it looks like a row label with blank values.
fn classify_rows(ctx: &GridCtx) -> Vec<RowKind> {
    let nrows = ctx.table.rows;
    let mut kinds = vec![RowKind::Other; nrows];
    let mut has_number = vec![false; nrows];
    for (r, kind) in kinds.iter_mut().enumerate() {
        let anchored: Vec<usize> = ctx
            .row(r)
            .iter()
            .map(|&(_, i)| i)
            .filter(|&i| ctx.anchored(i, r))
            .collect();
        has_number[r] = anchored
            .iter()
            .any(|&i| matches!(ctx.info[i].parsed, Parsed::Number { .. } | Parsed::NullMark));
        // 其他 and 总计 name both a column and a row: a blank "3.其他" or "（七）总计" row
        // must stay a data row. Such labels make a header only in a row without blanks.
        let has_blank = anchored
            .iter()
            .any(|&i| ctx.info[i].parsed == Parsed::Blank);
        let col_hit = anchored
            .iter()
            .any(|&i| ctx.names_col(i) && (!ctx.names_row(&ctx.info[i].core) || !has_blank));
        if !has_number[r] && col_hit {
            *kind = RowKind::Header;
        }
    }
    for r in (0..nrows.saturating_sub(1)).rev() {
        if kinds[r] == RowKind::Other && kinds[r + 1] == RowKind::Header && !has_number[r] {
            let cells = ctx.row(r);
            let texts: Vec<usize> = cells
                .iter()
                .map(|&(_, i)| i)
                .filter(|&i| ctx.anchored(i, r) && matches!(ctx.info[i].parsed, Parsed::Text))
                .collect();
            let has_blank = cells
                .iter()
                .any(|&(_, i)| ctx.anchored(i, r) && ctx.info[i].parsed == Parsed::Blank);
            let label_like = texts.len() == 1
                && has_blank
                && match_row(ctx.t, &ctx.info[texts[0]].core, None).is_some();
            if !texts.is_empty() && !label_like {
                kinds[r] = RowKind::Header;
            }
        }
    }
    kinds
}

/// Column paths of a header block, with empty cells filled from the left within their
/// parent's extent (text formats print a merged header cell once).
fn build_header(
    table: &Table,
    grid: &[Vec<Option<usize>>],
    info: &[CellInfo],
    t: &TableDef,
    rows: &[usize],
) -> Header {
    let ncols = table.cols;
    let mut levels: Vec<Vec<String>> = Vec::new();
    for &r in rows {
        let mut level: Vec<String> = (0..ncols)
            .map(|c| {
                grid.get(r)
                    .and_then(|row| row.get(c))
                    .copied()
                    .flatten()
                    .map(|i| info[i].core.clone())
                    .unwrap_or_default()
            })
            .collect();
        for c in 1..ncols {
            if !level[c].is_empty() {
                continue;
            }
            // Fill from the nearest non-empty cell to the left under the same parents.
            let mut j = c;
            while j > 0 && level[j - 1].is_empty() {
                j -= 1;
            }
            if j == 0 {
                continue;
            }
            let src = j - 1;
            let same_parents = levels.iter().all(|p| (src..=c).all(|k| p[k] == p[src]));
            if same_parents {
                level[c] = level[src].clone();
            }
        }
        levels.push(level);
    }
    let mut cols = Vec::new();
    let mut orphans: Vec<Orphan> = Vec::new();
    for c in 0..ncols {
        let mut path: Vec<&str> = Vec::new();
        for l in &levels {
            let s = l[c].as_str();
            if !s.is_empty() && path.last() != Some(&s) {
                path.push(s);
            }
        }
        let (col_key, used) = match name_column(t, &path) {
            ColName::Key(key, used) => (key, used),
            ColName::Orphan(group) => {
                // Its header cell, for the warning: the innermost row holding the label.
                let cell = rows
                    .iter()
                    .rev()
                    .find_map(|&r| grid.get(r).and_then(|row| row.get(c)).copied().flatten())
                    .filter(|&i| Some(info[i].core.as_str()) == path.last().copied());
                orphans.push(Orphan {
                    grid_col: c,
                    group,
                    cell,
                });
                continue;
            }
            ColName::None => continue,
        };
        let row_key = path
            .iter()
            .enumerate()
            .rev()
            .filter(|(k, _)| Some(*k) != used)
            .find_map(|(_, part)| match_row(t, part, None).map(|(k, _)| k.to_string()));
        cols.push(HeaderCol {
            grid_col: c,
            col_key,
            row_key,
            inferred: false,
        });
    }
    let mut header = Header {
        cols,
        notes: Vec::new(),
    };
    place_orphans(table, info, t, &orphans, &mut header);
    header
}

/// A data row's label cells: text outside the header's data columns, or text inside
/// them that names a row (a row shifted against its header).
#[derive(Debug, Default)]
struct RowLabel {
    /// (grid column, cell index), left to right.
    cells: Vec<(usize, usize)>,
    /// A row label printed inside the header's data columns: the row is shifted right.
    in_data: bool,
}

impl RowLabel {
    fn find(ctx: &GridCtx, cells: &[(usize, usize)], hcols: &HashSet<usize>) -> Self {
        let mut label = RowLabel::default();
        for &(c, i) in cells {
            let core = &ctx.info[i].core;
            if !matches!(ctx.info[i].parsed, Parsed::Text) || core.is_empty() {
                continue;
            }
            if !ctx.covers(c, i, hcols) {
                label.cells.push((c, i));
            } else if ctx.names_row(core) || is_subtotal_word(core) {
                label.cells.push((c, i));
                label.in_data = true;
            }
        }
        label
    }

    /// The label's distinct texts, outermost first (`（三）不予公开` `1.属于国家秘密`).
    fn parts<'a>(&self, ctx: &GridCtx<'a>) -> Vec<&'a str> {
        let mut v: Vec<&str> = Vec::new();
        for &(_, i) in &self.cells {
            let s = ctx.info[i].core.as_str();
            if v.last() != Some(&s) {
                v.push(s);
            }
        }
        v
    }

    fn contains(&self, i: usize) -> bool {
        self.cells.iter().any(|&(_, j)| j == i)
    }
}

/// The row key a data row's label names, in the group context `st.group` (which the
/// label updates). `Ok(None)`: the row has no label (a continuation row, or a wide table
/// whose header names the rows). `Err(())`: a label naming no row of the template — its
/// numbers are reported in `st.unmapped` and not mapped.
fn resolve_row_key(
    ctx: &GridCtx,
    st: &mut State,
    label: &RowLabel,
    cells: &[(usize, usize)],
    r: usize,
) -> Result<Option<String>, ()> {
    let t = ctx.t;
    let parts = label.parts(ctx);
    for p in &parts {
        if let Some(g) = match_row_group(t, p) {
            st.group = Some(g.key.clone());
        }
    }
    let Some(leaf) = parts.last() else {
        return Ok(None);
    };
    let key = if is_subtotal_word(leaf) {
        st.group
            .as_deref()
            .and_then(|g| t.row_group(g))
            .and_then(|g| g.subtotal.clone())
    } else if let Some((k, _)) = match_row(t, leaf, st.group.as_deref()) {
        Some(k.to_string())
    } else if let Some((k, _)) = match_row(t, &parts.concat(), st.group.as_deref()) {
        Some(k.to_string())
    } else {
        match_row_group(t, leaf).and_then(|g| g.single.clone().or(g.subtotal.clone()))
    };
    let Some(key) = key else {
        let has_numbers = cells.iter().any(|&(_, i)| {
            ctx.anchored(i, r) && matches!(ctx.info[i].parsed, Parsed::Number { .. })
        });
        if has_numbers {
            st.unmapped.push(unmapped_warning(ctx, label));
        }
        return Err(());
    };
    if let Some(def) = t.row(&key) {
        match def.group.as_deref().and_then(|g| t.row_group(g)) {
            // A row of a real group (one with a subtotal) sets the context; a top-level
            // row ends it.
            Some(g) if g.subtotal.is_some() => st.group = Some(g.key.clone()),
            Some(_) => {}
            None => st.group = None,
        }
    }
    Ok(Some(key))
}

fn unmapped_warning(ctx: &GridCtx, label: &RowLabel) -> MapWarning {
    let text: Vec<&str> = label
        .cells
        .iter()
        .map(|&(_, i)| ctx.info[i].raw.as_str())
        .collect();
    let at = label
        .cells
        .first()
        .map(|&(_, i)| ctx.table.cells[i].at.to_string())
        .unwrap_or_default();
    let message = format!(
        "{}: row “{}” ({at}) matches no row of the template; its numbers were not mapped",
        ctx.t.key,
        text.join(" ")
    );
    let w = MapWarning::new(WarningCode::UnmappedRow, &ctx.t.key, message);
    if at.is_empty() { w } else { w.at(at) }
}

/// What a column's header path names.
enum ColName<'t> {
    /// A column key, and the index of the path part that named it (`None`: no part).
    Key(String, Option<usize>),
    /// A label of its own that names no column, under a column group's label: one of
    /// the group's members whose label was misprinted or misread.
    Orphan(&'t GroupDef),
    /// Nothing.
    None,
}

/// The column key of a header path (outermost label first): the innermost label naming
/// a column, or a column group's subtotal when the innermost label is the group's.
///
/// A label of its own under a group's label is one of the group's members, never the
/// group's subtotal: an OCR misreading of 商业企业 (离业企业) under 法人或其他组织 must
/// not put that column's numbers under `legal_entity_subtotal`.
fn name_column<'t>(t: &'t TableDef, path: &[&str]) -> ColName<'t> {
    let Some((&leaf, outer)) = path.split_last() else {
        return ColName::None;
    };
    if let Some((key, _)) = match_col(t, leaf) {
        return ColName::Key(key.to_string(), Some(outer.len()));
    }
    if let Some(g) = match_col_group(t, leaf) {
        return match &g.subtotal {
            Some(sub) => ColName::Key(sub.clone(), Some(outer.len())),
            None => ColName::None,
        };
    }
    let own_label = leaf
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count()
        >= 2;
    for (k, part) in outer.iter().enumerate().rev() {
        if own_label && let Some(g) = match_col_group(t, part) {
            return ColName::Orphan(g);
        }
        if let Some((key, _)) = match_col(t, part) {
            return ColName::Key(key.to_string(), Some(k));
        }
    }
    ColName::None
}

/// A header column whose label names no column, under a column group's label.
struct Orphan<'t> {
    grid_col: usize,
    group: &'t GroupDef,
    /// Its header cell.
    cell: Option<usize>,
}

/// Names orphan columns by elimination among their group's members, by template order:
/// between two named members (or a named member and the group's edge), the members of
/// the template not named anywhere in the header are placed only when there are exactly
/// as many of them as orphan columns there, and only when the named members are printed
/// in template order. Every other orphan stays unnamed (its numbers are not mapped).
/// Both are noted in the header's warnings.
fn place_orphans(
    table: &Table,
    info: &[CellInfo],
    t: &TableDef,
    orphans: &[Orphan],
    header: &mut Header,
) {
    let label = |o: &Orphan| {
        o.cell.map_or((String::new(), String::new()), |i| {
            (info[i].raw.clone(), table.cells[i].at.to_string())
        })
    };
    let mut groups: Vec<&GroupDef> = Vec::new();
    for o in orphans {
        if !groups.iter().any(|g| g.key == o.group.key) {
            groups.push(o.group);
        }
    }
    for g in groups {
        let members: Vec<&str> = t
            .cols
            .iter()
            .filter(|c| c.group.as_deref() == Some(g.key.as_str()))
            .filter(|c| g.subtotal.as_deref() != Some(c.key.as_str()))
            .map(|c| c.key.as_str())
            .collect();
        // One orphan per header cell: a cell spanning two grid columns is one column.
        let mine: Vec<&Orphan> = orphans
            .iter()
            .filter(|o| o.group.key == g.key)
            .filter(|o| {
                o.cell.is_none()
                    || !orphans
                        .iter()
                        .any(|p| p.grid_col + 1 == o.grid_col && p.cell == o.cell)
            })
            .collect();
        let placed = eliminate(&members, &header.cols, &mine);
        for (o, key) in mine.iter().zip(placed) {
            let (raw, at) = label(o);
            let message = match key {
                Some(key) => {
                    let spans = orphans.iter().filter(|p| {
                        p.grid_col == o.grid_col || (o.cell.is_some() && p.cell == o.cell)
                    });
                    for p in spans {
                        header.cols.push(HeaderCol {
                            grid_col: p.grid_col,
                            col_key: key.to_string(),
                            row_key: None,
                            inferred: true,
                        });
                    }
                    format!(
                        "{}: column header “{raw}” ({at}) names no column; read as {key}, the \
                         one member of {} left at its place (inferred)",
                        t.key, g.key
                    )
                }
                None => format!(
                    "{}: column header “{raw}” ({at}) under {} names no column; its numbers \
                     were not mapped",
                    t.key, g.key
                ),
            };
            let code = if key.is_some() {
                WarningCode::Inferred
            } else {
                WarningCode::UnmappedCol
            };
            let w = MapWarning::new(code, &t.key, message);
            header.notes.push(if at.is_empty() { w } else { w.at(at) });
        }
    }
    header.cols.sort_by_key(|h| h.grid_col);
}

/// The member key of each orphan (in grid order), or `None` where elimination does not
/// decide. `named` are the header's named columns.
fn eliminate<'k>(
    members: &[&'k str],
    named: &[HeaderCol],
    orphans: &[&Orphan],
) -> Vec<Option<&'k str>> {
    let none = vec![None; orphans.len()];
    // (grid column, member index) of the named members, in grid order.
    let mut seen: Vec<(usize, usize)> = named
        .iter()
        .filter_map(|h| {
            let m = members.iter().position(|&k| k == h.col_key)?;
            Some((h.grid_col, m))
        })
        .collect();
    seen.sort();
    seen.dedup_by_key(|e| e.1);
    if !seen.windows(2).all(|w| w[0].1 < w[1].1 && w[0].0 < w[1].0) {
        return none;
    }
    let taken: HashSet<usize> = seen.iter().map(|&(_, m)| m).collect();
    let mut out = none.clone();
    let mut i = 0;
    while i < orphans.len() {
        // A run of orphans with no named member between them.
        let mut j = i;
        while j + 1 < orphans.len()
            && !seen
                .iter()
                .any(|&(c, _)| c > orphans[j].grid_col && c < orphans[j + 1].grid_col)
        {
            j += 1;
        }
        let (first, last) = (orphans[i].grid_col, orphans[j].grid_col);
        let left = seen
            .iter()
            .rev()
            .find(|&&(c, _)| c < first)
            .map(|&(_, m)| m);
        let right = seen.iter().find(|&&(c, _)| c > last).map(|&(_, m)| m);
        let lo = left.map_or(0, |m| m + 1);
        let hi = right.unwrap_or(members.len());
        let free: Vec<usize> = (lo..hi.max(lo)).filter(|m| !taken.contains(m)).collect();
        if free.len() == j - i + 1 {
            for (k, m) in free.into_iter().enumerate() {
                out[i + k] = Some(members[m]);
            }
        }
        i = j + 1;
    }
    out
}

/// Header columns with distinct keys: a header cell spanning two grid columns (or a
/// trailing empty field inheriting 总计) names one column, not two.
fn distinct_cols(header: &Header) -> Vec<&HeaderCol> {
    let mut distinct: Vec<&HeaderCol> = Vec::new();
    for h in &header.cols {
        if !distinct
            .iter()
            .any(|d| d.col_key == h.col_key && d.row_key == h.row_key)
        {
            distinct.push(h);
        }
    }
    distinct
}

/// A shifted row's values: the cells after the last label cell, with blanks beyond the
/// number of header columns trimmed at both ends.
fn shifted_values(
    ctx: &GridCtx,
    cells: &[(usize, usize)],
    label: &RowLabel,
    ncols: usize,
    r: usize,
) -> Vec<usize> {
    let last_label_col = label.cells.iter().map(|&(c, _)| c).max().unwrap_or(0);
    let mut vals: Vec<usize> = cells
        .iter()
        .filter(|&&(c, i)| c > last_label_col && !label.contains(i))
        .filter(|&&(_, i)| ctx.anchored(i, r) || is_value_like(&ctx.info[i].parsed))
        .map(|&(_, i)| i)
        .collect();
    let blank = |i: &usize| ctx.info[*i].parsed == Parsed::Blank;
    while vals.len() > ncols && vals.last().is_some_and(blank) {
        vals.pop();
    }
    while vals.len() > ncols && vals.first().is_some_and(blank) {
        vals.remove(0);
    }
    vals
}

/// Which value cell goes under which header column: by grid column when the row lines
/// up with its header, in order (aligned on the right) when it is shifted.
fn pair_values<'h>(
    ctx: &GridCtx,
    header: &'h Header,
    label: &RowLabel,
    cells: &[(usize, usize)],
    r: usize,
) -> Vec<(&'h HeaderCol, usize)> {
    let hcols: HashSet<usize> = header.cols.iter().map(|h| h.grid_col).collect();
    // Numbers outside the data columns: the row is shifted left — or the header has
    // columns the template does not name (数据1…数据6), and then the grid is right as is.
    let numbers_outside = cells.iter().any(|&(c, i)| {
        matches!(ctx.info[i].parsed, Parsed::Number { .. })
            && ctx.anchored(i, r)
            && !ctx.covers(c, i, &hcols)
    });
    let distinct = distinct_cols(header);
    let shifted = (label.in_data || numbers_outside)
        .then(|| shifted_values(ctx, cells, label, distinct.len(), r));
    let misaligned = match &shifted {
        None => false,
        // As many values as header columns: match them in order.
        Some(v) if v.len() == distinct.len() => true,
        // A label inside the data columns: the grid cannot be right, align on the right
        // (the total column is last).
        Some(_) if label.in_data => true,
        // Unnamed extra columns: trust the grid.
        Some(_) => false,
    };
    match shifted {
        Some(vals) if misaligned => {
            let skip = vals.len().saturating_sub(distinct.len());
            let hskip = distinct.len().saturating_sub(vals.len());
            distinct
                .into_iter()
                .skip(hskip)
                .zip(vals.into_iter().skip(skip))
                .collect()
        }
        _ => {
            let mut used: HashSet<usize> = HashSet::new();
            let mut pairs = Vec::new();
            for h in &header.cols {
                let Some(i) = ctx
                    .grid
                    .get(r)
                    .and_then(|row| row.get(h.grid_col))
                    .copied()
                    .flatten()
                else {
                    continue;
                };
                if !label.contains(i) && used.insert(i) {
                    pairs.push((h, i));
                }
            }
            pairs
        }
    }
}

/// The cells of data row `r` under `header`: its label resolved to a row key, its values
/// paired with header columns, each kept where the template has that row × column.
fn map_row(ctx: &GridCtx, header: &Header, st: &mut State, r: usize) -> Vec<(usize, MappedCell)> {
    if header.cols.is_empty() {
        return Vec::new();
    }
    let hcols: HashSet<usize> = header.cols.iter().map(|h| h.grid_col).collect();
    let cells = ctx.row(r);
    let label = RowLabel::find(ctx, &cells, &hcols);
    let Ok(row_key) = resolve_row_key(ctx, st, &label, &cells, r) else {
        return Vec::new();
    };
    let pairs = pair_values(ctx, header, &label, &cells, r);
    if !pairs
        .iter()
        .any(|&(_, i)| !matches!(ctx.info[i].parsed, Parsed::Blank) || row_key.is_some())
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (h, i) in pairs {
        let Some(rk) = row_key
            .clone()
            .or_else(|| h.row_key.clone())
            .or_else(|| st.caption_row.clone())
        else {
            continue;
        };
        if !ctx.t.row_has_col(&rk, &h.col_key) {
            continue;
        }
        out.push((
            i,
            MappedCell {
                table: ctx.t.key.clone(),
                row: rk,
                col: h.col_key.clone(),
                raw: ctx.info[i].raw.clone(),
                parsed: ctx.info[i].parsed.clone(),
                at: ctx.table.cells[i].at.clone(),
                inferred: h.inferred,
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use gouji_check::template::templates;
    use gouji_doc::Provenance;
    use gouji_doc::{GridBuilder, Paragraph};

    fn table_from(rows: &[&[&str]]) -> Table {
        let mut b = GridBuilder::new(Provenance::None, 100_000);
        for row in rows {
            b.start_row();
            for cell in *row {
                b.push(*cell, 1, 1, Provenance::None).unwrap();
            }
        }
        b.finish()
    }

    fn doc(tables: Vec<Table>) -> Document {
        Document {
            blocks: tables.into_iter().map(Block::Table).collect(),
            ..Document::default()
        }
    }

    /// The steps of `map_row` over one grid mapped through gk2021's `active` table.
    fn with_ctx<R>(rows: &[&[&str]], f: impl FnOnce(&GridCtx) -> R) -> R {
        let table = table_from(rows);
        let info = cell_infos(&table);
        let tpl = &templates().unwrap()[0];
        let t = tpl.tables.iter().find(|t| t.key == "active").unwrap();
        let ctx = GridCtx {
            table: &table,
            grid: table.grid(),
            info: &info,
            t,
        };
        f(&ctx)
    }

    const ACTIVE_HEAD: &[&str] = &["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"];

    /// The column keys (and whether inferred) gk2021's `requests` table gives a two-row
    /// header whose second row is `members` under 法人或其他组织, and the header's notes.
    fn requests_header(members: &[&str]) -> (Vec<(usize, String, bool)>, Vec<MapWarning>) {
        let mut top = vec!["", "自然人", "法人或其他组织"];
        top.extend(std::iter::repeat_n("", members.len() - 1));
        top.push("总计");
        let mut second = vec!["", ""];
        second.extend_from_slice(members);
        second.push("");
        let table = table_from(&[&top, &second]);
        let info = cell_infos(&table);
        let tpl = &templates().unwrap()[0];
        let t = tpl.tables.iter().find(|t| t.key == "requests").unwrap();
        let h = build_header(&table, &table.grid(), &info, t, &[0, 1]);
        let cols = h
            .cols
            .iter()
            .map(|c| (c.grid_col, c.col_key.clone(), c.inferred))
            .collect();
        (cols, h.notes)
    }

    /// Regression (s03, a degraded scan: 商业企业 read 离业企业): a misread member of a
    /// column group is named by elimination, never as the group's subtotal.
    #[test]
    fn a_misread_group_member_is_placed_by_elimination_not_as_the_subtotal() {
        let (cols, notes) = requests_header(&[
            "离业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机aie",
            "其他",
        ]);
        let key = |c: usize| cols.iter().find(|k| k.0 == c).map(|k| (k.1.as_str(), k.2));
        assert_eq!(key(2), Some(("business", true)));
        assert_eq!(key(3), Some(("research", false)));
        assert_eq!(key(5), Some(("legal_service", true)));
        assert_eq!(key(7), Some(("total", false)));
        assert!(
            cols.iter().all(|c| c.1 != "legal_entity_subtotal"),
            "{cols:?}"
        );
        assert_eq!(notes.len(), 2);
        assert!(notes.iter().all(|n| n.code == WarningCode::Inferred));
        assert!(notes[0].message.contains("离业企业"), "{notes:?}");
    }

    #[test]
    fn an_extra_group_member_is_left_unmapped() {
        // Every member named, and one more column: nothing is left for it.
        let (cols, notes) = requests_header(&[
            "商业企业",
            "科研机构",
            "火星组织",
            "社会公益组织",
            "法律服务机构",
            "其他",
        ]);
        assert!(cols.iter().all(|c| c.0 != 4), "{cols:?}");
        assert!(cols.iter().all(|c| !c.2));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].code, WarningCode::UnmappedCol);
    }

    #[test]
    fn two_orphans_are_placed_only_where_exactly_two_members_are_free() {
        let (cols, _) =
            requests_header(&["商业企业", "科研机构", "社会公益组", "法律服aie", "其他"]);
        let keys: Vec<&str> = cols.iter().map(|c| c.1.as_str()).collect();
        assert_eq!(
            keys,
            [
                "natural_person",
                "business",
                "research",
                "nonprofit",
                "legal_service",
                "other_org",
                "total"
            ]
        );
        // Printed out of template order: elimination does not decide.
        let (cols, notes) = requests_header(&["科研机构", "商业企业", "火星", "水星组织", "其他"]);
        assert!(cols.iter().all(|c| !c.2), "{cols:?}");
        assert!(notes.iter().all(|n| n.code == WarningCode::UnmappedCol));
    }

    #[test]
    fn classify_rows_finds_the_header_row() {
        let kinds = with_ctx(&[ACTIVE_HEAD, &["规章", "1", "0", "11"]], classify_rows);
        assert_eq!(kinds, vec![RowKind::Header, RowKind::Other]);
    }

    #[test]
    fn a_row_label_inside_the_data_columns_marks_a_shifted_row() {
        with_ctx(&[ACTIVE_HEAD, &["", "规章", "1", "0"]], |ctx| {
            let header = build_header(ctx.table, &ctx.grid, ctx.info, ctx.t, &[0]);
            let hcols = header.cols.iter().map(|h| h.grid_col).collect();
            let label = RowLabel::find(ctx, &ctx.row(1), &hcols);
            assert!(label.in_data);
            assert_eq!(label.parts(ctx), vec!["规章"]);
        });
    }

    #[test]
    fn shifted_values_trim_surplus_blanks() {
        with_ctx(&[&["", "规章", "", "1", "0", "11", ""]], |ctx| {
            let cells = ctx.row(0);
            let label = RowLabel {
                cells: vec![cells[1]],
                in_data: true,
            };
            let vals = shifted_values(ctx, &cells, &label, 3, 0);
            let raws: Vec<&str> = vals.iter().map(|&i| ctx.info[i].raw.as_str()).collect();
            assert_eq!(raws, vec!["1", "0", "11"]);
        });
    }

    #[test]
    fn an_unknown_row_label_with_numbers_is_reported_not_mapped() {
        with_ctx(&[&["火星规章", "1", "0", "11"]], |ctx| {
            let mut st = State::default();
            let cells = ctx.row(0);
            let label = RowLabel {
                cells: vec![cells[0]],
                in_data: false,
            };
            assert_eq!(resolve_row_key(ctx, &mut st, &label, &cells, 0), Err(()));
            assert_eq!(st.unmapped.len(), 1);
            assert!(
                st.unmapped[0].message.contains("火星规章"),
                "{:?}",
                st.unmapped
            );
            assert_eq!(st.unmapped[0].code, WarningCode::UnmappedRow);
        });
    }

    #[test]
    fn a_header_cell_spanning_two_columns_is_one_column() {
        let h = |c| HeaderCol {
            grid_col: c,
            col_key: "total".into(),
            row_key: None,
            inferred: false,
        };
        let header = Header {
            cols: vec![h(4), h(5)],
            notes: Vec::new(),
        };
        assert_eq!(distinct_cols(&header).len(), 1);
    }

    #[test]
    fn a_cell_printed_twice_is_a_typed_duplicate_warning() {
        let t = table_from(&[ACTIVE_HEAD, &["规章", "1", "0", "11"]]);
        let tpl = &templates().unwrap()[0];
        let m = map_document(&doc(vec![t.clone(), t]), tpl);
        let dup: Vec<&MapWarning> = m
            .warnings
            .iter()
            .filter(|w| w.code == WarningCode::Duplicate)
            .collect();
        assert_eq!(dup.len(), 3, "{:?}", m.warnings);
        assert!(dup.iter().all(|w| w.table == "active" && w.at.is_some()));
        assert_eq!(dup[0].to_string(), dup[0].message);
    }

    #[test]
    fn reordered_columns_map_by_label() {
        let t = table_from(&[
            &["信息内容", "现行有效件数", "本年制发件数", "本年废止件数"],
            &["规章", "11", "1", "0"],
        ]);
        let tpl = &templates().unwrap()[0];
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(m.get("active", "rules", "in_force").unwrap().raw, "11");
        assert_eq!(m.get("active", "rules", "issued").unwrap().raw, "1");
        assert_eq!(m.get("active", "rules", "repealed").unwrap().raw, "0");
    }

    #[test]
    fn typo_in_column_label_still_maps() {
        let t = table_from(&[
            &["信息内容", "本年制发件数", "本年度止件数", "现行有效件数"],
            &["行政规范性文件", "8", "26", "66"],
        ]);
        let tpl = &templates().unwrap()[0];
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(
            m.get("active", "normative_docs", "repealed").unwrap().raw,
            "26"
        );
    }

    #[test]
    fn wide_appeals_table_takes_rows_from_column_headers() {
        let t = table_from(&[
            &["行政复议", "", "", "", "", "行政诉讼"],
            &[
                "结果维持",
                "结果纠正",
                "其他结果",
                "尚未审结",
                "总计",
                "未经复议直接起诉",
                "",
                "",
                "",
                "",
                "复议后起诉",
            ],
            &[
                "",
                "",
                "",
                "",
                "",
                "结果维持",
                "结果纠正",
                "其他结果",
                "尚未审结",
                "总计",
                "结果维持",
                "结果纠正",
                "其他结果",
                "尚未审结",
                "总计",
            ],
            &[
                "1", "2", "3", "4", "10", "5", "0", "0", "0", "5", "0", "0", "0", "1", "1",
            ],
        ]);
        let tpl = &templates().unwrap()[0];
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(m.cells.len(), 15);
        assert_eq!(m.get("appeals", "review", "total").unwrap().raw, "10");
        assert_eq!(m.get("appeals", "suit_direct", "upheld").unwrap().raw, "5");
        assert_eq!(
            m.get("appeals", "suit_after_review", "pending")
                .unwrap()
                .raw,
            "1"
        );
    }

    #[test]
    fn split_table_continues_with_previous_header() {
        let head = table_from(&[
            &[
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
            ],
            &[
                "一、本年新收政府信息公开申请数量",
                "1",
                "0",
                "0",
                "0",
                "0",
                "0",
                "1",
            ],
        ]);
        let tail = table_from(&[&["四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", "1"]]);
        let tpl = &templates().unwrap()[0];
        let m = map_document(&doc(vec![head, tail]), tpl);
        assert_eq!(m.get("requests", "carried_out", "total").unwrap().raw, "1");
        assert_eq!(m.get("requests", "new", "natural_person").unwrap().raw, "1");
    }

    /// Regression: a header with columns the template does not name (OCR's 数据1…数据6)
    /// put the first value, not the 总计 value, into `total`.
    #[test]
    fn unnamed_columns_do_not_shift_the_total() {
        let t = table_from(&[
            &[
                "类别", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "总计",
            ],
            &[
                "本年新收政府信息公开申请数量",
                "705",
                "3",
                "0",
                "0",
                "5",
                "0",
                "713",
            ],
        ]);
        let tpl = &templates().unwrap()[0];
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(m.get("requests", "new", "total").unwrap().raw, "713");
        assert!(m.get("requests", "new", "natural_person").is_none());
    }

    /// Regression: a trailing empty header field inherited 总计, so the header counted
    /// eight columns against seven values and shifted rows were misplaced.
    #[test]
    fn trailing_empty_header_field_does_not_count_twice() {
        let tpl = &templates().unwrap()[0];
        let t = table_from(&[
            &[
                "",
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
                "",
            ],
            &[
                "",
                "(三) 不予公开",
                "1. 属于国家秘密",
                "1",
                "2",
                "3",
                "4",
                "5",
                "6",
                "21",
            ],
        ]);
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(
            m.get("requests", "denied_state_secret", "natural_person")
                .unwrap()
                .raw,
            "1"
        );
        assert_eq!(
            m.get("requests", "denied_state_secret", "total")
                .unwrap()
                .raw,
            "21"
        );
    }

    #[test]
    fn captions_name_the_rows_of_split_appeals_tables() {
        let tpl = &templates().unwrap()[0];
        let head: &[&str] = &["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
        let mut blocks = Vec::new();
        for (cap, total) in [
            ("行政复议", "61"),
            ("行政诉讼（未经复议直接起诉）", "3"),
            ("行政诉讼（复议后起诉）", "10"),
        ] {
            blocks.push(Block::Paragraph(Paragraph {
                text: cap.into(),
                at: Provenance::None,
            }));
            blocks.push(Block::Table(table_from(&[
                head,
                &["1", "0", "0", "0", total],
            ])));
        }
        let d = Document {
            blocks,
            ..Document::default()
        };
        let m = map_document(&d, tpl);
        assert_eq!(
            caption_row(tpl.table("appeals").unwrap(), "### 行政复议").as_deref(),
            Some("review")
        );
        assert_eq!(
            caption_row(
                tpl.table("appeals").unwrap(),
                "未经复议直接起诉 复议后起诉结果维"
            ),
            None
        );
        assert_eq!(m.get("appeals", "review", "total").unwrap().raw, "61");
        assert_eq!(m.get("appeals", "suit_direct", "total").unwrap().raw, "3");
        assert_eq!(
            m.get("appeals", "suit_after_review", "total").unwrap().raw,
            "10"
        );
    }

    /// Regression: a blank row labelled 3.其他 (其他 is also a column label) was taken for
    /// a header row and broke the rows after it.
    #[test]
    fn blank_rows_named_like_columns_stay_data_rows() {
        let tpl = &templates().unwrap()[0];
        let t = table_from(&[
            &[
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
            ],
            &["3.其他", "", "", "", "", "", "", ""],
            &["（七）总计", "", "", "", "", "", "", ""],
            &["四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", "1"],
        ]);
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(m.get("requests", "other_misc", "total").unwrap().raw, "");
        assert_eq!(
            m.get("requests", "processed_total", "natural_person")
                .unwrap()
                .raw,
            ""
        );
        assert_eq!(m.get("requests", "carried_out", "total").unwrap().raw, "1");
    }

    #[test]
    fn unknown_data_rows_are_reported() {
        let t = table_from(&[
            &["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            &["规章", "1", "0", "11"],
            &["地方性法规", "2", "0", "5"],
        ]);
        let tpl = &templates().unwrap()[0];
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(m.cells.len(), 3);
        assert_eq!(m.warnings.len(), 1, "{:?}", m.warnings);
        assert!(m.warnings[0].message.contains("地方性法规"));
    }

    #[test]
    fn single_other_row_vs_subtotal() {
        let tpl = &templates().unwrap()[0];
        let hdr: &[&str] = &["", "", "自然人", "总计"];
        let single = table_from(&[hdr, &["", "（六）其他处理", "1", "1"]]);
        let m = map_document(&doc(vec![single]), tpl);
        assert!(m.get("requests", "other", "total").is_some());
        let with_members = table_from(&[
            hdr,
            &["", "（六）其他处理", "1", "1"],
            &[
                "",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                "1",
                "1",
            ],
            &["", "3.其他", "0", "0"],
        ]);
        let m = map_document(&doc(vec![with_members]), tpl);
        assert!(m.get("requests", "other", "total").is_none());
        assert!(m.get("requests", "other_subtotal", "total").is_some());
        assert!(m.get("requests", "other_misc", "total").is_some());
    }

    #[test]
    fn shifted_text_rows_map_in_header_order() {
        let tpl = &templates().unwrap()[0];
        let t = table_from(&[
            &[
                "",
                "",
                "自然人",
                "商业企业",
                "科研机构",
                "社会公益组织",
                "法律服务机构",
                "其他",
                "总计",
            ],
            &[
                "",
                "(三) 不予公开",
                "1. 属于国家秘密",
                "1",
                "2",
                "3",
                "4",
                "5",
                "6",
                "21",
            ],
            &[
                "",
                "",
                "2. 其他法律行政法规禁止公开",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
            ],
        ]);
        let m = map_document(&doc(vec![t]), tpl);
        assert_eq!(
            m.get("requests", "denied_state_secret", "natural_person")
                .unwrap()
                .raw,
            "1"
        );
        assert_eq!(
            m.get("requests", "denied_state_secret", "total")
                .unwrap()
                .raw,
            "21"
        );
        assert_eq!(
            m.get("requests", "denied_law_forbidden", "total")
                .unwrap()
                .raw,
            "0"
        );
    }
}
