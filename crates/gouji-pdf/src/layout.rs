//! Page layout: rulings → table grids (lattice), aligned numeric text → tables (stream),
//! everything else → lines for paragraphs.

use crate::interp::{Glyph, PageContent, Seg};

/// Rulings closer than this (points) are the same boundary. Producers draw a border twice
/// (both neighbours' edges) or as a thin rectangle whose two edges are ~1 pt apart.
pub(crate) const SNAP: f32 = 2.0;

/// A cell of a page-level table, in elementary grid units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PCell {
    pub r: usize,
    pub c: usize,
    pub rs: usize,
    pub cs: usize,
    pub text: String,
    /// Page and top-left corner, for provenance.
    pub at: (u32, f32, f32),
    /// Cell borders (top, bottom) and its text's extent (top, bottom), for telling a
    /// merged cell cut by a page break (text hugging the cut) from a cell of its own.
    pub geom: Option<CellGeom>,
}

/// Vertical geometry of a ruled cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CellGeom {
    pub y0: f32,
    pub y1: f32,
    pub ty0: f32,
    pub ty1: f32,
}

impl CellGeom {
    /// Text sits below the middle: the last lines of a block centred across the cut.
    /// (WPS pads cut cells a little, so this is a lean, not a touch.)
    pub fn hugs_bottom(&self) -> bool {
        (self.y1 - self.ty1) < 0.8 * (self.ty0 - self.y0)
    }
    /// Text sits against the top border.
    pub fn hugs_top(&self) -> bool {
        (self.ty0 - self.y0) < 0.5 * (self.y1 - self.ty1)
    }
}

/// A table found on one page (or several joined pages).
#[derive(Debug, Clone)]
pub(crate) struct PTable {
    /// Page of the first part.
    pub page: u32,
    /// Page of the last joined part.
    pub last_page: u32,
    /// Column boundaries (x, left to right); `xs.len() - 1` columns.
    pub xs: Vec<f32>,
    /// Row boundaries (y, top to bottom) of the first part; only `rows` counts after joins.
    pub ys: Vec<f32>,
    pub rows: usize,
    pub cells: Vec<PCell>,
    /// Whether the table came from rulings (only those are joined across pages).
    pub ruled: bool,
}

impl PTable {
    pub fn top(&self) -> f32 {
        self.ys.first().copied().unwrap_or(0.0)
    }
}

/// A text fragment: glyphs of one line without a wide gap between them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frag {
    pub x0: f32,
    pub x1: f32,
    pub text: String,
}

/// A text line outside tables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub size: f32,
    pub frags: Vec<Frag>,
}

impl Line {
    pub fn text(&self) -> String {
        let mut s = String::new();
        for f in &self.frags {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&f.text);
        }
        s
    }
}

/// One page after layout, items in reading order.
#[derive(Debug)]
pub(crate) enum Item {
    Line(Line),
    Table(PTable),
}

pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2e80}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff00}'..='\u{ffef}' | '\u{20000}'..='\u{2ffff}')
}

/// Clusters sorted-or-not values: values within `tol` of their neighbour form one group,
/// represented by the group mean.
pub(crate) fn snap(mut v: Vec<f32>, tol: f32) -> Vec<f32> {
    v.retain(|x| x.is_finite());
    v.sort_by(f32::total_cmp);
    let mut out: Vec<f32> = Vec::new();
    let mut group: Vec<f32> = Vec::new();
    for x in v {
        if let Some(&last) = group.last()
            && x - last > tol
        {
            out.push(group.iter().sum::<f32>() / group.len() as f32);
            group.clear();
        }
        group.push(x);
    }
    if !group.is_empty() {
        out.push(group.iter().sum::<f32>() / group.len() as f32);
    }
    out
}

