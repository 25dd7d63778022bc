//! Content-stream interpreter: runs a page's operators and keeps what layout needs —
//! positioned glyphs and axis-aligned rulings — in top-left page coordinates.

use crate::PdfError;
use crate::font::{Code, Font};
use gouji_doc::{Limit, OverLimit};
use lopdf::{Dictionary, Document, Object, ObjectId};
use std::collections::HashMap;
use std::rc::Rc;

/// Affine matrix `[a b c d e f]` acting on row vectors, as in the PDF spec.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mat(pub [f64; 6]);

impl Mat {
    pub const ID: Mat = Mat([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);

    /// `self × other`: first `self`, then `other`.
    pub fn then(&self, o: &Mat) -> Mat {
        let [a1, b1, c1, d1, e1, f1] = self.0;
        let [a2, b2, c2, d2, e2, f2] = o.0;
        Mat([
            a1 * a2 + b1 * c2,
            a1 * b2 + b1 * d2,
            c1 * a2 + d1 * c2,
            c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2,
            e1 * b2 + f1 * d2 + f2,
        ])
    }

    pub fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }

    fn translate(x: f64, y: f64) -> Mat {
        Mat([1.0, 0.0, 0.0, 1.0, x, y])
    }
}

/// A shown glyph, boxed in top-left page coordinates (points, y downward).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Glyph {
    pub text: String,
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// Rendered font size (points).
    pub size: f32,
    /// Written in vertical mode (advances downward).
    pub vertical: bool,
}

impl Glyph {
    pub fn cx(&self) -> f32 {
        (self.x0 + self.x1) / 2.0
    }
    pub fn cy(&self) -> f32 {
        (self.y0 + self.y1) / 2.0
    }
}

/// An axis-aligned ruling: horizontal at y = `pos` from `a` to `b` (x), or vertical at
/// x = `pos` from `a` to `b` (y). Always `a <= b`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Seg {
    pub horiz: bool,
    pub pos: f32,
    pub a: f32,
    pub b: f32,
}

/// What one page produced.
#[derive(Debug, Default)]
pub(crate) struct PageContent {
    pub glyphs: Vec<Glyph>,
    pub segs: Vec<Seg>,
    pub images: usize,
    /// Image XObjects drawn, with the matrix that maps their unit square onto the page
    /// (top-left page coordinates), for reading scanned pages.
    pub placed: Vec<(ObjectId, Mat)>,
    /// Glyphs whose font gave no text.
    pub undecoded: usize,
    /// Glyphs whose text is private-use or replacement characters (dropped, not mapped).
    pub garbled: usize,
    pub width: f32,
    pub height: f32,
}

#[derive(Clone)]
struct GState {
    ctm: Mat,
    font: Rc<Font>,
    size: f64,
    tc: f64,
    tw: f64,
    th: f64,
    tl: f64,
    rise: f64,
    fill_white: bool,
    stroke_white: bool,
    line_width: f64,
}

/// Shared across pages: font cache and the remaining decompression allowance.
pub(crate) struct Shared {
    pub fonts: HashMap<ObjectId, Rc<Font>>,
    pub forms: HashMap<ObjectId, Rc<Vec<u8>>>,
    pub budget: u64,
    pub budget_limit: u64,
    pub max_ops: usize,
    pub max_depth: usize,
}

/// Most thickness a filled rectangle may have to count as a ruling: Chromium draws 1 px
/// borders as filled rectangles, cell shading is much thicker.
const THIN: f64 = 3.0;
/// Most glyphs kept per page (a dense page has ~5 000).
const MAX_GLYPHS: usize = 1_000_000;
/// Most subpaths in one path before painting; beyond it the path is garbage.
const MAX_SUBPATHS: usize = 100_000;

struct Interp<'a> {
    doc: &'a Document,
    shared: &'a mut Shared,
    page: u32,
    ops: usize,
    gs: GState,
    stack: Vec<GState>,
    tm: Mat,
    tlm: Mat,
    path: Vec<Vec<(f64, f64)>>,
    closed: Vec<bool>,
    cur: Option<(f64, f64)>,
    out: PageContent,
    codes: Vec<Code>,
    font_cache: HashMap<Vec<u8>, Rc<Font>>,
}