/// Merges collinear rulings: same orientation, positions within [`SNAP`], overlapping or
/// nearly touching extents.
pub(crate) fn merge_segs(segs: &[Seg]) -> Vec<Seg> {
    let mut out = Vec::new();
    for horiz in [true, false] {
        let mut s: Vec<Seg> = segs.iter().filter(|s| s.horiz == horiz).copied().collect();
        s.sort_by(|a, b| a.pos.total_cmp(&b.pos));
        let mut i = 0;
        while i < s.len() {
            let mut j = i + 1;
            while j < s.len() && s[j].pos - s[j - 1].pos <= SNAP / 2.0 {
                j += 1;
            }
            let pos = s[i..j].iter().map(|x| x.pos).sum::<f32>() / (j - i) as f32;
            let mut group: Vec<(f32, f32)> = s[i..j].iter().map(|x| (x.a, x.b)).collect();
            group.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut cur: Option<(f32, f32)> = None;
            for (a, b) in group {
                cur = match cur {
                    Some((ca, cb)) if a <= cb + SNAP => Some((ca, cb.max(b))),
                    Some(c) => {
                        out.push(Seg {
                            horiz,
                            pos,
                            a: c.0,
                            b: c.1,
                        });
                        Some((a, b))
                    }
                    None => Some((a, b)),
                };
            }
            if let Some(c) = cur {
                out.push(Seg {
                    horiz,
                    pos,
                    a: c.0,
                    b: c.1,
                });
            }
            i = j;
        }
    }
    out
}

struct Uf(Vec<usize>);

impl Uf {
    fn new(n: usize) -> Uf {
        Uf((0..n).collect())
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// A ruled grid before text is placed: boundaries and merged cells.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grid {
    pub xs: Vec<f32>,
    pub ys: Vec<f32>,
    /// (row, col, row span, col span) per merged cell, in elementary units.
    pub cells: Vec<(usize, usize, usize, usize)>,
}

impl Grid {
    fn contains(&self, x: f32, y: f32) -> bool {
        let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) = (
            self.xs.first(),
            self.xs.last(),
            self.ys.first(),
            self.ys.last(),
        ) else {
            return false;
        };
        x >= x0 && x <= x1 && y >= y0 && y <= y1
    }
}

fn covers(intervals: &[(f32, f32)], lo: f32, hi: f32) -> bool {
    // A border exists where some ruling covers the middle and most of the edge.
    let mid = (lo + hi) / 2.0;
    let need = (hi - lo) * 0.5;
    intervals
        .iter()
        .any(|&(a, b)| a - SNAP <= mid && b + SNAP >= mid && (b.min(hi) - a.max(lo)) >= need)
}

/// Finds ruled grids: connected groups of crossing rulings, their snapped boundaries, and
/// merged cells where a border segment between neighbours is missing.
pub(crate) fn find_grids(segs: &[Seg], max_positions: usize) -> Vec<Grid> {
    let segs = merge_segs(segs);
    let hs: Vec<&Seg> = segs
        .iter()
        .filter(|s| s.horiz && s.b - s.a > SNAP)
        .collect();
    let vs: Vec<&Seg> = segs
        .iter()
        .filter(|s| !s.horiz && s.b - s.a > SNAP)
        .collect();
    if hs.len().saturating_mul(vs.len()) > 4_000_000 {
        return Vec::new();
    }
    let mut uf = Uf::new(hs.len() + vs.len());
    for (i, h) in hs.iter().enumerate() {
        for (j, v) in vs.iter().enumerate() {
            let t = SNAP + 1.0;
            if v.pos >= h.a - t && v.pos <= h.b + t && h.pos >= v.a - t && h.pos <= v.b + t {
                uf.union(i, hs.len() + j);
            }
        }
    }
    let mut comps: std::collections::BTreeMap<usize, (Vec<&Seg>, Vec<&Seg>)> = Default::default();
    for (i, h) in hs.iter().enumerate() {
        comps.entry(uf.find(i)).or_default().0.push(h);
    }
    for (j, v) in vs.iter().enumerate() {
        comps.entry(uf.find(hs.len() + j)).or_default().1.push(v);
    }
    let mut grids = Vec::new();
    // Real pages hold a handful of tables; the caps bound hostile rulings' cost.
    let mut positions = 0usize;
    for (_, (ch, cv)) in comps {
        if grids.len() >= 200 || positions > max_positions.saturating_mul(2) {
            break;
        }
        if ch.len() < 2 || cv.len() < 2 {
            continue;
        }
        let xs = snap(cv.iter().map(|s| s.pos).collect(), SNAP);
        let ys = snap(ch.iter().map(|s| s.pos).collect(), SNAP);
        if xs.len() < 2 || ys.len() < 2 {
            continue;
        }
        let (nr, nc) = (ys.len() - 1, xs.len() - 1);
        if nr.saturating_mul(nc) > max_positions || nr * nc < 2 {
            continue;
        }
        positions += nr * nc;
        let nearest = |bounds: &[f32], p: f32| -> usize {
            let i = bounds.partition_point(|&b| b < p);
            if i == 0 {
                0
            } else if i >= bounds.len() {
                bounds.len() - 1
            } else if (bounds[i] - p).abs() < (p - bounds[i - 1]).abs() {
                i
            } else {
                i - 1
            }
        };
        let mut vlines: Vec<Vec<(f32, f32)>> = vec![Vec::new(); xs.len()];
        for s in &cv {
            let k = nearest(&xs, s.pos);
            vlines[k].push((s.a, s.b));
        }
        let mut hlines: Vec<Vec<(f32, f32)>> = vec![Vec::new(); ys.len()];
        for s in &ch {
            let k = nearest(&ys, s.pos);
            hlines[k].push((s.a, s.b));
        }
        let mut cu = Uf::new(nr * nc);
        for r in 0..nr {
            for c in 0..nc {
                if c + 1 < nc && !covers(&vlines[c + 1], ys[r], ys[r + 1]) {
                    cu.union(r * nc + c, r * nc + c + 1);
                }
                if r + 1 < nr && !covers(&hlines[r + 1], xs[c], xs[c + 1]) {
                    cu.union(r * nc + c, (r + 1) * nc + c);
                }
            }
        }
        let mut bounds: std::collections::BTreeMap<usize, (usize, usize, usize, usize)> =
            Default::default();
        for r in 0..nr {
            for c in 0..nc {
                let e = bounds.entry(cu.find(r * nc + c)).or_insert((r, c, r, c));
                e.0 = e.0.min(r);
                e.1 = e.1.min(c);
                e.2 = e.2.max(r);
                e.3 = e.3.max(c);
            }
        }
        let mut cells: Vec<_> = bounds
            .values()
            .map(|&(r0, c0, r1, c1)| (r0, c0, r1 - r0 + 1, c1 - c0 + 1))
            .collect();
        cells.sort();
        if cells.len() < 2 {
            continue;
        }
        grids.push(Grid { xs, ys, cells });
    }
    grids.sort_by(|a, b| a.ys[0].total_cmp(&b.ys[0]));
    grids
}

/// Joins glyphs into lines (horizontal text) and columns (vertical text). Glyph order is
/// by position only, so the content stream's drawing order does not matter.
fn group_lines(mut gs: Vec<&Glyph>) -> Vec<Vec<&Glyph>> {
    gs.sort_by(|a, b| a.cy().total_cmp(&b.cy()).then(a.x0.total_cmp(&b.x0)));
    let mut lines: Vec<(f32, f32, Vec<&Glyph>)> = Vec::new();
    for g in gs {
        let h = (g.y1 - g.y0).max(0.1);
        if let Some((ly0, ly1, line)) = lines.last_mut() {
            let overlap = ly1.min(g.y1) - ly0.max(g.y0);
            if overlap >= 0.5 * h.min(*ly1 - *ly0) {
                *ly0 = ly0.min(g.y0);
                *ly1 = ly1.max(g.y1);
                line.push(g);
                continue;
            }
        }
        lines.push((g.y0, g.y1, vec![g]));
    }
    lines
        .into_iter()
        .map(|(_, _, mut l)| {
            l.sort_by(|a, b| a.x0.total_cmp(&b.x0));
            l
        })
        .collect()
}