fn f(o: Option<&Object>) -> f64 {
    match o {
        Some(Object::Integer(i)) => *i as f64,
        Some(Object::Real(r)) => f64::from(*r),
        _ => 0.0,
    }
}

fn nums(ops: &[Object]) -> Vec<f64> {
    ops.iter().map(|o| f(Some(o))).collect()
}

fn is_white(vals: &[f64], cmyk: bool) -> bool {
    if vals.is_empty() {
        return false;
    }
    if cmyk {
        vals.iter().all(|v| *v <= 0.0)
    } else {
        vals.iter().all(|v| *v >= 0.999)
    }
}

/// Page box from `/CropBox` or `/MediaBox` (inherited), as (llx, lly, urx, ury).
fn page_box(doc: &Document, page: &Dictionary) -> (f64, f64, f64, f64) {
    let inherited = |key: &[u8]| -> Option<Vec<f64>> {
        let mut d = page;
        for _ in 0..32 {
            if let Ok(o) = d.get(key) {
                let o = doc.dereference(o).map(|(_, o)| o).ok()?;
                let a = o.as_array().ok()?;
                return (a.len() == 4).then(|| {
                    a.iter()
                        .map(|x| f(doc.dereference(x).ok().map(|(_, o)| o)))
                        .collect()
                });
            }
            let parent = d.get(b"Parent").ok()?.as_reference().ok()?;
            d = doc.get_dictionary(parent).ok()?;
        }
        None
    };
    let b = inherited(b"CropBox")
        .or_else(|| inherited(b"MediaBox"))
        .unwrap_or_else(|| vec![0.0, 0.0, 595.0, 842.0]);
    let (x0, y0, x1, y1) = (
        b[0].min(b[2]),
        b[1].min(b[3]),
        b[0].max(b[2]),
        b[1].max(b[3]),
    );
    if (x1 - x0) < 1.0 || (y1 - y0) < 1.0 || !(x1 - x0).is_finite() || !(y1 - y0).is_finite() {
        return (0.0, 0.0, 595.0, 842.0);
    }
    (x0, y0, x1, y1)
}

fn inherited_int(doc: &Document, page: &Dictionary, key: &[u8]) -> Option<i64> {
    let mut d = page;
    for _ in 0..32 {
        if let Ok(o) = d.get(key) {
            return doc.dereference(o).ok().and_then(|(_, o)| o.as_i64().ok());
        }
        let parent = d.get(b"Parent").ok()?.as_reference().ok()?;
        d = doc.get_dictionary(parent).ok()?;
    }
    None
}

/// Decompressed bytes of a content stream, charged against the budget.
fn content_bytes(
    doc: &Document,
    shared: &mut Shared,
    id: ObjectId,
    page: u32,
) -> Result<Vec<u8>, PdfError> {
    let Ok(s) = doc.get_object(id).and_then(Object::as_stream) else {
        return Ok(Vec::new());
    };
    let limit = usize::try_from(shared.budget).unwrap_or(usize::MAX);
    let data = match s.decompressed_content_with_limit(limit) {
        Ok(d) => d,
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            return Err(over_budget(page, id, shared.budget_limit));
        }
        // Unfiltered or undecodable: take the raw bytes (lopdf does the same).
        Err(_) => s.content.clone(),
    };
    if data.len() as u64 > shared.budget {
        return Err(over_budget(page, id, shared.budget_limit));
    }
    shared.budget -= data.len() as u64;
    Ok(data)
}