/// Vertical glyphs into columns, right to left, each top to bottom.
fn group_columns(mut gs: Vec<&Glyph>) -> Vec<Vec<&Glyph>> {
    gs.sort_by(|a, b| b.cx().total_cmp(&a.cx()).then(a.y0.total_cmp(&b.y0)));
    let mut cols: Vec<(f32, f32, Vec<&Glyph>)> = Vec::new();
    for g in gs {
        if let Some((x0, x1, col)) = cols.last_mut()
            && g.cx() >= *x0 - 0.1
            && g.cx() <= *x1 + 0.1
        {
            col.push(g);
            continue;
        }
        cols.push((g.x0, g.x1, vec![g]));
    }
    cols.into_iter()
        .map(|(_, _, mut c)| {
            c.sort_by(|a, b| a.y0.total_cmp(&b.y0));
            c
        })
        .collect()
}

/// Whether a gap between two glyphs reads as a space.
fn spaced(prev: &Glyph, next: &Glyph) -> bool {
    let gap = if prev.vertical {
        next.y0 - prev.y1
    } else {
        next.x0 - prev.x1
    };
    let size = prev.size.max(next.size).max(1.0);
    let cjk = prev.text.chars().last().is_some_and(is_cjk)
        || next.text.chars().next().is_some_and(is_cjk);
    gap > if cjk { 0.6 * size } else { 0.2 * size }
}

fn run_text(gs: &[&Glyph]) -> String {
    let mut s = String::new();
    for (i, g) in gs.iter().enumerate() {
        if i > 0 && spaced(gs[i - 1], g) {
            s.push(' ');
        }
        s.push_str(&g.text);
    }
    s
}

/// Joins two wrapped lines of one block. CJK wraps anywhere, so no space; Latin words get
/// a space; two numbers stay apart on their own lines so they can never merge.
pub(crate) fn join_wrapped(out: &mut String, next: &str) {
    let (Some(a), Some(b)) = (out.chars().last(), next.chars().next()) else {
        out.push_str(next);
        return;
    };
    if a.is_ascii_digit() && b.is_ascii_digit() {
        out.push('\n');
    } else if !(is_cjk(a) || is_cjk(b) || a.is_whitespace()) {
        out.push(' ');
    }
    out.push_str(next);
}

/// Text of the glyphs in one table cell.
fn cell_text(gs: Vec<&Glyph>) -> String {
    let (vert, horiz): (Vec<&Glyph>, Vec<&Glyph>) = gs.into_iter().partition(|g| g.vertical);
    let mut out = String::new();
    for line in group_lines(horiz) {
        join_wrapped(&mut out, &run_text(&line));
    }
    for col in group_columns(vert) {
        join_wrapped(&mut out, &run_text(&col));
    }
    gouji_doc::normalize_ws(&out)
}

/// Splits a page's glyphs into lines with fragments, for paragraphs and stream tables.
fn make_lines(gs: Vec<&Glyph>) -> Vec<Line> {
    let (vert, horiz): (Vec<&Glyph>, Vec<&Glyph>) = gs.into_iter().partition(|g| g.vertical);
    let mut groups = group_lines(horiz);
    groups.extend(group_columns(vert));
    let mut lines = Vec::with_capacity(groups.len());
    for g in groups {
        let Some(first) = g.first() else { continue };
        let mut line = Line {
            x0: f32::MAX,
            y0: f32::MAX,
            x1: f32::MIN,
            y1: f32::MIN,
            size: 0.0,
            frags: Vec::new(),
        };
        let mut start = 0;
        for i in 0..g.len() {
            let gl = g[i];
            line.x0 = line.x0.min(gl.x0);
            line.y0 = line.y0.min(gl.y0);
            line.x1 = line.x1.max(gl.x1);
            line.y1 = line.y1.max(gl.y1);
            line.size = line.size.max(gl.size);
            let wide = i + 1 < g.len() && !first.vertical && {
                let gap = g[i + 1].x0 - gl.x1;
                gap > (1.5 * gl.size.max(g[i + 1].size)).max(6.0)
            };
            if wide || i + 1 == g.len() {
                let part = &g[start..=i];
                line.frags.push(Frag {
                    x0: part.iter().map(|p| p.x0).fold(f32::MAX, f32::min),
                    x1: part.iter().map(|p| p.x1).fold(f32::MIN, f32::max),
                    text: run_text(part),
                });
                start = i + 1;
            }
        }
        lines.push(line);
    }
    lines.sort_by(|a, b| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0)));
    lines
}