/// Runs one page.
pub(crate) fn run_page(
    doc: &Document,
    shared: &mut Shared,
    page_no: u32,
    page_id: ObjectId,
) -> Result<PageContent, PdfError> {
    let page = doc.get_dictionary(page_id).map_err(|e| PdfError::Page {
        page: page_no,
        reason: e.to_string(),
    })?;
    let (llx, lly, urx, ury) = page_box(doc, page);
    let rotate = inherited_int(doc, page, b"Rotate")
        .unwrap_or(0)
        .rem_euclid(360);
    let (base, w, h) = match rotate {
        90 => (Mat([0.0, 1.0, 1.0, 0.0, -lly, -llx]), ury - lly, urx - llx),
        180 => (Mat([-1.0, 0.0, 0.0, 1.0, urx, -lly]), urx - llx, ury - lly),
        270 => (Mat([0.0, -1.0, -1.0, 0.0, ury, urx]), ury - lly, urx - llx),
        _ => (Mat([1.0, 0.0, 0.0, -1.0, -llx, ury]), urx - llx, ury - lly),
    };
    let mut content = Vec::new();
    for id in doc.get_page_contents(page_id) {
        content.extend(content_bytes(doc, shared, id, page_no)?);
        content.push(b'\n');
    }
    let resources = resources_of(doc, page_id);
    let mut it = Interp {
        doc,
        shared,
        page: page_no,
        ops: 0,
        gs: GState {
            ctm: base,
            font: Rc::new(Font::fallback()),
            size: 0.0,
            tc: 0.0,
            tw: 0.0,
            th: 1.0,
            tl: 0.0,
            rise: 0.0,
            fill_white: false,
            stroke_white: false,
            line_width: 1.0,
        },
        stack: Vec::new(),
        tm: Mat::ID,
        tlm: Mat::ID,
        path: Vec::new(),
        closed: Vec::new(),
        cur: None,
        out: PageContent {
            width: w as f32,
            height: h as f32,
            ..PageContent::default()
        },
        codes: Vec::new(),
        font_cache: HashMap::new(),
    };
    it.run(&content, resources.as_ref(), 0)?;
    let (pw, ph) = (it.out.width, it.out.height);
    // Text drawn far off the page is not part of what a reader sees.
    it.out
        .glyphs
        .retain(|g| g.cx() > -5.0 && g.cx() < pw + 5.0 && g.cy() > -5.0 && g.cy() < ph + 5.0);
    Ok(it.out)
}

/// The page's resource dictionary, with inheritance, cloned so forms can swap it.
fn resources_of(doc: &Document, page_id: ObjectId) -> Option<Dictionary> {
    let (direct, ids) = doc.get_page_resources(page_id).ok()?;
    if let Some(d) = direct {
        return Some(d.clone());
    }
    ids.first()
        .and_then(|id| doc.get_dictionary(*id).ok())
        .cloned()
}

impl Interp<'_> {
    fn run(
        &mut self,
        content: &[u8],
        res: Option<&Dictionary>,
        depth: usize,
    ) -> Result<(), PdfError> {
        crate::lexer::for_each_op(content, |op, operands| {
            self.ops += 1;
            if self.ops > self.shared.max_ops {
                let what = format!("page {}", self.page);
                let max = self.shared.max_ops as u64;
                let e = OverLimit::new(
                    Limit::OpsPerPage,
                    what,
                    "content-stream operators",
                    None,
                    max,
                );
                return Err(e.into());
            }
            self.op(op, operands, res, depth)
        })
    }

    fn op(
        &mut self,
        name: &str,
        o: &[Object],
        res: Option<&Dictionary>,
        depth: usize,
    ) -> Result<(), PdfError> {
        let n = |i: usize| f(o.get(i));
        match name {
            // Unbalanced `q` floods are capped; the state then just stops being saved.
            "q" if self.stack.len() < 4096 => self.stack.push(self.gs.clone()),
            "Q" => {
                if let Some(g) = self.stack.pop() {
                    self.gs = g;
                }
            }
            "cm" => {
                let m = Mat([n(0), n(1), n(2), n(3), n(4), n(5)]);
                self.gs.ctm = m.then(&self.gs.ctm);
            }
            "w" => self.gs.line_width = n(0).abs(),
            "g" => self.gs.fill_white = is_white(&nums(o), false),
            "G" => self.gs.stroke_white = is_white(&nums(o), false),
            "rg" | "sc" | "scn" => self.gs.fill_white = is_white(&nums(o), false),
            "RG" | "SC" | "SCN" => self.gs.stroke_white = is_white(&nums(o), false),
            "k" => self.gs.fill_white = is_white(&nums(o), true),
            "K" => self.gs.stroke_white = is_white(&nums(o), true),
            "cs" => self.gs.fill_white = false,
            "CS" => self.gs.stroke_white = false,
            // Paths.
            "m" => {
                let p = self.gs.ctm.apply(n(0), n(1));
                if self.path.len() < MAX_SUBPATHS {
                    self.path.push(vec![p]);
                    self.closed.push(false);
                }
                self.cur = Some(p);
            }
            "l" => {
                let p = self.gs.ctm.apply(n(0), n(1));
                self.line_to(p);
            }
            "c" | "v" | "y" => {
                // Curves never make rulings; keep the end point so later lines connect.
                let (x, y) = if name == "c" {
                    (n(4), n(5))
                } else {
                    (n(2), n(3))
                };
                let p = self.gs.ctm.apply(x, y);
                if self.path.is_empty() {
                    self.path.push(Vec::new());
                    self.closed.push(false);
                }
                // A curve breaks a straight run: start a new subpath at its end.
                self.path.push(vec![p]);
                self.closed.push(false);
                self.cur = Some(p);
            }
            "h" => {
                if let Some(c) = self.closed.last_mut() {
                    *c = true;
                }
            }
            "re" => {
                let (x, y, w, h) = (n(0), n(1), n(2), n(3));
                let pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
                let sub: Vec<_> = pts.iter().map(|&(a, b)| self.gs.ctm.apply(a, b)).collect();
                self.cur = sub.first().copied();
                if self.path.len() < MAX_SUBPATHS {
                    self.path.push(sub);
                    self.closed.push(true);
                }
            }
            "S" | "s" => self.paint(true, false),
            "f" | "F" | "f*" => self.paint(false, true),
            "B" | "B*" | "b" | "b*" => self.paint(true, true),
            "n" => self.clear_path(),
            // Text.
            "BT" => {
                self.tm = Mat::ID;
                self.tlm = Mat::ID;
            }
            "Tc" => self.gs.tc = n(0),
            "Tw" => self.gs.tw = n(0),
            "Tz" => self.gs.th = n(0) / 100.0,
            "TL" => self.gs.tl = n(0),
            "Ts" => self.gs.rise = n(0),
            "Tf" => {
                self.gs.size = n(1);
                if let Some(Object::Name(fname)) = o.first() {
                    self.gs.font = self.font(fname, res);
                }
            }
            "Td" => self.move_line(n(0), n(1)),
            "TD" => {
                self.gs.tl = -n(1);
                self.move_line(n(0), n(1));
            }
            "Tm" => {
                self.tm = Mat([n(0), n(1), n(2), n(3), n(4), n(5)]);
                self.tlm = self.tm;
            }
            "T*" => self.move_line(0.0, -self.gs.tl),
            "Tj" => {
                if let Some(Object::String(s, _)) = o.first() {
                    self.show(s);
                }
            }
            "'" => {
                self.move_line(0.0, -self.gs.tl);
                if let Some(Object::String(s, _)) = o.first() {
                    self.show(s);
                }
            }
            "\"" => {
                self.gs.tw = n(0);
                self.gs.tc = n(1);
                self.move_line(0.0, -self.gs.tl);
                if let Some(Object::String(s, _)) = o.get(2) {
                    self.show(s);
                }
            }
            "TJ" => {
                if let Some(Object::Array(items)) = o.first() {
                    for it in items {
                        match it {
                            Object::String(s, _) => self.show(s),
                            Object::Integer(_) | Object::Real(_) => {
                                let adj = -f(Some(it)) / 1000.0 * self.gs.size;
                                if self.gs.font.vertical {
                                    self.advance(0.0, adj);
                                } else {
                                    self.advance(adj * self.gs.th, 0.0);
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            "BI" => self.out.images += 1,
            "Do" => {
                if let Some(Object::Name(xname)) = o.first() {
                    self.do_xobject(xname, res, depth)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn line_to(&mut self, p: (f64, f64)) {
        match self.path.last_mut() {
            Some(sub) if sub.len() < MAX_SUBPATHS => sub.push(p),
            Some(_) => {}
            None => {
                let start = self.cur.unwrap_or(p);
                self.path.push(vec![start, p]);
                self.closed.push(false);
            }
        }
        self.cur = Some(p);
    }

    fn clear_path(&mut self) {
        self.path.clear();
        self.closed.clear();
        self.cur = None;
    }

    fn paint(&mut self, stroke: bool, fill: bool) {
        let path = std::mem::take(&mut self.path);
        let closed = std::mem::take(&mut self.closed);
        self.cur = None;
        let stroke = stroke && !self.gs.stroke_white;
        let fill = fill && !self.gs.fill_white;
        // A stroke as wide as a cell is a fill in disguise; skip it.
        let lw = self.gs.ctm.apply(self.gs.line_width, 0.0);
        let o = self.gs.ctm.apply(0.0, 0.0);
        let lw_dev = ((lw.0 - o.0).powi(2) + (lw.1 - o.1).powi(2)).sqrt();
        for (sub, cl) in path.iter().zip(closed) {
            if sub.is_empty() {
                continue;
            }
            let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for &(x, y) in sub {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
            let (w, h) = (x1 - x0, y1 - y0);
            if !(w.is_finite() && h.is_finite()) {
                continue;
            }
            if fill && (w <= THIN || h <= THIN) && w.max(h) > THIN {
                if w >= h {
                    self.push_seg(true, (y0 + y1) / 2.0, x0, x1);
                } else {
                    self.push_seg(false, (x0 + x1) / 2.0, y0, y1);
                }
                continue;
            }
            if !stroke || lw_dev > 2.0 * THIN {
                continue;
            }
            let n = sub.len();
            let edges = if cl && n > 2 { n } else { n - 1 };
            for i in 0..edges {
                let (a, b) = (sub[i], sub[(i + 1) % n]);
                self.edge(a, b);
            }
        }
    }

    fn edge(&mut self, a: (f64, f64), b: (f64, f64)) {
        let (dx, dy) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
        if dy < 0.5 && dx > 0.5 {
            self.push_seg(true, (a.1 + b.1) / 2.0, a.0.min(b.0), a.0.max(b.0));
        } else if dx < 0.5 && dy > 0.5 {
            self.push_seg(false, (a.0 + b.0) / 2.0, a.1.min(b.1), a.1.max(b.1));
        }
    }

    fn push_seg(&mut self, horiz: bool, pos: f64, a: f64, b: f64) {
        if pos.is_finite() && a.is_finite() && b.is_finite() && self.out.segs.len() < 1_000_000 {
            self.out.segs.push(Seg {
                horiz,
                pos: pos as f32,
                a: a as f32,
                b: b as f32,
            });
        }
    }

    fn move_line(&mut self, tx: f64, ty: f64) {
        self.tlm = Mat::translate(tx, ty).then(&self.tlm);
        self.tm = self.tlm;
    }

    fn advance(&mut self, tx: f64, ty: f64) {
        self.tm = Mat::translate(tx, ty).then(&self.tm);
    }

    fn show(&mut self, bytes: &[u8]) {
        let font = Rc::clone(&self.gs.font);
        self.codes.clear();
        font.decode(bytes, &mut self.codes);
        let codes = std::mem::take(&mut self.codes);
        let gs = &self.gs;
        let fs = gs.size;
        let trm_base = Mat([fs * gs.th, 0.0, 0.0, fs, 0.0, gs.rise]);
        for c in &codes {
            let w = f64::from(c.width);
            let trm = trm_base.then(&self.tm).then(&gs.ctm);
            // Glyph box in glyph space (em units): horizontal glyphs sit on the baseline,
            // vertical ones hang below their origin, centred on it.
            let (bx0, by0, bx1, by1) = if font.vertical {
                (-0.5, -1.0, 0.5, 0.0)
            } else {
                (0.0, -0.12, w.max(0.1), 0.88)
            };
            let pts = [
                trm.apply(bx0, by0),
                trm.apply(bx1, by0),
                trm.apply(bx0, by1),
                trm.apply(bx1, by1),
            ];
            let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for (x, y) in pts {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
            let size = {
                let (ox, oy) = trm.apply(0.0, 0.0);
                let (ux, uy) = trm.apply(0.0, 1.0);
                ((ux - ox).powi(2) + (uy - oy).powi(2)).sqrt()
            };
            match &c.text {
                None => self.out.undecoded += 1,
                Some(t) if t.chars().any(crate::font::is_garbage) => self.out.garbled += 1,
                Some(t) => {
                    let t: String = t.chars().filter(|ch| !ch.is_control()).collect();
                    let finite = [x0, y0, x1, y1, size].iter().all(|v| v.is_finite());
                    if !t.trim().is_empty() && finite && self.out.glyphs.len() < MAX_GLYPHS {
                        self.out.glyphs.push(Glyph {
                            text: t,
                            x0: x0 as f32,
                            y0: y0 as f32,
                            x1: x1 as f32,
                            y1: y1 as f32,
                            size: size as f32,
                            vertical: font.vertical,
                        });
                    }
                }
            }
            let spacing = gs.tc + if c.is_space { gs.tw } else { 0.0 };
            if font.vertical {
                let ty = -fs + spacing;
                self.tm = Mat::translate(0.0, ty).then(&self.tm);
            } else {
                let tx = (w * fs + spacing) * gs.th;
                self.tm = Mat::translate(tx, 0.0).then(&self.tm);
            }
        }
        self.codes = codes;
    }

    fn font(&mut self, name: &[u8], res: Option<&Dictionary>) -> Rc<Font> {
        if let Some(f) = self.font_cache.get(name) {
            return Rc::clone(f);
        }
        let doc = self.doc;
        let entry = res
            .and_then(|r| r.get(b"Font").ok())
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
            .and_then(|fonts| fonts.get(name).ok());
        let font = match entry {
            Some(Object::Reference(id)) => {
                if let Some(f) = self.shared.fonts.get(id) {
                    Rc::clone(f)
                } else {
                    let f = match doc.get_dictionary(*id) {
                        Ok(d) => Font::load(doc, d, &mut self.shared.budget),
                        Err(_) => Font::fallback(),
                    };
                    let f = Rc::new(f);
                    self.shared.fonts.insert(*id, Rc::clone(&f));
                    f
                }
            }
            Some(Object::Dictionary(d)) => Rc::new(Font::load(doc, d, &mut self.shared.budget)),
            _ => Rc::new(Font::fallback()),
        };
        self.font_cache.insert(name.to_vec(), Rc::clone(&font));
        font
    }

    fn do_xobject(
        &mut self,
        name: &[u8],
        res: Option<&Dictionary>,
        depth: usize,
    ) -> Result<(), PdfError> {
        let doc = self.doc;
        let Some(entry) = res
            .and_then(|r| r.get(b"XObject").ok())
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
            .and_then(|x| x.get(name).ok())
        else {
            return Ok(());
        };
        let Ok(id) = entry.as_reference() else {
            return Ok(());
        };
        let Ok(stream) = doc.get_object(id).and_then(Object::as_stream) else {
            return Ok(());
        };
        let subtype = stream
            .dict
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        if subtype == b"Image" {
            self.out.images += 1;
            if self.out.placed.len() < 64 {
                self.out.placed.push((id, self.gs.ctm));
            }
            return Ok(());
        }
        if subtype != b"Form" || depth >= self.shared.max_depth.min(64) {
            return Ok(());
        }
        let data = match self.shared.forms.get(&id) {
            Some(d) => Rc::clone(d),
            None => {
                let d = Rc::new(content_bytes(doc, self.shared, id, self.page)?);
                self.shared.forms.insert(id, Rc::clone(&d));
                d
            }
        };
        let form_res = stream
            .dict
            .get(b"Resources")
            .ok()
            .and_then(|o| doc.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok());
        let matrix = stream
            .dict
            .get(b"Matrix")
            .ok()
            .and_then(|o| o.as_array().ok())
            .filter(|a| a.len() == 6)
            .map(|a| {
                Mat([
                    f(a.first()),
                    f(a.get(1)),
                    f(a.get(2)),
                    f(a.get(3)),
                    f(a.get(4)),
                    f(a.get(5)),
                ])
            })
            .unwrap_or(Mat::ID);
        let saved_gs = self.gs.clone();
        let saved_stack = self.stack.len();
        let saved_cache = std::mem::take(&mut self.font_cache);
        self.gs.ctm = matrix.then(&self.gs.ctm);
        let r = self.run(&data, form_res.or(res), depth + 1);
        self.font_cache = saved_cache;
        self.stack.truncate(saved_stack);
        self.gs = saved_gs;
        r
    }
}

/// A stream of `page` (object `id`) that would take the decompressed data past the
/// document's budget ([`gouji_doc::Limits::max_decompressed_bytes`]).
fn over_budget(page: u32, id: ObjectId, max: u64) -> PdfError {
    let what = format!("page {page}: object {} {} R", id.0, id.1);
    OverLimit::new(
        Limit::DecompressedBytes,
        what,
        "bytes decompressed",
        None,
        max,
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_order() {
        let flip = Mat([1.0, 0.0, 0.0, -1.0, 0.0, 842.0]);
        let t = Mat::translate(10.0, 20.0).then(&flip);
        assert_eq!(t.apply(0.0, 0.0), (10.0, 822.0));
    }
}