fn is_numeric(s: &str) -> bool {
    let t = s.trim();
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || ".,%-+".contains(c) || c == '，' || c == '％')
}

/// A data row of an unruled table: beside a label, at least one number, and the numbers
/// never first (a sentence that starts with a year is no table row).
fn is_data_line(l: &Line) -> bool {
    l.frags.len() >= 2
        && l.frags.iter().skip(1).any(|f| is_numeric(&f.text))
        && (l.frags.iter().filter(|f| is_numeric(&f.text)).count() >= 2
            || !is_numeric(&l.frags[0].text))
}

/// Unruled tables. Data rows are lines with numbers in separate fragments; the columns are
/// the x-ranges their fragments cover. Wrapped label lines between data rows (often set
/// half a line above and below the numbers) join the nearest data row; header lines right
/// above the first data row become rows of their own.
fn stream_tables(lines: &mut Vec<Line>, page: u32) -> Vec<PTable> {
    let data: Vec<usize> = (0..lines.len())
        .filter(|&i| is_data_line(&lines[i]))
        .collect();
    let mut tables = Vec::new();
    let mut used = vec![false; lines.len()];
    let mut k = 0;
    while k < data.len() {
        // A cluster: data rows at most a few lines apart.
        let mut end = k + 1;
        while end < data.len() {
            let (a, b) = (&lines[data[end - 1]], &lines[data[end]]);
            if b.y0 - a.y1 > 3.0 * a.size.max(b.size) {
                break;
            }
            end += 1;
        }
        let rows_idx = &data[k..end];
        k = end;
        // Columns from the data rows' fragments.
        let mut spans: Vec<(f32, f32)> = rows_idx
            .iter()
            .flat_map(|&i| lines[i].frags.iter().map(|f| (f.x0, f.x1)))
            .collect();
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut cols: Vec<(f32, f32)> = Vec::new();
        for (a, b) in spans {
            match cols.last_mut() {
                Some(c) if a <= c.1 => c.1 = c.1.max(b),
                _ => cols.push((a, b)),
            }
        }
        if cols.len() < 2 {
            continue;
        }
        let (tx0, tx1) = (cols[0].0, cols[cols.len() - 1].1);
        let first = rows_idx[0];
        // Header lines: directly above, close, and inside the table's width.
        let mut top = first;
        while top > 0 {
            let (h, below) = (&lines[top - 1], &lines[top]);
            let close = below.y0 - h.y1 <= 1.2 * h.size.max(below.size);
            // Headers are centred over their columns and may overhang the numbers.
            let inside = h.x0 >= tx0 - 2.0 * h.size && h.x1 <= tx1 + (4.0 * h.size).max(40.0);
            if !(close && inside && !used[top - 1] && (h.frags.len() >= 2 || is_data_line(h))) {
                break;
            }
            top -= 1;
        }
        // One data row is a table only under a header naming its columns.
        if rows_idx.len() < 2 && top == first {
            continue;
        }
        // Row bands: header lines one each, then one per data row, split halfway.
        let mut bands: Vec<(f32, f32)> = (top..first).map(|i| (lines[i].y0, lines[i].y1)).collect();
        let header_rows = bands.len();
        for (n, &i) in rows_idx.iter().enumerate() {
            let cy = (lines[i].y0 + lines[i].y1) / 2.0;
            let lo = if n == 0 {
                bands
                    .last()
                    .map_or(lines[i].y0 - 0.6 * lines[i].size, |b| b.1.min(lines[i].y0))
            } else {
                let p = rows_idx[n - 1];
                ((lines[p].y0 + lines[p].y1) / 2.0 + cy) / 2.0
            };
            let hi = match rows_idx.get(n + 1) {
                Some(&q) => (cy + (lines[q].y0 + lines[q].y1) / 2.0) / 2.0,
                None => lines[i].y1 + 0.6 * lines[i].size,
            };
            bands.push((lo, hi));
        }
        let mut texts: std::collections::BTreeMap<(usize, usize), (usize, String)> =
            Default::default();
        let mut member = Vec::new();
        // Lines are sorted by top edge: only those starting above the last band's bottom
        // can sit in the table.
        let bottom = bands.last().map_or(f32::MIN, |b| b.1);
        let end_idx = lines.partition_point(|l| l.y0 <= bottom).max(top);
        for (i, l) in lines.iter().enumerate().take(end_idx).skip(top) {
            if used[i] {
                continue;
            }
            let cy = (l.y0 + l.y1) / 2.0;
            let r = if (top..first).contains(&i) {
                i - top
            } else {
                // Wrapped label lines belong to the band they sit in, if inside the table.
                // Data bands are contiguous and ascending.
                let r = header_rows + bands[header_rows..].partition_point(|b| b.1 <= cy);
                if r >= bands.len() || cy < bands[r].0 {
                    continue;
                }
                if !is_data_line(l) && (l.x0 < tx0 - 2.0 * l.size || l.x1 > tx1 + 2.0 * l.size) {
                    continue;
                }
                r
            };
            member.push(i);
            for f in &l.frags {
                let over: Vec<usize> = (0..cols.len())
                    .filter(|&c| f.x1.min(cols[c].1) - f.x0.max(cols[c].0) > 0.0)
                    .collect();
                let (c0, c1) = match (over.first(), over.last()) {
                    (Some(&a), Some(&b)) => (a, b),
                    _ => {
                        let cx = (f.x0 + f.x1) / 2.0;
                        let c = cols.partition_point(|col| col.1 < cx).min(cols.len() - 1);
                        (c, c)
                    }
                };
                let e = texts.entry((r, c0)).or_insert((1, String::new()));
                e.0 = e.0.max(c1 - c0 + 1);
                join_wrapped(&mut e.1, &f.text);
            }
        }
        for &i in &member {
            used[i] = true;
        }
        let cells = texts
            .into_iter()
            .map(|((r, c), (cs, text))| PCell {
                r,
                c,
                rs: 1,
                cs,
                at: (page, cols[c].0, bands[r].0),
                text,
                geom: None,
            })
            .collect();
        let mut xs: Vec<f32> = cols.iter().map(|c| c.0).collect();
        xs.push(tx1);
        let mut ys: Vec<f32> = bands.iter().map(|b| b.0).collect();
        ys.push(bands.last().map_or(0.0, |b| b.1));
        tables.push(PTable {
            page,
            last_page: page,
            xs,
            ys,
            rows: bands.len(),
            cells,
            ruled: false,
        });
    }
    let mut n = 0;
    lines.retain(|_| {
        n += 1;
        !used[n - 1]
    });
    tables
}

/// Lays out one page: tables from rulings (or, failing those, from aligned numbers), the
/// remaining text as lines, all in reading order (top to bottom).
pub(crate) fn layout_page(pc: &PageContent, page: u32, max_positions: usize) -> Vec<Item> {
    let grids = find_grids(&pc.segs, max_positions);
    let mut per_cell: Vec<Vec<Vec<&Glyph>>> = grids
        .iter()
        .map(|g| vec![Vec::new(); g.cells.len()])
        .collect();
    // Cell lookup per grid: elementary position → merged cell index.
    let lookup: Vec<Vec<usize>> = grids
        .iter()
        .map(|g| {
            let nc = g.xs.len() - 1;
            let mut m = vec![0usize; (g.ys.len() - 1) * nc];
            for (i, &(r, c, rs, cs)) in g.cells.iter().enumerate() {
                for rr in r..r + rs {
                    for cc in c..c + cs {
                        if let Some(slot) = m.get_mut(rr * nc + cc) {
                            *slot = i;
                        }
                    }
                }
            }
            m
        })
        .collect();
    let mut free = Vec::new();
    'glyphs: for g in &pc.glyphs {
        let (x, y) = (g.cx(), g.cy());
        for (gi, grid) in grids.iter().enumerate() {
            if grid.contains(x, y) {
                let nc = grid.xs.len() - 1;
                let c = grid.xs.partition_point(|&b| b <= x).clamp(1, nc) - 1;
                let r = grid
                    .ys
                    .partition_point(|&b| b <= y)
                    .clamp(1, grid.ys.len() - 1)
                    - 1;
                if let Some(&cell) = lookup[gi].get(r * nc + c) {
                    per_cell[gi][cell].push(g);
                }
                continue 'glyphs;
            }
        }
        free.push(g);
    }
    let mut items = Vec::new();
    for (gi, grid) in grids.into_iter().enumerate() {
        let cells = grid
            .cells
            .iter()
            .zip(std::mem::take(&mut per_cell[gi]))
            .map(|(&(r, c, rs, cs), gs)| {
                let geom = (!gs.is_empty()).then(|| CellGeom {
                    y0: grid.ys[r],
                    y1: grid.ys[(r + rs).min(grid.ys.len() - 1)],
                    ty0: gs.iter().map(|g| g.y0).fold(f32::MAX, f32::min),
                    ty1: gs.iter().map(|g| g.y1).fold(f32::MIN, f32::max),
                });
                PCell {
                    r,
                    c,
                    rs,
                    cs,
                    text: cell_text(gs),
                    at: (page, grid.xs[c], grid.ys[r]),
                    geom,
                }
            })
            .collect();
        items.push(Item::Table(PTable {
            page,
            last_page: page,
            rows: grid.ys.len() - 1,
            xs: grid.xs,
            ys: grid.ys,
            cells,
            ruled: true,
        }));
    }
    let mut lines = make_lines(free);
    if items.is_empty() {
        for t in stream_tables(&mut lines, page) {
            items.push(Item::Table(t));
        }
    }
    items.extend(lines.into_iter().map(Item::Line));
    let top = |it: &Item| match it {
        Item::Line(l) => l.y0,
        Item::Table(t) => t.top(),
    };
    items.sort_by(|a, b| top(a).total_cmp(&top(b)));
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(y: f32, a: f32, b: f32) -> Seg {
        Seg {
            horiz: true,
            pos: y,
            a,
            b,
        }
    }
    fn v(x: f32, a: f32, b: f32) -> Seg {
        Seg {
            horiz: false,
            pos: x,
            a,
            b,
        }
    }

    #[test]
    fn snapping_clusters_close_values() {
        assert_eq!(
            snap(vec![10.0, 11.0, 50.0, 10.5, 51.5], SNAP),
            vec![10.5, 50.75]
        );
        assert_eq!(snap(vec![f32::NAN, 1.0], SNAP), vec![1.0]);
    }

    #[test]
    fn duplicated_borders_merge() {
        let m = merge_segs(&[h(10.0, 0.0, 50.0), h(10.6, 49.0, 100.0), h(30.0, 0.0, 10.0)]);
        assert_eq!(m.len(), 2);
        assert!(m.iter().any(|s| s.a == 0.0 && s.b == 100.0));
    }

    /// ┌────┬────┬────┐
    /// │ A  │  B      │   B spans two columns (no border at x=200 in row 0)
    /// │    ├────┬────┤   A spans two rows (no border at y=20 in column 0)
    /// │    │ C  │ D  │
    /// └────┴────┴────┘
    #[test]
    fn missing_border_segments_make_spans() {
        let segs = vec![
            h(0.0, 0.0, 300.0),
            h(20.0, 100.0, 300.0),
            h(40.0, 0.0, 300.0),
            v(0.0, 0.0, 40.0),
            v(100.0, 0.0, 40.0),
            v(200.0, 20.0, 40.0),
            v(300.0, 0.0, 40.0),
        ];
        let grids = find_grids(&segs, 1000);
        assert_eq!(grids.len(), 1);
        let g = &grids[0];
        assert_eq!(g.xs, vec![0.0, 100.0, 200.0, 300.0]);
        assert_eq!(g.ys, vec![0.0, 20.0, 40.0]);
        assert_eq!(
            g.cells,
            vec![(0, 0, 2, 1), (0, 1, 1, 2), (1, 1, 1, 1), (1, 2, 1, 1)]
        );
    }

    #[test]
    fn thin_rect_borders_snap_to_one_boundary() {
        // Chromium style: each border a 0.75 pt filled rectangle → two edges per border
        // after the interpreter, here given as close parallel rulings.
        let mut segs = Vec::new();
        for y in [0.0, 20.0, 40.0] {
            segs.push(h(y, 0.0, 200.0));
            segs.push(h(y + 0.75, 0.0, 200.0));
        }
        for x in [0.0, 100.0, 200.0] {
            segs.push(v(x, 0.0, 40.75));
            segs.push(v(x + 0.75, 0.0, 40.75));
        }
        let g = &find_grids(&segs, 1000)[0];
        assert_eq!(g.xs.len(), 3);
        assert_eq!(g.ys.len(), 3);
        assert_eq!(g.cells.len(), 4);
    }

    fn glyph(t: &str, x: f32, y: f32, vertical: bool) -> Glyph {
        Glyph {
            text: t.into(),
            x0: x,
            y0: y,
            x1: x + 10.0,
            y1: y + 10.0,
            size: 10.0,
            vertical,
        }
    }

    #[test]
    fn vertical_text_reads_top_to_bottom() {
        let mut gs: Vec<Glyph> = "三、本年度办理结果"
            .chars()
            .enumerate()
            .map(|(i, c)| glyph(&c.to_string(), 5.0, i as f32 * 10.0, true))
            .collect();
        gs.reverse();
        assert_eq!(cell_text(gs.iter().collect()), "三、本年度办理结果");
    }

    #[test]
    fn wrapped_cell_text_joins_cjk_but_not_numbers() {
        let gs = [
            glyph("本", 0.0, 0.0, false),
            glyph("年", 10.0, 0.0, false),
            glyph("新", 0.0, 14.0, false),
            glyph("收", 10.0, 14.0, false),
        ];
        assert_eq!(cell_text(gs.iter().collect()), "本年新收");
        let mut s = "12".to_string();
        join_wrapped(&mut s, "34");
        assert_eq!(s, "12\n34");
        let mut s = "hello".to_string();
        join_wrapped(&mut s, "world");
        assert_eq!(s, "hello world");
    }

    #[test]
    fn stream_table_from_aligned_numbers() {
        let mk = |y: f32, parts: &[(&str, f32)]| {
            let frags: Vec<Frag> = parts
                .iter()
                .map(|&(t, x)| Frag {
                    x0: x,
                    x1: x + 8.0 * t.chars().count() as f32,
                    text: t.into(),
                })
                .collect();
            Line {
                x0: frags[0].x0,
                y0: y,
                x1: frags[frags.len() - 1].x1,
                y1: y + 10.0,
                size: 10.0,
                frags,
            }
        };
        let mut lines = vec![
            mk(0.0, &[("intro text", 0.0)]),
            mk(20.0, &[("item", 0.0), ("a", 100.0), ("b", 200.0)]),
            mk(40.0, &[("x", 0.0), ("1", 100.0), ("22", 200.0)]),
            mk(60.0, &[("y", 0.0), ("3", 100.0), ("44", 200.0)]),
        ];
        let t = stream_tables(&mut lines, 1);
        assert_eq!(t.len(), 1);
        assert_eq!(lines.len(), 1, "{lines:?} {t:?}");
        assert_eq!(t[0].rows, 3);
        assert_eq!(t[0].xs.len(), 4);
        assert!(
            t[0].cells
                .iter()
                .any(|c| (c.r, c.c, c.rs, c.cs, c.text.as_str()) == (2, 2, 1, 1, "44"))
        );
    }
}
